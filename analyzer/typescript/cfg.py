"""Control flow of a script at statement granularity: one region per module and
function body (arrows included), each between synthetic ``entry`` and ``exit``.

The edge kinds are Python's (:class:`~typelens.analyzer.graph.EdgeKind`), with
the same conventions: a compound statement is its own header node::

    if (c) a; else b;       if_statement --true--> a ; --false--> b
    for (...) body          for_statement --true--> body; body end --loop_back--> header;
                            --false--> after; break --next--> after (labels honoured)
    switch (v) {case ...}   switch_statement --true--> each case's first statement,
                            falling through to the next case; no default: --false-->
    try {..} catch {..}     each statement of the body --exception--> catch_clause
    return / throw          --return--> exit / --exception--> handler or exit
    x => x + 1              entry --next--> the body expression --return--> exit

Approximations: ``finally`` runs after the body and the handler only (not on
``return``), and ends normally only where one of them does; ``do``-``while`` tests before its body.  Nesting deeper than
``max_depth`` is an opaque statement with a ``nesting-too-deep`` diagnostic, so the
recursion here is bounded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .. import codes
from ..cfg import CfgArrays, CfgResult
from ..graph import EdgeKind, Scope, ScopeKind
from ..spans import Diagnostic, Span

logger = logging.getLogger(__name__)

Pred = tuple[int, EdgeKind]
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_NOT_STATEMENTS = frozenset({"comment", "ERROR"})


@dataclass(slots=True)
class _Target:
    """What ``break`` and ``continue`` can leave: a loop, a switch or a labelled block."""

    header: int  # where `continue` goes (-1: not a loop)
    label: str | None
    is_switch: bool = False
    breaks: list[Pred] = field(default_factory=list)


class ScriptCfg(CfgArrays):
    """Adds ``entry``/``exit`` nodes to the arrays and builds every region."""

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
        names: dict[int, str],
        *,
        max_depth: int,
        path: str,
    ) -> None:
        super().__init__(
            kinds, starts, ends, parents, fields, children, scope_of, scopes, max_depth=max_depth, path=path
        )
        self.names = names
        self._targets: list[_Target] = []
        self._label: str | None = None

    def build(self) -> CfgResult:
        for index, scope in enumerate(self.scopes):
            if scope.kind in (ScopeKind.MODULE, ScopeKind.FUNCTION):
                self.scopes[index] = self._region(scope)
        return self.out

    def _statements(self, node: int | None) -> list[int]:
        """The statements a body holds: a block's children, or the one statement."""
        if node is None:
            return []
        if self.kinds[node] in ("statement_block", "program", "else_clause", "finally_clause", "class_static_block"):
            return [c for c in self.children[node] if self.kinds[c] not in _NOT_STATEMENTS]
        return [node]

    # -- regions ------------------------------------------------------------------------
    def _region(self, scope: Scope) -> Scope:
        node = scope.node
        entry = self._synthetic("entry", self.starts[node], scope.id)
        exit_ = self._synthetic("exit", self.ends[node], scope.id)
        saved = (self._targets, self._handlers, self._exit, self._depth)
        self._targets, self._handlers, self._exit, self._depth = [], [], exit_, 0
        self.out.statements.update((entry, exit_))
        body = node if scope.kind is ScopeKind.MODULE else self._field(node, "body")
        if body is not None and self.kinds[body] not in ("statement_block", "program"):
            self.out.statements.add(body)  # an arrow's expression body: it is returned
            self._edge(EdgeKind.CFG_NEXT, entry, body)
            self._edge(EdgeKind.CFG_RETURN, body, exit_)
        else:
            self._link(self._sequence(self._statements(body), [(entry, EdgeKind.CFG_NEXT)]), exit_)
        self._targets, self._handlers, self._exit, self._depth = saved
        return Scope(scope.id, scope.kind, scope.node, scope.name, scope.qualname, scope.parent, entry, exit_)

    def _sequence(self, stmts: list[int], preds: list[Pred]) -> list[Pred]:
        for stmt in stmts:
            preds = self._statement(stmt, preds)
        return preds

    def _statement(self, stmt: int, preds: list[Pred]) -> list[Pred]:
        kind = self.kinds[stmt]
        if kind == "statement_block":
            return self._sequence(self._statements(stmt), preds)
        self.out.statements.add(stmt)
        self._link(preds, stmt)
        if self._handlers:
            self._edge(EdgeKind.CFG_EXCEPTION, stmt, self._handlers[-1])
        handler = _HANDLERS.get(kind)
        if handler is None:
            return [(stmt, EdgeKind.CFG_NEXT)]
        if self._depth >= self.max_depth:
            self._too_deep(stmt)
            return [(stmt, EdgeKind.CFG_NEXT)]
        self._depth += 1
        try:
            return handler(self, stmt)
        finally:
            self._depth -= 1

    def _too_deep(self, stmt: int) -> None:
        if any(d.code == "nesting-too-deep" for d in self.out.diagnostics):
            return
        span = Span(self.starts[stmt], self.ends[stmt], 0, 0, 0, 0)
        message = codes.NESTING_TOO_DEEP.format(limit=self.max_depth)
        self.out.diagnostics.append(Diagnostic.build("nesting-too-deep", message, span, self.path))

    # -- statement kinds ----------------------------------------------------------------
    def _if(self, stmt: int) -> list[Pred]:
        out = self._sequence(self._statements(self._field(stmt, "consequence")), [(stmt, EdgeKind.CFG_TRUE)])
        alternative = self._field(stmt, "alternative")
        if alternative is None:
            return out + [(stmt, EdgeKind.CFG_FALSE)]
        return out + self._sequence(self._statements(alternative), [(stmt, EdgeKind.CFG_FALSE)])

    def _loop(self, stmt: int) -> list[Pred]:
        target = _Target(stmt, self._take_label())
        self._targets.append(target)
        body_out = self._sequence(self._statements(self._field(stmt, "body")), [(stmt, EdgeKind.CFG_TRUE)])
        self._targets.pop()
        for src, _ in body_out:
            self._edge(EdgeKind.CFG_LOOP_BACK, src, stmt)
        return [(stmt, EdgeKind.CFG_FALSE)] + target.breaks

    def _switch(self, stmt: int) -> list[Pred]:
        target = _Target(-1, self._take_label(), is_switch=True)
        self._targets.append(target)
        body = self._field(stmt, "body")
        falling: list[Pred] = []
        has_default = False
        for case in self.children[body] if body is not None else ():
            if self.kinds[case] not in ("switch_case", "switch_default"):
                continue
            has_default = has_default or self.kinds[case] == "switch_default"
            self.out.statements.add(case)
            self._link([(stmt, EdgeKind.CFG_TRUE)] + falling, case)
            stmts = [c for c in self.children[case] if self.fields[c] == "body"]
            falling = self._sequence(stmts, [(case, EdgeKind.CFG_NEXT)])
        self._targets.pop()
        return falling + target.breaks + ([] if has_default else [(stmt, EdgeKind.CFG_FALSE)])

    def _labeled(self, stmt: int) -> list[Pred]:
        label = self._field(stmt, "label")
        body = self._field(stmt, "body")
        text = self.names.get(label) if label is not None else None
        if body is not None and self.kinds[body] in _LOOPS | {"switch_statement"}:
            self._label = text
            return self._statement(body, [(stmt, EdgeKind.CFG_NEXT)])
        target = _Target(-1, text)
        self._targets.append(target)
        out = self._sequence(self._statements(body), [(stmt, EdgeKind.CFG_NEXT)])
        self._targets.pop()
        return out + target.breaks

    def _take_label(self) -> str | None:
        label, self._label = self._label, None
        return label

    def _jump_target(self, stmt: int, is_continue: bool) -> _Target | None:
        label = self._field(stmt, "label")
        text = self.names.get(label) if label is not None else None
        for target in reversed(self._targets):
            if text is not None and target.label != text:
                continue
            if (is_continue or text is None) and target.header < 0 and not (target.is_switch and not is_continue):
                continue  # unlabelled: the innermost loop (or switch, for break)
            return target
        return None

    def _break(self, stmt: int) -> list[Pred]:
        target = self._jump_target(stmt, False)
        if target is None:
            return [(stmt, EdgeKind.CFG_NEXT)]  # a syntax error: keep the flow going
        target.breaks.append((stmt, EdgeKind.CFG_NEXT))
        return []

    def _continue(self, stmt: int) -> list[Pred]:
        target = self._jump_target(stmt, True)
        if target is None:
            return [(stmt, EdgeKind.CFG_NEXT)]
        self._edge(EdgeKind.CFG_LOOP_BACK, stmt, target.header)
        return []

    def _return(self, stmt: int) -> list[Pred]:
        self._edge(EdgeKind.CFG_RETURN, stmt, self._exit)
        return []

    def _throw(self, stmt: int) -> list[Pred]:
        if not self._handlers:
            self._edge(EdgeKind.CFG_EXCEPTION, stmt, self._exit)
        return []

    def _try(self, stmt: int) -> list[Pred]:
        handler = self._field(stmt, "handler")
        if handler is not None:
            self._handlers.append(handler)
        out = self._sequence(self._statements(self._field(stmt, "body")), [(stmt, EdgeKind.CFG_NEXT)])
        if handler is not None:
            self._handlers.pop()
            self.out.statements.add(handler)
            out += self._sequence(self._statements(self._field(handler, "body")), [(handler, EdgeKind.CFG_NEXT)])
        finalizer = self._field(stmt, "finalizer")
        if finalizer is not None:
            after = self._sequence(self._statements(self._field(finalizer, "body")), out)
            # where the body and the handler never end normally (they return or throw),
            # neither does the whole statement once ``finally`` has run
            out = after if out else []
        return out


_HANDLERS = {
    "if_statement": ScriptCfg._if,
    "for_statement": ScriptCfg._loop,
    "for_in_statement": ScriptCfg._loop,
    "while_statement": ScriptCfg._loop,
    "do_statement": ScriptCfg._loop,
    "switch_statement": ScriptCfg._switch,
    "labeled_statement": ScriptCfg._labeled,
    "break_statement": ScriptCfg._break,
    "continue_statement": ScriptCfg._continue,
    "return_statement": ScriptCfg._return,
    "throw_statement": ScriptCfg._throw,
    "try_statement": ScriptCfg._try,
}
