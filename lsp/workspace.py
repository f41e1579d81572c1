"""The language server's documents, over the core's analysis sessions.

The workspace keeps what only an editor has: open documents (their text,
version, incrementally re-parsed tree and the :class:`~.positions.LineIndex` of
each version), the position encoding the client negotiated, and which session
each document belongs to (the workspace root's, or, for a file outside it or a
server started without a root, the session of the file's own project:
single-file mode).  Every question goes to a
:class:`~typelens.typeinfer.session.FileAnalysis` of one document revision, whose
engine reads every open document from its buffer; nothing here knows JSON-RPC
or analyses code itself.  Revisions are built in the background after each edit
and each engine is asked one question at a time (see :mod:`.analyses`).

A request pins the revision it converted its positions with (a
:class:`Snapshot`): an edit arriving while the answer is computed cannot shift
the offsets under it, so the ranges and edits sent back always refer to the
text they were computed on.

Example::

    ws = Workspace(Path("project"))
    ws.open("file:///project/a.py", "x = 1\\n", 1)
    snap = ws.snapshot("file:///project/a.py")
    at = snap.lines.offset(0, 0, ws.encoding)
    ws.hover(snap.uri, at, snap).type       # 'int'
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, TypeVar, cast
from urllib.parse import unquote, urlparse

from typelens.analyzer import Diagnostic, Document, GraphConfig, ModelError, ProgramGraph, build_graph, project_scope
from typelens.analyzer.repair import enclosing_def_line
from typelens.analyzer.typescript import is_script
from typelens.typeinfer import ide
from typelens.typeinfer.ide import CompletionEntry, Hint, HoverInfo
from typelens.typeinfer.ide import completion as ide_completion
from typelens.typeinfer.ide.completion import member_dot
from typelens.typeinfer.ide.hover import answering_unit, identifier_at
from typelens.typeinfer.predictions import Prediction
from typelens.typeinfer.session import AnalysisSession, FileAnalysis, project_root_of
from typelens.typeinfer.discovery import Discovery
from typelens.typeinfer.settings import Settings, SettingsTree, with_editor

from .analyses import (
    COMPLETION_BUDGET,
    HOVER_BUDGET,
    STEP_WAIT,
    Analysed,
    Builds,
    Priority,
    Stale,
    Track,
    rank_budget,
)
from .positions import Encoding, LineIndex
from .ranker import Ranker

logger = logging.getLogger(__name__)

__all__ = [
    "CompletionEntry",
    "Completions",
    "Hint",
    "HoverInfo",
    "MAX_DOCUMENT_BYTES",
    "Snapshot",
    "Workspace",
    "path_of_uri",
]

_WORD_BEFORE = re.compile(r"\w*$")
# a name's bytes, non-ASCII letters included (any byte of a multi-byte character)
_NAME_BEFORE = re.compile(rb"[\w\x80-\xff]*\Z")
_NAME_AFTER = re.compile(rb"[\w\x80-\xff]*")
_INDENT = re.compile(rb"[ \t]*")
T = TypeVar("T")

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
_CONFIG = GraphConfig(max_bytes=MAX_DOCUMENT_BYTES)


def path_of_uri(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One version of an open document: its text and line index (``revision``:
    the workspace's own count of the document's edits, :class:`~.analyses.Track`)."""

    uri: str
    version: int
    lines: LineIndex
    revision: int = -1

    @property
    def data(self) -> bytes:
        return self.lines.data


@dataclass(frozen=True, slots=True)
class Completions:
    """A completion list and the revision it was worked out on; ``carried``: by an
    older revision than the request's (see :meth:`Workspace.completions`), or
    ``ranked`` false: in its static order, the code LM's scores of its names not
    ready (:class:`~.ranker.Ranker`); either way the client should ask again as
    the user types on."""

    entries: list[CompletionEntry]
    revision: int
    carried: bool = False
    ranked: bool = True

    @property
    def incomplete(self) -> bool:
        return self.carried or not self.ranked


@dataclass(frozen=True, slots=True)
class Place:
    """Byte ranges in one file, with the text they index and the document
    version that text is (``None`` for a file that is not open)."""

    uri: str
    version: int | None
    lines: LineIndex
    ranges: tuple[tuple[int, int, str], ...]  # (start, end, new text or a tag)


@dataclass(slots=True)
class OpenDocument:
    uri: str
    path: Path
    version: int  # the client's; answers follow ``track.revision``, which only grows
    document: Document
    lines: LineIndex | None = None
    graph: tuple[int, ProgramGraph] | None = None  # (revision, its graph), once built
    hints: tuple | None = None  # ((analysis, minimum confidence), every hint of that analysis)
    track: Track = field(init=False)

    def __post_init__(self) -> None:
        self.track = Track(self.uri)

    def snapshot(self) -> Snapshot:
        if self.lines is None or self.lines.data is not self.document.source.data:
            self.lines = LineIndex(self.document.source.data)
        return Snapshot(self.uri, self.version, self.lines, self.track.revision)


