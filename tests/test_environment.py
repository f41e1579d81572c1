"""The analysed project's environment, and the promise that no analysed code runs.

A project plants modules that Python would run if anything imported from it or
started an interpreter in it (``json.py``, ``os.py``, ``typing.py``,
``sitecustomize.py``, a malicious package ``__init__.py``, a ``.pth`` line in its
virtual environment); every edge runs over it, and no marker may appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.analyzer import ProjectIndex
from typelens.analyzer.environment import NO_ENVIRONMENT, discover_environment, environment_of
from typelens.analyzer.errors import InputError

from .lsp_wire import RawServer

VERSION = f"python{sys.version_info[0]}.{sys.version_info[1]}"
# the console script, as users run it: ``python -m`` would put the working folder
# (the planted project) first on the test's own import path
TYPELENS = str(Path(sys.executable).with_name("typelens"))


def make_venv(prefix: Path, packages: dict[str, str], *, pth: str = "") -> Path:
    """A virtual environment as ``python -m venv`` lays it out, without running anything."""
    site = prefix / "lib" / VERSION / "site-packages"
    site.mkdir(parents=True)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "python").symlink_to(sys.executable)
    (prefix / "pyvenv.cfg").write_text(
        f"home = {Path(sys.base_prefix) / 'bin'}\n"
        f"include-system-site-packages = false\nversion = {sys.version.split()[0]}\n"
    )
    for name, text in packages.items():
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text(text)
    if pth:
        (site / "evil.pth").write_text(pth)
    return site


def plant(project: Path, marker: Path) -> None:
    """Modules that would write ``marker`` if Python ever ran them."""
    run = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("json.py", "os.py", "typing.py", "sitecustomize.py", "usercustomize.py", "site.py", "enum.py"):
        (project / name).write_text(run)
    pkg = project / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(run + "import os\nimport json\n")
    (pkg / "main.py").write_text(
        "import json\nimport requestsish\n\n\ndef load(path):\n"
        "    with open(path) as f:\n        return json.load(f)\n\n\n"
        "def size(xs):\n    return len(xs) + requestsish.LIMIT\n"
    )
    make_venv(
        project / ".venv",
        {"requestsish": "LIMIT = 3\n"},
        pth=f"import os; open({str(marker)!r}, 'a').write('pth\\n')\n",
    )


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    environ.update(env or {})
    return subprocess.run([TYPELENS, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=environ)


@pytest.mark.e2e
def test_no_edge_runs_code_from_the_analysed_project(tmp_path: Path) -> None:
    project, marker = tmp_path / "project", tmp_path / "MARKER"
    project.mkdir()
    plant(project, marker)
    for args in (
        ("graph", "."),
        ("infer", ".", "--no-cache"),
        ("infer", "app/main.py", "--mode", "static"),
        ("analyze", "."),
        ("analyze", "app/main.py"),
    ):
        done = cli(*args, cwd=project)
        assert done.returncode in (0, 1), (args, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (args, done.stderr[-2000:])
        assert not marker.exists(), (args, marker.read_text())
    done = cli("complete", "app/main.py:11:20", "--max-tokens", "2", "--format", "json", cwd=project)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert not marker.exists(), marker.read_text()
    server = RawServer(cwd=str(project), command=[TYPELENS, "lsp"])
    try:
        uri = (project / "app" / "main.py").as_uri()
        server.initialize(project.as_uri())
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": (project / "app" / "main.py").read_text(),
                }
            },
        )
        hover = server.response(
            server.request(
                "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 5}}
            ),
            timeout=120,
        )
        assert "error" not in hover and hover["result"] is not None
        server.response(server.request("shutdown", None))
    finally:
        server.close()
    assert not marker.exists(), marker.read_text()


def test_third_party_imports_resolve_in_the_projects_own_venv(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    plant(project, tmp_path / "MARKER")
    done = cli("analyze", ".", "--format", "json", cwd=project)
    codes = [(d["file"], d["code"], d["message"]) for d in json.loads(done.stdout)["diagnostics"]]
    assert not [c for c in codes if c[1] == "unresolved-import"], codes
    # without the project's venv, the same import is really missing
    (project / ".venv" / "pyvenv.cfg").unlink()
    done = cli("analyze", "app/main.py", "--format", "json", cwd=project, env={"PATH": "/nonexistent"})
    codes = [d["code"] for d in json.loads(done.stdout)["diagnostics"]]
    assert "unresolved-import" in codes


def test_discovery_order(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    local = make_venv(project / ".venv", {"localpkg": ""})
    active = make_venv(tmp_path / "active", {"activepkg": ""})
    chosen = make_venv(tmp_path / "chosen", {"chosenpkg": ""})
    no_path = {"PATH": "/nonexistent"}
    assert discover_environment(project, environ=no_path).site_packages == (local,)
    assert discover_environment(
        project, environ={**no_path, "VIRTUAL_ENV": str(tmp_path / "active")}
    ).site_packages == (active,)
    explicit = discover_environment(
        project,
        python=tmp_path / "chosen" / "bin" / "python",
        environ={**no_path, "VIRTUAL_ENV": str(tmp_path / "active")},
    )
    assert (explicit.origin, explicit.site_packages) == ("python", (chosen,))
    assert discover_environment(project, python=tmp_path / "chosen", environ=no_path).site_packages == (chosen,)
    # an installed package analysed in place uses the environment it is installed in
    inside = discover_environment(chosen / "chosenpkg", environ={**no_path, "VIRTUAL_ENV": str(tmp_path / "active")})
    assert (inside.origin, inside.site_packages) == ("site-packages", (chosen,))
    assert discover_environment(tmp_path / "elsewhere", environ=no_path) == NO_ENVIRONMENT
    with pytest.raises(InputError, match="not a Python environment"):
        discover_environment(project, python=tmp_path / "nothing-here", environ=no_path)


def test_pth_folders_are_read_and_their_code_is_not_run(tmp_path: Path) -> None:
    extra = tmp_path / "src-of-editable"
    (extra / "editablepkg").mkdir(parents=True)
    (extra / "editablepkg" / "__init__.py").write_text("def answer() -> int: ...\n")
    marker = tmp_path / "MARKER"
    make_venv(tmp_path / "env", {}, pth=f"# a comment\n{extra}\nimport os; open({str(marker)!r}, 'w')\n")
    env = environment_of(tmp_path / "env", "python")
    assert env is not None and env.extra_paths == (extra,)
    (tmp_path / "project").mkdir()
    index = ProjectIndex(tmp_path / "project", environment=env)
    found = index.resolve_module("editablepkg")
    assert found is not None and found.origin == "installed" and found.path == extra / "editablepkg" / "__init__.py"
    assert not marker.exists()


def test_stubs_packages_of_the_environment_are_found(tmp_path: Path) -> None:
    site = make_venv(tmp_path / "env", {"fancylib": "def f(): ...\n", "fancylib-stubs": "def f() -> int: ...\n"})
    (site / "fancylib-stubs" / "__init__.py").rename(site / "fancylib-stubs" / "__init__.pyi")
    (tmp_path / "project").mkdir()
    index = ProjectIndex(tmp_path / "project", environment=environment_of(tmp_path / "env", "python"))
    found = index.resolve_module("fancylib")
    assert found is not None and found.origin == "stub" and found.path.parent.name == "fancylib-stubs"
