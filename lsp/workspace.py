"""The language server's documents, over the core's analysis sessions.

The workspace keeps what only an editor has: open documents (their text,
version and incrementally re-parsed tree) and which session each belongs to
(the workspace root's, or, for a file outside it or a server started without a
root, the session of the file's own project: single-file mode).  Every question
goes to a :class:`~typelens.typeinfer.session.FileAnalysis` of the document's
current revision, built in the background after each edit and asked one
question at a time (see :mod:`.analyses`); nothing here knows JSON-RPC or
analyses code itself.

Example::

    ws = Workspace(Path("project"))
    ws.open("file:///project/a.py", "x = 1\\n", 1)
    ws.hover("file:///project/a.py", 0).type       # 'int'
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import unquote, urlparse

from typelens.analyzer import Diagnostic, Document, GraphConfig, ModelError, ProgramGraph, build_graph
from typelens.typeinfer.ide import CompletionEntry, Hint, HoverInfo
from typelens.typeinfer.ide.completion import member_dot
from typelens.typeinfer.predictions import Prediction
from typelens.typeinfer.session import AnalysisSession, FileAnalysis, project_root_of
from typelens.typeinfer.settings import Settings

from .analyses import HOVER_BUDGET, Analysed, Builds, Track

logger = logging.getLogger(__name__)

__all__ = ["CompletionEntry", "Hint", "HoverInfo", "MAX_DOCUMENT_BYTES", "Workspace", "path_of_uri"]

_WORD_BEFORE = re.compile(r"\w*$")
# a name's bytes, non-ASCII letters included (any byte of a multi-byte character)
_NAME_BEFORE = re.compile(rb"[\w\x80-\xff]*\Z")
_NAME_AFTER = re.compile(rb"[\w\x80-\xff]*")
T = TypeVar("T")

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
_CONFIG = GraphConfig(max_bytes=MAX_DOCUMENT_BYTES)


def path_of_uri(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass(slots=True)
class OpenDocument:
    uri: str
    path: Path
    version: int            # the client's; answers follow ``track.revision``, which only grows
    document: Document
    track: Track = field(init=False)

    def __post_init__(self) -> None:
        self.track = Track(self.uri)


class Workspace:
    """Open documents plus the analysis sessions they belong to."""

    def __init__(self, root: Path | None, settings: Settings | None = None) -> None:
        self.root = root.resolve() if root is not None and root.exists() else None
        self.settings = settings or Settings()
        self.session = AnalysisSession(self.root, self.settings, config=_CONFIG) if self.root else None
        self._loose: dict[Path, AnalysisSession] = {}     # single-file mode: a session per project root
        self._docs: dict[str, OpenDocument] = {}
        self._lock = threading.RLock()
        self._lm_use = threading.Lock()   # fast tokenizers are not safe to share between threads
        self._builds = Builds(self._lock, self._is_open_track)
        self.hover_budget = HOVER_BUDGET

    # -- documents -----------------------------------------------------------------------
    def open(self, uri: str, text: str, version: int) -> None:
        path = path_of_uri(uri) or Path(uri)
        doc = OpenDocument(uri, path, version, Document.from_text(text, str(path)))
        with self._lock:
            self._docs[uri] = doc
            self._builds.soon(doc.track, partial(self._prepare, doc))

    def close(self, uri: str) -> None:
        with self._lock:
            self._docs.pop(uri, None)
            self._builds.closed()

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
            self._builds.soon(doc.track, partial(self._prepare, doc))

    def is_open(self, uri: str) -> bool:
        return uri in self._docs

    def data(self, uri: str) -> bytes:
        return self._docs[uri].document.source.data

    def version(self, uri: str) -> int:
        return self._docs[uri].version

    def set_settings(self, settings: Settings) -> None:
        with self._lock:
            self.settings = settings
            for session in self._sessions():
                session.update_settings(settings)
            self._builds.forget_all([(doc.track, partial(self._prepare, doc)) for doc in self._docs.values()])

    def _sessions(self) -> list[AnalysisSession]:
        return ([self.session] if self.session is not None else []) + list(self._loose.values())

    def session_for(self, path: Path) -> AnalysisSession:
        """The workspace's session for its files, else the file's own project's."""
        resolved = path.resolve()
        if self.session is not None and resolved.is_relative_to(self.root):
            return self.session
        root = project_root_of(resolved)
        with self._lock:
            session = self._loose.get(root)
            if session is None:
                session = self._loose[root] = AnalysisSession.for_path(resolved, self.settings, config=_CONFIG)
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
            self.session.build_project()
            with self._lock:
                self._builds.forget_all([(doc.track, partial(self._prepare, doc)) for doc in self._docs.values()])

    # -- analysis ---------------------------------------------------------------------------
    def _is_open_track(self, track: Track) -> bool:
        doc = self._docs.get(track.uri)
        return doc is not None and doc.track is track

    def _prepare(self, doc: OpenDocument) -> Callable[[bool], Analysed]:
        """What builds the analysis of the document's current revision (called under
        the lock: it takes the text and tree of that revision, immutable)."""
        revision, source, tree, path = doc.track.revision, doc.document.source, doc.document.tree, doc.path

        def build(warm: bool) -> Analysed:
            if len(source.data) > MAX_DOCUMENT_BYTES:
                graph = build_graph("", str(path))
            else:
                graph = build_graph(source, str(path), tree=tree)
            # the classifier refines only what parses: a broken buffer's windows mislead it
            mode = "static" if graph.has_syntax_errors() else "hybrid"
            session = self.session_for(path)
            analysed = Analysed(revision, graph, 0.0, _analysis(session, path, graph, mode),
                                lambda: _analysis(session, path, graph, mode))
            if warm:       # every answer of the file, so that the requests after find them
                analysed.answering.predictions()
            return analysed
        return build

    def _request(self, uri: str) -> tuple[Track, int, Callable[[bool], Analysed]]:
        """The document's track, its current revision and what builds that revision."""
        with self._lock:
            doc = self._docs[uri]
            return doc.track, doc.track.revision, self._prepare(doc)

    def _current(self, uri: str) -> Analysed:
        return self._builds.at(*self._request(uri))

    def _ask(self, uri: str, question: Callable[[FileAnalysis], T]) -> T:
        """``question`` put to the current revision's answering engine, alone on it."""
        return self._current(uri).ask(question)

    def analysis(self, uri: str) -> FileAnalysis:
        """The current revision's analysis (its engine answers one thread at a time:
        put questions through the methods below)."""
        return self._current(uri).answering

    def predictions(self, uri: str) -> list[Prediction]:
        return self._ask(uri, lambda a: a.predictions())

    def diagnostics(self, uri: str) -> list[Diagnostic]:
        """On an engine of their own: a long run never holds an editor request up."""
        return self._current(uri).check(lambda a: a.diagnostics())

    def hover(self, uri: str, offset: int) -> HoverInfo | None:
        """The hover at ``offset``; while a large file is typed in, maybe from the
        newest revision already analysed (see :mod:`.analyses`)."""
        track, revision, build = self._request(uri)
        kept = self._builds.carrier(track, revision, self.hover_budget)
        if kept is not None:
            found = self._carried_hover(track, kept, revision, offset)
            if found is not _NOT_CARRIED:
                return found
        return self._builds.at(track, revision, build).ask(lambda a: a.hover(offset))

    def _carried_hover(self, track: Track, kept: Analysed, revision: int, offset: int):
        """The hover at ``offset`` of ``revision`` answered by the ``kept`` revision, its
        range carried back; ``_NOT_CARRIED`` when the name was edited in between or
        that revision's engine is busy."""
        at = self._builds.carry(track, offset, offset, revision, kept.revision)
        if at is None:
            return _NOT_CARRIED
        try:
            info = kept.ask(lambda a: a.hover(at[0]), timeout=self.hover_budget)
        except TimeoutError:
            return _NOT_CARRIED
        if info is None:       # no answer there then: nor now, unless typing next to it made a name
            data = kept.graph.source.data
            start = _NAME_BEFORE.search(data, max(0, at[0] - 256), at[0]).start()
            end = _NAME_AFTER.match(data, at[0]).end()
            return None if self._builds.carry(track, start, end, kept.revision, revision) else _NOT_CARRIED
        span = self._builds.carry(track, info.start, info.end, kept.revision, revision)
        return _NOT_CARRIED if span is None else dataclasses.replace(info, start=span[0], end=span[1])

    def inlay_hints(self, uri: str, start: int, end: int) -> list[Hint]:
        return self._ask(uri, lambda a: a.inlay_hints(start, end))

    def annotate(self, uri: str, offset: int | None) -> list[tuple[int, int, str]] | None:
        """Byte edits annotating one symbol (the identifier at ``offset``) or the whole file."""
        return self._ask(uri, lambda a: a.annotate(offset))

    def definition(self, uri: str, offset: int) -> tuple[Path, int, int] | None:
        return self._ask(uri, lambda a: a.definition(offset))

    def completions(self, uri: str, offset: int) -> list[CompletionEntry]:
        analysis = self._current(uri)
        entries = analysis.ask(lambda a: a.completions(offset))
        dot = member_dot(analysis.graph.source.data, offset)
        lm = self.code_lm(uri) if dot is not None and entries else None
        if lm is None:
            return entries
        from typelens.monitors.ranking import rank_entries
        with self._lm_use:
            return rank_entries(lm, analysis.graph.source.data[:dot + 1].decode("utf-8", "replace"), entries)

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

                from typelens.monitors.lm import load_lm
            except ImportError as err:
                raise ModelError(f"the code LM needs the 'ml' extra (pip install 'typelens[ml]'): {err}") from None
            # one intra-op thread: the editor's other requests and the diagnostics
            # run beside it, and a small model gains nothing from more
            torch.set_num_threads(1)
            return load_lm(settings.lm_path, device=settings.device)
        return session.model("code-lm", load)

    def guided_completion(self, uri: str, offset: int, max_tokens: int = 16) -> CompletionEntry | None:
        """A monitor-guided multi-token completion at ``offset`` (opt-in setting)."""
        lm = self.code_lm(uri)
        if lm is None:
            return None
        from typelens.monitors.complete import complete
        from typelens.typeinfer.queries import Analysed as AnalysedGraph
        analysed = self._current(uri)
        data = analysed.graph.source.data
        if not 0 < offset <= len(data):
            return None             # nothing analysed here (an empty or over-large document)
        typed = _WORD_BEFORE.search(data[max(0, offset - 256):offset].decode("utf-8", "replace")).group()

        def guided(a: FileAnalysis):
            with self._lm_use:
                return complete(data, offset, path=a.path, lm=lm, max_tokens=max_tokens, session=a.session,
                                document=AnalysedGraph(a.engine, a.graph))
        result = analysed.ask(guided)
        if not result.text.strip():
            return None
        return CompletionEntry(typed + result.text, "guided",
                               f"typelens guided completion ({len(result.generation.tokens)} tokens)")


_NOT_CARRIED = object()


def _analysis(session: AnalysisSession, path: Path, graph: ProgramGraph, mode: str) -> FileAnalysis:
    """A file analysis on an engine of its own, sharing no answers with the session's
    other engines: what one engine memoised about a library file while a cycle was
    open differs from what a fresh engine finds (5 of 8,542 hovers on subprocess.py
    after a few engines), so shared answers made the server's answers depend on the
    edits it had seen.  Building them again costs about a fifth more."""
    resolved = str(path.resolve())
    return FileAnalysis(session, resolved, path.name, graph,
                        session.engine({resolved: graph}, share_library=False), mode)
