"""The fuzz harness's fast sample: hostile files and folder entries made on the fly
(``tests/fuzz_cases.py``) through the real CLI, each run under a time and memory
bound; ``bench/fuzz.py`` runs every case apart at full size.  A crash, a hang, a
traceback, output that is not UTF-8 or JSON, or an internal-error diagnostic fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .fuzz_cases import (
    ENGINE_RECURSION,
    JOBS_LEG,
    LEGS,
    SAMPLE_KINDS,
    SKIPPED_ENTRIES,
    TREE_CASES,
    Limits,
    Outcome,
    build_tree,
    content_cases,
    run_command,
    typelens_command,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tree_outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """Every leg, once, on one folder holding every content case (nesting 515 deep
    for a few block kinds, 1,000 definitions, chains of 1,500) and every tree case."""
    base = tmp_path_factory.mktemp("fuzz")
    cases = content_cases(depth=515, defs=1000, chain=1500, kinds=SAMPLE_KINDS, strings=(True,))
    tree = build_tree(base / "tree", {k: v for k, v in cases.items() if k not in ENGINE_RECURSION})
    return {leg.name: leg.run(tree, base, Limits()) for leg in LEGS + [JOBS_LEG]}


@pytest.mark.parametrize("leg", [leg.name for leg in LEGS + [JOBS_LEG]])
def test_every_leg_survives_the_hostile_tree(leg: str, tree_outcomes: dict[str, Outcome]) -> None:
    outcome = tree_outcomes[leg]
    assert outcome.problems() == [], outcome.stderr[-2000:]


def test_entries_that_are_no_regular_files_are_reported_not_read(tree_outcomes: dict[str, Outcome]) -> None:
    doc = json.loads(tree_outcomes["analyze"].stdout)
    unreadable = {Path(d["file"]).name for d in doc["diagnostics"] if d["code"] == "unreadable-file"}
    expected = {f"{name}.py" for name in SKIPPED_ENTRIES} | {"link_loop_other.py"}
    if os.geteuid() != 0:  # root reads a file of mode 000
        expected.add("unreadable.py")
    assert unreadable == expected
    guarded = {Path(d["file"]).name for d in doc["diagnostics"] if d["code"] == "parser-limit"}
    assert {f"deep_{kind}_string.py" for kind in SAMPLE_KINDS} | {"only_backslashes.py"} <= guarded
    assert "deep_if_4_spaces_99.py" not in guarded  # valid Python: 99 levels parse as they are


def _chains(tmp_path: Path) -> Path:
    cases = content_cases(depth=1, defs=1, chain=1500, kinds=())
    return build_tree(tmp_path / "chains", {k: cases[k] for k in ENGINE_RECURSION}, ())


def test_long_boolean_chains_through_graph_and_analyze(tmp_path: Path) -> None:
    folder = _chains(tmp_path)
    for leg in (LEGS[0], LEGS[2]):
        outcome = leg.run(folder, tmp_path, Limits())
        assert outcome.problems() == [], outcome.stderr[-2000:]


def test_long_boolean_chains_through_infer(tmp_path: Path) -> None:
    outcome = LEGS[1].run(_chains(tmp_path), tmp_path, Limits())
    assert outcome.problems() == [], outcome.stderr[-2000:]


@pytest.mark.parametrize("case", ["fifo", "dev_zero_link", "link_loop", "non_utf8_name"])
def test_an_entry_given_as_the_argument_is_a_result_or_one_line(case: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    TREE_CASES[case](folder / "entry.py")
    entry = folder / "entry.py" if case != "non_utf8_name" else next(p for p in folder.iterdir() if "caf" in str(p))
    for leg in LEGS:
        outcome = leg.run(entry, tmp_path, Limits(seconds=60), may_refuse=True)
        assert outcome.problems() == [], (leg.name, outcome.stderr[-2000:])


@pytest.mark.parametrize(
    ("command", "target"),
    [("graph", "missing/out.json"), ("graph", "a_folder"), ("graph", "/dev/full"), ("analyze", "/dev/full")],
)
def test_an_impossible_output_file_is_one_line(command: str, target: str, tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_bytes(b"x = 1\n")
    (tmp_path / "a_folder").mkdir()
    argv = typelens_command() + [command, str(source), "-o", str(tmp_path / target)]
    outcome = run_command(argv, leg=command, target=target, limits=Limits(seconds=60), cwd=tmp_path, may_refuse=True)
    assert outcome.returncode == 2 and outcome.problems() == [], outcome.stderr
    assert "cannot write" in outcome.last_error()


def test_a_non_utf8_name_is_written_to_the_output_file_as_escaped_text(tmp_path: Path) -> None:
    folder = build_tree(tmp_path / "names", {"plain": b"x = 1\n"}, ("non_utf8_name",))
    out = tmp_path / "graph.json"
    argv = typelens_command() + ["graph", str(folder), "-o", str(out)]
    outcome = run_command(argv, leg="graph", target="names", limits=Limits(seconds=60), cwd=tmp_path)
    assert outcome.problems() == [] and outcome.returncode == 0
    paths = {f["path"] for f in json.loads(out.read_text(encoding="utf-8"))["files"]}
    assert paths == {"plain.py", "caf\\xff\\xfe.py"}
