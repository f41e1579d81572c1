"""Usage constraints: what a parameter's (or variable's) uses demand of its type.

The backward direction of the static engine.  Types flow forward from
definitions (call sites, defaults, assigned values); what a function *does*
with a value flows back to it.  Each use that the definition reaches (its DFG
edges; uses under an ``isinstance`` test are left out: they see a narrower type)
is read by one rule of :mod:`.usage_rules`, which gives a :class:`Constraint`:
the type the use accepts, a weight and a label that names it.

Example (the constraint each use gives, and its label)::

    @dataclass
    class Order:
        customer: str

    class OrderService:
        def __init__(self):
            self.orders: dict[str, Order] = {}

        def create(self, customer):     # customer: str   (0.95)
            order = Order(customer)     # str   call:Order.__init__.customer
            self.orders[customer] = order   # str   key:self.orders
            return order

    def greet(name):                    # name: str
        return "hi " + name             # str   operand:str+

=============================  ========================  ==================
use                            constraint                label
=============================  ========================  ==================
``f(p)``, ``C(p)``, ``o.m(p)``  the declared parameter    ``call:C.__init__.p``
``d[p]``, ``d.get(p)``         the key / index type      ``key:d``, ``index:xs``
``"x" + p``, ``p / 2.0``       the other operand's class ``operand:str+``
``p < 3``, ``p in names``      the other side's class    ``compare:int``, ``in:names``
``p == "a"``                   only when nothing else    ``eq:str``
``for x in p``                 ``Iterable[X]``            ``iter``
``return p`` (``-> T``)        ``T``                     ``return:T``
``self.x = p`` (``x: T``)      ``T``                     ``assign:C.x``
``p.title()``                  the one class with it     ``attr:title``
(an override's ``p``)          its annotation or uses    ``override:Base.m.p``
``await p``, ``p()``, ``with``  filters only              ``await``, ``called``, ``with``
=============================  ========================  ==================

Combining them: the constraints that can stand as an answer are met, strongest
tier first (declared parameters, keys and returns; then operators, comparisons
and attributes; ``==`` last).  The most specific expected type that satisfies
all of a tier is the answer (``str`` and ``str | None``: ``str``); where none
does, they conflict and the answer is the most general type satisfying all
(their common base such as ``Sequence[str]``, else their union) at a lower
confidence.  Agreeing evidence raises the confidence: ``1 - prod(1 - weight)``.
Filters (``await``, ``called``, ``with``, an iteration whose element is unknown)
give no answer; the hybrid mode drops the classifier's candidates that violate
any constraint (:func:`admits`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet, Callable, Final

from typelens.analyzer import EdgeKind, ProgramGraph

from .normalize import label_bases
from .types import NONE, ClassType, Type, TypeOfClass, is_known, make_union, members, render

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

MAX_CONFIDENCE: Final = 0.95
CONFLICT_FACTOR: Final = 0.6  # a conflict's answer is this much less sure
_MAX_USES: Final = 64  # uses read per definition
_MAX_UNION: Final = 3  # a conflict wider than this gives no answer
_MAX_RANKING_CACHE: Final = 50_000  # entries each of UsageModel.rerank's tables holds
_PROBE: Final = ClassType("typelens.usage.Probe")  # a use under isinstance() narrows it to something else
_GENERAL_BASES: Final = ("Sequence", "Mapping", "AbstractSet", "Collection", "Iterable")

# tiers: 1 declared (a parameter, key, return or target says it), 2 operators,
# comparisons and attributes, 3 ``==`` (read only when nothing else is known)
DECLARED, OPERATION, EQUALITY, FILTER = 1, 2, 3, 9


@dataclass(frozen=True, slots=True)
class Constraint:
    """What one use accepts: ``expected`` (an upper bound), its ``weight`` and ``tier``
    (:data:`FILTER`: it only checks candidates, as ``called`` or ``await``)."""

    label: str
    expected: Type
    weight: float
    tier: int

    # __init__, __eq__ and __hash__ written out for mypyc (see the note in .types)
    def __init__(self, label: str, expected: Type, weight: float, tier: int) -> None:
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "expected", expected)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "tier", tier)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Constraint:
            return NotImplemented
        return (
            self.label == other.label
            and self.expected == other.expected
            and self.weight == other.weight
            and self.tier == other.tier
        )

    def __hash__(self) -> int:
        return hash((self.label, self.expected, self.weight, self.tier))


@dataclass(frozen=True, slots=True)
class UsageAnswer:
    """The combined answer: ``type`` None when only filters were found."""

    type: Type | None
    confidence: float
    evidence: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    conflict: bool = False

    # __init__, __eq__ and __hash__ written out for mypyc (see the note in .types)
    def __init__(
        self,
        type: Type | None,
        confidence: float,
        evidence: tuple[str, ...],
        constraints: tuple[Constraint, ...],
        conflict: bool = False,
    ) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "constraints", constraints)
        object.__setattr__(self, "conflict", conflict)

    def __eq__(self, other: object) -> bool:
        if type(other) is not UsageAnswer:
            return NotImplemented
        return (
            self.type == other.type
            and self.confidence == other.confidence
            and self.evidence == other.evidence
            and self.constraints == other.constraints
            and self.conflict == other.conflict
        )

    def __hash__(self) -> int:
        return hash((self.type, self.confidence, self.evidence, self.constraints, self.conflict))


class UsageModel:
    """Usage constraints of the engine's definitions (see the module docstring)."""

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        from .usage_rules import UseRules

        self.rules = UseRules(engine, self)
        self._tests_types: dict[tuple[str, int], bool] = {}  # (file, scope node): calls isinstance
        # what rankings looked up (:meth:`rerank`): read after the analysis, from settled answers
        self._classes: dict[tuple[str, str], ClassType | None] = {}  # (file, name): its class
        self._fits: dict[tuple[ClassType, Constraint], bool] = {}  # (class, constraint): it satisfies it

    def answer(self, path: str, definition: int) -> UsageAnswer | None:
        """The usage answer of the parameter or variable defined at ``definition``
        (its identifier node), memoised; a cycle reads no answer until it settles."""

        # -> object: a cycle's answer is Never, and compiled code checks what memo returns
        def compute() -> object:
            return self._answer(path, definition)

        found = self.engine.memo(("usage", path, definition), compute)
        return found if isinstance(found, UsageAnswer) else None

    def parameter_type(self, path: str, param: int) -> Type | None:
        """The type a parameter's uses give (the engine's ``usage`` evidence)."""
        found = self.answer(path, param)
        return found.type if found is not None else None

    def constraints(self, path: str, definition: int) -> tuple[Constraint, ...]:
        found = self.answer(path, definition)
        return found.constraints if found is not None else ()

    def rerank(self, path: str, definition: int, candidates: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """:func:`rerank`, asked after the analysis (the hybrid mode): each (file,
        name) class and each (class, constraint) check is looked up once per engine
        (a file of 50,000 functions ranks 250,000 candidates, naming a few hundred
        classes); the tables are cleared past :data:`_MAX_RANKING_CACHE` entries."""
        answer = self.answer(path, definition)
        if answer is None:
            return candidates
        if len(self._classes) > _MAX_RANKING_CACHE or len(self._fits) > _MAX_RANKING_CACHE:
            self._classes.clear()
            self._fits.clear()
        named = _label_names(render(answer.type)) if answer.type is not None else set()
        names_of = {label: _label_names(label) for label, _ in candidates}
        kept = [
            (label, prob) for label, prob in candidates if self._admitted(path, answer.constraints, names_of[label])
        ]
        return sorted(kept, key=lambda c: (names_of[c[0]] != named or not named, -c[1]))

    def _admitted(self, path: str, found: tuple[Constraint, ...], names: AbstractSet[str]) -> bool:
        return _admitted(found, names, lambda n: self._class_of(path, n), self._fits_one)

    def _class_of(self, path: str, name: str) -> ClassType | None:
        key = (path, name)
        if key not in self._classes:
            self._classes[key] = _class_named(self.engine, path, name)
        return self._classes[key]

    def _fits_one(self, cls: ClassType, constraint: Constraint) -> bool:
        key = (cls, constraint)
        found = self._fits.get(key)
        if found is None:
            found = self._fits[key] = _candidate_fits(self.engine, cls, constraint)
        return found

    def _answer(self, path: str, definition: int) -> UsageAnswer | None:
        g = self.engine.graph(path)
        if g is None:
            return None
        found = list(self.own_constraints(path, definition))
        if g.kinds[definition] == "parameter":
            found.extend(self.rules.override_constraints(path, g, definition))
        return combine(self.engine, found) if found else None

    def own_constraints(self, path: str, definition: int) -> tuple[Constraint, ...]:
        """The constraints of the definition's own uses (not its overrides')."""

        # -> object: a cycle's answer is Never, and compiled code checks what memo returns
        def compute() -> object:
            return self._own(path, definition)

        found = self.engine.memo(("usage-own", path, definition), compute)
        return found if isinstance(found, tuple) else ()

    def _own(self, path: str, definition: int) -> tuple[Constraint, ...]:
        g = self.engine.require_graph(path)
        found: list[Constraint] = []
        for use in _uses(g, definition):
            if self.is_narrowed(path, use):
                continue
            found.extend(self.rules.constraints_of(path, g, use))
        if g.kinds[definition] == "parameter":
            attribute = self.engine.calls.usage_type(path, g, definition)
            if attribute is not None:
                found.append(
                    Constraint(
                        "attr:" + ",".join(sorted(self.engine.calls.telling_attributes(g, definition))),
                        attribute,
                        0.55,
                        OPERATION,
                    )
                )
        return tuple(found)

    def is_narrowed(self, path: str, use: int) -> bool:
        """Whether ``use`` sits under an ``isinstance`` test of the name (read only in
        functions that call ``isinstance`` at all: narrowing a use costs)."""
        g = self.engine.require_graph(path)
        scope = g.scopes[g.scope_of[use]]
        while scope.parent >= 0 and scope.kind.value not in ("function", "module"):  # a comprehension, a lambda
            scope = g.scopes[scope.parent]
        key = (path, scope.node)
        tests = self._tests_types.get(key)
        if tests is None:
            start, end = (g.start_bytes[scope.node], g.end_bytes[scope.node]) if scope.node >= 0 else (0, -1)
            tests = self._tests_types[key] = b"isinstance" in g.source.data[start:end]
        return tests and self.engine.narrowing.narrow(path, use, _PROBE) != _PROBE


def _uses(g: ProgramGraph, definition: int) -> list[int]:
    """The reads of the value bound at ``definition``, and of the values an
    augmented assignment of the same name makes from it (``pos -= 1`` in a loop
    keeps ``pos`` an ``int``, so ``text[pos]`` after it tells what ``pos`` is),
    at most :data:`_MAX_USES`."""
    uses: list[int] = []
    seen, pending = {definition}, [definition]
    while pending and len(uses) < _MAX_USES:
        for use in g.successors(pending.pop(), EdgeKind.DFG):
            if g.kinds[use] == "name_load":
                uses.append(use)
            elif use not in seen and g.kinds[use] == "name_store" and _is_augmented_target(g, use):
                seen.add(use)
                pending.append(use)
    return list(dict.fromkeys(uses))[:_MAX_USES]


def _is_augmented_target(g: ProgramGraph, node: int) -> bool:
    parent = g.parents[node]
    return g.kinds[parent] == "augmented_assignment" and g.child_by_field(parent, "left") == node


def combine(engine: "Engine", found: list[Constraint]) -> UsageAnswer:
    """One answer from the constraints (see the module docstring)."""
    found = _deduplicated(found)
    none_checked = any(c.label == "none-check" for c in found)
    typed = [c for c in found if c.tier != FILTER]
    tiers = sorted({c.tier for c in typed})
    if not tiers:
        return UsageAnswer(None, 0.0, _labels(found), tuple(found))
    chosen = [c for c in typed if c.tier == tiers[0]]
    if tiers[0] == EQUALITY and len({c.expected for c in chosen}) > 1:
        return UsageAnswer(None, 0.0, _labels(found), tuple(found))
    answer, conflict = _meet(engine, [c.expected for c in chosen])
    if answer is None:
        return UsageAnswer(None, 0.0, _labels(found), tuple(found), True)
    if not conflict:
        answer = _narrowed_by_weaker(engine, answer, [c for c in typed if c.tier not in (tiers[0], EQUALITY)])
    agreeing = chosen if conflict else [c for c in typed if satisfies(engine, answer, c.expected)]
    confidence = 1.0
    for c in agreeing:
        confidence *= 1.0 - c.weight
    confidence = min(MAX_CONFIDENCE, 1.0 - confidence) * (CONFLICT_FACTOR if conflict else 1.0)
    if none_checked and answer != NONE:
        answer = make_union([answer, NONE])
    used = [c for c in found if c in agreeing or c.tier == FILTER or conflict and c in chosen]
    # the strongest evidence first, the check that adds None last; ties by label, so the
    # order never follows the order constraints were met in (that can vary run to run)
    used.sort(key=lambda c: (c.label == "none-check", -c.weight, c.label))
    return UsageAnswer(answer, round(confidence, 3), _labels(used), tuple(found), conflict)


def _narrowed_by_weaker(engine: "Engine", answer: Type, weaker: list[Constraint]) -> Type:
    """The members of a union answer that the weaker tiers' uses also accept: ``p``
    passed to ``str.startswith(prefix: str | tuple[str, ...])`` and used as
    ``p.lower()`` is a ``str`` (a tuple has no ``lower``)."""
    parts = members(answer)
    if len(parts) < 2 or not weaker:
        return answer
    kept = [m for m in parts if all(satisfies(engine, m, c.expected) for c in weaker)]
    return make_union(kept) if kept and len(kept) < len(parts) else answer


def _deduplicated(found: list[Constraint]) -> list[Constraint]:
    seen: dict[tuple[str, Type], Constraint] = {}
    for c in found:
        seen.setdefault((c.label, c.expected), c)
    return list(seen.values())


def _labels(found: list[Constraint]) -> tuple[str, ...]:
    """The labels worth showing: a filter that accepts anything (``object``) is left out."""
    return tuple(dict.fromkeys(c.label for c in found if not (c.tier == FILTER and _is_vague(c.expected))))


def _is_vague(t: Type) -> bool:
    return any(not is_known(m) or isinstance(m, ClassType) and m.short in ("object", "Any") for m in members(t))


def _meet(engine: "Engine", expected: list[Type]) -> tuple[Type | None, bool]:
    """The most specific of ``expected`` satisfying all of them; else (a conflict) the
    most general type satisfying all: a common base, or their union."""
    distinct = list(dict.fromkeys(expected))
    for t in distinct:
        if all(satisfies(engine, t, other) for other in distinct):
            return t, False
    base = _common_base(engine, distinct)
    if base is not None:
        return base, True
    union = make_union(distinct)
    return (union, True) if len(members(union)) <= _MAX_UNION else (None, True)


def _common_base(engine: "Engine", types: list[Type]) -> Type | None:
    """``list[str]`` and ``tuple[str, ...]``: ``Sequence[str]`` (the first of
    :data:`_GENERAL_BASES` all of them derive from, with their common arguments)."""
    classes = [t for t in types if isinstance(t, ClassType)]
    if len(classes) != len(types):
        return None
    views = [{view.short: view for view, _ in engine.classes.mro(t)} for t in classes]
    for name in _GENERAL_BASES:
        found = [v[name] for v in views if name in v]
        if len(found) == len(views):
            args = {f.args for f in found}
            return found[0] if len(args) == 1 and all(is_known(a) for a in found[0].args) else ClassType(name)
    return None


def satisfies(engine: "Engine", actual: Type, expected: Type) -> bool:
    """Whether every value of ``actual`` is one ``expected`` accepts (classes by their
    bases, ``int`` for ``float``, type arguments where both give them)."""
    wanted = members(expected)
    return all(any(_satisfies_one(engine, a, e) for e in wanted) for a in members(actual))


def _satisfies_one(engine: "Engine", a: Type, e: Type) -> bool:
    if a == e or not is_known(e) or isinstance(e, ClassType) and e.short in ("object", "Any"):
        return True
    if not isinstance(a, ClassType) or not isinstance(e, ClassType):
        return isinstance(a, TypeOfClass) and isinstance(e, TypeOfClass) and _satisfies_one(engine, a.cls, e.cls)
    if a.short in ("int", "bool") and e.short in ("float", "complex", "int"):
        return True
    if a.short == e.short and a.name == e.name:
        return (
            not a.args
            or not e.args
            or len(a.args) == len(e.args)
            and all(satisfies(engine, x, y) for x, y in zip(a.args, e.args))
        )
    if a == NONE or e == NONE:
        return False
    for view, _ in engine.classes.mro(a)[1:]:
        if view.name == e.name:
            return not view.args or not e.args or all(satisfies(engine, x, y) for x, y in zip(view.args, e.args))
    if engine.classes.is_protocol(e):
        return all(engine.classes.has_member(a, m) is not False for m in engine.classes.protocol_members(e))
    return False


def admits(engine: "Engine", path: str, definition: int, names: AbstractSet[str]) -> bool:
    """Whether a candidate made of the classes ``names`` (a classifier's label,
    ``{"str", "None"}``) breaks none of the definition's usage constraints: one
    class of the candidate must satisfy each constraint.  Unknown names pass."""
    return _admitted(
        engine.usage.constraints(path, definition),
        names,
        lambda n: _class_named(engine, path, n),
        lambda cls, c: _candidate_fits(engine, cls, c),
    )


def _admitted(
    found: tuple[Constraint, ...],
    names: AbstractSet[str],
    class_of: Callable[[str], ClassType | None],
    fits: Callable[[ClassType, Constraint], bool],
) -> bool:
    """:func:`admits` against ``found``, with ``class_of`` and ``fits`` looking up."""
    if not found:
        return True
    classes = [c for n in names if (c := class_of(n)) is not None]
    if len(classes) != len(names):
        return True
    return all(any(fits(cls, c) for cls in classes) for c in found if c.label != "none-check")


def rerank(
    engine: "Engine", path: str, definition: int, candidates: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """The classifier's ``(label, probability)`` candidates less those that break a
    usage constraint (:func:`admits`), the ones the usage answer names first
    (probabilities kept)."""
    return engine.usage.rerank(path, definition, candidates)


def _label_names(label: str) -> frozenset[str]:
    """``list[str] | None`` -> ``{"list", "None"}``."""
    names = label_bases(label)
    return names - {""} if "" in names else names


def _candidate_fits(engine: "Engine", cls: ClassType, c: Constraint) -> bool:
    if c.tier == FILTER:
        needed = _FILTER_MEMBERS.get(c.label.split(":")[0])
        return needed is None or any(engine.classes.has_member(cls, m) is not False for m in needed)
    return satisfies(engine, cls, _erased(c.expected))


_FILTER_MEMBERS: Final = {
    "iter": ("__iter__", "__getitem__"),
    "await": ("__await__",),
    "called": ("__call__",),
    "with": ("__enter__", "__aenter__"),
    "unpack": ("__iter__", "__getitem__"),
}


def _erased(t: Type) -> Type:
    """``t`` without type arguments (a classifier's ``list`` against ``list[str]``)."""
    return make_union([ClassType(m.name) if isinstance(m, ClassType) else m for m in members(t)])


def _class_named(engine: "Engine", path: str, name: str) -> ClassType | None:
    if name == "None":
        return NONE
    for m in members(engine.names.module_value(path, name)):
        if isinstance(m, TypeOfClass):
            return m.cls
    builtin = engine.names.builtin(name)
    for m in members(builtin):
        if isinstance(m, TypeOfClass):
            return m.cls
    return None


def used_attributes(g: ProgramGraph, symbol: int | None, *, stores: bool = True) -> set[str]:
    """The attributes read (and, with ``stores``, assigned) on the uses of symbol
    ``symbol`` (its id): ``p.title()``, ``p.size = 1``."""
    kinds = ("attribute", "attribute_store") if stores else ("attribute",)
    used = set()
    for use in g.symbols[symbol].uses if symbol is not None else ():
        parent = g.parents[use]
        if g.kinds[parent] in kinds and g.children(parent)[0] == use:
            used.add(g.names.get(g.children(parent)[-1], ""))
    used.discard("")
    return used


def evidence_line(evidence: tuple[str, ...]) -> str:
    """One short line for hover: ``from call:Order.__init__.customer, key:self.orders``."""
    if not evidence:
        return ""
    return "from " + ", ".join(evidence[:3]) + (f" (+{len(evidence) - 3})" if len(evidence) > 3 else "")
