"""Samples to fixed-shape integer arrays.

Tokens are hashed into ``buckets`` ids (0 is padding), so the model needs no
vocabulary file and never meets an out-of-vocabulary token.  A sample becomes
``windows[W, L]`` (``W`` windows of ``L`` tokens) and ``name[S]`` (the sub-tokens of
the symbol's name: ``max_retries`` -> ``max``, ``retries``).  Number literals
read as their kind (``<int>``, ``<float>``, ``<complex>``): ``0.0731`` says float
however rare the literal.  With ``subtokens``, ``subs[W, L]`` gives each identifier
in a window its last word as well (``n_points`` -> ``points``, in the same ids as
the name's sub-tokens), so that names the hashing keeps apart (``num_points``,
``n_points``) share what their words say; other tokens get 0.  With ``values``,
``name`` carries that many more ids after the name's: the shapes of the
expressions the symbol is bound to (``§comparison_operator:<``, ``§call:zeros``),
which the model pools apart from the name.

Example::

    >>> enc = Encoder(EncoderConfig())
    >>> enc.name_ids("maxRetries")[:2] != [0, 0]
    True
"""

from __future__ import annotations

import keyword
import re
from array import array
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Iterator, Sequence, cast

from typelens.analyzer.digest import blake2b  # hashlib's blake2b, without loading OpenSSL

if TYPE_CHECKING:  # imported where arrays are made: the C kernel's path (.native) runs without numpy
    import numpy as np

_SUBTOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*)[lL]?")
_FLOAT = re.compile(r"(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?")


