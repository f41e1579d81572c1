"""Reading a buffer that is not Python, leniently: lines by indentation, and the
first logical line of a statement with the points where it may be cut.

Recovery (see :mod:`.recovery`) cuts a broken buffer into statements by
indentation alone.  :class:`Lines` says, per line, where it starts, how deep it is
indented (as tree-sitter counts: a tab is 8) and whether it starts outside any
string or line continuation; a triple-quoted string that runs to the end, or over
a ``def`` left of its own line, was opened while typing and reads as closed at the
end of its line.  :func:`logical_line` reads a statement up to its first line
break outside brackets, noting after each token what is open there.

Example::

    >>> line = logical_line(b"x = foo(a, [1\\n", 0, 13)
    >>> line.complete, [closing(cut.open) for cut in line.cuts]
    (False, [b'', b'', b')', b')', b')', b'])', b'])'])
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field

from .matching import matched

logger = logging.getLogger(__name__)


# -- the text's lines, as indentation sees them ---------------------------------------------

INDENT = re.compile(rb"[ \t\f]*")
_LINE_HEAD = re.compile(rb"^([ \t\f]*)", re.M)
_WORD = re.compile(rb"[A-Za-z_]\w*")
_STRING_START = re.compile(rb"#[^\n]*|'''|\"\"\"|'|\"|\\\r?\n")
# a string's body up to its closing quote (or a line break, or the end): unrolled
# and possessive, so a megabyte of string costs no backtracking stack
_STRING_BODY = {
    b"'": re.compile(rb"[^\\'\n]*+(?:\\.[^\\'\n]*+)*+", re.S),
    b'"': re.compile(rb'[^\\"\n]*+(?:\\.[^\\"\n]*+)*+', re.S),
    b"'''": re.compile(rb"[^\\']*+(?:(?:\\.|'(?!''))[^\\']*+)*+", re.S),
    b'"""': re.compile(rb'[^\\"]*+(?:(?:\\.|"(?!""))[^\\"]*+)*+', re.S),
}
# a definition at or left of a triple-quoted string's own indentation: the string
# was opened while typing and pairs with the next string's opening quotes
_DEF_IN_STRING = re.compile(rb"\n([ \t]*)(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*[(:]")
CLAUSES = frozenset({b"else", b"elif", b"except", b"finally"})
COMPOUND = frozenset(
    {
        b"def",
        b"class",
        b"if",
        b"elif",
        b"else",
        b"for",
        b"while",
        b"with",
        b"try",
        b"except",
        b"finally",
        b"async",
        b"match",
        b"case",
    }
)
CLOSERS = frozenset(b")]}")
_MAX_BROKEN_STRINGS = 256


def _width(indent: bytes) -> int:
    """Indentation as tree-sitter's scanner counts it: a tab is 8, a form feed resets."""
    width = 0
    for c in indent:
        width = width + 8 if c == 0x09 else (0 if c == 0x0C else width + 1)
    return width


class Lines:
    """Per line from ``origin`` (a statement's start, outside any string) on: where
    it starts, its indentation, whether it is blank (or only a comment) and whether
    it starts outside any string or continuation.  Lines before read as blank."""

    def __init__(self, data: bytes, origin: int = 0) -> None:
        self.data = data
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
        if self.starts[-1] != len(data):
            self.starts.append(len(data))  # the end of the last line
        n = len(self.starts) - 1
        self.count = n
        self.first = self.row_of(origin) if n else 0
        self.fresh = bytearray(b"\x01" * n)
        self.indent = [0] * n
        self.text_at = list(self.starts[:n])  # offset of the first non-blank byte
        self.blank = bytearray(b"\x01" * n)
        if not n:
            return
        self._mark_strings(self.starts[self.first])
        row = self.first
        for found in _LINE_HEAD.finditer(data, self.starts[self.first]):
            indent, at = found.group(1), found.end(1)
            self.text_at[row] = at
            self.indent[row] = len(indent) if b"\t" not in indent and b"\f" not in indent else _width(indent)
            self.blank[row] = at >= len(data) or data[at] in b"\r\n#"
            row += 1
            if row >= n:
                break

    def row_of(self, offset: int) -> int:
        return min(max(bisect.bisect_right(self.starts, offset) - 1, 0), self.count - 1)

    def end_of(self, row: int) -> int:
        """The offset of the line break ending ``row`` (or the end of the text)."""
        end = self.starts[row + 1]
        while end > self.starts[row] and self.data[end - 1] in b"\r\n":
            end -= 1
        return end

    def first_word(self, row: int) -> bytes:
        found = _WORD.match(self.data, self.text_at[row])
        return found.group() if found is not None else b""

    def first_byte(self, row: int) -> int:
        at = self.text_at[row]
        return self.data[at] if at < len(self.data) else 0

    def _mark_strings(self, pos: int) -> None:
        data, broken = self.data, 0
        while True:
            found = _STRING_START.search(data, pos)
            if found is None:
                return
            token = found.group()
            if token[:1] == b"#":
                pos = found.end()
                continue
            if token[:1] == b"\\":
                self._unfresh(found.start(), found.end())
                pos = found.end()
                continue
            body = matched(_STRING_BODY[token].match(data, found.end()))
            end = body.end()
            closed = data.startswith(token, end)
            if (
                len(token) == 3
                and broken < _MAX_BROKEN_STRINGS
                and self._opened_while_typing(found.start(), end, closed)
            ):
                broken += 1
                pos = data.find(b"\n", found.end())  # read as closed at the end of its line
                pos = len(data) if pos < 0 else pos
                continue
            end += len(token) if closed else 0
            self._unfresh(found.start(), end)
            pos = end

    def _opened_while_typing(self, start: int, end: int, closed: bool) -> bool:
        if not closed:
            return True
        line_start = self.data.rfind(b"\n", 0, start) + 1
        own = _width(matched(INDENT.match(self.data, line_start)).group())
        found = _DEF_IN_STRING.search(self.data, start, end)
        return found is not None and _width(found.group(1)) <= own

    def _unfresh(self, start: int, end: int) -> None:
        """Lines starting strictly inside ``[start, end)`` continue a token."""
        first, last = self.row_of(start) + 1, self.row_of(max(start, end - 1))
        for row in range(first, min(last, self.count - 1) + 1):
            self.fresh[row] = 0