class Workspace:
    """Open documents plus the analysis sessions they belong to."""

    def __init__(
        self, root: Path | None, settings: Settings | None = None, encoding: Encoding = Encoding.UTF16
    ) -> None:
        self.root = root.resolve() if root is not None and root.exists() else None
        self.settings = settings or Settings()
        self.editor_options: dict = {}  # the editor's own configuration, laid over nested projects' files too
        self._discovery = Discovery(SettingsTree(self.root)) if self.root is not None else None
        self._nested: dict[Path | None, Settings] = {}
        self.encoding = encoding
        self.session = AnalysisSession(self.root, self.settings, config=_CONFIG) if self.root else None
        self._loose: dict[Path, AnalysisSession] = {}  # single-file mode: a session per project scope
        self._docs: dict[str, OpenDocument] = {}
        self._lock = threading.RLock()
        self._lm_use = threading.Lock()  # fast tokenizers are not safe to share between threads
        self._logprobs = LogprobMemo()  # under ``_lm_use``
        self.generation = 0  # bumped whenever any answer may have changed (pulled diagnostics' ids)
        self._priority = Priority()  # requests before warm-ups and diagnostics
        self._builds = Builds(self._lock, self._is_open_track, self._priority)
        self.hover_budget = HOVER_BUDGET
        self.completion_budget = COMPLETION_BUDGET
        self.rank_budget = rank_budget()  # None: a list waits for its ranking
        self._ranker = Ranker(self._scores, self._priority)

    # -- documents -----------------------------------------------------------------------
    def open(self, uri: str, text: str, version: int) -> None:
        path = path_of_uri(uri) or Path(uri)
        doc = OpenDocument(uri, path, version, AnalysisSession.document(path, text))
        with self._lock:
            self._docs[uri] = doc
            self._forget_analyses(edited=doc)

    def close(self, uri: str) -> None:
        with self._lock:
            if self._docs.pop(uri, None) is not None:
                self._forget_analyses()
            self._builds.closed()

    def stop(self) -> None:
        """The server is stopping: every document closed, the background work left
        undone (what is running ends at its next step)."""
        with self._lock:
            self._docs.clear()
            self._builds.stop()

    def change(self, uri: str, version: int, edits: list[tuple[int, int, str] | str]) -> None:
        """Apply ``(start_byte, end_byte, new_text)`` edits in order, or whole texts."""
        with self._lock:
            doc = self._docs.get(uri)
            if doc is None:
                raise KeyError(uri)
            for edit in edits:
                before = len(doc.document.source.data)
                if isinstance(edit, str):
                    doc.document.replace_all(edit)
                    start, end = 0, before
                else:
                    doc.document.apply_edit(*edit)
                    start, end = edit[0], edit[1]
                doc.track.edited(start, end, end + len(doc.document.source.data) - before)
            doc.version = version
            self._forget_analyses(edited=doc)

    def change_at(
        self, uri: str, version: int, changes: list[tuple[tuple[tuple[int, int], tuple[int, int]] | None, str]]
    ) -> None:
        """Apply editor changes: ``(((line, col), (line, col)) or None, text)`` in the
        negotiated encoding, each against the text the ones before it left."""
        with self._lock:
            doc = self._docs.get(uri)
            if doc is None:
                raise KeyError(uri)
            edits: list[tuple[int, int, str] | str] = []
            lines = doc.snapshot().lines
            for n, (where, text) in enumerate(changes, 1):
                more = n < len(changes)  # the last change's text is indexed once asked (``snapshot``)
                if where is None:
                    edits.append(text)
                    lines = LineIndex(text.encode("utf-8", "surrogatepass")) if more else lines
                    continue
                start = lines.offset(*where[0], self.encoding)
                end = max(start, lines.offset(*where[1], self.encoding))
                edits.append((start, end, text))
                if more:
                    data = lines.data
                    lines = LineIndex(data[:start] + text.encode("utf-8", "surrogatepass") + data[end:])
            self.change(uri, version, edits)

    def _forget_analyses(self, edited: OpenDocument | None = None, rebuild: bool = False) -> None:
        """An engine reads every open buffer: an edit anywhere makes every other
        document's answers old (``edited``'s own follow its revision, and it is built
        again now; with ``rebuild``, every document is)."""
        self.generation += 1
        others = [d for d in self._docs.values() if d is not edited]
        self._builds.forget([(d.track, partial(self._prepare, d) if rebuild else None) for d in others])
        if edited is not None:
            self._builds.soon(edited.track, partial(self._prepare, edited))

    def is_open(self, uri: str) -> bool:
        return uri in self._docs

    def data(self, uri: str) -> bytes:
        return self._docs[uri].document.source.data

    def version(self, uri: str) -> int:
        return self._docs[uri].version

    def snapshot(self, uri: str) -> Snapshot:
        """The current version of ``uri`` and its line index (built once per version)."""
        with self._lock:
            return self._docs[uri].snapshot()

    def set_settings(self, settings: Settings, editor: dict | None = None) -> None:
        with self._lock:
            self.settings = settings
            if editor is not None:
                self.editor_options = editor
            self._nested.clear()
            for session in self._sessions():
                session.update_settings(settings)
            self._forget_analyses(rebuild=True)

    def _sessions(self) -> list[AnalysisSession]:
        return ([self.session] if self.session is not None else []) + list(self._loose.values())

    def session_for(self, path: Path) -> AnalysisSession:
        """The workspace's session for its files, else the file's own project's."""
        resolved = path.resolve()
        if self.session is not None and resolved.is_relative_to(self.root):
            return self.session
        root = project_root_of(resolved)
        scope = project_scope(root, resolved)  # two packages of one marker-less folder are two projects
        with self._lock:
            session = self._loose.get(scope)
            if session is None:
                session = self._loose[scope] = AnalysisSession.for_path(resolved, self.settings, config=_CONFIG)
        return session

    # -- the project, indexed in the background ------------------------------------------
    def index_files(self) -> list[Path]:
        return sorted(set(self.session.index.modules.values())) if self.session is not None else []

    def library_files(self) -> list[Path]:
        """Stubs and installed modules the project imports (after its own files)."""
        return self.session.index.library_files() if self.session is not None else []

    def index_one(self, path: Path) -> None:
        if self.session is not None:
            self.session.index.graph_of(path)

    def finish_indexing(self) -> None:
        if self.session is not None:
            # linked now, not on first use: the disk may change while the server runs,
            # and the edges must name the nodes of the graphs read here
            _ = self.session.build_project().cross_edges
            with self._lock:
                self._forget_analyses(rebuild=True)

    # -- analysis ---------------------------------------------------------------------------
    def _is_open_track(self, track: Track) -> bool:
        doc = self._docs.get(track.uri)
        return doc is not None and doc.track is track

    def _prepare(self, doc: OpenDocument, snapshot: Snapshot | None = None) -> Callable[[], Analysed]:
        """What builds the analysis of ``snapshot`` (default: the current revision),
        its engine reading the other open documents of its session from their
        buffers.  Called under the lock: it takes the texts and trees it needs."""
        session = self.session_for(doc.path)
        moved_on = snapshot is not None and snapshot.revision != doc.track.revision
        revision = snapshot.revision if moved_on else doc.track.revision
        wanted = [
            (d, d.track.revision, d.document.source, d.document.tree, d.graph)
            for d in self._docs.values()
            if d is doc or self.session_for(d.path) is session
        ]
        # graphs are built outside the lock (edits keep arriving) from the trees taken
        # here, which later edits do not move (``Document`` edits a copy)

        def build() -> Analysed:
            buffers, built = {}, []
            for d, r, source, tree, graph in wanted:
                if d is doc and moved_on:  # the document moved on while the request waited
                    graph = (r, AnalysisSession.buffer_graph(doc.path, snapshot.data.decode("utf-8", "surrogatepass")))
                elif graph is None or graph[0] != r:
                    graph = (r, _graph_of(d, source, tree))
                    built.append((d, graph))
                buffers[str(d.path.resolve())] = graph[1]
            with self._lock:
                for d, graph in built:
                    if d.track.revision == graph[0]:
                        d.graph = graph
            path = str(doc.path.resolve())
            graph = buffers[path]
            # a broken buffer too: the classifier reads its recovered text (typeinfer.hybrid)
            mode = "hybrid"
            analysed = Analysed(
                revision,
                graph,
                0.0,
                _analysis(session, path, doc.path.name, graph, buffers, mode),
                warm=partial(self._warm_steps, doc.track),
                priority=self._priority,
            )
            self._list_carried_dot(doc.track, analysed)
            return analysed

        return build

    def _analysed(self, uri: str, snapshot: Snapshot | None = None, newest_only: bool = False) -> Analysed:
        """The analysed revision ``snapshot`` pins (default: the current one;
        ``newest_only``: see ``Builds.at``)."""
        with self._lock:
            doc = self._docs[uri]
            revision = doc.track.revision if snapshot is None else snapshot.revision
            track, build = doc.track, self._prepare(doc, snapshot)
        return self._builds.at(track, revision, build, newest_only)

    def _ask(self, uri: str, snapshot: Snapshot | None, question: Callable[[FileAnalysis], T]) -> T:
        """``question`` put to the answering engine of ``snapshot``'s revision, alone on it."""
        return self._analysed(uri, snapshot).ask(question)

    def analysis(self, uri: str, snapshot: Snapshot | None = None) -> FileAnalysis:
        """The analysis of ``snapshot`` (default: the current version of ``uri``).  Its
        engine answers one thread at a time: put questions through the methods below."""
        return self._analysed(uri, snapshot).answering

    def place(self, analysis: FileAnalysis, path: str, ranges, snapshot: Snapshot | None = None) -> Place | None:
        """``ranges`` (byte offsets into ``path`` as ``analysis`` read it) with the
        line index of that very text, and the document version when it is open
        (``snapshot``: the version ``analysis`` was made of)."""
        if snapshot is not None and path == analysis.path and analysis.graph.source.data == snapshot.data:
            return Place(snapshot.uri, snapshot.version, snapshot.lines, tuple(ranges))
        graph = analysis.graph if path == analysis.path else analysis.engine.graph(path)
        if graph is None:
            return None
        data = graph.source.data
        uri = Path(path).as_uri()
        version = None
        with self._lock:
            doc = self._docs.get(uri) or next((d for d in self._docs.values() if str(d.path.resolve()) == path), None)
            if doc is not None:
                uri = doc.uri
                if doc.document.source.data == data:
                    version = doc.version
                    return Place(uri, version, doc.snapshot().lines, tuple(ranges))
        return Place(uri, version, LineIndex.of(data), tuple(ranges))

    def predictions(self, uri: str) -> list[Prediction]:
        return self._ask(uri, None, lambda a: a.predictions())

    def diagnostics(self, uri: str, snapshot: Snapshot | None = None) -> list[Diagnostic]:
        """Worked out on the revision's own engine, after its warm-up (whose answers
        they read) and a step at a time, each while no request is in flight: a
        long run never holds an editor request up.  The file's own rule settings
        count (:meth:`file_settings`); an excluded file has none."""
        found = self.latest_diagnostics(uri, snapshot, latest=False)
        return found if found is not None else []

    def latest_diagnostics(
        self, uri: str, snapshot: Snapshot | None = None, latest: bool = True
    ) -> list[Diagnostic] | None:
        """:meth:`diagnostics`; with ``latest``, ``None`` as soon as ``snapshot`` is not the
        document's newest revision (diagnostics about to be published: an edit
        since has its own run coming, so no work is spent on the older text)."""
        with self._lock:
            doc = self._docs[uri]
            track, path = doc.track, doc.path
            revision = track.revision if snapshot is None else snapshot.revision
        settings = self.file_settings(path)
        if settings is None:
            return []

        def stale() -> bool:
            return latest and (track.revision != revision or not self._is_open_track(track))

        if stale():
            return None
        try:
            analysed = self._analysed(uri, snapshot, newest_only=latest)
        except Stale:
            return None
        steps = getattr(analysed.answering, "diagnostic_steps", None)
        if steps is not None and not analysed.work(steps(), stale):
            return None
        return analysed.ask(lambda a: a.diagnostics(settings))

    def file_settings(self, path: Path) -> Settings | None:
        """The rule settings of ``path`` as ``analyze`` reads them (its nearest
        ``[tool.typelens]``, a nested project's included, and its
        ``per-file-ignores``), with the editor's configuration on top; ``None``
        when the file's ``exclude`` globs leave it out."""
        resolved = path.resolve()
        if self._discovery is None or self.root is None or not resolved.is_relative_to(self.root):
            return self.settings
        own = self._discovery.tree.for_path(resolved)
        with self._lock:
            if own.source == self.settings.source:
                base = self.settings
            else:
                if own.source not in self._nested:
                    self._nested[own.source] = with_editor(own, self.editor_options, self.root)
                base = self._nested[own.source]
        if self._discovery.excluded_by(base, resolved):
            return None
        return self._discovery.rules_for(base, resolved)

    def hover(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> HoverInfo | None:
        """The hover at ``offset``; while a large file is typed in, maybe from the
        newest revision already analysed, or, in a function no edit since touched,
        from the newest one whose predictions are worked out (see :mod:`.analyses`).
        No build or warm-up step starts while it is worked out."""
        with self._priority.asking():
            return self._hover(uri, offset, snapshot)

    def _hover(self, uri: str, offset: int, snapshot: Snapshot | None) -> HoverInfo | None:
        with self._lock:
            track = self._docs[uri].track
            revision = track.revision if snapshot is None else snapshot.revision
        kept = self._builds.carrier(track, revision, self.hover_budget, warmed=True)
        if kept is not None:
            kept = self._predicted_carrier(track, self._free_carrier(track, kept), revision, offset)
            found = self._carried_hover(track, kept, revision, offset)
            if found is not _NOT_CARRIED:
                return found
        analysed = self._analysed(uri, snapshot)
        return analysed.ask(lambda a: a.hover(offset)) if _names_something(analysed, offset) else None

    def _predicted_carrier(self, track: Track, kept: Analysed, revision: int, offset: int) -> Analysed:
        """``kept``, or, when its predictions are not worked out (its engine is cold:
        a hover on it works out the name's answers and the expression's type, up to
        a second on a large file), the newest revision whose predictions are and
        into whose function (or top-level statement) around the hovered name
        (``ide.hover.answering_unit``) no edit since wrote: there a hover is a
        lookup.  What that function reads of the functions edited since is as of
        that revision; once the typing pauses, hovers are the current revision's."""
        if kept.predicted() or kept.answering.language != "python":
            return kept
        with self._lock:
            settled = [a for a in reversed(track.predicted) if a is not kept and a.revision < revision]
        for older in settled:
            at = self._builds.carry(track, offset, offset, revision, older.revision)
            unit = answering_unit(older.graph, at[0]) if at is not None else None
            if unit is not None and self._builds.carry(track, *unit, older.revision, revision) is not None:
                return older
        return kept

    def _free_carrier(self, track: Track, kept: Analysed) -> Analysed:
        """``kept``, or the revision kept before it when ``kept``'s engine is busy
        (with a step of a warm-up that the edits since made useless: up to a
        second on a large function) while the one before is free and has every
        prediction worked out (what a hover reads)."""
        with self._lock:
            previous = track.previous if track.analysed is kept else None
        if previous is not None and kept.lock.locked() and not previous.lock.locked() and previous.predicted():
            return previous
        return kept

    def _carried_hover(self, track: Track, kept: Analysed, revision: int, offset: int):
        """The hover at ``offset`` of ``revision`` answered by the ``kept`` revision, its
        range carried back; ``_NOT_CARRIED`` when the name was edited in between or
        that revision's engine is busy."""
        at = self._builds.carry(track, offset, offset, revision, kept.revision)
        if at is None:
            return _NOT_CARRIED
        try:
            info = kept.ask(lambda a: a.hover(at[0]), timeout=STEP_WAIT) if _names_something(kept, at[0]) else None
        except TimeoutError:
            return _NOT_CARRIED
        if info is None:  # no answer there then: nor now, unless typing next to it made a name
            data = kept.graph.source.data
            start = _NAME_BEFORE.search(data, max(0, at[0] - 256), at[0]).start()
            end = _NAME_AFTER.match(data, at[0]).end()
            return None if self._builds.carry(track, start, end, kept.revision, revision) else _NOT_CARRIED
        span = self._builds.carry(track, info.start, info.end, kept.revision, revision)
        return _NOT_CARRIED if span is None else dataclasses.replace(info, start=span[0], end=span[1])

    def inlay_hints(self, uri: str, start: int, end: int, snapshot: Snapshot | None = None) -> list[Hint]:
        """The hints in bytes ``start..end``: the file's are planned once per version
        and minimum confidence (an editor asks again on every scroll)."""
        return [h for h in self._all_hints(uri, self._analysed(uri, snapshot)) if start <= h.offset <= end]

    def inlay_hints_while_typing(
        self, uri: str, start: int, end: int, snapshot: Snapshot | None = None
    ) -> tuple[list[Hint], bool]:
        """:meth:`inlay_hints`, or, while a document slow to build is typed in (as for
        hovers), the hints of the newest revision built that no edit since wrote
        into or next to, moved to where they are now.  ``True`` with carried hints:
        they are up to one build old, so the client should ask again once
        :meth:`caught_up`."""
        with self._lock:
            track = self._docs[uri].track
            revision = track.revision if snapshot is None else snapshot.revision
        kept = self._builds.carrier(track, revision, self.hover_budget, warmed=True)
        if kept is not None:
            try:
                found = self._all_hints(uri, kept, timeout=STEP_WAIT)
            except TimeoutError:
                found = None
            if found is not None:
                ranges = [r for h in found for r in ((h.offset, h.offset), h.edit[:2])]
                moved = self._builds.carry_many(track, ranges, kept.revision, revision)
                hints = [
                    dataclasses.replace(h, offset=at[0], edit=(span[0], span[1], h.edit[2]))
                    for h, at, span in zip(found, moved[::2], moved[1::2])
                    if at is not None and span is not None
                ]
                return [h for h in hints if start <= h.offset <= end], True
        return self.inlay_hints(uri, start, end, snapshot), False

    def caught_up(self, uri: str) -> bool:
        """Wait until the newest revision of ``uri`` is built (see :meth:`inlay_hints_while_typing`)."""
        with self._lock:
            doc = self._docs.get(uri)
        return doc is not None and self._builds.caught_up(doc.track)

    def _all_hints(self, uri: str, analysed: Analysed, timeout: float = -1) -> list[Hint]:
        """Every hint of ``analysed``, planned once per minimum confidence (``TimeoutError``
        when its engine is not free within ``timeout`` seconds)."""
        key = (analysed, self.settings.min_confidence)
        with self._lock:
            doc = self._docs[uri]
            found = doc.hints[1] if doc.hints is not None and doc.hints[0] == key else None
        if found is None:
            found = analysed.ask(lambda a: a.inlay_hints(0, len(a.graph.source.data)), timeout=timeout)
            with self._lock:
                doc.hints = (key, found)
        return found

    def annotate(
        self, uri: str, offset: int | None, snapshot: Snapshot | None = None
    ) -> list[tuple[int, int, str]] | None:
        """Byte edits annotating one symbol (the identifier at ``offset``) or the whole file."""
        return self._ask(uri, snapshot, lambda a: a.annotate(offset))

    def definition(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> tuple[Path, int, int] | None:
        return self._ask(uri, snapshot, lambda a: a.definition(offset))

    def definition_place(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> Place | None:
        def question(analysis: FileAnalysis) -> Place | None:
            found = analysis.definition(offset)
            return (
                self.place(analysis, str(found[0].resolve()), [(found[1], found[2], "")], snapshot) if found else None
            )

        return self._ask(uri, snapshot, question)

    def type_definition(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[Place]:
        def question(analysis: FileAnalysis) -> list[Place]:
            places = [
                self.place(analysis, str(path.resolve()), [(start, end, "")], snapshot)
                for path, start, end in analysis.type_definition(offset)
            ]
            return [p for p in places if p is not None]

        return self._ask(uri, snapshot, question)

    def references(
        self, uri: str, offset: int, include_declaration: bool = True, snapshot: Snapshot | None = None
    ) -> list[Place]:
        def question(analysis: FileAnalysis) -> list[Place]:
            found = analysis.references(offset, include_declaration)
            return self._places(analysis, [(r.path, r.start, r.end, "") for r in found], snapshot)

        return self._ask(uri, snapshot, question)

    def highlights(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[ide.Reference]:
        return self._ask(uri, snapshot, lambda a: a.highlights(offset))

    def prepare_rename(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> tuple[int, int, str]:
        """The identifier's byte range and name; ``RenameRefused`` when it cannot be renamed."""
        return self._ask(uri, snapshot, lambda a: a.prepare_rename(offset))

    def rename(self, uri: str, offset: int, new_name: str, snapshot: Snapshot | None = None) -> list[Place]:
        """The edits per file renaming the symbol at ``offset``; ``RenameRefused``
        when it cannot be renamed, or a file to edit changed on disk since it was read."""

        def question(analysis: FileAnalysis) -> list[Place]:
            edits = analysis.rename(offset, new_name)
            return self._places(
                analysis, [(path, s, e, text) for path, found in edits.items() for s, e, text in found], snapshot
            )

        places = self._ask(uri, snapshot, question)
        for place in places:
            path = path_of_uri(place.uri)
            if place.version is None and path is not None and path.read_bytes() != place.lines.data:
                raise ide.RenameRefused(f"{path.name} changed on disk since it was analysed; save or reopen it first")
        return places

    def _places(
        self, analysis: FileAnalysis, found: list[tuple[str, int, int, str]], snapshot: Snapshot | None = None
    ) -> list[Place]:
        by_file: dict[str, list[tuple[int, int, str]]] = {}
        for path, start, end, text in found:
            by_file.setdefault(path, []).append((start, end, text))
        places = [self.place(analysis, path, ranges, snapshot) for path, ranges in by_file.items()]
        return [p for p in places if p is not None]

    def signature_help(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> ide.SignatureHelp | None:
        return self._ask(uri, snapshot, lambda a: a.signature_help(offset))

    def document_symbols(self, uri: str, snapshot: Snapshot | None = None) -> list[ide.OutlineItem]:
        return self._ask(uri, snapshot, lambda a: a.document_symbols())

    def semantic_tokens(
        self, uri: str, start: int = 0, end: int | None = None, snapshot: Snapshot | None = None
    ) -> list[ide.Token]:
        return self._ask(uri, snapshot, lambda a: a.semantic_tokens(start, end))

    def resolve_completion(
        self, uri: str, ref: tuple[str, int, bool], revision: int | None = None
    ) -> tuple[str | None, str | None]:
        """A completion item's full signature and docstring (``revision``: the one the
        item was listed from; its graph's node ids are the ones ``ref`` names, so it
        answers while it is the newest built or the one before it)."""
        with self._lock:
            kept = self._docs[uri].track.built(revision) if revision is not None else None
        if kept is not None:
            return kept.ask(lambda a: a.resolve_completion(ref))
        return self._ask(uri, None, lambda a: a.resolve_completion(ref))

    def completions(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[CompletionEntry]:
        return self.completion_list(uri, offset, snapshot).entries

    def completion_list(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> Completions:
        """The completions at ``offset``; while a document slow to build is typed in,
        or its newest revision is still being warmed, maybe answered by an older
        revision built (see :meth:`_carried_completions`).  No build or warm-up
        step starts while it is worked out (:class:`~.analyses.Priority`).
        Members are ordered by the code LM when its scores of them after the
        text before the dot are ready, and scored after the answer otherwise
        (:class:`~.ranker.Ranker`)."""
        with self._lock:
            doc = self._docs[uri]
            snapshot = snapshot or doc.snapshot()
            python = not is_script(str(doc.path))
        with self._priority.asking():
            found = self._completion_list(doc.track, uri, offset, snapshot, python)
        dot = member_dot(snapshot.data, offset) if python else None
        if dot is None:
            return found
        # outside ``asking``: the ranker's thread starts once no request is in flight
        entries, ranked = self._ranker.ranked(uri, snapshot.data[: dot + 1], found.entries, self.rank_budget)
        return dataclasses.replace(found, entries=entries, ranked=ranked)

    def _completion_list(self, track: Track, uri: str, offset: int, snapshot: Snapshot, python: bool) -> Completions:
        data = snapshot.data
        dot = ide_completion.members_dot(data, offset) if python else None
        kept = self._builds.carrier(track, snapshot.revision, self.completion_budget)
        analysis = None
        if kept is None:
            analysis = self._analysed(uri, snapshot)
            kept = self._earlier(track, analysis, dot) if dot is not None else None
        if kept is not None:
            kept = self._warmest(track, kept)
            if dot is not None:  # the client asks again there: the revision built or warmed next lists it
                with self._lock:
                    track.carried_dot = (snapshot.revision, dot)
            carried = self._carried_completions(track, kept, snapshot, offset)
            if carried is not None:
                return Completions(carried, kept.revision, True)
        analysis = analysis or self._analysed(uri, snapshot)
        if dot is None:
            entries = analysis.ask(lambda a: a.completions(offset))
        else:  # the same list at every offset of the name typed after the dot
            entries = analysis.ask_kept(("members", dot), lambda a: a.completions(offset))
        return Completions(entries, analysis.revision)

    def _warmest(self, track: Track, kept: Analysed) -> Analysed:
        """``kept``, or the revision before it, when that one was warmed or listed
        members and ``kept`` was neither (its engine knows little yet) or its
        engine is busy with a step of its warm-up while the one before is free:
        a carried answer does not wait for a step (up to a second on a large
        function) that an edit has made useless."""
        with self._lock:
            previous = track.previous if track.analysed is kept else None
        if previous is None or not (previous.warmed or previous.listed_members()):
            return kept
        if not (kept.warmed or kept.listed_members()) or (kept.lock.locked() and not previous.lock.locked()):
            return previous
        return kept

    def _earlier(self, track: Track, analysis: Analysed, dot: int) -> Analysed | None:
        """The revision kept before ``analysis``, when ``analysis`` is still being
        warmed and has not listed ``dot``'s members, and the earlier one was warmed
        or listed members: the members are read from it, as while the newer one is
        built (:meth:`_carried_completions`), and the newer one's warm-up lists
        them next."""
        if analysis.warmed or analysis.kept(("members", dot)) is not None:
            return None
        with self._lock:
            earlier = track.previous if track.analysed is analysis else None
        if earlier is None or earlier.revision >= analysis.revision:
            return None
        return earlier if earlier.warmed or earlier.listed_members() else None

    def _list_carried_dot(self, track: Track, analysed: Analysed) -> None:
        """List the members a completion carried from an older revision listed (the
        client asks again there) on ``analysed``, a revision just built (no other
        thread has it yet), when no edit since wrote into or next to that dot."""
        with self._lock:
            asked = track.carried_dot
            at = track.edits.carry(asked[1], asked[1], asked[0], analysed.revision) if asked else None
        dot = at[0] if at is not None else None
        if (  # after each warm-up step: the cheap checks first
            dot is not None
            and analysed.kept(("members", dot)) is None
            and ide_completion.members_dot(analysed.graph.source.data, dot + 1) == dot
        ):
            analysed.keep(("members", dot), analysed.answering.completions(dot + 1))

    def _list_typed_dot(self, track: Track, analysed: Analysed) -> None:
        """List the members of the dot that the edit making ``analysed``'s revision
        ended with (``self.`` typed, or a name after a dot): the user asks for
        completion there next, and once the revision is built that request
        reads the list instead of working it out (one receiver's members can
        take tens of milliseconds to detail)."""
        with self._lock:
            edit = track.edits.made(analysed.revision)
        if edit is None:
            return
        data = analysed.graph.source.data
        start, _, end = edit
        typed_end = start + len(data[start:end].rstrip())
        dot = ide_completion.members_dot(data, typed_end) if typed_end > start else None
        if dot is None or analysed.kept(("members", dot)) is not None:
            return
        entries = analysed.answering.completions(dot + 1)
        analysed.keep(("members", dot), entries)
        if analysed.answering.language == "python":  # the code LM ranks them before they are asked for
            self._ranker.score_ahead(track.uri, data[: dot + 1], entries)

    def _warm_steps(self, track: Track, analysed: Analysed) -> Iterator[None]:
        """What the builder works out on a revision it built, a step at a time, so
        that the requests after it find their answers: the members of the dot
        the last edit typed (:meth:`_list_typed_dot`), every prediction of the
        file (hovers and inlay hints read them), then the diagnostics
        (:meth:`diagnostics` reads them); and first, at each step, the members of
        a dot that a completion carried from an older revision meanwhile (the
        client asks again there)."""
        self._list_typed_dot(track, analysed)
        yield
        for _ in self._every_answer(track, analysed):
            self._list_carried_dot(track, analysed)
            yield

    def _every_answer(self, track: Track, analysed: Analysed) -> Iterator[None]:
        steps = getattr(analysed.answering, "prediction_steps", None)  # a script's analysis: in one step
        yield from steps() if steps is not None else _one_step(analysed.answering.predictions)
        with self._lock:
            doc = self._docs.get(track.uri)
        if doc is None or self.file_settings(doc.path) is None:  # closed, or excluded: no diagnostics
            return
        steps = getattr(analysed.answering, "diagnostic_steps", None)
        # not ``yield from``: a warm-up left undone (an edit came) is let go, and
        # closing it must not close the diagnostics' run, which the publisher
        # shares (``diagnostic_steps``) and may be running in its thread
        for _ in steps() if steps is not None else _one_step(analysed.answering.diagnostics):
            yield

    def _scores(self, uri: str, before: bytes, labels: tuple[str, ...]) -> dict[str, float] | None:
        """The code LM's score of each of ``labels`` after ``before`` (the text up
        to the dot), or ``None`` without an LM; the :class:`~.ranker.Ranker`'s
        thread asks, after the list is answered."""
        lm = self.code_lm(uri)
        if lm is None:
            return None
        from typelens.monitors.ranking import next_logprobs, scores_after

        text = before.decode("utf-8", "replace")
        with self._lm_use:  # the reading and the names' first tokens use the tokenizer
            logprobs = self._logprobs.get(lm, before, lambda: next_logprobs(lm, text))
            return dict(zip(labels, scores_after(lm, logprobs, text, list(labels))))

    def _carried_completions(
        self, track: Track, kept: Analysed, snapshot: Snapshot, offset: int
    ) -> list[CompletionEntry] | None:
        """The completions at ``offset`` of ``snapshot`` answered by the ``kept`` revision
        (built before the edits since): what the text at the cursor asks for is read
        from ``snapshot``'s text, the names' types from ``kept``, in the scope whose
        ``def`` line no edit touched.  ``None`` (ask ``snapshot``'s own revision) when
        ``kept`` cannot tell, its engine is busy, or an edit in between wrote into or
        next to a name of the receiver (its type or members may have changed)."""
        data = snapshot.data
        python = kept.answering.language == "python"
        found = (ide_completion.carried_chain if python else ide_completion.receiver_chain)(data, offset)
        scope = None
        if found is not None:
            if not self._names_untouched(track, kept, snapshot, found):
                return None
            scope = self._carried_scope(track, kept, snapshot, found[0])
        try:
            return kept.ask(lambda a: ide_completion.carried_completions(a, data, offset, scope), timeout=STEP_WAIT)
        except TimeoutError:
            return None

    def _carried_scope(self, track: Track, kept: Analysed, snapshot: Snapshot, at: int) -> int | None:
        """The scope of ``kept``'s graph that byte ``at`` of ``snapshot`` lies in, by
        indentation: the innermost ``def``/``class`` line above it, carried across
        the edits since (``None`` when an edit wrote into that line's keyword)."""
        def_line = enclosing_def_line(snapshot.data, at)
        if def_line is None:
            return ide_completion.scope_of_def_line(kept.graph, None)
        keyword = def_line + len(_INDENT.match(snapshot.data, def_line).group())
        moved = self._builds.carry(track, keyword, keyword + 3, snapshot.revision, kept.revision)
        if moved is None:
            return None
        data = kept.graph.source.data
        return ide_completion.scope_of_def_line(kept.graph, data.rfind(b"\n", 0, moved[0]) + 1)

    def _names_untouched(
        self, track: Track, kept: Analysed, snapshot: Snapshot, receiver: tuple[int, int, tuple[str, ...]]
    ) -> bool:
        """Whether no edit between ``kept`` and ``snapshot`` wrote into or next to a
        name of the receiver (other than the receiver itself) on a line that may bind
        something (:data:`_BINDS`), in ``kept``'s text or in ``snapshot``'s:
        ``self.total = 0`` typed in adds a member to ``self``, while a ``self.``
        typed and deleted again binds nothing."""
        start, dot, names = receiver
        pattern = re.compile(rb"(?<![\w\x80-\xff])(?:%s)(?![\w\x80-\xff])" % b"|".join(n.encode() for n in set(names)))
        for data, source, target, skip in (
            (snapshot.data, snapshot.revision, kept.revision, (start, dot)),
            (kept.graph.source.data, kept.revision, snapshot.revision, (0, 0)),
        ):
            found = [m.span() for m in pattern.finditer(data) if not skip[0] <= m.start() < skip[1]]
            moved = self._builds.carry_many(track, found, source, target)
            if any(at is None and _binds(data, span[0]) for span, at in zip(found, moved)):
                return False
        return True

    def workspace_symbols(self, query: str) -> list[tuple[ide.SymbolInfo, Place]]:
        """Classes, functions, methods and variables of the project (or of the open
        files' projects in single-file mode) whose names hold ``query``'s letters in order."""
        with self._lock:
            sessions = [self.session] if self.session is not None else []
            sessions += [
                s
                for s in {id(s): s for s in map(self.session_for, (d.path for d in self._docs.values()))}.values()
                if s is not self.session
            ]
        found = []
        for session in sessions:
            for info in ide.workspace_symbols(session, query):
                graph = session.index.graph_of(Path(info.path))
                if graph is not None:
                    found.append(
                        (
                            info,
                            Place(
                                Path(info.path).as_uri(),
                                None,
                                LineIndex.of(graph.source.data),
                                ((info.start, info.end, ""),),
                            ),
                        )
                    )
        return found

    # -- the code LM ------------------------------------------------------------------------
    def code_lm(self, uri: str | None = None):
        """The code LM for ranking and guided completion, loaded once per session;
        ``None`` (static order, no guided completion) when it cannot load."""
        session = self.session_for(self._docs[uri].path) if uri is not None and uri in self._docs else self.session
        if session is None:
            return None
        settings = session.settings

        def load():
            try:
                import torch

                from typelens.monitors.lm import load_lm, recommended_threads
            except ImportError as err:
                raise ModelError(f"the code LM needs the 'ml' extra (pip install 'typelens[ml]'): {err}") from None
            lm = load_lm(settings.lm_path, device=settings.device)
            # one intra-op thread for a small model (the editor's other requests run
            # beside it); a pretrained one gets the cores that are not busy
            torch.set_num_threads(recommended_threads(lm.parameters))
            return lm

        return session.model("code-lm", load)

    def guided_completion(self, uri: str, offset: int, max_tokens: int = 16) -> CompletionEntry | None:
        """A monitor-guided multi-token completion at ``offset`` (opt-in setting);
        the model's prompt cache keeps the previous keystroke's keys and values, so
        only the tokens that changed are encoded again."""
        lm = self.code_lm(uri)
        if lm is None:
            return None
        from typelens.monitors.complete import complete
        from typelens.typeinfer.queries import Analysed as AnalysedGraph

        analysed = self._analysed(uri)
        data = analysed.graph.source.data
        if not 0 < offset <= len(data):
            return None  # nothing analysed here (an empty or over-large document)
        typed = _WORD_BEFORE.search(data[max(0, offset - 256) : offset].decode("utf-8", "replace")).group()

        def guided(a: FileAnalysis):
            with self._lm_use:
                return complete(
                    data,
                    offset,
                    path=a.path,
                    lm=lm,
                    max_tokens=max_tokens,
                    session=a.session,
                    document=AnalysedGraph(a.engine, a.graph),
                )

        result = analysed.ask(guided)
        if not result.text.strip():
            return None
        return CompletionEntry(
            typed + result.text, "guided", f"typelens guided completion ({len(result.generation.tokens)} tokens)"
        )


def in_daemon(work: Callable[..., T], *args) -> Future[T]:
    """``work(*args)`` in a thread of its own that does not hold the process's exit
    up: loading the code LM takes a minute on a loaded machine, and a server told
    to exit meanwhile exits."""
    future: Future[T] = Future()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(work(*args))
            except BaseException as err:  # handed to whoever waits for it
                future.set_exception(err)

    threading.Thread(target=run, name="typelens-lm", daemon=True).start()
    return future


class LogprobMemo:
    """The code LM's next-token log-probabilities after the last few texts
    before a dot.  The client asks again at the same dot as the user types the
    member's name (an incomplete list, or a client that filters on the server),
    and once the edited text is analysed: the text before the dot is the same,
    so the LM reads it once.  Not thread-safe: the workspace uses it under its
    LM lock.

    Example::

        memo = LogprobMemo()
        memo.get(lm, b"self.", read)   # read() called: its answer kept
        memo.get(lm, b"self.", read)   # the same answer, read() not called
    """

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._found: dict[tuple, object] = {}  # oldest first

    def get(self, lm, before: bytes, read: Callable[[], T]) -> T:
        key = (id(lm), hashlib.blake2b(before, digest_size=16).digest())
        found = self._found.pop(key) if key in self._found else read()
        self._found[key] = found
        if len(self._found) > self.limit:
            del self._found[next(iter(self._found))]
        return cast(T, found)


_NOT_CARRIED = object()
# what may bind a name on a line: an assignment (augmented, annotated, keyword
# argument and walrus included), a def, class, import, for, with, except or del
_BINDS = re.compile(
    rb"(?<![=!<>])=(?!=)|^[ \t]*(?:async[ \t]+)?(?:def|class|import|from|for|with|global|nonlocal|del|except)\b|\bas\b",
    re.MULTILINE,
)


def _binds(data: bytes, at: int) -> bool:
    """Whether the line of byte ``at`` may bind a name (see :data:`_BINDS`)."""
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    return _BINDS.search(data, start, len(data) if end < 0 else end) is not None


def _names_something(analysed: Analysed, offset: int) -> bool:
    """Whether a hover at ``offset`` may have an answer: in Python, an identifier is
    there (read off the graph, without waiting for the engine: a hover on a
    comment or a docstring's word answers at once while a warm-up step runs)."""
    return analysed.answering.language != "python" or identifier_at(analysed.graph, offset) is not None


def _one_step(work: Callable[[], object]) -> Iterator[None]:
    work()
    yield


def _graph_of(doc: OpenDocument, source, tree) -> ProgramGraph:
    """The graph of one document revision: its tree was re-parsed incrementally,
    and so is its recovery (``Document.recover``): while a statement is half typed,
    the definitions outside it are read as they are, and a keystroke re-parses
    little more than what it changed."""
    if len(source.data) > MAX_DOCUMENT_BYTES:
        return AnalysisSession.buffer_graph(doc.path, "")
    if not isinstance(doc.document, Document):  # a script: its own graph builder
        return AnalysisSession.buffer_graph(doc.path, source, tree)
    return build_graph(source, str(doc.path), recovery=doc.document.recover(source, tree))


def _analysis(
    session: AnalysisSession, path: str, display: str, graph: ProgramGraph, buffers: dict[str, ProgramGraph], mode: str
) -> FileAnalysis:
    """A file analysis on an engine of its own, which shares no answers with the
    session's other engines: what one engine memoised about a library file while
    a cycle was open differs from what a fresh engine finds (5 of 8,542 hovers on
    subprocess.py after a few engines), so shared answers made the server's
    answers depend on the edits it had seen.  Building them again costs about a
    fifth more."""
    if is_script(path):
        return session.analyse_buffers(Path(path), buffers, mode)
    python = {key: g for key, g in buffers.items() if not is_script(key)}
    return FileAnalysis(session, path, display, graph, session.engine(python, share_library=False), mode)
