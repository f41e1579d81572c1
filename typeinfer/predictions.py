"""Predictions: one answer per parameter, return, variable and attribute.

Every answer is a :class:`Prediction` saying what was inferred, how sure we are and
which part decided (``annotation`` when the code already says, ``static`` when the
static engine inferred it).  Positions stay in tree-sitter units (0-based row,
byte column) until an edge converts them.

Example::

    def area(w, h=1.0):       # parameter w: float (call site), h: float (default)
        return w * h          # return area: float
    area(2.5)
"""

from __future__ import annotations

import logging
from typing import Callable, Iterator, Sequence

from typelens.analyzer import ProgramGraph, Scope, ScopeKind, Symbol, SymbolKind

from .annotation_form import as_written
from .annotations import declared_annotation
from .callables import signature
from .engine import FILE_STEPS, BudgetSpent, TypeEngine
from .predicted import Prediction as Prediction  # re-exported: the record is defined apart from the engine
from .self_type import as_annotated
from .stepped import budgeted
from .types import (
    BYTES,
    NEVER,
    NONE,
    STR,
    UNKNOWN,
    ClassType,
    Type,
    is_known,
    is_partly_unknown,
    known_part,
    make_union,
    members,
    render,
)

logger = logging.getLogger(__name__)

KINDS = ("parameter", "return", "variable", "attribute")
# engine questions one function's or one name's answers may ask within the file's
# budget: past them its answers are left out, not every later one (a rebinding chain
# asked from its end, a function whose return starts a long chain)
ITEM_STEPS = 50_000
ANY = ClassType("Any")  # a declared Any, as the answer shows it (the engine reads it as Unknown)


def _confidence(t: Type, base: float) -> tuple[str | None, float]:
    if t in (UNKNOWN, NEVER):  # Never: no value reaches it (a cycle that nothing enters)
        return None, 0.0
    if is_partly_unknown(t):
        known = known_part(t)
        # `Unknown | None` says nothing useful about the type: no answer.
        return (render(known), base * 0.5) if is_known(known) and known != NONE else (None, 0.0)
    return render(t), base


