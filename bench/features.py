"""Benchmark: the static engine against a baseline revision, answer by answer.

    python bench/features.py [--baseline main] [--targets examples,tests/data/infer,stdlib:json]
                             [--copy] [--hostile] [--labels]

For each target, ``typelens infer --mode static --no-cache`` runs in a subprocess
once with this working tree and once with the baseline revision (``git archive``
into a temporary folder), and the script prints the wall time and peak memory of
each with their ratio (CPU seconds too: on a shared machine they
vary less than wall time), and how many answers changed: changed type, gained (no
answer before), lost (no answer now).  ``stdlib:NAME`` is the running Python's
standard library package or module NAME; analysed in place, its project is the
whole standard library (most of the time then goes to building graphs);
``--copy`` analyses a copy of each target on its own instead.

``--hostile`` adds generated files whose recursion depth or cost follows the
input: 30,000 chained assignments, a 1,000-term ``or``, 1,000 nested lists, a
ring of 80 mutually recursive functions.  ``--labels`` also counts the dataset's
static labels (``datasets.samples.static_labels``) that change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analyzer", "typeinfer", "monitors", "lsp", "datasets", "cli")
DEFAULT_TARGETS = "examples,tests/data/infer,stdlib:json,stdlib:email,stdlib:asyncio"

RUNNER = r"""
import json, resource, sys, time
from pathlib import Path
from typelens.typeinfer.run import InferOptions, infer_paths
target, labels = Path(sys.argv[1]), sys.argv[2] == "1"
started, cpu = time.perf_counter(), time.process_time()
result = infer_paths([target], InferOptions(mode="static", use_cache=False))
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
answers = {"|".join((p.file, p.scope, p.name, p.kind, str(p.span.start_byte))): p.type for p in result.predictions}
found = {}
if labels:
    from typelens.analyzer import ProjectIndex, build_graph_safely, iter_python_files
    from typelens.datasets.samples import static_labels
    files = [target] if target.is_file() else [p for p in iter_python_files(target) if p.suffix == ".py"]
    index = ProjectIndex(target if target.is_dir() else target.parent)
    for path in files:
        for key, label in static_labels(index, path, build_graph_safely(path)).items():
            found["|".join((str(path), *key))] = label
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "answers": answers, "labels": found}))
"""


def baseline_tree(revision: str, workdir: Path) -> Path:
    """The baseline's packages, importable as ``typelens.*`` from the returned folder."""
    tree = workdir / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    site = workdir / "site" / "typelens"
    site.mkdir(parents=True)
    for name in PACKAGES:
        (site / name).symlink_to(tree / name)
    return workdir / "site"


def run(target: Path, pythonpath: str | None, labels: bool, timeout: float) -> dict | None:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    try:
        done = subprocess.run([sys.executable, "-c", RUNNER, str(target), "1" if labels else "0"], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def resolve(target: str) -> Path:
    if target.startswith("stdlib:"):
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        name = target.split(":", 1)[1]
        return stdlib / name if (stdlib / name).is_dir() else stdlib / f"{name}.py"
    return (ROOT / target).resolve()


def hostile(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sources = {
        "chain30000.py": "x0 = 1\n" + "".join(f"x{i} = x{i - 1} + 1\n" for i in range(1, 30000)),
        "or1000.py": "a = 1\nb = " + " or ".join(["a"] * 1000) + "\n",
        "nested1000.py": "d = " + "[" * 1000 + "1" + "]" * 1000 + "\n",
        "ring80.py": "".join(f"def f{i}(n):\n    if n:\n        return f{(i + 1) % 80}(n - 1)\n    return {i}.5\n\n"
                             for i in range(80)) + "start = f0(3)\n",
    }
    paths = []
    for name, text in sources.items():
        (folder / name).write_text(text)
        paths.append(folder / name)
    return paths


def compare(before: dict, after: dict, key: str) -> tuple[int, int, int, int]:
    """(answers, changed, gained, lost); a key missing on one side has no answer there."""
    old, new = before[key], after[key]
    keys = old.keys() | new.keys()
    changed = sum(1 for k in keys if old.get(k) is not None and new.get(k) is not None and old[k] != new[k])
    gained = sum(1 for k in keys if old.get(k) is None and new.get(k) is not None)
    lost = sum(1 for k in keys if old.get(k) is not None and new.get(k) is None)
    return len(keys), changed, gained, lost


def differences(before: dict, after: dict, key: str) -> list[tuple[str, str | None, str | None]]:
    old, new = before[key], after[key]
    return [(k, old.get(k), new.get(k)) for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--targets", default=DEFAULT_TARGETS, help="comma-separated folders, files or stdlib:NAME")
    parser.add_argument("--copy", action="store_true", help="analyse a copy of each target on its own")
    parser.add_argument("--hostile", action="store_true", help="add the generated deep and long inputs")
    parser.add_argument("--labels", action="store_true", help="count changed dataset static labels too")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--show", type=int, default=0, help="print this many changed answers per target")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = baseline_tree(args.baseline, work / "baseline")
        targets = [resolve(t) for t in args.targets.split(",") if t]
        if args.copy:
            copies = []
            for t in targets:
                dst = work / "copies" / t.name
                shutil.copytree(t, dst) if t.is_dir() else (dst.parent.mkdir(parents=True, exist_ok=True),
                                                           shutil.copy(t, dst))
                copies.append(dst)
            targets = copies
        if args.hostile:
            targets += hostile(work / "hostile")
        print(f"baseline {args.baseline} vs working tree; static inference, no cache")
        print(f"{'target':<22}{'base s':>9}{'new s':>9}{'ratio':>7}{'cpu':>7}{'base MB':>9}{'new MB':>8}{'ratio':>7}"
              f"{'answers':>9}{'changed':>8}{'gained':>7}{'lost':>6}")
        for target in targets:
            before = run(target, str(base), args.labels, args.timeout)
            after = run(target, None, args.labels, args.timeout)
            name = target.name
            if before is None or after is None:
                print(f"{name:<22} baseline {'ok' if before else 'failed or timed out'}, "
                      f"working tree {'ok' if after else 'failed or timed out'}")
                continue
            total, changed, gained, lost = compare(before, after, "answers")
            print(f"{name:<22}{before['seconds']:9.2f}{after['seconds']:9.2f}{after['seconds'] / before['seconds']:7.2f}"
                  f"{after['cpu'] / before['cpu']:7.2f}{before['peak_mb']:9.0f}{after['peak_mb']:8.0f}{after['peak_mb'] / before['peak_mb']:7.2f}"
                  f"{total:9d}{changed:8d}{gained:7d}{lost:6d}")
            if args.labels:
                total, changed, gained, lost = compare(before, after, "labels")
                print(f"{'  static labels':<22}{'':>65}{total:9d}{changed:8d}{gained:7d}{lost:6d}")
            for key, old, new in differences(before, after, "answers")[:args.show]:
                print(f"    {key}: {old} -> {new}")


if __name__ == "__main__":
    main()
