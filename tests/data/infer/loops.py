"""Loops: a name read in a loop sees the values of every turn, and the value before
the first one (the loop may not run)."""


# ? return: float
def accumulate(items):
    x = 0
    for it in items:
        # ? y: float
        y = x
        # ? z: float
        z = y
        x = z + 1.5
    return x


# ? return: int | str
def alternate(items):
    a = 1
    b = "s"
    for _ in items:
        a, b = b, a
    return a


# ? return: float
def nested(rows):
    total = 0
    for row in rows:
        for cell in row:
            total = total + 0.5
    return total


# ? return: float
# ? items: ?
def chase(items):
    a = 0
    b = 0
    for _ in items:
        a = b
        b = a + 0.5
    return a


# ? return: str | None
def last_text(items):
    found = None
    for item in items:
        found = str(item)
    return found


# ? return: str | None
def grow(items):
    value = None
    for item in items:
        if value is None:
            value = "x"
        else:
            value = value + "y"
    return value


# ? return: int
def count_down(n: int):
    i = n
    while i > 0:
        i -= 1
    return i


# ? return: list[str]
def words(lines: list[str]):
    out = []
    for line in lines:
        out = out + line.split()
    return out


class Meter:
    def __init__(self):
        # ? level: float
        self.level = 0

    def bump(self):
        self.level = self.level + 0.5


# a ``while True:`` is left by its return only: nothing falls off the end
# ? return: bytes
def read_exactly(buffer: bytearray, size: int):
    while True:
        if len(buffer) >= size:
            return bytes(buffer[:size])
        try:
            buffer.extend(b"-")
        except MemoryError:
            raise ValueError(size) from None


# ? return: int | None
def first_even(numbers: list[int]):
    found = None
    while True:
        if not numbers:
            break
        value = numbers.pop()
        if value % 2 == 0:
            found = value
            break
    return found
