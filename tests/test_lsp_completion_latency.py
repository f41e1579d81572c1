"""Completion right after an edit (issue 22): while the edited text is analysed
in the background, the language server answers from the last analysed revision
(the receiver read from the current text, its type from that revision, in the
scope whose ``def`` line no edit touched), marks the list incomplete so that
the client asks again as it types, and gives the items a fresh server gives for
the same final text.  An edit that writes a name of the receiver (a new
``self.total = 0``) sends the request to the edited revision itself."""

from __future__ import annotations

import graphlib
import time
from pathlib import Path

import pytest

from typelens.lsp import analyses
from typelens.lsp.workspace import Workspace

from .lsp_wire import RawServer

CART = """import os


class Cart:
    def __init__(self, owner):
        self.owner = owner
        self.items = []

    def add(self, item):
        self.items.append(item)
        return len(self.items)

    def total(self):
        return sum(self.items)


def checkout(cart):
    return cart.total()
"""


@pytest.fixture(autouse=True)
def _quiet_for_longer(monkeypatch) -> None:
    """The builder waits long enough after an edit for the request the test makes
    next to come first (what these in-process tests see does not depend on the
    machine's speed).  The detail budget stays the shipped one: lists are compared
    with :func:`_agree`."""
    monkeypatch.setattr(analyses, "QUIET", 2.0)


def _open(tmp_path: Path, text: str) -> tuple[Workspace, str]:
    path = tmp_path / "cart.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(tmp_path)
    ws.open(path.as_uri(), text, 1)
    return ws, path.as_uri()


def _insert(ws: Workspace, uri: str, text: str, after: str, typed: str) -> tuple[str, int]:
    """Type ``typed`` at the start of the line after ``after``; the new text and the cursor (after ``typed``)."""
    at = text.index(after) + len(after)
    ws.change(uri, 2, [(len(text[:at].encode()), len(text[:at].encode()), typed)])
    new = text[:at] + typed + text[at:]
    return new, len((text[:at] + typed).encode())


def _fresh(tmp_path: Path, text: str, offset: int) -> list:
    """The completion entries a fresh workspace gives at ``offset`` of ``text``."""
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    ws, uri = _open(fresh_dir, text)
    return ws.completion_list(uri, offset).entries


def _agree(one: list, other: list) -> bool:
    """The same items in the same order, of the same kind and detail where both have
    a detail.  A data member's type is in the list only when worked out within
    ``completion.DETAIL_BUDGET_SECONDS`` (so on a warm engine, maybe not on a cold
    one); past it the item is provisional (``class Cart`` is then the property
    ``__class__``) and names the definition (``ref``) that ``completionItem/resolve``
    reads."""
    return [e.label for e in one] == [e.label for e in other] and all(
        (a.kind, a.detail) == (b.kind, b.detail)
        if a.detail and b.detail
        else bool(a.detail or a.ref) and bool(b.detail or b.ref)
        for a, b in zip(one, other)
    )


def test_members_after_an_edit_come_from_the_last_analysis_as_a_fresh_one_gives(tmp_path: Path) -> None:
    ws, uri = _open(tmp_path, CART)
    ws.completion_budget = 0.0  # every build is slow: carry whenever the revision is not built
    ws.completion_list(uri, CART.index("self.items.append") + 5)  # revision 0 analysed
    text, cursor = _insert(ws, uri, CART, "def total(self):\n", "        self.\n")
    cursor -= 1  # before the newline
    found = ws.completion_list(uri, cursor)
    assert found.carried and found.revision == 0
    assert {"owner", "items", "add", "total"} <= {e.label for e in found.entries}
    assert _agree(found.entries, _fresh(tmp_path, text, cursor))
    # the item's details come from the revision it was listed from
    add = next(e for e in found.entries if e.label == "add")
    detail, _ = ws.resolve_completion(uri, add.ref, found.revision)
    assert detail is not None and "def add(" in detail


