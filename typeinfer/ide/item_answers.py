"""The answers one hover reads, worked out for the name under the cursor alone.

A hover shows the file's prediction for the name (so hover and the inlay hints
agree).  Once the file's predictions are worked out (the language server's
warm-up does that after each build) it reads them; until then it asks only the
items that can answer about that name, each as the file's predictions ask it
(:meth:`FilePredictor.run_items`: same order, same per-item budget, refined by
the classifier in the analysis's mode), and keeps them on the analysis for the
next hover.  A hover on a file just edited then costs one function's or one
name's answers, not the whole file's.

The items that can answer about the name starting at byte ``start``:

* the variables and attributes one of whose assignments starts there (a later
  assignment's own answer, the variable's first assignment, ``self.x = ...``'s
  ``x``);
* the functions and lambdas around it whose name (the return's answer) or one
  of whose parameters starts there;
* for the signatures a hover shows, the functions of this file the hovered
  value names (:func:`answers_of`).

Example::

    def area(w, h=1.0):      hover on ``w``: the answers of ``area`` alone
        return w * h         (parameter w: float, h: float, return: float)
    total = area(2.5)        hover on ``total``: the answers of ``total``,
                             then of ``area`` (the signature it names)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph, Scope, ScopeKind, Symbol

from ..callables import signature
from ..types import FunctionRef, members

if TYPE_CHECKING:
    from ..hybrid import Tokens
    from ..predictions import Prediction
    from ..session import FileAnalysis

Answers = dict[tuple[int, str], "Prediction"]  # by (start byte, kind), as ``predictions_by_place``


@dataclass(slots=True)
class _Kept:
    """What one analysis worked out for hovers before its file's predictions."""

    symbols_at: dict[int, list[int]]  # symbol ids by where an answer about them may start
    items: dict[tuple[str, int], list["Prediction"]] = field(default_factory=dict)  # ("symbol"|"scope", id)
    tokens: "Tokens | None" = None  # what the classifier reads of the file, read once


def predictions_by_place(analysis: "FileAnalysis") -> Answers:
    """The file's predictions with an answer, less the classifier's guesses (under
    the minimum confidence): hover and signatures do not show those."""
    return _shown(analysis, analysis.predictions())


def answers_about(analysis: "FileAnalysis", node: int) -> Answers:
    """:func:`predictions_by_place` once worked out, else the answers of the
    items that can answer about the name ``node`` (see the module docstring)."""
    if analysis.predicted():
        return predictions_by_place(analysis)
    g, start = analysis.graph, analysis.graph.start_bytes[node]
    kept = _kept(analysis)
    symbols = [g.symbols[i] for i in kept.symbols_at.get(start, ())]
    scopes = [
        s
        for s in g.scopes
        if s.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA)
        and g.start_bytes[s.node] <= start < g.end_bytes[s.node]
        and _answers_at(g, s.node, start)
    ]
    return _item_answers(analysis, symbols, scopes)


def answers_of(analysis: "FileAnalysis", value) -> Answers:
    """The answers of the functions of this file that ``value`` names (their
    parameters and returns: what their signatures show); none once the file's
    predictions are worked out (:func:`answers_about` gave them all)."""
    if value is None or analysis.predicted():
        return {}
    from .hover import overloads_of

    nodes = {
        fn.node
        for m in members(value)
        if isinstance(m, FunctionRef) and m.path == analysis.path
        for fn in overloads_of(analysis.engine, m)
    }
    scopes = [s for s in analysis.graph.scopes if s.kind is ScopeKind.FUNCTION and s.node in nodes]
    return _item_answers(analysis, [], scopes) if scopes else {}


def _kept(analysis: "FileAnalysis") -> _Kept:
    """What ``analysis`` keeps for its hovers (``FileAnalysis.item_answers``, asked
    one question at a time as the engine is)."""
    kept = analysis.item_answers
    if not isinstance(kept, _Kept):
        kept = analysis.item_answers = _Kept(_symbols_by_anchor(analysis.graph))
    return kept


def _symbols_by_anchor(g: ProgramGraph) -> dict[int, list[int]]:
    """Symbol ids by the start of each of their assignments, and of the attribute
    name of each ``obj.x = ...`` (where the answers about them may start)."""
    found: dict[int, list[int]] = {}
    for sym in g.symbols:
        if sym.scope < 0:
            continue
        for d in sym.definitions:
            kids = g.children(d)
            for start in {g.start_bytes[d], g.start_bytes[kids[-1]] if kids else -1}:
                ids = found.setdefault(start, [])
                if not ids or ids[-1] != sym.id:
                    ids.append(sym.id)
    return found


def _answers_at(g: ProgramGraph, function: int, start: int) -> bool:
    """Whether a function's (or lambda's) answers include one at ``start``: its
    name's (the return) or a parameter's."""
    name = g.child_by_field(function, "name")
    return (name is not None and g.start_bytes[name] == start) or any(
        g.start_bytes[p.node] == start for p in signature(g, function)
    )


def _item_answers(analysis: "FileAnalysis", symbols: list[Symbol], scopes: list[Scope]) -> Answers:
    """The shown answers of these names and functions, each item worked out once
    per analysis, alone (its predictions as the file's run gives them)."""
    from ..predictions import FilePredictor

    kept = _kept(analysis)
    items: list[tuple[tuple[str, int], list[Symbol], list[Scope]]] = [(("symbol", s.id), [s], []) for s in symbols] + [
        (("scope", s.id), [], [s]) for s in scopes
    ]
    for key, item_symbols, item_scopes in items:
        if key not in kept.items:
            found = FilePredictor(analysis.engine, analysis.path, analysis.display).run_items(item_symbols, item_scopes)
            kept.items[key] = _refined(analysis, kept, found)
    return _shown(analysis, [p for key, _, _ in items for p in kept.items[key]])


def _refined(analysis: "FileAnalysis", kept: _Kept, found: list["Prediction"]) -> list["Prediction"]:
    """``found`` as the file's predictions show them in the analysis's mode (the
    classifier's answers where static inference is not certain)."""
    if analysis.mode == "static" or not found:
        return found
    assistant = analysis.session.neural()
    if assistant is None:
        return found
    if kept.tokens is None:
        from ..hybrid import readable_tokens

        kept.tokens = readable_tokens(analysis.graph)
    return assistant.refine(analysis.engine, analysis.path, found, analysis.mode, tokens=kept.tokens)


def _shown(analysis: "FileAnalysis", predictions: list["Prediction"]) -> Answers:
    minimum = analysis.session.settings.min_confidence
    return {(p.span.start_byte, p.kind): p for p in predictions if p.type is not None and not p.is_guess(minimum)}
