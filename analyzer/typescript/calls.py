"""Call, return and import edges of a script, inside one file.

``call`` goes from a call (or ``new``) to the function it names when the callee
resolves in the file: a function declaration, a ``const f = () => ...``, a
method through ``this.m()``, a class's ``constructor`` for ``new C()``.
``return`` goes from each ``return`` statement (and an arrow's expression body)
to its function, and from a callee to each call site.  ``import`` goes from an
import statement (or a ``require`` declarator) to every name it binds.  Calls
across files are the project graph's (:mod:`.project_graph`).

Example::

    const sq = (x: number) => x * x;     call sq(3) --call--> arrow_function
    sq(3);                               arrow_function --return--> call sq(3)
"""

from __future__ import annotations

import logging

from ..graph import EdgeKind, ScopeKind, SymbolKind
from .scopes import CLASS_KINDS, FUNCTION_KINDS, ScriptTables

logger = logging.getLogger(__name__)


class ScriptCalls:
    """Call, return and import edges (see the module docstring)."""

    def __init__(
        self, tables: ScriptTables, parents: list[int], children: list[list[int]], fields: list[str | None]
    ) -> None:
        self.t, self.parents, self._children, self.fields = tables, parents, children, fields
        self.kinds = tables.kinds

    def children(self, node: int) -> list[int]:
        return self._children[node]

    def _field(self, node: int, name: str) -> int | None:
        for child in self._children[node]:
            if self.fields[child] == name:
                return child
        return None

    def build(self) -> dict[EdgeKind, tuple[list[int], list[int]]]:
        calls: list[tuple[int, int]] = []
        returns: list[tuple[int, int]] = []
        kinds = self.t.kinds
        for node, kind in enumerate(kinds):
            if kind in ("call", "new_expression"):
                callee = self.callee(node)
                if callee is not None:
                    calls.append((node, callee))
            elif kind == "return_statement":
                function = self.function_of(node)
                if function is not None:
                    returns.append((node, function))
        for scope in self.t.scopes:
            if scope.kind is ScopeKind.FUNCTION and kinds[scope.node] == "arrow_function":
                body = self._field(scope.node, "body")
                if body is not None and kinds[body] != "statement_block":
                    returns.append((body, scope.node))
        returns.extend((callee, call) for call, callee in calls)
        imports = sorted((b.statement, b.node) for b in self.t.imports if b.node != b.statement)
        return {EdgeKind.CALL: _columns(calls), EdgeKind.RETURN: _columns(returns), EdgeKind.IMPORT: _columns(imports)}

    def function_of(self, node: int) -> int | None:
        scope = self.t.scope_of[node]
        while scope >= 0 and self.t.scopes[scope].kind is not ScopeKind.FUNCTION:
            scope = self.t.scopes[scope].parent
        return self.t.scopes[scope].node if scope >= 0 else None

    def callee(self, call: int) -> int | None:
        """The function node a call or ``new`` names in this file, if any."""
        target = self._field(call, "function" if self.t.kinds[call] == "call" else "constructor")
        if target is None:
            return None
        while self.t.kinds[target] in ("parenthesized_expression", "non_null_expression") and self._children[target]:
            target = self._children[target][0]
        sid = self.t.symbol_of.get(target)
        if sid is None:
            return None
        sym = self.t.symbols[sid]
        for definition in sym.definitions[-1:] if sym.kind is not SymbolKind.FUNCTION else sym.definitions[:1]:
            found = self.defined_function(definition, is_new=self.t.kinds[call] == "new_expression")
            if found is not None:
                return found
        return None

    # the graph's questions, asked of the tables before there is a graph
    def child_by_field(self, node: int, name: str) -> int | None:
        return self._field(node, name)

    def symbol_at(self, node: int):
        sid = self.t.symbol_of.get(node)
        return None if sid is None else self.t.symbols[sid]

    def defined_function(self, name: int, *, is_new: bool = False) -> int | None:
        return defined_function(self, name, is_new=is_new)


def defined_function(g, name: int, *, is_new: bool = False) -> int | None:
    """The function (or, for ``new``, the constructor) that the defining name node
    ``name`` stands for; ``g`` is a :class:`~typelens.analyzer.ProgramGraph` or
    anything with its ``kinds``, ``parents``, ``fields``, ``child_by_field`` and
    ``symbol_at``."""
    kinds = g.kinds
    holder = name if kinds[name] in FUNCTION_KINDS | CLASS_KINDS else g.parents[name]
    if holder < 0:
        return None
    if kinds[holder] in FUNCTION_KINDS and (holder == name or g.fields[name] == "name"):
        return holder
    if kinds[holder] == "variable_declarator":
        value = g.child_by_field(holder, "value")
        while value is not None and kinds[value] in ("parenthesized_expression", "as_expression"):
            value = (
                g.child_by_field(value, "expression")
                if kinds[value] == "as_expression"
                else next(iter(g.children(value)), None)
            )
        if value is not None and kinds[value] in FUNCTION_KINDS:
            return value
        if value is not None and kinds[value] in CLASS_KINDS:
            holder = value
    if kinds[holder] in CLASS_KINDS:
        return constructor(g, holder) if is_new else None
    return None


def constructor(g, cls: int) -> int:
    """A class's ``constructor`` method, or the class itself when it declares none."""
    body = g.child_by_field(cls, "body")
    for member in g.children(body) if body is not None else ():
        if g.kinds[member] == "method_definition":
            name = g.child_by_field(member, "name")
            sym = g.symbol_at(name) if name is not None else None
            if sym is not None and sym.name == "constructor":
                return member
    return cls


def _columns(pairs: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    return [s for s, _ in pairs], [d for _, d in pairs]
