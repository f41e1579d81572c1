"""The type algebra: immutable types, joins, and PEP 604/585 printing.

=====================  ===============================  ====================
value                  class                             printed
=====================  ===============================  ====================
``1``                  ``ClassType("int")``              ``int``
``[1, 2]``             ``ClassType("list", (int,))``     ``list[int]``
``x if c else None``   ``UnionType({int, None})``        ``int | None``
``lambda a: a``        ``CallableType((...), ...)``      ``Callable[[Unknown], Unknown]``
``import os``          ``ModuleType("os")``              ``ModuleType``
(no evidence)          ``UNKNOWN``                       (no prediction)
=====================  ===============================  ====================

Class names are qualified for user classes (``shop.models.Order``) and bare for
builtins (``int``), ``typing``/``collections.abc`` names keep their short form
(``Iterator``); :func:`render` prints the short name.

Example::

    >>> render(join(ClassType("int"), NONE))
    'int | None'
    >>> render(ClassType("dict", (ClassType("str"), ClassType("int"))))
    'dict[str, int]'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeGuard, Union


@dataclass(frozen=True, slots=True)
class UnknownType:
    """What inference cannot tell: the top of the lattice, shown as ``Unknown``."""

    def __repr__(self) -> str:
        return "Unknown"


@dataclass(frozen=True, slots=True)
class ClassType:
    """An instance of class ``name`` with type arguments ``args``.

    Its hash is the dataclass's, ``hash((name, args))``, worked out on first use
    and kept (no default: an unset slot until then): a run hashes types as memo
    keys, set members and ``mro`` keys about 200,000 times on asyncio, and the
    generated ``__hash__`` rebuilds the tuple and hashes the arguments again
    each time (0.6 µs a plain class, 1.6 µs a ``dict[str, list[int]]``)."""

    name: str
    args: tuple["Type", ...] = ()
    _hash: int = field(init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash((self.name, self.args))
            object.__setattr__(self, "_hash", value)
            return value

    def __reduce__(self) -> tuple:
        # a copy (or a pickle, in a process of another hash seed) works its hash out again
        return ClassType, (self.name, self.args)

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class TypeOfClass:
    """The class object itself: ``type[C]``."""

    cls: ClassType


@dataclass(frozen=True, slots=True)
class UnionType:
    """Several types at once (``int | None``): two or more members, none a union (:func:`make_union`)."""

    items: frozenset["Type"]


@dataclass(frozen=True, slots=True)
class CallableType:
    """A callable's parameters and return type (``Callable[[int], str]``); a lambda keeps where it is."""

    params: tuple["Type", ...] | None  # None: any parameters (``...``)
    ret: "Type"
    origin: tuple[str, int] | None = None  # (file, lambda node): a call evaluates the lambda's body


@dataclass(frozen=True, slots=True)
class ModuleType:
    """A module object, by its dotted name (``import os.path``)."""

    name: str


@dataclass(frozen=True, slots=True)
class TypeVarType:
    """A type variable, by name, not yet solved."""

    name: str


