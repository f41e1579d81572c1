"""Benchmark: the classifier and hybrid inference.

    python bench/typeinfer.py [--model DIR] [--data DIR]

1. Accuracy on the dataset's test split (projects the model never trained on),
   by kind and frequency bucket, and in PYInfer's two settings (the 11 basic
   types, target >= 91.2% top-1; labels among the model's top-500 classes, target
   >= 81.2%), open (any of the model's classes may answer) and closed (only the
   set's types answer, PYInfer's protocol).  On a ``--static-labels`` dataset the
   report is repeated for the human-written labels (annotations, stubs) and for
   the static engine's labels (PYInfer labelled its corpus with PySonar2).
2. Hybrid against static-only and neural-only on the annotation-recovery task of
   ``bench/annot_recovery.py`` (packages held out of the training data by
   ``make models``); hybrid should beat both.
3. Throughput of ONNX Runtime against torch eager on the same batches of test
   samples, in variable predictions per second (target >= 10,000/s on 2 cores and
   >= 2x torch eager).  Torch eager runs the trained module; the exported graph
   folds the first convolution into the embedding table (``export.py``).  To show
   which part of the ratio is the runtime and which the folding, torch eager is
   also timed on the folded graph.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import torch

sys.path.insert(0, str(Path(__file__).parent))
import annot_recovery  # noqa: E402

from typelens.typeinfer.hybrid import DEFAULT_MODEL, DEFAULT_SLICE  # noqa: E402
from typelens.typeinfer.neural.evaluate import evaluate  # noqa: E402
from typelens.typeinfer.neural.export import Calibrated, load_torch_model  # noqa: E402
from typelens.typeinfer.neural.runtime import ClassifierRuntime  # noqa: E402
from typelens.typeinfer.neural.train import load_split  # noqa: E402
from typelens.typeinfer.run import InferOptions, infer_paths  # noqa: E402
from typelens.typeinfer.normalize import normalise  # noqa: E402


def accuracy(model: Path, data: Path, label_source: str | None = None, split: str = "test") -> None:
    out = Path(tempfile.mkdtemp())
    report = evaluate(model, data, split, out, label_source=label_source)
    print(f"{split} split: {report['overall']['n']} samples labelled by {label_source or 'any source'}")
    for key in sorted(k for k in report if isinstance(report[k], dict) and "n" in report[k]):
        r = report[key]
        print(
            f"  {key:<22} n={r['n']:>6}  top1 {r['top1_exact']:6.1%}  top5 {r['top5_exact']:6.1%}  "
            f"base1 {r['top1_base']:6.1%}  base5 {r['top5_base']:6.1%}"
        )
    c = report["calibration"]
    print(
        f"  calibration: expected calibration error {c['ece']:.1%}; over the {c['answers']} rows answered with a type "
        f"{c['ece_answers']:.1%}"
    )
    projects = report["basic11_closed_by_project"]
    if projects:
        print(
            "  basic-11 closed by project: "
            + ", ".join(f"{p} {r['top1_exact']:.1%} (n={r['n']})" for p, r in projects.items())
        )
    shutil.rmtree(out, ignore_errors=True)


def modes(model: Path, packages: list[str], slice_dir: Path | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="modes-"))
    facts = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            facts += annot_recovery.strip_package(Path(spec.origin).parent, work)
    print(f"annotation recovery on {', '.join(packages)}: {len(facts)} stripped annotations")
    runs = [("static", False), ("neural", False), ("hybrid", False)]
    if slice_dir is not None or (DEFAULT_SLICE / "decoder.onnx").is_file():
        runs += [("neural", True), ("hybrid", True)]
    for mode, use_slice in runs:
        started = time.perf_counter()
        result = infer_paths(
            [work], InferOptions(mode=mode, model_dir=model, slice_dir=slice_dir, use_slice=use_slice, use_cache=False)
        )
        seconds = time.perf_counter() - started
        answers = {
            (p.file, p.scope, p.name, p.kind): normalise(p.type)
            for p in result.predictions
            if p.kind in ("parameter", "return") and p.type is not None
        }
        s = annot_recovery.score(facts, answers)
        label = mode + ("+slice" if use_slice else "")
        print(
            f"  {label:<12} returns exact {s['return'][1] / s['return'][0]:6.1%} base {s['return'][2] / s['return'][0]:6.1%}"
            f" | params exact {s['parameter'][1] / s['parameter'][0]:6.1%} base {s['parameter'][2] / s['parameter'][0]:6.1%}"
            f" | {seconds:5.1f} s"
        )
    shutil.rmtree(work, ignore_errors=True)


def _warm_allocator() -> None:
    """Keep glibc from returning every large block to the OS: torch eager allocates
    each activation afresh, and with glibc's default threshold each 9 MB block is
    a new mapping whose pages fault in again (2.4x slower on this machine, or not,
    depending on what the process did before); onnxruntime has its own arena."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 28)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def throughput(model: Path, data: Path, batch: int = 256) -> None:
    _warm_allocator()
    rows = load_split(data, "test")[:20000]
    runtime = ClassifierRuntime(model)
    torch_model, config = load_torch_model(model)
    folded = Calibrated(torch_model, config["temperature"])
    with torch.no_grad():
        parts = folded.folded(config["encoder"]["window_len"])  # once, as onnxruntime does at load
    torch.set_num_threads(1)  # both sides on one thread: the per-core figure
    inputs = runtime.encoder.encode_many(rows)
    tensors = {key: torch.from_numpy(value) for key, value in inputs.items()}
    n = len(inputs["name"])

    def part(i: int) -> dict:
        return {key: value[i : i + batch] for key, value in tensors.items()}

    cores = {"onnx": [], "torch": [], "folded": []}  # CPU time over wall time: both sides must stay on one core

    def timed(side: str, body) -> float:
        wall, cpu = time.perf_counter(), time.process_time()
        body()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cores[side].append(cpu / wall)
        return wall

    def onnx_pass() -> None:
        for i in range(0, n, batch):
            runtime.session.run(None, {key: value[i : i + batch] for key, value in inputs.items()})

    def torch_pass() -> None:
        with torch.no_grad():
            for i in range(0, n, batch):
                torch.softmax(torch_model(**part(i)), -1)

    def folded_pass() -> None:
        with torch.no_grad():
            for i in range(0, n, batch):
                x = part(i)
                torch.softmax(
                    folded.logits(x["windows"], x["name"], parts, subs=x.get("subs")) / folded.temperature, -1
                )

    if batch == 256:  # the same answers: top-1 of onnxruntime against torch on every row timed
        with torch.no_grad():
            ours = runtime.probabilities(rows).argmax(1)
            theirs = torch.cat([torch_model(**part(i)) for i in range(0, n, batch)]).argmax(1).numpy()
        print(f"top-1 of onnxruntime equals torch's on {int((ours == theirs).sum())} of {len(rows)} test samples")

    # three alternating rounds each, the best of each side (the machine's timing varies)
    onnx_s = torch_s = folded_s = float("inf")
    for _ in range(3):
        onnx_s, torch_s = min(onnx_s, timed("onnx", onnx_pass)), min(torch_s, timed("torch", torch_pass))
        folded_s = min(folded_s, timed("folded", folded_pass))
    print(
        f"throughput on {n} test samples, batch {batch}: onnxruntime {n / onnx_s:,.0f}/s, torch eager {n / torch_s:,.0f}/s, "
        f"ratio {torch_s / onnx_s:.2f}x (cores busy: onnxruntime {max(cores['onnx']):.2f}, "
        f"torch {max(cores['torch']):.2f}); torch eager on the exported (folded) graph {n / folded_s:,.0f}/s, "
        f"onnxruntime {folded_s / onnx_s:.2f}x that"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=Path("build/dataset"))
    parser.add_argument("--packages", default="packaging,typeshed_client,pluggy,typer")
    parser.add_argument("--slice", type=Path, default=None, help="A slice-model folder (default: the shipped one)")
    parser.add_argument("--only", choices=["accuracy", "modes", "throughput"], default=None)
    parser.add_argument(
        "--split",
        default="test",
        help="The split the accuracy part reads (valid: held out of training too, fits only the temperature)",
    )
    args = parser.parse_args()
    if args.only in (None, "accuracy"):
        accuracy(args.model, args.data, split=args.split)
        sources = set(
            pq.read_table(args.data / f"{args.split}.parquet", columns=["label_source"]).column(0).to_pylist()
        )
        if "static" in sources:  # a --static-labels dataset: human-written labels, then PYInfer's protocol
            accuracy(args.model, args.data, "annotation,stub", args.split)
            accuracy(args.model, args.data, "static", args.split)
    if args.only in (None, "modes"):
        modes(args.model, args.packages.split(","), args.slice)
    if args.only in (None, "throughput"):
        throughput(args.model, args.data)  # batch throughput (datasets, whole projects)
        throughput(args.model, args.data, batch=16)  # a file's symbols at a time (the editor, one file)


if __name__ == "__main__":
    main()
