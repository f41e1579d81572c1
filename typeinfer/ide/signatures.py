"""Signatures as an editor shows them: a function's header with every type we
know, declared or inferred, and its docstring trimmed as PEP 257 says.

A parameter shows its annotation as written (a stub's ``_T`` stays ``_T``),
else the file's prediction for it, else the engine's type; the return likewise.
Separators (``/``, ``*``) and defaults are kept; ``self`` and ``cls`` show bare.

Example::

    def run(names, scale=2.0):      ->  def run(names: list[str], scale: float = 2.0) -> float
        return len(names) * scale
    run(["a"])
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph

from ..callables import is_async, signature
from ..types import FunctionRef, is_known, render

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..predictions import Prediction

_MAX_DEFAULT = 24  # longer default values show as ``...``
_SEPARATORS = {"keyword_separator": "*", "positional_separator": "/"}


@dataclass(frozen=True, slots=True)
class ParameterLabel:
    name: str  # '' for the ``/`` and ``*`` separators
    text: str  # ``names: list[str]``, ``*args``, ``k: int = 2``, ``/``
    kind: str  # positional, keyword_only, var_positional, var_keyword, separator


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    parameters: tuple[ParameterLabel, ...]
    returns: str | None
    is_async: bool
    is_method: bool  # defined in a class body (its first parameter is the receiver)
    doc: str | None
    path: str  # where it is defined
    node: int

    def text(self, *, bound: bool = False) -> str:
        """``def run(names: list[str]) -> float``; ``bound`` drops the receiver."""
        params = self.callable_parameters(bound=bound)
        head = f"{'async ' if self.is_async else ''}def {self.name}({', '.join(p.text for p in params)})"
        return f"{head} -> {self.returns}" if self.returns else head

    def callable_parameters(self, *, bound: bool) -> tuple[ParameterLabel, ...]:
        if bound and self.is_method and self.parameters and self.parameters[0].kind == "positional":
            return self.parameters[1:]
        return self.parameters


def signature_of(
    engine: "TypeEngine",
    fn: FunctionRef,
    predictions: dict[tuple[int, str], "Prediction"] | None = None,
    *,
    with_doc: bool = True,
    infer: bool = True,
) -> Signature | None:
    """The signature of the function ``fn`` names (``predictions`` of its file,
    keyed by ``(start byte, kind)``, take precedence over the engine's types);
    ``infer=False`` shows declared types only (no inference: a completion list
    shows dozens of signatures, the item the editor resolves gets the rest)."""
    g = engine.graph(fn.path)
    if g is None or g.kinds[fn.node] != "function_definition":
        return None
    predictions = predictions or {}
    name_node = g.child_by_field(fn.node, "name")
    is_method = _is_method(g, fn.node)
    labels = _parameter_labels(engine, fn.path, g, fn.node, predictions, is_method, infer)
    return Signature(
        g.text(name_node) if name_node is not None else "",
        labels,
        _returns(engine, fn.path, g, fn.node, name_node, predictions, infer),
        is_async(g, fn.node),
        is_method,
        docstring(g, g.child_by_field(fn.node, "body")) if with_doc else None,
        fn.path,
        fn.node,
    )


def _is_method(g: ProgramGraph, function: int) -> bool:
    parent = g.parents[function]
    if g.kinds[parent] == "decorated_definition":
        parent = g.parents[parent]
    return g.kinds[parent] == "block" and g.kinds[g.parents[parent]] == "class_definition"


def _parameter_labels(
    engine: "TypeEngine", path: str, g: ProgramGraph, function: int, predictions: dict, is_method: bool, infer: bool
) -> tuple[ParameterLabel, ...]:
    params = signature(g, function)
    holder = g.child_by_field(function, "parameters")
    labels: list[ParameterLabel] = []
    for item in g.children(holder) if holder is not None else ():
        marker = _SEPARATORS.get(g.kinds[item]) or (g.text(item) if g.text(item) in ("*", "/") else None)
        if marker is not None:
            labels.append(ParameterLabel("", marker, "separator"))
            continue
        param = next((p for p in params if g.start_bytes[item] <= g.start_bytes[p.node] < g.end_bytes[item]), None)
        if param is None:
            continue
        receiver = is_method and not labels
        text = _parameter_text(engine, path, g, param, predictions, receiver or not infer)
        labels.append(ParameterLabel(param.name, text, param.kind))
    return tuple(labels)


def _parameter_text(
    engine: "TypeEngine", path: str, g: ProgramGraph, param, predictions: dict, declared_only: bool
) -> str:
    star = {"var_positional": "*", "var_keyword": "**"}.get(param.kind, "")
    text = star + param.name
    if param.annotation is not None:
        text += f": {g.text(param.annotation)}"
    elif not declared_only:
        predicted = predictions.get((g.start_bytes[param.node], "parameter"))
        shown = predicted.type if predicted is not None else _known(engine.parameter_type(path, param.node))
        if shown:
            text += f": {shown}"
    if param.default is not None:
        default = " ".join(g.text(param.default).split())
        default = default if len(default) <= _MAX_DEFAULT else "..."
        text += f" = {default}" if ":" in text else f"={default}"
    return text


def _returns(
    engine: "TypeEngine",
    path: str,
    g: ProgramGraph,
    function: int,
    name_node: int | None,
    predictions: dict,
    infer: bool,
) -> str | None:
    annotation = g.child_by_field(function, "return_type")
    if annotation is not None:
        return g.text(annotation)
    predicted = predictions.get((g.start_bytes[name_node], "return")) if name_node is not None else None
    if predicted is not None:
        return predicted.type
    if engine.is_stub(path) or not infer:
        return None
    return _known(engine.return_type(path, function))


def _known(t) -> str | None:
    return render(t) if t is not None and is_known(t) else None


def class_header(g: ProgramGraph, node: int) -> str:
    """``class Order(Base)``: the class statement up to its colon."""
    body = g.child_by_field(node, "body")
    header = g.source.data[g.start_bytes[node] : g.start_bytes[body] if body is not None else g.end_bytes[node]]
    return " ".join(header.decode("utf-8", "replace").split()).rstrip(":").rstrip()


def docstring(g: ProgramGraph, body: int | None) -> str | None:
    """The docstring of a body (a module, class or def), trimmed as PEP 257 says
    (:func:`inspect.cleandoc`); ``None`` without one."""
    if body is None or not g.children(body):
        return None
    first = g.children(body)[0]
    kids = g.children(first)
    if g.kinds[first] != "expression_statement" or not kids or g.kinds[kids[0]] != "string":
        return None
    text = g.text(kids[0])
    try:
        value = ast.literal_eval(text)  # a literal only: nothing runs
    except (ValueError, SyntaxError):
        value = text.lstrip("rbuRBUfF").strip("'\"")
    if isinstance(value, bytes):
        return None
    return inspect.cleandoc(value) or None
