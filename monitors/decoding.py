"""Our decoding loop: greedy decoding with monitors, dynamic early exit and the
stop policy.

Per step: the monitors give their masks for the text so far (once), then the last
token runs through the layers.  After each layer with an exit head the exit's
confidence is checked: by default its learned probe (a dot product on the hidden
state), or the max probability of the masked exit distribution
(``exit_measure="max-prob"``); with ``exit_measure="calibrated"`` the probe's
cut differs per layer, each the one at which that exit's tokens were full
depth's ``exit_threshold`` of the time on training text (the exits' stored
calibration).  When it reaches ``exit_threshold`` the token is
emitted from that exit (mask applied) and the skipped layers' keys and values come
from the exit state.  Otherwise the full-depth logits (masked) decide.  ``exit_threshold >= 1`` never exits early, so the output equals plain
greedy decoding.  Before a token is emitted the stop policy may end the
generation ("the model is about to go wrong").

Models without a layer-by-layer view (:func:`~.layered.layered_for`) decode at
full depth through their own forward with a key/value cache, monitors included.

``speculate=k`` drafts up to ``k`` tokens (from an exit, or copied from the text
so far: ``drafts="lookup"``) and verifies them in one full-depth pass; the
output is full depth's (:func:`_decode_speculative`).

``allowed_head=True``: where the step's mask allows few tokens
(:func:`allowed_rows`: a member name being written), the full-depth
logits are computed for those tokens only (:meth:`~.layered.Layered.head_rows`;
SmolLM2's 49,152-row head is about a sixth of a decoding step on a CPU); the
masked choice, its confidence and the stop policy's features are the same, the
forbidden tokens' logits are ``-inf``.  What the model would have chosen
unguided is then unknown: such a step reports ``masked=False`` and records no
``masked`` intervention.  Where a name starts, name search and name repair
read the whole distribution: the whole head runs there.

``name_commit=True`` (with ``name_ranking``): the ranked name is written as its
own tokens at once, their keys and values taken from the ranking's batched pass
(:class:`~.layered.BesidePass`), instead of a decoding step per token
(:func:`_commit_name`).

With a :class:`~.prompt_cache.PromptCache` the keys and values of the longest
cached prefix of the prompt are reused and only the rest is encoded; afterwards
the cache gets back the keys and values computed at full depth.

Example::

    result = decode(lm, lm.encode("import os\\nos.pa"), monitors=[...], options=DecodeOptions(max_new_tokens=8))
    result.text, [t.layer for t in result.tokens]
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from dataclasses import dataclass, field, replace

import torch

from .base import Monitor, combine
from .early_exit import Exits, features_of
from .layered import BesidePass, layered_for
from .name_search import NameChoice, NameRanking, best_name, closest_member, intended_name, rank_names, searchable
from .prompt_cache import PromptCache

logger = logging.getLogger(__name__)


LOOKUP_NGRAM = 3  # the longest suffix lookup drafting matches


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    max_new_tokens: int = 16
    exit_threshold: float = 1.0
    stop_at_newline: bool = True
    use_stop_policy: bool = False
    # classifier (the exits' probes), calibrated (the probes, exit_threshold read as the precision each exit
    # reached on the calibration text: a cut per layer) or max-prob (of the masked exit logits)
    exit_measure: str = "classifier"
    speculate: int = 0  # draft up to this many tokens, then verify them in one full-depth pass (0: off)
    drafts: str = "exit"  # where drafts come from: exit (an early exit) or lookup (copied from the text so far)
    lookup_min: int = 1  # lookup drafts: the shortest suffix of the text that must have occurred before
    draft_layer: int = -1  # the exit the drafts come from (-1: the active exit nearest half the depth)
    name_search: int = 0  # where a name constraint starts, try up to this many whole names (0: greedy)
    name_repair: bool = False  # where the model starts a name not allowed, take the allowed one it likely meant
    allowed_head: bool = False  # where a mask allows few tokens, compute only their rows of the LM head
    # where a name constraint starts, score the allowed names whole in one batched pass (None: greedy)
    name_ranking: NameRanking | None = None
    # with name_ranking: write the ranked name's own tokens at once, their keys and values from the ranking's pass
    name_commit: bool = False

    def __post_init__(self) -> None:
        if self.name_search < 0:
            raise ValueError(f"name_search={self.name_search} must be 0 (greedy) or a number of names to try")
        if not 1 <= self.lookup_min <= LOOKUP_NGRAM:
            raise ValueError(f"lookup_min={self.lookup_min} must be 1 to {LOOKUP_NGRAM} (tokens of the matched suffix)")
        if self.speculate < 0:
            raise ValueError(f"speculate={self.speculate} must be 0 (off) or a number of draft tokens")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens={self.max_new_tokens} must be at least 1")
        if not 0.0 < self.exit_threshold:
            raise ValueError(f"exit_threshold={self.exit_threshold} must be above 0 (1.0 disables early exit)")
        if self.drafts not in ("exit", "lookup"):
            raise ValueError(f"drafts={self.drafts!r} must be 'exit' or 'lookup'")
        if self.exit_measure not in ("classifier", "calibrated", "max-prob"):
            raise ValueError(f"exit_measure={self.exit_measure!r} must be 'classifier', 'calibrated' or 'max-prob'")


@dataclass(frozen=True, slots=True)
class TokenStep:
    id: int
    text: str
    layer: int  # layers used (1-based; the model's depth when it did not exit)
    confidence: float  # max probability of the emitting (masked) distribution
    masked: bool  # a monitor changed this token


@dataclass(frozen=True, slots=True)
class Generation:
    text: str
    tokens: tuple[TokenStep, ...]
    stopped: str  # max-tokens, newline, eos, stop-policy, context
    layers: int
    prompt_tokens: int
    seconds: float
    interventions: tuple = field(default=())
    held_back: int | None = None  # the token the stop policy did not emit
    reused_tokens: int = 0  # prompt tokens whose keys and values came from the prompt cache
    accepted_drafts: int = 0  # speculative decoding: draft tokens the full-depth pass confirmed


@dataclass(slots=True)
class _Step:
    logits: torch.Tensor
    layer: int


def _emit(logits: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, int, bool]:
    """Masked logits, the chosen token and whether the mask changed the choice."""
    raw = int(logits.argmax())
    if mask is None:
        return logits, raw, False
    width = min(mask.shape[0], logits.shape[0])
    masked = logits.clone()
    masked[:width] = logits[:width] + mask[:width]
    masked[width:] = float("-inf")
    token = int(masked.argmax())
    return masked, token, token != raw


@torch.no_grad()
def decode(
    lm,
    prompt_ids: list[int],
    *,
    monitors: list[Monitor] = (),
    exits: Exits | None = None,
    options: DecodeOptions = DecodeOptions(),
    cache: PromptCache | None = None,
) -> Generation:
    """Greedy decoding of up to ``options.max_new_tokens`` after ``prompt_ids``
    (batch 1); ``cache`` reuses the keys and values of earlier prompts."""
    if not prompt_ids:
        raise ValueError("prompt_ids=[] is empty; encode at least one token of context")
    started = time.perf_counter()
    limit = lm.context - 1
    ids = list(prompt_ids[-max(1, limit - options.max_new_tokens) :])
    net = layered_for(lm.model)
    depth = net.layers if net is not None else int(getattr(lm.model.config, "num_hidden_layers", 0) or 0)
    use_exits = net is not None and exits is not None and options.exit_threshold < 1.0
    stream = _LayeredStream(net, lm, exits if use_exits else None, options) if net is not None else _FullStream(lm)
    state, reused = cache.take(ids) if cache is not None else (None, 0)
    if options.speculate and net is not None and (exits is not None or options.drafts == "lookup"):
        generation = _decode_speculative(lm, net, exits, ids, list(monitors), options, cache, (state, reused))
        return replace(generation, prompt_tokens=len(prompt_ids), seconds=time.perf_counter() - started)
    pending = stream.prefill(ids, state, reused)
    out = _Output(lm, ids, list(monitors), options, exits, depth)
    going = True
    searching = bool(options.name_search or options.name_repair or options.name_ranking) and net is not None
    while going:
        mask, own = out.masks()
        if searching:
            stream.whole_head = any(m.name_start(0) is not None for m in out.monitors)
        step = pending(mask)
        if options.name_ranking is not None and net is not None:
            view = BesidePass(net) if options.name_commit else net  # keeps the ranking's pass for the commit
            mask, own, choice = _rank_name(lm, view, stream, out, step, (mask, own), options.name_ranking)
            commit = choice is not None and options.name_commit
            committed = _commit_name(lm, view, stream, out, step, (mask, own), choice) if commit else None
            if committed is not None:
                going, pending = committed
                continue
        elif options.name_search and net is not None:
            mask, own, _ = _choose_name(lm, net, stream, out, step, (mask, own), options.name_search)
        elif options.name_repair and net is not None:
            mask, own = _repair_name(lm, net, stream, out, step, (mask, own))
        token, going = out.take(step, mask, own)
        if going:
            pending = stream.advance(token, len(ids) - 1)
    if cache is not None:
        cache.put(ids[: stream.exact], stream.keep(stream.exact))
    return out.result(len(prompt_ids), time.perf_counter() - started, reused)


class _Output:
    """The text decoded so far and why it stopped: each emitted token goes through
    :meth:`take`, which applies the stop rules of :func:`decode`."""

    def __init__(self, lm, ids: list[int], monitors: list[Monitor], options: DecodeOptions, exits, depth: int) -> None:
        self.lm, self.ids, self.monitors, self.options, self.exits, self.depth = (
            lm,
            ids,
            monitors,
            options,
            exits,
            depth,
        )
        self.steps: list[TokenStep] = []
        self.text = ""
        self.stopped = "max-tokens"
        self.held_back: int | None = None
        self.accepted = 0  # drafts confirmed (speculative decoding)

    def masks(self) -> tuple[torch.Tensor | None, list]:
        own = [m.step_mask(self.ids, self.lm.device) for m in self.monitors] if self.monitors else []
        return (combine(own) if own else None), own

    def result(self, prompt_tokens: int, seconds: float, reused: int) -> Generation:
        interventions = tuple(i for m in self.monitors for i in m.interventions)
        return Generation(
            self.text,
            tuple(self.steps),
            self.stopped,
            self.depth,
            prompt_tokens,
            seconds,
            interventions,
            self.held_back,
            reused,
            self.accepted,
        )

    def take(self, step: _Step, mask: torch.Tensor | None, own: list) -> tuple[int, bool]:
        """Emit the (masked) choice of ``step``; its token and whether decoding goes on."""
        lm, options = self.lm, self.options
        logits, token, changed = _emit(step.logits, mask)
        if changed:  # the monitors whose own mask forbade the model's choice
            raw = int(step.logits.argmax())
            for monitor, m in zip(self.monitors, own):
                if m is not None and raw < m.shape[0] and bool(m[raw] != 0.0):
                    monitor.record(0, "masked", f"{lm.decode([raw])!r} -> {lm.decode([token])!r}")
        confidence = float(torch.softmax(logits.float(), dim=-1).max())
        exits = self.exits
        if options.use_stop_policy and exits is not None and exits.stop is not None:
            if exits.stop.risk(features_of(logits, step.layer - 1, max(self.depth, 1))) > exits.stop.threshold:
                self.stopped, self.held_back = "stop-policy", token
                return token, False
        if token == lm.eos_id:
            self.stopped = "eos"
            return token, False
        return token, self._write(token, step.layer, confidence, changed)

    def force(self, token: int, layer: int) -> bool:
        """Emit ``token`` as decided, without a distribution (a ranked name's later
        tokens: confidence 1.0, not masked); whether decoding goes on."""
        return self._write(token, layer, 1.0, False)

    def _write(self, token: int, layer: int, confidence: float, changed: bool) -> bool:
        """Add ``token`` to the text unless it ends the line (the stop rules of
        :func:`decode`); whether decoding goes on."""
        lm, options = self.lm, self.options
        piece = lm.decode([token])
        if options.stop_at_newline and "\n" in piece and (self.text + piece).strip():
            self.text += piece[: piece.index("\n")]
            self.stopped = "newline"
            return False
        self.ids.append(token)
        self.text += piece
        self.steps.append(TokenStep(token, piece, layer, round(confidence, 4), changed))
        if len(self.ids) >= lm.context:
            self.stopped = "context"
            return False
        return len(self.steps) < options.max_new_tokens


def _choose_name(lm, net, stream: "_LayeredStream", out: _Output, step: _Step, masks, budget: int):
    """Where a monitor's name constraint starts, narrow it to the likeliest whole
    name (:func:`~.name_search.best_name`); the step's masks, narrowed or not."""
    return _narrow_at_start(
        lm,
        stream,
        out,
        masks,
        lambda monitor, names, position: best_name(
            lm, net, stream.cache, position, step.logits, names, masks[0], budget
        ),
        ("chosen", "tried"),
    )


