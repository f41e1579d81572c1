"""The first pass over a script: one tree-sitter cursor walk into flat arrays.

The same contract as Python's :mod:`typelens.analyzer.syntax`: named nodes become
graph nodes in pre-order, comments and the pieces of string literals are dropped
(a template string's ``template_substitution`` is kept), ``ERROR`` nodes are kept
as leaves and become syntax diagnostics like every ``MISSING`` node.  Each of the
three grammars has its own kind and field tables, built once.

Example::

    >>> from typelens.analyzer.typescript.parsing import parse_script
    >>> data = b"const x = 1;"
    >>> arrays = walk_script(parse_script(data, "typescript"), data, "typescript")
    >>> arrays.kinds
    ['program', 'lexical_declaration', 'variable_declarator', 'identifier', 'number']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tree_sitter import Language, Tree

from .. import codes
from ..spans import Diagnostic, Span
from ..syntax import SyntaxArrays, _append
from .parsing import LANGUAGES

logger = logging.getLogger(__name__)

_ERROR_KIND_ID = 65535
# named nodes that carry nothing for analysis
_DROPPED = frozenset(
    {
        "comment",
        "string_fragment",
        "escape_sequence",
        "hash_bang_line",
        "html_comment",
        "regex_pattern",
        "regex_flags",
        "jsx_text",
        "html_character_reference",
    }
)
# nodes whose text is their name
NAMED_KINDS = frozenset(
    {
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "type_identifier",
        "private_property_identifier",
        "statement_identifier",
        "nested_identifier",
    }
)
# leaves: nothing inside them matters (a plain string's fragments, a regex's pattern)
_LEAVES = frozenset({"string", "regex", "number", "predefined_type", "literal_type"})


@dataclass(frozen=True, slots=True)
class _Tables:
    kind_names: list[str]
    keep: list[bool]
    field_names: list[str | None]
    named: list[bool]
    leaf: list[bool]


def _tables(language: Language) -> _Tables:
    count = language.node_kind_count
    names = [language.node_kind_for_id(i) or "" for i in range(count)]
    is_named = [language.node_kind_is_named(i) for i in range(count)]
    fields = [None] + [language.field_name_for_id(i) for i in range(1, language.field_count + 1)]
    return _Tables(
        names,
        [is_named[i] and names[i] not in _DROPPED for i in range(count)],
        fields,
        [is_named[i] and names[i] in NAMED_KINDS for i in range(count)],
        [is_named[i] and names[i] in _LEAVES for i in range(count)],
    )


TABLES: dict[str, _Tables] = {dialect: _tables(language) for dialect, language in LANGUAGES.items()}


def walk_script(tree: Tree, data: bytes, dialect: str, path: str = "") -> SyntaxArrays:
    """Flatten ``tree`` (parsed from ``data`` with the ``dialect`` grammar) into arrays."""
    tables = TABLES[dialect]
    out = SyntaxArrays()
    names = out.names
    keep, kind_names, field_names, named, leaf = (
        tables.keep,
        tables.kind_names,
        tables.field_names,
        tables.named,
        tables.leaf,
    )
    check_errors = tree.root_node.has_error
    n_kinds = len(keep)
    cursor = tree.walk()
    stack: list[int] = []
    owner = -1
    if tree.root_node.kind_id == _ERROR_KIND_ID:
        owner = _append(out, "program", 0, len(data), -1, None)
    while True:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
        kid = node.kind_id
        descend = True
        current = owner
        field = field_names[cursor.field_id or 0] if owner >= 0 else None
        if check_errors and (kid == _ERROR_KIND_ID or node.is_missing):
            if kid == _ERROR_KIND_ID:
                current = _append(out, "ERROR", node.start_byte, node.end_byte, owner, field)
                out.diagnostics.append(_error_diagnostic(data, node, path))
            else:
                out.diagnostics.append(_missing_diagnostic(node, path))
            descend = False
        elif kid < n_kinds and keep[kid]:
            current = _append(out, kind_names[kid], node.start_byte, node.end_byte, owner, field)
            if named[kid]:
                names[current] = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            elif leaf[kid]:
                descend = False
        if descend and cursor.goto_first_child():
            stack.append(owner)
            owner = current
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out
            owner = stack.pop()


def _span_of(node) -> Span:
    sp, ep = node.start_point, node.end_point
    return Span(node.start_byte, node.end_byte, sp.row, sp.column, ep.row, ep.column)


def _error_diagnostic(data: bytes, node, path: str) -> Diagnostic:
    start, end = node.start_byte, node.end_byte
    snippet = data[start : min(end, start + 20)].decode("utf-8", "replace").split("\n")[0]
    return Diagnostic.build("syntax-error", codes.SYNTAX_ERROR.format(snippet=snippet), _span_of(node), path)


def _missing_diagnostic(node, path: str) -> Diagnostic:
    token = node.type or "token"
    return Diagnostic.build("missing-token", codes.MISSING_TOKEN.format(token=token), _span_of(node), path)
