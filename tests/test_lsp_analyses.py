"""The language server's analysed revisions (``typelens.lsp.analyses``): offsets
carried across edits land on the same bytes; an engine asked from many threads
at once answers as one asked in turn; a request gets the revision it asked
about while edits keep coming."""

from __future__ import annotations

import dataclasses
import graphlib
import re
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from typelens.lsp.analyses import EditLog
from typelens.lsp.workspace import Workspace

edit_lists = st.lists(
    st.tuples(
        st.integers(min_value=0),
        st.integers(min_value=0, max_value=6),
        st.sampled_from(["", "x", "ab", "(", "\n", "déjà"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(edit_lists, st.integers(min_value=0), st.integers(min_value=0, max_value=12), st.data())
def test_carried_ranges_hold_the_same_bytes(edits, at, width, data) -> None:
    texts = [b"def f(a, b):\n    return a + b\n\nvalue = f(1, 2)\n"]
    log = EditLog()
    for revision, (start, length, new) in enumerate(edits, 1):
        old = texts[-1]
        start = start % (len(old) + 1)
        end = min(len(old), start + length)
        inserted = new.encode()
        texts.append(old[:start] + inserted + old[end:])
        log.record(revision, start, end, start + len(inserted))
    source = data.draw(st.integers(min_value=0, max_value=len(edits)))
    target = data.draw(st.integers(min_value=0, max_value=len(edits)))
    a = at % (len(texts[source]) + 1)
    b = min(len(texts[source]), a + width)
    carried = log.carry(a, b, source, target)
    if carried is not None:
        assert texts[target][carried[0] : carried[1]] == texts[source][a:b]
    if source == target:
        assert carried == (a, b)


def test_the_log_forgets_the_oldest_edits_and_says_so() -> None:
    log = EditLog(limit=3)
    for revision in range(1, 6):
        log.record(revision, 0, 0, 1)
    assert log.carry(5, 6, 5, 3) == (3, 4)
    assert log.carry(5, 6, 5, 1) is None


def _open(root: Path) -> tuple[Workspace, str, bytes]:
    text = Path(graphlib.__file__).read_text(encoding="utf-8")
    path = root / "typed.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(root)
    ws.open(path.as_uri(), text, 1)
    return ws, path.as_uri(), text.encode()


def test_one_engine_asked_from_many_threads_answers_as_asked_in_turn(tmp_path: Path) -> None:
    ws, uri, data = _open(tmp_path)
    names = [m.start() for m in re.finditer(rb"\b[A-Za-z_]\w*", data)]
    alone = [ws.hover(uri, at) for at in names]
    ws, uri, data = _open(tmp_path)  # a fresh workspace, asked by five threads at once
    found: dict[int, object] = {}

    def ask(part: list[int]) -> None:
        for at in part:
            found[at] = ws.hover(uri, at)

    threads = [threading.Thread(target=ask, args=(names[i::4],)) for i in range(4)]
    threads.append(threading.Thread(target=ws.diagnostics, args=(uri,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [found[at] for at in names] == alone


def test_a_request_gets_its_own_revision_while_edits_keep_coming(tmp_path: Path) -> None:
    ws, uri, data = _open(tmp_path)
    at = data.index(b"class TopologicalSorter") + len(b"class ")
    ws.hover(uri, at)
    answers = []
    for version in range(2, 40):
        ws.change(uri, version, [(0, 0, "#\n")])  # everything moves down a line each time
        moved = at + 2 * (version - 1)
        answers.append((ws.hover(uri, moved), moved))
    assert all(info is not None and info.name == "TopologicalSorter" and info.start == moved for info, moved in answers)


def test_hints_carried_while_typing_are_the_built_revisions_moved(tmp_path: Path) -> None:
    ws, uri, data = _open(tmp_path)
    ws.hover_budget = 0.0  # every build is slow: carry whenever the revision is not built
    built = ws.inlay_hints(uri, 0, len(data))
    first = built[0]
    assert len(built) > 5
    ws.change(uri, 2, [(0, 0, "x = 1\n"), (first.offset + 6, first.offset + 6, "y")])
    hints, carried = ws.inlay_hints_while_typing(uri, 0, len(data) + 7)
    assert carried  # the first hint was typed next to: left out; the rest moved

    def moved(h, by: int):
        return dataclasses.replace(h, offset=h.offset + by, edit=(h.edit[0] + by, h.edit[1] + by, h.edit[2]))

    assert hints == [moved(h, 7) for h in built[1:]]
    assert ws.caught_up(uri)
    hints, carried = ws.inlay_hints_while_typing(uri, 0, len(data) + 7)
    assert not carried and hints == ws.inlay_hints(uri, 0, len(data) + 7)


def test_a_model_loading_holds_no_other_model_up(tmp_path: Path) -> None:
    """The code LM loading (a minute on a loaded machine) must not hold up the
    classifier the server's first hover needs."""
    from typelens.typeinfer.session import AnalysisSession

    session = AnalysisSession(tmp_path)
    release, started = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(60)
        return "lm"

    loading = threading.Thread(target=session.model, args=("code-lm", slow))
    loading.start()
    assert started.wait(30)
    try:
        assert session.model("classifier", lambda: "classifier") == "classifier"
        assert loading.is_alive()  # the LM was still loading meanwhile
    finally:
        release.set()
        loading.join()
    assert session.model("code-lm", lambda: "again") == "lm"  # loaded once
