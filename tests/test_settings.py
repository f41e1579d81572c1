"""The one settings layer: defaults < [tool.typelens] < editor < command line,
rules layered as in ruff, unknown keys warned about, wrong values refused."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.analyzer import InputError
from typelens.typeinfer.settings import KEYS, Settings, load_settings, with_editor

FILE = """[tool.typelens]
select = ["attr-defined", "call-arg", "optional-member-access"]
ignore = ["optional-member-access"]
min-confidence = 0.6
python = "envs/py"
model-path = "models/clf"
device = "cpu"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(FILE)
    (tmp_path / "pkg").mkdir()
    return tmp_path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


def test_each_layer_overrides_the_one_below(project: Path) -> None:
    from_file = load_settings(project / "pkg")
    assert from_file.min_confidence == 0.6 and from_file.device == "cpu"
    assert from_file.python == project / "envs/py" and from_file.model_path == project / "models/clf"
    assert from_file.is_enabled("attr-defined") and not from_file.is_enabled("optional-member-access")
    assert not from_file.is_enabled("unresolved-import")  # not selected
    editor = load_settings(project, editor={"typelens": {"minConfidence": 0.7, "python": "/opt/env"}}, root=project)
    assert editor.min_confidence == 0.7 and editor.python == Path("/opt/env") and editor.device == "cpu"
    cli = load_settings(project, editor={"minConfidence": 0.7}, cli={"min-confidence": 0.9, "select": None})
    assert cli.min_confidence == 0.9
    # a rule the file ignores, selected on the command line, is reported
    chosen = load_settings(project, cli={"select": "optional-member-access"})
    assert chosen.is_enabled("optional-member-access") and not chosen.is_enabled("attr-defined")
    # --ignore on top of the file's select
    dropped = load_settings(project, cli={"ignore": "call-arg"})
    assert dropped.is_enabled("attr-defined") and not dropped.is_enabled("call-arg")


def test_lm_path_is_a_path_relative_to_its_layer_or_a_model_name(project: Path) -> None:
    """``lm-path = "models/lm"`` is relative to the pyproject.toml; ``tiny`` and
    ``smollm2`` name models and stay names in every layer."""
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('lm-path = "models/lm"\n')
    assert load_settings(project / "pkg").lm_path == project / "models/lm"
    assert load_settings(project, editor={"lmPath": "smollm2"}, root=project).lm_path == "smollm2"
    assert load_settings(project, cli={"lm-path": "tiny"}).lm_path == "tiny"
    assert load_settings(project, cli={"lm-path": "./tiny"}).lm_path == Path.cwd() / "tiny"


def test_editor_changes_keep_the_file_underneath(project: Path) -> None:
    base = load_settings(project)
    changed = with_editor(base, {"typelens": {"device": "auto"}}, project)
    assert changed.device == "auto" and changed.min_confidence == 0.6 and changed.source == project / "pyproject.toml"


def test_unknown_keys_are_warnings_naming_the_key(project: Path, caplog) -> None:
    (project / "pyproject.toml").write_text('[tool.typelens]\nselct = ["call-arg"]\nmin-confidence = 0.5\n')
    with caplog.at_level(logging.WARNING):
        settings = load_settings(project, editor={"minConfidnce": 0.3})
    assert settings.min_confidence == 0.5
    assert "'selct'" in caplog.text and "'minConfidnce'" in caplog.text


@pytest.mark.parametrize(
    "line, message",
    [
        ("min-confidence = 2", "between 0 and 1"),
        ("min-confidence = true", "between 0 and 1"),
        ('select = ["bogus"]', "unknown rule 'bogus'"),
        ('device = "tpu"', "auto, cpu or cuda"),
        ('guided-completion = "yes"', "true or false"),
        ("python = 3", "path string"),
    ],
)
def test_wrong_values_in_the_file_are_errors(project: Path, line: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.typelens]\n{line}\n")
    with pytest.raises(InputError, match=message):
        load_settings(project)


def test_wrong_editor_values_are_ignored(project: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        settings = load_settings(project, editor={"minConfidence": "high", "device": 3})
    assert settings.min_confidence == 0.6 and settings.device == "cpu"
    assert "minConfidence" in caplog.text


def test_nearest_file_with_a_typelens_table_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.typelens]\nmin-confidence = 0.3\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load_settings(inner).min_confidence == 0.3
    (inner / "pyproject.toml").write_text("[tool.typelens]\nmin-confidence = 0.4\n")
    assert load_settings(inner).min_confidence == 0.4


def test_every_key_has_an_editor_name_and_a_settings_field() -> None:
    fields = set(Settings.__dataclass_fields__)
    for key in KEYS:
        assert key.field in fields and key.editor[0].islower() and "-" not in key.editor


