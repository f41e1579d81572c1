"""The first pass of graph building: one tree-sitter cursor walk into flat arrays.

Named nodes become graph nodes, in pre-order.  Punctuation, comments and the pieces
of string literals are dropped (an f-string's ``interpolation`` is kept).  ``ERROR``
nodes are kept as leaves: everything inside them is left out of the graph, and they
and every ``MISSING`` node become syntax diagnostics.  The walk is iterative, so
5,000-deep nesting costs nothing special.

Example::

    >>> arrays = walk_tree(parse_bytes(b"x = (1,\\n"), b"x = (1,\\n")
    >>> arrays.kinds[:3], [d.code for d in arrays.diagnostics]
    (['module', 'ERROR', 'identifier'], ['syntax-error'])
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Final

from tree_sitter import Tree

from . import codes
from .parsing import PYTHON
from .spans import Diagnostic, Span

logger = logging.getLogger(__name__)


def _kind_id(name: str) -> int:
    """The id of the named node kind ``name`` in the Python grammar."""
    found = PYTHON.id_for_node_kind(name, True)
    assert found is not None, f"the grammar has no named kind {name!r}"
    return found


# Final: compiled, mypyc reads these as constants, not from the module's dict at each node
_ERROR_KIND_ID: Final = 65535
KIND_NAMES: list[str] = [PYTHON.node_kind_for_id(i) or "" for i in range(PYTHON.node_kind_count)]
_IS_NAMED: list[bool] = [PYTHON.node_kind_is_named(i) for i in range(PYTHON.node_kind_count)]
FIELD_NAMES: list[str | None] = [None, *(PYTHON.field_name_for_id(i) for i in range(1, PYTHON.field_count + 1))]

# Named node types that carry nothing for analysis.
_DROPPED = frozenset(
    {
        "comment",
        "string_start",
        "string_content",
        "string_end",
        "escape_sequence",
        "escape_interpolation",
        "line_continuation",
        "keyword_separator",
        "positional_separator",
        "type_conversion",
        "format_specifier",
        "import_prefix",
    }
)
_KEEP: list[bool] = [_IS_NAMED[i] and KIND_NAMES[i] not in _DROPPED for i in range(PYTHON.node_kind_count)]
_IDENTIFIER_ID: Final = _kind_id("identifier")
_LEAF: list[int] = []  # shared by every leaf; never appended to (see walk_tree)


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class SyntaxArrays:
    """What the cursor walk produces; handed to the semantic passes."""

    kinds: list[str] = field(default_factory=list)
    start_bytes: list[int] = field(default_factory=list)
    end_bytes: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    children: list[list[int]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    relative_levels: dict[int, int] = field(default_factory=dict)  # relative_import node -> dots
    # a tree without errors: whether a statement starts its line at another column than the
    # first of its block (what recovery.misaligned_statements finds, found on the way)
    misaligned: bool = False


def _error_diagnostic(data: bytes, node, path: str) -> Diagnostic:
    start, end = node.start_byte, node.end_byte
    snippet = data[start : min(end, start + 20)].decode("utf-8", "replace").split("\n")[0]
    return Diagnostic.build("syntax-error", codes.SYNTAX_ERROR.format(snippet=snippet), _span_of(node), path)


def walk_tree(tree: Tree, data: bytes, path: str = "") -> SyntaxArrays:
    """Flatten ``tree`` (parsed from ``data``) into :class:`SyntaxArrays`."""
    out = SyntaxArrays()
    kinds, starts, ends, parents, fields, children = (
        out.kinds,
        out.start_bytes,
        out.end_bytes,
        out.parents,
        out.fields,
        out.children,
    )
    names, keep, kind_names, field_names, leaf = out.names, _KEEP, KIND_NAMES, FIELD_NAMES, _LEAF
    # an ASCII file's names are slices of its text, decoded once (a byte offset is a character's)
    text = data.decode("ascii") if data.isascii() else None
    # typed: compiled, a value of tree-sitter's is Any, tested or used as an index generically
    check_errors: bool = tree.root_node.has_error  # MISSING and ERROR nodes exist only then
    aligning = not check_errors  # recovery reads a tree with errors; a clean one is checked here
    columns: dict[int, int] = {}  # block or module -> the column of its first statement
    n_kinds = len(keep)
    cursor = tree.walk()
    # bound once: compiled, calling a bound method skips looking the method up by name (three
    # calls a node)
    first_child, next_sibling, to_parent = cursor.goto_first_child, cursor.goto_next_sibling, cursor.goto_parent
    stack: list[int] = []  # graph id of the nearest kept ancestor, per cursor depth
    owner = -1
    if tree.root_node.kind_id == _ERROR_KIND_ID:  # keep a module root above it
        owner = _append(out, "module", 0, len(data), -1, None)
    while True:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
        kid: int = node.kind_id  # unboxed once: compared and used as an index below
        descend = True
        current = owner
        if check_errors and (kid == _ERROR_KIND_ID or node.is_missing):
            if kid == _ERROR_KIND_ID:
                current = _append(
                    out,
                    "ERROR",
                    node.start_byte,
                    node.end_byte,
                    owner,
                    field_names[cursor.field_id or 0] if owner >= 0 else None,
                )
                out.diagnostics.append(_error_diagnostic(data, node, path))
            else:
                out.diagnostics.append(_missing_diagnostic(node, path))
            descend = False
        elif kid < n_kinds and keep[kid]:
            # untyped: appended as the objects they are (typed int, each would be unboxed
            # and boxed again, a new object past 256)
            start, end = node.start_byte, node.end_byte
            current = len(kinds)
            kinds.append(kind_names[kid])
            if kid == _IDENTIFIER_ID:
                names[current] = _text(text, data, start, end)
            elif kid == _STRING_ID and not _has_interpolation(data, start):
                descend = False  # only an f-string's pieces matter
            starts.append(start)
            ends.append(end)
            parents.append(owner)
            children.append(leaf)
            if owner < 0:
                fields.append(None)
            else:
                field_id: int = cursor.field_id or 0
                fields.append(field_names[field_id])
                kids = children[owner]
                if kids:
                    kids.append(current)
                else:
                    children[owner] = [current]
                if aligning and _is_block_name(kinds[owner]) and _is_misaligned(data, start, owner, columns):
                    out.misaligned = True
                    aligning = False
        elif kid == _IMPORT_PREFIX_ID and owner >= 0:
            out.relative_levels[owner] = node.end_byte - node.start_byte
        elif kid == _LINE_CONTINUATION_ID and aligning and owner >= 0 and _is_block_name(kinds[owner]):
            if _is_misaligned(data, node.start_byte, owner, columns):  # a named child of the block too
                out.misaligned = True
                aligning = False
        if descend and first_child():
            stack.append(owner)
            owner = current
            continue
        while not next_sibling():
            if not to_parent():
                return out
            owner = stack.pop()


def _text(text: str | None, data: bytes, start: int, end: int) -> str:
    """The text of ``data[start:end]``: a slice of ``text`` when it is ``data`` decoded
    as ASCII.  (Typed: compiled, a typed slice, not a generic one.)"""
    if text is not None:
        return text[start:end]
    return data[start:end].decode("utf-8", "replace")


def _is_block_name(kind: str) -> bool:
    return kind is _BLOCK_NAME or kind is _MODULE_NAME  # the interned names of KIND_NAMES


def _is_misaligned(data: bytes, start: int, block: int, columns: dict[int, int]) -> bool:
    """Whether the statement at ``start`` in ``block`` begins its line at another
    column than the block's first such statement (recorded in ``columns``), as
    :func:`.alignment.misaligned_statements` reads a block's statements."""
    line_start = start  # back over the blanks before it (compiled, no slice and no method call)
    while line_start > 0:
        byte = data[line_start - 1]
        if byte != 32 and byte != 9 and byte != 12:  # space, tab, form feed
            break
        line_start -= 1
    if line_start > 0 and data[line_start - 1] != 10:
        return False  # after a ``;`` or a header's colon on the same line (not after a line break)
    first = columns.get(block)
    if first is None:
        columns[block] = start - line_start
        return False
    return start - line_start != first


