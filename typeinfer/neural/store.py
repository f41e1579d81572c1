"""Model folders: ``config.json`` + ``model.safetensors`` (+ ``model.onnx``), checked
before anything is loaded.  Never pickles."""

from __future__ import annotations

import json
from pathlib import Path

from typelens.analyzer import ModelError

MODEL_VERSION = "typelens-classifier-6"   # 2: position embeddings, first window apart; 3: number literals by kind, optional stacked convolutions; 4: operators as one token; 5: value shapes; 6: declared types among them


def read_config(model_dir: Path) -> dict:
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise ModelError(f"{model_dir}: not a typelens model folder (no config.json)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{path}: unreadable model config ({err})") from None
    if not isinstance(config, dict) or config.get("version") != MODEL_VERSION:
        found = config.get("version") if isinstance(config, dict) else None
        raise ModelError(f"{model_dir}: model version {found!r}, this typelens reads {MODEL_VERSION!r}; retrain it")
    for key in ("classes", "encoder", "dim", "hidden", "layers", "temperature"):
        if key not in config:
            raise ModelError(f"{path}: missing {key!r}; the file is damaged or from another tool")
    return config
