"""A package or a loose file in a folder with no project marker (``/tmp``, a
downloads folder) is its own project: the real command line analyses it without
walking the folder's other files or reading their ``pyproject.toml``, and still
resolves its imports of itself and of the modules beside it when it imports them.
``typelens infer json_copy`` in ``/tmp/x`` had walked all of ``/tmp/x`` and stopped
with exit 2 on an unrelated folder's configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write_tree as write

pytestmark = pytest.mark.e2e

STDLIB_JSON = Path(json.__file__).parent

# an unrelated folder beside the package: a configuration that would stop the run,
# and a named pipe that reading would block on (a walk reports it as skipped)
UNRELATED = {"unrelated/pyproject.toml": "[tool.typelens]\nselect = ['no-such-rule']\n", "unrelated/mod.py": "x = 1\n"}

PACKAGE = {
    "mypkg/__init__.py": "from mypkg.core import Box\nimport mypkg.core\n",
    "mypkg/core.py": "class Box:\n    def __init__(self):\n        self.size = 1\n",
    "mypkg/use.py": (
        "from mypkg import Box\nimport mypkg.core\nfrom helper import twice\nimport sibling.tools\nimport nowhere\n"
        "from spare import extra\n\n"
        "a = Box().size\nb = mypkg.core.Box()\nc = twice(2)\nd = sibling.tools.name()\ne = extra.ratio()\nBox().sise\n"
    ),
    "helper.py": "def twice(n: int):\n    return [n, n]\n",
    "sibling/__init__.py": "",
    "sibling/tools.py": "def name():\n    return 'x'\n",
    "spare/extra.py": "def ratio():\n    return 0.5\n",  # a namespace package (no __init__.py)
}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m typelens.cli ARGS`` in ``cwd``, no result cache."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, "-m", "typelens.cli", *args, "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=environ,
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    root = write(tmp_path / "scratch", {**PACKAGE, **UNRELATED})
    os.mkfifo(root / "unrelated" / "pipe.py")
    return root


def test_a_package_in_a_scratch_folder_is_its_own_project(scratch: Path) -> None:
    run = cli("analyze", "mypkg", "--format", "json", cwd=scratch)
    assert run.returncode == 1, run.stderr
    assert "unrelated" not in run.stderr and "pipe.py" not in run.stderr
    rows = json.loads(run.stdout)["diagnostics"]
    # its imports of itself and of the modules beside it resolve; only the missing one does not
    assert sorted((r["file"], r["code"], r["line"]) for r in rows) == [
        ("mypkg/use.py", "attr-defined", 13),
        ("mypkg/use.py", "unresolved-import", 5),
    ]
    infer = cli("infer", "mypkg", "--format", "json", cwd=scratch)
    assert infer.returncode == 0, infer.stderr
    predictions = json.loads(infer.stdout)["predictions"]
    assert {p["file"] for p in predictions} == {"mypkg/core.py", "mypkg/use.py"}
    types = {p["name"]: p["type"] for p in predictions if p["file"] == "mypkg/use.py"}
    assert types == {"a": "int", "b": "Box", "c": "list[int]", "d": "str", "e": "float"}


def test_with_a_project_marker_the_folder_is_the_project(scratch: Path) -> None:
    (scratch / "pyproject.toml").write_text("[project]\nname = 'scratch'\n", encoding="utf-8")
    os.remove(scratch / "unrelated" / "pipe.py")  # the project's own files are listed now
    run = cli("analyze", "mypkg", cwd=scratch)
    assert run.returncode == 2, run.stdout
    assert "no-such-rule" in run.stderr


def test_a_loose_file_reads_only_what_it_imports(scratch: Path) -> None:
    write(scratch, {"main.py": "from helper import twice\nimport sibling.tools\n\nv = twice(1)\nv.nope\n"})
    run = cli("analyze", str(scratch / "main.py"), "--format", "json", cwd=scratch.parent)
    assert run.returncode == 1, run.stderr
    assert "pipe.py" not in run.stderr
    rows = json.loads(run.stdout)["diagnostics"]
    assert [(Path(r["file"]).name, r["code"], r["line"]) for r in rows] == [("main.py", "attr-defined", 5)]


def test_a_stdlib_package_copy_infers_as_in_a_folder_of_its_own(tmp_path: Path, scratch: Path) -> None:
    shutil.copytree(STDLIB_JSON, scratch / "json_copy", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(STDLIB_JSON, tmp_path / "alone" / "json_copy", ignore=shutil.ignore_patterns("__pycache__"))
    beside = cli("infer", "json_copy", "--format", "json", cwd=scratch)
    alone = cli("infer", "json_copy", "--format", "json", cwd=tmp_path / "alone")
    assert beside.returncode == alone.returncode == 0, beside.stderr + alone.stderr
    assert json.loads(beside.stdout)["predictions"] == json.loads(alone.stdout)["predictions"]
    assert len(json.loads(alone.stdout)["predictions"]) > 100


def test_absolute_imports_of_a_scripts_own_folder_resolve(tmp_path: Path) -> None:
    """A folder of scripts run as ``python main.py`` imports its neighbours by their
    bare names (the script's folder is on ``sys.path``), even inside a package:
    the import falls back to the importing file's folder and those above it, as
    pyright's does, and the neighbours' answers flow through."""
    root = write(
        tmp_path / "tool",
        {
            "__init__.py": "",
            "main.py": (
                "from nested import loader\nimport nested.loader\nimport missing_module\n\n"
                "a = loader.load()\nb = loader.config.limit()\nc = nested.loader.load()\n"
            ),
            "nested/__init__.py": "",
            "nested/loader.py": "import config\nfrom parts import piece\n\ndef load():\n    return piece()\n",
            "nested/parts.py": "def piece():\n    return 2.5\n",
            "config.py": "def limit():\n    return 10\n",
        },
    )
    run = cli("analyze", ".", "--format", "json", cwd=root)
    rows = json.loads(run.stdout)["diagnostics"]
    assert [(r["file"], r["code"], r["line"]) for r in rows] == [("main.py", "unresolved-import", 3)], run.stderr
    infer = cli("infer", ".", "--format", "json", cwd=root)
    assert infer.returncode == 0, infer.stderr
    types = {p["name"]: p["type"] for p in json.loads(infer.stdout)["predictions"] if p["file"] == "main.py"}
    assert types == {"a": "float", "b": "int", "c": "float"}
