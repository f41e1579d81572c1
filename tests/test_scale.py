"""Large inputs answered by the paths that keep them linear give the answers the
short inputs get: a name rebound past the once-searched threshold, many classes
in one file, a finding on every line (no timing here: ``bench/fuzz.py`` times them);
a chain deeper than a stack leaves no garbage cycles; past a file's work budget
the answers given are kept whole."""

from __future__ import annotations

import gc
import os
import random
from pathlib import Path

import pytest

from typelens.analyzer import ProjectIndex, build_graph
from typelens.cli.findings import build_findings
from typelens.typeinfer.apply_rounds import BUDGET_NOTE, Annotated, Snapshot, _OffsetMap, annotate_files
from typelens.typeinfer.checks import FileChecker
from typelens.typeinfer.engine import FILE_STEPS
from typelens.typeinfer.features import TokenStream
from typelens.typeinfer.engine import BudgetSpent
from typelens.typeinfer.predictions import FilePredictor
from typelens.typeinfer.run import InferOptions, check_paths, file_sets, infer_paths, open_session
from typelens.typeinfer.stepped import budgeted


def _returns(path: Path) -> dict[str, str | None]:
    found = infer_paths([path], InferOptions(mode="static", use_cache=False)).predictions
    return {p.scope: p.type for p in found if p.kind == "return"}


@pytest.mark.parametrize("rebinds", [2, 40])
def test_a_long_rebound_name_keeps_its_declaration(tmp_path: Path, rebinds: int) -> None:
    # the declaration sits on a late definition: its search must still find it
    lines = ["def g(flag):", "    x = 0"]
    lines += ["    x = x + 1"] * rebinds
    lines += ["    x: float = x + 1.0", "    x = x * 2", "    return x", ""]
    path = tmp_path / "rebound.py"
    path.write_text("\n".join(lines))
    assert _returns(path)["g"] == "float"


def test_many_classes_keep_their_members(tmp_path: Path) -> None:
    lines = ["class C0:", "    def m(self):", "        return 'text'", "    n = 1"]
    for i in range(1, 15):  # within the MRO depth the engine follows
        lines += [f"class C{i}(C{i - 1}):", f"    v{i} = {i}"]
    lines += ["def first():", "    return C14().m()", "def last():", "    return C14().v14", ""]
    path = tmp_path / "classes.py"
    path.write_text("\n".join(lines))
    returns = _returns(path)
    assert (returns["first"], returns["last"]) == ("str", "int")


def test_each_finding_gets_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "imports.py"
    path.write_text("".join(f"import missing_module_{i}\n" for i in range(60)))
    diagnostics, _ = check_paths([path], InferOptions(use_cache=False))
    findings = [f for f in build_findings(diagnostics) if f.code == "unresolved-import"]
    assert len(findings) == 60
    assert all(f.line_text == f"import missing_module_{f.line - 1}" for f in findings)


def _rebinding(path: Path, rebinds: int) -> Path:
    lines = ["def g():", "    x = 0"] + [f"    x = x + {i}" for i in range(rebinds)] + ["    return x", ""]
    path.write_text("\n".join(lines))
    return path


def _garbage_of_a_run(path: Path) -> tuple[dict[str, str | None], int]:
    """The run's returns, and the objects the cyclic collector then finds unreachable
    (the run's result held: its engine is not garbage yet)."""
    gc.collect()
    gc.disable()
    try:
        result = infer_paths([path], InferOptions(mode="static", use_cache=False))
        garbage = gc.collect()
    finally:
        gc.enable()
    return {p.scope: p.type for p in result.predictions if p.kind == "return"}, garbage


def test_a_chain_deeper_than_a_stack_leaves_no_garbage_cycles(tmp_path: Path) -> None:
    # thousands of nested questions go on in new threads: an error handed back from
    # one kept its whole stack in a cycle (about 120 objects a rebinding, so the
    # collector's work grew with the chain times the heap)
    small, small_garbage = _garbage_of_a_run(_rebinding(tmp_path / "small.py", 500))
    large, large_garbage = _garbage_of_a_run(_rebinding(tmp_path / "large.py", 4000))
    assert small["g"] == large["g"] == "int"
    assert large_garbage < 1_000, (small_garbage, large_garbage)


