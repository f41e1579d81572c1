"""Settling an inferred parameter type into one a TypeScript author would write.

What callers pass and what the body does give a parameter a join of values; a
declared parameter type is written differently.  :func:`settle` reads the join
as TypeScript would, in this order:

=========================================  ==========================================
the join, or the parameter                 settles as
=========================================  ==========================================
``p?`` (optional): ``T | undefined``       ``T`` (the ``?`` says ``undefined``)
``Query<TData> | Query``, ``TData`` a      ``Query<any>`` (a caller's type parameter
type parameter of the caller               means nothing here; the bare name joins it)
``QueryOptions`` or ``QueryOptions<any>``  ``QueryOptions<TData>`` (the type parameters
in ``class Query<TData>``, the generic      around it that its own share the names of;
type's parameter named ``TData`` too       the others ``any``, trailing defaulted ones
                                           left out)
``QueryFilters<any>`` in ``m<TKey extends  ``QueryFilters<TKey>`` (the one type
QueryKey>`` (``QueryFilters<TQueryKey      parameter nothing left in the signature
extends QueryKey>``); ``QueryKey`` there   uses, of the same constraint); ``TKey``
``any[] | unknown[]``                       ``any[]`` (it takes every array)
``string | symbol``, ``string | number |   ``PropertyKey`` (keys; ``PropertyKey``
symbol``, ``PropertyKey | string``         absorbs its members)
``string | Method`` (``Method``: an alias   ``string``
of string literals)
``MapState | ProxyState | SetState``,     ``ImmerState`` (a project alias whose union
aliases opened                             it is, all of it)
``Signal | Computed`` (``Computed``        ``Signal``; else the one nearest type all
extends ``Signal``)                        the classes extend or implement
three or more members, primitives and      ``any`` (no type but ``any`` or
objects mixed: ``string | number | Map``   ``unknown`` accepts them all)
no answer, or one type, where the body     ``any``: the test says the parameter can
tests the parameter's own type             be of several types (``typeof p ===
(``typeof p``, ``typeof p.x``, ``p         "string"``), unless the failing branch
instanceof C``, ``Array.isArray(p)``) or   throws (argument checking)
a type predicate names it (``(p): p is
Map<K, V>``)
=========================================  ==========================================

The last two give ``any`` with a label (:data:`MIXED`, :data:`TESTED`), as does
a function expression's context whose signatures disagree (:data:`CONTEXT_ANY`, ``produce: IProduce =
(base, recipe) => ...`` with ``IProduce``'s overloads) and an overloads'
implementation whose overloads disagree (:data:`OVERLOADS`): the predictions print it,
where an ``any`` inferred otherwise counts as no answer.  A contextual type is
settled too where the function expression declares type parameters
(:func:`settle_contextual`: ``<TData>(table)`` in a ``TableFeature`` whose
``TData = any``: ``Table<TData>``).

Example::

    function isMap(target) { return target instanceof Map }      # target: any
    function key(k) {}; key("a"); key(Symbol())                    # k: PropertyKey
    function open(parent?) {}; open(); open(new Dir())             # parent: Dir
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from typelens.analyzer.typescript import ScriptGraph

from .declared import type_parameters
from .types import (
    ANY,
    NULLISH,
    UNDEFINED,
    UNKNOWN,
    UNKNOWN_TS,
    ArrayOf,
    Func,
    Literal,
    Named,
    Prim,
    Shape,
    TsType,
    Tuple,
    TypeVar,
    join,
    members,
)

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

MIXED = "mixed:callers"
TESTED = "tested:type"
CONTEXT_ANY = "context:any"  # a function expression whose context's signatures disagree
OVERLOADS = "overloads:mixed"  # an overloads' implementation whose overloads disagree there
PROPERTY_KEY = Named("PropertyKey")
_KEYS = frozenset({"string", "number", "symbol"})
_PRIMITIVES = frozenset({"string", "number", "boolean", "bigint", "symbol"})
_CONDITIONS = ("parenthesized_expression", "binary_expression", "unary_expression")


def settle(
    engine: "ScriptContract", g: ScriptGraph, function: int, holder: int, t: TsType, used: frozenset[str] = frozenset()
) -> TsType:
    """``t`` (what callers pass, or what the uses say) as a declared parameter type
    (the rules of the module docstring, less :func:`tested`); ``used``: the members
    the body reads on the parameter."""
    if t is UNKNOWN or t is ANY:
        return t
    if g.kinds[holder] == "optional_parameter" and len(members(t)) > 1:
        t = join(*(m for m in members(t) if m != UNDEFINED))
    t = _foreign_variables(g, function, _common_base(engine, _union_alias(engine, g.path, t), used))
    t = _constrained(engine, g, function, _own_arguments(engine, g, function, t))
    t = _keys(engine, t)
    if ArrayOf(ANY) in members(t):  # `any[] | unknown[]`: `any[]` takes every array
        t = join(*(m for m in members(t) if not isinstance(m, (ArrayOf, Tuple)) or m == ArrayOf(ANY)))
    kept = [m for m in members(t) if m not in NULLISH]
    if len(kept) >= 3 and any(_primitive(m) for m in kept) and any(_object(m) for m in kept):
        return ANY
    return t


def settle_contextual(engine: "ScriptContract", g: ScriptGraph, function: int, t: TsType) -> TsType:
    """A contextual parameter type ``t`` of a function expression that declares
    type parameters of its own: a project generic type whose arguments are all
    ``any`` (the context's defaults: ``createTable?: (table: Table<TData>) => void``
    of a ``TableFeature`` whose ``TData = any``) takes the function's own type
    parameters that share its parameters' names (``<TData extends RowData>(table)``:
    ``Table<TData>``), as :func:`_own_arguments` does for callers' types; one
    argument ``any`` or ``unknown`` takes the function's own type parameter of
    that parameter's name (``column: Column<TData, unknown>`` in the context,
    ``<TData, TValue>(column)``: ``Column<TData, TValue>``)."""
    if g.child_by_field(function, "type_parameters") is None or t is UNKNOWN or t is ANY:
        return t
    t = _own_arguments(engine, g, function, t)
    scope = _in_scope(g, function)
    own = {name: scope[name] for name in type_parameters(g, function)}
    out: list[TsType] = []
    for m in members(t):
        if isinstance(m, Named) and m.where is not None and any(a in (ANY, UNKNOWN_TS) for a in m.args):
            declared = _type_parameters(engine, m.where)
            if len(declared) == len(m.args):
                args = [own.get(name, a) if a in (ANY, UNKNOWN_TS) else a for a, (name, _, _) in zip(m.args, declared)]
                m = Named(m.name, tuple(args), m.where)
        out.append(m)
    return join(*out)


def _primitive(t: TsType) -> bool:
    return isinstance(t, Literal) or isinstance(t, Prim) and t.name in _PRIMITIVES or t == PROPERTY_KEY


def _object(t: TsType) -> bool:
    return isinstance(t, (ArrayOf, Tuple, Shape, Func)) or isinstance(t, Named) and t != PROPERTY_KEY


def _foreign_variables(g: ScriptGraph, function: int, t: TsType) -> TsType:
    """Type arguments that are type parameters of no declaration around ``function``
    (a caller's, named differently) as ``any``, and all of ``t`` where one is a
    member of it (``K | PropertyKey`` from a generic caller: ``any``); a bare generic name dropped where
    the same name with arguments is joined too, and all of a name's where it is
    joined with ``any`` arguments (``Entry<any> | Entry<string>``: ``Entry<any>``)."""
    in_scope = {"this"}
    node = function
    while node >= 0:
        in_scope.update(type_parameters(g, node))
        node = g.parents[node]

    def local(arg: TsType) -> TsType:
        return ANY if isinstance(arg, TypeVar) and arg.name not in in_scope else arg

    if any(local(m) is ANY for m in members(t) if isinstance(m, TypeVar)):
        return ANY  # a caller's own type parameter: it passes values of any type
    out: list[TsType] = []
    for m in members(t):
        if isinstance(m, Named) and m.where is not None and m.args:
            m = Named(m.name, tuple(local(a) for a in m.args), m.where)
        out.append(m)
    with_args = {m.name for m in out if isinstance(m, Named) and m.args}
    all_any = {m.name for m in out if isinstance(m, Named) and m.args and all(a is ANY for a in m.args)}
    return join(
        *(
            m
            for m in out
            if not isinstance(m, Named)
            or m.args
            and (m.name not in all_any or all(a is ANY for a in m.args))
            or not m.args
            and m.name not in with_args
        )
    )


def _in_scope(g: ScriptGraph, function: int) -> dict[str, TypeVar]:
    """The type parameters of the declarations around ``function`` (itself
    included), by name, the nearest first."""
    out: dict[str, TypeVar] = {}
    node = function
    while node >= 0:
        holder = g.child_by_field(node, "type_parameters")
        for param in g.children(holder) if holder is not None else ():
            name = g.child_by_field(param, "name")
            if name is not None and g.text(name) not in out:
                out[g.text(name)] = TypeVar(g.text(name), (g.path, param))
        node = g.parents[node]
    return out


def _own_arguments(engine: "ScriptContract", g: ScriptGraph, function: int, t: TsType) -> TsType:
    """A project generic type given without arguments, or with ``any`` for all of
    them, inside a class or function whose type parameters share its parameters'
    names: those type parameters (``options: QueryOptions`` in ``class
    Query<TData, TError>``: ``QueryOptions<TData, TError>``); or the one type
    parameter of ``function`` that nothing left in its signature uses, where it
    has the same constraint as the generic type's parameter (``removeQueries<TKey
    extends QueryKey>(filters)``, ``QueryFilters<TQueryKey extends QueryKey>``:
    ``QueryFilters<TKey>``); the others ``any``, trailing ones that have a default
    left out."""
    scope: dict[str, TypeVar] | None = None
    free: tuple[TypeVar, str] | None = None
    out: list[TsType] = []
    for m in members(t):
        if isinstance(m, Named) and m.where is not None and all(a is ANY for a in m.args):
            declared = _type_parameters(engine, m.where)
            if declared and (not m.args or len(m.args) == len(declared)):
                if scope is None:
                    scope, free = _in_scope(g, function), _free_parameter(g, function)
                args: list[TsType] = [
                    scope.get(name, free[0] if free is not None and constraint == free[1] else ANY)
                    for name, _, constraint in declared
                ]
                if any(a is not ANY for a in args):
                    while args and args[-1] is ANY and declared[len(args) - 1][1]:
                        args.pop()
                    m = Named(m.name, tuple(args), m.where)
        out.append(m)
    return join(*out) if scope is not None else t


def _constrained(engine: "ScriptContract", g: ScriptGraph, function: int, t: TsType) -> TsType:
    """``t`` as the one type parameter of ``function`` that nothing left in its
    signature uses and that ``t`` is the constraint of (``getQueryData<TData,
    TKey extends QueryKey>(queryKey)`` with ``queryKey: QueryKey``: ``TKey``)."""
    kept = [m for m in members(t) if m not in NULLISH]
    holder = g.child_by_field(function, "type_parameters")
    if len(kept) != 1 or holder is None or isinstance(kept[0], TypeVar):
        return t
    from .functions import unused_type_parameters

    unused = set(unused_type_parameters(g, function))
    found = []
    for param in g.children(holder):
        name = g.child_by_field(param, "name")
        bound = next((c for c in g.children(param) if g.kinds[c] == "constraint"), None)
        if name is None or bound is None or g.text(name) not in unused or not g.children(bound):
            continue
        if engine.declared(g.path, g.children(bound)[-1]) == kept[0]:
            found.append(TypeVar(g.text(name), (g.path, param)))
    return join(found[0], *(m for m in members(t) if m in NULLISH)) if len(found) == 1 else t


def _constraint(g: ScriptGraph, param: int) -> str:
    """A type parameter's ``extends`` clause, whitespace normalised ("" for none)."""
    found = next((c for c in g.children(param) if g.kinds[c] == "constraint"), None)
    return " ".join(g.text(found).split()) if found is not None else ""


