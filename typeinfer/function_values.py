"""Where a function travels as a value: the calls that reach it there.

The call graph links the calls that name a function (``f(1)``).  A lambda has no
name, and a def is also called through the values it travels as; those calls are
found by following the function, as a value, through its own file: to a call of
it, to a name it is assigned to (that name's uses), to a def it is passed to
(that parameter's uses), to the decorator it is given to (the decorator's
parameter), and out of a def that returns it (that def's calls, and the uses of
the names the def decorates).  Each step is syntactic (no type is asked but the
callee's of a call it is passed to); at most ``_MAX_STEPS`` values are followed
and ``_MAX_SITES`` calls kept.  A lambda's parameter, and a def's that nothing
else explains (no call names the def, no default, no use of the parameter says
what it is), is then the join of what those calls pass (:meth:`CallModel.evidence`):
they pass what the def they are made in passes, less precise than a caller's own
arguments.

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
    def log(fn):
        def wrapper(a):           # a: str      (greet("x") calls the wrapper)
            return fn(a)
        return wrapper
    @log
    def greet(name):              # name: str   (fn(a) in wrapper)
        return name
    greet("x")
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from typelens.analyzer import ProgramGraph, ScopeKind

from .types import FunctionRef

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_MAX_STEPS: Final = 64  # values followed from one lambda
_MAX_SITES: Final = 32  # calls kept


def value_calls(engine: "Engine", path: str, function: int) -> list[int]:
    """The calls (in ``path``) that reach the lambda or plain def ``function``
    through values (a def's calls by name are the call graph's), the first ``_MAX_SITES``."""
    g = engine.require_graph(path)
    start = [function] if g.kinds[function] == "lambda" else _def_values(engine, path, g, function)
    todo, seen = list(start), set(start)
    calls: list[int] = []
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


def argument_sites(engine: "Engine", path: str, function: int) -> list[tuple[int, int]]:
    """Where the lambda or plain def ``function`` is passed, as it is written, to a
    call (``map(f, xs)``, ``sorted(xs, key=f)``): ``(argument node, call)``; a call
    with ``*``/``**`` arguments is left out."""
    g = engine.require_graph(path)
    if g.kinds[function] == "lambda":
        values = [function]
    elif g.scopes[g.scope_of[function]].kind is ScopeKind.CLASS:
        values = _method_values(engine, path, g, function)
    else:
        values = _def_values(engine, path, g, function)
    found = []
    for value in values[:_MAX_SITES]:
        value = _outermost(g, value)
        parent = g.parents[value]
        holder = g.parents[parent] if g.kinds[parent] == "keyword_argument" and g.fields[value] == "value" else parent
        if holder < 0 or g.kinds[holder] != "argument_list" or g.kinds[g.parents[holder]] != "call":
            continue
        if not any(g.kinds[c] in ("list_splat", "dictionary_splat") for c in g.children(holder)):
            found.append((value, g.parents[holder]))
    return found


def _method_values(engine: "Engine", path: str, g: ProgramGraph, function: int) -> list[int]:
    """Where a method is read as a bound method in its own class (``self.on_click``
    passed on, not called)."""
    scope = g.scopes[g.scope_of[function]]
    name = g.names.get(g.child_by_field(function, "name") or -1, "")

    # -> object: a cycle's answer is Never, and compiled code checks what memo returns
    def compute() -> object:
        return _bound_reads(g)

    reads = engine.memo(("bound-method-reads", path), compute)
    uses = reads.get((scope.node, name), []) if isinstance(reads, dict) else []
    return [u for u in uses if not (g.kinds[g.parents[u]] == "call" and g.fields[u] == "function")]


def _bound_reads(g: ProgramGraph) -> dict[tuple[int, str], list[int]]:
    """``self.name`` and ``cls.name`` reads of the file, by (class node, name): one
    pass over the file however many methods ask."""
    found: dict[tuple[int, str], list[int]] = {}
    for node, kind in enumerate(g.kinds):
        if kind != "attribute":
            continue
        children = g.children(node)
        if len(children) != 2 or g.kinds[children[0]] != "name_load" or g.text(children[0]) not in ("self", "cls"):
            continue
        scope = g.scopes[g.scope_of[node]]
        while scope.parent >= 0 and scope.kind is not ScopeKind.CLASS:
            scope = g.scopes[scope.parent]
        if scope.kind is ScopeKind.CLASS:
            found.setdefault((scope.node, g.names.get(children[1], "")), []).append(node)
    return found


def _outermost(g: ProgramGraph, node: int) -> int:
    """``node`` with the parentheses around it (``(lambda x: x)``)."""
    while g.parents[node] >= 0 and g.kinds[g.parents[node]] == "parenthesized_expression":
        node = g.parents[node]
    return node


def _next_values(engine: "Engine", path: str, g: ProgramGraph, value: int, parent: int) -> list[int]:
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
        return _results(engine, path, g, function)
    return []


def _def_values(engine: "Engine", path: str, g: ProgramGraph, function: int) -> list[int]:
    """Where a plain def is a value: its name read other than as a direct call, or,
    when one decorator wraps it, that decorator's parameter (which receives it)."""
    holder = g.parents[function]  # a module's or class's children are not its decorators: not read
    decorators = (
        [c for c in g.children(holder) if g.kinds[c] == "decorator"]
        if holder >= 0 and g.kinds[holder] == "decorated_definition"
        else []
    )
    if decorators:
        inner = g.children(decorators[-1])
        return _parameter_uses(engine, path, g, inner[0], 0, None) if len(decorators) == 1 and inner else []
    uses = _uses(g, g.child_by_field(function, "name"))
    return [u for u in uses if not (g.kinds[g.parents[u]] == "call" and g.fields[u] == "function")]


