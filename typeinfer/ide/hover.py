"""Hover: what the identifier under the cursor is.

The answer is the file's prediction for it when there is one (so hover and the
inlay hints agree), else the static type of the expression there, with the
header and docstring of the function or class it names.

Example::

    def area(w, h=1.0):         hover on ``area``: area: float,
        return w * h            signature ``def area(w, h=1.0)``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph

from ..types import FunctionRef, TypeOfClass, members, render

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

# how sure a static type read off an expression is, when no prediction names it
STATIC_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class HoverInfo:
    name: str
    type: str | None
    source: str
    confidence: float
    signature: str | None
    doc: str | None
    start: int           # the identifier's byte range
    end: int


def hover(analysis: "FileAnalysis", offset: int) -> HoverInfo | None:
    g, path = analysis.graph, analysis.path
    node = identifier_at(g, offset)
    if node is None:
        return None
    parent = g.parents[node]
    target = parent if g.kinds[parent] in ("attribute", "attribute_store") and g.children(parent)[-1] == node else node
    prediction = next((p for p in analysis.predictions() if p.span.start_byte == g.start_bytes[node]), None)
    value = value_at(analysis.engine, path, g, target)
    type_text = prediction.type if prediction is not None else (render(value) if value is not None else None)
    source = prediction.source if prediction is not None else "static"
    confidence = prediction.confidence if prediction is not None else (STATIC_CONFIDENCE if type_text else 0.0)
    signature, doc = describe(analysis.engine, value)
    return HoverInfo(g.names.get(node, g.text(node)), type_text, source, confidence, signature, doc,
                     g.start_bytes[node], g.end_bytes[node])


def identifier_at(g: ProgramGraph, offset: int) -> int | None:
    """The identifier at byte ``offset`` or just before it (a cursor after a name)."""
    for candidate in (offset, offset - 1):
        node = g.node_at(max(candidate, 0))
        if node in g.names:
            return node
    return None


def value_at(engine: "TypeEngine", path: str, g: ProgramGraph, node: int):
    """The static type of the name, attribute, call or parameter ``node``."""
    kind = g.kinds[node]
    if kind in ("name_load", "attribute", "attribute_store", "call"):
        return engine.exprs.type_of(path, node)
    if kind == "name_store":
        return engine.names.definition_type(path, node)
    if kind == "parameter":
        return engine.parameter_type(path, node)
    return None


def describe(engine: "TypeEngine", value) -> tuple[str | None, str | None]:
    """The source header (``def f(x)``, ``class C(B)``) and docstring of the
    function or class ``value`` names."""
    for m in members(value) if value is not None else ():
        if isinstance(m, FunctionRef):
            return _header_and_doc(engine.graph(m.path), m.node)
        if isinstance(m, TypeOfClass):
            where = engine.classes.definition(m.cls)
            if where is not None:
                return _header_and_doc(engine.graph(where[0]), where[1])
    return None, None


def _header_and_doc(g: ProgramGraph | None, node: int) -> tuple[str | None, str | None]:
    if g is None:
        return None, None
    body = g.child_by_field(node, "body")
    header = g.source.data[g.start_bytes[node]:g.start_bytes[body] if body is not None else g.end_bytes[node]]
    return header.decode("utf-8", "replace").strip().rstrip(":"), docstring(g, body)


def docstring(g: ProgramGraph, body: int | None) -> str | None:
    if body is None or not g.children(body):
        return None
    first = g.children(body)[0]
    if g.kinds[first] == "expression_statement" and g.children(first) and g.kinds[g.children(first)[0]] == "string":
        text = g.text(g.children(first)[0])
        return text.strip("rbuRBU").strip("'\"").strip() or None
    return None
