"""Element types learned from mutation: an empty literal filled later.

``[]``, ``{}``, ``set()`` say nothing about their elements; the calls that fill
them do.  When a name (or ``self.x``) is bound to an empty list, set, deque or
dict, the uses that this binding reaches are read for the methods that add to it
(``append``, ``appendleft``, ``insert``, ``extend``, ``add``, ``update``,
``setdefault``) and for item stores (``d[k] = v``), and the container takes the
join of what they add.  A ``setdefault(k, [])`` whose result is filled in turn
(``d.setdefault(k, []).append(v)``) is refined the same way.

Example (the type we infer on the right)::

    out = []                    # list[str]
    for key in d:               # (d: dict[str, int])
        out.append(key)
    where = {}                  # dict[str, int]
    where["a"] = 1
    groups = {}                 # dict[int, list[str]]
    groups.setdefault(3, []).append("abc")
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeGuard

from typelens.analyzer import EdgeKind, ProgramGraph

from .types import NEVER, UNKNOWN, ClassType, Type, is_known, make_union, members

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_SEQUENCES = frozenset({"list", "set", "deque"})
_MAPPINGS = frozenset({"dict"})
_ADD_ONE = frozenset({"append", "appendleft", "add"})
_ADD_MANY = frozenset({"extend", "extendleft", "update"})
_SEQUENCE_ADDERS = _ADD_ONE | _ADD_MANY | {"insert"}
_MAPPING_ADDERS = frozenset({"setdefault", "update"})
_DISPLAYS = frozenset({"list", "set", "dictionary"})
_MAX_USES = 200  # uses of one name read for mutations (a longer function keeps what they said)


def is_empty_container(t: Type) -> TypeGuard[ClassType]:
    """``list[Unknown]``, ``dict[Unknown, Unknown]``...: a literal with no elements."""
    return (
        isinstance(t, ClassType)
        and t.name in _SEQUENCES | _MAPPINGS
        and bool(t.args)
        and not any(is_known(a) for a in t.args)
    )


class Mutations:
    """Refines the type of an empty container by what is added to it (module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    def refine_binding(self, path: str, store: int, value: Type) -> Type:
        """``value``, bound at ``store`` (a name or attribute store), with the element
        types that the uses this binding reaches add to it."""
        empty = is_empty_container(value)
        if not isinstance(value, ClassType) or not empty and not _displayed_container(value):
            return value
        g = self.engine.require_graph(path)
        if not empty and not _bound_to_display(g, store):
            return value  # what a call returns keeps its declared elements
        sym = g.symbol_at(store)
        if sym is None:
            return value
        keys: list[Type] = []
        items: list[Type] = []
        for use in sym.uses[:_MAX_USES]:
            if store in g.predecessors(use, EdgeKind.DFG):
                self._added_at(path, g, use, value, keys, items)
        return _filled(value, keys, items) if empty else _widened(value, keys, items)

    def refine_expression(self, path: str, node: int, value: Type) -> Type:
        """``value`` of the expression at ``node`` with what is added to it right there."""
        if not is_empty_container(value):
            return value
        keys: list[Type] = []
        items: list[Type] = []
        self._added_at(path, self.engine.require_graph(path), node, value, keys, items)
        return _filled(value, keys, items)

    def _added_at(
        self, path: str, g: ProgramGraph, receiver: int, value: ClassType, keys: list[Type], items: list[Type]
    ) -> None:
        """What the statement around ``receiver`` adds to it: keys (a dict's) and items."""
        parent = g.parents[receiver]
        kind = g.kinds[parent] if parent >= 0 else ""
        if kind == "subscript" and g.child_by_field(parent, "value") == receiver:
            store = g.parents[parent]
            if g.kinds[store] == "assignment" and g.child_by_field(store, "left") == parent:
                index = [c for c in g.children(parent) if g.fields[c] == "subscript"]
                exprs = self.engine.exprs
                assigned = exprs.type_of(path, g.child_by_field(store, "right"))
                if index and g.kinds[index[0]] == "slice":  # `xs[i:] = [x]` puts the value's items
                    items.append(exprs.element_type(assigned))
                    return
                keys.append(exprs.type_of(path, index[0]) if index else UNKNOWN)
                items.append(assigned)
            return
        if kind != "attribute" or g.children(parent)[0] != receiver:
            return
        call = g.parents[parent]
        if call < 0 or g.kinds[call] != "call" or g.child_by_field(call, "function") != parent:
            return
        method = g.names.get(g.children(parent)[-1], "")
        if method not in (_MAPPING_ADDERS if value.name in _MAPPINGS else _SEQUENCE_ADDERS):
            return
        args, kwargs = self.engine.calls.arguments(path, g, call)
        if value.name in _MAPPINGS:
            self._added_to_mapping(path, call, method, args, kwargs, keys, items)
        else:
            self._added_to_sequence(method, args, items)

    def _added_to_sequence(self, method: str, args: list[Type], items: list[Type]) -> None:
        if method in _ADD_ONE and len(args) == 1:
            items.append(args[0])
        elif method == "insert" and len(args) == 2:
            items.append(args[1])
        elif method in _ADD_MANY and len(args) == 1:
            items.append(self.engine.exprs.element_type(args[0]))

    def _added_to_mapping(
        self,
        path: str,
        call: int,
        method: str,
        args: list[Type],
        kwargs: dict[str, Type],
        keys: list[Type],
        items: list[Type],
    ) -> None:
        if method == "setdefault" and len(args) == 2:
            keys.append(args[0])
            items.append(self.refine_expression(path, call, args[1]))
        elif method == "update":
            for m in members(args[0]) if len(args) == 1 else ():
                if isinstance(m, ClassType) and m.name in ("dict", "defaultdict", "OrderedDict") and len(m.args) == 2:
                    keys.append(m.args[0])
                    items.append(m.args[1])
            if kwargs:
                keys.append(ClassType("str"))
                items.extend(kwargs.values())


def _displayed_container(value: Type) -> TypeGuard[ClassType]:
    """A list, set or dict type with its elements known (what a display gives)."""
    return isinstance(value, ClassType) and value.name in _SEQUENCES | _MAPPINGS and bool(value.args)


def _bound_to_display(g: ProgramGraph, store: int) -> bool:
    """Whether ``store`` is the target of an assignment of a list, set or dict display."""
    parent = g.parents[store]
    right = g.child_by_field(parent, "right") if g.kinds[parent] == "assignment" else None
    return right is not None and g.kinds[right] in _DISPLAYS


def _widened(value: ClassType, keys: list[Type], items: list[Type]) -> Type:
    """A display's type joined with the known types added to it later (``xs = [1]``
    then ``xs.append("a")``: ``list[int | str]``, as the list then holds)."""
    added = [t for t in items if is_known(t)]
    if not added:
        return value
    item = make_union([value.args[-1], *added])
    if value.name in _MAPPINGS and len(value.args) == 2:
        key = make_union([value.args[0], *(k for k in keys if is_known(k))])
        return ClassType(value.name, (key, item))
    return ClassType(value.name, (*value.args[:-1], item))


def _filled(value: ClassType, keys: list[Type], items: list[Type]) -> Type:
    item = make_union(items)
    if item == NEVER:  # nothing added, or only what a cycle has no value for yet
        return value
    if value.name in _MAPPINGS:
        return ClassType(value.name, (make_union(keys), item))
    return ClassType(value.name, (item,))
