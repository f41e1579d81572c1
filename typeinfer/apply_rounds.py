"""``--apply`` as one idempotent step: annotating files until the answers settle.

An annotation written is an annotation the next analysis reads: once
``def wrap(chunks: list[str])`` is declared, ``chunk = chunks[-1]`` is a ``str``
with certainty, so a second ``--apply`` would add ``chunk: str``.  To make one
run final, the annotations are planned in rounds: each round analyses the files
*as they would be written* (held in memory by an index that reads them instead
of the disk) and adds the edits the new answers allow, until a round adds none.
That last round read exactly what is written, so running ``--apply`` again finds
nothing to add.

Every edit is planned against the file as it was read (``Source.data`` offsets):
a later round's answers are mapped back through the edits already made, and the
raw bytes are produced by :meth:`typelens.analyzer.rawbytes.RawFile.splice`, so
bytes outside the edits never change.  An edit after which the file would not
compile (an annotated ``global``, a place Python has no syntax for) is left out
with a note; the rest of the file is annotated.

Scripts (``.ts``, ``.js`` ...) go through the same rounds with their own
planner (:mod:`.typescript.apply_rounds`: TypeScript annotations, JSDoc), and
are written by the same safe writer.

Example::

    snapshot = Snapshot.read(Path("pkg/text.py"))
    [done] = annotate_files([Path("pkg/text.py")], [snapshot], InferOptions(mode="static"),
                            min_confidence=0.8)
    done.new_raw       # the bytes to write, or None: nothing to add
    done.settled       # True: a second run adds nothing
"""

from __future__ import annotations

import bisect
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import GraphConfig, ProgramGraph, ProjectIndex
from typelens.analyzer.environment import discover_environment
from typelens.analyzer.heap import batch_heap
from typelens.analyzer.rawbytes import RawBytesError, RawFile, apply_data_edits, lf_normalised, raw_file
from typelens.analyzer.typescript import is_script

from .apply import Edit, compile_error, import_edit, module_classes, plan_edits
from .engine import TypeEngine
from .predictions import Prediction
from .run import FileSet, InferOptions, InferResult, file_sets, project_files
from .session import AnalysisSession

if TYPE_CHECKING:  # loaded for hybrid and neural runs alone
    from .hybrid import NeuralAssistant

try:  # mypyc's class options (see analyzer/native.py): the TypeScript side extends _FileRounds
    from mypy_extensions import mypyc_attr
except ImportError:  # needed only where mypyc builds
    from typelens.analyzer.native import mypyc_attr  # type: ignore[assignment]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 8
BUDGET_NOTE = (
    "the analysis ran past the file's budget: annotated from one round's answers; another --apply may add more"
)
_PYTHON = f"Python {sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A file's bytes and identity when it was read; written back only if both still hold."""

    path: Path
    raw: bytes
    identity: tuple[int, int, int, int]  # st_dev, st_ino, st_mtime_ns, st_size

    @classmethod
    def read(cls, path: Path) -> "Snapshot":
        """Raises ``OSError`` when ``path`` cannot be read."""
        with open(path, "rb") as handle:
            before = os.fstat(handle.fileno())
            raw = handle.read()
        return cls(path, raw, identity_of(before))


