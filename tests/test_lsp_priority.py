"""Requests before background work (issue 22): a revision answers as soon as
its graph and engine are built; its warm-up (every prediction, then the
diagnostics) runs a step at a time while no request is in flight, on the one
engine the requests ask, and the diagnostics read what it worked out.  The
answers after edits stay those of a fresh open of the same text."""

from __future__ import annotations

import asyncio
import graphlib
import sys
import threading
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from typelens.lsp.analyses import Analysed, Priority
from typelens.lsp.workspace import Workspace

BUGGY = """

def _broken(sorter: TopologicalSorter, count: int):
    sorter.nope()
    return count
"""


def _analysed(priority: Priority) -> Analysed:
    # what the engine answers does not matter here: only who asks it when
    return Analysed(0, None, 0.0, None, priority=priority)  # type: ignore[arg-type]


def test_background_steps_wait_while_a_request_is_in_flight() -> None:
    priority = Priority()
    analysed = _analysed(priority)
    order: list[str] = []
    first_started = threading.Event()
    askers: list[threading.Thread] = []

    def steps():
        for n in range(3):
            if n == 0:
                first_started.set()
            order.append(f"step {n}")
            if n == 1:  # a request comes while this step runs: it goes before the next
                askers.append(threading.Thread(target=analysed.ask, args=(lambda _: order.append("request"),)))
                askers[0].start()
                while not priority.busy():
                    threading.Event().wait(0.001)
            yield

    with priority.asking():  # a request in flight: no step starts
        worker = threading.Thread(target=analysed.work, args=(steps(), lambda: False))
        worker.start()
        assert not first_started.wait(0.3)
    worker.join(60)
    askers[0].join(60)
    assert order == ["step 0", "step 1", "request", "step 2"]


def test_cancelled_work_stops_between_steps_and_resumes_where_it_stopped() -> None:
    analysed = _analysed(Priority())
    done: list[int] = []
    stop = threading.Event()

    def steps():
        for n in range(4):
            done.append(n)
            if n == 1:
                stop.set()
            yield

    steps_left = steps()
    assert not analysed.work(steps_left, stop.is_set)
    assert done == [0, 1]
    assert analysed.work(steps_left, lambda: False) and done == [0, 1, 2, 3]


def test_a_kept_answer_is_read_while_the_engine_is_busy() -> None:
    analysed = _analysed(Priority())
    assert analysed.ask_kept("members", lambda _: ["a", "b"]) == ["a", "b"]
    found: list = []
    with analysed.lock:  # a warm-up step (or another request) on the engine
        reader = threading.Thread(target=lambda: found.append(analysed.ask_kept("members", lambda _: ["other"])))
        reader.start()
        reader.join(60)
        assert not reader.is_alive()
    assert found == [["a", "b"]]


def _open(root: Path, text: str) -> tuple[Workspace, str]:
    path = root / "graph.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(root)
    ws.open(path.as_uri(), text, 1)
    return ws, path.as_uri()


def test_diagnostics_of_an_edited_revision_are_not_worked_out_for_publishing(tmp_path: Path) -> None:
    text = Path(graphlib.__file__).read_text(encoding="utf-8") + BUGGY
    ws, uri = _open(tmp_path, text)
    before = ws.snapshot(uri)
    ws.change(uri, 2, [(0, 0, "import os\n")])
    assert ws.latest_diagnostics(uri, before) is None  # about to be published: an edit since, so not worked out
    pulled = ws.diagnostics(uri, before)  # asked for that revision: its own
    assert "attr-defined" in {d.code for d in pulled}
    now = ws.latest_diagnostics(uri, ws.snapshot(uri))
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh, fresh_uri = _open(fresh_dir, "import os\n" + text)
    assert now is not None and [(d.code, d.message, d.span.start_byte) for d in now] == [
        (d.code, d.message, d.span.start_byte) for d in fresh.diagnostics(fresh_uri)
    ]
    assert [(d.code, d.span.start_byte) for d in now] == [(d.code, d.span.start_byte + 10) for d in pulled]


# -- over stdio ------------------------------------------------------------------------------
@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "typelens.cli", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    # no pull capability: the server publishes its diagnostics
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


def _position(text: str, needle: str, extra: int = 0) -> types.Position:
    at = text.index(needle) + extra
    return types.Position(line=text.count("\n", 0, at), character=at - (text.rfind("\n", 0, at) + 1))