class FilePredictor:
    """Collects the predictions of one file from a :class:`TypeEngine`."""

    def __init__(self, engine: TypeEngine, path: str, display: str) -> None:
        self.engine, self.path, self.display = engine, path, display
        self.g: ProgramGraph = engine.require_graph(path)
        self.out: list[Prediction] = []
        self.partial = False  # the file's budget ran out: answers past that point are left out

    def run(self, functions: bool = True) -> list[Prediction]:
        """Every prediction of the file; ``functions=False``: variables and attributes
        only, one answer per name (the dataset's labels), without the later
        assignments' own answers.  Within the engine's per-file budget
        (:meth:`TypeEngine.file_budget`), each name or function within
        :data:`ITEM_STEPS` of it: past an item's, that item's answers are left out,
        past the file's, every later one."""
        return self._run_all(functions, self.g.symbols, self.g.scopes)

    def run_items(self, symbols: Sequence[Symbol], scopes: Sequence[Scope]) -> list[Prediction]:
        """The answers of these names and functions alone, as :meth:`run` gives them
        (in its order, each item within its budget): what an editor's hover reads
        about the name under the cursor, without the rest of the file's answers."""
        return self._run_all(True, symbols, scopes)

    def _run_all(self, functions: bool, symbols: Sequence[Symbol], scopes: Sequence[Scope]) -> list[Prediction]:
        """:meth:`steps` run at once: one budget of :data:`FILE_STEPS` around them all
        ends where :func:`budgeted`'s budget per step ends (nothing asks between the
        steps), without its generator and budget per item (a twentieth of a
        file's answers outside the engine's questions)."""
        try:
            with self.engine.file_budget(FILE_STEPS):
                for _ in self._collect(functions, symbols, scopes):
                    pass
        except BudgetSpent:
            self._spent()
        return self.found()

    def steps(
        self, functions: bool = True, items: tuple[Sequence[Symbol], Sequence[Scope]] | None = None
    ) -> Iterator[None]:
        """:meth:`run` in steps: one after each item (a rebinding, a name, a function),
        each a complete question of the engine (the editor answers requests between
        them); then :meth:`found`.  ``items``: only these symbols and scopes."""
        try:
            yield from budgeted(self.engine, self._collect(functions, *(items or (self.g.symbols, self.g.scopes))))
        except BudgetSpent:
            self._spent()

    def _spent(self) -> None:
        self.partial = True
        logger.warning("%s: the analysis ran past the file's budget; later answers are left out", self.display)

    def _collect(self, functions: bool, symbols: Sequence[Symbol], scopes: Sequence[Scope]) -> Iterator[None]:
        """Each rebinding in the order of the file first, then the variables and
        attributes, then the functions: a long chain of rebindings asked from its
        start adds one link a question (asked from a ``return`` at its end, the
        whole chain at once), and a variable's answer joins its rebindings'."""
        if functions:
            for sym in symbols:
                for node in self._rebindings(sym):
                    self._item(sym, self._rebinding, sym, node)
                    yield
        for sym in symbols:
            kind = self._variable_kind(sym)
            if kind is not None:
                self._item(sym, self._variable, sym, kind)
                yield
        if not functions:
            return
        for scope in scopes:
            if scope.kind is ScopeKind.FUNCTION:
                self._item(scope, self._function, scope)
                yield
            elif scope.kind is ScopeKind.LAMBDA:
                self._item(scope, self._lambda, scope)
                yield

    def _item(self, item: Scope | Symbol, ask: Callable[..., None], *args: object) -> None:
        """``ask(*args)``, answers of ``item``, within :data:`ITEM_STEPS` questions:
        past them, or past its stack's depth, the answers it has not given are left
        out and the next item goes on (past the file's budget, :class:`BudgetSpent`
        ends them all)."""
        file_end = self.engine.budget_end
        try:
            with self.engine.file_budget(ITEM_STEPS):
                ask(*args)
        except BudgetSpent:
            if file_end is not None and self.engine.steps > file_end:
                raise
            self.partial = True
            logger.warning("%s: %s ran past its budget; its answers are left out", self.display, _named(self.g, item))
        except RecursionError:  # one item's answers lost, not the file's
            logger.warning(
                "%s: %s: the analysis recursed too deep; its answers are left out", self.display, _named(self.g, item)
            )

    def found(self) -> list[Prediction]:
        """The predictions :meth:`steps` made, in file order."""
        return sorted(self.out, key=lambda p: (p.span.start_byte, KINDS.index(p.kind)))

    def _add(
        self,
        scope: str,
        name: str,
        kind: str,
        node: int,
        t: Type,
        source: str,
        confidence: float,
        evidence: tuple[str, ...] = (),
    ) -> None:
        if source == "annotation":
            text, conf = (render(t) if is_known(t) or t == NONE else None), 1.0
        else:
            if kind in ("parameter", "return"):
                t = as_written(self.engine, self.path, without_subclasses(self.engine, t), kind)
            text, conf = _confidence(self.engine.calls.as_callable(t), confidence)
        self.out.append(
            Prediction(
                self.display,
                self.path,
                scope,
                name,
                kind,
                text,
                conf,
                self.g.span(node),
                source,
                evidence if text is not None else (),
            )
        )

    def _function(self, scope) -> None:
        g, engine = self.g, self.engine
        function = scope.node
        name_node = g.child_by_field(function, "name")
        if name_node is None:  # a recovered ``def`` without a name (scopes call it <anonymous>)
            return
        declared = engine.calls.declared_return(self.path, function)
        if declared is not None:
            self._add(scope.qualname, scope.name, "return", name_node, declared, "annotation", 1.0)
        else:
            returned = engine.return_type(self.path, function)
            if not is_known(known_part(returned)) and engine.calls.returns_declared_any(self.path, function):
                returned = ANY  # ``return getattr(obj, name)``: what the callee declares
            returned = as_annotated(engine, self.path, function, returned)
            if returned == NONE:  # a default its overrides replace: its annotation covers theirs
                overriding = engine.calls.overriding_return(self.path, function)
                returned = make_union([overriding, NONE]) if overriding is not None else returned
            self._add(scope.qualname, scope.name, "return", name_node, returned, "static", 0.9)
        for param in signature(g, function):
            evidence = engine.calls.evidence(self.path, param.node)
            if evidence.implicit is not None:
                continue
            if evidence.annotation is not None:
                self._add(scope.qualname, param.name, "parameter", param.node, evidence.annotation, "annotation", 1.0)
                continue
            confidence = (
                0.85 if evidence.call_sites is not None else 0.75 if evidence.default not in (None, NONE) else 0.55
            )
            t = engine.parameter_type(self.path, param.node)
            used = engine.usage.answer(self.path, param.node) if evidence.usage is not None else None
            if used is not None and used.type is not None and evidence.call_sites in (None, NONE):
                confidence = used.confidence  # the parameter's type is what its uses say
            inherited = engine.calls.inherited_parameter(self.path, param.node)
            if inherited is not None and inherited[1]:
                confidence = 0.95  # the overridden method declares it
            self._add(
                scope.qualname,
                param.name,
                "parameter",
                param.node,
                t,
                "static",
                confidence,
                used.evidence if used is not None else (),
            )

    def _lambda(self, scope) -> None:
        """A lambda's parameters (no return: Python has no place to write one), from
        its default and the calls that reach it (:mod:`.function_values`)."""
        for param in signature(self.g, scope.node):
            evidence = self.engine.calls.evidence(self.path, param.node)
            t = self.engine.parameter_type(self.path, param.node)
            confidence = 0.85 if evidence.call_sites is not None else 0.75
            self._add(scope.qualname, param.name, "parameter", param.node, t, "static", confidence)

    def _variable_kind(self, sym: Symbol) -> str | None:
        """``variable`` or ``attribute`` for a symbol that gets an answer of its own,
        else ``None`` (parameters, functions, imports, ``_``, dunders)."""
        if (
            sym.scope < 0
            or not sym.definitions
            or sym.name == "_"
            or (sym.name.startswith("__") and sym.name.endswith("__"))
        ):
            return None
        scope = self.g.scopes[sym.scope]
        if sym.kind is SymbolKind.ATTRIBUTE:
            return "attribute"
        if sym.kind is SymbolKind.VARIABLE and scope.kind is ScopeKind.CLASS:
            return "attribute"
        if sym.kind is SymbolKind.VARIABLE and scope.kind in (ScopeKind.MODULE, ScopeKind.FUNCTION):
            return "variable"
        return None

    def _variable(self, sym: Symbol, kind: str) -> None:
        """The answer of a variable or attribute (the join of its assignments)."""
        g, engine = self.g, self.engine
        scope = g.scopes[sym.scope]
        first = sym.definitions[0]
        if sym.kind is SymbolKind.ATTRIBUTE:
            declared = self._declared_attribute(sym)
            t = (
                declared
                if declared is not None
                else engine.classes.data_member(engine.classes.info(self.path, scope.node).members[sym.name])
                if sym.name in engine.classes.info(self.path, scope.node).members
                else UNKNOWN
            )
            anchor = g.children(first)[-1] if g.children(first) else first
        else:
            declared = engine.names.declared_type(self.path, sym.definitions)
            t = declared if declared is not None else engine.symbol_type(self.path, sym.id)
            anchor = first
        if declared is None and t == UNKNOWN and len(sym.definitions) == 1 and kind == "variable":
            used = engine.usage.answer(self.path, first)  # nothing flows in: what its uses say
            if used is not None and used.type is not None:
                self._add(scope.qualname, sym.name, kind, anchor, used.type, "static", used.confidence, used.evidence)
                return
        self._add(scope.qualname, sym.name, kind, anchor, t, "annotation" if declared is not None else "static", 0.9)

    def _rebindings(self, sym: Symbol) -> list[int]:
        """The later assignments of a variable that get an answer of their own (as an
        editor shows it on that line: ``x = 1`` then ``x = "one"`` is a ``str``
        there).  The first one keeps the variable's answer, the join of all of
        them: the type a declaration needs (what ``--apply`` writes)."""
        g = self.g
        if sym.kind is not SymbolKind.VARIABLE or sym.scope < 0 or len(sym.definitions) < 2 or sym.name == "_":
            return []
        if g.scopes[sym.scope].kind not in (ScopeKind.MODULE, ScopeKind.FUNCTION):
            return []
        if self.engine.names.declared_type(self.path, sym.definitions) is not None:
            return []
        return [node for node in sym.definitions[1:] if g.kinds[node] == "name_store"]

    def _rebinding(self, sym: Symbol, node: int) -> None:
        """The answer of one later assignment: only a fully known type."""
        t = self.engine.calls.as_callable(self.engine.names.definition_type(self.path, node))
        if is_known(t) and not is_partly_unknown(t):
            self._add(self.g.scopes[sym.scope].qualname, sym.name, "variable", node, t, "static", 0.9)

    def _declared_attribute(self, sym) -> Type | None:
        g = self.g
        for store in sym.definitions:
            parent = g.parents[store]
            annotation = declared_annotation(g, parent) if g.kinds[parent] == "assignment" else None
            if annotation is not None:
                return self.engine.annotations.evaluate(self.path, annotation)
        return None


