"""``call-none``, ``operator`` and ``arg-type``: values whose type is certain.

A value's type is *certain* here only when nothing was guessed: a literal
(``"a"``, ``1``, ``[...]``, ``{...}``), or a local variable every assignment of
which is such a literal of the same class.  Parameters (whose types come from
call sites) and anything computed are never certain.  The classes compared are
plain builtins with no subclass relation between them, after the numeric
promotions (``bool`` -> ``int`` -> ``float`` -> ``complex``).

* ``call-none``: ``handler = None`` ... ``handler()``: the name is None on every path.
* ``operator``: ``"total: " + 3``, ``[1] + (2,)``: no ``__add__``/``__radd__`` pair of
  the two builtins accepts the other.
* ``arg-type``: ``pad("x", "3")`` where ``def pad(s: str, width: int)``: a certain
  argument and a parameter annotated with plain builtins only.

Example::

    x = None
    x()                 # call-none: 'x' is None; calling it would fail
    "a" + 1             # operator: unsupported operand types for +: 'str' and 'int'
"""

from __future__ import annotations

import logging
from typing import Final

from typelens.analyzer import ProgramGraph, SymbolKind

from .engine import TypeEngine
from .types import NONE, ClassType, Type, members

logger = logging.getLogger(__name__)

LITERAL_CLASSES: Final = {  # a literal's node kind -> the class of its value (bytes strings aside); features reads it too
    "integer": "int",
    "float": "float",
    "string": "str",
    "concatenated_string": "str",
    "true": "bool",
    "false": "bool",
    "none": "None",
    "list": "list",
    "list_comprehension": "list",
    "dictionary": "dict",
    "dictionary_comprehension": "dict",
    "set": "set",
    "set_comprehension": "set",
    "tuple": "tuple",
}

PLAIN: Final = frozenset({"int", "float", "complex", "bool", "str", "bytes", "list", "dict", "set", "tuple", "None"})
_NUMERIC: Final = frozenset({"bool", "int", "float", "complex"})
_INTEGRAL: Final = frozenset({"bool", "int"})
_RANK: Final = {"bool": 0, "int": 1, "float": 2, "complex": 3}
_SEQUENCES: Final = frozenset({"str", "bytes", "list", "tuple"})
_ASSIGNMENTS: Final = ("assignment",)


# -- certain types ---------------------------------------------------------------------------
def literal_class(g: ProgramGraph, node: int) -> str | None:
    """The builtin class of a literal expression, else None."""
    kind = g.kinds[node]
    while kind == "parenthesized_expression" and len(g.children(node)) == 1:
        node = g.children(node)[0]
        kind = g.kinds[node]
    if kind in ("string", "concatenated_string"):
        prefix = g.text(node).split("'")[0].split('"')[0].lower()
        return "bytes" if "b" in prefix else "str"
    if kind == "float" and g.text(node).lower().endswith("j"):
        return "complex"
    if kind == "integer" and g.text(node).lower().endswith("j"):
        return "complex"
    return LITERAL_CLASSES.get(kind)


def certain_class(engine: TypeEngine, path: str, g: ProgramGraph, node: int) -> str | None:
    """The builtin class ``node`` certainly has (see the module docstring), else None."""
    found = literal_class(g, node)
    if found is not None or g.kinds[node] != "name_load":
        return found
    sym = g.symbol_at(node)
    if sym is None or sym.kind is not SymbolKind.VARIABLE or sym.is_global_decl or not sym.definitions:
        return None
    if g.scope_of[node] != sym.scope:
        return None  # read from a nested function: it may run after a later assignment
    name = _one_literal_class(g, sym.definitions)
    if name is None:
        return None
    value = engine.exprs.type_of(path, node)
    return name if isinstance(value, ClassType) and value.name == name else None


def _one_literal_class(g: ProgramGraph, definitions: tuple[int, ...]) -> str | None:
    """The literal class every definition assigns, else None: stops at the first
    definition that differs (a name rebound 50,000 times is read 50,000 times)."""
    first = _assigned_literal(g, definitions[0])
    if first is None:
        return None
    for d in definitions[1:]:
        if _assigned_literal(g, d) != first:
            return None
    return first


def _assigned_literal(g: ProgramGraph, definition: int) -> str | None:
    parent = g.parents[definition]
    if g.kinds[parent] not in _ASSIGNMENTS or g.child_by_field(parent, "left") != definition:
        return None
    right = g.child_by_field(parent, "right")
    return literal_class(g, right) if right is not None else None


# -- operators -----------------------------------------------------------------------------
def operator_fits(op: str, left: str, right: str) -> bool:
    """Whether ``left <op> right`` works for two plain builtin classes."""
    if left in _NUMERIC and right in _NUMERIC:
        if op in ("&", "|", "^", "<<", ">>"):
            return left in _INTEGRAL and right in _INTEGRAL
        if op in ("//", "%") and "complex" in (left, right):
            return False
        return op != "@"
    if op == "%" and left in ("str", "bytes"):
        return True  # formatting takes anything
    if op == "+" and left == right and left in _SEQUENCES:
        return True
    if op == "*" and (left in _SEQUENCES and right in _INTEGRAL or right in _SEQUENCES and left in _INTEGRAL):
        return True
    if op == "|" and left == right == "dict":
        return True
    return op in ("|", "&", "^", "-") and left == right == "set"


def operator_problem(engine: TypeEngine, path: str, g: ProgramGraph, node: int) -> tuple[str, str, str] | None:
    """``(op, left class, right class)`` of a binary operation that cannot work."""
    left, right = g.child_by_field(node, "left"), g.child_by_field(node, "right")
    if left is None or right is None:
        return None
    op = g.source.data[g.end_bytes[left] : g.start_bytes[right]].decode("utf-8", "replace").strip()
    if not op or "#" in op or "\\" in op:
        return None
    a, b = certain_class(engine, path, g, left), certain_class(engine, path, g, right)
    if a is None or b is None or operator_fits(op, a, b):
        return None
    return op, a, b


# -- argument types ------------------------------------------------------------------------
def accepts(expected: Type, actual: str) -> bool | None:
    """Whether a parameter declared ``expected`` takes a value of builtin class
    ``actual``; None unless ``expected`` is made of plain builtins only."""
    names = []
    for m in members(expected):
        if not isinstance(m, ClassType) or m.name not in PLAIN:
            return None
        names.append(m.name)
    if actual == "int" and "bool" in names:
        return None  # allow_none=1: a truth value spelled as an int
    for name in names:
        if name == actual or name in _RANK and actual in _RANK and _RANK[actual] <= _RANK[name]:
            return True
    return False


def is_none_value(engine: TypeEngine, path: str, g: ProgramGraph, node: int) -> bool:
    """A local name that is None on every path, with ``x = None`` among its assignments
    (read from the text first: the type is asked only of such a name)."""
    if g.kinds[node] != "name_load":
        return False
    sym = g.symbol_at(node)
    if sym is None or sym.kind is not SymbolKind.VARIABLE or sym.is_global_decl or g.scope_of[node] != sym.scope:
        return False
    if not any(_assigned_literal(g, d) == "None" for d in sym.definitions):
        return False
    return engine.exprs.type_of(path, node) == NONE
