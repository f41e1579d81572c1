"""Where a lambda is called: the calls its parameters take their types from.

A lambda has no name for the call graph to link, so its calls are found by
following the lambda, as a value, through its own file: to a call of it, to a
name it is assigned to (that name's uses), to a function it is passed to (that
parameter's uses) and out of a function that returns it (that function's
calls).  Each step is syntactic (no type is asked but the callee's of a call it
is passed to), at most ``_MAX_STEPS`` values are followed and ``_MAX_SITES``
calls kept.  A parameter of the lambda is then the join of what those calls pass
(:meth:`CallModel.evidence`), as a def's parameter is the join over its calls.

Example::

    y = lambda x: x + 1           # x: int      (y(1))
    y(1)
    (lambda z: z * 2)(2.5)        # z: float    (called where it is written)
    def run(f):
        return f("a")
    run(lambda s: s.upper())      # s: str      (f("a") in run)
    def make():
        return lambda w: w + 1    # w: int      (g(2): g is what make() returns)
    g = make()
    g(2)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer import ProgramGraph

from .types import FunctionRef

if TYPE_CHECKING:
    from .engine import TypeEngine

logger = logging.getLogger(__name__)

_MAX_STEPS = 64  # values followed from one lambda
_MAX_SITES = 32  # calls kept


def lambda_calls(engine: "TypeEngine", path: str, lam: int) -> list[int]:
    """The calls (in ``path``) that call the lambda ``lam``, the first ``_MAX_SITES``."""
    g = engine.require_graph(path)
    todo, seen, calls = [lam], {lam}, []
    steps = 0
    while todo and steps < _MAX_STEPS and len(calls) < _MAX_SITES:
        steps += 1
        value = _outermost(g, todo.pop())
        parent = g.parents[value]
        if parent < 0:
            continue
        if g.kinds[parent] == "call" and g.fields[value] == "function":
            calls.append(parent)
            continue
        for nxt in _next_values(engine, path, g, value, parent):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return calls


def _outermost(g: ProgramGraph, node: int) -> int:
    """``node`` with the parentheses around it (``(lambda x: x)``)."""
    while g.parents[node] >= 0 and g.kinds[g.parents[node]] == "parenthesized_expression":
        node = g.parents[node]
    return node


def _next_values(engine: "TypeEngine", path: str, g: ProgramGraph, value: int, parent: int) -> list[int]:
    """The expressions that hold ``value`` one step on (names' uses, calls' results)."""
    kind = g.kinds[parent]
    if kind == "assignment" and g.fields[value] == "right":
        return _uses(g, g.child_by_field(parent, "left"))
    if kind == "argument_list" or (kind == "keyword_argument" and g.fields[value] == "value"):
        return _passed(engine, path, g, value, parent)
    if kind == "return_statement":
        function = g.enclosing(parent, "function_definition", "lambda")
        if function is None or g.kinds[function] != "function_definition":
            return []
        return [call for site, call in engine.callsites.linked(path, function) if site == path]
    return []


def _uses(g: ProgramGraph, target: int | None) -> list[int]:
    """Where the name ``target`` (a plain name, not a pattern) is read."""
    if target is None or g.kinds[target] not in ("name_store", "parameter"):
        return []
    sym = g.symbol_at(target)
    return list(sym.uses) if sym is not None else []


def _passed(engine: "TypeEngine", path: str, g: ProgramGraph, value: int, parent: int) -> list[int]:
    """``run(value)`` for a ``def run(f)`` of this file: the uses of ``f``."""
    holder = parent if g.kinds[parent] == "argument_list" else g.parents[parent]
    call = g.parents[holder]
    callee = g.child_by_field(call, "function") if call >= 0 and g.kinds[call] == "call" else None
    if callee is None:
        return []
    target = engine.exprs.type_of(path, callee)
    if not isinstance(target, FunctionRef) or target.path != path or target.bound is not None:
        return []
    params = engine.calls.signature(path, g, target.node)
    if g.kinds[parent] == "keyword_argument":
        name = g.names.get(g.child_by_field(parent, "name") or -1, "")
        chosen = [p for p in params if p.name == name]
    else:
        positional = [c for c in g.children(holder) if g.kinds[c] not in ("keyword_argument", "comment")]
        if any(g.kinds[c] in ("list_splat", "dictionary_splat") for c in g.children(holder)):
            return []
        index = positional.index(value)
        plain = [p for p in params if p.kind == "positional"]
        chosen = plain[index : index + 1]
    return _uses(g, chosen[0].node) if chosen else []