# -- tokens of one statement: where it may be cut, and what is open there ---------------------

_TOKEN = re.compile(
    rb"(?P<space>[ \t\f]+|\\\r?\n)|(?P<nl>\r?\n)|(?P<comment>#[^\n]*)"
    rb"|(?P<quote>'''|\"\"\"|'|\")|(?P<word>[\w\x80-\xff]+)|(?P<punct>.)",
    re.S,
)
_OPENERS = {0x28: b")", 0x5B: b"]", 0x7B: b"}"}
_ENDS_OPERAND = frozenset(b")]},")


class Open:
    """A bracket (or string) open at some point: a persistent stack, so that a cut
    keeps what is open at it in constant time."""

    __slots__ = ("closer", "depth", "below")

    def __init__(self, closer: bytes, below: "Open | None") -> None:
        self.closer = closer
        self.below = below
        self.depth: int = len(closer) + (below.depth if below is not None else 0)


def closing(top: Open | None) -> bytes:
    parts = []
    while top is not None:
        parts.append(top.closer)
        top = top.below
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class Cut:
    """Keep the text before ``at``; what is open there is closed by ``closing(open)``."""

    at: int
    open: Open | None

    @property
    def in_brackets(self) -> bool:
        return self.open is not None


@dataclass(slots=True)
class Logical:
    """The first logical line of a statement, read leniently."""

    end: int  # the line break ending it, or where reading stopped
    complete: bool = False  # ended by a line break with no bracket or string open
    colon: int = -1  # the first ``:`` outside brackets (a block header's end)
    arrow: int = -1  # the first ``->`` outside brackets (a return annotation's start)
    last: int = -1  # the end of its last significant token
    open_string: bool = False  # a string literal on it is never closed
    in_brackets: bool = False  # reading stopped inside brackets
    cuts: list[Cut] = field(default_factory=list)


def logical_line(data: bytes | bytearray, start: int, stop: int) -> Logical:
    """Read ``data[start:stop]`` up to the first line break outside brackets."""
    top: Open | None = None
    line = Logical(stop, cuts=[])
    cuts = line.cuts
    pos = start
    while pos < stop:
        token = matched(_TOKEN.match(data, pos, stop))
        kind, pos = token.lastgroup, token.end()
        if kind == "space" or kind == "comment":
            continue
        if kind == "nl":
            if top is not None:
                continue
            line.end, line.complete = token.start(), True
            return line
        if kind == "quote":
            pos = line.last = _string(data, token, stop, top, line)
            continue
        byte = data[token.start()]
        if kind == "punct":
            if byte in _OPENERS:
                top = Open(_OPENERS[byte], top)
            elif top is not None and byte == top.closer[0]:
                top = top.below
            elif byte == 0x3A and top is None and line.colon < 0 and not data.startswith(b"=", pos):
                line.colon = token.start()
            elif byte == 0x2D and top is None and line.arrow < 0 and data.startswith(b">", pos):
                line.arrow = token.start()
            line.last = pos
            if byte in _ENDS_OPERAND or byte in _OPENERS:
                cuts.append(Cut(pos, top))
            continue
        line.last = pos
        cuts.append(Cut(pos, top))
    line.in_brackets = top is not None
    return line


def _string(data: bytes | bytearray, token, stop: int, top: Open | None, line: Logical) -> int:
    """Skip a string literal; one never closed may be cut inside and closed."""
    quote = token.group()
    end = matched(_STRING_BODY[quote].match(data, token.end(), stop)).end()
    if data.startswith(quote, end) and end + len(quote) <= stop:
        line.cuts.append(Cut(end + len(quote), top))
        return end + len(quote)
    line.open_string = True
    if len(quote) == 3:  # read as closed at the end of its line
        newline = data.find(b"\n", token.end(), stop)
        end = stop if newline < 0 else newline
        while end > token.end() and data[end - 1] == 0x0D:
            end -= 1
    if end - len(quote) >= token.end():
        line.cuts.append(Cut(end - len(quote), Open(quote, top)))
    return end
