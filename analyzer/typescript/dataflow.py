"""Data flow of a script: definition -> use edges from reaching definitions.

Inside one region (the module or a function body) definitions are tracked
flow-sensitively over the statement CFG, block-scoped names included: a use is
linked to the definitions of its symbol that reach its statement.  ``x += 1`` and
``x++`` read the old ``x`` and define a new one.  A name read in a closure, or
defined in one, flows insensitively (every definition to every such use), and so
does a use no definition reaches (a function declaration used above it: hoisting).
``this.x`` reads get every ``this.x = ...`` and field initialiser of the class.

Example::

    let x = 1;          // def A
    if (c) x = 2;       // def B
    f(x);               // use: edges A -> use and B -> use
"""

from __future__ import annotations

import logging
from collections import defaultdict

from ..dataflow import statement_of
from ..graph import CFG_KINDS, EdgeKind, Scope, ScopeKind, SymbolKind
from .scopes import ScriptTables

logger = logging.getLogger(__name__)

_READ_WRITE = frozenset({"augmented_assignment_expression", "update_expression"})


class ScriptDataflow:
    """DFG edges of one script from its scope tables and CFG."""

    def __init__(
        self,
        tables: ScriptTables,
        parents: list[int],
        scopes: list[Scope],
        statements: set[int],
        cfg_edges: dict[EdgeKind, tuple[list[int], list[int]]],
    ) -> None:
        self.t, self.parents, self.scopes = tables, parents, scopes
        self.statements, self.cfg_edges = statements, cfg_edges
        self.edges: set[tuple[int, int]] = set()

    def build(self) -> tuple[list[int], list[int]]:
        stmt_of = statement_of(self.parents, self.statements)
        region = [self._region(s.id) for s in self.scopes]
        defs: dict[int, list[tuple[int, int]]] = defaultdict(list)  # statement -> (symbol, def node)
        uses: dict[int, list[tuple[int, int]]] = defaultdict(list)  # statement -> (symbol, use node)
        loose_defs: dict[int, list[int]] = defaultdict(list)
        loose_uses: list[tuple[int, int]] = []
        kinds, scope_of = self.t.kinds, self.t.scope_of
        for sym in self.t.symbols:
            if sym.scope < 0 or sym.kind in (SymbolKind.ATTRIBUTE, SymbolKind.TYPE):
                continue
            if self.scopes[sym.scope].kind is ScopeKind.CLASS:
                continue
            home = region[sym.scope]
            for node in sym.definitions:
                if kinds[node] == "parameter":
                    defs[self.scopes[home].entry].append((sym.id, node))
                elif region[scope_of[node]] == home:
                    defs[stmt_of[node]].append((sym.id, node))
                    if kinds[self.parents[node]] in _READ_WRITE:
                        uses[stmt_of[node]].append((sym.id, node))
                else:
                    loose_defs[sym.id].append(node)
        for node, sid in self.t.loads:
            sym = self.t.symbols[sid]
            if sym.scope >= 0 and region[scope_of[node]] == region[sym.scope]:
                uses[stmt_of[node]].append((sid, node))
            else:
                loose_uses.append((node, sid))
        self._flow_sensitive(defs, uses, loose_defs)
        for node, sid in loose_uses:
            for d in self.t.symbols[sid].definitions:
                self.edges.add((d, node))
        self._members()
        ordered = sorted(self.edges)
        return [s for s, _ in ordered], [d for _, d in ordered]

    def _region(self, scope: int) -> int:
        while scope > 0 and self.scopes[scope].kind not in (ScopeKind.FUNCTION, ScopeKind.MODULE):
            scope = self.scopes[scope].parent
        return max(scope, 0)

    def _successors(self) -> dict[int, list[int]]:
        succ: dict[int, list[int]] = defaultdict(list)
        for kind in CFG_KINDS:
            srcs, dsts = self.cfg_edges.get(kind, ([], []))
            for s, d in zip(srcs, dsts):
                succ[s].append(d)
        return succ

    def _flow_sensitive(self, defs, uses, loose_defs) -> None:
        succ = self._successors()
        state: dict[int, dict[int, frozenset[int]]] = {}
        todo = [s.entry for s in self.scopes if s.entry >= 0]
        reach_in: dict[int, dict[int, frozenset[int]]] = defaultdict(dict)
        queued = set(todo)
        while todo:
            stmt = todo.pop()
            queued.discard(stmt)
            out = dict(reach_in[stmt])
            for sid, node in defs.get(stmt, ()):
                out[sid] = frozenset((node,))
            if state.get(stmt) == out:
                continue
            state[stmt] = out
            for nxt in succ.get(stmt, ()):
                merged = reach_in[nxt]
                changed = False
                for sid, nodes in out.items():
                    old = merged.get(sid)
                    if old is None or not nodes <= old:
                        merged[sid] = nodes if old is None else old | nodes
                        changed = True
                if (changed or nxt not in state) and nxt not in queued:
                    queued.add(nxt)
                    todo.append(nxt)
        for stmt, items in uses.items():
            before = reach_in.get(stmt, {})
            for sid, node in items:
                reaching = before.get(sid)
                sources = reaching if reaching else self.t.symbols[sid].definitions
                for d in (*sources, *loose_defs.get(sid, ())):
                    if d != node:
                        self.edges.add((d, node))

    def _members(self) -> None:
        """``this.x`` and field initialisers to every ``this.x`` read of the class."""
        for sym in self.t.symbols:
            if sym.kind is not SymbolKind.ATTRIBUTE:
                continue
            for use in sym.uses:
                for d in sym.definitions:
                    self.edges.add((d, use))
