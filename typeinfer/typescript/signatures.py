"""Signature help in scripts: the signatures of the call whose ``(`` is open at
the cursor, in the Python side's values (:class:`~..ide.signature_help.SignatureHelp`),
so the language server answers ``textDocument/signatureHelp`` for scripts unchanged.

The open ``(`` and the argument being typed are found in the text
(:func:`~..ide.signature_help.open_paren`, :func:`~..ide.signature_help.active_argument`);
the callee is the expression right before the ``(``: in the file's graph, or,
while the call is still unclosed, in a copy of the buffer with ``)`` put at the
cursor.  Its signatures are the engine's (:meth:`.calls.CallTyper.signatures`):
overloads, a class's constructors after ``new``, an interface's call signatures.

Example::

    function area(width: number, height = 2): number { ... }
    area(3, |                 # area(width: number, height?: number): number   (parameter 1 active)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer.typescript import ScriptGraph, build_script_graph

from ..ide.signature_help import SignatureHelp, SignatureLabel, active_argument, open_paren
from .types import Func, render

if TYPE_CHECKING:
    from .analysis import ScriptAnalysis
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

_CALLS = ("call", "new_expression")


def script_signature_help(analysis: "ScriptAnalysis", offset: int) -> SignatureHelp | None:
    """The signatures at ``offset`` (byte offset), or ``None`` outside a call."""
    data = analysis.graph.source.data
    paren = open_paren(data, offset)
    if paren is None:
        return None
    found = _callee(analysis, analysis.graph, analysis.engine, paren)
    if found is None:
        patched = data[:offset] + b")" + data[offset:]
        g = build_script_graph(patched, analysis.path)
        engine = analysis.session_engine({analysis.path: g})
        found = _callee(analysis, g, engine, paren)
    if found is None:
        return None
    name, funcs = found
    index, _ = active_argument(data[paren + 1 : offset].decode("utf-8", "replace"))
    labels = tuple(_label(name, f) for f in funcs)
    positions = [_active(f, index) for f in funcs]
    active = next((i for i, (f, p) in enumerate(zip(funcs, positions)) if p is not None and _fits(f, index)), 0)
    return SignatureHelp(labels, active, positions[active])


def _callee(analysis, g: ScriptGraph, engine: "ScriptEngine", paren: int) -> tuple[str, list[Func]] | None:
    arguments = g.node_at(paren)
    while arguments >= 0 and not (g.kinds[arguments] == "arguments" and g.start_bytes[arguments] == paren):
        arguments = g.parents[arguments]
    call = g.parents[arguments] if arguments >= 0 else -1
    if call < 0 or g.kinds[call] not in _CALLS:
        return None
    construct = g.kinds[call] == "new_expression"
    callee = g.child_by_field(call, "constructor" if construct else "function")
    if callee is None:
        return None
    funcs = engine.calls.signatures(engine.value_of(analysis.path, callee), construct=construct)
    if not funcs:
        return None
    name = g.text(callee)
    return (name.rsplit(".", 1)[-1].strip() if len(name) < 200 else "function"), funcs[:8]


def _label(name: str, func: Func) -> SignatureLabel:
    params = tuple(
        ("..." if p.rest else "") + p.name + ("?" if p.optional and not p.rest else "") + ": " + render(p.type)
        for p in func.params
    )
    return SignatureLabel(f"{name}({', '.join(params)}): {render(func.ret)}", params, None)


def _active(func: Func, index: int) -> int | None:
    if index < len(func.params):
        return index
    return len(func.params) - 1 if func.params and func.params[-1].rest else None


def _fits(func: Func, index: int) -> bool:
    return index < len(func.params) or bool(func.params) and func.params[-1].rest


__all__ = ["script_signature_help"]
