"""The heterogeneous program graph: typed nodes, typed edges, scopes and symbols.

A :class:`ProgramGraph` is compact and read-only.  Node ids are integers assigned in
pre-order (a node's id is smaller than its descendants'), node data lives in
parallel lists, and edges are kept as ``(src, dst)`` lists per :class:`EdgeKind`.
Adjacency maps are built on first use and memoised.

Node kinds are tree-sitter's named node types (``function_definition``,
``if_statement``, ``call``, ``attribute``, ``integer`` ...) refined by role:

========================  =====================================================
``name_load``             an identifier read as a variable
``name_store``            an identifier bound (assignment, ``for``, ``as``, def)
``name_del``              an identifier deleted
``parameter``             an identifier naming a parameter
``attribute_store``       ``obj.attr`` as an assignment target
``identifier``            a name that is not a variable (``obj.attr``'s attr,
                          keyword-argument names, dotted import paths)
``entry`` / ``exit``      synthetic CFG nodes of a module, class or function
========================  =====================================================

Example::

    >>> g = build_graph("def f(x):\\n    return x + 1\\n")
    >>> [g.kinds[n] for n in g.nodes_of_kind("parameter")]
    ['parameter']
    >>> len(g.edges(EdgeKind.DFG))     # the parameter reaches its one use
    1
"""

from __future__ import annotations

import bisect
import enum
import logging
import sys
from array import array
from collections import defaultdict
from dataclasses import dataclass
from typing import Final, Iterable, Iterator, Sequence, TypeVar, overload

from .heap import paused_gc
from .source import Source
from .spans import Diagnostic, Span

try:  # mypyc's class options (see analyzer/native.py): the TypeScript side extends ProgramGraph
    from mypy_extensions import mypyc_attr
except ImportError:  # needed only where mypyc builds
    from .native import mypyc_attr  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Compiled by mypyc (``tools/mypyc-build``), this module is an extension module and its
# classes are native.  mypyc compiles the methods written here but not those that
# ``@dataclass`` generates at import: a frozen dataclass's own ``__init__`` is
# interpreted and sets each field through ``object.__setattr__`` (0.9 us a Scope).
# The value classes below therefore write their ``__init__`` (``init=False``) with
# ``object.__setattr__``, as the engine's values do (typeinfer/types.py): compiled,
# mypyc turns each into a store straight into the instance (0.2 us a Scope), while
# ``x.id = 1`` from anywhere else still meets the frozen ``__setattr__``; pure, it
# sets each field as the generated one does.
COMPILED: Final = not __file__.endswith(".py")


class EdgeKind(str, enum.Enum):
    """The typed edges of the graph."""

    AST = "ast"  # parent -> child, labelled with the field name
    CFG_NEXT = "cfg_next"  # statement -> the statement after it
    CFG_TRUE = "cfg_true"  # test -> branch taken when true (loop: next item)
    CFG_FALSE = "cfg_false"  # test -> branch taken when false (loop: exhausted)
    CFG_EXCEPTION = "cfg_exception"  # statement in try -> handler; raise -> handler/exit
    CFG_LOOP_BACK = "cfg_loop_back"  # end of loop body / continue -> loop header
    CFG_RETURN = "cfg_return"  # return -> exit of the function
    DFG = "dfg"  # definition -> use it reaches
    CALL = "call"  # call site -> callee definition
    RETURN = "return"  # return statement -> function; callee -> call site
    IMPORT = "import"  # import statement -> each name it binds

    @classmethod
    def parse_list(cls, text: str) -> frozenset["EdgeKind"]:
        """Edge kinds from a comma list; ``cfg`` selects every CFG kind, ``dfg`` data flow."""
        chosen: set[EdgeKind] = set()
        for word in filter(None, (w.strip().lower() for w in text.split(","))):
            if word == "cfg":
                chosen.update(CFG_KINDS)
            elif word in cls._value2member_map_:
                chosen.add(cls(word))
            else:
                known = "cfg, " + ", ".join(k.value for k in cls)
                raise ValueError(f"edges={word!r} is not an edge kind; use a comma list of: {known}")
        return frozenset(chosen)


CFG_KINDS = frozenset(
    {
        EdgeKind.CFG_NEXT,
        EdgeKind.CFG_TRUE,
        EdgeKind.CFG_FALSE,
        EdgeKind.CFG_EXCEPTION,
        EdgeKind.CFG_LOOP_BACK,
        EdgeKind.CFG_RETURN,
    }
)


