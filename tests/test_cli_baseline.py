"""Adoption in CI with the real command line: a baseline that keeps old findings
from failing while new ones do, --exit-zero, --statistics and colour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli_paths import MISTAKE, cli, write

pytestmark = pytest.mark.e2e

ARITY = "def add(a, b):\n    return a + b\n\n\nadd(1)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "project", {"app/box.py": MISTAKE, "app/arith.py": ARITY})


def test_a_baseline_keeps_old_findings_quiet_and_new_ones_loud(project: Path) -> None:
    written = cli("analyze", "app", "--write-baseline", "--baseline", "ci/baseline.json", cwd=project)
    assert written.returncode == 2 and "ci/baseline.json" in written.stderr  # its folder must exist
    written = cli("analyze", "app", "--write-baseline", cwd=project)
    assert written.returncode == 0, written.stderr
    doc = json.loads((project / "typelens-baseline.json").read_text())
    assert sorted((r["file"], r["code"], r["line"]) for r in doc["findings"]) == [
        ("app/arith.py", "call-arg", 5),
        ("app/box.py", "attr-defined", 6),
    ]
    quiet = cli("analyze", "app", "--baseline", "typelens-baseline.json", cwd=project)
    assert quiet.returncode == 0, quiet.stdout
    assert "0 finding(s) in 2 file(s) (2 in the baseline)" in quiet.stdout
    # unrelated edits move the old findings down: they stay in the baseline
    (project / "app" / "box.py").write_text('"""Boxes."""\n\nimport os\n\n' + MISTAKE)
    # a new finding, and a second copy of an old one on an identical line, are new
    (project / "app" / "arith.py").write_text("# arithmetic\n" + ARITY + "add(1)\nadd(1, 2, 3)\n")
    # run from a sub-folder: the baseline's paths are relative to its own folder
    loud = cli("analyze", ".", "--baseline", "../typelens-baseline.json", "--format", "json", cwd=project / "app")
    assert loud.returncode == 1
    out = json.loads(loud.stdout)
    assert sorted((r["file"], r["line"], r["code"]) for r in out["diagnostics"]) == [
        ("arith.py", 7, "call-arg"),
        ("arith.py", 8, "call-arg"),
    ]
    assert out["stats"]["baselined"] == 2 and out["stats"]["findings"] == 2


def test_a_missing_or_damaged_baseline_is_a_usage_error(project: Path) -> None:
    missing = cli("analyze", "app", "--baseline", "nope.json", cwd=project)
    assert missing.returncode == 2 and "--write-baseline" in missing.stderr
    (project / "bad.json").write_text("{not json")
    assert cli("analyze", "app", "--baseline", "bad.json", cwd=project).returncode == 2


def test_exit_zero_statistics_and_colour(project: Path) -> None:
    (project / "app" / "more.py").write_text(MISTAKE + "Box().colour\n")
    stats = cli("analyze", "app", "--statistics", "--exit-zero", cwd=project)
    assert stats.returncode == 0
    rows = [line.split(None, 2) for line in stats.stdout.splitlines()[:-1]]
    assert [(r[0], r[1]) for r in rows] == [("3", "attr-defined"), ("1", "call-arg")]
    assert stats.stdout.splitlines()[-1] == "4 finding(s) in 3 file(s)" and "\x1b[" not in stats.stdout
    coloured = cli("analyze", "app", "--color", "always", cwd=project)
    assert coloured.returncode == 1 and "\x1b[1;31merror\x1b[0m" in coloured.stdout
    # NO_COLOR turns auto off (and a pipe is no terminal anyway); always wins over it
    assert "\x1b[" not in cli("analyze", "app", "--color", "auto", cwd=project, env={"NO_COLOR": "1"}).stdout
    assert "\x1b[" in cli("analyze", "app", "--color", "always", cwd=project, env={"NO_COLOR": "1"}).stdout
    assert cli("analyze", "app", "--color", "sometimes", cwd=project).returncode == 2


def test_colour_auto_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from typelens.cli.findings import use_colour

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour("auto", True) and not use_colour("auto", False) and use_colour("always", False)
    assert not use_colour("never", True)
    monkeypatch.setenv("NO_COLOR", "")  # empty: as if unset (no-color.org)
    assert use_colour("auto", True)