def decorated_by(g: ProgramGraph, function: int) -> list[tuple[int, list[int]]]:
    """The defs and classes that ``@function`` (by its name) decorates, each with
    the expressions of the decorators below it (outermost first): the decorator's
    first parameter receives the definition as those leave it."""
    found = []
    for use in _name_uses(g, function):
        holder = g.parents[use]
        if g.kinds[holder] != "decorator" or g.kinds[g.parents[holder]] != "decorated_definition":
            continue
        decorators = [c for c in g.children(g.parents[holder]) if g.kinds[c] == "decorator"]
        decorated = g.child_by_field(g.parents[holder], "definition")
        below = [g.children(c)[0] for c in decorators[decorators.index(holder) + 1 :] if g.children(c)]
        if decorated is not None:
            found.append((decorated, below))
    return found


def _results(engine: "Engine", path: str, g: ProgramGraph, function: int) -> list[int]:
    """The expressions holding what ``function`` returns: its calls, and the names
    of the defs it decorates (``@function``)."""
    found = [call for site, call in engine.callsites.linked(path, function) if site == path]
    for use in _name_uses(g, function):
        holder = g.parents[use]
        if g.kinds[holder] == "decorator" and g.kinds[g.parents[holder]] == "decorated_definition":
            decorated = g.child_by_field(g.parents[holder], "definition")
            if decorated is not None and g.kinds[decorated] == "function_definition":
                found.extend(_uses(g, g.child_by_field(decorated, "name")))
    return found


def _name_uses(g: ProgramGraph, function: int) -> list[int]:
    """Where the def's name is read, and the names it is assigned to once
    (``log = logged`` then ``@log``), one step."""
    uses = _uses(g, g.child_by_field(function, "name"))
    for use in list(uses):
        parent = g.parents[use]
        if g.kinds[parent] == "assignment" and g.fields[use] == "right":
            alias = g.child_by_field(parent, "left")
            sym = g.symbol_at(alias) if alias is not None and g.kinds[alias] == "name_store" else None
            if sym is not None and len(sym.definitions) == 1:
                uses.extend(sym.uses)
    return uses


def _uses(g: ProgramGraph, target: int | None) -> list[int]:
    """Where the name ``target`` (a plain name, not a pattern) is read."""
    if target is None or g.kinds[target] not in ("name_store", "parameter"):
        return []
    sym = g.symbol_at(target)
    return list(sym.uses) if sym is not None else []


def _passed(engine: "Engine", path: str, g: ProgramGraph, value: int, parent: int) -> list[int]:
    """``run(value)`` for a ``def run(f)`` of this file: the uses of ``f``."""
    holder = parent if g.kinds[parent] == "argument_list" else g.parents[parent]
    call = g.parents[holder]
    callee = g.child_by_field(call, "function") if call >= 0 and g.kinds[call] == "call" else None
    if callee is None:
        return []
    if g.kinds[parent] == "keyword_argument":
        return _parameter_uses(engine, path, g, callee, None, g.names.get(g.child_by_field(parent, "name") or -1))
    if any(g.kinds[c] in ("list_splat", "dictionary_splat") for c in g.children(holder)):
        return []
    positional = [c for c in g.children(holder) if g.kinds[c] not in ("keyword_argument", "comment")]
    return _parameter_uses(engine, path, g, callee, positional.index(value), None)


def _parameter_uses(
    engine: "Engine", path: str, g: ProgramGraph, callee: int, index: int | None, name: str | None
) -> list[int]:
    """The uses of the parameter (by position, else by name) of the plain def of
    this file that ``callee`` names."""
    target = engine.exprs.type_of(path, callee)
    if not isinstance(target, FunctionRef) or target.path != path or target.bound is not None:
        return []
    params = engine.calls.signature(path, g, target.node)
    if index is not None:
        chosen = [p for p in params if p.kind == "positional"][index : index + 1]
    else:
        chosen = [p for p in params if p.name == name]
    return _uses(g, chosen[0].node) if chosen else []