def _rank_name(lm, net, stream: "_LayeredStream", out: _Output, step: _Step, masks, ranking: NameRanking):
    """Where a monitor's name constraint starts, narrow it to the best allowed name
    by ``ranking`` (:func:`~.name_search.rank_names`: whole names scored in one
    batched pass, with the monitor's priors); the step's masks, narrowed or not."""
    return _narrow_at_start(
        lm,
        stream,
        out,
        masks,
        lambda monitor, names, position: rank_names(
            lm, net, stream.cache, position, step.logits, names, masks[0], ranking, *monitor.start_priors(0)
        ),
        ("ranked", "scored"),
    )


def _narrow_at_start(lm, stream: "_LayeredStream", out: _Output, masks, choose, words: tuple[str, str]):
    """The first monitor whose name constraint starts here (two names or more) is
    narrowed to ``choose(monitor, names, position)``'s name and records it as
    ``words[0]``; greedy (the masks unchanged) where no name is chosen or an early
    exit left keys and values to compute.  The masks, and the :class:`~.name_search.NameChoice` or ``None``."""
    mask, own = masks
    position = len(out.ids)
    for k, monitor in enumerate(out.monitors):
        names = monitor.name_start(0)
        if names is None or len(names) < 2 or own[k] is None:
            continue
        if not searchable(stream.cache, position):
            break
        choice = choose(monitor, names, position)
        if choice is None:
            break
        own = list(own)
        own[k] = monitor.narrow(0, choice.name, lm.device)
        kind, count = words
        monitor.record(
            0, kind, f"{choice.name!r}: whole-name log P {choice.log_probability:.2f}, {choice.tried} {count}"
        )
        return combine(own), own, choice
    return mask, own, None