def test_module_members_and_import_names_are_carried(tmp_path: Path) -> None:
    ws, uri = _open(tmp_path, CART)
    ws.completion_budget = 0.0
    ws.completion_list(uri, 0)
    text, cursor = _insert(ws, uri, CART, "return sum(self.items)\n", "        os.path.\n")
    found = ws.completion_list(uri, cursor - 1)
    assert found.carried and "join" in {e.label for e in found.entries}
    # labels, kinds and order (a module variable past the detail budget is typed when resolved)
    assert [e.label for e in found.entries] == [e.label for e in _fresh(tmp_path, text, cursor - 1)]


def test_an_edit_writing_the_receivers_name_waits_for_its_own_analysis(tmp_path: Path) -> None:
    ws, uri = _open(tmp_path, CART)
    ws.completion_budget = 0.0
    ws.completion_list(uri, 0)
    text, cursor = _insert(ws, uri, CART, "def total(self):\n", "        self.discount = 0\n        self.\n")
    found = ws.completion_list(uri, cursor - 1)
    assert not found.carried and "discount" in {e.label for e in found.entries}
    assert _agree(found.entries, _fresh(tmp_path, text, cursor - 1))


def test_a_name_the_edit_introduced_is_not_read_from_the_old_analysis(tmp_path: Path) -> None:
    ws, uri = _open(tmp_path, CART)
    ws.completion_budget = 0.0
    ws.completion_list(uri, 0)
    text, cursor = _insert(ws, uri, CART, "return cart.total()\n", "basket = Cart('me')\nbasket.\n")
    found = ws.completion_list(uri, cursor - 1)
    assert not found.carried and "add" in {e.label for e in found.entries}


def _completion(srv: RawServer, uri: str, line: int, character: int) -> dict:
    ask = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
    return srv.response(srv.request("textDocument/completion", ask), timeout=120)["result"]


def _same_items(one: dict, other: dict) -> bool:
    """The same labels in the same order, and the same kinds and details where both
    have a detail (a data member typed past the detail budget, see
    ``completion.DETAIL_BUDGET_SECONDS``, gets them when resolved)."""
    pairs = list(zip(one["items"], other["items"]))
    return (
        len(one["items"]) == len(other["items"])
        and all((a["label"], a.get("sortText")) == (b["label"], b.get("sortText")) for a, b in pairs)
        and all(
            (a.get("kind"), a["detail"]) == (b.get("kind"), b["detail"])
            for a, b in pairs
            if a.get("detail") and b.get("detail")
        )
    )


def _open_over_stdio(srv: RawServer, uri: str, text: str) -> None:
    srv.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
    )


def test_completion_right_after_an_edit_over_stdio_equals_a_fresh_opens(tmp_path: Path) -> None:
    """Over stdio: ``self.`` typed on a new line of a method of a file slow to
    analyse; the list equals the one the server gives for a fresh document of
    the edited text, and the one it gives once the edited text is analysed."""
    text = Path(graphlib.__file__).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    done = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def done(self"))
    body = next(i for i in range(done, len(lines)) if lines[i].strip() == "if self._ready_nodes is None:")
    indent = lines[body][: len(lines[body]) - len(lines[body].lstrip())]
    typed = f"{indent}self.\n"
    edited = "".join(lines[:body]) + typed + "".join(lines[body:])
    at = (body, len(indent) + 5)
    edited_uri, fresh_uri = (tmp_path / "graph.py").as_uri(), (tmp_path / "fresh_graph.py").as_uri()
    srv = RawServer()
    try:
        srv.initialize(tmp_path.as_uri())
        _open_over_stdio(srv, edited_uri, text)
        _completion(srv, edited_uri, *at)  # the opened text analysed
        _type_line(srv, edited_uri, body, typed)
        after_edit = _completion(srv, edited_uri, *at)
        _open_over_stdio(srv, fresh_uri, edited)
        fresh = _completion(srv, fresh_uri, *at)
        # once the edited text is analysed (its outline waits for that): the same list, complete
        srv.response(srv.request("textDocument/documentSymbol", {"textDocument": {"uri": edited_uri}}), 120)
        settled = _completion(srv, edited_uri, *at)
    finally:
        srv.close()
    assert len(fresh["items"]) > 5 and {"done", "get_ready", "_node2info"} <= {i["label"] for i in fresh["items"]}
    assert _same_items(after_edit, fresh) and _same_items(settled, fresh) and not settled["isIncomplete"]


def _type_line(srv: RawServer, uri: str, line: int, typed: str) -> None:
    """The document's second version: ``typed`` inserted at the start of ``line``."""
    start = {"line": line, "character": 0}
    srv.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": start, "end": start}, "text": typed}],
        },
    )


