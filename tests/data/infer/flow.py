"""Flow-sensitive variables: each later assignment's own type, as an editor
shows it on that line, and each read the assignments that reach it.

Not checked here: on the first assignment an editor shows its own type too
(pyright and jedi: ``x = 1`` is an int), where typelens reports the variable's
declared type, the join of all its assignments (what ``--apply`` writes there
and what the dataset labels the name with)."""


def convert(raw: str):
    value = raw
    # ? value: int
    value = int(value)
    # ? value: float
    value = value / 2
    return value


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
    total = len(acc)
    # ? total: float
    total = total / 2
    return total


for item in ["a", "b"]:
    label = item
    # ? label: bytes
    label = label.encode()


# a ``finally`` block goes on only where the ``try`` completed normally
# ? return: int
def guarded(n: int):
    try:
        return n * 2
    finally:
        print("done")


# ? return: str | None
def maybe_label(n: int):
    try:
        if n:
            return str(n)
    finally:
        print("done")
