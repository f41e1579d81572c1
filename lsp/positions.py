"""The one position codec: byte offsets into UTF-8 source <-> line and column in
the encoding a client negotiated (LSP ``utf-8``, ``utf-16`` or ``utf-32``) or
that people read (the CLI's 1-based LINE:COL counts characters: ``utf-32``).

A :class:`LineIndex` is built once per document version (the starts of its
lines, as ruff's ``LineIndex``); a conversion finds the line by bisection and
counts code units on that line only, and an all-ASCII line costs no decoding.
Lines end at ``\\n`` (a ``\\r`` before it belongs to the line ending), as
tree-sitter counts rows.  Positions past a line's end clamp to it, lines past
the end to the end of the document, and a column inside a character (the
middle of a UTF-8 sequence or of a UTF-16 surrogate pair) to the character's
start, so a converted position always lies on a character boundary.

Example::

    >>> index = LineIndex("é = '𝄞'\\nx\\n".encode())
    >>> index.offset(0, 7, Encoding.UTF16)       # after the G clef: 2 UTF-16 units
    10
    >>> index.offset(0, 6, Encoding.UTF16)       # inside it: its start
    6
    >>> index.position(10, Encoding.UTF8), index.position(10, Encoding.UTF32)
    ((0, 10), (0, 6))
"""

from __future__ import annotations

import bisect
import enum
from functools import lru_cache
from itertools import accumulate


class Encoding(str, enum.Enum):
    """What a column counts (LSP's ``PositionEncodingKind``)."""

    UTF8 = "utf-8"  # bytes
    UTF16 = "utf-16"  # UTF-16 code units (LSP's default)
    UTF32 = "utf-32"  # code points (characters)

    @classmethod
    def of(cls, name: str | None) -> "Encoding":
        """The encoding named ``name``; ``None`` or an unknown name is LSP's default, UTF-16."""
        try:
            return cls(str(getattr(name, "value", name)))
        except ValueError:
            return cls.UTF16


_CODEC = {Encoding.UTF16: ("utf-16-le", 2), Encoding.UTF32: ("utf-32-le", 4)}


class LineIndex:
    """Line starts of one immutable ``data`` (see the module docstring)."""

    __slots__ = ("data", "starts", "is_ascii")

    def __init__(self, data: bytes) -> None:
        self.data = data
        lines = data.split(b"\n")
        self.starts = [0, *accumulate(len(line) + 1 for line in lines[:-1])]
        self.is_ascii = data.isascii()

    @classmethod
    def of(cls, data: bytes) -> "LineIndex":
        """The index of ``data``, shared by every caller with the same bytes."""
        return _cached(data)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_bounds(self, line: int) -> tuple[int, int]:
        """Byte ``(start, end)`` of ``line``'s text, its line ending excluded."""
        if line >= len(self.starts):
            return len(self.data), len(self.data)
        start = self.starts[max(line, 0)]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.data)
        if end > start and self.data[end - 1 : end] == b"\r" and end < len(self.data):
            end -= 1
        return start, end

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, max(0, offset)) - 1

    # -- conversions ----------------------------------------------------------------
    def offset(self, line: int, column: int, encoding: Encoding = Encoding.UTF16) -> int:
        """The byte offset of ``(line, column)``, clamped (see the module docstring)."""
        if line < 0:
            return 0
        start, end = self.line_bounds(line)
        column = max(column, 0)
        text = self.data[start:end]
        if self.is_ascii or encoding is Encoding.UTF8 or text.isascii():
            return _boundary(self.data, start + min(column, len(text)), start)
        codec, width = _CODEC[encoding]
        units = _decode(text).encode(codec, "surrogatepass")[: column * width]
        if encoding is Encoding.UTF16 and len(units) >= 2 and 0xD8 <= units[-1] <= 0xDB:
            units = units[:-2]  # inside a surrogate pair: the character's start
        return start + len(_encode(units.decode(codec, "surrogatepass")))

    def position(self, offset: int, encoding: Encoding = Encoding.UTF16) -> tuple[int, int]:
        """``(line, column)`` of byte ``offset`` (clamped to the document)."""
        offset = max(0, min(offset, len(self.data)))
        line = self.line_of(offset)
        start, end = self.line_bounds(line)
        offset = _boundary(self.data, min(offset, end), start)
        prefix = self.data[start:offset]
        if self.is_ascii or encoding is Encoding.UTF8 or prefix.isascii():
            return line, len(prefix)
        codec, width = _CODEC[encoding]
        return line, len(_decode(prefix).encode(codec, "surrogatepass")) // width

    def range(
        self, start: int, end: int, encoding: Encoding = Encoding.UTF16
    ) -> tuple[tuple[int, int], tuple[int, int]]:
        return self.position(start, encoding), self.position(max(start, end), encoding)


def _boundary(data: bytes, offset: int, floor: int) -> int:
    """``offset`` moved back to the start of the UTF-8 character it falls in."""
    while offset > floor and offset < len(data) and data[offset] & 0xC0 == 0x80:
        offset -= 1
    return offset


def _decode(raw: bytes) -> str:
    # bytes that are not UTF-8 (a file read from disk) survive the round trip
    return raw.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@lru_cache(maxsize=64)
def _cached(data: bytes) -> LineIndex:
    return LineIndex(data)