class ScopeKind(str, enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"
    BLOCK = "block"  # TypeScript/JavaScript: a block holding let/const (analyzer.typescript)


_SCOPE_KINDS: Final = tuple(ScopeKind)  # a graph-cache entry's scope kinds index this


@dataclass(frozen=True, slots=True, init=False)
class Scope:
    """A Python scope.  ``node`` is the module/class/function/lambda/comprehension node."""

    id: int
    kind: ScopeKind
    node: int
    name: str
    qualname: str
    parent: int  # enclosing scope id, -1 for the module
    entry: int  # synthetic CFG entry node (module, class, function); -1 when none
    exit: int

    def __init__(
        self,
        id: int,
        kind: ScopeKind,
        node: int,
        name: str,
        qualname: str,
        parent: int,
        entry: int = -1,
        exit: int = -1,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "qualname", qualname)
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "exit", exit)

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return Scope, (self.id, self.kind, self.node, self.name, self.qualname, self.parent, self.entry, self.exit)


def scopes_of_columns(
    ids: list[int],
    kinds: list[int],
    nodes: list[int],
    names: list[int],
    qualnames: list[int],
    parents: list[int],
    entries: list[int],
    exits: list[int],
    strings: list[str],
) -> tuple[Scope, ...]:
    """The scopes of a graph-cache entry from its columns, one row per scope:
    ``kinds`` index ``ScopeKind`` (in declaration order), ``names`` and
    ``qualnames`` index ``strings``.  A loop here, compiled, calls the native
    constructor: ``map(Scope, ...)`` from the interpreted cache module cost
    1.2 us a scope (a seventh of loading a run's library graphs).  ``ValueError``
    for columns of unequal lengths, ``IndexError`` for an index out of range."""
    count = len(ids)
    if not (
        len(kinds) == len(nodes) == len(names) == len(qualnames) == len(parents) == len(entries) == len(exits) == count
    ):
        raise ValueError(f"scope columns of {count} ids have other lengths; pass one row per scope")
    scope_kinds = _SCOPE_KINDS
    made: list[Scope] = []
    for i in range(count):
        made.append(
            Scope(
                ids[i],
                scope_kinds[kinds[i]],
                nodes[i],
                strings[names[i]],
                strings[qualnames[i]],
                parents[i],
                entries[i],
                exits[i],
            )
        )
    return tuple(made)


_Label = TypeVar("_Label")
_UINT32: Final = "I" if array("I").itemsize == 4 else "L"


def labels_of_bytes(table: list[_Label], ids: bytes) -> list[_Label]:
    """``table[i]`` for each byte ``i`` of ``ids``: a graph-cache entry's node kinds
    and fields (a file has fewer than 256 of each).  Compiled, a loop over the
    bytes makes no int (``map(table.__getitem__, ...)`` from the interpreted
    cache module cost 20 ns a node, a sixth of loading a run's library graphs).
    ``IndexError`` for an id out of range."""
    return [table[i] for i in ids]


def names_of_columns(nodes: list[int], ids: bytes, strings: list[str]) -> dict[int, str]:
    """The identifier of each of ``nodes``: ``strings[id]``, the ids being
    ``ids`` read as unsigned 32-bit little-endian integers, one per node (a
    graph-cache entry's names).  Compiled, each id is read off the bytes
    without an int made for it.  ``ValueError`` when ``ids`` does not hold one
    id per node, ``IndexError`` for an id out of range."""
    count = len(nodes)
    if len(ids) != 4 * count:
        raise ValueError(f"{len(ids)} bytes of name ids for {count} names; pass 4 bytes a name")
    if not COMPILED:  # the interpreter: C loops over an array of the ids
        column = array(_UINT32)
        column.frombytes(ids)
        if sys.byteorder == "big":
            column.byteswap()
        return dict(zip(nodes, map(strings.__getitem__, column)))
    names: dict[int, str] = {}
    for i in range(count):
        j = 4 * i
        names[nodes[i]] = strings[ids[j] | ids[j + 1] << 8 | ids[j + 2] << 16 | ids[j + 3] << 24]
    return names


