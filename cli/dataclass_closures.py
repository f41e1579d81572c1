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
before).

``__eq__`` and ``__hash__``, which the engine calls millions of times, stay
the functions ``dataclasses`` compiles, but compiled once per number of fields
(:class:`MethodTemplates`): the text of two fields differs from another's of
two fields in the attribute names alone, which a code object keeps in
``co_names``.  The first class with two compared fields compiles a template
through the module's own ``_cmp_fn`` (``self._0``, ``self._1``); the others
get its code object with their names in ``co_names`` (``CodeType.replace``):
the bytecode, constants and line numbers of the text ``dataclasses`` would
have compiled (only the columns differ, which nothing shows: ``<string>`` has
no line for a traceback to mark).  A field named as a name the text itself
reads (``hash``, ``__class__``, ``NotImplemented``) or not in ASCII (the
compiler normalises such names) gets the module's own compilation.
``__init__`` stays the module's: its texts differ in defaults, factories and
closures.

The command line installs all this for its own process (``cli/main.py``),
before any typelens module defines a dataclass; a program that imports
typelens as a library keeps the standard module untouched.

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
import types
from typing import Any, Callable

# The versions whose dataclasses module makes these methods with
# _frozen_get_del_attr(cls, fields, globals), _repr_fn(fields, globals),
# _hash_fn(fields, globals) and _cmp_fn(name, op, self_tuple, other_tuple,
# globals) (3.13 takes a function builder instead).
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


class _Placeholder:
    """A field as ``dataclasses._tuple_str`` reads one: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class MethodTemplates:
    """``_hash_fn`` and ``_cmp_fn`` for ``dataclasses``: the module's own
    (``hash_fn``, ``cmp_fn``), called once per method and number of fields to
    compile a template, and its code object with each class's field names
    (see the module docstring)."""

    def __init__(self, hash_fn: Callable[..., Any], cmp_fn: Callable[..., Any]) -> None:
        self._hash_fn = hash_fn
        self._cmp_fn = cmp_fn
        self._templates: dict[tuple[str, str, int], types.CodeType] = {}

    def hash_fn(self, fields: list[dataclasses.Field[Any]], globals: dict[str, Any]) -> Callable[..., Any]:
        names = [field.name for field in fields]
        made = self._made(("__hash__", "", len(names)), names, globals)
        return made if made is not None else self._hash_fn(fields, globals)

    def cmp_fn(
        self, name: str, op: str, self_tuple: str, other_tuple: str, globals: dict[str, Any]
    ) -> Callable[..., Any]:
        names = _names_of(self_tuple, other_tuple)
        made = None if names is None else self._made((name, op, len(names)), names, globals)
        return made if made is not None else self._cmp_fn(name, op, self_tuple, other_tuple, globals)

    def _made(self, key: tuple[str, str, int], names: list[str], globals: dict[str, Any]) -> Callable[..., Any] | None:
        """The method ``key`` (name, operator, number of fields) over the fields
        ``names``, from its template; None when they cannot take the
        placeholders' place."""
        if not all(name.isascii() and name.isidentifier() for name in names):
            return None
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self._compiled(key)
        real = dict(zip(_placeholders(len(names)), names))
        co_names = tuple(real.get(name, name) for name in template.co_names)
        if len(set(co_names)) != len(co_names):  # a field named as a name the text reads
            return None
        # exec(text, globals) gives globals the builtins of the module that calls it
        globals.setdefault("__builtins__", dataclasses.__builtins__)  # type: ignore[attr-defined]
        return types.FunctionType(template.replace(co_names=co_names), globals)

    def _compiled(self, key: tuple[str, str, int]) -> types.CodeType:
        name, op, count = key
        fields = [_Placeholder(placeholder) for placeholder in _placeholders(count)]
        if name == "__hash__":
            made = self._hash_fn(fields, {})
        else:
            tuple_str = dataclasses._tuple_str  # type: ignore[attr-defined]
            made = self._cmp_fn(name, op, tuple_str("self", fields), tuple_str("other", fields), {})
        return made.__code__  # type: ignore[no-any-return]


def _placeholders(count: int) -> list[str]:
    return [f"_{index}" for index in range(count)]


def _names_of(self_tuple: str, other_tuple: str) -> list[str] | None:
    """The field names of ``(self.a,self.b,)`` and ``(other.a,other.b,)``
    (``dataclasses._tuple_str``'s text); None for another text."""
    if self_tuple == "()":
        names: list[str] = []
    elif self_tuple.startswith("(self.") and self_tuple.endswith(",)"):
        names = [part.removeprefix("self.") for part in self_tuple[1:-2].split(",")]
    else:
        return None
    fields = [_Placeholder(name) for name in names]
    tuple_str = dataclasses._tuple_str  # type: ignore[attr-defined]
    if tuple_str("self", fields) != self_tuple or tuple_str("other", fields) != other_tuple:
        return None
    return names


def install() -> bool:
    """Make frozen dataclasses' guards and every dataclass's ``__repr__`` with
    these closures, and ``__eq__``, ``__hash__`` and the order methods from
    templates, from now on in this process; whether it did (not on Python 3.13
    and later)."""
    helpers = ("_frozen_get_del_attr", "_repr_fn", "_recursive_repr", "_hash_fn", "_cmp_fn", "_tuple_str")
    if sys.version_info[:2] not in PATCHED_VERSIONS or not all(hasattr(dataclasses, name) for name in helpers):
        return False
    saved = {name: getattr(dataclasses, name) for name in helpers}
    templates = MethodTemplates(saved["_hash_fn"], saved["_cmp_fn"])
    dataclasses._frozen_get_del_attr = frozen_guards  # type: ignore[attr-defined]
    dataclasses._repr_fn = plain_repr  # type: ignore[attr-defined]
    dataclasses._hash_fn = templates.hash_fn  # type: ignore[attr-defined]
    dataclasses._cmp_fn = templates.cmp_fn  # type: ignore[attr-defined]
    if not _works():  # a patch release called the helpers another way: keep its own
        for name, helper in saved.items():
            setattr(dataclasses, name, helper)
        return False
    return True


def _works() -> bool:
    """Whether a frozen dataclass made now reprs, compares, hashes and refuses
    changes as ``dataclasses`` does.  The probe has a docstring (else
    ``dataclasses`` makes one with ``inspect.signature``, 3 million
    instructions) and no order methods: they go through the same ``_cmp_fn``
    as ``__eq__``, and no typelens class has them, so their four templates
    would be compiled for the probe alone."""
    try:

        @dataclasses.dataclass(frozen=True)
        class Probe:
            """A docstring of its own: dataclasses would make one with ``inspect``."""

            x: int
            y: str = ""

        probe = Probe(1)
        if repr(probe) != f"{Probe.__qualname__}(x=1, y='')":
            return False
        if probe != Probe(1) or probe == Probe(2) or hash(probe) != hash((1, "")):
            return False
        try:
            probe.x = 2  # type: ignore[misc]
        except dataclasses.FrozenInstanceError:
            return True
        return False
    except Exception:  # noqa: BLE001 - any failure means: do not use the closures
        return False
