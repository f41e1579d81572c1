"""The guards :mod:`typelens.cli.frozen_methods` gives frozen dataclasses behave as
the ones ``dataclasses`` compiles: each class is made twice, by the standard
module and with the closures, and every assignment and deletion (a field, another
name, on the class itself, a plain subclass and a dataclass subclass, with and
without slots) ends the same way, with the same message.  The command line
installs them in its own process only."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any, Callable

import pytest

from typelens.cli import frozen_methods

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] not in frozen_methods._PATCHED_VERSIONS, reason="Python 3.13 compiles its own guards"
)


def _classes(slots: bool) -> dict[str, type]:
    """A frozen dataclass, a frozen dataclass subclass of it, a plain subclass of
    each, and a frozen dataclass without fields."""

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Point:
        x: int
        y: int = 0

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Labelled(Point):
        label: str = ""

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Empty:
        pass

    class Plain(Point):  # no dataclass: a __dict__ of its own, the guards of Point
        pass

    class PlainLabelled(Labelled):
        pass

    return {"Point": Point, "Labelled": Labelled, "Empty": Empty, "Plain": Plain, "PlainLabelled": PlainLabelled}


def _outcome(action: Callable[[], Any]) -> tuple[str, str]:
    try:
        action()
    except Exception as err:  # the outcome under test, whatever it is
        return type(err).__name__, str(err)
    return "ok", ""


def _outcomes(classes: dict[str, type]) -> list[tuple[str, str, str, str]]:
    found = []
    for name, cls in classes.items():
        for attr in ("x", "y", "label", "other", "__dict__"):
            thing = cls() if name == "Empty" else cls(1)
            found.append((name, attr, "set", *_outcome(partial(setattr, thing, attr, 5))))
            found.append((name, attr, "get", *_outcome(partial(getattr, thing, attr))))
            found.append((name, attr, "del", *_outcome(partial(delattr, thing, attr))))
            found.append((name, attr, "del again", *_outcome(partial(delattr, thing, attr))))
    return found


@pytest.mark.parametrize("slots", [False, True], ids=["dict", "slots"])
def test_the_closures_refuse_and_allow_what_the_compiled_guards_do(
    monkeypatch: pytest.MonkeyPatch, slots: bool
) -> None:
    standard = _outcomes(_classes(slots))
    monkeypatch.setattr(dataclasses, "_frozen_get_del_attr", frozen_methods.frozen_guards)
    closures = _classes(slots)
    assert closures["Point"].__setattr__.__code__.co_filename == frozen_methods.__file__
    assert _outcomes(closures) == standard
    assert ("Point", "x", "set", "FrozenInstanceError", "cannot assign to field 'x'") in standard
    assert ("Plain", "other", "set", "ok", "") in standard or slots
    assert closures["Labelled"].__setattr__.__qualname__.endswith("Labelled.__setattr__")


def test_the_command_line_installs_them_in_its_own_process(tmp_path: Path) -> None:
    """A class of the CLI's (``cli.findings.Finding``, never compiled) gets the
    closures in ``typelens analyze``; this process keeps the standard module."""
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    driver = (
        "import atexit, json, sys\n"
        "from typelens.cli.main import main\n"
        "def show():\n"
        "    finding = sys.modules['typelens.cli.findings'].Finding\n"
        "    print(json.dumps(finding.__setattr__.__code__.co_filename))\n"
        "atexit.register(show)\n"
        "sys.argv = ['typelens', 'analyze', 'm.py', '--no-cache']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TYPELENS_CACHE_DIR"] = str(tmp_path / "cache")
    run = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == frozen_methods.__file__
    assert dataclasses._frozen_get_del_attr is not frozen_methods.frozen_guards  # type: ignore[attr-defined]
