"""Budgets of the script engine on generated large unannotated code: a web of
functions calling each other (the shape of ``@tanstack/db``, whose stripped copy
ran for tens of minutes) is answered within the file's budget; past a file's or a
target's budget the answers are left out, the file is ``partial`` and ``infer``
says so with an ``analysis-budget`` diagnostic.  Work is counted in engine
questions (``ScriptEngine.steps``), never in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from typelens.typeinfer.typescript.engine import FILE_STEPS
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.typescript.session import analyse_script


def _web(path: Path, functions: int, head: tuple[str, ...] = ()) -> Path:
    """``functions`` unannotated functions, each calling the next and one further
    on (the last ones call back to the first): every parameter is typed from its
    callers' arguments, and every question walks a long cycle of call sites.
    ``head``: lines before them."""
    lines = list(head)
    for i in range(functions):
        j, k = (i + 1) % functions, (i * 7 + 3) % functions
        lines += [
            f"export function f{i}(a, b, c) {{",
            f"  if (b > {i % 5}) {{ return f{j}(a, b - 1, c) + f{k}(c, b, a); }}",
            "  return a.length + b;",
            "}",
        ]
    lines.append('f0("x", 3, "y");')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _predict(path: Path):
    analysis = analyse_script(AnalysisSession(path.parent), path)
    before = analysis.engine.steps
    found = analysis.predictions("static")
    return {(p.scope, p.name, p.kind): p.type for p in found}, analysis, analysis.engine.steps - before


def test_a_web_of_calls_is_answered_within_the_file_budget(tmp_path: Path) -> None:
    # each question walks the cycle of call sites back to where it was cut (past
    # MAX_DEPTH): asked again by every target, the 480 targets asked about 1,000,000
    # questions; past three quarters of the budget the walks made are kept
    answers, analysis, steps = _predict(_web(tmp_path / "web.ts", 120))
    assert len(answers) == 480
    assert steps <= FILE_STEPS and not analysis.partial
    assert (answers["f0", "a", "parameter"], answers["f0", "f0", "return"]) == ("string", "number")
    assert answers["f119", "b", "parameter"] == "number"


def test_past_the_file_budget_the_answers_are_partial_and_infer_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first web question asks more than the whole budget: the answers before it
    # are given, it and every later one left out
    path = _web(tmp_path / "web.ts", 60, ("function label() {", '  return "web";', "}"))
    monkeypatch.setattr("typelens.typeinfer.typescript.predictions.FILE_STEPS", 3_000, raising=False)
    answers, analysis, steps = _predict(path)
    assert analysis.partial and steps <= 3_000
    assert answers.pop(("label", "label", "return")) == "string"
    assert set(answers.values()) == {None}
    result = infer_paths([tmp_path], InferOptions(use_cache=False))
    budget = [d for d in result.diagnostics if d.code == "analysis-budget"]
    assert len(budget) == 1 and Path(budget[0].path).name == "web.ts"


def test_a_target_past_its_own_budget_loses_only_its_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `top` asks the whole chain of calls below it (about 100 questions); each `h`
    # after it one link more, on the links already answered
    lines = ["function top() {", "  return h11();", "}", "function h0() {", "  return 1;", "}"]
    for i in range(1, 12):
        lines += [f"function h{i}() {{", f"  return h{i - 1}() + 1;", "}"]
    lines += ["function after(a) {", "  return [a];", "}", 'after("s");']
    path = tmp_path / "calls.ts"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    everything, analysis, _ = _predict(path)
    assert not analysis.partial and everything["top", "top", "return"] == "number"
    monkeypatch.setattr("typelens.typeinfer.typescript.predictions.ITEM_STEPS", 40, raising=False)
    kept, analysis, _ = _predict(path)
    assert analysis.partial
    assert {k for k, t in everything.items() if t != kept[k]} == {("top", "top", "return")}
    assert kept["top", "top", "return"] is None and kept["h11", "h11", "return"] == "number"
    assert kept["after", "a", "parameter"] == "string"
