"""Statement-level recovery: one broken statement must not blind the rest of the file.

While a user types, the buffer is seldom Python.  tree-sitter recovers from most
slips, but an open bracket (``def broken(x:``) makes one ``ERROR`` node run to the
end of the file, and every definition below it disappears from the graph; a
header without its colon moves the methods after it out of their class.

Recovery confines each error to the smallest block that indentation delimits:

1. the text is cut into statements by indentation alone (a line at the block's
   indentation, outside any string, starts a statement; ``else``/``except`` and
   decorators stay with their statement, a line starting with a closer with the
   one before);
2. a statement is parsed on its own; one that parses is left as it is;
3. a broken compound statement keeps its header (repaired if need be) and its body
   is recovered statement by statement, one level deeper;
4. a broken header, or a statement that leaves a bracket or string open, is cut
   after its last token that leaves a completable prefix, and what is still open is
   closed (``def broken(x):``, ``foo(a)``, ``'ab'``, ``if x:``) in the bytes the cut
   freed; what still does not parse reads as blank lines;
5. a broken statement that leaves nothing open (``y = = 2``) is left to
   tree-sitter, whose own recovery keeps more of it, as long as the statement
   holding each error of the re-parsed file stays inside it (else it is cut too);
6. a statement dedented to no enclosing level, which tree-sitter reads without an
   error at whatever level comes nearest, reads as blank.

Every rewrite keeps the length of the text and its line breaks, so every node of
the recovered tree spans the source's own bytes, rows and columns; each rewritten
statement is reported by the errors of its own parse, which stay inside it.  Valid
code is never touched: recovery runs only on a tree with an error (or a misaligned
statement), and only on the statements of the region that error lies in.  Work is
bounded by a budget of bytes parsed (a few times the file) and a nesting depth.

Example::

    >>> data = b"def broken(x:  # typing\\n    return x\\n\\nclass Fine:\\n    pass\\n"
    >>> rec = recover_tree(data, parse_bytes(data))
    >>> rec.patched.decode()
    'def broken(x):         \\n    return x\\n\\nclass Fine:\\n    pass\\n'
    >>> rec.tree.root_node.has_error, [data[s:e].decode() for s, e in rec.broken]
    (False, ['def broken(x:  # typing\\n    return x\\n\\n'])
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import threading
from dataclasses import dataclass

from tree_sitter import Point, Tree

from . import codes
from .parsing import PYTHON, parse_bytes
from .repair import read_dots, repair_dangling_dots
from .spans import Diagnostic, Span

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecoveryLimits:
    """Bounds on recovery work: bytes parsed on trial (``work_factor`` times the
    file plus ``min_work``), block nesting followed, cut points tried per statement."""

    work_factor: int = 4
    min_work: int = 1 << 16
    max_depth: int = 40
    max_cuts: int = 16
    max_merge: int = 8

    def __post_init__(self) -> None:
        for name in ("work_factor", "min_work", "max_depth", "max_cuts", "max_merge"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must not be negative")


DEFAULT_LIMITS = RecoveryLimits()
_LEAK_ROUNDS = 3            # re-parses that may find a statement left to tree-sitter leaking


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """An error or missing token found by parsing one broken statement on its own."""

    start_byte: int
    end_byte: int
    missing: str | None        # the token tree-sitter would insert, or None for an error


@dataclass(frozen=True, slots=True)
class Recovery:
    """A tree for a buffer with syntax errors, and what was read differently.

    ``tree`` is the tree of ``patched``: the source with each dangling dot (see
    :mod:`.repair`) and each broken statement rewritten in place, same length and
    same line breaks, so its spans are the source's own.  ``broken`` lists the byte
    ranges of the statements that did not parse on their own (outermost first);
    ``problems`` the errors their own parses found.
    """

    tree: Tree
    patched: bytes
    dots: tuple[int, ...] = ()
    broken: tuple[tuple[int, int], ...] = ()
    problems: tuple[SyntaxProblem, ...] = ()

    def is_broken_at(self, offset: int) -> bool:
        """Whether byte ``offset`` lies in a statement that did not parse."""
        return any(start <= offset < end for start, end in self.broken)


def recover_tree(data: bytes, tree: Tree, limits: RecoveryLimits = DEFAULT_LIMITS,
                 known_valid: "ValidityCache | None" = None, previous: Recovery | None = None) -> Recovery:
    """The recovered tree of ``data`` (whose parse is ``tree``); ``tree`` itself,
    untouched, when it has no error.  An editor passes what it kept of the
    document's earlier versions: ``known_valid`` remembers which statements parse
    alone, and the recovered tree is parsed incrementally from ``previous``."""
    misaligned = () if tree.root_node.has_error else misaligned_statements(tree, data)
    if not tree.root_node.has_error and not misaligned:
        return Recovery(tree, data)
    dots: tuple[int, ...] = ()
    repaired = repair_dangling_dots(data, tree)
    if repaired is not None:
        tree, dots = repaired
        data = read_dots(data, dots)
        misaligned = () if tree.root_node.has_error else misaligned_statements(tree, data)
        if not tree.root_node.has_error and not misaligned:
            return Recovery(tree, data, dots)
    region = _error_region(tree, misaligned)
    fixer = _Fixer(data, limits, known_valid, _origin(tree, region[0]))
    fixer.run(region)
    if fixer.changed:
        tree = _reparse(fixer, previous)
    for _ in range(_LEAK_ROUNDS):
        leaks = _leaking(tree, fixer.sealed) if tree.root_node.has_error else []
        if not leaks:
            break
        for unit in leaks:
            fixer.sealed.remove(unit)
            fixer.close_or_blank(unit[0], unit[1])
        tree = _reparse(fixer, previous)
    patched = bytes(fixer.buf) if fixer.changed else data
    return Recovery(tree, patched, dots, tuple(fixer.broken), tuple(fixer.problems))


def recovery_diagnostics(recovery: Recovery, data: bytes, path: str = "") -> tuple[Diagnostic, ...]:
    """What the recovery read differently, as diagnostics on ``data``: each dangling
    dot (``missing-token``, spanning the dot) and each error the parse of a broken
    statement on its own found (``syntax-error`` or ``missing-token``)."""
    if not recovery.dots and not recovery.problems:
        return ()
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    found = [Diagnostic.build("missing-token", codes.MISSING_MEMBER, _span(starts, dot, dot + 1), path)
             for dot in recovery.dots]
    for problem in recovery.problems:
        span = _span(starts, problem.start_byte, problem.end_byte)
        if problem.missing is not None:
            found.append(Diagnostic.build("missing-token", codes.MISSING_TOKEN.format(token=problem.missing), span, path))
        else:
            snippet = data[problem.start_byte:min(problem.end_byte, problem.start_byte + 20)]
            snippet_text = snippet.decode("utf-8", "replace").split("\n")[0]
            found.append(Diagnostic.build("syntax-error", codes.SYNTAX_ERROR.format(snippet=snippet_text), span, path))
    return tuple(found)


def _span(line_starts: list[int], start: int, end: int) -> Span:
    first = bisect.bisect_right(line_starts, start) - 1
    last = bisect.bisect_right(line_starts, end) - 1
    return Span(start, end, first, start - line_starts[first], last, end - line_starts[last])


def _reparse(fixer: "_Fixer", previous: Recovery | None) -> Tree:
    """The tree of the fixer's buffer: incrementally from ``previous`` where that
    tree has no error and neither has the result, else afresh (re-using a broken
    tree can cost more than it saves: 13 s against 1 s on 5,000 nested blocks)."""
    patched = bytes(fixer.buf)
    if previous is None or previous.tree.root_node.has_error:
        return parse_bytes(patched)
    old = previous.patched
    start = _common_prefix(old, patched)
    tail = _common_prefix(old[start:][::-1], patched[start:][::-1])
    if start == len(old) == len(patched):
        return previous.tree
    tree = previous.tree.copy()
    tree.edit(start_byte=start, old_end_byte=len(old) - tail, new_end_byte=len(patched) - tail,
              start_point=_point(old, start), old_end_point=_point(old, len(old) - tail),
              new_end_point=_point(patched, len(patched) - tail))
    tree = parse_bytes(patched, tree)
    # tree-sitter's error recovery may read an error differently when re-using
    # a tree; the editor and the command line must agree on a half-typed file
    return parse_bytes(patched) if tree.root_node.has_error else tree


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix of ``a`` and ``b`` (by halving)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _point(data: bytes, offset: int) -> Point:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return Point(data.count(b"\n", 0, offset), offset - line_start)


def _leaking(tree: Tree, sealed: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The statements ``(start, end, cover)`` left to tree-sitter whose error it
    did not keep inside them: the statement holding the error starts before or
    ends after them, or ends before ``cover`` (a block whose body it lost)."""
    if not sealed:
        return []
    sealed = sorted(sealed)
    starts = [unit[0] for unit in sealed]
    leaks: set[tuple[int, int, int]] = set()
    for node in _error_nodes(tree, 64):
        statement = node
        for _ in range(256):
            parent = statement.parent
            if parent is None or parent.type in ("block", "module"):
                break
            statement = parent
        start, end = statement.start_byte, max(statement.end_byte, statement.start_byte + 1)
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(sealed) and sealed[i][0] < end:
            unit = sealed[i]
            if unit[1] > start and (start < unit[0] or end > unit[1] or end < unit[2]):
                leaks.add(unit)
            i += 1
    return sorted(leaks)


