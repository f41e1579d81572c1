"""Types of script expressions and of what a definition binds, one rule per kind.

Rules, each with the type we infer::

    1, "a", `t${x}`, true, null, /re/      number, string, string, boolean, null, RegExp
    [1, 2], [], [...xs, 0]                 number[], (evolving: the pushes) , number[]
    {a: 1, f() {}, ...o}                   { a: number; f: () => void; ... }
    a + "x", a - b, a < b, !a, typeof a    string, number, boolean, boolean, string
    a ?? b, a || b                         a without null/undefined, joined with b
    c ? x : y                              x | y
    o.k, o?.k, xs[0], t[1]                 the member (| undefined after ?.), the item
    f(x), new C(), await p                 see .calls; the instance; p's resolved value
    x as T, <T>x, x!, x satisfies T        T, T, x without null/undefined, x
    () => 1, function () {}                (the parameters) => number

Definitions: ``let x = v`` binds ``v`` widened (``"a"`` -> ``string``); a
destructuring pattern binds the member or item at its place (its default
joined in); ``for (const x of xs)`` an item of ``xs``, ``for (k in o)`` a
string; ``x += 1`` a number (a string when either side is one); ``catch (e)``
``unknown``; an empty array later filled with ``push`` the pushed values' type.

Example::

    const pts = [{x: 1, y: 2}];
    for (const {x} of pts) {}          # x: number
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.scopes import CLASS_KINDS, FUNCTION_KINDS

from .types import (
    ANY,
    BIGINT,
    BOOLEAN,
    NULL,
    NUMBER,
    STRING,
    UNDEFINED,
    UNKNOWN,
    UNKNOWN_TS,
    VOID,
    ArrayOf,
    ClassOf,
    Field,
    Literal,
    Named,
    Shape,
    TsType,
    Tuple,
    join,
    known_part,
    members,
    widen,
    without_nullish,
)

if TYPE_CHECKING:
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

Rule = Callable[["ScriptEngine", str, ScriptGraph, int], TsType]
_ARITHMETIC = frozenset({"-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", ">>>"})
_COMPARISON = frozenset({"<", ">", "<=", ">=", "==", "!=", "===", "!==", "instanceof", "in"})


def infer_expression(engine: "ScriptEngine", path: str, node: int) -> TsType:
    g = engine.graph(path)
    if g is None:
        return UNKNOWN
    rule = _RULES.get(g.kinds[node])
    if rule is None:
        if g.kinds[node] in FUNCTION_KINDS:
            return engine.functions.function_value(path, node)
        if g.kinds[node] in CLASS_KINDS:
            return ClassOf(engine.class_instance(path, g, node))
        return UNKNOWN
    return rule(engine, path, g, node)


def operator(g: ScriptGraph, node: int) -> str:
    """The operator of a binary, unary, update or augmented assignment node."""
    kids = g.children(node)
    data = g.source.data
    if len(kids) >= 2:
        text = data[g.end_bytes[kids[0]] : g.start_bytes[kids[1]]]
    elif kids and g.start_bytes[kids[0]] > g.start_bytes[node]:
        text = data[g.start_bytes[node] : g.start_bytes[kids[0]]]
    elif kids:
        text = data[g.end_bytes[kids[0]] : g.end_bytes[node]]
    else:
        return ""
    return text.decode("utf-8", "replace").replace("(", " ").replace(")", " ").strip()


def _child(g: ScriptGraph, node: int, index: int = 0) -> int | None:
    kids = g.children(node)
    return kids[index] if len(kids) > index else None


# -- literals and containers ------------------------------------------------------------
def _constant(t: TsType) -> Rule:
    return lambda engine, path, g, node: t


def _number(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return BIGINT if g.text(node).endswith("n") else NUMBER


def _array(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    items = []
    for item in g.children(node):
        if g.kinds[item] == "spread_element":
            inner = engine.value_of(path, c) if (c := _child(g, item)) is not None else UNKNOWN
            items.append(engine.members.item_type(inner))
        else:
            items.append(widen(engine.value_of(path, item)))
    return ArrayOf(join(*items)) if items else ArrayOf(UNKNOWN)


def _object(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    fields: list[Field] = []
    for item in g.children(node):
        kind = g.kinds[item]
        if kind == "pair":
            key, value = g.child_by_field(item, "key"), g.child_by_field(item, "value")
            if key is not None and value is not None:
                fields.append(Field(_key_text(g, key), widen(engine.value_of(path, value)), False, (path, item)))
        elif kind == "name_load":
            fields.append(Field(g.text(item), widen(engine.value_of(path, item)), False, (path, item)))
        elif kind == "method_definition":
            name = g.child_by_field(item, "name")
            if name is not None:
                fields.append(Field(g.text(name), engine.functions.function_value(path, item), False, (path, item)))
        elif kind == "spread_element":
            spread = engine.members.expand(engine.value_of(path, c) if (c := _child(g, item)) is not None else UNKNOWN)
            if isinstance(spread, Shape):
                fields = [f for f in fields if spread.get(f.name) is None] + list(spread.fields)
    by_name: dict[str, Field] = {}
    for f in fields:
        by_name[f.name] = f
    return Shape(tuple(by_name.values()))


def _key_text(g: ScriptGraph, key: int) -> str:
    text = g.text(key)
    return text[1:-1] if g.kinds[key] == "string" else text


# -- operators --------------------------------------------------------------------------
def _binary(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    op = operator(g, node)
    left, right = g.child_by_field(node, "left"), g.child_by_field(node, "right")
    if op in _COMPARISON:
        return BOOLEAN
    lt = engine.value_of(path, left) if left is not None else UNKNOWN
    rt = engine.value_of(path, right) if right is not None else UNKNOWN
    if op == "+":
        return _plus(widen(lt), widen(rt))
    if op in _ARITHMETIC:
        return BIGINT if widen(lt) == BIGINT and widen(rt) == BIGINT else NUMBER
    if op in ("??", "||"):
        kept = without_nullish(lt) if op == "??" else _truthy(lt)
        return join(widen(kept), widen(rt))
    if op == "&&":
        falsy = [m for m in members(widen(lt)) if m in (BOOLEAN, NUMBER, STRING, NULL, UNDEFINED, BIGINT)]
        return join(*falsy, widen(rt))
    return UNKNOWN


def _plus(lt: TsType, rt: TsType) -> TsType:
    if STRING in members(lt) or STRING in members(rt):
        return STRING
    if lt == NUMBER and rt == NUMBER:
        return NUMBER
    if lt == BIGINT and rt == BIGINT:
        return BIGINT
    if UNKNOWN in (lt, rt):
        return UNKNOWN
    return join(NUMBER, STRING) if ANY not in (lt, rt) else ANY


def _truthy(t: TsType) -> TsType:
    kept = [m for m in members(t) if m not in (NULL, UNDEFINED, VOID) and m != Literal("false", "boolean")]
    return join(*kept) if kept else t


def _unary(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    op = operator(g, node)
    if op == "!" or op == "delete":
        return BOOLEAN
    if op == "typeof":
        return STRING
    if op == "void":
        return UNDEFINED
    inner = engine.value_of(path, c) if (c := _child(g, node)) is not None else UNKNOWN
    return BIGINT if widen(inner) == BIGINT and op in ("-", "~") else NUMBER


def _assignment(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    right = g.child_by_field(node, "right")
    return engine.value_of(path, right) if right is not None else UNKNOWN


def _augmented(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    op = operator(g, node).rstrip("=")
    left, right = g.child_by_field(node, "left"), g.child_by_field(node, "right")
    rt = engine.value_of(path, right) if right is not None else UNKNOWN
    if op in ("??", "||", "&&"):
        return join(engine.value_of(path, left), rt) if left is not None else rt
    if op != "+":
        return NUMBER
    lt = known_part(_before(engine, path, g, left))
    if lt is UNKNOWN:  # `x += 1` inside a loop: the earlier value is still being asked for
        return widen(rt) if widen(rt) in (NUMBER, STRING) else UNKNOWN
    return _plus(widen(lt), widen(rt))


def _before(engine, path, g, left: int | None) -> TsType:
    """The value of an augmented assignment's target before it (its reaching definitions)."""
    if left is None:
        return UNKNOWN
    if g.kinds[left] != "name_store":
        return engine.value_of(path, left)
    from typelens.analyzer import EdgeKind

    sources = [d for d in g.predecessors(left, EdgeKind.DFG) if d != left]
    return join(*(engine.definition_type(path, d) for d in sources)) if sources else UNKNOWN


