"""The static type engine for TypeScript and JavaScript.

:class:`ScriptEngine` answers, on demand and memoised, what type a node has:
expressions (:mod:`.expressions`), names through their reaching definitions
(the graph's DFG) and narrowing (:mod:`.narrowing`), members (:mod:`.members`),
calls with generics inferred from the arguments (:mod:`.calls`), returns and
parameters (:mod:`.functions`).  Declared types win where they exist
(annotations; JSDoc in ``.js`` files); otherwise the values decide, widened as
TypeScript widens a ``let`` (``"a"`` -> ``string``).  Library names come from
TypeScript's ``lib.*.d.ts`` (:mod:`.lib`).

Answers computed while a cycle was open (a recursive function's return, a
variable defined from itself) are not memoised, as pyright does with its
incomplete types: the question at the head of the cycle (the lowest open one
anything read, Tarjan's low link) caches once the cycle has settled, and what
read it is kept until then.  A question cut (past ``MAX_DEPTH`` open ones or
``MAX_STEPS`` asked) is incomplete up to the outermost question; an outermost
question that asked more than ``KEEP_AFTER`` keeps its incomplete answers, so a
large project's web of call sites is walked once, not once a question, as does
one begun past :attr:`ScriptEngine.keep_from` (a file that has asked many
questions already).  Callers bound their work with
:meth:`ScriptEngine.file_budget` (past it,
:class:`~typelens.typeinfer.engine.BudgetSpent`), as the Python engine's do.

Example::

    engine = ScriptEngine(ScriptIndex(root), LibDeclarations(find_typescript_lib(root)))
    g = engine.graph("/p/a.ts")              # let xs = [1, 2]; const n = xs.map(x => x * 2)
    render(engine.value_of("/p/a.ts", node_of_n))      # 'number[]'
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from typelens.analyzer import Definition, EdgeKind, ProjectGraph, SymbolKind
from typelens.analyzer.graph import ImportBinding
from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.exports import definition_node
from typelens.analyzer.typescript.project import ScriptIndex
from typelens.analyzer.typescript.resolve import ScriptModule

from ..engine import BudgetSpent, GraphUnavailable, StepBudgets
from .contract import Calls, Functions, Members, Narrowing, Types
from .declared import TypeReader
from .lib import LibDeclarations
from .types import (
    ANY,
    UNDEFINED,
    UNKNOWN,
    ClassOf,
    ModuleRef,
    Named,
    Overloads,
    Prim,
    TsType,
    join,
    widen,
)

logger = logging.getLogger(__name__)

MAX_DEPTH = 120
# questions one script file may ask: its own figure, not the Python side's (the held-out
# packages' largest file asks about 105,000; a web of 120 calling functions about 156,000)
FILE_STEPS = 200_000
MAX_STEPS = 50_000  # questions one outermost question may ask
# an outermost question that asked more than this keeps its incomplete answers: in a
# large project the call sites of its parameters join most functions into one web of
# cycles, which every later question would otherwise walk again (the held-out
# packages' questions ask at most 7,500; @tanstack/db's 15,000 to 50,000)
KEEP_AFTER = 10_000
_GLOBAL_VALUES = {"undefined": UNDEFINED, "NaN": Prim("number"), "Infinity": Prim("number")}


class ScriptEngine(StepBudgets):
    """Types of one project's scripts (see the module docstring)."""

    default_steps = FILE_STEPS

    def __init__(
        self, index: ScriptIndex, lib: LibDeclarations, overlays: dict[str, ScriptGraph] | None = None
    ) -> None:
        self.index = index
        self.lib = lib
        self.overlays: dict[str, ScriptGraph] = dict(overlays or {})
        self.types: Types = TypeReader(self)
        self.project: ProjectGraph | None = None  # the session's script project graph (call sites across files)
        self._memo: dict[tuple, TsType] = {}
        # answers that read an open question (a cycle not yet settled): key ->
        # (answer, the depth of the deepest open question it read)
        self._incomplete: dict[tuple, tuple[TsType, int]] = {}
        self._graphs: dict[str, ScriptGraph | None] = {}
        self._resolved: dict[tuple, Definition | ScriptModule | None] = {}
        self._budget = MAX_STEPS
        self._open: dict[tuple, int] = {}  # the questions being answered, and their depth
        self._low: list[int] = []  # per open question: the lowest open depth its answer read
        self._pending: list[list[tuple]] = []  # per depth: the incomplete answers that read it
        self._started = 0  # the step the outermost question began at
        self.budget_end: int | None = None  # the step past which questions raise BudgetSpent
        self.keep_from: int | None = None  # outermost questions begun past this step keep their incomplete answers
        self.steps = 0
        self.cycles = 0  # reads of open questions or incomplete answers
        from .calls import CallTyper
        from .functions import FunctionTyper
        from .members import MemberTable
        from .narrowing import Narrower
        from .usage import ScriptUsage

        self.members: Members = MemberTable(self)
        self.calls: Calls = CallTyper(self)
        self.functions: Functions = FunctionTyper(self)
        self.narrowing: Narrowing = Narrower(self)
        self.usage = ScriptUsage(self)

    # -- graphs ---------------------------------------------------------------------------
    def graph(self, path: str) -> ScriptGraph | None:
        """The graph of ``path``: an editor buffer, a library file, else the disk's
        (read once per engine: an engine answers about one version of the files)."""
        found = self.overlays.get(path) or self.lib.graphs.get(path)
        if found is not None:
            return found
        if path not in self._graphs:
            self._graphs[path] = self.index.graph_of(Path(path))
        return self._graphs[path]

    def require_graph(self, path: str) -> ScriptGraph:
        """:meth:`graph`, for callers handed ``path`` by the analysis (a node's file,
        a resolved declaration's file) that cannot answer without it."""
        g = self.graph(path)
        if g is None:
            raise GraphUnavailable(
                f"cannot read {path}: the script was reached by the analysis "
                "but could not be read or parsed (deleted or unreadable?)"
            )
        return g

    def use_graph(self, path: str, graph: ScriptGraph) -> None:
        self.overlays[path] = graph
        self._memo.clear()
        self._incomplete.clear()

    # -- memo -----------------------------------------------------------------------------
    def memo(self, key: tuple, compute: Callable[[], TsType]) -> TsType:
        """``compute()`` once per key.  A question asked again while it is being
        answered gets ``UNKNOWN``; what read that is incomplete and kept only until
        the question it read (the head of its cycle) is answered, which is then
        memoised for good, as the outermost question is: one outermost question
        costs each node once (``MAX_STEPS`` at most), and the next one does not
        walk a settled cycle again.  Past ``MAX_DEPTH`` open questions, or past
        ``MAX_STEPS``, a question gets ``UNKNOWN`` and every open one is incomplete
        (an outermost question that cost ``KEEP_AFTER``, or began past
        :attr:`keep_from`, keeps its incomplete answers, see :meth:`_settle`).  Past :attr:`budget_end`, :class:`BudgetSpent`."""
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        found = self._incomplete.get(key)
        if found is not None:
            self._read(found[1])  # an incomplete answer: what uses it is incomplete too
            return found[0]
        depth = self._open.get(key)
        if depth is not None:
            self._read(depth)
            return UNKNOWN
        if not self._open:
            self._budget = MAX_STEPS
            self._started = self.steps
        elif len(self._open) > MAX_DEPTH or self._budget <= 0:
            self._read(0)  # cut: incomplete up to the outermost question
            return UNKNOWN
        if self.budget_end is not None and self.steps >= self.budget_end:
            raise BudgetSpent(f"the script's analysis ran past its budget at {key[0]}")
        return self._solve(key, compute)

    def _solve(self, key: tuple, compute: Callable[[], TsType]) -> TsType:
        depth = len(self._low)
        self._open[key] = depth
        self._low.append(depth + 1)  # reads nothing open yet
        self._pending.append([])
        self.steps += 1
        self._budget -= 1
        try:
            result = compute()
        except BaseException:
            self._unwind(key)
            raise
        self._settle(key, depth, result)
        return result

    @property
    def depth(self) -> int:
        """How many questions are open."""
        return len(self._low)

    def read_open(self, depth: int) -> None:
        """What is being answered read something incomplete that was begun when
        ``depth`` questions were open (a member table of a type that mentions
        itself): incomplete until the question that began it is answered."""
        self._read(max(depth - 1, 0))

    def _read(self, depth: int) -> None:
        """The open question answering now read one at ``depth`` (or an answer that did)."""
        self.cycles += 1
        if self._low and depth < self._low[-1]:
            self._low[-1] = depth

    def _settle(self, key: tuple, depth: int, result: TsType) -> None:
        """Close ``key`` at ``depth``: memoised if it read nothing open below it,
        else incomplete, and the answers that read it are merged into its cycle."""
        del self._open[key]
        low = self._low.pop()
        inside = self._pending.pop()
        if low >= depth:  # every cycle it read has settled inside it
            self._memo[key] = result
            keep = depth == 0 and (
                self.steps - self._started > KEEP_AFTER
                or (self.keep_from is not None and self._started >= self.keep_from)
            )
            for k in inside:
                found = self._incomplete.pop(k, None)
                if keep and found is not None and found[0] is not UNKNOWN:
                    self._memo[k] = found[0]
            return
        self._read(low)
        self._incomplete[key] = (result, low)
        self._pending[low].append(key)
        for k in inside:  # they read ``key``: incomplete as long as it is
            if k in self._incomplete:
                self._incomplete[k] = (self._incomplete[k][0], low)
                self._pending[low].append(k)

    def _unwind(self, key: tuple) -> None:
        """An exception left ``key``'s question: the incomplete answers that read
        it are dropped with it."""
        del self._open[key]
        self._low.pop()
        for k in self._pending.pop():
            self._incomplete.pop(k, None)
        if not self._open:
            self._incomplete.clear()

    # -- the questions --------------------------------------------------------------------
    def value_of(self, path: str, node: int) -> TsType:
        """The type of the expression (or name, parameter, declaration) ``node``."""
        from .expressions import infer_expression

        return self.memo(("expr", path, node), lambda: infer_expression(self, path, node))

    def declared(self, path: str, type_node: int | None) -> TsType:
        g = self.graph(path)
        if g is None or type_node is None:
            return UNKNOWN
        return self.memo(("declared", path, type_node), lambda: self.types.read(path, g, type_node))

    def symbol_type(self, path: str, sid: int) -> TsType:
        """A symbol's declared type, else the join of its definitions' values."""
        return self.memo(("symbol", path, sid), lambda: self._symbol_type(path, sid))

    def _symbol_type(self, path: str, sid: int) -> TsType:
        g = self.require_graph(path)
        sym = g.symbols[sid]
        if sym.kind is SymbolKind.BUILTIN:
            return self.global_value(sym.name)
        if sym.kind is SymbolKind.ATTRIBUTE:
            written = next((h for d in sym.definitions if (h := self._field_annotation(g, d)) is not None), None)
            if written is not None:  # `total: number` wins over what `this.total = x` assigns
                return self.declared(path, written)
        found = [self.definition_type(path, d) for d in sym.definitions]
        declared = self.functions.declared_variable(path, sym)
        if declared is not None:
            return declared
        return join(*found) if found else UNKNOWN

    def _field_annotation(self, g: ScriptGraph, definition: int) -> int | None:
        holder = g.parents[definition]
        if g.kinds[holder] not in ("public_field_definition", "property_signature"):
            return None
        return g.child_by_field(holder, "type")

    def definition_type(self, path: str, node: int) -> TsType:
        """The value a defining node (``name_store``, ``parameter``, declaration) binds."""
        from .expressions import defined_value

        return self.memo(("def", path, node), lambda: defined_value(self, path, node))

    def name_type(self, path: str, node: int) -> TsType:
        """A name read at ``node``: its reaching definitions, narrowed by the conditions above it."""
        return self.memo(("name", path, node), lambda: self._name_type(path, node))

    def _name_type(self, path: str, node: int) -> TsType:
        g = self.require_graph(path)
        sym = g.symbol_at(node)
        if sym is None:
            return UNKNOWN
        if sym.kind in (SymbolKind.BUILTIN, SymbolKind.FUNCTION, SymbolKind.CLASS, SymbolKind.IMPORT, SymbolKind.TYPE):
            return self.symbol_type(path, sym.id)
        declared = self.functions.declared_variable(path, sym)
        if declared is not None:
            base = declared
        else:
            sources = [d for d in g.predecessors(node, EdgeKind.DFG) if g.kinds[d] in ("name_store", "parameter")]
            base = (
                join(*(self.definition_type(path, d) for d in sources)) if sources else self.symbol_type(path, sym.id)
            )
        return self.narrowing.narrow(path, g, node, sym, base)

    def global_value(self, name: str) -> TsType:
        """The type of a global (library) value name."""
        if name in _GLOBAL_VALUES:
            return _GLOBAL_VALUES[name]
        self.lib.ensure_dom(name)
        where = self.lib.values.get(name)
        if where is not None:
            lg = self.lib.graphs[where[0]]
            annotation = lg.child_by_field(where[1], "type")
            return self.declared(where[0], annotation) if annotation is not None else ANY
        overloads = self.lib.functions.get(name)
        if overloads:
            funcs = tuple(self.functions.signature(p, n) for p, n in overloads)
            return funcs[0] if len(funcs) == 1 else Overloads(funcs)
        return UNKNOWN

    # -- across files ---------------------------------------------------------------------
    def imported(self, path: str, g: ScriptGraph, store: int) -> TsType:
        """The value an import binds (a declaration elsewhere, or a module namespace)."""
        binding = next((b for b in g.imports if b.node == store), None)
        if binding is None:
            return UNKNOWN
        target = self.resolve_binding(g, binding)
        if isinstance(target, ScriptModule):
            return ModuleRef(str(target.path), binding.module) if target.path is not None else UNKNOWN
        if not isinstance(target, Definition):
            return UNKNOWN
        return self.definition_type(str(target.path), target.node)

    def resolve_binding(self, g: ScriptGraph, binding: ImportBinding) -> Definition | ScriptModule | None:
        """The index's :meth:`~ScriptIndex.resolve_binding`, once per engine (an engine
        answers about one version of the files; the file system is asked once)."""
        key = ("binding", g.path, binding.node)
        if key not in self._resolved:
            self._resolved[key] = self.index.resolve_binding(g, binding)
        return self._resolved[key]

    def export_value(self, module: ModuleRef, name: str) -> TsType:
        key = ("export", module.path, module.specifier, name)
        if key not in self._resolved:
            self._resolved[key] = self.index.resolve_export(
                Path(module.path),
                name,
                module.specifier if self.index.module_body(Path(module.path), module.specifier) else "",
            )
        target = self._resolved[key]
        if isinstance(target, ScriptModule):
            return ModuleRef(str(target.path), target.specifier) if target.path is not None else UNKNOWN
        if isinstance(target, Definition):
            return self.definition_type(str(target.path), target.node)
        return UNKNOWN

    def class_instance(self, path: str, g: ScriptGraph, declaration: int) -> Named:
        name = g.child_by_field(declaration, "name")
        from .declared import type_parameters
        from .types import TypeVar

        params = tuple(TypeVar(p, (path, declaration)) for p in type_parameters(g, declaration))
        return Named(g.text(name) if name is not None else _bound_name(g, declaration), params, (path, declaration))

    def declaration_value(self, path: str, g: ScriptGraph, declaration: int) -> TsType:
        """The value of a class, enum or function declaration node."""
        kind = g.kinds[declaration]
        if kind in ("class_declaration", "abstract_class_declaration", "class", "enum_declaration"):
            return ClassOf(self.class_instance(path, g, declaration))
        return self.functions.function_value(path, declaration)

    def is_definition(self, g: ScriptGraph, node: int) -> bool:
        return definition_node(g, node) != node


def _bound_name(g: ScriptGraph, expression: int) -> str:
    """The name an anonymous class expression is bound to (``var Err = class
    extends Error {}``: ``Err``), else ``<class>``."""
    parent = g.parents[expression]
    target = None
    if parent >= 0 and g.kinds[parent] == "variable_declarator":
        target = g.child_by_field(parent, "name")
    elif parent >= 0 and g.kinds[parent] == "assignment_expression":
        target = g.child_by_field(parent, "left")
    if target is None or not g.text(target).replace("_", "a").replace("$", "a").replace(".", "a").isalnum():
        return "<class>"
    return g.text(target)


def widened(t: TsType) -> TsType:
    return widen(t)
