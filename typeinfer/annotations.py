"""Evaluating annotation expressions into types.

Annotations are read, never executed: ``Optional[List[int]]`` is walked as a
tree.  ``typing`` aliases are normalised (``List`` -> ``list``, ``Optional[X]`` ->
``X | None``, ``Union`` -> ``|``); string annotations are parsed as expressions;
``TypeVar`` assignments become type variables.

Example::

    def f(a: Optional[Dict[str, int]]) -> "list[str]": ...
    # a: dict[str, int] | None      return: list[str]
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph, build_graph

from .types import (
    NONE,
    UNKNOWN,
    CallableType,
    ClassType,
    Type,
    TypeOfClass,
    TypeVarType,
    make_union,
    substitute,
    type_vars,
)

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

ALIASES = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Type": "type",
    "DefaultDict": "defaultdict",
    "Deque": "deque",
    "Text": "str",
    "OrderedDict": "OrderedDict",
    "Counter": "Counter",
    "ChainMap": "ChainMap",
}
_TRANSPARENT = {"Final", "ClassVar", "Annotated", "Required", "NotRequired", "ReadOnly", "TypeGuard", "TypeIs"}
_ANY = {"Any", "object_", "Incomplete", "Unknown"}


def declared_annotation(g: ProgramGraph, assignment: int) -> int | None:
    """The annotation node of ``assignment`` (``x: T = v``) when it names a type:
    a bare qualifier (``x: Final = v``, ``x: ClassVar = v``) declares none, so
    the value's type is the variable's, as in pyright."""
    annotation = g.child_by_field(assignment, "type")
    if annotation is not None and g.text(annotation).strip().split(".")[-1] in ("Final", "ClassVar"):
        return None
    return annotation


class AnnotationEvaluator:
    """Turns annotation nodes of any graph (project file, package or stub) into types."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    def evaluate(self, path: str, node: int | None) -> Type:
        if node is None:
            return UNKNOWN
        engine = self.engine
        if engine.is_elsewhere(path):  # an annotation another file's answers read
            return engine.about(("annotation", path, node), lambda: engine.annotations.evaluated(path, node))
        return self.evaluated(path, node)

    def evaluated(self, path: str, node: int) -> Type:
        """:meth:`evaluate`, worked out."""
        graph = self.engine.graph(path)
        if graph is None:
            return UNKNOWN
        return self._eval(path, graph, node, 0)

    def _eval(self, path: str, g: ProgramGraph, node: int, depth: int) -> Type:
        if depth > 30:
            return UNKNOWN
        kind = g.kinds[node]
        kids = g.children(node)
        if kind in ("type", "parenthesized_expression") and kids:
            return self._eval(path, g, kids[0], depth + 1)
        if kind == "none":
            return NONE
        if kind in ("union_type", "binary_operator"):
            parts = [self._eval(path, g, k, depth + 1) for k in kids]
            return make_union(parts, widen=False)
        if kind in ("name_load", "identifier", "attribute"):
            return self._named(path, g, node, ())
        if kind == "generic_type":
            params = kids[1] if len(kids) > 1 else None
            args = [k for k in g.children(params)] if params is not None else []
            return self._named(path, g, kids[0], tuple(args), depth)
        if kind == "subscript":
            value = g.child_by_field(node, "value")
            args = [k for k in kids if k != value and g.fields[k] == "subscript"]
            if len(args) == 1 and g.kinds[args[0]] == "tuple":
                args = list(g.children(args[0]))
            return self._named(path, g, value, tuple(args), depth) if value is not None else UNKNOWN
        if kind == "string":
            return self._string(path, g, node, depth)
        return UNKNOWN

    def _named(self, path: str, g: ProgramGraph, head: int, arg_nodes: tuple[int, ...], depth: int = 0) -> Type:
        name = g.text(head).rsplit(".", 1)[-1]
        if name in _TRANSPARENT:
            return self._eval(path, g, arg_nodes[0], depth + 1) if arg_nodes else UNKNOWN
        if name in _ANY:
            return UNKNOWN
        if name == "Optional":
            return make_union([self._eval(path, g, arg_nodes[0], depth + 1), NONE]) if arg_nodes else UNKNOWN
        if name == "Union":
            return make_union((self._eval(path, g, a, depth + 1) for a in arg_nodes), widen=False)
        if name == "Literal":
            return (
                make_union((self.engine.exprs.literal_type(path, a) for a in arg_nodes), widen=False)
                if arg_nodes
                else UNKNOWN
            )
        if name == "Callable":
            return self._callable(path, g, arg_nodes, depth)
        if name in ("Self",):
            return TypeVarType("Self")
        if name == "LiteralString":
            return ClassType("str")
        if name in ("Protocol", "Generic"):
            args = tuple(self._eval(path, g, a, depth + 1) for a in arg_nodes)
            return ClassType(name, args)
        base = self._base(path, g, head, name)
        if isinstance(base, TypeVarType) or not arg_nodes:
            return base
        args = tuple(self._eval(path, g, a, depth + 1) for a in arg_nodes)
        if isinstance(base, ClassType):
            if base.name == "type" and args and isinstance(args[0], ClassType):
                return TypeOfClass(args[0])
            params = type_vars(base)
            if params:  # a generic alias: NDArray[float64] is ndarray[tuple[Any, ...], dtype[float64]]
                return substitute(base, dict(zip(params, args)))
            if base.name == "tuple" and len(args) == 2 and g.kinds[_unwrap(g, arg_nodes[1])] == "ellipsis":
                return ClassType("tuple", (args[0], ClassType("...")))
            return ClassType(base.name, args)
        return base

    def _base(self, path: str, g: ProgramGraph, head: int, name: str) -> Type:
        names = self.engine.names
        if name in ALIASES and names.is_typing_name(path, name):
            return ClassType(ALIASES[name])
        alias = names.alias_of(path, g, head)
        if alias is not None:
            alias_path, rhs = alias
            return self.engine.memo(
                ("alias", alias_path, rhs),
                lambda: self._eval(alias_path, self.engine.require_graph(alias_path), rhs, 0),
            )
        if g is self.engine.graph(path):
            resolved = names.value_of_reference(path, head)
        else:  # a parsed string annotation: resolve its text in the module
            resolved = names.value_of_dotted(path, g.text(head))
        if isinstance(resolved, TypeOfClass):
            return resolved.cls
        if isinstance(resolved, TypeVarType):
            return resolved
        if resolved == NONE:
            return NONE
        if name in ALIASES:
            return ClassType(ALIASES[name])
        return UNKNOWN

    def _callable(self, path: str, g: ProgramGraph, arg_nodes: tuple[int, ...], depth: int) -> Type:
        if len(arg_nodes) != 2:
            return CallableType(None, UNKNOWN)
        params_node = _unwrap(g, arg_nodes[0])
        ret = self._eval(path, g, arg_nodes[1], depth + 1)
        if g.kinds[params_node] == "list":
            return CallableType(tuple(self._eval(path, g, p, depth + 1) for p in g.children(params_node)), ret)
        return CallableType(None, ret)

    def _string(self, path: str, g: ProgramGraph, node: int, depth: int) -> Type:
        """A string annotation: parse its text as an expression in the same module."""
        text = g.text(node)
        inner = text.strip("'\"") if text[:1] in "'\"" else ""
        if not inner or len(inner) > 200:
            return UNKNOWN
        fragment = build_graph(inner, path)
        statement = fragment.children(0)[0] if fragment.children(0) else None
        if statement is None or not fragment.children(statement):
            return UNKNOWN
        return self._eval(path, fragment, fragment.children(statement)[0], depth + 1)


def new_type_base(g: ProgramGraph, name_node: int) -> int | None:
    """The base type's node of ``N = NewType("N", base)`` when ``name_node`` is its ``N``."""
    parent = g.parents[name_node]
    if parent < 0 or g.kinds[parent] != "assignment" or g.child_by_field(parent, "left") != name_node:
        return None
    right = g.child_by_field(parent, "right")
    if right is None or g.kinds[right] != "call" or g.text(right).split("(")[0].split(".")[-1] != "NewType":
        return None
    arguments = g.child_by_field(right, "arguments")
    args = [a for a in g.children(arguments) if g.kinds[a] not in ("keyword_argument", "comment")] if arguments else []
    return args[1] if len(args) == 2 else None


def _unwrap(g: ProgramGraph, node: int) -> int:
    while g.kinds[node] == "type" and g.children(node):
        node = g.children(node)[0]
    return node
