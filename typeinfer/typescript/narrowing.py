"""Narrowing: a name's type where conditions above it have been tested.

The conditions that hold at a use are read off the syntax around it, from the
use outwards to its function: the test of an ``if`` (the consequence sees it
true, the alternative false), of a ``?:``, the left side of ``&&`` / ``||``, a
``while`` test in its body, and an earlier ``if (test) return;`` (or ``throw``,
``break``, ``continue``) in the same block, which leaves the test false below
it.  The tests understood, and what they keep::

    typeof x === "string"        the members of that typeof tag (!==: the others)
    x instanceof C               C's instances (else: the others)
    x === null, x == null        null (and undefined with ==), or the others
    x === undefined              undefined, or the others
    x, !x                        truthiness: null, undefined, void dropped when true
    Array.isArray(x)             the arrays
    "k" in x                     the object types that have k
    x.kind === "circle"          the union members whose `kind` is that literal

Example::

    function len(x: string | string[] | null) {
        if (x === null) return 0;
        if (typeof x === "string") return x.length;   # x: string
        return x.length;                              # x: string[]
    }
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from typelens.analyzer import Symbol
from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.scopes import FUNCTION_KINDS

from .expressions import operator
from .types import (
    ANY,
    BIGINT,
    BOOLEAN,
    NULL,
    NUMBER,
    STRING,
    SYMBOL,
    UNDEFINED,
    UNKNOWN,
    UNKNOWN_TS,
    VOID,
    ArrayOf,
    ClassOf,
    Func,
    Literal,
    Named,
    Overloads,
    Shape,
    TsType,
    Tuple,
    join,
    members,
)

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

_EXITS = frozenset({"return_statement", "throw_statement", "break_statement", "continue_statement"})
_TAGS = {
    "string": STRING,
    "number": NUMBER,
    "boolean": BOOLEAN,
    "bigint": BIGINT,
    "symbol": SYMBOL,
    "undefined": UNDEFINED,
}
_MAX_CLIMB = 64


class Narrower:
    """Narrows names by the conditions they sit under (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine

    def narrow(self, path: str, g: ScriptGraph, use: int, sym: Symbol, t: TsType) -> TsType:
        if t is UNKNOWN or t is ANY:
            return t
        for condition, positive in self.conditions(g, use):
            t = self.apply(path, g, condition, positive, sym, t)
        return t

    def narrow_member(self, path: str, g: ScriptGraph, node: int, t: TsType) -> TsType:
        """``o.x`` narrowed by tests of ``o.x`` itself (``if (o.x) o.x.y``)."""
        if t is UNKNOWN or t is ANY or len(members(t)) < 2:
            return t
        text = g.text(node)
        for condition, positive in self.conditions(g, node):
            t = self._apply_text(path, g, condition, positive, text, t)
        return t

    # -- where conditions come from -------------------------------------------------------
    def conditions(self, g: ScriptGraph, use: int) -> list[tuple[int, bool]]:
        """``(test node, holds)`` for each condition known at ``use``, innermost first."""
        found: list[tuple[int, bool]] = []
        child, parent = use, g.parents[use]
        for _ in range(_MAX_CLIMB):
            if parent < 0 or g.kinds[parent] in FUNCTION_KINDS:
                break
            kind, field = g.kinds[parent], g.fields[child]
            if kind == "if_statement" and field in ("consequence", "alternative"):
                test = g.child_by_field(parent, "condition")
                if test is not None:
                    found.append((test, field == "consequence"))
            elif kind == "ternary_expression" and field in ("consequence", "alternative"):
                test = g.child_by_field(parent, "condition")
                if test is not None:
                    found.append((test, field == "consequence"))
            elif kind == "while_statement" and field == "body":
                test = g.child_by_field(parent, "condition")
                if test is not None:
                    found.append((test, True))
            elif kind == "binary_expression" and field == "right":
                op = operator(g, parent)
                left = g.child_by_field(parent, "left")
                if op in ("&&", "||") and left is not None:
                    found.append((left, op == "&&"))
            elif kind in ("statement_block", "program", "switch_case", "else_clause"):
                found.extend(self._guards(g, parent, child))
            child, parent = parent, g.parents[parent]
        return found

    def _guards(self, g: ScriptGraph, block: int, child: int) -> list[tuple[int, bool]]:
        """Earlier ``if (test) return;`` statements of the block: their test is false after them."""
        out = []
        for statement in g.children(block):
            if statement == child or g.start_bytes[statement] >= g.start_bytes[child]:
                break
            if g.kinds[statement] != "if_statement" or g.child_by_field(statement, "alternative") is not None:
                continue
            body = g.child_by_field(statement, "consequence")
            test = g.child_by_field(statement, "condition")
            if body is not None and test is not None and _always_exits(g, body):
                out.append((test, False))
        return out

    # -- what a condition says ------------------------------------------------------------
    def apply(self, path: str, g: ScriptGraph, test: int, positive: bool, sym: Symbol, t: TsType) -> TsType:
        return self._apply(path, g, test, positive, lambda n: g.kinds[n] == "name_load" and g.symbol_at(n) is sym, t)

    def _apply_text(self, path, g, test, positive, text, t) -> TsType:
        return self._apply(path, g, test, positive, lambda n: g.kinds[n] == "attribute" and g.text(n) == text, t)

    def _apply(
        self, path: str, g: ScriptGraph, test: int, positive: bool, is_subject: Callable[[int], bool], t: TsType
    ) -> TsType:
        kind = g.kinds[test]
        if kind == "parenthesized_expression" and g.children(test):
            return self._apply(path, g, g.children(test)[0], positive, is_subject, t)
        if is_subject(test):
            return _truthy(t) if positive else _falsy(t)
        if kind == "unary_expression" and operator(g, test) == "!" and g.children(test):
            return self._apply(path, g, g.children(test)[0], not positive, is_subject, t)
        if kind in ("binary_expression", "call"):
            opened = self.engine.members.expand(t)  # an alias's members are what narrowing sees
            found = (
                self._binary(path, g, test, positive, is_subject, opened)
                if kind == "binary_expression"
                else self._call(g, test, positive, is_subject, opened)
            )
            return t if found == opened else found
        return t

    def _binary(
        self, path: str, g: ScriptGraph, test: int, positive: bool, is_subject: Callable[[int], bool], t: TsType
    ) -> TsType:
        op = operator(g, test)
        left, right = g.child_by_field(test, "left"), g.child_by_field(test, "right")
        if left is None or right is None:
            return t
        if op in ("&&", "||"):
            if (op == "&&") == positive:  # both sides hold (&& true) or both fail (|| false)
                t = self._apply(path, g, left, positive, is_subject, t)
                return self._apply(path, g, right, positive, is_subject, t)
            return t
        if op in ("===", "!==", "==", "!="):
            holds = positive == (op in ("===", "=="))
            loose = op in ("==", "!=")
            for a, b in ((left, right), (right, left)):
                found = self._equality(path, g, a, b, holds, loose, is_subject, t)
                if found is not None:
                    return found
            return t
        if op == "instanceof" and is_subject(left):
            cls = self.engine.value_of(path, right)
            if isinstance(cls, ClassOf):
                return _instances(self.engine, t, cls.instance, positive)
        if op == "in" and is_subject(right) and g.kinds[left] == "string":
            key = g.text(left)[1:-1]
            kept = [m for m in members(t) if (key in self.engine.members.members_of(m)) == positive]
            return join(*kept) if kept else t
        return t

    def _equality(
        self, path, g, a: int, b: int, holds: bool, loose: bool, is_subject: Callable[[int], bool], t: TsType
    ) -> TsType | None:
        if (
            g.kinds[a] == "unary_expression"
            and operator(g, a) == "typeof"
            and g.children(a)
            and is_subject(g.children(a)[0])
            and g.kinds[b] == "string"
        ):
            return _by_tag(t, g.text(b)[1:-1], holds)
        if is_subject(a) and g.kinds[b] in ("null", "undefined") or is_subject(a) and g.text(b) == "undefined":
            values = {NULL, UNDEFINED, VOID} if loose else ({NULL} if g.kinds[b] == "null" else {UNDEFINED, VOID})
            kept = [m for m in members(t) if (m in values) == holds]
            if holds and not kept:
                return NULL if g.kinds[b] == "null" else UNDEFINED
            return join(*kept) if kept else t
        obj = g.child_by_field(a, "object") if g.kinds[a] == "attribute" else None
        if obj is not None and is_subject(obj) and g.kinds[b] == "string":
            prop = g.child_by_field(a, "property")
            return (
                self._discriminated(t, g.text(prop), '"' + g.text(b)[1:-1] + '"', holds) if prop is not None else None
            )
        return None

    def _discriminated(self, t: TsType, key: str, literal: str, holds: bool) -> TsType:
        kept = []
        for m in members(t):
            field = self.engine.members.members_of(m).get(key)
            tags = {x.text for x in members(field.type) if isinstance(x, Literal)} if field is not None else set()
            if not tags:
                kept.append(m)
            elif (literal in tags) == holds or (not holds and len(tags) > 1):
                kept.append(m)
        return join(*kept) if kept else t

    def _call(self, g: ScriptGraph, test: int, positive: bool, is_subject: Callable[[int], bool], t: TsType) -> TsType:
        callee = g.child_by_field(test, "function")
        args = g.child_by_field(test, "arguments")
        kids = g.children(args) if args is not None else []
        if callee is None or g.text(callee) != "Array.isArray" or len(kids) != 1 or not is_subject(kids[0]):
            return t
        kept = [m for m in members(t) if isinstance(m, (ArrayOf, Tuple)) == positive]
        if positive and not kept:
            return ArrayOf(ANY)
        return join(*kept) if kept else t


def _always_exits(g: ScriptGraph, body: int) -> bool:
    if g.kinds[body] in _EXITS:
        return True
    kids = g.children(body)
    return g.kinds[body] == "statement_block" and bool(kids) and g.kinds[kids[-1]] in _EXITS


def _truthy(t: TsType) -> TsType:
    kept = [m for m in members(t) if m not in (NULL, UNDEFINED, VOID) and m != Literal("false", "boolean")]
    return join(*kept) if kept else t


def _falsy(t: TsType) -> TsType:
    """What a value can be when it tested false: objects and functions drop out."""
    kept = [m for m in members(t) if not isinstance(m, (Named, Shape, Func, Overloads, ArrayOf, Tuple, ClassOf))]
    return join(*kept) if kept else t


def _tag_of(t: TsType) -> str:
    if isinstance(t, Literal):
        return t.base
    if t in (STRING, NUMBER, BOOLEAN, BIGINT, SYMBOL):
        return t.name
    if t in (UNDEFINED, VOID):
        return "undefined"
    if isinstance(t, (Func, Overloads, ClassOf)):
        return "function"
    if t is UNKNOWN_TS:
        return "?"
    return "object"


def _by_tag(t: TsType, tag: str, holds: bool) -> TsType:
    if t is UNKNOWN_TS and holds and tag in _TAGS:
        return _TAGS[tag]
    kept = [m for m in members(t) if (_tag_of(m) == tag) == holds]
    if holds and not kept and tag in _TAGS:
        return _TAGS[tag]
    return join(*kept) if kept else t


def _instances(engine: "ScriptContract", t: TsType, instance: Named, positive: bool) -> TsType:
    def is_instance(m: TsType) -> bool:
        return isinstance(m, Named) and (m.name == instance.name and m.where == instance.where)

    kept = [m for m in members(t) if is_instance(m) == positive]
    if positive and not kept:
        return instance if not instance.args else Named(instance.name, (), instance.where)
    return join(*kept) if kept else t
