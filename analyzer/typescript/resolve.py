"""Module resolution for scripts: a specifier and the importing file to a file.

The rules of TypeScript's ``bundler``/``node`` resolution, read off the file
system (nothing runs, node is not asked):

* relative and absolute specifiers (``./util``, ``../lib/x.js``): the file as
  written, then with each extension (``.ts``, ``.tsx``, ``.d.ts``, ``.js`` ...;
  ``./x.js`` finds ``x.ts`` first, as ``tsc`` does), then the folder's
  ``package.json`` (``types``, ``typings``, ``main``) and its ``index`` file;
* ``compilerOptions.paths`` and ``baseUrl`` of the nearest ``tsconfig.json`` or
  ``jsconfig.json`` (``extends`` followed; comments and trailing commas allowed);
* bare specifiers (``lodash``, ``@scope/pkg/sub``): ``node_modules`` folders from
  the importer upwards, the package's ``exports`` (``types``, ``import``,
  ``require``, ``default`` conditions), ``types``/``typings``/``main``, then
  ``node_modules/@types/<name>`` (``@scope/pkg`` -> ``@types/scope__pkg``);
* Node's built-in modules (``fs``, ``node:path``): ``@types/node`` when present.

Example::

    resolver = ScriptResolver(Path("web"))
    resolver.resolve("./util", Path("web/src/app.ts"))      # ScriptModule(path=web/src/util.ts, origin='project')
    resolver.resolve("@app/core", Path("web/src/app.ts"))   # through tsconfig paths {"@app/*": ["src/*"]}
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

EXTENSIONS = (".ts", ".tsx", ".d.ts", ".mts", ".d.mts", ".cts", ".d.cts", ".js", ".jsx", ".mjs", ".cjs")
_JS_TO_TS = {
    ".js": (".ts", ".tsx", ".d.ts"),
    ".jsx": (".tsx", ".d.ts"),
    ".mjs": (".mts", ".d.mts"),
    ".cjs": (".cts", ".d.cts"),
}
_CONDITIONS = ("types", "typings", "import", "require", "node", "default")
NODE_BUILTINS = frozenset(
    {
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "fs/promises",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "stream/promises",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
    }
)
_MAX_EXTENDS = 8


@dataclass(frozen=True, slots=True)
class ScriptModule:
    """Where a specifier leads.  ``origin``: project, package, types or builtin
    (``path`` is ``None`` for a Node built-in without ``@types/node``)."""

    specifier: str
    path: Path | None
    origin: str


@dataclass(frozen=True, slots=True)
class PathsConfig:
    """What a ``tsconfig.json`` says about resolution."""

    base: Path  # where `paths` targets are relative to
    paths: tuple[tuple[str, tuple[str, ...]], ...]
    has_base_url: bool


def strip_json_comments(text: str) -> str:
    """JSON with ``//`` and ``/* */`` comments and trailing commas -> JSON."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if text.find("\n", i) >= 0 else n
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def read_json(path: Path) -> dict | None:
    """A JSON(C) object file, or ``None`` when missing or malformed (logged)."""
    try:
        found = json.loads(strip_json_comments(path.read_text(encoding="utf-8", errors="replace")))
    except (OSError, ValueError) as err:
        logger.info("%s: not read: %s", path, err)
        return None
    return found if isinstance(found, dict) else None


