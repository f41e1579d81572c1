"""Running inference and checks over paths: the command line's batch runner.

It finds the project root of each path, opens one
:class:`~typelens.typeinfer.session.AnalysisSession` for it, builds the project graph (in parallel with
``jobs > 1``; for a loose file, one outside any package, only the file and the
project modules it imports, not every file beside it: a script in ``/tmp`` or a
home folder), asks it for every prediction (in ``jobs`` forked workers with
``jobs > 1``, :mod:`.workers`), and caches the whole answer by
the content hash of every file of the project (:mod:`.result_cache`), so that a
re-run on an unchanged tree reads one JSON file.  A file that fails is reported and the run goes on.
With a :class:`~typelens.typeinfer.discovery.Discovery` in the options, files
are chosen as the command line does: ``exclude`` globs and ``.gitignore`` files
leave files out before anything parses them, and each file is checked with its
own settings (a nested project's ``[tool.typelens]``, ``per-file-ignores``).

Example::

    result = infer_paths([Path("examples/shop")], InferOptions())
    result.predictions[0].type        # 'str'
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

# Light modules only: a run answered from the result cache loads no parser, graph builder or engine.
from typelens.analyzer import codes
from typelens.analyzer.codes import CODES
from typelens.analyzer.errors import InputError, ModelError
from typelens.analyzer.layout import (
    is_library_root,
    is_script,
    iter_python_files,
    iter_script_files,
    project_root_of,
    project_scope,
)
from typelens.analyzer.heap import batch_heap
from typelens.analyzer.source import DEFAULT_MAX_BYTES, SkippedFile, listed_file_problem
from typelens.analyzer.spans import Diagnostic, Span

from .result_cache import (
    analyze_entry,
    infer_entry,
    read_answers,
    read_diagnostics,
    write_answers,
    write_diagnostics,
)
from .settings import Settings

if TYPE_CHECKING:  # imported where used: a run answered from the result cache needs no engine
    from typelens.analyzer import ProjectIndex

    from .engine import TypeEngine
    from .file_answers import FileAnswer, FileAnswers

    from .discovery import Discovery
    from .predicted import Prediction
    from .session import AnalysisSession
    from .workers import Sidecar

logger = logging.getLogger(__name__)

CACHE_VERSION = "typelens-infer-3"  # 3: predictions keep evidence and candidates; 2: scripts (.ts, .js ...)


@dataclass(frozen=True, slots=True)
class InferOptions:
    """How ``infer`` and ``analyze`` run: the inference mode, the models, workers, caches and the file-size cap."""

    mode: str = "static"
    model_dir: Path | None = None
    slice_dir: Path | None = None  # a slice-model folder (default: the shipped one, when there is one)
    use_slice: bool = True
    jobs: int = 1
    # files answered in ``jobs`` forked workers (:mod:`.workers`); off for --apply and --diff,
    # whose rounds go on from the engine that answered every file (typeinfer.apply_rounds)
    worker_answers: bool = True
    use_cache: bool = True
    cache_dir: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES  # GraphConfig's default
    settings: Settings = Settings()
    discovery: Discovery | None = None  # the command line's file selection and per-file settings

    def __post_init__(self) -> None:
        if self.mode not in ("static", "neural", "hybrid"):
            raise ValueError(f"mode={self.mode!r} is not one of static, neural, hybrid")
        if self.jobs < 1:
            raise ValueError(f"jobs={self.jobs!r} must be at least 1")


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class FileSet:
    """The files of one path argument, and how to show them."""

    root: Path  # project root for imports
    base: Path  # what `file` is relative to
    files: list[Path]
    single: bool
    skipped: list[SkippedFile] = field(default_factory=list)  # FIFOs, dangling links, ... (iter_python_files)

    @property
    def scope(self) -> Path:
        """The folder whose modules are the project (see ``project_scope``): a folder
        named on the command line that is no package is a project of its own."""
        if not self.single and self.base == self.root and not is_library_root(self.root):
            return self.root
        return project_scope(self.root, self.files[0] if self.files else self.base)


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class InferResult:
    """What a run found: predictions, diagnostics, statistics, and the sessions and engines that answered (not cached)."""

    predictions: list[Prediction] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # root -> AnalysisSession (not for the cache)
    engines: dict = field(default_factory=dict)  # root -> the session's engine that answered


def file_sets(paths: list[Path], discovery: Discovery | None = None) -> list[FileSet]:
    """One set per path argument (a file or a folder's ``.py`` files and scripts:
    ``.ts``, ``.tsx``, ``.js`` ...); ``discovery`` leaves out what the settings exclude."""
    sets = []
    for path in paths:
        if not path.exists():
            what = listed_file_problem(path, None) if os.path.islink(path) else "does not exist"
            raise InputError(f"path {str(path)!r} {what}")
        path = path.resolve()
        if path.is_dir():
            skipped: list[SkippedFile] = []
            files = [p for p in iter_python_files(path, skipped=skipped) if p.suffix == ".py"]
            files += iter_script_files(path, skipped=skipped)
            if discovery is not None:
                top = discovery.top_for(path, named=True)
                files = [f for f in files if not discovery.is_excluded(f, top)]
                skipped = [s for s in skipped if not discovery.is_excluded(s.path, top)]
            sets.append(
                FileSet(
                    project_root_of(path) if (path / "__init__.py").exists() else path,
                    path,
                    files,
                    False,
                    [s for s in skipped if s.path.suffix == ".py" or is_script(s.path)],
                )
            )
            continue
        problem = listed_file_problem(path, None)
        if problem is not None:
            raise InputError(f"path {str(path)!r} cannot be analysed: {problem}")
        if discovery is None or not discovery.is_excluded(path, discovery.top_for(path.parent), is_named=True):
            sets.append(FileSet(project_root_of(path), path.parent, [path], True))
    return sets


def _build_one(args: tuple[str, int]):
    from typelens.analyzer.builder import GraphConfig, build_graph_safely

    path, max_bytes = args
    return path, build_graph_safely(Path(path), config=GraphConfig(max_bytes=max_bytes))


def infer_paths(paths: list[Path], options: InferOptions) -> InferResult:
    """Predictions for every ``.py`` file under ``paths``."""
    started = time.perf_counter()
    result = InferResult()
    cache_hits = 0
    for fs in file_sets(paths, options.discovery):
        if not fs.files:
            continue
        settings = _project_settings(fs, options)
        where = infer_entry(fs.files, options, fs.root, fs.scope, settings) if options.use_cache else None
        cached = read_answers(where) if where is not None else None
        if cached is not None:
            result.predictions.extend(cached[0])
            result.diagnostics.extend(cached[1])
            cache_hits += 1
            continue
        store = (
            _file_store(fs, options, infer_entry(fs.files, options, fs.root, fs.scope, settings, contents=False))
            if where is not None
            else None
        )
        predictions, diagnostics, engine = _infer_set(fs, options, store, None if where is None else where.parent)
        result.sessions[str(fs.root)] = engine.session
        result.engines[str(fs.root)] = engine
        result.predictions.extend(predictions)
        result.diagnostics.extend(diagnostics)
        if where is not None and not any(d.code == "internal-error" for d in diagnostics):
            write_answers(where, predictions, diagnostics, engine.index.files_read())
    result.stats = _stats(result, time.perf_counter() - started, cache_hits)
    return result


def project_files(index: ProjectIndex, fs: FileSet, limit: int = 256) -> list[Path] | None:
    """The files of the project graph: all the project's modules (None), except for
    a loose file (no ``__init__.py`` beside it), which gets itself and the project
    modules it imports, transitively (at most ``limit`` files)."""
    if not fs.single or (fs.files[0].parent / "__init__.py").exists():
        return None
    order: list[Path] = []
    seen: set[Path] = set()
    todo = [fs.files[0].resolve()] if not is_script(fs.files[0]) else []
    while todo and len(order) < limit:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        graph = index.graph_of(path)
        if graph is None:
            continue
        order.append(path)
        for binding in graph.imports:
            module = index.imported_module(path, binding)
            for name in (module, f"{module}.{binding.name}" if binding.name else ""):
                found = index.resolve_module(name)
                if found is not None and found.origin == "project" and found.path is not None:
                    todo.append(found.path.resolve())
    return order


def open_session(fs: FileSet, options: InferOptions) -> AnalysisSession:
    """The session of one path argument, its project graph built (graphs in
    ``options.jobs`` processes) of the modules the discovery does not leave out."""
    from typelens.analyzer.builder import GraphConfig

    from .session import AnalysisSession

    discovery = options.discovery
    settings = _project_settings(fs, options)
    session = AnalysisSession(fs.root, settings, scope=fs.scope, config=GraphConfig(max_bytes=options.max_bytes))
    session.index.still = True  # the run reads each file once: it answers for the tree as it found it
    todo = [f for f in fs.files if not session.index.has_cached_graph(f)] if options.jobs > 1 else []
    if len(todo) > 1:  # the others load from the graph cache faster than a worker builds them
        from concurrent.futures import ProcessPoolExecutor  # here: multiprocessing is a twentieth of a second

        with ProcessPoolExecutor(max_workers=options.jobs) as pool:
            jobs = [(str(f), options.max_bytes) for f in todo if not is_script(f)]
            for path, graph in pool.map(_build_one, jobs, chunksize=4):
                session.index.adopt(Path(path), graph)
    files = project_files(session.index, fs)
    if files is None and discovery is not None:
        top = discovery.top_for(fs.base)
        files = sorted(p for p in set(session.index.modules.values()) if not discovery.is_excluded(p.resolve(), top))
    session.build_project(files)
    return session


def _file_settings(path: Path, options: InferOptions) -> Settings | None:
    return options.discovery.settings_of(path) if options.discovery is not None else None


def _infer_set(fs: FileSet, options: InferOptions, store: FileAnswers | None = None, kept: Path | None = None):
    """The predictions of one path argument; ``kept``: the folder of its result
    cache, where the classifier's answers are kept too."""
    assistant = None
    if options.mode != "static":
        from .hybrid import NeuralAssistant
        from .session import model_cache_for

        # before any analysis: a bad model folder is a clear one-line error at once (ModelError
        # propagates); the classifier loads when the first answer needs it
        assistant = NeuralAssistant(
            options.model_dir,
            options.slice_dir,
            use_slice=options.use_slice,
            is_lazy=True,
            optimized_dir=model_cache_for(_project_settings(fs, options)),
        )
        if kept is not None:
            from .neural.batch_answers import BatchAnswers

            assistant.answers = BatchAnswers.for_model(assistant.model_dir, kept)
    with batch_heap() as settle:
        session = open_session(fs, options)
        settle()  # the graphs: later collections skip them
        found = _predict_set(fs, options, session, assistant, store)
    if assistant is not None and assistant.answers is not None:
        assistant.answers.save()
    return found


