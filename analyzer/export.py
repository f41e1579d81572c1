"""Serialising program graphs: JSON (schema ``typelens.graph/1``), GraphML, DOT and
networkx.

Single files and whole projects share one schema: a file is a project of one.
Positions are tree-sitter's: byte offsets and 0-based ``[row, byte column]``.
The schema is documented in docs/usage.md ("Graph JSON schema").

Example::

    >>> doc = graph_to_dict(ProjectGraph.single(build_graph("x = 1\\n")))
    >>> doc["schema"], doc["nodes"][0]["kind"]
    ('typelens.graph/1', 'module')
"""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .graph import EdgeKind, ProgramGraph
from .project_graph import ProjectGraph

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

SCHEMA = "typelens.graph/1"
ALL_EDGES = frozenset(EdgeKind)


def _as_project(graph: ProgramGraph | ProjectGraph) -> ProjectGraph:
    return graph if isinstance(graph, ProjectGraph) else ProjectGraph.single(graph)


def _all_edges(pg: ProjectGraph, kinds: frozenset[EdgeKind]) -> Iterator[tuple[EdgeKind, int, int, str | None]]:
    for i, g in enumerate(pg.graphs):
        off = pg.offsets[i]
        for kind, src, dst in g.iter_edges(k for k in EdgeKind if k in kinds):
            yield kind, off + src, off + dst, g.fields[dst] if kind is EdgeKind.AST else None
    for kind, pairs in pg.cross_edges.items():
        if kind in kinds:
            for src, dst in pairs:
                yield kind, src, dst, None


def _node_records(pg: ProjectGraph) -> Iterator[dict]:
    """One record a node; positions from one line table per file (what
    ``ProgramGraph.span`` answers, without a ``Span`` a node: 1.3 million of them)."""
    for i, g in enumerate(pg.graphs):
        off = pg.offsets[i]
        qualnames = [s.qualname for s in g.scopes]
        lines = [0] + [m.end() for m in re.finditer(b"\n", g.source.data)]
        kinds, starts, ends, fields, scope_of, names = (
            g.kinds,
            g.start_bytes,
            g.end_bytes,
            g.fields,
            g.scope_of,
            g.names,
        )
        for n in range(len(g)):
            start, end = starts[n], ends[n]
            start_row, end_row = bisect_right(lines, start) - 1, bisect_right(lines, end) - 1
            record = {
                "id": off + n,
                "file": i,
                "kind": kinds[n],
                "start": [start_row, start - lines[start_row]],
                "end": [end_row, end - lines[end_row]],
                "start_byte": start,
                "end_byte": end,
                "field": fields[n],
                "scope": qualnames[scope_of[n]] if scope_of[n] >= 0 else "",
            }
            if n in names:
                record["name"] = names[n]
            yield record


def _file_records(pg: ProjectGraph) -> Iterator[dict]:
    for i, g in enumerate(pg.graphs):
        yield {"path": pg.files[i], "nodes": len(g), "encoding": g.source.encoding}


def _scope_records(pg: ProjectGraph) -> Iterator[dict]:
    for i, g in enumerate(pg.graphs):
        off = pg.offsets[i]
        for s in g.scopes:
            yield {
                "file": i,
                "id": s.id,
                "kind": s.kind.value,
                "name": s.name,
                "qualname": s.qualname,
                "node": off + s.node,
                "entry": off + s.entry if s.entry >= 0 else None,
                "exit": off + s.exit if s.exit >= 0 else None,
            }


def _symbol_records(pg: ProjectGraph) -> Iterator[dict]:
    for i, g in enumerate(pg.graphs):
        off = pg.offsets[i]
        for sym in g.symbols:
            yield {
                "file": i,
                "name": sym.name,
                "kind": sym.kind.value,
                "scope": g.scopes[sym.scope].qualname if sym.scope >= 0 else None,
                "definitions": [off + d for d in sym.definitions],
                "uses": [off + u for u in sym.uses],
            }


def _diagnostic_records(pg: ProjectGraph) -> Iterator[dict]:
    for i, g in enumerate(pg.graphs):
        for d in g.diagnostics:
            yield {**d.to_dict(), "file": i}


def _edge_records(pg: ProjectGraph, kinds: frozenset[EdgeKind]) -> Iterator[dict]:
    for k, s, d, lab in _all_edges(pg, kinds):
        yield {"kind": k.value, "src": s, "dst": d, **({"label": lab} if lab else {})}


