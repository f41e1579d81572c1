"""Rewriting broken statements in place, same length and same line breaks: the
work behind :func:`.recovery.recover_tree`.

:class:`Fixer` takes the statements of an error's region (by indentation, see
:mod:`.lenient`), parses each alone and rewrites the broken ones: a compound
statement keeps its header, repaired if need be, and is recovered statement by
statement one level deeper; a header, or a statement its parse leaves nothing to
keep of, is cut after a token and what is open there closed; a statement
tree-sitter may read well is left to it (``sealed``) and judged once the file is
parsed again.  Trial parses are bounded by :class:`RecoveryLimits`.

Example::

    >>> fixer = Fixer(b"def f(a, b:\\n    return a\\n", DEFAULT_LIMITS, None)
    >>> fixer.run((0, 25)); bytes(fixer.buf)
    b'def f(a,): \\n    return a\\n'
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass

from tree_sitter import Tree

from .alignment import misaligned_statements
from .lenient import CLAUSES, CLOSERS, COMPOUND, INDENT, Cut, Lines, Logical, closing, logical_line
from .matching import matched
from .parsing import parse_bytes

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecoveryLimits:
    """Bounds on recovery work: bytes parsed on trial (``work_factor`` times the
    file plus ``min_work``), block nesting followed, cut points tried per statement,
    statements joined to close a bracket, and broken statements recovered per file
    (a file with more is not being typed; the rest stays as tree-sitter reads it)."""

    work_factor: int = 4
    min_work: int = 1 << 16
    max_depth: int = 40
    max_cuts: int = 16
    max_merge: int = 8
    max_broken: int = 256

    def __post_init__(self) -> None:
        for name in ("work_factor", "min_work", "max_depth", "max_cuts", "max_merge", "max_broken"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must not be negative")


DEFAULT_LIMITS = RecoveryLimits()


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """An error or missing token found by parsing one broken statement on its own."""

    start_byte: int
    end_byte: int
    missing: str | None  # the token tree-sitter would insert, or None for an error


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


_STUB_DEF = b"def _(): ..."
_SOFT = frozenset({b"match", b"case"})
_REPORT_BYTES = 1 << 16
_IN_PLACE_CUTS = 3  # the last cuts where closers may go over the spaces after them


class Fixer:
    """Rewrites broken statements of ``buf`` in place (same length, same line breaks)."""

    def __init__(self, data: bytes, limits: RecoveryLimits, known_valid: ValidityCache | None, origin: int = 0) -> None:
        self.buf = bytearray(data)
        self.lines = Lines(data, origin)
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
        while first > lines.first and not (
            self._row_ok(first)
            and lines.indent[first] == 0
            and lines.first_byte(first) not in CLOSERS
            and lines.first_word(first) not in CLAUSES
        ):
            first -= 1
        last = lines.row_of(max(region[0], region[1] - 1)) + 1
        units = [unit for unit in self._split(first, lines.count, lines.indent[first]) if unit[0] < last]
        self._fix_units(units, 0)

    def _split(self, first: int, stop: int, level: int) -> list[tuple[int, int]]:
        """Rows ``[first, stop)`` cut into statements at lines indented at most
        ``level``; decorators and clauses (``else:``) stay with their statement."""
        lines, heads = self.lines, list[int]()
        decorated = False
        for row in range(first, stop):
            if not self._row_ok(row) or lines.indent[row] > level:
                continue
            if lines.first_byte(row) in CLOSERS or (heads and lines.first_word(row) in CLAUSES):
                continue
            if not decorated:
                heads.append(row)
            decorated = lines.first_byte(row) == 0x40  # '@'
        return list(zip(heads, heads[1:] + [stop]))

    def _fix_units(self, units: list[tuple[int, int]], depth: int, known_broken: bool = True) -> None:
        """Recover each statement of one block that does not parse alone; the one
        statement of a broken parent is broken (``known_broken``: no need to parse)."""
        i = 0
        while i < len(units) and len(self.broken) < self.limits.max_broken:
            a, b = units[i]
            start, end = self._span(a, b)
            valid = False if len(units) == 1 and known_broken else self._valid(start, end)
            if valid is None:
                logger.debug("recovery budget spent; the rest stays as tree-sitter read it")
                return
            if valid:
                i += 1
                continue
            line = logical_line(self.buf, self.lines.text_at[a], end)
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
        line = logical_line(self.buf, self.lines.text_at[a], end)
        if not line.complete:
            return i + 1
        row = self.lines.row_of(line.end)
        # (units may leave rows out between them: misaligned lines read as blank)
        k = next((k for k in range(i, last + 1) if units[k][0] <= row < units[k][1]), i)
        if k > i and self._valid(start, self._span(a, units[k][1])[1]):
            return k + 1
        return i + 1

    def _fix(self, a: int, b: int, depth: int, line: Logical) -> None:
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

    def _is_compound(self, row: int, line: Logical) -> bool:
        word = self.lines.first_word(row)
        if word not in COMPOUND:
            return False
        # ``match = re.match(...)``: a soft keyword heads a block only before a colon
        return word not in _SOFT or (line.complete and 0 <= line.colon and line.colon + 1 >= line.last)

    def _fix_simple(self, start: int, end: int, line: Logical) -> None:
        """A statement without a body is left to tree-sitter, whose own recovery
        keeps more of it (``return min(order`` keeps ``order``), unless a line of
        it starts left of it (a ``)`` at the margin would end the blocks around
        it).  Once the file is parsed again, one whose error tree-sitter did not
        keep inside it is cut and closed (see ``_leaking`` in :mod:`.recovery`)."""
        lines = self.lines
        first, stop = lines.row_of(start), lines.row_of(end - 1) + 1
        if any(self._row_ok(row) and lines.indent[row] < lines.indent[first] for row in range(first + 1, stop)):
            self.close_or_blank(start, end, line)
        else:
            self.sealed.append((start, end, 0))

    def close_or_blank(self, start: int, end: int, line: Logical | None = None) -> None:
        """Cut and close the statement at ``[start, end)``, or read it as blank."""
        line = line or logical_line(self.buf, matched(INDENT.match(self.buf, start)).end(), end)
        self._report(start, end)
        if not self._close(start, end, line, b"", b""):
            self._blank(start, end)

    def _fix_decorated(self, a: int, b: int, depth: int) -> None:
        """Decorators that do not parse above a stub definition read as blank; the
        definition is recovered as a statement of its own."""
        lines = self.lines
        level = lines.indent[a]
        heads = [
            row
            for row in range(a, b)
            if self._row_ok(row) and lines.indent[row] <= level and lines.first_byte(row) not in CLOSERS
        ]
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
            self._fix(definition, b, depth, logical_line(self.buf, lines.text_at[definition], end))

    def _fix_compound(self, a: int, b: int, depth: int) -> None:
        """A block statement: each clause keeps its header (repaired if need be)
        and its body is recovered statement by statement."""
        lines = self.lines
        level = lines.indent[a]
        clauses = [a] + [
            row
            for row in range(a + 1, b)
            if self._row_ok(row) and lines.indent[row] <= level and lines.first_word(row) in CLAUSES
        ]
        for c, stop in zip(clauses, clauses[1:] + [b]):
            body, repaired = self._header(c, stop, level)
            if body is None:
                continue
            first = next((row for row in range(body, stop) if self._row_ok(row)), stop)
            if first < stop:
                # with its header sound and no other clause, a broken statement's body is broken
                self._fix_body(
                    self._split(first, stop, max(lines.indent[first], level + 1)),
                    depth + 1,
                    not repaired and len(clauses) == 1,
                )

    def _fix_body(self, units: list[tuple[int, int]], depth: int, known_broken: bool) -> None:
        """A block's statements; one indented less than the first is misaligned (a
        line being dedented): its first logical line reads as blank."""
        lines = self.lines
        if not units:
            return
        column = lines.indent[units[0][0]]
        aligned = [unit for unit in units if lines.indent[unit[0]] == column]
        for a, b in units:
            if lines.indent[a] != column:
                start, end = self._span(a, b)
                line = logical_line(self.buf, lines.text_at[a], end)
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
        line = logical_line(self.buf, lines.text_at[c], end)
        if line.complete and not line.open_string and line.colon >= 0:
            if line.colon + 1 < line.last:  # ``if x: y``, a one-line clause
                self._fix_simple(start, end, line)
                return None, False
            return lines.row_of(line.end) + 1, False
        k = self._header_rows(c, stop)
        header_end = self._span(c, k + 1)[1]
        line = logical_line(self.buf, lines.text_at[c], header_end)
        stub = b"\n" + b" " * (level + 1) + b"...\n"
        reported = len(self.problems)
        self._report(start, header_end, stub)
        if self._close(start, header_end, line, b":", stub):
            return k + 1, True
        del self.problems[reported:]  # tree-sitter's own errors will say it
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
            text = _COMMENT.sub(b"", bytes(self.buf[lines.starts[k] : lines.end_of(k)])).rstrip()
            following = k + 1
            if not (
                text[-1:] in (b",", b"(", b"[", b"{", b"\\")
                or not lines.fresh[following]
                or lines.first_byte(following) in CLOSERS
            ):
                break
            k = following
        return k

    # -- rewriting
    def _close(self, start: int, end: int, line: Logical, suffix: bytes, stub: bytes) -> bool:
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

    def _candidates(self, start: int, end: int, line: Logical, suffix: bytes):
        """Rewritten copies of ``buf[start:end]``, the least lost first."""
        for cut in line.cuts[: -_IN_PLACE_CUTS - 1 : -1]:
            closers = closing(cut.open)
            spaces = len(matched(INDENT.match(self.buf, cut.at, end)).group())
            for text in dict.fromkeys((closers, closers + suffix)):  # in this order
                if text and len(text) <= spaces:
                    candidate = bytearray(self.buf[start:end])
                    candidate[cut.at - start : cut.at - start + len(text)] = text
                    yield candidate
        for cut in reversed(line.cuts):
            if 0 <= line.arrow < cut.at:
                # a return annotation cut short names another type (``-> int | str``
                # of ``-> int | str | None``); cut before it, the body says what returns
                continue
            size = (cut.open.depth if cut.open is not None else 0) + len(suffix)
            place = self._place(cut, size, end)
            if place is None:
                continue
            text = closing(cut.open) + suffix
            candidate = bytearray(self.buf[start:end])
            _blank_in(candidate, cut.at - start, len(candidate))
            candidate[place - start : place - start + len(text)] = text
            yield candidate

    def _place(self, cut: Cut, size: int, end: int) -> int | None:
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
        if self.buf[start : start + len(text)] != text:
            self.buf[start : start + len(text)] = text
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
    return [
        SyntaxProblem(node.start_byte, min(node.end_byte, limit), node.type if node.is_missing else None)
        for node in error_nodes(tree, _MAX_PROBLEMS)
        if node.start_byte < limit
    ]


def error_nodes(tree: Tree, most: int) -> list:
    """The first ``most`` ERROR and MISSING nodes of ``tree``, in order."""
    found: list = []
    cursor = tree.walk()
    while len(found) < most:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
        if node.is_error or node.is_missing:
            found.append(node)
        elif node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return found
    return found
