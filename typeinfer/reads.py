"""Which project files an engine's answers read: what a one-file edit can change.

A batch run answers file after file with one engine, whose memo lets a later
file reuse what an earlier one worked out.  To reuse a file's cached answers on
a later run, we must know every project file whose content went into them,
through memo hits too.  :class:`ReadLog` keeps that as bit sets over the
files, one bit a file, in two kinds:

* ``reads``: the file's graph (or a table worked out from it) was read;
* ``calls``: the calls *into* the file that other files make were read (a
  parameter typed from its call sites: a new call in any file can change it,
  so the run checks the list of callers again, not the callers' files alone).

The scheme is deliberately coarse, so that it holds without an audit of every
cache: the log keeps one set for the file being answered, which only grows
while that file is answered, and the engine drops its other caches before each
file (:meth:`~.engine.TypeEngine.begin_file`).  A memo answer finished while
file F is answered is recorded with F's set at the time its outermost question
finishes (a superset of what it read, cycles included), and a later memo hit
adds that set to the asking file's.  Files outside the project (stubs, the
stdlib, installed packages) are not tracked here: the result cache checks them
as a whole (:mod:`.result_cache`).

Beside the whole sets, ``raw`` and ``raw_calls`` keep what was read while the
file was answered (its own questions and those worked out in its turn), and
``asked`` the answers it used from other turns: memo hits of answers worked
out while another file was answered, and name resolutions (:meth:`resolved`),
which a later run compares (:mod:`.cutoff`).
The caches dropped before each file carry nothing across turns, so the
answers depend on ``raw``'s content and ``asked``'s answers alone.  Beside the
memo, only answers that read no project file cross turns (``library``): a
library class's members (:meth:`library_answer`) and a name's resolution
that read none (:meth:`resolved`), each kept once it is known to have read
none, itself or through the answers it used.

A question about a definition in another project file (its class's members,
the value its name binds, an annotation written there, a def's signatures:
:meth:`~.engine.TypeEngine.about`) is a turn of its own inside the file's:
:meth:`enter` sets the sets aside, the engine answers it with caches of its
own, and :meth:`leave` keeps what it read as its answer's (``deps``) and the
answer among ``asked``, not as the file's own read, so the file is kept
when the answer is the same after an edit of the other file.  An answer that
read an unfinished one (a cycle open outside it) is the file's own read.

Example::

    log = ReadLog(["/p/a.py", "/p/b.py"], is_library=lambda p: False)
    log.begin("/p/a.py")            # a reads itself
    log.read("/p/b.py")
    log.reads, log.paths_of(log.reads)      # (3, ['/p/a.py', '/p/b.py'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

NOTHING = (0, 0)
_MISSING = object()
T = TypeVar("T")
RESOLVE = "resolve@"  # the kind of a name's resolution among the questions a file asked (see resolved)


class ReadLog:
    """The project files read by the answers of the file being answered, and by
    each memo answer (see the module docstring).  ``paths`` are numbered first,
    in order; any other file the engine reads that ``is_library`` rejects gets
    the next number when first read."""

    def __init__(self, paths: list[str], is_library: Callable[[str], bool]) -> None:
        self.paths: list[str] = list(paths)
        self._bits: dict[str, int] = {p: 1 << i for i, p in enumerate(self.paths)}
        self._seen: dict[object, int] = {}  # a path as the index names it (Path or str) -> its bit, 0: library
        self._is_library = is_library
        self.reads = 0
        self.calls = 0
        self.deps: dict[tuple, tuple[int, int]] = {}  # memo key -> (reads, calls) when it finished
        self.pending: list[tuple] = []  # keys finished inside the outermost question being answered
        self.depth = 0  # memo questions open
        self.queries: dict[str, str] = {}  # project query (``?kind...``) -> its answer's hash
        self.paused = 0
        self.raw = 0  # what the file's answers read themselves, not through a memo hit
        self.raw_calls = 0
        self.asked: dict[tuple, None] = {}  # memo hits of answers worked out for other files, in order
        self.answers: dict[tuple, tuple[object, tuple[int, int]]] = {}  # asked outside the memo: (answer, reads)
        self._turn: set[tuple] = set()  # the keys finished while this file is answered
        self.owner: str | None = None  # the file whose turn it is (or whose definition is asked about)
        self.apart = 0  # questions about another file's definition open (see enter)
        self._kept: dict[tuple, tuple[int, int]] = {}  # their sets, set as deps at the outermost finish
        self._written: dict[int, tuple[str, ...]] = {}  # bit set -> its files (see paths_of_sets)
        self.library: dict[tuple, object] = {}  # answers that read no project file, kept across turns
        # memo key -> (the key if it can be written down, its final answer's fingerprint), as
        # :func:`.file_answers.asked_of` writes them: many files ask the same answers
        self.fingerprints: dict[tuple, tuple[tuple | None, str | None]] = {}

    def bit(self, path: object) -> int:
        """The bit of ``path`` (0 for a library file), numbering a new project file."""
        found = self._seen.get(path)
        if found is None:
            name = os.path.realpath(path) if isinstance(path, (str, Path)) else str(path)
            found = self._bits.get(name)
            if found is None:
                if self._is_library(name):
                    found = 0
                else:
                    found = self._bits[name] = 1 << len(self.paths)
                    self.paths.append(name)
            self._seen[path] = found
        return found

    def read(self, path: object) -> None:
        """``path``'s content went into the answer being worked out (every graph
        the engine reads comes here: the common case is one dictionary look-up)."""
        if not self.paused:
            bit = self._seen.get(path)
            if bit is None:
                bit = self.bit(path)
            self.reads |= bit
            self.raw |= bit

    def read_query(self, name: str, digest: str) -> None:
        """The answer (hash ``digest``) of the project query ``name`` went into the answer."""
        if self.paused:
            return
        bit = self._bits.get(name)
        if bit is None:
            bit = self._bits[name] = 1 << len(self.paths)
            self.paths.append(name)
        self.queries[name] = digest
        self.reads |= bit
        self.raw |= bit

    def read_calls_into(self, path: str) -> None:
        """The calls other files make into ``path`` went into the answer."""
        if not self.paused:
            bit = self.bit(path)
            self.calls |= bit
            self.raw_calls |= bit

    def read_all(self) -> None:
        """Every project file went into the answer (a project-wide table)."""
        self.read_bits((1 << len(self.paths)) - 1)

    def read_bits(self, bits: int) -> None:
        """The project files of the bit set ``bits`` went into the answer."""
        if not self.paused:
            self.reads |= bits
            self.raw |= bits

    def begin(self, path: str) -> None:
        """Start the answers of ``path`` (which read ``path`` itself)."""
        self.reads = self.calls = self.raw = self.raw_calls = 0
        self.asked = {}
        self.answers = {}
        self._turn.clear()
        self.owner = path
        self.read(path)

    def finished(self, key: tuple) -> None:
        """The memo question ``key`` finished (its answer stored, or given up); at
        the outermost question, every key finished inside it gets the file's sets."""
        self.pending.append(key)
        if not self.apart:  # one finished inside a question about another file is not the turn's
            self._turn.add(key)
        if self.depth == 0:
            sets = (self.reads, self.calls)
            deps = self.deps
            for k in self.pending:
                deps[k] = sets
            self.pending.clear()
            if self._kept:
                deps.update(self._kept)
                self._kept.clear()

    def hit(self, key: tuple) -> None:
        """The memo answered ``key`` from an earlier question: what that read, this reads."""
        reads, calls = self.deps.get(key, NOTHING)
        self.reads |= reads
        self.calls |= calls
        if key not in self._turn:
            self.asked[key] = None

    def resolved(self, module: str, name: str, resolve: Callable[[], T]) -> T:
        """``resolve()``, the resolution of ``name`` in ``module`` the file's answers
        use: kept in ``answers`` with what it read, which is not the file's own
        read (``raw``) but the resolution's (a later run resolves it again); one
        that read no project file (a library module's name) is resolved once a
        run and is no answer the file used (:meth:`library_answer`)."""
        key = (RESOLVE, module, name)
        kept = self.library.get(key, _MISSING)
        if kept is not _MISSING:
            return kept  # type: ignore[return-value]
        found, pure = self._reading_none(lambda: self.outside(key, resolve))
        if pure:  # it read no project file: the same in every turn, not kept
            self.library[key] = found
            del self.answers[key], self.asked[key]
        return found

    def outside(self, key: tuple, compute: Callable[[], T], written: Callable[[T], object] | None = None) -> T:
        """``compute()``, an answer worked out outside the memo that reads no memo
        answer (a name's resolution, a function's linked calls): kept in
        ``answers`` (as ``written`` writes it, for :mod:`.cutoff`) with what it
        read, and among the answers used (``asked``), not as the file's own read."""
        raw, calls = self.raw, self.raw_calls
        self.raw = self.raw_calls = 0
        try:
            found = compute()
        finally:
            inner, inner_calls = self.raw, self.raw_calls
            self.raw, self.raw_calls = raw, calls
        self.asked[key] = None
        self.answers[key] = (found if written is None else written(found), (inner, inner_calls))
        return found

    def library_answer(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, the answer to ``key``, a question about a library file's
        definition (a class's members), kept for the later turns when it read no
        project file, itself or through an answer it used: the engine's caches
        besides the memo start empty each turn, and a library class's members
        would be built again in every file's (see :meth:`~.engine.TypeEngine.about`)."""
        kept = self.library.get(key, _MISSING)
        if kept is not _MISSING:
            return kept  # type: ignore[return-value]
        found, pure = self._reading_none(compute)
        if pure:
            self.library[key] = found
        return found

    def _reading_none(self, compute: Callable[[], T]) -> tuple[T, bool]:
        """``compute()`` and whether it read no project file, itself or through an
        answer it used (what a memo hit or another turn's answer read is added to
        ``reads`` and ``calls`` too: :meth:`hit`, :meth:`leave`); its reads still
        count for the answer being worked out around it."""
        reads, calls = self.reads, self.calls
        self.reads = self.calls = 0
        try:
            found = compute()
        finally:
            inner, inner_calls = self.reads, self.calls
            self.reads, self.calls = reads | inner, calls | inner_calls
        return found, not inner and not inner_calls

    def enter(self, owner: str) -> tuple:
        """Start a question about a definition in ``owner``, another file (see the
        module docstring): the file's sets are set aside; :meth:`leave` ends it."""
        saved = (self.reads, self.calls, self.raw, self.raw_calls, self.asked, self.owner)
        self.reads = self.calls = self.raw = self.raw_calls = 0
        self.asked = {}
        self.owner = owner
        self.apart += 1
        return saved

    def leave(self, saved: tuple, key: tuple | None) -> None:
        """End the question :meth:`enter` started: ``key`` (its final answer's) is
        kept among the answers used, with what it read; with ``None`` (no final
        answer: it read one still open), what it read is the file's own."""
        reads, calls, raw, raw_calls, asked, owner = saved
        inner = (self.reads, self.calls)
        if key is None:
            raw |= self.raw
            raw_calls |= self.raw_calls
            asked.update(self.asked)
        else:
            asked[key] = None
            if self.depth:
                self._kept[key] = inner
            else:
                self.deps[key] = inner
        self.reads, self.calls = reads | inner[0], calls | inner[1]
        self.raw, self.raw_calls, self.asked, self.owner = raw, raw_calls, asked, owner
        self.apart -= 1

    def paths_of_sets(self, sets: tuple[int, int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The files of a (reads, calls) pair of bit sets, each set written once."""
        return self._paths(sets[0]), self._paths(sets[1])

    def _paths(self, bits: int) -> tuple[str, ...]:
        found = self._written.get(bits)
        if found is None:
            found = self._written[bits] = tuple(self.paths_of(bits))
        return found

    def paths_of(self, bits: int) -> list[str]:
        """The files of a bit set, by number."""
        return [p for i, p in enumerate(self.paths) if bits >> i & 1]