class SymbolKind(str, enum.Enum):
    VARIABLE = "variable"
    PARAMETER = "parameter"
    FUNCTION = "function"
    CLASS = "class"
    IMPORT = "import"
    ATTRIBUTE = "attribute"  # ``self.x`` stored in a method, owned by the class scope
    BUILTIN = "builtin"
    TYPE = "type"  # TypeScript: an interface, type alias or type parameter
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True, init=False)
class Symbol:
    """A name bound in one scope, with every node that defines or uses it."""

    id: int
    name: str
    scope: int  # -1 for builtins and unresolved names
    kind: SymbolKind
    definitions: tuple[int, ...]
    uses: tuple[int, ...]
    is_global_decl: bool  # declared ``global``/``nonlocal`` somewhere

    def __init__(
        self,
        id: int,
        name: str,
        scope: int,
        kind: SymbolKind,
        definitions: tuple[int, ...],
        uses: tuple[int, ...],
        is_global_decl: bool = False,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "definitions", definitions)
        object.__setattr__(self, "uses", uses)
        object.__setattr__(self, "is_global_decl", is_global_decl)

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return Symbol, (self.id, self.name, self.scope, self.kind, self.definitions, self.uses, self.is_global_decl)


# Compiled, Symbol's own constructor is the fast path (see COMPILED above), and the
# slot setters below do not exist.
_SYMBOL_SLOTS = (
    None
    if COMPILED
    else tuple(
        vars(Symbol)[name].__set__ for name in ("id", "name", "scope", "kind", "definitions", "uses", "is_global_decl")
    )
)


def new_symbol(
    id: int,
    name: str,
    scope: int,
    kind: SymbolKind,
    definitions: tuple[int, ...],
    uses: tuple[int, ...],
    is_global_decl: bool = False,
) -> Symbol:
    """``Symbol(...)`` without the frozen ``__init__``'s ``object.__setattr__`` per
    field: a graph built or loaded makes thousands (builtins.pyi 5,000), and this
    costs two fifths of the constructor.  The value is the same frozen Symbol."""
    if _SYMBOL_SLOTS is None:
        return Symbol(id, name, scope, kind, definitions, uses, is_global_decl)
    sym = object.__new__(Symbol)
    set_id, set_name, set_scope, set_kind, set_definitions, set_uses, set_global = _SYMBOL_SLOTS
    set_id(sym, id)
    set_name(sym, name)
    set_scope(sym, scope)
    set_kind(sym, kind)
    set_definitions(sym, definitions)
    set_uses(sym, uses)
    set_global(sym, is_global_decl)
    return sym


_SYMBOL_KINDS = tuple(SymbolKind)