def _commit_name(lm, net, stream: "_LayeredStream", out: _Output, step: _Step, masks, choice: NameChoice):
    """Write the ranked name as its own tokens (:meth:`~.lm.CodeLM.name_tokens`,
    the tokenization the ranking scored), the first ``choice.written`` of them,
    without a decoding step per token: the
    first is the step's choice among the name's first token alone, each later one
    is emitted as decided (confidence 1.0) while the monitors' masks allow it and
    the budget lasts; the keys and values of the written tokens come from the
    ranking's pass (:class:`~.layered.BesidePass`), or from one pass over them
    when the ranking needed none (one name came close).  The rest of the name is
    decoded step by step, under the monitor narrowed to it: where the model
    would write its end merged with what follows (``__(``), it does.  ``(going, pending)``
    as the decoding loop keeps them, or ``None`` (nothing written: decode the name
    token by token) when the mask forbids the first token or none is to be written."""
    tokens = lm.name_tokens(choice.name)
    count = len(tokens) if choice.written is None else choice.written
    mask, own = masks
    if not tokens or not count or (mask is not None and not math.isfinite(float(mask[tokens[0]]))):
        return None
    only = torch.full_like(step.logits if mask is None else mask, float("-inf"))
    only[tokens[0]] = 0.0 if mask is None else mask[tokens[0]]
    position = len(out.ids)
    _, going = out.take(step, only, own)
    written = 1
    while going and written < count:
        mask, own = out.masks()
        if mask is not None and not math.isfinite(float(mask[tokens[written]])):
            break
        going = out.force(tokens[written], net.layers)
        written += 1
    if not going:
        return False, None
    last = net.attach(tokens, written, stream.cache) if isinstance(net, BesidePass) else None
    if last is None:
        last = stream.run(list(tokens[:written]), position)
    stream.settled(position + written)
    return going, (lambda mask: _Step(stream._head(last, mask), net.layers))