async def _published_until(client: LanguageClient, uri: str, done) -> list:
    """The diagnostics last published for ``uri`` once ``done(them)``; waits for
    each publication (a minute at most between two)."""
    while True:
        found = client.diagnostics.get(uri)
        shown = [(d.code, d.message, d.range) for d in found] if found is not None else None
        if shown is not None and done(shown):
            return shown
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120)


async def _answers(client: LanguageClient, uri: str, text: str, names: list[tuple[str, int]]) -> list:
    """Hovers at the names (a needle and the name's offset in it), and the members after ``sorter.``."""
    doc = types.TextDocumentIdentifier(uri)
    hovers = [
        await client.text_document_hover_async(types.HoverParams(doc, _position(text, needle, at)))
        for needle, at in names
    ]
    listed = await client.text_document_completion_async(
        types.CompletionParams(doc, _position(text, "sorter.nope()", len("sorter.")))
    )
    # labels in order (a data member's kind and type past the detail budget wait for resolve)
    items = [i.label for i in listed.items] if listed is not None else []
    return [(h.contents.value, h.range) if h is not None else None for h in hovers] + [items]


async def test_answers_after_a_burst_of_edits_equal_a_fresh_opens(client: LanguageClient, tmp_path: Path) -> None:
    """Requests right after each of a burst of edits (each while the last
    revision is warmed), then the published diagnostics of the last version:
    the same as those of a fresh document of the final text."""
    text = Path(graphlib.__file__).read_text(encoding="utf-8") + BUGGY
    uri, fresh_uri = (tmp_path / "graph.py").as_uri(), (tmp_path / "fresh.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    names = [
        ("class TopologicalSorter", 6),
        ("self._node2info = ", 5),
        ("def get_ready", 4),
        ("sorter.nope()", 0),
        ("return count", 7),
    ]
    await _answers(client, uri, text, names)
    for version in range(2, 7):  # a line typed above the class, in five keystrokes' worth of edits
        at = types.Position(text[: text.index("class TopologicalSorter")].count("\n"), 0)
        typed = f"_seen{version} = {version}\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=typed)],
            )
        )
        cut = text.index("class TopologicalSorter")
        text = text[:cut] + typed + text[cut:]
        edited = await _answers(client, uri, text, names)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(fresh_uri, "python", 1, text)))
    fresh = await _answers(client, fresh_uri, text, names)
    assert edited == fresh and all(a is not None for a in fresh[:-1]) and "nope" not in fresh[-1]
    # the last version's, published once it is checked: the fresh document's (the
    # lines typed above moved every range, so no older version's list equals it)
    expected = await _published_until(client, fresh_uri, lambda shown: True)
    assert "attr-defined" in {code for code, _, _ in expected}
    assert await _published_until(client, uri, lambda shown: shown == expected) == expected


CART = """class Cart:
    def __init__(self, owner):
        self.owner = owner
        self.items = []

    def add(self, item):
        self.items.append(item)
        return len(self.items)


def checkout(cart: Cart):
    return cart.add(1)
"""


def test_a_hover_while_the_newest_revision_is_warmed_comes_from_the_warmed_one(tmp_path: Path, monkeypatch) -> None:
    """A hover reads every prediction of the file: on a revision built but still
    being warmed it is answered by the warmed revision before, its range moved
    past the edits (the newer revision works out nothing for it), and, once the
    newer one is warmed, by that one, alike (and alike a fresh open's)."""
    release = threading.Event()
    every_answer = Workspace._every_answer

    def warming(self, track, analysed):  # revision 0 warms; the later ones once released
        while analysed.revision > 0 and not release.is_set():
            release.wait(0.01)
            yield
        yield from every_answer(self, track, analysed)

    monkeypatch.setattr(Workspace, "_every_answer", warming)
    ws, uri = _open(tmp_path, CART)
    ws.hover_budget = 0.0  # every build is slow: carry whenever the revision asked is not warm
    at = len(CART[: CART.index("def checkout(cart") + len("def checkout(")].encode())
    before = ws.hover(uri, at)
    assert ws.caught_up(uri)  # revision 0 warmed
    ws.change(uri, 2, [(0, 0, "# a note\n")])
    track = ws._docs[uri].track
    for _ in range(6000):  # revision 1 built, its warm-up held
        if track.analysed.revision == 1:
            break
        release.wait(0.01)
    carried = ws.hover(uri, at + 9)
    assert not track.analysed.answering._predictions  # revision 1 worked out nothing
    release.set()
    assert ws.caught_up(uri)
    own = ws.hover(uri, at + 9)
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh, fresh_uri = _open(fresh_dir, "# a note\n" + CART)
    assert before is not None and carried is not None
    assert carried == own == fresh.hover(fresh_uri, at + 9)
    assert (carried.start, carried.end) == (before.start + 9, before.end + 9)


