"""The one place where the CLI converts positions.

Internally a position is a 0-based (row, byte column) point.  People, editors'
"file:line:col" links and SARIF want 1-based lines and 1-based columns counted in
characters (code points).

Example::

    >>> human_position(b"\\xc3\\xa9 = 1\\n", 0, 3)     # after "é "
    (1, 3)
"""

from __future__ import annotations

from typelens.analyzer import InputError


def human_position(data: bytes, row: int, byte_col: int) -> tuple[int, int]:
    """1-based ``(line, column)``; the column counts characters, not bytes."""
    start = 0
    for _ in range(row):
        nxt = data.find(b"\n", start)
        if nxt < 0:
            break
        start = nxt + 1
    prefix = data[start:start + byte_col]
    return row + 1, len(prefix.decode("utf-8", "replace")) + 1


def offset_from_human(data: bytes, line: int, column: int) -> int:
    """Byte offset of 1-based ``line`` and 1-based character ``column`` (the inverse
    of :func:`human_position`); ``InputError`` when the position is outside the file."""
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        raise InputError(f"line {line} is outside the file (1..{len(lines)})")
    text = lines[line - 1].decode("utf-8", "replace")
    if not 1 <= column <= len(text) + 1:
        raise InputError(f"column {column} is outside line {line} (1..{len(text) + 1})")
    return sum(len(x) + 1 for x in lines[:line - 1]) + len(text[:column - 1].encode("utf-8"))
