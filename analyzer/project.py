"""The project index: module names to files, and names to their definitions.

:class:`ProjectIndex` maps dotted module names to files inside a project root
(packages, namespace packages, a ``src/`` layout), then to typeshed stubs
(``typeshed-client``: the bundled stdlib stubs and installed ``*-stubs``
packages), then to installed packages' own sources.  Nothing is imported or
executed: modules are found by looking at the file system, exactly as the import
system would, and read with our own parser.

Graphs are built lazily, per file, and memoised by content hash in a bounded
cache.  :meth:`ProjectIndex.resolve_name` follows ``from x import y`` chains
through ``__init__`` re-exports, ``__all__`` and star imports, with a guard
against import cycles.

Example::

    index = ProjectIndex("examples/shop")
    index.resolve_module("shop.models")        # ModuleLocation(origin='project', ...)
    index.resolve_name("shop", "Order")        # Definition in shop/models.py
"""

from __future__ import annotations

import ast
import logging
import os
import re
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeGuard

# The finder alone (its folder is the package's): the package's __init__ also
# imports the stub parser and resolver, which typelens does not use and a batch
# command leaves unrun (cli/deferred.py).
import typeshed_client.finder as typeshed_client

from .builder import DEFAULT_CONFIG, GraphConfig, build_graph, build_graph_safely
from .cache import GraphCache, content_digest
from .environment import PythonEnvironment, discover_environment
from .errors import InputError
from .graph import ImportBinding, ProgramGraph, SymbolKind
from .layout import (
    PYTHON_SKIP_DIRS,
    holds_python_files,
    module_files,
    is_library_root,
    iter_python_files,
    module_name_for,
)
from .layout import iter_source_files as iter_source_files  # re-exported (analyzer.typescript lists scripts)
from .layout import project_scope as project_scope  # re-exported (typelens.analyzer)
from .source import listed_file_problem
from .version_gates import live_definitions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModuleLocation:
    """Where a module lives.  ``origin`` is project, stub, installed or builtin."""

    name: str
    path: Path | None
    origin: str
    is_package: bool = False


@dataclass(frozen=True, slots=True)
class Definition:
    """A name resolved to the node that defines it in some file."""

    module: str
    path: Path
    node: int  # the defining node: function/class definition or name_store
    name: str
    kind: SymbolKind


@dataclass(frozen=True, slots=True)
class _Exports:
    """A module's top-level names (live under the running Python), its star
    imports as ``(module, level)``, and the names a ``from <it> import *``
    binds (``starred``)."""

    names: frozenset[str]
    stars: tuple[tuple[str, int], ...]
    starred: frozenset[str]

    def to_json(self) -> dict:
        return {"names": sorted(self.names), "stars": [list(s) for s in self.stars], "starred": sorted(self.starred)}

    @staticmethod
    def from_json(table: dict) -> _Exports | None:
        """The table :meth:`to_json` wrote; ``None`` when it is not of that shape."""
        names, stars, starred = table.get("names"), table.get("stars"), table.get("starred")
        if not (_strings(names) and _strings(starred) and isinstance(stars, list)):
            return None
        pairs = []
        for star in stars:
            if not (isinstance(star, list) and len(star) == 2 and isinstance(star[0], str) and type(star[1]) is int):
                return None
            pairs.append((star[0], star[1]))
        return _Exports(frozenset(names), tuple(pairs), frozenset(starred))


def _strings(values: object) -> TypeGuard[list[str]]:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _content_key(path: Path) -> str:
    return content_digest(path.read_bytes())


_NOT_CACHED = frozenset({"internal-error", "unreadable-file"})


