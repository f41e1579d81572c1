"""ONNX export: the graph computes calibrated probabilities (softmax of logits
divided by the temperature), with a dynamic batch dimension.

The exported graph folds the first convolution into the embedding table.  That
convolution is linear in its input, and its input is an embedding plus a position
embedding, so for each kernel tap ``k`` the product ``embed @ W_k`` is a table of
its own: the convolution becomes three lookups (the token before, the token, the
token after) and two additions, and the position part is one constant [L, D].
The file keeps the small factors; onnxruntime multiplies them once when it
loads the model (constant folding), so the model stays a few MB on disk.  Same
function, up to float rounding (top-1 parity with torch is tested)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import cast

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from typelens.analyzer import ModelError

from .model import WindowClassifier
from .store import read_config


class Calibrated(torch.nn.Module):
    """What the ONNX file computes: calibrated probabilities, first convolution folded."""

    def __init__(self, model: WindowClassifier, temperature: float) -> None:
        super().__init__()
        self.model = model
        self.temperature = temperature

    def forward(self, windows: torch.Tensor, name: torch.Tensor, subs: torch.Tensor | None = None) -> torch.Tensor:
        return torch.softmax(self.logits(windows, name, subs=subs) / self.temperature, dim=-1)

    def folded(self, length: int) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The three per-tap tables [V, D] and the position part [L, D] (with the bias)."""
        model, conv = self.model, cast(torch.nn.Conv1d, self.model.convs[0])
        tables = [model.embed.weight @ conv.weight[:, :, k].T for k in range(3)]
        positions = conv(model.position.weight[:length].T.unsqueeze(0))[0].T
        return tables, positions

    def logits(
        self,
        windows: torch.Tensor,
        name: torch.Tensor,
        folded: tuple[list[torch.Tensor], torch.Tensor] | None = None,
        subs: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``WindowClassifier.forward`` with its first convolution folded into lookups
        (``folded``: the parts, computed once, as onnxruntime does at load).  The
        words of ``subs`` are added to their tokens' embeddings, so they go through
        the same tables."""
        model = self.model
        b, w, l = windows.shape
        tables, positions = folded or self.folded(l)
        flat = windows.reshape(b * w, l)
        x = positions
        for ids in (flat, subs.reshape(b * w, l)) if subs is not None else (flat,):
            before = F.pad(ids[:, :-1], (1, 0))  # the token before each position (0: none, an all-zero row)
            after = F.pad(ids[:, 1:], (0, 1))  # the token after it
            x = x + F.embedding(before, tables[0]) + F.embedding(ids, tables[1]) + F.embedding(after, tables[2])
        x = torch.relu(x)  # [BW, L, D]
        mask = (flat > 0).unsqueeze(-1).float()  # [BW, L, 1]
        if len(model.convs) > 1:
            return model.tail(x.transpose(1, 2), mask.transpose(1, 2), windows, name)
        return model.head_of(windows, name, (x * mask).max(dim=1).values)


def load_torch_model(model_dir: Path) -> tuple[WindowClassifier, dict]:
    config = read_config(model_dir)
    weights = Path(model_dir) / "model.safetensors"
    model = WindowClassifier(
        config["encoder"]["buckets"],
        len(config["classes"]),
        config["dim"],
        config["hidden"],
        config["encoder"]["window_len"],
        config["layers"],
        config["encoder"].get("values", 0),
    )
    try:
        model.load_state_dict(load_file(str(weights)))
    except Exception as err:  # safetensors raises several kinds for damaged files
        raise ModelError(f"{weights}: cannot load the weights ({type(err).__name__}: {err})") from None
    model.eval()
    return model, config


def export_onnx(model_dir: Path) -> Path:
    model, config = load_torch_model(model_dir)
    enc = config["encoder"]
    windows = torch.zeros((2, enc["windows"], enc["window_len"]), dtype=torch.int64)
    name = torch.zeros((2, enc["name_len"] + enc.get("values", 0)), dtype=torch.int64)
    inputs: tuple[torch.Tensor, ...]
    inputs, names = (windows, name), ["windows", "name"]
    if enc.get("subtokens"):
        inputs, names = (windows, name, torch.zeros_like(windows)), names + ["subs"]
    out = Path(model_dir) / "model.onnx"
    with warnings.catch_warnings():  # the exporter's notes on tracing, not the user's business
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            Calibrated(model, config["temperature"]),
            inputs,
            str(out),
            input_names=names,
            output_names=["probabilities"],
            dynamic_axes={**{n: {0: "batch"} for n in names}, "probabilities": {0: "batch"}},
            opset_version=17,
            dynamo=False,
            do_constant_folding=False,
        )  # keep the tables factored in the file (see above)
    return out
