"""Samples of one file: PYInfer-style token windows and CodeTIDAL5-style slices,
each with its label and where the label came from.

Labels: the corpus's own annotations (``annotation``); for un-annotated code that a
typeshed stub describes (the stdlib, stub-only packages), the stub's annotation of
the same function (``stub``); optionally (``static=True``), for what is still
unlabelled variables and attributes, the static engine's certain answers
(``static``: confidence >= 0.85, fully known, not ``Any``), the way PYInfer
labelled its corpus with PySonar2.

Example record::

    {"project": "json", "file": "json/decoder.py", "scope": "JSONDecoder.decode",
     "name": "s", "kind": "parameter", "label": "str", "label_source": "stub",
     "windows": [["def", "decode", "(", "self", ",", "s", ...]], "slice": ["<def>", "s", ...]}
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from typelens.analyzer import ProgramGraph, ProjectIndex, build_graph_safely
from typelens.typeinfer.callables import signature
from typelens.typeinfer.declared import Declared
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


STATIC_CERTAIN = 0.85
# Per file: at most STATIC_STEPS questions to the engine (a budget that ends at the
# same place on every machine, so that a dataset build gives the same labels on a
# slow machine as on a fast one); the answers given before it ran out are kept.
# STATIC_SECONDS is only a backstop against a pathological file.
STATIC_STEPS = 10_000
STATIC_SECONDS = 30.0


def static_labels(index: ProjectIndex, path: Path, g: ProgramGraph) -> dict[tuple[str, str, str], str]:
    """``(scope, name, kind) -> label`` for the static engine's certain answers
    about variables and attributes (PYInfer's targets; parameters and returns would
    ask for every call site in the corpus), within ``STATIC_STEPS`` per file."""
    from typelens.typeinfer.engine import OutOfTime
    from typelens.typeinfer.predictions import FilePredictor
    from typelens.typeinfer.session import AnalysisSession

    resolved = str(Path(path).resolve())
    engine = AnalysisSession(index=index).engine({resolved: g}, share_library=False)
    engine.step_limit = STATIC_STEPS
    engine.deadline = time.monotonic() + STATIC_SECONDS
    predictor = FilePredictor(engine, resolved, str(path))
    try:
        found = predictor.run(functions=False)
    except OutOfTime:
        found = predictor.out  # each answer given before the budget ran out is whole: keep them
    except (RecursionError, ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
        logger.warning("no static labels for %s: %s", path, type(err).__name__)
        return {}
    labels = {
        (p.scope, p.name, p.kind): normalise(p.type)
        for p in found
        if p.source == "static" and p.type is not None and p.confidence >= STATIC_CERTAIN
    }
    return {key: label for key, label in labels.items() if "Any" not in label and "Unknown" not in label}


def file_samples(
    path: Path,
    project: str,
    display: str,
    module: str | None = None,
    index: ProjectIndex | None = None,
    static: bool = False,
) -> list[dict]:
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
    from_static = static_labels(index, path, g) if static and index is not None else {}
    stream = TokenStream(g)
    out = []
    for target in targets(g, Declared(g, index)):
        label, source = target.label, "annotation"
        if label is None:
            label, source = from_stub.get((target.scope, target.name, target.kind)), "stub"
        if label is None:
            label, source = from_static.get((target.scope, target.name, target.kind)), "static"
        if label is None:
            continue
        out.append(
            {
                "project": project,
                "file": display,
                "scope": target.scope,
                "name": target.name,
                "kind": target.kind,
                "label": label,
                "label_source": source,
                "windows": windows(stream, target),
                "slice": slice_tokens(g, target, stream),
                "values": list(target.values),
            }
        )
    return out