def _free_parameter(g: ScriptGraph, function: int) -> tuple[TypeVar, str] | None:
    """The one type parameter of ``function`` that no annotation left in its
    signature uses, with its constraint, if it has one."""
    from .functions import unused_type_parameters

    unused = unused_type_parameters(g, function)
    holder = g.child_by_field(function, "type_parameters")
    if len(unused) != 1 or holder is None:
        return None
    for param in g.children(holder):
        name = g.child_by_field(param, "name")
        if name is not None and g.text(name) == unused[0] and _constraint(g, param):
            return TypeVar(unused[0], (g.path, param)), _constraint(g, param)
    return None


def _type_parameters(engine: "ScriptContract", where: tuple[str, int]) -> list[tuple[str, bool, str]]:
    """``(name, has a default, constraint)`` of the declaration's type parameters."""
    g = engine.graph(where[0])
    holder = g.child_by_field(where[1], "type_parameters") if g is not None else None
    if g is None or holder is None:
        return []
    out = []
    for param in g.children(holder):
        name = g.child_by_field(param, "name")
        if name is not None:
            default = any(g.kinds[c] == "default_type" for c in g.children(param))
            out.append((g.text(name), default, _constraint(g, param)))
    return out


def _keys(engine: "ScriptContract", t: TsType) -> TsType:
    """Keys as ``PropertyKey``; a primitive absorbs its literals' aliases."""
    items = members(t)
    names = {m.name for m in items if isinstance(m, Prim)}
    has_key = PROPERTY_KEY in items or "symbol" in names and "string" in names
    if has_key and all(m in NULLISH or m == PROPERTY_KEY or isinstance(m, Prim) and m.name in _KEYS for m in items):
        return join(PROPERTY_KEY, *(m for m in items if m in NULLISH))
    out = []
    for m in items:
        if isinstance(m, Named) and m.where is not None:
            opened = members(engine.types.expand(m))
            if all(isinstance(x, Literal) and x.base in names for x in opened):
                continue  # `string | MutatingMethod`: the string says it
        out.append(m)
    return join(*out) if len(out) != len(items) else t