def _offset(text: str, needle: str, extra: int = 0) -> int:
    return len(text[: text.index(needle) + len(needle) + extra].encode())


def test_keyword_names_after_an_edit_come_from_the_last_analysis(tmp_path: Path) -> None:
    """``cart.add(`` typed while the edited text is not analysed yet: the keyword
    names of ``Cart.add`` from the last analysed revision, as a fresh open of the
    edited text lists them."""
    text = CART.replace("    return cart.total()\n", "    return cart.total()\n\n\ndef fill(cart: Cart):\n    pass\n")
    ws, uri = _open(tmp_path, text)
    ws.completion_budget = 0.0
    ws.completion_list(uri, 0)  # revision 0 analysed
    edited, cursor = _insert(ws, uri, text, "def fill(cart: Cart):\n", "    cart.add(\n")
    found = ws.completion_list(uri, cursor - 1)
    assert found.carried and found.revision == 0
    assert [e.label for e in found.entries] == ["item="]
    assert _agree(found.entries, _fresh(tmp_path, edited, cursor - 1))


def test_keyword_names_are_read_from_the_analysed_file_not_a_patched_copy(tmp_path: Path, monkeypatch) -> None:
    """Inside a call's arguments, typed or half typed, the callee is read from the
    analysed revision itself (its graph, else the name in its scope): no copy of
    the document is parsed for the request."""
    text = CART + "\n\ndef fill(cart: Cart, shelf):\n    cart.add(shelf, \n    return Cart(\n"
    ws, uri = _open(tmp_path, text)
    ws.completion_list(uri, 0)  # analysed before copies are forbidden

    def no_copy(*args, **kwargs):
        raise AssertionError("a patched copy of the document was analysed")

    monkeypatch.setattr("typelens.typeinfer.queries.build_graph", no_copy)
    assert [e.label for e in ws.completions(uri, _offset(text, "cart.add(shelf, "))] == ["item="]
    assert [e.label for e in ws.completions(uri, _offset(text, "return Cart("))] == ["owner="]
    assert ws.completions(uri, _offset(text, "def fill(cart")) == []  # parameters, not a call
    assert ws.completions(uri, _offset(text, "self.items = [")) == []


def test_keyword_names_of_a_call_to_a_non_ascii_name(tmp_path: Path) -> None:
    """A callee named with non-ASCII letters, half typed at module level: its
    keyword names (byte offsets, not characters, locate the name)."""
    text = "def crée(x, *, échelle=1.0):\n    return x\n\n\nr = crée(2, \n"
    ws, uri = _open(tmp_path, text)
    assert [e.label for e in ws.completions(uri, _offset(text, "r = crée(2, "))] == ["x=", "échelle="]
    assert ws.completions(uri, _offset(text, "def crée(x")) == []


