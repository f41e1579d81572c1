"""Analysed versions of the open documents: built in the background, asked one
question at a time, and carried across the edits made since.

Three rules keep the language server's answers equal to those of a fresh open of
the same text, and its hovers fast while the user types:

* **One question at a time per engine.**  A ``TypeEngine`` memoises every answer
  and reads a question that is still being computed as a cycle; asked from two
  threads at once (a hover beside the debounced diagnostics, or two pipelined
  hovers), it took another thread's unfinished question for a cycle and kept what
  it derived from that: answers differed from run to run, and from a fresh open.
  So each :class:`Analysed` version has a lock for its answering engine, and the
  diagnostics get an engine of their own (``checking``), so a long run of checks
  never holds a hover up and does not change what the answering engine was asked.
* **Revisions, not client versions.**  Each edit bumps a private counter; a
  client that sends one version number twice cannot make an analysis of the
  older text pass for the newer one.
* **Heavy work off the request path.**  Every edit schedules a build of the
  document's newest revision (graph and engines) on one background thread;
  builds coalesce, so a burst of keystrokes costs one build after another, never a
  queue.  A request waits for the build of the current revision.  A hover alone may
  be answered from the newest revision already built, when building takes longer
  than :data:`HOVER_BUDGET` (a large file) and the build of the current one does
  not finish within it: the hovered identifier must lie outside every edit made
  since (:class:`EditLog` carries offsets across them), and its range is moved to
  where it is now.  Such an answer is at most one build old; once typing pauses,
  every answer is the current revision's.

Example::

    log = EditLog()
    log.record(2, 4, 5, 7)           # revision 2 replaced byte 4 by three new bytes
    log.to_old(10)                   # 8: where byte 10 of the new text was before
    log.to_new(0, 3)                 # (0, 3): untouched
    log.to_new(3, 6) is None         # True: it touches the edit
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from typelens.analyzer import ProgramGraph
    from typelens.typeinfer.session import FileAnalysis

logger = logging.getLogger(__name__)

__all__ = ["Analysed", "Builds", "EditLog", "HOVER_BUDGET", "Track"]

T = TypeVar("T")

HOVER_BUDGET = 0.03          # seconds a hover waits for the current revision's build
QUIET = 0.05                 # the builder starts once the document had no edit for this long
_SOON = -1                   # ``Track.building``: the builder will build the newest revision
_WAIT_LIMIT = 300.0          # a request never waits longer for a build (then it fails, logged)
_MAX_LOGGED_EDITS = 4096     # more edits than this since the last build: no carrying across


@dataclass(slots=True)
class Analysed:
    """One revision of a document, analysed: its graph and the engines answering about it."""

    revision: int
    graph: ProgramGraph
    seconds: float                  # what building it took
    answering: FileAnalysis         # hover, inlay hints, completion, definition, code actions
    make_checking: Callable[[], FileAnalysis]
    lock: threading.Lock = field(default_factory=threading.Lock)
    checking: FileAnalysis | None = None
    check_lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, question: Callable[[FileAnalysis], T], timeout: float = -1) -> T:
        """``question(answering engine)``, alone on that engine."""
        if not self.lock.acquire(timeout=timeout):
            raise TimeoutError("the answering engine stayed busy")
        try:
            return question(self.answering)
        finally:
            self.lock.release()

    def check(self, question: Callable[[FileAnalysis], T]) -> T:
        """``question(checking engine)``: the diagnostics' engine, alone on it."""
        with self.check_lock:
            if self.checking is None:
                self.checking = self.make_checking()
            return question(self.checking)


