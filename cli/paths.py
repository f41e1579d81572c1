"""How the command line names files: relative to the working folder.

Text, JSON and GitHub annotations show a path relative to the working folder
(``src/shop/service.py``), absolute when the file lies outside it, with ``/``
separators on every system, so that editors, ``git apply`` and GitHub find it.
SARIF gives the same relative path as a percent-encoded URI reference against
``%SRCROOT%`` (the working folder, in ``originalUriBaseIds``), and a ``file://``
URI for a file outside it.

Example::

    >>> display_path(Path.cwd() / "sub dir" / "my file é.py")
    'sub dir/my file é.py'
    >>> sarif_location(Path.cwd() / "sub dir" / "my file é.py")
    {'uri': 'sub%20dir/my%20file%20%C3%A9.py', 'uriBaseId': '%SRCROOT%'}
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from urllib.parse import quote

DEFAULT_BASELINE = Path("typelens-baseline.json")  # where ``analyze --write-baseline`` writes by default

SRCROOT = "%SRCROOT%"


def _relative(path: Path, cwd: Path | None = None) -> Path | None:
    cwd = cwd or Path.cwd()
    try:
        return Path(path).relative_to(cwd)
    except ValueError:
        try:
            return Path(path).resolve().relative_to(cwd.resolve())
        except (ValueError, OSError):
            return None


def display_path(path: str | Path, cwd: Path | None = None) -> str:
    """``path`` (absolute) relative to the working folder, else absolute; ``/`` separators."""
    return _display(str(path), str(cwd or Path.cwd()))


@functools.lru_cache(maxsize=4096)
def _display(path: str, cwd: str) -> str:
    # memoised: a JSON report names each file once per prediction, and resolving
    # a path outside the working folder reads the file system
    relative = _relative(Path(path), Path(cwd))
    return relative.as_posix() if relative is not None else Path(path).as_posix()


def srcroot_uri(cwd: Path | None = None) -> str:
    """The working folder as a ``file://`` URI ending in ``/`` (SARIF's rule for base URIs)."""
    uri = (cwd or Path.cwd()).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def sarif_location(path: str | Path, cwd: Path | None = None) -> dict:
    """A SARIF ``artifactLocation`` for the file ``path`` (absolute)."""
    relative = _relative(Path(path), cwd)
    if relative is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}
