"""Analysed revisions of the open documents: built in the background, asked one
question at a time, and carried across the edits made since.

The rules that keep the language server's answers equal to those of a fresh open
of the same text, and its hovers fast while the user types:

* **One question at a time per engine, and one engine per revision.**  A
  ``TypeEngine`` memoises every answer and reads a question still being computed
  as a cycle.  Asked from two threads at once (a hover beside the debounced
  diagnostics, two pipelined hovers), it took another thread's unfinished
  question for a cycle and kept what it derived from it: answers differed from
  run to run and from a fresh open.  So each :class:`Analysed` revision has a
  lock for its engine, and every question, the diagnostics' included, is asked
  alone on it.  (The workspace also gives each engine its own library answers:
  see ``workspace._analysis``.)
* **Revisions, not client versions.**  Each edit bumps a private counter; a client
  that sends one version number twice cannot pass an analysis of the older text
  off as the newer one's.
* **Heavy work off the request path, and after it.**  After an edit, one
  background thread builds the document's newest revision once the document has
  been quiet for :data:`QUIET` and no request is in flight (a request that waits
  for the build does not wait for that): the graph and the engine.  The
  revision answers requests from then on.  The builder then warms it: every
  prediction of the file, then its diagnostics (``Analysed.warm``), a step at a
  time (one function's answers, the classifier's rows 32 at a time, a few dozen
  checks), each a complete question of the engine, so that the memo holds no
  half-asked question between steps.  A
  step starts only while no request is in flight (:class:`Priority`): a request
  waits at most for the step under way, and then runs as if alone.  An edit
  stops the warm-up for good (the newer revision is warmed instead); a build
  that a request waits for, of another document, goes first, and the warm-up
  goes on after it.  The diagnostics are the same steps, asked for by the
  publisher or the client: what the warm-up did is not done twice, and those
  about to be published for a revision edited since are not worked out at all.
  Builds coalesce: a burst of keystrokes costs one build after another, never a
  queue.  A request asks for the revision current when it came, and waits for the
  builder's build of it, or, when edits came since and the builder went on to a
  newer revision, builds it itself (shared by the requests that want it, not kept).
* **Carried answers while a large file is typed in.**  When building a document
  takes longer than :data:`HOVER_BUDGET` (the longest of its last builds), a hover
  about a revision that is not built, nor expected within the budget, is answered
  by the newest revision built, carrying the position there and the answer's range
  back across the edits in between (:class:`EditLog`), unless an edit wrote into
  or next to the name.  Such an answer is at most one build old; once typing
  pauses, every answer is the current revision's.  That revision's engine is
  cold (the next edit cut its warm-up short): a hover in a function (or
  top-level statement) no edit since wrote into reads instead the newest of the
  last revisions whose every prediction is worked out (``Track.predicted``), a
  lookup there; what that function reads of the functions edited since is then
  as of that revision (``Workspace._predicted_carrier``).  Inlay hints are
  carried the same way for a client that can be told to ask again (``caught_up`` says when),
  and completions beyond :data:`COMPLETION_BUDGET`: the receiver is read from
  the current text, its type from the newest revision built, and the list is
  marked incomplete so that the client asks again (``Workspace.completion_list``).
  A carried completion reads the revision before the newest built when the
  newest's engine is busy with a warm-up step an edit has made useless and the
  one before is free (``Workspace._warmest``).
  The builder then lists that dot's members on the revision it builds, before
  that revision answers anything, and the revision keeps them
  (``Analysed.ask_kept``, read without waiting for the engine): the client's
  next request there finds them.

Example::

    log = EditLog()
    log.record(2, 4, 5, 7)           # revision 2 replaced byte 4 by three new bytes
    log.carry(10, 12, 2, 1)          # (8, 10): where bytes 10..12 of revision 2 were in 1
    log.carry(0, 3, 1, 2)            # (0, 3): untouched
    log.carry(3, 6, 1, 2)            # None: it touches the edit
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, TypeVar

from typelens.analyzer.heap import with_frame_room

if TYPE_CHECKING:
    from typelens.analyzer import ProgramGraph
    from typelens.typeinfer.session import FileAnalysis

logger = logging.getLogger(__name__)

__all__ = [
    "Analysed",
    "Builds",
    "COMPLETION_BUDGET",
    "EditLog",
    "HOVER_BUDGET",
    "Priority",
    "QUIET",
    "RANK_BUDGET",
    "STEP_WAIT",
    "Stale",
    "Track",
    "rank_budget",
]

T = TypeVar("T")

HOVER_BUDGET = 0.03  # seconds a hover waits for the current revision's build
COMPLETION_BUDGET = 0.05  # ... and a completion, before the newest revision built answers it
# seconds a listed completion waits for the code LM's scores of its names (worked
# out behind it, see ``ranker.Ranker``): none, the list goes in its static order,
# marked incomplete, and the client's next ask there is ranked; TYPELENS_RANK_BUDGET
# (seconds, or "none": always wait) overrides it
RANK_BUDGET = 0.0
# the builder starts once the document had no edit for this long: as long as the
# published diagnostics' debounce (``server.DEBOUNCE_SECONDS``), which asks for the
# same build.  A build started in a shorter pause runs into the next keystrokes and
# shares the interpreter with the hovers sent between them (bench/lsp_typing.py on
# subprocess.py at load 8: hover p95 while typing 145 ms at 0.15 s, 46 ms at 0.3 s)
QUIET = 0.3
# seconds a carried answer waits for the older revision's engine (busy with a
# step of its warm-up, or another request) before it asks the current revision
STEP_WAIT = 0.25
_SOON = -1  # ``Track.building``: the builder will build the newest revision
_WAIT_LIMIT = 300.0  # a request never waits longer for a build (then it fails, logged)
_MAX_LOGGED_EDITS = 4096  # more edits than this since the last build: no carrying across
PREDICTED_KEPT = 3  # revisions with every prediction worked out a document keeps (``Track.predicted``)
KEPT_ANSWERS = 32  # answers an analysed revision keeps (``Analysed.ask_kept``)
_DONE = object()
_POLL = 0.02  # seconds between looks at whether a request is still in flight


class Stale(Exception):
    """The revision asked about is no longer the document's newest (``Builds.at``)."""