def _append(out: SyntaxArrays, kind: str, start: int, end: int, owner: int, field_name: str | None) -> int:
    current = len(out.kinds)
    out.kinds.append(kind)
    out.start_bytes.append(start)
    out.end_bytes.append(end)
    out.parents.append(owner)
    out.fields.append(field_name)
    out.children.append(_LEAF)
    if owner >= 0:
        if out.children[owner]:
            out.children[owner].append(current)
        else:
            out.children[owner] = [current]
    return current


def _span_of(node) -> Span:
    sp, ep = node.start_point, node.end_point
    return Span(node.start_byte, node.end_byte, sp.row, sp.column, ep.row, ep.column)


def _missing_diagnostic(node, path: str) -> Diagnostic:
    token = node.type or "token"
    return Diagnostic.build("missing-token", codes.MISSING_TOKEN.format(token=token), _span_of(node), path)


_IMPORT_PREFIX_ID: Final = _kind_id("import_prefix")
_LINE_CONTINUATION_ID: Final = _kind_id("line_continuation")
_BLOCK_NAME: Final = KIND_NAMES[_kind_id("block")]
_MODULE_NAME: Final = KIND_NAMES[_kind_id("module")]
_STRING_ID: Final = _kind_id("string")


def _has_interpolation(data: bytes, start: int) -> bool:
    """Whether the string literal starting at ``start`` has an f/t prefix."""
    if data[start] in (34, 39):  # a quote: no prefix at all
        return False
    prefix = data[start : start + 3]
    quote = min((i for i in (prefix.find(b"'"), prefix.find(b'"')) if i >= 0), default=len(prefix))
    return any(c in b"fFtT" for c in prefix[:quote])
