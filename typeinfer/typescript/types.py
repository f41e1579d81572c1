"""The TypeScript type algebra: immutable values, printed as TypeScript writes them.

===================  =============================================  ======================
value                what it stands for                             printed
===================  =============================================  ======================
``Prim(name)``       number, string, boolean, bigint, symbol,       ``number``
                     null, undefined, void, never, unknown, any,
                     object
``Literal(text)``    a literal type                                 ``"get"``, ``42``
``ArrayOf(item)``    ``T[]``                                        ``string[]``
``Tuple(items)``     ``[A, B]``                                     ``[number, string]``
``Shape(fields)``    an object type                                 ``{ x: number; y?: string }``
``Func(params,       a function type                                ``(a: number) => string``
ret)``
``Named(name,        an interface, class, enum, alias or library    ``Promise<number>``
args, where)``       type; ``where`` is its declaration
``TypeVar(name)``    a type parameter                               ``T``
``Union(items)``     a union (flattened, deduplicated)              ``string | null``
``Opaque(text)``     a type we keep as written (conditional,        as written
                     mapped, ``keyof`` ...)
``ClassOf(inst)``    a class's constructor value                    ``typeof Foo``
``ModuleRef``        a module namespace                             ``typeof import("m")``
``Overloads``        several signatures of one function             the first
``UNKNOWN``          nothing is known (no answer, not ``unknown``)
===================  =============================================  ======================

Example::

    >>> render(join(ArrayOf(NUMBER), NULL))
    'number[] | null'
    >>> render(Func((Param("x", STRING),), Named("Promise", (NUMBER,))))
    '(x: string) => Promise<number>'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Mapping, overload

logger = logging.getLogger(__name__)


class TsType:
    """Base of every type value."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Prim(TsType):
    name: str


@dataclass(frozen=True, slots=True)
class Literal(TsType):
    text: str  # as written: "a", 1, true
    base: str  # string, number, boolean, bigint


@dataclass(frozen=True, slots=True)
class ArrayOf(TsType):
    item: TsType
    readonly: bool = False


@dataclass(frozen=True, slots=True)
class Tuple(TsType):
    items: tuple[TsType, ...]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: TsType
    optional: bool = False
    where: tuple[str, int] | None = field(default=None, compare=False)  # (path, node) of its declaration


@dataclass(frozen=True, slots=True)
class Shape(TsType):
    fields: tuple[Field, ...]
    index: TsType | None = None  # `[key: string]: T`

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TsType
    optional: bool = False
    rest: bool = False


@dataclass(frozen=True, slots=True)
class Func(TsType):
    params: tuple[Param, ...]
    ret: TsType
    type_params: tuple[str, ...] = ()
    where: tuple[str, int] | None = field(default=None, compare=False)

    @property
    def required(self) -> int:
        return sum(1 for p in self.params if not p.optional and not p.rest)


@dataclass(frozen=True, slots=True)
class Named(TsType):
    name: str
    args: tuple[TsType, ...] = ()
    where: tuple[str, int] | None = None  # (path, declaration node); None: a library type