class Priority:
    """Requests before background work: the requests in flight, counted
    (:meth:`asking`), and background work waiting between its steps until
    there are none (:meth:`wait_idle`).  A step waiting holds neither an engine
    nor the interpreter's lock, so a request runs as if alone.

    Example::

        priority = Priority()
        with priority.asking():      # a hover
            ...
        priority.wait_idle(lambda: False)   # returns at once: nothing in flight
    """

    def __init__(self) -> None:
        self._idle = threading.Condition(threading.Lock())
        self._asking = 0

    @contextmanager
    def asking(self) -> Iterator[None]:
        with self._idle:
            self._asking += 1
        try:
            yield
        finally:
            with self._idle:
                self._asking -= 1
                if not self._asking:
                    self._idle.notify_all()

    def busy(self) -> bool:
        return self._asking > 0

    def wait_idle(self, cancelled: Callable[[], bool], poll: float = 0.05) -> bool:
        """Wait until no request is in flight; ``False`` as soon as ``cancelled()``."""
        with self._idle:
            while self._asking:
                if cancelled():
                    return False
                self._idle.wait(poll)
        return not cancelled()


@dataclass(slots=True)
class Analysed:
    """One revision of a document, analysed: its graph and the engine answering about it."""

    revision: int
    graph: ProgramGraph
    seconds: float  # what building it took
    answering: FileAnalysis  # every question: hover, completion, ..., and the diagnostics
    # the steps that work out every answer of the file (``Builds`` runs them after the build)
    warm: Callable[[Analysed], Iterator[None]] | None = None
    priority: Priority = field(default_factory=Priority)
    lock: threading.Lock = field(default_factory=threading.Lock)
    epoch: int = 0  # the track's epoch it was built in (see ``Track.epoch``)
    warmed: bool = False  # its warm-up ran to its end
    warm_seconds: float = 0.0  # what its background steps and the questions before its warm-up ended took
    answers: dict = field(default_factory=dict)  # ``ask_kept``'s answers by key, oldest first
    answers_lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, question: Callable[[FileAnalysis], T], timeout: float = -1) -> T:
        """``question(answering engine)``, alone on that engine."""
        with self.priority.asking():
            if not self.lock.acquire(timeout=timeout):
                raise TimeoutError("the answering engine stayed busy")
            started = time.perf_counter()
            try:
                return question(self.answering)
            finally:
                if not self.warmed:  # work the warm-up would have done (what a build costs: ``Builds.carrier``)
                    self.warm_seconds += time.perf_counter() - started
                self.lock.release()

    def ask_kept(self, key: object, question: Callable[[FileAnalysis], T], timeout: float = -1) -> T:
        """:meth:`ask`, the answer kept for the next question with the same ``key``
        (one that names all the answer depends on besides this revision, e.g. the
        dot whose receiver's members are listed); the last :data:`KEPT_ANSWERS`.
        A kept answer is read without waiting for the engine."""
        found = self.kept(key)
        if found is not None:
            return found
        with self.priority.asking():
            if not self.lock.acquire(timeout=timeout):
                raise TimeoutError("the answering engine stayed busy")
            try:
                found = self.kept(key)
                if found is None:
                    found = question(self.answering)
                    self.keep(key, found)
                return found
            finally:
                self.lock.release()

    def predicted(self) -> bool:
        """Whether every prediction of the file is worked out (what hovers and inlay hints read)."""
        predicted = getattr(self.answering, "predicted", None)  # a script's analysis: once warmed
        return self.warmed or (predicted is not None and predicted())

    def listed_members(self) -> bool:
        """Whether it kept a member list (its engine has worked out a receiver's members)."""
        with self.answers_lock:
            return any(isinstance(key, tuple) and key[0] == "members" for key in self.answers)

    def kept(self, key: object):
        """The answer :meth:`ask_kept` kept for ``key``, or ``None``."""
        with self.answers_lock:
            return self.answers.get(key)

    def keep(self, key: object, answer: object) -> None:
        """Keep ``answer`` for :meth:`ask_kept`'s ``key`` (worked out on this engine, alone on it)."""
        with self.answers_lock:
            self.answers[key] = answer
            if len(self.answers) > KEPT_ANSWERS:
                del self.answers[next(iter(self.answers))]

    def work(self, steps: Iterator[None], cancelled: Callable[[], bool]) -> bool:
        """Background work: each of ``steps`` alone on the engine, once no request
        is in flight (:class:`Priority`); whether it ran to its end (``False``:
        ``cancelled()`` said stop first; the rest of ``steps`` is left to run)."""
        while self.priority.wait_idle(cancelled):
            with self.lock:
                if self.priority.busy():  # a request came while this waited for the engine: it goes first
                    continue
                started = time.perf_counter()
                step = next(steps, _DONE)
                self.warm_seconds += time.perf_counter() - started
                if step is _DONE:
                    return True
        return False


