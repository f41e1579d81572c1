"""Signature help: the signatures of the call open at the cursor and the
parameter the cursor is on.

The call is read from the file's own graph when it parses around the cursor,
else from a copy whose call is closed right after the cursor (``f(a, |``
while typing).  A class shows its ``__init__`` without ``self``, a bound method
without its receiver, an overloaded function each overload.  The active
parameter counts the commas before the cursor at the call's own depth; a
keyword argument (``k=|``) is its parameter, and the arguments past ``*args``
stay on it.

Example::

    def area(w, h=1.0): ...
    area(2.0, |                 -> def area(w: float, h: float = 1.0) -> float, parameter 1 (h)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph
from typelens.analyzer.repair import enclosing_def_line, scope_at

from ..queries import Analysed, name_chain_in_scope, trailing_name
from ..types import FunctionRef, TypeOfClass, members
from .hover import overloads_of
from .signatures import Signature, signature_of

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

_KEYWORD = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")
_CLOSE = {")": "(", "]": "[", "}": "{"}
_MAX_SCAN = 4096  # bytes before the cursor searched for the open parenthesis (at module level)
_MAX_DEF_SCAN = 16384  # ... or from the enclosing ``def``/``class`` line, when that is closer
# what a called expression can end with: a name (non-ASCII letters included), a call or a subscript
_CALLABLE_END = re.compile(rb"[\w)\]\x80-\xff]\Z")
_DEFINES = re.compile(rb"(?:^|[\s;:])(?:def|class)[ \t]+[\w\x80-\xff]+\Z")  # ``def f`` / ``class C`` before a ``(``


@dataclass(frozen=True, slots=True)
class SignatureLabel:
    label: str
    parameters: tuple[str, ...]  # each a substring of ``label``
    doc: str | None


@dataclass(frozen=True, slots=True)
class SignatureHelp:
    signatures: tuple[SignatureLabel, ...]
    active_signature: int
    active_parameter: int | None  # None: the cursor is past every parameter


def signature_help(analysis: "FileAnalysis", offset: int) -> SignatureHelp | None:
    data = analysis.graph.source.data
    paren = open_paren(data, offset)
    if paren is None:
        return None
    callee = callee_at(analysis, paren, offset)
    if callee is None:
        return None
    engine, value = callee
    found = _signatures(engine, value)
    if not found:
        return None
    argument_text = data[paren + 1 : offset].decode("utf-8", "replace")
    index, keyword = active_argument(argument_text)
    labels, positions = [], []
    for sig, bound, name in found:
        params = sig.callable_parameters(bound=bound)
        shown = [p for p in params if p.kind != "separator"]
        returns = f" -> {sig.returns}" if sig.returns and name == sig.name else ""
        labels.append(
            SignatureLabel(
                f"{name}({', '.join(p.text for p in params)}){returns}", tuple(p.text for p in shown), sig.doc
            )
        )
        positions.append(_parameter_index(shown, index, keyword))
    # the first signature the arguments typed so far fit
    active = next((i for i, p in enumerate(positions) if p is not None), 0)
    return SignatureHelp(tuple(labels), active, positions[active])


def open_paren(data: bytes, offset: int) -> int | None:
    """The byte offset of the ``(`` of the innermost call still open at ``offset``
    (brackets and strings on the way skipped, from the line of the ``def`` or
    ``class`` enclosing it, which no string holds); ``None`` outside any call."""
    def_line = enclosing_def_line(data, offset)
    start = def_line if def_line is not None and offset - def_line <= _MAX_DEF_SCAN else max(0, offset - _MAX_SCAN)
    text = data[start:offset].decode("utf-8", "replace")
    depth: list[str] = []
    quote = None
    positions: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif ch in "'\"":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else ch
            i += len(quote) - 1
        elif ch == "#":
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
        elif ch in "([{":
            depth.append(ch)
            positions.append(i)
        elif ch in ")]}" and depth and depth[-1] == _CLOSE[ch]:
            depth.pop()
            positions.pop()
        i += 1
    if not depth or depth[-1] != "(" or quote:
        return None
    return start + len(text[: positions[-1]].encode("utf-8"))


def active_argument(text: str) -> tuple[int, str | None]:
    """``(index, keyword)`` of the argument being typed after the ``(``: commas
    at depth 0 counted; ``keyword`` when it reads ``name=``."""
    depth, index, current = 0, 0, 0
    quote = None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            index, current = index + 1, i + 1
    keyword = _KEYWORD.match(text[current:])
    return index, keyword.group(1) if keyword else None


def _parameter_index(params, index: int, keyword: str | None) -> int | None:
    if keyword is not None:
        return next(
            (i for i, p in enumerate(params) if p.name == keyword and p.kind != "var_positional"),
            next((i for i, p in enumerate(params) if p.kind == "var_keyword"), None),
        )
    for i, p in enumerate(params):
        if p.kind == "var_positional":
            return i if index >= i else index
        if p.kind in ("keyword_only", "var_keyword"):
            return None if index >= i else index
    return index if index < len(params) else None


def callee_at(analysis: "FileAnalysis", paren: int, offset: int):
    """``(engine, type)`` of the function called at ``paren`` (the cursor at
    ``offset`` in its arguments): from the file's graph where it holds that
    call, else the dotted name before the ``(`` read in the scope there (as
    completion reads a receiver, :func:`~typelens.typeinfer.queries.name_chain_in_scope`).
    Only where the flow decides that name's type, or a call's result or a
    subscript is called, is a copy with the call closed at the cursor analysed.
    ``None`` where no function is called there (a ``def``'s parameters, a
    tuple)."""
    g, path = analysis.graph, analysis.path
    function = _function_before(g, paren)
    if function is not None:
        return analysis.engine, analysis.engine.exprs.type_of(path, function)
    data = g.source.data
    head = data[data.rfind(b"\n", 0, paren) + 1 : paren].rstrip()
    chain = callee_chain(data, paren)
    if _DEFINES.search(head) or (chain is None and not _CALLABLE_END.search(head)):
        return None
    scope = scope_at(g, paren) if chain is not None else None
    if chain is not None and scope is not None:
        value = name_chain_in_scope(analysis.engine, path, g, scope, chain[2])
        if value is not None:
            return analysis.engine, value
    line_end = data.find(b"\n", offset)
    patched = data[:offset] + b")\n" + (data[line_end + 1 :] if line_end >= 0 else b"")
    copy = Analysed.of(analysis.engine, path, patched)
    function = _function_before(copy.graph, paren)
    return (copy.engine, copy.engine.exprs.type_of(path, function)) if function is not None else None


def callee_chain(data: bytes, paren: int) -> tuple[int, int, tuple[str, ...]] | None:
    """``(start, paren, names)`` of the dotted name right before the ``(`` at byte
    ``paren`` (``self.items.append(`` gives ``("self", "items", "append")``);
    ``None`` when something else is called (a call's result, a subscript)."""
    head = data[data.rfind(b"\n", 0, paren) + 1 : paren]
    chain = trailing_name(head.decode("utf-8", "replace"))
    if chain is None:
        return None
    return paren - len(chain.group().encode("utf-8")), paren, tuple(chain.group().split("."))


def _function_before(g: ProgramGraph, paren: int) -> int | None:
    node = g.node_at(paren)
    arguments = g.enclosing(node, "argument_list")
    if arguments is None or g.start_bytes[arguments] != paren or g.kinds[g.parents[arguments]] != "call":
        return None
    return g.child_by_field(g.parents[arguments], "function")


def _signatures(engine: "TypeEngine", value) -> list[tuple[Signature, bool, str]]:
    """``(signature, drop the receiver, name shown)`` of each callable ``value`` names."""
    found = []
    for m in sorted(members(value), key=repr):
        if isinstance(m, TypeOfClass):
            hit = engine.classes.lookup(m.cls, "__init__")
            if hit is None:
                continue
            for fn in overloads_of(engine, FunctionRef(hit[2].path, hit[2].nodes[-1], m.cls)):
                sig = signature_of(engine, fn)
                if sig is not None:
                    found.append((sig, True, m.cls.short))
        elif isinstance(m, FunctionRef):
            for fn in overloads_of(engine, m):
                sig = signature_of(engine, fn)
                if sig is not None:
                    found.append((sig, fn.bound is not None, sig.name))
    return found[:8]
