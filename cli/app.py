"""The ``typelens`` command tree (typer), built when a command runs.

``cli/main.py`` imports this module only when the command line needs typer: not
for ``typelens --version``.  Help and usage errors use click's plain formatter
(``rich_markup_mode=None``): rich's panels cost a third of a second of imports
on every ``--help`` and every mistyped option.  The analysis itself is imported
inside each command (``analyze_cmd``, ``infer_cmd``, ...).

Example::

    $ typelens analyze --bogus
    Usage: typelens analyze [OPTIONS] PATHS...
    Try 'typelens analyze --help' for help.

    Error: No such option: --bogus
"""

from __future__ import annotations

import logging

import typer

from .analyze_cmd import analyze_command
from .complete_cmd import complete_command
from .dataset_cmd import app as dataset_app
from .graph_cmd import graph_command
from .infer_cmd import infer_command
from .model_cmds import evaluate_command, export_command, train_app
from .version import __version__

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="typelens",
    help="Static analysis and code intelligence for Python: program graphs, type inference, guided decoding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("graph")(graph_command)
app.command("infer")(infer_command)
app.command("analyze")(analyze_command)
app.command("complete")(complete_command)
app.add_typer(dataset_app, name="dataset")
app.add_typer(train_app, name="train")
app.command("evaluate")(evaluate_command)
app.command("export")(export_command)


@app.command("lsp")
def lsp_command(
    tcp: int = typer.Option(None, "--tcp", help="Listen on 127.0.0.1:PORT instead of stdio (debugging)."),
) -> None:
    """Run the language server (stdio by default)."""
    from typelens.lsp.server import main as serve

    serve(tcp)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"typelens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
