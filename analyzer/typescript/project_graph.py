"""The program graph of a project's scripts: per-file graphs plus cross-file edges.

The same :class:`~typelens.analyzer.ProjectGraph` as Python's, and the same
cross-file edge kinds: ``import`` (an imported name -> the declaration it names
in another project file, re-exports followed), ``call`` (a call of an imported
function, or ``new`` of an imported class, -> the function or constructor) and
``return`` (that callee -> the call site).  :func:`join_project_graphs` puts a
Python project graph and a script one side by side (node ids stay global).

Example::

    pg = build_script_project_graph(ScriptIndex(Path("web")))
    pg.cross_edges[EdgeKind.CALL]      # [(global call id, global function id), ...]
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..builder import DEFAULT_CONFIG, GraphConfig
from ..graph import EdgeKind, ProgramGraph
from ..project import Definition
from ..project_graph import ProjectGraph, join_files
from .calls import constructor, defined_function
from .project import ScriptIndex
from .scopes import CLASS_KINDS

logger = logging.getLogger(__name__)


def build_script_project_graph(index: ScriptIndex, paths: list[Path] | None = None) -> ProjectGraph:
    """Graphs of ``paths`` (default: every project script) with cross-file edges."""
    return join_files(index, paths if paths is not None else index.files(), _link_file)


def _link_file(pg: ProjectGraph, index: ScriptIndex, i: int, graph: ProgramGraph, by_path: dict[Path, int]) -> None:
    bound: dict[int, tuple[int, int]] = {}  # import symbol id -> (file, definition node)
    for binding in graph.imports:
        target = index.resolve_binding(graph, binding)
        if not isinstance(target, Definition):
            continue
        j = by_path.get(target.path)
        if j is None:
            continue
        pg.cross_edges[EdgeKind.IMPORT].append((pg.global_id(i, binding.node), pg.global_id(j, target.node)))
        sid = graph.symbol_of.get(binding.node)
        if sid is not None:
            bound[sid] = (j, target.node)
    if not bound:
        return
    for node, kind in enumerate(graph.kinds):
        if kind not in ("call", "new_expression"):
            continue
        callee = graph.child_by_field(node, "function" if kind == "call" else "constructor")
        hit = bound.get(graph.symbol_of.get(callee, -1)) if callee is not None else None
        function = _function_at(pg.graphs[hit[0]], hit[1], kind == "new_expression") if hit is not None else None
        if hit is not None and function is not None:
            pg.cross_edges[EdgeKind.CALL].append((pg.global_id(i, node), pg.global_id(hit[0], function)))
            pg.cross_edges[EdgeKind.RETURN].append((pg.global_id(hit[0], function), pg.global_id(i, node)))


def _function_at(graph: ProgramGraph, node: int, is_new: bool) -> int | None:
    """The function a definition node names (a constructor for ``new C``)."""
    if graph.kinds[node] in CLASS_KINDS:
        return constructor(graph, node) if is_new else None
    return defined_function(graph, node, is_new=is_new)


def join_project_graphs(first: ProjectGraph, second: ProjectGraph) -> ProjectGraph:
    """Both projects' files in one graph (the second's ids shifted after the first's)."""
    shift = len(first)
    offsets = first.offsets + [o + shift for o in second.offsets]
    edges = {kind: list(pairs) for kind, pairs in first.cross_edges.items()}
    for kind, pairs in second.cross_edges.items():
        edges.setdefault(kind, []).extend((s + shift, d + shift) for s, d in pairs)
    return ProjectGraph(
        first.files + second.files, first.graphs + second.graphs, offsets, edges, first.root or second.root
    )


def with_scripts(pg: ProjectGraph, root: Path, config: GraphConfig = DEFAULT_CONFIG) -> ProjectGraph:
    """``pg`` (a folder's Python project graph) joined with the graph of its scripts."""
    index = ScriptIndex(root, config=config)
    if not index.files():
        return pg
    scripts = build_script_project_graph(index)
    return join_project_graphs(pg, scripts) if pg.graphs else scripts
