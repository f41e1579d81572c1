"""Calls and attributes that look wrong but are not: none of these may fire."""

import enum
import typing as t
import os
import xml
from dataclasses import dataclass
from typing import NamedTuple, overload

import lazy_module
import unresolved_base_module  # type: ignore


@overload
def get(key: str) -> str: ...
@overload
def get(key: str, default: int) -> int: ...
def get(key, default=None):
    return default


get("a")
get("a", 1)


def variadic(*args, **kwargs):
    return args, kwargs


variadic(1, 2, x=3)


def spread(parts, options):
    os.path.join(*parts)
    open(**options)


print(lazy_module.anything, lazy_module.more)


class Known:
    def __init__(self) -> None:
        self.size = 1


class Odd(unresolved_base_module.Thing):
    pass


def mixed(flag: bool) -> Known | Odd:
    return Known() if flag else Odd()


print(mixed(True).whatever)


class Base:
    pass


class Child(Base):
    pass


def takes(item: Base, ratio: float, scale: complex) -> None:
    print(item, ratio, scale)


takes(Child(), 1, 2)
takes(Child(), True, 1.5)


try:
    flags = os.O_NOT_THERE
except AttributeError:
    flags = 0


def helper(self):
    return self


class Holder:
    run = helper


Holder().run()


@dataclass
class Point:
    x: int
    y: int = 0


Point(1)
Point(1, y=2)


class Pair(NamedTuple):
    left: int
    right: int


Pair(1, 2)


class Color(enum.Enum):
    RED = 1


Color(1)


def conditional(flag):
    if flag:

        def h(a):
            return a
    else:

        def h(a, b):
            return a + b

    return h(1, 2)


print(xml.dom, os.path, os.environ)

callback = None
if os.environ:
    callback = print
if callback is not None:
    callback()


class Mixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)


class Widget(Mixin, Known):
    def __init__(self, name):
        super().__init__()
        self.name = name


Widget("w")
print("a" * 3, 3 * [1], [1] + [2], "%s" % [1], 1 / 2.5, {1} | {2}, {"a": 1} | {"b": 2}, True + 1)
print(int("3"), int("ff", 16), str(b"x", "ascii"), dict(a=1), type("T", (), {}), sorted([2, 1], key=None))


def split_all(specs: str | list[str]) -> list[str]:
    if isinstance(specs, str):
        return [part.strip() for part in specs.split(",") if part]
    return specs


def size_of(kind: type[Known]) -> int:
    return kind.size


def cached(flag: bool) -> None:
    table = {} if flag else None
    if table is None:
        return
    handler = None
    if flag:
        handler = print
    if handler:
        handler()


def default_stream() -> t.TextIO | None:
    return None


def echo(file: t.IO[str] | None = None, err: bool = False) -> None:
    """Every path past ``if file is None`` rebinds ``file`` or leaves."""
    if file is None:
        if err:
            file = default_stream()
        else:
            file = default_stream()
        if file is None:
            return
    file.flush()


def editor(env: dict[str, str] | None) -> None:
    environ: dict[str, str] | None = None
    if env:
        environ = dict(env)
        environ.update(env)
