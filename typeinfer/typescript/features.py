"""What the neural models read of a script: the same code builds the training
samples (``datasets/typescript.py``) and the inputs at inference time.

* **Token windows**: the tokens around each occurrence of a target, with every
  type annotation cut out of the stream first (a sample never shows its own
  label, and annotated code reads like the stripped code it is used on), string
  and template contents as ``<str>``, comments dropped;
* **value shapes**: what gives the target its values (``§call:fetch``,
  ``§new_expression:Map``, ``§number``, a default's shape, ``§async``);
* **slice tokens** (CodeTIDAL5): the target's usage slice, a ``<role>`` marker
  and the tokens of each line it touches;
* **labels**: the annotation read by our type parser and printed canonically
  (``Array<string>`` -> ``string[]``, union members sorted).

Example::

    function greet(user: User, times = 2) { ... }     window of `times`:
                                                       ['greet', '(', 'user', ',', 'times', '=', '2', ...]
"""

from __future__ import annotations

import re
from functools import lru_cache

from typelens.analyzer import EdgeKind
from typelens.analyzer.typescript import ScriptGraph, build_script_graph

from ..features import TokenStream, symbol_slice_tokens
from .targets import ScriptTarget

_TOKEN = re.compile(
    rb"//[^\n]*|/\*.*?\*/|===|!==|\*\*=|>>>=|\.\.\.|\?\?=|=>|\?\.|\?\?|&&|\|\||[-+*/%&|^<>=!]=|\+\+|--|<<|>>"
    rb"|[A-Za-z_$][A-Za-z0-9_$]*|0[xXoObB][0-9a-fA-F_]+n?|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?n?|\S",
    re.S,
)
_HIDDEN = frozenset(
    {"type_annotation", "type_arguments", "type_parameters", "type_predicate_annotation", "asserts_annotation"}
)
_STRINGS = frozenset({"string", "template_string", "regex"})


class ScriptTokens(TokenStream):
    """The file's tokens, annotations cut, string contents hidden (see the module docstring)."""

    def __init__(self, g: ScriptGraph) -> None:
        hidden = sorted((g.start_bytes[n], g.end_bytes[n]) for n, k in enumerate(g.kinds) if k in _HIDDEN)
        strings = sorted((g.start_bytes[n], g.end_bytes[n]) for n, k in enumerate(g.kinds) if k in _STRINGS)
        self._scan(g.source.data, _TOKEN, hidden, strings, (b"//", b"/*"), ())


# -- per target -----------------------------------------------------------------------------
def occurrences(g: ScriptGraph, target: ScriptTarget) -> list[int]:
    """Byte offsets where the target shows: its name, then its uses (a return: its ``return`` statements)."""
    out = [g.start_bytes[target.anchor]]
    if target.kind == "return" and target.function is not None:  # script_targets sets it for returns
        out += [
            g.start_bytes[r]
            for r in g.predecessors(target.function, EdgeKind.RETURN)
            if g.kinds[r] == "return_statement"
        ]
    elif target.symbol is not None:
        out += [g.start_bytes[u] for u in g.symbols[target.symbol].uses]
    return out


def windows(
    stream: ScriptTokens, g: ScriptGraph, target: ScriptTarget, size: int = 8, limit: int = 8
) -> list[list[str]]:
    return [stream.window(b, size) for b in occurrences(g, target)[:limit]]