def _repair_name(lm, net, stream: "_LayeredStream", out: _Output, step: _Step, masks):
    """Where a monitor's name constraint starts and the model's own first token is
    not allowed, read the name it would write unguided (:func:`~.name_search.intended_name`);
    when one allowed name plainly means it (:func:`~.name_search.closest_member`),
    narrow the constraint to that name.  Otherwise the masks are unchanged."""
    mask, own = masks
    raw = int(step.logits.argmax())
    for k, monitor in enumerate(out.monitors):
        names = monitor.name_start(0)
        if names is None or own[k] is None or raw >= own[k].shape[0] or bool(own[k][raw] == 0.0):
            continue
        if not searchable(stream.cache, len(out.ids)):
            break
        word = intended_name(lm, net, stream.cache, len(out.ids), step.logits)
        choice = closest_member(word, names)
        if choice is None:
            break
        own = list(own)
        own[k] = monitor.narrow(0, choice, lm.device)
        monitor.record(0, "repaired", f"{word!r} -> {choice!r}")
        return combine(own), own
    return mask, own


def draft_layer(exits: Exits, layers: int, wanted: int = -1) -> int:
    """The exit speculative decoding drafts from: ``wanted`` when it is an active exit,
    else the active exit nearest half the model's depth."""
    active = exits.adapters.active
    if not active:
        raise ValueError("these exits have no active layer to draft from")
    if wanted in active:
        return wanted
    return min(active, key=lambda i: (abs(i + 1 - layers / 2), i))


