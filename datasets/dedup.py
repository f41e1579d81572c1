"""Deduplication across the whole corpus, before splitting.

Exact duplicates share a hash of their whitespace-normalised text; near
duplicates are found with MinHash over token 5-grams and LSH (``datasketch``),
Jaccard >= ``threshold``.  The first file seen (in sorted project order) is kept.

Example::

    keep = deduplicate(files_with_text, threshold=0.85)
"""

from __future__ import annotations

import hashlib
import logging
import re

from datasketch import MinHash, MinHashLSH

logger = logging.getLogger(__name__)

_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*|\S")
NUM_PERM = 64


def _minhash(data: bytes) -> MinHash:
    tokens = _WORD.findall(data)
    m = MinHash(num_perm=NUM_PERM, seed=1)
    shingles = {b" ".join(tokens[i : i + 5]) for i in range(max(1, len(tokens) - 4))}
    m.update_batch(list(shingles))
    return m


def deduplicate(items: list[tuple[str, bytes]], threshold: float = 0.85) -> tuple[set[str], dict[str, str]]:
    """``(kept keys, duplicate key -> the key it duplicates)``."""
    if not 0.05 <= threshold <= 0.95:
        raise ValueError(f"threshold={threshold!r} must be in [0.05, 0.95] (MinHash LSH needs at least two bands)")
    seen: dict[str, str] = {}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    kept: set[str] = set()
    duplicate_of: dict[str, str] = {}
    for key, data in items:
        digest = hashlib.blake2b(b" ".join(data.split()), digest_size=16).hexdigest()
        if digest in seen:
            duplicate_of[key] = seen[digest]
            continue
        seen[digest] = key
        m = _minhash(data)
        near = lsh.query(m)
        if near:
            duplicate_of[key] = sorted(near)[0]
            continue
        lsh.insert(key, m)
        kept.add(key)
    return kept, duplicate_of
