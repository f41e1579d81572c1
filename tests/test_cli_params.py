"""The batch commands' lines read without typer (``cli/params.py``,
``cli/batch.py``) give each command what typer gives it.

Each command line goes both ways, to the point where the command would start
(``analyzer.heap.with_frame_room``, which both call, records the keyword
arguments instead): typer's command tree (``cli/app.py``) and
:func:`~typelens.cli.batch.fast_command`.  Wherever the fast reading takes a
line, typer must take it too, with equal values of the same types and the same
``--verbose``; a line it leaves to typer costs nothing but time.  The lines are
the usual ones written out, then many drawn from each command's own option
names, spellings and values, good and bad.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from typelens.cli import app as app_module
from typelens.cli import batch
from typelens.cli.analyze_cmd import analyze_command
from typelens.cli.graph_cmd import graph_command
from typelens.cli.infer_cmd import infer_command
from typelens.cli.params import Argument, Option, declared, parse

COMMANDS = {"analyze": analyze_command, "infer": infer_command, "graph": graph_command}

# Lines written as people and tools write them; each must be read without typer.
USUAL = [
    ["analyze", "."],
    ["analyze", "src", "tests", "--format", "json"],
    ["analyze", ".", "--output-format=github", "--exit-zero"],
    ["analyze", "src", "-f", "sarif", "-o", "out.sarif", "--select", "attr-defined,call-arg"],
    ["analyze", "--ignore", "unused-ignore", "src", "--extend-select=unused-ignore", "--statistics"],
    ["analyze", "src", "--baseline", "base.json", "--write-baseline", "--color", "never"],
    ["analyze", "a.py", "--force-exclude", "--no-respect-gitignore", "--no-cache", "-j", "4"],
    ["analyze", ".", "--python", ".venv/bin/python", "--jobs=2", "--respect-gitignore"],
    ["analyze", ".", "--respect-gitignore", "--no-cache", "--no-respect-gitignore", "--no-cache"],
    ["-v", "analyze", "."],
    ["--verbose", "analyze", ".", "--format", "text", "--format", "json"],
    ["infer", "."],
    ["infer", "src", "--format", "json", "--no-cache"],
    ["infer", "src", "--mode", "static", "--min-confidence", "0.9", "--apply", "--diff"],
    ["infer", "m.py", "--mode=neural", "--model", "models/x", "--slice-model", "models/s", "--no-slice"],
    ["infer", ".", "--python", "/usr/bin/python3", "-j", "2", "-f", "text", "--min-confidence=.5"],
    ["graph", "m.py"],
    ["graph", "src", "--format", "dot", "--edges", "cfg,dfg", "-o", "g.dot"],
    ["graph", ".", "-f", "graphml", "--max-bytes", "1000", "--edges="],
]

# Values a drawn line gives options: good ones, and ones typer refuses or reads
# its own way (a sign, a space, an underscore, an exponent, an unknown choice).
VALUES = ["json", "text", "sarif", "github", "dot", "graphml", "static", "hybrid", "never", "always", "Json"]
VALUES += ["0", "1", "2", "007", "-1", "+3", " 3", "3_0", "0.5", ".5", "1.", "1e-3", "nan", "x"]
VALUES += ["1" * 5000, "0" * 5000]  # past the digits int() reads from a text
VALUES += ["", "=", "src", "m.py", "a b", "-", "--", "--help", "-v", "caf\udcff.py", "x=y"]


def _record(calls: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways end where the command would start: the values it gets, and ``-v``."""

    def with_frame_room(command: Any, /, **kwargs: Any) -> None:
        calls.append(("command", kwargs))

    def configure_logging(verbose: bool) -> None:
        calls.append(("verbose", verbose))

    monkeypatch.setattr("typelens.analyzer.heap.with_frame_room", with_frame_room)
    monkeypatch.setattr(app_module, "configure_logging", configure_logging)
    monkeypatch.setattr(batch, "configure_logging", configure_logging)


