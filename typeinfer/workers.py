"""A batch run's files answered in worker processes: ``--jobs N`` of ``analyze`` and ``infer``.

Once the session's project graph is built, the caller answers the first
files (:func:`warm_files`, a fifth of the bytes) in its own engine: the first
questions of a run work out what most files ask about (the library's
classes, the project's call sites: on asyncio the first file answered costs
a third of the whole run, the last files a few milliseconds each).  Then
:func:`answer_in_workers` forks ``jobs`` workers (the ``fork`` start method:
each inherits the parent's index, graphs, loaded library state and that warm
engine copy-on-write, and nothing is sent to it).  Each worker answers its
share of the other files, in their order, with its copy of the engine.  A
share is a run of consecutive files of about equal size in bytes: neighbours
(one subpackage's modules) ask about the same definitions, which a worker
then works out once.  Each file's answers come
back as one JSON message on the worker's pipe, in the rows the result cache
keeps (:func:`.result_cache.prediction_groups`, :func:`.result_cache.diagnostic_rows`),
never a pickle; the caller puts them in the files' order.  The engine's answers
are meant not to depend on the order of its questions (:mod:`.fixpoint`), so
they are those of one process, except where a work budget ends (a file's
steps count the memo's hits, which depend on what its engine asked before)
and where an answer still depends on that order (a method's return beside
its overrides, a parameter typed from call sites: see docs/performance.md).

A worker that dies (a signal, the kernel's out-of-memory killer) costs the
file it was answering an ``internal-error`` diagnostic naming how it ended;
the files of its share it had not begun are handed back to the caller, which
answers them itself.  Ctrl-C, or any error in the parent, terminates the
workers and waits for each; workers ignore SIGINT (the parent ends them), and
one whose parent is gone stops (its next write fails, or before its next file).

It pays from about :data:`MIN_FILES` files on: in a smaller project what
the files' answers share is most of the run, and the caller answers in one
process.

Example::

    engine = session.engine(share_library=False)
    for path in warm_files(files):                   # answered here first: the warm-up
        answers[path] = ask(engine, path)
    found, left = answer_in_workers(engine, rest, ask, jobs=2)
    found[rest[0]].diagnostics         # (Diagnostic(code='attr-defined', ...), ...)
    left                               # []: every worker finished its share
"""

from __future__ import annotations

import json
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from typelens.analyzer import codes
from typelens.analyzer.spans import Diagnostic, Span

from .result_cache import diagnostic_rows, diagnostics_of, prediction_groups, predictions_of

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from .engine import TypeEngine
    from .file_answers import FileAnswer

logger = logging.getLogger(__name__)

# fewer files to answer than this, or fewer bytes, and one process is as fast: what the
# workers share is most of such a run (click, 17 files, and packaging, 22, gain
# nothing; importlib, 24 files, 0.15 s of 2 s; see docs/performance.md)
MIN_FILES = 24
MIN_BYTES = 150_000
WARM_SHARE = 0.2  # the share of the bytes answered before the fork (see warm_files)
_STOP_WAIT_SECONDS = 5.0  # after SIGTERM, how long a worker gets before SIGKILL

Ask = Callable[["TypeEngine", Path], "FileAnswer"]


@dataclass(frozen=True, slots=True)
class Sidecar:
    """What a worker learns beside a file's answers that the parent keeps (the
    classifier's batches, :mod:`.neural.batch_answers`): ``take`` in the worker,
    after each file, gives it as JSON values; ``give`` in the parent, in the
    files' order, keeps it."""

    take: Callable[[], object]
    give: Callable[[object], None]


def can_fork() -> bool:
    """Whether workers can be forked here (POSIX; not Windows)."""
    import multiprocessing  # here: a run of one process never imports it (tens of milliseconds)

    return "fork" in multiprocessing.get_all_start_methods()


def is_worth_workers(files: list[Path], jobs: int) -> bool:
    """Whether ``files`` are answered faster by ``jobs`` workers than by one process."""
    if jobs < 2 or len(files) < max(MIN_FILES, 2):
        return False
    return sum(_size(f) for f in files) >= MIN_BYTES and can_fork()


def shares_of(files: list[Path], jobs: int) -> list[list[Path]]:
    """``files`` cut into at most ``jobs`` runs of consecutive files of about equal
    size in bytes (none empty; the same cut for the same files every run)."""
    sizes = [max(_size(f), 1) for f in files]
    total = sum(sizes)
    shares: list[list[Path]] = [[]]
    done = 0
    for path, size in zip(files, sizes):
        # a new share starts where the bytes so far pass the next equal part
        if shares[-1] and len(shares) < jobs and done + size / 2 > total * len(shares) / jobs:
            shares.append([])
        shares[-1].append(path)
        done += size
    return shares


def warm_files(files: list[Path]) -> list[Path]:
    """The first of ``files``, up to :data:`WARM_SHARE` of their bytes: the
    caller answers them before the workers start (see the module docstring)."""
    total = sum(_size(f) for f in files)
    warm: list[Path] = []
    done = 0
    for path in files:
        if done + _size(path) > total * WARM_SHARE:
            break
        warm.append(path)
        done += _size(path)
    return warm


