"""Dataclass methods that nothing calls in a run, made without compiling source.

Up to Python 3.12 the ``dataclasses`` module writes each method it adds as
source text and compiles it with ``exec``, one compilation a method, and the
``typelens`` command creates about fifty dataclasses on every start: the
compilations were a third of a cold one-line ``analyze``.  Three of those
methods are never called by a run (a cold ``analyze`` and ``infer`` of click
call none of them): a frozen class's ``__setattr__`` and ``__delattr__``,
which only refuse a change, and ``__repr__``, which only shows an object.
Python 3.13 compiles a class's methods in one go and is left alone.

:func:`install` swaps the ``dataclasses`` helpers that make them
(``_frozen_get_del_attr``, ``_repr_fn``) for :func:`frozen_guards` and
:func:`plain_repr`, closures over the class and its field names with the
bodies ``dataclasses`` would have written: same conditions, same
``FrozenInstanceError`` messages, the same ``super(cls, self)`` call for other
names, the same text (``Point(x=1, y=2)``, guarded against recursion as
before).  ``__init__``, ``__eq__`` and ``__hash__``, which the engine calls
millions of times, stay the module's compiled ones.  The command line installs
this for its own process (``cli/main.py``), before any typelens module defines
a dataclass; a program that imports typelens as a library keeps the standard
module untouched.

Example::

    >>> import dataclasses
    >>> install()
    True
    >>> @dataclasses.dataclass(frozen=True)
    ... class Point:
    ...     x: int
    >>> Point(1)
    Point(x=1)
    >>> Point(1).x = 2
    Traceback (most recent call last):
    dataclasses.FrozenInstanceError: cannot assign to field 'x'
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Callable

# The versions whose dataclasses module makes these methods with
# _frozen_get_del_attr(cls, fields, globals) and _repr_fn(fields, globals)
# (3.13 takes a function builder instead).
PATCHED_VERSIONS = ((3, 10), (3, 11), (3, 12))


def frozen_guards(
    cls: type, fields: list[dataclasses.Field[Any]], globals: dict[str, Any]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """``__setattr__`` and ``__delattr__`` of the frozen dataclass ``cls`` with
    ``fields``: what ``dataclasses._frozen_get_del_attr`` makes, as closures
    (``globals``, the class's module namespace, is not needed by them)."""
    names = tuple(field.name for field in fields)
    frozen_error = dataclasses.FrozenInstanceError

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise frozen_error(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise frozen_error(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def plain_repr(fields: list[dataclasses.Field[Any]], globals: dict[str, Any]) -> Callable[[Any], str]:
    """``__repr__`` over ``fields`` (those shown): what ``dataclasses._repr_fn``
    makes, ``Name(a=1, b='x')`` under the recursion guard, as a closure."""
    names = tuple(field.name for field in fields)

    def __repr__(self: Any) -> str:
        return (
            self.__class__.__qualname__ + "(" + ", ".join([f"{name}={getattr(self, name)!r}" for name in names]) + ")"
        )

    return dataclasses._recursive_repr(__repr__)  # type: ignore[attr-defined, no-any-return]


def install() -> bool:
    """Make frozen dataclasses' guards and every dataclass's ``__repr__`` with
    these closures from now on in this process; whether it did (not on Python
    3.13 and later)."""
    if sys.version_info[:2] not in PATCHED_VERSIONS or not all(
        hasattr(dataclasses, name) for name in ("_frozen_get_del_attr", "_repr_fn", "_recursive_repr")
    ):
        return False
    saved = dataclasses._frozen_get_del_attr, dataclasses._repr_fn  # type: ignore[attr-defined]
    dataclasses._frozen_get_del_attr = frozen_guards  # type: ignore[attr-defined]
    dataclasses._repr_fn = plain_repr  # type: ignore[attr-defined]
    if not _works():  # a patch release called the helpers another way: keep its own
        dataclasses._frozen_get_del_attr, dataclasses._repr_fn = saved  # type: ignore[attr-defined]
        return False
    return True


def _works() -> bool:
    """Whether a frozen dataclass made now reprs and refuses changes as ``dataclasses`` does."""
    try:

        @dataclasses.dataclass(frozen=True)
        class Probe:
            x: int

        probe = Probe(1)
        if repr(probe) != f"{Probe.__qualname__}(x=1)":
            return False
        try:
            probe.x = 2  # type: ignore[misc]
        except dataclasses.FrozenInstanceError:
            return True
        return False
    except Exception:  # noqa: BLE001 - any failure means: do not use the closures
        return False