def test_a_revision_lists_a_dots_members_once(tmp_path: Path, monkeypatch) -> None:
    """The members after a dot are worked out once per analysed revision: asked
    again at the same dot (the name typed on after it) the list is the kept one;
    a completion carried from an older revision has the builder list them on the
    revision it builds, which the client's next request then finds."""
    from typelens.typeinfer.ide import completion as ide_completion

    text = CART.replace("        return sum(self.items)\n", "        return sum(self.items)\n        self.it\n")
    ws, uri = _open(tmp_path, text)
    worked_out = []
    real = ide_completion.completions
    monkeypatch.setattr(ide_completion, "completions", lambda a, o: worked_out.append(o) or real(a, o))
    dot = _offset(text, "        self.it\n", -4)
    first = ws.completion_list(uri, dot + 1)
    again = ws.completion_list(uri, dot + 3)  # ``self.it|``: the same dot
    assert len(worked_out) == 1 and again.entries == first.entries and {"items", "owner"} <= set(_labels(first))
    # carried after an edit: the builder lists the dot's members on the new revision
    ws.completion_budget = 0.0
    edited, cursor = _insert(ws, uri, text, "def add(self, item):\n", "        self.\n")
    carried = ws.completion_list(uri, cursor - 1)
    assert carried.carried
    assert ws.caught_up(uri)
    worked_out.clear()
    settled = ws.completion_list(uri, cursor - 1)
    assert not settled.carried and worked_out == [] and _agree(settled.entries, _fresh(tmp_path, edited, cursor - 1))


def test_the_warm_up_lists_the_members_of_the_dot_just_typed(tmp_path: Path, monkeypatch) -> None:
    """``self.`` typed, and completion asked for there only once the edited text
    is built and warmed (the user asks later, or the client waits): the
    warm-up listed that dot's members, so the request reads them instead of
    working them out, ranked by the code LM's scores worked out behind the
    warm-up, and they are what a fresh open lists.  An edit that does not end
    at a dot lists nothing."""
    from typelens.typeinfer.ide import completion as ide_completion

    import threading

    from typelens.lsp.ranker import Ranker

    ws, uri = _open(tmp_path, CART)
    read = threading.Event()
    ws._ranker = Ranker(
        lambda uri, before, labels: read.set() or _reverse_alphabetical(uri, before, labels), ws._priority
    )
    ws.completion_list(uri, CART.index("self.items.append") + 5)
    assert ws.caught_up(uri)
    worked_out: list[int] = []
    real = ide_completion.completions
    monkeypatch.setattr(ide_completion, "completions", lambda a, o: worked_out.append(o) or real(a, o))
    read.clear()
    edited, cursor = _insert(ws, uri, CART, "def total(self):\n", "        self.\n")
    assert ws.caught_up(uri)
    assert worked_out == [cursor - 1]  # by the warm-up, before any request
    assert read.wait(60)  # and their names scored by the code LM
    ws.rank_budget = analyses.RANK_BUDGET
    found = ws.completion_list(uri, cursor - 1)
    assert found.revision == 1 and not found.carried and worked_out == [cursor - 1]
    assert found.ranked and not found.incomplete
    ws.change(uri, 3, [(cursor - 1, cursor - 1, "  # ")])  # ``self.  #``: no dot at the edit's end
    assert ws.caught_up(uri) and worked_out == [cursor - 1]
    assert _agree(_by_label(found.entries), _by_label(_fresh(tmp_path, edited, cursor - 1)))  # ranked apart


def _by_label(entries: list) -> list:
    return sorted(entries, key=lambda e: e.label)


def _labels(found) -> list[str]:
    return [e.label for e in found.entries]


def test_members_are_ranked_by_what_the_lm_read_ahead(tmp_path: Path) -> None:
    """The LM reads the text before the dot while the members are listed; the
    list comes in the order ranking the listed members after that text gives."""
    from typelens.monitors.ranking import rank_entries

    ws, uri = _open(tmp_path, CART)
    lm = ws.code_lm(uri)
    assert lm is not None, "the shipped code LM did not load"
    dot = _offset(CART, "self.items.append", -len("items.append")) - 1
    listed = ws.analysis(uri).completions(dot + 1)
    ranked = ws.completion_list(uri, dot + 1).entries
    assert _agree(ranked, rank_entries(lm, CART[: CART.index("self.items.append") + 5], listed))
    assert sorted(_order(ranked)) == sorted(_order(listed)) and {"items", "owner", "add"} <= set(_order(ranked))