def _error_region(tree: Tree, misaligned: tuple[int, ...] = ()) -> tuple[int, int]:
    """From the first top-level statement holding an error (or a misaligned
    statement) to the end of the last: the cause of an error lies at or after the
    start of the statement it breaks."""
    root = tree.root_node
    start = end = None
    if not root.is_error:
        for child in root.children:
            if child.has_error or any(child.start_byte <= at < child.end_byte for at in misaligned):
                start = child.start_byte if start is None else start
                end = child.end_byte
    if start is None:
        return 0, root.end_byte
    return start, end


def _origin(tree: Tree, offset: int) -> int:
    """The start of the last top-level statement at the left margin starting at or
    before ``offset``: where reading the text's lines can safely begin."""
    origin = 0
    root = tree.root_node
    if root.is_error:
        return 0
    for child in root.children:
        if child.start_byte > offset:
            break
        if child.start_point.column == 0 and not child.is_error:
            origin = child.start_byte
    return origin


def misaligned_statements(tree: Tree, data: bytes, most: int = 16) -> tuple[int, ...]:
    """The starts of statements that begin their line at another column than the
    first statement of their block (``unindent does not match any outer
    indentation level``: tree-sitter reads them without an error, at whatever
    level comes nearest, which moves every method after them out of the class)."""
    found: list[int] = []
    cursor = tree.walk()
    while len(found) < most:
        node = cursor.node
        kind = node.kind_id
        if kind in _BLOCK_KINDS:
            _misaligned_in(node, data, found)
        if kind in _HOLDS_BLOCKS and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return tuple(found)
    return tuple(found)


