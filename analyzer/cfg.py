"""Control-flow graphs at statement granularity, one region per module, class and
function body, each between a synthetic ``entry`` and ``exit`` node.

Compound statements are their own *header* node: an ``if_statement`` node stands for
its test, a ``for_statement`` for fetching the next item, a ``case_clause`` for its
pattern.  Edge kinds::

    if c:            if_statement --true--> a ; if_statement --false--> b
        a
    else:
        b
    for x in xs:     for_statement --true--> body; body end --loop_back--> for_statement
        ...          for_statement --false--> else/after; break --next--> after
    try:             every statement of the body --exception--> first except_clause;
        ...          except_clause --true--> handler; --false--> next clause / outer
    except E: ...    handler / finally; return --return--> exit; raise --exception-->
                     handler or exit

Approximations, stated once: a ``return`` or ``break`` inside ``try/finally`` goes
straight to its target (not through ``finally``); ``with`` bodies do not model
exceptions swallowed by ``__exit__``.  Statement nesting deeper than
``max_depth`` becomes an opaque statement and a ``nesting-too-deep`` diagnostic.

Nothing here recurses: a compound statement's handler is a generator that
yields each block it needs built, ``(statements, predecessors)``, and is sent
back the block's exits; :meth:`CfgBuilder._sequence` drives them with an
explicit stack, so Python's recursion limit never depends on the input.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Generator

from . import codes
from .graph import EdgeKind, Scope, ScopeKind
from .spans import Diagnostic, Span

try:  # mypyc's class options (see analyzer/native.py): the TypeScript side extends CfgArrays
    from mypy_extensions import mypyc_attr
except ImportError:  # needed only where mypyc builds
    from .native import mypyc_attr  # type: ignore[assignment]

logger = logging.getLogger(__name__)

Pred = tuple[int, EdgeKind]
Block = Generator[tuple[list[int], list[Pred]], list[Pred], list[Pred]]  # yields blocks, returns exits

_BODY_FIELDS = {"function_definition": "body", "class_definition": "body"}
_LOOPS = frozenset({"for_statement", "while_statement"})


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class CfgResult:
    """A control-flow build's output: edges by kind (sources, targets), the statement nodes, and the diagnostics."""

    edges: dict[EdgeKind, tuple[list[int], list[int]]] = field(default_factory=dict)
    statements: set[int] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class _Loop:
    """An open loop: its header node and the ``break`` statements that leave it."""

    header: int
    breaks: list[Pred] = field(default_factory=list)


@mypyc_attr(allow_interpreted_subclasses=True)
class CfgArrays:
    """The node arrays a control-flow builder appends ``entry``/``exit`` nodes to,
    and the edges it records (shared by the Python and the script builders)."""

    def __init__(
        self,
        kinds: list[str],
        starts: list[int],
        ends: list[int],
        parents: list[int],
        fields: list[str | None],
        children: list[list[int]],
        scope_of: list[int],
        scopes: list[Scope],
        *,
        max_depth: int,
        path: str,
    ) -> None:
        self.kinds, self.starts, self.ends, self.parents = kinds, starts, ends, parents
        self.fields, self.children, self.scope_of, self.scopes = fields, children, scope_of, scopes
        self.max_depth, self.path = max_depth, path
        self.out = CfgResult()
        self._handlers: list[int] = []
        self._exit = -1
        self._depth = 0

    def _synthetic(self, kind: str, at: int, scope: int) -> int:
        node = len(self.kinds)
        self.kinds.append(kind)
        self.starts.append(at)
        self.ends.append(at)
        self.parents.append(-1)
        self.fields.append(None)
        self.children.append([])
        self.scope_of.append(scope)
        return node

    def _edge(self, kind: EdgeKind, src: int, dst: int) -> None:
        srcs, dsts = self.out.edges.setdefault(kind, ([], []))
        srcs.append(src)
        dsts.append(dst)

    def _link(self, preds: list[Pred], target: int) -> None:
        for src, kind in preds:
            self._edge(kind, src, target)

    def _field(self, node: int | None, name: str) -> int | None:
        for child in self.children[node] if node is not None else ():
            if self.fields[child] == name:
                return child
        return None


