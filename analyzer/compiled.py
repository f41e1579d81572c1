"""Which build of the core runs: the modules mypyc compiled, or the Python sources.

``tools/mypyc-build`` (run by ``make run`` and ``make test``, and by the wheel's
build when a C compiler is present) compiles the hot modules of ``analyzer/`` and
``typeinfer/`` into a folder ``_mypyc/`` inside each package, and writes last a
manifest of every source file of the two packages (size, mtime, hash).  Each
package's ``__init__`` calls :func:`extend_path`: the folder goes first on the
package's ``__path__``, so ``import typelens.analyzer.graph`` finds the extension
module before ``graph.py``, only when the manifest matches the sources as they are
now: all of them, since a compiled module trusts the types of the modules it
calls.  An edit, an added or removed module, another Python, or ``TYPELENS_PURE=1``
runs the pure-Python modules, all of them (compiled modules call each other
through C, so half a build cannot run).  Files whose size and mtime match are not
read; others are hashed (an installed wheel's files have new mtimes), once: a
check that hashed keeps its verdict in ``<cache-dir>/library/code/`` under a
hash of the manifest and of every file's stats (path, size, inode,
modification and change times in nanoseconds), and the next start that finds
the same stats reads no source.  An edit always sets a change time, which no
program can set back; a verdict is kept only when every file changed two
seconds or more before the stats were taken (an edit in the same tick of the
file system's clock cannot follow it), and a file system without change
times keeps none (as ``analyzer.cache.source_digest`` does).

Example::

    >>> from typelens.analyzer.compiled import compiled_state
    >>> compiled_state()        # in a checkout without a build
    (False, 'no compiled build (analyzer/_mypyc/manifest.txt)')

This module is not compiled itself and imports nothing heavy: ``typelens -v
--version`` reports its answer.
"""

from __future__ import annotations

import contextlib
import os
import time
from importlib.machinery import EXTENSION_SUFFIXES
from typing import Any, Callable

FOLDER = "_mypyc"
MANIFEST = "manifest.txt"
PACKAGES = ("analyzer", "typeinfer")
# the folder that holds analyzer/ and typeinfer/: the checkout, or site-packages/typelens
CORE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST_PATH = os.path.join(PACKAGES[0], FOLDER, MANIFEST)
SETTLED_NS = 2_000_000_000  # a file changed this recently may change again within its time stamp's tick
_MEMO_MAGIC = b"typelens-compiled-1"

_state: tuple[bool, str] | None = None


def source_files(root: str = CORE_ROOT) -> list[str]:
    """Every ``.py`` and ``.c`` file of the two packages (the C: the classifier's
    kernel, ``typeinfer/neural/_kernel.c``), as ``analyzer/graph.py`` paths, sorted."""
    found: list[str] = []
    for package in PACKAGES:
        for folder, dirs, files in os.walk(os.path.join(root, package)):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", FOLDER)]
            relative = os.path.relpath(folder, root).replace(os.sep, "/")
            found.extend(f"{relative}/{name}" for name in files if name.endswith((".py", ".c")))
    return sorted(found)


def _blake2b() -> Callable[..., Any]:
    """``analyzer.digest.blake2b``, imported here when something is hashed (a
    start whose sources keep their build's mtimes hashes nothing), without the
    package: ``tools/mypyc-build`` loads this file on its own."""
    try:
        from _blake2 import blake2b
    except ImportError:  # not CPython
        from hashlib import blake2b
    return blake2b


def fingerprint(path: str) -> str:
    with open(path, "rb") as handle:
        return _blake2b()(handle.read(), digest_size=16).hexdigest()


def manifest_text(root: str, suffix: str, extensions: list[str]) -> str:
    """The manifest of a build whose extension modules (paths under ``root``) end in
    ``suffix``: one ``ext`` line per module, one ``src`` line per source file."""
    lines = [f"suffix {suffix}", *(f"ext {path}" for path in sorted(extensions))]
    for path in source_files(root):
        stat = os.stat(os.path.join(root, path))
        lines.append(f"src {stat.st_size} {stat.st_mtime_ns} {fingerprint(os.path.join(root, path))} {path}")
    return "\n".join(lines) + "\n"


