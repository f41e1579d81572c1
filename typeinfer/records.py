"""Record-like classes whose members the typing machinery declares: enums,
``NamedTuple`` and ``TypedDict``.

* An enum member read on an instance (``Color.RED.value``) has the join of the
  values its members are assigned; ``.name`` is a ``str``.
* A ``NamedTuple`` subclass is also the tuple of its fields, in order: indexing
  with a literal and unpacking give each field's declared type.
* A ``TypedDict`` indexed with a string literal gives that key's declared type.

Example (the type we infer on the right)::

    class Color(Enum):
        RED = 1
    Color.RED.value            # int
    class Point(NamedTuple):
        x: int
        y: float
    Point(1, 2.0)[1]           # float
    class Movie(TypedDict):
        year: int
    movie["year"]              # int
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .types import ClassType, Type, make_union

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
_ENUM_ATTRIBUTES = frozenset({"value", "_value_", "name", "_name_"})


class Records:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    def is_enum(self, cls: ClassType) -> bool:
        return any(view.short in _ENUM_BASES for view, _ in self.engine.classes.mro(cls)[1:])

    def enum_attribute(self, cls: ClassType, name: str) -> Type | None:
        """``value`` / ``name`` of an enum member, None when ``cls`` is no enum (or the
        enum declares that attribute itself)."""
        if name not in _ENUM_ATTRIBUTES or not self.is_enum(cls):
            return None
        chain = self.engine.classes.mro(cls)
        for view, info in chain:
            if view.short in _ENUM_BASES:
                break
            if name in info.members:
                return None  # the enum's own ``value`` (a property, a field)
        if name in ("name", "_name_"):
            return ClassType("str")
        classes = self.engine.classes
        values = [
            classes.data_member(member)
            for _, info in chain
            if not info.path.endswith(".pyi")
            for n, member in info.members.items()
            if member.kind == "variable" and not n.startswith("_")
        ]
        return make_union(values) if values else None

    def fields(self, cls: ClassType) -> tuple[Type, ...] | None:
        """The declared field types of a ``NamedTuple`` subclass, in order."""
        chain = self.engine.classes.mro(cls)
        if not any(view.short == "NamedTuple" for view, _ in chain):
            return None
        classes = self.engine.classes
        for _view, info in chain:
            if not info.path.endswith(".pyi"):
                found = [
                    classes.data_member(m)
                    for m in info.members.values()
                    if m.kind == "variable" and self._is_annotated(info.path, m.nodes)
                ]
                if found:
                    return tuple(found)
        return None

    def match_args(self, cls: ClassType) -> list[str] | None:
        """The attributes a class pattern's positional sub-patterns match, in order:
        ``__match_args__`` written in the class (a tuple of string literals), else the
        fields of a dataclass or a ``NamedTuple`` (both generate it)."""
        classes = self.engine.classes
        chain = classes.mro(cls)
        for _view, info in chain:
            member = info.members.get("__match_args__")
            if member is not None and member.kind == "variable" and not info.path.endswith(".pyi"):
                return self._strings_assigned(info.path, member.nodes[-1])
        record = any(view.short == "NamedTuple" for view, _ in chain)
        for _view, info in chain:
            if info.path.endswith(".pyi") or not (record or info.is_dataclass):
                continue
            names = [
                name
                for name, m in info.members.items()
                if m.kind == "variable" and self._is_annotated(info.path, m.nodes) and not name.startswith("__")
            ]
            if names:
                return names
        return None

    def _strings_assigned(self, path: str, name: int) -> list[str] | None:
        g = self.engine.require_graph(path)
        value = g.child_by_field(g.parents[name], "right") if g.kinds[g.parents[name]] == "assignment" else None
        if value is None or g.kinds[value] not in ("tuple", "list", "parenthesized_expression"):
            return None
        items = [c for c in g.children(value) if g.kinds[c] not in ("(", ")", ",")]
        if not all(g.kinds[c] == "string" for c in items):
            return None
        return [g.text(c).strip("'\"") for c in items]

    def as_tuple(self, t: Type) -> Type:
        """A ``NamedTuple`` instance as the tuple of its fields, anything else as it is."""
        if isinstance(t, ClassType) and not t.args and "." in t.name:
            found = self.fields(t)
            if found is not None:
                return ClassType("tuple", found)
        return t

    def typed_dict_item(self, cls: ClassType, key: str) -> Type | None:
        """The declared type of ``key`` in a ``TypedDict`` class, else None."""
        classes = self.engine.classes
        for view, info in classes.mro(cls):
            if info.path.endswith(".pyi") or not self._names_typed_dict(view):
                continue
            member = info.members.get(key)
            if member is not None and member.kind == "variable" and self._is_annotated(info.path, member.nodes):
                return classes.data_member(member)
        return None

    def _names_typed_dict(self, cls: ClassType) -> bool:
        """Whether ``cls`` or a base of it names ``TypedDict`` among its bases (the
        stubs declare ``TypedDict`` as an object, not a class)."""
        for _, info in self.engine.classes.mro(cls):
            g = self.engine.graph(info.path)
            if g is None:
                continue
            supers = g.child_by_field(info.node, "superclasses")
            if supers is not None and any(
                g.text(b).split(".")[-1].split("[")[0] == "TypedDict" for b in g.children(supers)
            ):
                return True
        return False

    def _is_annotated(self, path: str, nodes: tuple[int, ...]) -> bool:
        g = self.engine.require_graph(path)
        return any(
            g.kinds[g.parents[n]] == "assignment" and g.child_by_field(g.parents[n], "type") is not None for n in nodes
        )