def _predict_set(
    fs: FileSet, options: InferOptions, session: AnalysisSession, assistant, store: FileAnswers | None = None
):
    def predict(engine: TypeEngine, path: Path) -> tuple[list[Prediction], list[Diagnostic]]:
        return _predict_file(fs, options, session, assistant, engine, path)

    jobs = options.jobs if options.worker_answers else 1
    sidecar = None
    if (
        jobs > 1 and assistant is not None and assistant.answers is not None
    ):  # the classifier's batches the workers asked
        from .workers import Sidecar

        sidecar = Sidecar(assistant.answers.new_batches, assistant.answers.add_batches)
    answers, engine = answer_files(fs, session, store, predict, jobs, sidecar)
    predictions = [p for a in answers for p in a.predictions]
    return predictions, skipped_diagnostics(fs) + [d for a in answers for d in a.diagnostics], engine


def _script_file_steps() -> int:
    from .typescript.engine import FILE_STEPS as SCRIPT_FILE_STEPS

    return SCRIPT_FILE_STEPS


def _predict_file(
    fs: FileSet, options: InferOptions, session: AnalysisSession, assistant, engine: TypeEngine, path: Path
) -> tuple[list[Prediction], list[Diagnostic]]:
    """One file's predictions and diagnostics (the per-file boundary)."""
    from .engine import FILE_STEPS
    from .session import FileAnalysis

    display = path.name if fs.single else str(path.relative_to(fs.base))
    where = str(path)  # diagnostics name their file as ``analyze``'s do: by its full path
    predictions: list[Prediction] = []
    diagnostics: list[Diagnostic] = []
    try:
        analysis = session.analyse(path, display=display, engine=engine)
        diagnostics.extend(_with_path(d, where) for d in analysis.graph.diagnostics)
        predictions.extend(analysis.predictions(options.mode, assistant))
        if getattr(analysis, "partial", False):  # past its budget (both languages)
            steps = FILE_STEPS if isinstance(analysis, FileAnalysis) else _script_file_steps()
            message = codes.ANALYSIS_BUDGET.format(steps=steps, what="inference")
            diagnostics.append(Diagnostic.build("analysis-budget", message, Span.empty(), where))
    except ModelError:  # the classifier, loaded on first use, does not load: the run's error
        raise
    except Exception as err:  # the per-file boundary: report it, go on with the rest
        logger.exception("inference failed on %s", path)
        message = codes.INTERNAL_ERROR.format(reason=f"{type(err).__name__}: {err}")
        diagnostics.append(Diagnostic.build("internal-error", message, Span.empty(), where))
    return predictions, diagnostics


