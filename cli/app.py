"""The ``typelens`` command tree (typer), built when a command runs.

``cli/main.py`` imports this module only when the command line needs typer: not
for ``typelens --version``.  Help and usage errors use click's plain formatter
(``rich_markup_mode=None``): rich's panels cost a third of a second of imports
on every ``--help`` and every mistyped option.  A command line that names a
command builds the app of that command alone (:func:`app_for`); the analysis
itself is imported inside each command (``analyze_cmd``, ``infer_cmd``, ...).

Example::

    $ typelens analyze --bogus
    Usage: typelens analyze [OPTIONS] PATHS...
    Try 'typelens analyze --help' for help.

    Error: No such option: --bogus
"""

from __future__ import annotations

import importlib
import logging
from functools import cache, wraps
from typing import Any, Callable

import typer

from .commands import COMMANDS, GROUPS, configure_logging
from .params import Option, typer_signature
from .version import __version__

logger = logging.getLogger(__name__)


def lsp_command(
    tcp: int = typer.Option(None, "--tcp", help="Listen on 127.0.0.1:PORT instead of stdio (debugging)."),
) -> None:
    """Run the language server (stdio by default)."""
    from typelens.lsp.server import main as serve

    serve(tcp)


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree: every command, or (``only``) the root options and that
    command alone, so that ``typelens analyze ...`` neither imports the other
    commands' modules nor builds their parameters (a hundredth of a second)."""
    app = typer.Typer(
        name="typelens",
        help="Static analysis and code intelligence for Python: program graphs, type inference, guided decoding.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    for name, (module, attr) in COMMANDS.items():
        if only is None or name == only:
            found = getattr(importlib.import_module(module, __package__), attr)
            if name in GROUPS:
                app.add_typer(found, name=name)
            else:
                app.command(name)(_in_frame_room(found))
    app.callback()(_root)
    return app


def _in_frame_room(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` run inside ``analyzer.heap.with_frame_room`` (the engine's deep
    recursion then stops mapping and unmapping frame-stack chunks); imported
    when the command runs, so that ``--help`` loads no analysis code.  A command
    whose parameters are declared with ``cli.params`` gets typer's own in its
    signature (:func:`.params.typer_signature`)."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from typelens.analyzer.heap import with_frame_room

        return with_frame_room(command, *args, **kwargs)

    if isinstance((command.__defaults__ or (None,))[0], Option):
        run.__signature__ = typer_signature(command)  # type: ignore[attr-defined]
    return run


def app_for(argv: list[str]) -> typer.Typer:
    """The app that runs the command line ``argv``: the named command's alone
    when the first word names one, else every command (help, a mistyped name)."""
    words = [arg for arg in argv if not arg.startswith("-")]
    return build_app(words[0] if words and words[0] in COMMANDS else None)


@cache
def _every_command() -> typer.Typer:
    return build_app()


def __getattr__(name: str):
    """``app``: every command (``typer.testing.CliRunner``, ``cli.main.app``)."""
    if name == "app":
        return _every_command()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"typelens {__version__}")
        raise typer.Exit()


def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    configure_logging(verbose)