def _common_base(engine: "ScriptContract", t: TsType, used: frozenset[str] = frozenset()) -> TsType:
    """A union of project classes as the one type they all are: a member that all
    the others extend, else the one nearest class or interface they all extend or
    implement (``ComputedValue | Reaction``: ``IDerivation``); of several, the one
    with every member of ``used`` (those the body reads), its type arguments
    ``any`` where the classes give it different ones."""
    kept = [m for m in members(t) if isinstance(m, Named) and m.where is not None]
    nullish = [x for x in members(t) if x in NULLISH]
    if len(kept) < 2 or len(kept) + len(nullish) != len(members(t)):
        return t
    if len({m.name for m in kept}) < 2:
        return t  # one generic type with several arguments: see _foreign_variables
    above = [_supertypes(engine, m) for m in kept]
    for m in kept:
        if all(o.name == m.name or m.name in sup for o, sup in zip(kept, above)):
            return join(m, *nullish)
    common = set(above[0]).intersection(*above[1:])
    supers = {c: set(_supertypes(engine, above[0][c])) for c in common}
    nearest = [c for c in common if not any(c in supers[o] for o in common if o != c)]
    if len(nearest) > 1 and used:  # the one with the members the body reads
        nearest = [c for c in nearest if used <= engine.members.member_names(above[0][c])]
    if len(nearest) != 1:
        return t
    chosen = above[0][nearest[0]]
    if any(sup[nearest[0]] != chosen for sup in above[1:]):  # `IInterceptable<X> | IInterceptable<Y>`
        chosen = Named(chosen.name, tuple(ANY for _ in chosen.args), chosen.where)
    return join(chosen, *nullish)


