"""The memo's cycles (typelens.typeinfer.fixpoint): a cycle entered above its
head is left at once for its lower question, and its answers do not change."""

from __future__ import annotations

import itertools

from typelens.typeinfer.fixpoint import NEVER, Memo


def _ask_all(edges: dict[tuple, tuple[tuple, ...]], order: list[tuple]) -> tuple[dict, Memo]:
    """Answer every question of ``edges`` (a question's answer: its own name and
    the answers of those it asks, a set that grows to a fixpoint), asked in
    ``order``."""
    memo = Memo(None)
    store: dict = {}

    def ask(key: tuple):  # as the engine asks: a settled answer is read from the store
        return store[key] if key in store else memo.ask(key, lambda: compute(key), store, None)

    def compute(key: tuple) -> frozenset:
        found = {key[2]}
        for other in edges[key]:
            value = ask(other)
            if value is not NEVER:
                found |= value
        return frozenset(found)

    for key in order:
        ask(key)
    return store, memo


def test_a_cycle_closed_through_a_lower_question_is_left_for_it() -> None:
    """``q9`` asks ``q5``, which asks ``q9`` back: the cycle's head is ``q5`` (the
    lower node), so the solve from ``q9`` is left where the cycle closes
    (``led``) and nothing is solved twice (``rooted``)."""
    edges = {("q", "f.py", 9): (("q", "f.py", 5),), ("q", "f.py", 5): (("q", "f.py", 9),)}
    store, memo = _ask_all(edges, [("q", "f.py", 9)])
    assert (memo.led, memo.rooted) == (1, 0)
    assert store == {key: frozenset({5, 9}) for key in edges}
    store, memo = _ask_all(edges, [("q", "f.py", 5)])
    assert (memo.led, memo.rooted) == (0, 0)


def test_a_lower_question_that_reads_a_cycle_is_answered_first() -> None:
    """``q9`` and ``q10`` are a cycle; ``q9`` then asks ``q3``, which reads ``q10``'s
    provisional answer: ``q3`` joins the cycle below every question on the stack,
    so it is answered first (``led``), not after a solve that would be dropped.
    Every order of the questions gives the same answers."""
    a, b, low = ("q", "f.py", 9), ("q", "f.py", 10), ("q", "f.py", 3)
    edges = {a: (b, low), b: (a,), low: (b,)}
    store, memo = _ask_all(edges, [a])
    assert (memo.led, memo.rooted) == (1, 0)
    answers = {key: frozenset({3, 9, 10}) for key in edges}
    assert store == answers
    for order in itertools.permutations(edges):
        assert _ask_all(edges, list(order))[0] == answers


def test_a_lower_question_below_the_cycle_keeps_it_from_being_left() -> None:
    """``q1`` asks ``q9``, whose cycle with ``q5`` closes above ``q1``: ``q5`` ranks
    lower than ``q9`` but not than ``q1``, which may yet join the cycle as its root
    (and head), so the solve is not left.  Where ``q5`` reads ``q1`` back, ``q1`` is the
    root and head and nothing is solved twice; where it does not, ``q9`` finishes as
    the root and its cycle is solved again from ``q5`` (``rooted``).  Every order
    gives the same answers."""
    low, a, b = ("q", "f.py", 1), ("q", "f.py", 9), ("q", "f.py", 5)
    for edges, rooted in (({low: (a,), a: (b,), b: (a, low)}, 0), ({low: (a,), a: (b,), b: (a,)}, 1)):
        store, memo = _ask_all(edges, [low])
        assert (memo.led, memo.rooted) == (0, rooted)
        for order in itertools.permutations(edges):
            assert _ask_all(edges, list(order))[0] == store


def test_a_lower_question_is_not_left_for_inside_an_outer_pass() -> None:
    """``q7`` and ``q8`` are a cycle; in its pass, ``q7`` asks ``q9``, whose cycle with
    ``q5`` closes above ``q7``.  ``q5`` ranks lower than both, but an outer cycle's pass
    is under way (``q8``'s answer is provisional, owned by ``q7``), where a root is not
    solved again from its head, so the solve is not left for ``q5`` either."""
    outer, mid, a, b = ("q", "f.py", 7), ("q", "f.py", 8), ("q", "f.py", 9), ("q", "f.py", 5)
    edges = {outer: (mid, a), mid: (outer,), a: (b,), b: (a,)}
    store, memo = _ask_all(edges, [outer])
    assert (memo.led, memo.rooted) == (0, 0)
    assert store[b] == store[a] == frozenset({5, 9})
    assert store[outer] == store[mid] == frozenset({5, 7, 8, 9})
