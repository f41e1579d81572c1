"""``typelens infer --apply [--diff]``: the safe writer.

A file is written only if: it lies under a path the user gave and is no symlink;
it did not change on disk since it was analysed; the result parses.  Writing goes
through a temporary file in the same folder and ``os.replace``, so a crash leaves
either the old file or the new one, never half of each.
"""

from __future__ import annotations

import difflib
import logging
import os
import stat
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import typer

from typelens.analyzer import source_from_bytes
from typelens.analyzer.typescript import is_script
from typelens.typeinfer.apply import annotated, apply_edits, file_parses, module_classes, plan_edits

logger = logging.getLogger(__name__)


def apply_predictions(result, paths: list[Path], *, min_confidence: float, diff_only: bool) -> int:
    allowed = [p.resolve() for p in paths]
    by_file: dict[str, list] = defaultdict(list)
    for p in result.predictions:
        by_file[p.path].append(p)
    status = 0
    changed = 0
    for path, predictions in sorted(by_file.items()):
        file_path = Path(path)
        if not any(file_path == a or a in file_path.parents for a in allowed):
            typer.echo(f"typelens infer: refusing {path}: outside the given paths", err=True)
            status = 2
            continue
        if file_path.is_symlink():
            typer.echo(f"typelens infer: refusing {path}: a symlink", err=True)
            status = 2
            continue
        engine = next((e for root, e in result.engines.items() if path.startswith(root)), None)
        if engine is None:
            continue
        outcome = _apply_file(engine, file_path, predictions, min_confidence, diff_only)
        if outcome is None:
            status = 2
        elif outcome:
            changed += 1
    if not diff_only:
        typer.echo(f"annotated {changed} file(s)", err=True)
    return status


def _apply_file(engine, path: Path, predictions, min_confidence: float, diff_only: bool) -> bool | None:
    script = is_script(path)           # TypeScript annotations or JSDoc: typeinfer.typescript.edits
    graph, new_data = annotated(engine, path, predictions, min_confidence) if script else (engine.graph(str(path)), None)
    raw = path.read_bytes()
    source = source_from_bytes(raw, str(path))
    if source.data != graph.source.data or source.is_binary:
        typer.echo(f"typelens infer: refusing {path}: it changed on disk since it was read", err=True)
        return None
    if not script:
        if graph.has_syntax_errors():
            return False
        plan = plan_edits(graph, predictions, module_classes(engine, str(path)), min_confidence)
        new_data = apply_edits(graph.source.data, plan, graph) if plan.edits else None
    if new_data is None:
        return False
    if not file_parses(new_data, path):
        typer.echo(f"typelens infer: refusing {path}: the annotated file would not parse", err=True)
        return None
    try:
        text = new_data.decode("utf-8")
        encoded = text.encode(source.encoding) if source.encoding not in ("utf-8", "utf-8-sig") else new_data
    except (UnicodeDecodeError, UnicodeEncodeError, LookupError):
        typer.echo(f"typelens infer: refusing {path}: cannot keep its encoding {source.encoding}", err=True)
        return None
    if raw.startswith(b"\xef\xbb\xbf") and not encoded.startswith(b"\xef\xbb\xbf"):
        encoded = b"\xef\xbb\xbf" + encoded
    if diff_only:
        old_lines = raw.decode(source.encoding, "replace").splitlines(keepends=True)
        new_lines = encoded.decode(source.encoding, "replace").splitlines(keepends=True)
        sys.stdout.writelines(difflib.unified_diff(old_lines, new_lines, f"a/{path.name}", f"b/{path.name}"))
        return True
    if path.read_bytes() != raw:
        typer.echo(f"typelens infer: refusing {path}: it changed on disk while annotating", err=True)
        return None
    _atomic_write(path, encoded)
    return True


def _atomic_write(path: Path, data: bytes) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".typelens", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