class SymbolTable(Sequence[Symbol]):
    """The symbols of a graph read from the graph cache, each made on first use.

    A run reads a library graph for a few of its names (``builtins.pyi``: 3,000
    symbols, a cold run on click asks for 145), so making every :class:`Symbol`
    of every entry it loads was a third of the loading.  The table keeps the
    entry's columns: position ``i``'s id, name, scope, kind (an index into
    ``SymbolKind``), whether it was declared ``global``, and its definitions and
    uses as the slices ``defs[def_ends[i - 1]:def_ends[i]]`` (the same for uses)
    of two flat sequences (the cache loads the last four as arrays: no int made
    for a value never read).  Reading a position makes that one symbol, and keeps it;
    iterating makes them all.  It compares equal to the tuple of the same
    symbols.  Example::

        table = SymbolTable([0, 1], ["x", "f"], [0, 0], [0, 2], [0, 0], [1, 2], [3, 5], [1, 1], [4])
        table[1]          # Symbol(id=1, name='f', scope=0, kind=<SymbolKind.FUNCTION...>,
                          #        definitions=(5,), uses=(), is_global_decl=False)
        table.made()      # 1
    """

    __slots__ = ("ids", "names", "scopes", "_kinds", "_globals", "_def_ends", "_defs", "_use_ends", "_uses", "_made")

    def __init__(
        self,
        ids: list[int],
        names: list[str],
        scopes: list[int],
        kinds: list[int],
        globals_: list[int],
        def_ends: Sequence[int],
        defs: Sequence[int],
        use_ends: Sequence[int],
        uses: Sequence[int],
    ) -> None:
        count = len(ids)
        if not (len(names) == len(scopes) == len(kinds) == len(globals_) == len(def_ends) == len(use_ends) == count):
            raise ValueError(f"symbol columns of {count} ids have other lengths; pass one row per symbol")
        if count and (def_ends[-1] != len(defs) or use_ends[-1] != len(uses)):
            raise ValueError("def_ends/use_ends must end at the lengths of defs/uses")
        if kinds and not 0 <= min(kinds) <= max(kinds) < len(_SYMBOL_KINDS):
            raise ValueError("a symbol kind index is out of range")
        self.ids, self.names, self.scopes = ids, names, scopes
        self._kinds, self._globals = kinds, globals_
        self._def_ends, self._defs, self._use_ends, self._uses = def_ends, defs, use_ends, uses
        self._made: list[Symbol | None] = [None] * count

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, index: int) -> Symbol: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Symbol, ...]: ...

    def __getitem__(self, index: int | slice) -> Symbol | tuple[Symbol, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self._made))))
        sym = self._made[index]  # IndexError as a tuple's
        return sym if sym is not None else self._make(index % len(self._made))

    def __iter__(self) -> Iterator[Symbol]:
        made = self._made
        for i, sym in enumerate(made):
            yield sym if sym is not None else self._make(i)

    def _make(self, i: int) -> Symbol:
        d0 = self._def_ends[i - 1] if i else 0
        u0 = self._use_ends[i - 1] if i else 0
        sym = self._made[i] = new_symbol(
            self.ids[i],
            self.names[i],
            self.scopes[i],
            _SYMBOL_KINDS[self._kinds[i]],
            tuple(self._defs[d0 : self._def_ends[i]]),
            tuple(self._uses[u0 : self._use_ends[i]]),
            bool(self._globals[i]),
        )
        return sym

    def columns(self) -> tuple[Sequence[int], ...]:
        """The integer columns, in :class:`SymbolTable`'s argument order (names left out)."""
        return (
            self.ids,
            self.scopes,
            self._kinds,
            self._globals,
            self._def_ends,
            self._defs,
            self._use_ends,
            self._uses,
        )

    def made(self) -> int:
        """How many of the symbols have been made so far."""
        return sum(1 for sym in self._made if sym is not None)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (SymbolTable, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SymbolTable({len(self)} symbols, {self.made()} made)"


def symbol_table_of(symbols: Sequence[Symbol]) -> SymbolTable:
    """The columns of ``symbols`` as a :class:`SymbolTable` (the graph cache's form)."""
    def_ends: list[int] = []
    use_ends: list[int] = []
    defs: list[int] = []
    uses: list[int] = []
    for sym in symbols:
        defs.extend(sym.definitions)
        uses.extend(sym.uses)
        def_ends.append(len(defs))
        use_ends.append(len(uses))
    kind_index = {k: i for i, k in enumerate(_SYMBOL_KINDS)}
    return SymbolTable(
        [s.id for s in symbols],
        [s.name for s in symbols],
        [s.scope for s in symbols],
        [kind_index[s.kind] for s in symbols],
        [int(s.is_global_decl) for s in symbols],
        def_ends,
        defs,
        use_ends,
        uses,
    )


@dataclass(frozen=True, slots=True, init=False)
class ImportBinding:
    """A name an import statement binds: ``from ..pkg import x as y`` gives
    ``module='pkg', level=2, name='x', alias node -> 'y'``."""

    node: int  # the identifier bound (``name_store``); the statement for ``*``
    statement: int
    module: str
    level: int
    name: str | None  # None for ``import a.b``
    bound: str  # the local name ('*' for star imports)

    def __init__(self, node: int, statement: int, module: str, level: int, name: str | None, bound: str) -> None:
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "statement", statement)
        object.__setattr__(self, "module", module)
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "bound", bound)

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return ImportBinding, (self.node, self.statement, self.module, self.level, self.name, self.bound)


def imports_of_rows(rows: list[list]) -> tuple[ImportBinding, ...]:
    """The import bindings of a graph-cache entry, one row of ``ImportBinding``'s
    fields each.  A loop here, compiled, calls the native constructor (1 us a
    binding from the interpreted cache module).  ``ValueError`` for a row of
    another length, ``TypeError`` for a field of another type."""
    made: list[ImportBinding] = []
    for row in rows:
        if len(row) != 6:
            raise ValueError(f"an import row of {len(row)} fields; pass 6")
        made.append(ImportBinding(row[0], row[1], row[2], row[3], row[4], row[5]))
    return tuple(made)