def check_paths(paths: list[Path], options: InferOptions) -> tuple[list[Diagnostic], dict]:
    """Every ``analyze`` diagnostic the settings enable, for the ``.py`` files under
    ``paths``; each diagnostic's ``path`` is its file's absolute path.  A path whose
    project, environment, settings and typelens are unchanged since a run that
    cached its answer reads it from the result cache (``cache = false``: never)."""
    started = time.perf_counter()
    diagnostics: list[Diagnostic] = []
    files = hits = 0
    for fs in file_sets(paths, options.discovery):
        diagnostics.extend(skipped_diagnostics(fs))
        if not fs.files:
            continue
        files += len(fs.files)
        where = _analyze_entry(fs, options)
        cached = read_diagnostics(where) if where is not None else None
        if cached is not None:
            diagnostics.extend(cached)
            hits += 1
            continue
        store = _file_store(fs, options, _analyze_entry(fs, options, contents=False)) if where is not None else None
        found, index = _check_set(fs, options, store)
        diagnostics.extend(found)
        if where is not None and not any(d.code == "internal-error" for d in found):
            write_diagnostics(where, found, index.files_read())
    return diagnostics, {"files": files, "seconds": round(time.perf_counter() - started, 3), "cache_hits": hits}


def _check_set(
    fs: FileSet, options: InferOptions, store: FileAnswers | None = None
) -> tuple[list[Diagnostic], ProjectIndex]:
    with batch_heap() as settle:
        session = open_session(fs, options)
        settle()  # the graphs: later collections skip them
        return _check_files(fs, options, session, store)


