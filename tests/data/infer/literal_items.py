"""Items of a literal that nothing changes: a name bound once to a list, tuple or
dict display and only read through subscripts holds each element where it was
written, so ``xs[0]`` is the first element's own type."""


def parse(text):
    return int(text)


def label():
    return "label"


handlers = [parse, label, 2.5]
# ? number: int
number = handlers[0]("1")
# ? text: str
text = handlers[1]()
# ? last: float
last = handlers[-1]

table = {"a": 1, 2: "b", "a": 3.5}
# ? by_text: float
by_text = table["a"]
# ? by_int: str
by_int = table[2]

pair = (1, "one")
# ? second: str
second = pair[1]

changed = [1, "two"]
changed[0] = "one"
# ? first: int | str
first = changed[0]

passed = [1, "two"]
print(passed)
# ? anything: int | str
anything = passed[0]


def index_of(i):
    values = [1, "two"]
    # ? at: int | str
    at = values[i]
    return at


mixed = [1, 2.5, "three"]
# ? one: int
# ? two: float
# ? three: str
one, two, three = mixed
# ? left: int
# ? right: str
left, right = [0, "zero"]
