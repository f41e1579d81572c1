"""Per-file answers kept between runs (``typeinfer/file_answers.py``, ``typeinfer/reads.py``):
after a one-file edit, a run reuses the answers of the files the edit cannot reach and
gives exactly what a cold run gives, for edits that change another file's answers: a
changed return type used by an importer, a new call that types a parameter in a file
that was not edited, a removed definition, an overriding method that goes away.  These
tests fail if the engine stops recording what an answer read (the stale answers of the
importer or callee would be reused)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.typeinfer.check_arity import is_uncertain_callee
from typelens.typeinfer.file_answers import FileAnswer
from typelens.typeinfer.reads import ReadLog
from typelens.typeinfer.run import InferOptions, check_paths, file_sets, infer_paths, is_worth_tracking, open_session
from typelens.typeinfer.settings import Settings

BASE = """\
def make():
    return 1


def helper(x):
    return x
"""

FILES = {
    "__init__.py": "",
    "base.py": BASE,
    # user.py reads base.py only through the memo: relay's return, worked out while mid.py was answered
    "mid.py": "from .base import make\n\n\ndef relay():\n    return make()\n",
    "user.py": "from .mid import relay\n\n\ndef use():\n    value = relay()\n    return value\n",
    "caller.py": "from .base import helper\n\n\ndef call():\n    return helper(3)\n",
    "other.py": "def alone(n: int):\n    return n * 2\n",
    "shapes.py": 'class Shape:\n    name: str = "shape"\n\n    def area(self):\n        return None\n',
    "square.py": "from .shapes import Shape\n\n\nclass Square(Shape):\n    def area(self):\n        return 1.5\n",
    # draw.py reads shapes.py only through questions about its definitions: what
    # ``Shape`` names, its class's members and the annotation of ``name``
    "draw.py": "from .shapes import Shape\n\n\ndef label(s: Shape):\n    return s.name\n",
}
SHAPES = FILES["shapes.py"]

NEW_CALL = FILES["other.py"] + "\n\ndef more():\n    from .base import helper\n\n    return helper('s')\n"
NEW_OVERRIDE = FILES["other.py"] + (
    "\n\nfrom .shapes import Shape\n\n\nclass Circle(Shape):\n    def area(self):\n        return 'round'\n"
)

# (file edited, its new text, (file, function, its return type after the edit) in a file not edited)
EDITS = [
    ("base.py", BASE.replace("return 1", "return 'one'"), ("user.py", "use", "str")),
    ("other.py", NEW_CALL, ("base.py", "helper", "int | str")),
    ("other.py", NEW_OVERRIDE, ("shapes.py", "area", "float | str | None")),
    ("base.py", BASE.replace("def make():\n    return 1\n", ""), ("mid.py", "relay", None)),
    ("other.py", FILES["other.py"].replace("n * 2", "n * 3"), ("user.py", "use", None)),
]


def _package(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name, text in FILES.items():
        (root / "pkg" / name).write_text(text, encoding="utf-8")
    return root / "pkg"


def _primed(pkg: Path, run) -> None:
    """Run twice, with a harmless edit between: a cold run keeps no answers, only
    the word that the next run records what its answers read."""
    run()
    (pkg / "other.py").write_text(FILES["other.py"] + "# edited\n", encoding="utf-8")
    run()
    (pkg / "other.py").write_text(FILES["other.py"], encoding="utf-8")


def _answers(result) -> tuple[list, list]:
    return [(p.file, p.scope, p.name, p.kind, p.type, p.source, p.span) for p in result.predictions], result.diagnostics


def _type_of(result, file: str, name: str) -> str | None:
    found = [p.type for p in result.predictions if p.file == file and p.name == name and p.kind == "return"]
    assert found, f"no return prediction for {name} in {file}"
    return found[0]


def _kept(caplog: pytest.LogCaptureFixture) -> list[tuple[int, int]]:
    counts = []
    for record in caplog.records:
        if "answers kept from the last run" in record.getMessage():
            kept, _, total = record.getMessage().split()[:3]
            counts.append((int(kept), int(total)))
    caplog.clear()
    return counts


def test_infer_after_each_edit_equals_a_cold_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    caplog.set_level(logging.INFO, logger="typelens.typeinfer.run")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    assert _answers(infer_paths([pkg], warm)) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))
    kept_any = False
    for name, text, changed in EDITS:
        caplog.clear()
        (pkg / name).write_text(text, encoding="utf-8")
        again = infer_paths([pkg], warm)
        counts = _kept(caplog)
        cold = infer_paths([pkg], InferOptions(use_cache=False))
        assert _answers(again) == _answers(cold), f"after editing {name}"
        assert _type_of(again, changed[0], changed[1]) == changed[2], f"after editing {name}"
        assert counts and counts[0][1] == len(FILES)
        kept_any = kept_any or counts[0][0] > 0
    assert kept_any, "no run reused a file's answers: the test would not see a missing dependency"


def test_a_new_call_in_an_unedited_file_types_the_parameter_again(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    before = infer_paths([pkg], warm)
    params = {p.name: p.type for p in before.predictions if p.file == "base.py" and p.kind == "parameter"}
    (pkg / "other.py").write_text(NEW_CALL, encoding="utf-8")
    after = infer_paths([pkg], warm)
    now = {p.name: p.type for p in after.predictions if p.file == "base.py" and p.kind == "parameter"}
    assert now["x"] != params["x"]  # base.py was not edited, but a file now calls helper('s')
    assert _answers(after) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))


def test_analyze_after_each_edit_equals_a_cold_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pkg = _package(tmp_path)
    (pkg / "user.py").write_text(FILES["user.py"] + "\n\ndef bad():\n    return use().upper()\n", encoding="utf-8")
    warm = InferOptions(settings=Settings(cache_dir=tmp_path / "cache"))
    cold = InferOptions(settings=Settings(cache=False))
    caplog.set_level(logging.INFO, logger="typelens.typeinfer.run")
    _primed(pkg, lambda: check_paths([pkg], warm))
    assert check_paths([pkg], warm)[0] == check_paths([pkg], cold)[0]
    kept_any = False
    for name, text, _ in EDITS:
        caplog.clear()
        (pkg / name).write_text(text, encoding="utf-8")
        found = check_paths([pkg], warm)[0]
        kept_any = kept_any or any(kept for kept, _ in _kept(caplog))
        assert found == check_paths([pkg], cold)[0], f"after editing {name}"
    assert kept_any


# edits of what other files ask about a definition: (file, its new text, (file, function,
# its return type after the edit) in a file not edited)
DEFINITION_EDITS = [
    ("shapes.py", SHAPES.replace("name: str", "name: bytes"), ("draw.py", "label", "bytes")),  # an annotation
    ("shapes.py", SHAPES.replace('    name: str = "shape"\n\n', ""), ("draw.py", "label", None)),  # a member goes
    (
        "shapes.py",
        SHAPES.replace("class Shape:", "class Shape(bytes):").replace('    name: str = "shape"\n\n', ""),
        ("draw.py", "label", None),
    ),  # a base
]


def test_an_edit_of_what_importers_ask_about_a_definition_redoes_them(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    for name, text, (file, function, now) in DEFINITION_EDITS:
        (pkg / name).write_text(text, encoding="utf-8")
        again = infer_paths([pkg], warm)
        assert _answers(again) == _answers(infer_paths([pkg], InferOptions(use_cache=False))), text
        assert _type_of(again, file, function) == now, text
    (pkg / "shapes.py").write_text(SHAPES, encoding="utf-8")
    assert _type_of(infer_paths([pkg], warm), "draw.py", "label") == "str"


def test_a_changed_signature_is_checked_again_in_the_callers(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(settings=Settings(cache_dir=tmp_path / "cache"))
    cold = InferOptions(settings=Settings(cache=False))
    _primed(pkg, lambda: check_paths([pkg], warm))
    assert not [d for d in check_paths([pkg], warm)[0] if d.path.endswith("caller.py")]
    (pkg / "base.py").write_text(BASE.replace("def helper(x):", "def helper(x, y):"), encoding="utf-8")
    found = check_paths([pkg], warm)[0]
    assert found == check_paths([pkg], cold)[0]
    assert [d.code for d in found if d.path.endswith("caller.py")] == ["call-arg"]


def test_an_edit_that_keeps_a_class_keeps_the_files_that_ask_about_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """draw.py and square.py ask shapes.py's ``Shape`` (what the name binds, its
    class's members, its ``name``'s annotation) through questions about its
    definitions: an edit of shapes.py that keeps them redoes shapes.py alone."""
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    caplog.set_level(logging.INFO, logger="typelens.typeinfer.run")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    redone = [2, 1]  # other.py is redone once more: the last run that answered saw it edited
    for line in ("_edited = 1\n", "_edited = 2\n"):
        caplog.clear()
        (pkg / "shapes.py").write_text(SHAPES + line, encoding="utf-8")
        again = infer_paths([pkg], warm)
        messages = [r.getMessage() for r in caplog.records if "answers kept" in r.getMessage()]
        assert _answers(again) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))
        assert messages[0].startswith(f"{len(FILES) - redone.pop(0)} of {len(FILES)} files"), messages


def _client_and_api(tmp_path: Path, api: str, client: str) -> tuple:
    """A static engine over a package of ``api.py`` and ``client.py``, and their paths."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "api.py").write_text(api)
    (pkg / "client.py").write_text(client)
    session = open_session(file_sets([pkg])[0], InferOptions(mode="static", use_cache=False))
    engine = session.engine(share_library=False)
    return engine, str((pkg / "client.py").resolve()), str((pkg / "api.py").resolve())


