"""The script side of an :class:`~typelens.typeinfer.session.AnalysisSession`.

The session dispatches a ``.ts``/``.tsx``/``.js``/``.jsx``/``.mjs``/``.cjs``
file here (by suffix) and gets a :class:`~.analysis.ScriptAnalysis` back, with
the same questions as a Python file's ``FileAnalysis``.  :class:`ScriptSide`
holds what the session's scripts share: the :class:`ScriptIndex` (graphs by
content hash, the resolver), one engine for batch runs (files on disk do not
change during a run), the script project graph (call sites across files), and
the library declarations, read once per process per TypeScript lib folder.

Example::

    session = AnalysisSession(Path("web"))
    analysis = session.analyse(Path("web/src/app.ts"))      # a ScriptAnalysis
    [p.type for p in analysis.predictions()][:3]
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import ProjectGraph
from typelens.analyzer.typescript import ScriptGraph, build_script_graph, build_script_graph_safely
from typelens.analyzer.typescript.project import ScriptIndex
from typelens.analyzer.typescript.project_graph import build_script_project_graph

from .engine import ScriptEngine
from .lib import LibDeclarations, find_typescript_lib

if TYPE_CHECKING:
    from ..session import AnalysisSession
    from .analysis import ScriptAnalysis

logger = logging.getLogger(__name__)

MAX_PROJECT_FILES = 3000
_LIBS: dict[Path | None, LibDeclarations] = {}
_LIBS_LOCK = threading.Lock()


def library_for(root: Path | None) -> LibDeclarations:
    """The library declarations for a project (one per lib folder per process)."""
    folder = find_typescript_lib(root)
    with _LIBS_LOCK:
        found = _LIBS.get(folder)
        if found is None:
            found = _LIBS[folder] = LibDeclarations(folder)
    return found


def script_root(start: Path, levels: int = 12) -> Path:
    """The folder of the nearest ``package.json`` or ``tsconfig.json`` from ``start``
    upwards (``start`` itself when there is none): where a script project begins."""
    current = start.resolve()
    for _ in range(levels):
        if any((current / name).is_file() for name in ("package.json", "tsconfig.json", "jsconfig.json")):
            return current
        if current.parent == current:
            break
        current = current.parent
    return start.resolve()


class ScriptSide:
    """What the scripts of one session share (see the module docstring)."""

    def __init__(
        self, session: "AnalysisSession", overlay: dict[Path, bytes] | None = None, max_graphs: int = 512
    ) -> None:
        """``overlay``: files read from memory (``ScriptIndex``); ``max_graphs``
        bounds the index's graph cache."""
        self.session = session
        root = script_root(Path(session.root))
        self.index = ScriptIndex(root, config=session.index.config, overlay=overlay, max_graphs=max_graphs)
        self.lib = library_for(root)
        self._engine: ScriptEngine | None = None
        self._project: ProjectGraph | None = None
        self._lock = threading.Lock()

    def engine(self, overlays: dict[str, ScriptGraph] | None = None) -> ScriptEngine:
        """The shared batch engine, or a fresh one over editor buffers (``overlays``)."""
        if overlays:
            engine = ScriptEngine(self.index, self.lib, overlays)
            engine.project = self._project
            return engine
        with self._lock:
            if self._engine is None:
                self._engine = ScriptEngine(self.index, self.lib)
                self._engine.project = self.project()
            return self._engine

    def project(self) -> ProjectGraph | None:
        """The script project graph, built on first use (``None`` past the size limit)."""
        if self._project is None and len(self.index.files()) <= MAX_PROJECT_FILES and self.index.files():
            self._project = build_script_project_graph(self.index)
        return self._project


def script_side(session: "AnalysisSession") -> ScriptSide:
    side = getattr(session, "scripts", None)
    if side is None:
        side = session.scripts = ScriptSide(session)
    return side


def analyse_script(
    session: "AnalysisSession",
    path: Path,
    *,
    graph: ScriptGraph | None = None,
    display: str | None = None,
    mode: str = "static",
    settings=None,
    buffers: dict[str, ScriptGraph] | None = None,
) -> "ScriptAnalysis":
    """The analysis of script ``path``: from ``graph`` (an editor buffer; ``buffers``:
    every open script of the session, read instead of their files) or the disk."""
    from .analysis import ScriptAnalysis

    side = script_side(session)
    resolved = str(Path(path).resolve())
    if graph is None:
        engine = side.engine()
        graph = engine.graph(resolved)
        if graph is None:
            graph = build_script_graph_safely(Path(resolved), config=session.index.config, display=display)
            engine = side.engine({resolved: graph})
    else:
        engine = side.engine({**(buffers or {}), resolved: graph})
    analysis = ScriptAnalysis(session, resolved, display or Path(path).name, graph, engine, mode)
    analysis.settings = settings
    return analysis


def analyse_script_text(session: "AnalysisSession", path: Path, data: bytes, mode: str = "static") -> "ScriptAnalysis":
    graph = build_script_graph(data.decode("utf-8", "replace"), str(Path(path).resolve()))
    return analyse_script(session, path, graph=graph, mode=mode)
