"""Usage slices: every node that defines or uses a symbol, across calls.

This is what CodeTIDAL5 reads from the code property graph.  The slice of a
symbol holds its definitions and uses; where a use is passed as an argument to a
resolved callee, the matching parameter's slice (``depth`` levels deep); where a
definition is assigned from a resolved call, the callee's return statements; and,
for a parameter, the arguments its callers pass.  Items are ordered by file (the
symbol's own first) and position.

Example::

    def norm(v):            # slice of `x` below, depth 1:
        return v.strip()    #   param  v (norm)   use v.strip
    x = input()             #   def    x
    y = norm(x)             #   use    x  -> arg of norm
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator

from .graph import EdgeKind, ProgramGraph, ScopeKind, Symbol, SymbolKind
from .project_graph import ProjectGraph
from .spans import Span

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SliceItem:
    """One node of a usage slice."""

    file: int  # index into the project graph's files
    node: int
    role: str  # def, use, param, param-use, return, arg
    kind: str
    text: str
    span: Span


def slice_of(
    graph: ProgramGraph | ProjectGraph, symbol: Symbol, *, file: int = 0, depth: int = 1, max_items: int = 512
) -> tuple[SliceItem, ...]:
    """The usage slice of ``symbol`` (defined in ``file`` of a project graph)."""
    if depth < 0:
        raise ValueError(f"depth={depth!r} must be >= 0; 0 keeps the symbol's own nodes only")
    pg = graph if isinstance(graph, ProjectGraph) else ProjectGraph.single(graph)
    collector = _Collector(pg, max_items)
    collector.run(file, symbol, depth)
    items = sorted(collector.items.values(), key=lambda it: (it.file != file, it.file, it.span.start_byte))
    return tuple(items)


class _Collector:
    """Visits symbols depth-first, in the order a recursive walk would, from an
    explicit stack of generators: a chain of calls ``depth`` long never becomes
    Python recursion."""

    def __init__(self, pg: ProjectGraph, max_items: int) -> None:
        self.pg, self.max_items = pg, max_items
        self.items: dict[tuple[int, int], SliceItem] = {}
        self._visited: set[tuple[int, int]] = set()

    def add(self, file: int, node: int, role: str) -> None:
        if len(self.items) >= self.max_items or (file, node) in self.items:
            return
        g = self.pg.graphs[file]
        self.items[(file, node)] = SliceItem(file, node, role, g.kinds[node], g.text(node)[:200], g.span(node))

    def run(self, file: int, symbol: Symbol, depth: int) -> None:
        stack = [self._visit(file, symbol, depth, own=True)]
        while stack:
            callee = next(stack[-1], None)
            if callee is None:
                stack.pop()
            else:
                stack.append(self._visit(*callee, own=False))

    def _visit(self, file: int, sym: Symbol, depth: int, *, own: bool) -> Iterator[tuple[int, Symbol, int]]:
        """Add ``sym``'s nodes; yield each parameter its values flow into, to visit next."""
        if (file, sym.id) in self._visited:
            return
        self._visited.add((file, sym.id))
        g = self.pg.graphs[file]
        for node in sym.definitions:
            self.add(file, node, ("def" if own else "param") if g.kinds[node] != "parameter" or own else "param")
        for node in sym.uses:
            self.add(file, node, "use" if own else "param-use")
        if depth <= 0:
            return
        for node in sym.uses:
            yield from self._follow_argument(file, g, node, depth)
        for node in sym.definitions:
            self._follow_returns(file, g, node)
        if sym.kind is SymbolKind.PARAMETER:
            self._follow_callers(file, g, sym)

    def callees(self, file: int, g: ProgramGraph, call: int) -> list[tuple[int, int]]:
        local = [(file, t) for t in g.successors(call, EdgeKind.CALL)]
        return local + self.pg.cross_targets(EdgeKind.CALL, file, call)

    def callers(self, file: int, g: ProgramGraph, function: int) -> list[tuple[int, int]]:
        local = [(file, c) for c in g.successors(function, EdgeKind.RETURN)]
        return local + self.pg.cross_sources(EdgeKind.CALL, file, function)

    def _follow_argument(self, file: int, g: ProgramGraph, use: int, depth: int) -> Iterator[tuple[int, Symbol, int]]:
        site = argument_site(g, use)
        if site is None:
            return
        call, position, keyword = site
        for tfile, fnode in self.callees(file, g, call):
            tg = self.pg.graphs[tfile]
            if tg.kinds[fnode] != "function_definition":
                continue
            param = parameter_for(tg, fnode, position, keyword, skip_self=_binds_self(g, call, tg, fnode))
            if param is not None and param in tg.symbol_of:
                yield tfile, tg.symbols[tg.symbol_of[param]], depth - 1

    def _follow_returns(self, file: int, g: ProgramGraph, node: int) -> None:
        statement = g.parents[node]
        if statement < 0 or g.kinds[statement] != "assignment":
            return
        value = g.child_by_field(statement, "right")
        if value is None or g.kinds[value] != "call":
            return
        for tfile, fnode in self.callees(file, g, value):
            tg = self.pg.graphs[tfile]
            for ret in tg.predecessors(fnode, EdgeKind.RETURN):
                if tg.kinds[ret] == "return_statement":
                    self.add(tfile, ret, "return")

    def _follow_callers(self, file: int, g: ProgramGraph, sym: Symbol) -> None:
        scope = g.scopes[sym.scope]
        if scope.kind is not ScopeKind.FUNCTION:
            return
        position, keyword = parameter_position(g, scope.node, sym.definitions[0])
        for cfile, call in self.callers(file, g, scope.node):
            cg = self.pg.graphs[cfile]
            if cg.kinds[call] != "call":
                continue
            offset = 1 if _binds_self(cg, call, g, scope.node) else 0
            arg = argument_for(cg, call, position - offset if position is not None else None, keyword)
            if arg is not None:
                self.add(cfile, arg, "arg")