def _order(entries) -> list[str]:
    return [e.label for e in entries]


def _reverse_alphabetical(uri: str, before: bytes, labels: tuple[str, ...]) -> dict[str, float]:
    """A code LM's scores that put the names in reverse alphabetical order."""
    return {label: float(i) for i, label in enumerate(sorted(labels))}


def test_a_list_is_answered_before_the_lm_reads_and_ranked_the_next_time(tmp_path: Path) -> None:
    """A list does not wait for the code LM: in its static order, marked
    incomplete (the client asks again), its names are scored behind the answer,
    once no request is in flight (none of that while the members are listed,
    nor while a hover runs), and the next ask at that dot is ranked by those
    scores, without another reading."""
    from typelens.lsp.ranker import Ranker

    ws, uri = _open(tmp_path, CART)
    dot = _offset(CART, "self.items.append", -len("items.append")) - 1
    listed = ws.analysis(uri).completions(dot + 1)
    reads: list[tuple[bytes, bool]] = []

    def scores(uri: str, before: bytes, labels: tuple[str, ...]) -> dict[str, float]:
        reads.append((before, ws._priority.busy()))
        return _reverse_alphabetical(uri, before, labels)

    ws._ranker = Ranker(scores, ws._priority)
    ws.rank_budget = analyses.RANK_BUDGET
    with ws._priority.asking():  # a hover in flight the whole time
        first = ws.completion_list(uri, dot + 1)
        assert reads == []
    assert not first.ranked and first.incomplete and not first.carried and _agree(first.entries, listed)
    ws.rank_budget = None  # waits for the scores asked for by the first list
    again = ws.completion_list(uri, dot + 1)
    assert reads == [(CART.encode()[: dot + 1], False)]
    assert again.ranked and not again.incomplete
    public = [e.label for e in listed if not e.label.startswith("_")]
    assert _order(again.entries)[: len(public)] == sorted(public, reverse=True)
    ws.rank_budget = analyses.RANK_BUDGET
    assert _order(ws.completion_list(uri, dot + 1).entries) == _order(again.entries) and len(reads) == 1


def test_a_text_scored_since_the_caller_looked_is_not_read_again() -> None:
    """A list that found no scores asks for them; when the job reading that text
    finished in between (the ranker's thread is not the caller's), the ask gets
    the kept scores, and the text is not read a second time."""
    from typelens.lsp.ranker import Ranker, _asked_for
    from typelens.typeinfer.ide import CompletionEntry

    reads: list[bytes] = []

    def scores(uri: str, before: bytes, labels: tuple[str, ...]) -> dict[str, float]:
        reads.append(before)
        return _reverse_alphabetical(uri, before, labels)

    ranker = Ranker(scores, analyses.Priority())
    entries = [CompletionEntry(label, "field", "") for label in ("a", "b")]
    assert ranker.ranked("u", b"y.", entries, wait=None)[1] and reads == [b"y."]
    key, labels = _asked_for(b"y.", entries)
    job = ranker._ask("u", b"y.", key, labels)  # as a caller that looked before the job ended
    assert job.done.is_set()
    assert ranker.ranked("u", b"y.", entries, wait=None)[1]
    time.sleep(0.2)  # room for a second read, were one queued
    assert reads == [b"y."]


