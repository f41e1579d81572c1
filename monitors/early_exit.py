"""Exit heads and the stop policy for dynamic early exit.

Each layer but the last gets a small adapter (LayerNorm, a rank-``r`` bottleneck,
added residually, the up-projection starting at zero) whose output goes through
the LM's own final norm and head.  ``typelens train exits`` fits the adapters
with the LM frozen, so that each exit's distribution matches the full model's
(KL divergence); a token exits at the first layer whose (monitor-masked)
distribution is confident enough (max probability ≥ the threshold).

A large vocabulary (SmolLM2: 49,152 tokens) makes the full-vocabulary KL at
every layer too dear for a CPU, so :func:`train_exits` switches to a sampled
objective there: the frozen model's hidden states at a subset of exit layers
(every other layer of the upper half) and the final distribution's top tokens
are collected once, and each adapter learns the final distribution over the
candidate tokens of its batch (or over the whole vocabulary); the probes learn
whether the exit's best token is the final one, and each is calibrated (the
share of right exits above each probe cut, :meth:`Exits.calibrated_cuts`).  No
stop policy is fitted then (its features need whole distributions).

The stop policy is a logistic model over four features of the emitting
distribution (max probability, margin to the second, entropy, share of layers
used) that predicts "this token is wrong"; generation stops before a token whose
predicted risk is above the policy's threshold, which is chosen on held-out text
for a target precision.  The adapters are saved as ``exits.safetensors`` and the
rest as ``exits.json`` in ``<model>/exits`` (never pickles).

Example::

    exits = load_exits(lm.path / "exits", lm)     # None when the folder has none
    logits = exits.logits(net, layer=2, h=hidden)
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from typelens.analyzer import ModelError

logger = logging.getLogger(__name__)

EXITS_VERSION = "typelens-exits-1"
DENSE_VOCABULARY = 8192  # above it, exits train on sampled candidates (exit_sampled.py)
FEATURES = ("max_prob", "margin", "entropy", "depth")


class Adapter(nn.Module):
    def __init__(self, dim: int, rank: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.down = nn.Linear(dim, rank)
        self.up = nn.Linear(rank, dim)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.up(torch.nn.functional.gelu(self.down(self.norm(h))))


class ExitAdapters(nn.Module):
    """``adapters[i]`` maps the hidden state after layer ``i`` (0-based, all but the
    last); ``probes[i]`` (a linear classifier on the same state) predicts whether the
    exit's top token equals the full model's, so deciding costs a dot product and
    the LM head runs only at the layer that emits."""

    def __init__(self, layers: int, dim: int, rank: int, active: tuple[int, ...] | None = None) -> None:
        super().__init__()
        self.rank = rank
        self.adapters = nn.ModuleList([Adapter(dim, rank) for _ in range(layers - 1)])
        self.probes = nn.ModuleList([nn.Linear(dim, 1) for _ in range(layers - 1)])
        # the layers a token may leave at (all but the last unless trained on fewer)
        self.active = tuple(range(layers - 1)) if active is None else tuple(sorted(active))

    def probe_table(self) -> tuple[torch.Tensor, list[float]]:
        """The probes as one ``[layers - 1, dim]`` weight table and their biases, so
        that the decoding loop decides with one dot product per layer (an inactive
        layer's bias is ``-inf``: no token leaves there)."""
        weights = torch.stack([p.weight.detach()[0] for p in self.probes])
        return weights, [
            float(p.bias.detach()[0]) if i in self.active else -math.inf for i, p in enumerate(self.probes)
        ]


@dataclass(frozen=True, slots=True)
class StopPolicy:
    weights: tuple[float, ...]
    bias: float
    threshold: float
    precision: float  # on the held-out text it was fitted on
    recall: float

    def risk(self, features: tuple[float, ...]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def features_of(logits: torch.Tensor, layer: int, layers: int) -> tuple[float, ...]:
    """The stop policy's features of one emitting distribution (``logits`` [vocabulary])."""
    probs = torch.softmax(logits.float(), dim=-1)
    top = torch.topk(probs, 2).values
    finite = probs > 0
    entropy = float(-(probs[finite] * probs[finite].log()).sum())
    return float(top[0]), float(top[0] - top[1]), entropy, (layer + 1) / layers


@dataclass
class Exits:
    adapters: ExitAdapters
    stop: StopPolicy | None
    meta: dict

    def logits(self, net, layer: int, h: torch.Tensor) -> torch.Tensor:
        return net.head(self.adapters.adapters[layer](h))

    def calibrated_cuts(self, precision: float) -> list[float]:
        """Per layer (all but the last), the probe logit at or above which a token
        leaves so that, on the calibration text, at least ``precision`` of the
        tokens leaving there get full depth's token (``inf``: none may leave there);
        from the curves :func:`calibration_curve` stored at training."""
        curves = self.meta.get("calibration")
        if not curves:
            raise ValueError(
                "these exits carry no calibration; retrain them with `typelens train exits` to exit by precision"
            )
        cuts = [math.inf] * len(self.adapters.adapters)
        for layer in self.adapters.active:
            reached = [cut for cut, share in curves.get(str(layer), ()) if share >= precision]
            if reached:
                cuts[layer] = min(reached)
        return cuts


def calibration_curve(scores: torch.Tensor, agree: torch.Tensor, points: int = 48) -> list[list[float]]:
    """``[cut, precision]`` pairs of one exit's probe: for the best-scored positions
    (at least 8, then shares of all positions growing geometrically up to all of
    them), the lowest probe logit ``cut`` among them and the share ``precision`` of
    them whose exit token is full depth's (``agree``); positions below a cut come
    later in the list, so :meth:`Exits.calibrated_cuts` takes the lowest cut whose
    precision is high enough."""
    order = torch.argsort(scores, descending=True)
    hits = agree[order].float().cumsum(0)
    total = len(order)
    if total == 0:
        return []
    sizes = sorted({min(total, max(8, round(total * 0.001 * 1000 ** (j / (points - 1))))) for j in range(points)})
    return [[round(float(scores[order[k - 1]]), 4), round(float(hits[k - 1] / k), 4)] for k in sizes]


def save_exits(folder: Path, adapters: ExitAdapters, stop: StopPolicy | None, meta: dict) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in adapters.state_dict().items()}, str(folder / "exits.safetensors"))
    record = dict(
        meta,
        version=EXITS_VERSION,
        rank=adapters.rank,
        layers=len(adapters.adapters) + 1,
        exit_layers=list(adapters.active),
        stop=None
        if stop is None
        else {
            "weights": list(stop.weights),
            "bias": stop.bias,
            "threshold": stop.threshold,
            "precision": stop.precision,
            "recall": stop.recall,
            "features": list(FEATURES),
        },
    )
    (folder / "exits.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def load_exits(
    folder: Path, layers: int, dim: int, device: torch.device, dtype: torch.dtype = torch.float32
) -> Exits | None:
    """The exits in ``folder`` for a model of ``layers`` x ``dim``; ``None`` when absent."""
    meta_path, weights = folder / "exits.json", folder / "exits.safetensors"
    if not meta_path.exists() and not weights.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{meta_path}: unreadable exits file ({err})") from None
    if not isinstance(meta, dict) or meta.get("version") != EXITS_VERSION:
        raise ModelError(f"{meta_path}: not typelens exits ({EXITS_VERSION}); retrain with `typelens train exits`")
    if meta.get("layers") != layers or meta.get("dim") != dim:
        raise ModelError(
            f"{folder}: exits for {meta.get('layers')} layers x {meta.get('dim')}, the model has "
            f"{layers} x {dim}; retrain with `typelens train exits`"
        )
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    active = meta.get("exit_layers")
    adapters = ExitAdapters(layers, dim, int(meta.get("rank", 0)), tuple(active) if active is not None else None)
    try:
        adapters.load_state_dict(load_file(str(weights)))
    except (OSError, RuntimeError, SafetensorError) as err:
        raise ModelError(f"{weights}: damaged exit weights ({str(err).splitlines()[0][:160]})") from None
    adapters.to(device=device, dtype=dtype).eval()
    stop = meta.get("stop")
    policy = None
    if stop:
        policy = StopPolicy(tuple(stop["weights"]), stop["bias"], stop["threshold"], stop["precision"], stop["recall"])
    return Exits(adapters, policy, meta)


