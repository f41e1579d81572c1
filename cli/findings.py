"""``analyze``'s findings as people and CI read them: text (coloured on a
terminal), JSON, GitHub workflow annotations and per-rule statistics.

A :class:`Finding` is a diagnostic placed for output: the file's absolute path
and its display path (relative to the working folder, see :mod:`.paths`), 1-based
lines and character columns (:mod:`.positions`), and its line's text (for the
baseline's hash).  Colour follows ``--color auto|always|never``: ``auto`` colours
a terminal unless ``NO_COLOR`` is set to anything but the empty string.

Example::

    src/shop/service.py:40:16: error [attr-defined] 'Order' has no attribute 'totl'
    ::error file=src/shop/service.py,line=40,col=16,endLine=40,endColumn=20,title=attr-defined::'Order' has no attribute 'totl'
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass

from typelens.analyzer import Diagnostic
from typelens.analyzer.codes import CODES
from typelens.analyzer.source import file_prefix

from .paths import display_path
from .positions import human_position


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic as the command line reports it: paths, 1-based lines and columns, code, severity and message."""

    path: str  # absolute
    file: str  # for display: relative to the working folder, else absolute
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    severity: str
    message: str
    line_text: str


def build_findings(diagnostics: list[Diagnostic]) -> list[Finding]:
    """``diagnostics`` (with absolute paths) placed for output, in file and line order."""
    sources: dict[str, bytes] = {}
    split: dict[str, list[bytes]] = {}  # each file's lines, split once (not once a finding)
    found = []
    for d in diagnostics:
        if d.path not in sources:
            sources[d.path] = file_prefix(d.path)  # b"" for a FIFO or device reported as unreadable
            split[d.path] = sources[d.path].split(b"\n")
        data = sources[d.path]
        line, col = human_position(data, d.span.start_row, d.span.start_col)
        end_line, end_col = human_position(data, d.span.end_row, d.span.end_col)
        lines = split[d.path]
        text = lines[d.span.start_row].decode("utf-8", "replace") if d.span.start_row < len(lines) else ""
        found.append(
            Finding(d.path, display_path(d.path), line, col, end_line, end_col, d.code, d.severity, d.message, text)
        )
    found.sort(key=lambda f: (f.file, f.line, f.col, f.code))
    return found


# -- colour --------------------------------------------------------------------------------
_STYLES = {"path": "1", "error": "1;31", "warning": "1;33", "info": "1;36", "code": "2"}


def use_colour(choice: str, is_tty: bool) -> bool:
    """``--color``: always, never, or auto (a terminal, and ``NO_COLOR`` unset or empty)."""
    if choice != "auto":
        return choice == "always"
    return is_tty and not os.environ.get("NO_COLOR")


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if colour and style in _STYLES else text


# -- formats --------------------------------------------------------------------------------
def render_text(findings: list[Finding], summary: str, colour: bool = False) -> str:
    lines = [
        f"{_paint(f.file, 'path', colour)}:{f.line}:{f.col}: {_paint(f.severity, f.severity, colour)} "
        f"{_paint(f'[{f.code}]', 'code', colour)} {f.message}"
        for f in findings
    ]
    return "\n".join([*lines, summary]) + "\n"


def finding_row(f: Finding) -> dict:
    """A finding as a JSON row (``analyze``'s diagnostics, ``infer``'s)."""
    return {
        "file": f.file,
        "line": f.line,
        "col": f.col,
        "end_line": f.end_line,
        "end_col": f.end_col,
        "code": f.code,
        "severity": f.severity,
        "message": f.message,
    }


def render_json(findings: list[Finding], stats: dict) -> str:
    rows = [finding_row(f) for f in findings]
    return json.dumps({"diagnostics": rows, "stats": stats}, indent=1, ensure_ascii=False) + "\n"


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: one annotation per finding, on the changed lines' diff."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file)}", f"line={f.line}", f"col={f.col}"]
        if (f.end_line, f.end_col) > (f.line, f.col):
            props += [f"endLine={f.end_line}", f"endColumn={f.end_col}"]
        props.append(f"title={_escape_property(f'typelens {f.code}')}")
        lines.append(f"::{_GITHUB_LEVEL.get(f.severity, 'warning')} {','.join(props)}::{_escape_data(f.message)}")
    return "".join(line + "\n" for line in lines)


def by_code(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.code for f in findings)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def render_statistics(findings: list[Finding], summary: str, colour: bool = False) -> str:
    """One row per rule, most frequent first (``--statistics``)."""
    counts = by_code(findings)
    width = max((len(code) for code in counts), default=0)
    rows = []
    for code, count in counts.items():
        known = CODES.get(code)
        severity = known.severity.value if known else "warning"
        description = known.description if known else ""
        rows.append(
            f"{count:6d}  {_paint(code.ljust(width), 'code', colour)}  "
            f"{_paint(severity.ljust(7), severity, colour)}  {description}"
        )
    return "\n".join([*rows, summary]) + "\n"
