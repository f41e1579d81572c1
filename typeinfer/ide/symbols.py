"""Symbols: a file's outline and the project's symbols found by name.

The outline is the file's classes, functions and methods (nested as written),
its module and class variables and the attributes a class's methods set
(``self.x = ...``), each with the range of its whole statement and of its
name.  Workspace symbols are the same definitions across every module of a
session's project, matched by the letters of the query in order
(case-insensitive, as editors' fuzzy pickers do).

Example::

    class Order:                 Order (class)
        total = 0.0                  total (field)
        def add(self, item):         add (method)
            self.items = [item]      items (field)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind

if TYPE_CHECKING:
    from ..session import AnalysisSession, FileAnalysis

MAX_WORKSPACE_SYMBOLS = 500


@dataclass(frozen=True, slots=True)
class OutlineItem:
    name: str
    kind: str  # class, function, method, property, variable, constant, field
    start: int  # the whole definition
    end: int
    name_start: int  # its name
    name_end: int
    children: tuple["OutlineItem", ...] = ()


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    name: str
    kind: str
    path: str
    start: int  # its name's byte range in ``path``
    end: int
    container: str  # the enclosing class or function ('' at module level)


def document_symbols(analysis: "FileAnalysis") -> list[OutlineItem]:
    return outline(analysis.graph)


def outline(g: ProgramGraph) -> list[OutlineItem]:
    """The outline of one file (see the module docstring)."""
    children: dict[int, list[tuple[int, OutlineItem, int]]] = {}  # scope id -> (start, item, own scope)
    for scope in g.scopes:
        if scope.kind not in (ScopeKind.CLASS, ScopeKind.FUNCTION) or scope.parent < 0:
            continue
        item = _definition_item(g, scope)
        if item is not None:
            children.setdefault(_container(g, scope.parent), []).append((item.start, item, scope.id))
    for item, scope_id in _variable_items(g):
        children.setdefault(scope_id, []).append((item.start, item, -1))
    return _assemble(children, 0)


def _assemble(children: dict[int, list[tuple[int, OutlineItem, int]]], scope_id: int) -> list[OutlineItem]:
    """Attach each scope's items under their parents, bottom-up without recursion."""
    order, stack = [], [scope_id]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(own for _, _, own in children.get(current, ()) if own >= 0)
    built: dict[int, list[OutlineItem]] = {}
    for current in reversed(order):
        items = []
        for _, item, own in sorted(children.get(current, ()), key=lambda c: c[0]):
            nested = built.get(own, []) if own >= 0 else []
            items.append(
                OutlineItem(item.name, item.kind, item.start, item.end, item.name_start, item.name_end, tuple(nested))
            )
        built[current] = items
    return built.get(scope_id, [])


def _container(g: ProgramGraph, scope_id: int) -> int:
    """The nearest enclosing module, class or function scope."""
    while scope_id > 0 and g.scopes[scope_id].kind not in (ScopeKind.CLASS, ScopeKind.FUNCTION):
        scope_id = g.scopes[scope_id].parent
    return max(scope_id, 0)


def _definition_item(g: ProgramGraph, scope) -> OutlineItem | None:
    node = scope.node
    name = g.child_by_field(node, "name")
    if name is None:
        return None
    whole = g.parents[node] if g.kinds[g.parents[node]] == "decorated_definition" else node
    if scope.kind is ScopeKind.CLASS:
        kind = "class"
    elif g.scopes[_container(g, scope.parent)].kind is ScopeKind.CLASS:
        kind = "property" if "@property" in g.text(whole)[: g.start_bytes[node] - g.start_bytes[whole]] else "method"
    else:
        kind = "function"
    return OutlineItem(
        g.text(name), kind, g.start_bytes[whole], g.end_bytes[whole], g.start_bytes[name], g.end_bytes[name]
    )


def _variable_items(g: ProgramGraph) -> list[tuple[OutlineItem, int]]:
    found = []
    for sym in g.symbols:
        if sym.scope < 0 or not sym.definitions or sym.name == "_":
            continue
        scope = g.scopes[sym.scope]
        if sym.kind is SymbolKind.ATTRIBUTE or (sym.kind is SymbolKind.VARIABLE and scope.kind is ScopeKind.CLASS):
            kind = "field"
        elif sym.kind is SymbolKind.VARIABLE and scope.kind is ScopeKind.MODULE:
            kind = "constant" if sym.name.isupper() else "variable"
        else:
            continue
        name = sym.definitions[0]
        statement = g.enclosing(name, "expression_statement", "for_statement", "with_statement") or name
        if sym.kind is SymbolKind.ATTRIBUTE:
            statement = name
        found.append(
            (
                OutlineItem(
                    sym.name,
                    kind,
                    g.start_bytes[statement],
                    g.end_bytes[statement],
                    g.start_bytes[name],
                    g.end_bytes[name],
                ),
                sym.scope,
            )
        )
    return found


def workspace_symbols(session: "AnalysisSession", query: str, limit: int = MAX_WORKSPACE_SYMBOLS) -> list[SymbolInfo]:
    """Definitions of the session's project modules whose names match ``query``."""
    found: list[SymbolInfo] = []
    for path in sorted(set(session.index.modules.values())):
        g = session.index.graph_of(Path(path))
        if g is None:
            continue
        for item, container in _flatten(outline(g)):
            if matches(query, item.name):
                found.append(
                    SymbolInfo(
                        item.name, item.kind, str(Path(path).resolve()), item.name_start, item.name_end, container
                    )
                )
                if len(found) >= limit:
                    return found
    return found


def _flatten(items: list[OutlineItem]) -> list[tuple[OutlineItem, str]]:
    out, stack = [], [(item, "") for item in reversed(items)]
    while stack:
        item, container = stack.pop()
        out.append((item, container))
        stack.extend((child, item.name) for child in reversed(item.children))
    return out


def matches(query: str, name: str) -> bool:
    """The query's letters appear in ``name`` in order (case-insensitive)."""
    at = 0
    lowered = name.lower()
    for ch in query.lower():
        at = lowered.find(ch, at) + 1
        if at == 0:
            return False
    return True
