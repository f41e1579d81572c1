"""Training the default code LM: a byte-level BPE tokenizer (``tokenizers``) and a
small GPT-2 (a transformers config, trained from scratch; no hub weights).

    typelens train lm --out monitors/models/lm --stdlib --site-packages --exclude packaging,typer

The result is an ordinary Hugging Face model folder (``config.json``,
``model.safetensors``, ``tokenizer.json``), so every ``--model PATH`` code path
reads it like any other local model.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

logger = logging.getLogger(__name__)

EOS = "<|endoftext|>"


@dataclass(frozen=True, slots=True)
class LMConfig:
    vocab: int = 4096
    layers: int = 6
    dim: int = 128
    heads: int = 4
    context: int = 192
    steps: int = 2400
    batch: int = 8
    lr: float = 2e-3
    seed: int = 13
    exit_loss: float = 0.3  # weight of the intermediate layers' next-token loss (0: plain LM training)
    exit_sample: float = 0.125  # share of positions that the intermediate losses look at


def build_tokenizer(texts: list[str], vocab: int):
    """A byte-level BPE tokenizer trained on ``texts``, wrapped for transformers."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(texts, vocab_size=vocab, min_frequency=2, special_tokens=[EOS], show_progress=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token=EOS, eos_token=EOS, unk_token=EOS, pad_token=EOS
    )


def token_stream(tokenizer, texts: list[str]) -> torch.Tensor:
    eos = tokenizer.convert_tokens_to_ids(EOS)
    ids: list[int] = []
    for encoded in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        ids.extend(encoded)
        ids.append(eos)
    return torch.tensor(ids, dtype=torch.long)


def batches(stream: torch.Tensor, context: int, batch: int, rng: random.Random):
    """Random windows of ``context`` tokens (the model shifts the targets itself)."""
    limit = len(stream) - context
    if limit <= 0:
        raise ValueError(f"the corpus has {len(stream)} tokens, fewer than one context of {context}")
    while True:
        starts = [rng.randrange(limit) for _ in range(batch)]
        yield torch.stack([stream[s : s + context] for s in starts])


def _sample(texts: list[str], limit: int) -> list[str]:
    picked, total = [], 0
    for text in texts:
        if total >= limit:
            break
        picked.append(text)
        total += len(text)
    return picked


def train_lm(
    texts: list[str],
    out_dir: Path,
    config: LMConfig = LMConfig(),
    *,
    held_out: float = 0.02,
    tokenizer_bytes: int = 6_000_000,
) -> dict:
    """Train tokenizer and model on ``texts``; write a Hugging Face folder to ``out_dir``."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    texts = list(texts)
    rng.shuffle(texts)
    cut = max(1, int(len(texts) * held_out))
    valid_texts, train_texts = texts[:cut], texts[cut:] or texts
    started = time.perf_counter()
    tokenizer = build_tokenizer(_sample(train_texts, tokenizer_bytes), config.vocab)
    train_ids, valid_ids = token_stream(tokenizer, train_texts), token_stream(tokenizer, valid_texts)
    model = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=config.context,
            n_embd=config.dim,
            n_layer=config.layers,
            n_head=config.heads,
            bos_token_id=tokenizer.eos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.eos_token_id,
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
        )
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01, betas=(0.9, 0.95))
    warmup = max(1, config.steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / config.steps)))
    )
    model.train()
    source = batches(train_ids, config.context, config.batch, rng)
    for step in range(config.steps):
        window = next(source)
        loss = _loss(model, window, config)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        if step % 200 == 0:
            logger.info("step %d loss %.3f (%.0f s)", step, loss.item(), time.perf_counter() - started)
    model.eval()
    valid_loss = evaluate_loss(model, valid_ids, config.context)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    report = {
        "train_tokens": len(train_ids),
        "valid_tokens": len(valid_ids),
        "valid_loss": round(valid_loss, 4),
        "valid_perplexity": round(math.exp(valid_loss), 2),
        "parameters": model.num_parameters(),
        "seconds": round(time.perf_counter() - started, 1),
        "config": asdict(config),
    }
    (out_dir / "training.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _loss(model, window: torch.Tensor, config: LMConfig) -> torch.Tensor:
    """Next-token loss at the last layer, plus (``exit_loss``) the same loss through
    the shared final norm and head at every intermediate layer, on a sample of
    positions, so that early layers are ready for early exit (as in CALM and the
    depth-adaptive transformer)."""
    if config.exit_loss <= 0:
        return model(input_ids=window, labels=window).loss
    out = model(input_ids=window, labels=window, output_hidden_states=True)
    targets = window[:, 1:]
    keep = torch.rand(targets.shape) < config.exit_sample
    if not bool(keep.any()):
        return out.loss
    chosen = targets[keep]
    hidden = out.hidden_states[1:-1]  # after each block but the last (the last has the final norm)
    extra = sum(
        torch.nn.functional.cross_entropy(model.lm_head(model.transformer.ln_f(h[:, :-1][keep])), chosen)
        for h in hidden
    ) / max(1, len(hidden))
    return out.loss + config.exit_loss * extra


@torch.no_grad()
def evaluate_loss(model, ids: torch.Tensor, context: int, limit: int = 64) -> float:
    losses = []
    for start in range(0, max(1, len(ids) - 1), context):
        window = ids[start : start + context]
        if len(window) < 2:
            break
        losses.append(model(input_ids=window[None], labels=window[None]).loss.item())
        if len(losses) >= limit:
            break
    return sum(losses) / max(1, len(losses))
