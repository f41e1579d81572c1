"""The position codec against an independent reference (Python's own string
operations), in all three LSP encodings, on non-ASCII text: accents, CJK,
emoji (surrogate pairs in UTF-16), CRLF line endings; and the workspace's
incremental changes fuzzed against the same reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from typelens.cli.positions import human_position, offset_from_human
from typelens.lsp.positions import Encoding, LineIndex
from typelens.lsp.workspace import Workspace

ALPHABET = st.sampled_from(list("ab =_(\t") + ["é", "ß", "中", "文", "😀", "🎉", "𝄞", "\n", "\r\n", "ǅ"])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)
ENCODINGS = list(Encoding)


def units(text: str, encoding: Encoding) -> int:
    """How many code units ``text`` is in ``encoding`` (the reference)."""
    if encoding is Encoding.UTF8:
        return len(text.encode("utf-8"))
    if encoding is Encoding.UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def reference_lines(text: str) -> list[str]:
    """Lines as LSP clients split on ``\\n`` (a ``\\r`` before it is the line end)."""
    return [
        line[:-1] if line.endswith("\r") and i < text.count("\n") else line for i, line in enumerate(text.split("\n"))
    ]


def reference_position(text: str, index: int, encoding: Encoding) -> tuple[int, int]:
    """``(line, column)`` of character index ``index`` of ``text``."""
    before = text[:index]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1 :]
    line_text = reference_lines(text)[line]
    return line, units(column_text[: len(line_text)], encoding)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.sampled_from(ENCODINGS))
def test_positions_match_the_reference_at_every_character(text: str, encoding: Encoding) -> None:
    data = text.encode("utf-8")
    index = LineIndex(data)
    for i in range(len(text) + 1):
        if text[i - 1 : i + 1] == "\r\n":
            continue  # between \r and \n: not a position a client can name
        offset = len(text[:i].encode("utf-8"))
        expected = reference_position(text, i, encoding)
        assert index.position(offset, encoding) == expected, (text, i)
        assert index.offset(*expected, encoding) == offset, (text, i)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.sampled_from(ENCODINGS), st.integers(0, 12), st.integers(0, 80))
def test_offsets_clamp_onto_character_boundaries(text: str, encoding: Encoding, line: int, column: int) -> None:
    data = text.encode("utf-8")
    index = LineIndex(data)
    offset = index.offset(line, column, encoding)
    assert 0 <= offset <= len(data)
    data[:offset].decode("utf-8")  # never inside a character
    lines = reference_lines(text)
    if line < len(lines):
        start = len("\n".join(text.split("\n")[:line]).encode("utf-8")) + (1 if line else 0)
        line_text = lines[line]
        # the longest prefix of the line that fits in ``column`` units
        fit = max(k for k in range(len(line_text) + 1) if units(line_text[:k], encoding) <= column)
        assert offset == start + len(line_text[:fit].encode("utf-8"))
    else:
        assert offset == len(data)


def test_a_column_inside_a_surrogate_pair_or_a_utf8_sequence_is_the_characters_start() -> None:
    data = "s = '😀é'\n".encode()
    index = LineIndex(data)
    emoji = data.index("😀".encode())
    assert index.offset(0, 6, Encoding.UTF16) == emoji  # between the two surrogates
    assert index.offset(0, 7, Encoding.UTF16) == emoji + 4
    assert index.offset(0, emoji + 2, Encoding.UTF8) == emoji  # inside the 4 UTF-8 bytes
    assert index.position(emoji + 2, Encoding.UTF16) == (0, 5)
    assert index.position(emoji + 4, Encoding.UTF32) == (0, 6)


def test_non_utf8_bytes_from_disk_round_trip() -> None:
    data = b"x = '\xff\xfe'\ny = 1\n"
    index = LineIndex(data)
    for encoding in ENCODINGS:
        for offset in range(len(data) + 1):
            line, column = index.position(offset, encoding)
            assert index.position(index.offset(line, column, encoding), encoding) == (line, column)


def test_the_cli_columns_count_characters() -> None:
    data = "é = '😀'; k = 3\n中文 = 1\n".encode()
    assert human_position(data, 0, data.index(b"k")) == (1, 10)
    assert offset_from_human(data, 1, 10) == data.index(b"k")
    second = data.index(b"=", data.index("中".encode()))
    assert human_position(data, 1, second - data.index("中".encode())) == (2, 4)
    assert offset_from_human(data, 2, 4) == second


@settings(max_examples=60, deadline=None)
@given(
    TEXTS,
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 30),
            st.integers(0, 6),
            st.integers(0, 30),
            st.lists(ALPHABET, max_size=5).map("".join),
        ),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(ENCODINGS),
)
def test_incremental_changes_in_every_encoding_match_the_client(tmp_path_factory, text, changes, encoding) -> None:
    """The editor's view (Python strings, positions in ``encoding``) and the
    workspace's bytes stay equal through any sequence of range edits."""
    ws = Workspace(None, encoding=encoding)
    uri = (tmp_path_factory.getbasetemp() / "fuzz.py").as_uri()
    ws.open(uri, text, 1)
    client = text
    batch = []
    for sl, sc, el, ec, new in changes:
        ends = sorted(
            [(_client_index(client, sl, sc, encoding), (sl, sc)), (_client_index(client, el, ec, encoding), (el, ec))]
        )
        (start, begin), (end, finish) = ends
        client = client[:start] + new + client[end:]
        batch.append(((begin, finish), new))
    ws.change_at(uri, 2, batch)
    assert ws.data(uri) == client.encode("utf-8")
    assert ws.version(uri) == 2


def _client_index(text: str, line: int, column: int, encoding: Encoding) -> int:
    """How a client resolves a position to a string index: clamp the line, then
    the longest prefix of it within ``column`` units."""
    lines = reference_lines(text)
    if line >= len(lines):
        return len(text)
    start = sum(len(raw) + 1 for raw in text.split("\n")[:line])
    line_text = lines[line]
    fit = max(k for k in range(len(line_text) + 1) if units(line_text[:k], encoding) <= column)
    return start + fit


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(list("ab =_(\t") + ["\n", "\r\n", "\r"]), max_size=40).map("".join),
    st.integers(-1, 12),
    st.integers(-1, 45),
)
def test_the_cli_position_of_ascii_text_is_the_codecs(text: str, row: int, byte_col: int) -> None:
    """ASCII text takes a shortcut (a byte is a character): the same answer as the
    codec's, also past a line's end, at a CR, on a row past the last line."""
    data = text.encode()
    lines = LineIndex.of(data)
    start = lines.starts[min(row, lines.line_count - 1)]
    _, column = lines.position(start + byte_col, Encoding.UTF32)
    assert human_position(data, row, byte_col) == (row + 1, column + 1)