def _union_alias(engine: "ScriptContract", path: str, t: TsType) -> TsType:
    """A union of project types that is all of a project alias's union, aliases
    in it opened (``MapState | ProxyState | SetState`` with ``ProxyState =
    ProxyObjectState | ProxyArrayState``: ``ImmerState``), as that alias."""
    kept = [m for m in members(t) if m not in NULLISH]
    if len(kept) < 2 or not all(isinstance(m, Named) and m.where is not None for m in kept):
        return t
    wanted = _alternatives(engine, t)
    if wanted is None:
        return t
    rules = engine.usage.rules
    found = {
        a
        for a in [*rules.file_types(path), *rules.project_types(path)]
        if isinstance(a, Named) and a.where is not None and _alternatives(engine, a) == wanted
    }
    if len(found) != 1:
        return t
    return join(found.pop(), *(m for m in members(t) if m in NULLISH))


def _alternatives(engine: "ScriptContract", t: TsType) -> frozenset[tuple[str, tuple[str, int]]] | None:
    """The project types a union of project types and aliases of unions stands
    for (aliases opened), by name and place; ``None`` where something else is in it."""
    out: set[tuple[str, tuple[str, int]]] = set()
    todo, steps = list(members(t)), 0
    while todo and steps < 64:
        item, steps = todo.pop(), steps + 1
        if item in NULLISH:
            continue
        if not isinstance(item, Named) or item.where is None or item.args:
            return None
        opened = engine.types.expand(item)
        if opened == item:
            out.add((item.name, item.where))
        else:
            todo.extend(members(opened))
    return frozenset(out) if len(out) > 1 and not todo else None


def _supertypes(engine: "ScriptContract", t: Named) -> dict[str, Named]:
    """The project classes and interfaces ``t`` extends or implements, transitively,
    by name (their type arguments as the nearest clause writes them)."""
    out: dict[str, Named] = {}
    todo, steps = [t], 0
    while todo and steps < 32:
        item, steps = todo.pop(), steps + 1
        where = item.where
        g = engine.graph(where[0]) if where is not None else None
        if g is None or where is None:
            continue
        for base in [*engine.members._extends(where[0], g, where[1]), *_implemented(engine, where[0], g, where[1])]:
            if isinstance(base, Named) and base.where is not None and base.name not in out:
                out[base.name] = base
                todo.append(base)
    return out


