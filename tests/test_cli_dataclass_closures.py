"""The methods :mod:`typelens.cli.dataclass_closures` makes behave as the ones
``dataclasses`` compiles: each class is made twice, by the standard module and
with the closures, and every assignment and deletion (a field, another name, on
the class itself, a plain subclass and a dataclass subclass, with and without
slots) ends the same way, with the same message, and every ``repr`` is the same
text (hidden fields, a mangled name, a recursive object).  The command line
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

from typelens.cli import dataclass_closures

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] not in dataclass_closures.PATCHED_VERSIONS, reason="Python 3.13 compiles its own methods"
)


def _classes(slots: bool) -> dict[str, type]:
    """A frozen dataclass, a frozen dataclass subclass of it, a plain subclass of
    each, a frozen dataclass without fields and a mutable one."""

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Point:
        x: int
        y: int = 0

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Labelled(Point):
        label: str = ""
        hidden: int = dataclasses.field(default=3, repr=False)

    @dataclasses.dataclass(frozen=True, slots=slots)
    class Empty:
        pass

    class Plain(Point):  # no dataclass: a __dict__ of its own, the guards of Point
        pass

    class PlainLabelled(Labelled):
        pass

    @dataclasses.dataclass(slots=slots)
    class Mutable:
        x: int
        __mangled: str = "m"  # the field is _Mutable__mangled

    return {
        "Point": Point,
        "Labelled": Labelled,
        "Empty": Empty,
        "Plain": Plain,
        "PlainLabelled": PlainLabelled,
        "Mutable": Mutable,
    }


def _outcome(action: Callable[[], Any]) -> tuple[str, str]:
    try:
        found = action()
    except Exception as err:  # the outcome under test, whatever it is
        return type(err).__name__, str(err)
    return "ok", found if isinstance(found, str) else ""


def _outcomes(classes: dict[str, type]) -> list[tuple[str, str, str, str, str]]:
    found = []
    for name, cls in classes.items():
        for attr in ("x", "y", "label", "other", "__dict__"):
            thing = cls() if name == "Empty" else cls(1)
            found.append((name, attr, "repr", *_outcome(partial(repr, thing))))
            found.append((name, attr, "set", *_outcome(partial(setattr, thing, attr, 5))))
            found.append((name, attr, "get", *_outcome(partial(getattr, thing, attr))))
            found.append((name, attr, "del", *_outcome(partial(delattr, thing, attr))))
            found.append((name, attr, "del again", *_outcome(partial(delattr, thing, attr))))
            found.append((name, attr, "repr after", *_outcome(partial(repr, thing))))
    looped = classes["Mutable"](1)
    looped.x = [looped]  # type: ignore[assignment]
    found.append(("Mutable", "x", "recursive repr", *_outcome(partial(repr, looped))))
    return found


@pytest.mark.parametrize("slots", [False, True], ids=["dict", "slots"])
def test_the_closures_do_what_the_compiled_methods_do(monkeypatch: pytest.MonkeyPatch, slots: bool) -> None:
    standard = _outcomes(_classes(slots))
    monkeypatch.setattr(dataclasses, "_frozen_get_del_attr", dataclass_closures.frozen_guards)
    monkeypatch.setattr(dataclasses, "_repr_fn", dataclass_closures.plain_repr)
    closures = _classes(slots)
    assert closures["Point"].__setattr__.__code__.co_filename == dataclass_closures.__file__
    assert _outcomes(closures) == standard
    assert ("Point", "x", "set", "FrozenInstanceError", "cannot assign to field 'x'") in standard
    assert ("Labelled", "x", "repr", "ok", "_classes.<locals>.Labelled(x=1, y=0, label='')") in standard
    assert ("Mutable", "x", "recursive repr", "ok", "_classes.<locals>.Mutable(x=[...], _Mutable__mangled='m')") in (
        standard
    )
    assert closures["Labelled"].__setattr__.__qualname__.endswith("Labelled.__setattr__")
    assert closures["Labelled"].__repr__.__qualname__.endswith("Labelled.__repr__")


def test_the_command_line_installs_them_in_its_own_process(tmp_path: Path) -> None:
    """A class of the CLI's (``cli.findings.Finding``, never compiled) gets the
    closures in ``typelens analyze``; this process keeps the standard module."""
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    driver = (
        "import atexit, json, sys\n"
        "from typelens.cli.main import main\n"
        "def show():\n"
        "    finding = sys.modules['typelens.cli.findings'].Finding\n"
        "    print(json.dumps([finding.__setattr__.__code__.co_filename, finding.__repr__.__wrapped__.__code__.co_filename]))\n"
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
    assert json.loads(run.stdout.strip().splitlines()[-1]) == [dataclass_closures.__file__] * 2
    assert dataclasses._frozen_get_del_attr is not dataclass_closures.frozen_guards  # type: ignore[attr-defined]
    assert dataclasses._repr_fn is not dataclass_closures.plain_repr  # type: ignore[attr-defined]


def test_helpers_called_another_way_leave_dataclasses_as_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a patch release calls the helpers with other arguments, ``install``
    notices on a probe class, puts the module's own helpers back and says so."""
    monkeypatch.setattr(dataclasses, "_repr_fn", dataclasses._repr_fn)  # type: ignore[attr-defined]
    monkeypatch.setattr(dataclasses, "_frozen_get_del_attr", dataclasses._frozen_get_del_attr)  # type: ignore[attr-defined]
    own = dataclasses._repr_fn, dataclasses._frozen_get_del_attr  # type: ignore[attr-defined]

    def wrong(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("called another way")

    monkeypatch.setattr(dataclass_closures, "plain_repr", wrong)
    if sys.version_info[:2] not in dataclass_closures.PATCHED_VERSIONS:
        pytest.skip("the closures are only installed up to Python 3.12")
    assert dataclass_closures.install() is False
    assert (dataclasses._repr_fn, dataclasses._frozen_get_del_attr) == own  # type: ignore[attr-defined]
