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

:func:`rank_names` (the default in guided completion) scores the names whose
first token comes close in one batched pass, with the file's priors; a name's
probability counts the ways the tokenizer writes it with its end (``__init__(``
is ``__``, ``init``, ``__(``), and where the model's own unguided answer is an
allowed name, the priors choose only among names the model finds at least as
likely.

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
    # of the name's own tokens, how many to write at once (None: all); the rest is
    # decoded step by step, where a token that ends the name and goes on (``__(``) may come
    written: int | None = None


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
    receiver; names the model finds less likely than the one it writes unguided
    are not chosen (:func:`rank_names`).  The defaults were chosen on dereference sites of packages the
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


@dataclass(frozen=True, slots=True)
class WholeName:
    """One name as :func:`whole_scores` read it from the batched pass."""

    log_probability: float  # of the whole identifier and its end, over the ways the model writes it
    written: int  # its own leading tokens to write at once (then a token that ends it and goes on is likelier)
    is_greedy: bool  # the model, unguided, writes this name: its likeliest token at every step


def finishing(lm, rest: str, call: bool) -> list[int]:
    """The tokens that write ``rest``, the end of a name, and go on with other
    text in one piece (``__(`` after ``__init``: BPE merges the trailing
    underscores with what follows); for a method (``call``) those that go on
    with a call's ``(``."""
    found = lm.token_index.finishing(rest)
    if call:
        found = [t for t in found if lm.vocabulary[t][len(rest) :].startswith("(")]
    return found


@torch.no_grad()
def whole_scores(
    lm, net, cache, position: int, candidates, ends: torch.Tensor, calls=frozenset(), first: torch.Tensor | None = None
) -> list[WholeName]:
    """Each ``(name, tokens)`` of ``candidates`` as the model writes it after the
    context in ``cache``, all run in one pass beside it
    (:meth:`~.layered.Layered.beside`; the cache is not changed).  ``first``: the
    next-token log-probabilities at ``position`` (the name's first token).

    A name's log-probability sums the ways to write it: its own tokens then an
    end (for a name in ``calls``, a method, any token that opens a call, ``(``
    or ``()``; else any token that ends an identifier), or its own first ``j``
    tokens and then one token that writes the rest and goes on (:func:`finishing`:
    SmolLM2 writes ``x.__init__(`` as ``__``, ``init``, ``__(``, and gives the
    bare ``__`` after ``__init`` a probability of about 0.6 %).  Without ``first``
    the first token's log-probability is left out (``log P(t2 ... tn, end | t1)``)."""
    hidden = net.beside([tokens for _, tokens in candidates], cache, position)
    logp = torch.log_softmax(net.head(hidden).float(), dim=-1)
    # the likeliest token after each row, and before the first token: read once for all names
    after = logp.argmax(-1).tolist()
    ahead = [int(first.argmax()) if first is not None else None]
    opens = lm.call_opens
    scored, at = [], 0
    for name, tokens in candidates:
        part = logp[at : at + len(tokens)]
        likeliest = ahead + after[at : at + len(tokens)]
        at += len(tokens)
        end = opens if name in calls else ends
        scored.append(_whole_name_read(lm, name, tokens, part, first, likeliest, end, name in calls))
    return scored


def _whole_name_read(
    lm, name: str, tokens, part: torch.Tensor, first, likeliest: list, end: torch.Tensor, call: bool
) -> WholeName:
    """:class:`WholeName` of ``name`` from ``part`` ([tokens, vocabulary]: the
    log-probabilities after each of its ``tokens``) and ``first`` (before them);
    ``likeliest``: the argmax of ``first`` (``None`` without it), then of each row of ``part``."""
    texts = [lm.vocabulary[t] for t in tokens]
    spelt = "".join(texts) == name  # else its tokens do not spell it piece by piece: no merged ends read
    before = [first, *part[:-1]]  # the distribution each token is chosen from
    ways: list[float] = []  # log P of each way to write the name and end it
    path, written, offset = 0.0, len(tokens), 0
    for j, token in enumerate(tokens):
        dist = before[j]
        if dist is not None and spelt:
            ending = finishing(lm, name[offset:], call)
            if ending:
                ways.append(path + float(torch.logsumexp(dist[ending], dim=0)))
            merged = lm.token_index.finishing(name[offset:])
            if j < written and merged and float(dist[merged].max()) > float(dist[token]):
                written = j  # here a token that ends the name and goes on is likelier than the name's own
        path += float(dist[token]) if dist is not None else 0.0
        offset += len(texts[j])
    ways.append(path + float(torch.logsumexp(part[-1][end], dim=0)))
    return WholeName(
        float(torch.logsumexp(torch.tensor(ways), dim=0)), written, _is_greedy(lm, name, tokens, likeliest, written)
    )


def _is_greedy(lm, name: str, tokens, likeliest: list, written: int) -> bool:
    """Whether the model's likeliest token (``likeliest``: before each of
    ``tokens``, then after the last; ``None`` first when unknown) writes
    ``name``'s first ``written`` tokens one by one and then ends it: with the
    next token (all written) or with a token that writes the rest and goes on."""
    if likeliest[0] is None or any(likeliest[j] != tokens[j] for j in range(written)):
        return False
    if written == len(tokens):
        return bool(lm.identifier_ends[likeliest[-1]])
    rest = name[len("".join(lm.vocabulary[t] for t in tokens[:written])) :]
    return likeliest[written] in lm.token_index.finishing(rest)


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
    prior like ``favour``.

    The priors never override the model: where, of the names scored, the model
    unguided writes one (its likeliest token at every step, then an end:
    :attr:`WholeName.is_greedy`), only names at least as likely as that one as a
    whole are chosen from (the priors and the length still decide among them).
    So a right name the model would write itself is lost only to a name the
    model itself finds likelier, never to ``favour``, a dunder penalty or the
    length alone."""
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
    # the names that begin with the model's own likeliest token are scored whatever
    # the priors (up to the limit of them): its unguided answer is one of them when
    # it is allowed
    likeliest = int(first.argmax())
    own = [c for c in candidates if c[3][0] == likeliest]
    scored = {c[2] for c in top}
    missing = [c for c in own if c[2] not in scored]
    top += missing[: max(0, ranking.limit - (len(own) - len(missing)))]
    if len(top) == 1:  # no other name comes close: no pass needed
        bound, prior, name, tokens = top[0]
        return NameChoice(name, bound - prior, 0, _written_unread(lm, name, tokens, first))
    if position + max(len(c[3]) for c in top) > lm.context:
        return None  # the names do not fit in the model's positions: greedy
    pairs = [(n, t) for _, _, n, t in top]
    wholes = whole_scores(lm, net, cache, position, pairs, lm.identifier_ends, calls, first)
    # the model's own answer, where it writes an allowed name: a prior may not
    # replace it by a name the model finds less likely as a whole
    floor = max((w.log_probability for w in wholes if w.is_greedy), default=-math.inf)
    best: tuple[float, WholeName, str] | None = None
    for (_, prior, name, tokens), whole in zip(top, wholes):
        if whole.log_probability < floor:
            continue
        score = whole.log_probability / len(tokens) ** ranking.length_power + prior
        if best is None or score > best[0]:
            best = (score, whole, name)
    assert best is not None  # the greedy name itself is never below the floor
    return NameChoice(best[2], best[1].log_probability, len(top), best[1].written)


def _written_unread(lm, name: str, tokens, first: torch.Tensor) -> int:
    """How many of ``name``'s tokens to write at once when no pass read it: up
    to the first place where a token could write the rest and go on (``__(``),
    where decoding should choose; none when, at the first token, such a token
    is likelier than the name's own."""
    if "".join(lm.vocabulary[t] for t in tokens) != name:
        return len(tokens)
    offset = 0
    for j, token in enumerate(tokens):
        merged = lm.token_index.finishing(name[offset:])
        if merged and (j > 0 or float(first[merged].max()) > float(first[token])):
            return j
        offset += len(lm.vocabulary[token])
    return len(tokens)


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
