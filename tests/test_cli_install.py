"""The install and CI snippets of the docs, run as they are written.

Each test reads its snippet from the fenced blocks of README.md and docs/*.md (a
block is found by what it contains, and every copy of it is run), so the docs
cannot drift from what is tested.  What a snippet names and this machine cannot
reach is replaced, and only that: ``.`` (the clone's root) by the wheel built
once per session from a copy of this checkout (what pip, pipx and uv build from
``.``); ``/path/to/typelens`` and ``rev: main`` by that copy, a git repository,
and its commit; ``actions/*`` steps of the workflow by what they do (the
checkout is a temporary folder, ``python`` is this interpreter's base Python, the
SARIF upload checks the file); a ``pipx install 'git+https://...'`` step is
skipped (network beyond the package index), the tool installed by ``pipx
install .`` standing in for it.  pipx, uv and pre-commit come from the package
index (skipped with the reason when it cannot be reached); pipx and uv install
into temporary homes, pre-commit builds its hook environment in a temporary
``PRE_COMMIT_HOME``.  The ``[ml]`` variants are not installed (torch: 1.2 GB);
their extra is checked in the wheel's metadata.

Example::

    $ pytest tests/test_cli_install.py -k pipx       # about a minute: wheel, tools, pipx
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from typelens.cli.version import __version__

from .conftest import ROOT
from .test_packaging import Build, build_once, snippet_env

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
MISTAKE = "class Box:\n    def __init__(self):\n        self.size = 1\n\n\nBox().sise\n"
FENCE = re.compile(r"^( *)(```+)(\w*)\s*$")


# -- reading the docs -------------------------------------------------------------------------


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced block of a Markdown text (indented ones too)."""
    blocks: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        i += 1
        if opened is None:
            continue
        indent, fence, language = opened.groups()
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        blocks.append((language, "\n".join(body) + "\n"))
    return blocks


def snippets(language: str, needle: str) -> list[str]:
    """Every distinct block in ``language`` that contains ``needle``, across the docs;
    at least one must exist (a test that lost its snippet fails, it does not pass)."""
    found: list[str] = []
    for path in DOCS:
        for lang, body in fenced_blocks(path.read_text(encoding="utf-8")):
            if lang == language and needle in body and body not in found:
                found.append(body)
    assert found, f"no ```{language} block containing {needle!r} in README.md or docs/"
    return found


def snippet_commands(language: str, needle: str) -> list[str]:
    """The commands of the shell blocks containing ``needle``: each line's command and
    an alternative its comment offers (``pipx install .   # or: uv tool install .``)."""
    commands: list[str] = []
    for body in snippets(language, needle):
        for line in body.splitlines():
            command, _, comment = line.partition("#")
            alternative = comment.strip().removeprefix("or:").strip() if comment.strip().startswith("or:") else ""
            for found in (command.strip(), alternative):
                if found and found not in commands:
                    commands.append(found)
    return commands


def install_command(command: str, wheel: Path) -> str:
    """``command`` with its install target ``.``, its last word, replaced by ``wheel``."""
    head, _, target = command.rpartition(" ")
    assert target == "." and "." not in shlex.split(head)[1:], f"{command!r} does not end in the target '.'"
    return f"{head} {shlex.quote(str(wheel))}"