def test_a_call_check_asks_what_the_callee_is_not_its_files_graph(tmp_path: Path) -> None:
    """Whether a callee may not be what runs (``is_uncertain_callee``: a def, a
    method, a staticmethod, a metaclass's method) is a question about the def
    (``callee-shape``), so the calling file keeps that answer, not a read of the
    callee's file, and an edit there that keeps it does not redo the check."""
    engine, client, api = _client_and_api(
        tmp_path,
        "class Box:\n    @staticmethod\n    def make(n):\n        return n\n",
        "from .api import Box\n\n\ndef go():\n    return Box.make(1)\n",
    )
    g = engine.require_graph(client)
    function = next(g.children(n)[0] for n in range(len(g.kinds)) if g.kinds[n] == "call")
    callee = engine.exprs.type_of(client, function)
    log = engine.track()
    engine.begin_file(client)
    assert is_uncertain_callee(engine, client, g, function, callee) is False  # a staticmethod read off its class
    assert [key for key in log.asked if key[0] == "callee-shape"] == [("callee-shape", api, callee.node)]
    assert log.paths_of(log.raw) == [client]


@pytest.mark.pure_only(reason="reads the engine's attributes through vars(): a compiled engine has no __dict__")
def test_another_files_question_puts_back_every_model_it_replaced(tmp_path: Path) -> None:
    """A question about another file's definition is answered with fresh models
    (their caches would hide its reads from the asking file); after it, each
    attribute the turn replaced is the asking file's again.  The replaced ones are
    found by comparing the engine before and inside the turn, not from the engine's
    own list (a model is what refers back to the engine), so a model built but not
    put back fails here."""
    engine, client, api = _client_and_api(
        tmp_path, "def make(n):\n    return n\n", "from .api import make\n\n\ndef go():\n    return make(1)\n"
    )
    engine.track()
    engine.begin_file(client)
    before = dict(vars(engine))
    inside: dict[str, object] = {}

    def compute() -> int:
        inside.update(vars(engine))
        return 7

    assert engine.about(("test-turn", api, 0), compute) == 7
    replaced = {
        name
        for name, value in inside.items()
        if before.get(name) is not value and getattr(value, "engine", None) is engine
    }
    assert {"names", "exprs", "calls", "usage"} <= replaced
    assert {name for name in replaced if vars(engine)[name] is not before[name]} == set()


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    (pkg / "base.py").write_text(EDITS[0][1], encoding="utf-8")
    [entry] = (tmp_path / "results").glob("perfile-infer-*.json")
    doc = json.loads(entry.read_text())
    doc["answers"][0][1] = 7  # not a list of paths
    entry.write_text(json.dumps(doc))
    assert _answers(infer_paths([pkg], warm)) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))
    entry.write_bytes(b"\x00garbage")
    (pkg / "base.py").write_text(BASE, encoding="utf-8")
    assert _answers(infer_paths([pkg], warm)) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))