def _decode_speculative(lm, net, exits: Exits | None, ids, monitors, options, cache, taken) -> Generation:
    """Self-speculative greedy decoding: up to ``options.speculate`` draft tokens,
    either from an exit (``drafts="exit"``: the layers up to it, its adapter and
    the LM head) or copied from what followed the last earlier occurrence of the
    text's last tokens (``drafts="lookup"``, prompt lookup decoding: free to
    draft, and code repeats itself); then the layers above the draft's run once
    over all of them together, and the drafts are kept up to the first one the
    full-depth (masked) choice disagrees with, which replaces it.  Every emitted
    token is the full-depth choice, so the output is the one of
    ``exit_threshold=1.0``; the monitors see only the kept tokens (exit drafts
    are masked by forks of them)."""
    state, reused = taken
    stream = _LayeredStream(net, lm, None, options)
    first = stream.prefill(ids, state, reused)
    out = _Output(lm, ids, monitors, options, exits, net.layers)
    lookup = options.drafts == "lookup"
    top = -1 if lookup else draft_layer(exits, net.layers, options.draft_layer)
    mask, own = out.masks()
    token, going = out.take(first(mask), mask, own)
    while going:
        position = len(ids) - 1  # of ``token``: emitted, not yet through the layers
        budget = min(options.speculate, options.max_new_tokens - len(out.steps), lm.context - len(ids))
        if lookup:
            drafts = lookup_drafts(ids, budget - 1, lm.decode if options.stop_at_newline else None, options.lookup_min)
            hidden = net.embed(torch.tensor([[token] + drafts], device=lm.device), position)
        else:
            drafts, states = _draft(
                net, exits, stream.cache, top, token, position, [m.fork() for m in monitors], ids, budget
            )
            hidden = torch.cat(states, dim=1)
        for i in range(top + 1, net.layers):
            hidden = net.block(i, hidden, stream.cache)
        full = net.head(hidden)[0]
        verified = 0
        for j in range(full.shape[0]):
            mask, own = out.masks()
            verified = j + 1
            token, going = out.take(_Step(full[j], net.layers), mask, own)
            confirmed = j < len(drafts) and token == drafts[j]
            out.accepted += confirmed
            if not going or not confirmed:
                break
        stream.cache.truncate(position + verified)
    stream.exact = min(len(ids), stream.cache.length(0))
    if cache is not None:
        cache.put(ids[: stream.exact], stream.keep(stream.exact))
    return out.result(0, 0.0, reused if state is not None else 0)


def lookup_drafts(ids: list[int], budget: int, decode=None, shortest: int = 1) -> list[int]:
    """Up to ``budget`` tokens that followed the latest earlier occurrence of the
    longest suffix of ``ids`` (``LOOKUP_NGRAM`` tokens down to ``shortest``) that
    occurred before; cut after the first token whose text (``decode``) holds a
    newline when given.  ``[]`` when none occurred.

    >>> lookup_drafts([5, 6, 7, 9, 5, 6], 2)
    [7, 9]
    """
    if budget < 1:
        return []
    end = len(ids)
    for n in range(min(LOOKUP_NGRAM, end - 1), shortest - 1, -1):
        tail = ids[end - n :]
        first = tail[0]
        for start in range(end - n - 1, -1, -1):
            if ids[start] == first and ids[start : start + n] == tail:
                drafts = ids[start + n : start + n + budget]
                return drafts if decode is None else _to_newline(drafts, decode)
    return []


