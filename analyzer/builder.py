"""Building a :class:`ProgramGraph` from source: the passes in order.

1. :mod:`.syntax` walks the tree-sitter tree once into flat arrays;
2. :mod:`.scopes` gives identifiers their roles and resolves names (LEGB);
3. :mod:`.cfg` builds statement-level control flow per module/class/function;
4. :mod:`.dataflow` links definitions to the uses they reach;
5. :mod:`.calls` adds call, return and import edges.

Example::

    >>> g = build_graph("import os\\nos.getcwd()\\n")
    >>> [k.value for k in g.edge_kinds()]
    ['ast', 'cfg_next', 'dfg', 'import']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Tree

from . import codes
from .calls import CallBuilder
from .cfg import CfgBuilder
from .dataflow import DataflowBuilder
from .errors import InputError
from .graph import EdgeKind, ProgramGraph
from .heap import paused_gc
from .parse_guard import guard_diagnostics, guard_input
from .parsing import parse_guarded
from .recovery import Recovery, recover_tree, recovery_diagnostics
from .scopes import ScopeBuilder
from .spans import Diagnostic, Span
from .source import DEFAULT_MAX_BYTES, Source, source_from_bytes, source_from_path, source_from_text
from .syntax import SyntaxArrays, walk_tree

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GraphConfig:
    """Limits of graph building.  ``max_statement_depth`` bounds CFG nesting."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_statement_depth: int = 100

    def __post_init__(self) -> None:
        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes={self.max_bytes!r} must be positive")
        if not 1 <= self.max_statement_depth <= 500:
            raise ValueError(f"max_statement_depth={self.max_statement_depth!r} must be between 1 and 500")


DEFAULT_CONFIG = GraphConfig()


def source_of(code: str | bytes | Source, path: str, config: GraphConfig = DEFAULT_CONFIG) -> Source:
    """``code`` as a :class:`Source`: text as it is, raw bytes decoded (and
    bounded by ``config.max_bytes``), a ``Source`` unchanged."""
    if isinstance(code, Source):
        return code
    if isinstance(code, bytes):
        return source_from_bytes(code, path, max_bytes=config.max_bytes)
    if isinstance(code, str):
        return source_from_text(code, path)
    raise ValueError(f"code={type(code).__name__} is not str, bytes or Source; pass source text")


def build_graph(
    code: str | bytes | Source,
    path: str = "<memory>",
    *,
    config: GraphConfig = DEFAULT_CONFIG,
    tree: Tree | None = None,
    recovery: Recovery | None = None,
) -> ProgramGraph:
    """The program graph of ``code`` (text, raw bytes or a :class:`Source`).

    Pass ``tree`` when the caller already holds a (possibly incrementally
    re-parsed) tree of exactly ``code``, or ``recovery`` when it holds that tree
    recovered (``Document.recovery``).  A statement that does not parse is
    confined to itself (see :mod:`.recovery`).
    """
    with paused_gc():  # millions of small acyclic objects (the parse's nodes too): see .heap
        source = source_of(code, path, config)
        guard = guard_input(source.data)
        arrays = None
        if recovery is None:
            parsed = tree if tree is not None else parse_guarded(guard)
            if not parsed.root_node.has_error:
                # a clean tree is kept as it is unless a statement is misaligned, which
                # the walk finds on its way (recover_tree would walk the blocks again)
                arrays = walk_tree(parsed, source.data, source.path)
                if not arrays.misaligned:
                    recovery = Recovery(parsed, source.data)
            if recovery is None:
                arrays = None
                recovery = recover_tree(source.data, parsed)
        elif len(recovery.patched) != len(source.data):
            raise ValueError(
                f"recovery of {len(recovery.patched)} bytes does not match the source of "
                f"{len(source.data)} bytes; pass the recovery of this very text"
            )
        return _build(source, recovery, config, guard_diagnostics(guard, source.path), arrays)


def build_graph_from_path(path, *, config: GraphConfig = DEFAULT_CONFIG, display: str | None = None) -> ProgramGraph:
    """Read ``path`` and build its graph (raises ``InputError`` if unreadable)."""
    return build_graph(source_from_path(path, max_bytes=config.max_bytes, display=display), config=config)


def build_graph_safely(path, *, config: GraphConfig = DEFAULT_CONFIG, display: str | None = None) -> ProgramGraph:
    """The per-file boundary: always a graph.  An unreadable file or a failure inside
    typelens gives an empty module graph carrying the diagnostic; the run goes on."""
    return graph_safely(
        path,
        display,
        lambda: build_graph_from_path(path, config=config, display=display),
        lambda empty: build_graph(empty, config=config),
    )


def graph_safely(path, display: str | None, build, build_empty):
    """``build()``, or, when the file cannot be read or typelens fails on it,
    ``build_empty(source)`` of an empty source carrying the reason (the per-file
    boundary of Python's and the scripts' graph builders)."""
    name = display if display is not None else str(path)
    try:
        return build()
    except InputError as err:
        diagnostic = Diagnostic.build("unreadable-file", str(err), Span.empty(), name)
    except Exception as err:  # the per-file boundary: report, keep the run going
        logger.exception("internal error on %s", name)
        message = codes.INTERNAL_ERROR.format(reason=f"{type(err).__name__}: {err}")
        diagnostic = Diagnostic.build("internal-error", message, Span.empty(), name)
    return build_empty(Source(name, b"", "", "utf-8", False, (diagnostic,)))


def _build(
    source: Source,
    recovery: Recovery,
    config: GraphConfig,
    guarded: tuple[Diagnostic, ...] = (),
    arrays: SyntaxArrays | None = None,
) -> ProgramGraph:
    """The graph of ``source`` read as ``recovery``; ``arrays``: the walk of its
    tree when the caller already made it."""
    if arrays is None:
        arrays = walk_tree(recovery.tree, source.data, source.path)
    if not arrays.kinds:  # binary or empty input still gets a module node
        arrays.kinds.append("module")
        arrays.start_bytes.append(0)
        arrays.end_bytes.append(len(source.data))
        arrays.parents.append(-1)
        arrays.fields.append(None)
        arrays.children.append([])
    tables = ScopeBuilder(arrays).run()
    starts, ends, parents, fields, children = (
        arrays.start_bytes,
        arrays.end_bytes,
        arrays.parents,
        arrays.fields,
        arrays.children,
    )
    cfg = CfgBuilder(
        tables.kinds,
        starts,
        ends,
        parents,
        fields,
        children,
        tables.scope_of,
        tables.scopes,
        max_depth=config.max_statement_depth,
        path=source.path,
    ).build()
    dfg = DataflowBuilder(tables, parents, children, arrays.names, tables.scopes, cfg.statements, cfg.edges).build()
    edges = dict(cfg.edges)
    edges[EdgeKind.DFG] = dfg
    edges.update(CallBuilder(tables, parents, children, fields, arrays.names, tables.scopes, dfg).build())
    diagnostics = (
        tuple(source.diagnostics)
        + guarded
        + recovery_diagnostics(recovery, source.data, source.path)
        + tuple(arrays.diagnostics)
        + tuple(cfg.diagnostics)
    )
    return ProgramGraph(
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
        recovered=(recovery.patched, recovery.innermost()) if recovery.broken or recovery.dots else None,
    )