def batches_of(ids: dict[str, array], rows: int, batch: int) -> Iterator[tuple[dict[str, array], int]]:
    """:meth:`Encoder.encode_ids`' buffers of ``rows`` rows, ``batch`` rows at a
    time, with each part's row count."""
    widths = {key: len(buffer) // rows for key, buffer in ids.items()} if rows else {}
    for start in range(0, rows, batch):
        end = min(rows, start + batch)
        yield {key: buffer[start * widths[key] : end * widths[key]] for key, buffer in ids.items()}, end - start


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
    """The encoder's sizes: hash buckets, context windows, name subtokens and
    value slots.  (A dataclass without a docstring gets one made with
    ``inspect.signature``: 3 million instructions of each ``infer``.)"""

    buckets: int = 1 << 15
    windows: int = 8
    window_len: int = 17
    name_len: int = 6
    subtokens: bool = False
    values: int = 0  # slots after the name for the value shapes (features.value_shapes)

    def to_dict(self) -> dict:
        return asdict(self)


class Encoder:
    def __init__(self, config: EncoderConfig) -> None:
        self.config = config
        self._cache: dict[str, int] = {}
        self._names: dict[tuple[str, str], list[int]] = {}  # _name_row's name and kind ids

    def token_id(self, token: str) -> int:
        hit = self._cache.get(token)
        if hit is None:
            digest = blake2b((literal_kind(token) or token).encode("utf-8", "replace"), digest_size=8).digest()
            hit = 1 + int.from_bytes(digest, "little") % (self.config.buckets - 1)
            if len(self._cache) < 500_000:
                self._cache[token] = hit
        return hit

    def name_ids(self, name: str) -> list[int]:
        parts = [p.lower() for p in _SUBTOKEN.findall(name)] or [name.lower()]
        ids = [self.token_id("§" + p) for p in parts[: self.config.name_len]]
        return ids + [0] * (self.config.name_len - len(ids))

    def sub_id(self, token: str) -> int:
        """The id of an identifier's last word (``§points``), 0 for any other token."""
        key = "§sub:" + token
        hit = self._cache.get(key)
        if hit is None:
            words = _WORD.findall(token) if _IDENTIFIER.fullmatch(token) and not keyword.iskeyword(token) else []
            hit = self.token_id("§" + words[-1].lower()) if words else 0
            if len(self._cache) < 500_000:
                self._cache[key] = hit
        return hit

    def encode(
        self, windows: list[list[str]], name: str, kind: str, values: Sequence[str] = ()
    ) -> dict[str, np.ndarray]:
        sample = {"windows": windows, "name": name, "kind": kind, "values": values}
        return {key: rows[0] for key, rows in self.encode_many([sample]).items()}

    def encode_many(self, samples: list[dict]) -> dict[str, np.ndarray]:
        """The model's inputs by name (``windows``, ``name``, with ``subtokens`` also
        ``subs``), one row per sample: what the ONNX graph and the torch module take
        (:meth:`encode_ids`' buffers, shaped)."""
        return self.arrays(self.encode_ids(samples), len(samples))

    def arrays(self, ids: dict[str, array], count: int) -> dict[str, np.ndarray]:
        """:meth:`encode_ids`' buffers of ``count`` rows, shaped: :meth:`encode_many`'s arrays."""
        import numpy as np

        c = self.config
        shapes = {"windows": (count, c.windows, c.window_len), "name": (count, c.name_len + c.values)}
        shapes["subs"] = shapes["windows"]
        # np.array copies the buffer: writable arrays, which torch.from_numpy takes without a warning
        return {key: np.array(buffer, dtype=np.int64).reshape(shapes[key]) for key, buffer in ids.items()}

    def encode_ids(self, samples: list[dict]) -> dict[str, array]:
        """:meth:`encode_many`'s inputs as flat int64 buffers (``array('q')``), row
        after row, without numpy: what the C kernel (:mod:`.native`) reads.  One
        list of every row's ids, then one buffer (a small array per sample, then
        stacked, took longer than the model's run)."""
        c = self.config
        ids: list[int] = []
        subs: list[int] = []
        names: list[int] = []
        for s in samples:
            if c.subtokens:
                w, sub, n = self._row(s["windows"], s["name"], s["kind"], s.get("values") or ())
                ids += w
                subs += sub or ()
            else:
                self._window_ids(s["windows"], ids)
                n = self._name_row(s["name"], s["kind"], s.get("values") or ())
            names += n
        out = {"windows": array("q", ids), "name": array("q", names)}
        if c.subtokens:
            out["subs"] = array("q", subs)
        return out

    def _window_ids(self, windows: list[list[str]], out: list[int]) -> None:
        """One sample's window ids (``windows * window_len``, row by row, 0 for
        padding) appended to ``out``: :meth:`_row`'s, with the cache read through
        ``map`` (a fifth less than a comprehension over the tokens, on click's
        rows once their tokens are hashed)."""
        c = self.config
        width = c.window_len
        known = self._cache.get  # ids are 1 or more: a miss is None
        for window in windows[: c.windows]:
            found: list[int | None] = list(map(known, window[:width] if len(window) > width else window))
            ids = [i or self.token_id(t) for i, t in zip(found, window)] if None in found else cast(list[int], found)
            out += ids
            if len(ids) < width:
                out += [0] * (width - len(ids))
        if len(windows) < c.windows:
            out += [0] * ((c.windows - len(windows)) * width)

    def _name_row(self, name: str, kind: str, values: Sequence[str]) -> list[int]:
        """One sample's name slots (:meth:`_row`'s), the name's and the kind's ids
        kept per name and kind (a package's parameters share a few hundred names)."""
        c = self.config
        key = (name, kind)
        head = self._names.get(key)
        if head is None:
            head = self.name_ids(name)
            head[c.name_len - 1] = self.token_id("§kind:" + kind)
            if len(self._names) < 100_000:
                self._names[key] = head
        n = head + [0] * c.values
        shapes = list(values)[: c.values]
        n[c.name_len : c.name_len + len(shapes)] = [self.token_id(v) for v in shapes]
        return n

    def _row(
        self, windows: list[list[str]], name: str, kind: str, values: Sequence[str]
    ) -> tuple[list[int], list[int] | None, list[int]]:
        """One sample's ids: its windows (``windows * window_len``, row by row, 0
        for padding), their last words' (with ``subtokens``) and its name slots."""
        c = self.config
        w = [0] * (c.windows * c.window_len)
        subs = [0] * (c.windows * c.window_len) if c.subtokens else None
        known = self._cache.get  # ids are 1 or more: a miss is the only falsy answer
        for i, window in enumerate(windows[: c.windows]):
            tokens = window[: c.window_len]
            at = i * c.window_len
            w[at : at + len(tokens)] = [known(t) or self.token_id(t) for t in tokens]
            if subs is not None:
                subs[at : at + len(tokens)] = [self.sub_id(t) for t in tokens]
        n = self.name_ids(name) + [0] * c.values
        n[c.name_len - 1] = self.token_id("§kind:" + kind)
        shapes = list(values)[: c.values]
        n[c.name_len : c.name_len + len(shapes)] = [self.token_id(v) for v in shapes]
        return w, subs, n
