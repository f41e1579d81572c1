"""Completion: the members of the expression before a dot, or the keyword names
of the call open at the cursor.

Members come from the receiver's static type (a patched copy of the source is
typed when the buffer does not parse, see :mod:`typelens.typeinfer.queries`);
public names first, alphabetical.  Ranking by a code LM is the monitors' job
(:func:`typelens.monitors.ranking.rank_completions`).

Example::

    xs = [1]
    xs.|            -> append, clear, copy, count, extend, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import FileAnalysis

_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"


@dataclass(frozen=True, slots=True)
class CompletionEntry:
    label: str
    kind: str              # method, field, class, module-member, keyword-argument, guided
    detail: str


def completions(analysis: "FileAnalysis", offset: int) -> list[CompletionEntry]:
    data = analysis.graph.source.data
    stripped = data[:offset].rstrip(_NAME_BYTES)
    if stripped.endswith(b"."):
        return member_completions(analysis, len(stripped) - 1)
    return keyword_completions(analysis, offset)


def member_dot(data: bytes, offset: int) -> int | None:
    """The byte offset of the dot that the name being typed at ``offset`` follows."""
    stripped = data[:offset].rstrip(_NAME_BYTES)
    return len(stripped) - 1 if stripped.endswith(b".") else None


def member_completions(analysis: "FileAnalysis", dot: int) -> list[CompletionEntry]:
    facts = analysis.members_at(dot)
    if facts is None:
        return []
    return sorted((CompletionEntry(m.name, m.kind, m.detail) for m in facts.members),
                  key=lambda e: (e.label.startswith("_"), e.label))


def keyword_completions(analysis: "FileAnalysis", offset: int) -> list[CompletionEntry]:
    """Keyword names of the call open at ``offset``."""
    facts = analysis.call_at(offset)
    if facts is None:
        return []
    return [CompletionEntry(f"{p.name}=", "keyword-argument", p.type) for p in facts.parameters
            if p.kind in ("positional", "keyword_only")]
