"""Items of a literal that nothing changes: ``xs[0]`` is the display's first element.

A name bound once to a list, tuple or dict display, and only ever read through a
subscript or unpacked (never stored into, deleted from, passed on, iterated or
given to a method that could change it), holds that display's elements where they were
written, as Python evaluates them.  ``xs[k]`` for an integer literal ``k``
is then the ``k``-th element's own type (from the end when negative), and
``d[key]`` for a literal key the value of the last pair with that key; any
other question, or a display with a ``*``/``**`` unpacking, falls back to the
container's element type.  Unpacking it into as many plain targets gives each
target its own element (a display unpacked where it is written too).

Example::

    handlers = [parse, 2.5, "name"]     # list[Callable[[str], int] | float | str]
    handlers[0]("1")                    # int      (parse's return)
    handlers[-1]                        # str
    table = {"a": 1, 2: "b"}
    table["a"]                          # int
    first, second, third = handlers     # second: Callable[[], str]
"""

from __future__ import annotations

import ast
import logging
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph, SymbolKind

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_DISPLAYS = frozenset({"list", "tuple", "dictionary"})
_STORE_PARENTS = frozenset({"delete_statement", "pattern_list", "tuple_pattern", "list_pattern", "as_pattern_target"})
_MAX_USES = 200  # a name read more often than this is not followed


class LiteralItems:
    """Which display element a subscript of an unchanged literal reads (module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._displays: dict[tuple[str, int], int | None] = {}

    def item_node(self, path: str, g: ProgramGraph, subscript: int) -> int | None:
        """The element (or dict value) node ``subscript`` reads, or ``None``."""
        value = g.child_by_field(subscript, "value")
        keys = [c for c in g.children(subscript) if g.fields[c] == "subscript"]
        if value is None or g.kinds[value] != "name_load" or len(keys) != 1:
            return None
        key = _literal(g, keys[0])
        sym = g.symbol_at(value)
        if key is None or sym is None:
            return None
        display = self._display_of(path, g, sym.id)
        if display is None:
            return None
        if g.kinds[display] == "dictionary":
            return _value_for(g, display, key)
        return _element_at(g, display, key)

    def unpacked_node(self, path: str, g: ProgramGraph, right: int, index: int, count: int) -> int | None:
        """The element the ``index``-th of ``count`` plain targets receives from
        ``right``: a list or tuple display, or a name bound to an unchanged one
        (``b, c = xs`` after ``xs = [1, "x"]``: ``b`` is the ``1``)."""
        display: int | None = right
        if g.kinds[right] == "name_load":
            sym = g.symbol_at(right)
            display = self._display_of(path, g, sym.id) if sym is not None else None
        if display is None or g.kinds[display] not in ("list", "tuple"):
            return None
        items = [c for c in g.children(display) if g.kinds[c] != "comment"]
        if len(items) != count or any(g.kinds[c] in ("list_splat", "parenthesized_list_splat") for c in items):
            return None
        return items[index]

    def _display_of(self, path: str, g: ProgramGraph, sid: int) -> int | None:
        key = (path, sid)
        if key not in self._displays:
            self._displays[key] = _unchanged_display(g, sid)
        return self._displays[key]


def _unchanged_display(g: ProgramGraph, sid: int) -> int | None:
    """The display the symbol is bound to once and only read through subscripts."""
    sym = g.symbols[sid]
    if (
        sym.kind is not SymbolKind.VARIABLE
        or sym.scope < 0
        or sym.is_global_decl
        or len(sym.definitions) != 1
        or len(sym.uses) > _MAX_USES
    ):
        return None
    store = sym.definitions[0]
    parent = g.parents[store]
    if g.kinds[store] != "name_store" or g.kinds[parent] != "assignment" or g.fields[store] != "left":
        return None
    display = g.child_by_field(parent, "right")
    if display is None or g.kinds[display] not in _DISPLAYS or not all(_is_read(g, u) for u in sym.uses):
        return None
    return display


def _is_read(g: ProgramGraph, use: int) -> bool:
    """``use[...]`` read, not stored into or deleted; or unpacked (``a, b = use``)."""
    sub = g.parents[use]
    if sub >= 0 and g.kinds[sub] == "assignment" and g.fields[use] == "right":
        left = g.child_by_field(sub, "left")
        return left is not None and g.kinds[left] in ("pattern_list", "tuple_pattern", "list_pattern")
    if sub < 0 or g.kinds[sub] != "subscript" or g.fields[use] != "value":
        return False
    holder = g.parents[sub]
    return g.fields[sub] != "left" and (holder < 0 or g.kinds[holder] not in _STORE_PARENTS)


def _literal(g: ProgramGraph, node: int) -> int | str | bytes | None:
    """The value of an integer or plain string literal key (``-1`` included)."""
    kind = g.kinds[node]
    if kind == "unary_operator" and g.text(node).startswith("-"):
        inner = _literal(g, g.children(node)[-1]) if g.children(node) else None
        return -inner if isinstance(inner, int) else None
    if kind not in ("integer", "string") or any(g.kinds[c] == "interpolation" for c in g.children(node)):
        return None
    try:
        value = ast.literal_eval(g.text(node))  # a literal's text: nothing is run
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, (int, str, bytes)) and not isinstance(value, bool) else None


def _element_at(g: ProgramGraph, display: int, key: int | str | bytes) -> int | None:
    items = [c for c in g.children(display) if g.kinds[c] not in ("comment",)]
    if not isinstance(key, int) or any(g.kinds[c] in ("list_splat", "parenthesized_list_splat") for c in items):
        return None
    return items[key] if -len(items) <= key < len(items) else None


def _value_for(g: ProgramGraph, display: int, key: int | str | bytes) -> int | None:
    found = None
    for pair in g.children(display):
        if g.kinds[pair] == "dictionary_splat":
            return None
        if g.kinds[pair] != "pair":
            continue
        key_node = g.child_by_field(pair, "key")
        if key_node is not None and _literal(g, key_node) == key and type(_literal(g, key_node)) is type(key):
            found = g.child_by_field(pair, "value")  # the last pair with the key wins
    return found