class EditLog:
    """A document's last byte edits, to carry ranges between its revisions."""

    def __init__(self, limit: int = _MAX_LOGGED_EDITS) -> None:
        self._edits: deque[tuple[int, int, int, int]] = deque(maxlen=limit)  # (revision, start, old end, new end)
        self._floor = 0  # carrying reaches no revision before this (its edits were dropped)

    def record(self, revision: int, start: int, old_end: int, new_end: int) -> None:
        """Revision ``revision`` replaced bytes ``[start, old_end)`` by ``[start, new_end)``."""
        if len(self._edits) == self._edits.maxlen:
            self._floor = self._edits[0][0]
        self._edits.append((revision, start, old_end, new_end))

    def made(self, revision: int) -> tuple[int, int, int] | None:
        """The last edit of those that made ``revision``: ``(start, old end, new end)``."""
        return next(((s, o, n) for r, s, o, n in reversed(self._edits) if r == revision), None)

    def carry(self, start: int, end: int, source: int, target: int) -> tuple[int, int] | None:
        """Where bytes ``[start, end]`` of revision ``source`` are in revision ``target``;
        ``None`` when an edit between them wrote into or next to them (typing next to
        a name makes another name) or the log does not reach back that far."""
        return self.carry_many([(start, end)], source, target)[0]

    def carry_many(self, ranges: list[tuple[int, int]], source: int, target: int) -> list[tuple[int, int] | None]:
        """:meth:`carry` for each of ``ranges`` (the edits between are read once)."""
        if min(source, target) < self._floor:
            return [None] * len(ranges)
        forward = source <= target
        low, high = min(source, target), max(source, target)
        edits = [e for e in self._edits if low < e[0] <= high]
        steps = [
            (e_start, old_end, new_end) if forward else (e_start, new_end, old_end)
            for _, e_start, old_end, new_end in (edits if forward else reversed(edits))
        ]
        return [_carried(start, end, steps) for start, end in ranges]