def _named(g: ProgramGraph, item: Scope | Symbol) -> str:
    """How a warning names a function or a variable."""
    if isinstance(item, Scope):
        return item.qualname
    scope = g.scopes[item.scope].qualname if item.scope >= 0 else ""
    return f"{scope}.{item.name}" if scope else item.name


def without_subclasses(engine: TypeEngine, t: Type) -> Type:
    """``t`` less the union members that derive from another member: the same set of
    values, written as an annotation would be (``TextIO | _NonClosingTextIOWrapper``
    is ``TextIO``, a ``_NonClosingTextIOWrapper`` being a ``TextIOWrapper``, a
    ``TextIO``).  Only bases named in the classes' own MROs: ``int`` stays beside
    ``float``; and ``str``/``bytes`` beside ``Sequence[str]`` (code that takes both
    treats a string apart, and its annotation says so)."""
    if is_partly_unknown(t):  # what is known of it, as the answer shows it
        shown = known_part(t)
        return make_union([without_subclasses(engine, shown), UNKNOWN]) if is_known(shown) else t
    parts = members(t)
    if len(parts) < 2 or not is_known(t):
        return t
    classes = [m for m in parts if isinstance(m, ClassType) and m != NONE]
    kept = [
        m
        for m in parts
        if m in (STR, BYTES)
        or not (isinstance(m, ClassType) and m in classes and any(_derives(engine, m, o) for o in classes if o != m))
    ]
    return make_union(kept) if len(kept) < len(parts) else t


def _derives(engine: TypeEngine, cls: ClassType, base: ClassType) -> bool:
    """Whether ``base`` (with its type arguments, where it has them) is a proper base of ``cls``."""
    return any(
        view.name == base.name and (not base.args or view.args == base.args) for view, _ in engine.classes.mro(cls)[1:]
    )
