"""The one place where the CLI converts positions, through the language server's
codec (:class:`typelens.lsp.positions.LineIndex`, one per text).

Internally a position is a 0-based (row, byte column) point.  People, editors'
"file:line:col" links and SARIF want 1-based lines and 1-based columns counted in
characters (code points: the codec's UTF-32).

Example::

    >>> human_position(b"\\xc3\\xa9 = 1\\n", 0, 3)     # after "é "
    (1, 3)
"""

from __future__ import annotations

from typelens.analyzer import InputError
from typelens.lsp.positions import Encoding, LineIndex


def human_position(data: bytes, row: int, byte_col: int) -> tuple[int, int]:
    """1-based ``(line, column)``; the column counts characters, not bytes."""
    return line_index(data).human(row, byte_col)


class HumanLines:
    """:func:`human_position` in one text, its line index looked up once (a
    renderer places thousands of answers in a few files)."""

    __slots__ = ("lines",)

    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines

    def human(self, row: int, byte_col: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of the 0-based ``row`` and byte column."""
        lines = self.lines
        if lines.is_ascii and 0 <= row < lines.line_count and byte_col >= 0:
            start, end = lines.line_bounds(row)
            if start + byte_col <= end:  # on its line, where a byte is a character: what position() gives
                return row + 1, byte_col + 1
        start = lines.starts[min(row, lines.line_count - 1)]
        _, column = lines.position(start + byte_col, Encoding.UTF32)
        return row + 1, column + 1


def line_index(data: bytes) -> HumanLines:
    """The :class:`HumanLines` of ``data``."""
    return HumanLines(LineIndex.of(data))


def offset_from_human(data: bytes, line: int, column: int) -> int:
    """Byte offset of 1-based ``line`` and 1-based character ``column`` (the inverse
    of :func:`human_position`); ``InputError`` when the position is outside the file."""
    lines = LineIndex.of(data)
    if not 1 <= line <= lines.line_count:
        raise InputError(f"line {line} is outside the file (1..{lines.line_count})")
    _, end = lines.line_bounds(line - 1)
    width = lines.position(end, Encoding.UTF32)[1]
    if not 1 <= column <= width + 1:
        raise InputError(f"column {column} is outside line {line} (1..{width + 1})")
    return lines.offset(line - 1, column - 1, Encoding.UTF32)