def test_the_command_line_select_wins_over_the_file_ignore(tmp_path: Path) -> None:
    """The end-to-end case: `analyze --select` against a file that ignores the rule."""
    (tmp_path / "pyproject.toml").write_text('[tool.typelens]\nignore = ["unresolved-import"]\n')
    (tmp_path / "a.py").write_text("import surely_not_a_module_anywhere\n")
    run = [sys.executable, "-m", "typelens.cli", "analyze", "a.py", "--format", "json"]
    quiet = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert json.loads(quiet.stdout)["diagnostics"] == []
    loud = subprocess.run(
        run + ["--select", "unresolved-import"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert [d["code"] for d in json.loads(loud.stdout)["diagnostics"]] == ["unresolved-import"]


def test_rules_off_by_default_need_selecting(project: Path) -> None:
    assert not Settings().is_enabled("unused-ignore") and Settings().is_enabled("attr-defined")
    extended = load_settings(project, cli={"extend-select": "unused-ignore"})
    # the file's select still holds; extend-select adds to it
    assert extended.is_enabled("unused-ignore") and extended.is_enabled("attr-defined")
    assert not extended.is_enabled("unresolved-import")
    assert load_settings(project, cli={"select": "unused-ignore"}).is_enabled("unused-ignore")
    # an ignore above an extend-select wins, and a select above it starts over
    (project / "pyproject.toml").write_text('[tool.typelens]\nextend-select = ["unused-ignore"]\n')
    assert load_settings(project).is_enabled("unused-ignore")
    assert not load_settings(project, cli={"ignore": "unused-ignore"}).is_enabled("unused-ignore")
    assert not load_settings(project, cli={"select": "call-arg"}).is_enabled("unused-ignore")


def test_discovery_keys_are_read_and_checked(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.typelens]\nexclude = ["build/", "**/*_pb2.py"]\nrespect-gitignore = false\nforce-exclude = true\n'
        'per-file-ignores = { "tests/**" = ["attr-defined", "call-arg"] }\n'
    )
    settings = load_settings(project)
    assert settings.exclude == ("build/", "**/*_pb2.py") and settings.base == project.resolve()
    assert not settings.respect_gitignore and settings.force_exclude
    assert settings.per_file_ignores == (("tests/**", frozenset({"attr-defined", "call-arg"})),)
    assert settings.ignoring(frozenset({"call-arg"})).ignore == frozenset({"call-arg"})


@pytest.mark.parametrize(
    "line, message",
    [
        ('per-file-ignores = ["tests/**"]', "table of glob"),
        ('per-file-ignores = { "tests/**" = ["bogus"] }', "unknown rule 'bogus'"),
        ("exclude = [3]", "list of strings"),
        ('respect-gitignore = "no"', "true or false"),
        ('extend-select = ["nope"]', "unknown rule 'nope'"),
    ],
)
def test_wrong_discovery_values_are_errors(project: Path, line: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.typelens]\n{line}\n")
    with pytest.raises(InputError, match=message):
        load_settings(project)


def test_each_file_gets_its_nearest_configuration(tmp_path: Path) -> None:
    from typelens.typeinfer.settings import SettingsTree

    (tmp_path / "pyproject.toml").write_text('[tool.typelens]\nignore = ["call-arg"]\n')
    nested = tmp_path / "vendored" / "lib"
    nested.mkdir(parents=True)
    (nested / "pyproject.toml").write_text('[tool.typelens]\nignore = ["attr-defined"]\n')
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "pyproject.toml").write_text("[project]\nname = 'p'\n")  # no table: not a project of ours
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    tree = SettingsTree(tmp_path, cli={"ignore": "unresolved-import"})
    assert tree.for_path(nested / "deep" / "x.py").source == nested / "pyproject.toml"
    assert tree.for_path(plain / "y.py").source == tmp_path / "pyproject.toml"
    assert tree.for_path(outside / "z.py") is tree.default  # nothing above it: the working folder's
    inner, top = tree.for_path(nested / "x.py"), tree.for_path(tmp_path / "x.py")
    assert not inner.is_enabled("attr-defined") and inner.is_enabled("call-arg")  # its own, not the parent's
    assert top.is_enabled("attr-defined") and not top.is_enabled("call-arg")
    assert not inner.is_enabled("unresolved-import") and not top.is_enabled(
        "unresolved-import"
    )  # the command line on top
    assert not SettingsTree(tmp_path, cli={"select": "attr-defined"}).for_path(nested / "x.py").is_enabled("call-arg")


def test_the_json_schema_matches_the_keys(update_golden: bool) -> None:
    """docs/typelens.schema.json is generated from KEYS: `pytest --update-golden` rewrites it."""
    import jsonschema

    from typelens.typeinfer.settings import json_schema

    from .conftest import ROOT, check_golden

    schema = json_schema()
    check_golden(ROOT / "docs" / "typelens.schema.json", json.dumps(schema, indent=2) + "\n", update_golden)
    assert set(schema["properties"]) == {k.name for k in KEYS}
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate({"select": ["call-arg"], "per-file-ignores": {"tests/**": ["attr-defined"]}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"selct": ["call-arg"]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"ignore": ["bogus"]}, schema)