def _sections(pg: ProjectGraph, kinds: frozenset[EdgeKind]) -> list[tuple[str, Iterable[dict]]]:
    return [
        ("files", _file_records(pg)),
        ("nodes", _node_records(pg)),
        ("edges", _edge_records(pg, kinds)),
        ("scopes", _scope_records(pg)),
        ("symbols", _symbol_records(pg)),
        ("diagnostics", _diagnostic_records(pg)),
    ]


def graph_to_dict(graph: ProgramGraph | ProjectGraph, edges: Iterable[EdgeKind] = ALL_EDGES) -> dict:
    """The JSON document of a file's or a project's graph."""
    pg = _as_project(graph)
    return {"schema": SCHEMA, **{name: list(records) for name, records in _sections(pg, frozenset(edges))}}


def iter_graph_json(
    graph: ProgramGraph | ProjectGraph, edges: Iterable[EdgeKind] = ALL_EDGES, batch: int = 4096
) -> Iterator[str]:
    """``json.dumps(graph_to_dict(graph, edges), ensure_ascii=False)`` in pieces, without
    holding the document: a 60,000-function file's is 1.3 million node records.
    Nodes and edges are written from templates, their strings encoded once each."""
    pg, kinds = _as_project(graph), frozenset(edges)
    quote = _Quoted()
    texts = {"nodes": _node_texts(pg, quote), "edges": _edge_texts(pg, kinds, quote)}
    yield '{"schema": ' + quote(SCHEMA)
    for name, records in _sections(pg, kinds):
        yield f', "{name}": ['
        encoded = texts.get(name) or map(quote.encode, records)
        first = True
        for chunk in _batched(encoded, batch):
            yield ("" if first else ", ") + ", ".join(chunk)
            first = False
        yield "]"
    yield "}"


class _Quoted:
    """JSON text of strings, each encoded once (kinds, fields, scopes, names repeat).
    It holds its dict rather than being one: compiled by mypyc, a ``dict`` subclass
    crashes the interpreter (tools/mypyc-build)."""

    __slots__ = ("_texts", "encode")

    def __init__(self) -> None:
        self._texts: dict[str | None, str] = {}
        self.encode: Callable[[object], str] = json.JSONEncoder(ensure_ascii=False).encode

    def __call__(self, text: str | None) -> str:
        found = self._texts.get(text)
        if found is None:
            found = self._texts[text] = self.encode(text)
        return found


def _node_texts(pg: ProjectGraph, quote: _Quoted) -> Iterator[str]:
    """What ``json.dumps`` writes for each of :func:`_node_records`, key for key."""
    for i, g in enumerate(pg.graphs):
        off = pg.offsets[i]
        scopes = [quote(s.qualname) for s in g.scopes]
        lines = [0] + [m.end() for m in re.finditer(b"\n", g.source.data)]
        kinds, starts, ends, fields, scope_of, names = (
            g.kinds,
            g.start_bytes,
            g.end_bytes,
            g.fields,
            g.scope_of,
            g.names,
        )
        for n in range(len(g)):
            start, end = starts[n], ends[n]
            start_row, end_row = bisect_right(lines, start) - 1, bisect_right(lines, end) - 1
            name = names.get(n)
            yield (
                f'{{"id": {off + n}, "file": {i}, "kind": {quote(kinds[n])}, '
                f'"start": [{start_row}, {start - lines[start_row]}], "end": [{end_row}, {end - lines[end_row]}], '
                f'"start_byte": {start}, "end_byte": {end}, "field": {quote(fields[n])}, '
                f'"scope": {scopes[scope_of[n]] if scope_of[n] >= 0 else chr(34) * 2}'
                + (f', "name": {quote(name)}}}' if name is not None else "}")
            )


def _edge_texts(pg: ProjectGraph, kinds: frozenset[EdgeKind], quote: _Quoted) -> Iterator[str]:
    """What ``json.dumps`` writes for each of :func:`_edge_records`."""
    for kind, src, dst, label in _all_edges(pg, kinds):
        yield (
            f'{{"kind": {quote(kind.value)}, "src": {src}, "dst": {dst}'
            + (f', "label": {quote(label)}}}' if label else "}")
        )


