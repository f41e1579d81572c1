"""What a called function declares it returns, read off its definition: the
return annotation of a function defined in the same file, imported from another
module of the project, from an installed package or the stdlib (through its
typeshed stub), a builtin, or a method of the class a ``self.meth()`` call sits
in; a class called is its own name.

The neural models read it as one more value shape (``§returns:float``): a window
around ``d = _cd(a, b)`` shows ``_cd``, not that ``_cd`` is declared to return a
``float`` two hundred lines up or in another module.  Only what the code says is
read (annotations, stubs), never what the static engine infers, so the models
learn from the code, not from the engine's answers.

Example::

    def mean(xs) -> float: ...          returns(<the call node of `mean(v)`>) -> 'float'
    m = mean(v)                         returns(<`len(v)`>) -> 'int' (builtins stub)
    n = len(v)
"""

from __future__ import annotations

import logging
from pathlib import Path

from typelens.analyzer import ProgramGraph, ProjectIndex, SymbolKind
from typelens.analyzer.project import Definition, ModuleLocation

from .normalize import normalise

logger = logging.getLogger(__name__)

_NAMES = ("name_load", "identifier")
_FAILURES = (OSError, ValueError, RecursionError, KeyError, IndexError)


class DeclaredReturns:
    """``returns(call) -> str | None`` for the calls of one graph.  Without an index
    only the file's own functions and classes are read."""

    def __init__(self, g: ProgramGraph, index: ProjectIndex | None = None) -> None:
        self.g = g
        self.index = index
        self._by_definition: dict[tuple[str, int], str | None] = {}

    def __call__(self, call: int) -> str | None:
        g = self.g
        function = g.child_by_field(call, "function")
        if function is None:
            return None
        try:
            found = self._callee(function)
            if found is None:
                return None
            graph, node = found
            key = (graph.path, node)
            if key not in self._by_definition:
                self._by_definition[key] = _declared(graph, node)
            return self._by_definition[key]
        except _FAILURES as err:        # an unreadable module, a broken re-export chain: no shape
            logger.debug("no declared return for %s: %s", g.text(function)[:40], err)
            return None

    # -- the callee's definition -------------------------------------------------
    def _callee(self, function: int) -> tuple[ProgramGraph, int] | None:
        g = self.g
        kind = g.kinds[function]
        if kind in _NAMES:
            return self._named(function)
        if kind != "attribute":
            return None
        obj = g.child_by_field(function, "object")
        attr = g.child_by_field(function, "attribute")
        if obj is None or attr is None or g.kinds[obj] not in _NAMES:
            return None
        name = g.text(attr)
        sym = g.symbol_at(obj)
        if sym is None:
            return None
        if sym.kind is SymbolKind.PARAMETER and g.text(obj) in ("self", "cls"):
            return self._method(obj, name)
        if sym.kind is SymbolKind.CLASS and sym.scope >= 0:
            return self._member(g.scopes[sym.scope].qualname, sym.name, name)
        if sym.kind is SymbolKind.IMPORT and self.index is not None:
            target = self._imported(sym)
            if isinstance(target, ModuleLocation):
                return self._located(self.index.resolve_name(target.name, name))
        return None

    def _named(self, ident: int) -> tuple[ProgramGraph, int] | None:
        g = self.g
        sym = g.symbol_at(ident)
        if sym is None or sym.scope < 0:
            if self.index is None:
                return None
            return self._located(self.index.resolve_name("builtins", g.text(ident)))
        if sym.kind in (SymbolKind.FUNCTION, SymbolKind.CLASS) and sym.definitions:
            return g, g.parents[sym.definitions[-1]]
        if sym.kind is SymbolKind.IMPORT and self.index is not None:
            return self._located(self._imported(sym))
        return None

    def _imported(self, sym) -> Definition | ModuleLocation | None:
        binding = next((b for b in self.g.imports if b.node in sym.definitions), None)
        return self.index.resolve_binding(self.g, binding) if binding is not None else None

    def _located(self, target) -> tuple[ProgramGraph, int] | None:
        if not isinstance(target, Definition) or target.kind not in (SymbolKind.FUNCTION, SymbolKind.CLASS):
            return None
        graph = self.index.graph_of(Path(target.path))
        return (graph, target.node) if graph is not None else None

    def _method(self, obj: int, name: str) -> tuple[ProgramGraph, int] | None:
        """``self.name`` inside a method: the method ``name`` of the enclosing class."""
        g = self.g
        function = g.enclosing(obj, "function_definition")
        cls = g.enclosing(g.parents[function], "class_definition") if function is not None else None
        scope = g.scope_defined_by(cls) if cls is not None else None
        if scope is None:
            return None
        return self._member(scope.qualname, None, name)

    def _member(self, owner: str, cls_name: str | None, name: str) -> tuple[ProgramGraph, int] | None:
        qualname = owner if cls_name is None else (f"{owner}.{cls_name}" if owner else cls_name)
        sym = self.g.find_symbol(name, qualname)
        if sym is None or sym.kind is not SymbolKind.FUNCTION or not sym.definitions:
            return None
        return self.g, self.g.parents[sym.definitions[-1]]


def _declared(g: ProgramGraph, node: int) -> str | None:
    """The normalised return annotation of a function definition (``None`` when
    it has none, or an ``async`` one: a call gives a coroutine), a class's name."""
    kind = g.kinds[node]
    if kind == "decorated_definition":
        node = g.child_by_field(node, "definition")
        kind = g.kinds[node] if node is not None else ""
    if kind == "class_definition":
        name = g.child_by_field(node, "name")
        return g.text(name) if name is not None else None
    if kind != "function_definition" or g.text(node).startswith("async"):
        return None
    annotation = g.child_by_field(node, "return_type")
    return normalise(g.text(annotation)) if annotation is not None else None