def test_the_command_line_json_after_an_edit_is_a_cold_runs(tmp_path: Path) -> None:
    """Byte for byte, but the run's time and cache counts."""
    pkg = _package(tmp_path)
    env = {**os.environ, "TYPELENS_CACHE_DIR": str(tmp_path / "cache")}

    def run(*extra: str) -> list[str]:
        argv = [sys.executable, "-m", "typelens.cli", "infer", str(pkg), "--format", "json", *extra]
        out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
        return [line for line in out.splitlines() if '"seconds"' not in line and '"cache_hits"' not in line]

    _primed(pkg, run)
    (pkg / "base.py").write_text(EDITS[0][1], encoding="utf-8")
    assert run() == run("--no-cache")
    assert list(pkg.parent.rglob("perfile-infer-*.json"))


def test_the_log_records_reads_through_memo_hits() -> None:
    log = ReadLog(["/p/a.py", "/p/b.py", "/p/c.py"], is_library=lambda p: not p.startswith("/p/"))
    about_b = ("q", "/p/b.py", 1)
    log.begin("/p/a.py")
    log.depth += 1
    log.read("/p/b.py")
    log.read("/usr/lib/x.pyi")  # a library file: checked by the result cache, not here
    log.depth -= 1
    log.finished(about_b)
    log.hit(about_b)  # worked out while a.py is answered: its reads are a.py's own
    assert log.paths_of(log.reads) == log.paths_of(log.raw) == ["/p/a.py", "/p/b.py"]
    assert not log.asked
    log.begin("/p/c.py")
    log.hit(about_b)  # answered while a.py was: what it read, c.py read, through its answer
    assert log.paths_of(log.reads) == ["/p/a.py", "/p/b.py", "/p/c.py"]
    assert log.paths_of(log.raw) == ["/p/c.py"] and list(log.asked) == [about_b]
    log.read("/p/new.py")  # a project file beyond the listed ones gets the next number
    assert log.paths_of(log.reads)[-1] == "/p/new.py"