def _carried(start: int, end: int, steps: list[tuple[int, int, int]]) -> tuple[int, int] | None:
    """Bytes ``[start, end]`` moved by ``(start, end before, end after)`` edits in turn."""
    for e_start, before, after in steps:
        if end >= e_start and start <= before:
            return None
        if start > before:
            start, end = start + after - before, end + after - before
    return start, end


@dataclass(slots=True)
class Track:
    """What the builder knows of one open document (a document opened again gets a new one)."""

    uri: str
    revision: int = 0
    epoch: int = 0  # bumped when what the document's answers read changed
    # elsewhere (another open file, the settings, the project)
    analysed: Analysed | None = None  # the newest revision built (maybe older than ``revision``)
    previous: Analysed | None = None  # the one kept before it (see ``Workspace.completion_list``)
    # the last few revisions whose every prediction was worked out (their warm-ups got
    # that far), oldest first: while the user types, they answer hovers in functions
    # no edit since touched (several: a revision whose text an unclosed string
    # swallowed warms in no time, and knows no name)
    predicted: deque = field(default_factory=lambda: deque(maxlen=PREDICTED_KEPT))
    warming: int | None = None  # the revision whose warm-up is under way or put off
    failure: tuple[int, Exception] | None = None
    building: int | None = None  # the revision the background builder is on, or _SOON
    edits: EditLog = field(default_factory=EditLog)
    requested: dict[tuple[int, int], Future] = field(default_factory=dict)  # (revision, epoch) built for requests
    wanted: int = -1  # the newest revision a request waits for
    edited_at: float = 0.0  # time.monotonic() of the last edit
    build_started: float = 0.0  # time.monotonic() the builder started on ``building``
    durations: deque = field(default_factory=lambda: deque(maxlen=8))  # the builder's last build (and warm-up) times
    # (revision, dot) of the last member completion an older revision answered: the
    # client asks again there, so the builder lists them on the revision it builds
    carried_dot: tuple[int, int] | None = None

    def note_predicted(self, analysed: Analysed) -> None:
        """``analysed`` (of the current epoch) has every prediction worked out (kept in ``predicted``)."""
        while self.predicted and self.predicted[-1].revision >= analysed.revision:
            if self.predicted[-1].revision > analysed.revision:
                return
            self.predicted.pop()  # the same revision, its warm-up resumed
        self.predicted.append(analysed)

    def build_seconds(self) -> float:
        """What a build of this document takes (the longest of the last few: a broken
        buffer can build in no time, and says nothing of the next one)."""
        return max(self.durations, default=0.0)

    def edited(self, start: int, old_end: int, new_end: int) -> None:
        self.revision += 1
        self.edited_at = time.monotonic()
        self.edits.record(self.revision, start, old_end, new_end)

    def has(self, revision: int) -> bool:
        return self.analysed is not None and self.analysed.revision == revision and self.analysed.epoch == self.epoch

    def builder_will_build(self, revision: int) -> bool:
        """Whether the background builder is on ``revision`` or will be next."""
        return self.building is not None and (self.building == revision or self.revision == revision)

    def keep(self, analysed: Analysed) -> bool:
        """Keep ``analysed`` if it is of this epoch and newer than what is kept."""
        kept = self.analysed
        if analysed.epoch != self.epoch or (
            kept is not None and kept.epoch == self.epoch and kept.revision >= analysed.revision
        ):
            return False
        same = kept is not None and kept.epoch == self.epoch
        self.analysed, self.failure, self.previous = analysed, None, kept if same else None
        return True

    def built(self, revision: int) -> Analysed | None:
        """The kept analysis of ``revision`` (the newest built, or the one before it)."""
        for analysed in (self.analysed, self.previous):
            if analysed is not None and analysed.revision == revision and analysed.epoch == self.epoch:
                return analysed
        return None


