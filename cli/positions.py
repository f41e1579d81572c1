"""The one place where the CLI converts positions.

Internally a position is a 0-based (row, byte column) point.  People, editors'
"file:line:col" links and SARIF want 1-based lines and 1-based columns counted in
characters (code points).

Example::

    >>> human_position(b"\\xc3\\xa9 = 1\\n", 0, 3)     # after "é "
    (1, 3)
"""

from __future__ import annotations


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