def answer_in_workers(
    engine: TypeEngine, files: list[Path], ask: Ask, jobs: int, sidecar: Sidecar | None = None
) -> tuple[dict[Path, FileAnswer], list[Path]]:
    """The answers of ``files`` worked out by ``jobs`` forked workers, each asking
    ``ask`` with its copy of ``engine`` (``sidecar``: what else they send back);
    and the files no worker began (a worker died before them), for the caller
    to answer."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers: dict[Connection, _Worker] = {}
    try:
        for share in shares_of(files, jobs):
            reader, writer = context.Pipe(duplex=False)
            # the read ends (its own, the earlier workers'): the worker closes its copies, so
            # that once the parent is gone a write fails (EPIPE) instead of filling a pipe
            args = (writer, [*workers, reader], engine, share, ask, sidecar, os.getpid())
            process = context.Process(target=_work, args=args, daemon=True)
            process.start()
            writer.close()  # the worker's end: EOF here once the worker exits
            workers[reader] = _Worker(process, share)
        found, left, extras = _gather(workers)
        if sidecar is not None:
            for path in (f for f in files if f in extras):
                sidecar.give(extras[path])
        return found, left
    finally:
        _stop([w.process for w in workers.values()])
        for reader in workers:
            reader.close()


class _Worker:
    """One worker process, its share and what it sent back."""

    def __init__(self, process: BaseProcess, share: list[Path]) -> None:
        self.process, self.share = process, share
        self.found: list[FileAnswer] = []


def _gather(workers: dict[Connection, _Worker]) -> tuple[dict[Path, FileAnswer], list[Path], dict[Path, object]]:
    from multiprocessing.connection import wait

    found: dict[Path, FileAnswer] = {}
    left: list[Path] = []
    extras: dict[Path, object] = {}
    waiting = dict(workers)
    while waiting:
        for reader in wait(list(waiting)):
            worker = waiting[reader]  # type: ignore[index]
            try:
                message = reader.recv_bytes()  # type: ignore[union-attr]
            except EOFError:  # the worker exited: its share is done, or it died
                del waiting[reader]  # type: ignore[arg-type]
                left.extend(_ended(worker, found))
                continue
            row = json.loads(message)
            worker.found.append(_answer_from_row(row))
            extras[Path(row[0])] = row[3]
    return found, left, extras


def _ended(worker: _Worker, found: dict[Path, FileAnswer]) -> list[Path]:
    """Record what ``worker`` answered; the files of its share it did not begin."""
    worker.process.join()
    for answer in worker.found:
        found[Path(answer.path)] = answer
    done = len(worker.found)
    if done == len(worker.share):
        return []
    from .file_answers import FileAnswer

    path = worker.share[done]
    how = _how_ended(worker.process.exitcode)
    logger.error("the worker answering %s %s", path, how)
    reason = f"WorkerDied: the worker process answering this file {how}"
    error = Diagnostic.build("internal-error", codes.INTERNAL_ERROR.format(reason=reason), Span.empty(), str(path))
    found[path] = FileAnswer(str(path), (), (error,), (), ())
    return worker.share[done + 1 :]


def _how_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def _stop(processes: list[BaseProcess]) -> None:
    """End the workers still running (Ctrl-C, an error in the parent) and reap each."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(_STOP_WAIT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()


def _work(
    writer: Connection,
    readers: list[Connection],
    engine: TypeEngine,
    share: list[Path],
    ask: Ask,
    sidecar: Sidecar | None,
    parent: int,
) -> None:
    """A worker's life: its share's answers, one message a file, in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends the workers
    for reader in readers:
        reader.close()
    if sidecar is not None:
        sidecar.take()  # what the parent learnt before the fork, it keeps
    for path in share:
        if os.getppid() != parent:  # the parent is gone: nobody reads the answers
            return
        answer = ask(engine, path)
        extra = sidecar.take() if sidecar is not None else None
        try:
            writer.send_bytes(json.dumps(_row_of_answer(answer, extra)).encode("utf-8", "surrogateescape"))
        except BrokenPipeError:  # the parent died while this file was answered
            logger.info("the parent of worker %d is gone; stopping", os.getpid())
            return
    writer.close()


def _row_of_answer(answer: FileAnswer, extra: object) -> list:
    # a worker's engine records no reads (a run that records them answers in one process)
    predictions, diagnostics = list(answer.predictions), list(answer.diagnostics)
    return [answer.path, prediction_groups(predictions), diagnostic_rows(diagnostics), extra]


def _answer_from_row(row: list) -> FileAnswer:
    from .file_answers import FileAnswer

    path, groups, diagnostics, _ = row
    return FileAnswer(path, tuple(predictions_of(groups)), tuple(diagnostics_of(diagnostics)), (), ())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # unreadable: its answer is a diagnostic, cheap
        return 0