def test_the_ranker_reads_the_newest_text_asked_for() -> None:
    """Texts asked for while a request is in flight: the newest is read, those
    before it are dropped (their lists stay unranked); a list waiting for its
    scores gets them, and a scorer that fails leaves the list unranked and the
    ranker working."""
    from typelens.lsp.ranker import Ranker
    from typelens.typeinfer.ide import CompletionEntry

    priority, reads = analyses.Priority(), []

    def scores(uri: str, before: bytes, labels: tuple[str, ...]) -> dict[str, float]:
        reads.append(before)
        if before == b"broken.":
            raise RuntimeError("the LM failed")
        return _reverse_alphabetical(uri, before, labels)

    ranker = Ranker(scores, priority)
    entries = [CompletionEntry(label, "field", "") for label in ("a", "b", "_c")]
    with priority.asking():
        assert ranker.ranked("u", b"x.", entries) == (entries, False)
        assert ranker.ranked("u", b"y.", entries) == (entries, False)
    found, ranked = ranker.ranked("u", b"y.", entries, wait=None)
    assert ranked and [e.label for e in found] == ["b", "a", "_c"] and reads == [b"y."]
    assert ranker.ranked("u", b"x.", entries, wait=None)[1] and reads == [b"y.", b"x."]  # dropped, read now
    assert ranker.ranked("u", b"broken.", entries, wait=None) == (entries, False)
    assert ranker.ranked("u", b"w.", entries, wait=None)[1] and reads == [b"y.", b"x.", b"broken.", b"w."]
    assert ranker.ranked("u", b"z.", [], wait=None) == ([], True) and b"z." not in reads


def test_without_a_code_lm_a_list_keeps_its_static_order() -> None:
    from typelens.lsp.ranker import Ranker
    from typelens.typeinfer.ide import CompletionEntry

    ranker = Ranker(lambda uri, before, labels: None, analyses.Priority())
    entries = [CompletionEntry(label, "field", "") for label in ("a", "b")]
    assert ranker.ranked("u", b"x.", entries, wait=None) == (entries, True)
    assert ranker.ranked("u", b"x.", entries) == (entries, True)


def test_the_rank_budget_is_read_from_the_environment() -> None:
    assert analyses.rank_budget({}) == analyses.RANK_BUDGET
    assert analyses.rank_budget({"TYPELENS_RANK_BUDGET": "none"}) is None
    assert analyses.rank_budget({"TYPELENS_RANK_BUDGET": "0.5"}) == 0.5
    assert analyses.rank_budget({"TYPELENS_RANK_BUDGET": "soon"}) == analyses.RANK_BUDGET


def test_the_lm_reads_a_text_before_a_dot_once() -> None:
    """``LogprobMemo``: the same text before the dot reuses what the LM read;
    another text (or another LM) is read again, and the oldest is let go."""
    from typelens.lsp.workspace import LogprobMemo

    memo, reads, lm, other = LogprobMemo(limit=2), [], object(), object()

    def read(text: bytes):
        reads.append(text)
        return [len(reads)]

    first = memo.get(lm, b"x.", lambda: read(b"x."))
    assert memo.get(lm, b"x.", lambda: read(b"x.")) is first and reads == [b"x."]
    memo.get(lm, b"y.", lambda: read(b"y."))
    memo.get(other, b"x.", lambda: read(b"x."))
    assert len(reads) == 3
    memo.get(lm, b"x.", lambda: read(b"x."))  # pushed out by the two since (limit 2)
    assert len(reads) == 4