def _to_newline(drafts: list[int], decode) -> list[int]:
    for j, token in enumerate(drafts):
        if "\n" in decode([token]):
            return drafts[: j + 1]
    return drafts


def _draft(net, exits: Exits, cache, top: int, token: int, position: int, forks, ids, budget: int):
    """Up to ``budget`` draft tokens after ``token`` (at ``position``), each from the
    exit after layer ``top``; the hidden states there, one per token fed."""
    drafts: list[int] = []
    states: list[torch.Tensor] = []
    for j in range(max(1, budget)):
        h = net.embed_one(token, position + j)
        for i in range(top + 1):
            h = net.block(i, h, cache)
        states.append(h)
        own = [m.step_mask(ids + drafts, h.device) for m in forks]
        _, token, _ = _emit(exits.logits(net, top, h)[0, -1], combine(own) if own else None)
        drafts.append(token)
    return drafts, states


@torch.no_grad()
def next_logits(lm, prompt_ids: list[int], cache: PromptCache | None = None) -> torch.Tensor:
    """The next-token logits ([vocabulary], float) after ``prompt_ids``, through the
    prompt cache when given (ranking completions shares it with decoding)."""
    if not prompt_ids:
        raise ValueError("prompt_ids=[] is empty; encode at least one token of context")
    net = layered_for(lm.model)
    stream = _LayeredStream(net, lm, None, DecodeOptions()) if net is not None else _FullStream(lm)
    state, reused = cache.take(prompt_ids) if cache is not None else (None, 0)
    logits = stream.prefill(prompt_ids, state, reused)(None).logits
    if cache is not None:
        cache.put(prompt_ids[: stream.exact], stream.keep(stream.exact))
    return logits.float()


ALLOWED_HEAD_LIMIT = 4096  # the most allowed tokens for which the head runs on their rows only


