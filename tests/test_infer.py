"""Static inference, data-driven: ``tests/data/infer/*.py`` carry ``# ? name: type``
expectations (ids ``file:line``), and each file's whole ``typelens infer --format
json`` output is pinned by a golden ``.json`` next to it (``--update-golden``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.types import ClassType, TypeVarType, render

from .conftest import DATA, check_golden
from .infer_expectations import type_expectations

CASES = sorted((DATA / "infer").glob("*.py"))
PARAMS = [
    pytest.param(path, exp, id=f"{path.name}:{exp.comment_line}") for path in CASES for exp in type_expectations(path)
]
_RESULTS: dict[Path, list] = {}


def predictions_of(path: Path):
    if path not in _RESULTS:
        _RESULTS[path] = infer_paths([path], InferOptions(use_cache=False)).predictions
    return _RESULTS[path]


@pytest.mark.parametrize("path,exp", PARAMS)
def test_expected_type(path: Path, exp) -> None:
    rows = [
        p
        for p in predictions_of(path)
        if p.span.start_row + 1 == exp.target_line
        and (p.name == exp.name and p.kind != "return" or exp.name == "return" and p.kind == "return")
    ]
    assert rows, f"no prediction for {exp.name} on line {exp.target_line}"
    got = [p.type or "?" for p in rows]
    assert exp.type in got, f"{exp.name}: expected {exp.type}, got {got}"


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_golden_json(path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from typelens.cli.main import app

    monkeypatch.chdir(path.parent)  # `file` is relative to the working folder
    run = CliRunner().invoke(app, ["infer", str(path), "--format", "json", "--no-cache", "--mode", "static"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    doc["stats"].pop("seconds")
    for row in doc["predictions"]:
        assert set(row) - {"evidence", "candidates"} == {
            "file",
            "scope",
            "name",
            "kind",
            "type",
            "confidence",
            "line",
            "col",
            "source",
        }
        assert "evidence" not in row or row["type"] is not None and all(isinstance(e, str) for e in row["evidence"])
        assert row["line"] >= 1 and row["col"] >= 1 and row["file"] == path.name
    check_golden(path.with_suffix(".json"), json.dumps(doc, indent=1, sort_keys=True) + "\n", update_golden)


def test_every_case_has_expectations() -> None:
    for path in CASES:
        assert type_expectations(path), path.name


def test_cache_makes_the_second_run_a_read(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("x = 1\n")
    first = infer_paths([tmp_path], InferOptions())
    second = infer_paths([tmp_path], InferOptions())
    assert first.stats["cache_hits"] == 0 and second.stats["cache_hits"] == 1
    assert [p.type for p in first.predictions] == [p.type for p in second.predictions]
    source.write_text("x = 'changed'\n")
    third = infer_paths([tmp_path], InferOptions())
    assert third.stats["cache_hits"] == 0 and third.predictions[0].type == "str"


def test_a_model_retrained_in_place_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    from typelens.typeinfer.result_cache import answer_key as _digest

    (tmp_path / "m.py").write_text("x = 1\n")
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.onnx").write_bytes(b"first")
    options = InferOptions(mode="hybrid", model_dir=model)
    before = _digest([tmp_path / "m.py"], options, tmp_path)
    (model / "model.onnx").write_bytes(b"second, retrained")
    assert _digest([tmp_path / "m.py"], options, tmp_path) != before
    static = InferOptions(mode="static", model_dir=model)  # static answers do not read the model
    assert _digest([tmp_path / "m.py"], static, tmp_path) == _digest([tmp_path / "m.py"], static, tmp_path)


def test_jobs_give_the_same_answer(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"m{i}.py").write_text(f"def f{i}(a=1):\n    return a * {i}.5\n")
    one = infer_paths([tmp_path], InferOptions(use_cache=False))
    two = infer_paths([tmp_path], InferOptions(use_cache=False, jobs=2))
    assert [(p.file, p.name, p.type) for p in one.predictions] == [(p.file, p.name, p.type) for p in two.predictions]


def test_a_broken_file_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_bytes(b"\x00\xff" * 3000)
    (tmp_path / "syntax.py").write_text("def f(:\n")
    result = infer_paths([tmp_path], InferOptions(use_cache=False))
    assert any(p.file == "good.py" and p.type == "int" for p in result.predictions)
    assert {d.code for d in result.diagnostics} >= {"binary-file"}


def test_a_loose_file_brings_the_modules_it_imports_not_its_neighbours(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from helper import area\nfrom pkg.units import scale\n\nsize = area(2.0)\nfactor = scale()\n"
    )
    (tmp_path / "helper.py").write_text("import shapes\n\n\ndef area(r):\n    return shapes.PI * r * r\n")
    (tmp_path / "shapes.py").write_text("PI = 3.14159\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "units.py").write_text("def scale():\n    return 10\n")
    for i in range(30):  # files beside it that it never imports are not analysed
        (tmp_path / f"other{i}.py").write_text(f"def f{i}(a=1):\n    return a\n")
    result = infer_paths([tmp_path / "main.py"], InferOptions(use_cache=False))
    types = {p.name: p.type for p in result.predictions}
    assert types["size"] == "float" and types["factor"] == "int"
    names = set(result.engines[str(tmp_path)].project.files)
    assert names == {"main.py", "helper.py", "shapes.py", "pkg/units.py"}, names
    # a file inside a package of a scratch folder gets its package, not the folder
    inside = infer_paths([tmp_path / "pkg" / "units.py"], InferOptions(use_cache=False))
    assert inside.engines[str(tmp_path)].project.files == ["pkg/__init__.py", "pkg/units.py"]
    # in a project (a marker beside it) the whole project (call sites across files)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    inside = infer_paths([tmp_path / "pkg" / "units.py"], InferOptions(use_cache=False))
    assert len(inside.engines[str(tmp_path)].project.files) > 30


def test_unions_widen_to_object_only_when_joining_grows_them() -> None:
    from typelens.typeinfer.types import _MAX_UNION, OBJECT, ClassType, UnionType, make_union

    classes = [ClassType(f"C{i}") for i in range(_MAX_UNION + 4)]
    assert make_union(classes) == OBJECT  # grown by joining: object
    written = make_union(classes, widen=False)  # as an annotation writes it
    assert isinstance(written, UnionType) and len(written.items) == _MAX_UNION + 4
    assert make_union([written]) == written  # later joins keep it
    assert make_union([written, ClassType("Extra")]) == OBJECT  # and widen what grows past it


def test_an_installed_package_is_its_own_project(tmp_path: Path) -> None:
    """A file inside site-packages: the project is its package, not every package
    installed beside it (which had been walked, all of them: minutes, gigabytes)."""
    site = tmp_path / "lib" / "site-packages"
    for name in ("pkga", "other"):
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text("")
    (site / "pkga" / "mod.py").write_text("from .helpers import make\n\nvalue = make()\n")
    (site / "pkga" / "helpers.py").write_text("def make():\n    return 1\n")
    (site / "other" / "big.py").write_text("x = 1\n")
    result = infer_paths([site / "pkga" / "mod.py"], InferOptions(mode="static", use_cache=False))
    assert {p.name: p.type for p in result.predictions}["value"] == "int"
    engine = result.engines[str(site.resolve())]
    assert set(engine.index.modules) == {"pkga", "pkga.mod", "pkga.helpers"}
    whole = infer_paths([site / "pkga"], InferOptions(mode="static"))
    assert {p.file for p in whole.predictions} == {"mod.py", "helpers.py"}
    assert (site / "pkga" / ".typelens-cache").is_dir() and not (site / ".typelens-cache").exists()


def test_a_base_that_names_the_class_through_a_subclass_is_answered(tmp_path: Path) -> None:
    """pkg_resources' ``class ZipManifests(Dict[str, "MemoizedZipManifests.manifest_mod"])``
    with ``class MemoizedZipManifests(ZipManifests)``: building the first class's
    bases asks for a member of its own subclass.  It had recursed until Python's
    limit and lost every answer of the file."""
    (tmp_path / "zips.py").write_text(
        "from typing import Dict, NamedTuple\n\n"
        "class Manifests(Dict[str, 'Memoized.entry']):\n"
        "    def load(self, path: str):\n        return self[path]\n\n"
        "class Memoized(Manifests):\n"
        "    class entry(NamedTuple):\n        mtime: float\n\n"
        "    def stamp(self, path: str):\n        return self.load(path).mtime\n\n"
        "def size(n: int):\n    return n * 2.0\n"
    )
    result = infer_paths([tmp_path / "zips.py"], InferOptions(mode="static", use_cache=False))
    assert not [d for d in result.diagnostics if d.code == "internal-error"]
    found = {(p.scope, p.name): p.type for p in result.predictions}
    assert found[("Memoized.stamp", "stamp")] == "float"
    assert found[("size", "size")] == "float"


@pytest.mark.pure_only(reason="patches TypeEngine.return_type")
def test_a_function_whose_analysis_recurses_too_deep_loses_only_its_answers(tmp_path: Path, monkeypatch) -> None:
    from typelens.typeinfer.engine import TypeEngine

    (tmp_path / "two.py").write_text("def deep(a):\n    return a\n\ndef fine(n: int):\n    return n * 2.0\n")
    original = TypeEngine.return_type

    def return_type(self, path, function):
        if self.graph(path).text(self.graph(path).child_by_field(function, "name")) == "deep":
            raise RecursionError("maximum recursion depth exceeded")
        return original(self, path, function)

    monkeypatch.setattr(TypeEngine, "return_type", return_type)
    result = infer_paths([tmp_path / "two.py"], InferOptions(mode="static", use_cache=False))
    assert not [d for d in result.diagnostics if d.code == "internal-error"]
    found = {(p.scope, p.name): p.type for p in result.predictions}
    assert found[("fine", "fine")] == "float" and ("deep", "deep") not in found


def _static(path: Path) -> dict[tuple[str, str], str | None]:
    result = infer_paths([path], InferOptions(mode="static", use_cache=False))
    assert not [d for d in result.diagnostics if d.code == "internal-error"]
    return {(p.scope, p.name): p.type for p in result.predictions}


def test_deep_input_keeps_its_answers(tmp_path: Path) -> None:
    """Recursion depth that follows the input (issue 26): a 1,000-term ``or``, a
    1,000-term ``and`` condition, 1,000 nested lists, and a 3,000-link chain of
    assignments asked from its end first.  No RecursionError, every answer kept."""
    chain = "".join(f"x{i} = x{i - 1} + 1\n" for i in range(1, 3000))
    (tmp_path / "deep.py").write_text(
        "def last():\n    return x2999\n\n"
        "a = 1\nb = " + " or ".join(["a"] * 1000) + "\n"
        "while " + " and ".join(["a"] * 1000) + ":\n    c = a\n    break\n"
        "d = " + "[" * 1000 + "1.5" + "]" * 1000 + "\n"
        "x0 = 1\n" + chain
    )
    found = _static(tmp_path / "deep.py")
    assert found[("last", "last")] == "int" and found[("", "x2999")] == "int"
    assert found[("", "b")] == "int" and found[("", "c")] == "int"
    assert found[("", "d")] == "list[list[list]]"  # a class nested in itself past 3 levels is cut


def test_a_cycle_longer_than_one_stack_is_iterated_whole(tmp_path: Path) -> None:
    """A ring of 80 mutually recursive functions: far more nested questions than one
    Python stack holds; answered the same in any order, no cycle cut."""
    import random

    from typelens.typeinfer.session import AnalysisSession

    ring = 80
    source = "".join(
        f"def f{i}(n):\n    if n:\n        return f{(i + 1) % ring}(n - 1)\n    return {i}.5\n\n" for i in range(ring)
    )
    (tmp_path / "ring.py").write_text(source + "start = f0(3)\n")
    found = _static(tmp_path / "ring.py")
    assert found[("f0", "f0")] == "float" and found[("f41", "f41")] == "float" and found[("", "start")] == "float"
    session = AnalysisSession(tmp_path)
    path = str((tmp_path / "ring.py").resolve())
    functions = [s.node for s in session.engine().graph(path).scopes if s.name.startswith("f")]
    for seed in range(3):
        engine = session.engine(share_library=False)
        order = list(functions)
        random.Random(seed).shuffle(order)
        assert {render(engine.return_type(path, f)) for f in order} == {"float"}
        assert engine.cut_cycles == 0 and engine.unconverged == 0


def test_a_cycle_with_two_fixpoints_settles_in_one_whichever_is_asked_first(tmp_path: Path) -> None:
    """``set1`` and ``set2`` are typed through each other's uses: ``set1`` as ``set``
    makes ``set2`` an ``Iterable[object]`` (what ``set.difference`` accepts) and
    the other way round, two fixpoints of the same equations.  Whichever parameter
    is asked first, the cycle is solved from the same question (its head: the first
    in the file) and settles in the same one."""
    from typelens.typeinfer.callables import signature
    from typelens.typeinfer.session import AnalysisSession

    (tmp_path / "sets.py").write_text(
        "class T:\n"
        "    def check(self, set1, set2):\n"
        "        difference1 = set1.difference(set2)\n"
        "        difference2 = set2.difference(set1)\n"
        "        return difference1, difference2\n"
    )
    session = AnalysisSession(tmp_path)
    path = str((tmp_path / "sets.py").resolve())
    g = session.engine().graph(path)
    check = next(s.node for s in g.scopes if s.name == "check")
    params = {p.name: p.node for p in signature(g, check)}
    answers = []
    for first, second in (("set1", "set2"), ("set2", "set1")):
        engine = session.engine(share_library=False)
        found = {first: render(engine.parameter_type(path, params[first]))}
        found[second] = render(engine.parameter_type(path, params[second]))
        answers.append(found)
        assert engine.unconverged == 0
    assert answers[0] == answers[1] == {"set1": "Iterable[object]", "set2": "set"}


def test_a_call_is_typed_without_arguments_that_cannot_change_it(tmp_path: Path) -> None:
    """A non-generic class's constructor and a def whose return names no type
    variable (no overloads, not evaluated per call site) give their type without
    the arguments' types being asked; a generic class, a def returning its type
    variable and a def evaluated per call site ask them.  A method bound to a
    receiver that names a type variable, returned by a def too long to evaluate
    per call site, is the call's type whatever the arguments (a call substitutes
    into no bound receiver): not asked either."""
    from typelens.typeinfer.session import AnalysisSession

    (tmp_path / "calls.py").write_text(
        "from typing import Generic, TypeVar\n"
        "T = TypeVar('T')\n"
        "class Plain:\n    def __init__(self, v):\n        self.v = v\n"
        "class Box(Generic[T]):\n    def __init__(self, v: T) -> None:\n        self.v = v\n"
        "    def get(self) -> T:\n        return self.v\n"
        f"def getter(b: Box[T]):\n    '{'long ' * 1300}'\n    return b.get\n"
        "def count(a) -> int:\n    return 1\n"
        "def same(a: T) -> T:\n    return a\n"
        "def per_site(a):\n    return a\n"
        "p = Plain(1 + 2)\nb = Box(3 + 4)\nc = count(5 + 6)\ns = same(7 + 8)\nq = per_site(9 + 10)\n"
        "m = getter(b)\n"
    )
    session = AnalysisSession(tmp_path)
    path = str((tmp_path / "calls.py").resolve())
    engine = session.engine(share_library=False)
    g = engine.graph(path)
    calls = {
        g.text(n).split("(")[0]: n for n, kind in enumerate(g.kinds) if kind == "call" and "TypeVar" not in g.text(n)
    }
    found = {name: render(engine.exprs.type_of(path, node)) for name, node in calls.items()}
    assert found == {
        "Plain": "Plain",
        "Box": "Box[int]",
        "count": "int",
        "same": "int",
        "per_site": "int",
        "getter": "Callable[..., Any]",
    }
    assert engine.exprs.type_of(path, calls["getter"]).bound == ClassType("calls.Box", (TypeVarType("T"),))
    asked = {
        name: any(k[:3] == ("expr", path, arg) for k in engine._memo)
        for name, node in calls.items()
        for arg in g.children(g.child_by_field(node, "arguments"))[:1]
    }
    assert asked == {"Plain": False, "Box": True, "count": False, "same": True, "per_site": True, "getter": False}


def test_a_question_that_only_hands_an_answer_on_is_asked_directly(tmp_path: Path) -> None:
    """A name read is its ``use`` question (no ``expr`` entry), a read of an
    import under a condition that does not name it is the import's ``symbol``
    question (no ``use`` entry either), and a literal has no entry at all; a read
    under a condition that narrows it keeps its ``use`` entry and is narrowed."""
    from typelens.typeinfer.session import AnalysisSession

    (tmp_path / "reads.py").write_text(
        "import os\n"
        "def f(x: int | str, flag):\n"
        "    if flag:\n"
        "        y = os\n"
        "    if isinstance(x, int):\n"
        "        return x\n"
        "    return len('a')\n"
    )
    session = AnalysisSession(tmp_path)
    path = str((tmp_path / "reads.py").resolve())
    engine = session.engine(share_library=False)
    g = engine.graph(path)
    assert g is not None
    loads = {g.text(n): n for n, kind in enumerate(g.kinds) if kind == "name_load"}
    literal = next(n for n, kind in enumerate(g.kinds) if kind == "string")
    os_read, x_read = loads["os"], max(n for n, kind in enumerate(g.kinds) if kind == "name_load" and g.text(n) == "x")
    assert render(engine.exprs.type_of(path, os_read)) == "ModuleType"
    assert render(engine.exprs.type_of(path, x_read)) == "int"
    assert render(engine.exprs.type_of(path, literal)) == "str"
    asked = {k[:3] for k in engine._memo}
    assert ("use", path, x_read) in asked and ("expr", path, x_read) not in asked
    assert not {("use", path, os_read), ("expr", path, os_read), ("expr", path, literal)} & asked
    assert engine.narrowing._facts(path, g, os_read) == ()
    assert [g.text(c) for c, _ in engine.narrowing._facts(path, g, x_read)] == ["isinstance(x, int)"]


def test_growing_types_in_a_cycle_end(tmp_path: Path) -> None:
    """``x = [x]`` in a loop and a recursion that wraps its argument: every pass
    grows the type; nesting is cut at 8 levels and the cycle settles."""
    (tmp_path / "grow.py").write_text(
        "def wrap(items):\n    x = 1\n    for _ in items:\n        x = [x]\n    return x\n\n"
        "def nest(v, n):\n    if n:\n        return nest([v], n - 1)\n    return v\n\n"
        "deep = nest(1, 5)\n"
    )
    found = _static(tmp_path / "grow.py")
    assert "int" in found[("wrap", "wrap")].split(" | ") and "list[int]" in found[("wrap", "wrap")]
    assert "int" in (found[("", "deep")] or "").split(" | ")


def test_a_call_site_evaluation_out_of_budget_keeps_the_context_free_answer(tmp_path: Path, monkeypatch) -> None:
    from typelens.typeinfer import callsites

    (tmp_path / "calls.py").write_text("def add(a, b):\n    return a + b\n\nr1 = add(1, 2)\nr2 = add('a', 'b')\n")
    assert _static(tmp_path / "calls.py")[("", "r1")] == "int"
    monkeypatch.setattr(callsites, "_CONTEXT_STEPS", 2)
    found = _static(tmp_path / "calls.py")
    assert found[("", "r1")] == found[("", "r2")] == found[("add", "add")] == "int | str"


def test_the_json_writer_gives_json_dumps_text() -> None:
    """``infer --format json``'s writer is ``json.dumps(indent=1, ensure_ascii=False)``,
    character for character, faster; other values go to ``json.dumps`` itself."""
    from typelens.cli.infer_cmd import json_indented

    docs: list[object] = [
        {},
        [],
        {"predictions": [], "stats": {}},
        {
            "predictions": [
                {
                    "file": 'd\u00e9j\u00e0 "vu"\\\n\t\u2028\x00\x7f\ud800.py',
                    "type": None,
                    "confidence": 0.1 + 0.2,
                    "line": -3,
                    "flags": [True, False, [], {}],
                    "candidates": [["int", 0.333], ("str", 1e-7)],
                }
            ],
            "stats": {"seconds": 1e300, "nan": float("nan"), "inf": float("-inf"), "by_kind": {"return": 2}},
        },
        {1: "an int key"},
        {"nested": [[[1.5]]]},
    ]
    for doc in docs:
        assert json_indented(doc) == json.dumps(doc, indent=1, ensure_ascii=False)


def test_the_json_report_is_json_dumps_of_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``render_json`` writes each row straight from its dict: the text is still
    ``json.dumps(indent=1, ensure_ascii=False)`` of the document, for rows with and
    without evidence and candidates, unknown types, odd file names and an empty run."""
    from typelens.analyzer.spans import Diagnostic, Span
    from typelens.cli.findings import build_findings, finding_row
    from typelens.cli.infer_cmd import render_json
    from typelens.cli.paths import display_path
    from typelens.cli.positions import human_position
    from typelens.typeinfer.predicted import Prediction
    from typelens.typeinfer.run import InferResult

    monkeypatch.chdir(tmp_path)
    (tmp_path / 'd\u00e9j\u00e0 "vu".py').write_text("caf\u00e9 = 1\nx = None\n", encoding="utf-8")
    path = str(tmp_path / 'd\u00e9j\u00e0 "vu".py')
    predictions = [
        Prediction("a.py", path, "", "caf\u00e9", "variable", "int", 1.0, Span(0, 5, 0, 0, 0, 5), "static"),
        Prediction("a.py", path, "f", "x", "parameter", None, 0.0, Span(11, 12, 1, 0, 1, 1), "static"),
        Prediction(
            "a.py",
            path,
            "f",
            "x",
            "parameter",
            "int | None",
            0.12345,
            Span(11, 12, 1, 0, 1, 1),
            "hybrid",
            ("call:f.x", "attr:\u00e9\\n"),
            (("int", 0.6666), ("str", 1.0)),
        ),
    ]
    budget = Diagnostic.build("analysis-budget", "past its budget", Span.empty(), path)
    for rows, found in ((predictions, [budget]), ([], [])):
        result = InferResult(rows, found, stats={"files": 1, "by_kind": {"variable": 1}, "seconds": 0.5})
        data = (tmp_path / 'd\u00e9j\u00e0 "vu".py').read_bytes()
        expected = {
            "predictions": [
                {**p.to_dict(*human_position(data, p.span.start_row, p.span.start_col)), "file": display_path(p.path)}
                for p in rows
            ],
            "stats": result.stats,
            "diagnostics": [finding_row(f) for f in build_findings(found)],
        }
        assert render_json(result) == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"