def test_a_hover_carried_past_an_engine_busy_with_a_warm_up_step(tmp_path: Path, monkeypatch) -> None:
    """While the user types, the newest revision built may be in a step of its
    warm-up that the edits made useless (one function's answers can take a
    second): a hover carried across the edits reads the warmed revision before
    it, whose engine is free, rather than wait for that step, and answers as a
    fresh open of the text does (the hover never asks for the edited revision)."""
    from typelens.lsp import analyses

    monkeypatch.setattr(analyses, "QUIET", 60.0)  # the builder leaves the edited revision to the requests
    ws, uri = _open(tmp_path, CART)
    ws.hover_budget = 60.0  # first, every hover is its own revision's
    at = len(CART[: CART.index("def checkout(cart") + len("def checkout(")].encode())
    before = ws.hover(uri, at)
    assert ws.caught_up(uri)
    ws.change(uri, 2, [(0, 0, "# a note\n")])
    assert ws.hover(uri, 0) is None and ws.caught_up(uri)  # revision 1 built and warmed
    track = ws._docs[uri].track
    assert (track.analysed.revision, track.previous.revision) == (1, 0) and track.previous.predicted()
    ws.hover_budget = 0.0  # every build is slow: carry whenever the revision asked is not built
    with track.analysed.lock:  # revision 1's engine busy with a step
        ws.change(uri, 3, [(0, 0, "#\n")])
        carried = ws.hover(uri, at + 11)
        asked = track.wanted
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh, fresh_uri = _open(fresh_dir, "#\n# a note\n" + CART)
    assert asked < 2 and before is not None and carried is not None
    assert carried == fresh.hover(fresh_uri, at + 11)
    assert (carried.start, carried.end) == (before.start + 11, before.end + 11)
    ws.stop(), fresh.stop()


def _stdlib_analysis(tmp_path: Path, name: str):
    """A fresh analysis (hybrid mode: the shipped classifier) of a copy of a stdlib module."""
    from typelens.typeinfer.session import AnalysisSession

    path = tmp_path / name
    path.write_text((Path(graphlib.__file__).parent / name).read_text(encoding="utf-8"), encoding="utf-8")
    return AnalysisSession(tmp_path).analyse(path, mode="hybrid")


def test_the_classifier_runs_in_small_steps_with_the_answers_of_one_run(tmp_path: Path) -> None:
    """The warm-up's last part, the classifier's, is steps of a few rows (a request
    waits at most for one), and gives what one run of it gives."""
    analysis = _stdlib_analysis(tmp_path, "graphlib.py")
    static = analysis.predictions("static")
    assistant = analysis.session.neural()
    assert assistant is not None, "the shipped classifier did not load"
    stepped, small = _drained(assistant.refine_steps(analysis.engine, analysis.path, static, "hybrid", rows=4))
    _, large = _drained(assistant.refine_steps(analysis.engine, analysis.path, static, "hybrid", rows=len(static)))
    whole = assistant.refine(analysis.engine, analysis.path, static, "hybrid")
    shown = [(p.name, p.kind, p.type, p.confidence, p.source) for p in whole]
    assert [(p.name, p.kind, p.type, p.confidence, p.source) for p in stepped] == shown
    assert large <= 3 and small >= large + 4 and any(p.source in ("hybrid", "neural") for p in whole)


def _drained(steps) -> tuple[object, int]:
    """What a generator of steps returns, and how many steps it took."""
    count = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value, count
        count += 1


