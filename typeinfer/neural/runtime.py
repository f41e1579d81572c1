"""Predicting with onnxruntime on the CPU (no torch needed), batched.

Example::

    rt = ClassifierRuntime(Path("models/classifier"))
    rt.predict([sample])[0][:2]        # [('str', 0.81), ('bytes', 0.07)]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from typelens.analyzer import ModelError

from .encoding import Encoder, EncoderConfig
from .store import read_config


class ClassifierRuntime:
    def __init__(self, model_dir: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort

        self.config = read_config(model_dir)
        onnx_path = Path(model_dir) / "model.onnx"
        if not onnx_path.is_file():
            raise ModelError(f"{model_dir}: no model.onnx; run `typelens export --onnx --model {model_dir}`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # constant folding multiplies the exported factors into the lookup tables (export.py)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types for damaged files
            raise ModelError(f"{onnx_path}: cannot load the ONNX model ({type(err).__name__})") from None
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

    def _run(self, samples: list[dict]) -> np.ndarray:
        """The probabilities of one batch (its inputs encoded here, batch by batch)."""
        return self.session.run(None, self.encoder.encode_many(samples))[0]

    def ranked(self, probs: np.ndarray, k: int = 5) -> list[list[tuple[str, float]]]:
        """The top ``k`` ``(type, probability)`` of each row of ``probabilities()``."""
        top = np.argsort(-probs, axis=1)[:, :k]
        return [[(self.classes[j], float(probs[i, j])) for j in row] for i, row in enumerate(top)]
