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