class ScriptResolver:
    """Resolves specifiers for the files of one project (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._configs: dict[Path, PathsConfig | None] = {}
        self._packages: dict[Path, dict | None] = {}

    # -- entry point ----------------------------------------------------------------------
    def resolve(self, specifier: str, importer: Path) -> ScriptModule | None:
        """The module ``specifier`` names from the file ``importer``, or ``None``."""
        if not specifier:
            return None
        folder = Path(importer).resolve().parent
        if specifier.startswith((".", "/")):
            found = self.file_or_folder(folder / specifier if specifier.startswith(".") else Path(specifier))
            return ScriptModule(specifier, found, self._origin(found)) if found is not None else None
        mapped = self._through_config(specifier, folder)
        if mapped is not None:
            return ScriptModule(specifier, mapped, self._origin(mapped))
        name = specifier[5:] if specifier.startswith("node:") else specifier
        if name in NODE_BUILTINS or name.split("/")[0] in NODE_BUILTINS and specifier.startswith("node:"):
            return self._builtin(specifier, name, folder)
        return self._package(specifier, folder)

    def _origin(self, path: Path) -> str:
        text = str(path)
        if "node_modules" not in Path(text).parts:
            return "project"
        return "types" if "@types" in Path(text).parts else "package"

    # -- files and folders ----------------------------------------------------------------
    def file_or_folder(self, base: Path) -> Path | None:
        return self.file(base) or self.folder(base)

    def file(self, base: Path) -> Path | None:
        suffix = base.suffix.lower()
        for replacement in _JS_TO_TS.get(suffix, ()):
            candidate = base.with_suffix(replacement)
            if candidate.is_file():
                return candidate.resolve()
        if suffix in EXTENSIONS or suffix == ".json":
            if base.is_file():
                return base.resolve()
        for ext in EXTENSIONS:
            candidate = base.parent / (base.name + ext)
            if candidate.is_file():
                return candidate.resolve()
        return None

    def folder(self, base: Path) -> Path | None:
        if not base.is_dir():
            return None
        manifest = self.manifest(base)
        if manifest is not None:
            for key in ("types", "typings", "main", "module"):
                entry = manifest.get(key)
                if isinstance(entry, str) and entry:
                    found = self.file(base / entry) or (self._index(base / entry) if (base / entry).is_dir() else None)
                    if found is not None:
                        return found
        return self._index(base)

    def _index(self, folder: Path) -> Path | None:
        for ext in EXTENSIONS:
            candidate = folder / ("index" + ext)
            if candidate.is_file():
                return candidate.resolve()
        return None

    def manifest(self, folder: Path) -> dict | None:
        if folder not in self._packages:
            path = folder / "package.json"
            self._packages[folder] = read_json(path) if path.is_file() else None
        return self._packages[folder]

    # -- tsconfig -------------------------------------------------------------------------
    def config_for(self, folder: Path) -> PathsConfig | None:
        """The ``paths``/``baseUrl`` of the nearest tsconfig.json or jsconfig.json
        (looked for from ``folder`` up to the project root)."""
        visited: list[Path] = []
        current, found = folder, None
        while True:
            if current in self._configs:
                found = self._configs[current]
                break
            visited.append(current)
            config = next((current / n for n in ("tsconfig.json", "jsconfig.json") if (current / n).is_file()), None)
            if config is not None:
                found = self._read_config(config)
                break
            if current == self.root or current.parent == current or self.root not in current.parents:
                break
            current = current.parent
        for seen in visited:
            self._configs[seen] = found
        return found

    def _read_config(self, path: Path) -> PathsConfig | None:
        chain: list[tuple[Path, dict]] = []
        current: Path | None = path
        while current is not None and len(chain) < _MAX_EXTENDS:
            doc = read_json(current)
            if doc is None:
                break
            chain.append((current, doc))
            parent = doc.get("extends")
            parent = parent[0] if isinstance(parent, list) and parent else parent
            current = self._extended(current.parent, parent) if isinstance(parent, str) else None
        base_url: Path | None = None
        paths: dict = {}
        paths_dir = path.parent
        for where, doc in reversed(chain):  # the extending file overrides
            options = doc.get("compilerOptions") or {}
            if isinstance(options.get("baseUrl"), str):
                base_url = (where.parent / options["baseUrl"]).resolve()
            if isinstance(options.get("paths"), dict):
                paths, paths_dir = options["paths"], where.parent
        entries = tuple(
            (k, tuple(v for v in vs if isinstance(v, str))) for k, vs in paths.items() if isinstance(vs, list)
        )
        if base_url is None and not entries:
            return None
        return PathsConfig(base_url or paths_dir.resolve(), entries, base_url is not None)

    def _extended(self, folder: Path, name: str) -> Path | None:
        if name.startswith("."):
            candidate = folder / name
            return candidate if candidate.suffix == ".json" else candidate.with_name(candidate.name + ".json")
        for parent in (folder, *folder.parents):
            candidate = parent / "node_modules" / name
            for option in (candidate, candidate / "tsconfig.json", candidate.with_name(candidate.name + ".json")):
                if option.is_file():
                    return option
        return None

    def _through_config(self, specifier: str, folder: Path) -> Path | None:
        config = self.config_for(folder)
        if config is None:
            return None
        best: tuple[int, str, tuple[str, ...]] | None = None
        for pattern, targets in config.paths:
            star = _match(pattern, specifier)
            if star is not None and (best is None or len(pattern) > best[0]):
                best = (len(pattern), star, targets)
        if best is not None:
            for target in best[2]:
                found = self.file_or_folder(config.base / target.replace("*", best[1]))
                if found is not None:
                    return found
        return self.file_or_folder(config.base / specifier) if config.has_base_url else None

    # -- packages -------------------------------------------------------------------------
    def _package(self, specifier: str, folder: Path) -> ScriptModule | None:
        parts = specifier.split("/")
        size = 2 if specifier.startswith("@") and len(parts) > 1 else 1
        name, sub = "/".join(parts[:size]), "/".join(parts[size:])
        types_name = name[1:].replace("/", "__") if name.startswith("@") else name
        untyped: Path | None = None
        for parent in (folder, *folder.parents):
            modules = parent / "node_modules"
            if not modules.is_dir():
                continue
            found = self._in_package(modules / name, sub)
            if found is not None and _is_typed(found):
                return ScriptModule(specifier, found, "types" if is_declaration(found) else "package")
            typed = self._in_package(modules / "@types" / types_name, sub)
            if typed is not None:
                return ScriptModule(specifier, typed, "types")
            untyped = untyped or found
        return ScriptModule(specifier, untyped, "package") if untyped is not None else None

    def _in_package(self, package: Path, sub: str) -> Path | None:
        if not package.is_dir():
            return None
        manifest = self.manifest(package) or {}
        exported = _exports_entry(manifest.get("exports"), "./" + sub if sub else ".")
        if exported is not None:
            found = self.file(package / exported)
            if found is not None:
                return found
        if sub:
            return self.file_or_folder(package / sub)
        return self.folder(package)

    def _builtin(self, specifier: str, name: str, folder: Path) -> ScriptModule:
        for parent in (folder, *folder.parents):
            types = parent / "node_modules" / "@types" / "node"
            if types.is_dir():
                found = self.file(types / name)
                if found is not None:
                    return ScriptModule(specifier, found, "builtin")
        return ScriptModule(specifier, None, "builtin")


def is_declaration(path: Path) -> bool:
    return path.name.lower().endswith((".d.ts", ".d.mts", ".d.cts"))


def _is_typed(path: Path) -> bool:
    """A TypeScript source or declaration file (a package's JavaScript is not)."""
    return path.suffix.lower() in (".ts", ".tsx", ".mts", ".cts")


def _match(pattern: str, specifier: str) -> str | None:
    """What ``*`` stands for when ``specifier`` matches ``pattern`` (``''`` for an exact match)."""
    if "*" not in pattern:
        return "" if pattern == specifier else None
    head, tail = pattern.split("*", 1)
    if specifier.startswith(head) and specifier.endswith(tail) and len(specifier) >= len(head) + len(tail):
        return specifier[len(head) : len(specifier) - len(tail)]
    return None


def _exports_entry(exports, key: str) -> str | None:
    """The file ``package.json`` ``exports`` gives for subpath ``key``, preferring types."""
    if exports is None:
        return None
    if isinstance(exports, str):
        return exports if key == "." else None
    if isinstance(exports, list):
        return next((e for e in (_exports_entry(x, key) for x in exports) if e), None)
    if not isinstance(exports, dict):
        return None
    if all(not k.startswith(".") for k in exports):  # conditions at the top: the "." entry
        return _condition(exports) if key == "." else None
    for pattern, target in exports.items():
        star = _match(pattern, key)
        if star is not None:
            value = _condition(target)
            return value.replace("*", star) if value else None
    return None


def _condition(target) -> str | None:
    """The path a conditional ``exports`` target picks (types first), nested objects followed."""
    for _ in range(8):
        if isinstance(target, str):
            return target
        if isinstance(target, list):
            target = target[0] if target else None
            continue
        if not isinstance(target, dict):
            return None
        target = next((target[c] for c in _CONDITIONS if c in target), None)
    return None