def _analysed(path: Path):
    session = open_session(file_sets([path])[0], InferOptions(mode="static", use_cache=False))
    return session.engine(share_library=False)


@pytest.mark.pure_only(reason="patches predictions.FILE_STEPS")
def test_a_file_answered_at_once_ends_where_its_steps_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``FilePredictor.run`` (one file budget around every item) gives the answers
    its steps give under ``stepped.budgeted`` (a budget per step, the editor's
    way), within the file's budget and past it."""
    path = tmp_path / "many.py"
    path.write_text("".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(300)) + "f0(1)\n")
    for budget, cut in ((3_000, True), (100_000, False)):
        monkeypatch.setattr("typelens.typeinfer.predictions.FILE_STEPS", budget)
        at_once = FilePredictor(_analysed(path), str(path.resolve()), "many.py")
        found = at_once.run()
        stepped = FilePredictor(_analysed(path), str(path.resolve()), "many.py")
        spent = False
        try:
            for _ in budgeted(stepped.engine, stepped._collect(True, stepped.g.symbols, stepped.g.scopes), budget):
                pass
        except BudgetSpent:
            spent = True
        assert (at_once.partial, spent) == (cut, cut)
        assert found == stepped.found() and 0 < len(found)


def test_past_the_file_budget_the_answers_given_are_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "many.py"
    path.write_text("".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(300)))
    whole = FilePredictor(_analysed(path), str(path.resolve()), "many.py")
    everything = {(p.scope, p.kind): p.type for p in whole.run()}
    engine = _analysed(path)
    budgeted = FilePredictor(engine, str(path.resolve()), "many.py")
    with engine.file_budget(600):  # the tighter of two budgets holds
        found = budgeted.run()
    assert not whole.partial and budgeted.partial
    assert 0 < len(found) < len(everything)
    assert all(everything[(p.scope, p.kind)] == p.type for p in found)


def test_an_annotated_parameter_costs_one_question_of_the_budget(tmp_path: Path) -> None:
    """An annotated parameter is answered by its annotation in its own ``param``
    question: its evidence asks no memo question of its own, so the file's budget
    (a count of questions) covers as many annotated functions as it always did."""
    path = tmp_path / "annotated.py"
    header = "def f{i}(a: int, b: str, c: float, d: bytes, e: list, g: dict) -> None:\n    pass\n"
    path.write_text("".join(header.format(i=i) for i in range(200)))
    engine = _analysed(path)
    predictor = FilePredictor(engine, str(path.resolve()), "annotated.py")
    start = engine.steps
    predictor.run()
    assert not predictor.partial
    assert engine.steps - start <= 200 * 6 + 50  # one question a parameter, a few for the file


def test_the_default_file_budget_bounds_a_generated_file_and_spares_the_stdlib(tmp_path: Path) -> None:
    """A generated file asks at most :data:`FILE_STEPS` questions (a bound on work,
    whatever the machine), and the standard library's largest file by questions
    (``_pydecimal.py``, about 34,000) is answered whole, with room to spare."""
    path = tmp_path / "many.py"
    path.write_text("".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(8_000)))  # 13 questions each
    engine = _analysed(path)
    predictor = FilePredictor(engine, str(path.resolve()), "many.py")
    start = engine.steps
    predictor.run()
    assert predictor.partial and engine.steps - start == FILE_STEPS + 1
    stdlib = tmp_path / "std" / "_pydecimal.py"
    stdlib.parent.mkdir()
    stdlib.write_bytes((Path(os.__file__).parent / "_pydecimal.py").read_bytes())
    engine = _analysed(stdlib)
    predictor = FilePredictor(engine, str(stdlib.resolve()), stdlib.name)
    start = engine.steps
    predictor.run()
    assert not predictor.partial and engine.steps - start < FILE_STEPS * 2 // 3


