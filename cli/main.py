"""The ``typelens`` command line: a thin edge over the analyzer's façades.

Exit codes: 0 success, 1 findings (``analyze``), 2 usage or internal error, or an
optional dependency that is not installed (one line names the extra to install).

This module is the console script's entry point and imports nothing but
``sys``, ``os``, ``gc`` and the command table (``cli/commands.py``): ``typelens --version`` is answered here, without typer (``--verbose``
adds which core runs, compiled or pure: ``typelens.analyzer.compiled``); any other
command line makes frozen dataclasses' guards without compiling them and their
comparisons from templates (``cli/dataclass_closures.py``), a batch command leaves
the modules its libraries never call unrun (``cli/deferred.py``) and runs its usual
command lines without typer (``cli/batch.py``); any other line imports the
command tree (``cli/app.py``: typer, click's plain help), and the heavy imports (the analyzer, onnxruntime, torch, pyarrow) happen
inside the commands, so that ``--help`` and a command's argument errors cost
only the start of Python and typer.  (No module logger here: ``logging`` is
imported by ``cli/commands.py`` when a command runs.)

Example::

    $ typelens graph examples/shop --format json --edges cfg,dfg > shop.json
    $ typelens complete app.py:3:5        # in a base install
    typelens complete needs the 'ml' extra: pip install 'typelens[ml]'
"""

from __future__ import annotations

import gc
import os
import sys

from .commands import BATCH_COMMANDS, GROUPS

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
# The batch commands leave the process without tearing its heap down (see hard_exit).
_HARD_EXIT = frozenset(f"typelens {name}" for name in BATCH_COMMANDS)
# The root options that `--version` may come with and still skip typer.
_VERSION_ONLY = frozenset({"--version", "--verbose", "-v"})


def __getattr__(name: str):
    """``from typelens.cli.main import app``: the typer app, built on first use."""
    if name == "app":
        from .app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def missing_extra(err: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``err`` misses; ``None`` when no extra does
    (a broken install, which deserves its traceback)."""
    return EXTRA_OF_MODULE.get((err.name or "").partition(".")[0])


def command_name(argv: list[str]) -> str:
    """``typelens complete`` or ``typelens train lm``: the command that ``argv`` runs
    (no root option takes a value, so the first words that are not options name it)."""
    words = [arg for arg in argv if not arg.startswith("-")]
    return " ".join(["typelens", *words[: 2 if words[:1] and words[0] in GROUPS else 1]])


def is_version_only(argv: list[str]) -> bool:
    """Whether ``argv`` only asks for the version (``--version``, maybe with ``-v``):
    what typer would answer with its eager ``--version`` callback, answered sooner."""
    return "--version" in argv and set(argv) <= _VERSION_ONLY


def exit_status(code: object) -> int:
    """The process status ``sys.exit(code)`` gives: ``None`` is 0, an int itself,
    anything else is printed to stderr and gives 1 (as the interpreter does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def hard_exit(code: object) -> None:
    """End a batch command without tearing its heap down (mypy's ``hard_exit``).

    Interpreter shutdown frees every object one by one and runs a last full
    collection over the graphs and answers of the whole run: 0.1-0.4 s of a
    cold run on a package the size of asyncio, for nothing.  What shutdown does
    that matters still happens: the ``atexit`` handlers run (logging's flush,
    worker pools) and stdout and stderr are flushed.  When a flush fails (a full
    disk, a closed pipe) the ordinary exit path takes over, with its message.
    """
    import atexit
    import os

    status = exit_status(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


def build_command(argv: list[str], *, closures: bool = False):
    """What runs ``argv``: a batch command's usual line read without typer
    (:func:`.batch.fast_command`), else the typer app (:func:`.app.app_for`),
    imported and built with the cyclic collector paused; with ``closures`` (the
    command line's own process), after ``cli.dataclass_closures.install``, so
    that the dataclasses that typer and typelens define get its methods.  typer,
    click and the command's module make
    tens of thousands of objects that live as long as the process and hold no
    garbage: a young collection every 700 of them scanned them over and over.
    For a batch command what exists then is frozen (``gc.freeze``; ``analyze``
    and ``infer`` unfreeze it as their run ends, :func:`.heap.batch_heap`,
    ``graph`` does not): each leaves through :func:`hard_exit`, whose heap is
    never torn down.  Other commands (the
    language server, ``--help``) shut down as usual: a frozen object would
    outlive the interpreter's teardown, finalisers unrun."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        if closures:
            from .dataclass_closures import install

            install()
        if command_name(argv) in _HARD_EXIT:
            from .batch import fast_command

            fast = fast_command(argv)
            if fast is not None:
                return fast
        from .app import app_for

        return app_for(argv)
    finally:
        if command_name(argv) in _HARD_EXIT:
            gc.freeze()
        if enabled:
            gc.enable()


class imports_paused:
    """A command's own imports (the analysis it runs, imported inside the command)
    with the cyclic collector paused, as :func:`build_command` imports the command
    tree: what the modules make lives as long as the process and holds no
    garbage (``analyze``: six young collections over it otherwise).  In the command line's own process of a batch command,
    whose command tree is frozen, what they made is frozen too (and unfrozen with
    it as the run ends, :func:`.heap.batch_heap`).  Not
    :func:`typelens.analyzer.heap.paused_gc`, which freezes only inside a batch
    run: importing it would run the analyzer package's imports before the pause."""

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if gc.get_freeze_count():
            gc.freeze()
        if self.enabled:
            gc.enable()


def one_blas_thread(argv: list[str]) -> None:
    """A batch command's numpy multiplies with one OpenBLAS thread (unless the user
    set ``OPENBLAS_NUM_THREADS``): the classifier's matrices are small, and
    OpenBLAS's other threads spin after each product, CPU that buys no time
    (cold ``infer`` of asyncio: 0.17 s of CPU, the wall time the same).  Set
    before numpy is imported, which reads it once; forked ``--jobs`` workers
    inherit it.  The language server and ``complete`` (torch) keep the default."""
    if command_name(argv) in _HARD_EXIT:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def core_line() -> str:
    """Which core runs (``typelens --version --verbose``): mypyc's compiled modules,
    or the pure-Python ones and why (typelens.analyzer.compiled)."""
    from typelens.analyzer.compiled import compiled_state

    compiled, detail = compiled_state()
    return f"core: compiled by mypyc ({detail})" if compiled else f"core: pure Python ({detail})"


def main() -> None:
    """Console-script entry point."""
    if is_version_only(sys.argv[1:]):
        from .version import __version__

        sys.stdout.write(f"typelens {__version__}\n")
        if {"-v", "--verbose"} & set(sys.argv[1:]):
            sys.stdout.write(core_line() + "\n")
        return
    one_blas_thread(sys.argv[1:])
    if command_name(sys.argv[1:]) in _HARD_EXIT:
        from .deferred import defer

        defer()
    try:
        build_command(sys.argv[1:], closures=True)()
    except SystemExit as done:
        if command_name(sys.argv[1:]) in _HARD_EXIT:
            hard_exit(done.code)
        raise
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
