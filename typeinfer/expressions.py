"""Types of expressions, one ``visit_<kind>`` per node kind.

Example (the type we infer on the right)::

    [1, 2]                     list[int]
    {"a": 1.5}                 dict[str, float]
    (1, "x")                   tuple[int, str]
    [s.strip() for s in xs]    list[str]        (xs: list[str])
    a if c else None           int | None       (a: int)
    n / 2                      float
    "%d" % n                   str
    await fetch()              T                (async def fetch() -> T)
    movie.get("year")          int | None       (a TypedDict's ``year: int``)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer.repair import repaired_dots

from .literal_items import LiteralItems
from .types import (
    BOOL,
    BYTES,
    COMPLEX,
    FLOAT,
    INT,
    NEVER,
    NONE,
    STR,
    UNKNOWN,
    CallableType,
    ClassType,
    FunctionRef,
    Type,
    TypeOfClass,
    each,
    is_known,
    make_union,
    members,
    numeric_result,
    without_none,
)

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_COMPARISON = BOOL
_DUNDER = {
    "+": "__add__",
    "-": "__sub__",
    "*": "__mul__",
    "/": "__truediv__",
    "//": "__floordiv__",
    "%": "__mod__",
    "**": "__pow__",
    "@": "__matmul__",
    "&": "__and__",
    "|": "__or__",
    "^": "__xor__",
    "<<": "__lshift__",
    ">>": "__rshift__",
}
_SEQUENCES = frozenset({"str", "bytes", "list", "tuple", "bytearray"})
_COMPARE = {"<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__", "==": "__eq__", "!=": "__ne__"}
_SCALARS = frozenset({"int", "float", "complex", "bool", "str", "bytes"})
_BUILTIN_OPERANDS = _SCALARS | {"list", "tuple", "dict", "set", "frozenset", "bytearray"}
# literals typed from their text alone, asking no other question (no memo entry needed)
_LEAVES = frozenset({"integer", "float", "string", "true", "false", "none", "ellipsis"})


class ExpressionTyper:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._unfinished: dict[str, tuple[object, frozenset[int]]] = {}
        self.literal_items = LiteralItems(engine)

    def type_of(self, path: str, node: int | None) -> Type:
        if node is None:
            return UNKNOWN
        g = self.engine.graph(path)
        kind = g.kinds[node] if g is not None else ""
        if (kind == "name_load" or kind in _LEAVES) and not self._is_unfinished(path, node):
            if kind == "name_load":
                # a name read is its own question (``use``): asked through a second memo
                # entry that only hands its answer on, it costs a memo frame per name
                return self.engine.names.reaching_value(path, node)
            return self._visit(path, node)  # a literal asks nothing: no memo entry either
        return self.engine.memo(
            ("expr", path, node), lambda: UNKNOWN if self._is_unfinished(path, node) else self._visit(path, node)
        )

    def receiver_type_of(self, path: str, node: int) -> Type:
        """The type of ``node`` itself where it is the receiver of a dot being
        typed (``self`` in ``f(self.``), which as a value is unknown (:meth:`type_of`):
        ``f(self.`` is read as ``f(self)`` only so that the statement keeps its
        graph, and ``self`` must not flow into ``f``'s parameter or a variable."""
        return self._visit(path, node)

    def _is_unfinished(self, path: str, node: int) -> bool:
        g = self.engine.graph(path)
        known = self._unfinished.get(path)
        if known is None or known[0] is not g:
            known = self._unfinished[path] = (g, repaired_dots(g.diagnostics) if g is not None else frozenset())
        return bool(known[1]) and g is not None and g.end_bytes[node] in known[1]

    def _visit(self, path: str, node: int) -> Type:
        g = self.engine.require_graph(path)
        visitor = getattr(self, "visit_" + g.kinds[node], None)
        return visitor(path, g, node) if visitor is not None else UNKNOWN

    def visit_assignment(self, path, g, node) -> Type:
        """``b = 0`` read as the value of ``a = b = 0``: a chained assignment binds
        every target to the one value."""
        return self.type_of(path, g.child_by_field(node, "right"))

    # -- literals ---------------------------------------------------------------------
    def literal_type(self, path: str, node: int) -> Type:
        g = self.engine.require_graph(path)
        while g.kinds[node] == "type" and g.children(node):
            node = g.children(node)[0]
        return self._visit(path, node)

    def visit_integer(self, path, g, node) -> Type:
        return COMPLEX if g.text(node).lower().endswith("j") else INT

    def visit_float(self, path, g, node) -> Type:
        return COMPLEX if g.text(node).lower().endswith("j") else FLOAT

    def visit_string(self, path, g, node) -> Type:
        head = g.text(node)[:3].lower()
        quote = min([i for i in (head.find("'"), head.find('"')) if i >= 0] or [0])
        return BYTES if "b" in head[:quote] else STR

    def visit_concatenated_string(self, path, g, node) -> Type:
        kids = g.children(node)
        return self.type_of(path, kids[0]) if kids else STR

    def visit_true(self, path, g, node) -> Type:
        return BOOL

    def visit_false(self, path, g, node) -> Type:  # a method, not an alias: mypyc compiles no aliases
        return BOOL

    def visit_none(self, path, g, node) -> Type:
        return NONE

    def visit_ellipsis(self, path, g, node) -> Type:
        return ClassType("ellipsis")

    # -- displays ---------------------------------------------------------------------
    def _elements(self, path, g, node) -> Type:
        parts = []
        for child in g.children(node):
            if g.kinds[child] == "list_splat":
                parts.append(self.element_type(self.type_of(path, g.children(child)[0])))
            else:
                parts.append(self.type_of(path, child))
        return make_union(parts) if parts else UNKNOWN

    def visit_list(self, path, g, node) -> Type:
        return _display("list", (self._elements(path, g, node),))

    def visit_set(self, path, g, node) -> Type:
        return _display("set", (self._elements(path, g, node),))

    def visit_tuple(self, path, g, node) -> Type:
        kids = g.children(node)
        if any(g.kinds[k] == "list_splat" for k in kids):
            return _display("tuple", (self._elements(path, g, node), ClassType("...")))
        return _display("tuple", tuple(self.type_of(path, k) for k in kids))

    def visit_expression_list(self, path, g, node) -> Type:
        return self.visit_tuple(path, g, node)

    def visit_dictionary(self, path, g, node) -> Type:
        keys, values = [], []
        for pair in g.children(node):
            if g.kinds[pair] == "pair":
                keys.append(self.type_of(path, g.child_by_field(pair, "key")))
                values.append(self.type_of(path, g.child_by_field(pair, "value")))
            elif g.kinds[pair] == "dictionary_splat":
                inner = self.type_of(path, g.children(pair)[0])
                for m in members(inner):
                    if isinstance(m, ClassType) and m.name == "dict" and len(m.args) == 2:
                        keys.append(m.args[0])
                        values.append(m.args[1])
        if not keys:
            return ClassType("dict", (UNKNOWN, UNKNOWN))
        return _display("dict", (make_union(keys), make_union(values)))

    def visit_list_comprehension(self, path, g, node) -> Type:
        return _display("list", (self.type_of(path, g.child_by_field(node, "body")),))

    def visit_set_comprehension(self, path, g, node) -> Type:
        return _display("set", (self.type_of(path, g.child_by_field(node, "body")),))

    def visit_generator_expression(self, path, g, node) -> Type:
        return _display("Generator", (self.type_of(path, g.child_by_field(node, "body")), NONE, NONE))

    def visit_dictionary_comprehension(self, path, g, node) -> Type:
        pair = g.child_by_field(node, "body")
        if pair is None:
            return ClassType("dict")
        return _display(
            "dict",
            (self.type_of(path, g.child_by_field(pair, "key")), self.type_of(path, g.child_by_field(pair, "value"))),
        )

    # -- names and attributes ---------------------------------------------------------
    def visit_name_load(self, path, g, node) -> Type:
        return self.engine.names.reaching_value(path, node)

    def visit_name_store(self, path, g, node) -> Type:
        return self.engine.names.definition_type(path, node)

    def visit_parameter(self, path, g, node) -> Type:
        return self.engine.calls.parameter_type(path, node)

    def visit_attribute(self, path, g, node) -> Type:
        kids = g.children(node)
        obj, attr = kids[0], kids[-1]
        name = g.names.get(attr, "")
        sym = g.symbol_at(node)
        if sym is not None and sym.kind.value == "attribute":
            from typelens.analyzer import EdgeKind

            stores = [d for d in g.predecessors(node, EdgeKind.DFG) if d in sym.definitions]
            if stores and all(g.scope_of[d] == g.scope_of[node] for d in stores):
                value = make_union(self.engine.classes.attribute_store_type(path, d) for d in stores)
                return self.engine.narrowing.narrow(path, node, value)
        receiver = self.type_of(path, obj)
        value = self.engine.classes.member_of(receiver, name, path, node)
        return self.engine.narrowing.narrow(path, node, value)

    def visit_attribute_store(self, path, g, node) -> Type:
        return self.visit_attribute(path, g, node)

    def visit_subscript(self, path, g, node) -> Type:
        item = self.literal_items.item_node(path, g, node)
        if item is not None:  # xs[0] of an unchanged literal: the element written there
            return self.type_of(path, item)
        value = self.type_of(path, g.child_by_field(node, "value"))
        index_nodes = [c for c in g.children(node) if g.fields[c] == "subscript"]
        index_node = index_nodes[0] if index_nodes else None
        index = self.type_of(path, index_node)
        return each(value, lambda m: self._item_of_one(path, g, m, index_node, index))

    def _item_of_one(self, path: str, g, m: Type, index_node: int | None, index: Type) -> Type:
        records = self.engine.records
        if isinstance(m, ClassType) and index_node is not None and g.kinds[index_node] == "string" and "." in m.name:
            item = records.typed_dict_item(m, g.text(index_node)[1:-1])
            if item is not None:
                return item
        m = records.as_tuple(m)
        if (
            isinstance(m, ClassType)
            and m.name == "tuple"
            and m.args
            and index_node is not None
            and g.kinds[index_node] == "integer"
        ):
            position = _integer(g.text(index_node))
            if position is not None and m.args[-1] != ClassType("...") and -len(m.args) <= position < len(m.args):
                return m.args[position]
        if isinstance(m, TypeOfClass):  # list[Version] at run time: the class, read as a type
            evaluated = (
                self.engine.annotations.evaluate(path, g.parents[index_node]) if index_node is not None else None
            )
            if isinstance(evaluated, ClassType) and evaluated.name == m.cls.name:
                return TypeOfClass(evaluated)
            return TypeOfClass(ClassType(m.cls.name, (index.cls if isinstance(index, TypeOfClass) else index,)))
        if (
            index_node is not None
            and g.kinds[index_node] == "slice"
            and isinstance(m, ClassType)
            and m.name in _SEQUENCES
        ):
            return m
        return self.call_method(m, "__getitem__", path, [index])

    # -- operators --------------------------------------------------------------------
    def visit_parenthesized_expression(self, path, g, node) -> Type:
        kids = g.children(node)
        return self.type_of(path, kids[0]) if kids else UNKNOWN

    def visit_binary_operator(self, path, g, node) -> Type:
        left = self.type_of(path, g.child_by_field(node, "left"))
        right = self.type_of(path, g.child_by_field(node, "right"))
        op = g.text(node)[
            g.end_bytes[g.child_by_field(node, "left")] - g.start_bytes[node] : g.start_bytes[
                g.child_by_field(node, "right")
            ]
            - g.start_bytes[node]
        ].strip()
        return self.binary(op, left, right, path)

    def binary(self, op: str, left: Type, right: Type, path: str) -> Type:
        """Strict in the left operand only (no receiver yet, no result); a right operand
        with no value yet goes to the left one's dunder, which often decides alone
        (``"\\n" + s`` is a str whatever ``s`` is)."""
        right_parts = members(right)
        return each(left, lambda a: make_union([self._binary_pair(op, a, b, path) for b in right_parts]))

    def _binary_pair(self, op: str, a: Type, b: Type, path: str) -> Type:
        if not is_known(a):
            return UNKNOWN
        if op == "|" and (isinstance(a, TypeOfClass) or a == NONE) and (isinstance(b, TypeOfClass) or b == NONE):
            return ClassType("types.UnionType")  # ``Version | None`` at run time
        numeric = numeric_result(a, b)
        if numeric is not None:
            if op == "/":
                return COMPLEX if numeric == COMPLEX else FLOAT
            if op in ("&", "|", "^", "<<", ">>") and numeric in (INT,):
                return INT
            if op == "**" and numeric == INT:
                return INT
            return numeric
        if isinstance(a, ClassType) and isinstance(b, ClassType):
            if op == "%" and a.name in ("str", "bytes"):
                return a
            if op == "+" and a.name == b.name and a.name in _SEQUENCES:
                if a.name == "tuple" and a.args and b.args and ClassType("...") not in (a.args[-1], b.args[-1]):
                    return ClassType("tuple", a.args + b.args)
                return (
                    a
                    if a.args == b.args or not b.args
                    else ClassType(a.name, (make_union([*a.args, *b.args]),))
                    if a.name == "list"
                    else a
                )
            if op == "*" and a.name in _SEQUENCES and b.name in ("int", "bool"):
                return a
            if op == "*" and b.name in _SEQUENCES and a.name in ("int", "bool"):
                return b
        if (
            isinstance(a, ClassType)
            and isinstance(b, ClassType)
            and op == "|"
            and a.name in ("dict", "set", "frozenset")
            and a.name == b.name
        ):
            return a
        method = _DUNDER.get(op)
        if method is None:
            return UNKNOWN
        reflected = "__r" + method[2:]
        if (
            self._rejects_operand(a, method, b, path)
            and isinstance(b, ClassType)
            and self.engine.classes.has_member(b, reflected)
        ):
            # ``2 * arr``: int.__mul__ takes an int, so Python asks ndarray.__rmul__
            return _operator_result(self.call_method(b, reflected, path, [a]))
        return _operator_result(self.call_method(a, method, path, [b]))

    def _rejects_operand(self, a: Type, method: str, b: Type, path: str) -> bool:
        """Whether ``a.method`` takes only builtin classes (int, float, str, list...) as
        its operand, in every overload, and ``b`` is a known class that derives from
        none of them: then ``a.method(b)`` returns NotImplemented at run time."""
        if not isinstance(b, ClassType) or b.short in _BUILTIN_OPERANDS:
            return False
        bases = {view.short for view, _ in self.engine.classes.mro(b)}
        if not bases:
            return False
        calls = self.engine.calls
        found = False
        for fn in members(self.engine.classes.member_of(a, method, path, -1)):
            if not isinstance(fn, FunctionRef):
                return False
            g = self.engine.graph(fn.path)
            if g is None:
                return False
            for node in calls.overloads(g, fn.node) or [fn.node]:
                params = [q for q in calls.signature(fn.path, g, node) if q.kind == "positional"][1:]
                if not params or params[0].annotation is None:
                    return False
                accepted = members(self.engine.annotations.evaluate(fn.path, params[0].annotation))
                if not all(isinstance(t, ClassType) and t.short in _BUILTIN_OPERANDS for t in accepted) or bases & {
                    t.short for t in accepted if isinstance(t, ClassType)
                }:
                    return False
                found = True
        return found

    def visit_boolean_operator(self, path, g, node) -> Type:
        """``a or b`` is ``a`` when it is true, so never ``a``'s ``None``; ``a and b``
        either operand."""
        left_node, right_node = g.child_by_field(node, "left"), g.child_by_field(node, "right")
        left = self.type_of(path, left_node)
        right = self.type_of(path, right_node)
        if left_node is not None and right_node is not None:
            operator = g.source.data[g.end_bytes[left_node] : g.start_bytes[right_node]].strip(b" \t\r\n\\()")
            if operator == b"or" and NONE in members(left):
                left = without_none(left)
        return make_union([left, right])

    def visit_not_operator(self, path, g, node) -> Type:
        return BOOL

    def visit_comparison_operator(self, path, g, node) -> Type:
        """``bool``, unless the left operand's class says otherwise (``arr < 0`` is an
        array of bools); a chain (``a < b < c``) is an ``and`` of bools."""
        kids = g.children(node)
        if len(kids) != 2:
            return _COMPARISON
        op = g.text(node)[
            g.end_bytes[kids[0]] - g.start_bytes[node] : g.start_bytes[kids[1]] - g.start_bytes[node]
        ].strip()
        method = _COMPARE.get(op)
        left = self.type_of(path, kids[0])
        if method is None or not isinstance(left, ClassType) or left.short in _BUILTIN_OPERANDS:
            return _COMPARISON
        result = _operator_result(self.call_method(left, method, path, [self.type_of(path, kids[1])]))
        return result if is_known(result) else _COMPARISON

    def visit_unary_operator(self, path, g, node) -> Type:
        operand = self.type_of(path, g.child_by_field(node, "argument"))
        if g.text(node).startswith("~"):
            return INT if operand in (INT, BOOL) else operand if operand == NEVER else UNKNOWN
        return INT if operand == BOOL else operand

    def visit_conditional_expression(self, path, g, node) -> Type:
        kids = g.children(node)
        if len(kids) < 3:
            return UNKNOWN
        return make_union([self.type_of(path, kids[0]), self.type_of(path, kids[2])])

    def visit_named_expression(self, path, g, node) -> Type:
        return self.type_of(path, g.child_by_field(node, "value"))

    def visit_await(self, path, g, node) -> Type:
        kids = g.children(node)
        return self.awaited(self.type_of(path, kids[0])) if kids else UNKNOWN

    def visit_lambda(self, path, g, node) -> Type:
        params = g.child_by_field(node, "parameters")
        count = len(g.children(params)) if params is not None else 0
        return CallableType((UNKNOWN,) * count, self.type_of(path, g.child_by_field(node, "body")), (path, node))

    def visit_call(self, path, g, node) -> Type:
        got = self._typed_dict_get(path, g, node)
        return got if got is not None else self.engine.calls.call_type(path, node)

    def _typed_dict_get(self, path: str, g, call: int) -> Type | None:
        """``movie.get("year")`` on a ``TypedDict`` whose ``year`` is an ``int``:
        ``int | None``; ``movie.get("year", 0)``: the key's type joined with the
        default's.  None when the receiver is not a ``TypedDict`` with that key."""
        function = g.child_by_field(call, "function")
        if function is None or g.kinds[function] != "attribute" or g.text(g.children(function)[-1]) != "get":
            return None
        arguments = g.child_by_field(call, "arguments")
        args = [c for c in g.children(arguments) if g.kinds[c] not in ("(", ")", ",")] if arguments is not None else []
        if not 1 <= len(args) <= 2 or g.kinds[args[0]] != "string" or g.kinds[args[-1]] == "keyword_argument":
            return None
        receiver = self.type_of(path, g.children(function)[0])
        found = []
        for m in members(receiver):
            item = self.engine.records.typed_dict_item(m, g.text(args[0])[1:-1]) if isinstance(m, ClassType) else None
            if item is None:
                return None
            found.append(item)
        fallback = self.type_of(path, args[1]) if len(args) == 2 else NONE
        return make_union([*found, fallback]) if found else None

    # -- helpers the other parts share --------------------------------------------------
    def augmented(self, path: str, statement: int) -> Type:
        g = self.engine.require_graph(path)
        target = g.child_by_field(statement, "left")
        if target is None:  # a broken statement: no target to read
            return UNKNOWN
        right = self.type_of(path, g.child_by_field(statement, "right"))
        before = (
            self.engine.names.reaching_value(path, target)
            if g.kinds[target] == "name_store"
            else self.type_of(path, target)
        )
        op = g.text(statement)[g.end_bytes[target] - g.start_bytes[statement] :].strip().split("=")[0].strip()
        return self.binary(op, before, right, path)

    def unpack(self, value: Type, index: int, starred: bool) -> Type:
        return each(value, lambda m: self._unpack_one(m, index, starred))

    def _unpack_one(self, m: Type, index: int, starred: bool) -> Type:
        m = self.engine.records.as_tuple(m)
        if (
            isinstance(m, ClassType)
            and m.name == "tuple"
            and m.args
            and m.args[-1] != ClassType("...")
            and not starred
            and 0 <= index < len(m.args)
        ):
            return m.args[index]
        element = self.element_type(m)
        return ClassType("list", (element,)) if starred else element

    def element_type(self, iterable: Type) -> Type:
        """What iterating over ``iterable`` yields (``__iter__`` then ``__next__``)."""
        return each(iterable, self._element_of_one)

    def _element_of_one(self, m: Type) -> Type:
        m = self.engine.records.as_tuple(m)
        if isinstance(m, ClassType) and m.name == "tuple" and m.args:
            return m.args[0] if m.args[-1] == ClassType("...") else make_union(m.args)
        if isinstance(m, ClassType) and m.name in ("list", "set", "frozenset", "deque") and m.args:
            return m.args[0]
        if isinstance(m, ClassType) and m.name in ("dict", "defaultdict", "OrderedDict") and m.args:
            return m.args[0]
        if m == STR:
            return STR
        iterator = self.call_method(m, "__iter__", "")
        if not is_known(iterator) and isinstance(m, ClassType) and self.engine.classes.lookup(m, "__iter__") is None:
            return self.call_method(m, "__getitem__", "", [INT])  # the old protocol: items 0, 1, 2...
        return self.call_method(iterator, "__next__", "") if is_known(iterator) else UNKNOWN

    def awaited(self, value: Type) -> Type:
        return each(value, self._awaited_one)

    def _awaited_one(self, m: Type) -> Type:
        if isinstance(m, ClassType) and m.short == "Coroutine" and len(m.args) == 3:
            return m.args[2]
        if isinstance(m, ClassType) and m.short in ("Awaitable", "Task", "Future") and m.args:
            return m.args[0]
        if is_known(m):
            generator = self.call_method(m, "__await__", "")
            return generator.args[2] if isinstance(generator, ClassType) and len(generator.args) == 3 else UNKNOWN
        return UNKNOWN

    def instance_of(self, value: Type) -> Type:
        """``except E`` / ``except (A, B)``: instances of the classes named."""
        return each(value, _instance_of_one)

    def call_method(self, receiver: Type, name: str, path: str, args: list[Type] | None = None) -> Type:
        """The result of ``receiver.name(*args)`` through the class model and calls."""
        classes, calls = self.engine.classes, self.engine.calls
        return each(receiver, lambda m: calls.call_value(classes.member_of(m, name, path, -1), args or [], {}))


def _display(name: str, args: tuple[Type, ...]) -> Type:
    """A display's type: ``Never`` when a part has no value yet (a cycle's first
    pass), so that its later passes only add to it."""
    return NEVER if NEVER in args else ClassType(name, args)


def _integer(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:  # 1_000 is fine; 0777 or a huge literal is not worth an answer
        return None


def _instance_of_one(m: Type) -> Type:
    if isinstance(m, TypeOfClass):
        return m.cls
    if isinstance(m, ClassType) and m.name == "tuple":
        return make_union(a.cls if isinstance(a, TypeOfClass) else UNKNOWN for a in m.args) if m.args else UNKNOWN
    return UNKNOWN


def _operator_result(t: Type) -> Type:
    """An operator's value: a dunder that returns ``NotImplemented`` hands over to the
    other operand (or raises), so the expression itself never has that type."""
    kept = [
        m
        for m in members(t)
        if not (isinstance(m, ClassType) and m.short in ("NotImplementedType", "_NotImplementedType"))
    ]
    return make_union(kept) if kept else UNKNOWN
