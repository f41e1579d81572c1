"""The language server's documents, over the core's analysis sessions.

The workspace keeps what only an editor has: open documents (their text,
version, incrementally re-parsed tree and the :class:`~.positions.LineIndex` of
each version), the position encoding the client negotiated, and which session
each document belongs to (the workspace root's, or, for a file outside it or a
server started without a root, the session of the file's own project:
single-file mode).  Every question goes to a
:class:`~typelens.typeinfer.session.FileAnalysis` of one document version, whose
engine reads every open document from its buffer; nothing here knows JSON-RPC
or analyses code itself.

A request pins the version it converted its positions with (a
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

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from typelens.analyzer import Diagnostic, Document, GraphConfig, ModelError, ProgramGraph
from typelens.typeinfer import ide
from typelens.typeinfer.ide import CompletionEntry, Hint, HoverInfo
from typelens.typeinfer.ide.completion import member_dot
from typelens.typeinfer.predictions import Prediction
from typelens.typeinfer.session import AnalysisSession, FileAnalysis, project_root_of
from typelens.typeinfer.settings import Settings

from .positions import Encoding, LineIndex

logger = logging.getLogger(__name__)

__all__ = ["CompletionEntry", "Hint", "HoverInfo", "MAX_DOCUMENT_BYTES", "Snapshot", "Workspace", "path_of_uri"]

_WORD_BEFORE = re.compile(r"\w*$")

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
_CONFIG = GraphConfig(max_bytes=MAX_DOCUMENT_BYTES)


def path_of_uri(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One version of an open document: its text and line index."""

    uri: str
    version: int
    lines: LineIndex

    @property
    def data(self) -> bytes:
        return self.lines.data


@dataclass(frozen=True, slots=True)
class Place:
    """Byte ranges in one file, with the text they index and the document
    version that text is (``None`` for a file that is not open)."""

    uri: str
    version: int | None
    lines: LineIndex
    ranges: tuple[tuple[int, int, str], ...]     # (start, end, new text or a tag)


@dataclass(slots=True)
class OpenDocument:
    uri: str
    path: Path
    version: int
    document: Document
    lines: LineIndex | None = None
    analysis: FileAnalysis | None = None
    analysed_version: int = -1
    graph: ProgramGraph | None = None     # of the current version, once built
    hints: tuple | None = None            # ((analysis, minimum confidence), every hint of that analysis)

    def snapshot(self) -> Snapshot:
        if self.lines is None or self.lines.data is not self.document.source.data:
            self.lines = LineIndex(self.document.source.data)
        return Snapshot(self.uri, self.version, self.lines)


def _graph_of(path: Path, source, tree) -> ProgramGraph:
    """The graph of one document version (its tree was re-parsed incrementally)."""
    if len(source.data) > MAX_DOCUMENT_BYTES:
        return AnalysisSession.buffer_graph(path, "")
    return AnalysisSession.buffer_graph(path, source, tree)


