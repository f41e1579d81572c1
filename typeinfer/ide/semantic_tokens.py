"""Semantic tokens: what each identifier of a file is, for the editor's colours.

Token types are LSP's ``namespace``, ``class``, ``function``, ``method``,
``property``, ``variable`` and ``parameter``; modifiers ``declaration`` (the
name is bound there), ``readonly`` (an UPPER_CASE module constant) and
``defaultLibrary`` (a builtin).  Names are classified by their symbol (a
``def`` in a class is a method, an import by what it resolves to); an
attribute by its receiver when that is a module (``os.path.join``: namespace,
function), else as a method when it is called and a property otherwise, so the
cost stays one pass over the names without typing every expression.

Example::

    import os                  os: namespace+declaration
    def f(path):               f: function+declaration, path: parameter+declaration
        return os.path.join(path)      os: namespace, path: namespace, join: function, path: parameter
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ModuleLocation, ProgramGraph, ScopeKind, SymbolKind

from ..types import FunctionRef, ModuleType, TypeOfClass, members

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

TOKEN_TYPES = ("namespace", "class", "function", "method", "property", "variable", "parameter")
TOKEN_MODIFIERS = ("declaration", "readonly", "defaultLibrary")
_BY_KIND = {
    SymbolKind.PARAMETER: "parameter",
    SymbolKind.CLASS: "class",
    SymbolKind.ATTRIBUTE: "property",
    SymbolKind.VARIABLE: "variable",
}
_DEFINITION_KIND = {SymbolKind.FUNCTION: "function", SymbolKind.CLASS: "class", SymbolKind.VARIABLE: "variable"}


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # byte range of the identifier (on one line)
    end: int
    type: str  # one of TOKEN_TYPES
    modifiers: frozenset[str] = frozenset()


def semantic_tokens(analysis: "FileAnalysis", start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of the identifiers in bytes ``start..end`` (default: the file), in order."""
    g, engine, path = analysis.graph, analysis.engine, analysis.path
    end = len(g.source.data) if end is None else end
    classifier = _Classifier(engine, path, g)
    tokens = []
    for node in sorted(g.names):
        if not start <= g.start_bytes[node] < end:
            continue
        found = classifier.classify(node)
        if found is not None:
            tokens.append(Token(g.start_bytes[node], g.end_bytes[node], *found))
    return tokens


class _Classifier:
    def __init__(self, engine: "TypeEngine", path: str, g: ProgramGraph) -> None:
        self.engine, self.path, self.g = engine, path, g
        self._imports: dict[int, str] = {}

    def classify(self, node: int) -> tuple[str, frozenset[str]] | None:
        g = self.g
        parent = g.parents[node]
        if g.kinds[parent] in ("attribute", "attribute_store") and g.children(parent)[-1] == node:
            return self._attribute(parent, node), frozenset()
        sym = g.symbol_at(node)
        if sym is None:
            return None
        declared = frozenset({"declaration"}) if node in sym.definitions else frozenset()
        if sym.kind is SymbolKind.FUNCTION:
            scope = g.scopes[sym.scope] if sym.scope >= 0 else None
            return ("method" if scope is not None and scope.kind is ScopeKind.CLASS else "function"), declared
        if sym.kind is SymbolKind.IMPORT:
            return self._import(sym), declared
        if sym.kind is SymbolKind.BUILTIN:
            return self._builtin(sym.name), frozenset({"defaultLibrary"})
        kind = _BY_KIND.get(sym.kind)
        if kind is None:
            return None
        if kind == "variable" and sym.scope >= 0 and g.scopes[sym.scope].kind is ScopeKind.CLASS:
            kind = "property"
        if kind == "variable" and sym.name.isupper() and sym.scope == 0:
            declared |= {"readonly"}
        return kind, declared

    def _import(self, sym) -> str:
        if sym.id not in self._imports:
            binding = next((b for b in self.g.imports if b.node in sym.definitions), None)
            resolved = self.engine.resolve_binding(self.path, self.g, binding) if binding is not None else None
            if isinstance(resolved, ModuleLocation) or (binding is not None and binding.name is None):
                self._imports[sym.id] = "namespace"
            elif isinstance(resolved, Definition):
                self._imports[sym.id] = _DEFINITION_KIND.get(resolved.kind, "variable")
            else:
                self._imports[sym.id] = "variable"
        return self._imports[sym.id]

    def _builtin(self, name: str) -> str:
        value = self.engine.names.builtin(name)
        if any(isinstance(m, TypeOfClass) for m in members(value)):
            return "class"
        return "function" if any(isinstance(m, FunctionRef) for m in members(value)) else "variable"

    def _attribute(self, attribute: int, attr: int) -> str:
        g = self.g
        receiver = g.children(attribute)[0]
        module = self._module_of(receiver)
        if module is not None:
            resolved = self.engine.resolve_name(module, g.text(attr))
            if isinstance(resolved, ModuleLocation):
                return "namespace"
            if isinstance(resolved, Definition):
                return _DEFINITION_KIND.get(resolved.kind, "variable")
        call = g.parents[attribute]
        if g.kinds[call] == "call" and g.child_by_field(call, "function") == attribute:
            return "method"
        return "property"

    def _module_of(self, receiver: int) -> str | None:
        """The module a receiver names when it is an imported module (``os``, ``os.path``)."""
        g = self.g
        if g.kinds[receiver] not in ("name_load", "attribute"):
            return None
        head = receiver
        while g.kinds[head] == "attribute":
            head = g.children(head)[0]
        sym = g.symbol_at(head) if g.kinds[head] == "name_load" else None
        if sym is None or sym.kind is not SymbolKind.IMPORT or self._import(sym) != "namespace":
            return None
        value = self.engine.exprs.type_of(self.path, receiver)
        return next((m.name for m in members(value) if isinstance(m, ModuleType)), None)