def _stamp_of(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


_SETTLED_NS = 1_000_000_000  # a folder's listing is kept once its mtime is this old
_STAR_IMPORT = re.compile(rb"\bimport[\s\\(]*\*")


class ProjectIndex:
    """Module and name resolution over one project root (see the module docstring)."""

    def __init__(
        self,
        root: str | Path,
        *,
        search_paths: list[Path] | None = None,
        config: GraphConfig = DEFAULT_CONFIG,
        cache_size: int = 256,
        use_stubs: bool = True,
        scope: Path | None = None,
        environment: PythonEnvironment | None = None,
        overlay: dict[Path, bytes] | None = None,
        graph_cache: GraphCache | None = None,
    ) -> None:
        """``scope``: only the modules under this folder of the root are the project's
        (an installed package inside site-packages: the rest of site-packages stays a
        library, found through the search paths, not a project to walk).
        ``environment``: the analysed project's Python environment (default: the
        one :func:`discover_environment` finds for ``root``); ``search_paths``
        replaces its folders when given.  ``overlay``: files read from memory
        instead of the disk (see :meth:`set_overlay`).  ``graph_cache``: the
        on-disk cache graphs of files read from the disk are loaded from and
        stored in (``None``: every graph is built)."""
        root = Path(root)
        if not root.exists():
            raise InputError(f"project root {str(root)!r} does not exist")
        if cache_size < 1:
            raise ValueError(f"cache_size={cache_size!r} must be at least 1")
        self.root = root.resolve() if root.is_dir() else root.resolve().parent
        self.config = config
        self.source_roots = [self.root] + ([self.root / "src"] if (self.root / "src").is_dir() else [])
        if environment is None:
            environment = discover_environment(self.root)
            logger.info("%s", environment.describe())
        self.environment = environment
        self.search_paths = search_paths if search_paths is not None else environment.search_paths
        self._stub_context = _stub_context(environment, self.search_paths) if use_stubs else None
        self._modules: dict[str, Path] | None = None
        self._module_names: dict[Path, str] | None = None
        self._names_of_paths: dict[str, str] = {}
        self._roots: list[Path] | None = None
        self._packages: frozenset[str] | None = None  # every dotted prefix of a module name
        self._tables: OrderedDict[tuple[Path, str], _Exports] = OrderedDict()
        self._graphs: OrderedDict[tuple[Path, str], ProgramGraph] = OrderedDict()
        self._cache_size = cache_size
        self.graph_cache = graph_cache
        self._located: dict[str, ModuleLocation | None] = {}
        self._local: dict[tuple[str, str], str] = {}  # (folder, absolute import) -> the module found there
        self._listings: dict[str, tuple[int, frozenset[str]]] = {}  # folder -> (its mtime, its entries)
        self._hashes: dict[Path, tuple[tuple[int, int], str]] = {}
        self._outside: set[Path] = set()  # files outside the root, hashed once
        # a batch run's files do not change while it answers: each is looked at once
        # (a long-lived session, the language server's, looks again on every read)
        self.still = False
        self.scope = scope.resolve() if scope is not None else self.root
        self._library: dict[Path, bool] = {}  # path -> outside the scope (is_library_file)
        # a scratch folder's other modules, beside a narrower scope: found when imported, never listed
        # (a library root's are libraries, found through the search paths and stubs)
        beside = self.scope != self.root and not is_library_root(self.root)
        self._beside = sorted(self.source_roots, key=lambda r: -len(r.parts)) if beside else []
        self.evictions = 0  # graphs dropped from the bounded cache so far
        self._overlay: dict[Path, bytes] = {}
        # told of every file whose content is read (a graph, an export table): an
        # engine recording what its answers read (typeinfer.reads) sets it
        self.on_read: Callable[[Path], None] | None = None
        for path, data in (overlay or {}).items():
            self.set_overlay(path, data)

    # -- modules -----------------------------------------------------------------
    @property
    def modules(self) -> dict[str, Path]:
        """Project module names to files (``.pyi`` wins over ``.py``)."""
        if self._modules is None:
            modules: dict[str, Path] = {}
            for path in iter_python_files(self.scope):
                src_root = max((r for r in self.source_roots if path.is_relative_to(r)), key=lambda r: len(r.parts))
                name = module_name_for(path, src_root)
                if name and (name not in modules or path.suffix == ".pyi"):
                    modules[name] = path
            self._modules = modules
        return self._modules

    def module_name(self, path: str | Path) -> str:
        """The dotted module name of any file: a project module's own name, else
        its path under the most specific of the typeshed stubs, the project's
        source roots and the environment's folders (``foo-stubs`` read as
        ``foo``), else its stem.  The one module-naming function."""
        key = str(path)
        name = self._names_of_paths.get(key)
        if name is None:
            name = self._names_of_paths[key] = self._module_name(Path(path))
        return name

    def _module_name(self, path: Path) -> str:
        if self._module_names is None:
            self._module_names = {candidate: name for name, candidate in self.modules.items()}
        known = self._module_names.get(path) or self._module_names.get(path.resolve())
        if known is not None:
            return known
        for root in self._naming_roots():
            try:
                rel = path.relative_to(root)
            except ValueError:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and parts[0].endswith("-stubs"):
                parts[0] = parts[0][:-6]
            return ".".join(parts)
        return path.stem

    def _naming_roots(self) -> list[Path]:
        if self._roots is None:
            stubs = [Path(self._stub_context.typeshed)] if self._stub_context is not None else []
            self._roots = sorted([*stubs, *self.source_roots, *self.search_paths], key=lambda r: -len(r.parts))
        return self._roots

    def imported_module(self, path: str | Path, binding: ImportBinding) -> str:
        """The absolute name of the module an import statement in ``path`` names
        (``pkg.sub`` for ``from .sub import x`` in ``pkg/mod.py``)."""
        importer = self.module_name(path)
        if binding.level == 0:
            return self.local_module(path, binding.module)
        return self.absolute_module(importer, binding.module, binding.level, importer_is_package=_is_init(path))

    def local_module(self, path: str | Path, module: str) -> str:
        """``module`` as the absolute import in ``path`` finds it: its own name when
        the project, the stubs or the environment have it, else the project's
        name for the module of that name in the importing file's folder or the
        nearest folder above it inside the root, as pyright falls back to (a
        script's folder is on ``sys.path`` when it runs: ``import helpers`` beside
        ``main.py`` in a package folder), else ``module`` unchanged."""
        first = module.split(".")[0]
        if not first or self.resolve_module(first) is not None:
            return module
        folder = Path(path).parent
        key = (str(folder), module)
        found = self._local.get(key)
        if found is None:
            found = self._local[key] = self._find_local(folder, module)
        return found

    def _find_local(self, folder: Path, module: str) -> str:
        first, _, rest = module.partition(".")
        while folder.is_relative_to(self.root):
            here = folder / first
            if self._may_hold(folder, first) and (
                here.is_dir() or any(c.is_file() for c, _ in module_files(folder, Path(first)))
            ):
                name = self.module_name(here / "__init__.py")
                if name.rpartition(".")[2] == first and self.resolve_module(name) is not None:
                    return f"{name}.{rest}" if rest else name
            if folder == self.root:
                break
            folder = folder.parent
        return module

    def resolve_import(
        self, path: str | Path, binding: ImportBinding, resolve_name=None
    ) -> ModuleLocation | Definition | None:
        """What the name bound by ``binding`` (an import in ``path``) refers to: the
        one import resolver.  ``from m import x`` is ``m``'s attribute ``x`` when
        ``m`` binds it, else the submodule ``m.x``, as Python does, except in
        ``m``'s own ``__init__`` (``from . import path`` in ``os``), where the
        attribute is not bound yet and the submodule is meant; ``import a.b``
        binds ``a``.  ``resolve_name`` replaces :meth:`resolve_name` (an engine
        answering from editor buffers)."""
        module = self.imported_module(path, binding)
        if binding.name is None:
            first = binding.module.split(".")[0]
            return self.resolve_module(self.local_module(path, first) if binding.bound == first else module)
        if not module:
            return None
        submodule = f"{module}.{binding.name}"
        if module == self.module_name(path):
            found = self.resolve_module(submodule)
            if found is not None:
                return found
        target = (resolve_name or self.resolve_name)(module, binding.name)
        return target if target is not None else self.resolve_module(submodule)

    def absolute_module(self, importer: str, module: str, level: int, *, importer_is_package: bool = False) -> str:
        """The absolute name of ``from <level dots><module> import`` inside ``importer``."""
        if level == 0:
            return module
        parts = importer.split(".") if importer else []
        keep = len(parts) - level + (1 if importer_is_package else 0)
        base = parts[: max(keep, 0)]
        return ".".join(base + ([module] if module else []))

    def resolve_module(self, name: str) -> ModuleLocation | None:
        """Find module ``name``: project, then stubs, then installed sources."""
        if not name or not all(part.isidentifier() for part in name.split(".")):
            return None
        if name in self._located:
            return self._located[name]
        found = self._locate(name)
        self._located[name] = found
        return found

    def _locate(self, name: str) -> ModuleLocation | None:
        path = self.modules.get(name)
        if path is not None:
            return ModuleLocation(name, path, "project", path.stem == "__init__")
        if self._packages is None:
            self._packages = frozenset(m.rsplit(".", i)[0] for m in self.modules for i in range(1, m.count(".") + 1))
        if name in self._packages:
            return ModuleLocation(name, None, "project", True)  # namespace package
        beside = self._beside_scope(name) if self._beside else None
        if beside is not None:
            return beside
        if self._stub_context is not None:
            stub = typeshed_client.get_stub_file(name, search_context=self._stub_context)
            if stub is not None:
                return ModuleLocation(name, Path(stub), "stub", stub.name == "__init__.pyi")
        rel = Path(*name.split("."))
        for base in self.search_paths:
            if not self._may_hold(base, rel.parts[0]):
                continue
            for candidate, is_pkg in module_files(base, rel):
                if candidate.is_file():
                    return ModuleLocation(name, candidate, "installed", is_pkg)
        if name in sys.builtin_module_names:
            return ModuleLocation(name, None, "builtin")
        return None

    def _may_hold(self, folder: Path, first: str) -> bool:
        """Whether ``folder`` has an entry module ``first`` (a top-level name) could be:
        ``first``, ``first.py`` or ``first.pyi``.  The folder's names are listed once
        and listed again when its mtime changes, as the import system's own finder
        does: 50,000 missing modules cost a ``stat`` each per folder, not the five
        of the files each could be.  A folder changed within the last second is
        listed afresh each time (a file added in the same clock tick leaves the
        mtime as it was).  An unreadable folder may hold anything."""
        key = str(folder)
        try:
            stamp = os.stat(key).st_mtime_ns
            listed = self._listings.get(key)
            if listed is None or listed[0] != stamp:
                listed = (stamp, frozenset(os.listdir(key)))
                if time.time_ns() - stamp > _SETTLED_NS:
                    self._listings[key] = listed
        except OSError:
            return True
        names = listed[1]
        return first in names or f"{first}.py" in names or f"{first}.pyi" in names

    def _beside_scope(self, name: str) -> ModuleLocation | None:
        """Module ``name`` in the root outside the scope (a sibling of a package in a
        scratch folder), looked up as :attr:`modules` would list it (no virtualenv
        or build folder, no link out of the root), a namespace package when a
        folder of that name holds Python files."""
        rel = Path(*name.split("."))
        if any(part in PYTHON_SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            return None
        bases = [base for base in self._beside if self._may_hold(base, rel.parts[0])]
        for base in bases:
            inside = Path(os.path.realpath(base))
            for candidate, is_pkg in module_files(base, rel):
                if (is_pkg and rel.name in PYTHON_SKIP_DIRS) or candidate.is_relative_to(self.scope):
                    continue
                if os.path.isfile(candidate) and listed_file_problem(candidate, inside) is None:
                    return ModuleLocation(name, candidate, "project", is_pkg)
        for base in bases:
            folder = base / rel
            if rel.name not in PYTHON_SKIP_DIRS and not folder.is_relative_to(self.scope) and folder.is_dir():
                if holds_python_files(folder, Path(os.path.realpath(base))):
                    return ModuleLocation(name, None, "project", True)  # namespace package
        return None

    def stub_of(self, name: str) -> Path | None:
        """The typeshed (or ``*-stubs`` package) stub describing module ``name``,
        whatever provides its implementation."""
        if self._stub_context is None or not name:
            return None
        stub = typeshed_client.get_stub_file(name, search_context=self._stub_context)
        return Path(stub) if stub is not None else None

    def resolve_binding(self, graph: ProgramGraph, binding: ImportBinding) -> ModuleLocation | Definition | None:
        """What the name bound by ``binding`` (in ``graph``) refers to."""
        return self.resolve_import(graph.path or "", binding)

    # -- graphs ------------------------------------------------------------------
    def _key(self, path: Path) -> tuple[Path, str]:
        """``(path, content hash)``; the hash is recomputed only when the file's
        size or modification time changed.  Files outside the project (stubs,
        the stdlib, installed packages) are hashed once: they do not change while
        a session runs, and every query reaches them; so are the project's own
        files when the index is :attr:`still` (a batch run: a cold ``analyze`` of
        asyncio looked at its files' stamps 5,100 times, 4% of the run, mostly
        walking star-import chains)."""
        if self.on_read is not None:
            self.on_read(path)
        data = self._overlay.get(path)
        if data is not None:
            return path, content_digest(data)
        known = self._hashes.get(path)
        if known is not None and (self.still or path in self._outside):
            return path, known[1]
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if known is None or known[0] != stamp:
            known = (stamp, _content_key(path))
            self._hashes[path] = known
            if not path.is_relative_to(self.root):
                self._outside.add(path)
        return path, known[1]

    def files_read(self) -> dict[Path, tuple[tuple[int, int], str]]:
        """Every file read from the disk so far, with its ``(mtime_ns, size)`` and
        content hash then: what an answer cached from this index depended on."""
        return dict(self._hashes)

    def graph_of(self, path: Path) -> ProgramGraph | None:
        """The graph of ``path``, memoised by content; ``None`` if unreadable."""
        try:
            key = self._key(path)
        except OSError as err:
            logger.warning("cannot read %s: %s", path, err)
            return None
        graph = self._graphs.get(key)
        if graph is not None:
            self._graphs.move_to_end(key)
            return graph
        data = self._overlay.get(path)
        if data is not None:
            graph = build_graph(data, str(path), config=self.config)
        else:
            graph = self._graph_from_disk(path, key[1])
        self._remember(key, graph)
        return graph

    def _graph_from_disk(self, path: Path, digest: str) -> ProgramGraph:
        """The graph of ``path`` (content hash ``digest``): from the graph cache when
        it holds it, else built (and stored when the file did not change meanwhile
        and building it went without an internal error)."""
        cache = self.graph_cache
        if cache is None:
            return build_graph_safely(path, config=self.config)
        key, library = cache.key(digest, str(path), self.config), self.is_library_file(path)
        graph = cache.load(key, library=library)
        if graph is None:
            stamp = self._hashes[path][0]
            graph = build_graph_safely(path, config=self.config)
            if not any(d.code in _NOT_CACHED for d in graph.diagnostics) and _stamp_of(path) == stamp:
                cache.store(key, graph, library=library)
        return graph

    def is_library_file(self, path: Path) -> bool:
        """Whether ``path`` is outside the project's modules (a stub, the stdlib, an
        installed package): its graph goes to the machine's library cache.  Kept
        per path (``is_relative_to`` makes a path of its argument each time)."""
        found = self._library.get(path)
        if found is None:
            found = self._library[path] = not path.is_relative_to(self.scope)
        return found

    def _remember(self, key: tuple[Path, str], graph: ProgramGraph) -> None:
        self._graphs[key] = graph
        if len(self._graphs) > self._cache_size:
            self._graphs.popitem(last=False)
            self.evictions += 1

    def set_overlay(self, path: Path, data: bytes) -> None:
        """Read ``path`` as ``data`` from now on (a file as it would be written):
        every question about it (graphs, exports, the project graph) sees the
        overlay, exactly as a later run would see the disk.  The graph of the
        text it replaces is dropped."""
        if path in self._overlay:
            stale = self._key(path)
            self._graphs.pop(stale, None)
            self._tables.pop(stale, None)
        self._overlay[path] = data
        self.graph_of(path)

    def adopt(self, path: Path, graph: ProgramGraph) -> None:
        """Put a graph built elsewhere (a worker process) into the cache, and into
        the on-disk graph cache as :meth:`graph_of` would."""
        try:
            key = self._key(path)
        except OSError:
            return
        self._remember(key, graph)
        cache = self.graph_cache
        if (
            cache is not None
            and path not in self._overlay
            and not any(d.code in _NOT_CACHED for d in graph.diagnostics)
        ):
            cache.store(cache.key(key[1], str(path), self.config), graph, library=self.is_library_file(path))

    def has_cached_graph(self, path: Path) -> bool:
        """Whether the graph of ``path`` as it is now is in the on-disk graph cache
        (loading it is cheaper than building it in another process)."""
        if self.graph_cache is None:
            return False
        try:
            digest = self._key(path)[1]
        except OSError:
            return False
        key = self.graph_cache.key(digest, str(path), self.config)
        return self.graph_cache.has(key, library=self.is_library_file(path))

    def library_files(self, limit: int = 64) -> list[Path]:
        """The stubs and installed modules the project imports by absolute name,
        most imported first (``builtins`` and ``typing`` lead): what an editor
        parses in the background after the project's own files, so that the first
        hover or completion on ``os.`` does not pay for reading ``os``'s stub."""
        counts: dict[str, int] = {"builtins": 1 << 30, "typing": 1 << 29}
        for path in self.modules.values():
            graph = self.graph_of(path)
            for binding in graph.imports if graph is not None else ():
                if binding.level == 0 and binding.module:
                    counts[binding.module] = counts.get(binding.module, 0) + 1
        found: list[Path] = []
        for module in sorted(counts, key=lambda m: -counts[m]):
            location = self.resolve_module(module)
            if location is not None and location.origin != "project" and location.path is not None:
                if location.path not in found:
                    found.append(location.path)
            if len(found) >= min(limit, self._cache_size // 2):
                break
        return found

    # -- names -------------------------------------------------------------------
    def resolve_name(
        self, module: str, name: str, _seen: frozenset[tuple[str, str]] = frozenset()
    ) -> Definition | ModuleLocation | None:
        """The definition of ``module.name``, following re-exports; ``None`` if unknown."""
        if (module, name) in _seen or len(_seen) > 32:
            return None
        seen = _seen | {(module, name)}
        location = self.resolve_module(module)
        if location is None:
            return None
        if location.path is None or location.path.suffix not in (".py", ".pyi"):
            return self.resolve_module(f"{module}.{name}") if location.is_package else None
        exports = self._exports(location.path, name)
        if exports is not None and name in exports.names:
            graph = self.graph_of(location.path)
            sym = graph.find_symbol(name) if graph is not None else None
            live = live_definitions(graph, sym.definitions) if sym is not None and graph is not None else ()
            if live and sym is not None and graph is not None:
                if sym.kind is SymbolKind.IMPORT:
                    binding = next((b for b in graph.imports if b.node in live), None)
                    if binding is not None:
                        return self._follow(graph, module, location, binding, seen)
                return definition_at(graph, module, location.path, name, sym.kind, live[-1])
        for star_module, level in exports.stars if exports is not None else ():
            target = self.absolute_module(module, star_module, level, importer_is_package=location.is_package)
            if not self.star_binds(target, name):
                continue
            found = self.resolve_name(target, name, seen)
            if found is not None:
                return found
        if location.is_package:
            return self.resolve_module(f"{module}.{name}")
        return None

    def _exports(self, path: Path, name: str) -> _Exports | None:
        """What the module in ``path`` binds at its top level and star-imports,
        memoised by content apart from the bounded graph cache: a star-import
        chain (a package re-exporting hundreds of modules) is walked without
        parsing its modules again, nor at all those whose text has neither
        ``name`` nor an ``import *``.  ``None``: unreadable, or cannot answer."""
        try:
            key = self._key(path)
        except OSError:
            return None
        exports = self._tables.get(key)
        if exports is not None:
            self._tables.move_to_end(key)
            return exports
        if key not in self._graphs:
            try:
                data = self._overlay.get(path) or path.read_bytes()
            except OSError:
                return None
            if name.encode("utf-8", "replace") not in data and _STAR_IMPORT.search(data) is None:
                return None
        exports = self._stored_exports(path, key)
        if exports is None:
            graph = self.graph_of(path)
            if graph is None:
                return None
            exports = _exports_of(graph, path)
            self._store_exports(path, key, graph, exports)
        self._tables[key] = exports
        if len(self._tables) > self._cache_size * 64:
            self._tables.popitem(last=False)
        return exports

    def _table_key(self, path: Path, key: tuple[Path, str]) -> str | None:
        """Where the machine's library cache keeps the export table of ``path``
        (a library file read from the disk); ``None``: not kept there."""
        cache = self.graph_cache
        if cache is None or path in self._overlay or not self.is_library_file(path):
            return None
        return cache.table_key(cache.key(key[1], str(path), self.config), "exports")

    def _stored_exports(self, path: Path, key: tuple[Path, str]) -> _Exports | None:
        """The export table of a library file from the machine's library cache (a
        stub's table is worked out once per machine, not per run)."""
        where = self._table_key(path, key)
        table = self.graph_cache.load_table(where) if where is not None and self.graph_cache is not None else None
        return _Exports.from_json(table) if table is not None else None

    def _store_exports(self, path: Path, key: tuple[Path, str], graph: ProgramGraph, exports: _Exports) -> None:
        where = self._table_key(path, key)
        if where is None or self.graph_cache is None or any(d.code in _NOT_CACHED for d in graph.diagnostics):
            return
        known = self._hashes.get(path)
        if known is not None and _stamp_of(path) == known[0]:  # unchanged since it was hashed
            self.graph_cache.store_table(where, exports.to_json())

    def star_binds(self, module: str, name: str) -> bool:
        """Whether ``from module import *`` binds ``name``: its ``__all__``, else its
        public names (in a stub, not those it merely imports).  A public name the
        module does not bind itself (it may star-import it in turn), or of a module
        that cannot be read, is given the benefit of the doubt."""
        location = self.resolve_module(module)
        if location is None or location.path is None or location.path.suffix not in (".py", ".pyi"):
            return True
        exports = self._exports(location.path, name)
        if exports is None:  # unreadable, or neither binds nor star-imports ``name``
            return not name.startswith("_")
        if name in exports.names:
            return name in exports.starred
        return name in exports.starred or not name.startswith("_")

    def _follow(
        self,
        graph: ProgramGraph,
        module: str,
        location: ModuleLocation,
        binding: ImportBinding,
        seen: frozenset[tuple[str, str]],
    ) -> Definition | ModuleLocation | None:
        if binding.level == 0 and location.path is not None:
            target = self.local_module(location.path, binding.module)
        else:
            target = self.absolute_module(
                module, binding.module, binding.level, importer_is_package=location.is_package
            )
        if binding.name is None:
            return self.resolve_module(target)
        return self.resolve_name(target, binding.name, seen)

    def exported_names(self, module: str) -> list[str]:
        """``__all__`` when the module defines it as a literal list, else its public
        names (in a stub, less those it only imports: ``from typing import Any``
        in ``sys.pyi`` makes no ``sys.Any``, see :func:`_starred`)."""
        location = self.resolve_module(module)
        if location is None or location.path is None:
            return []
        graph = self.graph_of(location.path)
        if graph is None:
            return []
        declared = dunder_all(graph)
        if declared is not None:
            return declared
        names = frozenset(s.name for s in graph.symbols if s.scope == 0 and live_definitions(graph, s.definitions))
        return sorted(_starred(graph, location.path, names))


def _exports_of(graph: ProgramGraph, path: Path) -> _Exports:
    names = frozenset(s.name for s in graph.symbols if s.scope == 0 and live_definitions(graph, s.definitions))
    stars = tuple((b.module, b.level) for b in graph.imports if b.name == "*")
    return _Exports(names, stars, _starred(graph, path, names))


def _starred(graph: ProgramGraph, path: Path, names: frozenset[str]) -> frozenset[str]:
    """The names ``from <module> import *`` binds: ``__all__`` when the module
    defines it, else its public names; in a stub, a name only imported there is
    not re-exported unless written ``import a as a`` / ``from m import a as a``
    (or ``from . import a``), as PEP 484 says."""
    declared = dunder_all(graph)
    if declared is not None:
        return frozenset(declared)
    public = {name for name in names if not name.startswith("_")}
    if path.suffix != ".pyi":
        return frozenset(public)
    imported = {b.node for b in graph.imports}
    for binding in graph.imports:
        if binding.name == "*" or binding.bound not in public or (binding.level > 0 and not binding.module):
            continue
        if re.search(rf"\bas\s+{re.escape(binding.bound)}\b", graph.text(binding.statement)):
            continue
        sym = graph.find_symbol(binding.bound)
        if sym is not None and all(n in imported for n in live_definitions(graph, sym.definitions)):
            public.discard(binding.bound)
    return frozenset(public)


def dunder_all(graph: ProgramGraph) -> list[str] | None:
    """The string literals assigned or added to ``__all__`` at module level, or ``None``."""
    sym = graph.find_symbol("__all__")
    if sym is None:
        return None
    names: list[str] = []
    for node in live_definitions(graph, sym.definitions):
        statement = graph.parents[node]
        value = graph.child_by_field(statement, "right")
        if value is None:
            continue
        for item in graph.children(value):
            if graph.kinds[item] == "string":
                try:
                    literal = ast.literal_eval(graph.text(item))  # parses a literal, runs nothing
                except (ValueError, SyntaxError):
                    continue
                if isinstance(literal, str):
                    names.append(literal)
    return names


def _stub_context(environment: PythonEnvironment, search_paths: list[Path]) -> typeshed_client.SearchContext:
    """typeshed-client's context over the analysed environment's folders.  The
    search path is always given: without it typeshed-client would start an
    interpreter to ask for ``sys.path``, in the working folder, where a project's
    ``json.py`` would run."""
    stub_paths = [p for p in search_paths if p != environment.stdlib]
    version = environment.version or sys.version_info[:2]
    # typeshed-client's own typeshed, the folder its find_typeshed names through
    # importlib.resources, whose readers (zipfile...) cost 2 ms of every run
    typeshed = Path(typeshed_client.__file__).parent / "typeshed"
    return typeshed_client.get_search_context(search_path=stub_paths, version=version, typeshed=typeshed)


_DEFINING = {"class_definition": SymbolKind.CLASS, "function_definition": SymbolKind.FUNCTION}


def _is_init(path: str | Path) -> bool:
    """Whether ``path`` names a package's ``__init__`` (``Path(path).stem ==
    "__init__"``, without making a path: asked for every relative import read)."""
    name = os.path.basename(os.fspath(path))
    dot = name.rfind(".")
    return (name[:dot] if 0 < dot < len(name) - 1 else name) == "__init__"


def definition_at(graph: ProgramGraph, module: str, path: Path, name: str, kind: SymbolKind, node: int) -> Definition:
    """The :class:`Definition` of ``name`` bound by its name node ``node``: the
    ``class``/``def`` statement when that node names one, else the node itself.
    The statement decides, not the symbol's kind, which is its first binding's:
    typeshed's ``typing_extensions.ParamSpec`` is imported from ``typing`` for
    3.13 and a class before it, and under 3.11 is that class.
    For example, ``class C: ...`` gives the ``class_definition`` node and
    ``SymbolKind.CLASS``; ``x = 1`` gives ``x``'s node and ``kind``."""
    parent = graph.parents[node]
    defining = _DEFINING.get(graph.kinds[parent]) if parent >= 0 else None
    if defining is not None:
        return Definition(module, path, parent, name, defining)
    if kind in (SymbolKind.FUNCTION, SymbolKind.CLASS):
        kind = SymbolKind.VARIABLE  # a def under one version gate, an assignment under this one
    return Definition(module, path, node, name, kind)