def test_checks_past_the_file_budget_say_so(tmp_path: Path) -> None:
    path = tmp_path / "calls.py"
    path.write_text("".join(f"class C{i}:\n    pass\nC{i}(1)\n" for i in range(40)))
    engine = _analysed(path)
    whole = FileChecker(engine, str(path.resolve()), "calls.py").run()
    engine = _analysed(path)
    with engine.file_budget(100):
        partial = FileChecker(engine, str(path.resolve()), "calls.py").run()
    assert "analysis-budget" not in {d.code for d in whole}
    assert [d.code for d in partial].count("analysis-budget") == 1
    kept = [d for d in partial if d.code != "analysis-budget"]
    assert len(kept) < len([d for d in whole if d.code == "call-arg"])
    assert all(d in whole for d in kept)


def _answers(path: Path, budget: int | None = None) -> tuple[dict[tuple[str, str, str, int], str | None], bool]:
    """Each answer of the file by (scope, name, kind, line), and whether it was partial."""
    engine = _analysed(path)
    predictor = FilePredictor(engine, str(path.resolve()), path.name)
    if budget is None:
        found = predictor.run()
    else:
        with engine.file_budget(budget):
            found = predictor.run()
    return {(p.scope, p.name, p.kind, p.span.start_row): p.type for p in found}, predictor.partial


def test_a_rebinding_chain_is_asked_from_its_start(tmp_path: Path) -> None:
    # asked from the return at its end, the chain is one question 2,000 deep (about
    # 11 questions a link); from its first rebinding on, one link a question (about 7)
    path = _rebinding(tmp_path / "chain.py", 2000)
    everything, partial = _answers(path)
    assert not partial and len(everything) == 2002
    kept, partial = _answers(path, budget=17_000)
    assert not partial and kept == everything


def test_a_function_past_its_own_budget_loses_only_its_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `top` asks the whole chain of calls below it at once; each `h` after it asks one link
    lines = ["def top():", "    return h299()"]
    lines += ["def h0():", "    return 1"]
    lines += [f"def h{i}():\n    return h{i - 1}() + 1" for i in range(1, 300)]
    lines += ["def after(a):", "    return [a]", "after('s')", ""]
    path = tmp_path / "calls.py"
    path.write_text("\n".join(lines))
    everything, partial = _answers(path)
    assert not partial and everything["top", "top", "return", 0] == "int"
    monkeypatch.setattr("typelens.typeinfer.predictions.ITEM_STEPS", 1_000, raising=False)
    kept, partial = _answers(path)
    assert partial
    assert set(everything) - set(kept) == {("top", "top", "return", 0)}
    assert all(everything[key] == t for key, t in kept.items())
    assert kept["after", "a", "parameter", 602] == "str"


def test_many_generators_each_yield_their_own(tmp_path: Path) -> None:
    # a generator's yields are searched under its own node, not over the file: the
    # nested function's and the lambda's yields stay theirs
    lines = [
        "def outer(a):",
        "    def inner():",
        "        yield 's'",
        "    squares = [x * x for x in range(3)]",
        "    yield a + 1",
        "    return squares",
        "def plain():",
        "    def inner():",
        "        yield 1",
        "    f = lambda: (yield)",
        "    return 2",
    ]
    lines += [f"def g{i}(a):\n    yield {i}" for i in range(300)]
    path = tmp_path / "generators.py"
    path.write_text("\n".join(lines) + "\n")
    returns = _returns(path)
    assert returns["outer"] == "Generator[int, None, list[int]]"
    assert (returns["outer.inner"], returns["plain"], returns["plain.inner"]) == (
        "Iterator[str]",
        "int",
        "Iterator[int]",
    )
    assert {returns[f"g{i}"] for i in range(300)} == {"Iterator[int]"}


@pytest.mark.parametrize("settled", [True, False])
def test_a_module_added_after_a_missing_one_is_found(tmp_path: Path, settled: bool) -> None:
    # a search folder's names are listed once for the many missing modules of a file;
    # a module added later is found (the folder's mtime moved, or it is too recent to trust)
    (tmp_path / "project").mkdir()
    lib = tmp_path / "lib"
    (lib / "pkg").mkdir(parents=True)
    (lib / "pkg" / "__init__.py").write_text("")
    if settled:
        os.utime(lib, ns=(0, 10**18))  # long ago
    index = ProjectIndex(tmp_path / "project", search_paths=[lib], use_stubs=False)
    assert [index.resolve_module(f"missing{i}") for i in range(3)] == [None, None, None]
    assert index.resolve_module("pkg").origin == "installed"
    (lib / "late.py").write_text("x = 1\n")
    late = index.resolve_module("late")
    assert late is not None and late.path == lib / "late.py"


