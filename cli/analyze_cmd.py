"""``typelens analyze PATH...``: diagnostics from inferred types, for CI.

Exit codes: 0 nothing found (or ``--exit-zero``, or ``--write-baseline``), 1
findings (new ones, with ``--baseline``), 2 usage or internal error.  Settings
come from the ``[tool.typelens]`` nearest each file, else the working folder's;
options on the command line win (``typelens.typeinfer.settings``).

Example::

    $ typelens analyze src --output-format github
    ::error file=src/shop/service.py,line=40,col=16,...::'Order' has no attribute 'totl'
"""

# Annotations are objects here (no `from __future__ import annotations`): the
# parameters are read from them (cli/params.py), and typer evaluated string
# annotations twice (inspect.signature and get_type_hints), 40 compilations.
import enum
import json
import logging
import sys
from pathlib import Path

from .output import echo_error, write_output
from .params import Argument, Option
from .paths import DEFAULT_BASELINE

logger = logging.getLogger(__name__)


class AnalyzeFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


class Colour(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


def analyze_command(
    paths: list[Path] = Argument(..., help="Files or directories to check."),
    fmt: AnalyzeFormat = Option(
        AnalyzeFormat.text, "--output-format", "--format", "-f", help="Output format (github: workflow annotations)."
    ),
    select: str = Option(None, "--select", help="Comma list of rule codes to report (replaces the file's `select`)."),
    ignore: str = Option(None, "--ignore", help="Comma list of rule codes to leave out."),
    extend_select: str = Option(None, "--extend-select", help="Comma list of rule codes to add (e.g. unused-ignore)."),
    python: str = Option(
        None,
        "--python",
        help="The project's Python environment or interpreter (default: the python setting, the site-packages holding the path, $VIRTUAL_ENV, .venv upwards, python on PATH).",
    ),
    output: Path | None = Option(None, "--output", "-o", help="Write here instead of stdout."),
    baseline: Path | None = Option(None, "--baseline", help="Report only findings not in this baseline file."),
    write: bool = Option(
        False,
        "--write-baseline",
        help=f"Write the findings to the --baseline file (default {DEFAULT_BASELINE}) and exit 0.",
    ),
    exit_zero: bool = Option(False, "--exit-zero", help="Exit 0 even when there are findings."),
    statistics: bool = Option(False, "--statistics", help="Text format: counts per rule instead of each finding."),
    colour: Colour = Option(
        Colour.auto, "--color", help="Colour the text output (auto: on a terminal, unless NO_COLOR is set)."
    ),
    force_exclude: bool = Option(
        None,
        "--force-exclude",
        help="Apply `exclude` and .gitignore to files named here too (pre-commit).",
        show_default=False,
    ),
    respect_gitignore: bool = Option(
        None,
        "--respect-gitignore/--no-respect-gitignore",
        help="Leave out what .gitignore files leave out (default: yes).",
        show_default=False,
    ),
    no_cache: bool = Option(False, "--no-cache", help="Neither read nor write the on-disk graph cache."),
    jobs: int = Option(1, "--jobs", "-j", help="Build graphs and check files in N processes."),
) -> None:
    """Report problems found from inferred types (exit 1 when there are findings)."""
    from .main import imports_paused

    # imported here: `typelens --help` and the other commands start without the analyzer
    with imports_paused():
        from typelens.analyzer import InputError
        from typelens.typeinfer.discovery import Discovery
        from typelens.typeinfer.run import InferOptions, check_paths

        from .baseline import split_new, write_baseline
        from .findings import (
            build_findings,
            by_code,
            render_github,
            render_json,
            render_statistics,
            render_text,
            use_colour,
        )
        from .run_settings import ANALYZE_RUN_WIDE, run_tree

    cli = {
        "select": select,
        "ignore": ignore,
        "extend-select": extend_select,
        "python": python,
        "force-exclude": force_exclude,
        "respect-gitignore": respect_gitignore,
        "cache": False if no_cache else None,
    }
    try:
        discovery = Discovery(run_tree(cli, ANALYZE_RUN_WIDE))
        diagnostics, stats = check_paths(
            paths, InferOptions(jobs=jobs, settings=discovery.settings, discovery=discovery)
        )
        findings = build_findings(diagnostics)
        if write:
            target = baseline or DEFAULT_BASELINE
            write_baseline(target, findings)
            echo_error(f"wrote {len(findings)} finding(s) to the baseline {target}")
            raise SystemExit(0)
        known = 0
        if baseline is not None:
            findings, known = split_new(findings, baseline)
    except (InputError, ValueError) as err:
        echo_error(f"typelens analyze: {err}")
        raise SystemExit(2) from None
    summary = f"{len(findings)} finding(s) in {stats['files']} file(s)" + (
        f" ({known} in the baseline)" if known else ""
    )
    is_tty = output is None and sys.stdout.isatty()
    if fmt is AnalyzeFormat.sarif:
        from .sarif import sarif_document  # here: importlib.metadata (the version) costs a hundredth of a second

        text = json.dumps(sarif_document(findings), indent=1, ensure_ascii=False) + "\n"
    elif fmt is AnalyzeFormat.json:
        text = render_json(
            findings, {**stats, "findings": len(findings), "baselined": known, "by_code": by_code(findings)}
        )
    elif fmt is AnalyzeFormat.github:
        text = render_github(findings)
    elif statistics:
        text = render_statistics(findings, summary, use_colour(colour.value, is_tty))
    else:
        text = render_text(findings, summary, use_colour(colour.value, is_tty))
    write_output(text, output, command="analyze", is_json=fmt in (AnalyzeFormat.json, AnalyzeFormat.sarif))
    if any(f.code == "internal-error" for f in findings):
        raise SystemExit(2)
    raise SystemExit(1 if findings and not exit_zero else 0)
