"""Benchmark: program graphs (AST + CFG + DFG + symbols + calls) for every ``.py`` of
the installed standard library, against CPython's ``ast.parse`` + a full
``ast.walk`` of the same files as the baseline, in the same run.

    python bench/graph.py [--limit N] [--root DIR]

Each side runs in its own child process so that its peak RSS is its own.  Files
are read into memory first; only parsing and graph building are timed, in CPU
seconds (`process_time`: wall time on a shared machine measures the load).
Target: typelens <= 2x the baseline's time, peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import ast
import json
import resource
import subprocess
import sys
import sysconfig
import time
import warnings
from pathlib import Path


def corpus(root: Path, limit: int | None) -> list[tuple[str, bytes]]:
    from typelens.analyzer import iter_python_files

    files = [p for p in iter_python_files(root) if p.suffix == ".py"]
    if limit:
        files = files[:limit]
    return [(str(p), p.read_bytes()) for p in files]


def run_typelens(items: list[tuple[str, bytes]]) -> dict:
    from typelens.analyzer import build_graph, source_from_bytes

    nodes = edges = 0
    started = time.process_time()
    for path, data in items:
        graph = build_graph(source_from_bytes(data, path))
        nodes += len(graph)
        edges += sum(1 for _ in graph.iter_edges())
    return {"seconds": time.process_time() - started, "nodes": nodes, "edges": edges}


def run_baseline(items: list[tuple[str, bytes]]) -> dict:
    nodes = failed = 0
    started = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, data in items:
            try:
                tree = ast.parse(data)
            except (SyntaxError, ValueError):
                failed += 1
                continue
            for _ in ast.walk(tree):
                nodes += 1
    return {"seconds": time.process_time() - started, "nodes": nodes, "unparsable": failed}


def child(side: str, root: Path, limit: int | None) -> None:
    items = corpus(root, limit)
    result = run_typelens(items) if side == "typelens" else run_baseline(items)
    result["files"] = len(items)
    result["megabytes"] = sum(len(d) for _, d in items) / 1e6
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--child", choices=["typelens", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.root, args.limit)
        return
    results = {}
    for side in ("baseline", "typelens"):
        cmd = [sys.executable, __file__, "--child", side, "--root", str(args.root)]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results[side] = json.loads(out.strip().splitlines()[-1])
    base, ours = results["baseline"], results["typelens"]
    print(f"corpus: {ours['files']} files, {ours['megabytes']:.1f} MB under {args.root}")
    for name, r in (("ast.parse+walk (baseline)", base), ("typelens graph", ours)):
        print(
            f"{name:<27} {r['seconds']:7.2f} s  {r['files'] / r['seconds']:7.1f} files/s  "
            f"{r['megabytes'] / r['seconds']:6.2f} MB/s  peak RSS {r['peak_rss_mb']:7.1f} MB"
        )
    print(
        f"typelens: {ours['nodes']:,} nodes, {ours['edges']:,} edges; baseline: {base['nodes']:,} AST nodes"
        f" ({base.get('unparsable', 0)} files ast.parse rejects)"
    )
    ratio = ours["seconds"] / base["seconds"]
    print(
        f"time ratio typelens / baseline: {ratio:.2f}x (target <= 2.00x); "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB (target < 1024 MB)"
    )


if __name__ == "__main__":
    main()
