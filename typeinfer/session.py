"""The analysis session: the one object every edge asks.

An :class:`AnalysisSession` owns what analysing one project needs and what its
questions share: the settings, the project's Python environment, the project
index (module resolution, parsed graphs), the project graph (cross-file edges),
the answers about library files (stubs, the stdlib, installed packages: they do
not change while a session runs) and the models, each loaded once.  It is the
only place a :class:`~typelens.typeinfer.engine.TypeEngine` is built.  The
command line, the language server, the decoding monitors and the dataset builder
ask it for a :class:`FileAnalysis` (one file at one version) and that for
predictions, diagnostics, hover, definitions, members and calls, all in byte
offsets; the edges only translate positions and formats.

Example::

    session = AnalysisSession(Path("examples/shop"))
    analysis = session.analyse(Path("examples/shop/shop/pricing.py"))
    [p.type for p in analysis.predictions()][:2]          # ['float', 'float']
    analysis.hover(analysis.graph.source.data.index(b"apply_discount")).type
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator, TypeVar

from typelens.analyzer import (
    Diagnostic,
    Document,
    GraphConfig,
    ProgramGraph,
    ProjectGraph,
    ProjectIndex,
    TypelensError,
    build_graph,
    build_graph_safely,
    build_project_graph,
    project_scope,
)
from typelens.analyzer.cache import GraphCache, cache_root, code_fingerprint
from typelens.analyzer.environment import PythonEnvironment, discover_environment
from typelens.analyzer.layout import project_root_of  # re-exported: the edges ask the session module
from typelens.analyzer.typescript import is_script

from .engine import TypeEngine
from .predictions import FilePredictor, Prediction
from .queries import CallFacts, LibraryMembers, MemberFacts, call_at, members_at
from .settings import Settings

if TYPE_CHECKING:
    from .typescript.session import ScriptAnalysis, ScriptSide

logger = logging.getLogger(__name__)

T = TypeVar("T")
_FAILED = object()
# the engines' shared answers about library files (``LibraryMembers.answers``): at
# most this many memo entries (types; tens of megabytes), dropped all at once when
# a new engine would start over more (an editor session asks for ever more names)
LIBRARY_ANSWERS_LIMIT = 100_000


def graph_cache_for(settings: Settings) -> GraphCache | None:
    """The on-disk graph cache ``settings`` ask for: ``<cache-dir>/graphs`` for the
    project's files and ``<cache-dir>/library/graphs`` for library files (default
    the user cache folder), ``None`` with ``cache = false`` (``--no-cache``)."""
    if not settings.cache:
        return None
    folder = cache_root(settings.cache_dir)
    version = code_fingerprint(memo=folder / "library")
    return GraphCache(folder / "graphs", library_folder=folder / "library" / "graphs", version=version)


def model_cache_for(settings: Settings) -> Path | None:
    """Where the classifier's optimised graph is kept (:mod:`.neural.runtime`):
    ``<cache-dir>/library/models``, beside the library graphs, with the machine's
    caches that clearing a project's leaves alone; ``None`` with ``cache = false``."""
    if not settings.cache:
        return None
    return cache_root(settings.cache_dir) / "library" / "models"