def argument_site(g: ProgramGraph, node: int) -> tuple[int, int | None, str | None] | None:
    """``(call, position, keyword)`` when ``node`` is passed directly as an argument."""
    parent = g.parents[node]
    keyword = None
    if parent >= 0 and g.kinds[parent] == "keyword_argument":
        name = g.child_by_field(parent, "name")
        keyword = g.names.get(name) if name is not None else None
        node, parent = parent, g.parents[parent]
    if parent < 0 or g.kinds[parent] != "argument_list":
        return None
    call = g.parents[parent]
    if g.kinds[call] != "call":
        return None
    if keyword is not None:
        return call, None, keyword
    positional = [
        c for c in g.children(parent) if g.kinds[c] not in ("keyword_argument", "list_splat", "dictionary_splat")
    ]
    return (call, positional.index(node), None) if node in positional else None


_SPLATS = ("list_splat_pattern", "dictionary_splat_pattern")


def parameter_nodes(g: ProgramGraph, function: int) -> list[tuple[int, bool]]:
    """The ``(parameter identifier, is_variadic)`` pairs of a function, in order."""
    params = g.child_by_field(function, "parameters")
    found: list[tuple[int, bool]] = []
    for item in g.children(params) if params is not None else ():
        kind = g.kinds[item]
        if kind == "parameter":
            found.append((item, False))
            continue
        head = g.child_by_field(item, "name")
        if head is None:
            head = next(iter(g.children(item)), None) if kind != "parameter" else item
        if head is None:
            continue
        if g.kinds[head] in _SPLATS or kind in _SPLATS:
            splat = head if g.kinds[head] in _SPLATS else item
            inner = next((n for n in g.children(splat) if g.kinds[n] == "parameter"), None)
            if inner is not None:
                found.append((inner, True))
        elif g.kinds[head] == "parameter":
            found.append((head, False))
    return found


def parameter_for(
    g: ProgramGraph, function: int, position: int | None, keyword: str | None, *, skip_self: bool
) -> int | None:
    params = [p for p, variadic in parameter_nodes(g, function) if not variadic]
    if keyword is not None:
        return next((p for p in params if g.names.get(p) == keyword), None)
    if position is None:
        return None
    index = position + (1 if skip_self else 0)
    return params[index] if index < len(params) else None


def parameter_position(g: ProgramGraph, function: int, param: int) -> tuple[int | None, str | None]:
    params = [p for p, variadic in parameter_nodes(g, function) if not variadic]
    return (params.index(param) if param in params else None), g.names.get(param)


def argument_for(g: ProgramGraph, call: int, position: int | None, keyword: str | None) -> int | None:
    """The argument node a call passes for a parameter (by keyword, else by
    position); ``None`` when absent or when a ``*``/``**`` splat makes it unknowable."""
    args = g.child_by_field(call, "arguments")
    if args is None:
        return None
    positional = []
    for child in g.children(args):
        kind = g.kinds[child]
        if kind == "keyword_argument":
            name = g.child_by_field(child, "name")
            if keyword is not None and name is not None and g.names.get(name) == keyword:
                return g.child_by_field(child, "value")
        elif kind in ("list_splat", "dictionary_splat"):
            return None
        else:
            positional.append(child)
    if position is not None and 0 <= position < len(positional):
        return positional[position]
    return None


def _binds_self(call_graph: ProgramGraph, call: int, g: ProgramGraph, function: int) -> bool:
    """Whether the callee's first parameter is bound implicitly (method or constructor)."""
    scope = g.scopes[g.scope_of[function]]
    if scope.kind is not ScopeKind.CLASS:
        return False
    decorated = g.parents[function]
    if (
        decorated >= 0
        and g.kinds[decorated] == "decorated_definition"
        and "staticmethod" in g.text(decorated).split("def", 1)[0]
    ):
        return False
    return True
