"""The script side of a project: its files, their graphs, and names across files.

:class:`ScriptIndex` is to scripts what :class:`~typelens.analyzer.ProjectIndex` is
to Python modules: it lists the project's script files, builds each file's
graph lazily (memoised by content hash in a bounded cache), resolves specifiers
through one :class:`~.resolve.ScriptResolver`, and follows exported names
through re-exports, ``export *`` and CommonJS ``module.exports`` to the node
that defines them, with a guard against export cycles.  Ambient modules
(``declare module "x" { ... }`` in a ``.d.ts``) answer for their specifier.

Example::

    index = ScriptIndex(Path("web"))
    index.resolve_binding(graph, graph.imports[0])   # Definition in web/src/util.ts
    index.resolve_export(Path("web/src/index.ts"), "Button")
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from pathlib import Path

from ..builder import DEFAULT_CONFIG, GraphConfig
from ..graph import ImportBinding, ProgramGraph, SymbolKind
from ..layout import iter_script_files as iter_script_files  # re-exported: moved to the light layout module
from ..project import Definition
from .builder import ScriptGraph, build_script_graph, build_script_graph_safely
from .exports import DECLARATIONS, ModuleExports, module_exports
from .parsing import is_declaration_file
from .resolve import ScriptModule, ScriptResolver

logger = logging.getLogger(__name__)

# modules one export lookup visits: a barrel file re-exports dozens (mobx's `internal.ts`:
# 50 `export *`), each visited once; the bound only stops a pathological project
_MAX_HOPS = 1024


class ScriptIndex:
    """Graphs and cross-file names of one project's scripts (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        *,
        config: GraphConfig = DEFAULT_CONFIG,
        max_graphs: int = 512,
        overlay: dict[Path, bytes] | None = None,
    ) -> None:
        """``overlay``: files read from memory instead of the disk (``--apply``'s
        rounds: each file as it would be written), by resolved path."""
        self.root = Path(root).resolve()
        self.overlay = {Path(p).resolve(): data for p, data in (overlay or {}).items()}
        self.config = config
        self.resolver = ScriptResolver(self.root)
        self.max_graphs = max_graphs
        self._graphs: OrderedDict[Path, tuple[str, ScriptGraph]] = OrderedDict()
        self._exports: dict[int, tuple[ProgramGraph, ModuleExports]] = {}
        self._files: list[Path] | None = None
        self._ambient: dict[str, tuple[Path, int]] | None = None

    # -- files ----------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The project's script files (not its ``.d.ts`` files)."""
        if self._files is None:
            self._files = [p.resolve() for p in iter_script_files(self.root)] if self.root.is_dir() else []
        return self._files

    def graph_of(self, path: Path | str) -> ScriptGraph | None:
        """The graph of ``path``, built once per content; ``None`` when it cannot be read."""
        path = Path(path).resolve()
        data = self.overlay.get(path)
        try:
            key = hashlib.blake2b(path.read_bytes() if data is None else data, digest_size=16).hexdigest()
        except OSError:
            return None
        hit = self._graphs.get(path)
        if hit is not None and hit[0] == key:
            self._graphs.move_to_end(path)
            return hit[1]
        if data is None:
            graph = build_script_graph_safely(path, config=self.config)
        else:
            graph = build_script_graph(data, str(path), config=self.config)
        self._graphs[path] = (key, graph)
        while len(self._graphs) > self.max_graphs:
            self._graphs.popitem(last=False)
        return graph

    def exports_of(self, graph: ProgramGraph) -> ModuleExports:
        # keyed by identity, the graph kept beside its answer: a freed graph's address
        # may be reused by another one, whose exports must not be this one's
        found = self._exports.get(id(graph))
        if found is None or found[0] is not graph:
            if len(self._exports) > 4 * self.max_graphs:
                self._exports.clear()
            found = self._exports[id(graph)] = (graph, module_exports(graph))
        return found[1]

    # -- resolution -----------------------------------------------------------------------
    def resolve(self, specifier: str, importer: Path | str) -> ScriptModule | None:
        found = self.resolver.resolve(specifier, Path(importer))
        if found is None or found.path is None:
            declared = self.ambient().get(specifier) or self.ambient().get(specifier.removeprefix("node:"))
            if declared is not None:
                return ScriptModule(specifier, declared[0], "types")
        return found

    def ambient(self) -> dict[str, tuple[Path, int]]:
        """``declare module "x"`` blocks of the project's and ``@types``' declaration files."""
        if self._ambient is None:
            self._ambient = {}
            candidates = (
                [p for p in iter_script_files(self.root, declarations=True) if is_declaration_file(p)]
                if self.root.is_dir()
                else []
            )
            types = self.root / "node_modules" / "@types" / "node"
            if types.is_dir():
                candidates += sorted(types.glob("*.d.ts"))
            for path in candidates[:400]:
                graph = self.graph_of(path)
                if graph is not None:
                    for name, body in self.exports_of(graph).ambient.items():
                        self._ambient.setdefault(name, (path.resolve(), body))
        return self._ambient

    def module_body(self, path: Path, specifier: str) -> int:
        """The node whose statements make the module: the file, or its ambient block."""
        declared = self.ambient().get(specifier) or self.ambient().get(specifier.removeprefix("node:"))
        return declared[1] if declared is not None and declared[0] == path.resolve() else 0

    def exports_at(self, path: Path, specifier: str = "") -> tuple[ScriptGraph, ModuleExports] | None:
        graph = self.graph_of(path)
        if graph is None:
            return None
        body = self.module_body(path, specifier) if specifier else 0
        return graph, (self.exports_of(graph) if body == 0 else module_exports(graph, body))

    def resolve_export(self, path: Path, name: str, specifier: str = "") -> Definition | ScriptModule | None:
        """What ``name`` exported by the module at ``path`` is: a :class:`Definition`
        (its node in some file), a namespace (:class:`ScriptModule`) or ``None``."""
        todo = [(Path(path), specifier, name)]
        seen: set[tuple[Path, str]] = set()
        while todo and len(seen) < _MAX_HOPS:
            where, spec, wanted = todo.pop(0)
            if (where, wanted) in seen:
                continue
            seen.add((where, wanted))
            found = self.exports_at(where, spec)
            if found is None:
                continue
            graph, exports = found
            hit = exports.names.get(wanted) or (exports.names.get("=") if wanted == "default" else None)
            if hit is not None and hit.node is not None:
                return Definition(spec or str(where), where.resolve(), hit.node, wanted, _kind_of(graph, hit.node))
            if hit is not None and hit.module is not None:
                target = self.resolve(hit.module, where)
                if target is not None and target.path is not None:
                    if hit.imported is None:
                        return target
                    todo.insert(0, (target.path, hit.module if target.origin == "types" else "", hit.imported))
                continue
            for star in exports.stars:
                target = self.resolve(star, where)
                if target is not None and target.path is not None:
                    todo.append((target.path, "", wanted))
        return None

    def resolve_binding(self, graph: ProgramGraph, binding: ImportBinding) -> Definition | ScriptModule | None:
        """What an import binds: a definition, or a whole module for ``import * as ns``."""
        target = self.resolve(binding.module, graph.path)
        if target is None or target.path is None:
            return target
        if binding.name is None:
            return target
        spec = binding.module if target.origin == "types" and self.module_body(target.path, binding.module) else ""
        return self.resolve_export(target.path, binding.name, spec)


def _kind_of(graph: ProgramGraph, node: int) -> SymbolKind:
    kind = graph.kinds[node]
    if kind in ("class_declaration", "abstract_class_declaration", "enum_declaration"):
        return SymbolKind.CLASS
    if kind in ("interface_declaration", "type_alias_declaration"):
        return SymbolKind.TYPE
    if kind in DECLARATIONS:
        return SymbolKind.FUNCTION
    return SymbolKind.VARIABLE
