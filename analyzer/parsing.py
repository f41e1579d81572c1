"""Tree-sitter parsing of Python, whole-file and incremental.

The grammar comes from the ``tree-sitter-python`` wheel, so nothing is compiled at
run time.  Parsers are not thread-safe, so each thread gets its own.

:class:`Document` is the editor path: it keeps the last tree and re-parses
incrementally after each edit, reporting which byte ranges changed; its
``recovery`` is that tree with each broken statement confined to itself (see
:mod:`.recovery`), computed once per version.

Example::

    >>> doc = Document.from_text("x = 1\\n")
    >>> doc.apply_edit(4, 5, "22")          # replace "1" by "22"
    [(4, 6)]
    >>> doc.text
    'x = 22\\n'
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import TYPE_CHECKING

import tree_sitter_python
from tree_sitter import Language, Parser, Point, Tree

from .parse_guard import GuardedBytes, guard_input
from .source import Source, source_from_text

if TYPE_CHECKING:
    from .recovery import Recovery
    from .rewrite import ValidityCache

logger = logging.getLogger(__name__)

PYTHON = Language(tree_sitter_python.language())
_local = threading.local()


def python_parser() -> Parser:
    """This thread's parser for Python."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = Parser(PYTHON)
        _local.parser = parser
    return parser


def parse_bytes(data: bytes, old_tree: Tree | None = None) -> Tree:
    """Parse UTF-8 ``data``; pass the edited ``old_tree`` to re-parse incrementally.

    Input that would crash or stall tree-sitter-python is parsed with the lines
    at fault blanked (:mod:`.parse_guard`; :func:`~.parse_guard.guard_diagnostics`
    says which)."""
    return parse_guarded(guard_input(data), old_tree)


def parse_guarded(guard: GuardedBytes, old_tree: Tree | None = None) -> Tree:
    """Parse what :func:`~.parse_guard.guard_input` left of some input.  A
    tree of blanked bytes is never reused incrementally: its unchanged parts are
    not what the new text holds there."""
    if guard.is_changed or (old_tree is not None and any(t is old_tree for t in tuple(_guarded))):
        old_tree = None
    parser = python_parser()
    tree = parser.parse(guard.data) if old_tree is None else parser.parse(guard.data, old_tree)
    if guard.is_changed:
        _guarded.append(tree)
    return tree


_guarded: collections.deque[Tree] = collections.deque(maxlen=8)  # the last trees parsed from blanked bytes


def _point_at(data: bytes, offset: int) -> Point:
    """The (row, byte column) point of byte ``offset`` in ``data``."""
    row = data.count(b"\n", 0, offset)
    line_start = data.rfind(b"\n", 0, offset) + 1
    return Point(row, offset - line_start)


def edited(tree: Tree, data: bytes, start_byte: int, old_end_byte: int, new_text: str) -> tuple[bytes, Tree]:
    """``data`` with bytes ``[start_byte, old_end_byte)`` replaced by ``new_text``, and
    a copy of ``tree`` told of the edit, to re-parse from (the tree handed out for
    the last version, to a graph being built or the last recovery, stays that
    version's).  Shared by the Python and the script documents."""
    if not 0 <= start_byte <= old_end_byte <= len(data):
        raise ValueError(
            f"edit range ({start_byte!r}, {old_end_byte!r}) is outside the document of {len(data)} bytes; "
            "pass byte offsets with 0 <= start <= end <= length"
        )
    inserted = new_text.encode("utf-8", errors="surrogatepass")
    new_data = data[:start_byte] + inserted + data[old_end_byte:]
    new_end_byte = start_byte + len(inserted)
    old = tree.copy()
    old.edit(
        start_byte=start_byte,
        old_end_byte=old_end_byte,
        new_end_byte=new_end_byte,
        start_point=_point_at(data, start_byte),
        old_end_point=_point_at(data, old_end_byte),
        new_end_point=_point_at(new_data, new_end_byte),
    )
    return new_data, old


class Document:
    """An editable buffer whose tree is kept up to date incrementally."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._tree = parse_bytes(source.data)
        # (source, its recovery): the current version's, once computed
        self._recovery: tuple[Source, Recovery] | None = None
        self._previous: Recovery | None = None  # the last recovery computed, of any version
        self._known_valid: ValidityCache | None = None  # statements known to parse, kept across versions

    @classmethod
    def from_text(cls, text: str, path: str = "<memory>") -> "Document":
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

    @property
    def recovery(self) -> Recovery:
        """This version's tree with broken statements recovered (a
        :class:`~typelens.analyzer.recovery.Recovery`; its ``tree`` is :attr:`tree`
        itself when nothing is broken).  Pass it to ``build_graph(source,
        recovery=...)``.  Statements below the one being typed are remembered as
        parsing, and the recovered tree is re-parsed incrementally from the last
        one, so a keystroke re-parses little more than what changed."""
        return self.recover(self._source, self._tree)

    def recover(self, source: Source, tree: Tree) -> Recovery:
        """The recovery of one version of this document: ``source`` and ``tree`` as
        read together from :attr:`source` and :attr:`tree` between two edits.  Safe
        from another thread while later edits arrive (a language server builds
        graphs off its request loop): the version's recovery is remembered with
        its source, so a stale one is never taken for a newer version's."""
        from .recovery import recover_tree  # recovery parses through this module
        from .rewrite import ValidityCache

        kept = self._recovery
        if kept is not None and kept[0] is source:
            return kept[1]
        if self._known_valid is None:
            self._known_valid = ValidityCache()
        recovery = recover_tree(source.data, tree, known_valid=self._known_valid, previous=self._previous)
        self._previous = recovery
        if self._source is source:
            self._recovery = (source, recovery)
        return recovery

    def apply_edit(self, start_byte: int, old_end_byte: int, new_text: str) -> list[tuple[int, int]]:
        """Replace bytes ``[start_byte, old_end_byte)`` by ``new_text`` and re-parse.

        Returns the byte ranges whose syntax changed (tree-sitter's ``changed_ranges``).
        """
        new_data, old = edited(self._tree, self._source.data, start_byte, old_end_byte, new_text)
        # the source first, and its bytes parsed (NUL read as a space, as when
        # opened whole); "surrogatepass" both ways keeps them the bytes edited above
        source = source_from_text(new_data.decode("utf-8", errors="surrogatepass"), self._source.path)
        new_tree = parse_bytes(source.data, old)
        changed = [(r.start_byte, r.end_byte) for r in old.changed_ranges(new_tree)]
        self._source = source
        self._tree = new_tree
        self._recovery = None
        return changed

    def replace_all(self, text: str) -> None:
        """Replace the whole buffer (full-text sync) and parse from scratch."""
        self._source = source_from_text(text, self._source.path)
        self._tree = parse_bytes(self._source.data)
        self._recovery = None
