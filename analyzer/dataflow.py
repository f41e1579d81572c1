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
from typing import Final

from .graph import EdgeKind, Scope, ScopeKind, SymbolKind, last_descendant
from .scopes import ScopeTables

logger = logging.getLogger(__name__)

Key = int | tuple[int, str]
Events = dict[int, list[tuple[Key, int]]]  # statement -> (key, node), in program order


class DataflowBuilder:
    """Computes DFG edges for one file from the scope tables and the CFG."""

    def __init__(
        self,
        tables: ScopeTables,
        parents: list[int],
        children: list[list[int]],
        names: dict[int, str],
        scopes: list[Scope],
        statements: set[int],
        cfg_edges: dict[EdgeKind, tuple[list[int], list[int]]],
    ) -> None:
        self.t, self.parents, self.children, self.names = tables, parents, children, names
        self.scopes, self.statements, self.cfg_edges = scopes, statements, cfg_edges
        self.srcs: list[int] = []
        self.dsts: list[int] = []

    def build(self) -> tuple[list[int], list[int]]:
        stmt_of = statement_of(self.parents, self.statements)
        uses, defs, loose_uses = self._events(stmt_of)
        self._flow_sensitive(uses, defs)
        self._flow_insensitive(loose_uses)
        return self.srcs, self.dsts

    # -- where each name happens ----------------------------------------------
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

    def _events(self, stmt_of: list[int]) -> tuple[Events, Events, list[tuple[int, Key | None, int]]]:
        t, symbols, scopes = self.t, self.t.symbols, self.scopes
        # plain dicts, not defaultdicts: compiled, every read of a dict subclass (``get``
        # included) goes through the generic protocol
        uses: Events = {}
        defs: Events = {}
        loose: list[tuple[int, Key | None, int]] = []  # (symbol, key, use node)
        for sym in symbols:
            if sym.scope < 0 or sym.kind is SymbolKind.ATTRIBUTE:
                continue
            if scopes[sym.scope].kind in (ScopeKind.LAMBDA, ScopeKind.COMPREHENSION):
                continue
            for node in sym.definitions:
                if t.kinds[node] == "parameter":
                    _add(defs, scopes[sym.scope].entry, sym.id, node)
                elif t.scope_of[node] == sym.scope or self._region_scope(t.scope_of[node], sym.scope) is not None:
                    _add(defs, stmt_of[node], sym.id, node)
        for node, scope, _name in t.loads:
            sid = t.resolved[node]
            sym = symbols[sid]
            if sym.scope >= 0 and self._inline(scope, sym.scope):
                _add(uses, stmt_of[node], sid, node)
            else:
                loose.append((sid, None, node))
        self._attribute_events(stmt_of, uses, defs, loose)
        return uses, defs, loose

    def _inline(self, scope: int, symbol_scope: int) -> bool:
        """Whether a read in ``scope`` of a ``symbol_scope`` name is linked flow-sensitively."""
        if scope == symbol_scope or self._region_scope(scope, symbol_scope) is not None:
            kind = self.scopes[symbol_scope].kind
            return kind in (ScopeKind.MODULE, ScopeKind.CLASS, ScopeKind.FUNCTION)
        return False

    def _attribute_events(
        self, stmt_of: list[int], uses: Events, defs: Events, loose: list[tuple[int, Key | None, int]]
    ) -> None:
        t = self.t
        for records, into in ((t.attribute_stores, defs), (t.attribute_loads, uses)):
            for node, scope, _base, attr in records:
                base_node = self.children[node][0]
                base_sid = t.symbol_of.get(base_node)
                if base_sid is None or self.scopes[scope].kind not in (
                    ScopeKind.MODULE,
                    ScopeKind.CLASS,
                    ScopeKind.FUNCTION,
                ):
                    continue
                _add(into, stmt_of[node], (base_sid, attr), node)
                if into is uses and node in t.symbol_of:
                    loose.append((t.symbol_of[node], (base_sid, attr), node))

    # -- the worklist ------------------------------------------------------------
    def _flow_sensitive(self, uses: Events, defs: Events) -> None:
        """Reaching definitions per region, as bit vectors over basic blocks.

        Bit ``i`` of a state is the region's ``i``-th definition event, so a join is
        ``|`` and a transfer ``(IN & ~kill) | gen``.  States are stored per basic
        block, not per statement, so long straight-line modules cost one state."""
        cfg = _Cfg(self.cfg_edges)
        by_region: dict[int, list[int]] = {}
        scope_of = self.t.scope_of
        for stmt in self.statements:
            members = by_region.get(scope_of[stmt])
            if members is None:
                by_region[scope_of[stmt]] = [stmt]
            else:
                members.append(stmt)
        self._resolved_attr: set[int] = set()
        kinds, parents = self.t.kinds, self.parents
        # statement -> its walrus definitions (most files have none: one pass, not one per statement)
        self._walrus: dict[int, list[tuple[Key, int]]] = {}
        for stmt, found in defs.items():
            for key, d in found:
                if kinds[parents[d]] == "named_expression":
                    self._walrus.setdefault(stmt, []).append((key, d))
        for statements in by_region.values():
            statements.sort()
            self._region(cfg, statements, uses, defs)

    def _region(self, cfg: "_Cfg", statements: list[int], uses: Events, defs: Events) -> None:
        table = _DefTable(statements, defs)
        blocks, block_of = cfg.blocks(statements)
        if len(blocks) * len(table.nodes) > _MAX_STATE_BITS:
            self._too_large(statements, uses, table)
            return
        in_states = self._one_source_states(cfg, blocks, block_of, table)
        if in_states is None:
            gen, kill = {}, {}
            for leader, members in blocks.items():
                gen[leader], kill[leader] = table.summary(members)
            in_states = cfg.solve(blocks, block_of, gen, kill)
        nbytes = (len(table.nodes) + 8) // 8
        for leader, members in blocks.items():
            entry = in_states.get(leader, 0).to_bytes(nbytes, "little")
            overlay: dict = {}
            for stmt in members:
                walrus = self._walrus.get(stmt, ())
                for key, use in uses.get(stmt, ()):
                    self._link_use(key, use, overlay, entry, table)
                    for k, d in walrus:
                        if k == key and self._runs_before(d, use):
                            self.srcs.append(d)
                            self.dsts.append(use)
                table.apply(stmt, overlay)

    @staticmethod
    def _one_source_states(
        cfg: "_Cfg", blocks: dict[int, list[int]], block_of: dict[int, int], table: "_DefTable"
    ) -> dict[int, int] | None:
        """The blocks' IN states when every definition of the region is made by one
        statement that nothing in the region precedes (a function whose only
        definitions are its parameters, at its entry): all of them where that
        statement reaches, none elsewhere, as :meth:`_Cfg.solve` finds them but
        without a state per block.  ``None`` for any other region."""
        if len(table.events) != 1:
            return None
        [source] = table.events
        if any(p in block_of for p in cfg.preds.get(source, ())) or any(
            p in block_of for p in cfg.raised.get(source, ())
        ):
            return None
        # a handler gets the IN state of what raised: reached from the source's
        # normal successors, not from the source itself
        own_handlers = {h for h in cfg.handlers_of.get(source, ()) if source not in cfg.preds.get(h, ())}
        seen: set[int] = set()
        todo = [s for s in cfg.succs.get(source, ()) if s in block_of and s not in own_handlers]
        while todo:
            stmt = todo.pop()
            if stmt in seen:
                continue
            seen.add(stmt)
            todo.extend(s for s in cfg.succs.get(stmt, ()) if s in block_of and s not in seen)
        every = (1 << len(table.nodes)) - 1
        return {leader: every for leader in blocks if leader in seen}

    def _runs_before(self, store: int, use: int) -> bool:
        """Whether the walrus ``(store := ...)`` has run when ``use``, in the same
        statement, reads the name: ``use`` is after the whole walrus, or in the element of
        a comprehension whose clauses hold it (``[m[0] for s in xs if (m := f(s))]``)."""
        walrus = self.parents[store]
        if use > last_descendant(self.children, walrus):
            return True
        child, node = walrus, self.parents[walrus]
        while node >= 0 and node not in self.statements:
            kids = self.children[node]
            if self.t.kinds[node] in _COMPREHENSIONS and kids and child != kids[0]:
                if kids[0] <= use <= last_descendant(self.children, kids[0]):
                    return True
            child, node = node, self.parents[node]
        return False

    def _link_use(self, key, use: int, overlay: dict, entry: bytes, table: "_DefTable") -> None:
        local = overlay.get(key, _MISSING)
        if local is _MISSING:
            reaching = [i for i in table.key_defs.get(key, ()) if entry[i >> 3] >> (i & 7) & 1]
        else:
            reaching = local
        if reaching and not isinstance(key, int):
            self._resolved_attr.add(use)
        for index in reaching:
            self.srcs.append(table.nodes[index])
            self.dsts.append(use)

    def _too_large(self, statements: list[int], uses: Events, table: "_DefTable") -> None:
        """Past the state budget a region falls back to 'every definition reaches
        every use' (flow-insensitive), which is sound but imprecise."""
        logger.info("region of %d statements and %d definitions: flow-insensitive", len(statements), len(table.nodes))
        for stmt in statements:
            for key, use in uses.get(stmt, ()):
                for index in table.key_defs.get(key, ()):
                    self.srcs.append(table.nodes[index])
                    self.dsts.append(use)

    # -- across scopes -------------------------------------------------------------
    def _flow_insensitive(self, loose: list[tuple[int, Key | None, int]]) -> None:
        symbols = self.t.symbols
        for sid, key, use in loose:
            if key is not None and use in self._resolved_attr:
                continue
            for d in symbols[sid].definitions:
                if d != use:
                    self.srcs.append(d)
                    self.dsts.append(use)


