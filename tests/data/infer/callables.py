"""Functions as values: a parameter that receives a function is a Callable,
calls through it give the function's return, functions returned from functions,
decorators that return a wrapper, functools.partial."""

import functools


def to_text(n: int) -> str:
    return str(n)


# ? fn: Callable[[int], str]
def apply(fn, value):
    # ? result: str
    result = fn(value)
    return result


# ? applied: str
applied = apply(to_text, 3)


def run(callback):
    return callback(2)


# ? doubled: int
doubled = run(lambda x: x * 2)


def make_adder(k: int):
    def adder(x: int) -> int:
        return x + k
    return adder


add3 = make_adder(3)
# ? seven: int
seven = add3(4)


def logged(func):
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@logged
def greet(name: str) -> str:
    return "hi " + name


# ? greeting: str
greeting = greet("bob")


def power(base: float, exp: int) -> float:
    return base ** exp


square = functools.partial(power, exp=2)
# ? squared: float
squared = square(3.0)

handlers = {"text": to_text}
# ? handled: str
handled = handlers["text"](5)

# ? fns: list[Callable[[int], str]]
fns = [to_text]
# ? called: str
called = fns[0](1)


def stringify(func):
    def wrapper(*args, **kwargs):
        return str(func(*args, **kwargs))
    return wrapper


@stringify
def compute(x: int) -> int:
    return x


# ? text: str
text = compute(2)

# ? mapped: list[int]
mapped = list(map(int, ["1", "2"]))
