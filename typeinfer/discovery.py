"""Which files a command analyses, and with which rule settings.

A layer over ``iter_python_files`` (which lists every ``.py`` file below a folder):
each listed file gets the settings of its nearest ``[tool.typelens]``
(:class:`~typelens.typeinfer.settings.SettingsTree`); it is left out, before
anything parses it, when that file's ``exclude`` globs match it or, with
``respect-gitignore`` (the default), when the ``.gitignore`` files from the
repository's top down leave it out.  A file named on the command line is
analysed even so, unless ``force-exclude`` is set (pre-commit names every
changed file).  ``per-file-ignores`` add rules to the ignored ones of the files
their globs match.  A left-out module can still be read when an analysed one
imports it: it is not analysed, only resolved.

Example::

    discovery = Discovery(SettingsTree(Path.cwd()))
    top = discovery.top_for(Path("src").resolve())
    discovery.is_excluded(Path("src/build/gen.py").resolve(), top)     # True with exclude = ["build/"]
    discovery.settings_of(Path("tests/test_x.py").resolve()).ignore    # {'attr-defined'} from per-file-ignores
"""

from __future__ import annotations

import logging
from pathlib import Path

from typelens.analyzer.ignores import GitIgnores, GlobSet, repository_top

from .settings import Settings, SettingsTree

logger = logging.getLogger(__name__)


class Discovery:
    """File selection and per-file settings for one run (see the module docstring)."""

    def __init__(self, tree: SettingsTree) -> None:
        self.tree = tree
        self.gitignores = GitIgnores()
        self._excludes: dict[Settings, GlobSet] = {}
        self._per_file: dict[Settings, list[tuple[GlobSet, frozenset[str]]]] = {}

    @property
    def settings(self) -> Settings:
        """The settings of the working folder (for what is not per file: the environment, models)."""
        return self.tree.default

    def top_for(self, folder: Path, *, named: bool = False) -> Path:
        """Where ``.gitignore`` files start to count: the repository's top folder,
        else ``folder``.  A folder ``named`` on the command line that the
        repository ignores is its own top (``analyze .venv/lib/.../click``
        analyses what was asked for, as ripgrep and ruff search a named folder)."""
        top = repository_top(folder) or folder
        if named and top != folder and self.gitignores.is_ignored_folder(folder, top):
            logger.info("%s: ignored by .gitignore but named: its own ignore files count", folder)
            return folder
        return top

    def is_excluded(self, path: Path, top: Path, *, is_named: bool = False) -> bool:
        """Whether the file ``path`` (absolute) is left out; ``is_named``: given on
        the command line (left out only with ``force-exclude``)."""
        settings = self.tree.for_path(path)
        if is_named and not settings.force_exclude:
            return False
        if self.excluded_by(settings, path):
            return True
        return settings.respect_gitignore and self.gitignores.is_ignored(path, top)

    def excluded_by(self, settings: Settings, path: Path) -> bool:
        """Whether the ``exclude`` globs of ``settings`` match the file ``path`` (absolute)."""
        if not settings.exclude:
            return False
        if settings not in self._excludes:
            self._excludes[settings] = GlobSet(settings.base, settings.exclude)
        if self._excludes[settings].matches(path):
            logger.info("%s: excluded by %s", path, settings.source or "the command line")
            return True
        return False

    def settings_of(self, path: Path) -> Settings:
        """The rule settings of the file ``path``: its nearest configuration's, with
        the rules its ``per-file-ignores`` globs name ignored."""
        return self.rules_for(self.tree.for_path(path), path)

    def rules_for(self, settings: Settings, path: Path) -> Settings:
        """``settings`` with the rules its ``per-file-ignores`` globs name for ``path`` ignored."""
        if not settings.per_file_ignores:
            return settings
        if settings not in self._per_file:
            self._per_file[settings] = [
                (GlobSet(settings.base, [glob]), codes) for glob, codes in settings.per_file_ignores
            ]
        ignored = frozenset().union(*(codes for globs, codes in self._per_file[settings] if globs.matches(path)))
        return settings.ignoring(ignored)
