"""A TypeScript corpus for the script models, in the style of ManyTypes4TypeScript:
the declared annotations of real projects are the labels, split by project,
near-duplicate files removed.

The projects are npm packages that ship their TypeScript sources (fetched by
``npm pack`` at pinned versions into a cache folder; nothing else is downloaded,
nothing runs).  Their ``src`` (or ``lib``) ``.ts``/``.tsx`` files, without tests and
declaration files, are read; every parameter, return, variable and class field
with an annotation becomes a sample: token windows, value shapes and the usage
slice (:mod:`typelens.typeinfer.typescript.features`, the code inference uses)
and the canonical label.  The packages ``bench/annot_recovery_ts.py`` scores
(:data:`EVAL_PACKAGES`) are never in the corpus.

The output has the Python datasets' layout (``<split>/<project>.jsonl``,
``<split>.parquet``, ``manifest.json``), so ``typelens train classifier`` and
``typelens train slice`` read it as they are.

    python -m typelens.datasets.typescript --out build/dataset_ts
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import tarfile
from collections import Counter
from pathlib import Path

from typelens.analyzer.typescript import build_script_graph_safely
from typelens.analyzer.typescript.project import iter_script_files
from typelens.typeinfer.typescript.features import ScriptTokens, label_of, sample
from typelens.typeinfer.typescript.targets import script_targets

from .build import SPLITS, BuildOptions, _finish, _safe, split_of
from .corpus import Project
from .dedup import deduplicate

logger = logging.getLogger(__name__)

VERSION = "typelens-script-dataset-1"
TRAIN_PACKAGES = (
    "rxjs@7.8.2",
    "@reduxjs/toolkit@2.16.0",
    "@trpc/server@11.25.2",
    "zod@4.6.7",
    "@tanstack/store@0.11.3",
    "@tanstack/virtual-core@3.19.13",
    "@tanstack/form-core@1.33.5",
    "@tanstack/router-core@1.171.39",
    "@tanstack/history@1.162.5",
    "ajv@8.20.0",
    "msw@2.15.0",
    "tiny-invariant@1.3.3",
    "openai@6.49.0",
    "@anthropic-ai/sdk@1.17.0",
    "groq-sdk@1.6.0",
    "wonka@6.3.6",
    "@effect/platform@0.97.2",
    "effect@4.1.5",
)
MAX_FILES = 300  # per package (the first, by path): effect alone would outweigh the rest
EVAL_PACKAGES = ("immer", "redux", "@tanstack/query-core", "mobx", "@preact/signals-core")
_SKIP = re.compile(r"(__tests__|\.test\.|\.spec\.|/test/|/tests/|/dist/|/build/|/esm/|/cjs/|\.d\.ts$)")


def package_name(spec: str) -> str:
    """``@scope/name@1.2.3`` -> ``@scope/name``."""
    head, _, version = spec.rpartition("@")
    return head if head and version and not head.endswith("/") else spec


def fetch(spec: str, cache: Path) -> Path:
    """The unpacked npm tarball of ``spec`` (``npm pack`` once, then the cache)."""
    folder = cache / re.sub(r"[^\w.@-]", "_", spec)
    if (folder / "package").is_dir():
        return folder / "package"
    folder.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        ["npm", "pack", "--silent", spec, "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    tarballs = sorted(folder.glob("*.tgz"))
    if run.returncode != 0 or not tarballs:
        raise ValueError(f"npm pack {spec} failed: {run.stderr.strip()[:300]}")
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def script_sources(package: Path) -> list[Path]:
    """A package's own TypeScript sources (``src``/``lib`` when it has them)."""
    for sub in ("src", "lib"):
        root = package / sub
        found = (
            [p for p in iter_script_files(root) if p.suffix in (".ts", ".tsx") and not _SKIP.search(p.as_posix())]
            if root.is_dir()
            else []
        )
        if found:
            return found
    return [p for p in iter_script_files(package) if p.suffix in (".ts", ".tsx") and not _SKIP.search(p.as_posix())]


def file_samples(path: Path, project: str, display: str) -> list[dict]:
    """Every annotated target of one file as a sample (label_source ``annotation``)."""
    g = build_script_graph_safely(path)
    if g.source.is_binary or not g.source.data or g.has_syntax_errors():
        return []
    stream = ScriptTokens(g)
    out = []
    for target in script_targets(g):
        label = label_of(g, target)
        if label is None or len(label) > 120:
            continue
        row = sample(g, target, stream)
        row.update({"project": project, "file": display, "label": label, "label_source": "annotation"})
        out.append(row)
    return out


def build_script_dataset(
    specs: list[str], out_dir: Path, options: BuildOptions | None = None, cache: Path | None = None
) -> dict:
    """Fetch, deduplicate, split by project, extract and write (see the module docstring)."""
    options = options or BuildOptions()
    cache = cache or out_dir.parent / "npm_cache"
    held = set(EVAL_PACKAGES) | set(options.exclude)
    projects = []
    for spec in specs:
        name = package_name(spec)
        if name in held:
            logger.warning("%s is held out for evaluation: left out", name)
            continue
        root = fetch(spec, cache)
        projects.append(Project(name, root, tuple(sorted(script_sources(root))[:MAX_FILES])))
    if not projects:
        raise ValueError("no packages to build from")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = {"version": VERSION, "seed": options.seed, "packages": sorted(specs)}
    (out_dir / "build.json").write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    items = []
    for p in projects:
        for f in p.files:
            items.append((f"{p.name}/{f.relative_to(p.root)}", f.read_bytes()))
    kept, duplicates = deduplicate(items, options.dedup_threshold)
    for p in projects:
        split = split_of(p.name, options)
        shard = out_dir / split / f"{_safe(p.name)}.jsonl"
        if shard.exists():
            continue
        rows = [
            row
            for f in p.files
            if f"{p.name}/{f.relative_to(p.root)}" in kept
            for row in file_samples(f, p.name, f"{p.name}/{f.relative_to(p.root)}")
        ]
        shard.parent.mkdir(parents=True, exist_ok=True)
        tmp = shard.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, shard)
    counts = {split: Counter() for split in SPLITS}
    labels = {split: Counter() for split in SPLITS}
    manifest = _finish(out_dir, options, projects, duplicates, counts, labels, Counter())
    manifest.update({"version": VERSION, "packages": sorted(specs), "held_out": sorted(held)})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--packages", default=",".join(TRAIN_PACKAGES), help="npm specs (name@version), comma list")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--valid-share", type=float, default=0.15)
    parser.add_argument("--test-share", type=float, default=0.15)
    args = parser.parse_args(argv)
    options = BuildOptions(seed=args.seed, valid_share=args.valid_share, test_share=args.test_share, progress=False)
    manifest = build_script_dataset([s for s in args.packages.split(",") if s], args.out, options)
    print(json.dumps({split: info["samples"] for split, info in manifest["splits"].items()}))


if __name__ == "__main__":
    main()
