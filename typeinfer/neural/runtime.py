"""Predicting with onnxruntime on the CPU (no torch needed), batched.

Building the session optimises the graph (constant folding multiplies the
exported factors into the lookup tables, ``export.py``): two thirds of its cost.
With ``optimized_dir`` (``<cache-dir>/library/models``) the graph optimised up to
onnxruntime's extended level is saved there once, keyed by onnxruntime's
version, the machine and the model file's identity (path, inode, size, times),
and every session (the first too) loads it and applies only the hardware-specific
layout passes: the same graph as a fresh optimisation, so the same
probabilities, bit for bit (``tests/test_neural.py``).  An entry is a folder:
the graph (``model.onnx``, a few KB) and its folded tables beside it
(``model.data``, 17 MB), which onnxruntime maps rather than parses and copies
(a session 0.03 s -> 0.008 s of CPU).  An entry appears whole (written under a
temporary name, then renamed), and one that does not load is replaced.

Example::

    rt = ClassifierRuntime(Path("models/classifier"))
    rt.predict([sample])[0][:2]        # [('str', 0.81), ('bytes', 0.07)]
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import shutil
from array import array
from pathlib import Path

import numpy as np
import onnxruntime as ort

from typelens.analyzer import ModelError

from .encoding import Encoder, EncoderConfig, batches_of
from .store import file_identity, read_config

logger = logging.getLogger(__name__)

OPTIMIZED_KEEP = 4  # saved optimised graphs kept in ``optimized_dir`` (the newest)
GRAPH, TABLES = "model.onnx", "model.data"  # an entry's files: the graph, its initializers (mapped)


class ClassifierRuntime:
    def __init__(self, model_dir: Path, *, threads: int = 1, optimized_dir: Path | None = None) -> None:
        self.config = read_config(model_dir)
        onnx_path = Path(model_dir) / "model.onnx"
        if not onnx_path.is_file():
            raise ModelError(f"{model_dir}: no model.onnx; run `typelens export --onnx --model {model_dir}`")
        self.session = classifier_session(onnx_path, threads, optimized_dir)
        self.classes: list[str] = self.config["classes"]
        self.encoder = Encoder(EncoderConfig(**self.config["encoder"]))

    def probabilities(self, samples: list[dict], batch: int = 256) -> np.ndarray:
        out = [self._run(samples[i : i + batch]) for i in range(0, len(samples), batch)]
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)

    def predict(self, samples: list[dict], k: int = 5, batch: int = 256) -> list[list[tuple[str, float]]]:
        """:meth:`ranked` of :meth:`probabilities`, a batch at a time: a file of
        50,000 functions never holds all its rows' inputs and probabilities at once."""
        found: list[list[tuple[str, float]]] = []
        for i in range(0, len(samples), batch):
            found.extend(self.ranked(self._run(samples[i : i + batch]), k))
        return found

    def predict_ids(
        self, ids: dict[str, array], rows: int, k: int = 5, batch: int = 256
    ) -> list[list[tuple[str, float]]]:
        """:meth:`predict` of the ``rows`` samples that ``ids`` encodes (:meth:`~.encoding.Encoder.encode_ids`)."""
        found: list[list[tuple[str, float]]] = []
        for part, count in batches_of(ids, rows, batch):
            found.extend(self.ranked(self.session.run(None, self.encoder.arrays(part, count))[0], k))
        return found

    def _run(self, samples: list[dict]) -> np.ndarray:
        """The probabilities of one batch (its inputs encoded here, batch by batch)."""
        return self.session.run(None, self.encoder.encode_many(samples))[0]

    def ranked(self, probs: np.ndarray, k: int = 5) -> list[list[tuple[str, float]]]:
        """The top ``k`` ``(type, probability)`` of each row of ``probabilities()``."""
        top = np.argsort(-probs, axis=1)[:, :k]
        classes = self.classes
        # one conversion of the chosen ids and probabilities (each float32 read as the same float)
        chosen = np.take_along_axis(probs, top, axis=1).tolist()
        return [[(classes[j], p) for j, p in zip(row, values)] for row, values in zip(top.tolist(), chosen)]