def _check_files(
    fs: FileSet, options: InferOptions, session: AnalysisSession, store: FileAnswers | None = None
) -> tuple[list[Diagnostic], ProjectIndex]:
    def check(engine: TypeEngine, path: Path) -> tuple[list[Prediction], list[Diagnostic]]:
        try:
            analysis = session.analyse(path, display=str(path), engine=engine, settings=_file_settings(path, options))
            return [], analysis.diagnostics()
        except Exception as err:  # the per-file boundary: report it, go on with the rest
            logger.exception("analysis failed on %s", path)
            message = codes.INTERNAL_ERROR.format(reason=f"{type(err).__name__}: {err}")
            return [], [Diagnostic.build("internal-error", message, Span.empty(), str(path))]

    answers, _ = answer_files(fs, session, store, check, options.jobs)
    return [d for a in answers for d in a.diagnostics], session.index


def answer_files(
    fs: FileSet,
    session: AnalysisSession,
    store: FileAnswers | None,
    answer: Callable[[TypeEngine, Path], tuple[list[Prediction], list[Diagnostic]]],
    jobs: int = 1,
    sidecar: Sidecar | None = None,
) -> tuple[list[FileAnswer], TypeEngine]:
    """Each file's answers, in order, from one engine (or ``jobs`` worker
    processes' engines, :func:`answer_fresh`); with a ``store``, the kept
    answers that still hold are reused, those whose used answers are the same
    once the other files are answered are reused too (:mod:`.cutoff`), what
    each new one read is recorded (in one process), and the store is brought
    up to date (:mod:`.file_answers`)."""
    from .file_answers import FileAnswers

    kept, suspects = store.plan(session, fs.files) if store is not None else ({}, {})
    engine = session.engine(share_library=False)  # one engine for the whole set: its answers are shared
    log = engine.track() if store is not None and store.tracking else None
    found: dict[Path, FileAnswer] = {}
    later: list[Path] = []  # their questions about changed files are asked again once those are answered
    if log is None:
        found = {path: kept[str(path)] for path in fs.files if str(path) in kept}
        found.update(answer_fresh(engine, [p for p in fs.files if p not in found], answer, jobs, sidecar))
    for path in dependency_order(engine, fs.files) if log is not None else ():
        kept_answer = kept.get(str(path))
        if kept_answer is not None:
            found[path] = kept_answer
        elif str(path) in suspects:
            later.append(path)
        else:
            found[path] = _answer_one(engine, path, answer)
    verified = 0
    for path in later:
        assert store is not None
        engine.begin_file(str(path))
        again = store.verify(session, engine, suspects[str(path)])
        verified += again is not None
        found[path] = again if again is not None else _answer_one(engine, path, answer)
    engine.untrack()
    answers = [found[path] for path in fs.files]
    logger.info(
        "%d of %d files' answers kept from the last run (%d of them after asking again what they asked)",
        len(kept) + verified,
        len(fs.files),
        verified,
    )
    if store is None or log is None:
        if store is not None and not store.found:
            store.write(session, [], {}, track=True)  # the next run that answers records reads
        return answers, engine
    if is_order_free(engine, answers):
        store.write(session, answers, log.queries, track=is_worth_tracking(answers))
    elif kept or verified:  # a budget's end depends on what the memo held: start again from nothing
        logger.info("a work budget was reached beside kept answers; answering every file again")
        return answer_files(fs, session, FileAnswers(store.where, keep=False), answer, jobs, sidecar)
    else:
        store.drop()
    return answers, engine


