"""A def called through the values it travels as: a name it is assigned to, a
parameter it is passed to, a def that returns it, the wrapper a decorator puts
in its place.  Its parameters are the join of what those calls pass too."""


# ? a: int
def total(a, b, *rest):
    return a + b


def call_three(fn):
    return fn(1, 2, 3)


# ? summed: int
summed = call_three(total)


# ? text: str
def shout(text):
    return text.upper()


alias = shout
# ? loud: str
loud = alias("hi")


def pick():
    return shout


# ? picked: str
picked = pick()("there")


# ? fn: Callable[[str], str]
def logged(fn):
    # ? x: str
    def wrapper(x):
        return fn(x)

    return wrapper


@logged
# ? name: str
def greet(name):
    return "hello " + name


# ? greeting: str
greeting = greet("world")


# ? method_arg: ?
def unused(method_arg):
    return method_arg


# ? cls: type[Plugin]
def register(cls):
    return cls


@register
class Plugin:
    pass


# ? fn: Callable[[float], float]
def timed(fn):
    # ? y: float
    def wrapper(y):
        return fn(y)

    return wrapper


timing = timed


@timing
def half(v):
    return v / 2


# ? halved: float
halved = half(3.0)
