"""Whole-name choice where a name constraint starts: the allowed name the model
finds likeliest as a whole identifier, not the likeliest first token.

Greedy decoding under a name mask takes the likeliest *first token* among those
that begin some allowed name and goes on from there; a first token shared by
several names (``get`` of ``get_config`` and ``get_option``), or one that begins
a name the model finds unlikely once spelt out, decides alone.  At the step where
a monitor's name set starts (:meth:`~.base.Monitor.name_start`), :func:`best_name`
scores allowed names by the probability of the whole identifier under the
name's own tokenization: ``P(t1) P(t2 | t1) ... P(end | t1 ... tn)``, ``end``
being any token that does not go on with identifier characters.  Names are tried
in the order of ``P(t1)``, which bounds the whole name's probability from above,
and the search stops once that bound falls below the best whole name found (so
its answer is the best name of all, over their own tokenizations), or after
``budget`` tries (then: the best tried).  Each try runs the name's tokens through
the model in one pass over the cached context and cuts the cache back after, so
it costs about one decoding step.  The decoding loop then narrows the monitor to
the chosen name (:meth:`~.dereference.NameMonitor.narrow`).

Example::

    choice = best_name(lm, net, cache, position=len(ids), logits=step_logits,
                       names=frozenset({"get_config", "items"}), mask=mask, budget=6)
    choice.name, choice.log_probability, choice.tried
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class NameChoice:
    name: str
    log_probability: float  # of the whole identifier, its end included
    tried: int  # names run through the model


def searchable(cache, position: int) -> bool:
    """Whether every layer of ``cache`` holds exactly ``position`` computed positions
    (no exit state waiting for its keys and values), so a try can be cut back."""
    return all(n == position for n in cache.lengths) and not any(cache.pending)


def _whole_name(net, cache, position: int, tokens: tuple[int, ...], ends: torch.Tensor) -> float:
    """log P(t2 ... tn, end | context, t1): ``tokens`` run at ``position`` onwards,
    the cache cut back to ``position`` after."""
    ids = torch.tensor([tokens], device=ends.device)
    h = net.embed(ids, position)
    try:
        for i in range(net.layers):
            h = net.block(i, h, cache)
        logp = torch.log_softmax(net.head(h)[0].float(), dim=-1)
    finally:
        cache.truncate(position)
    rest = torch.tensor(tokens[1:], dtype=torch.long, device=ends.device)
    inner = logp[torch.arange(len(tokens) - 1, device=ends.device), rest]
    return float(inner.sum() + torch.logsumexp(logp[-1][ends], dim=0))


def best_name(
    lm, net, cache, position: int, logits: torch.Tensor, names, mask: torch.Tensor | None, budget: int
) -> NameChoice | None:
    """The likeliest whole name of ``names`` after the context in ``cache`` (whose
    next-token ``logits`` are given); ``None`` when no name's first token is allowed
    by ``mask``."""
    first = torch.log_softmax(logits.float(), dim=-1)
    ends = lm.identifier_ends
    candidates = []
    for name in names:
        tokens = lm.name_tokens(name)
        if tokens and (mask is None or (tokens[0] < mask.shape[0] and bool(mask[tokens[0]] == 0.0))):
            candidates.append((float(first[tokens[0]]), name, tokens))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    best: tuple[float, str] | None = None
    tried = 0
    for bound, name, tokens in candidates:
        if tried >= budget or (best is not None and bound <= best[0]):
            break
        tried += 1
        score = bound + _whole_name(net, cache, position, tokens, ends)
        if best is None or score > best[0]:
            best = (score, name)
    return NameChoice(best[1], best[0], tried) if best is not None else None
