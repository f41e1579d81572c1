"""Keeping tree-sitter-python away from input that crashes or stalls it.

**The crash.**  tree-sitter-python 0.25's external scanner saves its stack of
indentation widths, two bytes a level, into tree-sitter's 1,024-byte
serialization buffer after a header of ``2 + open string delimiters`` bytes, and
checks the size only before each pair.  With an odd header (one open string)
the 511th level writes a byte past the buffer, and the process dies with
SIGSEGV: blocks 511 deep with a string inside kill the CLI, a worker pool and
the language server (``docs/upstream-tree-sitter-python.md`` has the
reproducer).  The stack only grows by a width larger than its top, so it holds
at most one level per distinct width the scanner can measure (spaces and tabs
after a line break, ``\\r`` or ``\\f``, across backslash continuations).  A file
with fewer than :data:`SAFE_LEVELS` distinct widths, all below 65,536 (the stack
stores 16 bits), cannot overflow it, whatever the parser's error recovery does.
Otherwise lines nested deeper than :data:`MAX_LEVELS` (CPython's own limit: its
tokenizer refuses the 101st level) are blanked, and if the widths are still too
many, the widest runs are read as no indentation.

**The stall.**  Each line that holds only a backslash continuation makes the
scanner skip every such line after it: 20,000 of them in a row take 3-10 s,
40,000 four times that.  Runs longer than :data:`MAX_EMPTY_CONTINUATIONS` are
blanked.

Nearly every file costs one regular-expression pass (8 ms/MB) and is parsed as
it is.  Blanking and flattening replace bytes without moving any, so every
offset, row and column stays valid for the original text; each change is
reported as a ``parser-limit`` diagnostic.

Example::

    >>> deep = "".join(" " * i + "if x:\\n" for i in range(600)).encode()
    >>> guard = guard_input(deep)
    >>> len(guard.data) == len(deep), guard.data.count(b"if x:"), len(guard.blanked)
    (True, 101, 499)
    >>> guard_input(b"x = 1\\n").data == b"x = 1\\n"
    True
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Iterator

from . import codes
from .matching import matched
from .spans import Diagnostic, Span

logger = logging.getLogger(__name__)

MAX_LEVELS = 100  # CPython's tokenizer stops at 100 indentation levels too
SAFE_LEVELS = 256  # the scanner overflows at 384 levels at the earliest (255 open strings)
MAX_EMPTY_CONTINUATIONS = 1000
_MAX_WIDTH = 1 << 16  # the scanner keeps widths in 16 bits; wider ones break the bound

# What the scanner measures after a reset (line break, CR, form feed): spaces,
# tabs (8 columns) and backslash continuations, which do not reset the width.
# Group 2 is the character that ends the run: empty for white space or the end,
# which never end a measurement (the lookahead always matches, so each run is
# read once: a failing one would make 20,000 continuations quadratic).
_WIDTH_RUN = re.compile(rb"[\r\n\f]((?:[ \t]|\\\r?\n)*+)(?=([^ \t\r\n\f]?))")
_SPACES_RUN = re.compile(rb"\n( *+)(?=[^ \n])")
_EMPTY_CONTINUATIONS = re.compile(rb"(?:^[ \t\f]*\\\r?\n){%d,}" % (MAX_EMPTY_CONTINUATIONS + 1), re.MULTILINE)
_BLANKABLE = bytes(range(256)).replace(b"\r", b"").replace(b"\n", b"")
_TO_SPACES = bytes.maketrans(_BLANKABLE, b" " * len(_BLANKABLE))
_TO_FORMFEEDS = bytes.maketrans(b" \t", b"\f\f")

Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True, eq=False)  # a holder: compared by identity, never a key
class GuardedBytes:
    """What tree-sitter may parse: ``data`` has the input's length and line breaks.

    ``continued``: runs of empty continuation lines, now spaces; ``blanked``:
    lines nested deeper than :data:`MAX_LEVELS`, now spaces; ``flattened``:
    indentation now read as none (form feeds)."""

    data: bytes
    continued: Ranges = ()
    blanked: Ranges = ()
    flattened: Ranges = ()

    @property
    def is_changed(self) -> bool:
        return bool(self.continued or self.blanked or self.flattened)


def _width(run: bytes) -> int:
    return run.count(b" ") + 8 * run.count(b"\t")


def _widths(data: bytes) -> set[int]:
    """Every indentation width the scanner may push, as an upper bound."""
    if b"\t" in data or b"\r" in data or b"\f" in data or b"\\\n" in data:
        return {_width(run) for run, end in set(_WIDTH_RUN.findall(data)) if end}
    return set(map(len, _SPACES_RUN.findall(data)))  # spaces and line feeds only: 4 times faster


def is_safe(data: bytes) -> bool:
    """Whether tree-sitter-python can parse ``data`` without overflowing its stack."""
    widths = _widths(data)
    return len(widths) < SAFE_LEVELS and max(widths, default=0) < _MAX_WIDTH


def _has_long_continuations(data: bytes) -> bool:
    return data.count(b"\\\n") > MAX_EMPTY_CONTINUATIONS and _EMPTY_CONTINUATIONS.search(data) is not None


def guard_input(data: bytes) -> GuardedBytes:
    """``data`` itself when it is safe to parse, else a copy made safe (see the module)."""
    long_runs = _has_long_continuations(data)
    if not long_runs and is_safe(data):
        return GuardedBytes(data)
    out = bytearray(data)
    continued = _blank(out, [m.span() for m in _EMPTY_CONTINUATIONS.finditer(data)] if long_runs else [])
    blanked = _blank(out, list(too_deep_lines(bytes(out))))
    flattened = () if is_safe(bytes(out)) else _flatten(out)
    logger.info(
        "parse guard: %d continuation run(s), %d deep line(s) blanked, %d indentation(s) flattened",
        len(continued),
        len(blanked),
        len(flattened),
    )
    return GuardedBytes(bytes(out), continued, blanked, flattened)


def _blank(out: bytearray, ranges: list[tuple[int, int]]) -> Ranges:
    """Turn ``ranges`` of ``out`` into spaces, line breaks kept (in place)."""
    for start, end in ranges:
        out[start:end] = out[start:end].translate(_TO_SPACES)
    return tuple(ranges)


def _flatten(out: bytearray) -> Ranges:
    """Read every run of indentation wider than the safe bound as none (in place)."""
    found = []
    for match in _WIDTH_RUN.finditer(bytes(out)):
        if _width(match.group(1)) >= SAFE_LEVELS - 1:
            start, end = match.span(1)
            out[start:end] = out[start:end].translate(_TO_FORMFEEDS)
            found.append((start, end))
    return tuple(found)


def guard_diagnostics(guard: GuardedBytes, path: str) -> tuple[Diagnostic, ...]:
    """One ``parser-limit`` diagnostic per kind of change, at its first place."""
    messages = (
        (
            guard.continued,
            codes.TOO_MANY_CONTINUATIONS.format(count=len(guard.continued), limit=MAX_EMPTY_CONTINUATIONS),
        ),
        (guard.blanked, codes.TOO_DEEP_TO_PARSE.format(limit=MAX_LEVELS, count=len(guard.blanked))),
        (guard.flattened, codes.TOO_WIDE_TO_PARSE.format(count=len(guard.flattened), limit=SAFE_LEVELS - 1)),
    )
    return tuple(
        Diagnostic.build("parser-limit", message, _span(guard.data, *ranges[0]), path)
        for ranges, message in messages
        if ranges
    )


def _span(data: bytes, start: int, end: int) -> Span:
    row = data.count(b"\n", 0, start)
    column = start - (data.rfind(b"\n", 0, start) + 1)
    end_row = row + data.count(b"\n", start, end)
    end_column = end - (data.rfind(b"\n", 0, end) + 1)
    return Span(start, end, row, column, end_row, end_column)


# -- CPython's view of nesting: logical lines and their indentation levels ---------------
_TOKEN = re.compile(
    rb"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
              |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
              |'(?:[^'\\\r\n]|\\.)*(?:'|(?=[\r\n])|\Z)
              |"(?:[^"\\\r\n]|\\.)*(?:"|(?=[\r\n])|\Z))
  | (?P<comment>\#[^\r\n]*)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<continuation>\\\r?\n)
  | (?P<newline>\r\n|\r|\n)
  | [^'"\#()\[\]{}\\\r\n]+
  | .
""",
    re.VERBOSE | re.DOTALL,
)
_INDENT = re.compile(rb"[ \t\f]*")


