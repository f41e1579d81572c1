"""A function passed to a callee that declares what it calls it with: its
parameters are what the declared ``Callable`` gets, the callee's type variables
bound by the other arguments (pyright types a lambda so; a def too, here)."""

import re
import signal
import weakref
from functools import reduce


class Person:
    def __init__(self, name: str, age: int) -> None:
        self.name = name
        self.age = age


people = [Person("a", 1)]
# ? p: Person
oldest = sorted(people, key=lambda p: p.age)
# ? names: list[str]
names = list(map(lambda p: p.name, people))
# ? adults: list[Person]
adults = list(filter(lambda p: p.age > 17, people))


# ? signum: int
# ? frame: FrameType | None
def handler(signum, frame):
    return None


signal.signal(signal.SIGINT, handler)


# ? match: Match[str]
# ? return: str
def repl(match):
    return match.group(0).upper()


# ? out: str
out = re.sub(r"\w+", repl, "hello")


# ? x: int
# ? y: int
def multiply(x, y):
    return x * y


# ? product: int
product = reduce(multiply, [1, 2])


# ? value: float | str
def same(value):
    return value


# ? mapped: map[float | str]
mapped = map(same, [1, "a", 2.5])


# a def the project calls itself keeps what its callers pass
# ? size: int
def double(size):
    return size * 2


double(3)
# ? lengths: list[int]
lengths = list(map(double, [1, 2]))


# a constructor's callback gets the instance the call builds (``Self`` is ``ref[Person]``)
# ? wr: ReferenceType[Person]
def forget(wr):
    return None


watch = weakref.ref(people[0], forget)


class Server:
    def __init__(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        self.pattern = re.compile("a")

    # a method passed on bound: its parameters after self
    # ? signum: int
    # ? frame: FrameType | None
    def _stop(self, signum, frame):
        return None

    def serve(self):
        return self.pattern.sub(self._sub, "abc")

    # ? m: Match[str]
    def _sub(self, m):
        return m.group(0)

    # ? item: str
    @staticmethod
    def key(item):
        return item

    def ordered(self, items: list[str]):
        return sorted(items, key=self.key)


# a lambda is shown with the parameter types the calls that reach it give
# ? f: Callable[[int], str]
def run(f):
    return f(1)


def show(n: int) -> str:
    return str(n)


run(show)
run(lambda x: str(x))
