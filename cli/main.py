"""The ``typelens`` command line: a thin edge over the analyzer's façades.

Exit codes: 0 success, 1 findings (``analyze``), 2 usage or internal error.

Example::

    $ typelens graph examples/shop --format json --edges cfg,dfg > shop.json
"""

from __future__ import annotations

import logging
import sys

import typer

from .analyze_cmd import analyze_command
from .complete_cmd import complete_command
from .dataset_cmd import app as dataset_app
from .graph_cmd import graph_command
from .model_cmds import evaluate_command, export_command, train_app
from .infer_cmd import infer_command

logger = logging.getLogger(__name__)

app = typer.Typer(
    name="typelens",
    help="Static analysis and code intelligence for Python: program graphs, type inference, guided decoding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
def lsp_command(tcp: int = typer.Option(None, "--tcp", help="Listen on 127.0.0.1:PORT instead of stdio (debugging).")) -> None:
    """Run the language server (stdio by default)."""
    from typelens.lsp.server import main as serve
    serve(tcp)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