class Workspace:
    """Open documents plus the analysis sessions they belong to."""

    def __init__(self, root: Path | None, settings: Settings | None = None,
                 encoding: Encoding = Encoding.UTF16) -> None:
        self.root = root.resolve() if root is not None and root.exists() else None
        self.settings = settings or Settings()
        self.encoding = encoding
        self.session = AnalysisSession(self.root, self.settings, config=_CONFIG) if self.root else None
        self._loose: dict[Path, AnalysisSession] = {}     # single-file mode: a session per project root
        self._docs: dict[str, OpenDocument] = {}
        self._lock = threading.RLock()
        self._lm_use = threading.Lock()   # fast tokenizers are not safe to share between threads
        self.generation = 0       # bumped whenever any answer may have changed (pulled diagnostics' ids)

    # -- documents -----------------------------------------------------------------------
    def open(self, uri: str, text: str, version: int) -> None:
        path = path_of_uri(uri) or Path(uri)
        with self._lock:
            self._docs[uri] = OpenDocument(uri, path, version, AnalysisSession.document(path, text))
            self._forget_analyses()

    def close(self, uri: str) -> None:
        with self._lock:
            if self._docs.pop(uri, None) is not None:
                self._forget_analyses()

    def change(self, uri: str, version: int, edits: list[tuple[int, int, str] | str]) -> None:
        """Apply ``(start_byte, end_byte, new_text)`` edits in order, or whole texts."""
        with self._lock:
            doc = self._docs.get(uri)
            if doc is None:
                raise KeyError(uri)
            for edit in edits:
                if isinstance(edit, str):
                    doc.document.replace_all(edit)
                else:
                    doc.document.apply_edit(*edit)
            doc.version = version
            doc.graph = None
            self._forget_analyses()

    def change_at(self, uri: str, version: int,
                  changes: list[tuple[tuple[tuple[int, int], tuple[int, int]] | None, str]]) -> None:
        """Apply editor changes: ``(((line, col), (line, col)) or None, text)`` in the
        negotiated encoding, each against the text the ones before it left."""
        with self._lock:
            doc = self._docs.get(uri)
            if doc is None:
                raise KeyError(uri)
            edits: list[tuple[int, int, str] | str] = []
            lines = doc.snapshot().lines
            for where, text in changes:
                if where is None:
                    edits.append(text)
                    lines = LineIndex(text.encode("utf-8", "surrogatepass"))
                    continue
                start = lines.offset(*where[0], self.encoding)
                end = max(start, lines.offset(*where[1], self.encoding))
                edits.append((start, end, text))
                data = lines.data
                lines = LineIndex(data[:start] + text.encode("utf-8", "surrogatepass") + data[end:])
            self.change(uri, version, edits)

    def _forget_analyses(self) -> None:
        # an engine reads every open buffer: an edit anywhere makes every answer old
        self.generation += 1
        for doc in self._docs.values():
            doc.analysis = doc.hints = None

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

    def set_settings(self, settings: Settings) -> None:
        with self._lock:
            self.settings = settings
            for session in self._sessions():
                session.update_settings(settings)
            self._forget_analyses()

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
                self._forget_analyses()

    # -- analysis ---------------------------------------------------------------------------
    def analysis(self, uri: str, snapshot: Snapshot | None = None) -> FileAnalysis:
        """The analysis of ``snapshot`` (default: the current version of ``uri``);
        its engine reads the other open documents of its session from their buffers."""
        with self._lock:
            doc = self._docs[uri]
            version = doc.version if snapshot is None else snapshot.version
            if doc.analysis is not None and doc.analysed_version == version:
                return doc.analysis
            session = self.session_for(doc.path)
            # graphs are built outside the lock (edits keep arriving): each from a copy
            # of its tree, which the next incremental edit cannot move under it
            wanted = [(d, d.version, d.document.source, d.document.tree.copy(), d.graph)
                      for d in self._docs.values() if d is doc or self.session_for(d.path) is session]
        buffers, built = {}, []
        for d, v, source, tree, graph in wanted:
            if d is doc and v != version:   # the document moved on while the request waited
                graph = AnalysisSession.buffer_graph(doc.path, snapshot.data.decode("utf-8", "surrogateescape"))
            elif graph is None:
                graph = _graph_of(d.path, source, tree)
                built.append((d, v, graph))
            buffers[str(d.path.resolve())] = graph
        path = str(doc.path.resolve())
        graph = buffers[path]
        # the classifier refines only what parses: a broken buffer's windows mislead it
        mode = "static" if graph.has_syntax_errors() else "hybrid"
        result = session.analyse_buffers(doc.path, buffers, mode)
        with self._lock:
            for d, v, g in built:
                if d.version == v and d.graph is None:
                    d.graph = g
            if doc.version == version and doc.analysis is None:
                doc.analysis, doc.analysed_version = result, version
        return result

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
        return self.analysis(uri).predictions()

    def diagnostics(self, uri: str, snapshot: Snapshot | None = None) -> list[Diagnostic]:
        return self.analysis(uri, snapshot).diagnostics()

    def hover(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> HoverInfo | None:
        return self.analysis(uri, snapshot).hover(offset)

    def inlay_hints(self, uri: str, start: int, end: int, snapshot: Snapshot | None = None) -> list[Hint]:
        """The hints in bytes ``start..end``: the file's are planned once per version
        and minimum confidence (an editor asks again on every scroll)."""
        analysis = self.analysis(uri, snapshot)
        key = (analysis, self.settings.min_confidence)
        with self._lock:
            doc = self._docs[uri]
            found = doc.hints[1] if doc.hints is not None and doc.hints[0] == key else None
        if found is None:
            found = analysis.inlay_hints(0, len(analysis.graph.source.data))
            with self._lock:
                doc.hints = (key, found)
        return [h for h in found if start <= h.offset <= end]

    def annotate(self, uri: str, offset: int | None, snapshot: Snapshot | None = None) -> list[tuple[int, int, str]] | None:
        """Byte edits annotating one symbol (the identifier at ``offset``) or the whole file."""
        return self.analysis(uri, snapshot).annotate(offset)

    def definition(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> tuple[Path, int, int] | None:
        return self.analysis(uri, snapshot).definition(offset)

    def definition_place(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> Place | None:
        analysis = self.analysis(uri, snapshot)
        found = analysis.definition(offset)
        return self.place(analysis, str(found[0].resolve()), [(found[1], found[2], "")], snapshot) if found else None

    def type_definition(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[Place]:
        analysis = self.analysis(uri, snapshot)
        places = [self.place(analysis, str(path.resolve()), [(start, end, "")], snapshot)
                  for path, start, end in analysis.type_definition(offset)]
        return [p for p in places if p is not None]

    def references(self, uri: str, offset: int, include_declaration: bool = True,
                   snapshot: Snapshot | None = None) -> list[Place]:
        analysis = self.analysis(uri, snapshot)
        found = analysis.references(offset, include_declaration)
        return self._places(analysis, [(r.path, r.start, r.end, "") for r in found], snapshot)

    def highlights(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[ide.Reference]:
        return self.analysis(uri, snapshot).highlights(offset)

    def prepare_rename(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> tuple[int, int, str]:
        """The identifier's byte range and name; ``RenameRefused`` when it cannot be renamed."""
        return self.analysis(uri, snapshot).prepare_rename(offset)

    def rename(self, uri: str, offset: int, new_name: str, snapshot: Snapshot | None = None) -> list[Place]:
        """The edits per file renaming the symbol at ``offset``; ``RenameRefused``
        when it cannot be renamed, or a file to edit changed on disk since it was read."""
        analysis = self.analysis(uri, snapshot)
        edits = analysis.rename(offset, new_name)
        places = self._places(analysis, [(path, s, e, text) for path, found in edits.items() for s, e, text in found],
                              snapshot)
        for place in places:
            path = path_of_uri(place.uri)
            if place.version is None and path is not None and path.read_bytes() != place.lines.data:
                raise ide.RenameRefused(f"{path.name} changed on disk since it was analysed; save or reopen it first")
        return places

    def _places(self, analysis: FileAnalysis, found: list[tuple[str, int, int, str]],
                snapshot: Snapshot | None = None) -> list[Place]:
        by_file: dict[str, list[tuple[int, int, str]]] = {}
        for path, start, end, text in found:
            by_file.setdefault(path, []).append((start, end, text))
        places = [self.place(analysis, path, ranges, snapshot) for path, ranges in by_file.items()]
        return [p for p in places if p is not None]

    def signature_help(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> ide.SignatureHelp | None:
        return self.analysis(uri, snapshot).signature_help(offset)

    def document_symbols(self, uri: str, snapshot: Snapshot | None = None) -> list[ide.OutlineItem]:
        return self.analysis(uri, snapshot).document_symbols()

    def semantic_tokens(self, uri: str, start: int = 0, end: int | None = None,
                        snapshot: Snapshot | None = None) -> list[ide.Token]:
        return self.analysis(uri, snapshot).semantic_tokens(start, end)

    def resolve_completion(self, uri: str, ref: tuple[str, int, bool]) -> tuple[str | None, str | None]:
        """A completion item's full signature and docstring."""
        return self.analysis(uri).resolve_completion(ref)

    def completions(self, uri: str, offset: int, snapshot: Snapshot | None = None) -> list[CompletionEntry]:
        analysis = self.analysis(uri, snapshot)
        entries = analysis.completions(offset)
        dot = member_dot(analysis.graph.source.data, offset)
        lm = self.code_lm(uri) if dot is not None and entries and analysis.language == "python" else None
        if lm is None:
            return entries
        from typelens.monitors.ranking import rank_entries
        with self._lm_use:
            return rank_entries(lm, analysis.graph.source.data[:dot + 1].decode("utf-8", "replace"), entries)

    def workspace_symbols(self, query: str) -> list[tuple[ide.SymbolInfo, Place]]:
        """Classes, functions, methods and variables of the project (or of the open
        files' projects in single-file mode) whose names hold ``query``'s letters in order."""
        with self._lock:
            sessions = [self.session] if self.session is not None else []
            sessions += [s for s in {id(s): s for s in map(self.session_for, (d.path for d in self._docs.values()))}.values()
                         if s is not self.session]
        found = []
        for session in sessions:
            for info in ide.workspace_symbols(session, query):
                graph = session.index.graph_of(Path(info.path))
                if graph is not None:
                    found.append((info, Place(Path(info.path).as_uri(), None, LineIndex.of(graph.source.data),
                                              ((info.start, info.end, ""),))))
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
        from typelens.typeinfer.queries import Analysed
        a = self.analysis(uri)
        data = a.graph.source.data
        if not 0 < offset <= len(data):
            return None             # nothing analysed here (an empty or over-large document)
        typed = _WORD_BEFORE.search(data[max(0, offset - 256):offset].decode("utf-8", "replace")).group()
        with self._lm_use:
            result = complete(data, offset, path=a.path, lm=lm, max_tokens=max_tokens, session=a.session,
                              document=Analysed(a.engine, a.graph))
        if not result.text.strip():
            return None
        return CompletionEntry(typed + result.text, "guided",
                               f"typelens guided completion ({len(result.generation.tokens)} tokens)")
