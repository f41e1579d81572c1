"""The slice model (CodeTIDAL5-style): a small T5 trained from scratch (a
``transformers`` config, no hub weights) that reads a symbol's usage slice and
generates its type as text, so it can name parametric and user-defined types
outside any fixed class list.

Tokens: a word-level vocabulary built from the training slices and labels (type
strings split at brackets, commas and ``|``), stored as ``vocab.json``; the
transformers files live in ``hf/`` (safetensors), our own settings in
``slice.json``.  Candidates come from beam search; their probabilities are the
softmax of the beams' scores divided by a temperature, next to a fixed score for
"none of the beams" (``other``), both fitted on the validation split: a slice
whose type no beam names (most rows of unseen projects) must not make the best
beam look certain.

    typelens train slice --data DIR --out DIR
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from typelens.analyzer import ModelError

from .train import _holdout, load_split

logger = logging.getLogger(__name__)

SLICE_VERSION = (
    "typelens-slice-3"  # 2: identifiers outside the vocabulary copied through placeholders; 3: operators as one token
)
_TYPE_TOKEN = re.compile(r"[A-Za-z_]\w*|\.\.\.|[\[\],|.]|'[^']*'|\S")
_IDENT = re.compile(r"[A-Za-z_]\w*")
PAD, EOS, UNK = 0, 1, 2
MAX_IN, MAX_OUT = 96, 16
SLOTS = tuple(f"<v{i}>" for i in range(24))


def type_tokens(label: str) -> list[str]:
    return _TYPE_TOKEN.findall(label)


def join_type(tokens: list[str]) -> str:
    out = ""
    for t in tokens:
        if t in (",",):
            out += ", "
        elif t == "|":
            out += " | "
        else:
            out += t
    return out


def _inputs(row: dict) -> list[str]:
    return [f"<kind:{row['kind']}>", row["name"], *row.get("slice", [])[: MAX_IN - 2]]


class SliceVocab:
    """Word-level tokens, plus placeholders ``<v0>``.. ``<v23>``: an identifier of a
    slice outside the vocabulary (a class of the project at hand, say) is read as
    the placeholder of its first appearance in that slice, and a placeholder the
    model generates is written back as that identifier.  The model learns to copy
    what it cannot name: the vocabulary keeps only tokens seen in several training
    projects, so project-specific names are placeholders in training too.

    Example::

        >>> v = SliceVocab(["<pad>", "</s>", "<unk>", *SLOTS, "<kind:variable>", "="])
        >>> ids, names = v.encode_row({"kind": "variable", "name": "w", "slice": ["w", "=", "Widget", "(", ")"]})
        >>> names, v.decode(v.encode_label("Widget", names), names)
        (['w', 'Widget'], ['Widget'])
    """

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}
        self.slots = [self.index[s] for s in SLOTS if s in self.index]
        self.slot_of = {i: n for n, i in enumerate(self.slots)}

    @classmethod
    def build(cls, rows: list[dict], size: int, min_projects: int = 3) -> "SliceVocab":
        counts: Counter = Counter()
        projects: dict[str, set] = {}
        for r in rows:
            tokens = [*_inputs(r), *type_tokens(r["label"]) * 3]
            counts.update(tokens)
            project = r.get("project", "")
            for t in set(tokens):
                projects.setdefault(t, set()).add(project)
        kept = [t for t, _ in counts.most_common() if len(projects[t]) >= min_projects and t not in SLOTS]
        return cls(["<pad>", "</s>", "<unk>", *SLOTS] + kept[: size - 3 - len(SLOTS)])

    def encode_row(self, row: dict) -> tuple[list[int], list[str]]:
        """The slice's ids (``</s>``-terminated) and the identifiers its placeholders stand for."""
        names: list[str] = []
        slot: dict[str, int] = {}
        ids = []
        for t in _inputs(row)[: MAX_IN - 1]:
            i = self.index.get(t)
            if i is None:
                i = UNK
                if _IDENT.fullmatch(t):
                    if t not in slot and len(names) < len(self.slots):
                        slot[t] = len(names)
                        names.append(t)
                    if t in slot:
                        i = self.slots[slot[t]]
            ids.append(i)
        return ids + [EOS], names

    def encode_label(self, label: str, names: list[str]) -> list[int]:
        slot = {n: k for k, n in enumerate(names)}
        out = []
        for t in type_tokens(label)[: MAX_OUT - 1]:
            i = self.index.get(t)
            if i is None:
                i = self.slots[slot[t]] if t in slot else UNK
            out.append(i)
        return out + [EOS]

    def decode(self, ids, names: Sequence[str] = ()) -> list[str] | None:
        """Type tokens up to ``</s>``; None when the model wrote ``<unk>`` or a
        placeholder with no identifier behind it."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i == PAD:
                continue
            if i == UNK:
                return None
            if i in self.slot_of:
                k = self.slot_of[i]
                if k >= len(names):
                    return None
                out.append(names[k])
            else:
                out.append(self.tokens[i])
        return out


def decode_text(vocab: SliceVocab, ids, names: list[str]) -> str:
    """A generated sequence as a type string ("" for one that names nothing)."""
    tokens = vocab.decode(ids, names)
    return join_type(tokens) if tokens else ""


def _batch(vocab: SliceVocab, rows: list[dict], with_labels: bool):
    encoded = [vocab.encode_row(r) for r in rows]
    width = max(len(x) for x, _ in encoded)
    ids = torch.tensor([x + [PAD] * (width - len(x)) for x, _ in encoded])
    batch = {"input_ids": ids, "attention_mask": (ids != PAD).long()}
    if with_labels:
        labels = [vocab.encode_label(r["label"], names) for r, (_, names) in zip(rows, encoded)]
        lw = max(len(x) for x in labels)
        batch["labels"] = torch.tensor([x + [-100] * (lw - len(x)) for x in labels])
    return batch, [names for _, names in encoded]


def train_slice_model(
    data_dir: Path,
    out_dir: Path,
    *,
    epochs: int = 2,
    batch: int = 64,
    limit: int = 60000,
    vocab_size: int = 8000,
    d_model: int = 128,
    seed: int = 13,
    progress: bool = True,
) -> dict:
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    rows = [r for r in load_split(data_dir, "train") if r.get("slice")]
    valid = [r for r in load_split(data_dir, "valid") if r.get("slice")]
    if not valid:
        rows, valid = _holdout(rows)
    if len(rows) < 10:
        raise ValueError(f"only {len(rows)} training samples with slices in {data_dir}: too few to train")
    if len(rows) > limit:
        rows = [rows[i] for i in rng.choice(len(rows), limit, replace=False)]
    vocab = SliceVocab.build(rows, vocab_size)
    # decoder_start_token_id is a PretrainedConfig keyword that T5Config's signature does not list
    config = T5Config(
        vocab_size=len(vocab.tokens),
        d_model=d_model,
        d_kv=32,
        d_ff=2 * d_model,
        num_layers=2,  # type: ignore[call-arg]
        num_decoder_layers=2,
        num_heads=4,
        decoder_start_token_id=PAD,
        pad_token_id=PAD,
        eos_token_id=EOS,
        dropout_rate=0.1,
    )
    model = T5ForConditionalGeneration(config)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    started = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(rows))
        total = 0.0
        for start in range(0, len(order), batch):
            chunk = [rows[i] for i in order[start : start + batch]]
            loss = model(**_batch(vocab, chunk, True)[0]).loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(chunk)
        if progress:
            logger.warning("slice epoch %d/%d: loss %.4f", epoch + 1, epochs, total / len(rows))
    out_dir = Path(out_dir)
    (out_dir / "hf").mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir / "hf", safe_serialization=True)
    (out_dir / "vocab.json").write_text(json.dumps(vocab.tokens), encoding="utf-8")
    settings = {
        "version": SLICE_VERSION,
        "temperature": 1.0,
        "train_samples": len(rows),
        "seconds": round(time.perf_counter() - started, 1),
        "data": str(data_dir),
    }
    (out_dir / "slice.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    runtime = SliceRuntime(out_dir)
    settings["temperature"], settings["other"] = runtime.fit_calibration(valid[:500])
    (out_dir / "slice.json").write_text(json.dumps(settings, indent=1), encoding="utf-8")
    return settings


def read_slice_folder(model_dir: Path) -> tuple[dict, list[str]]:
    """``slice.json`` and ``vocab.json`` of a slice-model folder, checked."""
    try:
        settings = json.loads((model_dir / "slice.json").read_text(encoding="utf-8"))
        tokens = json.loads((model_dir / "vocab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{model_dir}: not a slice-model folder ({err})") from None
    if not isinstance(settings, dict) or settings.get("version") != SLICE_VERSION:
        found = settings.get("version") if isinstance(settings, dict) else None
        raise ModelError(f"{model_dir}: slice model version {found!r}, expected {SLICE_VERSION!r}")
    if (
        not isinstance(settings.get("temperature", 1.0), (int, float))
        or settings.get("temperature", 1.0) <= 0
        or not isinstance(settings.get("other", 0.0), (int, float))
    ):
        raise ModelError(f"{model_dir}: slice.json has a bad temperature or other score")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ModelError(f"{model_dir}: vocab.json is not a list of tokens")
    return settings, tokens


def calibrated(texts: list[str], scores, temperature: float, other: float | None = None) -> list[tuple[str, float]]:
    """Beam candidates -> (type, probability), best first: the softmax of the beams'
    scores over ``temperature`` and of ``other``, the score of "none of them" (its
    share is left out, so the candidates sum to less than 1), equal texts merged,
    empty ones dropped."""
    z = np.asarray(scores, dtype=float) / temperature
    top = max(z.max(), other) if other is not None else z.max()
    p = np.exp(z - top)
    p /= p.sum() + (math.exp(other - top) if other is not None else 0.0)
    merged: dict[str, float] = {}
    for text, prob in zip(texts, p):
        if text:
            merged[text] = merged.get(text, 0.0) + float(prob)
    return sorted(merged.items(), key=lambda x: -x[1])


class SliceRuntime:
    """Loads a slice-model folder (safetensors only) and generates candidates."""

    def __init__(self, model_dir: Path) -> None:
        from transformers import T5ForConditionalGeneration

        model_dir = Path(model_dir)
        settings, tokens = read_slice_folder(model_dir)
        if not (model_dir / "hf" / "model.safetensors").is_file():
            raise ModelError(f"{model_dir}: hf/model.safetensors is missing (pickled weights are never loaded)")
        try:
            self.model = T5ForConditionalGeneration.from_pretrained(
                model_dir / "hf", use_safetensors=True, local_files_only=True
            )
        except Exception as err:  # transformers raises many kinds for damaged folders
            raise ModelError(f"{model_dir}: cannot load the slice model ({type(err).__name__})") from None
        self.model.eval()
        self.vocab = SliceVocab(tokens)
        self.temperature = float(settings.get("temperature", 1.0))
        self.other = settings.get("other")

    def _beams(self, rows: list[dict], k: int):
        batch, names = _batch(self.vocab, rows, False)
        with torch.no_grad():
            out = self.model.generate(
                **batch,
                num_beams=k,
                num_return_sequences=k,
                max_new_tokens=MAX_OUT,
                output_scores=True,
                return_dict_in_generate=True,
            )
        texts = [decode_text(self.vocab, seq[1:], names[i // k]) for i, seq in enumerate(out.sequences)]
        if k > 1:
            scores = out.sequences_scores.reshape(len(rows), k).numpy()
        else:  # greedy: transformers reports no sequence scores, and one candidate needs none
            scores = np.zeros((len(rows), 1))
        return [texts[i * k : (i + 1) * k] for i in range(len(rows))], scores

    def predict(self, rows: list[dict], k: int = 5, batch: int = 64) -> list[list[tuple[str, float]]]:
        results: list[list[tuple[str, float]]] = []
        for start in range(0, len(rows), batch):
            texts, scores = self._beams(rows[start : start + batch], k)
            results.extend(calibrated(cand, score, self.temperature, self.other) for cand, score in zip(texts, scores))
        return results

    def fit_calibration(self, rows: list[dict]) -> tuple[float, float]:
        """``(temperature, other)`` for :func:`calibrated`, fitted on ``rows``."""
        texts, scores = [], []
        for start in range(0, len(rows), 64):
            t, s = self._beams(rows[start : start + 64], 5)
            texts += t
            scores.append(s)
        return fit_calibration(
            texts, np.concatenate(scores) if scores else np.zeros((0, 5)), [r["label"] for r in rows]
        )


def fit_calibration(texts: list[list[str]], scores: np.ndarray, labels: list[str]) -> tuple[float, float]:
    """The temperature and "none of the beams" score that minimise the negative
    log-likelihood of the labels over the events {beam 1, ..., beam k, none}: a
    label no beam names counts as "none", so such rows pull the best beam's
    probability down instead of being ignored."""
    if not len(labels):
        return 1.0, 0.0
    hits = np.array([[c == label for c in cand] for cand, label in zip(texts, labels)], dtype=float)
    found = hits.any(axis=1)
    best, best_nll = (1.0, 0.0), math.inf
    for temp in np.exp(np.linspace(math.log(0.05), math.log(10), 54)):
        z = scores / temp
        for other in np.linspace(-12.0, 6.0, 73):
            top = np.maximum(z.max(axis=1), other)
            mass = np.exp(z - top[:, None])
            rest = np.exp(other - top)
            hit = np.where(found, (mass * hits).sum(axis=1), rest) / (mass.sum(axis=1) + rest)
            nll = -np.log(np.maximum(hit, 1e-9)).sum()
            if nll < best_nll:
                best, best_nll = (round(float(temp), 4), round(float(other), 4)), nll
    return best
