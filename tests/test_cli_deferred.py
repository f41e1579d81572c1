""":mod:`typelens.cli.deferred`: a deferred module is the one module object the
import system hands out, its code runs once, on the first name read, from any
thread, and from then on it is a plain module; a batch command's run leaves
``subprocess``, typeshed-client's ``__init__``, ``ipaddress``, ``bz2`` and ``lzma`` unrun, and the language
server's process defers nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run in a fresh Python: this process has imported the deferred modules long ago.
_DEFERRING = """
import json, sys, threading
from typelens.cli.deferred import DeferredModule, defer
done = defer(("json.tool", "colorsys", "_socket", "not_installed_at_all"))
first = sys.modules["colorsys"]
import colorsys
before = type(colorsys).__name__
results = []
def read():
    results.append(colorsys.rgb_to_hsv(1.0, 0.0, 0.0))
threads = [threading.Thread(target=read) for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
from colorsys import hls_to_rgb
print(json.dumps({
    "deferred": done,
    "same": sys.modules["colorsys"] is first is colorsys,
    "before": before,
    "after": type(colorsys).__name__,
    "results": results,
    "from_import": hls_to_rgb(0.0, 0.5, 1.0),
    "missing": not hasattr(colorsys, "no_such_name"),
    "submodule": sys.modules["json"].tool is sys.modules["json.tool"],
}))
"""


def test_a_deferred_module_runs_once_on_first_use() -> None:
    run = subprocess.run([sys.executable, "-c", _DEFERRING], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    # json (imported by the driver) is loaded already, _socket is an extension
    # module, the last is not installed: only the two Python modules are deferred
    assert found["deferred"] == ["json.tool", "colorsys"]
    assert found["same"] and found["before"] == "DeferredModule" and found["after"] == "module"
    assert found["results"] == [[0.0, 1.0, 1.0]] * 4
    assert found["from_import"] == [1.0, 0.0, 0.0] and found["missing"] and found["submodule"]


_FAILING = """
import json, sys
sys.path.insert(0, sys.argv[1])
from typelens.cli.deferred import defer

defer(("failing", "selfread"))
import failing, selfread

errors = []
for _ in range(2):
    try:
        failing.anything
    except ZeroDivisionError:
        errors.append("ZeroDivisionError")
    except AttributeError:
        errors.append("AttributeError")
print(json.dumps({
    "errors": errors,
    "in_modules": "failing" in sys.modules,
    "selfread": selfread.found,
    "selfread_type": type(selfread).__name__,
}))
"""


def test_a_deferred_module_fails_once_and_reads_itself_as_an_import_does(tmp_path: Path) -> None:
    """A deferred module whose code raises runs once and leaves ``sys.modules``
    (a later read finds a plain half-run module, not a second run); one that reads
    a name of its own it has not set yet finds it missing, as a module being
    imported does, instead of starting its own code again."""
    (tmp_path / "failing.py").write_text("RUNS = 1\nprint('ran', flush=True)\n1 / 0\n", encoding="utf-8")
    (tmp_path / "selfread.py").write_text(
        "import sys\nfound = hasattr(sys.modules[__name__], 'later')\nlater = 1\n", encoding="utf-8"
    )
    run = subprocess.run([sys.executable, "-c", _FAILING, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines.count("ran") == 1
    found = json.loads(lines[-1])
    assert found == {
        "errors": ["ZeroDivisionError", "AttributeError"],
        "in_modules": False,
        "selfread": False,
        "selfread_type": "module",
    }


_WATCH = """
import atexit, json, sys
from typelens.cli.main import main
sys.argv = ["typelens", *sys.argv[1:]]
watched = ("subprocess", "shellingham", "typeshed_client", "typeshed_client.parser", "ipaddress", "bz2", "lzma", "tempfile", "random")
started = set(sys.modules)  # (a dev install's editable finder imports pathlib, so ipaddress, at start)
atexit.register(lambda: print(json.dumps({m: type(sys.modules[m]).__name__ for m in watched if m in sys.modules and m not in started})))
main()
"""


@pytest.mark.e2e
def test_a_batch_run_leaves_subprocess_unrun(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TYPELENS_CACHE_DIR"] = str(tmp_path / "cache")
    for command in ("analyze", "infer"):
        run = subprocess.run(
            [sys.executable, "-c", _WATCH, command, "m.py", "--no-cache"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        found = json.loads(run.stdout.strip().splitlines()[-1])
        assert found == {
            "subprocess": "DeferredModule",
            "shellingham": "DeferredModule",
            "typeshed_client": "DeferredModule",  # its finder alone ran, not its parser
            "bz2": "DeferredModule",  # shutil's, for its archive formats
            "lzma": "DeferredModule",
            "tempfile": "DeferredModule",  # importlib.resources', for a zipped resource
            "random": "DeferredModule",  # typer's, uuid's and tempfile's (the caches' writes need neither)
            **({"ipaddress": "DeferredModule"} if "ipaddress" in found else {}),  # urllib.parse's, for a URL's host
        }
    run = subprocess.run(
        [sys.executable, "-c", _WATCH, "lsp", "--help"], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["subprocess"] == "module" and set(found.values()) == {"module"}
