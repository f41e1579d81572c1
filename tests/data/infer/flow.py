"""Flow-sensitive variables: each later assignment's own type, as an editor
shows it on that line; the first assignment carries the variable's declared
type (the join of all of them: what an annotation there must say)."""


def convert(raw: str):
    # ? value: float | str
    value = raw
    # ? value: int
    value = int(value)
    # ? value: float
    value = value / 2
    return value


# ? x: int | str
x = 1
# ? x: str
x = "one"
# ? y: str
y = x


def grow(n: int):
    # ? acc: list[int]
    acc = [n]
    # ? acc: list[int]
    acc = acc + [n]
    # ? total: float
    total = len(acc)
    # ? total: float
    total = total / 2
    return total


for item in ["a", "b"]:
    # ? label: str | bytes
    label = item
    # ? label: bytes
    label = label.encode()
