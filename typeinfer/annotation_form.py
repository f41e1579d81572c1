"""How an inferred type is written as an annotation: the form a predicted parameter
or return takes (the engine keeps the type it inferred, for everything else).

* **The module's type aliases.**  A type equal to an alias the module defines or
  imports prints as the alias's name, as the module's own annotations write it
  (``Interval = tuple[LowerBound, UpperBound]``: ``list[Interval]``).  A union
  alias stands for its members inside a wider union (``MarkerVar | None``).
* **Tuples.**  Tuples of several lengths whose items are all of one type are
  ``tuple[X, ...]``; tuples of one length join item by item
  (``tuple[Command, str] | tuple[Parameter, str]`` is
  ``tuple[Command | Parameter, str]``).
* **Containers of unknown items** beside the same container of known ones are left
  out (``tuple | tuple[str, ...]`` is ``tuple[str, ...]``).
* **Many types.**  A union that shows three or more members besides ``None`` is
  the project class they all derive from, else ``Any``: what an annotation says
  of a value that may be anything (a parameter keeps its ``| None``).  A return
  that is partly unknown counts the unknown part as one more member (it is most
  often a callee's declared ``Any``, which the engine reads as Unknown), ``None``
  too: ``int | None`` and an unknown value is ``Any``, at the lower confidence of
  a partly known answer.

Example::

    Pair = tuple[int, int]

    def pair(a: int):           # return: Pair
        return (a, a)

    def widths(n: int):         # return: tuple[int, ...]
        if n:
            return (n,)
        return (n, n, n)
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable, cast

from typelens.analyzer import SymbolKind

from .types import (
    NONE,
    UNKNOWN,
    CallableType,
    ClassType,
    Type,
    UnionType,
    is_known,
    is_partly_unknown,
    known_part,
    make_union,
    members,
    render,
    type_vars,
)

if TYPE_CHECKING:
    from .engine import TypeEngine

ELLIPSIS = ClassType("...")
_MAX_DEPTH = 8
_MANY = 3  # a union of this many types besides None is written Any
ANY = ClassType("Any")
Aliases = tuple[tuple[Type, str], ...]


def as_written(engine: TypeEngine, path: str, t: Type, kind: str = "return") -> Type:
    """``t`` in the form an annotation in the module ``path`` writes it for a
    ``kind`` (``return`` or ``parameter``; see the module docstring)."""
    if is_partly_unknown(t):  # what is known of it, as the answer shows it
        shown = as_written(engine, path, known_part(t), kind) if is_known(known_part(t)) else t
        if kind == "return" and shown != t and _count(shown) + (NONE in members(shown)) + 1 >= _MANY:
            # and one more value it does not know (most often a callee's declared Any): still partly unknown
            return make_union([ANY, UNKNOWN])
        return make_union([shown, UNKNOWN]) if shown != t else t
    if not is_known(t):
        return t
    compute: Callable[[], object] = partial(module_aliases, engine, path)
    found = engine.memo(("type aliases", path), compute)  # read as object: a cut cycle's Never (see .engine.memo)
    aliases = cast(Aliases, found) if isinstance(found, tuple) else ()
    return _as_any(engine, _rewrite(t, aliases, 0), kind)  # members counted as written


def _as_any(engine: TypeEngine, t: Type, kind: str) -> Type:
    """A union of many types as the project class they all derive from, else as
    ``Any`` (they have nothing in common); a parameter keeps its ``None``."""
    if _count(t) < _MANY:
        return t
    base = engine.classes.common_base(t)
    if base != t:
        return base
    return make_union([ANY, NONE]) if kind == "parameter" and NONE in members(t) else ANY


def module_aliases(engine: TypeEngine, path: str) -> Aliases:
    """``(type, name)`` of each type alias the module binds at its top level
    (defined there or imported), widest first; generic, partly unknown and
    ``Literal`` ones (the engine reads a literal as its class) left out."""
    g = engine.graph(path)
    if g is None:
        return ()
    found: list[tuple[Type, str]] = []
    for sym in g.symbols:
        if sym.scope != 0 or sym.kind not in (SymbolKind.VARIABLE, SymbolKind.IMPORT):
            continue
        alias = engine.names.alias_of_symbol(path, g, sym.id)
        if alias is None:
            continue
        alias_path, rhs = alias
        if "Literal" in engine.require_graph(alias_path).text(rhs):  # read as str: it would name every str
            continue
        t = engine.annotations.evaluate(alias_path, rhs)
        if _is_alias_worthy(t):
            found.append((t, sym.name))
    found.sort(key=lambda pair: -len(members(pair[0])))
    return tuple(found)


def _is_alias_worthy(t: Type) -> bool:
    if not is_known(t) or is_partly_unknown(t) or type_vars(t):
        return False
    if isinstance(t, ClassType):
        return bool(t.args) and all(is_known(a) for a in t.args)
    return isinstance(t, (UnionType, CallableType))


def _count(t: Type) -> int:
    """How many members the page shows, None aside."""
    return len({render(m) for m in members(t) if m != NONE})


def _rewrite(t: Type, aliases: Aliases, depth: int) -> Type:
    if depth > _MAX_DEPTH:
        return t
    if isinstance(t, UnionType):
        parts = _join_tuples(_without_bare([_rewrite(m, aliases, depth + 1) for m in t.items]))
        t = make_union(parts, widen=False)
    elif isinstance(t, ClassType) and t.args:
        t = ClassType(t.name, tuple(_rewrite(a, aliases, depth + 1) for a in t.args))
    return _named(t, aliases)


def _named(t: Type, aliases: Aliases) -> Type:
    """``t`` with the aliases it equals (or, a union, whose members it holds) named."""
    for alias, name in aliases:
        if t == alias:
            return ClassType(name)
    if not isinstance(t, UnionType):
        return t
    parts = set(t.items)
    for alias, name in aliases:
        if isinstance(alias, UnionType) and alias.items <= parts:
            parts = (parts - alias.items) | {ClassType(name)}
    return make_union(parts, widen=False) if parts != set(t.items) else t


def _without_bare(parts: list[Type]) -> list[Type]:
    """Less the containers of unknown items that sit beside the same container with known ones."""
    named = {m.name for m in parts if isinstance(m, ClassType) and m.args and any(is_known(a) for a in m.args)}
    return [m for m in parts if not (_is_bare(m) and isinstance(m, ClassType) and m.name in named)]


def _is_bare(t: Type) -> bool:
    return isinstance(t, ClassType) and t.name != "None" and not any(is_known(a) for a in t.args)


def _join_tuples(parts: list[Type]) -> list[Type]:
    tuples = [m for m in parts if isinstance(m, ClassType) and m.name == "tuple" and m.args]
    if len(tuples) < 2:
        return parts
    rest = [m for m in parts if m not in tuples]
    lengths = {len(m.args) if m.args[-1] != ELLIPSIS else -1 for m in tuples}
    if len(lengths) == 1 and -1 not in lengths:  # one length: item by item
        columns = zip(*(m.args for m in tuples))
        return rest + [ClassType("tuple", tuple(make_union(c, widen=False) for c in columns))]
    items = [_items(m) for m in tuples]
    if any(len(set(i)) != 1 for i in items if i):  # a fixed tuple of mixed items keeps its shape
        return parts
    return rest + [ClassType("tuple", (make_union([x for i in items for x in i], widen=False), ELLIPSIS))]


def _items(t: ClassType) -> tuple[Type, ...]:
    return t.args[:1] if t.args[-1] == ELLIPSIS else t.args
