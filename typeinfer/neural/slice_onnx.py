"""The slice model under onnxruntime: export (``encoder.onnx`` + ``decoder.onnx``
next to the safetensors weights) and a runtime that decodes with beam search in
numpy, so that the CLI and the language server need no torch for it.

The decoder graph takes the whole prefix each step (no key/value cache): type
strings are at most 16 tokens, so a cache would save little and cost a far more
complex graph.  Beam scores are the summed log-probabilities divided by the
generated length (transformers' ``length_penalty=1``).

    typelens export --onnx --model DIR        # writes DIR/encoder.onnx, DIR/decoder.onnx

Example::

    runtime = SliceOnnxRuntime(Path("models/slice"))
    runtime.predict([{"kind": "parameter", "name": "path", "slice": [...]}], k=5)
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from typelens.analyzer import ModelError

from .slice_model import EOS, MAX_OUT, PAD, SliceVocab, calibrated, decode_text, read_slice_folder

logger = logging.getLogger(__name__)


def export_slice_onnx(model_dir: Path) -> list[Path]:
    """Write ``encoder.onnx`` and ``decoder.onnx`` for the slice model in ``model_dir``."""
    import torch

    from .slice_model import SliceRuntime

    model_dir = Path(model_dir)
    model = SliceRuntime(model_dir).model
    # eager attention keeps the padding mask as a tensor in the graph (the default
    # implementation decides from the example's mask while tracing)
    model.set_attn_implementation("eager")

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = model.encoder

        def forward(self, input_ids, attention_mask):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    class Decoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, decoder_input_ids, encoder_hidden, attention_mask):
            out = self.model(
                encoder_outputs=(encoder_hidden,),
                attention_mask=attention_mask,
                decoder_input_ids=decoder_input_ids,
                use_cache=False,
            )
            return torch.log_softmax(out.logits[:, -1], dim=-1)

    ids = torch.ones(2, 7, dtype=torch.long)
    mask = torch.ones(2, 7, dtype=torch.long)
    ids[1, 5:], mask[1, 5:] = PAD, 0  # a padded row, so no tracing branch assumes "no padding"
    encoder_path, decoder_path = model_dir / "encoder.onnx", model_dir / "decoder.onnx"
    # the exporter's notes on tracing are not the user's business: parity with torch
    # is what counts, and tests/test_neural.py checks it
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hidden = Encoder()(ids, mask)
        torch.onnx.export(
            Encoder(),
            (ids, mask),
            str(encoder_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={
                "input_ids": {0: "b", 1: "t"},
                "attention_mask": {0: "b", 1: "t"},
                "hidden": {0: "b", 1: "t"},
            },
            opset_version=17,
            dynamo=False,
        )
        start = torch.zeros(2, 3, dtype=torch.long)
        torch.onnx.export(
            Decoder(),
            (start, hidden, mask),
            str(decoder_path),
            input_names=["decoder_input_ids", "encoder_hidden", "attention_mask"],
            output_names=["logprobs"],
            dynamic_axes={
                "decoder_input_ids": {0: "b", 1: "s"},
                "encoder_hidden": {0: "b", 1: "t"},
                "attention_mask": {0: "b", 1: "t"},
                "logprobs": {0: "b"},
            },
            opset_version=17,
            dynamo=False,
        )
    return [encoder_path, decoder_path]


class SliceOnnxRuntime:
    """The slice model's ONNX graphs with beam search in numpy (one thread)."""

    def __init__(self, model_dir: Path, *, threads: int = 1) -> None:
        import onnxruntime as ort

        model_dir = Path(model_dir)
        settings, tokens = read_slice_folder(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        sessions = []
        for name in ("encoder.onnx", "decoder.onnx"):
            path = model_dir / name
            if not path.is_file():
                raise ModelError(f"{model_dir}: {name} is missing; run `typelens export --onnx --model {model_dir}`")
            try:
                sessions.append(ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]))
            except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types for damaged graphs
                raise ModelError(f"{path}: damaged ONNX graph ({type(err).__name__})") from None
        self.encoder, self.decoder = sessions
        self.vocab = SliceVocab(tokens)
        self.temperature = float(settings.get("temperature", 1.0))
        self.other = settings.get("other")

    def _encode(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        inputs = [self.vocab.encode_row(r)[0] for r in rows]
        width = max(len(x) for x in inputs)
        ids = np.array([x + [PAD] * (width - len(x)) for x in inputs], dtype=np.int64)
        mask = (ids != PAD).astype(np.int64)
        hidden = self.encoder.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return hidden, mask

    def beams(self, rows: list[dict], k: int) -> list[list[tuple[list[int], float]]]:
        """Up to ``k`` finished sequences per row, best first, with their scores.  All
        rows' live beams go through the decoder together, one call per step."""
        hidden, mask = self._encode(rows)
        alive: list[list[tuple[list[int], float]]] = [[([PAD], 0.0)] for _ in rows]
        finished: list[list[tuple[list[int], float]]] = [[] for _ in rows]
        for _ in range(MAX_OUT):
            owners = [r for r, beams in enumerate(alive) for _ in beams]
            if not owners:
                break
            prefixes = np.array([seq for beams in alive for seq, _ in beams], dtype=np.int64)
            logprobs = self.decoder.run(
                None, {"decoder_input_ids": prefixes, "encoder_hidden": hidden[owners], "attention_mask": mask[owners]}
            )[0]
            top = np.argsort(-logprobs, axis=1)[:, :k]
            position = 0
            for r, beams in enumerate(alive):
                candidates: list[tuple[list[int], float]] = []
                for seq, score in beams:
                    lp = logprobs[position]
                    candidates.extend((seq + [int(t)], score + float(lp[t])) for t in top[position])
                    position += 1
                candidates.sort(key=lambda c: -c[1])
                alive[r] = []
                for seq, score in candidates:
                    if seq[-1] == EOS:
                        finished[r].append((seq, score / (len(seq) - 1)))
                    elif len(alive[r]) < k:
                        alive[r].append((seq, score))
                    if len(alive[r]) == k:
                        break
                best = max((sc for _, sc in finished[r]), default=-np.inf)
                if len(finished[r]) >= k and (not alive[r] or best >= alive[r][0][1] / len(alive[r][0][0])):
                    alive[r] = []
        results = []
        for r in range(len(rows)):
            done = finished[r] + [(seq, score / (len(seq) - 1)) for seq, score in alive[r]]
            done.sort(key=lambda c: -c[1])
            results.append(done[:k])
        return results

    def predict(self, rows: list[dict], k: int = 5, batch: int = 64) -> list[list[tuple[str, float]]]:
        """Top-``k`` type strings per row with temperature-calibrated probabilities."""
        out = []
        found_all = [f for start in range(0, len(rows), batch) for f in self.beams(rows[start : start + batch], k)]
        for row, found in zip(rows, found_all):
            names = self.vocab.encode_row(row)[1]
            texts = [decode_text(self.vocab, seq[1:], names) for seq, _ in found]
            out.append(calibrated(texts, [score for _, score in found], self.temperature, self.other))
        return out