def test_a_question_about_another_files_definition_keeps_its_reads_apart() -> None:
    log = ReadLog(["/p/a.py", "/p/b.py", "/p/c.py"], is_library=lambda p: not p.startswith("/p/"))
    about_b = ("class-info", "/p/b.py", 3)
    log.begin("/p/a.py")
    saved = log.enter("/p/b.py")
    log.depth += 1
    log.read("/p/b.py")
    log.depth -= 1
    log.finished(about_b)
    log.leave(saved, about_b)  # a final answer: a.py used it, it read b.py
    assert log.paths_of(log.raw) == ["/p/a.py"] and list(log.asked) == [about_b]
    assert log.paths_of(log.deps[about_b][0]) == ["/p/b.py"]
    assert log.paths_of(log.reads) == ["/p/a.py", "/p/b.py"] and log.owner == "/p/a.py"
    log.hit(about_b)  # not the turn's own: a hit is a used answer too
    assert list(log.asked) == [about_b]
    saved = log.enter("/p/c.py")
    log.read("/p/c.py")
    log.leave(saved, None)  # no final answer (it read an open question): c.py is a.py's own read
    assert log.paths_of(log.raw) == ["/p/a.py", "/p/c.py"]


def test_a_library_answer_is_kept_across_turns_only_when_it_read_no_project_file() -> None:
    log = ReadLog(["/p/a.py", "/p/b.py"], is_library=lambda p: not p.startswith("/p/"))
    built: list[str] = []

    def members(name: str, *read: str):
        def compute() -> str:
            built.append(name)
            for path in read:
                log.read(path)
            return name

        return compute

    log.begin("/p/a.py")
    log.depth += 1
    log.read("/p/b.py")
    log.depth -= 1
    log.finished(("return", "/p/b.py", 4))  # a memo answer that read b.py
    log.begin("/p/b.py")
    assert log.library_answer(("class-info", "/lib/x.pyi", 1), members("X", "/lib/x.pyi")) == "X"
    assert log.library_answer(("class-info", "/lib/y.pyi", 1), members("Y", "/p/a.py")) == "Y"

    def through_a_hit() -> str:
        built.append("Z")
        log.hit(("return", "/p/b.py", 4))
        return "Z"

    assert log.library_answer(("class-info", "/lib/z.pyi", 1), through_a_hit) == "Z"
    assert log.paths_of(log.reads) == ["/p/a.py", "/p/b.py"]  # what Y and Z read is the turn's
    log.begin("/p/a.py")  # the next turn: X is kept, Y (it read a.py) and Z (through b.py's answer) are not
    for name in "XYZ":
        found = log.library_answer(("class-info", f"/lib/{name.lower()}.pyi", 1), members(name))
        assert found == name
    assert built == ["X", "Y", "Z", "Y", "Z"]
    assert log.paths_of(log.reads) == ["/p/a.py"]


