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

    python bench/features.py --score [--pyright node_modules/.bin/pyright-langserver]

scores instead the ``# ? name: type`` expectations of ``tests/data/infer/*.py``
(one feature group per file: loops, recursion, call sites, star arguments,
callables, mutation, classes, protocols...) as exact matches, for the baseline,
the working tree, jedi and pyright side by side (bench/peers.py: both are asked
at the name's position, as an editor asks them; a peer that is not installed is
left out).  An expectation of ``?`` (no answer) is met by giving none.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from typelens.typeinfer.normalize import normalise

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


SCORER = r"""
import json, sys
from pathlib import Path
from typelens.typeinfer.run import InferOptions, infer_paths
rows = []
for name in sys.argv[1:]:
    for p in infer_paths([Path(name)], InferOptions(mode="static", use_cache=False)).predictions:
        rows.append([name, p.span.start_row + 1, p.name, p.kind, p.type])
print(json.dumps(rows))
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
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, str(target), "1" if labels else "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
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
        "ring80.py": "".join(
            f"def f{i}(n):\n    if n:\n        return f{(i + 1) % 80}(n - 1)\n    return {i}.5\n\n" for i in range(80)
        )
        + "start = f0(3)\n",
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


# -- --score: the expectation files, typelens against its peers ------------------------------
def typelens_rows(files: list[Path], pythonpath: str | None, timeout: float) -> dict[tuple, list[str]] | None:
    """(file, line, name, is_return) -> the types typelens predicts there."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCORER, *map(str, files)], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    found: dict[tuple, list[str]] = {}
    for file, line, name, kind, type_ in json.loads(done.stdout.strip().splitlines()[-1]):
        key = (Path(file).name, line, name if kind != "return" else "return", kind == "return")
        found.setdefault(key, []).append(type_ or "?")
    return found


def name_column(line_text: str, name: str, is_return: bool) -> int | None:
    """The 0-based column of ``name`` on its line (a def's name for a return)."""
    import re

    pattern = r"def\s+(\w+)" if is_return else r"(?<![\w])(" + re.escape(name) + r")(?!\w)"
    m = re.search(pattern, line_text)
    return m.start(1) if m else None