def _column(indent: bytes) -> int:
    """CPython's column of an indentation: tabs to the next multiple of 8, form feed resets."""
    column = 0
    for byte in indent:
        if byte == 0x0C:
            column = 0
        elif byte == 0x09:
            column = (column // 8 + 1) * 8
        else:
            column += 1
    return column


def too_deep_lines(data: bytes, limit: int = MAX_LEVELS) -> Iterator[tuple[int, int]]:
    """Byte ranges ``(start, end)`` of the logical lines nested deeper than ``limit``
    levels, reading strings, brackets, comments and continuations as CPython does."""
    stack = [0]
    pos, size = 0, len(data)
    while pos < size:
        indent = matched(_INDENT.match(data, pos))
        body = indent.end()
        if body >= size or data[body] in b"\r\n#":
            pos = _line_end(data, body) if body < size else size  # blank or comment-only
            continue
        column = _column(indent.group())
        while column < stack[-1]:
            stack.pop()
        if column > stack[-1]:
            stack.append(column)
        end = _logical_end(data, body)
        if len(stack) - 1 > limit:
            yield pos, end
        pos = end


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _line_end(data: bytes, pos: int) -> int:
    match = _LINE_BREAK.search(data, pos)
    return match.end() if match else len(data)


def _logical_end(data: bytes, pos: int) -> int:
    """Where the logical line starting at ``pos`` ends (after its line break)."""
    depth = 0
    for match in _TOKEN.finditer(data, pos):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "newline" and depth == 0:
            return match.end()
    return len(data)
