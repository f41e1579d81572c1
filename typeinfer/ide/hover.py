"""Hover: what the identifier under the cursor is, as pyright shows it.

The answer names the symbol's kind (variable, parameter, function, method,
property, class, module) and its type: the file's prediction for it when there
is one (so hover and the inlay hints agree; until the file's predictions are
worked out, those of the name's own items alone, :mod:`.item_answers`), else the
static type of the expression there.  A function or method shows its full signature with every
type we know (:mod:`.signatures`); the methods of a union's members show once
per distinct definition; a class its header; each with its docstring trimmed
as PEP 257 says.  Library members (stubs, installed packages) answer the same
way, from their own files.

Example::

    def run(names):             hover on ``run``:
        return len(names) * 1.5     (function) def run(names: list[str]) -> float
    run(["a"])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph, SymbolKind

from ..types import ClassType, FunctionRef, ModuleType, TypeOfClass, is_known, is_partly_unknown, members, render
from ..classes import decorator_names
from ..usage import evidence_line
from .item_answers import answers_about, answers_of
from .item_answers import predictions_by_place as predictions_by_place  # re-exported
from .signatures import class_header, docstring, signature_of

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

# how sure a static type read off an expression is, when no prediction names it
STATIC_CONFIDENCE = 0.9
_MAX_SIGNATURES = 4  # a union's methods: at most this many distinct definitions


@dataclass(frozen=True, slots=True)
class HoverInfo:
    name: str
    kind: str  # variable, parameter, function, method, property, class, module
    type: str | None
    source: str  # annotation, static, neural, hybrid
    confidence: float
    signatures: tuple[str, ...]  # ``def run(names: list[str]) -> float``, ``class Order(Base)``
    doc: str | None
    start: int  # the identifier's byte range
    end: int
    language: str = "python"  # the code block's language (``typescript`` for scripts)
    evidence: str = ""  # one short line: the usage constraints behind the type

    @property
    def signature(self) -> str | None:
        return self.signatures[0] if self.signatures else None


def hover(analysis: "FileAnalysis", offset: int) -> HoverInfo | None:
    g, path = analysis.graph, analysis.path
    node = identifier_at(g, offset)
    if node is None:
        return None
    target = attribute_of(g, node)
    start = g.start_bytes[node]
    predictions = answers_about(analysis, node)
    # a def's name carries its return's prediction: how sure the signature's return is
    prediction = next(
        (
            predictions[(start, k)]
            for k in ("parameter", "variable", "attribute", "return")
            if (start, k) in predictions
        ),
        None,
    )
    value = value_at(analysis.engine, path, g, target)
    predictions = {**predictions, **answers_of(analysis, value)}  # the signatures' own answers
    signatures, doc, kind = describe(analysis.engine, value, predictions, path)
    kind = kind or _plain_kind(analysis, node, target)
    evidence = ""
    if prediction is not None and prediction.kind == "return":
        type_text, source, confidence = (
            render(value) if value is not None else None,
            prediction.source,
            prediction.confidence,
        )
    elif (
        prediction is not None
        and prediction.kind == "variable"
        and prediction.source == "static"
        and g.kinds[target] == "name_store"
        and value is not None
        and is_known(value)
        and not is_partly_unknown(value)
    ):
        # this assignment's own type, as at this line (``x = 1`` before ``x = "one"``:
        # int); the prediction is the variable's inferred declaration, the join --apply writes
        type_text, source, confidence = render(value), "static", prediction.confidence
    elif prediction is not None:
        type_text, source, confidence = prediction.type, prediction.source, prediction.confidence
        evidence = evidence_line(prediction.evidence)
    else:
        type_text = render(value) if value is not None else None
        source, confidence = "static", (STATIC_CONFIDENCE if type_text and type_text != "Any" else 0.0)
    return HoverInfo(
        g.names.get(node, g.text(node)),
        kind,
        type_text,
        source,
        confidence,
        signatures,
        doc,
        start,
        g.end_bytes[node],
        evidence=evidence,
    )


def answering_unit(g: ProgramGraph, offset: int) -> tuple[int, int] | None:
    """The byte range of the statement whose text decides most directly what a
    hover at ``offset`` says: the outermost function around the identifier there
    (decorators included; a nested function reads its outer function's names), or,
    outside every function, the statement it is in, of the innermost class body or
    of the module.  ``None``: no identifier there.

    Example: in ``class C:`` / ``    x = 1`` / ``    def m(self): return self.x``,
    a hover on ``self`` gets ``def m...``'s range, one on ``x`` ``x = 1``'s."""
    node = identifier_at(g, offset)
    if node is None:
        return None
    path = [node]
    while g.parents[path[-1]] >= 0:
        path.append(g.parents[path[-1]])
    functions = [i for i, n in enumerate(path) if g.kinds[n] == "function_definition"]
    if functions:
        unit = path[functions[-1]]
        parent = g.parents[unit]
        unit = parent if parent >= 0 and g.kinds[parent] == "decorated_definition" else unit
        return g.start_bytes[unit], g.end_bytes[unit]
    for child, parent in zip(path, path[1:]):
        grand = g.parents[parent]
        if g.kinds[parent] == "module" or (
            g.kinds[parent] == "block" and grand >= 0 and g.kinds[grand] == "class_definition"
        ):
            return g.start_bytes[child], g.end_bytes[child]
    return None


def identifier_at(g: ProgramGraph, offset: int) -> int | None:
    """The identifier at byte ``offset`` or just before it (a cursor after a name)."""
    for candidate in (offset, offset - 1):
        node = g.node_at(max(candidate, 0))
        if node in g.names:
            return node
    return None


def attribute_of(g: ProgramGraph, node: int) -> int:
    """The ``obj.attr`` expression whose ``attr`` is ``node``, else ``node``."""
    parent = g.parents[node]
    if parent >= 0 and g.kinds[parent] in ("attribute", "attribute_store") and g.children(parent)[-1] == node:
        return parent
    return node


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


def describe(
    engine: "TypeEngine",
    value,
    predictions: dict | None = None,
    path: str | None = None,
    *,
    with_docs: bool = True,
    infer: bool = True,
) -> tuple[tuple[str, ...], str | None, str | None]:
    """The signatures (each distinct definition once), docstring and kind of the
    functions, classes or module that ``value`` names (``path``: the file whose
    ``predictions`` are given; ``infer=False``: declared types only)."""
    signatures: list[str] = []
    doc = kind = None
    seen: set[tuple[str, int]] = set()
    for m in sorted(members(value), key=repr) if value is not None else ():
        if isinstance(m, FunctionRef):
            for fn in overloads_of(engine, m):
                if (fn.path, fn.node) in seen:
                    continue
                seen.add((fn.path, fn.node))
                sig = signature_of(
                    engine, fn, predictions if fn.path == path else None, with_doc=with_docs, infer=infer
                )
                if sig is None:
                    continue
                text = sig.text(bound=fn.bound is not None)
                if text not in signatures:  # a union's members sharing one method
                    signatures.append(text)
                doc = doc or sig.doc
                kind = kind or (
                    "property" if _is_property_def(engine, fn) else "method" if sig.is_method else "function"
                )
        elif isinstance(m, TypeOfClass):
            where = engine.classes.definition(m.cls)
            if where is not None and where not in seen:
                seen.add(where)
                cg = engine.require_graph(where[0])
                signatures.append(class_header(cg, where[1]))
                doc = doc or (docstring(cg, cg.child_by_field(where[1], "body")) if with_docs else None)
                kind = kind or "class"
        elif isinstance(m, ModuleType):
            kind = kind or "module"
            doc = doc or (_module_doc(engine, m.name) if with_docs else None)
    return tuple(signatures[:_MAX_SIGNATURES]), doc, kind


def overloads_of(engine: "TypeEngine", fn: FunctionRef) -> list[FunctionRef]:
    """``fn`` or, for a stub's ``@overload``ed function, each of its overloads."""
    g = engine.graph(fn.path)
    nodes = engine.calls.overloads(g, fn.node) if g is not None else []
    return [FunctionRef(fn.path, n, fn.bound) for n in nodes] or [fn]


def _is_property_def(engine: "TypeEngine", fn: FunctionRef) -> bool:
    g = engine.require_graph(fn.path)
    return any(d.endswith("property") for d in decorator_names(g, fn.node))


def _module_doc(engine: "TypeEngine", name: str) -> str | None:
    location = engine.index.resolve_module(name)
    if location is None or location.path is None:
        return None
    g = engine.graph(str(location.path))
    return docstring(g, 0) if g is not None else None


def _plain_kind(analysis: "FileAnalysis", node: int, target: int) -> str:
    g = analysis.graph
    if g.kinds[node] == "parameter":
        return "parameter"
    if target != node:
        return "property" if is_property(analysis.engine, analysis.path, g, target) else "variable"
    sym = g.symbol_at(node)
    return "parameter" if sym is not None and sym.kind is SymbolKind.PARAMETER else "variable"


def is_property(engine: "TypeEngine", path: str, g: ProgramGraph, attribute: int) -> bool:
    """Whether ``obj.attr`` reads a ``@property`` of ``obj``'s class."""
    receiver = g.children(attribute)[0]
    name = g.names.get(g.children(attribute)[-1]) or g.text(g.children(attribute)[-1])
    for cls in members(engine.exprs.type_of(path, receiver)):
        hit = engine.classes.lookup(cls, name) if isinstance(cls, ClassType) else None
        if hit is not None and any(d.endswith("property") for d in hit[2].decorators):
            return True
    return False
