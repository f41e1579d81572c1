"""ONNX export: the graph computes calibrated probabilities (softmax of logits
divided by the temperature), with a dynamic batch dimension."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file

from typelens.analyzer import ModelError

from .model import WindowClassifier
from .store import read_config


class _Calibrated(torch.nn.Module):
    def __init__(self, model: WindowClassifier, temperature: float) -> None:
        super().__init__()
        self.model = model
        self.temperature = temperature

    def forward(self, windows: torch.Tensor, name: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(windows, name) / self.temperature, dim=-1)


def load_torch_model(model_dir: Path) -> tuple[WindowClassifier, dict]:
    config = read_config(model_dir)
    weights = Path(model_dir) / "model.safetensors"
    model = WindowClassifier(config["encoder"]["buckets"], len(config["classes"]), config["dim"], config["hidden"],
                             config["encoder"]["window_len"], config["layers"])
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
    name = torch.zeros((2, enc["name_len"]), dtype=torch.int64)
    out = Path(model_dir) / "model.onnx"
    torch.onnx.export(_Calibrated(model, config["temperature"]), (windows, name), str(out),
                      input_names=["windows", "name"], output_names=["probabilities"],
                      dynamic_axes={"windows": {0: "batch"}, "name": {0: "batch"}, "probabilities": {0: "batch"}},
                      opset_version=17, dynamo=False)
    return out