def test_a_token_window_asked_early_is_the_whole_scans() -> None:
    # the models' windows of a file's first functions scan only as far as they need;
    # an annotation's `:` and `->` cut later must not show in an earlier answer
    code = "".join(f"def f{i}(a: int, b='s{i}') -> dict[str, int]:  # c\n    return {{b: a}}\n" for i in range(400))
    g = build_graph(code)
    whole = TokenStream(g)
    whole.between(0, len(code) + 1)
    assert (
        whole.tokens.count(":") == 800 and "->" not in whole.tokens and "int" not in whole.tokens
    )  # the defs, the dicts
    offsets = [g.start_bytes[n] for n, k in enumerate(g.kinds) if k in ("identifier", "string", "return_statement")]
    for order in (offsets, offsets[::-1]):
        early = TokenStream(g)
        assert [early.window(b, 8) for b in order] == [whole.window(b, 8) for b in order]
        assert [early.line(b, 20) for b in order[:50]] == [whole.line(b, 20) for b in order[:50]]


def _walked_back(edits: list[tuple[int, int, int]], offset: int) -> int | None:
    """The place before ``edits`` of ``offset``, by walking every edit before it."""
    shift = 0
    for start, end, length in edits:
        if offset < start + shift:
            break
        if offset < start + shift + length:
            return None
        shift += length - (end - start)
    return offset - shift


def test_answers_map_back_through_many_edits() -> None:
    # --apply's later rounds map every answer back through the edits made so far
    # by a bisection: the same places as walking the edits one by one
    rng = random.Random(26)
    for _ in range(300):
        at, edits = 0, []
        for _ in range(rng.randrange(12)):
            at += rng.choice([0, 0, 1, 3, 10])
            end = at + rng.choice([0, 0, 1, 4])
            edits.append((at, end, rng.choice([0, 1, 2, 5])))
            at = end
        moved = _OffsetMap(edits)
        assert [moved.original(o) for o in range(at + 30)] == [_walked_back(edits, o) for o in range(at + 30)]


def _annotated(path: Path):
    [done] = annotate_files([path], [Snapshot.read(path)], InferOptions(mode="static"), min_confidence=0.8)
    return done


@pytest.mark.pure_only(reason="patches predictions.FILE_STEPS")
def test_apply_annotates_a_file_past_its_budget_in_one_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # each round would reach a little further into such a file and analyse it all
    # again: its first round's answers are written, and it says so
    path = tmp_path / "many.py"
    path.write_text("".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(300)) + "f0(1)\n")
    whole = _annotated(path)
    assert whole.settled and BUDGET_NOTE not in [n.text for n in whole.notes] and whole.new_raw is not None
    monkeypatch.setattr("typelens.typeinfer.predictions.FILE_STEPS", 3_000)  # the file's budget
    cut = _annotated(path)
    assert (cut.rounds, cut.settled, [n.text for n in cut.notes]) == (0, False, [BUDGET_NOTE])
    assert cut.new_raw is not None and whole.new_raw is not None
    written = [line for line in cut.new_raw.decode().splitlines() if "->" in line]
    assert 0 < len(written) < 300 and set(written) <= set(whole.new_raw.decode().splitlines())
    # the CLI says it once, not also "still changing after 0 rounds"
    from typelens.cli.apply_cmd import UNSETTLED, _report_notes

    _report_notes(cut)
    said = capsys.readouterr().err.splitlines()
    assert [line.endswith(BUDGET_NOTE) for line in said] == [True]
    _report_notes(Annotated(cut.snapshot, cut.new_raw, (), rounds=8, settled=False))
    assert capsys.readouterr().err.strip().endswith(UNSETTLED.format(rounds=8))
