"""The engine's memo: every question answered once, cycles iterated to a fixpoint.

A question is a key such as ``("expr", path, node)`` and a function that answers
it by asking other questions.  A question asked again while it is being answered
(a loop, mutual recursion, ``self.n = self.n + 1``) reads its current
approximation, ``Never`` at first.  Whatever is built from an approximation is
*provisional*: it is kept only for the current pass of the cycle's root (the
lowest question on the stack that anything read early, Tarjan's low link), and the
root answers again, with the approximations the last pass produced, until no
approximation that was read differs from the answer it stood for.  Then the root
and every provisional answer under it become final together, and no answer built on
an unfinished one is ever cached.  ``Never`` only means "no value yet": a settled
answer that no value reached is stored as Unknown (questions outside the cycle read
only settled answers).

A provisional answer records the unfinished answers it read.  In the next pass it
is worked out again only if one of them changed; otherwise its answer stands (the
red-green check of incremental compilers), so the pass that confirms a cycle of a
thousand questions reads their inputs instead of redoing them.

Heads: equations that are not monotone can have several fixpoints (two parameters
typed through each other's uses, ``set1.difference(set2)`` and
``set2.difference(set1)``: either one typed ``set`` makes the other an
``Iterable[object]``), and iteration settles in the one its first question leads to.
So a root that finishes with other questions in its cycle solves the cycle again from
its head, the first of them by file, node and kind (:func:`_rank`), and every entry
gets the head's answers.  A root inside another cycle's pass is not re-solved (the
outer pass's stale answers started it; solved afresh in every pass, it could keep the
outer cycle changing), so there the answers may still depend on the order.

Widening: types are cut at ``MAX_TYPE_DEPTH`` levels of nesting and where a class
nests in itself past ``MAX_SELF_NESTING`` (:func:`capped`), unions at 32 members
(:func:`make_union`); a cycle that still changes after ``_JOIN_AFTER`` passes only
grows (each pass's answer, its members' too, is joined with the last; an answer
that is not a type keeps the last), and one is closed after ``_MAX_PASSES`` passes
whatever it says (counted in ``unconverged``).  Caveat: a
value that holds its own earlier value (``self.cur = (t, self.cur)``) grows until
the caps cut it, and where it is cut can still depend on the order.

Depth: questions nest on Python's stack.  Past the levels one stack has room for,
a question goes on in a new thread (a fresh stack; the asking thread waits), up to
``_MAX_THREADS`` stacks, so that long cycles (an email parser's fifty mutually
recursive functions) are iterated whole.  Past those, the deepest question unwinds
every stack (:class:`Deeper`) and is answered first, from the bottom, then the
question that needed it is asked again: a chain of 30,000 assignments costs about
twice its length, not 30,000 nested questions.  A cycle longer than all the stacks
together is cut where it would loop (the one place answers may depend on the
order; ``cut`` counts them).

Example (asked ``y`` first: ``y`` is the root, what it reads is provisional)::

    x = 0
    for it in items:
        y = x          # pass 1: int   (z reads y, still Never: z + 1.5 has no value)
        z = y          # pass 2: z = int, x = float, y = int | float = float
        x = z + 1.5    # pass 3: z = float, y = float again: settled, all final
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Final

from ..analyzer.heap import with_frame_room
from .types import NEVER, UNKNOWN, capped, is_type, make_union

if TYPE_CHECKING:
    from .callsites import CallContext

logger = logging.getLogger(__name__)

_JOIN_AFTER: Final = 10  # passes after which a cycle's answers only grow (the caps end growth before)
_MAX_PASSES: Final = 16  # passes after which a cycle is closed as it stands
_FRAMES_PER_LEVEL: Final = 12  # Python frames one question level may take (the longest paths)
_HEADROOM: Final = 120  # frames left free below Python's recursion limit
_MIN_LEVELS: Final = 4
_MAX_HEADS: Final = 8  # cycles re-solved from their heads inside one another (see Memo._head)
_MAX_THREADS: Final = 12  # stacks one question may span before the deepest unwinds
_THREAD_FRAMES: Final = 16  # frames a new thread's stack holds before its first question
IN_PROGRESS: Final = object()  # the marker a shared store holds while an engine computes a key
_MISSING: Final = object()


class Deeper(Exception):
    """Internal: unwinds the stack to the outermost question, which answers ``key``
    first.  Never escapes :meth:`Memo.ask`."""

    def __init__(self, key: tuple, compute: Callable[[], object], store: dict, context: CallContext | None) -> None:
        super().__init__(key[0])
        self.key, self.compute, self.store, self.context = key, compute, store, context


# (key, the value read, and what asks the key again: compute, store, context)
_Read = tuple[tuple, object, Callable[[], object], dict, "CallContext | None"]


class _Frame:
    """A question on the stack."""

    __slots__ = (
        "key",
        "index",
        "low",
        "start",
        "reentered",
        "changed",
        "members",
        "context",
        "store",
        "passes",
        "compute",
        "reads",
    )

    def __init__(
        self,
        key: tuple,
        index: int,
        compute: Callable[[], object],
        store: dict,
        context: CallContext | None,
        start: object,
    ) -> None:
        self.key, self.index, self.low = key, index, index
        self.compute, self.store, self.context, self.start = compute, store, context, start
        self.reentered = self.changed = False
        self.members: dict[tuple, None] = {}  # provisional answers this frame owns
        self.passes = 0
        self.reads: list[_Read] = []  # the unfinished answers it read


class _Entry:
    """A provisional answer: valid in the current pass of its owner's cycle, or
    stale (from an earlier pass) with the reads that decide whether it still holds."""

    __slots__ = ("value", "owner", "valid", "store", "compute", "context", "reads")

    def __init__(self, frame: _Frame, value: object, owner: _Frame, valid: bool, reads: tuple | None) -> None:
        self.value, self.owner, self.valid, self.reads = value, owner, valid, reads
        self.store, self.compute, self.context = frame.store, frame.compute, frame.context


class Memo:
    """The stack of open questions and their provisional answers (see the module
    docstring).  ``shared`` is the store whose keys get an :data:`IN_PROGRESS`
    marker while this memo computes them (other engines then answer alone)."""

    def __init__(self, shared: dict | None) -> None:
        self.shared = shared
        self.context: CallContext | None = None  # the call-site context questions are asked in
        self.unconverged = 0
        self.cut = 0
        self.rooted = 0  # cycles entered elsewhere than their head, solved again from it
        self._heads = 0
        self._stack: list[_Frame] = []
        self._open: dict[tuple, _Frame] = {}
        self._provisional: dict[tuple, _Entry] = {}
        self._cuts: set[tuple] = set()
        self._max_level = _MIN_LEVELS  # stack length at which this thread's stack is full
        self._frames_per_level = _FRAMES_PER_LEVEL
        self._threads = 0
        self._lock = threading.Lock()  # held by the thread whose questions are open
        self.owner: int | None = None  # that thread (or the one its stack went on in)

    def is_open(self, key: tuple) -> bool:
        return key in self._open

    def take_turn(self) -> None:
        """Start this thread's turn with the memo, which ``owner`` says it does not
        have (:meth:`end_turn` ends it).  Questions from another thread (a language
        server's workers share an engine) wait until this thread's outermost
        question is answered: one stack of open questions at a time.  Two calls, not
        a context manager: every outermost question takes a turn (a generator-based
        one cost a generator and a helper object each)."""
        self._lock.acquire()
        self.owner = threading.get_ident()

    def end_turn(self) -> None:
        """End the turn :meth:`take_turn` started."""
        self.owner = None
        self._lock.release()

    def ask(self, key: tuple, compute: Callable[[], object], store: dict, context: CallContext | None):
        frame = self._open.get(key)
        if frame is not None:  # asked again while being answered: a cycle
            frame.reentered = True
            self._depend(frame.index)
            self._stack[-1].reads.append((key, frame.start, frame.compute, frame.store, frame.context))
            return frame.start
        entry = self._provisional.get(key)
        if entry is not None and entry.valid:  # answered in this pass of its cycle
            self._depend(entry.owner.index)
            self._stack[-1].reads.append((key, entry.value, entry.compute, entry.store, entry.context))
            return entry.value
        if key in self._cuts:
            return entry.value if entry is not None else NEVER
        if not self._stack:
            return self._outermost(key, compute, store, context)
        if len(self._stack) >= self._max_level:
            if self._threads >= _MAX_THREADS:
                raise Deeper(key, compute, store, context)
            return self._on_new_stack(key, compute, store, context)
        return self._solve(key, compute, store, context)

    def _levels(self, depth: int) -> int:
        """The question levels a stack already ``depth`` frames deep has room for."""
        return max(_MIN_LEVELS, (sys.getrecursionlimit() - depth - _HEADROOM) // self._frames_per_level)

    def _on_new_stack(self, key: tuple, compute: Callable[[], object], store: dict, context: CallContext | None):
        """:meth:`_solve` in a new thread, this one waiting: the same memo, a fresh stack."""
        outcome: dict[str, Any] = {}

        def run() -> None:
            self.owner = threading.get_ident()  # the asking thread waits for this one
            try:
                outcome["value"] = self._solve(key, compute, store, context)
            except BaseException as err:  # handed to the waiting thread, which raises it
                outcome["error"] = err

        saved = self._max_level
        self._max_level = len(self._stack) + self._levels(_THREAD_FRAMES)
        self._threads += 1
        try:
            worker = threading.Thread(target=with_frame_room, args=(run,), name="typelens-question", daemon=True)
            worker.start()
            worker.join()
        finally:
            self.owner = threading.get_ident()
            self._threads -= 1
            self._max_level = saved
        error = outcome.pop("error", None)
        if error is not None:
            # nothing may keep the error once it is raised: its traceback holds the
            # worker's frames, and a cycle through them leaves whole stacks to the
            # cyclic collector (a full collection per stack on a long chain)
            try:
                raise error
            finally:
                error = None
        return outcome["value"]

    # -- the outermost question: where too deep a stack starts again ------------------------
    def _outermost(self, key: tuple, compute: Callable[[], object], store: dict, context: CallContext | None):
        pending = [(key, compute, store, context)]
        waiting = {key}
        try:
            while True:
                k, c, s, ctx = pending[-1]
                self._max_level = self._levels(_stack_depth())
                try:
                    value = self._solve(k, c, s, ctx)
                except Deeper as deeper:
                    if deeper.key in waiting:  # a cycle longer than the stack has room for
                        self._cuts.add(deeper.key)
                        self.cut += 1
                    else:
                        pending.append((deeper.key, deeper.compute, deeper.store, deeper.context))
                        waiting.add(deeper.key)
                    continue
                pending.pop()
                waiting.discard(k)
                if not pending:
                    return value
        finally:
            self._cuts.clear()

    # -- one question --------------------------------------------------------------------------
    def _solve(self, key: tuple, compute: Callable[[], object], store: dict, context: CallContext | None):
        entry = self._provisional.get(key)
        frame = _Frame(key, len(self._stack), compute, store, context, entry.value if entry is not None else NEVER)
        self._push(frame)
        saved, self.context = self.context, context
        try:
            value = self._passes(frame, entry)
        except BaseException as err:
            self._discard(frame)
            self._pop(frame)
            if isinstance(err, RecursionError) and frame.index > _MIN_LEVELS:
                # the estimate of frames per level was short: ask this one from the bottom
                self._frames_per_level += 4
                raise Deeper(key, compute, store, context) from None
            raise
        finally:
            self.context = saved
        self._pop(frame)
        if frame.low < frame.index:
            self._keep_provisional(frame, value)
            return value
        head = self._head(frame)
        if head is not None:
            return self._from_head(frame, head)
        return self._finalize(frame, value)

    # -- a cycle's head: the same wherever the cycle was entered -------------------------------
    def _head(self, frame: _Frame) -> tuple | None:
        """The question a root's cycle is solved from when it is not the root itself:
        the first of its questions in :func:`_rank`'s order (None: the root is it, or
        the cycle is the root's alone, or re-solving has gone deep enough)."""
        if not frame.members or self._heads >= _MAX_HEADS:
            return None
        provisional = self._provisional
        keys = [k for k in frame.members if k in provisional and provisional[k].owner is frame]
        if not keys or len(provisional) > len(keys) + (frame.key in provisional):
            # other entries: an outer cycle's pass is under way, whose stale answers
            # started this one; solved afresh, it could differ in every pass
            return None
        ranks = {k: _rank(k) for k in (*keys, frame.key)}  # each worked out once (a key may be spelled out)
        first = min(keys, key=ranks.__getitem__)
        best = ranks[first]
        if best > ranks[frame.key]:
            return None
        ties = [k for k in (*keys, frame.key) if ranks[k] == best]
        first = min(ties, key=_spelled) if len(ties) > 1 else first
        return None if first == frame.key else first

    def _from_head(self, frame: _Frame, head: tuple):
        """``frame``'s answer with its cycle solved afresh from ``head``: a cycle whose
        equations have several fixpoints (parameters typed through each other's uses)
        settles in the one its first question leads to, so every entry leads from the
        same question.  The answers worked out from ``frame`` are dropped."""
        entry = self._provisional[head]
        self._discard(frame)
        self.rooted += 1
        self._heads += 1
        try:
            self._solve(head, entry.compute, entry.store, entry.context)
            found = frame.store.get(frame.key, _MISSING)
            if found is not _MISSING and found is not IN_PROGRESS:
                return found  # settled as a member of the head's cycle
            # the head's cycle no longer reaches it: its own, without the head
            return self._solve(frame.key, frame.compute, frame.store, frame.context)
        finally:
            self._heads -= 1

    def _passes(self, frame: _Frame, stale: _Entry | None):
        while True:
            if stale is not None and stale.reads is not None and self._unchanged(stale.reads):
                value = stale.value  # nothing it read has changed: its answer stands
            else:
                frame.reads = []
                value = frame.compute()
            stale = None
            if is_type(value):
                value = capped(value)
            if frame.low < frame.index:
                return self._widened(frame, value, self._stack[frame.low].passes)
            value = self._widened(frame, value, frame.passes)
            if not (frame.changed or frame.reentered and value != frame.start):
                return value
            frame.passes += 1
            if frame.passes >= _MAX_PASSES:
                self.unconverged += 1
                logger.debug("a cycle at %s did not settle in %d passes", frame.key[0], _MAX_PASSES)
                return value
            self._next_pass(frame, value)

    @staticmethod
    def _widened(frame: _Frame, value: object, passes: int) -> object:
        """Past ``_JOIN_AFTER`` passes of its cycle, an answer only grows: a type is
        joined with the last pass's, another answer (a usage answer) keeps it.  The
        members' too: a member whose equation flips between two answers (a
        usage constraint that holds only while it does not) would keep the
        cycle changing until it is closed unsettled."""
        if passes < _JOIN_AFTER or frame.start is NEVER:
            return value
        if is_type(value):
            return make_union([frame.start, value]) if is_type(frame.start) else value
        return frame.start

    def _next_pass(self, frame: _Frame, value: object) -> None:
        frame.start = value
        self._provisional[frame.key] = _Entry(frame, value, frame, False, None)
        for k in frame.members:
            entry = self._provisional.get(k)
            if entry is not None:
                entry.valid = False
        frame.reentered = frame.changed = False

    def _unchanged(self, reads: tuple[_Read, ...]) -> bool:
        """Whether every unfinished answer in ``reads`` is still what was read."""
        for key, value, compute, store, context in reads:
            found = store.get(key, _MISSING)
            if found is _MISSING or found is IN_PROGRESS and key in self._open:
                found = self.ask(key, compute, store, context)
            if found is IN_PROGRESS or found != value:
                return False
        return True

    def _depend(self, index: int) -> None:
        top = self._stack[-1]
        if index < top.low:
            top.low = index

    def _push(self, frame: _Frame) -> None:
        self._stack.append(frame)
        self._open[frame.key] = frame
        if frame.store is self.shared:
            frame.store[frame.key] = IN_PROGRESS

    def _pop(self, frame: _Frame) -> None:
        self._stack.pop()
        del self._open[frame.key]
        if frame.store is self.shared and frame.store.get(frame.key) is IN_PROGRESS:
            del frame.store[frame.key]

    def _keep_provisional(self, frame: _Frame, value: object) -> None:
        owner = self._stack[frame.low]
        self._provisional[frame.key] = _Entry(frame, value, owner, True, tuple(frame.reads))
        owner.members[frame.key] = None
        for k in frame.members:
            entry = self._provisional.get(k)
            if entry is not None and entry.owner is frame:
                entry.owner = owner
            owner.members[k] = None
        if frame.changed or frame.reentered and value != frame.start:
            owner.changed = True
        self._depend(frame.low)
        self._stack[-1].reads.append((frame.key, value, frame.compute, frame.store, frame.context))

    def _finalize(self, frame: _Frame, value: object):
        """Store the root's answer and its cycle's; the root's, as stored."""
        self._provisional.pop(frame.key, None)
        value = frame.store[frame.key] = _settled(value)
        for k in frame.members:
            entry = self._provisional.get(k)
            if entry is not None and entry.owner is frame:
                del self._provisional[k]
                if entry.valid:
                    entry.store[k] = _settled(entry.value)
        return value

    def _discard(self, frame: _Frame) -> None:
        self._provisional.pop(frame.key, None)
        for k in frame.members:
            entry = self._provisional.get(k)
            if entry is not None and entry.owner is frame:
                del self._provisional[k]


def _rank(key: tuple) -> tuple:
    """The order in which a cycle's questions are candidates for its head: by file,
    then node, then kind (a question in a call-site context ties with the same
    question outside it; :func:`_spelled` breaks ties)."""
    if len(key) >= 3 and isinstance(key[1], str) and isinstance(key[2], int):
        return (0, key[1], key[2], key[0])
    return (1, key[0], _spelled(key[1:]))


def _spelled(value: object) -> str:
    """A text of a key or a type that is the same in every process (a frozenset's
    iteration order depends on string hashing)."""
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_spelled(v) for v in value) + ")"
    if isinstance(value, (frozenset, set)):
        return "{" + ",".join(sorted(_spelled(v) for v in value)) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ",".join(_spelled(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare)
        return f"{type(value).__name__}({inner})"
    return repr(value)


def _settled(value: object) -> object:
    """A final answer: ``Never`` meant "no value yet"; where a settled cycle let no
    value in, nothing is known (Unknown), and questions asked later must not take it
    for an unreachable branch."""
    return UNKNOWN if value is NEVER else value


def _stack_depth() -> int:
    depth = 0
    f: FrameType | None = sys._getframe(1)
    while f is not None:
        depth += 1
        f = f.f_back
    return depth