def _ternary(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    a, b = g.child_by_field(node, "consequence"), g.child_by_field(node, "alternative")
    return join(*(engine.value_of(path, n) for n in (a, b) if n is not None))


def _passthrough(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    inner = _child(g, node)
    return engine.value_of(path, inner) if inner is not None else UNKNOWN


def _last(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    kids = g.children(node)
    return engine.value_of(path, kids[-1]) if kids else UNKNOWN


def _non_null(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return without_nullish(_passthrough(engine, path, g, node))


def _as(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    kids = g.children(node)
    if len(kids) < 2:
        return UNKNOWN
    if g.text(kids[1]) == "const":
        return engine.value_of(path, kids[0])
    return engine.declared(path, kids[1])


def _assertion(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    kids = g.children(node)
    return engine.declared(path, kids[0]) if kids else UNKNOWN


def _await(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    inner = _child(g, node)
    return engine.members.awaited(engine.value_of(path, inner)) if inner is not None else UNKNOWN


# -- names, members, calls --------------------------------------------------------------
def _name(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return engine.name_type(path, node)


def _member(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    obj, prop = g.child_by_field(node, "object"), g.child_by_field(node, "property")
    if obj is None or prop is None:
        return UNKNOWN
    receiver = engine.value_of(path, obj)
    optional = g.child_by_field(node, "optional_chain") is not None
    found = engine.members.member_type(without_nullish(receiver) if optional else receiver, g.text(prop))
    if g.kinds[node] == "attribute":
        found = engine.narrowing.narrow_member(path, g, node, found)
    return join(found, UNDEFINED) if optional and found is not UNKNOWN else found


def _subscript(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    obj, index = g.child_by_field(node, "object"), g.child_by_field(node, "index")
    if obj is None or index is None:
        return UNKNOWN
    receiver = engine.members.expand(engine.value_of(path, obj))
    if isinstance(receiver, Tuple) and g.kinds[index] == "number" and g.text(index).isdigit():
        at = int(g.text(index))
        return receiver.items[at] if at < len(receiver.items) else UNDEFINED
    if g.kinds[index] == "string":
        return engine.members.member_type(receiver, g.text(index)[1:-1])
    return engine.members.index_type(receiver)


def _call(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return engine.calls.call_type(path, g, node)


def _new(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return engine.calls.new_type(path, g, node)


def _this(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    from .members import this_class, this_parameter

    written = this_parameter(g, node)
    if written is not None:  # `function make_(this: Annotation, ...)`
        return engine.declared(path, written)
    cls = this_class(g, node)
    return engine.class_instance(path, g, cls) if cls is not None else UNKNOWN


def _jsx(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    return Named("JSX.Element")


_RULES: dict[str, Rule] = {
    "number": _number,
    "string": _constant(STRING),
    "template_string": _constant(STRING),
    "true": _constant(BOOLEAN),
    "false": _constant(BOOLEAN),
    "null": _constant(NULL),
    "undefined": _constant(UNDEFINED),
    "regex": _constant(Named("RegExp")),
    "array": _array,
    "object": _object,
    "binary_expression": _binary,
    "unary_expression": _unary,
    "update_expression": _constant(NUMBER),
    "assignment_expression": _assignment,
    "augmented_assignment_expression": _augmented,
    "ternary_expression": _ternary,
    "parenthesized_expression": _passthrough,
    "sequence_expression": _last,
    "non_null_expression": _non_null,
    "as_expression": _as,
    "satisfies_expression": _passthrough,
    "type_assertion": _assertion,
    "await_expression": _await,
    "name_load": _name,
    "attribute": _member,
    "attribute_store": _member,
    "subscript_expression": _subscript,
    "call": _call,
    "new_expression": _new,
    "this": _this,
    "jsx_element": _jsx,
    "jsx_self_closing_element": _jsx,
    "jsx_fragment": _jsx,
    "expression_statement": _passthrough,
    "yield_expression": _constant(UNKNOWN),
}


# -- definitions ------------------------------------------------------------------------
def defined_value(engine: "ScriptEngine", path: str, node: int) -> TsType:
    """The value the defining node ``node`` binds (see the module docstring)."""
    g = engine.graph(path)
    if g is None:
        return UNKNOWN
    kind = g.kinds[node]
    if kind in FUNCTION_KINDS or kind in CLASS_KINDS or kind in ("enum_declaration",):
        return engine.declaration_value(path, g, node)
    if kind == "function_signature":
        return engine.functions.signature(path, node)
    if kind == "parameter":
        return engine.functions.parameter_type(path, node)
    if kind == "property_identifier":  # a class member's name
        return engine.members.member_definition(path, g, node)
    if kind not in ("name_store", "attribute_store"):
        return engine.value_of(path, node)
    sym = g.symbol_at(node)
    from typelens.analyzer import SymbolKind

    if sym is not None and sym.kind is SymbolKind.IMPORT:
        return engine.imported(path, g, node)
    holder = g.parents[node]
    if (
        holder >= 0
        and g.kinds[holder]
        in (
            "function_declaration",
            "generator_function_declaration",
            "class_declaration",
            "abstract_class_declaration",
            "enum_declaration",
            "function_signature",
        )
        and g.fields[node] == "name"
    ):
        return defined_value(engine, path, holder)
    return _bound(engine, path, g, node)


_PATTERNS = (
    "object_pattern",
    "array_pattern",
    "pair_pattern",
    "assignment_pattern",
    "object_assignment_pattern",
    "rest_pattern",
)


def pattern_steps(g: ScriptGraph, node: int) -> tuple[list[tuple[str, int]], int, int]:
    """The destructuring path from a bound name up to its binder: ``(steps, binder's
    child, binder)``; each step is ``(pattern kind, child within it)``."""
    child, parent = node, g.parents[node]
    steps: list[tuple[str, int]] = []
    while parent >= 0 and g.kinds[parent] in _PATTERNS:
        steps.append((g.kinds[parent], child))
        child, parent = parent, g.parents[parent]
    return steps, child, parent


def _bound(engine: "ScriptEngine", path: str, g: ScriptGraph, node: int) -> TsType:
    """What a ``name_store`` gets: from its declarator, assignment, loop or pattern."""
    steps, child, parent = pattern_steps(g, node)
    if parent < 0:
        return UNKNOWN
    kind = g.kinds[parent]
    if kind == "variable_declarator":
        value = g.child_by_field(parent, "value")
        declared = g.child_by_field(parent, "type")
        if declared is not None:
            source = engine.declared(path, declared)
        elif value is None:
            source = UNDEFINED if not steps else UNKNOWN
        else:
            source = _initial(engine, path, g, node, value, steps)
    elif kind in ("assignment_expression", "augmented_assignment_expression"):
        source = engine.value_of(path, parent)
    elif kind == "update_expression":
        source = NUMBER
    elif kind == "for_in_statement":
        right = g.child_by_field(parent, "right")
        is_of = b" of " in g.source.data[g.end_bytes[child] : g.start_bytes[right]] if right is not None else False
        source = (
            (engine.members.item_type(engine.value_of(path, right)) if is_of else STRING)
            if right is not None
            else UNKNOWN
        )
    elif kind == "catch_clause":
        return UNKNOWN_TS
    else:
        return UNKNOWN
    return destructure(engine, path, g, source, steps)


def _initial(engine, path, g, node, value: int, steps) -> TsType:
    t = engine.value_of(path, value)
    if not steps and isinstance(t, ArrayOf) and t.item is UNKNOWN and g.kinds[value] == "array":
        pushed = engine.members.pushed(path, g, node)
        return ArrayOf(pushed) if pushed is not UNKNOWN else ArrayOf(ANY)
    return widen(t)


def destructure(engine, path, g, source: TsType, steps: list[tuple[str, int]]) -> TsType:
    t = source
    for kind, child in reversed(steps):
        if kind == "pair_pattern":
            key = g.child_by_field(g.parents[child], "key")
            t = engine.members.member_type(t, _key_text(g, key)) if key is not None else UNKNOWN
        elif kind == "object_pattern":
            if g.kinds[child] in ("name_store", "parameter", "shorthand_property_identifier_pattern"):
                t = engine.members.member_type(t, g.text(child))
            elif g.kinds[child] == "object_assignment_pattern":
                left = g.child_by_field(child, "left")
                t = engine.members.member_type(t, g.text(left)) if left is not None else UNKNOWN
            elif g.kinds[child] == "rest_pattern":
                t = UNKNOWN
        elif kind == "array_pattern":
            position = [c for c in g.children(g.parents[child])].index(child)
            expanded = engine.members.expand(t)
            if g.kinds[child] == "rest_pattern":
                t = ArrayOf(engine.members.item_type(t))
            elif isinstance(expanded, Tuple):
                t = expanded.items[position] if position < len(expanded.items) else UNDEFINED
            else:
                t = engine.members.item_type(t)
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            default = g.child_by_field(g.parents[child], "right")
            if default is not None:
                t = join(without_nullish(t) if t is not UNKNOWN else t, widen(engine.value_of(path, default)))
    return widen(t)