def test_a_cold_run_keeps_no_answers_and_the_next_run_records_them(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    infer_paths([pkg], warm)
    [entry] = (tmp_path / "results").glob("perfile-infer-*.json")
    doc = json.loads(entry.read_text())
    assert doc["track"] is True and doc["answers"] == []
    (pkg / "other.py").write_text(FILES["other.py"] + "# edited\n", encoding="utf-8")
    infer_paths([pkg], warm)
    doc = json.loads(entry.read_text())
    assert len(doc["answers"]) == len(FILES) and doc["track"] is True  # other.py: read by itself alone


def test_reads_are_not_worth_recording_where_every_file_reads_most_others() -> None:
    def answer(path: str, reads: tuple[str, ...]) -> FileAnswer:
        return FileAnswer(path, (), (), reads, ())

    everything = tuple(f"/p/{name}.py" for name in "abcdef")
    assert not is_worth_tracking([answer(p, everything) for p in everything])
    # one leaf file read by itself alone does not make it worth it
    assert not is_worth_tracking([answer(p, everything) for p in everything] + [answer("/p/z.py", ("/p/z.py",))])
    assert is_worth_tracking([answer(p, (p,)) for p in everything] + [answer("/p/z.py", everything)])


def test_tracking_weighs_files_by_size_and_counts_what_cutoff_can_ask_again(tmp_path: Path) -> None:
    """Used answers that a later run can ask again do not count their files as
    read; those it cannot (no key) do; files weigh by their bytes, both as
    answers kept and as the file edited."""
    from typelens.typeinfer.file_answers import Asked

    paths = [tmp_path / f"{name}.py" for name in "abcd"]
    for p in paths:
        p.write_text("x = 1\n")
    a, b, c, d = (str(p) for p in paths)
    everything = (a, b, c, d)  # each file used an answer that read every file
    askable = (Asked(("return", a, 3), "f1", everything, ()),)
    unaskable = (Asked(None, None, everything, ()),)

    def rows(asked: tuple) -> list[FileAnswer]:
        return [FileAnswer(p, (), (), (p,), (), asked) for p in everything]

    assert is_worth_tracking(rows(askable))  # an edit of one file may keep the others
    assert not is_worth_tracking(rows(unaskable))  # it redoes them all
    assert is_worth_tracking(rows(()))  # each file reads itself alone
    paths[0].write_text("x = 1\n" * 1000)  # now a.py is most of the work: an edit most likely lands there
    assert not is_worth_tracking(rows(()))


def test_an_edit_that_changes_no_answer_another_file_read_keeps_its_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Early cutoff: user.py reads base.py only through relay's return (worked out
    while mid.py is answered); an edit inside make's body that keeps its return
    type redoes base.py, and mid.py and caller.py, which read base.py's graph
    themselves (what they import), but keeps user.py's answers after asking
    relay's return again."""
    pkg = _package(tmp_path)
    warm = InferOptions(cache_dir=tmp_path / "results")
    caplog.set_level(logging.INFO, logger="typelens.typeinfer.run")
    _primed(pkg, lambda: infer_paths([pkg], warm))
    # other.py is redone once more: the last run that answered saw it edited
    redone = [4, 3]
    for body in ("return 2", "value = 40 + 2\n    return value"):  # the second one moves every node after it
        caplog.clear()
        (pkg / "base.py").write_text(BASE.replace("return 1", body), encoding="utf-8")
        again = infer_paths([pkg], warm)
        messages = [r.getMessage() for r in caplog.records if "answers kept" in r.getMessage()]
        assert _answers(again) == _answers(infer_paths([pkg], InferOptions(use_cache=False)))
        assert _type_of(again, "user.py", "use") == "int"
        assert messages[0].startswith(f"{len(FILES) - redone.pop(0)} of {len(FILES)} files"), messages
        assert "(0 of them after asking again" not in messages[0], messages  # user.py's questions


