"""Where a Python file's comments start, by one lexical pass instead of a parse.

:mod:`.suppressions` needs two facts of a file with a ``# type: ignore`` in it:
the start byte of every comment (a ``#`` inside a string starts none) and where
the file's first statement starts (the header of comments above it).  A parse
by tree-sitter costs a tenth of a second on a large file; this pass skips
strings (every prefix, triple quotes, escapes, f-strings with their replacement
fields, nested strings and format specs) and costs a few milliseconds.

It answers only where it is sure to give the parser's answer: on anything a
parse could read otherwise it gives up (``None``) and the caller parses:

* a string left open, a newline in a one-line string;
* in an f-string, a ``#``, a backslash or a newline inside a replacement field
  (Python 3.12 allows some; tree-sitter's grammar reads them its own way), a
  quote or a newline in a format spec, ``\\{`` or ``\\}`` in its text (``\\N{NAME}``
  is read alike as an escape or a field),
  an unbalanced bracket;
* a backslash that continues no line, a lone carriage return, a NUL byte;
* a first statement that starts with a backslash, a non-ASCII byte (the
  grammar reads some such characters as white space) or any other byte no
  statement starts with.

The caller also parses when the file has a syntax error (the graph says so):
the parser's recovery can read a broken file's tokens in other ways.

Example::

    >>> comment_starts(b'x = "# no"  # yes\\n')
    ([12], 0)
    >>> comment_starts(b"# header\\nimport os\\n")
    ([0], 9)
    >>> comment_starts(b'f"{x # 3.12 comment\\n}"') is None
    True
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_PREFIXES = frozenset({b"", b"r", b"u", b"b", b"br", b"rb", b"f", b"fr", b"rf", b"t", b"tr", b"rt"})
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | frozenset(range(0x80, 0x100))
# what a statement starts with (not a backslash, nor a byte the grammar may read as white space)
_STATEMENT_START = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@([{-+~*.'\"")
_CODE = re.compile(rb"[#'\"\\]")
_HEADER = re.compile(rb"(?:[ \t\f\r\n]+|#[^\n]*)*")
# The body of a string that is not an f-string, from after its opening quotes to
# after its closing ones: a backslash escapes any byte (a raw string's too, for
# where the string ends), a one-line string meets no line break.
_PLAIN = {
    (b"'", False): re.compile(rb"(?:[^'\\\n]|\\(?:\r\n|[^\r]))*'"),
    (b'"', False): re.compile(rb'(?:[^"\\\n]|\\(?:\r\n|[^\r]))*"'),
    (b"'", True): re.compile(rb"(?:[^'\\]|\\(?:\r\n|[^\r])|'(?!''))*'''"),
    (b'"', True): re.compile(rb'(?:[^"\\]|\\(?:\r\n|[^\r])|"(?!""))*"""'),
}
# What ends a run of an f-string's text, of a replacement field's code, of a format spec.
_TEXT_STOP = {q: re.compile(rb"[\\{}\n]|" + re.escape(q)) for q in (b"'", b'"')}
_FIELD_STOP = re.compile(rb"[#'\"\\\n()\[\]{}:]")
_SPEC_STOP = re.compile(rb"[{}\\\n'\"]")
_NAMED_CHAR = re.compile(rb"\\N\{[A-Za-z0-9 -]+\}")  # \N{DEGREE SIGN}
_OPEN, _CLOSE = frozenset(b"([{"), frozenset(b")]}")

# f-string frames on the scanner's stack: (kind, quote, is_triple, depth)
_TEXT, _FIELD, _SPEC = 0, 1, 2


def comment_starts(data: bytes) -> tuple[list[int], int] | None:
    """The start byte of each comment of ``data`` (Python source, UTF-8 or any
    ASCII-compatible encoding) and the start byte of its first statement
    (``len(data)`` when it has none); ``None`` where a parse must decide (see
    the module docstring)."""
    if b"\0" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    blank = _HEADER.match(data)  # white space and comments: it matches the empty text too
    header = blank.end() if blank is not None else 0
    if header < len(data) and data[header] not in _STATEMENT_START:
        return None
    starts: list[int] = []
    at = 0
    while True:
        found = _CODE.search(data, at)
        if found is None:
            return starts, header
        at = found.start()
        char = data[at]
        if char == 0x23:  # '#': a comment, to the end of its line
            starts.append(at)
            end = data.find(b"\n", at)
            if end < 0:
                return starts, header
            at = end + 1
        elif char == 0x5C:  # a backslash continues the line, or the file is broken
            if data.startswith(b"\n", at + 1):
                at += 2
            elif data.startswith(b"\r\n", at + 1):
                at += 3
            else:
                return None
        else:
            after = _string_end(data, at)
            if after is None:
                return None
            at = after


