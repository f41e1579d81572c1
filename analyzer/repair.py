"""Error recovery for code being typed: a dangling ``expr.`` reads as ``expr``.

While a user types ``self.`` the buffer is not Python, and tree-sitter's error
recovery often swallows the whole statement (``return spec.`` becomes one
``ERROR`` node, ``@contextlib.`` an error spanning the next function).  Every
later pass then sees no expression before the dot and broken flow around it,
which is exactly where hover, completion and the decoding monitors look.

So a dot that can start nothing (it ends its line, or a bracket, comma or colon
follows it) and that sits inside a syntax error is read as a space and the
buffer parsed again: the same length, so every byte offset and node span stays
the source's own.  The graph keeps the source's bytes and reports each such dot
as a ``missing-token`` diagnostic spanning the dot itself, so the problem is
still shown; valid code is never touched (the repair runs only on trees with an
error, and only on dots whose own node holds one).

Example::

    >>> data = b"def f(s: str):\\n    return s.\\n"
    >>> tree, dots = repair_dangling_dots(data, parse_bytes(data))
    >>> dots, tree.root_node.has_error
    ((27,), False)
"""

from __future__ import annotations

import logging
import re

from tree_sitter import Tree

from .parsing import parse_bytes

logger = logging.getLogger(__name__)

# a dot after the end of an expression (a name, a closing bracket, a string)
# that nothing can follow on its line: end of line (a comment allowed), end of
# text, or a closing bracket / separator
_DANGLING = re.compile(rb"(?<=[\w)\]}'\"])\.(?=[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)|[ \t]*[)\]},:;])")
_WORD_BEFORE = re.compile(rb"\w+\Z")
_MAX_DOTS = 64      # a file full of dangling dots is not being typed; leave it as parsed


def repair_dangling_dots(data: bytes, tree: Tree) -> tuple[Tree, tuple[int, ...]] | None:
    """The tree of ``data`` with each dangling dot inside a syntax error read as a
    space, and those dots' offsets; ``None`` when there is nothing to repair."""
    if not tree.root_node.has_error:
        return None
    root = tree.root_node
    dots = []
    for found in _DANGLING.finditer(data):
        dot = found.start()
        word = _WORD_BEFORE.search(data, max(0, dot - 64), dot)
        if word is not None and word.group()[:1].isdigit():
            continue            # ``1.`` is a float
        node = root.descendant_for_byte_range(dot, dot + 1)
        if node is None or node.type != ".":
            continue            # inside a string or a comment
        parent = node.parent
        if parent is not None and (parent.has_error or parent.is_error):
            dots.append(dot)
            if len(dots) > _MAX_DOTS:
                return None
    if not dots:
        return None
    repaired = bytearray(data)
    for dot in dots:
        repaired[dot] = 0x20
    return parse_bytes(bytes(repaired)), tuple(dots)


def is_repaired_dot(diagnostics, dot: int) -> bool:
    """Whether the graph with these diagnostics read the dot at byte ``dot`` as a
    space (see :func:`repair_dangling_dots`)."""
    return any(d.code == "missing-token" and d.span.start_byte == dot and d.span.end_byte == dot + 1
               for d in diagnostics)
