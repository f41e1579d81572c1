"""Samples of one file: PYInfer-style token windows and CodeTIDAL5-style slices,
each with its label and where the label came from.

Labels: the corpus's own annotations (``annotation``); for un-annotated code that a
typeshed stub describes (the stdlib, stub-only packages), the stub's annotation of
the same function (``stub``).

Example record::

    {"project": "json", "file": "json/decoder.py", "scope": "JSONDecoder.decode",
     "name": "s", "kind": "parameter", "label": "str", "label_source": "stub",
     "windows": [["def", "decode", "(", "self", ",", "s", ...]], "slice": ["<def>", "s", ...]}
"""

from __future__ import annotations

import logging
from pathlib import Path

from typelens.analyzer import ProgramGraph, ProjectIndex, build_graph_safely
from typelens.typeinfer.callables import signature
from typelens.typeinfer.features import TokenStream, slice_tokens, targets, windows
from typelens.typeinfer.normalize import normalise

logger = logging.getLogger(__name__)


def stub_labels(stub: ProgramGraph) -> dict[tuple[str, str, str], str]:
    """``(scope, name, kind) -> label`` for every annotated function in a stub."""
    labels = {}
    for scope in stub.scopes:
        if scope.kind.value != "function":
            continue
        ret = stub.child_by_field(scope.node, "return_type")
        if ret is not None:
            labels[(scope.qualname, scope.name, "return")] = normalise(stub.text(ret))
        for p in signature(stub, scope.node):
            if p.annotation is not None:
                labels[(scope.qualname, p.name, "parameter")] = normalise(stub.text(p.annotation))
    return labels


def file_samples(path: Path, project: str, display: str, module: str | None = None,
                 index: ProjectIndex | None = None) -> list[dict]:
    """Every labelled sample of one file (unlabelled targets are left out)."""
    g = build_graph_safely(path)
    if g.source.is_binary or not g.source.data:
        return []
    from_stub: dict = {}
    if module and index is not None:
        stub_path = index.stub_of(module)
        stub = index.graph_of(stub_path) if stub_path is not None else None
        if stub is not None:
            from_stub = stub_labels(stub)
    stream = TokenStream(g)
    out = []
    for target in targets(g):
        label, source = target.label, "annotation"
        if label is None:
            label, source = from_stub.get((target.scope, target.name, target.kind)), "stub"
        if label is None:
            continue
        out.append({
            "project": project, "file": display, "scope": target.scope, "name": target.name, "kind": target.kind,
            "label": label, "label_source": source, "windows": windows(stream, target),
            "slice": slice_tokens(g, target),
        })
    return out
