"""typing's runtime helpers and declarations without a type: ``cast``, a bare
``Final`` / ``ClassVar``, implicit aliases (``X = A | B``) in a .py file."""

from __future__ import annotations

import os
import types
import typing as t
from typing import TYPE_CHECKING, Callable, ClassVar, Final, TypeVar, cast

T = TypeVar("T")


class Version:
    key: int = 0


class Boundary:
    key: int = 0


if TYPE_CHECKING:
    VersionOrBoundary = Version | Boundary | None

MaybeVersion = Version | None
Versions = list[Version]


def make(cls: type[T]) -> T:
    return cls()


class Relay:
    retries: ClassVar = 3

    def __init__(self) -> None:
        # ? hook: Version
        self.hook: Final = Version()


class Bound:
    # ? version: Boundary | Version | None
    def __init__(self, version: VersionOrBoundary, other: MaybeVersion, many: Versions) -> None:
        self.version = version
        self.other = other
        self.many = many

    def lower(self) -> int:
        if self.version is None:
            return 0
        # ? current: Boundary | Version
        current = self.version
        return current.key


def casts(function: Callable[..., object], value: object, bound: Bound, relay: Relay) -> None:
    # ? code: FunctionType
    code = cast(types.FunctionType, function)
    # ? line: int
    line = code.__code__.co_firstlineno
    # ? named: Version
    named = cast("Version", value)
    # ? table: dict[str, Version]
    table = t.cast("dict[str, Version]", value)
    # ? items: list[int]
    items = cast(list[int], value)
    # ? made: Boundary
    made = make(Boundary)
    # ? other: Version | None
    other = bound.other
    # ? first: Version
    first = bound.many[0]
    # ? retries: int
    retries = relay.retries
    # ? limit: int
    limit = Relay.retries
    return None


if TYPE_CHECKING:
    Entry = os.DirEntry[str]
else:
    Entry = os.DirEntry


# ? entry: DirEntry[str]
def entry_name(entry: Entry) -> str:
    # ? name: str
    name = entry.name
    return name


def function_objects(callback: Callable[..., int]) -> None:
    # ? label: str
    label = callback.__name__
    # ? own: str
    own = entry_name.__qualname__
    # ? method: str
    method = Bound(None, None, []).lower.__name__
