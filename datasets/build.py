"""Building a dataset: walk -> deduplicate -> split by project -> extract -> write.

``build_dataset(roots, out_dir)`` writes, per split (train/valid/test):
``<split>/<project>.jsonl`` (one line per sample, written per project so an
interrupted run resumes where it stopped) and ``<split>.parquet``; plus
``manifest.json`` with counts, label distribution, label sources, dedup figures,
the seed and a hash of each project's files.  Both formats load with Hugging Face
``datasets`` (``load_dataset("parquet", data_files=...)``).

Example::

    manifest = build_dataset([stdlib_root()], Path("data/stdlib"), seed=13)
    manifest["splits"]["test"]["samples"]
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from typelens.analyzer import ProjectIndex

from .corpus import Project, walk_corpus
from .dedup import deduplicate
from .engines import engine_for
from .samples import file_samples

logger = logging.getLogger(__name__)

VERSION = "typelens-dataset-4"  # 2: operators as one token, static labels by a step budget; 3: value shapes; 4: declared types among the value shapes
SPLITS = ("train", "valid", "test")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    seed: int = 13
    valid_share: float = 0.1
    test_share: float = 0.1
    dedup_threshold: float = 0.85
    jobs: int = 1
    progress: bool = True
    exclude: frozenset[str] = frozenset()  # project names left out (held-out benchmarks)
    engine: str = "local"  # local or dask (see engines.py)
    scheduler: str | None = None  # a Dask scheduler address; None starts a local cluster
    static_labels: bool = False  # also label with the static engine's certain answers

    def __post_init__(self) -> None:
        if not 0 <= self.valid_share < 1 or not 0 <= self.test_share < 1 or self.valid_share + self.test_share >= 1:
            raise ValueError(
                f"valid_share={self.valid_share!r}, test_share={self.test_share!r}: each in [0, 1) and together below 1"
            )
        if self.jobs < 1:
            raise ValueError(f"jobs={self.jobs!r} must be at least 1")


def split_of(project: str, options: BuildOptions) -> str:
    """A project's split, fixed by the seed: never depends on file order."""
    h = int.from_bytes(hashlib.blake2b(f"{options.seed}:{project}".encode(), digest_size=8).digest(), "big")
    u = h / 2**64
    if u < options.test_share:
        return "test"
    if u < options.test_share + options.valid_share:
        return "valid"
    return "train"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _extract(job: tuple[str, str, str, str, str, bool]) -> list[dict]:
    path, project, display, module, root, static = job
    return file_samples(Path(path), project, display, module, _index(root), static=static)


@functools.lru_cache(maxsize=4)
def _index(root: str) -> ProjectIndex:
    """One index per corpus root and worker process (building one starts a
    subprocess to find the stubs)."""
    return ProjectIndex(Path(root), search_paths=[])


def build_dataset(roots: list[Path], out_dir: Path, options: BuildOptions = BuildOptions()) -> dict:
    projects: list[Project] = []
    for root in roots:
        projects.extend(p for p in walk_corpus(root) if p.name not in options.exclude)
    if not projects:
        raise ValueError("the corpus is empty: no Python files under " + ", ".join(str(r) for r in roots))
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_stamp(out_dir, options)
    files = [
        (f"{p.name}/{f.relative_to(p.root) if p.root.is_dir() else f.name}", f, p) for p in projects for f in p.files
    ]
    items = []
    for key, path, _ in files:
        try:
            items.append((key, path.read_bytes()))
        except OSError as err:
            logger.warning("skipping %s: %s", path, err)
    kept, duplicates = deduplicate(items, options.dedup_threshold)
    jobs_by_project: dict[str, list[tuple]] = {}
    for key, path, project in files:
        if key not in kept:
            continue
        module_root = project.root.parent
        rel = path.relative_to(module_root).with_suffix("")
        parts = list(rel.parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        jobs_by_project.setdefault(project.name, []).append(
            (str(path), project.name, key, ".".join(parts), str(module_root), options.static_labels)
        )
    counts = {split: Counter() for split in SPLITS}
    labels = {split: Counter() for split in SPLITS}
    sources = Counter()
    todo = []
    for name, jobs in sorted(jobs_by_project.items()):
        split = split_of(name, options)
        shard = out_dir / split / f"{_safe(name)}.jsonl"
        if shard.exists():  # resumable: this project was written by an earlier run
            continue
        todo.append((name, split, shard, jobs))
    with engine_for(options.engine, workers=options.jobs, address=options.scheduler) as run:
        # every file of every project in one map, in order: each project's shard is
        # written as soon as its last file is done, while the workers go on
        results = run(_extract, [job for _, _, _, jobs in todo for job in jobs])
        for _name, _split, shard, jobs in tqdm(todo, desc="projects", disable=not options.progress):
            samples = [s for _ in jobs for s in next(results)]
            shard.parent.mkdir(parents=True, exist_ok=True)
            tmp = shard.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                for sample in samples:
                    fh.write(json.dumps(sample, ensure_ascii=False) + "\n")
            os.replace(tmp, shard)
    manifest = _finish(out_dir, options, projects, duplicates, counts, labels, sources)
    return manifest


def _check_stamp(out_dir: Path, options: BuildOptions) -> None:
    """A resumed build reuses the shards already written, so they must come from
    this version with the same settings; ``build.json`` records both."""
    stamp = {
        "version": VERSION,
        "seed": options.seed,
        "valid_share": options.valid_share,
        "test_share": options.test_share,
        "dedup_threshold": options.dedup_threshold,
        "static_labels": options.static_labels,
    }
    path = out_dir / "build.json"
    if path.is_file():
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
        if found != stamp:
            raise ValueError(
                f"{out_dir} holds a dataset built by another version or with other settings "
                f"({found}); remove it or choose another --out"
            )
    elif any(next((out_dir / split).glob("*.jsonl"), None) for split in SPLITS):
        raise ValueError(f"{out_dir} holds shards of an unknown build; remove it or choose another --out")
    path.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def _finish(
    out_dir: Path, options: BuildOptions, projects: list[Project], duplicates: dict, counts, labels, sources
) -> dict:
    split_projects: dict[str, list[str]] = {s: [] for s in SPLITS}
    for split in SPLITS:
        rows = []
        for shard in sorted((out_dir / split).glob("*.jsonl")) if (out_dir / split).is_dir() else []:
            split_projects[split].append(shard.stem)
            with shard.open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    rows.append(row)
                    counts[split][row["kind"]] += 1
                    labels[split][row["label"]] += 1
                    sources[row["label_source"]] += 1
        table = pa.Table.from_pylist(rows) if rows else pa.table({"label": pa.array([], pa.string())})
        pq.write_table(table, out_dir / f"{split}.parquet")
    hashes = {}
    for p in projects:
        h = hashlib.blake2b(digest_size=16)
        for f in p.files:
            try:
                h.update(f.read_bytes())
            except OSError:
                continue
        hashes[p.name] = h.hexdigest()
    manifest = {
        "version": VERSION,
        "seed": options.seed,
        "splits": {
            s: {
                "samples": sum(counts[s].values()),
                "by_kind": dict(counts[s]),
                "projects": len(split_projects[s]),
                "labels": dict(labels[s].most_common(50)),
            }
            for s in SPLITS
        },
        "label_sources": dict(sources),
        "duplicates_removed": len(duplicates),
        "projects": len(projects),
        "corpus_hashes": hashes,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest
