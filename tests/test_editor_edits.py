"""No edit the language server produces corrupts a file, in any encoding.

Documents with accents, CJK and emoji (surrogate pairs in UTF-16) on the lines
being annotated are fuzzed; every edit the workspace answers ("Annotate all in
file", each quick fix, each inlay hint's edit) is converted to LSP ranges in the
negotiated encoding, applied by an independent client-side reference
(:func:`tests.lsp_wire.apply_text_edits`), and the result must equal the core's
own byte-level result and parse."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typelens.lsp.convert import lsp_range, text_document_edit
from typelens.lsp.positions import Encoding
from typelens.lsp.workspace import Place, Workspace

from .lsp_wire import apply_text_edits, code_units

WORDS = st.sampled_from(["héllo 😀", "中文", "𝄞 clef", "naïve", "ok", "🎉🎉", "ǅ"])
NAMES = st.sampled_from(["s", "k", "café", "名前", "total", "x"])


@st.composite
def statements(draw) -> str:
    name = draw(NAMES)
    kind = draw(st.sampled_from(["str", "int", "pair", "def", "comment"]))
    if kind == "str":
        return f'{name} = "{draw(WORDS)}"'
    if kind == "int":
        return f"{name} = {draw(st.integers(0, 99))}"
    if kind == "pair":
        return f'{name} = "{draw(WORDS)}"; k = {draw(st.integers(0, 9))}'
    if kind == "def":
        word = draw(WORDS)
        return f'def f_{draw(st.integers(0, 3))}(a, b="{word}"):  # {word}\n    return b\n\nf_0("{word}")'
    return f"# {draw(WORDS)}"


DOCUMENTS = st.lists(statements(), min_size=1, max_size=6).map("\n".join).map(lambda t: t + "\n")


def as_dicts(edits) -> list[dict]:
    return [
        {
            "range": {
                "start": {"line": e.range.start.line, "character": e.range.start.character},
                "end": {"line": e.range.end.line, "character": e.range.end.character},
            },
            "newText": e.new_text,
        }
        for e in edits
    ]


def check_edits(ws: Workspace, uri: str, text: str, edits: list[tuple[int, int, str]], encoding: Encoding) -> str:
    """Apply ``edits`` (bytes) as the client would after conversion; check them."""
    snap = ws.snapshot(uri)
    change = text_document_edit(Place(uri, snap.version, snap.lines, tuple(edits)), encoding)
    assert change.text_document.version == snap.version
    by_client = apply_text_edits(text, as_dicts(change.edits), encoding.value)
    data = snap.data
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new.encode("utf-8") + data[end:]
    assert by_client.encode("utf-8") == data, (text, edits)
    ast.parse(by_client)
    return by_client


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(DOCUMENTS, st.sampled_from(list(Encoding)))
def test_annotate_all_and_quick_fixes_never_corrupt(tmp_path, text: str, encoding: Encoding) -> None:
    path = tmp_path / "doc.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(None, encoding=encoding)
    uri = path.as_uri()
    ws.open(uri, text, 1)
    snap = ws.snapshot(uri)
    edits = ws.annotate(uri, None, snap)
    if edits:
        annotated = check_edits(ws, uri, text, edits, encoding)
        ws.change_at(uri, 2, [(None, annotated)])  # the client's didChange: re-parsed, still valid
        assert not ws.analysis(uri).graph.has_syntax_errors()
        ws.change_at(uri, 3, [(None, text)])
    data = text.encode("utf-8")
    for hint in ws.inlay_hints(uri, 0, len(data), ws.snapshot(uri)):
        check_edits(ws, uri, text, [hint.edit], encoding)
        assert (
            snap.lines.range(hint.offset, hint.offset, encoding)[0]
            == snap.lines.range(hint.edit[0], hint.edit[0], encoding)[0]
        )
    for at in range(0, len(data), 7):
        fix = ws.annotate(uri, at, ws.snapshot(uri))
        if fix:
            check_edits(ws, uri, text, fix, encoding)


def test_the_issues_example_in_every_encoding(tmp_path) -> None:
    text = 's = "😀😀"; k = 3\nmsg = "héllo 😀"; n = len(msg)\n'
    path = tmp_path / "emoji.py"
    path.write_text(text, encoding="utf-8")
    for encoding in Encoding:
        ws = Workspace(None, encoding=encoding)
        ws.open(path.as_uri(), text, 1)
        annotated = check_edits(ws, path.as_uri(), text, ws.annotate(path.as_uri(), None), encoding)
        assert annotated.startswith('s: str = "😀😀"; k: int = 3\nmsg: str = "héllo 😀"; n: int = len(msg)')
        snap = ws.snapshot(path.as_uri())
        after_k = snap.data.index(b"k = 3") + 1
        hint = next(h for h in ws.inlay_hints(path.as_uri(), 0, len(snap.data), snap) if h.offset == after_k)
        position = lsp_range(snap.lines, hint.offset, hint.offset, encoding).start
        assert (position.line, position.character) == (0, code_units('s = "😀😀"; k', encoding.value))


def test_an_edit_while_a_request_waits_does_not_shift_its_answer(tmp_path) -> None:
    """The request pins the version its position was converted with: an edit
    that arrives before the answer is computed leaves the answer's offsets
    (and the version the client checks edits against) on the pinned text."""
    text = 'name = "😀"\nk = 3\n'
    path = tmp_path / "race.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(None, encoding=Encoding.UTF8)
    uri = path.as_uri()
    ws.open(uri, text, 1)
    pinned = ws.snapshot(uri)
    ws.change_at(uri, 2, [(((0, 0), (0, 0)), "# 🎉🎉 a comment\n")])
    edits = ws.annotate(uri, None, pinned)
    assert check_edits_on(pinned, uri, text, edits).startswith('name: str = "😀"\nk: int = 3')


def check_edits_on(pinned, uri, text, edits) -> str:
    change = text_document_edit(Place(uri, pinned.version, pinned.lines, tuple(edits)), Encoding.UTF8)
    assert change.text_document.version == 1
    result = apply_text_edits(text, as_dicts(change.edits), "utf-8")
    ast.parse(result)
    return result


def test_a_rename_computed_on_a_pinned_version_names_that_version(tmp_path) -> None:
    text = "def tötal(x):\n    return x\n\n\nv = tötal(1)  # 😀\n"
    path = tmp_path / "pinned.py"
    path.write_text(text, encoding="utf-8")
    ws = Workspace(None, encoding=Encoding.UTF16)
    uri = path.as_uri()
    ws.open(uri, text, 1)
    pinned = ws.snapshot(uri)
    ws.change_at(uri, 2, [(((0, 0), (0, 0)), "# 🎉\n")])
    places = ws.rename(uri, pinned.data.index(b"t\xc3\xb6tal(1)"), "summe", pinned)
    assert [(p.uri, p.version) for p in places] == [(uri, 1)]  # the client rejects it if it moved on
    change = text_document_edit(places[0], Encoding.UTF16)
    renamed = apply_text_edits(text, as_dicts(change.edits), "utf-16")
    assert renamed == text.replace("tötal", "summe")