def _string_end(data: bytes, quote_at: int) -> int | None:
    """The byte after the string whose opening quote is at ``quote_at``."""
    start = quote_at
    while start > 0 and data[start - 1] in _WORD:
        start -= 1
    prefix = data[start:quote_at].lower()
    quote = data[quote_at : quote_at + 1]
    is_triple = data.startswith(quote * 3, quote_at)
    body = quote_at + (3 if is_triple else 1)
    if prefix not in _PREFIXES or not (b"f" in prefix or b"t" in prefix):
        found = _PLAIN[quote, is_triple].match(data, body)
        return None if found is None else found.end()
    return _fstring_end(data, quote, is_triple, body)


def _fstring_end(data: bytes, quote: bytes, is_triple: bool, at: int) -> int | None:
    """The byte after an f-string whose text starts at ``at``: its replacement
    fields read as code (nested strings, brackets), their format specs as text."""
    stack = [(_TEXT, quote, is_triple, 0)]
    while stack:
        kind, quote, is_triple, depth = stack[-1]
        if kind == _TEXT:
            step = _text_step(data, quote, is_triple, at)
        elif kind == _FIELD:
            step = _field_step(data, is_triple, depth, at)
        else:
            step = _spec_step(data, at)
        if step is None:
            return None
        at, action, pushed = step
        if action == "pop":
            stack.pop()
        elif action == "depth":
            stack[-1] = (kind, quote, is_triple, pushed[3])
        elif action == "spec":
            stack[-1] = (_SPEC, quote, is_triple, 0)
        elif action == "push":
            stack.append(pushed)
    return at


_Step = tuple[int, str, tuple[int, bytes, bool, int]]
_NONE: tuple[int, bytes, bool, int] = (0, b"", False, 0)


def _text_step(data: bytes, quote: bytes, is_triple: bool, at: int) -> _Step | None:
    """One step through an f-string's text: to its end, or into a replacement field."""
    while True:
        found = _TEXT_STOP[quote].search(data, at)
        if found is None:
            return None
        at = found.start()
        char = data[at : at + 1]
        if char == b"\n":
            if not is_triple:
                return None
            at += 1
        elif char == b"\\":
            named = _NAMED_CHAR.match(data, at)  # read alike as an escape or as a field
            if named is not None:
                at = named.end()
            elif data[at + 1 : at + 2] in (b"{", b"}", b"N", b""):
                return None
            else:
                at += 3 if data.startswith(b"\r\n", at + 1) else 2
        elif char == b"{":
            if data.startswith(b"{", at + 1):
                at += 2
            else:
                return at + 1, "push", (_FIELD, quote, is_triple, 0)
        elif char == b"}":
            at += 2 if data.startswith(b"}", at + 1) else 1
        elif not is_triple:
            return at + 1, "pop", _NONE
        elif data.startswith(quote * 3, at):
            return at + 3, "pop", _NONE
        else:
            at += 1


def _field_step(data: bytes, is_triple: bool, depth: int, at: int) -> _Step | None:
    """One step through a replacement field's code (``depth``: brackets open in it)."""
    found = _FIELD_STOP.search(data, at)
    if found is None:
        return None
    at = found.start()
    char = data[at]
    if char in (0x23, 0x5C):  # a comment or a backslash in a field: the parser decides
        return None
    if char == 0x0A:
        return (at + 1, "depth", (_FIELD, b"", is_triple, depth)) if is_triple else None
    if char in (0x27, 0x22):  # a nested string, an f-string too
        end = _string_end(data, at)
        return None if end is None else (end, "depth", (_FIELD, b"", is_triple, depth))
    if char in _OPEN:
        return at + 1, "depth", (_FIELD, b"", is_triple, depth + 1)
    if char in _CLOSE:
        if depth > 0:
            return at + 1, "depth", (_FIELD, b"", is_triple, depth - 1)
        return (at + 1, "pop", _NONE) if char == 0x7D else None
    if depth == 0:  # ':' outside brackets starts the format spec
        return at + 1, "spec", _NONE
    return at + 1, "depth", (_FIELD, b"", is_triple, depth)


def _spec_step(data: bytes, at: int) -> _Step | None:
    """One step through a format spec: its end (the field's), or a nested field."""
    found = _SPEC_STOP.search(data, at)
    if found is None:
        return None
    at = found.start()
    if data[at] == 0x7B:
        return at + 1, "push", (_FIELD, b"", False, 0)
    if data[at] == 0x7D:
        return at + 1, "pop", _NONE
    return None