def _batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def to_networkx(graph: ProgramGraph | ProjectGraph, edges: Iterable[EdgeKind] = ALL_EDGES) -> nx.MultiDiGraph:
    """A networkx ``MultiDiGraph``: node attributes ``kind``, ``file``, ``name``,
    ``start_line``/``start_col`` (0-based), edge attributes ``kind`` and ``label``."""
    try:
        import networkx as nx  # 80 ms of imports, only for this
    except ImportError as err:
        raise ImportError("to_networkx needs networkx: pip install networkx") from err
    pg = _as_project(graph)
    out = nx.MultiDiGraph()
    for rec in _node_records(pg):
        out.add_node(
            rec["id"],
            kind=rec["kind"],
            file=pg.files[rec["file"]],
            name=rec.get("name", ""),
            scope=rec["scope"],
            start_line=rec["start"][0],
            start_col=rec["start"][1],
            end_line=rec["end"][0],
            end_col=rec["end"][1],
        )
    for kind, src, dst, label in _all_edges(pg, frozenset(edges)):
        out.add_edge(src, dst, key=kind.value, kind=kind.value, label=label or "")
    return out


_GRAPHML_NODE_KEYS = (
    ("kind", "string"),
    ("file", "string"),
    ("name", "string"),
    ("scope", "string"),
    ("start_line", "long"),
    ("start_col", "long"),
    ("end_line", "long"),
    ("end_col", "long"),
)
_GRAPHML_EDGE_KEYS = (("kind", "string"), ("label", "string"))
# escapes that re reads: mypyc takes no surrogate code points in string literals
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """``value`` as XML character data: escaped, characters XML cannot hold as U+FFFD."""
    from xml.sax.saxutils import escape  # here: it imports urllib, http and email, a tenth of a second

    return _XML_INVALID.sub("\ufffd", escape(str(value), {'"': "&quot;"}))


def to_graphml(graph: ProgramGraph | ProjectGraph, edges: Iterable[EdgeKind] = ALL_EDGES) -> str:
    """GraphML with the attributes of :func:`to_networkx` (``networkx.read_graphml``,
    yEd and Gephi read it), written without networkx."""
    return "".join(_graphml_lines(_as_project(graph), frozenset(edges)))


def _graphml_lines(pg: ProjectGraph, edges: frozenset[EdgeKind]) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for owner, keys in (("node", _GRAPHML_NODE_KEYS), ("edge", _GRAPHML_EDGE_KEYS)):
        for name, kind in keys:
            yield f'  <key id="{owner[0]}_{name}" for="{owner}" attr.name="{name}" attr.type="{kind}" />\n'
    yield '  <graph edgedefault="directed">\n'
    for rec in _node_records(pg):
        values = (
            rec["kind"],
            pg.files[rec["file"]],
            rec.get("name", ""),
            rec["scope"],
            rec["start"][0],
            rec["start"][1],
            rec["end"][0],
            rec["end"][1],
        )
        data = "".join(
            f'<data key="n_{name}">{_xml_text(v)}</data>' for (name, _), v in zip(_GRAPHML_NODE_KEYS, values)
        )
        yield f'    <node id="{rec["id"]}">{data}</node>\n'
    for kind, src, dst, label in _all_edges(pg, edges):
        yield (
            f'    <edge source="{src}" target="{dst}" id="{kind.value}"><data key="e_kind">{kind.value}</data>'
            f'<data key="e_label">{_xml_text(label or "")}</data></edge>\n'
        )
    yield "  </graph>\n</graphml>\n"


_DOT_STYLE = {
    EdgeKind.AST: "color=gray70",
    EdgeKind.CFG_NEXT: "color=blue",
    EdgeKind.CFG_TRUE: "color=darkgreen",
    EdgeKind.CFG_FALSE: "color=red",
    EdgeKind.CFG_EXCEPTION: "color=orange,style=dashed",
    EdgeKind.CFG_LOOP_BACK: "color=blue,style=dashed",
    EdgeKind.CFG_RETURN: "color=purple",
    EdgeKind.DFG: "color=magenta",
    EdgeKind.CALL: "color=black,penwidth=2",
    EdgeKind.RETURN: "color=black,style=dotted",
    EdgeKind.IMPORT: "color=brown",
}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: ProgramGraph | ProjectGraph, edges: Iterable[EdgeKind] = ALL_EDGES) -> str:
    """Graphviz DOT text; edge colours follow the edge kind."""
    pg = _as_project(graph)
    lines = ["digraph typelens {", "  node [shape=box, fontname=monospace, fontsize=10];"]
    for rec in _node_records(pg):
        label = (
            rec["kind"] + (f"\n{rec['name']}" if "name" in rec else "") + f"\n{rec['start'][0] + 1}:{rec['start'][1]}"
        )
        lines.append(f"  n{rec['id']} [label={_dot_quote(label)}];")
    for kind, src, dst, label in _all_edges(pg, frozenset(edges)):
        text = f"{kind.value}:{label}" if label else kind.value
        lines.append(f"  n{src} -> n{dst} [{_DOT_STYLE[kind]}, label={_dot_quote(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