class CfgBuilder(CfgArrays):
    """Adds ``entry``/``exit`` nodes to the node lists and builds every CFG region
    (constructed as :class:`CfgArrays`)."""

    _loops: list[_Loop]
    _reported_depth: bool

    def build(self) -> CfgResult:
        self._loops, self._reported_depth = [], False
        for index, scope in enumerate(self.scopes):
            if scope.kind in (ScopeKind.MODULE, ScopeKind.CLASS, ScopeKind.FUNCTION):
                self.scopes[index] = self._region(scope)
        return self.out

    def _statements(self, block: int | None) -> list[int]:
        if block is None:
            return []
        return [c for c in self.children[block] if self.kinds[c] != "comment"]

    # -- regions ---------------------------------------------------------------
    def _region(self, scope: Scope) -> Scope:
        node = scope.node
        entry = self._synthetic("entry", self.starts[node], scope.id)
        exit_ = self._synthetic("exit", self.ends[node], scope.id)
        body = node if scope.kind is ScopeKind.MODULE else self._field(node, _BODY_FIELDS[self.kinds[node]])
        saved = (self._loops, self._handlers, self._exit, self._depth)
        self._loops, self._handlers, self._exit, self._depth = [], [], exit_, 0
        self.out.statements.update((entry, exit_))
        preds = self._sequence(self._statements(body), [(entry, EdgeKind.CFG_NEXT)])
        self._link(preds, exit_)
        self._loops, self._handlers, self._exit, self._depth = saved
        return Scope(scope.id, scope.kind, scope.node, scope.name, scope.qualname, scope.parent, entry, exit_)

    def _sequence(self, stmts: list[int], preds: list[Pred]) -> list[Pred]:
        """The exits of ``stmts`` entered from ``preds``, built without recursion.

        ``stack`` alternates blocks being built, ``[statements, next index, exits
        so far]``, and the handlers (generators) of the compound statements that
        wait for the block above them."""
        stack: list = [[stmts, 0, preds]]
        while True:
            frame = stack[-1]
            if isinstance(frame, list):
                block, at, exits = frame
                if at < len(block):
                    frame[1] = at + 1
                    started = self._statement(block[at], exits)
                    if isinstance(started, list):
                        frame[2] = started
                    else:
                        self._depth += 1
                        stack.append(started)
                        self._resume(stack, None)
                    continue
                stack.pop()
                if not stack:
                    return exits
            else:
                exits = None
            self._resume(stack, exits)

    def _resume(self, stack: list, exits: list[Pred] | None) -> None:
        """Send the innermost handler a finished block's ``exits`` (``None`` starts
        it): it asks for its next block, or it is done and its own exits continue
        the block it sits in."""
        handler = stack[-1]
        try:
            block, preds = handler.send(exits)
        except StopIteration as done:
            stack.pop()
            self._depth -= 1
            stack[-1][2] = done.value
            return
        stack.append([block, 0, preds])

    def _statement(self, stmt: int, preds: list[Pred]) -> list[Pred] | Block:
        """Link ``stmt`` after ``preds``: its exits, or the handler that builds them."""
        self.out.statements.add(stmt)
        self._link(preds, stmt)
        if self._handlers:
            self._edge(EdgeKind.CFG_EXCEPTION, stmt, self._handlers[-1])
        handler = _HANDLERS.get(self.kinds[stmt])
        if handler is None:
            return [(stmt, EdgeKind.CFG_NEXT)]
        if self._depth >= self.max_depth:
            self._too_deep(stmt)
            return [(stmt, EdgeKind.CFG_NEXT)]
        return handler(self, stmt)

    def _too_deep(self, stmt: int) -> None:
        if self._reported_depth:
            return
        self._reported_depth = True
        span = Span(self.starts[stmt], self.ends[stmt], 0, 0, 0, 0)
        message = codes.NESTING_TOO_DEEP.format(limit=self.max_depth)
        self.out.diagnostics.append(Diagnostic.build("nesting-too-deep", message, span, self.path))

    # -- statement kinds -------------------------------------------------------
    def _if(self, stmt: int) -> Block:
        out = yield self._statements(self._field(stmt, "consequence")), [(stmt, EdgeKind.CFG_TRUE)]
        false: list[Pred] = [(stmt, EdgeKind.CFG_FALSE)]
        for alt in (c for c in self.children[stmt] if self.fields[c] == "alternative"):
            if self.kinds[alt] == "elif_clause":
                self.out.statements.add(alt)
                self._link(false, alt)
                out += yield self._statements(self._field(alt, "consequence")), [(alt, EdgeKind.CFG_TRUE)]
                false = [(alt, EdgeKind.CFG_FALSE)]
            else:
                out += yield self._statements(self._field(alt, "body")), false
                false = []
        return out + false

    def _loop(self, stmt: int) -> Block:
        loop = _Loop(stmt)
        self._loops.append(loop)
        body_out = yield self._statements(self._field(stmt, "body")), [(stmt, EdgeKind.CFG_TRUE)]
        self._loops.pop()
        for src, _ in body_out:
            self._edge(EdgeKind.CFG_LOOP_BACK, src, stmt)
        alternative = self._field(stmt, "alternative")
        if alternative is not None:
            out = yield self._statements(self._field(alternative, "body")), [(stmt, EdgeKind.CFG_FALSE)]
        else:
            out = [(stmt, EdgeKind.CFG_FALSE)]
        if self._endless(stmt):
            out = []  # ``while True:`` is left by a break (or a return, a raise) only
        return out + loop.breaks

    def _endless(self, stmt: int) -> bool:
        """Whether ``stmt`` is a ``while True:``."""
        if self.kinds[stmt] != "while_statement":
            return False
        condition = self._field(stmt, "condition")
        return condition is not None and self.kinds[condition] == "true"

    def _break(self, stmt: int) -> list[Pred]:
        if self._loops:
            self._loops[-1].breaks.append((stmt, EdgeKind.CFG_NEXT))
            return []
        return [(stmt, EdgeKind.CFG_NEXT)]  # a syntax error; keep the flow going

    def _continue(self, stmt: int) -> list[Pred]:
        if self._loops:
            self._edge(EdgeKind.CFG_LOOP_BACK, stmt, self._loops[-1].header)
            return []
        return [(stmt, EdgeKind.CFG_NEXT)]

    def _return(self, stmt: int) -> list[Pred]:
        self._edge(EdgeKind.CFG_RETURN, stmt, self._exit)
        return []

    def _raise(self, stmt: int) -> list[Pred]:
        if not self._handlers:
            self._edge(EdgeKind.CFG_EXCEPTION, stmt, self._exit)
        return []

    def _with(self, stmt: int) -> Block:
        return (yield self._statements(self._field(stmt, "body")), [(stmt, EdgeKind.CFG_NEXT)])

    def _try(self, stmt: int) -> Block:
        kids = self.children[stmt]
        handlers = [c for c in kids if self.kinds[c] in ("except_clause", "except_group_clause")]
        else_clause = next((c for c in kids if self.kinds[c] == "else_clause"), None)
        finally_clause = next((c for c in kids if self.kinds[c] == "finally_clause"), None)
        finally_stmts = self._statements(self._block_of(finally_clause)) if finally_clause is not None else []
        target = handlers[0] if handlers else (finally_stmts[0] if finally_stmts else None)
        if target is not None:
            self._handlers.append(target)
        out = yield self._statements(self._field(stmt, "body")), [(stmt, EdgeKind.CFG_NEXT)]
        if target is not None:
            self._handlers.pop()
        if else_clause is not None:
            out = yield self._statements(self._field(else_clause, "body")), out
        for index, handler in enumerate(handlers):
            self.out.statements.add(handler)
            if self._handlers:
                self._edge(EdgeKind.CFG_EXCEPTION, handler, self._handlers[-1])
            out += yield self._statements(self._block_of(handler)), [(handler, EdgeKind.CFG_TRUE)]
            if index + 1 < len(handlers):
                self._edge(EdgeKind.CFG_FALSE, handler, handlers[index + 1])
            elif finally_stmts:
                self._edge(EdgeKind.CFG_EXCEPTION, handler, finally_stmts[0])
            else:
                self._edge(EdgeKind.CFG_EXCEPTION, handler, self._handlers[-1] if self._handlers else self._exit)
        if finally_stmts:
            after = yield finally_stmts, out
            # after an exception or a return the finally block re-raises or returns:
            # only a normal completion of the rest goes on past it
            out = after if out else []
        return out

    def _block_of(self, clause: int) -> int | None:
        return next((c for c in self.children[clause] if self.kinds[c] == "block"), None)

    def _match(self, stmt: int) -> Block:
        body = self._field(stmt, "body")
        cases = [c for c in self.children[body] if self.kinds[c] == "case_clause"] if body is not None else []
        out: list[Pred] = []
        previous: list[Pred] = [(stmt, EdgeKind.CFG_NEXT)]
        for case in cases:
            self.out.statements.add(case)
            self._link(previous, case)
            previous = [(case, EdgeKind.CFG_FALSE)]
            test = case
            guard = self._field(case, "guard")
            if guard is not None:  # the guard runs after the pattern bound its names
                self.out.statements.add(guard)
                self._edge(EdgeKind.CFG_TRUE, case, guard)
                previous.append((guard, EdgeKind.CFG_FALSE))
                test = guard
            elif self._irrefutable(case):  # ``case _:``, ``case other:``: no value gets past it
                previous = []
            out += yield self._statements(self._field(case, "consequence")), [(test, EdgeKind.CFG_TRUE)]
        return out + previous

    def _irrefutable(self, case: int) -> bool:
        """Whether the case's pattern matches every value: the wildcard ``_``, a
        capture name, ``P as name`` or an or-pattern with such a ``P``."""
        patterns = [c for c in self.children[case] if self.kinds[c] == "case_pattern"]
        stack = patterns if len(patterns) == 1 else []  # ``case a, b:`` is a sequence
        while stack:
            node = stack.pop()
            kind, children = self.kinds[node], self.children[node]
            if kind == "case_pattern" and not children and self.ends[node] - self.starts[node] == 1:
                return True  # ``_`` (the only childless one-character pattern)
            if kind == "dotted_name" and len(children) == 1:
                return True  # a capture (``Color.RED`` is a value pattern)
            if kind in ("case_pattern", "union_pattern"):
                stack.extend(children)
            elif kind == "as_pattern" and children:
                stack.append(children[0])
        return False


_HANDLERS: dict[str, Callable[[CfgBuilder, int], list[Pred] | Block]] = {
    "if_statement": CfgBuilder._if,
    "for_statement": CfgBuilder._loop,
    "while_statement": CfgBuilder._loop,
    "break_statement": CfgBuilder._break,
    "continue_statement": CfgBuilder._continue,
    "return_statement": CfgBuilder._return,
    "raise_statement": CfgBuilder._raise,
    "with_statement": CfgBuilder._with,
    "try_statement": CfgBuilder._try,
    "match_statement": CfgBuilder._match,
}
