"""The program graph of a whole project: per-file graphs plus cross-file edges.

Node ids are global: file ``i``'s node ``n`` is ``offsets[i] + n``.  Cross-file
edges are ``import`` (the bound name -> the definition it names), ``call`` (call
site -> the imported function, or the imported class's ``__init__``) and
``return`` (that callee -> the call site).

The cross-file edges are linked on first use: reading ``cross_edges`` (or
asking :meth:`ProjectGraph.cross_sources`) links every file then, in file order,
exactly as an eager build would.  A question that never needs them -- the
checks of one file asked for by ``typelens analyze FILE``, which read the
other files' graphs only through the names they import -- does not pay for
resolving every import and call of the whole project.

Example::

    pg = build_project_graph(ProjectIndex("examples/shop"))   # graphs read, nothing linked yet
    pg.cross_edges[EdgeKind.CALL]      # [(global call id, global def id), ...] (linked now)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from .graph import EdgeKind, ProgramGraph, ScopeKind, SymbolKind
from .project import Definition, ProjectIndex

logger = logging.getLogger(__name__)


class ProjectGraph:
    """Per-file graphs and the edges between them.  ``linker``: called once with
    the graph, the first time its cross-file edges are read, to add them (see the
    module docstring); threads reading them meanwhile wait for it."""

    __slots__ = ("files", "graphs", "offsets", "root", "_cross_edges", "_linker", "_linking", "_lock", "_indexes")

    def __init__(
        self,
        files: list[str],
        graphs: list[ProgramGraph],
        offsets: list[int],
        cross_edges: dict[EdgeKind, list[tuple[int, int]]] | None = None,
        root: Path | None = None,
        *,
        linker: Callable[[ProjectGraph], None] | None = None,
    ) -> None:
        self.files = files
        self.graphs = graphs
        self.offsets = offsets
        self.root = root
        self._cross_edges = cross_edges if cross_edges is not None else {}
        self._linker = linker
        self._linking = False
        self._lock = threading.RLock()
        self._indexes: dict[tuple[EdgeKind, bool], tuple[int, dict[int, list[int]]]] = {}

    @property
    def cross_edges(self) -> dict[EdgeKind, list[tuple[int, int]]]:
        """``kind -> [(global source id, global target id), ...]``, linked on first use."""
        if self._linker is not None:
            with self._lock:  # re-entrant: the linker itself appends through this property
                if self._linker is not None and not self._linking:
                    self._linking = True
                    try:
                        self._linker(self)
                    finally:
                        self._linker, self._linking = None, False
        return self._cross_edges

    @classmethod
    def single(cls, graph: ProgramGraph) -> "ProjectGraph":
        return cls([graph.path], [graph], [0])

    def global_id(self, file_index: int, node: int) -> int:
        return self.offsets[file_index] + node

    def locate(self, gid: int) -> tuple[int, int]:
        """``(file index, local node)`` of global id ``gid``."""
        lo, hi = 0, len(self.offsets) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.offsets[mid] <= gid:
                lo = mid
            else:
                hi = mid - 1
        return lo, gid - self.offsets[lo]

    def file_index(self, path: str | Path) -> int:
        text = str(path)
        for i, name in enumerate(self.files):
            if name == text or (self.root is not None and str(self.root / name) == text):
                return i
        raise ValueError(f"path={text!r} is not part of this project graph; pass one of its files")

    def _cross_index(self, kind: EdgeKind, forward: bool) -> dict[int, list[int]]:
        key = (kind, forward)
        pairs = self.cross_edges.get(kind, ())
        known = self._indexes.get(key)
        if known is None or known[0] != len(pairs):
            table: dict[int, list[int]] = {}
            for src, dst in pairs:
                a, b = (src, dst) if forward else (dst, src)
                table.setdefault(a, []).append(b)
            known = self._indexes[key] = (len(pairs), table)
        return known[1]

    def cross_targets(self, kind: EdgeKind, file_index: int, node: int) -> list[tuple[int, int]]:
        gid = self.global_id(file_index, node)
        return [self.locate(dst) for dst in self._cross_index(kind, True).get(gid, ())]

    def cross_sources(self, kind: EdgeKind, file_index: int, node: int) -> list[tuple[int, int]]:
        gid = self.global_id(file_index, node)
        return [self.locate(src) for src in self._cross_index(kind, False).get(gid, ())]

    def __len__(self) -> int:
        return sum(len(g) for g in self.graphs)


def build_project_graph(index: ProjectIndex, paths: list[Path] | None = None) -> ProjectGraph:
    """Graphs of ``paths`` (default: every project module) with cross-file edges."""
    files = paths if paths is not None else sorted(set(index.modules.values()))
    return join_files(index, files, _Linker().link_file)


def join_files(index, files: list[Path], link_file) -> ProjectGraph:
    """The graphs of ``files`` that ``index.graph_of`` reads, named relative to
    ``index.root``, in one project graph; ``link_file(pg, index, i, graph,
    by_path)`` adds file ``i``'s cross-file edges (the scripts' own linker too),
    file after file, when the edges are first read."""
    graphs: list[ProgramGraph] = []
    names: list[str] = []
    for path in files:
        graph = index.graph_of(path)
        if graph is None:
            continue
        graphs.append(graph)
        names.append(_relative(Path(path), index.root))
    offsets, total = [], 0
    for graph in graphs:
        offsets.append(total)
        total += len(graph)

    def link(pg: ProjectGraph) -> None:
        by_path = {Path(index.root / name).resolve(): i for i, name in enumerate(names)}
        for i, graph in enumerate(graphs):
            link_file(pg, index, i, graph, by_path)

    edges: dict[EdgeKind, list[tuple[int, int]]] = {EdgeKind.IMPORT: [], EdgeKind.CALL: [], EdgeKind.RETURN: []}
    return ProjectGraph(names, graphs, offsets, edges, index.root, linker=link)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


class _Linker:
    """Links the files of one project graph (``join_files``'s ``link_file``),
    keeping what it resolves for the whole pass: a module's function called in
    many files (``events.get_event_loop()``) is resolved once, and each
    definition's file is looked up once (``Path.resolve`` reads the disk)."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], Definition | None] = {}
        self._files: dict[Path, int | None] = {}

    def link_file(
        self, pg: ProjectGraph, index: ProjectIndex, i: int, graph: ProgramGraph, by_path: dict[Path, int]
    ) -> None:
        bound: dict[int, tuple[int, int]] = {}  # local import symbol id -> (file, def node)
        modules: dict[int, str] = {}  # local import symbol id -> module name
        for binding in graph.imports:
            if binding.node == binding.statement:
                continue
            target = index.resolve_binding(graph, binding)
            sid = graph.symbol_of.get(binding.node)
            if isinstance(target, Definition):
                j = self._file_of(target.path, by_path)
                if j is not None:
                    pg.cross_edges[EdgeKind.IMPORT].append(
                        (pg.global_id(i, binding.node), pg.global_id(j, target.node))
                    )
                    if sid is not None:
                        bound[sid] = (j, target.node)
            elif target is not None and sid is not None and binding.name is None and binding.bound == binding.module:
                modules[sid] = target.name
            elif target is not None and sid is not None and binding.name is not None:
                modules[sid] = target.name
        for node, kind in enumerate(graph.kinds):
            if kind != "call":
                continue
            callee = self._callee(pg, index, graph, node, bound, modules, by_path)
            if callee is not None:
                j, def_node = callee
                pg.cross_edges[EdgeKind.CALL].append((pg.global_id(i, node), pg.global_id(j, def_node)))
                pg.cross_edges[EdgeKind.RETURN].append((pg.global_id(j, def_node), pg.global_id(i, node)))

    def _callee(
        self,
        pg: ProjectGraph,
        index: ProjectIndex,
        graph: ProgramGraph,
        call: int,
        bound: dict[int, tuple[int, int]],
        modules: dict[int, str],
        by_path: dict[Path, int],
    ) -> tuple[int, int] | None:
        function = graph.child_by_field(call, "function")
        if function is None:
            return None
        if graph.kinds[function] == "name_load":
            hit = bound.get(graph.symbol_of.get(function, -1))
            return _constructor(pg, hit) if hit is not None else None
        if graph.kinds[function] == "attribute":
            obj, attr = graph.children(function)[0], graph.children(function)[-1]
            module = modules.get(graph.symbol_of.get(obj, -1))
            if module is None or attr not in graph.names:
                return None
            target = self._definition(index, module, graph.names[attr])
            if target is not None:
                j = self._file_of(target.path, by_path)
                if j is not None:
                    return _constructor(pg, (j, target.node))
        return None

    def _definition(self, index: ProjectIndex, module: str, name: str) -> Definition | None:
        """``index.resolve_name(module, name)`` when it is a definition, once per pass."""
        key = (module, name)
        if key in self._names:
            return self._names[key]
        target = index.resolve_name(module, name)
        found = self._names[key] = target if isinstance(target, Definition) else None
        return found

    def _file_of(self, path: Path, by_path: dict[Path, int]) -> int | None:
        """The index in ``by_path`` of the file ``path`` names (resolved), if a project file."""
        if path in self._files:
            return self._files[path]
        found = self._files[path] = by_path.get(path.resolve())
        return found


def _constructor(pg: ProjectGraph, hit: tuple[int, int]) -> tuple[int, int]:
    """A class target means its ``__init__`` when it has one."""
    j, node = hit
    graph = pg.graphs[j]
    if graph.kinds[node] != "class_definition":
        return hit
    for scope in graph.scopes:
        if scope.kind is ScopeKind.CLASS and scope.node == node:
            for sym in graph.symbols:
                if sym.scope == scope.id and sym.name == "__init__" and sym.kind is SymbolKind.FUNCTION:
                    return j, graph.parents[sym.definitions[-1]]
    return hit
