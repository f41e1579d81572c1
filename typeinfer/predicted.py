"""The record of one answer, :class:`Prediction`, apart from the engine that makes it.

:mod:`.predictions` collects predictions from the engine and re-exports the
class; it lives here so that what only reads answers (the result cache, the
command line's renderers) loads no engine.  Positions are tree-sitter units
(0-based row, byte column) until an edge converts them.

Example::

    p = Prediction("m.py", "/src/m.py", "area", "w", "parameter", "float", 0.9, span, "static")
    p.to_dict(1, 10)["type"]        # 'float'
    p.is_guess(0.8)                 # False: only a classifier's answer can be a guess
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from typelens.analyzer.spans import Span

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prediction:
    """One inferred (or declared) type.  ``type`` is ``None`` when nothing is known."""

    file: str  # as shown to the user (relative to the directory given)
    path: str  # absolute
    scope: str
    name: str
    kind: str
    type: str | None
    confidence: float
    span: Span  # of the identifier
    source: str  # annotation, static, neural, hybrid
    evidence: tuple[str, ...] = ()  # the usage constraints behind it (:mod:`.usage`)
    candidates: tuple[tuple[str, float], ...] = ()  # the classifier's ranking (neural, hybrid)

    def to_dict(self, line: int, col: int) -> dict:
        row: dict[str, object] = {
            "file": self.file,
            "scope": self.scope,
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "confidence": round(self.confidence, 3),
            "line": line,
            "col": col,
            "source": self.source,
        }
        if self.evidence:
            row["evidence"] = list(self.evidence)
        if self.candidates:
            row["candidates"] = [[label, round(prob, 3)] for label, prob in self.candidates]
        return row

    def is_guess(self, min_confidence: float) -> bool:
        """A classifier's answer under the minimum confidence: shown as a guess,
        never hinted, hovered or written."""
        return self.type is not None and self.source in ("neural", "hybrid") and self.confidence < min_confidence