class AnalysisSession:
    """One project's analysis (see the module docstring).

    ``root`` is the import root; ``scope`` the folder whose modules are the
    project (default: the root, or the installed package when the root is a
    site-packages folder); ``index`` an existing index to analyse over (the
    dataset builder keeps one per corpus project)."""

    def __init__(
        self,
        root: Path | None = None,
        settings: Settings | None = None,
        *,
        scope: Path | None = None,
        config: GraphConfig | None = None,
        index: ProjectIndex | None = None,
        environment: PythonEnvironment | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings()
        if index is None:
            if root is None:
                raise ValueError("root=None needs an index: pass the project's root folder")
            root = Path(root)
            if environment is None:
                environment = discover_environment(root, self.settings.python)
            logger.info("%s: %s", root, environment.describe())
            index = ProjectIndex(
                root,
                config=config or GraphConfig(),
                scope=scope,
                environment=environment,
                graph_cache=graph_cache_for(self.settings),
            )
        self.index = index
        self.root = index.root
        self.environment = index.environment
        self.project: ProjectGraph | None = None
        self.library = LibraryMembers()  # library types' members and the engines' answers about them
        self.scripts: ScriptSide | None = (
            None  # the TypeScript/JavaScript side, built on first use (typescript.session)
        )
        self._models: dict[str, object] = {}
        self._model_lock = threading.Lock()  # guards the dict below
        self._loading: dict[str, threading.Lock] = {}  # a lock per model: one loading holds no other up

    @classmethod
    def for_path(
        cls,
        path: Path,
        settings: Settings | None = None,
        *,
        root: Path | None = None,
        config: GraphConfig | None = None,
    ) -> "AnalysisSession":
        """The session of the project ``path`` belongs to (its import root found upwards)."""
        path = Path(path).resolve()
        root = Path(root).resolve() if root is not None else project_root_of(path)
        return cls(root, settings, scope=project_scope(root, path), config=config)

    # -- engines ------------------------------------------------------------------------
    def engine(self, buffers: dict[str, ProgramGraph] | None = None, *, share_library: bool = True) -> TypeEngine:
        """A fresh engine over the project; ``buffers`` maps resolved paths to graphs
        that answer for those files instead of the disk (editor buffers, patched
        copies).  Engines of one session share what they learn about library files,
        up to :data:`LIBRARY_ANSWERS_LIMIT` answers."""
        if share_library and len(self.library.answers) > LIBRARY_ANSWERS_LIMIT:
            logger.info("dropping %d shared library answers", len(self.library.answers))
            self.library.answers.clear()
        engine = TypeEngine(self.index, self.project, shared=self.library.answers if share_library else None)
        engine.session = self
        for path, graph in (buffers or {}).items():
            engine.use_graph(path, graph)
        return engine

    def build_project(self, files: list[Path] | None = None) -> ProjectGraph:
        """Join the project's graphs with cross-file edges (all of its modules, or ``files``)."""
        self.project = build_project_graph(self.index, files)
        return self.project

    # -- files --------------------------------------------------------------------------
    def analyse(
        self,
        path: Path,
        *,
        graph: ProgramGraph | None = None,
        display: str | None = None,
        engine: TypeEngine | None = None,
        mode: str = "static",
        settings: Settings | None = None,
    ) -> FileAnalysis | ScriptAnalysis:
        """The analysis of ``path``: from ``graph`` (an editor buffer) or the disk;
        ``engine`` shares one engine's answers across the files of a batch run;
        ``settings`` the file's own rule settings (a nested project's, its
        ``per-file-ignores``; default: the session's).  A script (``.ts``, ``.js`` ...)
        is analysed by the script side (``typeinfer.typescript``)."""
        if is_script(path):
            from .typescript.session import analyse_script

            script_graph: Any = graph  # a ScriptGraph: scripts' buffers come from buffer_graph
            return analyse_script(self, Path(path), graph=script_graph, display=display, mode=mode, settings=settings)
        resolved = str(Path(path).resolve())
        if graph is None:
            engine = engine or self.engine()
            graph = engine.graph(resolved)
            if graph is None:  # unreadable: an empty graph carrying the reason
                graph = build_graph_safely(Path(resolved), config=self.index.config, display=display)
                engine.use_graph(resolved, graph)
        else:
            engine = self.engine({resolved: graph})
        analysis = FileAnalysis(self, resolved, display or Path(path).name, graph, engine, mode)
        analysis.settings = settings
        return analysis

    def analyse_text(self, path: Path, data: bytes, mode: str = "static") -> FileAnalysis | ScriptAnalysis:
        """The analysis of ``data`` as the contents of ``path``."""
        if is_script(path):
            from .typescript.session import analyse_script_text

            return analyse_script_text(self, Path(path), data, mode)
        graph = build_graph(data.decode("utf-8", "replace"), str(Path(path).resolve()))
        return self.analyse(path, graph=graph, mode=mode)

    # -- editor buffers -------------------------------------------------------------------
    @staticmethod
    def document(path: Path, text: str):
        """An editor buffer of ``path`` in the file's language (``.ts``, ``.js`` ...:
        a script document), its tree re-parsed incrementally on each edit."""
        if is_script(path):
            from typelens.analyzer.typescript import ScriptDocument

            return ScriptDocument.from_text(text, str(path))
        return Document.from_text(text, str(path))

    @staticmethod
    def buffer_graph(path: Path, source, tree=None) -> ProgramGraph:
        """The graph of one buffer version of ``path`` (``source``: its Source or
        text; ``tree``: the document's tree of that text, when there is one)."""
        if is_script(path):
            from typelens.analyzer.typescript import build_script_graph

            return build_script_graph(source, str(path), tree=tree)
        return build_graph(source, str(path), tree=tree)

    def analyse_buffers(
        self, path: Path, buffers: dict[str, ProgramGraph], mode: str = "static"
    ) -> FileAnalysis | ScriptAnalysis:
        """The analysis of the buffer of ``path`` in ``buffers`` (the session's open
        documents by resolved path), whose engine reads the other buffers of the
        same language instead of their files."""
        resolved = str(Path(path).resolve())
        script = is_script(resolved)
        mine = {key: graph for key, graph in buffers.items() if is_script(key) == script}
        if script:
            from .typescript.session import analyse_script

            scripts: Any = mine  # ScriptGraphs: scripts' buffers come from buffer_graph
            return analyse_script(self, Path(resolved), graph=scripts[resolved], mode=mode, buffers=scripts)
        return FileAnalysis(self, resolved, Path(path).name, mine[resolved], self.engine(mine), mode)

    # -- models -------------------------------------------------------------------------
    def model(self, key: str, load: Callable[[], T]) -> T | None:
        """The model ``key``, loaded once by ``load`` (the monitors' code LM, the
        classifier); ``None`` when it cannot load (logged once; the features that
        need it step aside).  Models load apart: the code LM loading for a minute
        does not hold up the classifier a hover needs."""
        with self._model_lock:
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            found = self._models.get(key)
            if found is None:
                try:
                    found = load()
                except (TypelensError, ImportError, OSError, ValueError, RuntimeError) as err:
                    # a missing or damaged model must not stop the analysis
                    logger.warning("%s unavailable: %s", key, err)
                    found = _FAILED
                self._models[key] = found
        return None if found is _FAILED else found  # type: ignore[return-value]

    def neural(self):
        """The classifier (and slice model) for hybrid answers, or ``None``."""
        from .hybrid import NeuralAssistant

        optimized = model_cache_for(self.settings)
        return self.model("classifier", lambda: NeuralAssistant(self.settings.model_path, optimized_dir=optimized))

    def update_settings(self, settings: Settings) -> None:
        """New settings; models whose paths changed load again on next use."""
        old, self.settings = self.settings, settings
        if old.model_path != settings.model_path:
            self._models.pop("classifier", None)
        if (old.lm_path, old.device) != (settings.lm_path, settings.device):
            self._models.pop("code-lm", None)


class FileAnalysis:
    """One file at one version, and every question about it (byte offsets)."""

    language = "python"

    def __init__(
        self,
        session: AnalysisSession,
        path: str,
        display: str,
        graph: ProgramGraph,
        engine: TypeEngine,
        mode: str = "static",
    ) -> None:
        self.session, self.path, self.display = session, path, display
        self.graph, self.engine = graph, engine
        self.mode = mode  # what predictions() answers by default: static, neural or hybrid
        self._predictions: dict[str, list[Prediction]] = {}
        self._diagnostics: list[Diagnostic] | None = None
        self._checking: Iterator[None] | None = None  # ``diagnostic_steps``' run, once started
        self.partial = False  # the predictions ran past the file's budget (TypeEngine.file_budget)
        self.settings: Settings | None = None  # the file's rule settings, when not the session's
        self.item_answers: object | None = None  # what hovers worked out before the predictions (ide.item_answers)

    def predictions(self, mode: str | None = None, assistant=None) -> list[Prediction]:
        """Every parameter, return, variable and attribute of the file (``mode``
        default: the analysis's own).  ``hybrid`` and ``neural`` use ``assistant``
        (default: the session's classifier; static alone when it cannot load)."""
        mode = mode or self.mode
        if mode not in self._predictions:
            predictor = FilePredictor(self.engine, self.path, self.display)
            found = predictor.run()
            self.partial = self.partial or predictor.partial
            self._predictions[mode] = self._refined(found, mode, assistant)
        return self._predictions[mode]

    def predicted(self) -> bool:
        """Whether :meth:`predictions` is worked out (in the analysis's own mode)."""
        return self.mode in self._predictions

    def _refined(self, found: list[Prediction], mode: str, assistant=None) -> list[Prediction]:
        if mode != "static":
            assistant = assistant if assistant is not None else self.session.neural()
            if assistant is not None:
                found = assistant.refine(self.engine, self.path, found, mode)
        return found

    def prediction_steps(self, mode: str | None = None) -> Iterator[None]:
        """:meth:`predictions` worked out in steps, each a complete question of the
        engine (one function's answers; then the classifier's, a few rows at a
        time), so that an editor answers requests between them; ends early when
        they are known."""
        mode = mode or self.mode
        predictor = FilePredictor(self.engine, self.path, self.display)
        for _ in predictor.steps():
            if mode in self._predictions:
                return
            yield
        refining = self._refining(predictor.found(), mode)
        while mode not in self._predictions:
            try:
                next(refining)
            except StopIteration as done:
                self.partial = self.partial or predictor.partial
                self._predictions[mode] = done.value
                return
            yield

    def _refining(self, found: list[Prediction], mode: str) -> Generator[None, None, list[Prediction]]:
        """:meth:`_refined` in the assistant's steps where it has them (``refine_steps``)."""
        assistant = self.session.neural() if mode != "static" else None
        steps = getattr(assistant, "refine_steps", None)
        if steps is None:
            return self._refined(found, mode)
        return (yield from steps(self.engine, self.path, found, mode))

    def diagnostic_steps(self) -> Iterator[None]:
        """:meth:`diagnostics` worked out in steps (as :meth:`prediction_steps`); one
        run per analysis, resumed by whoever asks next when it was left unfinished."""
        if self._checking is None:
            self._checking = self._check_in_steps()
        return self._checking

    def _check_in_steps(self) -> Iterator[None]:
        from .checks import FileChecker

        checker = FileChecker(self.engine, self.path, self.display)
        for _ in checker.steps():
            if self._diagnostics is not None:
                return
            yield
        if self._diagnostics is None:
            self._diagnostics = self._unsuppressed(checker.found())

    def diagnostics(self, settings: Settings | None = None) -> list[Diagnostic]:
        """The ``analyze`` findings the settings enable (syntax problems included),
        less those the file's suppression comments switch off; ``settings``: the
        file's rule settings (default: the analysis's, else the session's)."""
        if self._diagnostics is None:
            from .checks import FileChecker

            self._diagnostics = self._unsuppressed(FileChecker(self.engine, self.path, self.display).run())
        chosen = settings or self.settings or self.session.settings
        return [d for d in self._diagnostics if chosen.is_enabled(d.code)]

    def _unsuppressed(self, found: list[Diagnostic]) -> list[Diagnostic]:
        """``found`` less what the file's suppression comments switch off."""
        from .suppressions import apply_suppressions, parsed_cleanly

        data, clean = self.graph.source.data, parsed_cleanly(self.graph.diagnostics)
        return apply_suppressions(found, data, self.display, is_clean=clean)

    def members_at(self, dot: int) -> MemberFacts | None:
        from .queries import Analysed

        return members_at(
            self.engine, self.path, self.graph.source.data, dot, document=Analysed(self.engine, self.graph)
        )

    def call_at(self, offset: int) -> CallFacts | None:
        return call_at(self.engine, self.path, self.graph.source.data, offset)

    # the editor's questions live in typelens.typeinfer.ide, one module each
    def hover(self, offset: int):
        from .ide.hover import hover

        return hover(self, offset)

    def definition(self, offset: int):
        from .ide.navigation import definition

        return definition(self, offset)

    def inlay_hints(self, start: int, end: int, min_confidence: float | None = None):
        from .ide.annotate import inlay_hints

        return inlay_hints(self, start, end, min_confidence)

    def annotate(self, offset: int | None):
        from .ide.annotate import annotate

        return annotate(self, offset)

    def completions(self, offset: int):
        from .ide.completion import completions

        return completions(self, offset)

    def resolve_completion(self, ref: tuple[str, int, bool]):
        from .ide.completion import resolve

        return resolve(self, ref)

    def type_definition(self, offset: int):
        from .ide.navigation import type_definition

        return type_definition(self, offset)

    def signature_help(self, offset: int):
        from .ide.signature_help import signature_help

        return signature_help(self, offset)

    def document_symbols(self):
        from .ide.symbols import document_symbols

        return document_symbols(self)

    def references(self, offset: int, include_declaration: bool = True):
        from .ide.references import references

        return references(self, offset, include_declaration)

    def highlights(self, offset: int):
        from .ide.references import highlights

        return highlights(self, offset)

    def prepare_rename(self, offset: int):
        from .ide.references import prepare_rename

        return prepare_rename(self, offset)

    def rename(self, offset: int, new_name: str):
        from .ide.references import rename

        return rename(self, offset, new_name)

    def semantic_tokens(self, start: int = 0, end: int | None = None):
        from .ide.semantic_tokens import semantic_tokens

        return semantic_tokens(self, start, end)
