"""User classes that implement Python's protocols: __call__, __getattr__,
__getitem__, __iter__/__next__, context managers, comprehensions, match."""


class Scale:
    def __call__(self, x: float) -> float:
        return x * 2


# ? scaled: float
scaled = Scale()(1.0)


class Loose:
    def __getattr__(self, name: str) -> int:
        return 0


# ? anything: int
anything = Loose().whatever


class Grid:
    def __getitem__(self, key: tuple[int, int]) -> str:
        return "."


# ? cell: str
cell = Grid()[0, 1]


class Countdown:
    def __init__(self, start: int):
        self.current = start

    def __iter__(self):
        return self

    def __next__(self) -> int:
        self.current -= 1
        return self.current


for tick in Countdown(3):
    # ? seen: int
    seen = tick


class Resource:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self) -> bytes:
        return b""


with Resource() as r:
    # ? data: bytes
    data = r.read()

words = ["a", "bb"]
# ? lengths: list[int]
lengths = [len(w) for w in words]
# ? pairs: dict[str, int]
pairs = {w: len(w) for w in words}
# ? gen: Generator[str, None, None]
gen = (w.upper() for w in words)
# ? nested: list[str]
nested = [c for w in words for c in w]


class Circle:
    def __init__(self, radius: float):
        self.radius = radius


def area(shape: object):
    match shape:
        case Circle(radius=rad):
            # ? found: Circle
            found = shape
            return rad
    return None


def describe(value: int | str | list[int]):
    match value:
        case int() | str() as scalar:
            # ? kept: int | str
            kept = scalar
            return kept
    return None


class Deck:
    def __getitem__(self, index: int) -> str:
        return "card"


for card in Deck():
    # ? drawn: str
    drawn = card