def test_keyword_names_right_after_an_edit_over_stdio_equal_a_fresh_opens(tmp_path: Path) -> None:
    """Over stdio: ``self.add(`` and ``self.static_order(`` typed on a
    new line of a method of a file slow to analyse: the keyword names equal
    those a fresh open of the edited text gives."""
    text = Path(graphlib.__file__).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    done = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def done(self"))
    body = next(i for i in range(done, len(lines)) if lines[i].strip() == "if self._ready_nodes is None:")
    indent = lines[body][: len(lines[body]) - len(lines[body].lstrip())]
    srv = RawServer()
    try:
        srv.initialize(tmp_path.as_uri())
        for n, typed in enumerate(("self.add(", "self.static_order(")):
            edited_uri, fresh_uri = (tmp_path / f"graph{n}.py").as_uri(), (tmp_path / f"fresh{n}.py").as_uri()
            at = (body, len(indent) + len(typed))
            _open_over_stdio(srv, edited_uri, text)
            _completion(srv, edited_uri, *at)  # the opened text analysed
            _type_line(srv, edited_uri, body, f"{indent}{typed}\n")
            after_edit = _completion(srv, edited_uri, *at)
            _open_over_stdio(srv, fresh_uri, "".join(lines[:body]) + f"{indent}{typed}\n" + "".join(lines[body:]))
            fresh = _completion(srv, fresh_uri, *at)
            assert _same_items(after_edit, fresh)
            labels = [i["label"] for i in fresh["items"]]
            assert labels == (["node="] if typed == "self.add(" else [])
    finally:
        srv.close()


def test_members_asked_while_the_new_revision_is_warmed_come_from_the_one_before(tmp_path: Path, monkeypatch) -> None:
    """The edited text is built but still being warmed: the members of a dot it has
    not listed are read from the revision before (whose engine listed members),
    marked incomplete, their items resolved on that revision; the warm-up then
    lists the dot, and the client's next request there is the new revision's own.
    Each list equals a fresh open's."""
    import threading

    release = threading.Event()

    def warming(self, track, analysed):  # a warm-up that lasts until released
        while not release.is_set():
            release.wait(0.01)
            yield

    monkeypatch.setattr(Workspace, "_every_answer", warming)
    monkeypatch.setattr(Workspace, "_list_typed_dot", lambda self, track, analysed: None)  # a dot it has not listed
    ws, uri = _open(tmp_path, CART)
    ws.completion_list(uri, CART.index("self.items.append") + 5)  # revision 0 lists members
    text, cursor = _insert(ws, uri, CART, "def total(self):\n", "        self.\n")
    cursor -= 1
    for _ in range(6000):  # revision 1 built, its warm-up under way
        if ws._docs[uri].track.analysed.revision == 1:
            break
        release.wait(0.01)
    found = ws.completion_list(uri, cursor)
    assert found.carried and found.revision == 0
    assert _agree(found.entries, _fresh(tmp_path, text, cursor))
    add = next(e for e in found.entries if e.label == "add")
    detail, _ = ws.resolve_completion(uri, add.ref, found.revision)
    assert detail is not None and "def add(" in detail
    release.set()
    for _ in range(6000):  # the warm-up's next step lists it
        if ws._docs[uri].track.analysed.kept(("members", cursor - 1)) is not None:
            break
        release.wait(0.01)
    again = ws.completion_list(uri, cursor)
    assert not again.carried and again.revision == 1 and _agree(again.entries, found.entries)


def test_members_carried_past_an_engine_busy_with_a_warm_up_step(tmp_path: Path) -> None:
    """Right after an edit the newest revision built may be in a step of its
    warm-up (one function's answers can take a second): a completion carried
    across the edit reads the revision before it, warmed and free, rather than
    wait for that step, and gives what a fresh open gives."""
    ws, uri = _open(tmp_path, CART)
    ws.completion_list(uri, CART.index("self.items.append") + 5)
    assert ws.caught_up(uri)
    commented = CART + "# checked\n"
    end = len(CART.encode())
    ws.change(uri, 2, [(end, end, "# checked\n")])
    ws.hover(uri, 0)  # revision 1 built
    assert ws.caught_up(uri)
    track = ws._docs[uri].track
    assert (track.analysed.revision, track.previous.revision) == (1, 0) and track.previous.warmed
    ws.completion_budget = 0.0
    with track.analysed.lock:  # revision 1's engine busy with a step
        at = commented.index("def total(self):\n") + len("def total(self):\n")
        typed = "        self.\n"
        ws.change(uri, 3, [(len(commented[:at].encode()),) * 2 + (typed,)])
        text, cursor = commented[:at] + typed + commented[at:], len((commented[:at] + typed).encode()) - 1
        found = ws.completion_list(uri, cursor)
    assert found.carried and found.revision == 0
    assert {"owner", "items", "add", "total"} <= set(_labels(found))
    assert _agree(found.entries, _fresh(tmp_path, text, cursor))
