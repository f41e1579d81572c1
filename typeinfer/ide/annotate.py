"""Inlay hints and annotation edits: the predictions an editor shows and writes.

Both come from the same plan as ``typelens infer --apply``
(:func:`typelens.typeinfer.apply.plan_edits`): a hint is an edit shown in place,
the "add annotation" action applies the edit of one identifier, "annotate all"
every edit above the minimum confidence.  Edits are byte ranges of the source.
Classes the file imports already are written by their name (unions of them
included), without a second import.

Example::

    def area(w, h=1.0):       hints: ``: float`` after ``w``, `` -> float`` after ``)``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, SymbolKind

from ..apply import FileEdits, apply_edits, module_classes, plan_edits
from .hover import identifier_at

if TYPE_CHECKING:
    from ..session import FileAnalysis


@dataclass(frozen=True, slots=True)
class Hint:
    offset: int  # where the label goes
    label: str  # ": int" or " -> str"
    edit: tuple[int, int, str]


def inlay_hints(analysis: "FileAnalysis", start: int, end: int, min_confidence: float | None = None) -> list[Hint]:
    """Hints whose place lies in bytes ``start..end``."""
    minimum = analysis.session.settings.min_confidence if min_confidence is None else min_confidence
    hints = []
    for edit in _plan(analysis, minimum).edits:
        if not start <= edit.start <= end:
            continue
        label = edit.text.rstrip(" =") if edit.text.endswith(" = ") else edit.text
        hints.append(Hint(edit.start, label.replace('"', ""), (edit.start, edit.end, edit.text)))
    return hints


def annotate(analysis: "FileAnalysis", offset: int | None) -> list[tuple[int, int, str]] | None:
    """Byte edits annotating one symbol (the identifier at ``offset``, whatever its
    confidence) or, with ``offset=None``, the whole file; ``None`` when there is
    nothing to write or the file does not parse."""
    g = analysis.graph
    if g.has_syntax_errors():
        return None
    only = None
    if offset is not None:
        node = identifier_at(g, offset)
        if node is None:
            return None
        only = g.start_bytes[node]
    plan = _plan(analysis, 0.0 if only is not None else analysis.session.settings.min_confidence, only)
    if not plan.edits:
        return None
    old = g.source.data
    return minimal_edits(old, apply_edits(old, plan, g))


def _plan(analysis: "FileAnalysis", minimum: float, only: int | None = None) -> FileEdits:
    predictions = analysis.predictions()
    if only is not None:
        predictions = [p for p in predictions if p.span.start_byte == only]
    return plan_edits(analysis.graph, predictions, usable_classes(analysis), minimum)


def usable_classes(analysis: "FileAnalysis") -> dict[str, str]:
    """:func:`~typelens.typeinfer.apply.module_classes`, with the classes the file
    already imports by their own name usable as they are ('' : no import to add),
    so ``obj: "Account | Savings"`` is offered where ``from m import Account,
    Savings`` is at the top of the file."""
    mapping = module_classes(analysis.engine, analysis.path)
    g, engine = analysis.graph, analysis.engine
    for binding in g.imports:
        if binding.name is None or binding.bound != binding.name or binding.name not in mapping:
            continue
        sym = g.symbol_at(binding.node)
        if sym is None or sym.scope != 0:
            continue
        resolved = engine.resolve_binding(analysis.path, g, binding)
        if (
            isinstance(resolved, Definition)
            and resolved.kind is SymbolKind.CLASS
            and engine.module_name(str(resolved.path)) == mapping[binding.name]
        ):
            mapping[binding.name] = ""
    return mapping


def minimal_edits(old: bytes, new: bytes) -> list[tuple[int, int, str]]:
    """One edit replacing the changed middle of ``old`` (common prefix and suffix
    kept, cut on character boundaries)."""
    a, b = old.decode("utf-8"), new.decode("utf-8")
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    start = len(a[:prefix].encode("utf-8"))
    end = len(a[: len(a) - suffix].encode("utf-8"))
    return [(start, end, b[prefix : len(b) - suffix])]
