"""The language server's façade: open documents and what the editor asks of them.

Nothing here knows JSON-RPC: requests arrive as byte offsets and leave as plain
values (``HoverInfo``, ``Hint``, byte-range edits), so every feature is testable
without a client.  Each document keeps an incrementally re-parsed tree; analyses
are built per document version and dropped when the version changes, so memory
stays bounded however long the session.

Example::

    ws = Workspace(Path("project"))
    ws.open("file:///project/a.py", "x = 1\\n", 1)
    ws.hover("file:///project/a.py", 0).type       # 'int'
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from typelens.analyzer import (
    Definition, ModelError, Diagnostic, Document, GraphConfig, ModuleLocation, ProgramGraph, ProjectGraph, ProjectIndex,
    SymbolKind, build_graph,
)
from typelens.typeinfer.apply import FileEdits, apply_edits, module_classes, plan_edits
from typelens.typeinfer.checks import FileChecker
from typelens.typeinfer.engine import TypeEngine
from typelens.typeinfer.predictions import FilePredictor, Prediction
from typelens.typeinfer.queries import Analysed, LibraryMembers, call_at, members_at
from typelens.typeinfer.settings import Settings
from typelens.typeinfer.types import FunctionRef, TypeOfClass, members, render

logger = logging.getLogger(__name__)

_WORD_BEFORE = re.compile(r"\w*$")

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


def path_of_uri(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass(frozen=True, slots=True)
class HoverInfo:
    name: str
    type: str | None
    source: str
    confidence: float
    signature: str | None
    doc: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Hint:
    offset: int            # where the label goes
    label: str             # ": int" or " -> str"
    edit: tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class CompletionEntry:
    label: str
    kind: str              # method, field, class, module, keyword-argument
    detail: str


@dataclass(slots=True)
class OpenDocument:
    uri: str
    path: Path
    version: int
    document: Document
    analysis: "Analysis | None" = None


@dataclass(slots=True)
class Analysis:
    version: int
    graph: ProgramGraph
    engine: TypeEngine
    predictions: list[Prediction] | None = None
    diagnostics: list[Diagnostic] | None = None


@dataclass(slots=True)
class WorkspaceState:
    settings: Settings = field(default_factory=Settings)
    project: ProjectGraph | None = None


class Workspace:
    """Open documents plus a project index over ``root``."""

    def __init__(self, root: Path | None, settings: Settings | None = None) -> None:
        self.root = root.resolve() if root is not None and root.exists() else None
        self.state = WorkspaceState(settings or Settings())
        self.index = ProjectIndex(self.root, config=GraphConfig(max_bytes=MAX_DOCUMENT_BYTES)) if self.root else None
        self._docs: dict[str, OpenDocument] = {}
        self._lock = threading.RLock()
        self._neural = None
        self._code_lm = None
        self._lm_lock = threading.Lock()
        self._lm_use = threading.Lock()   # fast tokenizers are not safe to share between threads
        self._library = LibraryMembers()   # library types' members, kept for the session

    # -- documents -----------------------------------------------------------------------
    def open(self, uri: str, text: str, version: int) -> None:
        path = path_of_uri(uri) or Path(uri)
        with self._lock:
            self._docs[uri] = OpenDocument(uri, path, version, Document.from_text(text, str(path)))

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
            old = self.state.settings
            if (old.model_path, old.lm_path, old.device) != (settings.model_path, settings.lm_path, settings.device):
                self._neural, self._code_lm = None, None      # reload with the new paths
            self.state.settings = settings
            for doc in self._docs.values():
                doc.analysis = None

    # -- the project, indexed in the background ------------------------------------------
    def index_files(self) -> list[Path]:
        return sorted(set(self.index.modules.values())) if self.index is not None else []

    def library_files(self) -> list[Path]:
        """Stubs and installed modules the project imports (after its own files)."""
        return self.index.library_files() if self.index is not None else []

    def index_one(self, path: Path) -> None:
        if self.index is not None:
            self.index.graph_of(path)

    def finish_indexing(self) -> None:
        if self.index is not None:
            from typelens.analyzer import build_project_graph
            project = build_project_graph(self.index)
            with self._lock:
                self.state.project = project
                for doc in self._docs.values():
                    doc.analysis = None

    # -- analysis ---------------------------------------------------------------------------
    def analysis(self, uri: str) -> Analysis:
        with self._lock:
            doc = self._docs[uri]
            if doc.analysis is not None and doc.analysis.version == doc.version:
                return doc.analysis
            version = doc.version
            source, tree = doc.document.source, doc.document.tree
        if len(source.data) > MAX_DOCUMENT_BYTES:
            graph = build_graph("", str(doc.path))
        else:
            graph = build_graph(source, str(doc.path), tree=tree)
        index = self.index if self.index is not None else ProjectIndex(doc.path.parent)
        engine = TypeEngine(index, self.state.project, shared=self._library.answers)
        engine.use_graph(str(doc.path.resolve()), graph)
        result = Analysis(version, graph, engine)
        with self._lock:
            if doc.version == version:
                doc.analysis = result
        return result

    def _key(self, uri: str) -> str:
        return str(self._docs[uri].path.resolve())

    def predictions(self, uri: str) -> list[Prediction]:
        a = self.analysis(uri)
        if a.predictions is None:
            found = FilePredictor(a.engine, self._key(uri), self._docs[uri].path.name).run()
            assistant = self._assistant()
            if assistant is not None and not a.graph.has_syntax_errors():
                found = assistant.refine(a.engine, self._key(uri), found, "hybrid")
            a.predictions = found
        return a.predictions

    def _assistant(self):
        """The shipped classifier, loaded once; without it the server stays static."""
        if self._neural is None:
            try:
                from typelens.typeinfer.hybrid import NeuralAssistant
                self._neural = NeuralAssistant(self.state.settings.model_path)
            except Exception as err:  # a missing or damaged model must not stop the editor
                logger.warning("classifier unavailable, static inference only: %s", err)
                self._neural = False
        return self._neural or None

    def code_lm(self):
        """The code LM for ranking and guided completion, loaded once; ``None``
        (static order, no guided completion) when it cannot load."""
        with self._lm_lock:            # the preload and a completion may ask at once
            return self._load_code_lm()

    def _load_code_lm(self):
        if self._code_lm is None:
            try:
                import torch

                from typelens.monitors.lm import load_lm
                # one intra-op thread: the editor's other requests and the diagnostics
                # run beside it, and a small model gains nothing from more
                torch.set_num_threads(1)
                settings = self.state.settings
                self._code_lm = load_lm(settings.lm_path, device=settings.device)
            except (ModelError, ImportError) as err:   # a missing or damaged model must not stop the editor
                logger.warning("code LM unavailable, completions keep the static order: %s", err)
                self._code_lm = False
        return self._code_lm or None

    def diagnostics(self, uri: str) -> list[Diagnostic]:
        a = self.analysis(uri)
        if a.diagnostics is None:
            found = FileChecker(a.engine, self._key(uri), self._docs[uri].path.name).run()
            settings = self.state.settings
            a.diagnostics = [d for d in found if (not settings.select or d.code in settings.select)
                             and d.code not in settings.ignore]
        return a.diagnostics

    # -- features ------------------------------------------------------------------------
    def hover(self, uri: str, offset: int) -> HoverInfo | None:
        a = self.analysis(uri)
        g, path = a.graph, self._key(uri)
        node = _identifier_at(g, offset)
        if node is None:
            return None
        target = g.parents[node] if g.kinds[g.parents[node]] in ("attribute", "attribute_store") and \
            g.children(g.parents[node])[-1] == node else node
        prediction = next((p for p in self.predictions(uri) if p.span.start_byte == g.start_bytes[node]), None)
        value = _value_at(a.engine, path, g, target)
        type_text = prediction.type if prediction is not None else (render(value) if value is not None else None)
        source = prediction.source if prediction is not None else "static"
        confidence = prediction.confidence if prediction is not None else (0.9 if type_text else 0.0)
        signature, doc = _describe(a.engine, value)
        return HoverInfo(g.names.get(node, g.text(node)), type_text, source, confidence, signature, doc,
                         g.start_bytes[node], g.end_bytes[node])

    def inlay_hints(self, uri: str, start: int, end: int) -> list[Hint]:
        minimum = self.state.settings.min_confidence
        hints = []
        plan = self._plan(uri, minimum)
        for edit in plan.edits:
            if not start <= edit.start <= end:
                continue
            label = edit.text.rstrip(" =") if edit.text.endswith(" = ") else edit.text
            hints.append(Hint(edit.start, label.replace('"', ""), (edit.start, edit.end, edit.text)))
        return hints

    def _plan(self, uri: str, minimum: float, only: int | None = None) -> FileEdits:
        a = self.analysis(uri)
        predictions = self.predictions(uri)
        if only is not None:
            predictions = [p for p in predictions if p.span.start_byte == only]
        return plan_edits(a.graph, predictions, module_classes(a.engine, self._key(uri)), minimum)

    def annotate(self, uri: str, offset: int | None) -> list[tuple[int, int, str]] | None:
        """Byte edits annotating one symbol (the identifier at ``offset``) or the whole file."""
        a = self.analysis(uri)
        if a.graph.has_syntax_errors():
            return None
        only = None
        if offset is not None:
            node = _identifier_at(a.graph, offset)
            if node is None:
                return None
            only = a.graph.start_bytes[node]
        plan = self._plan(uri, 0.0 if only is not None else self.state.settings.min_confidence, only)
        if not plan.edits:
            return None
        old = a.graph.source.data
        new = apply_edits(old, plan, a.graph)
        return _minimal_edits(old, new)

    def completions(self, uri: str, offset: int) -> list[CompletionEntry]:
        a = self.analysis(uri)
        data = a.graph.source.data
        before = data[:offset]
        stripped = before.rstrip(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
        if stripped.endswith(b"."):
            return self._member_completions(a, uri, len(stripped) - 1)
        return self._keyword_completions(a, uri, offset)

    def _member_completions(self, a: Analysis, uri: str, dot: int) -> list[CompletionEntry]:
        """Members of the expression before ``dot`` (typed in a patched copy, see
        :mod:`typelens.typeinfer.queries`)."""
        data = a.graph.source.data
        facts = members_at(a.engine, self._key(uri), data, dot, document=Analysed(a.engine, a.graph))
        if facts is None:
            return []
        entries = sorted((CompletionEntry(m.name, m.kind, m.detail) for m in facts.members),
                         key=lambda e: (e.label.startswith("_"), e.label))
        lm = self.code_lm()
        if lm is None:
            return entries
        from typelens.monitors.ranking import name_scores
        text = data[:dot + 1].decode("utf-8", "replace")
        with self._lm_use:
            scores = name_scores(lm, text, [e.label for e in entries])
        order = sorted(range(len(entries)), key=lambda i: (entries[i].label.startswith("_"), -scores[i]))
        return [entries[i] for i in order]

    def guided_completion(self, uri: str, offset: int, max_tokens: int = 16) -> CompletionEntry | None:
        """A monitor-guided multi-token completion at ``offset`` (opt-in setting)."""
        lm = self.code_lm()
        if lm is None:
            return None
        from typelens.monitors.complete import complete
        a = self.analysis(uri)
        data = a.graph.source.data
        if not 0 < offset <= len(data):
            return None             # nothing analysed here (an empty or over-large document)
        typed = _WORD_BEFORE.search(data[max(0, offset - 256):offset].decode("utf-8", "replace")).group()   # typed so far
        with self._lm_use:
            result = complete(data, offset, path=self._key(uri), lm=lm, max_tokens=max_tokens, library=self._library,
                              document=Analysed(a.engine, a.graph))
        text = typed + result.text
        if not result.text.strip():
            return None
        return CompletionEntry(text, "guided", f"typelens guided completion ({len(result.generation.tokens)} tokens)")

    def _keyword_completions(self, a: Analysis, uri: str, offset: int) -> list[CompletionEntry]:
        """Keyword names of the call open at ``offset``."""
        facts = call_at(a.engine, self._key(uri), a.graph.source.data, offset)
        if facts is None:
            return []
        return [CompletionEntry(f"{p.name}=", "keyword-argument", p.type) for p in facts.parameters
                if p.kind in ("positional", "keyword_only")]

    def definition(self, uri: str, offset: int) -> tuple[Path, int, int] | None:
        """``(file, start byte, end byte)`` of what the identifier at ``offset`` names."""
        a = self.analysis(uri)
        g, path = a.graph, self._key(uri)
        node = _identifier_at(g, offset)
        if node is None:
            return None
        sym = g.symbol_at(node)
        if sym is not None and sym.definitions and sym.kind is not SymbolKind.IMPORT:
            d = sym.definitions[0]
            return Path(path), g.start_bytes[d], g.end_bytes[d]
        if sym is not None and sym.kind is SymbolKind.IMPORT:
            binding = next((b for b in g.imports if b.node in sym.definitions), None)
            target = a.engine.resolve_binding(path, g, binding) if binding is not None else None
            if isinstance(target, Definition):
                tg = a.engine.graph(str(target.path))
                return target.path, tg.start_bytes[target.node], tg.end_bytes[target.node]
            if isinstance(target, ModuleLocation) and target.path is not None:
                return target.path, 0, 0
        parent = g.parents[node]
        if g.kinds[parent] in ("attribute", "attribute_store"):
            value = _value_at(a.engine, path, g, parent)
            for m in members(value) if value is not None else ():
                if isinstance(m, FunctionRef):
                    tg = a.engine.graph(m.path)
                    return Path(m.path), tg.start_bytes[m.node], tg.end_bytes[m.node]
        return None


# -- helpers ---------------------------------------------------------------------------------
def _identifier_at(g: ProgramGraph, offset: int) -> int | None:
    for candidate in (offset, offset - 1):
        node = g.node_at(max(candidate, 0))
        if node in g.names:
            return node
    return None


def _value_at(engine: TypeEngine, path: str, g: ProgramGraph, node: int):
    kind = g.kinds[node]
    if kind in ("name_load", "attribute", "attribute_store", "call"):
        return engine.exprs.type_of(path, node)
    if kind == "name_store":
        return engine.names.definition_type(path, node)
    if kind == "parameter":
        return engine.parameter_type(path, node)
    return None


def _describe(engine: TypeEngine, value) -> tuple[str | None, str | None]:
    for m in members(value) if value is not None else ():
        if isinstance(m, FunctionRef):
            g = engine.graph(m.path)
            body = g.child_by_field(m.node, "body")
            header = g.source.data[g.start_bytes[m.node]:g.start_bytes[body] if body is not None else g.end_bytes[m.node]]
            return header.decode("utf-8", "replace").strip().rstrip(":"), _docstring(g, body)
        if isinstance(m, TypeOfClass):
            cls = m.cls
            where = engine.classes.definition(cls)
            if where is None:
                continue
            g = engine.graph(where[0])
            body = g.child_by_field(where[1], "body")
            header = g.source.data[g.start_bytes[where[1]]:g.start_bytes[body] if body is not None else g.end_bytes[where[1]]]
            return header.decode("utf-8", "replace").strip().rstrip(":"), _docstring(g, body)
    return None, None


def _docstring(g: ProgramGraph, body: int | None) -> str | None:
    if body is None or not g.children(body):
        return None
    first = g.children(body)[0]
    if g.kinds[first] == "expression_statement" and g.children(first) and g.kinds[g.children(first)[0]] == "string":
        text = g.text(g.children(first)[0])
        return text.strip("rbuRBU").strip("'\"").strip() or None
    return None


def _minimal_edits(old: bytes, new: bytes) -> list[tuple[int, int, str]]:
    """One edit replacing the changed middle of ``old`` (common prefix and suffix
    kept, cut on character boundaries)."""
    a, b = old.decode("utf-8"), new.decode("utf-8")
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    start = len(a[:prefix].encode("utf-8"))
    end = len(a[:len(a) - suffix].encode("utf-8"))
    return [(start, end, b[prefix:len(b) - suffix])]
