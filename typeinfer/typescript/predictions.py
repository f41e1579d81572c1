"""Predictions of a script: one :class:`~typelens.typeinfer.predictions.Prediction`
per target (:mod:`.targets`), the same values the Python side gives, types
printed as TypeScript writes them.

``source`` is ``annotation`` when the code declares the type (a TypeScript
annotation, a JSDoc tag in a ``.js`` file) and ``static`` when the engine
inferred it.  Confidence of a static answer: 0.9 for returns, variables and
fields; for a parameter 0.85 from its context or call sites, 0.75 from its
default; half that where part of the type is unknown (the known part is
given); for one typed by its uses alone (:mod:`.usage`) theirs, with their
labels as ``evidence``; ``any`` and ``unknown`` inferred count as no answer,
except a parameter's ``any`` that a rule of :mod:`.settle` gives (0.85, the
rule's label as ``evidence``).  A parameter's type is the one :mod:`.settle`
says an author would declare.  Budgets as a Python file's: a target's answer
within ``ITEM_STEPS`` engine questions, the file's within ``FILE_STEPS``; past
them the answers are left out and the predictor is ``partial`` (``infer`` then
adds an ``analysis-budget`` diagnostic).

Example::

    function area(w: number, h = 2) { return w * h }
    # area/w: number (annotation), area/h: number (static, 0.75), area: number (static, 0.9)
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from typelens.analyzer import SymbolKind

from ..engine import BudgetSpent
from .engine import FILE_STEPS
from ..predictions import ITEM_STEPS, KINDS, Prediction
from .targets import ScriptTarget, script_targets
from .types import ANY, UNKNOWN, UNKNOWN_TS, TsType, is_known, known_part, members, render, widen

if TYPE_CHECKING:
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

WIDE_CONFIDENCE = 0.85  # a parameter settled as `any` (the hybrid mode keeps it)
# the share of a file's budget after which its questions keep their incomplete answers
# (the held-out packages' files ask at most about half of FILE_STEPS)
KEEP_FROM = 0.75


class ScriptPredictor:
    """The predictions of one script file, within budgets of engine questions as a
    Python file's (:class:`~typelens.typeinfer.predictions.FilePredictor`): each
    target within :data:`ITEM_STEPS` of them (past it, that target's answer is
    left out), the file within ``file_steps`` (past it, every later one not
    already known); :attr:`partial` says whether any was left out."""

    def __init__(self, engine: "ScriptEngine", path: str, display: str, file_steps: int | None = None) -> None:
        self.engine, self.path, self.display = engine, path, display
        self.g = engine.require_graph(path)
        self.file_steps = FILE_STEPS if file_steps is None else file_steps
        self.partial = False  # a budget ran out: some answers are left out
        self._file_spent = False

    def run(self) -> list[Prediction]:
        """Every target's prediction; past :data:`KEEP_FROM` of the file's budget
        the engine keeps its incomplete answers (see :class:`~.engine.ScriptEngine`):
        the rest of a file whose questions walk the same cycles again and again
        is answered from the walks made, not cut off by the budget."""
        saved = self.engine.keep_from
        self.engine.keep_from = self.engine.steps + int(self.file_steps * KEEP_FROM)
        try:
            with self.engine.file_budget(self.file_steps):
                file_end = self.engine.budget_end
                out = [self._target(target, file_end) for target in script_targets(self.g)]
        finally:
            self.engine.keep_from = saved
        return sorted(out, key=lambda p: (p.span.start_byte, KINDS.index(p.kind)))

    def _target(self, target: ScriptTarget, file_end: int | None) -> Prediction:
        """One target's prediction within :data:`ITEM_STEPS` questions: past them (or
        past the file's budget, ``file_end``) without an answer."""
        try:
            with self.engine.file_budget(ITEM_STEPS):
                t, source, confidence = self.answer(target)
                return self._with_evidence(target, self._prediction(target, t, source, confidence))
        except BudgetSpent:
            if file_end is None or self.engine.steps < file_end:
                logger.warning("%s: %s ran past its budget; its answer is left out", self.display, target.scope)
            elif not self._file_spent:
                logger.warning("%s: the analysis ran past the file's budget; later answers are left out", self.display)
                self._file_spent = True
            self.partial = True
        except RecursionError:
            logger.warning("%s: %s: the analysis recursed too deep; its answer is left out", self.display, target.scope)
        return self._prediction(target, UNKNOWN, "static", 0.0)

    def answer(self, target: ScriptTarget) -> tuple[TsType, str, float]:
        """``(type, source, confidence)`` for one target."""
        engine, path, g = self.engine, self.path, self.g
        if target.kind == "return":
            assert target.function is not None, "script_targets gives every return target its function"
            declared = engine.functions.declared_return(path, target.function)
            if declared is not None:
                return declared, "annotation", 1.0
            return engine.functions.inferred_return(path, target.function), "static", 0.9
        if target.kind == "parameter":
            declared = engine.functions.declared_parameter(path, target.anchor)
            if declared is not None:
                return declared, "annotation", 1.0
            holder = target.holder
            has_default = holder is not None and (
                g.child_by_field(holder, "value") is not None or g.child_by_field(holder, "right") is not None
            )
            return engine.functions.reported_parameter(path, target.anchor)[0], "static", 0.75 if has_default else 0.85
        assert target.symbol is not None, "script_targets gives variable and attribute targets their symbol"
        sym = g.symbols[target.symbol]
        if target.kind == "variable":
            declared = engine.functions.declared_variable(path, sym)
            if declared is not None:
                return declared, "annotation", 1.0
            return engine.symbol_type(path, sym.id), "static", 0.9
        if target.annotation is not None:
            return engine.declared(path, target.annotation), "annotation", 1.0
        assert sym.kind is SymbolKind.ATTRIBUTE
        return widen(engine.symbol_type(path, sym.id)), "static", 0.9

    def _with_evidence(self, target: ScriptTarget, p: Prediction) -> Prediction:
        """A parameter typed by its uses (:mod:`.usage`): their confidence and labels;
        one settled as ``any`` (:mod:`.settle`): ``any``, with the rule's label."""
        wide = (
            self.engine.functions.reported_parameter(self.path, target.anchor)[1]
            if target.kind == "parameter"
            else None
        )
        if wide is not None and p.source == "static" and p.type is None:
            return replace(p, type="any", confidence=WIDE_CONFIDENCE, evidence=(wide,))
        if (
            target.kind != "parameter"
            or p.source != "static"
            or (self.path, target.anchor) not in self.engine.functions.by_usage
        ):
            return p
        used = self.engine.usage.answer(self.path, target.anchor)
        if used is None or used.type is UNKNOWN or render(used.type) != p.type:
            return p
        return replace(p, confidence=used.confidence, evidence=used.evidence)

    def _prediction(self, target: ScriptTarget, t: TsType, source: str, confidence: float) -> Prediction:
        text, confidence = answer_text(t, source, confidence)
        return Prediction(
            self.display,
            self.path,
            target.scope,
            target.name,
            target.kind,
            text,
            confidence,
            self.g.span(target.anchor),
            source,
        )


def answer_text(t: TsType, source: str, confidence: float) -> tuple[str | None, float]:
    """The printed type and its confidence (no answer for what is unknown)."""
    if source == "annotation":
        return (render(t) if t is not UNKNOWN else None), 1.0
    if t is UNKNOWN or t in (ANY, UNKNOWN_TS):
        return None, 0.0
    if not is_known(t):
        known = known_part(t)
        if known is UNKNOWN or not is_known(known) or all(m in (ANY, UNKNOWN_TS) for m in members(known)):
            return None, 0.0
        return render(known), confidence * 0.5
    return render(t), confidence
