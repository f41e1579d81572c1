"""Error recovery for code being typed: a dangling ``expr.`` reads as ``expr``.

While a user types ``self.`` the buffer is not Python, and tree-sitter's error
recovery often swallows the whole statement (``return spec.`` becomes one
``ERROR`` node, ``@contextlib.`` an error spanning the next function).  Every
later pass then sees no expression before the dot and broken flow around it,
which is exactly where hover, completion and the decoding monitors look.

So a dot that can start nothing (it ends its line, or a bracket, comma or colon
follows it) and that sits inside a syntax error is read as a space and the
buffer parsed again: the same length, so every byte offset and node span stays
the source's own.  Where the dot ends a line that leaves a bracket open
(``f(self.``, no editor closed it) the dot reads as that bracket's closer, and
where it ends a compound statement's header (``if self.``) as the colon.  The graph keeps the source's bytes and reports each such dot
as a ``missing-token`` diagnostic spanning the dot itself, so the problem is
still shown; valid code is never touched (the repair runs only on trees with an
error, and only on dots inside one).

Example::

    >>> data = b"def f(s: str):\\n    return s.\\n"
    >>> tree, dots = repair_dangling_dots(data, parse_bytes(data))
    >>> dots, tree.root_node.has_error
    ((27,), False)
"""

from __future__ import annotations

import functools
import logging
import re

from tree_sitter import Tree

from .graph import ProgramGraph, ScopeKind
from .parsing import parse_bytes

logger = logging.getLogger(__name__)

# The patterns are compiled on first use: only a file with a syntax error, or an
# editor's question, reads them (compiling them costs a clean run 0.3% of its
# instructions).


@functools.cache
def _dangling() -> re.Pattern[bytes]:
    """A dot after the end of an expression (a name, a closing bracket, a string)
    that nothing can follow on its line: end of line (a comment allowed), end of
    text, or a closing bracket / separator."""
    return re.compile(rb"(?<=[\w)\]}'\"])\.(?=[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)|[ \t]*[)\]},:;])")


@functools.cache
def _word_before() -> re.Pattern[bytes]:
    return re.compile(rb"\w+\Z")


@functools.cache
def _header() -> re.Pattern[bytes]:
    """A line that starts a compound statement's header (``if``, ``def``, ``case`` ...)."""
    return re.compile(rb"[ \t]*(?:async[ \t]+)?(?:if|elif|while|for|with|except|def|match|case)\b")


@functools.cache
def _def_line() -> re.Pattern[bytes]:
    return re.compile(rb"[ \t]*(?:async[ \t]+)?(?:def|class)\b")


_MAX_DOTS = 64  # a file full of dangling dots is not being typed; leave it as parsed


def repair_dangling_dots(data: bytes, tree: Tree) -> tuple[Tree, tuple[int, ...]] | None:
    """The tree of ``data`` with each dangling dot inside a syntax error read as a
    space, and those dots' offsets; ``None`` when there is nothing to repair."""
    if not tree.root_node.has_error:
        return None
    root = tree.root_node
    dots = []
    for found in _candidates(root, data):
        dot = found.start()
        word = _word_before().search(data, max(0, dot - 64), dot)
        if word is not None and word.group()[:1].isdigit():
            continue  # ``1.`` is a float
        node = root.descendant_for_byte_range(dot, dot + 1)
        if node is None or node.type != ".":
            continue  # inside a string or a comment
        if _in_error(node):
            dots.append(dot)
            if len(dots) > _MAX_DOTS:
                return None
    if not dots:
        return None
    return parse_bytes(read_dots(data, dots)), tuple(dots)


def read_dots(data: bytes, dots) -> bytes:
    """``data`` with each dangling dot at the offsets ``dots`` read as what stands in
    for it (see :func:`repair_dangling_dots`)."""
    repaired = bytearray(data)
    for dot in dots:
        repaired[dot] = _stand_in(data, dot)
    return bytes(repaired)


def _candidates(root, data: bytes):
    """Dangling dots in the top-level statements holding an error (the only ones
    :func:`_in_error` can accept: an error marks every node above it)."""
    if root.is_error:
        yield from _dangling().finditer(data)
        return
    for child in root.children:
        if child.has_error:
            yield from _dangling().finditer(data, child.start_byte, child.end_byte)


