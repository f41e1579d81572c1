"""The commands of ``typelens``: where each is defined, and what the root's
options do.  Read by the typer command tree (``cli/app.py``) and by the batch
commands' run without typer (``cli/batch.py``), so neither imports the other.

Example::

    >>> COMMANDS["analyze"]
    ('.analyze_cmd', 'analyze_command')
"""

from __future__ import annotations

# Each command and group: (its module, relative to this package, and the function
# or typer app it registers), in the order of ``typelens --help``.  A command line
# that names one builds the app of that command alone (cli/app.py, build_app).
COMMANDS: dict[str, tuple[str, str]] = {
    "graph": (".graph_cmd", "graph_command"),
    "infer": (".infer_cmd", "infer_command"),
    "analyze": (".analyze_cmd", "analyze_command"),
    "complete": (".complete_cmd", "complete_command"),
    "dataset": (".dataset_cmd", "app"),
    "train": (".model_cmds", "train_app"),
    "evaluate": (".model_cmds", "evaluate_command"),
    "export": (".model_cmds", "export_command"),
    "lsp": (".app", "lsp_command"),
}
GROUPS = frozenset({"dataset", "train"})
# The batch commands: run without typer on their usual lines (cli/batch.py), and left
# without tearing the heap down (cli/main.py, hard_exit).
BATCH_COMMANDS = frozenset({"analyze", "infer", "graph"})


def configure_logging(verbose: bool) -> None:
    """What the root's ``--verbose`` (``-v``) does, run before every command:
    progress on stderr, else warnings alone."""
    import logging  # here: cli/main.py reads this module before any command runs

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
