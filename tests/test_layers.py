"""Layers import downward only (STYLE rule 1), checked on the source text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

FORBIDDEN = {
    "analyzer": {
        "torch",
        "transformers",
        "pygls",
        "lsprotocol",
        "onnxruntime",
        "typelens.typeinfer",
        "typelens.monitors",
        "typelens.lsp",
        "typelens.cli",
        "typelens.datasets",
    },
    "typeinfer": {"pygls", "lsprotocol", "typelens.monitors", "typelens.lsp", "typelens.cli"},
    "datasets": {"pygls", "lsprotocol", "typelens.monitors", "typelens.lsp", "typelens.cli"},
    "monitors": {"pygls", "lsprotocol", "typelens.lsp", "typelens.cli"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    for path in (ROOT / layer).rglob("*.py"):
        for name in imported_modules(path):
            for banned in FORBIDDEN[layer]:
                assert not (name == banned or name.startswith(banned + ".")), f"{path.name} imports {name}"
