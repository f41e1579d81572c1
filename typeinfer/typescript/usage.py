"""Usage constraints for script parameters: what a parameter's uses demand of its type.

The backward direction of the script engine, as :mod:`typelens.typeinfer.usage`
is for Python.  Types flow forward from definitions (defaults, the context a
callback sits in, call sites); what a function *does* with a parameter flows
back to it.  Each use of the parameter (its symbol's loads) is read by one rule
of :mod:`.usage_rules`, which gives a :class:`Constraint`: the type the use
accepts, a weight and a label that names it.

Example (the constraint each use gives, and its label)::

    interface Store { items: Map<string, Item> }
    function add(store, id, count) {     // store: Store, id: string, count: number
        store.items.get(id);             // string   call:store.items.get.key
        return count * 2;                // number   operand:number
    }                                    // store: Store   attr:items (the one project type with it)

=================================  ===============================  ====================
use                                constraint                       label
=================================  ===============================  ====================
``f(p)``, ``new C(p)``, ``o.m(p)``   the parameter's declared type   ``call:f.x``
``{ key: p }`` / ``[p]`` where the   the member / item it fills       ``call:f.x.key``
object is expected to have a type
``return p`` (declared return)     the return type                  ``return:T``
``o.x = p``, ``let v: T = p``      the member's / variable's type   ``assign:o.x``
``o.x = { ...d, ...p }``           the member's type (``Partial``   ``spread:assign:o.x``
                                   of it after a whole one)
``o[p]``                           the index type of ``o``          ``key:o``
``"x" + p``, ``p * 2``, ``-p``     the other operand's / number     ``operand:number``
``(p + q) | 0``                    number (a sum used as a number)  ``operand:number``
``p < 3``                          the other side's type            ``compare:number``
``p === "a"``                      only when nothing else           ``eq:string``
``p.x``, ``const {x} = p``         the one type with all of them    ``attr:x``
                                   (the file's; else, for two or
                                   more members, the project's)
``p()``, ``await p``, ``p[0]``     filters only                     ``called``
=================================  ===============================  ====================

Combining them (as on the Python side): the constraints that can stand as an
answer are met, strongest tier first (declared types; then operators,
comparisons and members; ``===`` last).  The most specific expected type that
satisfies all of a tier is the answer; where none does, their union (at most
three members) at a lower confidence.  Where declared types decide, what the
operators and members agree on narrows the answer when it fits in it
(``o.get_(p)`` with ``get_(key: PropertyKey)`` and ``p.startsWith("_")``:
``string``).  Agreeing evidence raises the
confidence: ``1 - prod(1 - weight)``.  ``length``, ``slice``, ``indexOf``... are
both a string's and an array's: alone they decide nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, cast

from .types import (
    ANY,
    UNKNOWN,
    UNKNOWN_TS,
    ArrayOf,
    Literal,
    Named,
    Prim,
    TsType,
    Tuple,
    TypeVar,
    join,
    members,
    render,
)

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

MAX_CONFIDENCE = 0.9
CONFLICT_FACTOR = 0.6
MAX_USES = 48
_MAX_UNION = 3
_KEYS = frozenset({"string", "number", "symbol"})  # what the library's `PropertyKey` stands for
# tiers: 1 declared (a parameter, return, member or key says it), 2 operators,
# comparisons and members, 3 ``===`` with a literal (read only when nothing else is known)
DECLARED, OPERATION, EQUALITY, FILTER = 1, 2, 3, 9


@dataclass(frozen=True, slots=True)
class Constraint:
    """What one use accepts: ``expected`` (an upper bound), its ``weight`` and ``tier``
    (:data:`FILTER`: it only checks candidates, as ``called``)."""

    label: str
    expected: TsType
    weight: float
    tier: int


@dataclass(frozen=True, slots=True)
class UsageAnswer:
    """The combined answer: ``type`` is ``UNKNOWN`` when only filters were found."""

    type: TsType
    confidence: float
    evidence: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    conflict: bool = False
    tier: int = FILTER  # the tier that decided

    @property
    def is_declared(self) -> bool:
        """Whether declared types (a parameter, a return, a member) decided, without conflict."""
        return self.type is not UNKNOWN and self.tier == DECLARED and not self.conflict


class ScriptUsage:
    """Usage constraints of script parameters (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine
        from .usage_rules import UseRules

        self.rules = UseRules(engine)

    def answer(self, path: str, param: int) -> UsageAnswer | None:
        """The usage answer of the parameter whose name node is ``param``, memoised."""
        found = self.engine.memo(("usage", path, param), lambda: cast(TsType, self._answer(path, param)))
        return found if isinstance(found, UsageAnswer) else None

    def constraints(self, path: str, param: int) -> tuple[Constraint, ...]:
        found = self.answer(path, param)
        return found.constraints if found is not None else ()

    def _answer(self, path: str, param: int) -> UsageAnswer | TsType:
        g = self.engine.graph(path)
        sym = g.symbol_at(param) if g is not None else None
        if g is None or sym is None:
            return UNKNOWN
        found: list[Constraint] = []
        for use in sym.uses[:MAX_USES]:
            if g.kinds[use] == "name_load":
                found.extend(self.rules.constraints_of(path, g, use))
        attribute = self.rules.member_constraint(path, g, list(sym.uses[:MAX_USES]))
        if attribute is not None:
            found.append(attribute)
        return combine(found, self.ancestors) if found else UNKNOWN

    def ancestors(self, t: Named) -> frozenset[str]:
        """The names ``t``'s declaration extends, transitively (project types only)."""
        out: set[str] = set()
        todo, steps = [t], 0
        while todo and steps < 32:
            item, steps = todo.pop(), steps + 1
            g = self.engine.graph(item.where[0]) if item.where is not None else None
            if g is None or item.where is None:
                continue
            for base in self.engine.members._extends(item.where[0], g, item.where[1]):
                if isinstance(base, Named) and base.name not in out:
                    out.add(base.name)
                    todo.append(base)
        return frozenset(out)


Ancestors = Callable[[Named], frozenset[str]]


def _no_ancestors(t: Named) -> frozenset[str]:
    return frozenset()


def combine(found: list[Constraint], ancestors: Ancestors = _no_ancestors) -> UsageAnswer:
    """One answer from the constraints (see the module docstring); ``ancestors``:
    the names a project class or interface extends (``SignalNode`` is a ``ReactiveNode``)."""
    found = list({(c.label, c.expected): c for c in found}.values())
    typed = [c for c in found if c.tier != FILTER]
    tiers = sorted({c.tier for c in typed})
    if not tiers:
        return UsageAnswer(UNKNOWN, 0.0, _labels(found), tuple(found))
    chosen = [c for c in typed if c.tier == tiers[0]]
    if tiers[0] == EQUALITY and len({c.expected for c in chosen}) > 1:
        return UsageAnswer(UNKNOWN, 0.0, _labels(found), tuple(found))
    answer, conflict = _meet([c.expected for c in chosen], ancestors)
    if answer is UNKNOWN:
        return UsageAnswer(UNKNOWN, 0.0, _labels(found), tuple(found), True)
    if not conflict and tiers[0] == DECLARED and OPERATION in tiers:
        # operators and members narrow what a declared place accepts: `p.startsWith()`
        # and `o.get_(p)` with `get_(key: PropertyKey)` give a string
        narrower, split = _meet([c.expected for c in typed if c.tier == OPERATION], ancestors)
        if not split and narrower is not UNKNOWN and satisfies(narrower, answer, ancestors):
            answer = narrower
    agreeing = chosen if conflict else [c for c in typed if satisfies(answer, c.expected, ancestors)]
    doubt = 1.0
    for c in agreeing:
        doubt *= 1.0 - c.weight
    confidence = min(MAX_CONFIDENCE, 1.0 - doubt) * (CONFLICT_FACTOR if conflict else 1.0)
    used = [c for c in found if c in agreeing or c.tier == FILTER]
    return UsageAnswer(answer, round(confidence, 3), _labels(used), tuple(found), conflict, tiers[0])


def _labels(found: list[Constraint]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.label for c in found))