def classifier_session(onnx_path: Path, threads: int = 1, optimized_dir: Path | None = None) -> ort.InferenceSession:
    """The session of ``onnx_path``, fully optimised; through its saved optimised
    graph in ``optimized_dir`` (saved first where there is none yet, or the one
    there does not load; see the module docstring)."""
    entry = _optimized_path(onnx_path, optimized_dir) if optimized_dir is not None else None
    if entry is not None:
        if (entry / GRAPH).is_file():
            session = _saved_session(entry, threads)
        else:  # none yet, or a part an interrupted removal left, in the way of the rename below
            session = None
            _remove(entry)
        if session is None and _save_optimized(onnx_path, entry, threads):
            session = _saved_session(entry, threads)
        if session is not None:
            return session
    try:
        return _session(onnx_path, threads)
    except Exception as err:  # onnxruntime raises its own exception types for damaged files
        raise ModelError(f"{onnx_path}: cannot load the ONNX model ({type(err).__name__})") from None


def _saved_session(entry: Path, threads: int) -> ort.InferenceSession | None:
    """The session of a saved optimised graph; ``None`` (and the entry deleted)
    when it does not load."""
    try:
        return _session(entry / GRAPH, threads)
    except Exception as err:  # noqa: BLE001 - onnxruntime's own types: a damaged entry is rebuilt
        logger.warning("%s: saved optimised model does not load (%s); optimising afresh", entry, type(err).__name__)
        _remove(entry)
        return None


def _session(path: Path, threads: int, save_to: Path | None = None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if save_to is None:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    else:  # the layout passes of ENABLE_ALL depend on the CPU: saved graphs stop before them
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(save_to / GRAPH)
        # the tables in a file of their own (named relative to the graph's folder), which loading maps
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", TABLES)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _optimized_path(onnx_path: Path, folder: Path) -> Path | None:
    """The entry (a folder) where the optimised graph of ``onnx_path`` is saved:
    a name that changes with onnxruntime, the machine and any write to the model file."""
    stamp = file_identity(onnx_path)
    if stamp is None:
        return None
    identity = (ort.__version__, platform.machine(), str(onnx_path.resolve()), stamp)
    key = hashlib.blake2b(repr(identity).encode(), digest_size=16).hexdigest()
    return folder / f"classifier-{key}"


def _save_optimized(onnx_path: Path, entry: Path, threads: int) -> bool:
    """Optimise ``onnx_path`` up to the extended level into the folder ``entry``
    (written under a temporary name, then renamed: a run that loads an entry
    finds it whole), keeping the newest entries only; whether an entry is
    there (a model that does not load gives none)."""
    temporary = entry.with_name(f"tmp-{os.getpid()}-{entry.name}")  # outside the pruned names
    try:
        _remove(temporary)  # a crashed run's, with this process id
        temporary.mkdir(parents=True)
        _session(onnx_path, threads, save_to=temporary)
        os.rename(temporary, entry)
    except Exception as err:  # noqa: BLE001 - a cache that cannot be written is only slower
        _remove(temporary)
        if (entry / GRAPH).is_file():  # another run saved it meanwhile
            return True
        logger.info("%s: optimised model not saved (%s)", entry, type(err).__name__)
        return False
    entries = sorted(entry.parent.glob("classifier-*"), key=_modified, reverse=True)
    for old in entries[OPTIMIZED_KEEP:]:
        _remove(old)
    return True


def _remove(path: Path) -> None:
    """Delete an entry (a folder, or an earlier version's single file), as far as
    it can be: a run that maps its tables keeps them until it ends."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _modified(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed by another run meanwhile
        return 0
