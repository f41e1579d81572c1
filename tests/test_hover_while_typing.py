"""Hovers while the user types (issues 22 and 26: p95 <= 50 ms while typing).

Each edit makes a new revision whose engine knows nothing yet: a hover on it
works out the hovered name's answers and the expression's type, up to a second
on a large file.  While the user types, a hover in a function that no edit
since touched is answered by the newest revision whose every prediction is
worked out (a lookup there), not by the newest revision built; a hover in the
edited function still asks the newest revision.  Both equal a fresh open of the
same text here, where the hovered function reads nothing of the edited one.
"""

from __future__ import annotations

import threading
from pathlib import Path

from typelens.analyzer import build_graph
from typelens.lsp import analyses
from typelens.lsp.workspace import Workspace
from typelens.typeinfer.ide.hover import answering_unit

SHOP = """def total(prices, rate=1.2):
    subtotal = 0
    for p in prices:
        subtotal += p
    return subtotal * rate


def label(order):
    name = order.strip()
    return name.upper()


label("x")
total([1.5])
"""


def _open(root: Path, text: str) -> tuple[Workspace, str]:
    path = root / "shop.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(root)
    ws.open(path.as_uri(), text, 1)
    return ws, path.as_uri()


def _at(text: str, marker: str, offset: int = 0) -> int:
    return len(text[: text.index(marker) + offset].encode())


def test_an_edit_in_one_function_leaves_hovers_in_another_to_a_warm_revision(tmp_path: Path, monkeypatch) -> None:
    """Revision 1 (an edit in ``total``) is built and its warm-up cut short by
    the next edit: a hover in ``label`` then costs revision 1's engine nothing
    (no question asked; the old code worked ``name``'s answers out there), while
    one in ``total`` is revision 1's own; both as a fresh open answers."""
    release = threading.Event()
    every_answer = Workspace._every_answer

    def warming(self, track, analysed):  # revision 0 warms; the later ones only once released
        while analysed.revision > 0 and not release.is_set():
            release.wait(0.01)
            yield
        yield from every_answer(self, track, analysed)

    monkeypatch.setattr(Workspace, "_every_answer", warming)
    monkeypatch.setattr(analyses, "QUIET", 60.0)  # the builder builds what a request waits for, nothing else
    ws, uri = _open(tmp_path, SHOP)
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    try:
        assert ws.hover(uri, _at(SHOP, "name = ")) is not None
        assert ws.caught_up(uri)  # revision 0: every prediction worked out
        text = SHOP.replace("    subtotal = 0\n", "    subtotal = 0\n    seen = 0\n")
        ws.change(uri, 2, [(_at(SHOP, "    for p"), _at(SHOP, "    for p"), "    seen = 0\n")])
        assert ws.hover(uri, _at(text, "seen")) is not None  # revision 1 built for it; its warm-up held
        track = ws._docs[uri].track
        assert track.analysed.revision == 1 and not track.analysed.predicted()
        text = text.replace("    seen = 0\n", "    seen = 0\n    seen += 1\n")
        ws.change(uri, 3, [(_at(text, "    for p"), _at(text, "    for p"), "    seen += 1\n")])
        ws.hover_budget = 0.0  # every build is slow: hovers are carried while revision 2 is not built
        cold = track.analysed
        before, items = cold.answering.engine.steps, dict(cold.answering.item_answers.items)
        elsewhere = ws.hover(uri, _at(text, "name.upper"))
        assert cold.answering.engine.steps == before and cold.answering.item_answers.items == items
        edited = ws.hover(uri, _at(text, "subtotal * rate"))
        assert cold.answering.engine.steps > before  # the edited function: the newest revision's own answer
        assert track.wanted < 3  # neither hover built revision 2
        fresh, fresh_uri = _open(fresh_dir, text)
        assert elsewhere is not None and edited is not None and elsewhere.type == "str"
        assert elsewhere == fresh.hover(fresh_uri, _at(text, "name.upper"))
        assert edited == fresh.hover(fresh_uri, _at(text, "subtotal * rate"))
        fresh.stop()
    finally:
        release.set()
        ws.stop()


UNITS = """import os


@staticmethod
def outer(a):
    def inner(b):
        return a + b
    return inner


class Box:
    size = 1

    def grow(self, by):
        self.size += by


if os.name:
    flag = True
"""


def test_the_answering_unit_is_the_outermost_function_or_the_statement_of_a_class_or_module() -> None:
    g = build_graph(UNITS, "/units.py")

    def unit(marker: str, offset: int = 0) -> str | None:
        found = answering_unit(g, _at(UNITS, marker, offset))
        return None if found is None else UNITS.encode()[found[0] : found[1]].decode()

    outer = UNITS[UNITS.index("@staticmethod") : UNITS.index("    return inner") + len("    return inner")]
    assert unit("a + b") == unit("b):") == unit("outer") == outer  # decorators and nested functions included
    assert unit("size = 1") == "size = 1"
    assert unit("by)").startswith("def grow") and unit("by)").endswith("self.size += by")
    assert unit("Box") is not None and unit("Box").startswith("class Box")  # its name: the whole class
    assert unit("flag") == "if os.name:\n    flag = True"
    assert unit("os\n") == "import os"
    assert unit("\n\n@") is None  # no identifier there


def test_an_edit_in_another_file_lets_the_predicted_revisions_go(tmp_path: Path) -> None:
    """The predicted revisions may be many edits old: once another open file (or
    the settings) changes what every answer reads, none of them answers hovers."""
    ws, uri = _open(tmp_path, SHOP)
    try:
        assert ws.hover(uri, _at(SHOP, "name = ")) is not None and ws.caught_up(uri)
        track = ws._docs[uri].track
        assert [a.revision for a in track.predicted] == [0]
        other = tmp_path / "other.py"
        other.write_text("from shop import label\n", encoding="utf-8")
        ws.open(other.as_uri(), "from shop import label\n", 1)
        assert not track.predicted
    finally:
        ws.stop()