# -- training ---------------------------------------------------------------------------------
def _windows(lm, texts: list[str], context: int, rng: random.Random, count: int) -> list[torch.Tensor]:
    from .train_lm import token_stream

    stream = token_stream(lm.tokenizer, texts)
    limit = len(stream) - context
    if limit <= 0:
        raise ValueError(f"the text has {len(stream)} tokens, fewer than one context of {context}")
    return [stream[s : s + context] for s in (rng.randrange(limit) for _ in range(count))]


def train_exits(
    lm,
    texts: list[str],
    out: Path,
    *,
    steps: int = 400,
    batch: int = 8,
    rank: int = 32,
    seed: int = 13,
    stop_precision: float = 0.9,
    tokens: int = 24_000,
    exit_layers: tuple[int, ...] | None = None,
    whole: bool = False,
) -> dict:
    """Fit exit adapters (KL to the full model) and the stop policy; write ``out``.
    A large vocabulary trains on sampled candidates instead (``tokens`` positions,
    at ``exit_layers``, ``whole``: scored over the whole vocabulary; see
    :mod:`.exit_sampled`)."""
    from .layered import layered_for

    net = layered_for(lm.model)
    if net is None:
        raise ModelError(
            f"{lm.path}: early exit needs a GPT-2 or Llama-architecture model "
            f"(this one is {lm.model.config.model_type!r})"
        )
    if len(lm.vocabulary) > DENSE_VOCABULARY:
        from .exit_sampled import train_sampled_exits

        return train_sampled_exits(
            lm,
            net,
            texts,
            Path(out),
            steps=steps,
            rank=rank,
            seed=seed,
            tokens=tokens,
            exit_layers=exit_layers,
            whole=whole,
        )
    torch.manual_seed(seed)
    rng = random.Random(seed)
    context = min(lm.context, 192)
    texts = list(texts)
    random.Random(seed).shuffle(texts)
    cut = max(1, len(texts) // 10)
    held, train = texts[:cut], texts[cut:] or texts
    adapters = ExitAdapters(net.layers, net.dim, rank).to(lm.device)
    for p in lm.model.parameters():
        p.requires_grad_(False)
    optimiser = torch.optim.AdamW(adapters.parameters(), lr=3e-3, weight_decay=0.0)
    started = time.perf_counter()
    windows = _windows(lm, train, context, rng, steps * batch)
    for step in range(steps):
        ids = torch.stack(windows[step * batch : (step + 1) * batch]).to(lm.device)
        hidden, final = _hidden_states(net, ids)
        target = torch.log_softmax(final, dim=-1)
        loss = sum(
            torch.nn.functional.kl_div(
                torch.log_softmax(net.head(adapter(h)), dim=-1), target, log_target=True, reduction="batchmean"
            )
            / ids.shape[1]
            for adapter, h in zip(adapters.adapters, hidden)
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 100 == 0:
            logger.info("exits step %d loss %.3f", step, loss.item())
    adapters.eval()
    fit_probes(net, adapters, windows[: min(len(windows), 96)])
    stop, agreement = fit_stop_policy(net, adapters, _windows(lm, held, context, rng, 24), stop_precision)
    meta = {
        "dim": net.dim,
        "steps": steps,
        "seconds": round(time.perf_counter() - started, 1),
        "agreement_with_full_depth": agreement,
    }
    save_exits(Path(out), adapters, stop, meta)
    return dict(meta, stop_precision=stop.precision if stop else None, stop_recall=stop.recall if stop else None)


def _hidden_states(net, ids: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    with torch.no_grad():
        cache = net.new_cache()
        h = net.embed(ids, 0)
        hidden = []
        for i in range(net.layers):
            h = net.block(i, h, cache)
            if i < net.layers - 1:
                hidden.append(h)
        return hidden, net.head(h)


def fit_probes(net, adapters: ExitAdapters, windows: list[torch.Tensor], steps: int = 300) -> None:
    """Fit each layer's probe: does the exit's top token equal the full model's?"""
    states: list[list[torch.Tensor]] = [[] for _ in adapters.probes]
    labels: list[list[torch.Tensor]] = [[] for _ in adapters.probes]
    with torch.no_grad():
        for ids in windows:
            hidden, final = _hidden_states(net, ids[None])
            target = final[0].argmax(-1)
            for layer, h in enumerate(hidden):
                states[layer].append(h[0])
                labels[layer].append((net.head(adapters.adapters[layer](h))[0].argmax(-1) == target).float())
    for layer, probe in enumerate(adapters.probes):
        fit_probe(probe, torch.cat(states[layer]), torch.cat(labels[layer]), steps)


def fit_probe(probe, h: torch.Tensor, labels: torch.Tensor, steps: int = 300) -> None:
    """Fit ``probe`` (hidden state -> logit) to ``labels`` (1: the exit's token is the final one), then freeze it."""
    optimiser = torch.optim.Adam(probe.parameters(), lr=1e-2)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(probe(h).squeeze(-1), labels)
        loss.backward()
        optimiser.step()
    probe.requires_grad_(False)


@torch.no_grad()
def fit_stop_policy(
    net, adapters: ExitAdapters, windows: list[torch.Tensor], precision: float
) -> tuple[StopPolicy | None, list[float]]:
    """Logistic regression "the emitted token is wrong" on held-out windows, at every
    layer; the threshold is the lowest risk whose stops are right ``precision`` of the time."""
    rows, labels, agree = [], [], [[] for _ in range(net.layers - 1)]
    for ids in windows:
        ids = ids[None]
        hidden, final = _hidden_states(net, ids)
        truth = ids[0, 1:]
        per_layer = [net.head(a(h))[0, :-1] for a, h in zip(adapters.adapters, hidden)] + [final[0, :-1]]
        for layer, logits in enumerate(per_layer):
            guess = logits.argmax(-1)
            if layer < net.layers - 1:
                agree[layer].append(float((guess == final[0, :-1].argmax(-1)).float().mean()))
            for pos in range(0, logits.shape[0], 3):
                rows.append(features_of(logits[pos], layer, net.layers))
                labels.append(float(guess[pos] != truth[pos]))
    agreement = [round(sum(a) / len(a), 4) for a in agree]
    with torch.enable_grad():
        x, y = torch.tensor(rows), torch.tensor(labels)
        w = torch.zeros(x.shape[1], requires_grad=True)
        b = torch.zeros((), requires_grad=True)
        optimiser = torch.optim.LBFGS([w, b], max_iter=200)

        def closure():
            optimiser.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)
            loss.backward()
            return loss

        optimiser.step(closure)
    risk = torch.sigmoid(x @ w.detach() + b.detach())
    order = torch.argsort(risk, descending=True)
    wrong = y[order].cumsum(0)
    counts = torch.arange(1, len(order) + 1)
    ok = (wrong / counts >= precision).nonzero()
    if len(ok) == 0:
        return None, agreement
    k = int(ok[-1])
    policy = StopPolicy(
        tuple(float(v) for v in w.detach()),
        float(b.detach()),
        float(risk[order[k]]),
        round(float(wrong[k] / (k + 1)), 4),
        round(float(wrong[k] / max(1.0, float(y.sum()))), 4),
    )
    return policy, agreement