def value_shapes(g: ScriptGraph, target: ScriptTarget, limit: int = 4) -> list[str]:
    values: list[int] = []
    extra: list[str] = []
    if target.kind == "return" and target.function is not None:  # script_targets sets it for returns
        function = target.function
        head = g.source.data[g.start_bytes[function] : g.start_bytes[function] + 12]
        if head.startswith(b"async") or b"async " in head:
            extra.append("§async")
        body = g.child_by_field(function, "body")
        if body is not None and g.kinds[body] != "statement_block":
            values.append(body)
        values += [
            g.children(r)[0]
            for r in g.predecessors(function, EdgeKind.RETURN)
            if g.kinds[r] == "return_statement" and g.children(r)
        ]
        if not values:
            extra.append("§no_return")
    elif target.kind == "parameter" and target.holder is not None:
        default = g.child_by_field(target.holder, "value") or g.child_by_field(target.holder, "right")
        if default is not None:
            values.append(default)
        if g.kinds[target.holder] == "optional_parameter":
            extra.append("§optional")
        if g.kinds[target.holder] == "rest_pattern" or g.text(target.holder).startswith("..."):
            extra.append("§rest")
    elif target.symbol is not None:
        for d in g.symbols[target.symbol].definitions:
            holder = g.parents[d]
            value = g.child_by_field(holder, "value") or g.child_by_field(holder, "right")
            if value is not None:
                values.append(value)
    shapes = list(extra)
    for value in values:
        shape = shape_of(g, value)
        if shape not in shapes:
            shapes.append(shape)
    return shapes[:limit]


def shape_of(g: ScriptGraph, node: int) -> str:
    kind = g.kinds[node]
    while kind in ("parenthesized_expression", "await_expression", "non_null_expression") and g.children(node):
        node = g.children(node)[0]
        kind = g.kinds[node]
    if kind == "call":
        callee = g.child_by_field(node, "function")
        return "§call:" + _last_name(g, callee) if callee is not None else "§call"
    if kind == "new_expression":
        target = g.child_by_field(node, "constructor")
        return "§new_expression:" + _last_name(g, target) if target is not None else "§new_expression"
    if kind == "attribute":
        return "§attribute:" + _last_name(g, node)
    if kind in ("binary_expression", "unary_expression"):
        from .expressions import operator

        return f"§{kind}:{operator(g, node)}"
    return "§" + kind


def _last_name(g: ScriptGraph, node: int) -> str:
    if g.kinds[node] == "attribute":
        prop = g.child_by_field(node, "property")
        return g.text(prop) if prop is not None else "?"
    text = g.text(node)
    return text if text.replace("$", "_").isidentifier() else "?"


def slice_tokens(
    g: ScriptGraph, target: ScriptTarget, stream: ScriptTokens, limit: int = 256, per_line: int = 20
) -> list[str]:
    """The linearised usage slice (a return: its ``return`` statements)."""
    out: list[str] = []
    if target.symbol is None:
        for byte in occurrences(g, target)[1:]:
            out.append("<return>")
            out.extend(stream.line(byte, per_line))
            if len(out) >= limit:
                break
        return out[:limit]
    return symbol_slice_tokens(g, target.symbol, stream, limit, per_line)


def sample(g: ScriptGraph, target: ScriptTarget, stream: ScriptTokens) -> dict:
    """The model inputs of one target (no label)."""
    return {
        "scope": target.scope,
        "name": target.name,
        "kind": target.kind,
        "windows": windows(stream, g, target),
        "values": value_shapes(g, target),
        "slice": slice_tokens(g, target, stream),
    }


# -- labels ---------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def canonical(text: str) -> str | None:
    """A type written in TypeScript, printed canonically (``None`` when it does not parse)."""
    from .types import render

    found = _read(text)
    return render(found) if found is not None else None


@lru_cache(maxsize=65536)
def _read(text: str):
    g = build_script_graph(f"type __T = {text};\n", "<label>.ts")
    value = g.child_by_field(g.children(0)[0], "value") if g.children(0) else None
    if value is None or g.has_syntax_errors():
        return None
    return _reader().read("<label>.ts", g, value)


@lru_cache(maxsize=1)
def _reader():
    """A type reader over no project: names are printed as written."""
    from pathlib import Path

    from typelens.analyzer.typescript.project import ScriptIndex

    from .engine import ScriptEngine
    from .lib import FALLBACK, LibDeclarations

    engine = ScriptEngine(ScriptIndex(Path(FALLBACK).parent), LibDeclarations(None))
    return engine.types


def label_of(g: ScriptGraph, target: ScriptTarget) -> str | None:
    """The target's annotation, canonical; ``None`` when it has none (or a predicate)."""
    annotation = target.annotation
    if annotation is None or g.kinds[annotation] != "type_annotation":
        return None
    return canonical(g.text(annotation)[1:].strip())
