"""How batch commands leave the process (``cli/main.py``'s ``hard_exit``): the
exit status and every byte of output as before, ``atexit`` handlers run, the heap
not torn down object by object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.cli.main import exit_status

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"

# An object whose finaliser shows whether shutdown tore the heap down; an atexit
# handler that must still run.
DRIVER = """
import atexit, os, sys
from typelens.cli.main import main

class Witness:
    def __del__(self):
        os.write(2, b"<torn down>")

witness = Witness()
atexit.register(lambda: os.write(2, b"<atexit ran>"))
sys.argv = ["typelens", *sys.argv[1:]]
main()
"""


def _run(*argv: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    return subprocess.run(
        [sys.executable, "-c", DRIVER, *argv], stdout=stdout, stderr=subprocess.PIPE, timeout=300, env=env, cwd=ROOT
    )


def test_batch_command_skips_teardown_but_keeps_status_output_and_atexit(tmp_path: Path) -> None:
    run = _run("analyze", str(SHOP), "--no-cache", "--format", "json")
    assert run.returncode == 1, run.stderr  # the example has findings on purpose
    report = json.loads(run.stdout)  # the whole report arrived
    assert report
    assert b"<atexit ran>" in run.stderr
    assert b"<torn down>" not in run.stderr


def test_other_commands_shut_down_as_usual() -> None:
    run = _run("--help")
    assert run.returncode == 0
    assert b"<torn down>" in run.stderr


def test_usage_errors_and_unwritable_output_keep_their_status() -> None:
    missing = _run("analyze", "/nonexistent/typelens-path")
    assert missing.returncode == 2
    assert b"does not exist" in missing.stderr
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        run = _run("infer", str(SHOP), "--format", "json", stdout=full)
    assert run.returncode == 2
    assert b"No space left" in run.stderr


def test_exit_status_follows_sys_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(None) == 0
    assert exit_status(3) == 3
    assert exit_status("stopped") == 1
    assert capsys.readouterr().err == "stopped\n"