def answer_fresh(
    engine: TypeEngine,
    files: list[Path],
    answer: Callable[[TypeEngine, Path], tuple[list[Prediction], list[Diagnostic]]],
    jobs: int,
    sidecar: Sidecar | None = None,
) -> dict[Path, FileAnswer]:
    """The answers of ``files`` (an engine that records no reads): in ``jobs``
    forked workers where that pays (:mod:`.workers`), else, and for the files
    of a worker that died before them, from ``engine`` in this process."""
    found: dict[Path, FileAnswer] = {}
    left = _answer_in_workers(engine, files, answer, jobs, sidecar, found) if jobs > 1 else files
    for path in left:
        found[path] = _answer_one(engine, path, answer)
    return found


def _answer_in_workers(
    engine: TypeEngine,
    files: list[Path],
    answer: Callable[[TypeEngine, Path], tuple[list[Prediction], list[Diagnostic]]],
    jobs: int,
    sidecar: Sidecar | None,
    found: dict[Path, FileAnswer],
) -> list[Path]:
    """Answers of ``files`` put in ``found`` by ``jobs`` workers (and the warm files
    by this process) where that pays; the files left to this process.  One job
    never gets here: a run without ``--jobs`` does not import :mod:`.workers`."""
    from .workers import answer_in_workers, is_worth_workers, warm_files

    if not is_worth_workers(files, jobs):
        return files
    for path in warm_files(files):
        found[path] = _answer_one(engine, path, answer)

    def ask(worker_engine: TypeEngine, path: Path) -> FileAnswer:
        return _answer_one(worker_engine, path, answer)

    done, left = answer_in_workers(engine, [p for p in files if p not in found], ask, jobs, sidecar)
    found.update(done)
    return left


def _answer_one(
    engine: TypeEngine, path: Path, answer: Callable[[TypeEngine, Path], tuple[list[Prediction], list[Diagnostic]]]
) -> FileAnswer:
    """``path``'s answers, with what they read when the engine records it."""
    from .file_answers import FileAnswer, asked_of

    engine.begin_file(str(path))
    predictions, diagnostics = answer(engine, path)
    log = engine.log
    if log is None:
        return FileAnswer(str(path), tuple(predictions), tuple(diagnostics), (), ())
    reads, calls = log.paths_of_sets((log.raw, log.raw_calls))
    return FileAnswer(str(path), tuple(predictions), tuple(diagnostics), reads, calls, asked_of(engine))


def is_worth_tracking(answers: list[FileAnswer]) -> bool:
    """Whether an edit of one project file would leave at least half of the
    answering work to reuse, on average over the files read, both weighed by
    their bytes (an edit lands in a large file more often; a large file costs
    more to answer again): recording reads makes the files answered again cost
    about a third more, and early cutoff asks the used answers again (a
    package whose modules all import each other never pays it back).  A file
    counts as redone by an edit of what it read in its own turn and of what its
    used answers that a later run cannot ask again read; early cutoff keeps it
    when those it can ask again are answered the same (:mod:`.cutoff`)."""
    sizes = {a.path: _size(a.path) for a in answers}
    counts: dict[str, int] = {}
    for a in answers:
        redone = set(a.reads)
        for q in a.asked:
            if q.key is None or q.answer is None:
                redone.update(q.reads)
        for path in redone:
            if not path.startswith("?"):
                counts[path] = counts.get(path, 0) + sizes[a.path]
    if not counts:
        return False
    total = sum(sizes.values())
    edits = {path: sizes[path] if path in sizes else _size(path) for path in counts}
    kept = sum(edits[path] * (total - count) for path, count in counts.items())
    return 2 * kept >= total * sum(edits.values())


