"""Training early exits on a pretrained LM with a large vocabulary, on a CPU.

The frozen model runs once over windows of the training text (batched, no
gradients); what the exits need is kept: the hidden state after each exit layer
and the final distribution's ``top`` tokens with their probabilities.  Each
adapter is then fitted on minibatches of positions to the final distribution
restricted to the minibatch's candidate tokens (the union of their top tokens:
a few thousand of the vocabulary, so the LM head costs a slice of its rows,
:meth:`~.layered.Layered.head_rows`),
or with ``whole=True`` to it over the whole vocabulary (the other tokens'
target 0: dearer, and the adapter learns to keep them down).  Each probe
learns whether the adapted exit's best token over the whole vocabulary is the
final one, and gets a calibration curve (:func:`~.early_exit.calibration_curve`)
on other windows of the training text.  Held-out windows give each layer's
agreement with full depth.

    typelens train exits --model smollm2 --stdlib --site-packages --exclude packaging,typer,...

Example::

    report = train_sampled_exits(lm, layered_for(lm.model), texts, out, steps=300)
    report["exit_layers"], report["agreement_with_full_depth"]
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Collected:
    hidden: dict[int, torch.Tensor]  # exit layer -> [positions, dim]
    top_ids: torch.Tensor  # [positions, top] the final distribution's best tokens, best first
    top_probs: torch.Tensor  # [positions, top] their probabilities


def default_exit_layers(layers: int) -> tuple[int, ...]:
    """Every layer of a small model; every other layer of the upper half of a deep
    one (its lower layers seldom agree with the final one)."""
    if layers <= 12:
        return tuple(range(layers - 1))
    return tuple(range(layers // 2, layers - 1, 2))


@torch.no_grad()
def collect(net, windows: list[torch.Tensor], exit_layers: tuple[int, ...], top: int = 32, batch: int = 4) -> Collected:
    hidden: dict[int, list[torch.Tensor]] = {i: [] for i in exit_layers}
    ids_out, probs_out = [], []
    for start in range(0, len(windows), batch):
        ids = torch.stack(windows[start : start + batch])
        cache = net.new_cache()
        h = net.embed(ids, 0)
        for i in range(net.layers):
            h = net.block(i, h, cache)
            if i in hidden:
                hidden[i].append(h.reshape(-1, h.shape[-1]).clone())
        logits = net.head(h).float()
        best = torch.topk(torch.softmax(logits, dim=-1).reshape(-1, logits.shape[-1]), top, dim=-1)
        ids_out.append(best.indices)
        probs_out.append(best.values)
    return Collected({i: torch.cat(v) for i, v in hidden.items()}, torch.cat(ids_out), torch.cat(probs_out))


def fit_adapter(
    net,
    adapter,
    h: torch.Tensor,
    data: Collected,
    steps: int,
    rng: torch.Generator,
    batch: int = 256,
    whole: bool = False,
) -> None:
    """Fit ``adapter`` to the final distribution's top tokens: over the batch's
    candidate rows of the LM head, or with ``whole`` over the whole vocabulary (the
    other tokens' target 0, so the adapter also learns to keep them down)."""
    weight = getattr(net.lm_head, "weight", None)
    if not isinstance(weight, torch.Tensor):
        raise ValueError("the LM head has no plain weight (a quantized model?); train exits on the fp32 model")
    optimiser = torch.optim.AdamW(adapter.parameters(), lr=2e-3, weight_decay=0.0)
    for step in range(steps):
        pick = torch.randint(0, h.shape[0], (batch,), generator=rng)
        ids, probs = data.top_ids[pick], data.top_probs[pick]
        if whole:  # the whole head: no rows to gather
            target = torch.zeros(batch, weight.shape[0]).scatter_add_(1, ids, probs)
            logits = net.head(adapter(h[pick]))
        else:
            rows, where = torch.unique(ids, return_inverse=True)  # where: [batch, top] -> row in ``rows``
            target = torch.zeros(batch, len(rows)).scatter_add_(1, where, probs)
            logits = net.head_rows(adapter(h[pick]), rows)
        target = target / target.sum(-1, keepdim=True)
        loss = -(target * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 100 == 0:
            logger.info("exit adapter step %d loss %.3f", step, loss.item())


@torch.no_grad()
def agreement(net, adapter, h: torch.Tensor, data: Collected) -> torch.Tensor:
    """Per position: is the adapted exit's best token (over the whole vocabulary, as
    decoding reads it) the final best?"""
    found = []
    for start in range(0, h.shape[0], 512):
        part = slice(start, start + 512)
        found.append(net.head(adapter(h[part])).argmax(-1) == data.top_ids[part, 0])
    return torch.cat(found).float()


def train_sampled_exits(
    lm,
    net,
    texts: list[str],
    out: Path,
    *,
    steps: int = 300,
    rank: int = 32,
    seed: int = 13,
    context: int = 128,
    tokens: int = 24_000,
    exit_layers: tuple[int, ...] | None = None,
    whole: bool = False,
) -> dict:
    """Fit adapters and probes at ``exit_layers`` (default :func:`default_exit_layers`)
    on about ``tokens`` training positions (``whole``: against the whole vocabulary,
    see :func:`fit_adapter`), calibrate each probe on other windows of the training
    text (:func:`~.early_exit.calibration_curve`); write ``out`` (see
    :func:`~.early_exit.save_exits`)."""
    from .early_exit import ExitAdapters, _windows, calibration_curve, fit_probe, save_exits

    started = time.perf_counter()
    torch.manual_seed(seed)
    rng = random.Random(seed)
    exit_layers = tuple(exit_layers or default_exit_layers(net.layers))
    if any(not 0 <= layer < net.layers - 1 for layer in exit_layers):
        raise ValueError(
            f"exit layers {[i + 1 for i in exit_layers]}: a token can leave after layers 1 to "
            f"{net.layers - 1} of this {net.layers}-layer model"
        )
    texts = list(texts)
    random.Random(seed).shuffle(texts)
    cut = max(1, len(texts) // 10)
    held, train = texts[:cut], texts[cut:] or texts
    for p in lm.model.parameters():
        p.requires_grad_(False)
    data = collect(net, _windows(lm, train, context, rng, max(1, tokens // context)), exit_layers)
    check = collect(net, _windows(lm, held, context, rng, max(1, tokens // context // 8)), exit_layers)
    tune = collect(net, _windows(lm, train, context, rng, max(1, tokens // context // 4)), exit_layers)
    logger.info(
        "collected %d positions (%d held out) in %.0f s",
        data.top_ids.shape[0],
        check.top_ids.shape[0],
        time.perf_counter() - started,
    )
    adapters = ExitAdapters(net.layers, net.dim, rank, exit_layers).to(lm.device)
    generator = torch.Generator().manual_seed(seed)
    agreements, curves = {}, {}
    for layer in exit_layers:
        adapter, probe = adapters.adapters[layer], adapters.probes[layer]
        fit_adapter(net, adapter, data.hidden[layer], data, steps, generator, whole=whole)
        adapter.requires_grad_(False)
        fit_probe(probe, data.hidden[layer], agreement(net, adapter, data.hidden[layer], data))
        with torch.no_grad():
            scores = probe(tune.hidden[layer]).squeeze(-1)
        curves[str(layer)] = calibration_curve(scores, agreement(net, adapter, tune.hidden[layer], tune))
        agreements[layer] = round(float(agreement(net, adapter, check.hidden[layer], check).mean()), 4)
        logger.info("exit after layer %d: agreement with full depth %.3f", layer + 1, agreements[layer])
    adapters.eval()
    meta = {
        "dim": net.dim,
        "steps": steps,
        "objective": "whole" if whole else "sampled",
        "positions": int(data.top_ids.shape[0]),
        "calibration": curves,
        "seconds": round(time.perf_counter() - started, 1),
        "agreement_with_full_depth": [agreements.get(i) for i in range(net.layers - 1)],
    }
    save_exits(Path(out), adapters, None, meta)
    return dict(meta, exit_layers=list(exit_layers), stop_precision=None, stop_recall=None)
