"""While a signature is half typed in the middle of a file, the language server
keeps answering about the definitions outside the function being typed (issue 20
item 2): the graph of each revision is built from the document's recovery
(``Document.recover``), which is re-parsed incrementally from the last one, and
those answers equal the ones a fresh server gives for the finished file.

(Without recovery, tree-sitter reads ``def broken(x:`` above ``class Below`` as one
error that swallows every method of ``Below``.)  While a file slow to analyse is
typed in, inlay hints come at once from its last analysis, and the client is told
to ask again once the newest text is analysed."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest

from typelens.analyzer import recovery
from typelens.lsp.workspace import Workspace

from .lsp_replay import gather, identifier_positions, lsp_position
from .lsp_wire import RawServer

SHOP = """def first(a):
    return a + 1


def middle(n):
    total = 0
    for i in range(n):
        total += i
    return total


class Below:
    def __init__(self, size):
        self.size = size

    def double(self):
        return self.size * 2

    def label(self):
        return str(self.size) + "!"


def use():
    b = Below(3)
    return b.double(), b.label()
"""
AFTER = SHOP.index("\n", SHOP.index("return total"))  # the end of the line typed after
ENTER, TYPED = "\n\n", "def broken(x:"
HALF = SHOP[:AFTER] + ENTER + TYPED + SHOP[AFTER:]
FINISHED = SHOP[:AFTER] + ENTER + "def broken(x): return x" + SHOP[AFTER:]  # as many lines


def keystrokes() -> list[tuple[str, dict]]:
    """``(text after, didChange content change)``: Enter twice at the end of
    ``middle``, then ``def broken(x:`` one character at a time."""
    text, steps = SHOP, []
    for at, piece in [(AFTER, ENTER)] + [(AFTER + len(ENTER) + i, c) for i, c in enumerate(TYPED)]:
        position = lsp_position(text, at)
        text = text[:at] + piece + text[at:]
        steps.append((text, {"range": {"start": position, "end": position}, "text": piece}))
    assert text == HALF
    return steps


def answers_below(srv: RawServer, uri: str, text: str, first: str = "class Below") -> list:
    """The inlay hints from ``first`` on, then a hover at every name from there."""
    below = lsp_position(text, text.index(first))
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n") + 1, "character": 0}}
    ids = [srv.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": whole})]
    ids += [
        srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})
        for at in identifier_positions(text)
        if at["line"] >= below["line"]
    ]
    found = gather(srv, ids)
    hints = [h for h in found[ids[0]]["result"] if h["position"]["line"] >= below["line"]]
    return [hints] + [found[i].get("result", found[i].get("error")) for i in ids[1:]]


def hover_request(srv: RawServer, uri: str, text: str) -> int:
    """A hover on ``double`` in ``use()``, below the function being typed in."""
    at = lsp_position(text, text.index("b.double") + 2)
    return srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})


@pytest.mark.e2e
def test_answers_below_a_half_typed_signature_equal_the_finished_files(tmp_path: Path) -> None:
    path = tmp_path / "shop.py"
    path.write_text(SHOP, encoding="utf-8")
    uri = path.as_uri()
    typed_server, fresh_server = RawServer(), RawServer()
    try:
        typed_server.initialize(tmp_path.as_uri())
        typed_server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SHOP}}
        )
        during = []
        for version, (text, change) in enumerate(keystrokes(), 2):
            typed_server.notify(
                "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
            )
            during.append(hover_request(typed_server, uri, text))  # pipelined with the typing
        hovers_while_typing = gather(typed_server, during)
        typed = answers_below(typed_server, uri, HALF)
        fresh_server.initialize(tmp_path.as_uri())
        fresh_server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": FINISHED}},
        )
        finished = answers_below(fresh_server, uri, FINISHED)
        finished_double = fresh_server.response(hover_request(fresh_server, uri, FINISHED))["result"]
    finally:
        typed_server.close(), fresh_server.close()
    assert "def double() -> int" in finished_double["contents"]["value"]
    assert any(h["label"] == " -> int" for h in finished[0]) and sum(h is not None for h in finished[1:]) > 15
    differ = [(i, a, b) for i, (a, b) in enumerate(zip(typed, finished)) if a != b]
    assert len(typed) == len(finished) and not differ, f"{len(differ)} answers differ, first: {differ[:2]}"
    # every keystroke after Enter leaves ``use()`` where it is in the finished file
    assert [hovers_while_typing[i]["result"] for i in during[1:]] == [finished_double] * len(TYPED)


SHOP_UNTYPED = """import os


def first(a):
    return a + 1


def middle(n):
    return n


class Shop:
    def __init__(self, owner, rate):
        self.owner = owner.strip()
        self.rate = rate * 2.0

    def greet(self, name, times):
        return name.title() * times


def install(prog_name, shell):
    return prog_name.upper() + shell.title()
"""


@pytest.mark.e2e
def test_classifier_answers_below_a_half_typed_line_equal_the_finished_files(tmp_path: Path) -> None:
    """The parameters below are untyped: the classifier (the shipped model) answers
    them.  While ``def broken(x:`` is typed above them, the server still asks it,
    reading the recovered text, and answers as for the finished file."""
    after = SHOP_UNTYPED.index("\n", SHOP_UNTYPED.index("return n"))
    half = SHOP_UNTYPED[:after] + ENTER + TYPED + SHOP_UNTYPED[after:]
    finished = SHOP_UNTYPED[:after] + ENTER + "def broken(x): return x" + SHOP_UNTYPED[after:]
    path = tmp_path / "shop.py"
    answers = []
    for text in (half, finished):
        path.write_text(text, encoding="utf-8")
        srv = RawServer()
        try:
            srv.initialize(tmp_path.as_uri())
            srv.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}},
            )
            answers.append(answers_below(srv, path.as_uri(), text, "class Shop"))
        finally:
            srv.close()
    typed, done = answers
    guessed = [a for a in done[1:] if a is not None and "inferred (hybrid)" in a["contents"]["value"]]
    assert len(guessed) >= 3, done  # the classifier does answer below
    differ = [(i, a, b) for i, (a, b) in enumerate(zip(typed, done)) if a != b]
    assert len(typed) == len(done) and not differ, f"{len(differ)} answers differ, first: {differ[:2]}"


@pytest.mark.pure_only(reason="spies on recovery.recover_tree")
def test_each_keystroke_recovers_from_the_last_recovery(tmp_path: Path, monkeypatch) -> None:
    """The graph of each revision comes from ``Document.recover``: one recovery per
    revision, re-parsed from the previous one and sharing its cache of statements
    known to parse, never a recovery from scratch.

    Only this document's recoveries count (its texts): the builder threads of
    workspaces that earlier tests left open may recover their own documents
    meanwhile.  Whether the opened text is recovered at all depends on whether
    the builder reached it before the first keystroke; each text is recovered
    once either way."""
    texts = [SHOP.encode()] + [text.encode() for text, _ in keystrokes()]
    calls: list[tuple[bytes, dict, object]] = []
    real = recovery.recover_tree

    def spy(data, tree, **kwargs):
        found = real(data, tree, **kwargs)
        if data in texts:
            calls.append((data, kwargs, found))
        return found

    monkeypatch.setattr(recovery, "recover_tree", spy)
    path = tmp_path / "shop.py"
    path.write_text(SHOP, encoding="utf-8")
    ws = Workspace(tmp_path)
    try:
        ws.open(path.as_uri(), SHOP, 1)
        for version, (text, change) in enumerate(keystrokes(), 2):
            start = change["range"]["start"]
            ws.change_at(path.as_uri(), version, [(((start["line"], start["character"]),) * 2, change["text"])])
            graph = ws.analysis(path.as_uri()).graph
            assert graph.source.data == text.encode()
            assert graph.find_symbol("double", "Below") is not None and graph.find_symbol("use") is not None
    finally:
        ws.stop()
    assert graph.has_syntax_errors()
    recovered = [data for data, _, _ in calls]
    # one recovery a revision, in the order typed (the opened text maybe not recovered)
    assert recovered in (texts, texts[1:]), [texts.index(d) for d in recovered]
    # each from the one before, sharing one cache of the statements known to parse
    assert all(kwargs["previous"] is before for (_, kwargs, _), (_, _, before) in zip(calls[1:], calls))
    assert len({id(kwargs["known_valid"]) for _, kwargs, _ in calls}) == 1


@pytest.mark.e2e
def test_hints_answered_while_typing_are_refreshed_once_built(tmp_path: Path) -> None:
    """A client that can be told to ask again gets the hints of the last analysis
    at once while it types, moved past the edits, then ``workspace/inlayHint/refresh``
    once the newest text is analysed; asked again, it gets that text's hints."""
    # a module slow enough to build (over the 30 ms a hover waits) that hints asked
    # right after the edits are carried, however fast the machine is
    text = Path(subprocess.__file__).read_text(encoding="utf-8")
    path = tmp_path / "typed.py"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    srv = RawServer()
    try:
        srv.response(
            srv.request(
                "initialize",
                {
                    "processId": None,
                    "rootUri": tmp_path.as_uri(),
                    "capabilities": {"workspace": {"inlayHint": {"refreshSupport": True}}},
                },
            )
        )
        srv.notify("initialized", {})
        srv.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
        )
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n") + 9, "character": 0}}
        ask = {"textDocument": {"uri": uri}, "range": whole}
        # the first answer builds and warms the whole module: up to a minute on a loaded machine
        built = srv.response(srv.request("textDocument/inlayHint", ask), 120)["result"]
        for version in range(2, 6):  # four lines typed at the top
            srv.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                            "text": "#\n",
                        }
                    ],
                },
            )
        carried = srv.response(srv.request("textDocument/inlayHint", ask))["result"]
        refresh = srv.messages.get(timeout=120)
        while refresh.get("method") != "workspace/inlayHint/refresh":
            refresh = srv.messages.get(timeout=120)
        srv.send({"jsonrpc": "2.0", "id": refresh["id"], "result": None})
        fresh = srv.response(srv.request("textDocument/inlayHint", ask), 120)["result"]
    finally:
        srv.close()
    assert len(built) > 5 and carried == fresh == [_down(hint, 4) for hint in built]


def _down(hint: dict, lines: int) -> dict:
    """``hint`` (an LSP InlayHint) ``lines`` lines further down."""
    moved = copy.deepcopy(hint)
    moved["position"]["line"] += lines
    for edit in moved.get("textEdits", []):
        edit["range"]["start"]["line"] += lines
        edit["range"]["end"]["line"] += lines
    return moved
