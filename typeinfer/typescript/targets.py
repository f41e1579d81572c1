"""What gets a type in a script: parameters, returns, variables, class fields.

One list, read by the predictions, the annotation edits and the neural samples
(so training, serving and ``--apply`` see the same targets).  Left out on
purpose: functions passed straight as arguments (callbacks are typed by their
callee), constructors' and setters' returns, destructured names (an annotation
covers the whole pattern), loop variables (``for (const x: T of ...)`` is not
TypeScript), ``catch`` variables, variables bound to a function, class or
``require``.

Example::

    export function area(w: number, h = 2) {    # parameter w (label 'number'), h; return area
        const s = w * h;                         # variable s
        return s;
    }
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from typelens.analyzer import ScopeKind, SymbolKind
from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.scopes import CLASS_KINDS, FUNCTION_KINDS

logger = logging.getLogger(__name__)

_HOLDERS = ("required_parameter", "optional_parameter")


@dataclass(frozen=True, slots=True)
class ScriptTarget:
    """One thing to type.  ``anchor``: the identifier its prediction sits on;
    ``annotation``: its type annotation node, if written; ``function``: the
    function of a parameter or return; ``holder``: a parameter's holder node."""

    scope: str
    name: str
    kind: str  # parameter, return, variable, attribute
    anchor: int
    annotation: int | None
    symbol: int | None = None
    function: int | None = None
    holder: int | None = None


def function_name(g: ScriptGraph, function: int) -> int | None:
    """The identifier that names a function: its own, its variable's, its key's."""
    own = g.child_by_field(function, "name")
    if own is not None:
        return own
    parent = g.parents[function]
    kind = g.kinds[parent] if parent >= 0 else ""
    if kind == "variable_declarator":
        name = g.child_by_field(parent, "name")
        return name if name is not None and g.kinds[name] == "name_store" else None
    if kind in ("pair", "public_field_definition", "field_definition"):
        return g.child_by_field(parent, "key") or g.child_by_field(parent, "name")
    if kind == "assignment_expression":
        left = g.child_by_field(parent, "left")
        if left is not None and g.kinds[left] in ("attribute_store", "name_store"):
            return g.child_by_field(left, "property") if g.kinds[left] == "attribute_store" else left
    return None


def is_callback(g: ScriptGraph, function: int) -> bool:
    parent = g.parents[function]
    return parent >= 0 and g.kinds[parent] == "arguments"


def script_targets(g: ScriptGraph) -> list[ScriptTarget]:
    out: list[ScriptTarget] = []
    for scope in g.scopes:
        if scope.kind is ScopeKind.FUNCTION and not is_callback(g, scope.node):
            out.extend(_function_targets(g, scope))
    out.extend(_variable_targets(g))
    return sorted(
        out, key=lambda t: (g.start_bytes[t.anchor], ("parameter", "return", "variable", "attribute").index(t.kind))
    )


def _function_targets(g: ScriptGraph, scope) -> list[ScriptTarget]:
    function = scope.node
    name = function_name(g, function)
    out = []
    head = g.source.data[g.start_bytes[function] : g.start_bytes[name]] if name is not None else b""
    is_setter = g.kinds[function] == "method_definition" and b"set" in head.split()
    if name is not None and scope.name != "constructor" and not is_setter:
        out.append(
            ScriptTarget(
                scope.qualname, scope.name, "return", name, g.child_by_field(function, "return_type"), None, function
            )
        )
    params = g.child_by_field(function, "parameters")
    single = g.child_by_field(function, "parameter")
    items = g.children(params) if params is not None else ([single] if single is not None else [])
    for item in items:
        target = _parameter_target(g, scope.qualname, function, item)
        if target is not None:
            out.append(target)
    return out


def _parameter_target(g: ScriptGraph, qualname: str, function: int, item: int) -> ScriptTarget | None:
    kind = g.kinds[item]
    if kind in _HOLDERS:
        pattern = g.child_by_field(item, "pattern")
        if pattern is not None and g.kinds[pattern] == "rest_pattern" and g.children(pattern):
            pattern = g.children(pattern)[0]
        if pattern is None or g.kinds[pattern] != "parameter":
            return None
        return ScriptTarget(
            qualname,
            g.text(pattern),
            "parameter",
            pattern,
            g.child_by_field(item, "type"),
            g.symbol_of.get(pattern),
            function,
            item,
        )
    if kind == "assignment_pattern":
        left = g.child_by_field(item, "left")
        if left is not None and g.kinds[left] == "parameter":
            return ScriptTarget(qualname, g.text(left), "parameter", left, None, g.symbol_of.get(left), function, item)
        return None
    if kind == "rest_pattern" and g.children(item) and g.kinds[g.children(item)[0]] == "parameter":
        inner = g.children(item)[0]
        return ScriptTarget(qualname, g.text(inner), "parameter", inner, None, g.symbol_of.get(inner), function, item)
    if kind == "parameter":
        return ScriptTarget(qualname, g.text(item), "parameter", item, None, g.symbol_of.get(item), function, item)
    return None


def _variable_targets(g: ScriptGraph) -> list[ScriptTarget]:
    out = []
    for sym in g.symbols:
        if sym.scope < 0 or not sym.definitions:
            continue
        scope = g.scopes[sym.scope]
        if sym.kind is SymbolKind.VARIABLE and scope.kind is not ScopeKind.CLASS:
            declarator = g.parents[sym.definitions[0]]
            if (
                g.kinds[declarator] != "variable_declarator"
                or g.child_by_field(declarator, "name") != sym.definitions[0]
            ):
                continue
            value = g.child_by_field(declarator, "value")
            if value is not None and (
                g.kinds[value] in FUNCTION_KINDS or g.kinds[value] in CLASS_KINDS or _is_require(g, value)
            ):
                continue
            out.append(
                ScriptTarget(
                    scope.qualname,
                    sym.name,
                    "variable",
                    sym.definitions[0],
                    g.child_by_field(declarator, "type"),
                    sym.id,
                )
            )
        elif sym.kind is SymbolKind.ATTRIBUTE and scope.kind is ScopeKind.CLASS:
            first = sym.definitions[0]
            holder = g.parents[first]
            if g.kinds[first] == "parameter":
                continue  # a parameter property: typed as the parameter
            if g.kinds[first] == "attribute_store":
                anchor, annotation = g.child_by_field(first, "property") or first, None
            else:
                value = g.child_by_field(holder, "value")
                if value is not None and g.kinds[value] in FUNCTION_KINDS:
                    continue
                anchor, annotation = first, g.child_by_field(holder, "type")
            out.append(ScriptTarget(scope.qualname, sym.name, "attribute", anchor, annotation, sym.id))
    return out


def _is_require(g: ScriptGraph, value: int) -> bool:
    while g.kinds[value] == "attribute" and g.children(value):
        value = g.children(value)[0]
    callee = g.child_by_field(value, "function") if g.kinds[value] == "call" else None
    return callee is not None and g.text(callee) == "require"
