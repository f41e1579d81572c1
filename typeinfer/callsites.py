"""Call-site sensitivity: an unannotated function evaluated for one call's arguments.

Example (what we infer on the right)::

    def add(a, b):          # a, b: int | str   (the join over the calls below)
        return a + b        # return: int | str (the context-free answer)
    r1 = add(1, 2)          # int               (add evaluated with a: int, b: int)
    r2 = add("a", "b")      # str               (add evaluated with a: str, b: str)

At a call, :meth:`CallSites.context_for` builds a :class:`CallContext`: the function
and the argument type of each unannotated parameter (a parameter left out gets
its default's type).  The callee's return is then asked in that context: the
engine keys every question about the function's own nodes by the context, so each
(function, argument types) pair is worked out once, and questions about anything
outside the function are asked without it.  Parameters, variables and returns the
predictions report are asked without a context: a parameter stays the join over
its call sites.

Bounds, so that the work stays close to the context-free analysis:

* only functions of ``_MAX_FUNCTION_BYTES`` or less, in source files (not stubs),
  without a return annotation;
* only arguments whose type is known and small (``_MAX_ARGUMENT_SIZE`` parts);
* contexts nest ``_MAX_DEPTH`` deep (a call inside a context inside a context...);
  a recursive call with the same argument types reuses its caller's context;
* one context's evaluation may ask ``_CONTEXT_STEPS`` questions, and an engine
  evaluates ``_MAX_CONTEXTS`` contexts; past either, the call gets the function's
  context-free answer (counted in ``exhausted``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Final

from typelens.analyzer import EdgeKind, ProgramGraph
from typelens.analyzer.slices import argument_for

from .binding import bind
from .types import UNKNOWN, FunctionRef, NeverType, Type, TypeVarType, UnknownType, make_union, members

if TYPE_CHECKING:
    from .contract import Engine
    from .fixpoint import Memo

logger = logging.getLogger(__name__)

_MAX_FUNCTION_BYTES: Final = 6_000
_MAX_ARGUMENT_SIZE: Final = 12
_MAX_DEPTH: Final = 3
_CONTEXT_STEPS = 16_000
_MAX_CONTEXTS: Final = 5_000
_MAX_SITES: Final = 64


@dataclass(frozen=True, slots=True)
class CallContext:
    """One function evaluated for one set of argument types.

    Its hash is worked out on first use and kept, as :class:`.types.ClassType`'s:
    a context is a part of every memo key asked inside it, and hashing its
    arguments again (a tuple of pairs of types) each time cost 1.2% of a cold
    ``analyze``'s instructions on stripped click (23,000 hashes, 1,900
    instructions each)."""

    path: str
    function: int
    start: int  # the function's bytes: the nodes the context applies to
    end: int
    arguments: tuple[tuple[int, Type], ...]  # (parameter node, argument type)
    depth: int
    _hash: int = field(init=False, repr=False, compare=False)

    # __init__, __eq__ and __hash__ written out for mypyc (see the note in .types):
    # a context is a part of every memo key asked inside it
    def __init__(
        self, path: str, function: int, start: int, end: int, arguments: tuple[tuple[int, Type], ...], depth: int
    ) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "arguments", arguments)
        object.__setattr__(self, "depth", depth)

    def __eq__(self, other: object) -> bool:
        if type(other) is not CallContext:
            return NotImplemented
        return (
            self.path == other.path
            and self.function == other.function
            and self.start == other.start
            and self.end == other.end
            and self.arguments == other.arguments
            and self.depth == other.depth
        )

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash((self.path, self.function, self.start, self.end, self.arguments, self.depth))
            object.__setattr__(self, "_hash", value)
            return value

    def __reduce__(self) -> tuple:
        # a copy (or a pickle, in a process of another hash seed) works its hash out again
        return CallContext, (self.path, self.function, self.start, self.end, self.arguments, self.depth)

    def argument(self, param: int) -> Type | None:
        for node, t in self.arguments:
            if node == param:
                return t
        return None


class _OverBudget(Exception):
    """Internal: a context's evaluation asked more than its questions; caught by the
    :meth:`CallSites.answer` that set the budget."""

    def __init__(self, owner: CallContext) -> None:
        super().__init__("call-site budget")
        self.owner = owner


class CallSites:
    def __init__(self, engine: "Engine", memo: "Memo") -> None:
        self.engine = engine
        self._memo = memo  # its ``context`` is the context questions are asked in
        self._budget: tuple[int, CallContext] | None = None  # (last step allowed, its context)
        self._exhausted: set[CallContext] = set()
        self.contexts = 0
        self.exhausted = 0

    def check_budget(self) -> None:
        """Called by every question: past the innermost context's budget, unwind to it."""
        if self._budget is not None and self.engine.steps > self._budget[0]:
            raise _OverBudget(self._budget[1])

    def is_candidate(self, path: str, g: ProgramGraph, node: int) -> bool:
        """Whether calls of the function at ``node`` are evaluated for their arguments."""
        return (
            not self.engine.is_stub(path)
            and g.kinds[node] in ("function_definition", "lambda")
            and g.child_by_field(node, "return_type") is None
            and g.end_bytes[node] - g.start_bytes[node] <= _MAX_FUNCTION_BYTES
        )

    def context_for(
        self, fn: FunctionRef, g: ProgramGraph, node: int, args: list[Type], kwargs: dict[str, Type]
    ) -> CallContext | NeverType | None:
        """The context to evaluate ``fn`` (at ``node``) in for this call, None for the
        context-free answer, or ``Never`` when an argument has no value yet (a cycle's
        first pass: the call has none either, rather than a wider answer that the
        cycle could not take back)."""
        engine = self.engine
        if not self.is_candidate(fn.path, g, node):
            return None
        arguments = self._arguments(fn, g, node, args, kwargs)
        if isinstance(arguments, NeverType):
            return arguments
        if not arguments:
            return None
        caller = engine.context
        if caller is not None and (caller.path, caller.function, caller.arguments) == (fn.path, node, arguments):
            return caller  # recursion with the same argument types
        depth = caller.depth + 1 if caller is not None else 1
        if depth > _MAX_DEPTH:
            return None
        return CallContext(fn.path, node, g.start_bytes[node], g.end_bytes[node], arguments, depth)

    def _arguments(
        self, fn: FunctionRef, g: ProgramGraph, node: int, args: list[Type], kwargs: dict[str, Type]
    ) -> tuple[tuple[int, Type], ...] | NeverType:
        calls = self.engine.calls
        params = calls.signature(fn.path, g, node)
        implicit = bool(params) and calls.implicit(fn.path, g, node, params, params[0]) is not None
        if implicit and fn.bound is not None:
            params = params[1:]
        passed: dict[int, Type] = {p.node: a for p, a in bind(params, args, kwargs)}
        found = []
        for p in params:
            if p.annotation is not None or implicit and fn.bound is None and p is params[0]:
                continue
            t = passed.get(p.node)
            if isinstance(t, NeverType):
                return t
            if t is None and p.default is not None:
                t = self.engine.exprs.type_of(fn.path, p.default)
            if t is not None and _is_usable(t):
                found.append((p.node, t))
        return tuple(found)

    def answer(self, context: CallContext, compute: Callable[[], Type]) -> Type:
        """``compute()`` asked in ``context``; the context-free answer past the bounds."""
        solver = self._memo
        if context is solver.context:
            return compute()
        if context in self._exhausted or self.contexts >= _MAX_CONTEXTS:
            return self._without_context(compute)
        self.contexts += 1
        saved_context, saved_budget = solver.context, self._budget
        limit = self.engine.steps + _CONTEXT_STEPS
        if saved_budget is None or limit < saved_budget[0]:
            self._budget = (limit, context)
        solver.context = context
        try:
            return compute()
        except _OverBudget as err:
            if err.owner is not context:
                raise
            self._exhausted.add(context)
            self.exhausted += 1
            logger.debug("call-site evaluation of %s:%d ran out of budget", context.path, context.function)
        finally:
            solver.context, self._budget = saved_context, saved_budget
        return self._without_context(compute)

    def _without_context(self, compute: Callable[[], Type]) -> Type:
        solver = self._memo
        saved, solver.context = solver.context, None
        try:
            return compute()
        finally:
            solver.context = saved

    # -- the calls the graphs link to a function --------------------------------------------
    def linked(self, path: str, function: int) -> list[tuple[str, int]]:
        """The calls of ``function`` the graphs link to it (this file's and, through the
        project graph, other files'), the first ``_MAX_SITES``.  While reads are
        recorded, the list is an answer the file used (the calls into ``path``
        went into it), which a later run compares (:mod:`.cutoff`)."""
        return self.engine.outside(("linked", path, function), lambda: self._linked(path, function), _written_sites)

    def _linked(self, path: str, function: int) -> list[tuple[str, int]]:
        engine = self.engine
        g = engine.require_graph(path)
        sites = [(path, c) for c in g.successors(function, EdgeKind.RETURN) if g.kinds[c] == "call"]
        index = engine.project_file(path)
        if engine.project is not None and index is not None:
            engine.read_calls_into(path)  # a call added in any file changes them
            with engine.untracked():  # linking the project reads every file: the line above says what counts
                sources = engine.project.cross_sources(EdgeKind.CALL, index, function)
            sites.extend((engine.project_paths[file_index], call) for file_index, call in sources)
        return sites[:_MAX_SITES]

    # -- what a call in another file passes: questions about that file (engine.about) ----------
    def argument_at(self, path: str, call: int, position: int | None, keyword: str | None) -> int | None:
        """The argument node ``call`` of ``path`` passes for a parameter (by keyword,
        else by position; :func:`~typelens.analyzer.slices.argument_for`)."""
        if not self.engine.is_elsewhere(path):
            return argument_for(self.engine.require_graph(path), call, position, keyword)
        positional = []
        for entry in self.argument_list(path, call) or ():
            if isinstance(entry, CallSite):
                positional.append(entry.node)
            elif entry == _SPLAT:
                return None
            elif isinstance(entry, tuple) and keyword is not None and entry[0] == keyword:  # (name, value)
                return entry[1].node if isinstance(entry[1], CallSite) else None
        return positional[position] if position is not None and 0 <= position < len(positional) else None

    def has_splat(self, path: str, call: int) -> bool:
        """Whether ``call`` of ``path`` passes a ``*`` or ``**`` argument."""
        if not self.engine.is_elsewhere(path):
            return _has_splat(self.engine.require_graph(path), call)
        return _SPLAT in (self.argument_list(path, call) or ())

    def argument_type(self, path: str, argument: int) -> Type:
        """The type of the argument node ``argument`` of a call in ``path``."""
        engine = self.engine
        if not engine.is_elsewhere(path) or engine.answered(("expr", path, argument))[0]:
            return engine.exprs.type_of(path, argument)  # a memo hit is an answer used as it is

        def compute() -> Type:  # the models of the question's own turn (engine.about)
            return engine.exprs.type_of(path, argument)

        return engine.about(("site-arg", path, argument), compute, compute)

    def arguments(self, path: str, call: int) -> tuple[list[Type], dict[str, Type]]:
        """:meth:`~.callables.CallModel.arguments` of ``call`` in ``path``."""
        engine = self.engine

        def compute() -> tuple[list[Type], dict[str, Type]]:
            return engine.calls.arguments(path, engine.require_graph(path), call)

        return (
            compute()
            if not engine.is_elsewhere(path)
            else engine.about(("site-arguments", path, call), compute, compute)
        )

    def argument_list(self, path: str, call: int) -> tuple[object, ...] | None:
        """:func:`arguments_in` of ``call`` in ``path``: it reads that file's graph
        alone, an answer worked out outside the memo (engine.outside)."""
        engine = self.engine
        return engine.outside(
            ("argument-list", path, call), lambda: arguments_in(engine.require_graph(path), path, call)
        )

    def returns_at_call_sites(self, path: str, function: int) -> Type:
        """The join of ``function``'s returns evaluated for the arguments of each linked
        call (plain functions: a method's receiver is not known there)."""
        engine, calls = self.engine, self.engine.calls
        g = engine.require_graph(path)
        params = calls.signature(path, g, function)
        if params and calls.implicit(path, g, function, params, params[0]) is not None:
            return UNKNOWN
        fn = FunctionRef(path, function)
        answers = []
        for site_path, call in self.linked(path, function):
            args, kwargs = self.arguments(site_path, call)
            context = self.context_for(fn, g, function, args, kwargs)
            if isinstance(context, CallContext):
                answers.append(self.answer(context, lambda: calls.declared_or_inferred_return(path, function)))
        return make_union(answers) if answers else UNKNOWN


