"""The global declarations scripts see: TypeScript's own ``lib.*.d.ts``.

:func:`find_typescript_lib` looks for the ``lib`` folder of an installed
``typescript`` package: ``$TYPELENS_TYPESCRIPT_LIB``, the project's
``node_modules/typescript/lib`` (upwards from its root), the one ``make``
installs beside the Python environment (``<sys.prefix>/typescript``), then the
usual global npm folders.  Without one, the small ``lib/builtins.d.ts`` shipped
with typelens stands in (and says so in the log).

:class:`LibDeclarations` reads the ``lib.<target>.d.ts`` chain (its
``/// <reference lib>`` lines followed; the DOM only when a global is not found
in the ES libraries) with our own parser and indexes the global scope:
interfaces by name (their declarations merged across files, as TypeScript merges
them), ``declare var``/``const`` values, ``declare function`` overloads and type
aliases.  Nothing runs; the files are read once per session.

Example::

    lib = LibDeclarations(find_typescript_lib(Path(".")))
    lib.interfaces["Array"]       # [(".../lib.es5.d.ts", node), (".../lib.es2015.core.d.ts", node), ...]
    lib.values["Math"]            # (".../lib.es5.d.ts", declarator node)
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from pathlib import Path

from typelens.analyzer.typescript import ScriptGraph, build_script_graph_safely

logger = logging.getLogger(__name__)

FALLBACK = Path(__file__).parent / "lib" / "builtins.d.ts"
DEFAULT_TARGET = "es2023"
TS_VERSION = "5.9.3"  # the version `make` installs (Makefile TS_VERSION)
_REFERENCE = re.compile(rb'///\s*<reference\s+lib="([^"]+)"')
_GLOBAL_FOLDERS = ("/usr/lib/node_modules", "/usr/local/lib/node_modules", "/opt/homebrew/lib/node_modules")
_DOM_ONLY = frozenset(
    {
        "document",
        "window",
        "fetch",
        "navigator",
        "localStorage",
        "HTMLElement",
        "Element",
        "Event",
        "Response",
        "Request",
        "Headers",
        "URL",
        "URLSearchParams",
        "setTimeout",
        "setInterval",
        "clearTimeout",
        "clearInterval",
        "console",
        "Console",
        "AbortController",
        "TextEncoder",
        "TextDecoder",
        "Blob",
        "FormData",
        "WebSocket",
        "performance",
        "queueMicrotask",
        "structuredClone",
        "atob",
        "btoa",
        "crypto",
        "location",
        "history",
        "alert",
        "Node",
        "KeyboardEvent",
        "MouseEvent",
        "HTMLInputElement",
        "CustomEvent",
        "EventTarget",
    }
)

Where = tuple[str, int]


def find_typescript_lib(root: Path | None = None) -> Path | None:
    """The ``lib`` folder of an installed TypeScript (see the module docstring);
    ``TYPELENS_TYPESCRIPT_LIB=builtin`` asks for the shipped fallback."""
    candidates: list[Path] = []
    if os.environ.get("TYPELENS_TYPESCRIPT_LIB") == "builtin":
        return None  # the shipped builtins.d.ts only (tests, reproducible runs)
    if os.environ.get("TYPELENS_TYPESCRIPT_LIB"):
        candidates.append(Path(os.environ["TYPELENS_TYPESCRIPT_LIB"]))
    if root is not None:
        start = Path(root).resolve()
        candidates += [p / "node_modules" / "typescript" / "lib" for p in (start, *start.parents)]
    candidates.append(Path(sys.prefix) / "typescript" / "node_modules" / "typescript" / "lib")
    candidates += [Path(f) / "typescript" / "lib" for f in _GLOBAL_FOLDERS]
    return next((c for c in candidates if (c / "lib.es5.d.ts").is_file()), None)


class LibDeclarations:
    """The global scope of the library files (see the module docstring)."""

    def __init__(self, folder: Path | None, target: str = DEFAULT_TARGET) -> None:
        self.folder = folder
        self.graphs: dict[str, ScriptGraph] = {}
        self.interfaces: dict[str, list[Where]] = {}
        self.values: dict[str, Where] = {}
        self.functions: dict[str, list[Where]] = {}
        self.aliases: dict[str, Where] = {}
        self.namespaces: dict[str, list[Where]] = {}
        self._dom_loaded = folder is None
        self._lock = threading.Lock()
        if folder is None:
            logger.info("no TypeScript lib folder found: using typelens's small builtins.d.ts")
            self._load([FALLBACK])
        else:
            self._load(self._chain(folder, f"lib.{target}.d.ts"))

    @property
    def is_fallback(self) -> bool:
        return self.folder is None

    def _chain(self, folder: Path, first: str) -> list[Path]:
        """The files ``first`` references, transitively, dependencies first."""
        order: list[Path] = []
        todo, seen = [first], set()
        while todo:
            name = todo.pop()
            path = folder / name
            if name in seen or not path.is_file():
                continue
            seen.add(name)
            order.append(path)
            try:
                head = path.read_bytes()[:4096]
            except OSError:
                continue
            todo.extend(f"lib.{m.decode()}.d.ts" for m in _REFERENCE.findall(head))
        return list(reversed(order))

    def _load(self, paths: list[Path]) -> None:
        for path in paths:
            graph = build_script_graph_safely(path)
            key = str(path)
            self.graphs[key] = graph
            self._index(key, graph, 0)

    def _index(self, key: str, g: ScriptGraph, body: int) -> None:
        for statement in g.children(body):
            kind = g.kinds[statement]
            if kind == "ambient_declaration":
                for inner in g.children(statement):
                    self._declare(key, g, inner)
            else:
                self._declare(key, g, statement)

    def _declare(self, key: str, g: ScriptGraph, node: int) -> None:
        kind = g.kinds[node]
        name_node = g.child_by_field(node, "name")
        name = g.text(name_node) if name_node is not None else ""
        if kind == "interface_declaration":
            self.interfaces.setdefault(name, []).append((key, node))
        elif kind == "type_alias_declaration":
            self.aliases.setdefault(name, (key, node))
        elif kind in ("function_signature", "function_declaration"):
            self.functions.setdefault(name, []).append((key, node))
        elif kind == "internal_module":
            self.namespaces.setdefault(name, []).append((key, node))
        elif kind in ("variable_declaration", "lexical_declaration"):
            for declarator in g.children(node):
                target = g.child_by_field(declarator, "name")
                if target is not None and g.kinds[declarator] == "variable_declarator":
                    self.values.setdefault(g.text(target), (key, declarator))

    def ensure_dom(self, name: str) -> None:
        """Read ``lib.dom.d.ts`` the first time a DOM global is asked for."""
        if self._dom_loaded or self.folder is None or name not in _DOM_ONLY:  # the fallback has no DOM
            return
        with self._lock:
            if not self._dom_loaded:
                self._dom_loaded = True
                self._load([p for p in (self.folder / "lib.dom.d.ts",) if p.is_file()])

    def knows(self, name: str) -> bool:
        self.ensure_dom(name)
        return name in self.values or name in self.functions or name in self.interfaces or name in self.aliases