def _misaligned_in(block, data: bytes, found: list[int]) -> None:
    column = None
    for child in block.named_children:
        if child.kind_id == _COMMENT_KIND:
            continue
        start = child.start_byte
        line_start = data.rfind(b"\n", 0, start) + 1
        if data[line_start:start].strip(b" \t\f"):
            continue                    # after a ``;`` or a header's colon on the same line
        if column is None:
            column = start - line_start
        elif start - line_start != column:
            found.append(start)


class ValidityCache:
    """Whether statement texts (by a 16-byte digest) parse on their own: a
    document's statements below the one being typed do not change between
    keystrokes.  Bounded (oldest out first); safe to share between threads."""

    def __init__(self, size: int = 4096) -> None:
        if size < 1:
            raise ValueError(f"size={size!r} must be at least 1; pass how many statements to remember")
        self._size = size
        self._known: dict[bytes, bool] = {}
        self._lock = threading.Lock()

    def get(self, key: bytes) -> bool | None:
        return self._known.get(key)

    def put(self, key: bytes, valid: bool) -> None:
        with self._lock:
            if len(self._known) >= self._size:
                self._known.pop(next(iter(self._known)))
            self._known[key] = valid


# -- the text's lines, as indentation sees them ---------------------------------------------

_INDENT = re.compile(rb"[ \t\f]*")
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
_CLAUSES = frozenset({b"else", b"elif", b"except", b"finally"})
_COMPOUND = frozenset({b"def", b"class", b"if", b"elif", b"else", b"for", b"while", b"with", b"try",
                       b"except", b"finally", b"async", b"match", b"case"})
_CLOSERS = frozenset(b")]}")
_MAX_BROKEN_STRINGS = 256


def _width(indent: bytes) -> int:
    """Indentation as tree-sitter's scanner counts it: a tab is 8, a form feed resets."""
    width = 0
    for c in indent:
        width = width + 8 if c == 0x09 else (0 if c == 0x0C else width + 1)
    return width


