"""Building the program graph of a TypeScript or JavaScript file.

The passes, in order, each its own module: :mod:`.syntax` (one cursor walk into
flat arrays), :mod:`.scopes` (scopes, roles, symbols, imports), :mod:`.cfg`
(statement control flow), :mod:`.dataflow` (def-use) and :mod:`.calls` (call,
return and import edges).  The result is a :class:`ScriptGraph`: a
:class:`~typelens.analyzer.graph.ProgramGraph` with the same node arrays, edge
kinds, scopes and symbols as a Python file's, and its ``dialect``.

Example::

    >>> g = build_script_graph("function f(x: number) { return x + 1 }\\n", "a.ts")
    >>> g.dialect, [g.names[n] for n in g.nodes_of_kind("parameter")]
    ('typescript', ['x'])
    >>> [k.value for k in g.edge_kinds()]
    ['ast', 'cfg_next', 'cfg_return', 'dfg', 'return']
"""

from __future__ import annotations

import logging
from pathlib import Path

from tree_sitter import Tree

from ..builder import DEFAULT_CONFIG, GraphConfig, graph_safely, source_of
from ..heap import paused_gc
from ..graph import EdgeKind, ProgramGraph
from ..source import Source, source_from_path
from .calls import ScriptCalls
from .cfg import ScriptCfg
from .dataflow import ScriptDataflow
from .parsing import dialect_of, parse_script
from .scopes import ScriptScopes
from .syntax import walk_script

logger = logging.getLogger(__name__)


class ScriptGraph(ProgramGraph):
    """The program graph of a script; ``dialect`` is typescript, tsx or javascript."""

    __slots__ = ("dialect",)

    def __init__(self, *args, dialect: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dialect = dialect

    @property
    def is_typescript(self) -> bool:
        return self.dialect != "javascript"


def build_script_graph(
    code: str | bytes | Source,
    path: str = "<memory>.ts",
    *,
    dialect: str | None = None,
    config: GraphConfig = DEFAULT_CONFIG,
    tree: Tree | None = None,
) -> ScriptGraph:
    """The graph of script ``code``; the dialect comes from ``path``'s suffix unless given."""
    source = source_of(code, path, config)
    dialect = dialect or dialect_of(source.path) or dialect_of(path) or "typescript"
    if tree is None:
        tree = parse_script(source.data, dialect)
    with paused_gc():
        return _build(source, tree, dialect, config)


def build_script_graph_safely(path, *, config: GraphConfig = DEFAULT_CONFIG, display: str | None = None) -> ScriptGraph:
    """The per-file boundary: always a graph (empty, carrying the reason, when the
    file cannot be read or typelens fails on it)."""
    dialect = dialect_of(path)
    return graph_safely(
        path,
        display,
        lambda: build_script_graph(
            source_from_path(path, max_bytes=config.max_bytes, display=display), dialect=dialect, config=config
        ),
        lambda empty: build_script_graph(empty, dialect=dialect, config=config),
    )


def _build(source: Source, tree: Tree, dialect: str, config: GraphConfig) -> ScriptGraph:
    arrays = walk_script(tree, source.data, dialect, source.path)
    if not arrays.kinds:
        arrays.kinds.append("program")
        arrays.start_bytes.append(0)
        arrays.end_bytes.append(len(source.data))
        arrays.parents.append(-1)
        arrays.fields.append(None)
        arrays.children.append([])
    tables = ScriptScopes(arrays, source.data).run()
    starts, ends, parents, fields, children = (
        arrays.start_bytes,
        arrays.end_bytes,
        arrays.parents,
        arrays.fields,
        arrays.children,
    )
    cfg = ScriptCfg(
        tables.kinds,
        starts,
        ends,
        parents,
        fields,
        children,
        tables.scope_of,
        tables.scopes,
        arrays.names,
        max_depth=config.max_statement_depth,
        path=source.path,
    ).build()
    edges = dict(cfg.edges)
    edges[EdgeKind.DFG] = ScriptDataflow(tables, parents, tables.scopes, cfg.statements, cfg.edges).build()
    edges.update(ScriptCalls(tables, parents, children, fields).build())
    diagnostics = tuple(source.diagnostics) + tuple(arrays.diagnostics) + tuple(cfg.diagnostics)
    return ScriptGraph(
        source=source,
        kinds=tables.kinds,
        start_bytes=starts,
        end_bytes=ends,
        parents=parents,
        fields=fields,
        names=arrays.names,
        scope_of=tables.scope_of,
        scopes=tuple(tables.scopes),
        symbols=tuple(tables.symbols),
        symbol_of=tables.symbol_of,
        imports=tuple(tables.imports),
        edges=edges,
        diagnostics=diagnostics,
        children=children,
        dialect=dialect,
    )


def is_script_graph(graph: ProgramGraph) -> bool:
    return isinstance(graph, ScriptGraph)


def script_path(path: str | Path) -> bool:
    return dialect_of(path) is not None
