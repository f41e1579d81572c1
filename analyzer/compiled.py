"""Which build of the core runs: the modules mypyc compiled, or the Python sources.

``tools/mypyc-build`` (run by ``make run`` and ``make test``, and by the wheel's
build when a C compiler is present) compiles the hot modules of ``analyzer/`` and
``typeinfer/`` into a folder ``_mypyc/`` inside each package, and writes last a
manifest of every ``.py`` file of the two packages (size, mtime, hash).  Each
package's ``__init__`` calls :func:`extend_path`: the folder goes first on the
package's ``__path__``, so ``import typelens.analyzer.graph`` finds the extension
module before ``graph.py``, only when the manifest matches the sources as they are
now: all of them, since a compiled module trusts the types of the modules it
calls.  An edit, an added or removed module, another Python, or ``TYPELENS_PURE=1``
runs the pure-Python modules, all of them (compiled modules call each other
through C, so half a build cannot run).  Files whose size and mtime match are not
read; others are hashed (an installed wheel's files have new mtimes).

Example::

    >>> from typelens.analyzer.compiled import compiled_state
    >>> compiled_state()        # in a checkout without a build
    (False, 'no compiled build (analyzer/_mypyc/manifest.txt)')

This module is not compiled itself and imports nothing heavy: ``typelens -v
--version`` reports its answer.
"""

from __future__ import annotations

import hashlib
import os
from importlib.machinery import EXTENSION_SUFFIXES

FOLDER = "_mypyc"
MANIFEST = "manifest.txt"
PACKAGES = ("analyzer", "typeinfer")
# the folder that holds analyzer/ and typeinfer/: the checkout, or site-packages/typelens
CORE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST_PATH = os.path.join(PACKAGES[0], FOLDER, MANIFEST)

_state: tuple[bool, str] | None = None


def source_files(root: str = CORE_ROOT) -> list[str]:
    """Every ``.py`` file of the two packages, as ``analyzer/graph.py`` paths, sorted."""
    found: list[str] = []
    for package in PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(root, package)):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", FOLDER)]
            relative = os.path.relpath(folder, root).replace(os.sep, "/")
            found.extend(f"{relative}/{name}" for name in files if name.endswith(".py"))
    return sorted(found)


def fingerprint(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()


def manifest_text(root: str, suffix: str, extensions: list[str]) -> str:
    """The manifest of a build whose extension modules (paths under ``root``) end in
    ``suffix``: one ``ext`` line per module, one ``src`` line per source file."""
    lines = [f"suffix {suffix}", *(f"ext {path}" for path in sorted(extensions))]
    for path in source_files(root):
        stat = os.stat(os.path.join(root, path))
        lines.append(f"src {stat.st_size} {stat.st_mtime_ns} {fingerprint(os.path.join(root, path))} {path}")
    return "\n".join(lines) + "\n"


def stale_reason(root: str = CORE_ROOT) -> str | None:
    """Why the build under ``root`` cannot run (no build, another Python, a missing
    extension module, an edited, added or removed source), or None when it can."""
    try:
        with open(os.path.join(root, MANIFEST_PATH), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return f"no compiled build ({MANIFEST_PATH})"
    if not lines or lines[0].partition(" ")[2] not in EXTENSION_SUFFIXES:
        return "built for another Python"
    listed = []
    for line in lines[1:]:
        kind, _, rest = line.partition(" ")
        if kind == "ext" and not os.path.isfile(os.path.join(root, rest)):
            return f"{rest} is missing"
        if kind == "src":
            try:
                size, mtime, digest, path = rest.split(" ", 3)
                size_now, mtime_now = int(size), int(mtime)
            except ValueError:
                return "the manifest is damaged"
            listed.append(path)
            try:
                stat = os.stat(os.path.join(root, path))
            except OSError:
                return f"{path} was removed"
            if stat.st_size != size_now or (
                stat.st_mtime_ns != mtime_now and fingerprint(os.path.join(root, path)) != digest
            ):
                return f"{path} changed since the build"
    if listed != source_files(root):
        return "a module was added since the build"
    return None


def compiled_state() -> tuple[bool, str]:
    """``(True, where)`` when the compiled modules run, else ``(False, why not)``;
    decided once per process."""
    global _state
    if _state is None:
        if os.environ.get("TYPELENS_PURE", "") not in ("", "0"):
            _state = (False, "TYPELENS_PURE is set")
        else:
            reason = stale_reason()
            folder = os.path.join(CORE_ROOT, PACKAGES[0], FOLDER)
            _state = (True, folder) if reason is None else (False, reason)
    return _state


def extend_path(path: list[str], package: str) -> None:
    """Put ``package``'s compiled folder first on its ``__path__`` when the build runs."""
    if compiled_state()[0]:
        path.insert(0, os.path.join(CORE_ROOT, package, FOLDER))
