"""Completion lists ordered by the code LM, without making a list wait for it.

The code LM orders a member list by what it reads before the dot
(:func:`typelens.monitors.ranking.scores_after`): one forward pass over the
text, then each name's first token looked up.  On a loaded 2-core machine that
pass takes longer than listing the members, and run beside the listing it
slows the listing down.  So a list is ranked only with a reading that is
ready: the names' scores after the same text before the dot, kept from an
earlier ask there.  A list with a name not scored yet goes in its static
order (``ranked`` false: the server marks it incomplete, and the client asks
again as the user types the member's name), and the :class:`Ranker`'s own
thread then reads the text and scores the names, once no request is in flight
(:class:`~.analyses.Priority`), for the next ask at that dot.  The members
of a dot just typed are scored ahead, as soon as the warm-up lists them
(:meth:`Ranker.score_ahead`).  Only the newest text asked for is read: one
asked before it and not started yet is dropped.

``wait`` (``TYPELENS_RANK_BUDGET``, see :func:`~.analyses.rank_budget`)
makes a list wait that long for its reading instead (``None``: until it is
done, as the test suite's servers do, whose lists are compared in order).

Example::

    ranker = Ranker(score, priority)       # score(uri, before, labels) -> {label: score} or None
    ranker.ranked(uri, b"self.", entries)  # (entries, False): static order; scored behind it
    ranker.ranked(uri, b"self.", entries)  # (the entries by their scores, True)
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from typelens.typeinfer.ide import CompletionEntry

from .analyses import Priority

logger = logging.getLogger(__name__)

__all__ = ["Ranker"]

# score(uri, text before the dot, labels): each label's score, or None (no code LM:
# the static order is the answer)
Score = Callable[[str, bytes, tuple[str, ...]], "dict[str, float] | None"]
_NO_LM: dict[str, float] = {}  # kept for a text (told apart by identity): no code LM


def _asked_for(before: bytes, entries: list[CompletionEntry]) -> tuple[bytes, tuple[str, ...]]:
    """The key of the text before the dot, and the distinct labels listed after it."""
    return hashlib.blake2b(before, digest_size=16).digest(), tuple(dict.fromkeys(e.label for e in entries))


@dataclass(slots=True)
class _Job:
    uri: str
    before: bytes
    key: bytes
    labels: tuple[str, ...]
    done: threading.Event = field(default_factory=threading.Event)


class Ranker:
    """The code LM's scores of the names listed after the last few texts before a
    dot, and the one thread that works them out (started on the first job)."""

    def __init__(self, score: Score, priority: Priority, limit: int = 8) -> None:
        if limit < 1:
            raise ValueError(f"limit={limit!r}: keep at least one text's scores (limit >= 1)")
        self._score = score
        self._priority = priority
        self.limit = limit
        self._lock = threading.Condition(threading.Lock())
        self._kept: dict[bytes, dict[str, float]] = {}  # text key -> scores, oldest first
        self._next: _Job | None = None  # the newest job not started
        self._running: _Job | None = None
        self._thread: threading.Thread | None = None
        self._asked = False  # whether a list was asked for

    def ranked(
        self, uri: str, before: bytes, entries: list[CompletionEntry], wait: float | None = 0.0
    ) -> tuple[list[CompletionEntry], bool]:
        """``entries`` (listed after ``before``, the text up to and with the dot)
        ordered by their kept scores, and whether they are: without a score for
        each, in their given order, and scored behind the answer (``wait``:
        seconds to wait for that instead, ``None``: until done)."""
        self._asked = True
        if not entries:
            return entries, True
        key, labels = _asked_for(before, entries)
        found = self._found(key, labels)
        if found is None:
            job = self._ask(uri, before, key, labels)
            if wait is None or wait > 0:
                job.done.wait(wait)
                found = self._found(key, labels)
        if found is None:
            return entries, False
        if found is _NO_LM:
            return entries, True
        from typelens.monitors.ranking import ranked_by

        return ranked_by(entries, [found[e.label] for e in entries]), True

    def score_ahead(self, uri: str, before: bytes, entries: list[CompletionEntry]) -> None:
        """Have ``entries``' names scored after ``before`` for a list not asked for
        yet (the members of the dot the user just typed, listed by the warm-up),
        once a client has asked for a list: a server whose client never does
        loads no LM for it."""
        if not entries or not self._asked:
            return
        key, labels = _asked_for(before, entries)
        if self._found(key, labels) is None:
            self._ask(uri, before, key, labels)

    def _found(self, key: bytes, labels: tuple[str, ...]) -> dict[str, float] | None:
        with self._lock:
            return self._kept_for(key, labels)

    def _kept_for(self, key: bytes, labels: tuple[str, ...]) -> dict[str, float] | None:
        """The kept scores after the text ``key`` if they score every label (the
        caller holds the lock)."""
        found = self._kept.get(key)
        if found is _NO_LM or (found is not None and all(label in found for label in labels)):
            return found
        return None

    def _ask(self, uri: str, before: bytes, key: bytes, labels: tuple[str, ...]) -> _Job:
        """The job scoring ``labels`` after ``before``: the one queued or running
        for them, or a new one that replaces the one queued."""
        with self._lock:
            for job in (self._running, self._next):
                if job is not None and job.key == key and set(labels) <= set(job.labels):
                    return job
            if self._kept_for(key, labels) is not None:  # a job finished since the caller looked
                done = _Job(uri, before, key, labels)
                done.done.set()
                return done
            if self._next is not None:  # dropped: a newer text is asked for
                self._next.done.set()
            self._next = _Job(uri, before, key, labels)
            if self._thread is None:
                # a daemon: loading the code LM takes a minute on a loaded machine,
                # and a server told to exit meanwhile exits
                self._thread = threading.Thread(target=self._work, name="typelens-ranker", daemon=True)
                self._thread.start()
            self._lock.notify()
            return self._next

    def _work(self) -> None:
        while True:
            with self._lock:
                while self._next is None:
                    self._lock.wait()
            self._priority.wait_idle(lambda: False)  # behind the requests in flight: the list goes first
            with self._lock:
                job, self._next = self._next, None
                self._running = job
            assert job is not None, "only this thread takes the queued job"
            try:
                self._run(job)
            finally:
                with self._lock:
                    self._running = None
                job.done.set()

    def _run(self, job: _Job) -> None:
        try:
            scores = self._score(job.uri, job.before, job.labels)
        except Exception:  # the worker's boundary: a list goes unranked, the server goes on
            logger.exception("ranking the completions after %r failed", job.before[-40:])
            return
        with self._lock:
            kept = self._kept.pop(job.key, None)
            if scores is None:
                self._kept[job.key] = _NO_LM
            else:
                self._kept[job.key] = {**kept, **scores} if kept is not None and kept is not _NO_LM else dict(scores)
            while len(self._kept) > self.limit:
                del self._kept[next(iter(self._kept))]