def allowed_rows(mask: torch.Tensor, vocabulary: int) -> torch.Tensor | None:
    """The token ids below ``vocabulary`` that ``mask`` allows (finite entries),
    when there are at most ``ALLOWED_HEAD_LIMIT`` of them and a quarter of the
    vocabulary (else gathering the rows costs more than it saves); else ``None``."""
    rows = torch.isfinite(mask[:vocabulary]).nonzero()[:, 0]
    return rows if 0 < rows.shape[0] <= min(ALLOWED_HEAD_LIMIT, vocabulary // 4) else None


class _LayeredStream:
    """Runs tokens layer by layer; the next distribution is computed lazily once
    the step's mask is known (the max-prob exit test uses the masked distribution)."""

    def __init__(self, net, lm, exits: Exits | None, options: DecodeOptions) -> None:
        self.net, self.lm, self.exits, self.threshold = net, lm, exits, options.exit_threshold
        self.by_probe = options.exit_measure in ("classifier", "calibrated")
        # the head's rows when it may run on the allowed ones only (0: never)
        subset = options.allowed_head
        # name search and repair read the whole distribution where a name starts:
        # the decoding loop sets this for such a step
        self.whole_head = False
        weight = getattr(net.lm_head, "weight", None)  # a method, not a tensor, in an int8-quantized head
        self.vocabulary = int(weight.shape[0]) if subset and isinstance(weight, torch.Tensor) else 0
        self.cache = net.new_cache()
        self.exact = 0  # leading positions whose keys and values are those of full depth
        self._inexact = False
        self.active = frozenset(exits.adapters.active) if exits is not None else frozenset()
        if exits is not None and self.by_probe:
            # exit when w.h + b >= logit(threshold): the same test as sigmoid(w.h + b) >= threshold
            self.weights, biases = exits.adapters.probe_table()
            if options.exit_measure == "calibrated":  # w.h + b >= that layer's calibrated logit
                self.cuts = [cut - b for cut, b in zip(exits.calibrated_cuts(self.threshold), biases)]
            else:
                cut = math.log(self.threshold / (1 - self.threshold)) if self.threshold < 1 else math.inf
                self.cuts = [cut - b for b in biases]

    def prefill(self, ids: list[int], state=None, reused: int = 0):
        if state is not None:
            state.truncate(reused)
            self.cache = state
        else:
            reused = 0
        h = self.net.embed(torch.tensor([ids[reused:]], device=self.lm.device), reused)
        for i in range(self.net.layers):
            h = self.net.block(i, h, self.cache)
        self.exact = len(ids)
        last = h[:, -1:]
        return lambda mask: _Step(self._head(last, mask), self.net.layers)

    def _head(self, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Full-depth logits ([vocabulary]) of ``h`` [1, 1, dim]: the whole head, or
        with ``allowed_head`` and a mask that allows few tokens, those rows only
        (the others ``-inf``)."""
        subset = self.vocabulary and mask is not None and not self.whole_head
        rows = allowed_rows(mask, self.vocabulary) if subset else None
        if rows is None:
            return self.net.head(h)[0, -1]
        some = self.net.head_rows(h[0, -1], rows)
        logits = torch.full((self.vocabulary,), float("-inf"), dtype=some.dtype, device=some.device)
        logits[rows] = some
        return logits

    def keep(self, length: int):
        """The cache cut to its first ``length`` positions, for the prompt cache."""
        self.cache.truncate(length)
        return self.cache

    def run(self, tokens: list[int], position: int) -> torch.Tensor:
        """``tokens`` (from ``position`` on) through every layer in one pass, their
        keys and values added to the cache; the last one's hidden state [1, 1, dim]."""
        h = self.net.embed(torch.tensor([tokens], device=self.lm.device), position)
        for i in range(self.net.layers):
            h = self.net.block(i, h, self.cache)
        return h[:, -1:]

    def settled(self, length: int) -> None:
        """The cache holds the first ``length`` positions at full depth (unless an
        early exit came before)."""
        if not self._inexact:
            self.exact = length

    def _exits_here(self, i: int, h: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor | None:
        if self.by_probe:
            if float(torch.dot(self.weights[i], h[0, -1])) < self.cuts[i]:
                return None
            return self.exits.logits(self.net, i, h)[0, -1]
        logits = self.exits.logits(self.net, i, h)[0, -1]
        masked, _, _ = _emit(logits, mask)
        return logits if float(torch.softmax(masked.float(), dim=-1).max()) >= self.threshold else None

    def advance(self, token: int, position: int):
        def run(mask: torch.Tensor | None) -> _Step:
            net = self.net
            h = net.embed_one(token, position)
            for i in range(net.layers):
                h = net.block(i, h, self.cache)
                if i not in self.active:
                    continue
                logits = self._exits_here(i, h, mask)
                if logits is not None:
                    net.skip(i + 1, h, self.cache)
                    self._inexact = True
                    return _Step(logits, i + 1)
            if not self._inexact:
                self.exact = position + 1
            return _Step(self._head(h, mask), net.layers)

        return run


class _FullStream:
    """Full-depth decoding through the model's own forward (any architecture)."""

    def __init__(self, lm) -> None:
        self.lm = lm
        self.past = None
        self.exact = 0
        # transformers 5 names the argument ``cache`` in most models, ``past_key_values`` in older ones
        self._argument = "cache" if "cache" in inspect.signature(lm.model.forward).parameters else "past_key_values"

    def _forward(self, ids: list[int]):
        out = self.lm.model(
            input_ids=torch.tensor([ids], device=self.lm.device), use_cache=True, **{self._argument: self.past}
        )
        self.past = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        self.exact += len(ids)
        logits = out.logits[0, -1].float()
        layers = int(getattr(self.lm.model.config, "num_hidden_layers", 0) or 0)
        return lambda mask: _Step(logits, layers)

    @staticmethod
    def _crop(cache, length: int) -> None:
        """Cut a transformers cache to ``length`` positions (a negative count removes
        from the end in every transformers version)."""
        extra = int(cache.get_seq_length()) - length
        if extra > 0:
            cache.crop(-extra)

    def prefill(self, ids: list[int], state=None, reused: int = 0):
        if state is not None and hasattr(state, "crop"):
            self._crop(state, reused)
            self.past, self.exact = state, reused
            return self._forward(ids[reused:])
        return self._forward(ids)

    def advance(self, token: int, position: int):
        return self._forward([token])

    def keep(self, length: int):
        if self.past is None or not hasattr(self.past, "crop"):
            return None
        self._crop(self.past, length)
        return self.past