CENTRAL = {
    "__init__.py": "",
    # util.py's parameters are typed from their calls, all of them in core.py
    "util.py": "def fmt(x):\n    return x\n\n\ndef scale(v, *, k=2):\n    return v * k\n",
    "core.py": "from .util import fmt, scale\n\n\ndef run():\n    return fmt(scale(3, k=4))\n",
    "app.py": "from .core import run\n\n\ndef main():\n    return run()\n",
}


def test_an_append_to_the_file_that_calls_a_function_keeps_its_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """util.py's parameters are typed from calls in core.py, which util.py's
    answers use as questions about core.py (the calls linked to each function,
    each call's arguments and their types), not as core.py's content: a line
    appended to core.py keeps util.py; an appended call that passes another type
    redoes it; every run equals a cold one.  (Reads are recorded whatever
    :func:`is_worth_tracking` says of so small a package.)"""
    from typelens.typeinfer import run

    monkeypatch.setattr(run, "is_worth_tracking", lambda answers: True)
    pkg = tmp_path / "proj" / "pkg"
    pkg.mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name, text in CENTRAL.items():
        (pkg / name).write_text(text, encoding="utf-8")
    warm = InferOptions(cache_dir=tmp_path / "results")
    caplog.set_level(logging.INFO, logger="typelens.typeinfer.run")
    core = CENTRAL["core.py"]
    _primed_with(pkg / "core.py", core + "# edited\n", lambda: infer_paths([pkg], warm))
    for tail, kept, fmt in (("_edited = 1\n", 2, "int"), ("_edited = fmt('s')\n", 1, "int | str")):
        caplog.clear()
        (pkg / "core.py").write_text(core + tail, encoding="utf-8")
        again = infer_paths([pkg], warm)
        counts = _kept(caplog)
        assert _answers(again) == _answers(infer_paths([pkg], InferOptions(use_cache=False))), tail
        assert _type_of(again, "util.py", "fmt") == fmt
        assert counts == [(kept, len(CENTRAL))], tail  # __init__.py, and util.py unless a call changed


def _primed_with(path: Path, edited: str, run) -> None:
    """:func:`_primed`, editing ``path`` to ``edited`` for the second run."""
    run()
    path.write_text(edited, encoding="utf-8")
    run()


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the stdlib files that show it are 3.11's")
def test_a_recorded_run_of_asyncio_tasks_and_futures_finds_what_a_cold_run_does(tmp_path: Path) -> None:
    """The stdlib's ``asyncio/futures.py`` and ``tasks.py`` as a package of two
    files: the first run after a cold one records reads and works other files'
    questions out as turns of their own, with models of their own; ``Task``
    (a class whose module binds its name to ``_asyncio.Task`` later) met in one
    turn is a class type another turn must still find the definition of, or it
    reports ``'Task' has no attribute '_source_traceback'`` that a cold run does not."""
    import asyncio

    pkg = tmp_path / "proj" / "aio"
    pkg.mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (pkg / "__init__.py").write_text("")
    for name in ("futures.py", "tasks.py"):
        (pkg / name).write_bytes((Path(asyncio.__file__).parent / name).read_bytes())
    warm = InferOptions(settings=Settings(cache_dir=tmp_path / "cache"))
    cold = InferOptions(settings=Settings(cache=False))
    check_paths([pkg], warm)
    with (pkg / "futures.py").open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    recorded = check_paths([pkg], warm)[0]
    assert recorded == check_paths([pkg], cold)[0]
