"""Run-wide settings come from the working folder's configuration, per-file settings
from each file's own (``cli/run_settings.py``, docs/configuration.md): two projects
with different ``[tool.typelens]`` tables, analysed in one run by the real command
line, in either order and from either working folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli_paths import cli, write

pytestmark = pytest.mark.e2e

MODULE = "def shout(word):\n    return word.upper()\n\n\ndef count(items):\n    total = 0\n    for item in items:\n        total += item\n    return total\n"
MISTAKE = "class Box:\n    def __init__(self):\n        self.size = 1\n\n\nBox().sise\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """``work/`` asks for every classifier answer to be certain (a guess below 1.0);
    project ``a`` accepts any answer, names a model that does not exist and leaves
    out its ``gen.py``; project ``b`` keeps its graphs in a cache folder of its own."""
    return write(
        tmp_path / "work",
        {
            "pyproject.toml": "[tool.typelens]\nmin-confidence = 1.0\n",
            "a/pyproject.toml": '[tool.typelens]\nmin-confidence = 0.0\nmodel-path = "no-such-model"\n'
            'exclude = ["pa/gen.py"]\n',
            "a/pa/__init__.py": "",
            "a/pa/mod.py": MODULE,
            "a/pa/gen.py": MISTAKE,
            "b/pyproject.toml": '[tool.typelens]\ncache-dir = "b-cache"\nignore = ["attr-defined"]\n',
            "b/pb/__init__.py": "",
            "b/pb/mod.py": MODULE,
            "b/pb/gen.py": MISTAKE,
        },
    )


def _infer(work: Path, *args: str, cwd: Path | None = None):
    return cli("infer", *args, "--mode", "neural", "--no-cache", "-f", "json", cwd=cwd or work)


def _guesses(done, folder: str) -> tuple[int, int]:
    """(neural predictions, those under the run's min-confidence) in the files of ``folder``,
    counted from the text format's ``guess`` marks."""
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith(folder) and "neural" in line]
    return len(rows), sum("guess" in line for line in rows)


def test_infer_takes_run_wide_settings_from_the_working_folder(work: Path) -> None:
    both = [cli("infer", *order, "--mode", "neural", "--no-cache", cwd=work) for order in (("a", "b"), ("b", "a"))]
    for done in both:
        # a's model-path and min-confidence do not apply: the shipped model ran, 1.0 counts
        rows, guesses = _guesses(done, "a/")
        assert rows and guesses == rows, done.stdout
        rows, guesses = _guesses(done, "b/")
        assert rows and guesses == rows, done.stdout
    assert sorted(both[0].stdout.splitlines()[:-1]) == sorted(both[1].stdout.splitlines()[:-1])
    # a's exclude still applies to a's files (per file), and not to b's
    files = {p["file"] for p in json.loads(_infer(work, "a", "b").stdout)["predictions"]}
    assert files == {"a/pa/mod.py", "b/pb/mod.py", "b/pb/gen.py"}


def test_infer_from_inside_a_project_takes_its_table(work: Path) -> None:
    inside = _infer(work, ".", "../b", cwd=work / "a")
    assert inside.returncode == 2 and "no-such-model" in inside.stderr
    (work / "a" / "pyproject.toml").write_text("[tool.typelens]\nmin-confidence = 0.0\n")
    done = cli("infer", ".", "../b", "--mode", "neural", "--no-cache", cwd=work / "a")
    rows, guesses = _guesses(done, "pa/")
    assert rows and guesses == 0, done.stdout
    # b's files too: min-confidence is the run's, not b's (which has none, the default 0.8)
    rows, guesses = _guesses(done, str(work / "b"))
    assert rows and guesses == 0, done.stdout


def test_analyze_keeps_rules_per_file_and_the_cache_folder_run_wide(work: Path, tmp_path: Path) -> None:
    env = {"TYPELENS_CACHE_DIR": str(tmp_path / "cache")}
    done = cli("analyze", "b", "a", "-f", "json", cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    found = sorted((d["file"], d["code"]) for d in json.loads(done.stdout)["diagnostics"])
    # b ignores attr-defined, a excludes its gen.py: nothing from either gen.py
    assert found == []
    named = cli("analyze", "a/pa/gen.py", "b/pb/gen.py", "-f", "json", cwd=work, env=env)
    assert [(d["file"], d["code"]) for d in json.loads(named.stdout)["diagnostics"]] == [
        ("a/pa/gen.py", "attr-defined")
    ]
    assert (tmp_path / "cache" / "graphs").is_dir() and not (work / "b" / "b-cache").exists()
    cli("analyze", ".", cwd=work / "b", env=env)
    assert (work / "b" / "b-cache" / "graphs").is_dir()
