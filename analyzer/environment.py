"""The analysed project's Python environment, read from the file system alone.

Third-party imports resolve against the environment the *analysed project* uses,
not the one typelens happens to run in (pipx, pre-commit and ``uv tool`` give
typelens an environment of its own).  Nothing is executed to find it: no
interpreter is started, no ``.pth`` line that runs code is run, nothing is
imported from the project.  A folder is a prefix when it holds a ``pyvenv.cfg``
(a virtual environment: its ``home`` names the base interpreter's folder) or a
``lib/pythonX.Y`` (``Lib`` on Windows) standard library.

The first of these that exists wins, as in ty, pyright and mypy:

1. the ``python`` setting (``--python PATH``, ``python = ...`` in
   ``[tool.typelens]``): a virtual environment, a prefix or an interpreter;
2. the site-packages folder the analysed path lies in (an installed package
   analysed in place uses its own environment);
3. an active environment: ``$VIRTUAL_ENV``, then ``$CONDA_PREFIX``;
4. ``.venv`` or ``venv`` in the project root or a folder above it;
5. the first ``python3`` or ``python`` on ``$PATH`` whose prefix can be read.

A pyenv shim on ``$PATH`` is followed to the version pyenv would select
(``$PYENV_VERSION``, a ``.python-version`` file, ``$PYENV_ROOT/version``).  When
none is found the environment has no site-packages: imports of installed
packages are unresolved rather than answered from typelens's own (the standard
library's sources are still those of the running interpreter).

Example::

    >>> env = discover_environment(Path("project"))     # project/.venv exists
    >>> env.origin, [p.name for p in env.site_packages]
    ('.venv', ['site-packages'])
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

logger = logging.getLogger(__name__)

_LIB_VERSION = re.compile(r"^python(\d+)\.(\d+)t?$")
_MAX_PTH_LINES = 1000
_MAX_CFG_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class PythonEnvironment:
    """Where one interpreter's modules live.  ``origin`` says how it was found
    (``python``, ``site-packages``, ``VIRTUAL_ENV``, ``CONDA_PREFIX``, ``.venv``,
    ``venv``, ``PATH``, or ``none``)."""

    origin: str
    prefix: Path | None = None
    version: tuple[int, int] | None = None
    site_packages: tuple[Path, ...] = ()
    extra_paths: tuple[Path, ...] = ()  # folders named by ``.pth`` files
    stdlib: Path | None = None

    @property
    def search_paths(self) -> list[Path]:
        """Where installed modules are looked for, in import order."""
        found: list[Path] = []
        for path in (*self.site_packages, *self.extra_paths, *((self.stdlib,) if self.stdlib else ())):
            if path not in found:
                found.append(path)
        return found

    def describe(self) -> str:
        """One line for ``--verbose`` and the language server's log."""
        if self.prefix is None:
            return "python environment: none found (installed packages are not resolved)"
        version = ".".join(map(str, self.version)) if self.version else "unknown version"
        sites = ", ".join(str(p) for p in self.site_packages) or "no site-packages"
        return f"python environment ({self.origin}): {self.prefix}, Python {version}, {sites}"


NO_ENVIRONMENT = PythonEnvironment("none", stdlib=Path(sysconfig.get_paths()["stdlib"]))


def discover_environment(
    root: Path, python: str | Path | None = None, environ: dict[str, str] | None = None
) -> PythonEnvironment:
    """The environment of the project at ``root`` (see the module docstring).

    ``python`` is the user's explicit choice: one that cannot be read is an
    :class:`InputError`, not a silent fallback."""
    environ = dict(os.environ) if environ is None else environ
    if python:
        env = environment_of(Path(python).expanduser(), "python")
        if env is None:
            raise InputError(
                f"python={str(python)!r} is not a Python environment, prefix or interpreter "
                "(expected a folder with pyvenv.cfg or lib/pythonX.Y, or its bin/python)"
            )
        return env
    root = Path(root).resolve()
    for candidate in _candidates(root, environ):
        env = environment_of(*candidate)
        if env is not None:
            return env
    return NO_ENVIRONMENT


