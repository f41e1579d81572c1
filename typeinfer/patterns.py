"""``match`` statements: what a case pattern says about the subject and binds.

* Inside a case whose pattern is a class pattern (``case Circle(...)``), a union
  of them (``case int() | str()``) or one of those ``as`` a name, the subject
  (a name or attribute) is an instance of those classes.
* ``case Circle(radius=r)`` binds ``r`` to the class's ``radius``; ``case
  Point(a, b)`` binds ``a`` and ``b`` to the attributes ``Point.__match_args__``
  names (a dataclass's or ``NamedTuple``'s fields in order); ``case int(n)``
  binds ``n`` to the ``int`` itself;
  ``case P() as v`` binds ``v`` to ``P``, and ``case x`` (a capture) or any other
  pattern ``as v`` to the subject's type.

Example (the type we infer on the right)::

    def area(shape: object):
        match shape:
            case Circle(radius=r):     # r: float   (Circle.radius: float)
                shape                  # Circle
            case int() | str() as v:   # v: int | str
                ...
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph

from .types import ClassType, Type, TypeOfClass, make_union, members

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_WRAPPERS = frozenset({"case_pattern", "as_pattern"})
# builtins whose class pattern matches one positional sub-pattern against the subject itself
_SELF_MATCHING = frozenset(
    {"bool", "bytearray", "bytes", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple"}
)


class Patterns:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    def matched(self, path: str, g: ProgramGraph, pattern: int) -> Type | None:
        """The classes ``pattern`` matches instances of; None when it says no class."""
        node = pattern
        while g.kinds[node] in _WRAPPERS and g.children(node):
            node = g.children(node)[0]
        kind = g.kinds[node]
        if kind == "union_pattern":
            parts = [self.matched(path, g, c) for c in g.children(node)]
            known = [p for p in parts if p is not None]
            return make_union(known) if parts and len(known) == len(parts) else None
        if kind != "class_pattern" or not g.children(node):
            return None
        classes = [m.cls for m in members(_class_value(self.engine, path, g, node)) if isinstance(m, TypeOfClass)]
        return make_union(classes) if classes else None

    def case_of(self, g: ProgramGraph, case: int) -> tuple[int | None, int | None]:
        """``(subject, pattern)`` of a case clause."""
        match = g.enclosing(case, "match_statement")
        subject = g.child_by_field(match, "subject") if match is not None else None
        pattern = next((c for c in g.children(case) if g.kinds[c] == "case_pattern"), None)
        return subject, pattern

    def bound(self, path: str, g: ProgramGraph, owner: int) -> Type | None:
        """What a name bound in a pattern holds: ``owner`` is the node above the name
        (the keyword pattern's dotted name, an ``as`` pattern, a capture's case
        pattern); None when ``owner`` is none of those."""
        exprs = self.engine.exprs
        if g.kinds[owner] == "dotted_name" and g.kinds[g.parents[owner]] == "keyword_pattern":
            keyword = g.parents[owner]
            attribute = g.names.get(g.children(keyword)[0], "") or g.text(g.children(keyword)[0])
            cls_pattern = g.enclosing(keyword, "class_pattern")
            cls = self.matched(path, g, cls_pattern) if cls_pattern is not None else None
            return self.engine.classes.member_of(cls, attribute, path, owner) if cls is not None else None
        if g.kinds[owner] == "dotted_name" and g.kinds[g.parents[owner]] == "case_pattern":
            owner = g.parents[owner]  # a capture: ``case x`` or the ``x`` of ``case C(x)``
        if g.kinds[owner] not in ("as_pattern", "case_pattern"):
            return None
        if g.kinds[owner] == "case_pattern" and g.kinds[g.parents[owner]] == "class_pattern":
            return self._positional(path, g, g.parents[owner], owner)
        case = g.enclosing(owner, "case_clause")
        subject = self.case_of(g, case)[0] if case is not None else None
        if g.kinds[owner] == "as_pattern":
            found = self.matched(path, g, g.children(owner)[0])
            if found is not None:
                return found
        if subject is None or g.enclosing(owner, "class_pattern", "keyword_pattern") is not None:
            return None
        return exprs.type_of(path, subject)

    def _positional(self, path: str, g: ProgramGraph, cls_pattern: int, sub: int) -> Type | None:
        """What the ``i``-th positional sub-pattern of ``case C(a, b)`` captures: the
        attribute ``C.__match_args__[i]`` names, or the subject itself for the
        builtins that match their one positional sub-pattern against themselves
        (``case int(n)``)."""
        matched = self.matched(path, g, cls_pattern)
        if matched is None:
            return None
        index = [c for c in g.children(cls_pattern) if g.kinds[c] == "case_pattern"].index(sub)
        found: list[Type] = []
        for cls in members(matched):
            if not isinstance(cls, ClassType):
                return None
            if cls.short in _SELF_MATCHING and "." not in cls.name:
                if index != 0:
                    return None
                found.append(cls)
                continue
            names = self.engine.records.match_args(cls)
            if names is None or index >= len(names):
                return None
            found.append(self.engine.classes.member_of(cls, names[index], path, sub))
        return make_union(found)


def _class_value(engine: "Engine", path: str, g: ProgramGraph, class_pattern: int) -> Type:
    """The class a class pattern names (``Circle``, ``shapes.Circle``)."""
    dotted = g.children(class_pattern)[0]
    parts = g.children(dotted) if g.kinds[dotted] == "dotted_name" else [dotted]
    if len(parts) == 1:
        return engine.exprs.type_of(path, parts[0])
    return engine.names.value_of_dotted(path, g.text(dotted))
