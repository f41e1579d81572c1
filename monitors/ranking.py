"""Ranking candidate names (completion members) by the code LM.

One forward pass over the text before the cursor gives the next-token
distribution; each name scores the log-probability of its first token (the
tokenizer's split of the name as it would follow the text), so ranking costs one
pass however many members the type has (:func:`next_logprobs`, which an
editor starts while it lists the members).  The prompt is the one guided
completion builds (:mod:`.prompt`) and goes through the model's prompt cache, so
consecutive keystrokes re-encode only their new tokens.  Names that share a
first token keep their given order.

Example::

    name_scores(lm, "response = requests.get(url)\\nresponse.", ["json", "status_code", "text"])
"""

from __future__ import annotations

import logging
import weakref

import torch

from .decoding import next_logits
from .prompt import build_prompt

logger = logging.getLogger(__name__)


@torch.no_grad()
def name_scores(lm, text: str, names: list[str], context: int = 512) -> list[float]:
    """Log-probability of each name's first token after ``text`` (a prompt of at
    most ``context`` tokens, see :func:`~.prompt.build_prompt`)."""
    if not names:
        return []
    return scores_after(lm, next_logprobs(lm, text, context), text, names)


@torch.no_grad()
def next_logprobs(lm, text: str, context: int = 512) -> torch.Tensor:
    """The next token's log-probabilities after ``text`` (what :func:`scores_after`
    reads; an editor works it out while it lists the names)."""
    size = max(8, min(context, lm.context - 1))
    prompt = build_prompt(lm, text, budget=size)
    return torch.log_softmax(next_logits(lm, prompt.ids, lm.prompt_cache), dim=-1)


def scores_after(lm, logprobs: torch.Tensor, text: str, names: list[str]) -> list[float]:
    """:func:`name_scores` from the ``logprobs`` :func:`next_logprobs` gave for ``text``."""
    known = _FIRST_TOKENS.setdefault(lm, {})
    if len(known) > _FIRST_TOKENS_LIMIT:
        known.clear()
    lead = text[-1:]
    scores = []
    for name in names:
        first = known.get((lead, name), _MISSING)
        if first is _MISSING:
            first = known[(lead, name)] = _first_token(lm, lead, name)
        scores.append(float(logprobs[first]) if first is not None and first < logprobs.shape[0] else float("-inf"))
    return scores


_MISSING = object()
_FIRST_TOKENS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # lm -> {(lead, name): token}
_FIRST_TOKENS_LIMIT = 65536  # a type's members repeat keystroke after keystroke; this bounds them


def _first_token(lm, lead: str, name: str) -> int | None:
    """The first token of ``name`` as it follows the character ``lead`` (encoded
    together, so the split matches how the name would follow the text)."""
    joined = lm.encode(lead + name) if lead else lm.encode(name)
    return joined[1] if lead and len(joined) > 1 else (joined[0] if joined else None)


def rank_entries(lm, text: str, entries: list, logprobs: torch.Tensor | None = None):
    """Completion entries (anything with a ``label``) reordered by the LM after
    ``text``: public names first, then by :func:`name_scores` (from ``logprobs``,
    :func:`next_logprobs` of ``text``, when given)."""
    labels = [e.label for e in entries]
    scores = name_scores(lm, text, labels) if logprobs is None else scores_after(lm, logprobs, text, labels)
    return ranked_by(entries, scores)


def ranked_by(entries: list, scores: list[float]) -> list:
    """``entries`` (anything with a ``label``) in :func:`rank_entries`'s order,
    from their ``scores`` (one each, worked out earlier: an editor scores a list
    behind its answer and orders the next one at no cost)."""
    if len(scores) != len(entries):
        raise ValueError(f"scores has {len(scores)} values for {len(entries)} entries: give one score per entry")
    order = sorted(range(len(entries)), key=lambda i: (entries[i].label.startswith("_"), -scores[i]))
    return [entries[i] for i in order]
