"""Call sites: a call of an unannotated function is the function evaluated for
that call's argument types; its parameters and return, as reported, are the join
over the calls."""


# ? return: int | str
# ? a: int | str
def add(a, b):
    return a + b


# ? r1: int
r1 = add(1, 2)
# ? r2: str
r2 = add("a", "b")


def identity(x):
    return x


# ? n: int
n = identity(3)
# ? s: str
s = identity("s")
# ? items: list[float]
items = identity([1.5])


# ? return: float
def scaled(v, k=2):
    return v * k


# ? f: float
f = scaled(1.5)
# ? i: int
i = scaled(3)
# ? g: float
g = scaled(k=0.5, v=2)


def twice(v):
    return add(v, v)


# ? t: int
t = twice(2)
# ? u: str
u = twice("x")


class Box:
    def get(self, default):
        return default


# ? b: bytes
b = Box().get(b"x")
# ? c: float
c = Box().get(2.5)


def count(n):
    if n == 0:
        return 0
    return count(n - 1) + 1


# ? depth: int
depth = count(3)


# the body tests the parameter for None: a caller may pass None, though these pass str
# ? errors: str | None
def decode(data: bytes, errors):
    if errors is None:
        errors = "strict"
    return data.decode("utf-8", errors)


decode(b"a", "replace")
decode(b"b", "ignore")


class Release:
    def __init__(self, text: str):
        self.text = text
        self.epoch = 0


def latest(found: bool):
    return Release("1.0") if found else "unknown"


# a caller's union, less what the uses cannot take: a str has no epoch
# ? release: Release
def epoch_of(release):
    return release.epoch


epoch_of(latest(True))
epoch_of(Release("2.0"))