def _run(argv: list[str] | str, cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    shell = isinstance(argv, str)
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", argv] if shell else argv
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _project(root: Path, files: dict[str, str], git: bool = False) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    if git:
        for step in (["init", "-q", "-b", "main"], ["add", "-A"]):
            subprocess.run(["git", *step], cwd=root, check=True, capture_output=True, timeout=120)
    return root


# -- fixtures: the wheel, the tools, the tool install -----------------------------------------


@dataclass(frozen=True)
class Tools:
    bin: Path  # pipx, uv, pre-commit
    python: Path  # the tools' Python (PyYAML comes with pre-commit)

    def yaml(self, text: str):
        done = subprocess.run(
            [str(self.python), "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"],
            input=text,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_once(tmp_path_factory)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Tools:
    root = tmp_path_factory.mktemp("tools")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    done = _run(
        [str(root / "bin" / "python"), "-m", "pip", "install", "-q", "pipx", "uv", "pre-commit"],
        root,
        snippet_env(),
    )
    if done.returncode != 0:
        pytest.skip(f"pipx, uv and pre-commit could not be installed from the package index: {done.stderr[-500:]}")
    return Tools(root / "bin", root / "bin" / "python")


@pytest.fixture(scope="module")
def pipx_bin(build: Build, tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where README's ``pipx install .`` put the ``typelens`` command."""
    home = tmp_path_factory.mktemp("pipx")
    env = {
        **snippet_env([tools.bin]),
        "PIPX_HOME": str(home / "home"),
        "PIPX_BIN_DIR": str(home / "bin"),
        "PIPX_MAN_DIR": str(home / "man"),
    }
    (command,) = [c for c in snippet_commands("sh", "pipx install .") if c.startswith("pipx install")]
    done = _run(install_command(command, build.wheel), home, env)
    assert done.returncode == 0, done.stderr[-3000:]
    return home / "bin"


def _check_tool(typelens: Path, work: Path) -> None:
    """The installed command runs from a project folder outside the checkout."""
    project = _project(work, {"app.py": MISTAKE})
    env = snippet_env()
    assert _run([str(typelens), "--version"], project, env).stdout == f"typelens {__version__}\n"
    found = _run([str(typelens), "analyze", "app.py"], project, env)
    assert found.returncode == 1 and "app.py:6:7: error [attr-defined]" in found.stdout, found.stderr
    bare = _run([str(typelens), "complete", "app.py:6:7"], project, env)
    assert bare.returncode == 2 and "needs the 'ml' extra" in bare.stderr


def test_readme_pipx_install(pipx_bin: Path, build: Build, tmp_path: Path) -> None:
    _check_tool(pipx_bin / "typelens", tmp_path)
    # the [ml] variant's extra exists (installing it means 1.2 GB of torch)
    extras = {re.search(r"\[(\w+)\]", c).group(1) for c in snippet_commands("sh", ".[ml]") if "[" in c}
    with zipfile.ZipFile(build.wheel) as archive:
        meta = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    assert extras == {"ml"} and all(f"Provides-Extra: {extra}" in meta for extra in extras)


def test_readme_uv_tool_install(build: Build, tools: Tools, tmp_path: Path) -> None:
    env = {
        **snippet_env([tools.bin]),
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_CACHE_DIR": str(tmp_path / "cache"),
        "UV_PYTHON": str(Path(os.path.realpath(sys.executable))),
        "UV_PYTHON_DOWNLOADS": "never",  # no interpreter from GitHub
    }
    (command,) = [c for c in snippet_commands("sh", "uv tool install .") if c.startswith("uv tool install")]
    done = _run(install_command(command, build.wheel), tmp_path, env)
    if done.returncode != 0 and re.search(r"(?i)failed to fetch|dns error|connect", done.stderr):
        pytest.skip(f"uv could not reach the package index: {done.stderr[-500:]}")
    assert done.returncode == 0, done.stderr[-3000:]
    _check_tool(tmp_path / "bin" / "typelens", tmp_path / "work")


def test_pre_commit_hooks_file(tools: Tools) -> None:
    """The hook the docs name exists, runs the console script on Python files only."""
    (hook,) = tools.yaml((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "typelens-analyze" and hook["language"] == "python"
    assert shlex.split(hook["entry"])[:2] == ["typelens", "analyze"] and "--force-exclude" in hook["entry"]
    assert hook["types"] == ["python"] and hook["require_serial"] is True
    for body in snippets("yaml", "typelens-analyze"):
        for repo in tools.yaml(body)["repos"]:
            assert [h["id"] for h in repo["hooks"]] == ["typelens-analyze"]


def _pre_commit_project(root: Path, config: str) -> Path:
    """A git repository with a planted finding, a clean file and an excluded one, all staged."""
    return _project(
        root,
        {
            ".pre-commit-config.yaml": config,
            "pyproject.toml": '[tool.typelens]\nexclude = ["gen/"]\n',
            "bad.py": MISTAKE,
            "good.py": "print(len('abc'))\n",
            "gen/made.py": MISTAKE,
        },
        git=True,
    )


def _pre_commit(tools: Tools, project: Path, *args: str, path: list[Path] | None = None):
    env = {**snippet_env([*(path or []), tools.bin]), "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home")}
    return _run([str(tools.bin / "pre-commit"), "run", *args], project, env)


def _check_hook(tools: Tools, project: Path, path: list[Path] | None = None) -> None:
    everything = _pre_commit(tools, project, "--all-files", path=path)
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert "bad.py:6:7: error [attr-defined]" in everything.stdout and "made.py" not in everything.stdout
    clean = _pre_commit(tools, project, "--files", "good.py", "gen/made.py", path=path)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_readme_pre_commit_config_with_a_clone(build: Build, tools: Tools, tmp_path: Path) -> None:
    """pre-commit installs the hook from a clone (``language: python``) and runs it."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=build.tree, capture_output=True, text=True, check=True
    ).stdout.strip()
    for body in snippets("yaml", "rev: main"):
        assert "repo: /path/to/typelens" in body
        config = body.replace("repo: /path/to/typelens", f"repo: {build.tree}").replace("rev: main", f"rev: {commit}")
        _check_hook(tools, _pre_commit_project(tmp_path / "project", config))


def test_ci_pre_commit_local_hook(pipx_bin: Path, tools: Tools, tmp_path: Path) -> None:
    """docs/ci.md's ``repo: local`` hook runs the ``typelens`` on PATH (pipx's here)."""
    (body,) = snippets("yaml", "repo: local")
    _check_hook(tools, _pre_commit_project(tmp_path / "project", body), path=[pipx_bin])


# -- the GitHub Actions workflow ----------------------------------------------------------------

DEMO = {
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["cfgv"]\n\n'
    '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n',
    "src/demo/__init__.py": "",
    "src/demo/old.py": MISTAKE,
}
NEW = "import cfgv\nimport surely_not_installed_anywhere\n\n" + MISTAKE


def _uses(step: dict, checkout: Path) -> str | None:
    """What an ``actions/*`` step does here; ``None`` when done, else why it failed."""
    action = step["uses"].partition("@")[0]
    if action in ("actions/checkout", "actions/setup-python"):
        return None  # the temporary checkout; `python` on PATH
    if action == "github/codeql-action/upload-sarif":
        sarif = json.loads((checkout / step["with"]["sarif_file"]).read_text(encoding="utf-8"))
        is_valid = sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "typelens"
        return None if is_valid else "not a typelens SARIF 2.1.0 file"
    raise AssertionError(f"the workflow uses {action}, which this test does not know")


def run_workflow(job: dict, checkout: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """The job's steps in order, as GitHub runs them: a step runs while no earlier one
    failed, or with ``if: always()``; ``run:`` in ``bash -eo pipefail``.  Returns
    ``(step, status, output)``; status -1: not run."""
    results: list[tuple[str, int, str]] = []
    failed = False
    for step in job["steps"]:
        name = step.get("run") or step["uses"]
        if failed and step.get("if") != "always()":
            results.append((name, -1, "skipped: an earlier step failed"))
            continue
        if "uses" in step:
            problem = _uses(step, checkout)
            results.append((name, 0 if problem is None else 1, problem or ""))
        elif "git+https://" in step["run"]:
            results.append((name, 0, "skipped: needs the network beyond the package index (pipx's typelens stands in)"))
            continue
        else:
            done = _run(step["run"], checkout, env)
            results.append((name, done.returncode, done.stdout + done.stderr))
        failed = failed or results[-1][1] != 0
    return results


def test_ci_github_actions_workflow(pipx_bin: Path, tools: Tools, tmp_path: Path) -> None:
    (body,) = snippets("yaml", "upload-sarif")
    job = tools.yaml(body)["jobs"]["analyze"]
    checkout = _project(tmp_path / "checkout", DEMO)
    env = snippet_env([pipx_bin])
    # the existing finding goes into the committed baseline, then a change adds new ones
    wrote = _run(["typelens", "analyze", "src", "--write-baseline"], checkout, env)
    assert wrote.returncode == 0 and (checkout / "typelens-baseline.json").is_file(), wrote.stderr
    (checkout / "src" / "demo" / "new.py").write_text(NEW, encoding="utf-8")
    results = run_workflow(job, checkout, env)
    annotations = next(out for name, _, out in results if "--output-format github" in name)
    assert [code for name, code, _ in results if "--output-format github" in name] == [1], results
    # annotations for the new findings only; cfgv resolves in the project's .venv
    assert re.findall(r"^::(\w+) file=([^,]+),line=(\d+).*title=typelens ([\w-]+)", annotations, re.M) == [
        ("warning", "src/demo/new.py", "2", "unresolved-import"),
        ("error", "src/demo/new.py", "9", "attr-defined"),
    ], annotations
    assert all(code == 0 for name, code, _ in results if "--output-format github" not in name), results
    sarif = json.loads((checkout / "typelens.sarif").read_text(encoding="utf-8"))
    located = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    )
    assert located == ["src/demo/new.py", "src/demo/new.py", "src/demo/old.py"]
    assert shutil.which("typelens", path=env["PATH"]) == str(pipx_bin / "typelens")