def score_peers(files: list[Path], pyright: str | None, base: str, timeout: float, show: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from peers import PyrightServer, jedi_answer, pyright_type
    from tests.infer_expectations import type_expectations

    tools = {"base": typelens_rows(files, base, timeout), "typelens": typelens_rows(files, None, timeout)}
    have_jedi = importlib.util.find_spec("jedi") is not None
    columns = ["base", "typelens"] + (["jedi"] if have_jedi else []) + (["pyright"] if pyright else [])
    totals = {c: 0 for c in columns}
    print(f"{'group':<22}{'n':>5}" + "".join(f"{c:>10}" for c in columns))
    with tempfile.TemporaryDirectory() as tmp:
        server = PyrightServer(pyright, Path(tmp)) if pyright else None
        count = 0
        try:
            for path in files:
                copy = Path(tmp) / path.name
                shutil.copy(path, copy)
                source = copy.read_text(encoding="utf-8")
                lines = source.splitlines()
                right = {c: 0 for c in columns}
                expectations = type_expectations(path)
                for exp in expectations:
                    is_return = exp.name == "return"
                    wanted = None if exp.type == "?" else exp.type
                    column = name_column(lines[exp.target_line - 1], exp.name, is_return)
                    for tool in ("base", "typelens"):
                        got = (tools[tool] or {}).get((path.name, exp.target_line, exp.name, is_return), [])
                        right[tool] += (exp.type in got) if wanted else (not got or "?" in got)
                    if column is None:
                        continue
                    expected = normalise(wanted) if wanted else None
                    answers = {}
                    if have_jedi:
                        answers["jedi"] = jedi_answer(source, copy, exp.target_line, column, is_return)
                    if server is not None:
                        answers["pyright"] = pyright_type(
                            server.hover(copy, source, exp.target_line, column), is_return
                        )
                    for tool, answer in answers.items():
                        right[tool] += answer == expected
                    if show:
                        print(
                            f"    {path.name}:{exp.target_line} {exp.name}: {exp.type}  "
                            + "  ".join(f"{k}={v}" for k, v in answers.items())
                        )
                count += len(expectations)
                for c in columns:
                    totals[c] += right[c]
                print(f"{path.stem:<22}{len(expectations):>5}" + "".join(f"{right[c]:>10}" for c in columns))
        finally:
            if server is not None:
                server.__exit__()
    print(f"{'total':<22}{count:>5}" + "".join(f"{totals[c]:>10}" for c in columns))
    print(f"{'exact %':<22}{'':>5}" + "".join(f"{totals[c] / max(count, 1):>10.1%}" for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--targets", default=DEFAULT_TARGETS, help="comma-separated folders, files or stdlib:NAME")
    parser.add_argument("--copy", action="store_true", help="analyse a copy of each target on its own")
    parser.add_argument("--hostile", action="store_true", help="add the generated deep and long inputs")
    parser.add_argument("--labels", action="store_true", help="count changed dataset static labels too")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--show", type=int, default=0, help="print this many changed answers per target")
    parser.add_argument("--score", action="store_true", help="score tests/data/infer expectations, with peers")
    parser.add_argument(
        "--pyright",
        default=shutil.which("pyright-langserver") or "",
        help="pyright-langserver executable (npm install pyright)",
    )
    parser.add_argument("--files", default="", help="--score: comma-separated expectation files (all by default)")
    args = parser.parse_args()
    if args.score:
        files = [ROOT / f for f in args.files.split(",") if f] or sorted((ROOT / "tests/data/infer").glob("*.py"))
        with tempfile.TemporaryDirectory() as tmp:
            base = baseline_tree(args.baseline, Path(tmp) / "baseline")
            print(f"expectations met exactly: baseline {args.baseline}, working tree, peers")
            score_peers(files, args.pyright or None, str(base), args.timeout, args.show > 0)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = baseline_tree(args.baseline, work / "baseline")
        targets = [resolve(t) for t in args.targets.split(",") if t]
        if args.copy:
            copies = []
            for t in targets:
                dst = work / "copies" / t.name
                shutil.copytree(t, dst) if t.is_dir() else (
                    dst.parent.mkdir(parents=True, exist_ok=True),
                    shutil.copy(t, dst),
                )
                copies.append(dst)
            targets = copies
        if args.hostile:
            targets += hostile(work / "hostile")
        print(f"baseline {args.baseline} vs working tree; static inference, no cache")
        print(
            f"{'target':<22}{'base s':>9}{'new s':>9}{'ratio':>7}{'cpu':>7}{'base MB':>9}{'new MB':>8}{'ratio':>7}"
            f"{'answers':>9}{'changed':>8}{'gained':>7}{'lost':>6}"
        )
        for target in targets:
            before = run(target, str(base), args.labels, args.timeout)
            after = run(target, None, args.labels, args.timeout)
            name = target.name
            if before is None or after is None:
                print(
                    f"{name:<22} baseline {'ok' if before else 'failed or timed out'}, "
                    f"working tree {'ok' if after else 'failed or timed out'}"
                )
                continue
            total, changed, gained, lost = compare(before, after, "answers")
            print(
                f"{name:<22}{before['seconds']:9.2f}{after['seconds']:9.2f}{after['seconds'] / before['seconds']:7.2f}"
                f"{after['cpu'] / before['cpu']:7.2f}{before['peak_mb']:9.0f}{after['peak_mb']:8.0f}{after['peak_mb'] / before['peak_mb']:7.2f}"
                f"{total:9d}{changed:8d}{gained:7d}{lost:6d}"
            )
            if args.labels:
                total, changed, gained, lost = compare(before, after, "labels")
                print(f"{'  static labels':<22}{'':>65}{total:9d}{changed:8d}{gained:7d}{lost:6d}")
            for key, old, new in differences(before, after, "answers")[: args.show]:
                print(f"    {key}: {old} -> {new}")


if __name__ == "__main__":
    main()
