"""Suppression comments of a file that parsed cleanly are found by a lexical pass
(``typeinfer/comments.py``), not a second parse: its answer must be the parser's.

Checked three ways: the comment starts and first statement of every cleanly
parsed file of a few stdlib packages and of this repository's test data against
tree-sitter's comment nodes; ``suppressions_of`` on tricky strings, f-strings and
broken files, lexed and parsed; and a real analysis, which parses no file again
unless it has a syntax error."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from typelens.analyzer.builder import build_graph
from typelens.analyzer.parsing import parse_bytes
from typelens.typeinfer import suppressions
from typelens.typeinfer.comments import comment_starts
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.settings import Settings
from typelens.typeinfer.suppressions import parsed_cleanly, suppressions_of

from .conftest import ROOT

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _parsed(data: bytes) -> tuple[list[int], int, bool]:
    """tree-sitter's comment starts, first statement and whether it found an error."""
    tree = parse_bytes(data)
    root = tree.root_node
    header = next((child.start_byte for child in root.children if child.type != "comment"), len(data))
    starts, cursor, done = [], tree.walk(), False
    while not done:
        if cursor.node.type == "comment":
            starts.append(cursor.node.start_byte)
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while not done and not cursor.goto_next_sibling():
            done = not cursor.goto_parent()
    return sorted(starts), header, root.has_error


def _corpus() -> list[Path]:
    folders = [STDLIB / name for name in ("json", "email", "asyncio", "importlib")]
    files = [f for folder in folders for f in sorted(folder.rglob("*.py"))]
    return files + sorted((ROOT / "tests" / "data").rglob("*.py")) + sorted((ROOT / "typeinfer").glob("*.py"))


def test_the_lexical_pass_finds_the_parsers_comments_on_a_corpus() -> None:
    files = _corpus()
    lexed = 0
    for path in files:
        data = path.read_bytes()
        starts, header, has_error = _parsed(data)
        found = comment_starts(data)
        if has_error or found is None:
            continue
        lexed += 1
        assert found == (starts, header), path
    assert len(files) > 150 and lexed > 0.95 * len(files), (lexed, len(files))


TRICKY = {
    "hash in strings": b"a = \"# type: ignore\"\nb = '#'  # type: ignore[attr-defined]\n",
    "triple quoted": b"s = \"\"\"\n# type: ignore\n\"\"\"  # typelens: ignore\nt = '''x'''''  # type: ignore\n",
    "escaped quotes": b'a = "\\" # type: ignore"\nb = r"\\\\"  # type: ignore\nc = \'\\\\\'  # type: ignore\n',
    "prefixes": b'a = Rb"# type: ignore" + BR\'#\' + u"#"  # type: ignore\nelif_ = 1\nx = 1 if elif_ else"#f{"  # type: ignore\n',
    "f-string text and spec": b'n = 1\ns = f"#{n:#x} {{#}} {n!r:>{n}} # type: ignore"  # type: ignore\n',
    "f-string nested quotes": b"d = {}\ns = f\"{d['#']}\" + f'{d[\"#\"]:#>4}'  # type: ignore\n",
    "f-string nested f-string": b"n = 1\ns = f\"{f'{n:#}'} # x\"  # typelens: ignore\n",
    "multi-line f-string": b'n = 1\ns = f"""\n{n\n:#x}\n# type: ignore\n"""  # type: ignore\n',
    "named escape": b'n = 1\ns = f"\\N{NUMBER SIGN}{n}#"  # type: ignore\n',
    "line continuation": b"x = 1 + \\\n    2  # type: ignore\n",
    "crlf": b'"""Doc."""\r\nx = "#"  # type: ignore\r\ny = 2  # type: ignore[call-arg]\r\n',
    "header": b"#!/usr/bin/env python\n# type: ignore\n\n# typelens: ignore-file[call-arg]\nimport os\n",
    "header only comments": b"# typelens: ignore-file\n# type: ignore\n",
    "docstring ends the header": b'"""# type: ignore"""\n# typelens: ignore-file\n',
    "comment in a field": b'n = 1\ns = f"""{n # type: ignore\n}"""  # type: ignore\n',
    "backslash in a field's string": b"s = f\"{'\\n'.join([])}\"  # type: ignore\n",
    "backslash in a field": b'n = 1\ns = f"""{n \\\n}"""  # type: ignore\n',
    "lone carriage return": b"x = 1  # type: ignore\ry = 2  # type: ignore\n",
}
# files with a syntax error: the analysis leaves them to the parser (``is_clean`` false)
BROKEN = {
    "unterminated string": b'x = "abc  # type: ignore\ny = 1  # type: ignore\n',
    "open bracket": b"x = (1,\ny = 2  # type: ignore\n",
    "stray backslash": b"x = 1 \\ # type: ignore\n",
    "string after a name": b'x = 1\nx "# type: ignore"  # type: ignore\n',
}
# the cases the lexical pass answers itself (the others it leaves to the parser)
LEXED = {
    "hash in strings",
    "triple quoted",
    "escaped quotes",
    "prefixes",
    "f-string text and spec",
    "f-string nested quotes",
    "f-string nested f-string",
    "backslash in a field's string",
    "multi-line f-string",
    "named escape",
    "line continuation",
    "crlf",
    "header",
    "header only comments",
    "docstring ends the header",
}


