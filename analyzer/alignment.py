"""Statements out of line with their block: the one question recovery
(:mod:`.recovery`) asks of a tree without errors before it keeps the tree as
tree-sitter read it.

A statement dedented to no enclosing level (``unindent does not match any outer
indentation level``) is read by tree-sitter without an error, at whatever level
comes nearest, which moves every method after it out of its class.  One cursor
walk over the blocks finds such statements, so that a file that parses cleanly
is checked without the rewriting machinery (:mod:`.rewrite`, :mod:`.lenient`),
which a run imports only for a file that needs it.

Example::

    >>> data = b"class A:\\n    def f(self):\\n        pass\\n  def g(self):\\n        pass\\n"
    >>> misaligned_statements(parse_bytes(data), data)   # where ``def g`` starts
    (41,)
"""

from __future__ import annotations

import logging

from tree_sitter import Tree

from .parsing import PYTHON

logger = logging.getLogger(__name__)


def misaligned_statements(tree: Tree, data: bytes, most: int = 16) -> tuple[int, ...]:
    """The starts of statements that begin their line at another column than the
    first statement of their block (``unindent does not match any outer
    indentation level``: tree-sitter reads them without an error, at whatever
    level comes nearest, which moves every method after them out of the class)."""
    found: list[int] = []
    cursor = tree.walk()
    while len(found) < most:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
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
            continue  # after a ``;`` or a header's colon on the same line
        if column is None:
            column = start - line_start
        elif start - line_start != column:
            found.append(start)


_BLOCK_KINDS = frozenset(PYTHON.id_for_node_kind(kind, True) for kind in ("module", "block"))
_HOLDS_BLOCKS = _BLOCK_KINDS | frozenset(
    PYTHON.id_for_node_kind(kind, True)
    for kind in (
        "function_definition",
        "class_definition",
        "decorated_definition",
        "if_statement",
        "elif_clause",
        "else_clause",
        "for_statement",
        "while_statement",
        "try_statement",
        "except_clause",
        "except_group_clause",
        "finally_clause",
        "with_statement",
        "match_statement",
        "case_clause",
    )
) - {None}
_COMMENT_KIND = PYTHON.id_for_node_kind("comment", True)