def test_a_parameters_evidence_is_worked_out_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The predictions ask a parameter's evidence, then its type, and the checks
    ask the evidence again: its call sites and uses are worked out once, and the
    type is the one asked without the evidence first."""
    from typelens.typeinfer.callables import CallModel, signature
    from typelens.typeinfer.session import AnalysisSession

    (tmp_path / "m.py").write_text(
        "def scale(value, factor=2):\n    return value * factor\n\nscale(3)\nscale(1.5, factor=4)\n"
    )
    session = AnalysisSession(tmp_path)
    path = str((tmp_path / "m.py").resolve())
    g = session.engine().graph(path)
    params = signature(g, next(s.node for s in g.scopes if s.name == "scale"))
    worked = []
    evidence = CallModel._evidence
    monkeypatch.setattr(
        CallModel, "_evidence", lambda self, p, *rest: worked.append(rest[-1].node) or evidence(self, p, *rest)
    )
    engine = session.engine(share_library=False)
    for p in params:
        first = engine.calls.evidence(path, p.node)
        assert render(engine.parameter_type(path, p.node)) == {"value": "float", "factor": "int"}[p.name]
        assert engine.calls.evidence(path, p.node) is first
    assert sorted(worked) == sorted(p.node for p in params)
    fresh = session.engine(share_library=False)
    assert [render(fresh.parameter_type(path, p.node)) for p in params] == ["float", "int"]
