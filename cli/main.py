"""The ``typelens`` command line: a thin edge over the analyzer's façades.

Exit codes: 0 success, 1 findings (``analyze``), 2 usage or internal error, or an
optional dependency that is not installed (one line names the extra to install).

Heavy imports (the analyzer, onnxruntime, torch, pyarrow) happen inside the
commands, so that ``--help``, ``--version`` and a command's argument errors cost
only the start of Python and typer.

Example::

    $ typelens graph examples/shop --format json --edges cfg,dfg > shop.json
    $ typelens complete app.py:3:5        # in a base install
    typelens complete needs the 'ml' extra: pip install 'typelens[ml]'
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
from .version import __version__

logger = logging.getLogger(__name__)

# The top-level modules of the optional dependencies, and the extra (pyproject.toml)
# that installs each.
EXTRA_OF_MODULE = {
    "torch": "ml",
    "transformers": "ml",
    "safetensors": "ml",
    "tokenizers": "ml",
    "onnx": "ml",
    "onnxscript": "ml",
    "matplotlib": "ml",
    "pyarrow": "datasets",
    "datasketch": "datasets",
    "dask": "datasets",
    "distributed": "datasets",
    "tqdm": "datasets",
}
_GROUPS = frozenset({"dataset", "train"})

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


def missing_extra(err: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``err`` misses; ``None`` when no extra does
    (a broken install, which deserves its traceback)."""
    return EXTRA_OF_MODULE.get((err.name or "").partition(".")[0])


def command_name(argv: list[str]) -> str:
    """``typelens complete`` or ``typelens train lm``: the command that ``argv`` runs
    (no root option takes a value, so the first words that are not options name it)."""
    words = [arg for arg in argv if not arg.startswith("-")]
    return " ".join(["typelens", *words[: 2 if words[:1] and words[0] in _GROUPS else 1]])


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except ModuleNotFoundError as err:
        extra = missing_extra(err)
        if extra is None:
            raise
        sys.stderr.write(f"{command_name(sys.argv[1:])} needs the '{extra}' extra: pip install 'typelens[{extra}]'\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
