"""Tree-sitter parsing of TypeScript and JavaScript, whole-file and incremental.

Three grammars, from the ``tree-sitter-typescript`` and ``tree-sitter-javascript``
wheels (nothing is compiled at run time): ``typescript`` for ``.ts``, ``.mts``,
``.cts`` and ``.d.ts``; ``tsx`` for ``.tsx``; ``javascript`` (which reads JSX) for
``.js``, ``.jsx``, ``.mjs`` and ``.cjs``.  The dialect is chosen by the file's
suffix only.  Parsers are not thread-safe, so each thread gets its own.

:class:`ScriptDocument` is the editor path, the same contract as Python's
:class:`~typelens.analyzer.parsing.Document`: it keeps the last tree and
re-parses incrementally after each edit.

Example::

    >>> dialect_of("src/app.tsx"), dialect_of("lib/index.cjs"), dialect_of("a.py")
    ('tsx', 'javascript', None)
    >>> parse_script(b"let x: number = 1;", "typescript").root_node.type
    'program'
"""

from __future__ import annotations

import logging
import threading

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Parser, Tree

from ..layout import JS_SUFFIXES as JS_SUFFIXES  # re-exported: moved to the light layout module
from ..layout import SCRIPT_SUFFIXES as SCRIPT_SUFFIXES
from ..layout import TS_SUFFIXES as TS_SUFFIXES
from ..layout import dialect_of as dialect_of
from ..layout import is_declaration_file as is_declaration_file
from ..layout import is_script as is_script
from ..parsing import edited
from ..source import Source, source_from_text

logger = logging.getLogger(__name__)

LANGUAGES: dict[str, Language] = {
    "typescript": Language(tree_sitter_typescript.language_typescript()),
    "tsx": Language(tree_sitter_typescript.language_tsx()),
    "javascript": Language(tree_sitter_javascript.language()),
}

_local = threading.local()


def script_parser(dialect: str) -> Parser:
    """This thread's parser for ``dialect``."""
    if dialect not in LANGUAGES:
        raise ValueError(f"dialect={dialect!r} is not one of {', '.join(LANGUAGES)}; pass a script dialect")
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(dialect)
    if parser is None:
        parser = parsers[dialect] = Parser(LANGUAGES[dialect])
    return parser


def parse_script(data: bytes, dialect: str, old_tree: Tree | None = None) -> Tree:
    """Parse UTF-8 ``data``; pass the edited ``old_tree`` to re-parse incrementally."""
    parser = script_parser(dialect)
    return parser.parse(data) if old_tree is None else parser.parse(data, old_tree)


class ScriptDocument:
    """An editable script buffer whose tree is kept up to date incrementally."""

    def __init__(self, source: Source, dialect: str | None = None) -> None:
        self.dialect = dialect or dialect_of(source.path) or "typescript"
        self._source = source
        self._tree = parse_script(source.data, self.dialect)

    @classmethod
    def from_text(cls, text: str, path: str = "<memory>.ts") -> "ScriptDocument":
        return cls(source_from_text(text, path))

    @property
    def source(self) -> Source:
        return self._source

    @property
    def text(self) -> str:
        return self._source.text

    @property
    def tree(self) -> Tree:
        return self._tree

    def apply_edit(self, start_byte: int, old_end_byte: int, new_text: str) -> list[tuple[int, int]]:
        """Replace bytes ``[start_byte, old_end_byte)`` by ``new_text`` and re-parse;
        returns the byte ranges whose syntax changed."""
        new_data, old = edited(self._tree, self._source.data, start_byte, old_end_byte, new_text)
        new_tree = parse_script(new_data, self.dialect, old)
        changed = [(r.start_byte, r.end_byte) for r in old.changed_ranges(new_tree)]
        self._source = source_from_text(new_data.decode("utf-8", errors="replace"), self._source.path)
        self._tree = new_tree
        return changed

    def replace_all(self, text: str) -> None:
        """Replace the whole buffer (full-text sync) and parse from scratch."""
        self._source = source_from_text(text, self._source.path)
        self._tree = parse_script(self._source.data, self.dialect)
