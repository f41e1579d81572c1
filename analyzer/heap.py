"""The cyclic garbage collector around the big, long-lived structures analysis builds.

CPython's collector scans every tracked object of the oldest generation on each full
collection.  A program graph of a 60,000-function file is millions of small lists and
tuples that never form garbage cycles, so a collection that runs while it is built,
loaded or held scans it in vain, again and again: graph building took 5.4 s of CPU
with the collector on and 0.7 s with it paused.  Two tools:

* :func:`paused_gc` around one build (a graph, its cache entry, its child lists):
  nothing there is cyclic garbage, and the collector resumes after.
* :func:`batch_heap` around a command-line run: what the run has built so far is
  frozen when it calls the handle it gets (``gc.freeze``: the graphs, once the
  project is joined), so later collections scan only newer objects, and full
  collections come after a hundred times as many young ones (still bounded: cyclic
  garbage that outlives two young collections waits at most that long).  Everything is unfrozen and
  the thresholds restored when the run ends, so a long-lived process (the test
  suite, a benchmark) keeps collecting the run's garbage.

Example::

    with batch_heap() as settle:
        session = open_session(...)   # graphs built
        settle()                      # from here on, collections skip them
"""

from __future__ import annotations

import contextlib
import gc
import logging
from typing import Callable, ClassVar, Iterator

logger = logging.getLogger(__name__)

_FULL_EVERY = 1000  # middle-generation collections between full ones in a batch run (CPython's default: 10)


class _Batch:
    """Whether a :func:`batch_heap` run is open (its builds are frozen as they end)."""

    depth: ClassVar[int] = 0


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside: for building acyclic structures in one go.
    Inside a :func:`batch_heap` run what was built is frozen on the way out:
    else the first young collection after it scans every object it made (0.2 s
    for a 60,000-function file), which the run freezes a moment later anyway."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _Batch.depth:
            gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def batch_heap() -> Iterator[Callable[[], None]]:
    """A batch run's collector: the handle freezes what exists (call it once the
    long-lived structures are built; each :func:`paused_gc` build is frozen as it
    ends); full collections are rarer until the run ends."""
    saved = gc.get_threshold()
    gc.set_threshold(saved[0], saved[1], max(saved[2], _FULL_EVERY))
    _Batch.depth += 1
    try:
        yield gc.freeze
    finally:
        _Batch.depth -= 1
        if not _Batch.depth:
            gc.unfreeze()
        gc.set_threshold(*saved)
