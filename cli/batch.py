"""A batch command's usual command line, run without typer.

``typelens analyze``, ``infer`` and ``graph`` are run over and over (CI,
pre-commit, editors' save hooks), and on a small project importing typer and
its vendored click, then building the command, was a fifth of a cold run's
instructions.  In the command line's own process (``cli/main.py``),
:func:`fast_command` reads such a line with :func:`.params.parse`, from the
parameters the command declares for typer too, and runs the command as typer's
main would: the root's logging set up (``-v``), the command called in its frame
room, then exit status 0, or the status the command exits with.  The
exceptions typer's main turns into an exit are turned into the same one:
``KeyboardInterrupt`` 130, a broken pipe 1 with stdout and stderr quietened,
``EOFError`` ``Aborted!`` and 1, and a ``typer.Exit`` its code.  A line it does
not read (help, a mistake, completion) gets ``None``, and typer parses it.

Example::

    >>> run = fast_command(["analyze", "src", "--format", "json"])
    >>> command, kwargs, verbose = run.args
    >>> kwargs["fmt"], verbose
    (<AnalyzeFormat.json: 'json'>, False)
    >>> fast_command(["analyze", "--help"]) is None
    True
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from functools import partial
from typing import Any, Callable

from .commands import BATCH_COMMANDS, COMMANDS, configure_logging
from .params import is_completion_request, parse

# The root's options that may come before a batch command here (the others, --help
# and --version, are typer's).
_ROOT_FLAGS = frozenset({"-v", "--verbose"})


def fast_command(argv: list[str]) -> partial[None] | None:
    """The run of the command line ``argv`` (the words after ``typelens``) without
    typer, or ``None`` where typer is to parse it."""
    if is_completion_request(os.environ):
        return None
    start = 0
    while start < len(argv) and argv[start] in _ROOT_FLAGS:
        start += 1
    if start == len(argv) or argv[start] not in BATCH_COMMANDS:
        return None
    module, attr = COMMANDS[argv[start]]
    command = getattr(importlib.import_module(module, __package__), attr)
    kwargs = parse(command, argv[start + 1 :])
    if kwargs is None:
        return None
    return partial(run_command, command, kwargs, start > 0)


def run_command(command: Callable[..., Any], kwargs: dict[str, Any], verbose: bool) -> None:
    """``command(**kwargs)`` as typer's main runs it, after the root's logging
    set up with ``verbose`` (see the module docstring); always leaves with
    ``SystemExit``."""
    from typelens.analyzer.heap import with_frame_room

    configure_logging(verbose)
    try:
        with_frame_room(command, **kwargs)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except EOFError:
        _aborted()
    except OSError as err:
        if err.errno != errno.EPIPE:
            raise
        _quieten_broken_pipe()
    except Exception as err:
        typer = sys.modules.get("typer")  # a command that raised typer.Exit has imported it
        if typer is None or not isinstance(err, typer.Exit):
            raise
        raise SystemExit(err.exit_code) from None
    raise SystemExit(0)


def _aborted() -> None:
    """What typer's main does on ``EOFError``: an empty line, then ``Aborted!``."""
    from gettext import gettext

    from typer._click import echo

    echo(file=sys.stderr)
    echo(gettext("Aborted!"), file=sys.stderr)
    raise SystemExit(1)


def _quieten_broken_pipe() -> None:
    """What typer's main does on a broken pipe: stdout and stderr flush quietly
    from now on, and the status is 1."""
    from typer._click.utils import PacifyFlushWrapper

    sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
    sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
    raise SystemExit(1)