def _candidates(root: Path, environ: dict[str, str]):
    site = _enclosing_site_packages(root)
    if site is not None:
        yield site, "site-packages"
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        if environ.get(variable):
            yield Path(environ[variable]), variable
    for folder in (root, *root.parents):
        for name in (".venv", "venv"):
            if (folder / name / "pyvenv.cfg").is_file():
                yield folder / name, name
    for name in ("python3", "python"):
        found = shutil.which(name, path=environ.get("PATH", ""))
        if found:
            yield _through_pyenv_shim(Path(found), root, environ), "PATH"


def _through_pyenv_shim(interpreter: Path, root: Path, environ: dict[str, str]) -> Path:
    """A pyenv shim is a shell script: the prefix is the version pyenv selects."""
    if interpreter.parent.name != "shims" or not (interpreter.parent.parent / "versions").is_dir():
        return interpreter
    pyenv_root = interpreter.parent.parent
    version = environ.get("PYENV_VERSION", "")
    for folder in (root, *root.parents):
        if version:
            break
        version = _first_word(folder / ".python-version")
    version = version or _first_word(pyenv_root / "version")
    prefix = pyenv_root / "versions" / version.split(":")[0] if version else None
    return prefix if prefix is not None and prefix.is_dir() else interpreter


def _first_word(path: Path) -> str:
    try:
        if not path.is_file():
            return ""
        with path.open("rb") as handle:
            words = handle.read(4096).decode("utf-8", "replace").split()
    except OSError:
        return ""
    return words[0] if words else ""


def _enclosing_site_packages(path: Path) -> Path | None:
    """The prefix of the site-packages folder ``path`` lies in: ``prefix/lib/pythonX.Y/site-packages``."""
    for folder in (path, *path.parents):
        if folder.name in ("site-packages", "dist-packages"):
            lib = folder.parent
            return lib.parent.parent if _LIB_VERSION.match(lib.name) else lib.parent
    return None


def environment_of(path: Path, origin: str) -> PythonEnvironment | None:
    """The environment at ``path``: a prefix folder or an interpreter inside one
    (``prefix/bin/python``, ``prefix/Scripts/python.exe``, ``prefix/python.exe``)."""
    try:
        if path.is_file():
            return _from_interpreter(path, origin)
        if path.is_dir():
            return _from_prefix(path, origin)
    except OSError as err:
        logger.warning("cannot read the python environment at %s: %s", path, err)
    return None


def _from_interpreter(interpreter: Path, origin: str) -> PythonEnvironment | None:
    # a virtual environment's interpreter is a link to its base: look beside it first
    for prefix in (interpreter.parent.parent, interpreter.parent):
        if (prefix / "pyvenv.cfg").is_file():
            return _from_prefix(prefix, origin)
    resolved = interpreter.resolve()
    for prefix in (resolved.parent.parent, resolved.parent):
        env = _from_prefix(prefix, origin)
        if env is not None:
            return env
    return None


def _from_prefix(prefix: Path, origin: str) -> PythonEnvironment | None:
    prefix = prefix.absolute()
    config = _read_pyvenv_cfg(prefix / "pyvenv.cfg")
    if config is None:
        version, stdlib = _stdlib_of(prefix, None)
        if stdlib is None:
            return None
        sites = _site_dirs(prefix, version)
        return _with_pth(PythonEnvironment(origin, prefix, version, tuple(sites), (), stdlib))
    version = _version_of(config)
    base = _base_prefix(config)
    version, stdlib = _stdlib_of(base, version) if base is not None else (version, None)
    if version is None:
        version = _version_from_lib(prefix)
    sites = _site_dirs(prefix, version)
    if config.get("include-system-site-packages", "").lower() == "true" and base is not None:
        sites += [s for s in _site_dirs(base, version) if s not in sites]
    return _with_pth(PythonEnvironment(origin, prefix, version, tuple(sites), (), stdlib))