class EditLog:
    """The byte edits made since an analysed revision, oldest first."""

    def __init__(self) -> None:
        self._edits: list[tuple[int, int, int, int]] = []   # (revision, start, old end, new end)

    def __len__(self) -> int:
        return len(self._edits)

    def record(self, revision: int, start: int, old_end: int, new_end: int) -> None:
        self._edits.append((revision, start, old_end, new_end))

    def forget_through(self, revision: int) -> None:
        """Drop the edits up to ``revision`` (now analysed)."""
        self._edits = [e for e in self._edits if e[0] > revision]

    def copy(self) -> EditLog:
        log = EditLog()
        log._edits = list(self._edits)
        return log

    def to_old(self, offset: int, upto: int | None = None) -> int | None:
        """Where ``offset`` of the text of revision ``upto`` (default: the newest) was
        before the edits (``None``: in or next to what they wrote)."""
        for revision, start, old_end, new_end in reversed(self._edits):
            if upto is not None and revision > upto or offset < start:
                continue
            if offset <= new_end:       # inside, or touching, what an edit wrote
                return None
            offset += old_end - new_end
        return offset

    def to_new(self, start: int, end: int, upto: int | None = None) -> tuple[int, int] | None:
        """Where ``[start, end)`` of the old text is in revision ``upto`` (default: the
        newest); ``None`` when an edit touched it (touching counts: typing next to a
        name makes another name)."""
        for revision, e_start, old_end, new_end in self._edits:
            if upto is not None and revision > upto:
                break
            if end >= e_start and start <= old_end:
                return None
            if start >= old_end:
                start, end = start + new_end - old_end, end + new_end - old_end
        return start, end


@dataclass(slots=True)
class Track:
    """What the builder knows of one open document (a document opened again gets a new one)."""

    uri: str
    revision: int = 0
    analysed: Analysed | None = None      # the newest revision built (maybe older than ``revision``)
    failure: tuple[int, Exception] | None = None
    building: int | None = None           # the revision the background builder is on, or _SOON
    edits: EditLog = field(default_factory=EditLog)
    requested: dict[int, Future] = field(default_factory=dict)    # revisions built for a request
    wanted: int = -1                      # the newest revision a request waits for
    edited_at: float = 0.0                # time.monotonic() of the last edit

    def edited(self, start: int, old_end: int, new_end: int) -> None:
        self.revision += 1
        self.edited_at = time.monotonic()
        if self.analysed is not None:
            self.edits.record(self.revision, start, old_end, new_end)
            if len(self.edits) > _MAX_LOGGED_EDITS:
                self.analysed, self.edits = None, EditLog()

    def has(self, revision: int) -> bool:
        return self.analysed is not None and self.analysed.revision == revision

    def builder_will_build(self, revision: int) -> bool:
        """Whether the background builder is on ``revision`` or will be next."""
        return self.building is not None and (self.building == revision or self.revision == revision)

    def keep(self, analysed: Analysed) -> bool:
        """Keep ``analysed`` if it is newer than what is kept."""
        if self.analysed is not None and self.analysed.revision >= analysed.revision:
            return False
        self.analysed, self.failure = analysed, None
        self.edits.forget_through(analysed.revision)
        return True


