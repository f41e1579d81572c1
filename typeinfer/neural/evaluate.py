"""Evaluating a classifier on a dataset split: top-1/top-5 exact and base-type
accuracy overall, by kind and by frequency bucket (as Type4Py and ManyTypes4Py
report), PYInfer's two settings, a reliability diagram and accuracy against
coverage (PNG), all in ``report.json``.

Calibration (``report["calibration"]``): the expected calibration error of the
top-1 probability, on the model's own terms (a label outside a classifier's
classes counts as its ``<other>``), and over the rows whose top-1 is a type (what
hybrid inference shows).

Buckets: *ubiquitous* (str, int, list, bool, float, None, dict), *common* (the
next most frequent train labels up to 100), *user-defined* (a base type that is
neither builtin nor from typing/collections), *rare* (the rest).
"""

from __future__ import annotations

import builtins
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


from ..normalize import base
from .runtime import ClassifierRuntime

UBIQUITOUS = frozenset({"str", "int", "list", "bool", "float", "None", "dict"})
BASIC11 = frozenset({"str", "int", "bool", "float", "None", "list", "dict", "tuple", "set", "bytes", "object"})
_KNOWN_BASES = frozenset(dir(builtins)) | {
    "None",
    "Any",
    "Callable",
    "Iterator",
    "Iterable",
    "Generator",
    "Sequence",
    "Mapping",
    "Optional",
    "Union",
    "Literal",
    "Type",
    "Self",
}


def bucket_of(label: str, common: set[str]) -> str:
    if label in UBIQUITOUS:
        return "ubiquitous"
    if label in common:
        return "common"
    bases = {b.strip() for b in base(label).split("|")}
    if any(b not in _KNOWN_BASES for b in bases):
        return "user-defined"
    return "rare"


def _ranked(model_dir: Path, rows: list[dict]) -> tuple[list[list[tuple[str, float]]], np.ndarray | None, list[str]]:
    """Top-5 ``(type, probability)`` per row from either kind of model folder, and
    for a classifier its full probabilities and classes (the closed settings)."""
    if (Path(model_dir) / "slice.json").is_file():
        if (Path(model_dir) / "decoder.onnx").is_file():
            from .slice_onnx import SliceOnnxRuntime

            return SliceOnnxRuntime(model_dir).predict(rows, k=5), None, []
        from .slice_model import SliceRuntime

        return SliceRuntime(model_dir).predict(rows, k=5), None, []
    runtime = ClassifierRuntime(model_dir)
    probs = runtime.probabilities(rows)
    return runtime.ranked(probs, 5), probs, runtime.classes


def _record(label: str, top: list[str]) -> tuple[bool, bool, bool, bool]:
    """(top-1 exact, top-5 exact, top-1 base, top-5 base) of ranked type names."""
    top = top or ["<other>"]
    return (
        top[0] == label,
        label in top,
        top[0] != "<other>" and base(top[0]) == base(label),
        any(t != "<other>" and base(t) == base(label) for t in top),
    )


