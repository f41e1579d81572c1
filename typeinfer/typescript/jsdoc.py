"""JSDoc comments of ``.js`` files: the types their tags declare.

The graph drops comments, so a declaration's comment is read from the source
between the end of what precedes it and its start: the last ``/** ... */``
there (blank lines and ``export`` in between are fine).  Tags read:
``@param {T} name`` (``[name]``, ``[name=default]`` optional), ``@returns {T}``
(``@return``), ``@type {T}``; a tag's type may hold nested braces.  A tag
without a type (``@param count - how many``, ``@returns the total``) is kept
apart with the byte offset right after its tag word, where a type can go.

Example::

    /**
     * @param {string} name
     * @param {number} [times=1]
     * @returns {string[]}
     */
    function repeat(name, times) {}       # JsDoc(params={'name': 'string', 'times': 'number'}, returns='string[]')
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from typelens.analyzer.typescript import ScriptGraph

logger = logging.getLogger(__name__)

_TAG = re.compile(r"@(param|arg|argument|returns?|type)\b")
_STATEMENT_HOLDERS = frozenset(
    {"export_statement", "lexical_declaration", "variable_declaration", "expression_statement", "ambient_declaration"}
)


@dataclass(frozen=True, slots=True)
class JsDoc:
    params: dict[str, str] = field(default_factory=dict)
    returns: str | None = None
    type: str | None = None
    start: int = -1  # the comment's byte range in the source (-1: none)
    end: int = -1
    untyped: dict[str, int] = field(default_factory=dict)  # param name or "@returns" -> after the tag word


def comment_before(g: ScriptGraph, node: int) -> tuple[int, int] | None:
    """The byte range of the ``/** */`` comment right before the statement holding ``node``."""
    statement = node
    while g.parents[statement] >= 0 and g.kinds[g.parents[statement]] in _STATEMENT_HOLDERS | {"variable_declarator"}:
        statement = g.parents[statement]
    if g.kinds[statement] == "variable_declarator":
        statement = g.parents[statement]
    parent = g.parents[statement]
    siblings = g.children(parent) if parent >= 0 else []
    before = [s for s in siblings if g.end_bytes[s] <= g.start_bytes[statement]]
    floor = g.end_bytes[before[-1]] if before else (g.start_bytes[parent] if parent >= 0 else 0)
    text = g.source.data[floor : g.start_bytes[statement]]
    end = text.rfind(b"*/")
    start = text.rfind(b"/**", 0, end if end >= 0 else 0)
    if start < 0 or end < 0 or text[end + 2 :].strip():
        return None
    return floor + start, floor + end + 2


def jsdoc_of(g: ScriptGraph, node: int) -> JsDoc:
    """The JSDoc tags of the declaration ``node`` (empty when it has none)."""
    where = comment_before(g, node)
    if where is None:
        return JsDoc()
    return parse_jsdoc(g.source.data[where[0] : where[1]].decode("utf-8", "replace"), where)


def parse_jsdoc(text: str, where: tuple[int, int] = (-1, -1)) -> JsDoc:
    params: dict[str, str] = {}
    untyped: dict[str, int] = {}
    returns = declared = None
    for match in _TAG.finditer(text):
        tag = match.group(1)
        rest = text[match.end() :]
        typed = _braced(rest)
        if typed is None:
            if where[0] >= 0 and rest[:1] in (" ", "\t"):
                at = where[0] + len(text[: match.end()].encode("utf-8"))
                key = "@returns" if tag in ("returns", "return") else _param_name(rest)
                if key and tag != "type":
                    untyped.setdefault(key, at)
            continue
        type_text, after = typed
        if tag in ("param", "arg", "argument"):
            name = _param_name(after)
            if name:
                params[name] = type_text
        elif tag in ("returns", "return"):
            returns = type_text
        else:
            declared = type_text
    return JsDoc(params, returns, declared, *where, untyped)


def _param_name(text: str) -> str:
    """The parameter a tag's text names: ``[times=1] ...`` -> ``times`` (``""``: none)."""
    name = text.strip().split(None, 1)[0] if text.strip() else ""
    name = name.strip("[]").split("=", 1)[0].strip("*")
    return name if name and name.replace("_", "a").replace("$", "a").isalnum() else ""


def _braced(text: str) -> tuple[str, str] | None:
    """``{type} rest`` -> ``(type, rest)``, nested braces balanced."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return None
    depth = 0
    for i, c in enumerate(stripped):
        depth += 1 if c == "{" else -1 if c == "}" else 0
        if depth == 0:
            body = " ".join(re.sub(r"\n\s*\*(?!/)", " ", stripped[1:i]).split())
            return body, stripped[i + 1 :]
    return None
