"""Data flow: definition -> use edges from reaching definitions.

Inside one CFG region (a module, class or function body) definitions are tracked
flow-sensitively with the classic worklist over statements: a use is linked to the
definitions that reach the statement it is in.  Uses within a statement see the
state before the statement's own definitions (``x = x + 1`` reads the old ``x``).
Access paths ``name.attr`` (``self.x = ...``) are tracked the same way and killed
when ``name`` is rebound.

Across scopes data flows flow-insensitively: a closure, a nested function or a
method reading a module variable gets an edge from every definition of it, and
``self.x`` read in a method with no local store gets every ``self.x = ...`` of the
class.  Comprehensions run inline, so their reads of enclosing variables are
flow-sensitive at the enclosing statement.

Example::

    x = 1          # def A
    if c:
        x = 2      # def B
    print(x)       # use: edges A -> use and B -> use
"""

from __future__ import annotations

import logging
from collections import defaultdict

from .graph import EdgeKind, Scope, ScopeKind, SymbolKind
from .scopes import ScopeTables

logger = logging.getLogger(__name__)

_EMPTY: frozenset[int] = frozenset()
Key = int | tuple[int, str]


class DataflowBuilder:
    """Computes DFG edges for one file from the scope tables and the CFG."""

    def __init__(self, tables: ScopeTables, parents: list[int], children: list[list[int]], names: dict[int, str],
                 scopes: list[Scope], statements: set[int], cfg_edges: dict[EdgeKind, tuple[list[int], list[int]]]) -> None:
        self.t, self.parents, self.children, self.names = tables, parents, children, names
        self.scopes, self.statements, self.cfg_edges = scopes, statements, cfg_edges
        self.srcs: list[int] = []
        self.dsts: list[int] = []

    def build(self) -> tuple[list[int], list[int]]:
        stmt_of = self._statement_of()
        uses, defs, loose_uses = self._events(stmt_of)
        self._flow_sensitive(uses, defs)
        self._flow_insensitive(loose_uses)
        return self.srcs, self.dsts

    # -- where each name happens ----------------------------------------------
    def _statement_of(self) -> list[int]:
        parents, statements = self.parents, self.statements
        stmt_of = [-1] * len(parents)
        for node in range(len(parents)):
            if node in statements:
                stmt_of[node] = node
            elif parents[node] >= 0:
                stmt_of[node] = stmt_of[parents[node]]
        return stmt_of

    def _region_scope(self, use_scope: int, symbol_scope: int) -> int | None:
        """The region scope where a read in ``use_scope`` of a ``symbol_scope`` name
        happens inline (through comprehensions only), or ``None`` if deferred."""
        scopes = self.scopes
        s = use_scope
        while s != symbol_scope:
            if scopes[s].kind is not ScopeKind.COMPREHENSION or s <= 0:
                return None
            s = scopes[s].parent
        return s if scopes[s].kind in (ScopeKind.MODULE, ScopeKind.CLASS, ScopeKind.FUNCTION) else None

    def _events(self, stmt_of: list[int]):
        t, symbols, scopes = self.t, self.t.symbols, self.scopes
        uses: dict[int, list[tuple[Key, int]]] = defaultdict(list)   # statement -> (key, node)
        defs: dict[int, list[tuple[Key, int]]] = defaultdict(list)
        loose: list[tuple[int, Key | None, int]] = []                  # (symbol, key, use node)
        local_of: dict[int, int] = {}
        for sym in symbols:
            if sym.scope < 0 or sym.kind is SymbolKind.ATTRIBUTE:
                continue
            if scopes[sym.scope].kind in (ScopeKind.LAMBDA, ScopeKind.COMPREHENSION):
                continue
            for node in sym.definitions:
                local_of[node] = sym.id
                if t.kinds[node] == "parameter":
                    defs[scopes[sym.scope].entry].append((sym.id, node))
                elif t.scope_of[node] == sym.scope or self._region_scope(t.scope_of[node], sym.scope) is not None:
                    defs[stmt_of[node]].append((sym.id, node))
        for node, scope, _name in t.loads:
            sid = t.resolved[node]
            sym = symbols[sid]
            if sym.scope >= 0 and node in self._inline_nodes(node, scope, sym.scope, local_of):
                uses[stmt_of[node]].append((sid, node))
            else:
                loose.append((sid, None, node))
        self._attribute_events(stmt_of, uses, defs, loose)
        return uses, defs, loose

    def _inline_nodes(self, node: int, scope: int, symbol_scope: int, local_of: dict[int, int]) -> tuple[int, ...]:
        if scope == symbol_scope or self._region_scope(scope, symbol_scope) is not None:
            kind = self.scopes[symbol_scope].kind
            if kind in (ScopeKind.MODULE, ScopeKind.CLASS, ScopeKind.FUNCTION):
                return (node,)
        return ()

    def _attribute_events(self, stmt_of, uses, defs, loose) -> None:
        t = self.t
        for records, into in ((t.attribute_stores, defs), (t.attribute_loads, uses)):
            for node, scope, _base, attr in records:
                base_node = self.children[node][0]
                base_sid = t.symbol_of.get(base_node)
                if base_sid is None or self.scopes[scope].kind not in (ScopeKind.MODULE, ScopeKind.CLASS, ScopeKind.FUNCTION):
                    continue
                into[stmt_of[node]].append(((base_sid, attr), node))
                if into is uses and node in t.symbol_of:
                    loose.append((t.symbol_of[node], (base_sid, attr), node))

    # -- the worklist ------------------------------------------------------------
    def _flow_sensitive(self, uses, defs) -> None:
        preds: dict[int, list[int]] = defaultdict(list)
        raised: dict[int, list[int]] = defaultdict(list)   # handler <- statements that may raise
        succs: dict[int, list[int]] = defaultdict(list)
        for kind, (srcs, dsts) in self.cfg_edges.items():
            into = raised if kind is EdgeKind.CFG_EXCEPTION else preds
            for src, dst in zip(srcs, dsts):
                into[dst].append(src)
                succs[src].append(dst)
        raisers = {src for srcs in raised.values() for src in srcs}
        self._path_bases = {key[0] for events in defs.values() for key, _ in events if not isinstance(key, int)}
        out: dict[int, dict[Key, frozenset[int]]] = {}
        in_states: dict[int, dict] = {}
        # Statements in program order first; afterwards only what a change can reach.
        pending = sorted(self.statements)
        queued = set(pending)
        heap_order = pending[::-1]
        merge, transfer, empty = self._merge, self._transfer, {}
        while heap_order:
            node = heap_order.pop()
            queued.discard(node)
            ps = preds.get(node)
            if node in raised:
                # A statement that raises did not finish: its handler sees the state
                # before it, not after it.
                state = merge([out[p] for p in ps or () if p in out] + [in_states[p] for p in raised[node] if p in in_states])
            elif ps is None:
                state = empty
            elif len(ps) == 1:
                state = out.get(ps[0], empty)
            else:
                state = merge([out[p] for p in ps if p in out])
            old_in = in_states.get(node)
            in_states[node] = state
            events = defs.get(node)
            new = transfer(state, events) if events else state
            old = out.get(node)
            in_changed = node in raisers and old_in is not None and old_in is not state and old_in != state
            if old is None or in_changed or (old is not new and old != new):
                out[node] = new
                for succ in succs.get(node, ()):
                    if succ not in queued:
                        queued.add(succ)
                        heap_order.append(succ)
        self._resolved_attr: set[int] = set()
        for node, events in uses.items():
            state = in_states.get(node, {})
            for key, use in events:
                reaching = state.get(key, _EMPTY)
                if reaching and not isinstance(key, int):
                    self._resolved_attr.add(use)
                if len(reaching) == 1:
                    self.srcs.extend(reaching)
                    self.dsts.append(use)
                else:
                    for d in sorted(reaching):
                        self.srcs.append(d)
                        self.dsts.append(use)

    @staticmethod
    def _merge(states: list[dict]) -> dict:
        if not states:
            return {}
        if len(states) == 1:
            return states[0]
        merged = dict(states[0])
        for other in states[1:]:
            for key, value in other.items():
                have = merged.get(key)
                merged[key] = value if have is None else (have | value if have is not value else have)
        return merged

    def _transfer(self, state: dict, events) -> dict:
        if not events:
            return state
        new = dict(state)
        for key, node in events:
            if isinstance(key, int) and key in self._path_bases:
                for path in [k for k in new if not isinstance(k, int) and k[0] == key]:
                    del new[path]
            new[key] = frozenset((node,))
        return new

    # -- across scopes -------------------------------------------------------------
    def _flow_insensitive(self, loose) -> None:
        symbols = self.t.symbols
        for sid, key, use in loose:
            if key is not None and use in self._resolved_attr:
                continue
            for d in symbols[sid].definitions:
                if d != use:
                    self.srcs.append(d)
                    self.dsts.append(use)