@dataclass(frozen=True, slots=True)
class TypeVar(TsType):
    name: str
    where: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Union(TsType):
    items: frozenset[TsType]
    # the members in the order they were joined: what iterates a union goes by this, not
    # by the set, whose order follows hashes (str hashes differ per process, and on
    # Python 3.11 hash(None), in every `where=None`, follows the address of None)
    order: tuple[TsType, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Opaque(TsType):
    text: str


@dataclass(frozen=True, slots=True)
class ClassOf(TsType):
    """The value of a class (or enum) name: its constructor and static side."""

    instance: Named


@dataclass(frozen=True, slots=True)
class ModuleRef(TsType):
    """A module namespace (``import * as ns``, ``require("m")``)."""

    path: str
    specifier: str


@dataclass(frozen=True, slots=True)
class Overloads(TsType):
    """A function declared more than once (overloads, merged library declarations)."""

    funcs: tuple[Func, ...]


@dataclass(frozen=True, slots=True)
class _Unknown(TsType):
    pass


UNKNOWN = _Unknown()
NUMBER, STRING, BOOLEAN, BIGINT, SYMBOL = (Prim(n) for n in ("number", "string", "boolean", "bigint", "symbol"))
NULL, UNDEFINED, VOID, NEVER, ANY, UNKNOWN_TS, OBJECT = (
    Prim(n) for n in ("null", "undefined", "void", "never", "any", "unknown", "object")
)
PRIMITIVES = frozenset(
    {
        "number",
        "string",
        "boolean",
        "bigint",
        "symbol",
        "null",
        "undefined",
        "void",
        "never",
        "any",
        "unknown",
        "object",
    }
)
NULLISH = frozenset({NULL, UNDEFINED, VOID})


def members(t: TsType) -> tuple[TsType, ...]:
    """The union's members, or ``(t,)``."""
    return (t.order or tuple(t.items)) if isinstance(t, Union) else (t,)


def join(*types: TsType) -> TsType:
    """The union of ``types`` (``UNKNOWN`` kept as a member, ``never`` dropped)."""
    flat: list[TsType] = []
    for t in types:
        for m in members(t):
            if m != NEVER and m not in flat:
                flat.append(m)
    if not flat:
        return NEVER if types else UNKNOWN
    if ANY in flat:
        return ANY
    return flat[0] if len(flat) == 1 else Union(frozenset(flat), tuple(flat))


def join_all(types: Iterable[TsType]) -> TsType:
    return join(*types)


def widen(t: TsType) -> TsType:
    """A literal's base type (``"a"`` -> ``string``), as ``let`` and returns widen."""
    if isinstance(t, Literal):
        return Prim(t.base)
    if isinstance(t, Union):
        return join(*(widen(m) for m in members(t)))
    return t


def is_known(t: TsType) -> bool:
    """Whether ``t`` holds nothing unknown (an answer worth giving whole)."""
    if t is UNKNOWN:
        return False
    if isinstance(t, Union):
        return all(is_known(m) for m in t.items)
    if isinstance(t, (ArrayOf,)):
        return is_known(t.item)
    if isinstance(t, Tuple):
        return all(is_known(m) for m in t.items)
    if isinstance(t, Named):
        return all(is_known(a) for a in t.args)
    if isinstance(t, Shape):
        return all(is_known(f.type) for f in t.fields)
    if isinstance(t, Func):
        return is_known(t.ret) and all(is_known(p.type) for p in t.params)
    return True


def known_part(t: TsType) -> TsType:
    """``t`` less its unknown union members."""
    return join(*(m for m in members(t) if m is not UNKNOWN)) if isinstance(t, Union) else t


def without_nullish(t: TsType) -> TsType:
    kept = [m for m in members(t) if m not in NULLISH]
    return join(*kept) if kept else NEVER


@overload
def substitute(t: Func, bindings: Mapping[str, TsType], depth: int = 0) -> Func: ...
@overload
def substitute(t: TsType, bindings: Mapping[str, TsType], depth: int = 0) -> TsType: ...
def substitute(t: TsType, bindings: Mapping[str, TsType], depth: int = 0) -> TsType:
    """``t`` with its type variables replaced by ``bindings`` (unbound ones kept)."""
    if not bindings or depth > 20:
        return t
    d = depth + 1
    if isinstance(t, TypeVar):
        return bindings.get(t.name, t)
    if isinstance(t, ArrayOf):
        return ArrayOf(substitute(t.item, bindings, d), t.readonly)
    if isinstance(t, Tuple):
        return Tuple(tuple(substitute(m, bindings, d) for m in t.items))
    if isinstance(t, Named):
        if not t.args:
            return t
        args = tuple(substitute(a, bindings, d) for a in t.args)
        if (
            t.name == "Awaited"
            and len(args) == 1
            and t.where is None
            and is_known(args[0])
            and not isinstance(args[0], TypeVar)
        ):
            return awaited(args[0])
        return Named(t.name, args, t.where)
    if isinstance(t, Union):
        return join(*(substitute(m, bindings, d) for m in members(t)))
    if isinstance(t, Shape):
        return Shape(
            tuple(Field(f.name, substitute(f.type, bindings, d), f.optional, f.where) for f in t.fields),
            substitute(t.index, bindings, d) if t.index is not None else None,
        )
    if isinstance(t, Func):
        inner = {k: v for k, v in bindings.items() if k not in t.type_params}
        return Func(
            tuple(Param(p.name, substitute(p.type, inner, d), p.optional, p.rest) for p in t.params),
            substitute(t.ret, inner, d),
            t.type_params,
            t.where,
        )
    return t


def awaited(t: TsType) -> TsType:
    """What ``await`` of a value of type ``t`` gives: promises unwrapped."""
    out = []
    for m in members(t):
        for _ in range(4):
            if isinstance(m, Named) and m.name in ("Promise", "PromiseLike") and m.args:
                m = m.args[0]
            else:
                break
        out.append(m)
    return join(*out) if out else UNKNOWN


# -- printing -------------------------------------------------------------------------------
# TypeScript prints a union's members in the order it created their types: the
# primitives first (string, number, ...), null and undefined last
_ORDER = {"string": 0, "number": 1, "bigint": 2, "boolean": 3, "symbol": 4, "null": 8, "undefined": 9}


def render(t: TsType) -> str:
    """``t`` as TypeScript writes it (``UNKNOWN`` prints as ``unknown``)."""
    return _render(t, 0)


def _render_param(p: "Param", at: int, params: tuple["Param", ...], d: int) -> str:
    """One parameter of a function type: ``n?: T`` only where no required one
    follows (TypeScript's rule), else ``n: T | undefined``."""
    text = _render(p.type, d)
    if p.optional and any(not q.optional and not q.rest for q in params[at + 1 :]):
        text = f"({text})" if isinstance(p.type, Func) else text
        return f"{p.name}: {text} | undefined" if "undefined" not in text.split(" | ") else f"{p.name}: {text}"
    return ("..." if p.rest else "") + p.name + ("?" if p.optional else "") + ": " + text


def _render(t: TsType, depth: int) -> str:
    if depth > 12:
        return "any"
    d = depth + 1
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, Literal):
        return t.text
    if isinstance(t, ArrayOf):
        inner = _render(t.item, d)
        inner = f"({inner})" if isinstance(t.item, (Union, Func)) else inner
        return ("readonly " if t.readonly else "") + inner + "[]"
    if isinstance(t, Tuple):
        return "[" + ", ".join(_render(m, d) for m in t.items) + "]"
    if isinstance(t, Shape):
        parts = [f"{_key(f.name)}{'?' if f.optional else ''}: {_render(f.type, d)}" for f in t.fields]
        if t.index is not None:
            parts.insert(0, f"[key: string]: {_render(t.index, d)}")
        return "{ " + "; ".join(parts) + " }" if parts else "{}"
    if isinstance(t, Func):
        params = ", ".join(_render_param(p, i, t.params, d) for i, p in enumerate(t.params))
        head = f"<{', '.join(t.type_params)}>" if t.type_params else ""
        return f"{head}({params}) => {_render(t.ret, d)}"
    if isinstance(t, Named):
        return t.name + (f"<{', '.join(_render(a, d) for a in t.args)}>" if t.args else "")
    if isinstance(t, TypeVar):
        return t.name
    if isinstance(t, Union):
        texts = sorted(
            {_render(m, d) if not isinstance(m, Func) else f"({_render(m, d)})" for m in t.items},
            key=lambda s: (_ORDER.get(s, 5), s),
        )
        return " | ".join(texts)
    if isinstance(t, Opaque):
        return t.text
    if isinstance(t, ClassOf):
        return f"typeof {t.instance.name}"
    if isinstance(t, ModuleRef):
        return f'typeof import("{t.specifier}")'
    if isinstance(t, Overloads):
        return _render(t.funcs[0], d) if t.funcs else "Function"
    return "unknown"


def _key(name: str) -> str:
    return name if name.replace("_", "a").replace("$", "a").isalnum() and not name[:1].isdigit() else repr(name)


def base_name(t: TsType) -> str:
    """The outer constructor: ``Promise`` for ``Promise<number>``, ``Array`` for
    ``string[]``, the union of its members' for a union."""
    if isinstance(t, Union):
        return " | ".join(sorted({base_name(m) for m in t.items}))
    if isinstance(t, ArrayOf):
        return "Array"
    if isinstance(t, Named):
        return t.name
    if isinstance(t, Literal):
        return t.base
    if isinstance(t, Shape):
        return "object"
    if isinstance(t, (Func, Overloads, ClassOf)):
        return "Function"
    return render(t)
