"""Semantic tokens in scripts, in the Python side's values and legend
(:mod:`..ide.semantic_tokens`: ``Token``, ``TOKEN_TYPES``), so the language
server answers ``textDocument/semanticTokens`` for scripts unchanged.

Names are classified by their symbol: a function or a method (a function
defined in a class), a class, a parameter, a variable, a property (a class
member, or a member read on any value: a method where it is called); a type
name (interface, alias, type parameter) counts as a class, the legend having
no ``interface``.  An import is classified by what it resolves to (a module
namespace for ``import * as ns``).  One pass over the names, nothing typed.

Example::

    import * as fs from "fs";       fs: namespace+declaration
    function size(path: string) {   size: function+declaration, path: parameter+declaration
      return fs.statSync(path).size;    statSync: method, path: parameter, size: property
    }
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ScopeKind, SymbolKind
from typelens.analyzer.typescript.resolve import ScriptModule

from ..ide.semantic_tokens import Token

if TYPE_CHECKING:
    from .analysis import ScriptAnalysis

logger = logging.getLogger(__name__)

_BY_KIND = {
    SymbolKind.PARAMETER: "parameter",
    SymbolKind.CLASS: "class",
    SymbolKind.TYPE: "class",
    SymbolKind.ATTRIBUTE: "property",
    SymbolKind.VARIABLE: "variable",
    SymbolKind.BUILTIN: "variable",
}
_DECLARED = {
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "class_declaration": "class",
    "abstract_class_declaration": "class",
    "interface_declaration": "class",
    "type_alias_declaration": "class",
    "enum_declaration": "class",
}
_MEMBER_NAMES = ("property_identifier", "private_property_identifier")


def script_semantic_tokens(analysis: "ScriptAnalysis", start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of the names in bytes ``start..end`` (default: the file), in order."""
    g = analysis.graph
    end = len(g.source.data) if end is None else end
    tokens = []
    for node in sorted(g.names):
        if not start <= g.start_bytes[node] < end or b"\n" in g.source.data[g.start_bytes[node] : g.end_bytes[node]]:
            continue
        found = _classify(analysis, node)
        if found is not None:
            tokens.append(Token(g.start_bytes[node], g.end_bytes[node], found[0], found[1]))
    return tokens


def _classify(analysis: "ScriptAnalysis", node: int) -> tuple[str, frozenset[str]] | None:
    g = analysis.graph
    sym = g.symbol_at(node)
    declaration = frozenset({"declaration"}) if sym is not None and node in sym.definitions else frozenset()
    if sym is None:
        if g.kinds[node] not in _MEMBER_NAMES:
            return None
        parent = g.parents[node]
        called = g.kinds[g.parents[parent]] == "call" and g.child_by_field(g.parents[parent], "function") == parent
        return ("method" if called else "property"), frozenset()
    if sym.kind is SymbolKind.FUNCTION:
        scope = g.scopes[sym.scope] if sym.scope >= 0 else None
        return ("method" if scope is not None and scope.kind is ScopeKind.CLASS else "function"), declaration
    if sym.kind is SymbolKind.IMPORT:
        return _imported(analysis, sym), declaration
    kind = _BY_KIND.get(sym.kind)
    if kind is None:
        return None
    modifiers = declaration | ({"defaultLibrary"} if sym.kind is SymbolKind.BUILTIN else set())
    return kind, frozenset(modifiers)


def _imported(analysis: "ScriptAnalysis", sym) -> str:
    g = analysis.graph
    binding = next((b for b in g.imports if sym.definitions and b.node == sym.definitions[0]), None)
    target = analysis.engine.resolve_binding(g, binding) if binding is not None else None
    if isinstance(target, ScriptModule):
        return "namespace"
    if isinstance(target, Definition):
        tg = analysis.engine.graph(str(target.path))
        if tg is not None and target.node >= 0:
            holder = tg.parents[target.node]
            own = _DECLARED.get(tg.kinds[target.node])
            return own or _DECLARED.get(tg.kinds[holder] if holder >= 0 else "", "variable")
    return "variable"


__all__ = ["script_semantic_tokens"]