def stale_reason(root: str = CORE_ROOT, memo: str | None = None, *, settled_ns: int = SETTLED_NS) -> str | None:
    """Why the build under ``root`` cannot run (no build, another Python, a missing
    extension module, an edited, added or removed source), or None when it can.
    With ``memo`` (a folder), a verdict reached by hashing is kept there for the
    files' stats (see the module docstring)."""
    try:
        with open(os.path.join(root, MANIFEST_PATH), encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return f"no compiled build ({MANIFEST_PATH})"
    lines = text.splitlines()
    if not lines or lines[0].partition(" ")[2] not in EXTENSION_SUFFIXES:
        return "built for another Python"
    started = time.time_ns()
    listed: list[str] = []
    touched: list[tuple[str, str]] = []  # (path, digest) of the files whose mtime moved
    stats: list[str] = []
    for line in lines[1:]:
        kind, _, rest = line.partition(" ")
        if kind == "ext" and not os.path.isfile(os.path.join(root, rest)):
            return f"{rest} is missing"
        if kind == "src":
            try:
                size, mtime, digest, path = rest.split(" ", 3)
                built_size, built_mtime = int(size), int(mtime)
            except ValueError:
                return "the manifest is damaged"
            listed.append(path)
            try:
                stat = os.stat(os.path.join(root, path))
            except OSError:
                return f"{path} was removed"
            if stat.st_size != built_size:
                return f"{path} changed since the build"
            if stat.st_mtime_ns != built_mtime:
                touched.append((path, digest))
            stats.append(f"{path}\0{stat.st_size} {stat.st_ino} {stat.st_mtime_ns} {stat.st_ctime_ns}")
            if not stat.st_ctime_ns or max(stat.st_mtime_ns, stat.st_ctime_ns) > started - settled_ns:
                memo = None  # a file changed within the tick (or no change times): nothing is kept
    if listed != source_files(root):
        return "a module was added since the build"
    if touched:
        return _hashed_verdict(root, text, stats, touched, memo)
    return None


def _hashed_verdict(
    root: str, manifest: str, stats: list[str], touched: list[tuple[str, str]], memo: str | None
) -> str | None:
    """Whether the ``touched`` files (same size, another mtime) still hold the
    built text: a kept verdict for the same manifest and stats, else their hashes
    (a match is kept in ``memo``)."""
    blake2b = _blake2b()
    where = stamp = None
    if memo is not None and os.name != "nt":  # Windows' st_ctime is the creation time, not the last change
        folder = blake2b(os.fsencode(os.path.abspath(root)), digest_size=8).hexdigest()
        where = os.path.join(memo, f"compiled-{folder}.txt")
        stamp = blake2b(_MEMO_MAGIC + manifest.encode() + "\n".join(stats).encode(), digest_size=16).hexdigest()
        if _kept(where) == f"{stamp} fresh\n":
            return None
    for path, digest in touched:
        if fingerprint(os.path.join(root, path)) != digest:
            return f"{path} changed since the build"
    if where is not None:
        _keep(where, f"{stamp} fresh\n")
    return None


def _kept(where: str) -> str:
    """The verdict kept in ``where``; empty when there is none (or it is unreadable)."""
    try:
        with open(where, encoding="ascii") as handle:
            return handle.read(256)
    except (OSError, ValueError):
        return ""


def _keep(where: str, text: str) -> None:
    """``text`` written to ``where`` through a file renamed over it; a folder that
    cannot be written keeps nothing (the next start hashes again)."""
    partial = f"{where}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(where), exist_ok=True)
        with open(partial, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(partial, where)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)


def memo_folder() -> str | None:
    """``<cache-dir>/library/code``: where the verdicts are kept (the cache folder
    as ``analyzer.cache.cache_root`` finds it, without importing that module);
    ``None`` when no absolute folder is found (no home directory: ``~`` stays
    ``~``, which would put a folder named ``~`` in the working directory).  It is
    decided when the package is imported, before a command's options are read, so
    ``--no-cache`` and ``cache-dir`` do not reach it; ``TYPELENS_CACHE_DIR`` does."""
    explicit = os.environ.get("TYPELENS_CACHE_DIR")
    if explicit:
        root = explicit
    else:
        root = os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "typelens"
        )
    return os.path.join(root, "library", "code") if os.path.isabs(root) else None


def compiled_state() -> tuple[bool, str]:
    """``(True, where)`` when the compiled modules run, else ``(False, why not)``;
    decided once per process."""
    global _state
    if _state is None:
        if os.environ.get("TYPELENS_PURE", "") not in ("", "0"):
            _state = (False, "TYPELENS_PURE is set")
        else:
            reason = stale_reason(memo=memo_folder())
            folder = os.path.join(CORE_ROOT, PACKAGES[0], FOLDER)
            _state = (True, folder) if reason is None else (False, reason)
    return _state


def extend_path(path: list[str], package: str) -> None:
    """Put ``package``'s compiled folder first on its ``__path__`` when the build runs."""
    if compiled_state()[0]:
        path.insert(0, os.path.join(CORE_ROOT, package, FOLDER))