@dataclass(frozen=True, slots=True)
class NeverType:
    """Bottom: the placeholder while a recursive inference is in progress; joins drop it."""

    def __repr__(self) -> str:
        return "Never"


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function (or method, with the receiver it is bound to) defined at ``node``
    of the file ``path``: project code, an installed package or a stub."""

    path: str
    node: int
    bound: "Type | None" = None


Type = Union[
    UnknownType, NeverType, ClassType, TypeOfClass, UnionType, CallableType, ModuleType, TypeVarType, FunctionRef
]

_TYPE_CLASSES = (
    UnknownType,
    NeverType,
    ClassType,
    TypeOfClass,
    UnionType,
    CallableType,
    ModuleType,
    TypeVarType,
    FunctionRef,
)
_NESTING = (ClassType, UnionType, TypeOfClass, CallableType, FunctionRef)  # what capped() looks into
UNKNOWN = UnknownType()
NEVER = NeverType()
NONE = ClassType("None")
INT, FLOAT, COMPLEX = ClassType("int"), ClassType("float"), ClassType("complex")
STR, BYTES, BOOL = ClassType("str"), ClassType("bytes"), ClassType("bool")
OBJECT = ClassType("object")
_MAX_UNION = 32  # an inferred union wider than this is `object` (loops must not grow it forever)
MAX_TYPE_DEPTH = 8  # type arguments nested deeper than this are Unknown (``x = [x]`` in a loop must end)
MAX_SELF_NESTING = 3  # list[list[list[int]]] stays; a fourth list inside is Unknown
_NUMERIC_RANK = {"bool": 0, "int": 1, "float": 2, "complex": 3}


def is_known(t: Type) -> bool:
    return not isinstance(t, (UnknownType, TypeVarType, NeverType))


def is_type(value: object) -> TypeGuard[Type]:
    return isinstance(value, _TYPE_CLASSES)


def is_partly_unknown(t: Type) -> bool:
    return isinstance(t, UnknownType) or (isinstance(t, UnionType) and UNKNOWN in t.items)


def members(t: Type) -> frozenset[Type]:
    return t.items if isinstance(t, UnionType) else frozenset((t,))


def make_union(types: Iterable[Type], *, widen: bool = True) -> Type:
    """The union of ``types``.  ``Never`` disappears; an ``Unknown`` part stays (the
    type is then only partly known); ``bool`` folds into ``int`` and ``int`` into
    ``float`` (PEP 484's numeric promotion).  A union that grows past
    ``_MAX_UNION`` members by joining becomes ``object``; one that was written that
    wide (an annotation's ``Union``, ``widen=False``) passes through later joins as
    it is."""
    flat: set[Type] = set()
    widest = _MAX_UNION
    one: Type | None = None  # the first part, while every part is that one non-union type
    mixed = False
    for t in types:
        if isinstance(t, UnionType):
            flat.update(t.items)
            widest = max(widest, len(t.items))
            mixed = True
        else:
            flat.add(t)
            if one is None:
                one = t
            elif not mixed and t is not one and t != one:
                mixed = True
    if one is not None and not mixed:
        # one type, however often given (most joins: ``each`` over a plain type): the
        # steps below would give it back (Never and Unknown included)
        return one
    flat.discard(NEVER)
    known = {t for t in flat if is_known(t) or isinstance(t, TypeVarType)}
    if not known:
        return UNKNOWN if flat else NEVER
    if UNKNOWN in flat:
        known.add(UNKNOWN)
    if INT in known:  # ``int`` unparameterised: ClassType compares by name and arguments
        known.discard(BOOL)
    if FLOAT in known:
        known.discard(INT)
        known.discard(BOOL)
    known = _merge_generics(known)
    if len(known) == 1:
        return next(iter(known))
    if widen and len(known) > widest:
        return OBJECT
    return UnionType(frozenset(known))


def _merge_generics(types: set[Type]) -> set[Type]:
    """``list[int] | list[Unknown]`` is ``list[int]``."""
    by_name: dict[str, list[ClassType]] = {}
    for t in types:
        if isinstance(t, ClassType) and t.args:
            by_name.setdefault(t.name, []).append(t)
    for _name, group in by_name.items():
        if len(group) < 2 or len({len(t.args) for t in group}) != 1:
            continue
        bare = [t for t in group if not any(is_known(a) for a in t.args)]
        if bare and len(bare) < len(group):
            types.difference_update(bare)
    return types


def each(t: Type, answer: Callable[[Type], Type]) -> Type:
    """``answer`` for every member of ``t``, joined.  ``Never`` (no value yet: an
    answer still being worked out in a cycle) gives ``Never``, so that nothing is
    built from it that a later pass could not take back."""
    if isinstance(t, NeverType):
        return NEVER
    if isinstance(t, UnionType):
        return make_union([answer(m) for m in t.items])
    return make_union((answer(t),))


def capped(t: Type, depth: int = MAX_TYPE_DEPTH) -> Type:
    """``t`` with type arguments nested deeper than ``depth`` replaced by Unknown, and
    a class nested in itself more than ``MAX_SELF_NESTING`` times (a recursive
    function's ``tuple[str, tuple[str, ...]]`` grows by one level per pass).  ``t``
    itself when nothing is cut."""
    return _cut(t, depth, ())


def _cut(t: Type, depth: int, path: tuple[str, ...]) -> Type:
    if isinstance(t, ClassType) and not t.args or not isinstance(t, _NESTING):
        return t
    if depth <= 0:
        return UNKNOWN
    if isinstance(t, UnionType):
        items = [_cut(m, depth, path) for m in t.items]
        return t if all(a is b for a, b in zip(items, t.items)) else make_union(items, widen=False)
    if isinstance(t, TypeOfClass):
        cls = _cut(t.cls, depth - 1, path)
        return t if cls is t.cls else TypeOfClass(cls) if isinstance(cls, ClassType) else UNKNOWN
    if isinstance(t, FunctionRef):
        bound = _cut(t.bound, depth - 1, path) if t.bound is not None else None
        return t if bound is t.bound else FunctionRef(t.path, t.node, bound)
    name = t.name if isinstance(t, ClassType) else "Callable"
    inner = (*path, name)
    if inner.count(name) > MAX_SELF_NESTING:
        return UNKNOWN
    parts = t.args if isinstance(t, ClassType) else (*(t.params or ()), t.ret)
    cut = tuple(_cut(a, depth - 1, inner) for a in parts)
    if all(a is b for a, b in zip(cut, parts)):
        return t
    if isinstance(t, ClassType):
        return ClassType(t.name, cut)
    return CallableType(None if t.params is None else cut[:-1], cut[-1], t.origin)


def join(*types: Type) -> Type:
    return make_union(types)


def without_none(t: Type) -> Type:
    rest = [m for m in members(t) if m != NONE]
    return make_union(rest) if rest else NEVER


def known_part(t: Type) -> Type:
    """``t`` without its Unknown members (Unknown if nothing is known; Never stays)."""
    if isinstance(t, NeverType):
        return NEVER
    rest = [m for m in members(t) if is_known(m)]
    return make_union(rest) if rest else UNKNOWN


def is_optional(t: Type) -> bool:
    return isinstance(t, UnionType) and NONE in t.items


def numeric_result(a: Type, b: Type) -> Type | None:
    """The type of ``a <op> b`` for numeric operands, following promotion."""
    if isinstance(a, ClassType) and isinstance(b, ClassType) and a.name in _NUMERIC_RANK and b.name in _NUMERIC_RANK:
        top = max(a.name, b.name, key=_NUMERIC_RANK.__getitem__)
        return INT if top == "bool" else ClassType(top)
    return None


def base_name(t: Type) -> str:
    """The outermost constructor (``list[int]`` -> ``list``), for base-type match."""
    if isinstance(t, ClassType):
        return t.short
    if isinstance(t, UnionType):
        return "|".join(sorted(base_name(m) for m in t.items))
    return render(t)


def render(t: Type) -> str:
    """PEP 604/585 text of ``t``."""
    if isinstance(t, ClassType):
        if t.name == "tuple" and len(t.args) == 2 and t.args[1] == ClassType("..."):
            return f"tuple[{render(t.args[0])}, ...]"
        if t.args and any(is_known(a) for a in t.args):
            return f"{t.short}[{', '.join(render(a) for a in t.args)}]"
        if t.name == "tuple" and t.args == ():
            return "tuple"
        return t.short
    if isinstance(t, UnionType):
        # two members alike on the page (lambdas of one signature) show once
        parts = sorted({render(m) for m in t.items if m != NONE and is_known(m)}, key=_order)
        if NONE in t.items:
            parts.append("None")
        return " | ".join(parts)
    if isinstance(t, CallableType):
        params = "..." if t.params is None else "[" + ", ".join(render(p) for p in t.params) + "]"
        return f"Callable[{params}, {render(t.ret)}]"
    if isinstance(t, TypeOfClass):
        return f"type[{render(t.cls)}]"
    if isinstance(t, ModuleType):
        return "ModuleType"
    if isinstance(t, FunctionRef):
        return "Callable[..., Any]"
    return "Any"


def _order(text: str) -> tuple[int, str]:
    builtin_rank = {"int": 0, "float": 1, "complex": 2, "str": 3, "bytes": 4, "bool": 5}
    return builtin_rank.get(text, 10), text


def type_vars(t: Type) -> list[str]:
    """The type variables of ``t`` in order of first appearance, ``Self`` aside: a
    generic alias's parameters, or a class's from its bases."""
    found: list[str] = []

    def walk(x: Type) -> None:
        if isinstance(x, TypeVarType):
            if x.name not in found and x.name != "Self":
                found.append(x.name)
        elif isinstance(x, ClassType):
            for a in x.args:
                walk(a)
        elif isinstance(x, UnionType):
            for m in x.items:
                walk(m)
        elif isinstance(x, CallableType):
            for a in (x.params or ()) + (x.ret,):
                walk(a)

    walk(t)
    return found


def substitute(t: Type, mapping: dict[str, Type]) -> Type:
    """Replace type variables by ``mapping`` (missing ones become Unknown)."""
    if not mapping:
        return t
    if isinstance(t, TypeVarType):
        return mapping.get(t.name, UNKNOWN)
    if isinstance(t, ClassType) and t.args:
        args = tuple(substitute(a, mapping) for a in t.args)
        if t.name == "type" and len(args) == 1 and isinstance(args[0], (ClassType, UnionType)):
            classes = [m for m in members(args[0]) if isinstance(m, ClassType)]
            if len(classes) == len(members(args[0])):
                return make_union(TypeOfClass(m) for m in classes)  # type[Self] with Self bound
        return ClassType(t.name, args)
    if isinstance(t, UnionType):
        return make_union(substitute(m, mapping) for m in t.items)
    if isinstance(t, CallableType):
        params = None if t.params is None else tuple(substitute(p, mapping) for p in t.params)
        return CallableType(params, substitute(t.ret, mapping), t.origin)
    if isinstance(t, TypeOfClass):
        cls = substitute(t.cls, mapping)
        return TypeOfClass(cls) if isinstance(cls, ClassType) else UNKNOWN
    return t