def _rows(found) -> list[tuple]:
    return [(s.row, s.codes, s.span, s.text, s.is_typelens) for s in found]


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_sources_give_the_parsers_suppressions(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = TRICKY[name]
    parsed = _rows(suppressions_of(data))
    assert not _parsed(data)[2]
    assert (comment_starts(data) is not None) == (name in LEXED)
    if name in LEXED:
        monkeypatch.setattr(suppressions, "parse_bytes", _no_parse)  # the lexical pass alone
    assert _rows(suppressions_of(data, is_clean=True)) == parsed


def _no_parse(data: bytes, old_tree=None):
    raise AssertionError("parsed again")


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_file_is_left_to_the_parser(name: str) -> None:
    """A syntax error is on the graph, so the analysis passes ``is_clean=False``."""
    graph = build_graph(BROKEN[name], "m.py")
    assert not parsed_cleanly(graph.diagnostics)
    assert _parsed(BROKEN[name])[2]


def test_the_suppressions_of_a_known_file_are_the_parsers() -> None:
    """``type: ignore`` lines as real code writes them (click's core module has the most)."""
    for path in _corpus():
        data = path.read_bytes()
        if b"ignore" in data and not _parsed(data)[2]:
            assert _rows(suppressions_of(data, is_clean=True)) == _rows(suppressions_of(data)), path


BOX = "class Box:\n    def __init__(self):\n        self.size = 1\n\n\nb = Box()\n"


@pytest.mark.pure_only(reason="spies on suppressions.parse_bytes")
@pytest.mark.parametrize("broken", [False, True], ids=["clean", "syntax-error"])
def test_an_analysis_parses_again_only_a_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: bool
) -> None:
    text = BOX + 'b.sise  # type: ignore\nb.colour, "# type: ignore"\nb.size  # typelens: ignore\n'
    if broken:
        text += "def half(:\n"
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    parses: list[bytes] = []

    def counted(data: bytes, old_tree=None):
        parses.append(data)
        return parse_bytes(data, old_tree)

    monkeypatch.setattr(suppressions, "parse_bytes", counted)
    settings = Settings(extend_select=frozenset({"unused-ignore"}))
    found = AnalysisSession(tmp_path, settings).analyse(tmp_path / "m.py").diagnostics()
    rows = sorted((d.span.start_row + 1, d.code) for d in found if d.code not in ("syntax-error", "missing-token"))
    assert rows == [(8, "attr-defined"), (9, "unused-ignore")]
    assert len(parses) == (1 if broken else 0)
