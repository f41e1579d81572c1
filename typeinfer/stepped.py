"""Work done in steps within one file's budget of engine questions.

The editor runs a file's predictions and checks in steps (generators that yield
between complete questions of the engine) and answers requests between them.  The
per-file budget (:meth:`TypeEngine.file_budget`) must count only the questions of
those steps, not a hover's asked between two of them, and must not be left set on
the engine while a step is paused.  :func:`budgeted` enters the budget around each
step alone and carries what is left of it to the next.

Example::

    >>> def work():
    ...     yield
    ...     yield
    >>> engine = TypeEngine(ProjectIndex(Path(".")))
    >>> sum(1 for _ in budgeted(engine, work(), steps=10))
    2

Past the budget, :class:`BudgetSpent` comes out of the step that spent it; the
steps before it are whole.
"""

from __future__ import annotations

from typing import Final, Iterator

from .engine import FILE_STEPS, TypeEngine


def budgeted(engine: TypeEngine, steps_of: Iterator[None], steps: int = FILE_STEPS) -> Iterator[None]:
    """``steps_of`` run one step at a time, each inside ``engine.file_budget`` with
    what the steps before it left of ``steps`` questions; yields after each step."""
    left = steps
    while True:
        start = engine.steps
        with engine.file_budget(left):
            if next(steps_of, _DONE) is _DONE:
                return
        left -= engine.steps - start
        yield


_DONE: Final = object()