_MISSING = object()
_NO_PREDS: list[int] = []  # shared, never appended to
_COMPREHENSIONS = frozenset(
    {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
)


_MAX_STATE_BITS = 500_000_000  # blocks x definitions kept as bit vectors (62 MB a state map, 4 maps)
_SHARED_MASK_DEFS = 32  # keys with more definitions share one kill mask
_SMALL_TABLE: Final = 62  # a region with at most this many definitions: its vectors fit a tagged int


class _DefTable:
    """A region's definition events, numbered in program order.

    Rebinding a name also kills the access paths through it (``x = ...`` ends
    what ``x.attr = ...`` said)."""

    def __init__(self, statements: list[int], defs: Events) -> None:
        self.nodes: list[int] = []
        self.key_defs: dict[Key, list[int]] = {}
        self.paths_of: dict[int, set] = {}  # base symbol -> its path keys
        self.events: dict[int, list[tuple[Key, int]]] = {}  # statement -> (key, index)
        self._masks: dict[Key, int] = {}
        for stmt in statements:
            events = defs.get(stmt)
            if not events:
                continue
            numbered = []
            for key, node in events:
                index = len(self.nodes)
                self.nodes.append(node)
                indices = self.key_defs.get(key)
                if indices is None:
                    self.key_defs[key] = [index]
                else:
                    indices.append(index)
                if not isinstance(key, int):
                    paths = self.paths_of.get(key[0])
                    if paths is None:
                        self.paths_of[key[0]] = {key}
                    else:
                        paths.add(key)
                numbered.append((key, index))
            self.events[stmt] = numbered

    def apply(self, stmt: int, overlay: dict) -> None:
        """Update ``overlay`` (key -> reaching indices) with ``stmt``'s definitions."""
        events = self.events.get(stmt)
        if not events:
            return
        fresh: dict = {}
        for key, index in events:
            fresh.setdefault(key, []).append(index)
            if isinstance(key, int):
                for path in self.paths_of.get(key, ()):
                    overlay[path] = []
        overlay.update(fresh)

    def summary(self, members: list[int]) -> tuple[int, int]:
        """``(gen, kill)`` bit vectors of a basic block, in time linear in its events
        and the vector size.  A key bound in many blocks gets its kill mask built
        once (20,000 ``elif`` branches assigning one name were quadratic)."""
        overlay: dict = {}
        for stmt in members:
            self.apply(stmt, overlay)
        if not overlay:
            return 0, 0
        if len(self.nodes) <= _SMALL_TABLE:  # most regions: the bits as machine words, compiled
            gen_bits = kill_bits = 0
            for key, indices in overlay.items():
                for index in indices:
                    gen_bits |= 1 << index
                for index in self.key_defs.get(key, ()):
                    kill_bits |= 1 << index
            return gen_bits, kill_bits
        size = (len(self.nodes) + 8) // 8
        gen, kill = bytearray(size), bytearray(size)
        shared = 0
        for key, indices in overlay.items():
            for index in indices:
                gen[index >> 3] |= 1 << (index & 7)
            defs = self.key_defs.get(key, ())
            if len(defs) > _SHARED_MASK_DEFS:
                shared |= self._kill_mask(key, size)
                continue
            for index in defs:
                kill[index >> 3] |= 1 << (index & 7)
        return int.from_bytes(gen, "little"), int.from_bytes(kill, "little") | shared

    def _kill_mask(self, key: Key, size: int) -> int:
        mask = self._masks.get(key)
        if mask is None:
            bits = bytearray(size)
            for index in self.key_defs[key]:
                bits[index >> 3] |= 1 << (index & 7)
            mask = self._masks[key] = int.from_bytes(bits, "little")
        return mask


class _Cfg:
    """Predecessor/successor tables of the CFG, with exception edges apart."""

    def __init__(self, cfg_edges: dict[EdgeKind, tuple[list[int], list[int]]]) -> None:
        self.preds: dict[int, list[int]] = {}
        self.raised: dict[int, list[int]] = {}  # handler <- statements that may raise
        self.succs: dict[int, list[int]] = {}
        succs = self.succs
        for kind, (srcs, dsts) in cfg_edges.items():
            into = self.raised if kind is EdgeKind.CFG_EXCEPTION else self.preds
            for src, dst in zip(srcs, dsts):
                _append_to(into, dst, src)
                _append_to(succs, src, dst)
        self.raisers = {src for srcs in self.raised.values() for src in srcs}
        self.handlers_of: dict[int, list[int]] = {}  # statement that may raise -> handlers
        for handler, srcs in self.raised.items():
            for src in srcs:
                _append_to(self.handlers_of, src, handler)

    def blocks(self, statements: list[int]) -> tuple[dict[int, list[int]], dict[int, int]]:
        """Basic blocks (leader -> members in order).  A statement that may raise
        leads its block, so the block's IN is the state a handler sees."""
        preds, succs, raisers, raised = self.preds, self.succs, self.raisers, self.raised
        blocks: dict[int, list[int]] = {}
        block_of: dict[int, int] = {}
        for stmt in statements:
            ps = preds.get(stmt, _NO_PREDS)
            single = len(ps) == 1 and len(succs.get(ps[0], ())) == 1 and ps[0] in block_of
            if single and stmt not in raisers and stmt not in raised:
                leader = block_of[ps[0]]
                blocks[leader].append(stmt)
            else:
                leader = stmt
                blocks[leader] = [stmt]
            block_of[stmt] = leader
        return blocks, block_of

    def solve(self, blocks, block_of, gen, kill) -> dict[int, int]:
        """IN state of every block, by a worklist in program order.  (Untyped on
        purpose: the states are bit vectors, long ints, which compiled code typed
        ``int`` unboxes and boxes again at each read and write: 20% more
        instructions; and a node typed ``int`` is boxed again, a new object past 256,
        at each use as a dictionary's key: 20% more again.)"""
        last = {leader: members[-1] for leader, members in blocks.items()}
        out: dict[int, int] = {}
        in_states: dict[int, int] = {}
        pending = sorted(blocks, reverse=True)
        queued = set(pending)
        while pending:
            leader = pending.pop()
            queued.discard(leader)
            state = 0
            for p in self.preds.get(leader, ()):
                if p in block_of:
                    state |= out.get(block_of[p], 0)
            for p in self.raised.get(leader, ()):
                if p in block_of:
                    state |= in_states.get(block_of[p], 0)
            old_in = in_states.get(leader)
            in_states[leader] = state
            new = (state & ~kill[leader]) | gen[leader]
            if out.get(leader) != new or old_in != state:
                out[leader] = new
                for succ in self.succs.get(last[leader], ()):
                    target = block_of.get(succ)
                    if target is not None and target not in queued:
                        queued.add(target)
                        pending.append(target)
                if leader in self.raisers:
                    for succ in self.succs.get(leader, ()):
                        target = block_of.get(succ)
                        if target is not None and target not in queued:
                            queued.add(target)
                            pending.append(target)
        return in_states


def _add(events: Events, stmt: int, key: Key, node: int) -> None:
    found = events.get(stmt)
    if found is None:
        events[stmt] = [(key, node)]
    else:
        found.append((key, node))


def _append_to(table: dict[int, list[int]], key: int, value: int) -> None:
    found = table.get(key)
    if found is None:
        table[key] = [value]
    else:
        found.append(value)


def statement_of(parents: list[int], statements: set[int]) -> list[int]:
    """Each node's statement: itself when it is in ``statements``, else its
    parent's (-1 above every statement); parents come before their children.
    (The statements are marked in a list first: a set's test boxes the node.)"""
    size = len(parents)
    is_statement = [False] * size
    for stmt in statements:
        if 0 <= stmt < size:
            is_statement[stmt] = True
    stmt_of = [-1] * size
    for node, parent in enumerate(parents):
        if is_statement[node]:
            stmt_of[node] = node
        elif parent >= 0:
            stmt_of[node] = stmt_of[parent]
    return stmt_of
