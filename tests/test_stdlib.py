"""The whole installed standard library builds without an exception (slow)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from typelens.analyzer import build_graph_safely, iter_python_files


@pytest.mark.slow
def test_every_stdlib_file_builds() -> None:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in iter_python_files(root) if p.suffix == ".py"]
    assert len(files) > 500
    failures = []
    for path in files:
        graph = build_graph_safely(path)
        if any(d.code == "internal-error" for d in graph.diagnostics):
            failures.append((path, graph.diagnostics))
    assert not failures, failures[:5]
