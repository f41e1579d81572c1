"""Source text for training the code LM and its exits: files from corpus roots,
exact duplicates dropped, held-out projects left out, a per-project byte cap so that
one huge package (torch) does not drown the rest.  Deterministic for a seed.

Example::

    texts = corpus_texts([stdlib_root()], exclude={"packaging"}, max_bytes=2_000_000)
"""

from __future__ import annotations

import hashlib
import logging
import random
from pathlib import Path

from typelens.datasets.corpus import walk_corpus

logger = logging.getLogger(__name__)


def corpus_texts(
    roots: list[Path],
    *,
    exclude: set[str] = frozenset(),
    max_bytes: int = 40_000_000,
    per_project: int = 1_500_000,
    seed: int = 13,
    max_file_bytes: int = 200_000,
) -> list[str]:
    """Texts of Python files under ``roots``; projects named in ``exclude`` are skipped."""
    if max_bytes <= 0:
        raise ValueError(f"max_bytes={max_bytes} must be positive")
    rng = random.Random(seed)
    projects = [p for root in roots for p in walk_corpus(root) if p.name not in exclude]
    rng.shuffle(projects)
    seen: set[bytes] = set()
    texts: list[str] = []
    total = 0
    for project in projects:
        files = sorted(project.files)
        rng.shuffle(files)
        used = 0
        for path in files:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if not data or len(data) > max_file_bytes:
                continue
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if digest in seen:
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            seen.add(digest)
            texts.append(text)
            used += len(data)
            total += len(data)
            if used >= per_project or total >= max_bytes:
                break
        if total >= max_bytes:
            break
    if not texts:
        raise ValueError(f"no Python files under {[str(r) for r in roots]} (after excluding {sorted(exclude)})")
    logger.info("corpus: %d files, %.1f MB from %d projects", len(texts), total / 1e6, len(projects))
    return texts