def _typed(calls: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The calls with each value's type beside it: a ``str`` enum equals its value."""
    return [
        (what, {k: (type(v), v) for k, v in value.items()} if isinstance(value, dict) else value)
        for what, value in calls
    ]


def _compare(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run ``argv`` both ways; whether the fast reading took it."""
    calls: list[tuple[str, Any]] = []
    _record(calls, monkeypatch)
    fast = batch.fast_command(argv)
    if fast is None:
        return False
    with pytest.raises(SystemExit) as done:
        fast()
    assert done.value.code == 0
    fast_calls, calls[:] = list(calls), []
    words = [word for word in argv if not word.startswith("-")]
    result = CliRunner().invoke(app_module.build_app(words[0]), argv)
    assert result.exit_code == 0, (argv, result.output)
    assert _typed(fast_calls) == _typed(calls), argv
    return True


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working folder where some of the named paths exist."""
    (tmp_path / "src").mkdir()
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("argv", USUAL, ids=[" ".join(argv) for argv in USUAL])
def test_a_usual_line_is_read_as_typer_reads_it(
    argv: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    assert _compare(argv, monkeypatch)


def _good_values(annotation: Any) -> list[str]:
    """Values typer takes for a parameter annotated so."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    if annotation is int:
        return ["0", "2", "007"]
    if annotation is float:
        return ["0.5", ".5", "1.", "1"]
    if annotation is str:
        return ["", "a,b", "x=y", "caf\udcff"]
    return ["src", "m.py", "out.json", "", "a b"]  # a path


def _drawn_lines() -> st.SearchStrategy[list[str]]:
    """A command and, in any order, its options (each spelling, mostly with a
    value typer takes, after it or after ``=``, else any value; a flag alone,
    its other spelling too), a path or two, and now and then a word it does
    not know."""

    def line(name: str) -> st.SearchStrategy[list[str]]:
        groups = []
        for option, annotation in declared(COMMANDS[name]).values():
            spellings = st.sampled_from([s for d in option.args[1:] for s in d.split("/")] or [None])
            if isinstance(option, Argument):
                continue
            if annotation is bool:
                groups.append(st.builds(lambda n: [n], spellings))
                continue
            value = st.one_of(st.sampled_from(_good_values(annotation)), st.sampled_from(VALUES))
            groups.append(st.builds(lambda n, v: [n, v], spellings, value))
            groups.append(st.builds(lambda n, v: [f"{n}={v}"], spellings, value))
        noise = st.sampled_from(
            [["--help"], ["--bogus"], ["-x"], ["--version"], ["-v"], ["--"], ["-"], ["--no-cache=1"]]
        )
        group = (
            st.one_of(*groups, noise) if len(groups) < 8 else st.one_of(st.one_of(*groups), st.one_of(*groups), noise)
        )
        root = st.lists(st.sampled_from(["-v", "--verbose"]), max_size=2)
        paths = st.lists(st.sampled_from([["src"], ["m.py"], ["missing.py"], ["a b"]]), min_size=1, max_size=2)
        mixed = st.tuples(st.lists(group, max_size=5), paths).flatmap(lambda t: st.permutations(t[0] + t[1]))
        rest = mixed.map(lambda groups: [word for g in groups for word in g])
        return st.builds(lambda r, w: [*r, name, *w], root, rest)

    return st.sampled_from(sorted(COMMANDS)).flatmap(line)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=_drawn_lines())
def test_a_drawn_line_the_fast_reading_takes_is_read_as_typer_reads_it(
    argv: list[str], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    _compare(argv, monkeypatch)


def test_drawn_lines_are_often_read_without_typer(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above is not empty: a fair share of drawn lines is taken."""
    monkeypatch.chdir(workdir)
    taken = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(argv=_drawn_lines())
    def count(argv: list[str]) -> None:
        taken.append(_compare(argv, monkeypatch))

    count()
    assert sum(taken) >= len(taken) // 4, sum(taken)


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", ".", "--help"],
        ["--help", "analyze", "."],
        ["--version", "analyze", "."],
        ["analyze"],
        ["analyze", "--", "-weird.py"],
        ["analyze", ".", "--bogus"],
        ["analyze", ".", "--format", "xml"],
        ["analyze", ".", "--jobs", "-1"],
        ["analyze", ".", "-j2"],
        ["analyze", ".", "--jobs", "1" * 5000],  # more digits than int() reads from a text
        ["graph", ".", "--max-bytes", "0" * 5000],
        ["analyze", ".", "-o=out"],
        ["analyze", ".", "--exit-zero=1"],
        ["analyze", ".", "--select"],
        ["analyze", ".", "-v"],
        ["graph", "a.py", "b.py"],
        ["lsp"],
        ["complete", "a.py:1:1"],
    ],
)
def test_a_line_it_does_not_read_is_left_to_typer(argv: list[str]) -> None:
    assert batch.fast_command(argv) is None


def test_a_completion_request_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_TYPELENS_COMPLETE", "bash_source")
    assert batch.fast_command(["analyze", "."]) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_path_that_cannot_be_read_is_left_to_typer(tmp_path: Path) -> None:
    """typer's path type refuses a path that exists and cannot be read."""
    locked = tmp_path / "locked.py"
    locked.write_text("x = 1\n", encoding="utf-8")
    locked.chmod(0)
    assert parse(analyze_command, [str(locked)]) is None
    assert parse(analyze_command, [str(tmp_path / "missing.py")]) is not None


def test_a_command_declared_another_way_is_refused() -> None:
    """Every parameter of a command read this way is an Option or an Argument."""

    def command(paths: list[Path] = Argument(...), jobs=1) -> None:  # type: ignore[assignment]  # noqa: B008
        """Not declared for cli.params."""

    with pytest.raises(ValueError, match="every parameter needs"):
        declared(command)


def test_an_option_with_a_setting_it_does_not_know_is_left_to_typer() -> None:
    def command(
        paths: list[Path] = Argument(...),  # noqa: B008 - declared as the commands are
        jobs: int = Option(1, "--jobs", min=1),  # noqa: B008 - a range check is typer's
    ) -> None:
        """Declared with a setting parse() does not read."""

    assert parse(command, ["src"]) is None
