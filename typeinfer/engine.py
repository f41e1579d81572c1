"""The static type engine: one façade over names, expressions, classes, calls and
narrowing, for every file it can reach (project code, installed packages, stubs).

Every question is memoised by ``(kind, file, node)``, plus the call-site context
when it is asked inside an unannotated function evaluated for one call's arguments
(:mod:`.callsites`).  A question asked again while it is being answered (loops,
mutual recursion) is iterated to a fixpoint by :mod:`.fixpoint`, so answers do
not depend on the order of the questions.  Work is demand driven: asking for one
symbol's type touches only what that type depends on.

Engines are built by :class:`~typelens.typeinfer.session.AnalysisSession`.

Example::

    engine = AnalysisSession(Path("examples/shop")).engine()
    path = engine.path_of("examples/shop/shop/pricing.py")
    engine.return_type(path, function_node)      # ClassType("float")
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar, Final, TypeVar, cast

from typelens.analyzer import (
    Definition,
    ImportBinding,
    InputError,
    ModuleLocation,
    ProgramGraph,
    ProjectGraph,
    ProjectIndex,
)
from typelens.analyzer.digest import blake2b
from typelens.analyzer.project import definition_at
from typelens.analyzer.version_gates import live_definitions

from .annotations import AnnotationEvaluator
from .callables import CallModel
from .callsites import CallContext, CallSites
from .classes import ClassModel
from .expressions import ExpressionTyper
from .fixpoint import IN_PROGRESS, Memo
from .mutation import Mutations
from .names import NameResolver
from .narrowing import Narrower
from .patterns import Patterns
from .reads import ReadLog
from .records import Records
from .types import NEVER, Type
from .usage import UsageModel

if TYPE_CHECKING:
    from .session import AnalysisSession

try:  # mypyc's class options (see analyzer/native.py): the TypeScript side extends StepBudgets
    from mypy_extensions import mypyc_attr
except ImportError:  # needed only where mypyc builds
    from typelens.analyzer.native import mypyc_attr  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_MISSING: Final = object()
# questions about a library file's definitions whose answers a recording run keeps across
# its files' turns when they read no project file (:meth:`.reads.ReadLog.library_answer`)
LIBRARY_KEPT: Final = frozenset({"class-info"})
T = TypeVar("T")


def query_name(kind: str, args: tuple[str, ...]) -> str:
    """How a project query is named among the files an answer read (no path starts so)."""
    return "?" + "\0".join((kind, *args))


def answer_digest(found: object) -> str:
    """A hash of a project query's answer (JSON values)."""
    return blake2b(json.dumps(found, sort_keys=True).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def query_digest(engine: TypeEngine, name: str) -> str | None:
    """The hash of the project query ``name`` (:func:`query_name`) answered by
    ``engine`` now; ``None`` when ``name`` names none."""
    kind, *args = name[1:].split("\0")
    ask = PROJECT_QUERIES.get(kind)
    return answer_digest(ask(engine, *args)) if ask is not None and name.startswith("?") else None


def _overrides(engine: TypeEngine, cls: str, name: str) -> list:
    return engine.classes.overrides_index().get((cls, name), [])


# the questions about the whole project an answer may ask (see TypeEngine.project_query)
PROJECT_QUERIES: Final[dict[str, Callable[..., list]]] = {
    "overrides": _overrides,
    "class-with": lambda engine, *used: engine.calls.class_with_names(set(used)),
    "operator": lambda engine, dunder: engine.usage.rules.operator_defined(dunder),
    "subclasses": lambda engine, name: engine.usage.rules.subclass_names(name),
    "defines-class": lambda engine, short: [any(c.short == short for c in engine.classes.project_classes())],
}


# engine questions one file's predictions or checks may ask (the stdlib's largest files
# ask 15,000 to 46,000, mypy's checker.py 26,000; a generated file of 60,000 functions
# about 1,000,000, at 15-30 us a question: 100,000 keep it to 2-3 s)
FILE_STEPS: Final = 100_000


class OutOfTime(Exception):
    """Raised by an engine whose ``deadline`` has passed (batch jobs bound each file)."""


class BudgetSpent(OutOfTime):
    """Raised past the work budget of :meth:`TypeEngine.file_budget`: the answers
    given before it are whole, the file's answers are partial."""


class GraphUnavailable(InputError):
    """Raised by :meth:`TypeEngine.require_graph` when a file the analysis reached
    cannot be read or parsed into a graph (deleted, unreadable, not a file)."""


@mypyc_attr(allow_interpreted_subclasses=True)
class StepBudgets:
    """The question budgets of an engine that counts its questions in ``steps``
    and raises :class:`BudgetSpent` past ``budget_end`` (this engine's and the
    script side's, each with its own ``default_steps``)."""

    default_steps: ClassVar[int]
    steps: int
    budget_end: int | None

    def file_budget(self, steps: int | None = None) -> Budget:
        """At most ``steps`` (default: ``default_steps``) more questions inside (then
        :class:`BudgetSpent`): one file's or one item's answers degrade to a
        partial result rather than run long on a generated file.  Nested budgets
        keep the tighter end."""
        return Budget(self, self.default_steps if steps is None else steps)


class Budget:
    """The context of :meth:`StepBudgets.file_budget`: ``steps`` more questions
    from where ``budgets`` stands on entry, the end it had back on exit.  A class,
    not ``contextlib.contextmanager``: each predicted item and each step of a
    file enters one (12,700 in an ``infer`` of click), and a generator-based
    context cost a generator, a helper object and interpreted ``__enter__`` and
    ``__exit__`` each."""

    def __init__(self, budgets: StepBudgets, steps: int) -> None:
        self.budgets = budgets
        self.steps = steps
        self.saved: int | None = None

    def __enter__(self) -> None:
        budgets = self.budgets
        saved = self.saved = budgets.budget_end
        end = budgets.steps + self.steps
        budgets.budget_end = end if saved is None else min(saved, end)

    def __exit__(self, *exc: object) -> None:
        self.budgets.budget_end = self.saved


class TypeEngine(StepBudgets):
    """Static inference over a project (see the module docstring)."""

    default_steps = FILE_STEPS

    def __init__(
        self, index: ProjectIndex, project: ProjectGraph | None = None, shared: dict[tuple, object] | None = None
    ) -> None:
        self.index = index
        self.project = project
        self.session: AnalysisSession | None = None  # set by the session that built it
        self._memo: dict[tuple, object] = {}
        # answers about library files (outside the project root), shared by the
        # engines of one session: those files do not change while it runs
        self.shared = shared
        self._library_path: dict[str, bool] = {}
        self.deadline: float | None = None  # time.monotonic() past which questions raise OutOfTime
        # at most this many questions (memo lookups, hits included), then OutOfTime:
        # a budget that, unlike the deadline, ends at the same place on every machine
        self.step_limit: int | None = None
        self.budget_end: int | None = None  # the step past which questions raise BudgetSpent
        self.steps = 0
        self._solver = Memo(shared)
        self._graphs: dict[str, ProgramGraph | None] = {}
        self._graphs_given: set[str] = set()
        self._resolved: dict[tuple[str, str], Definition | ModuleLocation | None] = {}  # see resolve_name
        # a class's qualified name -> (file, class node), for every class met so far: kept
        # for the engine's life, not with the models that about() and begin_file make
        # anew, since a class type handed on by the memo names its class only by that
        # name, which its module may bind to something else (``Task = _asyncio.Task``)
        self.class_definitions: dict[str, tuple[str, int]] = {}
        self._project_files: dict[str, int] = {}
        self.project_paths: list[str] = []
        # what the editor features keep per engine (.ide.completion's member lists): here,
        # not in a weak mapping, since an engine compiled by mypyc takes no weak reference
        self.ide_lists: dict[object, object] = {}
        if project is not None and project.root is not None:
            for i, name in enumerate(project.files):
                resolved = str((project.root / name).resolve())
                self.project_paths.append(resolved)
                self._project_files[resolved] = i
                self._graphs[resolved] = project.graphs[i]
        builtins = index.resolve_module("builtins")
        self.builtins_path = str(builtins.path) if builtins is not None and builtins.path else None
        self.log: ReadLog | None = None  # the project files answers read (see track)
        self._side: TypeEngine | None = None  # answers project queries while reads are recorded
        self.callsites = CallSites(self, self._solver)
        self._models()

    # the parts that answer each kind of question, with their caches: the one list
    # that _models builds anew and about() saves and puts back
    _MODELS: ClassVar[tuple[tuple[str, Callable[[TypeEngine], object]], ...]] = (
        ("annotations", AnnotationEvaluator),
        ("names", NameResolver),
        ("exprs", ExpressionTyper),
        ("classes", ClassModel),
        ("calls", CallModel),
        ("narrowing", Narrower),
        ("mutations", Mutations),
        ("records", Records),
        ("patterns", Patterns),
        ("usage", UsageModel),  # parameters from their uses (:mod:`.usage`)
    )
    annotations: AnnotationEvaluator
    names: NameResolver
    exprs: ExpressionTyper
    classes: ClassModel
    calls: CallModel
    narrowing: Narrower
    mutations: Mutations
    records: Records
    patterns: Patterns
    usage: UsageModel
    callsites: CallSites

    def _models(self) -> None:
        """Fresh models (:data:`_MODELS`), with empty caches."""
        for name, build in self._MODELS:
            setattr(self, name, build(self))

    # -- files ----------------------------------------------------------------------
    def graph(self, path: str) -> ProgramGraph | None:
        if self.log is not None:
            self.log.read(path)
        g = self._graphs.get(path, _MISSING)
        if g is _MISSING:
            g = self._graphs[path] = self.index.graph_of(Path(path))
        return g  # type: ignore[return-value]

    def require_graph(self, path: str) -> ProgramGraph:
        """:meth:`graph`, for callers that were handed ``path`` by the analysis (a
        node's file, a resolved definition's file) and cannot answer without it."""
        g = self._graphs.get(path) if self.log is None else None  # the common case, without a call
        if g is None:
            g = self.graph(path)
        if g is None:
            raise GraphUnavailable(
                f"cannot read {path}: the file was reached by the analysis "
                "but could not be read or parsed (deleted or unreadable?)"
            )
        return g

    def use_graph(self, path: str, graph: ProgramGraph) -> None:
        """Answer for ``path`` from ``graph`` (an editor buffer newer than the disk)."""
        self._graphs[path] = graph
        self._graphs_given.add(path)
        self._library_path.pop(path, None)
        self._resolved.clear()
        self.calls.ways.clear()

    def fork(self, buffers: dict[str, ProgramGraph]) -> TypeEngine:
        """A fresh engine of the same session answering for ``buffers``' files from
        those graphs (a patched copy of an editor buffer)."""
        if self.session is None:
            raise RuntimeError(
                "this engine was built outside an AnalysisSession and cannot fork; "
                "build engines with AnalysisSession.engine()"
            )
        return self.session.engine(buffers)

    def path_of(self, path: str | Path) -> str:
        return str(Path(path).resolve())

    def project_file(self, path: str) -> int | None:
        """The index of ``path`` in the project graph (cross-file edges), if any."""
        return self._project_files.get(path)

    def is_stub(self, path: str) -> bool:
        return path.endswith(".pyi")

    def module_name(self, path: str) -> str:
        return self.index.module_name(path)

    def resolve_name(self, module: str, name: str) -> Definition | ModuleLocation | None:
        """``index.resolve_name``, but answered from this engine's own graph of a
        file when it has one (an editor buffer newer than the file on disk).
        Once per name and engine: the files an engine reads do not change while
        it answers (a project's checks ask about ``typing.Any`` hundreds of times)."""
        key = (module, name)
        if key in self._resolved:
            return self._resolved[key]
        log = self.log
        if log is None:
            found = self._resolved[key] = self._resolve_name(module, name)
        elif not log.paused:  # kept with its answer, which a later run compares, not as the file's reads
            found = self._resolved[key] = log.resolved(module, name, lambda: self._resolve_name(module, name))
        else:  # not kept: an answer that used it would record nothing
            found = self._resolve_name(module, name)
        return found

    def _resolve_name(self, module: str, name: str) -> Definition | ModuleLocation | None:
        target = self.index.resolve_name(module, name)
        if isinstance(target, Definition):
            path = str(target.path)
            mine = self._graphs.get(path)
            if mine is not None and mine is not self.index.graph_of(target.path):
                sym = mine.find_symbol(target.name)
                live = live_definitions(mine, sym.definitions) if sym is not None else ()
                if sym is None or not live:
                    return None
                return definition_at(mine, target.module, target.path, target.name, sym.kind, live[-1])
        return target

    def resolve_binding(self, path: str, g: ProgramGraph, binding: ImportBinding) -> Definition | ModuleLocation | None:
        compute: Callable[[], object] = partial(self._resolve_binding, path, g, binding)
        found = self.memo(("binding", path, binding.node), compute)  # object: a cut cycle's Never is no target
        return found if isinstance(found, (Definition, ModuleLocation)) else None

    def _resolve_binding(
        self, path: str, g: ProgramGraph, binding: ImportBinding
    ) -> Definition | ModuleLocation | None:
        return self.index.resolve_import(path, binding, self.resolve_name)

    # -- memo -----------------------------------------------------------------------
    def is_library_file(self, path: str) -> bool:
        """Outside the project root and not an editor buffer: a stub, the stdlib or
        an installed package, which does not change while a session runs."""
        library = self._library_path.get(path)
        if library is None:
            root = self.index.root
            library = self._library_path[path] = path not in self._graphs_given and not (
                root is not None and Path(path).is_relative_to(root)
            )
        return library

    def _store(self, key: tuple) -> dict[tuple, object]:
        if self.shared is None or len(key) < 3 or not isinstance(key[1], str):
            return self._memo
        return self.shared if self.is_library_file(key[1]) else self._memo

    @property
    def context(self) -> CallContext | None:
        """The call-site context of the question being answered (None: context-free)."""
        return self._solver.context

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()`` once per key (and call-site context); a cycle is iterated
        until its answers settle (:mod:`.fixpoint`).  Threads sharing the engine
        take turns (:meth:`.fixpoint.Memo.take_turn`).  A cycle cut where it would loop
        answers ``NEVER`` whatever ``T`` is: a caller whose ``compute`` returns no
        :data:`Type` types it ``-> object`` and tests the answer (compiled by mypyc,
        a declared ``T`` is checked)."""
        solver = self._solver
        if solver.owner == threading.get_ident():  # the common case: no lock to take
            return cast(T, self._memo_in_turn(key, compute))
        solver.take_turn()
        try:
            return cast(T, self._memo_in_turn(key, compute))
        finally:
            solver.end_turn()

    def _memo_in_turn(self, key: tuple, compute: Callable[[], object]) -> object:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime(f"the analysis ran past its time budget at {key[0]}")
        self.steps += 1
        if self.step_limit is not None and self.steps > self.step_limit:
            raise OutOfTime(f"the analysis ran past its budget of {self.step_limit} steps at {key[0]}")
        if self.budget_end is not None and self.steps > self.budget_end:
            raise BudgetSpent(f"the file's analysis ran past its budget at {key[0]}")
        self.callsites.check_budget()
        context = self._solver.context
        if context is not None:
            if self._is_inside(context, key):
                key = (*key, context)
            else:
                context = None
        store = self._store(key)
        value = store.get(key, _MISSING)
        if value is IN_PROGRESS and not self._solver.is_open(key):
            # another engine (a language server's other request) is answering it
            # in the shared memo: answer alone rather than read its unfinished work
            store = self._memo
            value = store.get(key, _MISSING)
        log = self.log
        if value is _MISSING or value is IN_PROGRESS:
            if log is None:
                return self._solver.ask(key, compute, store, context)
            log.depth += 1
            try:
                return self._solver.ask(key, compute, store, context)
            finally:
                log.depth -= 1
                log.finished(key)
        if log is not None:
            log.hit(key)
        return value

    def about(self, key: tuple, compute: Callable[[], T], on_cycle: Callable[[], T] | None = None) -> T:
        """``compute()``, the answer to ``key`` = ``(kind, file, node)``, a question
        about a definition in ``file`` that other files ask (its class's members,
        what its name binds, an annotation written there, a def's signatures).
        While reads are recorded, it is a memo question, and asked by another
        project file it is worked out as a turn of its own (:meth:`.reads.ReadLog.enter`),
        with caches of its own, so the asking file keeps its answer, which a later
        run compares (:mod:`.cutoff`), not the other file's content.  Asked again
        while it is worked out: ``on_cycle()`` (default: the memo's approximation);
        ``on_cycle`` also stands for a Never (a cut cycle's) where a type is not the answer."""
        log = self.log
        if log is None or log.paused:
            return compute()
        context = self._solver.context
        if self.is_library_file(key[1]):
            if key[0] not in LIBRARY_KEPT or context is not None and self._is_inside(context, key):
                return compute()
            return log.library_answer(key, compute)
        if self._solver.is_open(key):  # the memo's approximation, unless it is not this kind of answer
            return on_cycle() if on_cycle is not None else self.memo(key, compute)
        if context is not None and self._is_inside(context, key):
            return compute()
        if key[1] == log.owner or self.answered(key)[0]:
            found = self.memo(key, compute)
            # a cycle cut where it would loop answers Never, which is not every question's kind of answer
            return on_cycle() if found is NEVER and on_cycle is not None else found
        models = [(name, getattr(self, name)) for name, _ in self._MODELS]
        resolved = self._resolved
        self._resolved = {}
        self._models()
        saved = log.enter(key[1])
        done = False
        try:
            found = self.memo(key, compute)
            done = self.answered(key)[0]
        finally:
            for name, model in models:
                setattr(self, name, model)
            self._resolved = resolved
            log.leave(saved, key if done else None)
        return on_cycle() if found is NEVER and on_cycle is not None else found

    def outside(self, key: tuple, compute: Callable[[], T], written: Callable[[T], object] | None = None) -> T:
        """``compute()``, an answer worked out outside the memo from a file and the
        calls into it (a function's linked calls): while reads are recorded, kept
        with what it read among the answers the file used, which a later run
        compares (:meth:`.reads.ReadLog.outside`), not as the file's own reads."""
        log = self.log
        if log is None or log.paused:
            return compute()
        return log.outside(key, compute, written)

    def is_elsewhere(self, path: str) -> bool:
        """Whether reads are recorded and ``path`` is a project file other than the
        one being answered: questions about its definitions go through :meth:`about`."""
        log = self.log
        return log is not None and not log.paused and path != log.owner and not self.is_library_file(path)

    # -- what answers read (an incremental run's dependencies, see .reads) ------------------
    def track(self) -> ReadLog:
        """Record from now on which project files each answer reads (the index's
        reads too); the log is returned and kept in ``log``."""
        if self.log is None:
            self.log = ReadLog(self.project_paths, lambda p: self.is_library_file(p))
            self.index.on_read = self.log.read
        return self.log

    def untrack(self) -> None:
        """Stop recording reads (the index is shared with other engines)."""
        if self.log is not None and self.index.on_read == self.log.read:
            self.index.on_read = None
        self.log = None

    def begin_file(self, path: str) -> None:
        """Start answering for ``path``: its reads start again, and the caches
        besides the memo, whose hits the log cannot see, are dropped (see .reads)."""
        if self.log is not None:
            self.log.begin(path)
            self._resolved.clear()
            self._models()

    def untracked(self) -> Untracked:
        """Reads inside are not recorded (a table whose own reads the caller
        records more precisely)."""
        return Untracked(self)

    def project_query(self, kind: str, *args: str) -> list:
        """The answer of a question about the whole project (:data:`PROJECT_QUERIES`),
        which a new file or class anywhere can change.  While reads are recorded,
        it is worked out in a second engine of the session (its reads are every
        file's) and recorded as read by its answer's hash, which a later run
        works out again to compare."""
        if self.log is None or self.session is None:
            return PROJECT_QUERIES[kind](self, *args)
        if self._side is None:
            self._side = self.session.engine(share_library=False)
        found = PROJECT_QUERIES[kind](self._side, *args)
        self.log.read_query(query_name(kind, args), answer_digest(found))
        return found

    def answered(self, key: tuple) -> tuple[bool, object]:
        """Whether the memo holds a final answer to ``key``, and that answer."""
        value = self._store(key).get(key, _MISSING)
        return (value is not _MISSING and value is not IN_PROGRESS), value

    def read_calls_into(self, path: str) -> None:
        """The answer being worked out read the calls other files make into ``path``."""
        if self.log is not None:
            self.log.read_calls_into(path)

    def read_project(self, files: int = -1) -> None:
        """The answer being worked out read the project files of the bit set ``files``
        (numbered as ``project_paths``; -1: all of them)."""
        log = self.log
        if log is not None and files < 0:
            log.read_all()
        elif log is not None:
            log.read_bits(files)

    def _is_inside(self, context: CallContext, key: tuple) -> bool:
        """Whether ``key`` asks about a node of the context's function."""
        if len(key) < 3 or key[1] != context.path or not isinstance(key[2], int):
            return False
        g = self.require_graph(context.path)
        node = key[2]
        if key[0] == "symbol":
            scope = g.symbols[node].scope
            if scope < 0:
                return False
            node = g.scopes[scope].node
        return 0 <= node < len(g.kinds) and context.start <= g.start_bytes[node] < context.end

    @property
    def unconverged(self) -> int:
        """Cycles closed after the most passes, before their answers settled."""
        return self._solver.unconverged

    @property
    def cut_cycles(self) -> int:
        """Cycles longer than every stack together, cut where they would loop."""
        return self._solver.cut

    # -- the questions predictions ask ------------------------------------------------
    def return_type(self, path: str, function: int) -> Type:
        return self.calls.declared_or_inferred_return(path, function)

    def parameter_type(self, path: str, parameter: int) -> Type:
        return self.calls.parameter_type(path, parameter)

    def symbol_type(self, path: str, sid: int) -> Type:
        return self.names.symbol_value(path, sid)


class Untracked:
    """The context of :meth:`TypeEngine.untracked` (a class for the reason
    :class:`Budget` is one): the engine's read log, if any, paused inside."""

    def __init__(self, engine: TypeEngine) -> None:
        self.engine = engine

    def __enter__(self) -> None:
        log = self.engine.log
        if log is not None:
            log.paused += 1

    def __exit__(self, *exc: object) -> None:
        log = self.engine.log
        if log is not None:
            log.paused -= 1