def _meet(expected: list[TsType], ancestors: Ancestors) -> tuple[TsType, bool]:
    """The most specific of ``expected`` satisfying all; else (a conflict) their union."""
    distinct = list(dict.fromkeys(expected))
    for t in distinct:
        if all(satisfies(t, other, ancestors) for other in distinct):
            return t, False
    union = join(*distinct)
    return (union, True) if len(members(union)) <= _MAX_UNION else (UNKNOWN, True)


def satisfies(actual: TsType, expected: TsType, ancestors: Ancestors = _no_ancestors) -> bool:
    """Whether every value of ``actual`` is one ``expected`` accepts (a loose,
    by-name check: literals by their base, arrays by their items, named types by
    name and arguments where both give them, or by what they extend)."""
    wanted = members(expected)
    return all(any(_satisfies_one(a, e, ancestors) for e in wanted) for a in members(actual))


def _satisfies_one(a: TsType, e: TsType, ancestors: Ancestors) -> bool:
    if a == e or e in (ANY, UNKNOWN_TS, UNKNOWN) or isinstance(e, TypeVar):
        return True
    if isinstance(e, Named) and e.name == "PropertyKey" and not e.args:  # `string | number | symbol`
        return isinstance(a, Prim) and a.name in _KEYS or isinstance(a, Literal) and a.base in _KEYS
    if isinstance(a, Literal):
        return isinstance(e, Prim) and e.name == a.base or isinstance(e, Literal) and e == a
    if isinstance(a, ArrayOf) and isinstance(e, ArrayOf):
        return satisfies(a.item, e.item)
    if isinstance(a, Tuple) and isinstance(e, ArrayOf):
        return all(satisfies(m, e.item) for m in a.items)
    if isinstance(a, Named) and isinstance(e, Named) and a.name == e.name:
        return not a.args or not e.args or all(satisfies(x, y) for x, y in zip(a.args, e.args))
    if isinstance(a, Named) and isinstance(e, Named):
        return e.name in ancestors(a)
    return isinstance(e, Prim) and e.name == "object" and not isinstance(a, (Prim, Literal))


def admits(found: tuple[Constraint, ...], candidate: TsType) -> bool:
    """Whether a candidate (a classifier's label, read) breaks none of the typed
    constraints (arguments compared without their type arguments)."""
    for c in found:
        if c.tier == FILTER or c.tier == EQUALITY:
            continue
        if not satisfies(_erased(candidate), _erased(c.expected)):
            return False
    return True


def _erased(t: TsType) -> TsType:
    parts: list[TsType] = []
    for m in members(t):
        if isinstance(m, Named):
            parts.append(Named(m.name))
        elif isinstance(m, (ArrayOf, Tuple)):
            parts.append(ArrayOf(ANY))
        else:
            parts.append(m)
    return join(*parts)


def evidence_text(answer: UsageAnswer) -> str:
    """``number from operand:number, compare:number``: for logs and tests."""
    return f"{render(answer.type)} from {', '.join(answer.evidence)}"


__all__ = ["Constraint", "ScriptUsage", "UsageAnswer", "admits", "combine", "satisfies"]
