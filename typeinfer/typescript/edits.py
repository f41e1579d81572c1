"""Writing inferred types into scripts: TypeScript annotations in ``.ts``/``.tsx``,
JSDoc in ``.js``/``.jsx``/``.mjs``/``.cjs``.  Only what is missing is added, as
exact byte edits; everything else stays byte for byte.

TypeScript: ``x`` -> ``x: number`` (after a ``?`` if there is one, before a
default), ``function f(...)`` -> ``function f(...): string``, ``let n = 0`` ->
``let n: number = 0``, a class field ``count = 0`` -> ``count: number = 0``.  A
type is written only when every name in it can be written in this file: a
library type, a declaration of the file, or one it imports (no import is added).

JavaScript: a ``/** ... */`` block before the function with ``@param {T} name``
and ``@returns {T}`` lines (added to an existing block before its ``*/``), and
``/** @type {T} */`` before a ``let``/``const``/``var`` of one variable or a class
field.

Example::

    function area(w, h = 2) {           /**
      return w * h;                      * @param {number} w
    }                                    * @param {number} h
                                         * @returns {number}
                                         */
                                        function area(w, h = 2) { ... }
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer.typescript import ScriptGraph

from ..apply import Edit
from ..predictions import Prediction
from .jsdoc import comment_before, jsdoc_of
from .targets import ScriptTarget, script_targets
from .types import ArrayOf, ClassOf, Func, ModuleRef, Named, Opaque, Overloads, Shape, TsType, Tuple, TypeVar, members

if TYPE_CHECKING:
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

_HOLDERS = ("required_parameter", "optional_parameter")


@dataclass(frozen=True, slots=True)
class ScriptEdits:
    edits: tuple[Edit, ...]


def plan_script_edits(
    engine: "ScriptEngine", path: str, predictions: list[Prediction], min_confidence: float, only: int | None = None
) -> ScriptEdits:
    """The edits annotating ``path`` from its predictions (``only``: the target anchored at that byte)."""
    g = engine.graph(path)
    if g is None or g.has_syntax_errors():
        return ScriptEdits(())
    by_anchor = {
        (p.span.start_byte, p.kind): p
        for p in predictions
        if p.type is not None and p.source != "annotation" and p.confidence >= min_confidence
    }
    wanted: list[tuple[ScriptTarget, Prediction]] = []
    for target in script_targets(g):
        p = by_anchor.get((g.start_bytes[target.anchor], target.kind))
        if p is None or (only is not None and g.start_bytes[target.anchor] != only):
            continue
        if writable(engine, path, g, _typed(engine, path, target)):
            wanted.append((target, p))
    if g.is_typescript:
        edits = [e for e in (_ts_edit(g, t, p) for t, p in wanted) if e is not None]
    else:
        edits = _jsdoc_edits(g, wanted)
    return ScriptEdits(tuple(sorted(edits, key=lambda e: (e.start, e.end))))


def _typed(engine: "ScriptEngine", path: str, target: ScriptTarget) -> TsType:
    from .predictions import ScriptPredictor

    predictor = ScriptPredictor(engine, path, path)
    return predictor.answer(target)[0]


def writable(engine: "ScriptEngine", path: str, g: ScriptGraph, t: TsType, depth: int = 0) -> bool:
    """Whether every name ``t`` uses can be written in file ``path`` as it is."""
    if depth > 12:
        return False
    d = depth + 1
    for m in members(t):
        if isinstance(m, (ClassOf, ModuleRef, Opaque, Overloads)):
            return False
        if isinstance(m, TypeVar) and (m.name == "this" or m.where is None or m.where[0] != path):
            return False
        if isinstance(m, ArrayOf) and not writable(engine, path, g, m.item, d):
            return False
        if isinstance(m, Tuple) and not all(writable(engine, path, g, x, d) for x in m.items):
            return False
        if isinstance(m, Shape) and not all(writable(engine, path, g, f.type, d) for f in m.fields):
            return False
        if isinstance(m, Func) and not (
            writable(engine, path, g, m.ret, d) and all(writable(engine, path, g, p.type, d) for p in m.params)
        ):
            return False
        if isinstance(m, Named) and not _visible(engine, path, g, m):
            return False
        if isinstance(m, Named) and not all(writable(engine, path, g, a, d) for a in m.args):
            return False
    return True


def _visible(engine: "ScriptEngine", path: str, g: ScriptGraph, t: Named) -> bool:
    if t.where is None:
        return engine.lib.knows(t.name) or "." in t.name and g.dialect == "tsx"
    if t.where[0] == path:
        sym = g.find_symbol(t.name, "")
        # a class expression bound to a variable declares no type of that name
        return sym is not None and g.kinds[t.where[1]] != "class"
    for binding in g.imports:
        if binding.bound == t.name:
            target = engine.index.resolve_binding(g, binding)
            return getattr(target, "node", None) == t.where[1] and str(getattr(target, "path", "")) == t.where[0]
    return False


# -- TypeScript ---------------------------------------------------------------------------
def _ts_edit(g: ScriptGraph, target: ScriptTarget, p: Prediction) -> Edit | None:
    data = g.source.data
    text = f": {p.type}"
    if target.kind == "return":
        if target.annotation is not None:
            return None
        params = g.child_by_field(target.function, "parameters") if target.function is not None else None
        if params is None:
            return None  # `x => ...`: no parentheses to write after
        return Edit(g.end_bytes[params], g.end_bytes[params], text)
    if target.kind == "parameter":
        holder = target.holder
        if holder is None or g.kinds[holder] not in _HOLDERS or g.child_by_field(holder, "type") is not None:
            return None
        pattern = g.child_by_field(holder, "pattern")
        if pattern is None:
            return None  # the grammar requires it; only error-free files get here
        at = g.end_bytes[pattern]
        if data[at : at + 1] == b"?":
            at += 1
        return Edit(at, at, text)
    if target.annotation is not None:
        return None
    at = g.end_bytes[target.anchor]
    if target.kind == "attribute":
        holder = g.parents[target.anchor]
        if g.kinds[holder] not in ("public_field_definition", "field_definition"):
            return None
        if data[at : at + 1] in (b"?", b"!"):
            at += 1
    return Edit(at, at, text)


# -- JSDoc --------------------------------------------------------------------------------
def _jsdoc_edits(g: ScriptGraph, wanted: list[tuple[ScriptTarget, Prediction]]) -> list[Edit]:
    by_function: dict[int, list[tuple[ScriptTarget, Prediction]]] = {}
    edits: list[Edit] = []
    for target, p in wanted:
        if target.kind in ("parameter", "return") and target.function is not None:  # set for both kinds
            by_function.setdefault(target.function, []).append((target, p))
        elif target.kind == "variable":
            declarator = g.parents[target.anchor]
            statement = g.parents[declarator]
            if (
                len([c for c in g.children(statement) if g.kinds[c] == "variable_declarator"]) == 1
                and comment_before(g, target.anchor) is None
            ):
                edits.append(_line_before(g, _outer_statement(g, statement), f"/** @type {{{p.type}}} */"))
        elif target.kind == "attribute":
            holder = g.parents[target.anchor]
            if g.kinds[holder] in ("field_definition", "public_field_definition") and comment_before(g, holder) is None:
                edits.append(_line_before(g, holder, f"/** @type {{{p.type}}} */"))
    for function, items in by_function.items():
        edits.extend(_function_doc(g, function, items))
    return edits


def _outer_statement(g: ScriptGraph, node: int) -> int:
    parent = g.parents[node]
    return parent if parent >= 0 and g.kinds[parent] == "export_statement" else node


def _function_statement(g: ScriptGraph, function: int) -> int | None:
    parent = g.parents[function]
    if g.kinds[function] in ("function_declaration", "generator_function_declaration", "method_definition"):
        return _outer_statement(g, function)
    if g.kinds[parent] == "variable_declarator":
        return _outer_statement(g, g.parents[parent])
    if g.kinds[parent] == "pair":
        return parent
    if g.kinds[parent] == "assignment_expression" and g.kinds[g.parents[parent]] == "expression_statement":
        return g.parents[parent]
    return None


def _function_doc(g: ScriptGraph, function: int, items: list[tuple[ScriptTarget, Prediction]]) -> list[Edit]:
    """The JSDoc edits of one function: a type put into a tag that has none
    (``@param count - how many`` -> ``@param {number} count - how many``), the
    missing tags added to its block, or a new block."""
    statement = _function_statement(g, function)
    if statement is None:
        return []
    existing = jsdoc_of(
        g, function if g.kinds[function] not in ("arrow_function", "function_expression") else statement
    )
    lines, typed = [], []
    order = sorted(items, key=lambda item: (item[0].kind == "return", g.start_bytes[item[0].anchor]))
    for target, p in order:
        key = target.name if target.kind == "parameter" else "@returns"
        if key in existing.untyped and (target.kind == "return" or target.name not in existing.params):
            typed.append(Edit(existing.untyped[key], existing.untyped[key], f" {{{p.type}}}"))
        elif target.kind == "parameter" and target.name not in existing.params:
            lines.append(f"@param {{{p.type}}} {target.name}")
        elif target.kind == "return" and existing.returns is None:
            lines.append(f"@returns {{{p.type}}}")
    if not lines:
        return typed
    indent = _indent(g, statement)
    if existing.start >= 0:
        close = existing.end - 2
        head = g.source.data[existing.start : close]
        if b"\n" not in head:  # a one-line block: open it up (it has no untyped tag to fill)
            body = head[3:].decode("utf-8", "replace").strip()
            text = (
                "/**\n" + "".join(f"{indent} * {line}\n" for line in ([body] if body else []) + lines) + f"{indent} */"
            )
            return [Edit(existing.start, existing.end, text)]
        star = _star_prefix(g.source.data, existing.start, close, indent)
        return typed + [Edit(close, close, "".join(f"* {line}\n{star}" for line in lines))]
    block = "/**\n" + "".join(f"{indent} * {line}\n" for line in lines) + f"{indent} */\n{indent}"
    return [Edit(g.start_bytes[statement], g.start_bytes[statement], block)]


def _star_prefix(data: bytes, start: int, close: int, indent: str) -> str:
    """What goes before the ``*`` of a block's lines: the closing line's own
    prefix (``" "`` in `` */``, ``""`` in a block whose lines start at ``*``)."""
    line_start = data.rfind(b"\n", start, close) + 1
    prefix = data[line_start:close] if line_start > 0 else b""
    return prefix.decode("utf-8", "replace") if not prefix.strip() else indent + " "


def _line_before(g: ScriptGraph, node: int, text: str) -> Edit:
    indent = _indent(g, node)
    return Edit(g.start_bytes[node], g.start_bytes[node], f"{text}\n{indent}")


def _indent(g: ScriptGraph, node: int) -> str:
    data = g.source.data
    start = data.rfind(b"\n", 0, g.start_bytes[node]) + 1
    prefix = data[start : g.start_bytes[node]]
    return prefix.decode("utf-8", "replace") if not prefix.strip() else ""


# -- applying -------------------------------------------------------------------------------
def apply_script_edits(data: bytes, plan: ScriptEdits) -> bytes:
    """``data`` with the plan's edits made (from the end, so offsets stay valid)."""
    out = data
    last = len(data) + 1
    for edit in sorted(plan.edits, key=lambda e: (e.start, e.end), reverse=True):
        if edit.end > last:
            continue  # overlapping edits: keep the later one only
        out = out[: edit.start] + edit.text.encode("utf-8") + out[edit.end :]
        last = edit.start
    return out
