"""The one place where LSP positions (0-based line, UTF-16 code units) meet our
byte offsets into UTF-8 source.

Example::

    >>> data = "é = '𝄞'\\n".encode()
    >>> offset_of(data, 0, 6)            # after the G clef: 2 UTF-16 units
    10
    >>> position_of(data, 10)
    (0, 6)
"""

from __future__ import annotations


def _line_bounds(data: bytes, line: int) -> tuple[int, int]:
    start = 0
    for _ in range(line):
        nxt = data.find(b"\n", start)
        if nxt < 0:
            return len(data), len(data)
        start = nxt + 1
    end = data.find(b"\n", start)
    return start, (len(data) if end < 0 else end)


def offset_of(data: bytes, line: int, character: int) -> int:
    """Byte offset of an LSP position, clamped to the line (as LSP asks)."""
    start, end = _line_bounds(data, max(line, 0))
    text = data[start:end].decode("utf-8", "replace")
    units = 0
    for index, ch in enumerate(text):
        if units >= character:
            return start + len(text[:index].encode("utf-8"))
        units += 2 if ord(ch) > 0xFFFF else 1
    return end


def position_of(data: bytes, offset: int) -> tuple[int, int]:
    """LSP ``(line, character)`` of a byte offset."""
    offset = max(0, min(offset, len(data)))
    line = data.count(b"\n", 0, offset)
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", "replace")
    return line, sum(2 if ord(ch) > 0xFFFF else 1 for ch in prefix)
