"""``typelens analyze PATH...``: diagnostics from inferred types, for CI.

Exit codes: 0 nothing found, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import enum
import json
import logging
from pathlib import Path

import typer

from typelens.analyzer import InputError
from typelens.typeinfer.run import InferOptions, check_paths

from typelens.typeinfer.settings import load_settings, parse_code_list
from .output import write_output
from .positions import human_position
from .sarif import sarif_document

logger = logging.getLogger(__name__)


class AnalyzeFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _positions(base_paths: dict[str, Path]):
    cache: dict[str, bytes] = {}

    def positions(d) -> tuple[int, int, int, int]:
        path = base_paths.get(d.path)
        if d.path not in cache:
            try:
                cache[d.path] = path.read_bytes() if path is not None else b""
            except OSError:
                cache[d.path] = b""
        data = cache[d.path]
        line, col = human_position(data, d.span.start_row, d.span.start_col)
        end_line, end_col = human_position(data, d.span.end_row, d.span.end_col)
        return line, col, end_line, end_col
    return positions


def _display_map(paths: list[Path]) -> dict[str, Path]:
    from typelens.typeinfer.run import file_sets
    mapping = {}
    for fs in file_sets(paths):
        for f in fs.files:
            mapping[f.name if fs.single else str(f.relative_to(fs.base))] = f
    return mapping


def analyze_command(
    paths: list[Path] = typer.Argument(..., help="Files or directories to check."),
    fmt: AnalyzeFormat = typer.Option(AnalyzeFormat.text, "--format", "-f", help="Output format."),
    select: str = typer.Option("", "--select", help="Comma list of rule codes to report (all by default)."),
    ignore: str = typer.Option("", "--ignore", help="Comma list of rule codes to leave out."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Report problems found from inferred types (exit 1 when there are findings)."""
    try:
        settings = load_settings(paths[0])
        chosen = parse_code_list(select, "--select") or settings.select
        dropped = parse_code_list(ignore, "--ignore") | settings.ignore
        diagnostics, stats = check_paths(paths, InferOptions())
        displays = _display_map(paths)
    except (InputError, ValueError) as err:
        typer.echo(f"typelens analyze: {err}", err=True)
        raise typer.Exit(2) from None
    kept = [d for d in diagnostics if (not chosen or d.code in chosen) and d.code not in dropped
            and not _excluded(d.path, settings.exclude)]
    positions = _positions(displays)
    if fmt is AnalyzeFormat.sarif:
        text = json.dumps(sarif_document(kept, positions), indent=1, ensure_ascii=False) + "\n"
    elif fmt is AnalyzeFormat.json:
        rows = []
        for d in kept:
            line, col, end_line, end_col = positions(d)
            rows.append({"file": d.path, "line": line, "col": col, "end_line": end_line, "end_col": end_col,
                         "code": d.code, "severity": d.severity, "message": d.message})
        text = json.dumps({"diagnostics": rows, "stats": {**stats, "findings": len(kept)}}, indent=1,
                          ensure_ascii=False) + "\n"
    else:
        lines = []
        for d in kept:
            line, col, _, _ = positions(d)
            lines.append(f"{d.path}:{line}:{col}: {d.severity} [{d.code}] {d.message}")
        lines.append(f"{len(kept)} finding(s) in {stats['files']} file(s)")
        text = "\n".join(lines) + "\n"
    write_output(text, output, command="analyze", is_json=fmt is not AnalyzeFormat.text)
    if any(d.code == "internal-error" for d in kept):
        raise typer.Exit(2)
    raise typer.Exit(1 if kept else 0)


def _excluded(display: str, patterns: tuple[str, ...]) -> bool:
    return any(display.startswith(p.rstrip("/") + "/") or display == p for p in patterns)
