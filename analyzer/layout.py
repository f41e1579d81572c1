"""Where a project's modules are: its files, its import root and its scope.

The file-system half of :mod:`.project`, which it re-exports, kept apart from the
index so that what a run answered from the result cache needs (the files to hash,
the project's root and scope) does not load the parser, the graph builder or
typeshed.  Nothing here reads a file's contents.

* :func:`iter_python_files` lists a folder's ``.py``/``.pyi`` files (no
  virtualenv, VCS or build folder; FIFOs and links out of the folder skipped),
  :func:`iter_script_files` its TypeScript and JavaScript files, which
  :func:`is_script` and :func:`dialect_of` tell by their suffix (here, not in
  :mod:`.typescript`, whose package loads the TypeScript grammars);
* :func:`project_root_of` is the import root of a path (the folder above its
  outermost package), :func:`project_scope` which of that root is the project:
  all of it in a project (:data:`PROJECT_MARKERS`), the package in a library
  folder or a scratch folder.

Example::

    project_root_of(Path("/tmp/x/json_copy/decoder.py"))                 # /tmp/x
    project_scope(Path("/tmp/x"), Path("/tmp/x/json_copy/decoder.py"))   # /tmp/x/json_copy
    module_name_for(Path("/tmp/x/json_copy/decoder.py"), Path("/tmp/x"))  # 'json_copy.decoder'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path, PurePath

from .source import SkippedFile, listed_file_problem

logger = logging.getLogger(__name__)

PYTHON_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        "site-packages",
        "build",
        "dist",
        ".eggs",
    }
)


def iter_python_files(
    root: Path, *, follow_symlinks: bool = False, skipped: list[SkippedFile] | None = None
) -> list[Path]:
    """Every ``.py``/``.pyi`` file below ``root``, sorted, skipping virtualenvs,
    VCS and build folders.

    Only readable regular files are listed: FIFOs, devices, sockets, dangling
    links, link loops, unreadable folders and symbolic links that lead outside
    ``root`` are left out, each added to ``skipped`` with its reason (or logged
    when ``skipped`` is ``None``).  ``follow_symlinks`` walks linked folders too
    (each real folder once) and accepts links that leave ``root``."""
    return iter_source_files(
        root,
        lambda name: name.endswith((".py", ".pyi")),
        PYTHON_SKIP_DIRS,
        follow_symlinks=follow_symlinks,
        skipped=skipped,
    )


def iter_source_files(
    root: Path,
    wanted,
    skip_dirs: frozenset[str],
    *,
    follow_symlinks: bool = False,
    skipped: list[SkippedFile] | None = None,
) -> list[Path]:
    """The files below ``root`` whose name ``wanted(name)`` accepts, as
    :func:`iter_python_files` lists them (the same guards), leaving out the folders
    named in ``skip_dirs`` (and ``*.egg-info``)."""
    report = skipped if skipped is not None else _LoggedSkips()
    if os.path.isfile(root):
        return [root]
    if not os.path.isdir(root):
        report.append(SkippedFile(root, listed_file_problem(root, None) or "is not a folder"))
        return []
    inside = None if follow_symlinks else Path(os.path.realpath(root))
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    walk = os.walk(
        root,
        followlinks=follow_symlinks,
        onerror=lambda err: report.append(SkippedFile(Path(err.filename or root), err.strerror or str(err))),
    )
    for dirpath, dirnames, filenames in walk:
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not d.endswith(".egg-info"))
        for name in sorted(f for f in filenames if wanted(f)):
            path = Path(dirpath, name)
            problem = listed_file_problem(path, inside)
            if problem is None:
                found.append(path)
            else:
                report.append(SkippedFile(path, problem))
    return found


TS_SUFFIXES = (".ts", ".mts", ".cts")
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs")
SCRIPT_SUFFIXES = (*TS_SUFFIXES, ".tsx", *JS_SUFFIXES)
SCRIPT_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "dist",
        "build",
        "out",
        "coverage",
        ".next",
        ".nuxt",
        "__pycache__",
        ".typelens-cache",
        ".turbo",
        ".cache",
    }
)


def dialect_of(path: str | PurePath) -> str | None:
    """``typescript``, ``tsx`` or ``javascript`` for a script file, ``None`` otherwise."""
    suffix = PurePath(str(path)).suffix.lower()
    if suffix in TS_SUFFIXES:
        return "typescript"
    if suffix == ".tsx":
        return "tsx"
    if suffix in JS_SUFFIXES:
        return "javascript"
    return None


def is_script(path: str | PurePath) -> bool:
    """Whether ``path`` names a TypeScript or JavaScript file (by its suffix)."""
    return dialect_of(path) is not None


def is_declaration_file(path: str | PurePath) -> bool:
    """``.d.ts`` (and ``.d.mts``, ``.d.cts``): declarations only, no code."""
    name = PurePath(str(path)).name.lower()
    return name.endswith((".d.ts", ".d.mts", ".d.cts"))


def iter_script_files(
    root: Path, *, declarations: bool = False, skipped: list[SkippedFile] | None = None
) -> list[Path]:
    """Every script file below ``root``, sorted, skipping ``node_modules``, build
    output and VCS folders (``.d.ts`` files only with ``declarations``), with the
    guards of :func:`iter_python_files` (regular, readable files; the others go
    to ``skipped``)."""

    def wanted(name: str) -> bool:
        return name.lower().endswith(SCRIPT_SUFFIXES) and (declarations or not is_declaration_file(name))

    return iter_source_files(root, wanted, SCRIPT_SKIP_DIRS, skipped=skipped)


class _LoggedSkips(list):
    """``skipped`` for callers that do not report skipped files themselves."""

    def append(self, item: SkippedFile) -> None:
        logger.warning("skipped %s: %s", item.path, item.reason)


def module_name_for(path: Path, root: Path) -> str:
    """The dotted module name of ``path`` under source root ``root``."""
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


INSTALLED_ROOTS = ("site-packages", "dist-packages")


# files or folders that make a folder a project's root: without one, a folder
# holding packages (/tmp, a home or downloads folder) is no project of its own
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg")


def project_scope(root: Path, path: Path) -> Path:
    """What of ``root`` is the project of ``path`` (``ProjectIndex(scope=...)``): all
    of it, except in a library folder (site-packages, or the standard library
    itself) or in a folder with no project marker (:data:`PROJECT_MARKERS`: a
    package copied into ``/tmp``), where it is the outermost package holding
    ``path`` (or ``path`` itself, a module beside no ``__init__.py``).  Every
    module of a whole site-packages or stdlib would be an analysis of hours and
    gigabytes, and a scratch folder's other files are no part of the package;
    a library's other modules are found through the search paths and stubs, a
    scratch folder's when they are imported (:class:`ProjectIndex`).

    Example: ``project_scope(Path("/tmp/x"), Path("/tmp/x/json_copy/decoder.py"))``
    is ``/tmp/x/json_copy``; with ``/tmp/x/pyproject.toml`` it is ``/tmp/x``."""
    if not path.is_relative_to(root) or path == root:
        return root
    if is_library_root(root) or not has_project_marker(root):
        return root / path.relative_to(root).parts[0]
    return root


def project_root_of(path: Path) -> Path:
    """The folder above the outermost package holding ``path`` (the import root)."""
    current = path if path.is_dir() else path.parent
    while (current / "__init__.py").exists() and current.parent != current:
        current = current.parent
    return current


def has_project_marker(root: Path) -> bool:
    """Whether ``root`` (or, for a ``src`` folder, the folder above it) holds one of
    :data:`PROJECT_MARKERS`."""
    folders = (root, root.parent) if root.name == "src" else (root,)
    return any(os.path.exists(folder / marker) for folder in folders for marker in PROJECT_MARKERS)


def is_library_root(root: Path) -> bool:
    """Whether ``root`` is an installed-packages folder or a standard library folder
    (``os.py`` and ``importlib/`` side by side)."""
    return root.name in INSTALLED_ROOTS or (
        (root / "os.py").is_file() and (root / "importlib" / "__init__.py").is_file()
    )


def holds_python_files(folder: Path, inside: Path) -> bool:
    """Whether :func:`iter_python_files` would list a file below ``folder``: the
    walk stops at the first one (a large data folder named like a module)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in PYTHON_SKIP_DIRS and not d.endswith(".egg-info")]
        for name in filenames:
            if name.endswith((".py", ".pyi")) and listed_file_problem(Path(dirpath, name), inside) is None:
                return True
    return False


def module_files(base: Path, rel: Path) -> tuple[tuple[Path, bool], ...]:
    """The files module ``rel`` (``a/b`` for ``a.b``) could be in below ``base``, in
    the import system's order, each with whether it is a package."""
    return (
        (base / rel / "__init__.pyi", True),
        (base / rel / "__init__.py", True),
        (base / rel.with_suffix(".pyi"), False),
        (base / rel.with_suffix(".py"), False),
    )
