class Mask:
    def any(self) -> bool:
        return True


class Vector:
    def __add__(self, other: "Vector") -> "Vector":
        return self

    def __rmul__(self, other: float) -> "Vector":
        return self

    def __radd__(self, other: int) -> "Vector":
        return self

    def __lt__(self, other: float) -> Mask:
        return Mask()


class Money:
    def __mul__(self, other: int) -> "Money":
        return self


v = Vector()
# ? scaled: Vector
scaled = 2 * v
# ? shifted: Vector
shifted = 1.5 * v
# ? summed: Vector
summed = 1 + v
# ? both: Vector
both = v + v
# ? below: Mask
below = v < 0
# ? chained: bool
chained = 0 < 1 < 2
# ? plain: bool
plain = 3 < 4
# ? member: bool
member = v in [v]
# ? product: int
product = 2 * 3
# ? repeated: str
repeated = 3 * "ab"
# ? cost: Money
cost = Money() * 3
# ? listed: list[int]
listed = [1] + [2]


class Column:
    def __radd__(self, other: list[int]) -> "Column":
        return self


# ? stacked: Column
stacked = [1] + Column()


class Version:
    def __init__(self, parts: tuple[int, ...]) -> None:
        self.parts = parts

    def __lt__(self, other):
        if not isinstance(other, Version):
            return NotImplemented
        return self.parts < other.parts


# ? older: bool
older = Version((1,)) < Version((2,))