class Builds:
    """Builds each open document's newest revision on one background thread, and a
    request's revision in the request's thread when the builder has moved past it.

    A request asks for the revision current when it came (its positions were
    converted with that text): the background build of it, or, when edits came
    since and the builder went on to newer text, a build of its own.  ``is_open``
    tells whether a track's document is still open; ``soon`` and ``forget_all``
    expect ``lock`` held, ``at`` and ``older`` expect it free (they wait, and
    ``at`` may build)."""

    def __init__(self, lock: threading.RLock, is_open: Callable[[Track], bool]) -> None:
        self._ready = threading.Condition(lock)
        self._lock = lock
        self._is_open = is_open
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typelens-analyse")
        self._generation = 0        # bumped when every analysis is out of date (settings, project)

    def soon(self, track: Track, build: Callable[[], Callable[[], Analysed]]) -> None:
        """Build the track's newest revision once the builder is free; ``build()``,
        called under the lock, reads the newest text and returns its builder."""
        if track.building is None and not track.has(track.revision) and self._is_open(track):
            track.building = _SOON
            self._pool.submit(self._build_newest, track, build)

    def forget_all(self, tracks: list[tuple[Track, Callable[[], Callable[[], Analysed]]]]) -> None:
        """Every analysis is out of date: drop them and build again."""
        self._generation += 1
        for track, build in tracks:
            track.analysed, track.failure, track.edits = None, None, EditLog()
            self.soon(track, build)
        self._ready.notify_all()

    def closed(self) -> None:
        self._ready.notify_all()          # whoever waits on a closed document stops

    def at(self, track: Track, revision: int, build: Callable[[], Analysed]) -> Analysed:
        """The analysis of ``revision`` (``build`` builds that revision's text)."""
        with self._lock:
            generation = self._generation

            def settled() -> bool:      # kept, failed, or the builder will not build it
                return (not self._is_open(track) or track.has(revision) or not track.builder_will_build(revision)
                        or (track.failure is not None and track.failure[0] == revision))
            track.wanted = max(track.wanted, revision)
            self._ready.notify_all()            # a builder waiting for quiet starts now
            self._ready.wait_for(settled, _WAIT_LIMIT)
            if not self._is_open(track):
                raise KeyError(f"{track.uri} was closed")
            if track.has(revision):
                return track.analysed
            if track.failure is not None and track.failure[0] == revision:
                raise track.failure[1]
        return self._build_here(track, revision, generation, build)

    def older(self, track: Track, revision: int, budget: float) -> tuple[Analysed, EditLog] | None:
        """An older revision's analysis and the edits since, when ``revision`` is slow
        to build (the last build took over ``budget``) and not ready within it;
        ``None``: wait for ``revision`` itself."""
        with self._lock:
            analysed = track.analysed
            if analysed is None or analysed.revision >= revision or analysed.seconds <= budget:
                return None
            self._ready.wait_for(lambda: track.analysed is not analysed or not self._is_open(track), budget)
            analysed = track.analysed
            if analysed is None or analysed.revision >= revision:
                return None
            return analysed, track.edits.copy()

    def _build_here(self, track: Track, revision: int, generation: int, build: Callable[[], Analysed]) -> Analysed:
        with self._lock:
            future = track.requested.get(revision)
            mine = future is None
            if mine:
                future = track.requested[revision] = Future()
        if not mine:                    # another request is building it: share
            return future.result(timeout=_WAIT_LIMIT)
        try:
            analysed = _timed(build)
        except Exception as err:  # the per-file boundary: the request gets the error, the server goes on
            logger.exception("analysing %s failed", track.uri)
            future.set_exception(err)
            raise
        finally:
            with self._lock:
                track.requested.pop(revision, None)
        with self._lock:
            if generation == self._generation and track.keep(analysed):
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
                revision, generation = track.revision, self._generation
                track.building = revision
                builder = build()
            try:
                analysed, failure = _timed(builder), None
            except Exception as err:  # the per-file boundary: its requests get the error, the server goes on
                logger.exception("analysing %s failed", track.uri)
                analysed, failure = None, err
            with self._lock:
                if generation == self._generation:
                    if analysed is not None:
                        track.keep(analysed)
                    else:
                        track.failure = (revision, failure)
                if track.revision == revision and generation == self._generation or not self._is_open(track):
                    track.building = None
                    self._ready.notify_all()
                    return
                self._ready.notify_all()


    def _wait_for_quiet(self, track: Track) -> None:
        # a burst of keystrokes is built once, after it; a request does not wait for that
        while self._is_open(track) and track.wanted < track.revision:
            left = QUIET - (time.monotonic() - track.edited_at)
            if left <= 0:
                return
            self._ready.wait(left)


def _timed(build: Callable[[], Analysed]) -> Analysed:
    started = time.perf_counter()
    analysed = build()
    analysed.seconds = time.perf_counter() - started
    return analysed
