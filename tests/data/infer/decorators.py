import contextlib
import functools
from typing import Callable, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@functools.lru_cache(maxsize=32)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@contextlib.contextmanager
# ? return: Generator[int, None, None]
def opened(path: str):
    yield len(path)


def logged(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return fn(*args, **kwargs)

    return wrapper


def retry(times: int):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        return wrapper

    return decorate


@logged
def area(w: float, h: float) -> float:
    return w * h


@retry(3)
def name_of(x: int) -> str:
    return str(x)


# ? f1: int
f1 = fib(3)
# ? a1: float
a1 = area(1.0, 2.0)
# ? n1: str
n1 = name_of(1)
with opened("x") as size:
    # ? doubled: int
    doubled = size * 2


def tagged(tag):
    def decorate(fn):
        def wrapper(*args):
            return tag + ":" + str(fn(*args))

        return wrapper

    return decorate


@tagged("id")
def ident(x: int) -> int:
    return x


# ? label: str
label = ident(3)


def with_greeting(cls):
    class Greeting(cls):
        def greet(self):
            return "hello"

    return Greeting


def registered(cls):
    return cls


@with_greeting
class Plain:
    def greet(self):
        return 0


@registered
class Kept:
    def size(self):
        return 1.5


# ? greeting: str
greeting = Plain().greet()
# ? kept: float
kept = Kept().size()


# ? fn: Callable[[], str]
def exclaim(fn):
    def inner():
        return fn() + "!"

    return inner


def answer(fn):
    def inner():
        return "42"

    return inner


@exclaim
@answer
def question():
    return 0


# ? shouted: str
shouted = question()
