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

Name repair (:func:`intended_name`, :func:`closest_member`) is the cheap
variant used where the model's own first token is not allowed: read the name it
would write unguided and take the one allowed name that plainly means it
(``build`` -> ``_build``), if there is one.

Example::

    choice = best_name(lm, net, cache, position=len(ids), logits=step_logits,
                       names=frozenset({"get_config", "items"}), mask=mask, budget=6)
    choice.name, choice.log_probability, choice.tried
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class NameChoice:
    name: str
    log_probability: float  # of the whole identifier, its end included (ranking: the first token's when tried is 0)
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
        if tokens and _bias(mask, tokens[0]) is not None:
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


@dataclass(frozen=True, slots=True)
class NameRanking:
    """How :func:`rank_names` scores the allowed names where a member starts:
    the names whose first token's log-probability (plus the priors) is within
    ``margin`` of the best one's, at most ``limit`` of them, are scored whole in
    one batched pass (one name alone is taken without a pass); a name's score is
    its whole-identifier log-probability divided by ``tokens ** length_power``,
    where a method ends with a token that opens a call when ``calls``
    (``P(name, "(")``) and any other name with any token that ends an
    identifier, plus ``favour`` for the names the file writes after the same
    receiver.  The defaults were chosen on dereference sites of packages the
    benchmark does not score (``bench/mgd.py``'s ``guided-greedy`` mode is greedy)."""

    limit: int = 16
    favour: float = 2.0
    length_power: float = 0.5
    calls: bool = True
    margin: float = 4.0

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"limit={self.limit} must be at least 1 name to score")
        if not self.margin >= 0:
            raise ValueError(f"margin={self.margin} must be 0 or more (log-probability)")
        if self.length_power < 0:
            raise ValueError(f"length_power={self.length_power} must be 0 (none) or more")


def whole_scores(lm, net, cache, position: int, candidates, ends: torch.Tensor, calls=frozenset()) -> list[float]:
    """log P(t2 ... tn, end | context, t1) of each ``(name, tokens)`` of
    ``candidates``, all run in one pass beside the context in ``cache``
    (:meth:`~.layered.Layered.beside`; the cache is not changed).  ``end``: for a
    name in ``calls`` (a method) any token that opens a call (``(``, ``()``), else
    any token that ends an identifier."""
    hidden = net.beside([tokens for _, tokens in candidates], cache, position)
    logp = torch.log_softmax(net.head(hidden).float(), dim=-1)
    opens = lm.call_opens
    scores, at = [], 0
    for name, tokens in candidates:
        part = logp[at : at + len(tokens)]
        at += len(tokens)
        rest = torch.tensor(tokens[1:], dtype=torch.long, device=ends.device)
        inner = part[torch.arange(len(tokens) - 1, device=ends.device), rest].sum()
        end = torch.logsumexp(part[-1][opens if name in calls else ends], dim=0)
        scores.append(float(inner + end))
    return scores


@torch.no_grad()
def rank_names(
    lm,
    net,
    cache,
    position: int,
    logits: torch.Tensor,
    names,
    mask: torch.Tensor | None,
    ranking: NameRanking,
    favoured=frozenset(),
    calls=frozenset(),
) -> NameChoice | None:
    """The best of ``names`` after the context in ``cache`` (next-token
    ``logits``) by ``ranking``'s score (see :class:`NameRanking`; ``favoured``:
    the names given its ``favour``, ``calls``: the methods); ``None`` when no
    name's first token is allowed by ``mask``, or when the names scored would
    run past the model's context.  A finite non-zero entry of
    ``mask`` (a monitor's bonus or penalty on the first token) adds to the name's
    prior like ``favour``."""
    first = torch.log_softmax(logits.float(), dim=-1)
    candidates = []  # (first token's log P + prior, prior, name, tokens)
    for name in names:
        tokens = lm.name_tokens(name)
        bias = _bias(mask, tokens[0]) if tokens else None
        if bias is not None:
            prior = bias + (ranking.favour if name in favoured else 0.0)
            candidates.append((float(first[tokens[0]]) + prior, prior, name, tokens))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-c[0], c[2]))
    top = [c for c in candidates[: ranking.limit] if c[0] >= candidates[0][0] - ranking.margin]
    if len(top) == 1:  # no other name comes close: no pass needed
        return NameChoice(top[0][2], top[0][0] - top[0][1], 0)
    if position + max(len(c[3]) for c in top) > lm.context:
        return None  # the names do not fit in the model's positions: greedy
    rests = whole_scores(lm, net, cache, position, [(n, t) for _, _, n, t in top], lm.identifier_ends, calls)
    best: tuple[float, float, str] | None = None
    for (bound, prior, name, tokens), rest in zip(top, rests):
        log_probability = bound - prior + rest
        score = log_probability / len(tokens) ** ranking.length_power + prior
        if best is None or score > best[0]:
            best = (score, log_probability, name)
    return NameChoice(best[2], best[1], len(top))


def _bias(mask: torch.Tensor | None, token: int) -> float | None:
    """``mask``'s entry for ``token``: 0.0 without a mask, ``None`` where it forbids it."""
    if mask is None:
        return 0.0
    if token >= mask.shape[0]:
        return None
    value = float(mask[token])
    return value if math.isfinite(value) else None


@torch.no_grad()
def intended_name(lm, net, cache, position: int, logits: torch.Tensor, limit: int = 6) -> str:
    """The identifier the model writes unguided from here: greedy tokens (the
    first from ``logits``) while they go on with identifier characters, at most
    ``limit``; the cache is cut back to ``position`` after."""
    token = int(logits.argmax())
    text = lm.decode([token])
    try:
        for j in range(limit - 1):
            if not text.isidentifier() or not lm.decode([token]).isidentifier():
                break
            h = net.embed_one(token, position + j)
            for i in range(net.layers):
                h = net.block(i, h, cache)
            token = int(net.head(h)[0, -1].argmax())
            text += lm.decode([token])
    finally:
        cache.truncate(position)
    word = text.lstrip(" ")
    end = 0
    while end < len(word) and (word[end].isalnum() or word[end] == "_"):
        end += 1
    return word[:end]


def closest_member(word: str, names) -> str | None:
    """The one allowed name ``word`` (a name the model wrote, not allowed) most
    plausibly meant: the same name with leading underscores (``build`` ->
    ``_build``, a private member), else the one name ending with ``_word``
    (``show_locals`` -> ``pretty_exceptions_show_locals``); ``None`` when no
    name, or more than one, fits.

    >>> closest_member("build", {"_build", "full"})
    '_build'
    """
    bare = word.lstrip("_").lower()
    if not bare or word in names:
        return None
    for fits in (lambda n: n.lstrip("_").lower() == bare, lambda n: n.lower().endswith("_" + bare)):
        found = [n for n in names if fits(n)]
        if found:
            return found[0] if len(found) == 1 else None
    return None