def _read_pyvenv_cfg(path: Path) -> dict[str, str] | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        text = handle.read(_MAX_CFG_BYTES).decode("utf-8", "replace")
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _version_of(config: dict[str, str]) -> tuple[int, int] | None:
    for key in ("version_info", "version"):
        match = re.match(r"(\d+)\.(\d+)", config.get(key, ""))
        if match:
            return int(match.group(1)), int(match.group(2))
    return None


def _base_prefix(config: dict[str, str]) -> Path | None:
    home = config.get("home")
    if not home:
        return None
    home_path = Path(home)
    # ``home`` is the base interpreter's folder: ``base/bin`` on POSIX, ``base`` on Windows
    return home_path.parent if home_path.name in ("bin", "Scripts") else home_path


def _version_from_lib(prefix: Path) -> tuple[int, int] | None:
    for lib in (prefix / "lib", prefix / "lib64"):
        for child in sorted(lib.glob("python3*")) if lib.is_dir() else ():
            match = _LIB_VERSION.match(child.name)
            if match:
                return int(match.group(1)), int(match.group(2))
    return None


def _stdlib_of(prefix: Path, version: tuple[int, int] | None) -> tuple[tuple[int, int] | None, Path | None]:
    """The version and standard-library folder of a base prefix (its ``os.py`` marks it)."""
    if (prefix / "Lib" / "os.py").is_file():
        return version, prefix / "Lib"
    names = [f"python{version[0]}.{version[1]}"] if version else []
    for lib in (prefix / "lib", prefix / "lib64"):
        if not lib.is_dir():
            continue
        for name in names or sorted((c.name for c in lib.glob("python3*")), reverse=True):
            match = _LIB_VERSION.match(name)
            if match and (lib / name / "os.py").is_file():
                return (int(match.group(1)), int(match.group(2))), lib / name
    return version, None


def _site_dirs(prefix: Path, version: tuple[int, int] | None) -> list[Path]:
    found: list[Path] = []
    for lib in (prefix / "lib", prefix / "lib64"):
        if not lib.is_dir():
            continue
        names = (
            [f"python{version[0]}.{version[1]}", f"python{version[0]}.{version[1]}t"]
            if version
            else sorted(c.name for c in lib.glob("python3*"))
        )
        for name in [*names, "python3"]:
            for site in ("site-packages", "dist-packages"):
                candidate = lib / name / site
                if candidate.is_dir() and candidate.resolve() not in [f.resolve() for f in found]:
                    found.append(candidate)
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(windows)
    return found


def _with_pth(env: PythonEnvironment) -> PythonEnvironment:
    """Add the folders that the site-packages' ``.pth`` files name.  Lines that
    start with ``import`` are code that ``site`` would run: they are skipped."""
    extra: list[Path] = []
    for site in env.site_packages:
        try:
            pth_files = sorted(site.glob("*.pth"))
        except OSError:
            continue
        for pth in pth_files:
            for line in _pth_lines(pth):
                candidate = (site / line).absolute()
                if candidate.is_dir() and candidate not in extra and candidate not in env.site_packages:
                    extra.append(candidate)
    return PythonEnvironment(env.origin, env.prefix, env.version, env.site_packages, tuple(extra), env.stdlib)


def _pth_lines(pth: Path) -> list[str]:
    try:
        if not pth.is_file():
            return []
        with pth.open("rb") as handle:
            text = handle.read(_MAX_CFG_BYTES).decode("utf-8", "replace")
    except OSError:
        return []
    lines = []
    for line in text.splitlines()[:_MAX_PTH_LINES]:
        line = line.strip()
        if not line or line.startswith("#") or line.startswith(("import ", "import\t")):
            continue
        lines.append(line)
    return lines