def evaluate(
    model_dir: Path,
    data_dir: Path,
    split: str,
    out_dir: Path,
    limit: int | None = None,
    label_source: str | None = None,
) -> dict:
    """The report of ``model_dir`` on ``split``; ``label_source`` keeps only the
    samples labelled that way (``annotation``, ``stub``, ``static``, or a comma list)."""
    path = Path(data_dir) / f"{split}.parquet"
    train_path = Path(data_dir) / "train.parquet"
    if not path.is_file() or not train_path.is_file():
        raise ValueError(f"{data_dir} has no {split}.parquet / train.parquet; build it with `typelens dataset build`")
    rows = [
        r
        for r in pq.read_table(path).to_pylist()
        if r.get("label") and (label_source is None or r.get("label_source") in label_source.split(","))
    ][:limit]
    if not rows:
        raise ValueError(f"{path} holds no labelled samples" + (f" from {label_source}" if label_source else ""))
    train_counts = Counter(pq.read_table(train_path, columns=["label"]).column("label").to_pylist())
    common = {label for label, _ in train_counts.most_common(100)} - UBIQUITOUS
    ranked, probs, classes = _ranked(model_dir, rows)
    known = set(train_counts)
    top500 = {label for label, _ in train_counts.most_common(500)}
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    confidences, correct, answered = [], [], []
    class_set = set(classes)
    for i, row in enumerate(rows):
        label = row["label"]
        record = _record(label, [t for t, _ in ranked[i]])
        for key in ("overall", f"kind:{row['kind']}", f"bucket:{bucket_of(label, common)}"):
            groups[key]["r"].append(record)
        if label in BASIC11:
            groups["pyinfer:basic11"]["r"].append(record)
        if label in top500:
            groups["pyinfer:top500"]["r"].append(record)
        if label not in known:
            groups["unseen-in-train"]["r"].append(record)
        confidences.append(float(ranked[i][0][1]) if ranked[i] else 0.0)
        # calibration is judged on the model's own terms: a label outside a
        # classifier's classes is its "<other>"
        own = label if probs is None or label in class_set else "<other>"
        correct.append(bool(ranked[i]) and ranked[i][0][0] == own)
        answered.append(bool(ranked[i]) and ranked[i][0][0] != "<other>")
    by_project: dict[str, dict] = {}
    if probs is not None:
        closed = _closed_sets(probs, classes, rows, {"basic11": BASIC11, "top500": top500})
        for key, (_picked, records) in closed.items():
            groups[key]["r"] = records
        by_project = _by_project(rows, *closed.get("pyinfer:basic11-closed", ([], [])))
    report: dict[str, object] = {key: _summary(g["r"]) for key, g in sorted(groups.items())}
    # the closed basic-11 score of each project with 100 such samples or more: one
    # large project (numeric code, say) can weigh on the whole split's figure
    report["basic11_closed_by_project"] = by_project
    report["split"] = split
    report["label_source"] = label_source or "all"
    report["model"] = str(model_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    confidence, hit, answers = np.array(confidences), np.array(correct, dtype=bool), np.array(answered, dtype=bool)
    report["calibration"] = {
        "ece": expected_calibration_error(confidence, hit),
        "ece_answers": expected_calibration_error(confidence[answers], hit[answers]),
        "answers": int(answers.sum()),
    }
    report["plots"] = _plots(confidence, hit, out_dir)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def _by_project(rows: list[dict], picked: list[int], records: list[tuple]) -> dict[str, dict]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for i, record in zip(picked, records):
        hits[rows[i]["project"]].append(record[0])
    return {
        project: {"n": len(h), "top1_exact": _mean(h)}
        for project, h in sorted(hits.items(), key=lambda item: -len(item[1]))
        if len(h) >= 100
    }


def _closed_sets(
    probs: np.ndarray, classes: list[str], rows: list[dict], sets: dict[str, frozenset[str] | set[str]]
) -> dict[str, tuple[list[int], list[tuple]]]:
    """PYInfer's protocol: a model over N types answers among those N for the
    samples labelled with one of them (``pyinfer:<set>-closed``).  The classifier's
    probabilities restricted to the set's classes stand in for a model trained on
    the set alone; slice models generate open strings and get no closed score."""
    out = {}
    for name, allowed in sets.items():
        cols = np.array([j for j, c in enumerate(classes) if c in allowed])
        picked = [i for i, r in enumerate(rows) if r["label"] in allowed]
        if not len(cols) or not picked:
            continue
        order = np.argsort(-probs[np.ix_(np.array(picked), cols)], axis=1)[:, :5]
        out[f"pyinfer:{name}-closed"] = (
            picked,
            [_record(rows[i]["label"], [classes[cols[j]] for j in top]) for i, top in zip(picked, order)],
        )
    return out


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """The mean gap between confidence and accuracy over ten equal-width bins,
    weighted by the bins' sizes (0: perfectly calibrated)."""
    if not len(confidence):
        return 0.0
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    gap = sum(
        abs(confidence[which == b].mean() - correct[which == b].mean()) * (which == b).mean()
        for b in range(bins)
        if (which == b).any()
    )
    return round(float(gap), 4)


def _summary(records: list[tuple[bool, bool, bool, bool]]) -> dict:
    n = len(records)
    cols = list(zip(*records)) if records else [(), (), (), ()]
    return {
        "n": n,
        "top1_exact": _mean(cols[0]),
        "top5_exact": _mean(cols[1]),
        "top1_base": _mean(cols[2]),
        "top5_base": _mean(cols[3]),
    }


def _mean(values) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _plots(confidence: np.ndarray, correct: np.ndarray, out_dir: Path) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    bins = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(confidence, bins) - 1, 0, 9)
    mids, accs = [], []
    for b in range(10):
        mask = which == b
        if mask.any():
            mids.append((bins[b] + bins[b + 1]) / 2)
            accs.append(correct[mask].mean())
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="gray")
    ax.bar(mids, accs, width=0.09, alpha=0.7)
    ax.set_xlabel("confidence (top-1)")
    ax.set_ylabel("accuracy")
    ax.set_title("reliability (unlisted labels: <other>)")
    fig.tight_layout()
    fig.savefig(out_dir / "reliability.png", dpi=100)
    plt.close(fig)
    ranked = correct[np.argsort(-confidence)]
    coverage = np.arange(1, len(ranked) + 1) / len(ranked)
    accuracy = np.cumsum(ranked) / np.arange(1, len(ranked) + 1)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot(coverage, accuracy)
    ax.set_xlabel("coverage")
    ax.set_ylabel("top-1 accuracy")
    ax.set_title("accuracy against coverage")
    fig.tight_layout()
    fig.savefig(out_dir / "coverage.png", dpi=100)
    plt.close(fig)
    return ["reliability.png", "coverage.png"]