def identity_of(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


@dataclass(frozen=True, slots=True)
class Note:
    """Why a file or an edit was left out; ``line`` (1-based) when it is one edit."""

    text: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Annotated:
    """One file's outcome: the bytes to write (``None``: leave it) and the notes."""

    snapshot: Snapshot
    new_raw: bytes | None
    notes: tuple[Note, ...] = ()
    rounds: int = 0
    settled: bool = True


@dataclass(slots=True)
@mypyc_attr(allow_interpreted_subclasses=True)
class _FileRounds:
    """One file's edits across the rounds (the working state; results are :class:`Annotated`)."""

    snapshot: Snapshot
    rf: RawFile | None
    graph: ProgramGraph | None = None
    edits: dict[tuple[int, int], Edit] = field(default_factory=dict)
    banned: set[tuple] = field(default_factory=set)  # edits left out: (start, end); a script's (start, end, text)
    notes: list[Note] = field(default_factory=list)
    current: bytes = b""  # the bytes as they would be written now
    cut_short: bool = False  # its analysis ran past the file's budget: no more rounds for it
    compiles: bool = False  # the file as read is known to compile (checked once, with the first edits)

    def __post_init__(self) -> None:
        self.current = self.snapshot.raw

    @property
    def key(self) -> str:
        return str(self.snapshot.path)

    @property
    def active(self) -> bool:
        return self.rf is not None and self.graph is not None and not self.cut_short

    def cut(self) -> None:
        """No more rounds for this file: its analysis ran past the file's budget, so
        each round would reach a little further into it and analyse it all again
        (eight rounds of 60,000 functions: two minutes and 1.8 GB)."""
        self.cut_short = True
        self.notes.append(Note(BUDGET_NOTE))

    def graph_of(self, engine: TypeEngine) -> ProgramGraph | None:
        """The graph ``engine``'s round read this file from."""
        return engine.graph(self.key)

    def begin(self, engine: TypeEngine) -> None:
        """The first round: the graph of the file as read, from ``engine``."""
        self.start(self.graph_of(engine) if self.rf is not None else None)

    def advance(self, engine: TypeEngine, predictions: list[Prediction], min_confidence: float) -> bool:
        """One round's answers in; whether the file's new bytes changed."""
        return self.add(predictions, module_classes(engine, self.key), min_confidence)

    def start(self, graph: ProgramGraph | None) -> None:
        """Attach the graph of the file as read; skip a file whose edits could not be
        checked (one that does not compile is found with its first edits: see
        :meth:`_drop_what_breaks`)."""
        if self.rf is None or graph is None:
            return
        if graph.has_syntax_errors():
            self.notes.append(Note("skipped: it has syntax errors"))
            return
        self.graph = graph

    def add(self, predictions: list[Prediction], classes: dict[str, str], min_confidence: float) -> bool:
        """Add the edits these answers allow; whether the file's new bytes changed."""
        assert self.rf is not None and self.graph is not None
        plan = plan_edits(self.graph, self._to_original(predictions), classes, min_confidence)
        fresh = [e for e in plan.edits if (e.start, e.end) not in self.edits and (e.start, e.end) not in self.banned]
        fresh = [e for e in fresh if self._encodable(e)]
        if not fresh:
            return False
        self.edits.update(((e.start, e.end), e) for e in fresh)
        error = self._drop_what_breaks(fresh)
        if error is not None:
            return self.give_up(f"it does not compile under {_PYTHON} ({error.msg}, line {error.lineno})")
        before = self.current
        try:
            self.current = self.rf.splice(self._data_edits()) if self.edits else self.snapshot.raw
        except RawBytesError as err:
            return self.give_up(_without_path(err, self.key))
        return self.current != before

    def give_up(self, reason: str) -> bool:
        """Leave the file as read; whether that changed its new bytes."""
        self.notes.append(Note(f"skipped: {reason}"))
        changed = self.current != self.snapshot.raw
        self.edits.clear()
        self.current, self.graph = self.snapshot.raw, None
        return changed

    def result(self, settled: bool, rounds: int = 0) -> Annotated:
        changed = self.current if self.current != self.snapshot.raw else None
        settled = (settled and not self.cut_short) or not self.edits
        return Annotated(self.snapshot, changed, tuple(self.notes), rounds, settled)

    # -- inside a round -----------------------------------------------------------------
    def _data_edits(self) -> list[tuple[int, int, str]]:
        assert self.rf is not None and self.graph is not None
        edits = list(self.edits.values())
        imports = tuple(sorted({line for e in edits for line in e.imports}))
        block = import_edit(self.graph, imports, self.rf.data_newline)
        if block is not None:
            edits.append(block)
        return sorted((e.start, e.end, e.text) for e in edits)

    def _encodable(self, edit: Edit) -> bool:
        assert self.rf is not None
        if self.rf.can_encode(edit.text + "".join(edit.imports)):
            return True
        self._ban(edit, f"{self.rf.codec} cannot write it")
        return False

    def _drop_what_breaks(self, fresh: list[Edit]) -> SyntaxError | None:
        """Leave out the new edits after which the file would not compile; the
        error of the file as read when it does not compile itself.

        The first check compiles the annotated text in full: when it compiles,
        so does the text as read (an annotation repairs nothing), which is then
        never compiled apart (a second compile of a 2 MB file).  Once the text as
        read is known to compile, the parser's and the symbol table's checks are
        the ones an annotation can fail (``codegen=False``)."""
        assert self.rf is not None
        while fresh:
            edits = self._data_edits()
            error = compile_error(apply_data_edits(self.rf.source.data, edits), self.key, codegen=not self.compiles)
            if error is None:
                self.compiles = True
                return None
            if not self.compiles:
                as_read = compile_error(self.rf.source.data, self.key)
                if as_read is not None:
                    return as_read
                self.compiles = True
            on_line = [e for e in fresh if _new_line(edits, e.start, self.rf.source.data) == error.lineno]
            for edit in on_line or fresh:  # not on the error's line: all of this round's edits go
                del self.edits[(edit.start, edit.end)]
                self._ban(edit, f"the file would not compile ({error.msg})")
            fresh = [e for e in fresh if (e.start, e.end) in self.edits]
        return None

    def _ban(self, edit: Edit, why: str) -> None:
        assert self.graph is not None
        self.banned.add((edit.start, edit.end))
        line = self.graph.point(edit.start)[0] + 1
        self.notes.append(Note(f"left out {edit.text.strip(' =')!r}: {why}", line))

    def _to_original(self, predictions: list[Prediction]) -> list[Prediction]:
        """Predictions on the annotated text, moved to the offsets of the text as read
        (those inside an inserted text are dropped)."""
        if not self.edits:
            return predictions
        moved = _OffsetMap([(s, e, len(t.encode("utf-8"))) for s, e, t in self._data_edits()])
        out = []
        for p in predictions:
            start = moved.original(p.span.start_byte)
            if start is not None:
                out.append(replace(p, span=replace(p.span, start_byte=start, end_byte=start)))
        return out


class _OffsetMap:
    """Offsets in the edited text -> the same places before ``edits`` (sorted
    ``(start, end, inserted length)``, apart): a bisection over where each edit's
    text lands, so mapping a round's answers back is not their number times the
    edits' (12,000 answers of 6,000 functions took 55 s)."""

    def __init__(self, edits: list[tuple[int, int, int]]) -> None:
        self.lands: list[int] = []  # where each edit's text starts in the edited text
        self.ends: list[int] = []  # where it ends there
        self.shifts: list[int] = []  # edited minus original offsets after it
        shift = 0
        for start, end, length in edits:
            self.lands.append(start + shift)
            self.ends.append(start + shift + length)
            shift += length - (end - start)
            self.shifts.append(shift)

    def original(self, offset: int) -> int | None:
        """``offset``'s place in the text as read; ``None`` inside an inserted text."""
        at = bisect.bisect_right(self.lands, offset) - 1
        if at < 0:
            return offset
        if offset < self.ends[at]:
            return None
        return offset - self.shifts[at]


def _new_line(edits: list[tuple[int, int, str]], start: int, data: bytes) -> int:
    """The 1-based line where the edit at ``start`` lands in the edited text."""
    before = [(s, e, t) for s, e, t in edits if s < start]
    newlines = data.count(b"\n", 0, start) + sum(t.count("\n") - data.count(b"\n", s, e) for s, e, t in before)
    return newlines + 1


def annotate_files(
    paths: list[Path],
    snapshots: list[Snapshot],
    options: InferOptions,
    *,
    min_confidence: float,
    first: InferResult | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> list[Annotated]:
    """The annotated bytes of each snapshot's file (analysed as ``paths`` are by
    ``infer_paths``).  ``first``: that run's result, reused as the first round
    when it read the same bytes."""
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence={min_confidence!r} must lie in [0, 1]")
    if max_rounds < 1:
        raise ValueError(f"max_rounds={max_rounds!r} must be at least 1")
    works: dict[str, _FileRounds] = {}
    for snap in snapshots:
        works[str(snap.path)] = _new_work(
            snap, options.max_bytes, script_rounds() if is_script(snap.path) else _FileRounds
        )
    runner = _Rounds(options, min_confidence, max_rounds)
    sets = file_sets(paths)
    roots = Counter(str(fs.root) for fs in sets)
    results: dict[str, Annotated] = {}
    with batch_heap() as settle:
        settle()  # the first run's graphs and answers, which the rounds read: collections skip them
        for fs in sets:
            mine = {str(p): works[str(p)] for p in fs.files if str(p) in works and str(p) not in results}
            if mine:
                # infer_paths keeps one engine per root: with two path arguments in one root it is not this set's
                results.update(runner.run(fs, mine, first if roots[str(fs.root)] == 1 else None))
    return [results.get(key) or works[key].result(True) for key in works]


def script_rounds() -> type[_FileRounds]:
    from .typescript.apply_rounds import ScriptFileRounds

    return ScriptFileRounds


def _new_work(snap: Snapshot, max_bytes: int, kind: type[_FileRounds]) -> _FileRounds:
    try:
        return kind(snap, raw_file(snap.raw, str(snap.path), max_bytes=max_bytes))
    except RawBytesError as err:
        work = kind(snap, None)
        work.notes.append(Note(f"skipped: {_without_path(err, str(snap.path))}"))
        return work


class _Rounds:
    """The rounds over one path argument's files (its project, as ``infer_paths`` sees it)."""

    def __init__(self, options: InferOptions, min_confidence: float, max_rounds: int):
        self.options, self.min_confidence, self.max_rounds = options, min_confidence, max_rounds
        self._assistant: NeuralAssistant | None = None  # (declared: compiled by mypyc, an attribute keeps its type)
        self._scripts: dict[Path, bytes] = {}  # the scripts as they would be written (their index's overlay)

    def run(self, fs: FileSet, works: dict[str, _FileRounds], first: InferResult | None) -> dict[str, Annotated]:
        index: ProjectIndex | None = None  # built only when a round must analyse
        self._scripts = {
            Path(k): lf_normalised(w.current) for k, w in works.items() if w.rf is not None and is_script(k)
        }
        answers = _reused(first, fs, works)
        if answers is None:
            index = self._index(fs, works)
            answers = self._infer(fs, index)
        engine, predictions, partial = answers
        for work in works.values():
            work.begin(engine)
        settled, rounds = False, 0
        while True:
            changed = [w for w in works.values() if w.active and self._add(w, engine, predictions)]
            for work in works.values():
                if work.active and work.key in partial:
                    work.cut()
            if not any(w.active for w in changed):
                settled = True
                break
            if rounds == self.max_rounds:
                break
            if index is None:
                index = self._index(fs, works)
            for work in changed:
                if is_script(work.key):
                    self._scripts[Path(work.key)] = lf_normalised(work.current)
                else:
                    index.set_overlay(Path(work.key), lf_normalised(work.current))
            engine, predictions, partial = self._infer(fs, index)
            rounds += 1
        return {key: w.result(settled, rounds) for key, w in works.items()}

    def _index(self, fs: FileSet, works: dict[str, _FileRounds]) -> ProjectIndex:
        """The index of ``fs`` reading each file of ``works`` as it now would be
        written, with an unbounded cache, so that no graph is ever parsed twice
        (see :func:`_reused`), in the environment of the first run."""
        overlay = {Path(k): lf_normalised(w.current) for k, w in works.items() if w.rf is not None and not is_script(k)}
        environment = discover_environment(fs.root, self.options.settings.python)
        return ProjectIndex(
            fs.root,
            overlay=overlay,
            config=GraphConfig(max_bytes=self.options.max_bytes),
            scope=fs.scope,
            cache_size=sys.maxsize,
            environment=environment,
        )

    def _add(self, work: _FileRounds, engine: TypeEngine, predictions: dict[str, list[Prediction]]) -> bool:
        try:
            return work.advance(engine, predictions.get(work.key, []), self.min_confidence)
        except Exception as err:  # the per-file boundary: this file is left alone, the others go on
            logger.exception("planning annotations failed on %s", work.key)
            return work.give_up(f"internal error: {type(err).__name__}: {err}")

    def _infer(self, fs: FileSet, index: ProjectIndex) -> tuple[TypeEngine, dict[str, list[Prediction]], set[str]]:
        """One round: every file of ``fs`` in order, as ``infer_paths`` asks them
        (the engine's answers depend on what it was asked before); and the files
        whose analysis ran past their budget."""
        session = AnalysisSession(index=index, settings=self.options.settings)
        if self._scripts:
            from .typescript.session import ScriptSide

            session.scripts = ScriptSide(session, overlay=dict(self._scripts), max_graphs=sys.maxsize)
        session.build_project(project_files(index, fs))
        engine = session.engine(share_library=False)
        assistant = self._neural()
        found: dict[str, list[Prediction]] = {}
        partial: set[str] = set()
        for path in fs.files:
            display = path.name if fs.single else str(path.relative_to(fs.base))
            try:
                analysis = session.analyse(path, display=display, engine=engine)
                answers = analysis.predictions(self.options.mode, assistant)
            except Exception:  # the per-file boundary: the file gets no answers this round, the rest go on
                logger.exception("inference failed on %s", path)
                continue
            found[str(path)] = answers
            if getattr(analysis, "partial", False):  # a script's analysis has no budget
                partial.add(str(path))
        return engine, found, partial

    def _neural(self):
        """The classifier of hybrid and neural runs, loaded once for all rounds."""
        if self.options.mode == "static":
            return None
        if self._assistant is None:
            from .hybrid import NeuralAssistant

            self._assistant = NeuralAssistant(
                self.options.model_dir, self.options.slice_dir, use_slice=self.options.use_slice
            )
        return self._assistant


def _reused(first: InferResult | None, fs: FileSet, works: dict[str, _FileRounds]):
    """``first``'s engine and answers for ``fs``, when it analysed these very bytes
    with an index that never dropped a graph: a graph parsed again is another
    object, which the engine takes for an editor buffer and may answer from
    differently, so answers depend on the cache's history (the rounds' index
    keeps every graph)."""
    engine = first.engines.get(str(fs.root)) if first is not None else None
    if engine is None or first is None or engine.index.evictions:
        return None
    for work in works.values():
        graph = work.graph_of(engine) if work.rf is not None else None
        if work.rf is None or graph is None or graph.source.data != work.rf.source.data:
            return None
    files = {str(p) for p in fs.files}
    predictions: dict[str, list[Prediction]] = {}
    for p in first.predictions:
        if p.path in files:
            predictions.setdefault(p.path, []).append(p)
    partial = {d.path for d in first.diagnostics if d.code == "analysis-budget" and d.path in files}
    return engine, predictions, partial


def _without_path(err: Exception, path: str) -> str:
    return str(err).removeprefix(f"{path}: ")