def _implemented(engine: "ScriptContract", path: str, g: ScriptGraph, node: int) -> list[TsType]:
    """The types a class's ``implements`` clause names."""
    out = []
    for heritage in (c for c in g.children(node) if g.kinds[c] == "class_heritage"):
        for clause in (c for c in g.children(heritage) if g.kinds[c] == "implements_clause"):
            out += [engine.declared(path, item) for item in g.children(clause) if g.kinds[item] != "type_arguments"]
    return out


# -- type tests -------------------------------------------------------------------------
def tested(g: ScriptGraph, uses: list[int], probes: bool = True) -> bool:
    """Whether the body tests the parameter's own type (``typeof p``, ``p instanceof
    C``, ``Array.isArray(p)``; with ``probes``, ``typeof p.x`` too) other than to
    reject an argument (:func:`_checks_argument`)."""
    for use in uses:
        node, parent = use, g.parents[use]
        while parent >= 0 and g.kinds[parent] in ("parenthesized_expression", "non_null_expression"):
            node, parent = parent, g.parents[parent]
        if parent < 0:
            continue
        kind, test = g.kinds[parent], -1
        if probes and kind == "attribute" and g.child_by_field(parent, "object") == node and g.parents[parent] >= 0:
            node, parent = parent, g.parents[parent]  # `typeof p.then === "function"`: a probe
            kind = g.kinds[parent]
        if kind == "unary_expression" and g.source.data[g.start_bytes[parent] :].startswith(b"typeof"):
            test = parent
        elif kind == "binary_expression" and g.child_by_field(parent, "left") == node:
            right = g.child_by_field(parent, "right")
            operator = g.source.data[g.end_bytes[node] : g.start_bytes[right]] if right is not None else b""
            test = parent if operator.strip() == b"instanceof" else -1
        elif kind == "arguments" and g.kinds[g.parents[parent]] == "call":
            callee = g.child_by_field(g.parents[parent], "function")
            test = g.parents[parent] if callee is not None and g.text(callee) == "Array.isArray" else -1
        if test >= 0 and not _checks_argument(g, test):
            return True
    return False


def predicate_of(g: ScriptGraph, function: int, name: str) -> bool:
    """Whether ``function`` returns a type predicate on ``name`` (``name is T``,
    ``asserts name is T``): its parameter is wider than ``T``."""
    written = g.child_by_field(function, "return_type")
    if written is None or g.kinds[written] not in ("type_predicate_annotation", "asserts_annotation"):
        return False
    words = g.text(written).lstrip(":").split()
    words = words[1:] if words[:1] == ["asserts"] else words
    return words[:2] == [name, "is"]


def _checks_argument(g: ScriptGraph, test: int) -> bool:
    """Whether the test rejects an argument: the condition of an ``if`` that throws
    (``if (typeof f !== "function") throw new Error(...)``), or that calls a function
    (``die(...)``) when the test fails (``!==``, ``!(p instanceof C)``)."""
    node, negated = test, False
    while g.parents[node] >= 0 and g.kinds[g.parents[node]] in _CONDITIONS:
        parent = g.parents[node]
        if g.kinds[parent] == "binary_expression" and g.child_by_field(parent, "left") == node:
            right = g.child_by_field(parent, "right")
            operator = g.source.data[g.end_bytes[node] : g.start_bytes[right]] if right is not None else b""
            negated = negated or operator.strip() in (b"!==", b"!=")
        elif g.kinds[parent] == "unary_expression" and g.text(parent).startswith("!"):
            negated = not negated
        node = parent
    statement = g.parents[node]
    if statement < 0 or g.kinds[statement] != "if_statement":
        return False
    then = g.child_by_field(statement, "consequence")
    if then is None:
        return False
    first = g.children(then)[0] if g.kinds[then] == "statement_block" and g.children(then) else then
    if g.kinds[first] == "throw_statement":
        return True
    called = g.children(first)[0] if g.kinds[first] == "expression_statement" and g.children(first) else first
    return negated and g.kinds[called] == "call"


def single(t: TsType) -> bool:
    """Whether ``t`` is one type (or none), ``null`` and ``undefined`` aside."""
    return t is UNKNOWN or len([m for m in members(t) if m not in NULLISH]) <= 1


__all__ = ["CONTEXT_ANY", "MIXED", "TESTED", "predicate_of", "settle", "single", "tested"]