def test_predictions_in_steps_equal_those_worked_out_at_once(tmp_path: Path) -> None:
    """``FileAnalysis.prediction_steps`` (the editor's warm-up) and ``predictions``
    (the CLI's) give the same answers, the classifier's included."""
    stepped = _stdlib_analysis(tmp_path, "graphlib.py")
    count = sum(1 for _ in stepped.prediction_steps())
    assert stepped.predicted() and count > 5
    (tmp_path / "fresh").mkdir()
    once = _stdlib_analysis(tmp_path / "fresh", "graphlib.py").predictions()
    assert [(p.name, p.type, p.source) for p in stepped.predictions()] == [(p.name, p.type, p.source) for p in once]


def test_a_files_budget_counts_its_steps_alone(tmp_path: Path) -> None:
    """``stepped.budgeted``: the per-file budget is set only while a step runs (a
    hover between steps runs without it) and counts only the steps' questions;
    past it the step that spent it raises ``BudgetSpent``."""
    from typelens.typeinfer.engine import BudgetSpent
    from typelens.typeinfer.stepped import budgeted

    engine = _stdlib_analysis(tmp_path, "graphlib.py").engine
    ends: list[int | None] = []

    def asking(questions: int, steps: int):
        for step in range(steps):
            ends.append(engine.budget_end)
            for i in range(questions):
                engine.memo(("budget-probe", step, i), lambda: 0)
            yield

    work = budgeted(engine, asking(10, 3), steps=35)
    for _ in work:
        assert engine.budget_end is None  # between steps: no budget
        for i in range(100):  # a request's questions between two steps
            engine.memo(("between", engine.steps, i), lambda: 0)
    assert len(ends) == 3 and all(end is not None for end in ends)
    try:
        for _ in budgeted(engine, asking(10, 5), steps=35):
            pass
    except BudgetSpent:
        pass
    else:
        raise AssertionError("five steps of ten questions ran within a budget of 35")
    assert engine.budget_end is None


def test_a_warm_up_let_go_leaves_the_shared_diagnostics_run_to_finish(tmp_path: Path, monkeypatch) -> None:
    """An edit makes the warm-up of the revision before useless and it is let go
    (closed) while in the diagnostics, whose run the publisher shares: that run
    is not closed with it, and whoever asks next finishes it."""
    monkeypatch.setattr(Workspace, "_warm_steps", lambda self, track, analysed: iter(()))  # the test warms
    path = tmp_path / "graph.py"
    path.write_text(Path(graphlib.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    ws = Workspace(tmp_path)
    ws.open(path.as_uri(), path.read_text(encoding="utf-8"), 1)
    analysed = ws._analysed(path.as_uri())
    answering = analysed.answering
    warm = ws._every_answer(ws._docs[path.as_uri()].track, analysed)
    while answering._checking is None:  # into the diagnostics
        next(warm)
    next(warm)
    warm.close()
    assert answering._diagnostics is None
    assert analysed.work(answering.diagnostic_steps(), lambda: False)
    assert answering._diagnostics is not None
    assert [d.code for d in answering._diagnostics] == [d.code for d in _stdlib_diagnostics(tmp_path / "fresh")]
    ws.stop()


def _stdlib_diagnostics(folder: Path) -> list:
    folder.mkdir()
    path = folder / "graph.py"
    path.write_text(Path(graphlib.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    from typelens.typeinfer.session import AnalysisSession

    return AnalysisSession(folder).analyse(path, mode="hybrid").diagnostics()


def test_background_work_that_waited_for_the_engine_lets_a_request_waiting_too_go_first() -> None:
    """Two background runs on one engine (the warm-up, the publisher's diagnostics):
    one waits for the engine while the other's step runs, and a request comes
    meanwhile; when the step ends the request goes first, not the waiting run."""
    priority = Priority()
    analysed = _analysed(priority)
    order: list[str] = []

    def steps(name: str):
        for n in range(2):
            order.append(f"{name} {n}")
            yield

    analysed.lock.acquire()  # the other run's step
    worker = threading.Thread(target=analysed.work, args=(steps("waited"), lambda: False))
    worker.start()
    threading.Event().wait(0.2)  # past wait_idle, waiting for the engine
    asker = threading.Thread(target=analysed.ask, args=(lambda _: order.append("request"),))
    asker.start()
    while not priority.busy():
        threading.Event().wait(0.001)
    analysed.lock.release()
    asker.join(60)
    worker.join(60)
    assert order == ["request", "waited 0", "waited 1"]
