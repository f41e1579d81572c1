"""Gitignore-style path filters: ``exclude`` globs and ``.gitignore`` files.

Patterns follow gitignore (through ``pathspec``): ``build/`` is a folder anywhere,
``/build`` only at the base, ``**/*_pb2.py`` any depth, ``!keep.py`` re-includes.
A :class:`GlobSet` matches paths relative to the folder its patterns belong to (a
pyproject.toml's folder); :class:`GitIgnores` reads the ``.gitignore`` files from a
top folder (the repository's, where there is one) down to each file, once per
folder, and applies them as git does: a deeper file's match overrides a shallower
one.  Nothing here walks the disk: the callers filter what they list.

Example::

    >>> globs = GlobSet(Path("/repo"), ["build/", "**/*_pb2.py"])
    >>> globs.matches(Path("/repo/build/x.py")), globs.matches(Path("/repo/src/a_pb2.py"))
    (True, True)
    >>> globs.matches(Path("/repo/src/a.py")), globs.matches(Path("/elsewhere/build/x.py"))
    (False, False)
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # imported where patterns are compiled: a run with none skips pathspec's import
    from pathspec import GitIgnoreSpec

logger = logging.getLogger(__name__)


def compile_patterns(lines: list[str]) -> GitIgnoreSpec:
    """The spec of gitignore ``lines``; ``ValueError`` when one is not a valid glob
    (``pathspec`` builds some regular expressions only at the first match)."""
    from pathspec import GitIgnoreSpec

    try:
        spec = GitIgnoreSpec.from_lines(lines)
        spec.match_file("x")
    except (ValueError, re.error) as err:
        raise ValueError(str(err)) from None
    return spec


def check_patterns(patterns: Iterable[str]) -> None:
    """``ValueError`` naming the first pattern that is not a valid gitignore glob."""
    for pattern in patterns:
        try:
            compile_patterns([pattern])
        except ValueError as err:
            raise ValueError(f"has an invalid glob {pattern!r}: {err}") from None


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return None


class GlobSet:
    """Gitignore-style ``patterns`` relative to ``base``."""

    __slots__ = ("base", "spec")

    def __init__(self, base: Path, patterns: Iterable[str]) -> None:
        self.base = base
        self.spec = compile_patterns(list(patterns))

    def matches(self, path: Path) -> bool:
        """Whether the file ``path`` (absolute) matches; never for files outside ``base``."""
        relative = _relative(path, self.base)
        return relative is not None and relative != "." and self.spec.match_file(relative)


def repository_top(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` holding ``.git`` (a folder, or a
    file in a worktree), or ``None``."""
    for current in (folder, *folder.parents):
        if (current / ".git").exists():
            return current
    return None


class GitIgnores:
    """The ``.gitignore`` files of a tree, each read once (see the module docstring)."""

    def __init__(self) -> None:
        self._specs: dict[Path, GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path, is_top: bool) -> GitIgnoreSpec | None:
        if folder not in self._specs:
            lines: list[str] = []
            sources = [folder / ".git" / "info" / "exclude"] if is_top else []
            for source in (*sources, folder / ".gitignore"):
                if not source.is_file():  # a folder or a FIFO of that name is no ignore file
                    continue
                try:
                    lines.extend(source.read_text(encoding="utf-8", errors="replace").splitlines())
                except OSError:
                    continue
            self._specs[folder] = _lenient(folder, lines) if lines else None
        return self._specs[folder]

    def is_ignored(self, path: Path, top: Path) -> bool:
        """Whether the ``.gitignore`` files from ``top`` down to ``path``'s folder leave ``path`` out."""
        return self._verdict(path, top, "")

    def is_ignored_folder(self, folder: Path, top: Path) -> bool:
        """Whether the ``.gitignore`` files from ``top`` down leave out the folder
        ``folder`` itself (a folder below ``top``, or ``top``: never)."""
        if folder == top or top not in folder.parents:
            return False
        return self._verdict(folder, top, "/")

    def _verdict(self, path: Path, top: Path, suffix: str) -> bool:
        """The last verdict of the ignore files above ``path`` (``suffix`` "/": a folder)."""
        ignored = False
        for folder in reversed([f for f in path.parents if f == top or top in f.parents]):
            spec = self._spec(folder, folder == top)
            if spec is None:
                continue
            found = spec.check_file(path.relative_to(folder).as_posix() + suffix)
            if found.include is not None:
                ignored = bool(found.include)
        return ignored


def _lenient(folder: Path, lines: list[str]) -> GitIgnoreSpec:
    """The spec of a folder's ignore lines, less any invalid line (named in a
    warning): one broken line must not stop the run."""
    try:
        return compile_patterns(lines)
    except ValueError:
        kept = []
        for line in lines:
            try:
                compile_patterns([line])
                kept.append(line)
            except ValueError as err:
                logger.warning("%s/.gitignore: skipping the invalid pattern %r: %s", folder, line, err)
        return compile_patterns(kept)
