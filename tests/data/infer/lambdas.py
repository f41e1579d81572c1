"""Lambdas: a lambda's parameter is what the calls that reach it pass, found by
following the lambda as a value (a name it is bound to, a function it is passed
to, a function that returns it)."""


# ? x: int
scale = lambda x: x * 3
# ? tripled: int
tripled = scale(4)

# ? z: float
halved = (lambda z: z / 2)(3.5)


def run(callback):
    return callback("name")


# ? s: str
shouted = run(lambda s: s.upper())
# ? t: str
keyed = run(callback=lambda t: t + "!")


def twice(f, v):
    return f(f(v))


# ? n: int
four = twice(lambda n: n + 1, 2)


def make_step():
    # ? w: float
    return lambda w: w + 0.5


step = make_step()
# ? moved: float
moved = step(1.0)

# ? d: int
with_default = lambda d=10: d * 2

# ? u: ?
unused = lambda u: u