class _Lines:
    """Per line from ``origin`` (a statement's start, outside any string) on: where
    it starts, its indentation, whether it is blank (or only a comment) and whether
    it starts outside any string or continuation.  Lines before read as blank."""

    def __init__(self, data: bytes, origin: int = 0) -> None:
        self.data = data
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
        if self.starts[-1] != len(data):
            self.starts.append(len(data))     # the end of the last line
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
            body = _STRING_BODY[token].match(data, found.end())
            end = body.end()
            closed = data.startswith(token, end)
            if len(token) == 3 and broken < _MAX_BROKEN_STRINGS and self._opened_while_typing(found.start(), end, closed):
                broken += 1
                pos = data.find(b"\n", found.end())      # read as closed at the end of its line
                pos = len(data) if pos < 0 else pos
                continue
            end += len(token) if closed else 0
            self._unfresh(found.start(), end)
            pos = end

    def _opened_while_typing(self, start: int, end: int, closed: bool) -> bool:
        if not closed:
            return True
        line_start = self.data.rfind(b"\n", 0, start) + 1
        own = _width(_INDENT.match(self.data, line_start).group())
        found = _DEF_IN_STRING.search(self.data, start, end)
        return found is not None and _width(found.group(1)) <= own

    def _unfresh(self, start: int, end: int) -> None:
        """Lines starting strictly inside ``[start, end)`` continue a token."""
        first, last = self.row_of(start) + 1, self.row_of(max(start, end - 1))
        for row in range(first, min(last, self.count - 1) + 1):
            self.fresh[row] = 0


# -- tokens of one statement: where it may be cut, and what is open there ---------------------

_TOKEN = re.compile(rb"(?P<space>[ \t\f]+|\\\r?\n)|(?P<nl>\r?\n)|(?P<comment>#[^\n]*)"
                    rb"|(?P<quote>'''|\"\"\"|'|\")|(?P<word>[\w\x80-\xff]+)|(?P<punct>.)", re.S)
_OPENERS = {0x28: b")", 0x5B: b"]", 0x7B: b"}"}
_ENDS_OPERAND = frozenset(b")]},")


class _Open:
    """A bracket (or string) open at some point: a persistent stack, so that a cut
    keeps what is open at it in constant time."""

    __slots__ = ("closer", "depth", "below")

    def __init__(self, closer: bytes, below: "_Open | None") -> None:
        self.closer = closer
        self.below = below
        self.depth = len(closer) + (below.depth if below is not None else 0)


def _closing(top: _Open | None) -> bytes:
    parts = []
    while top is not None:
        parts.append(top.closer)
        top = top.below
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class _Cut:
    """Keep the text before ``at``; what is open there is closed by ``_closing(open)``."""

    at: int
    open: _Open | None

    @property
    def in_brackets(self) -> bool:
        return self.open is not None


@dataclass(slots=True)
class _Logical:
    """The first logical line of a statement, read leniently."""

    end: int                   # the line break ending it, or where reading stopped
    complete: bool = False     # ended by a line break with no bracket or string open
    colon: int = -1            # the first ``:`` outside brackets (a block header's end)
    last: int = -1             # the end of its last significant token
    open_string: bool = False  # a string literal on it is never closed
    in_brackets: bool = False  # reading stopped inside brackets
    cuts: list[_Cut] | None = None


def _logical_line(data: bytes, start: int, stop: int) -> _Logical:
    """Read ``data[start:stop]`` up to the first line break outside brackets."""
    top: _Open | None = None
    line = _Logical(stop, cuts=[])
    cuts = line.cuts
    pos = start
    while pos < stop:
        token = _TOKEN.match(data, pos, stop)
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
                top = _Open(_OPENERS[byte], top)
            elif top is not None and byte == top.closer[0]:
                top = top.below
            elif byte == 0x3A and top is None and line.colon < 0 and not data.startswith(b"=", pos):
                line.colon = token.start()
            line.last = pos
            if byte in _ENDS_OPERAND or byte in _OPENERS:
                cuts.append(_Cut(pos, top))
            continue
        line.last = pos
        cuts.append(_Cut(pos, top))
    line.in_brackets = top is not None
    return line


def _string(data: bytes, token, stop: int, top: _Open | None, line: _Logical) -> int:
    """Skip a string literal; one never closed may be cut inside and closed."""
    quote = token.group()
    end = _STRING_BODY[quote].match(data, token.end(), stop).end()
    if data.startswith(quote, end) and end + len(quote) <= stop:
        line.cuts.append(_Cut(end + len(quote), top))
        return end + len(quote)
    line.open_string = True
    if len(quote) == 3:     # read as closed at the end of its line
        newline = data.find(b"\n", token.end(), stop)
        end = stop if newline < 0 else newline
        while end > token.end() and data[end - 1] == 0x0D:
            end -= 1
    if end - len(quote) >= token.end():
        line.cuts.append(_Cut(end - len(quote), _Open(quote, top)))
    return end


