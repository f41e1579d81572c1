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
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Point, Tree

from . import codes
from .alignment import misaligned_statements
from .parse_guard import guard_input
from .parsing import parse_bytes, parse_guarded
from .repair import read_dots, repair_dangling_dots
from .spans import Diagnostic, Span

if TYPE_CHECKING:  # imported where a tree has an error: a clean file never loads the rewriting
    from .rewrite import Fixer, RecoveryLimits, SyntaxProblem, ValidityCache

__all__ = [
    "Recovery",
    "misaligned_statements",
    "recover_text",
    "recover_tree",
    "recovery_diagnostics",
]

logger = logging.getLogger(__name__)


_LEAK_ROUNDS = 3  # re-parses that may find a statement left to tree-sitter leaking


@dataclass(frozen=True, slots=True, eq=False)  # a holder: compared by identity, never a key
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

    def innermost(self) -> tuple[tuple[int, int], ...]:
        """The broken ranges holding no other, in order: the statements that broke
        (``y = foo(x``), not the blocks around them that did parse once recovered.
        Broken ranges nest or are apart, so sorted by start (longest first) a range
        is innermost when the next one starts at or after its end."""
        ranges = sorted(set(self.broken), key=lambda r: (r[0], -r[1]))
        return tuple(r for r, after in zip(ranges, ranges[1:] + [(len(self.patched), 0)]) if after[0] >= r[1])


def recover_tree(
    data: bytes,
    tree: Tree,
    limits: RecoveryLimits | None = None,
    known_valid: ValidityCache | None = None,
    previous: Recovery | None = None,
) -> Recovery:
    """The recovered tree of ``data`` (whose parse is ``tree``); ``tree`` itself,
    untouched, when it has no error.  ``limits`` bound the work (default
    :data:`.rewrite.DEFAULT_LIMITS`).  An editor passes what it kept of the
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
    from .rewrite import DEFAULT_LIMITS, Fixer

    region = _error_region(tree, misaligned)
    fixer = Fixer(data, DEFAULT_LIMITS if limits is None else limits, known_valid, _origin(tree, region[0]))
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


def recover_text(data: bytes) -> Recovery:
    """The recovery of ``data`` parsed afresh, as :func:`~.builder.build_graph` reads
    it: for readers of a graph that need the text its tree was parsed from (the
    classifier's token windows), which a graph does not keep."""
    return recover_tree(data, parse_guarded(guard_input(data)))


def recovery_diagnostics(recovery: Recovery, data: bytes, path: str = "") -> tuple[Diagnostic, ...]:
    """What the recovery read differently, as diagnostics on ``data``: each dangling
    dot (``missing-token``, spanning the dot) and each error the parse of a broken
    statement on its own found (``syntax-error`` or ``missing-token``)."""
    if not recovery.dots and not recovery.problems:
        return ()
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    found = [
        Diagnostic.build("missing-token", codes.MISSING_MEMBER, _span(starts, dot, dot + 1), path)
        for dot in recovery.dots
    ]
    for problem in recovery.problems:
        span = _span(starts, problem.start_byte, problem.end_byte)
        if problem.missing is not None:
            found.append(
                Diagnostic.build("missing-token", codes.MISSING_TOKEN.format(token=problem.missing), span, path)
            )
        else:
            snippet = data[problem.start_byte : min(problem.end_byte, problem.start_byte + 20)]
            snippet_text = snippet.decode("utf-8", "replace").split("\n")[0]
            found.append(Diagnostic.build("syntax-error", codes.SYNTAX_ERROR.format(snippet=snippet_text), span, path))
    return tuple(found)


def _span(line_starts: list[int], start: int, end: int) -> Span:
    first = bisect.bisect_right(line_starts, start) - 1
    last = bisect.bisect_right(line_starts, end) - 1
    return Span(start, end, first, start - line_starts[first], last, end - line_starts[last])


def _reparse(fixer: Fixer, previous: Recovery | None) -> Tree:
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
    tree.edit(
        start_byte=start,
        old_end_byte=len(old) - tail,
        new_end_byte=len(patched) - tail,
        start_point=_point(old, start),
        old_end_point=_point(old, len(old) - tail),
        new_end_point=_point(patched, len(patched) - tail),
    )
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
    from .rewrite import error_nodes

    if not sealed:
        return []
    sealed = sorted(sealed)
    starts = [unit[0] for unit in sealed]
    leaks: set[tuple[int, int, int]] = set()
    for node in error_nodes(tree, 64):
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
    start: int | None = None
    end = root.end_byte  # read only once start is set, and set with it
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