def _in_error(node) -> bool:
    """The dot's own node holds an error (an attribute missing its name), or the
    dot lies inside an ``ERROR`` node (where even ``f(x.`` + a newline + ``y = 2``
    reads as the attribute ``x.y``, brackets allowing newlines)."""
    parent = node.parent
    if parent is not None and parent.has_error:
        return True
    while parent is not None:
        if parent.is_error:
            return True
        parent = parent.parent
    return False


def _stand_in(data: bytes, dot: int) -> int:
    """The byte read in place of a dangling dot: where the dot ends its line, the
    closer of the innermost bracket the line leaves open (``f(self.`` reads as
    ``f(self)``) or the colon a compound statement's header lacks (``if self.``
    reads as ``if self:``); else a space."""
    line_start = data.rfind(b"\n", 0, dot) + 1
    line_end = data.find(b"\n", dot)
    rest = data[dot + 1 : len(data) if line_end < 0 else line_end]
    if rest.strip() and not rest.lstrip().startswith(b"#"):
        return 0x20
    line = data[line_start:dot]
    closers = _open_brackets(line)
    if closers:
        return closers[-1]
    if _header().match(line) and b":" not in line:
        return 0x3A
    return 0x20


_CLOSER = {0x28: 0x29, 0x5B: 0x5D, 0x7B: 0x7D}


def _open_brackets(line: bytes) -> list[int]:
    """The closers of the brackets ``line`` leaves open, innermost last (string
    literals on the line skipped)."""
    closers: list[int] = []
    quote = 0
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == 0x5C:
                i += 1  # an escaped character
            elif c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c in _CLOSER:
            closers.append(_CLOSER[c])
        elif closers and c == closers[-1]:
            closers.pop()
        i += 1
    return closers


def repaired_dots(diagnostics) -> frozenset[int]:
    """The offsets of the dots a graph with these diagnostics read as something
    else (see :func:`repair_dangling_dots`)."""
    return frozenset(
        d.span.start_byte for d in diagnostics if d.code == "missing-token" and d.span.end_byte == d.span.start_byte + 1
    )


def is_repaired_dot(diagnostics, dot: int) -> bool:
    """Whether the graph with these diagnostics read the dot at byte ``dot`` as
    something else (see :func:`repair_dangling_dots`)."""
    return dot in repaired_dots(diagnostics)


def scope_at(g: ProgramGraph, offset: int) -> int | None:
    """The id of the scope byte ``offset`` lies in, where the graph and the text's
    indentation agree on its innermost function or class (a statement broken
    mid-typing can end a function early in the tree); ``None`` where they differ."""
    data = g.source.data
    # the line's first character: a function's span ends with its last statement,
    # which the text at the end of the line (a dot read as a space) may not reach
    line_start = data.rfind(b"\n", 0, offset) + 1
    head = data[line_start:offset]
    probe = line_start + len(head) - len(head.lstrip(b" \t")) if head.strip() else offset
    best, best_def = 0, 0
    for scope in g.scopes:
        node = scope.node
        if (
            g.start_bytes[node] <= probe < g.end_bytes[node]
            and g.start_bytes[node] >= g.start_bytes[g.scopes[best].node]
        ):
            best = scope.id
            if scope.kind in (ScopeKind.FUNCTION, ScopeKind.CLASS):
                best_def = scope.id
    textual = enclosing_def_line(data, offset)
    graph_def = g.start_bytes[g.scopes[best_def].node] if best_def else None
    if graph_def is not None:
        graph_def = data.rfind(b"\n", 0, graph_def) + 1  # the line the ``def`` (or its decorator) starts
    return best if textual == graph_def else None


def enclosing_def_line(data: bytes, offset: int) -> int | None:
    """The start of the line of the innermost ``def``/``class`` enclosing ``offset``
    by indentation, or ``None`` at module level."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data[line_start:offset]
    indent = len(line) - len(line.lstrip(b" \t"))
    end = line_start - 1
    while end > 0 and indent > 0:
        start = data.rfind(b"\n", 0, end) + 1
        text = data[start:end]
        stripped = text.lstrip(b" \t")
        depth = len(text) - len(stripped)
        if stripped and stripped[:1] not in (b"#", b")", b"]", b"}") and depth < indent:  # closers end continuations
            if _def_line().match(text):
                return start
            indent = depth
        end = start - 1
    return None
