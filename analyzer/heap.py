"""The interpreter's memory around analysis: the cyclic garbage collector around the
big, long-lived structures analysis builds, and room on the frame stack for its
deep recursion.

CPython's collector scans every tracked object of the oldest generation on each full
collection.  A program graph of a 60,000-function file is millions of small lists and
tuples that never form garbage cycles, so a collection that runs while it is built,
loaded or held scans it in vain, again and again: graph building took 5.4 s of CPU
with the collector on and 0.7 s with it paused.  Two tools:

* :func:`paused_gc` around one build (a graph, its cache entry, its child lists):
  nothing there is cyclic garbage, and the collector resumes after.
* :func:`batch_heap` around a command-line run: what the run has built so far is
  frozen when it calls the handle it gets (``gc.freeze``: the graphs, once the
  project is joined), so later collections scan only newer objects; a young
  collection comes after 20,000 new objects rather than 700 (the engine's memo
  entries and answers live as long as the run: a young collection every 700
  scanned the same survivors again and moved them on to the middle generation,
  which scanned them again), and full collections after a hundred times as many
  middle ones (still bounded: cyclic garbage that outlives two young collections
  waits at most that long).  Everything is unfrozen and the thresholds restored
  when the run ends, so a long-lived process (the test suite, a benchmark) keeps
  collecting the run's garbage.

And one for the frame stack:

* :func:`with_frame_room` around a thread's analysis work (the command line's run,
  the language server's builds and requests, the engine's extra stacks): the
  engine's recursion then stops mapping and unmapping the interpreter's frame-stack
  chunks (see there).

Example::

    with batch_heap() as settle:
        session = open_session(...)   # graphs built
        settle()                      # from here on, collections skip them
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
import types
from typing import Any, Callable, ClassVar, Iterator, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

_YOUNG_EVERY = 20_000  # new objects between young collections in a batch run (CPython's default: 700)
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
    ends); young and full collections are rarer until the run ends (a cold
    ``analyze`` of stripped asyncio spent 21 ms of CPU in 290 collections, now
    9 ms in 35).  A threshold of 0 (collection turned off) stays 0.  The
    thresholds are the process's: one thread at a time runs a batch."""
    saved = gc.get_threshold()
    young = saved[0] and max(saved[0], _YOUNG_EVERY)
    gc.set_threshold(young, saved[1], max(saved[2], _FULL_EVERY))
    _Batch.depth += 1
    try:
        yield gc.freeze
    finally:
        _Batch.depth -= 1
        if not _Batch.depth:
            gc.unfreeze()
        gc.set_threshold(*saved)


# -- room on the interpreter's frame stack ---------------------------------------------

_ROOM = 1 << 17  # value-stack slots the roomy frame reserves: 1 MiB of 8-byte slots


def _call(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return fn(*args, **kwargs)


def _roomy(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with a frame that reserves :data:`_ROOM` more value-stack slots
    (CPython 3.11 and later; elsewhere ``function`` itself)."""
    code = getattr(function, "__code__", None)  # none when compiled (tools/mypyc-build): no frames to make room for
    if code is None or sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        return function
    return types.FunctionType(code.replace(co_stacksize=code.co_stacksize + _ROOM), function.__globals__, "_roomy_call")


_roomy_call = _roomy(_call)
_inside = threading.local()


def with_frame_room(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, its calls made in a megabyte of the interpreter's frame
    stack set aside once.

    CPython (3.11 to 3.13 at least) keeps Python frames in 16 KiB chunks that it
    maps when a call needs a new one and unmaps as soon as the call that started it
    returns.  The engine's questions recurse a few hundred frames deep and come back
    up thousands of times a second, so a chunk boundary is crossed back and forth:
    a cold ``analyze`` of the stdlib's asyncio mapped, touched (four page faults
    each) and unmapped 12,800 chunks (``infer`` 20,800), about a tenth of a
    second of system time in a 1.8 s run (``infer``: 0.2 s in 2.8 s).  A frame
    is placed in the current chunk when it fits, so calling ``fn`` from a frame that
    reserves a megabyte (an unused value stack: nothing touches it) leaves ``fn``'s
    calls about a megabyte of one chunk, mapped once.  Nested calls in the same thread
    run ``fn`` directly.
    """
    if getattr(_inside, "active", False):
        return fn(*args, **kwargs)
    _inside.active = True
    try:
        return _roomy_call(fn, args, kwargs)
    finally:
        _inside.active = False