def _size(path: str) -> int:
    try:
        return max(os.stat(path).st_size, 1)
    except OSError:
        return 1


def dependency_order(engine: TypeEngine, files: list[Path]) -> list[Path]:
    """``files``, those whose imports reach fewer project files first: a module
    before the modules that import it, so that the memo answers about it are
    worked out while its own answers are, and carry its reads, not an
    importer's: an importer then finds them in the memo and keeps their
    answers, which a later run compares (:mod:`.cutoff`), not the file's
    content (the answers do not depend on the order; what they record as read
    does)."""
    from .reach import ImportReach

    reach = ImportReach(engine)
    with engine.untracked():
        counts = [reach.count(str(path)) for path in files]
    return [path for _, _, path in sorted(zip(counts, range(len(files)), files))]


def is_order_free(engine: TypeEngine, answers: list[FileAnswer]) -> bool:
    """Whether the engine's answers are those of any order of its questions: no
    work budget (the file's, a call-site context's, the engine's contexts) ran
    out and no cycle was cut, whose ends depend on what the memo already held."""
    from .callsites import _MAX_CONTEXTS

    sites = engine.callsites
    if sites.exhausted or sites.contexts >= _MAX_CONTEXTS or engine.unconverged or engine.cut_cycles:
        return False
    return not any(d.code in _ORDER_CODES for a in answers for d in a.diagnostics)


_ORDER_CODES = frozenset({"analysis-budget", "internal-error"})


def _file_store(fs: FileSet, options: InferOptions, where: Path | None) -> FileAnswers | None:
    """The per-file answers kept at ``where`` (Python files only: what a script's
    answers read is not tracked).  A model's refinement reads the file's own graph
    and the engine's answers, and the model's files are in the key."""
    from .file_answers import FileAnswers

    if where is None or any(is_script(f) for f in fs.files):
        return None
    return FileAnswers(where)


def skipped_diagnostics(fs: FileSet) -> list[Diagnostic]:
    """An ``unreadable-file`` diagnostic, named by its full path, for each file the folder walk left out."""
    return [
        Diagnostic.build("unreadable-file", codes.UNREADABLE_FILE.format(reason=s.reason), Span.empty(), str(s.path))
        for s in fs.skipped
    ]


def _with_path(d: Diagnostic, display: str) -> Diagnostic:
    return Diagnostic(d.code, d.message, d.span, d.severity, display)


def _stats(result: InferResult, seconds: float, cache_hits: int) -> dict:
    by_kind: dict[str, int] = {}
    by_source: dict[str, int] = {}
    unknown = 0
    for p in result.predictions:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
        if p.type is None:
            unknown += 1
        else:
            by_source[p.source] = by_source.get(p.source, 0) + 1
    return {
        "files": len({p.file for p in result.predictions}),
        "predictions": len(result.predictions),
        "unknown": unknown,
        "by_kind": by_kind,
        "by_source": by_source,
        "seconds": round(seconds, 3),
        "cache_hits": cache_hits,
    }


def _project_settings(fs: FileSet, options: InferOptions) -> Settings:
    """The settings of the project ``fs`` belongs to (its own ``python``, rules...)."""
    return options.discovery.tree.for_path(fs.base) if options.discovery is not None else options.settings


def _analyze_entry(fs: FileSet, options: InferOptions, *, contents: bool = True) -> Path | None:
    """Where ``analyze`` caches the diagnostics of ``fs`` (:func:`.result_cache.analyze_entry`),
    keyed by each file's enabled rules too."""
    settings = _project_settings(fs, options)
    rules = []
    for path in fs.files:
        enabled = _file_settings(path, options) or settings
        rules.append(",".join(sorted(code for code in CODES if enabled.is_enabled(code))))
    return analyze_entry(fs.files, options, fs.root, fs.scope, settings, rules, contents=contents)
