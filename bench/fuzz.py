"""Benchmark: every hostile case of the fuzz harness (``tests/fuzz_cases.py``), each
apart, through every leg (``graph``, ``infer``, ``analyze`` and whatever
``register_leg`` added; a file case also through ``infer --apply``, which rewrites
it), under a time and memory bound; the worst time and peak memory per case, and
the problems found.  The run keeps its graph cache in its scratch folder
(``TYPELENS_CACHE_DIR``), so no earlier run's graphs make it faster: ``graph``
builds a case's graph cold (it keeps no cache), ``infer`` builds it again and
stores it, the legs after it read it from that cache (``--apply`` never reads the
result cache: it infers again).

    python bench/fuzz.py [--quick] [--only SUBSTRING] [--timeout S] [--memory MB]
    python bench/fuzz.py --scaling [--quick]

The baseline, run first in the same script, is each leg on a one-line file: a
case's ratio is its worst wall time over that leg's baseline.  The generated
large files (``large_*``: 60,000 functions, 20,000 ``elif`` branches, 30,000
chained assignments, 50,000 of the others, generators among them) are held to
the target of issue 26: each leg within 10 s of CPU time (user + system: wall
time on a shared machine says more about the neighbours) and 1 GB; an ``infer``
leg also shows how many answers it gave, and ``partial`` when a file ran past
its analysis budget.  Exit code 1 when any case has a problem.

``--scaling`` times graph building alone (``build_graph`` in this process) on each
large family at n and 2n: a ratio near 2 is linear, near 4 quadratic.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fuzz_cases import (  # noqa: E402
    JOBS_LEG,
    LARGE,
    LEGS,
    TREE_CASES,
    Limits,
    Outcome,
    cli_leg,
    content_cases,
)

LARGE_SIZES = {"functions": 60_000, "elifs": 20_000, "chained_assignments": 30_000}
TARGET_SECONDS, TARGET_MB = 10.0, 1024.0
APPLY_LEG = cli_leg("apply", "infer", "--apply", is_json=False)  # last: it rewrites the file


def full_cases(quick: bool) -> dict[str, bytes]:
    scale = 10 if quick else 1
    cases = content_cases(depth=600, defs=50_000 // scale, chain=10_000 // scale)
    cases.update({f"large_{name}": LARGE[name](size // scale) for name, size in LARGE_SIZES.items()})
    cases["deep_if_string_5000"] = content_cases(depth=5000, defs=1, chain=1, kinds=("if",), strings=(True,))[
        "deep_if_string"
    ]
    return cases


def run_file(name: str, data: bytes, base: Path, limits: Limits) -> list[Outcome]:
    folder = base / name
    folder.mkdir()
    path = folder / f"{name}.py"
    path.write_bytes(data)
    return [leg.run(path, folder, limits) for leg in LEGS + [APPLY_LEG]]


def run_tree(name: str, base: Path, limits: Limits) -> list[Outcome]:
    """The entry inside a folder (with a plain file beside it), then as the argument itself."""
    folder = base / f"tree_{name}"
    (folder / "in").mkdir(parents=True)
    (folder / "in" / "plain.py").write_text("def f(a):\n    return a\n")
    TREE_CASES[name](folder / "in" / "entry.py")
    found = [leg.run(folder / "in", folder, limits) for leg in LEGS + [JOBS_LEG]]
    entry = folder / "in" / "entry.py"
    if entry.exists() or entry.is_symlink():
        found += [leg.run(entry, folder, limits, may_refuse=True) for leg in LEGS]
    return found


def report(name: str, outcomes: list[Outcome], baseline: dict[str, float]) -> list[str]:
    worst = max(outcomes, key=lambda o: o.seconds)
    biggest = max(outcomes, key=lambda o: o.max_rss_mb)
    problems = [f"{o.leg}: {p}" for o in outcomes for p in o.problems()]
    if name.startswith("large_"):
        problems += [
            f"{o.leg}: {o.cpu_seconds:.1f} s CPU > {TARGET_SECONDS:.0f} s"
            for o in outcomes
            if o.cpu_seconds > TARGET_SECONDS
        ]
        problems += [
            f"{o.leg}: {o.max_rss_mb:.0f} MB > {TARGET_MB:.0f} MB" for o in outcomes if o.max_rss_mb > TARGET_MB
        ]
    ratio = worst.seconds / baseline.get(worst.leg, worst.seconds)
    print(
        f"{name:<34} {worst.seconds:7.2f} s ({worst.leg:<8}) cpu {worst.cpu_seconds:6.2f} s  x{ratio:5.1f}  "
        f"{biggest.max_rss_mb:6.0f} MB ({biggest.leg})  {'; '.join(problems) or 'ok'}",
        flush=True,
    )
    if name.startswith("large_"):  # each leg against the target: CPU seconds and peak memory
        print(
            "    " + ", ".join(f"{o.leg} {o.cpu_seconds:.1f} s {o.max_rss_mb:.0f} MB{_answers(o)}" for o in outcomes),
            flush=True,
        )
    return problems


def _answers(outcome: Outcome) -> str:
    """An ``infer`` run's answers, and whether its files ran past their budget
    (``analysis-budget`` in the JSON's diagnostics: some answers left out)."""
    if not outcome.leg.startswith("infer") or outcome.returncode != 0:
        return ""
    try:
        doc = json.loads(outcome.stdout)
    except ValueError:
        return ""
    partial = any(d.get("code") == "analysis-budget" for d in doc.get("diagnostics", []))
    return f" ({len(doc.get('predictions', []))} answers{', partial' if partial else ''})"


def slim(outcomes: list[Outcome]) -> list[Outcome]:
    """``outcomes`` without their output: kept, a run's JSON (hundreds of MB for the
    large files' graphs) would grow this process, and a child forked from it starts
    with its pages, so the later cases' peak memory would be this process's."""
    return [dataclasses.replace(o, stdout=b"", stderr=b"") for o in outcomes]


def scaling(quick: bool) -> None:
    """Graph building alone, at n and 2n, for every large family."""
    import gc
    import time
    from typelens.analyzer import build_graph

    for name, make in LARGE.items():
        size = LARGE_SIZES.get(name, 50_000) // (20 if quick else 2)
        seconds = []
        for n in (size, 2 * size):
            data = make(n)
            gc.collect()
            started = time.process_time()
            build_graph(data)
            seconds.append(time.process_time() - started)
        print(
            f"{name:<22} n={size:<6} {seconds[0]:6.2f} s   2n {seconds[1]:6.2f} s   ratio {seconds[1] / seconds[0]:4.2f}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--only", default="", help="only the cases whose name holds this text")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a run may take")
    parser.add_argument("--memory", type=int, default=3072, help="address space a run may take, in MB")
    parser.add_argument("--scaling", action="store_true", help="time graph building alone at n and 2n instead")
    args = parser.parse_args()
    if args.scaling:
        scaling(args.quick)
        return 0
    limits = Limits(seconds=args.timeout, memory_bytes=args.memory << 20)
    with tempfile.TemporaryDirectory(prefix="typelens-fuzz-") as tmp:
        base = Path(tmp)
        os.environ["TYPELENS_CACHE_DIR"] = str(base / "cache")  # the legs' children inherit it
        baseline = {o.leg: o.seconds for o in run_file("baseline", b"x = 1\n", base, limits)}
        print("baseline (one-line file): " + ", ".join(f"{leg} {s:.2f} s" for leg, s in baseline.items()))
        all_outcomes, failed = [], 0
        for name, data in full_cases(args.quick).items():
            if args.only in name:
                outcomes = run_file(name, data, base, limits)
                failed += bool(report(name, outcomes, baseline))
                outcomes = slim(outcomes)  # the output dropped before the next case forks
                all_outcomes += outcomes
        for name in TREE_CASES:
            if args.only in f"tree_{name}":
                outcomes = run_tree(name, base, limits)
                failed += bool(report(f"tree_{name}", outcomes, baseline))
                outcomes = slim(outcomes)
                all_outcomes += outcomes
    if all_outcomes:
        slow = max(all_outcomes, key=lambda o: o.seconds)
        big = max(all_outcomes, key=lambda o: o.max_rss_mb)
        print(
            f"worst time: {slow.seconds:.2f} s ({slow.leg} on {slow.target}); "
            f"worst memory: {big.max_rss_mb:.0f} MB ({big.leg} on {big.target}); {failed} case(s) with problems"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
