"""Baselines: the findings a project had when it adopted typelens stop failing CI;
new ones still do.

``typelens analyze --write-baseline`` writes the current findings to a JSON file
(``--baseline FILE``, default ``typelens-baseline.json``); ``--baseline FILE`` then
reports only findings that are not in it.  As in basedpyright, a finding matches
an entry by file, rule and a hash of its line's text (stripped), not by line
number, so an edit elsewhere in the file does not bring it back; each entry
absorbs one finding, so a second copy of the same mistake on an identical line
is new.  ``file`` is relative to the baseline's folder (``/`` separators), so CI
and developers can run from anywhere in the checkout; ``line`` and ``message``
are there for people reading the diff.

Example::

    {"version": 1, "tool": "typelens", "findings": [
      {"file": "src/shop/service.py", "code": "attr-defined", "hash": "6f1c0e9a2b7d4c13",
       "line": 40, "message": "'Order' has no attribute 'totl'"}]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from typelens.analyzer import InputError
from typelens.analyzer.digest import blake2b

from .findings import Finding
from .paths import DEFAULT_BASELINE  # noqa: F401  (where --write-baseline writes by default)

VERSION = 1


def line_hash(text: str) -> str:
    """The hash of a finding's line: its text without surrounding whitespace."""
    return blake2b(text.strip().encode("utf-8"), digest_size=8).hexdigest()


def _key_file(path: str, folder: Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _key(f: Finding, folder: Path) -> tuple[str, str, str]:
    return _key_file(f.path, folder), f.code, line_hash(f.line_text)


def write_baseline(path: Path, findings: list[Finding]) -> None:
    """Write ``findings`` to ``path`` (through a temporary file: never half a baseline)."""
    folder = path.resolve().parent
    rows = [
        {"file": file, "code": code, "hash": digest, "line": f.line, "message": f.message}
        for f in findings
        for file, code, digest in [_key(f, folder)]
    ]
    rows.sort(key=lambda r: (r["file"], r["line"], r["code"]))
    text = json.dumps({"version": VERSION, "tool": "typelens", "findings": rows}, indent=1, ensure_ascii=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        raise InputError(f"cannot write the baseline {str(path)!r}: {err}") from None


def read_baseline(path: Path) -> Counter:
    """The entries of the baseline ``path``; :class:`InputError` when it is missing or damaged."""
    if not path.is_file():
        raise InputError(f"baseline {str(path)!r} does not exist; write it with --write-baseline")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != VERSION:
            raise ValueError(f"version {doc.get('version')!r}, expected {VERSION}")
        return Counter((r["file"], r["code"], r["hash"]) for r in doc["findings"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(
            f"baseline {str(path)!r} cannot be read: {err}; write it again with --write-baseline"
        ) from None


def split_new(findings: list[Finding], path: Path) -> tuple[list[Finding], int]:
    """The findings not in the baseline ``path``, and how many were in it."""
    entries = read_baseline(path)
    folder = path.resolve().parent
    new = []
    for f in findings:
        key = _key(f, folder)
        if entries[key] > 0:
            entries[key] -= 1
        else:
            new.append(f)
    return new, len(findings) - len(new)
