"""The language server's documents, over the core's analysis sessions.

The workspace keeps what only an editor has: open documents (their text,
version and incrementally re-parsed tree) and which session each belongs to
(the workspace root's, or, for a file outside it or a server started without a
root, the session of the file's own project: single-file mode).  Every question
goes to a :class:`~typelens.typeinfer.session.FileAnalysis` of the document's
current version, kept until the next edit; nothing here knows JSON-RPC or
analyses code itself.

Example::

    ws = Workspace(Path("project"))
    ws.open("file:///project/a.py", "x = 1\\n", 1)
    ws.hover("file:///project/a.py", 0).type       # 'int'
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from typelens.analyzer import Diagnostic, Document, GraphConfig, ModelError, build_graph
from typelens.analyzer.typescript import ScriptDocument, build_script_graph, is_script
from typelens.typeinfer.ide import CompletionEntry, Hint, HoverInfo
from typelens.typeinfer.ide.completion import member_dot
from typelens.typeinfer.predictions import Prediction
from typelens.typeinfer.session import AnalysisSession, FileAnalysis, project_root_of
from typelens.typeinfer.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["CompletionEntry", "Hint", "HoverInfo", "MAX_DOCUMENT_BYTES", "Workspace", "path_of_uri"]

_WORD_BEFORE = re.compile(r"\w*$")

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
    version: int
    document: Document
    analysis: FileAnalysis | None = None
    analysed_version: int = -1


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

    # -- documents -----------------------------------------------------------------------
    def open(self, uri: str, text: str, version: int) -> None:
        path = path_of_uri(uri) or Path(uri)
        # the document's language is its suffix: .ts, .tsx, .js, .jsx, .mjs, .cjs are scripts
        kind = ScriptDocument if is_script(path) else Document
        with self._lock:
            self._docs[uri] = OpenDocument(uri, path, version, kind.from_text(text, str(path)))

    def close(self, uri: str) -> None:
        with self._lock:
            self._docs.pop(uri, None)

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
            doc.analysis = None

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
            for doc in self._docs.values():
                doc.analysis = None

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
                for doc in self._docs.values():
                    doc.analysis = None

    # -- analysis ---------------------------------------------------------------------------
    def analysis(self, uri: str) -> FileAnalysis:
        with self._lock:
            doc = self._docs[uri]
            if doc.analysis is not None and doc.analysed_version == doc.version:
                return doc.analysis
            version = doc.version
            source, tree = doc.document.source, doc.document.tree
        build = build_script_graph if is_script(doc.path) else build_graph
        if len(source.data) > MAX_DOCUMENT_BYTES:
            graph = build("", str(doc.path))
        else:
            graph = build(source, str(doc.path), tree=tree)
        # the classifier refines only what parses: a broken buffer's windows mislead it
        mode = "static" if graph.has_syntax_errors() else "hybrid"
        result = self.session_for(doc.path).analyse(doc.path, graph=graph, mode=mode)
        with self._lock:
            if doc.version == version:
                doc.analysis, doc.analysed_version = result, version
        return result

    def predictions(self, uri: str) -> list[Prediction]:
        return self.analysis(uri).predictions()

    def diagnostics(self, uri: str) -> list[Diagnostic]:
        return self.analysis(uri).diagnostics()

    def hover(self, uri: str, offset: int) -> HoverInfo | None:
        return self.analysis(uri).hover(offset)

    def inlay_hints(self, uri: str, start: int, end: int) -> list[Hint]:
        return self.analysis(uri).inlay_hints(start, end)

    def annotate(self, uri: str, offset: int | None) -> list[tuple[int, int, str]] | None:
        """Byte edits annotating one symbol (the identifier at ``offset``) or the whole file."""
        return self.analysis(uri).annotate(offset)

    def definition(self, uri: str, offset: int) -> tuple[Path, int, int] | None:
        return self.analysis(uri).definition(offset)

    def completions(self, uri: str, offset: int) -> list[CompletionEntry]:
        analysis = self.analysis(uri)
        entries = analysis.completions(offset)
        dot = member_dot(analysis.graph.source.data, offset)
        lm = self.code_lm(uri) if dot is not None and entries and not is_script(analysis.path) else None
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