# -- the fixer: statements by indentation, each parsed alone ----------------------------------

_STUB_DEF = b"def _(): ..."
_SOFT = frozenset({b"match", b"case"})
_BLOCK_KINDS = frozenset(PYTHON.id_for_node_kind(kind, True) for kind in ("module", "block"))
_HOLDS_BLOCKS = _BLOCK_KINDS | frozenset(PYTHON.id_for_node_kind(kind, True) for kind in (
    "function_definition", "class_definition", "decorated_definition", "if_statement", "elif_clause",
    "else_clause", "for_statement", "while_statement", "try_statement", "except_clause", "except_group_clause",
    "finally_clause", "with_statement", "match_statement", "case_clause")) - {None}
_COMMENT_KIND = PYTHON.id_for_node_kind("comment", True)
_REPORT_BYTES = 1 << 16
_IN_PLACE_CUTS = 3          # the last cuts where closers may go over the spaces after them


class _Fixer:
    """Rewrites broken statements of ``buf`` in place (same length, same line breaks)."""

    def __init__(self, data: bytes, limits: RecoveryLimits, known_valid: ValidityCache | None,
                 origin: int = 0) -> None:
        self.buf = bytearray(data)
        self.lines = _Lines(data, origin)
        self.limits = limits
        self.work = limits.work_factor * len(data) + limits.min_work
        self.known = known_valid
        self.first_change = len(data)
        self.broken: list[tuple[int, int]] = []
        self.problems: list[SyntaxProblem] = []
        # broken statements left to tree-sitter: (start, end, where its statement must reach)
        self.sealed: list[tuple[int, int, int]] = []

    @property
    def changed(self) -> bool:
        return self.first_change < len(self.buf)

    # -- trial parses, within the budget
    def _parse(self, text: bytes) -> Tree | None:
        if len(text) > self.work:
            self.work = 0
            return None
        self.work -= len(text)
        return parse_bytes(text)

    def _valid(self, start: int, end: int, suffix: bytes = b"") -> bool | None:
        """Whether ``buf[start:end] + suffix`` parses alone; ``None`` over budget."""
        text = bytes(memoryview(self.buf)[start:end]) + suffix
        key = hashlib.blake2b(text, digest_size=16).digest() if self.known is not None else b""
        known = self.known.get(key) if self.known is not None else None
        if known is not None:
            return known
        tree = self._parse(text)
        if tree is None:
            return None
        valid = not tree.root_node.has_error and not misaligned_statements(tree, text, 1)
        if self.known is not None:
            self.known.put(key, valid)
        return valid

    def _span(self, first: int, stop: int) -> tuple[int, int]:
        """The bytes of rows ``[first, stop)``."""
        starts = self.lines.starts
        return starts[first], starts[min(stop, self.lines.count)]

    def _row_ok(self, row: int) -> bool:
        """The row starts something: not blank, not inside a string or continuation."""
        return bool(self.lines.fresh[row]) and not self.lines.blank[row]

    # -- statements by indentation
    def run(self, region: tuple[int, int]) -> None:
        lines = self.lines
        if lines.count == 0:
            return
        first = lines.row_of(region[0])
        # the error's top-level statement by indentation (tree-sitter may have
        # ended it early: a method after a broken header reads as top-level)
        while first > lines.first and not (self._row_ok(first) and lines.indent[first] == 0
                                 and lines.first_byte(first) not in _CLOSERS
                                 and lines.first_word(first) not in _CLAUSES):
            first -= 1
        last = lines.row_of(max(region[0], region[1] - 1)) + 1
        units = [unit for unit in self._split(first, lines.count, lines.indent[first]) if unit[0] < last]
        self._fix_units(units, 0)

    def _split(self, first: int, stop: int, level: int) -> list[tuple[int, int]]:
        """Rows ``[first, stop)`` cut into statements at lines indented at most
        ``level``; decorators and clauses (``else:``) stay with their statement."""
        lines, heads = self.lines, []
        decorated = False
        for row in range(first, stop):
            if not self._row_ok(row) or lines.indent[row] > level:
                continue
            if lines.first_byte(row) in _CLOSERS or (heads and lines.first_word(row) in _CLAUSES):
                continue
            if not decorated:
                heads.append(row)
            decorated = lines.first_byte(row) == 0x40       # '@'
        return list(zip(heads, heads[1:] + [stop]))

    def _fix_units(self, units: list[tuple[int, int]], depth: int, known_broken: bool = True) -> None:
        """Recover each statement of one block that does not parse alone; the one
        statement of a broken parent is broken (``known_broken``: no need to parse)."""
        i = 0
        while i < len(units):
            a, b = units[i]
            start, end = self._span(a, b)
            valid = False if len(units) == 1 and known_broken else self._valid(start, end)
            if valid is None:
                return              # over budget: the rest stays as tree-sitter read it
            if valid:
                i += 1
                continue
            line = _logical_line(self.buf, self.lines.text_at[a], end)
            joined = self._joined(units, i) if line.in_brackets and not line.open_string else i + 1
            if joined == i + 1:
                self._fix(a, b, depth, line)
            i = joined

    def _joined(self, units: list[tuple[int, int]], i: int) -> int:
        """Where a statement split at a line inside brackets it leaves open (``foo(``
        then ``1)`` at the left margin) parses once joined with the statements after
        it: the index after the last of them; else ``i + 1``."""
        a = units[i][0]
        last = min(len(units), i + 1 + self.limits.max_merge) - 1
        start, end = self._span(a, units[last][1])
        line = _logical_line(self.buf, self.lines.text_at[a], end)
        if not line.complete:
            return i + 1
        row = self.lines.row_of(line.end)
        j = next(k for k in range(i, last + 1) if units[k][0] <= row < units[k][1]) + 1
        if j > i + 1 and self._valid(start, self._span(a, units[j - 1][1])[1]):
            return j
        return i + 1

    def _fix(self, a: int, b: int, depth: int, line: _Logical) -> None:
        """Make rows ``[a, b)``, one broken statement with its body (its first
        logical line ``line``), parse in place."""
        start, end = self._span(a, b)
        self.broken.append((start, end))
        if depth >= self.limits.max_depth:
            self._give_up(start, end)
        elif self.lines.first_byte(a) == 0x40:
            self._fix_decorated(a, b, depth)
        elif self._is_compound(a, line):
            self._fix_compound(a, b, depth)
        else:
            self._fix_simple(start, end, line)

    def _is_compound(self, row: int, line: _Logical) -> bool:
        word = self.lines.first_word(row)
        if word not in _COMPOUND:
            return False
        # ``match = re.match(...)``: a soft keyword heads a block only before a colon
        return word not in _SOFT or (line.complete and 0 <= line.colon and line.colon + 1 >= line.last)

    def _fix_simple(self, start: int, end: int, line: _Logical) -> None:
        """A statement without a body is left to tree-sitter, whose own recovery
        keeps more of it (``return min(order`` keeps ``order``), unless a line of
        it starts left of it (a ``)`` at the margin would end the blocks around
        it).  Once the file is parsed again, one whose error tree-sitter did not
        keep inside it is cut and closed (see :func:`_leaking`)."""
        lines = self.lines
        first, stop = lines.row_of(start), lines.row_of(end - 1) + 1
        if any(self._row_ok(row) and lines.indent[row] < lines.indent[first] for row in range(first + 1, stop)):
            self.close_or_blank(start, end, line)
        else:
            self.sealed.append((start, end, 0))

    def close_or_blank(self, start: int, end: int, line: _Logical | None = None) -> None:
        """Cut and close the statement at ``[start, end)``, or read it as blank."""
        line = line or _logical_line(self.buf, _INDENT.match(self.buf, start).end(), end)
        self._report(start, end)
        if not self._close(start, end, line, b"", b""):
            self._blank(start, end)

    def _fix_decorated(self, a: int, b: int, depth: int) -> None:
        """Decorators that do not parse above a stub definition read as blank; the
        definition is recovered as a statement of its own."""
        lines = self.lines
        level = lines.indent[a]
        heads = [row for row in range(a, b) if self._row_ok(row) and lines.indent[row] <= level
                 and lines.first_byte(row) not in _CLOSERS]
        definition = next((row for row in heads if lines.first_byte(row) != 0x40), b)
        stub = b"\n" + b" " * level + _STUB_DEF + b"\n"
        decorators = [row for row in heads if row < definition]
        for row, stop in zip(decorators, decorators[1:] + [definition]):
            start, end = self._span(row, stop)
            if definition == b or not self._valid(start, end, stub):
                self._report(start, end, stub if definition < b else b"")
                self._blank(start, end)
        if definition < b and not self._valid(*self._span(definition, b)):
            end = self._span(definition, b)[1]
            self._fix(definition, b, depth, _logical_line(self.buf, lines.text_at[definition], end))

    def _fix_compound(self, a: int, b: int, depth: int) -> None:
        """A block statement: each clause keeps its header (repaired if need be)
        and its body is recovered statement by statement."""
        lines = self.lines
        level = lines.indent[a]
        clauses = [a] + [row for row in range(a + 1, b) if self._row_ok(row) and lines.indent[row] <= level
                         and lines.first_word(row) in _CLAUSES]
        for c, stop in zip(clauses, clauses[1:] + [b]):
            body, repaired = self._header(c, stop, level)
            if body is None:
                continue
            first = next((row for row in range(body, stop) if self._row_ok(row)), stop)
            if first < stop:
                # with its header sound and no other clause, a broken statement's body is broken
                self._fix_body(self._split(first, stop, max(lines.indent[first], level + 1)), depth + 1,
                               not repaired and len(clauses) == 1)

    def _fix_body(self, units: list[tuple[int, int]], depth: int, known_broken: bool) -> None:
        """A block's statements; one indented less than the first is misaligned (a
        line being dedented): its first logical line reads as blank."""
        lines = self.lines
        column = lines.indent[units[0][0]]
        aligned = [unit for unit in units if lines.indent[unit[0]] == column]
        for a, b in units:
            if lines.indent[a] != column:
                start, end = self._span(a, b)
                line = _logical_line(self.buf, lines.text_at[a], end)
                line_end = self._span(a, lines.row_of(line.end) + 1)[1] if line.complete else end
                self.broken.append((start, line_end))
                self._report(start, line_end)
                self._blank(start, line_end)
        self._fix_units(aligned, depth, known_broken and len(aligned) == len(units))

    def _header(self, c: int, stop: int, level: int) -> tuple[int | None, bool]:
        """The first body row of the clause at row ``c``, its header made to parse
        (``None`` where the clause was read as a statement or as blank), and
        whether the header was rewritten."""
        lines = self.lines
        start, end = self._span(c, stop)
        line = _logical_line(self.buf, lines.text_at[c], end)
        if line.complete and not line.open_string and line.colon >= 0:
            if line.colon + 1 < line.last:                 # ``if x: y``, a one-line clause
                self._fix_simple(start, end, line)
                return None, False
            return lines.row_of(line.end) + 1, False
        k = self._header_rows(c, stop)
        header_end = self._span(c, k + 1)[1]
        line = _logical_line(self.buf, lines.text_at[c], header_end)
        stub = b"\n" + b" " * (level + 1) + b"...\n"
        reported = len(self.problems)
        self._report(start, header_end, stub)
        if self._close(start, header_end, line, b":", stub):
            return k + 1, True
        del self.problems[reported:]        # tree-sitter's own errors will say it
        # no room to close it (``for x in y`` without its colon): left to
        # tree-sitter, which often inserts the token, as long as the block it
        # reads still holds the whole clause
        last = max((row for row in range(c, stop) if self._row_ok(row)), default=c)
        self.sealed.append((start, end, lines.end_of(last)))
        return None, True

    def _header_rows(self, c: int, stop: int) -> int:
        """The last row of a broken header at row ``c``: the rows after it that
        continue a bracket (after ``(`` or ``,``, or starting with a closer)."""
        lines, k = self.lines, c
        while k + 1 < stop and k - c < 64:
            text = _COMMENT.sub(b"", bytes(self.buf[lines.starts[k]:lines.end_of(k)])).rstrip()
            following = k + 1
            if not (text[-1:] in (b",", b"(", b"[", b"{", b"\\") or not lines.fresh[following]
                    or lines.first_byte(following) in _CLOSERS):
                break
            k = following
        return k

    # -- rewriting
    def _close(self, start: int, end: int, line: _Logical, suffix: bytes, stub: bytes) -> bool:
        """Rewrite ``buf[start:end]`` to parse (followed by ``stub``) by closing what
        is open at a cut: at one of the last cuts, over the spaces after it and
        keeping the rest (``def f(a -> int:`` reads ``def f(a)-> int:``); else at the
        latest cut where the closers (then ``suffix``) fit in the bytes the cut frees,
        everything after it read as blank."""
        tried = 0
        for candidate in self._candidates(start, end, line, suffix):
            if _parses(self._parse(bytes(candidate) + stub)):
                self._write(start, candidate)
                return True
            tried += 1
            if tried >= self.limits.max_cuts or self.work <= 0:
                break
        return False

    def _candidates(self, start: int, end: int, line: _Logical, suffix: bytes):
        """Rewritten copies of ``buf[start:end]``, the least lost first."""
        for cut in line.cuts[:-_IN_PLACE_CUTS - 1:-1]:
            closers = _closing(cut.open)
            spaces = len(_INDENT.match(self.buf, cut.at, end).group())
            for closing in dict.fromkeys((closers, closers + suffix)):      # in this order
                if closing and len(closing) <= spaces:
                    candidate = bytearray(self.buf[start:end])
                    candidate[cut.at - start:cut.at - start + len(closing)] = closing
                    yield candidate
        for cut in reversed(line.cuts):
            size = (cut.open.depth if cut.open is not None else 0) + len(suffix)
            place = self._place(cut, size, end)
            if place is None:
                continue
            closing = _closing(cut.open) + suffix
            candidate = bytearray(self.buf[start:end])
            _blank_in(candidate, cut.at - start, len(candidate))
            candidate[place - start:place - start + len(closing)] = closing
            yield candidate

    def _place(self, cut: _Cut, size: int, end: int) -> int | None:
        """Where the ``size`` bytes closing the cut go: right after the cut if its line has room, else
        (inside brackets, where line breaks do not count) at the start of a later
        line of the statement long enough."""
        buf, at = self.buf, cut.at
        line_end = buf.find(b"\n", at, end)
        line_end = end if line_end < 0 else line_end
        if _room(buf, at, line_end) >= size:
            return at
        if not cut.in_brackets:
            return None
        while line_end < end:
            start = line_end + 1
            line_end = buf.find(b"\n", start, end)
            line_end = end if line_end < 0 else line_end
            if _room(buf, start, line_end) >= size:
                return start
        return None

    def _write(self, start: int, text: bytearray) -> None:
        if self.buf[start:start + len(text)] != text:
            self.buf[start:start + len(text)] = text
            self.first_change = min(self.first_change, start)

    def _blank(self, start: int, end: int) -> None:
        chunk = bytearray(self.buf[start:end])
        _blank_in(chunk, 0, len(chunk))
        self._write(start, chunk)

    def _give_up(self, start: int, end: int) -> None:
        """Nested too deep: the statement stays as tree-sitter reads it (blank lines
        this deep cost tree-sitter ten times a plain parse); its first line is reported."""
        line_end = self.buf.find(b"\n", start, end)
        self.problems.append(SyntaxProblem(start, end if line_end < 0 else line_end, None))

    def _report(self, start: int, end: int, suffix: bytes = b"") -> None:
        """The errors of ``buf[start:end]`` parsed alone (as written, before any
        rewrite); for a statement too long to parse again, its first line."""
        tree = self._parse(bytes(self.buf[start:end]) + suffix) if end - start <= _REPORT_BYTES else None
        found = _problems(tree, end - start) if tree is not None else []
        if not found:
            line_end = self.buf.find(b"\n", start, end)
            found = [SyntaxProblem(0, (end if line_end < 0 else line_end) - start, None)]
        self.problems.extend(SyntaxProblem(start + p.start_byte, start + p.end_byte, p.missing) for p in found)