class Builds:
    """Builds each open document's newest revision on one background thread, and a
    request's revision in the request's thread when the builder has moved past it.

    A request asks for the revision current when it came (its positions were
    converted with that text): the background build of it, or, when edits came
    since and the builder went on to newer text, a build of its own.  ``is_open``
    tells whether a track's document is still open; ``soon`` and ``forget``
    expect ``lock`` held, ``at`` and ``older`` expect it free (they wait, and
    ``at`` may build)."""

    def __init__(self, lock: threading.RLock, is_open: Callable[[Track], bool], priority: Priority) -> None:
        self._ready = threading.Condition(lock)
        self._lock = lock
        self._is_open = is_open
        self.priority = priority
        self._waiting = 0  # requests waiting in ``at`` for a build
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typelens-analyse")

    def soon(self, track: Track, build: Callable[[], Callable[[], Analysed]]) -> None:
        """Build the track's newest revision once the builder is free; ``build()``,
        called under the lock, reads the newest text and returns its builder;
        the revision built is then warmed (``Analysed.warm``) while no request
        is in flight and no newer revision is wanted."""
        if track.building is None and not track.has(track.revision) and self._is_open(track):
            track.building = _SOON
            self._pool.submit(with_frame_room, self._build_newest, track, build)

    def forget(self, tracks: list[tuple[Track, Callable[[], Callable[[], Analysed]] | None]]) -> None:
        """What these tracks' answers read changed elsewhere: their analyses are out
        of date (the newest built stays a carrier for hovers, one build old; the
        predicted revisions, which may be older, are let go); those given a
        ``build`` factory are built again now, the others when asked."""
        for track, build in tracks:
            track.epoch += 1
            track.failure = None
            track.predicted.clear()
            if build is not None:
                self.soon(track, build)
        self._ready.notify_all()

    def closed(self) -> None:
        self._ready.notify_all()  # whoever waits on a closed document stops

    def stop(self) -> None:
        """No more builds or warm-ups (the documents are closed: the one running stops)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.closed()

    def at(self, track: Track, revision: int, build: Callable[[], Analysed], newest_only: bool = False) -> Analysed:
        """The analysis of ``revision`` (``build()`` builds that revision's text);
        with ``newest_only``, :class:`Stale` rather than a build of a revision
        that edits made old meanwhile."""
        with self._lock:

            def settled() -> bool:  # kept, failed, or the builder will not build it
                return (
                    not self._is_open(track)
                    or track.has(revision)
                    or not track.builder_will_build(revision)
                    or (track.failure is not None and track.failure[0] == revision)
                )

            track.wanted = max(track.wanted, revision)
            self._ready.notify_all()  # a builder waiting for quiet starts now
            if not settled():
                self._waiting += 1  # a warm-up on the builder gives way
                try:
                    self._ready.wait_for(settled, _WAIT_LIMIT)
                finally:
                    self._waiting -= 1
            if not self._is_open(track):
                raise KeyError(f"{track.uri} was closed")
            if track.has(revision):
                return track.analysed
            if track.failure is not None and track.failure[0] == revision:
                raise track.failure[1]
            if newest_only and revision != track.revision:
                raise Stale(f"{track.uri} was edited since revision {revision}")
            epoch = track.epoch
        return self._build_here(track, revision, epoch, build)

    def carrier(self, track: Track, revision: int, budget: float, warmed: bool = False) -> Analysed | None:
        """The kept analysis to answer a question about ``revision`` from, carrying
        positions across the edits between them: when the document is slow to build
        and warm (over ``budget``) and ``revision`` is not kept, nor expected within
        ``budget``; with ``warmed`` (a question that reads every answer of the file:
        hover, inlay hints), also while ``revision`` is kept but being warmed, the
        warmed revision before it.  ``None``: ask ``revision`` itself (``at``)."""
        with self._lock:
            kept, seconds = track.analysed, track.build_seconds()
            if kept is None or seconds <= budget:
                return None
            if track.has(revision):
                previous = track.previous
                if warmed and track.warming == revision and previous is not None and previous.predicted():
                    return previous
                return None
            if track.building == revision and track.build_started + seconds - time.monotonic() <= budget:
                self._ready.wait_for(
                    lambda: track.has(revision) or track.building != revision or not self._is_open(track), budget
                )
            return None if track.analysed is None or track.has(revision) else track.analysed

    def carry(self, track: Track, start: int, end: int, source: int, target: int) -> tuple[int, int] | None:
        """``EditLog.carry`` on the track's log."""
        with self._lock:
            return track.edits.carry(start, end, source, target)

    def carry_many(
        self, track: Track, ranges: list[tuple[int, int]], source: int, target: int
    ) -> list[tuple[int, int] | None]:
        """``EditLog.carry_many`` on the track's log."""
        with self._lock:
            return track.edits.carry_many(ranges, source, target)

    def caught_up(self, track: Track, timeout: float = _WAIT_LIMIT) -> bool:
        """Wait until the builder has built and warmed the track's newest revision, or stopped
        (the document closed, or a build failed or was not asked for); whether the
        newest revision is built.  A client told that carried answers are old asks
        again after this."""
        with self._lock:
            self._ready.wait_for(
                lambda: (
                    not self._is_open(track)
                    or track.has(track.revision)
                    and track.warming != track.revision
                    or track.building is None
                    and track.warming is None
                ),
                timeout,
            )
            return self._is_open(track) and track.has(track.revision)

    def _build_here(self, track: Track, revision: int, epoch: int, build: Callable[[], Analysed]) -> Analysed:
        """``revision`` built for the requests that want it, the builder being past it
        or not on it (kept when it is still the current one; not warmed: these
        requests ask little)."""
        with self._lock:
            future = track.requested.get((revision, epoch))
            mine = future is None
            if mine:
                future = track.requested[(revision, epoch)] = Future()
        if not mine:  # another request is building it: share
            return future.result(timeout=_WAIT_LIMIT)
        try:
            analysed = _timed(build)
            analysed.epoch = epoch
        except Exception as err:  # the per-file boundary: the request gets the error, the server goes on
            logger.exception("analysing %s failed", track.uri)
            future.set_exception(err)
            raise
        finally:
            with self._lock:
                track.requested.pop((revision, epoch), None)
        with self._lock:
            if revision == track.revision and track.keep(analysed):
                self._ready.notify_all()
        future.set_result(analysed)
        return analysed

    def _build_newest(self, track: Track, build: Callable[[], Callable[[], Analysed]]) -> None:
        while True:
            with self._lock:
                self._wait_for_quiet(track)
                if not self._is_open(track):
                    track.building = None
                    self._ready.notify_all()
                    return
                revision, epoch = track.revision, track.epoch
                track.building, track.build_started = revision, time.monotonic()
                builder = build()
            try:
                analysed, failure = _timed(builder), None
                analysed.epoch = epoch
            except Exception as err:  # the per-file boundary: its requests get the error, the server goes on
                logger.exception("analysing %s failed", track.uri)
                analysed, failure = None, err
            with self._lock:
                kept = False
                if epoch == track.epoch:
                    if analysed is not None:
                        track.durations.append(analysed.seconds)  # and once warmed, with its warm-up
                        kept = track.keep(analysed)
                        if kept:
                            track.warming = revision
                    else:
                        track.failure = (revision, failure)
                self._ready.notify_all()  # the requests waiting for it go on while it warms
            if kept and analysed is not None:
                self._warm(track, analysed)
            with self._lock:
                if track.revision == revision and epoch == track.epoch or not self._is_open(track):
                    track.building = None
                    self._ready.notify_all()
                    return

    def _warm(self, track: Track, analysed: Analysed, steps: Iterator[None] | None = None) -> None:
        """Work out every answer of ``analysed`` (``Analysed.warm``) a step at a time,
        while no request is in flight; stopped for good by an edit (a newer revision
        is built and warmed instead), and put off behind the builds that requests
        wait for."""

        def stale() -> bool:
            return track.revision != analysed.revision or track.epoch != analysed.epoch or not self._is_open(track)

        done = steps is None and analysed.warm is None  # nothing to warm
        if not done:
            steps = steps if steps is not None else analysed.warm(analysed)
            try:
                done = analysed.work(steps, lambda: stale() or self._waiting > 0)
            except Exception:  # the per-file boundary: what the warm-up did not do, requests do
                logger.exception("warming the analysis of %s failed", track.uri)
            else:
                if not done and not stale() and self._later(self._warm, track, analysed, steps):
                    return  # a build was wanted elsewhere: warmed after it
        with self._lock:
            analysed.warmed = done
            if analysed.predicted() and analysed.epoch == track.epoch:
                track.note_predicted(analysed)
            if done or analysed.warm_seconds:  # what a build takes, warm-up (so far) included (``carrier``)
                track.durations.append(analysed.seconds + analysed.warm_seconds)
            if track.warming == analysed.revision:
                track.warming = None
            self._ready.notify_all()

    def _later(self, work: Callable[..., None], *args) -> bool:
        """``work(*args)`` queued on the builder; ``False`` once the builder stopped."""
        try:
            self._pool.submit(with_frame_room, work, *args)
        except RuntimeError:  # shut down (``stop``)
            return False
        return True

    def _wait_for_quiet(self, track: Track) -> None:
        # a burst of keystrokes is built once, after it; a request does not wait for that
        # nor while a request is answered: it would share the interpreter with the build,
        # unless that request itself waits for a build (of another document, queued
        # behind this one on the builder: waiting here on it would wait for good)
        while self._is_open(track) and track.wanted < track.revision:
            left = QUIET - (time.monotonic() - track.edited_at)
            if left <= 0 and (self._waiting or not self.priority.busy()):
                return
            self._ready.wait(max(left, _POLL))


def rank_budget(environ: Mapping[str, str] = os.environ) -> float | None:
    """:data:`RANK_BUDGET`, or ``TYPELENS_RANK_BUDGET`` (seconds; ``none``: a list
    waits for its ranking, as the test suite's servers do, whose lists are
    compared in order whatever the machine's speed)."""
    value = environ.get("TYPELENS_RANK_BUDGET", "").strip().lower()
    if not value:
        return RANK_BUDGET
    if value == "none":
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        logger.warning("TYPELENS_RANK_BUDGET=%r is not a number of seconds; using %s", value, RANK_BUDGET)
        return RANK_BUDGET


def _timed(build: Callable[[], Analysed]) -> Analysed:
    started = time.perf_counter()
    analysed = build()
    analysed.seconds = time.perf_counter() - started
    return analysed
