"""Samples to fixed-shape integer arrays.

Tokens are hashed into ``buckets`` ids (0 is padding), so the model needs no
vocabulary file and never meets an out-of-vocabulary token.  A sample becomes
``windows[W, L]`` (``W`` windows of ``L`` tokens) and ``name[S]`` (the sub-tokens of
the symbol's name: ``max_retries`` -> ``max``, ``retries``).  Number literals
read as their kind (``<int>``, ``<float>``, ``<complex>``): ``0.0731`` says float
however rare the literal.

Example::

    >>> enc = Encoder(EncoderConfig())
    >>> enc.name_ids("maxRetries")[:2] != [0, 0]
    True
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

import numpy as np

_SUBTOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_INT = re.compile(r"(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*)[lL]?")
_FLOAT = re.compile(r"(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?")


def literal_kind(token: str) -> str | None:
    """``<int>``, ``<float>`` or ``<complex>`` for a number literal, else None."""
    if not token or not (token[0].isdigit() or (token[0] == "." and token[1:2].isdigit())):
        return None
    if _INT.fullmatch(token):
        return "<int>"
    if token[-1] in "jJ" and _FLOAT.fullmatch(token[:-1]):
        return "<complex>"
    return "<float>" if _FLOAT.fullmatch(token) else None


@dataclass(frozen=True, slots=True)
class EncoderConfig:
    buckets: int = 1 << 15
    windows: int = 8
    window_len: int = 17
    name_len: int = 6

    def to_dict(self) -> dict:
        return asdict(self)


class Encoder:
    def __init__(self, config: EncoderConfig) -> None:
        self.config = config
        self._cache: dict[str, int] = {}

    def token_id(self, token: str) -> int:
        hit = self._cache.get(token)
        if hit is None:
            digest = hashlib.blake2b((literal_kind(token) or token).encode("utf-8", "replace"), digest_size=8).digest()
            hit = 1 + int.from_bytes(digest, "little") % (self.config.buckets - 1)
            if len(self._cache) < 500_000:
                self._cache[token] = hit
        return hit

    def name_ids(self, name: str) -> list[int]:
        parts = [p.lower() for p in _SUBTOKEN.findall(name)] or [name.lower()]
        ids = [self.token_id("§" + p) for p in parts[: self.config.name_len]]
        return ids + [0] * (self.config.name_len - len(ids))

    def encode(self, windows: list[list[str]], name: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        w = np.zeros((c.windows, c.window_len), dtype=np.int64)
        for i, window in enumerate(windows[: c.windows]):
            ids = [self.token_id(t) for t in window[: c.window_len]]
            w[i, : len(ids)] = ids
        n = np.array(self.name_ids(name), dtype=np.int64)
        n[-1] = self.token_id("§kind:" + kind)
        return w, n

    def encode_many(self, samples: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self.encode(s["windows"], s["name"], s["kind"]) for s in samples]
        if not pairs:
            c = self.config
            return np.zeros((0, c.windows, c.window_len), np.int64), np.zeros((0, c.name_len), np.int64)
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
