"""The classifier's answers of earlier runs, batch by batch.

After a one-file edit, ``infer`` answers again the files that read the edited
one, and asks the classifier the very batches it asked last time for each file
whose text did not change; answered from here, such a run loads no classifier
(neither the C kernel's weights nor numpy, onnxruntime and the session).

A batch is keyed by a hash of its encoded rows in order (:func:`batch_key`,
the ids the model reads: hashing the ids the model needs anyway took a
tenth of the time of serialising the samples), not row by row: what
onnxruntime gives a row may depend on the rows beside it, so only the same
batch is sure to get the same bits.  The file is per project and model:
``classifier-<key>.json`` beside the result cache (``.typelens-cache/``), its
key hashing the model folder, the model files' identity (inode, size, times)
and the backend that answers (:func:`~.native.backend_identity`: the C
kernel's version and file, or the installed onnxruntime and numpy).  It is read when the classifier is
first asked (a run that never asks it reads nothing), and written and checked
as the result cache's entries are (:func:`~..result_cache.write_entry`,
:func:`~..result_cache.read_entry`).  A run rewrites it with the batches
it asked first, then earlier ones, at most :data:`LIMIT` batches; an entry of
another shape is a miss.  Nothing is unpickled.

Example::

    answers = BatchAnswers.for_model(Path("models/classifier"), Path(".typelens-cache"))
    key = batch_key(encoder.encode_ids(samples))
    answers.get(key)                # None: a miss
    answers.put(key, ranked)        # then answers.save()
"""

from __future__ import annotations

import logging
from array import array
from pathlib import Path

from typelens.analyzer.digest import blake2b

from ..result_cache import read_entry, write_entry
from .native import backend_identity
from .store import file_identity

logger = logging.getLogger(__name__)

FORMAT = "typelens-classifier-answers-2"  # 2: keyed by the encoded ids
LIMIT = 4096  # batches kept (a file's samples are one batch; a few KB each)

Ranked = list[list[tuple[str, float]]]


class BatchAnswers:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: dict[str, Ranked] | None = None  # the file's batches, once read (see _old)
        self._used: dict[str, Ranked] = {}
        self._sent: set[str] = set()  # the keys new_batches gave already

    @property
    def _old(self) -> dict[str, Ranked]:
        """The batches the file kept, read on first use."""
        if self._kept is None:
            self._kept = _read(self.path)
        return self._kept

    @classmethod
    def for_model(cls, model_dir: Path, folder: Path) -> BatchAnswers:
        """The answers of the classifier in ``model_dir``, kept in ``folder``."""
        identity: list[object] = [FORMAT, str(Path(model_dir).resolve())]
        for name in ("config.json", "model.onnx", "model.safetensors"):
            identity += [name, file_identity(Path(model_dir) / name)]
        identity += backend_identity(model_dir)
        key = blake2b(repr(identity).encode(), digest_size=16).hexdigest()
        return cls(folder / f"classifier-{key}.json")

    def get(self, key: str) -> Ranked | None:
        """The answer kept for the batch of ``key`` (:func:`batch_key`), or None."""
        found = self._used.get(key) or self._old.get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: str, ranked: Ranked) -> None:
        """Keep ``ranked`` as the answer of the batch of ``key`` (:func:`batch_key`)."""
        self._used[key] = ranked

    def new_batches(self) -> dict[str, Ranked]:
        """The batches asked of the model since the last call (a worker process's,
        :mod:`typelens.typeinfer.workers`, sent to the parent): JSON values."""
        if not self._used:  # the classifier was not asked: no need to read the file
            return {}
        found = {k: ranked for k, ranked in self._used.items() if k not in self._sent and k not in self._old}
        self._sent.update(found)
        return found

    def add_batches(self, batches: object) -> None:
        """Keep ``batches`` (a worker's :meth:`new_batches`) as asked by this run."""
        for key, rows in batches.items() if isinstance(batches, dict) else ():
            ranked = _ranked(rows)
            if ranked is not None:
                self._used.setdefault(key, ranked)

    def save(self) -> None:
        """Write the batches this run asked, then earlier ones."""
        if not self._used:
            return
        kept = dict(self._used)
        for key, ranked in self._old.items():
            if len(kept) >= LIMIT:
                break
            kept.setdefault(key, ranked)
        write_entry(self.path, {"format": FORMAT, "batches": kept}, {})


def batch_key(ids: dict[str, array]) -> str:
    """The key of one batch: a hash of its model inputs (:meth:`~.encoding.Encoder.encode_ids`'
    buffers, by name), which name its rows and their order."""
    digest = blake2b(digest_size=16)
    for name in sorted(ids):
        data = ids[name].tobytes()
        digest.update(f"{name}:{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def _read(path: Path) -> dict[str, Ranked]:
    """The batches kept at ``path``; empty when it is missing or of another shape."""
    entry = read_entry(path)
    batches = entry.get("batches") if entry is not None and entry.get("format") == FORMAT else None
    if not isinstance(batches, dict):
        return {}
    found = {}
    for key, rows in batches.items():
        ranked = _ranked(rows)
        if ranked is not None:
            found[key] = ranked
    return found


def _ranked(rows: object) -> Ranked | None:
    if not isinstance(rows, list):
        return None
    out = []
    for row in rows:
        if not isinstance(row, list) or not all(
            isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and isinstance(c[1], float) for c in row
        ):
            return None
        out.append([(label, prob) for label, prob in row])
    return out
