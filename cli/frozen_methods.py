"""The two guards of every frozen dataclass, made without compiling source.

``@dataclass(frozen=True)`` gives a class a ``__setattr__`` and a
``__delattr__`` that refuse to change a field.  Up to Python 3.12 the
``dataclasses`` module writes each as source text and compiles it with
``exec``, one compilation a method: a third of a frozen class's creation,
and the ``typelens`` command creates about fifty such classes on every start
(a cold one-line ``analyze`` compiled 98 of these guards).  Python 3.13
compiles a class's methods in one go and is left alone.

:func:`install` swaps ``dataclasses._frozen_get_del_attr`` for
:func:`frozen_guards`, which returns two closures over the class and its
field names with the bodies ``dataclasses`` would have written: same
condition, same ``FrozenInstanceError`` message, same ``super(cls, self)``
call for other names.  Only these two methods change; ``__init__``,
``__eq__``, ``__hash__`` and ``__repr__`` are the module's own.  The
command line installs it for its own process (``cli/main.py``), before any
typelens module defines a dataclass; a program that imports typelens as a
library keeps the standard module untouched.

Example::

    >>> import dataclasses
    >>> install()
    >>> @dataclasses.dataclass(frozen=True)
    ... class Point:
    ...     x: int
    >>> Point(1).x = 2
    Traceback (most recent call last):
    dataclasses.FrozenInstanceError: cannot assign to field 'x'
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any, Callable

# The versions whose dataclasses module makes these two methods with
# _frozen_get_del_attr(cls, fields, globals) (3.13 takes a function builder).
_PATCHED_VERSIONS = ((3, 10), (3, 11), (3, 12))


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


def install() -> bool:
    """Make frozen dataclasses' guards with :func:`frozen_guards` from now on in
    this process; whether it did (not on Python 3.13 and later)."""
    if sys.version_info[:2] not in _PATCHED_VERSIONS or not hasattr(dataclasses, "_frozen_get_del_attr"):
        return False
    dataclasses._frozen_get_del_attr = frozen_guards  # type: ignore[attr-defined]
    return True
