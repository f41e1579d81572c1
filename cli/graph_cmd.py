"""``typelens graph PATH``: print the program graph of a file or a project.

Formats: ``json`` (schema ``typelens.graph/1``, see docs/usage.md), ``graphml``, ``dot``
and ``text`` (a readable summary).  ``--edges`` keeps only some edge kinds
(``cfg`` selects every control-flow kind).
"""

# Annotations are objects here (no `from __future__ import annotations`): the
# command's parameters are read from them (cli/params.py).
import enum
import itertools
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .output import echo_error, write_output
from .params import Argument, Option

if TYPE_CHECKING:
    from typelens.analyzer import GraphConfig, ProjectGraph

logger = logging.getLogger(__name__)


class GraphFormat(str, enum.Enum):
    json = "json"
    graphml = "graphml"
    dot = "dot"
    text = "text"


def load_project_graph(path: Path, config: "GraphConfig") -> "ProjectGraph":
    """A file's graph (as a project of one) or a directory's project graph."""
    from typelens.analyzer import InputError, ProjectGraph, ProjectIndex, build_graph_safely, build_project_graph
    from typelens.analyzer.typescript import build_script_graph_safely, is_script
    from typelens.analyzer.typescript.project_graph import with_scripts

    if not path.exists():
        raise InputError(f"path {str(path)!r} does not exist")
    if path.is_dir():
        return with_scripts(build_project_graph(ProjectIndex(path, config=config)), path, config)
    build = build_script_graph_safely if is_script(path) else build_graph_safely
    graph = build(path, config=config, display=path.name)
    return ProjectGraph([path.name], [graph], [0], {}, path.resolve().parent)


def render_text(pg: "ProjectGraph") -> str:
    from .positions import human_position

    lines: list[str] = []
    total_edges: Counter[str] = Counter()
    for name, g in zip(pg.files, pg.graphs):
        edges = Counter(k.value for k, _, _ in g.iter_edges())
        total_edges.update(edges)
        functions = sum(1 for s in g.scopes if s.kind.value == "function")
        classes = sum(1 for s in g.scopes if s.kind.value == "class")
        lines.append(
            f"{name}: {len(g)} nodes, {sum(edges.values())} edges, "
            f"{functions} functions, {classes} classes, {len(g.symbols)} symbols"
        )
        for d in g.diagnostics:
            line, col = human_position(g.source.data, d.span.start_row, d.span.start_col)
            lines.append(f"  {name}:{line}:{col}: {d.severity} [{d.code}] {d.message}")
    for kind, pairs in pg.cross_edges.items():
        total_edges[f"{kind.value} (cross-file)"] += len(pairs)
    lines.append(f"total: {len(pg.files)} files, {len(pg)} nodes")
    lines.extend(f"  {kind:<24} {count}" for kind, count in sorted(total_edges.items()))
    return "\n".join(lines) + "\n"


def _default_max_bytes() -> int:
    from typelens.analyzer import GraphConfig  # a default computed only when the command runs

    return GraphConfig().max_bytes


def graph_command(
    path: Path = Argument(..., help="A Python, TypeScript or JavaScript file, or a project directory."),
    fmt: GraphFormat = Option(GraphFormat.json, "--format", "-f", help="Output format."),
    edges: str = Option(
        "",
        "--edges",
        help="Comma list of edge kinds (ast, cfg, dfg, call, return, import, cfg_next, ...); all by default.",
    ),
    output: Path | None = Option(None, "--output", "-o", help="Write here instead of stdout."),
    max_bytes: int = Option(
        ...,
        "--max-bytes",
        default_factory=_default_max_bytes,
        show_default="the analyzer's file-size limit",
        help="Analyse at most this many bytes of a file.",
    ),
) -> None:
    """Print the heterogeneous program graph of PATH."""
    from typelens.analyzer import EdgeKind, GraphConfig, InputError, to_dot, to_graphml
    from typelens.analyzer.export import ALL_EDGES, iter_graph_json

    try:
        kinds = EdgeKind.parse_list(edges) if edges else ALL_EDGES
        pg = load_project_graph(path, GraphConfig(max_bytes=max_bytes))
    except (InputError, ValueError) as err:
        echo_error(f"typelens graph: {err}")
        raise SystemExit(2) from None
    if fmt is GraphFormat.json:
        text = itertools.chain(iter_graph_json(pg, kinds), ["\n"])
    elif fmt is GraphFormat.graphml:
        text = to_graphml(pg, kinds)
    elif fmt is GraphFormat.dot:
        text = to_dot(pg, kinds)
    else:
        text = render_text(pg)
    write_output(text, output, command="graph", is_json=fmt is GraphFormat.json)