_COMMENT = re.compile(rb"#[^'\"\n]*$")
_MAX_PROBLEMS = 4


def _parses(tree: Tree | None) -> bool:
    return tree is not None and not tree.root_node.has_error


def _room(buf: bytearray, start: int, end: int) -> int:
    while end > start and buf[end - 1] == 0x0D:
        end -= 1
    return end - start


def _blank_in(buf: bytearray, start: int, end: int) -> None:
    """Every byte of ``buf[start:end]`` but line breaks read as a space."""
    chunk = buf[start:end]
    buf[start:end] = chunk.translate(_TO_SPACE)


_TO_SPACE = bytes(c if c in (0x0A, 0x0D) else 0x20 for c in range(256))


def _problems(tree: Tree, limit: int) -> list[SyntaxProblem]:
    """The first ERROR and MISSING nodes of ``tree`` that start before ``limit``."""
    return [SyntaxProblem(node.start_byte, min(node.end_byte, limit), node.type if node.is_missing else None)
            for node in _error_nodes(tree, _MAX_PROBLEMS) if node.start_byte < limit]


def _error_nodes(tree: Tree, most: int) -> list:
    """The first ``most`` ERROR and MISSING nodes of ``tree``, in order."""
    found: list = []
    cursor = tree.walk()
    while len(found) < most:
        node = cursor.node
        if node.is_error or node.is_missing:
            found.append(node)
        elif node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return found
    return found
