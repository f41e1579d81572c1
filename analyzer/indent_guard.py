"""Keeping tree-sitter-python away from the indentation that crashes it.

tree-sitter-python 0.25's external scanner saves its stack of indentation widths,
two bytes a level, into tree-sitter's 1,024-byte serialization buffer after a
header of ``2 + open string delimiters`` bytes, and checks the size only before
each pair.  With an odd header (one open string) the 511th level writes a byte
past the buffer, and the process dies with SIGSEGV: blocks 511 deep with a
string inside kill the CLI, a worker pool and the language server.  The note
``docs/upstream-tree-sitter-python.md`` has the reproducer.

The stack only ever grows by a width larger than its top, so it holds at most
one level per distinct width the scanner can measure (spaces and tabs after a
line break, ``\\r`` or ``\\f``, across backslash continuations).  A file with
fewer than :data:`SAFE_LEVELS` distinct widths, all below 65,536 (the stack
stores 16 bits), cannot overflow it, whatever the parser's error recovery does;
that check is one regular-expression pass and is all nearly every file costs.

Otherwise, lines nested deeper than :data:`MAX_LEVELS` (CPython's own limit:
its tokenizer refuses the 101st level) are blanked, and if the widths are still
too many, the widest runs are read as no indentation.  Blanking and flattening
replace bytes without moving any, so every offset, row and column stays valid
for the original text; each step is reported as a ``too-deep-to-parse``
diagnostic.

Example::

    >>> deep = "".join(" " * i + "if x:\\n" for i in range(600)).encode()
    >>> guard = guard_indentation(deep)
    >>> len(guard.data) == len(deep), guard.data.count(b"if x:"), len(guard.blanked)
    (True, 101, 499)
    >>> guard_indentation(b"x = 1\\n").data == b"x = 1\\n"
    True
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from . import codes
from .spans import Diagnostic, Span

logger = logging.getLogger(__name__)

MAX_LEVELS = 100        # CPython's tokenizer stops at 100 indentation levels too
SAFE_LEVELS = 256       # the scanner overflows at 384 levels at the earliest (255 open strings)
_MAX_WIDTH = 1 << 16    # the scanner keeps widths in 16 bits; wider ones break the bound

# What the scanner measures after a reset (line break, CR, form feed): spaces,
# tabs (8 columns) and backslash continuations, which do not reset the width, up
# to something else than white space (blank lines never end a measurement).
_WIDTH_RUN = re.compile(rb"[\r\n\f]((?:[ \t]|\\\r?\n)*+)(?=[^ \t\r\n\f])")
_SPACES_RUN = re.compile(rb"\n( *+)(?=[^ \n])")
_BLANKABLE = bytes(range(256)).replace(b"\r", b"").replace(b"\n", b"")
_TO_SPACES = bytes.maketrans(_BLANKABLE, b" " * len(_BLANKABLE))
_TO_FORMFEEDS = bytes.maketrans(b" \t", b"\f\f")


@dataclass(frozen=True, slots=True)
class GuardedBytes:
    """What tree-sitter may parse: ``data`` has the input's length and line breaks.

    ``blanked``: byte ranges of lines nested deeper than :data:`MAX_LEVELS`, now
    spaces; ``flattened``: byte ranges of indentation now read as none."""

    data: bytes
    blanked: tuple[tuple[int, int], ...] = ()
    flattened: tuple[tuple[int, int], ...] = ()

    @property
    def is_changed(self) -> bool:
        return bool(self.blanked or self.flattened)


def _width(run: bytes) -> int:
    return run.count(b" ") + 8 * run.count(b"\t")


def is_safe(data: bytes) -> bool:
    """Whether tree-sitter-python can parse ``data`` without overflowing its stack."""
    if b"\t" in data or b"\r" in data or b"\f" in data or b"\\\n" in data:
        widths = {_width(run) for run in set(_WIDTH_RUN.findall(data))}
    else:   # spaces and line feeds only, as most files: 4 times faster
        widths = set(map(len, _SPACES_RUN.findall(data)))
    return len(widths) < SAFE_LEVELS and max(widths, default=0) < _MAX_WIDTH


def guard_indentation(data: bytes) -> GuardedBytes:
    """``data`` itself when it is safe to parse, else a copy made safe (see the module)."""
    if is_safe(data):
        return GuardedBytes(data)
    blanked = tuple(too_deep_lines(data))
    out = bytearray(data)
    for start, end in blanked:
        out[start:end] = out[start:end].translate(_TO_SPACES)
    flattened: list[tuple[int, int]] = []
    if not is_safe(bytes(out)):
        flattened = _flatten(out)
    logger.info("indentation guard: %d range(s) blanked, %d flattened", len(blanked), len(flattened))
    return GuardedBytes(bytes(out), blanked, tuple(flattened))


def _flatten(out: bytearray) -> list[tuple[int, int]]:
    """Read every run of indentation wider than the safe bound as none (in place)."""
    found = []
    for match in _WIDTH_RUN.finditer(bytes(out)):
        if _width(match.group(1)) >= SAFE_LEVELS - 1:
            start, end = match.span(1)
            out[start:end] = out[start:end].translate(_TO_FORMFEEDS)
            found.append((start, end))
    return found


def guard_diagnostics(guard: GuardedBytes, path: str) -> tuple[Diagnostic, ...]:
    """One ``too-deep-to-parse`` diagnostic per kind of change, at its first place."""
    found = []
    if guard.blanked:
        message = codes.TOO_DEEP_TO_PARSE.format(limit=MAX_LEVELS, count=len(guard.blanked))
        found.append(Diagnostic.build("too-deep-to-parse", message, _span(guard.data, *guard.blanked[0]), path))
    if guard.flattened:
        message = codes.TOO_WIDE_TO_PARSE.format(count=len(guard.flattened), limit=SAFE_LEVELS - 1)
        found.append(Diagnostic.build("too-deep-to-parse", message, _span(guard.data, *guard.flattened[0]), path))
    return tuple(found)


def _span(data: bytes, start: int, end: int) -> Span:
    row = data.count(b"\n", 0, start)
    column = start - (data.rfind(b"\n", 0, start) + 1)
    end_row = row + data.count(b"\n", start, end)
    end_column = end - (data.rfind(b"\n", 0, end) + 1)
    return Span(start, end, row, column, end_row, end_column)


# -- CPython's view of nesting: logical lines and their indentation levels ---------------
_TOKEN = re.compile(rb"""
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
""", re.VERBOSE | re.DOTALL)
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


def too_deep_lines(data: bytes, limit: int = MAX_LEVELS):
    """Byte ranges ``(start, end)`` of the logical lines nested deeper than ``limit``
    levels, reading strings, brackets, comments and continuations as CPython does."""
    stack = [0]
    pos, size = 0, len(data)
    while pos < size:
        indent = _INDENT.match(data, pos)
        body = indent.end()
        if body >= size or data[body] in b"\r\n#":
            pos = _line_end(data, body) if body < size else size   # blank or comment-only
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