@dataclass(frozen=True, slots=True)
class CallSite:
    """A node of a file as a kept answer names it (a linked call, an argument),
    which :mod:`.cutoff` matches across an edit of the file."""

    path: str
    node: int


_SPLAT = "*"  # a ``*`` / ``**`` argument among a call's (see arguments_in)


def _written_sites(sites: list[tuple[str, int]]) -> tuple[CallSite, ...]:
    return tuple(CallSite(path, node) for path, node in sites)


def arguments_in(g: ProgramGraph, path: str, call: int) -> tuple[object, ...] | None:
    """The arguments of ``call`` as :meth:`CallSites.argument_at` reads them, in
    order: a positional one's node, a keyword one's (name, value node), ``*``
    for a splat (``None``: a call without an argument list)."""
    args = g.child_by_field(call, "arguments")
    if args is None:
        return None
    found: list[object] = []
    for child in g.children(args):
        kind = g.kinds[child]
        if kind == "keyword_argument":
            name, value = g.child_by_field(child, "name"), g.child_by_field(child, "value")
            found.append(
                (g.names.get(name) if name is not None else None, CallSite(path, value) if value is not None else None)
            )
        elif kind in ("list_splat", "dictionary_splat"):
            found.append(_SPLAT)
        else:
            found.append(CallSite(path, child))
    return tuple(found)


def _has_splat(g: ProgramGraph, call: int) -> bool:
    arg_list = g.child_by_field(call, "arguments")
    return arg_list is not None and any(g.kinds[a] in ("list_splat", "dictionary_splat") for a in g.children(arg_list))


def _is_usable(t: Type) -> bool:
    """A known argument type, small enough to key a context by."""
    parts = list(members(t))
    if any(isinstance(m, (UnknownType, NeverType, TypeVarType)) for m in parts):
        return False
    return _size(t) <= _MAX_ARGUMENT_SIZE


def _size(t: Type) -> int:
    count, todo = 0, [t]
    while todo and count <= _MAX_ARGUMENT_SIZE:
        current = todo.pop()
        count += 1
        for attribute in ("args", "items", "params"):
            inner = getattr(current, attribute, None)
            if inner:
                todo.extend(inner)
    return count
