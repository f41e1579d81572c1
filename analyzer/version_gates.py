"""Typeshed's ``sys.version_info`` and ``sys.platform`` gates, read for the running Python
(and ``if TYPE_CHECKING:``, taken, as every type checker reads it).

Stubs describe every supported Python and platform at once::

    if sys.version_info >= (3, 12):
        def full_match(self, pattern: str) -> bool: ...
    if sys.platform == "win32":
        def startfile(filepath: StrPath) -> None: ...

A name defined only in branches the running interpreter does not take does not
exist for it (``Path.full_match`` on 3.11, ``os.startfile`` on Linux), and where
both branches define a name the taken one wins.  Other conditions are left
alone (``None``): both branches may hold.

Example::

    >>> g = build_graph("import sys\nif sys.version_info >= (9, 0):\n    x = 1\n")
    >>> version_excluded(g, g.find_symbol("x").definitions[0], 0)
    True
"""

from __future__ import annotations

import logging
import re
import sys
from collections import OrderedDict

from .graph import ProgramGraph

logger = logging.getLogger(__name__)

_VERSION_TEST = re.compile(r"sys\.version_info(>=|<=|>|<)\((\d+),(\d+)\)")
_PLATFORM_TEST = re.compile(r"sys\.platform(==|!=)(['\"])(\w+)\2")


def version_test(g: ProgramGraph, condition: int | None) -> bool | None:
    """Whether the running Python takes ``if <condition>:`` when the condition
    compares ``sys.version_info`` with ``(major, minor)`` or ``sys.platform`` with a
    string, is ``TYPE_CHECKING`` (true), or joins such tests with ``and`` / ``or`` / ``not``; ``None`` for any
    other condition (both branches may then hold)."""
    if condition is None:
        return None
    kind = g.kinds[condition]
    if kind == "parenthesized_expression":
        inner = g.children(condition)
        return version_test(g, inner[0]) if len(inner) == 1 else None
    if kind == "not_operator":
        value = version_test(g, g.child_by_field(condition, "argument"))
        return None if value is None else not value
    if kind == "boolean_operator":
        left, right = g.child_by_field(condition, "left"), g.child_by_field(condition, "right")
        if left is None or right is None:
            return None
        operator = g.source.data[g.end_bytes[left] : g.start_bytes[right]].strip()
        a, b = version_test(g, left), version_test(g, right)
        if operator == b"and":
            return False if a is False or b is False else (True if a and b else None)
        return True if a is True or b is True else (False if a is False and b is False else None)
    text = "".join(g.text(condition).split())
    if text in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"):
        return True  # what a type checker reads: the other branch only runs
    found = _VERSION_TEST.fullmatch(text)
    if found is not None:
        current, wanted = sys.version_info[:2], (int(found.group(2)), int(found.group(3)))
        return {">=": current >= wanted, "<=": current <= wanted, ">": current > wanted, "<": current < wanted}[
            found.group(1)
        ]
    found = _PLATFORM_TEST.fullmatch(text)
    if found is not None:
        return (sys.platform == found.group(3)) == (found.group(1) == "==")
    return None


def version_excluded(g: ProgramGraph, node: int, stop: int) -> bool:
    """Whether ``node`` sits in a branch of an ``if sys.version_info ...`` chain (below
    ``stop``) that the running Python does not take."""
    current = node
    while current >= 0 and current != stop:
        parent = g.parents[current]
        if parent < 0:
            break
        kind, field = g.kinds[parent], g.fields[current]
        if kind in ("if_statement", "elif_clause") and field == "consequence":
            if _clause_test(g, parent) is False:
                return True
        if kind in ("elif_clause", "else_clause"):
            taken, positions = _chain_of(g, g.parents[parent])  # the if_statement
            if taken < positions.get(parent, -1):
                return True  # an earlier branch is taken
        current = parent
    return False


class _Gates:
    """What one graph's ``if`` statements were found to test, worked out once."""

    __slots__ = ("graph", "chains", "tests")

    def __init__(self, graph: ProgramGraph) -> None:
        self.graph = graph
        self.chains: dict[int, tuple[int, dict[int, int]]] = {}  # see _chain_of
        self.tests: dict[int, bool | None] = {}  # if/elif clause -> version_test of its condition


_GATES: OrderedDict[int, _Gates] = OrderedDict()
_GATE_GRAPHS = 16  # graphs whose if/elif chains are remembered


def _gates(g: ProgramGraph) -> _Gates:
    entry = _GATES.get(id(g))
    if entry is None or entry.graph is not g:
        entry = _GATES[id(g)] = _Gates(g)
        while len(_GATES) > _GATE_GRAPHS:
            _GATES.popitem(last=False)
    return entry


def _clause_test(g: ProgramGraph, clause: int) -> bool | None:
    """``version_test`` of an ``if`` / ``elif`` clause's condition, once per clause
    (every definition in a gated block of a stub asks it)."""
    tests = _gates(g).tests
    if clause not in tests:
        tests[clause] = version_test(g, _first_field(g, clause, "condition"))
    return tests[clause]


def _first_field(g: ProgramGraph, node: int, field: str) -> int | None:
    """``g.child_by_field(node, field)`` without the graph's table of children (a
    list per node, for a 24,000-node stub asked about a few clauses): nodes come
    in pre-order, so ``node``'s descendants follow it, and the first later node
    whose parent comes before ``node`` has left its subtree.  A clause's
    condition is its first child."""
    parents, fields = g.parents, g.fields
    at = node + 1
    while at < len(parents):
        parent = parents[at]
        if parent < node:
            return None
        if parent == node and fields[at] == field:
            return at
        at += 1
    return None


def _chain_of(g: ProgramGraph, chain: int) -> tuple[int, dict[int, int]]:
    """Of the ``if`` statement ``chain``: the position of its first branch whose
    version test is true (past the end: none) and each clause's position, worked
    out once (a chain of 20,000 ``elif`` is asked about once per definition in it)."""
    chains = _gates(g).chains
    found = chains.get(chain)
    if found is None:
        clauses = [chain, *g.children(chain)]
        taken = next(
            (
                i
                for i, clause in enumerate(clauses)
                if g.kinds[clause] in ("if_statement", "elif_clause") and _clause_test(g, clause) is True
            ),
            len(clauses),
        )
        found = chains[chain] = (taken, {clause: i for i, clause in enumerate(clauses)})
    return found


def live_definitions(g: ProgramGraph, definitions: tuple[int, ...], stop: int = 0) -> tuple[int, ...]:
    """``definitions`` without those in branches the running Python does not take."""
    return tuple(d for d in definitions if not version_excluded(g, d, stop))
