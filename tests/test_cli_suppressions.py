"""Suppression comments, read from the syntax tree in the core (the command line
and the language server's FileAnalysis alike), and ``unused-ignore``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typelens.analyzer import Diagnostic, Span
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.settings import Settings
from typelens.typeinfer.suppressions import apply_suppressions, suppressions_of

from .test_cli_paths import cli, write

BOX = "class Box:\n    def __init__(self):\n        self.size = 1\n\n\nb = Box()\n"

# line -> (source line, whether its attr-defined finding survives)
LINES = {
    7: ("b.sise  # type: ignore", False),
    8: ("b.sise  # type: ignore[attr-defined]", False),
    9: ("b.sise  # type: ignore[call-arg]", True),  # another rule
    10: ("b.sise  # type: ignore[assignment]", True),  # mypy's code: not ours
    11: ("b.sise  # typelens: ignore[attr-defined, call-arg]", False),
    12: ("b.sise  # typelens: ignore", False),
    13: ("b.sise  # noqa: E501  # type:ignore[attr-defined]  # why", False),
    14: ('b.sise, "# type: ignore"', True),  # inside a string: text
    15: ("b.sise  # type: ignored", True),  # not the directive
    16: ('x = "#"; b.sise  # typelens: ignore[attr-defined]', False),
}
SOURCE = BOX + "".join(text + "\n" for text, _ in LINES.values())


def _analysis(tmp_path: Path, text: str, settings: Settings | None = None):
    path = write(tmp_path, {"m.py": text}) / "m.py"
    return AnalysisSession(tmp_path, settings).analyse(path)


def test_each_form_in_the_core(tmp_path: Path) -> None:
    """FileAnalysis.diagnostics(), which the language server publishes, applies them."""
    found = _analysis(tmp_path, SOURCE).diagnostics()
    survivors = sorted(d.span.start_row + 1 for d in found if d.code == "attr-defined")
    assert survivors == sorted(line for line, (_, kept) in LINES.items() if kept)


def test_unused_ignore_is_off_by_default_and_names_what_is_unused(tmp_path: Path) -> None:
    text = BOX + "b.sise  # type: ignore[attr-defined, call-arg, assignment]\nb.size  # typelens: ignore\n"
    assert {d.code for d in _analysis(tmp_path, text).diagnostics()} == set()
    found = _analysis(tmp_path, text, Settings(extend_select=frozenset({"unused-ignore"}))).diagnostics()
    messages = sorted((d.span.start_row + 1, d.message) for d in found)
    assert messages == [
        (7, "unused suppression: call-arg in '# type: ignore[attr-defined, call-arg, assignment]'"),
        (8, "unused suppression: '# typelens: ignore' suppresses nothing"),
    ]


def test_file_level_forms_belong_to_the_first_comment_block() -> None:
    header = b'#!/usr/bin/env python\n# typelens: ignore-file[call-arg]\n"""Doc."""\n# typelens: ignore-file\nx = 1\n'
    found = suppressions_of(header)
    assert [(s.row, s.codes) for s in found] == [(-1, frozenset({"call-arg"}))]  # the late one is not honoured
    assert [(s.row, s.codes) for s in suppressions_of(b"# type: ignore\nimport os\n")] == [(-1, None)]
    assert [s.row for s in suppressions_of(b"import os\n# type: ignore\n")] == [1]
    assert suppressions_of(b"x = 1\n") == [] and suppressions_of(b"s = '''\n# type: ignore\n'''\n") == []


def test_internal_errors_are_never_suppressed() -> None:
    crash = Diagnostic.build("internal-error", "boom", Span.empty(), "m.py")
    kept = apply_suppressions([crash], b"# type: ignore\nx = 1  # typelens: ignore\n")
    assert [d for d in kept if d.code != "unused-ignore"] == [crash]


@pytest.mark.e2e
def test_suppressions_in_the_real_cli(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lines.py": SOURCE,
            "whole.py": "# Generated code.\n# typelens: ignore-file\n" + BOX + "b.sise\nb.colour\n",
            "some.py": "# typelens: ignore-file[call-arg]\n" + BOX + "b.sise\nlen(1, 2)\n",
            "mypy_style.py": "# type: ignore\n" + BOX + "b.sise\n",
        },
    )
    done = cli("analyze", ".", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    rows = json.loads(done.stdout)["diagnostics"]
    got = sorted((r["file"], r["line"], r["code"]) for r in rows)
    kept = [("lines.py", line, "attr-defined") for line, (_, survives) in LINES.items() if survives]
    assert got == sorted(kept + [("some.py", 8, "attr-defined")])
    # unused ones, on request, in the same files
    loud = cli("analyze", "lines.py", "--format", "json", "--extend-select", "unused-ignore", cwd=tmp_path)
    unused = sorted(r["line"] for r in json.loads(loud.stdout)["diagnostics"] if r["code"] == "unused-ignore")
    assert unused == [9, 11]  # call-arg named, none there; [assignment] is mypy's
    # every suppressed file clean: exit 0
    assert cli("analyze", "whole.py", "mypy_style.py", cwd=tmp_path).returncode == 0
