"""Configuration as the real command line finds it: from the working folder up,
per file in nested projects, ``exclude`` and ``per-file-ignores`` globs applied
while files are discovered, ``.gitignore`` respected, unknown keys named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typelens.typeinfer.discovery import Discovery
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.settings import SettingsTree

from .test_cli_paths import MISTAKE, cli, write

ARITY = "def add(a, b):\n    return a + b\n\n\nadd(1)\n"
BROKEN = "x = = 1\n"


def _found(done) -> list[tuple[str, str]]:
    assert done.returncode in (0, 1), done.stderr
    return sorted((r["file"], r["code"]) for r in json.loads(done.stdout)["diagnostics"])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.typelens]\nexclude = ["build/", "**/*_pb2.py"]\n'
            'per-file-ignores = { "tests/**" = ["attr-defined"] }\n',
            "src/app.py": MISTAKE,
            "src/gen/msg_pb2.py": BROKEN,
            "build/lib/app.py": BROKEN,
            "tests/test_app.py": MISTAKE + ARITY,
            "scratch/notes.py": BROKEN,
            ".gitignore": "scratch/\n",
            "vendored/lib/pyproject.toml": '[tool.typelens]\nignore = ["call-arg"]\nexclude = ["old.py"]\n',
            "vendored/lib/mod.py": MISTAKE + ARITY,
            "vendored/lib/old.py": BROKEN,
        },
    )
    (root / ".git").mkdir()
    return root


@pytest.mark.e2e
def test_globs_gitignore_and_nested_projects(repo: Path) -> None:
    assert _found(cli("analyze", ".", "--format", "json", cwd=repo)) == [
        ("src/app.py", "attr-defined"),
        ("tests/test_app.py", "call-arg"),  # its attr-defined: per-file-ignores
        ("vendored/lib/mod.py", "attr-defined"),  # its call-arg: the nested project ignores it
    ]
    # the same from inside the nested project, and from a folder of the outer one
    assert _found(cli("analyze", ".", "-f", "json", cwd=repo / "vendored" / "lib")) == [("mod.py", "attr-defined")]
    assert _found(cli("analyze", "..", "-f", "json", cwd=repo / "src")) == sorted(
        [
            ("app.py", "attr-defined"),
            ((repo / "tests/test_app.py").as_posix(), "call-arg"),
            ((repo / "vendored/lib/mod.py").as_posix(), "attr-defined"),
        ]
    )
    # .gitignore off: the scratch file is analysed
    loose = _found(cli("analyze", ".", "-f", "json", "--no-respect-gitignore", cwd=repo))
    assert ("scratch/notes.py", "syntax-error") in loose and ("build/lib/app.py", "syntax-error") not in loose
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "respect-gitignore = false\n")
    assert ("scratch/notes.py", "syntax-error") in _found(cli("analyze", ".", "-f", "json", cwd=repo))


@pytest.mark.e2e
def test_a_named_folder_the_repository_ignores_is_analysed(repo: Path) -> None:
    """``analyze .venv/lib/.../pkg`` checks what was asked for (as ripgrep and
    ruff do with a named folder); the whole repository still leaves it out."""
    assert _found(cli("analyze", "scratch", "-f", "json", cwd=repo)) == [("scratch/notes.py", "syntax-error")]
    assert ("scratch/notes.py", "syntax-error") not in _found(cli("analyze", ".", "-f", "json", cwd=repo))


@pytest.mark.e2e
def test_named_files_are_checked_unless_forced(repo: Path) -> None:
    """pre-commit names each changed file: --force-exclude keeps excluded ones out."""
    named = ["build/lib/app.py", "src/gen/msg_pb2.py", "scratch/notes.py", "src/app.py"]
    assert _found(cli("analyze", *named, "-f", "json", cwd=repo)) == [
        ("build/lib/app.py", "syntax-error"),
        ("scratch/notes.py", "syntax-error"),
        ("src/app.py", "attr-defined"),
        ("src/gen/msg_pb2.py", "syntax-error"),
    ]
    assert _found(cli("analyze", *named, "-f", "json", "--force-exclude", cwd=repo)) == [("src/app.py", "attr-defined")]
    only_excluded = cli("analyze", "build/lib/app.py", "--force-exclude", cwd=repo)
    assert only_excluded.returncode == 0 and "0 finding(s) in 0 file(s)" in only_excluded.stdout


@pytest.mark.e2e
def test_working_folder_configuration_and_unknown_keys(tmp_path: Path) -> None:
    """A file outside any project gets the working folder's settings; unknown keys are named."""
    work = write(
        tmp_path / "work", {"pyproject.toml": '[tool.typelens]\nselct = ["call-arg"]\nignore = ["call-arg"]\n'}
    )
    loose = write(tmp_path / "loose", {"a.py": ARITY + MISTAKE})
    done = cli("analyze", str(loose / "a.py"), "--format", "json", cwd=work)
    assert [r["code"] for r in json.loads(done.stdout)["diagnostics"]] == ["attr-defined"]
    assert "unknown key 'selct'" in done.stderr
    (work / "pyproject.toml").write_text('[tool.typelens]\nexclude = ["[z-a]"]\n')
    bad = cli("analyze", str(loose), cwd=work)
    assert bad.returncode == 2 and "exclude" in bad.stderr


def test_excluded_files_are_never_parsed(repo: Path) -> None:
    """Not analysed and not in the project graph: nothing reads them unless imported."""
    tree = SettingsTree(repo)
    result = infer_paths([repo], InferOptions(use_cache=False, settings=tree.default, discovery=Discovery(tree)))
    analysed = {Path(p.path).relative_to(repo.resolve()).as_posix() for p in result.predictions}
    assert analysed == {"src/app.py", "tests/test_app.py", "vendored/lib/mod.py"}
    project = next(iter(result.engines.values())).project
    assert sorted(project.files) == ["src/app.py", "tests/test_app.py", "vendored/lib/mod.py"]
    parsed = {key[0].resolve() for key in next(iter(result.sessions.values())).index._graphs}
    assert not {repo / "build/lib/app.py", repo / "scratch/notes.py", repo / "src/gen/msg_pb2.py"} & parsed


def test_gitignore_files_nest_negate_and_survive_a_broken_line(tmp_path: Path, caplog) -> None:
    from typelens.analyzer.ignores import GitIgnores

    write(
        tmp_path,
        {
            ".gitignore": "*.gen.py\n[z-a]\nlogs/\n",
            "pkg/.gitignore": "!keep.gen.py\nlocal_*.py\n",
            ".git/info/exclude": "private.py\n",
        },
    )
    ignores = GitIgnores()
    verdicts = {
        name: ignores.is_ignored(tmp_path / name, tmp_path)
        for name in (
            "a.gen.py",
            "pkg/keep.gen.py",
            "pkg/b.gen.py",
            "pkg/local_x.py",
            "local_y.py",
            "logs/x.py",
            "private.py",
            "pkg/private.py",
            "ok.py",
        )
    }
    assert verdicts == {
        "a.gen.py": True,
        "pkg/keep.gen.py": False,
        "pkg/b.gen.py": True,
        "pkg/local_x.py": True,
        "local_y.py": False,
        "logs/x.py": True,
        "private.py": True,
        "pkg/private.py": True,
        "ok.py": False,
    }
    assert "'[z-a]'" in caplog.text
