"""Benchmark: ``typelens infer --apply`` over every ``.py`` file of the installed
standard library, copied into a temporary folder, applied twice.

    python bench/apply.py [--mode hybrid|static] [--limit N] [--jobs J] [--root DIR]

The library is cut into projects: each top-level package is one (``json/``,
``email/``, ``test/``...), the top-level modules go in groups of 40.  Each project
is copied and, through the real command line in a child process,
1. analysed without writing (``typelens infer --format json``: the baseline),
2. annotated (``--apply``), then 3. annotated again (``--apply``).
It prints how many files the second run changes (the target is 0: ``--apply``
is idempotent), how many files were refused or skipped and why, the edits left
out and why, and the time of each run against the baseline's, in the same run.
It also checks that every file only gained bytes (the original is a subsequence
of the result; ``a=1`` -> ``a: int = 1`` keeps it too).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

GROUP = 40
_REPORTS = (
    ("refused", re.compile(r"typelens infer: refusing \S+: (.*)")),
    ("skipped", re.compile(r"typelens infer: \S+: skipped: (.*)")),
    ("left out", re.compile(r"typelens infer: \S+:\d+: left out '.*?': (.*)")),
    ("other", re.compile(r"typelens infer: \S+: (.*)")),
)
_DETAIL = re.compile(r" \(.*\)$")


@dataclass
class Outcome:
    name: str
    files: int
    seconds: dict[str, float] = field(default_factory=dict)
    annotated: int = 0
    changed_again: list[str] = field(default_factory=list)
    not_insertions: list[str] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)  # ("refused"|"skipped"|"left out"|..., reason) -> count
    failed: str | None = None


def projects(root: Path, limit: int | None) -> list[tuple[str, list[Path]]]:
    """(name, files) of each project the library is cut into."""
    from typelens.analyzer import iter_python_files

    files = [p for p in iter_python_files(root) if p.suffix == ".py"]
    if limit:
        files = files[:limit]
    packages: dict[str, list[Path]] = {}
    modules: list[Path] = []
    for path in files:
        rel = path.relative_to(root)
        if len(rel.parts) == 1:
            modules.append(path)
        else:
            packages.setdefault(rel.parts[0], []).append(path)
    cut = [(f"modules-{i // GROUP + 1}", modules[i : i + GROUP]) for i in range(0, len(modules), GROUP)]
    return cut + sorted(packages.items(), key=lambda item: len(item[1]))  # the largest (test/) last


def run_project(name: str, files: list[Path], root: Path, mode: str, workdir: Path) -> Outcome:
    outcome = Outcome(name, len(files))
    project = workdir / name
    for path in files:
        target = project / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    folder = project / files[0].relative_to(root).parts[0] if not name.startswith("modules-") else project
    original = read_all(project)
    try:
        for step, extra in (
            ("infer", ["--format", "json", "--no-cache"]),
            ("apply", ["--apply"]),
            ("again", ["--apply"]),
        ):
            started = time.perf_counter()
            # -P: the folder holds copies named like the library (typing.py, json/): never import them
            done = subprocess.run(
                [sys.executable, "-P", "-m", "typelens.cli", "infer", str(folder), "--mode", mode, *extra],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=6 * 3600,
            )
            outcome.seconds[step] = time.perf_counter() - started
            if done.returncode not in (0, 2) or "Traceback" in done.stderr:
                outcome.failed = f"{step}: exit {done.returncode}: {done.stderr[-2000:]}"
                return outcome
            if step == "apply":
                after = read_all(project)
                outcome.annotated = sum(after[k] != original[k] for k in original)
                outcome.not_insertions = [k for k in original if not is_subsequence(original[k], after[k])]
                count_reasons(done.stderr, outcome.reasons)
            elif step == "again":
                again = read_all(project)
                outcome.changed_again = [k for k in after if again[k] != after[k]]
    finally:
        shutil.rmtree(project, ignore_errors=True)
    return outcome


def read_all(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.py"))}


def is_subsequence(small: bytes, big: bytes) -> bool:
    found = iter(big)
    return all(byte in found for byte in small)


def count_reasons(stderr: str, reasons: Counter) -> None:
    """Tally the run's one-line reports by kind and reason (details in parentheses dropped)."""
    for line in stderr.splitlines():
        for kind, pattern in _REPORTS:
            match = pattern.fullmatch(line)
            if match is not None:
                reasons[(kind, _DETAIL.sub("", match[1]).strip())] += 1
                break


def report(outcomes: list[Outcome], mode: str, wall: float) -> None:
    files = sum(o.files for o in outcomes)
    total = Counter()
    for o in outcomes:
        total.update(o.seconds)
    again = [f"{o.name}/{n}" for o in outcomes for n in o.changed_again]
    print(f"\nstdlib files: {files} in {len(outcomes)} projects, mode {mode}, {wall:.0f} s wall")
    print(f"annotated by the first --apply: {sum(o.annotated for o in outcomes)} files")
    print(f"changed by the second --apply:  {len(again)} files  (target 0) {again[:10]}")
    print(
        f"not only insertions:            {sum(len(o.not_insertions) for o in outcomes)} files "
        f"{[f'{o.name}/{n}' for o in outcomes for n in o.not_insertions][:10]}"
    )
    reasons = Counter()
    for o in outcomes:
        reasons.update(o.reasons)
    for (kind, why), count in sorted(reasons.items(), key=lambda item: (item[0][0], -item[1])):
        print(f"  {kind:9s} {count:6d}  {why}")
    for o in outcomes:
        if o.failed:
            print(f"FAILED {o.name}: {o.failed}")
    base = total["infer"] or 1.0
    print(
        f"time: infer (baseline) {total['infer']:.1f} s; first --apply {total['apply']:.1f} s "
        f"({total['apply'] / base:.2f}x); second --apply {total['again']:.1f} s ({total['again'] / base:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--mode", default="hybrid", choices=["static", "neural", "hybrid"])
    parser.add_argument("--limit", type=int, default=None, help="the first N files only")
    parser.add_argument("--jobs", type=int, default=1, help="projects run at once")
    args = parser.parse_args()
    cut = projects(args.root, args.limit)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="typelens-apply-bench-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_project, name, files, args.root, args.mode, Path(tmp)) for name, files in cut]
        outcomes = []
        for future in futures:
            outcome = future.result()
            outcomes.append(outcome)
            print(
                f"{outcome.name}: {outcome.files} files, annotated {outcome.annotated}, "
                f"changed again {len(outcome.changed_again)}, "
                + ", ".join(f"{k} {v:.1f} s" for k, v in outcome.seconds.items())
                + (f" FAILED {outcome.failed[:200]}" if outcome.failed else ""),
                flush=True,
            )
    report(outcomes, args.mode, time.perf_counter() - started)


if __name__ == "__main__":
    main()
