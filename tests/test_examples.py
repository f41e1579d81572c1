"""Every file in examples/ runs: scripts execute, the example project analyses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from typelens.analyzer import ProjectIndex, build_project_graph

from .conftest import ROOT

SCRIPTS = sorted(p for p in (ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_script_runs(script) -> None:
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_example_project_has_no_internal_errors() -> None:
    pg = build_project_graph(ProjectIndex(ROOT / "examples" / "shop"))
    assert len(pg.files) == 5
    codes = [d.code for g in pg.graphs for d in g.diagnostics]
    assert codes == ["syntax-error"]  # only the deliberate one in report.py
