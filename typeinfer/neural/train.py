"""Training, calibrating and exporting the classifier (torch).

    typelens train classifier --data DIR --out DIR

Classes are the ``top`` most frequent labels of the train split plus ``<other>``.
The temperature is fitted on the validation split (the train split's own held-out
projects when the dataset has no validation projects) by minimising the negative
log-likelihood over a grid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch
from safetensors.torch import save_file
from torch import nn

from ..features import VALUE_SHAPES
from .encoding import Encoder, EncoderConfig
from .model import WindowClassifier
from .store import MODEL_VERSION

logger = logging.getLogger(__name__)
OTHER = "<other>"


def load_split(data_dir: Path, split: str) -> list[dict]:
    path = Path(data_dir) / f"{split}.parquet"
    if not path.is_file():
        raise ValueError(f"{path} is missing; build the data with `typelens dataset build`")
    return [r for r in pq.read_table(path).to_pylist() if r.get("label")]


def _holdout(rows: list[dict], share: float = 0.1) -> tuple[list[dict], list[dict]]:
    def bucket(project: str) -> float:
        return int.from_bytes(hashlib.blake2b(project.encode(), digest_size=8).digest(), "big") / 2**64

    train = [r for r in rows if bucket(r["project"]) >= share]
    held = [r for r in rows if bucket(r["project"]) < share]
    return (train, held) if held and train else (rows, rows[: max(1, len(rows) // 10)])


def train_classifier(
    data_dir: Path,
    out_dir: Path,
    *,
    top: int = 500,
    epochs: int = 6,
    batch: int = 256,
    dim: int = 48,
    hidden: int = 192,
    layers: int = 1,
    buckets: int = 1 << 14,
    seed: int = 13,
    subtokens: bool = False,
    values: int = VALUE_SHAPES,
    progress: bool = True,
) -> dict:
    torch.manual_seed(seed)
    np.random.seed(seed)
    train_rows = load_split(data_dir, "train")
    valid_rows = load_split(data_dir, "valid")
    if not valid_rows:
        train_rows, valid_rows = _holdout(train_rows)
    if len(train_rows) < 10:
        raise ValueError(f"only {len(train_rows)} labelled training samples in {data_dir}: too few to train")
    counts = Counter(r["label"] for r in train_rows)
    classes = [label for label, _ in counts.most_common(top)] + [OTHER]
    index = {label: i for i, label in enumerate(classes)}
    encoder = Encoder(EncoderConfig(buckets=buckets, subtokens=subtokens, values=values))
    inputs = {key: torch.from_numpy(value) for key, value in encoder.encode_many(train_rows).items()}
    y = np.array([index.get(r["label"], len(classes) - 1) for r in train_rows])
    model = WindowClassifier(
        encoder.config.buckets, len(classes), dim, hidden, encoder.config.window_len, layers, values
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    ty = torch.from_numpy(y)
    steps = epochs * math.ceil(len(ty) / batch)
    # the learning rate follows a cosine from 2e-3 down to zero over the whole run
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(steps, 1))
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(ty))
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            optimiser.zero_grad()
            loss = loss_fn(model(**{key: value[idx] for key, value in inputs.items()}), ty[idx])
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(idx)
        if progress:
            logger.warning("epoch %d/%d: loss %.4f", epoch + 1, epochs, total / len(ty))
    temperature = fit_temperature(model, encoder, valid_rows, index)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out_dir / "model.safetensors"))
    config = {
        "version": MODEL_VERSION,
        "classes": classes,
        "encoder": encoder.config.to_dict(),
        "dim": dim,
        "hidden": hidden,
        "layers": layers,
        "temperature": temperature,
        "seed": seed,
        "epochs": epochs,
        "train_samples": len(train_rows),
        "valid_samples": len(valid_rows),
        "seconds": round(time.perf_counter() - started, 1),
        "data": str(data_dir),
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    from .export import export_onnx

    export_onnx(out_dir)
    return config


def fit_temperature(model: WindowClassifier, encoder: Encoder, rows: list[dict], index: dict[str, int]) -> float:
    model.eval()
    inputs = {key: torch.from_numpy(value) for key, value in encoder.encode_many(rows).items()}
    y = torch.tensor([index.get(r["label"], len(index) - 1) for r in rows])
    with torch.no_grad():
        logits = model(**inputs)
    best, best_nll = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.25), math.log(8.0), 61)):
        nll = float(nn.functional.cross_entropy(logits / float(t), y))
        if nll < best_nll:
            best, best_nll = float(t), nll
    return round(best, 4)