_LEAF: list[int] = []  # the children of every leaf of a loaded graph (see ProgramGraph.children)


def subtree_ends(parents: list[int]) -> list[int] | None:
    """One past each node's last descendant, from a table of parents whose ids
    are in pre-order (``None`` when they are not: a node whose parent is not
    among its open ancestors).  ``subtree_ends([-1, 0, 1, 0]) == [4, 3, 3, 4]``."""
    count = len(parents)
    ends = [count] * count
    open_nodes: list[int] = []  # the ancestors of the node being read, innermost last
    for node, parent in enumerate(parents):
        while open_nodes and open_nodes[-1] != parent:
            ends[open_nodes.pop()] = node
        if parent >= 0 and not open_nodes:
            return None
        open_nodes.append(node)
    return ends


def last_descendant(children: list[list[int]], node: int) -> int:
    """The highest node id under ``node`` in a table of children (ids in pre-order):
    ``last_descendant([[1, 2], [], []], 0) == 2``."""
    while children[node]:
        node = children[node][-1]
    return node


@mypyc_attr(allow_interpreted_subclasses=True)
class ProgramGraph:
    """The program graph of one file.  Build it with :func:`build_graph`."""

    __slots__ = (
        "source",
        "kinds",
        "start_bytes",
        "end_bytes",
        "parents",
        "fields",
        "names",
        "scope_of",
        "scopes",
        "symbols",
        "symbol_of",
        "imports",
        "diagnostics",
        "_edges",
        "_packed_edges",
        "_line_starts",
        "_adjacency",
        "_children",
        "_ends",
        "_asked",
        "_symbol_index",
        "_scope_by_node",
        "_stores",
        "recovered",
    )

    def __init__(
        self,
        source: Source,
        kinds: list[str],
        start_bytes: list[int],
        end_bytes: list[int],
        parents: list[int],
        fields: list[str | None],
        names: dict[int, str],
        scope_of: list[int],
        scopes: tuple[Scope, ...],
        symbols: Sequence[Symbol],
        symbol_of: dict[int, int],
        imports: tuple[ImportBinding, ...],
        edges: dict[EdgeKind, tuple[list[int], list[int]]],
        diagnostics: tuple[Diagnostic, ...],
        children: list[list[int]] | None = None,
        recovered: tuple[bytes, tuple[tuple[int, int], ...]] | None = None,
        subtree_ends: Sequence[int] | None = None,
        packed_edges: dict[EdgeKind, tuple[array[int], array[int]]] | None = None,
    ) -> None:
        self.source = source
        self.kinds = kinds
        self.start_bytes = start_bytes
        self.end_bytes = end_bytes
        self.parents = parents
        self.fields = fields
        self.names = names
        self.scope_of = scope_of
        self.scopes = scopes
        self.symbols = symbols
        self.symbol_of = symbol_of
        self.imports = imports
        self.diagnostics = diagnostics
        self._edges = edges
        # a loaded graph's edge lists, as arrays until a kind is first read (a run reads
        # the edges of one library graph in sixty)
        self._packed_edges = packed_edges
        self._line_starts: list[int] | None = None
        self._adjacency: dict[tuple[EdgeKind, bool], dict[int, list[int]]] = {}
        self._children: list[list[int]] | None = children
        # a loaded graph: each node's subtree end, and the children asked so far
        self._ends = subtree_ends if children is None else None
        self._asked: dict[int, list[int]] | None = {} if self._ends is not None else None
        self._symbol_index: dict[tuple[str, str], int] | None = None
        self._scope_by_node: dict[int, Scope] | None = None
        self._stores: dict[str, tuple[int, ...]] | None = None
        # a buffer with syntax errors: the text its tree was parsed from (same length and
        # line breaks) and the statements that broke; the graph cache does not keep it
        # (``analyzer.recovery.recover_text`` computes it again)
        self.recovered = recovered

    # -- nodes ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def path(self) -> str:
        return self.source.path

    def nodes_of_kind(self, *kinds: str) -> list[int]:
        wanted = set(kinds)
        return [i for i, k in enumerate(self.kinds) if k in wanted]

    def text(self, node: int) -> str:
        """The source text of ``node``."""
        return self.source.data[self.start_bytes[node] : self.end_bytes[node]].decode("utf-8", "replace")

    def point(self, byte: int) -> tuple[int, int]:
        """The 0-based (row, byte column) of byte offset ``byte``."""
        if self._line_starts is None:
            data, starts = self.source.data, [0]
            at = data.find(b"\n")
            while at >= 0:
                starts.append(at + 1)
                at = data.find(b"\n", at + 1)
            self._line_starts = starts
        row = bisect.bisect_right(self._line_starts, byte) - 1
        return row, byte - self._line_starts[row]

    def span(self, node: int) -> Span:
        start, end = self.start_bytes[node], self.end_bytes[node]
        (sr, sc), (er, ec) = self.point(start), self.point(end)
        return Span(start, end, sr, sc, er, ec)

    def children(self, node: int) -> list[int]:
        kids = self._children
        if kids is None:
            if self._ends is not None and self._asked is not None:
                return self._children_from_ends(node)
            kids = self._children = self._children_table()
        return kids[node]

    def _children_table(self) -> list[list[int]]:
        with paused_gc():  # a list per inner node: see .heap
            # leaves share one empty list, as the builder's do (half the nodes of a
            # loaded graph: a sixth of building the table); never appended to
            kids: list[list[int]] = [_LEAF] * len(self.kinds)
            for child, parent in enumerate(self.parents):
                if parent >= 0:
                    siblings = kids[parent]
                    if siblings is _LEAF:
                        kids[parent] = [child]
                    else:
                        siblings.append(child)
        return kids

    def _children_from_ends(self, node: int) -> list[int]:
        """``node``'s children read off the subtree ends of a loaded graph: each
        child's subtree ends where the next child starts.  A run asks a library
        graph about a few of its nodes (click: 5,000 of 160,000), so the table
        of every node's children is built only once a sixteenth of them are asked."""
        asked = self._asked
        assert asked is not None and self._ends is not None
        found = asked.get(node)
        if found is None:
            ends = self._ends
            end, child = ends[node], node + 1
            found = []
            while child < end:
                found.append(child)
                child = ends[child]
            asked[node] = found
            if len(asked) * 16 > len(ends):
                self._children = self._children_table()
                self._asked = None
        return found

    def last_descendant(self, node: int) -> int:
        """The highest node id under ``node`` (``node`` itself for a leaf): syntax
        nodes come in pre-order, so ``node``'s descendants are the ids after it up to
        this one, and a search under a node need not read the file."""
        if self._children is None and self._ends is not None:
            return self._ends[node] - 1
        self.children(node)  # the table of children, built once
        assert self._children is not None
        return last_descendant(self._children, node)

    def subtree_ends(self) -> list[int] | None:
        """Each node's subtree end (one past its last descendant), or ``None``
        when the nodes are not in pre-order (a graph another builder made):
        what the graph cache stores so that a loaded graph answers
        :meth:`children` without a table of every node's children."""
        if self._ends is not None:
            return list(self._ends)
        return subtree_ends(self.parents)

    def child_by_field(self, node: int, field: str) -> int | None:
        for child in self.children(node):
            if self.fields[child] == field:
                return child
        return None

    def node_at(self, byte: int) -> int:
        """The innermost node whose span contains ``byte`` (the module if none)."""
        # syntax nodes come in pre-order, so starts never decrease, and the
        # synthetic CFG entry/exit nodes follow them all: the last node starting
        # at or before ``byte`` lies inside the innermost node containing it
        count = len(self.kinds)
        while count and self.kinds[count - 1] in ("entry", "exit"):
            count -= 1
        node = bisect.bisect_right(self.start_bytes, byte, 0, count) - 1
        while node > 0 and not byte < self.end_bytes[node]:
            node = self.parents[node]
        return max(node, 0)

    # -- edges ---------------------------------------------------------------
    def _edge_lists(self, kind: EdgeKind) -> tuple[list[int], list[int]]:
        found = self._edges.get(kind)
        if found is not None:
            return found
        packed = self._packed_edges
        if packed is not None and kind in packed:
            srcs, dsts = packed[kind]  # kept: another thread may be reading it
            found = self._edges[kind] = (srcs.tolist(), dsts.tolist())
            return found
        if kind is EdgeKind.AST:
            pairs = [(p, c) for c, p in enumerate(self.parents) if p >= 0]
            found = self._edges[kind] = ([p for p, _ in pairs], [c for _, c in pairs])
            return found
        return ([], [])

    def stored_edge_kinds(self) -> list[EdgeKind]:
        """The kinds of edges this graph was made with (the AST's, worked out from
        the parents, left out), in :class:`EdgeKind` order, each one listed even when
        it has no edge: what the graph cache stores."""
        packed = self._packed_edges or {}
        return [k for k in EdgeKind if k is not EdgeKind.AST and (k in self._edges or k in packed)]

    def edge_kinds(self) -> list[EdgeKind]:
        return [k for k in EdgeKind if self._edge_lists(k)[0]]

    def edges(self, kind: EdgeKind) -> list[tuple[int, int]]:
        """``(src, dst)`` pairs of ``kind``; AST edges are labelled by ``fields[dst]``."""
        srcs, dsts = self._edge_lists(kind)
        return list(zip(srcs, dsts))

    def iter_edges(self, kinds: Iterable[EdgeKind] | None = None) -> Iterator[tuple[EdgeKind, int, int]]:
        for kind in EdgeKind if kinds is None else kinds:
            srcs, dsts = self._edge_lists(kind)
            for src, dst in zip(srcs, dsts):
                yield kind, src, dst

    def _adjacent(self, kind: EdgeKind, forward: bool) -> dict[int, list[int]]:
        key = (kind, forward)
        table = self._adjacency.get(key)
        if table is None:
            table = defaultdict(list)
            srcs, dsts = self._edge_lists(kind)
            for src, dst in zip(srcs, dsts):
                if forward:
                    table[src].append(dst)
                else:
                    table[dst].append(src)
            self._adjacency[key] = table
        return table

    def successors(self, node: int, kind: EdgeKind) -> list[int]:
        return self._adjacent(kind, True).get(node, [])

    def predecessors(self, node: int, kind: EdgeKind) -> list[int]:
        return self._adjacent(kind, False).get(node, [])

    # -- symbols -------------------------------------------------------------
    def symbol_at(self, node: int) -> Symbol | None:
        """The symbol a name/parameter/attribute node defines or uses."""
        sid = self.symbol_of.get(node)
        return None if sid is None else self.symbols[sid]

    def find_symbol(self, name: str, scope: str = "") -> Symbol | None:
        """The symbol ``name`` bound in the scope with qualified name ``scope`` ('' = module)."""
        if self._symbol_index is None:
            symbols = self.symbols
            if type(symbols) is SymbolTable:  # a loaded graph: no symbol made for the index
                pairs: Iterable[tuple[str, int]] = zip(symbols.names, symbols.scopes)
            else:
                pairs = ((sym.name, sym.scope) for sym in symbols)
            qualnames = [s.qualname for s in self.scopes]
            index: dict[tuple[str, str], int] = {}
            for position, (sym_name, sym_scope) in enumerate(pairs):
                if sym_scope >= 0:
                    index.setdefault((sym_name, qualnames[sym_scope]), position)
            self._symbol_index = index
        found = self._symbol_index.get((name, scope))
        return None if found is None else self.symbols[found]

    def scope_defined_by(self, node: int) -> Scope | None:
        """The scope a module/class/function/lambda/comprehension node opens."""
        if self._scope_by_node is None:
            self._scope_by_node = {s.node: s for s in self.scopes}
        return self._scope_by_node.get(node)

    def attribute_stores(self) -> dict[str, tuple[int, ...]]:
        """The ``attribute_store`` nodes (``x.name = ...``) by the name stored, each
        name's in node order; worked out once (the checks ask per class and name)."""
        if self._stores is None:
            found: dict[str, list[int]] = {}
            for node, kind in enumerate(self.kinds):
                if kind == "attribute_store":
                    found.setdefault(self.names.get(self.children(node)[-1], ""), []).append(node)
            self._stores = {name: tuple(nodes) for name, nodes in found.items()}
        return self._stores

    def scope_named(self, qualname: str) -> Scope | None:
        for scope in self.scopes:
            if scope.qualname == qualname:
                return scope
        return None

    def enclosing(self, node: int, *kinds: str) -> int | None:
        """The nearest ancestor of ``node`` (itself included) of one of ``kinds``."""
        wanted = set(kinds)
        while node >= 0:
            if self.kinds[node] in wanted:
                return node
            node = self.parents[node]
        return None

    def has_syntax_errors(self) -> bool:
        return any(d.code in ("syntax-error", "missing-token") for d in self.diagnostics)
