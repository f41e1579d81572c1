"""Flow-sensitive narrowing of a name's type at one use.

The conditions that certainly hold where the use runs are collected from the
syntax around it, and applied only while the name still has the definitions it had
at the condition (the same reaching definitions)::

    def f(x: int | None, y: str | int):
        if x is None:
            return 0
        x            # int           (early return)
        if isinstance(y, str):
            y        # str
        else:
            y        # int
        x and x.bit_length()     # x: int inside the `and`

Conditions understood: ``isinstance(v, C)`` and ``isinstance(v, (A, B))``, ``case
C(...)`` (:mod:`.patterns`), ``v is None``, ``v is not None``, ``v == None``, ``v`` (truthiness), ``not``, ``and``,
``or``; positions understood: ``if``/``elif``/``else`` branches, ``while`` bodies,
conditional expressions, the right operand of ``and``/``or``, statements after an
``if`` whose body always leaves (``return``, ``raise``, ``continue``, ``break``),
and after ``assert``.  A definition that reaches a use past an ``if`` whose body
assigns the name again went through its false branch::

    def load(ctx: Context | None = None):
        if ctx is None:
            ctx = Context()
        ctx          # Context: the parameter's ctx only where `ctx is None` was false
"""

from __future__ import annotations

import bisect
import logging
from typing import TYPE_CHECKING, Sequence

from typelens.analyzer import EdgeKind, ProgramGraph

from .types import NEVER, NONE, UNKNOWN, ClassType, Type, TypeOfClass, is_known, make_union, members, without_none

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_Facts = tuple[tuple[int, bool], ...]  # (condition, whether it holds), the nearest first
_MAX_CONDITIONS = 64  # conditions read per narrowed use (`a or a or ...` would make it quadratic)
_EXITS = frozenset({"return_statement", "raise_statement", "continue_statement", "break_statement"})


class Narrower:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        # (file, block) -> (graph, {condition text: [(statement start, condition, truth)]})
        self._exits: dict[tuple[str, int], tuple[ProgramGraph, dict[str, list[tuple[int, int, bool]]]]] = {}
        # (file, block) -> (graph, {name: [(if statement start, condition)]})
        self._reassigns: dict[tuple[str, int], tuple[ProgramGraph, dict[str, list[tuple[int, int]]]]] = {}
        # (file, block) -> (graph, {name: [(start, if statement)]}): the if/elif/else chains
        # with a branch that assigns the name on every path (under "": that leaves)
        self._chains: dict[tuple[str, int], tuple[ProgramGraph, dict[str, list[tuple[int, int]]]]] = {}
        # (file, use) -> (graph, what _facts / _reassigning_ifs found there): asked again
        # for each definition that reaches the use, and once more for the joined value
        # (file, use) -> (graph, all its facts, those that can narrow it, the conditions
        # _narrow_by would read for all of them): see _facts
        self._use_facts: dict[tuple[str, int], tuple[ProgramGraph, _Facts, _Facts, int]] = {}
        self._use_ifs: dict[tuple[str, int], tuple[ProgramGraph, tuple[tuple[int, int], ...]]] = {}
        self._use_chains: dict[tuple[str, int], tuple[ProgramGraph, tuple[list[tuple[int, int]], ...]]] = {}

    def narrow(self, path: str, use: int, value: Type) -> Type:
        if value in (UNKNOWN, NEVER):
            return value
        g = self.engine.require_graph(path)
        facts = self._facts(path, g, use)
        return self._narrow_by(path, g, facts, (use, None), value) if facts else value

    def narrow_definition(self, path: str, use: int, definition: int, value: Type) -> Type:
        """``definition``'s value where it reaches ``use`` past earlier ifs whose body
        assigns the name again: only through their false branch (after ``if ctx is
        None: ctx = make()`` the parameter's ``ctx`` is not None), narrowed by the
        conditions around ``use`` that read it."""
        g = self.engine.require_graph(path)
        if value in (UNKNOWN, NEVER) or g.kinds[use] != "name_load":
            return value
        start = g.start_bytes[definition]
        facts = [
            (cond, False)
            for if_start, cond in self._reassigning_ifs(path, g, use)
            if start < if_start or _binds_in(g, cond, start)
        ]
        facts.extend((cond, False) for cond in self._reassigning_ifs_after(path, g, definition, use))
        # the conditions around the use hold for the value they tested, also where another
        # definition joins it (`if t is not None:` then `if w: t += "!"`: `t` is a str)
        _, every, relevant, read = self._facts_at(path, g, use)
        if facts and read + sum(_conditions_read(g, c, t) for c, t in facts) > _MAX_CONDITIONS:
            facts.extend(every)  # the cut counts every condition (see _facts)
        else:
            facts.extend(relevant if read <= _MAX_CONDITIONS else every)
        if facts:
            value = self._narrow_by(path, g, facts, (use, definition), value)
        for statement in self._chains_between(path, g, definition, use):
            ways = _passing_branches(g, statement, g.text(use))
            if ways is not None:
                value = make_union(self._narrow_by(path, g, way, (use, definition), value) for way in ways)
        return value

    def _chains_between(self, path: str, g: ProgramGraph, definition: int, use: int) -> list[int]:
        """The if/elif/else chains after ``definition`` and before ``use``'s statement,
        in the blocks around ``use`` (the nearest ``_MAX_CHAINS``), with a branch that
        leaves or assigns the name again: ``definition`` goes on only through the others."""
        found: list[int] = []
        start = g.start_bytes[definition]
        for rows in self._chains_around(path, g, use):
            if len(found) >= _MAX_CHAINS:
                break
            found.extend(st for at, st in rows if start < at)
        return sorted(set(found), reverse=True)[:_MAX_CHAINS]

    def _chains_around(self, path: str, g: ProgramGraph, use: int) -> tuple[list[tuple[int, int]], ...]:
        """For each block around ``use``, the inner first, the nearest ``_MAX_CHAINS``
        chains before it that assign ``use``'s name or leave (name and leaving rows
        together): worked out once per use, for each definition that reaches it."""
        known = self._use_chains.get((path, use))
        if known is not None and known[0] is g:
            return known[1]
        around: list[list[tuple[int, int]]] = []
        name = g.text(use)
        child, parent = use, g.parents[use]
        while parent >= 0 and g.kinds[parent] not in _SCOPES:
            if g.kinds[parent] in ("block", "module"):
                index = self._chains.get((path, parent))
                if index is None or index[0] is not g:
                    index = self._chains[(path, parent)] = (g, _block_chains(g, parent))
                position = g.start_bytes[child]
                near: list[tuple[int, int]] = []
                for rows in (index[1].get(name, ()), index[1].get("", ())):
                    end = bisect.bisect_left(rows, (position, -1))
                    near.extend(rows[max(0, end - _MAX_CHAINS) : end])
                if near:
                    around.append(near)
            child, parent = parent, g.parents[parent]
        chains = tuple(around)
        self._use_chains[(path, use)] = (g, chains)
        return chains

    def _reassigning_ifs_after(self, path: str, g: ProgramGraph, definition: int, use: int) -> list[int]:
        """The conditions of the ifs without else that follow ``definition`` in its own
        blocks (not those around ``use``: :meth:`_reassigning_ifs` reads them), end
        before ``use`` and assign the name again: ``ctx = find()`` then ``if ctx is
        None: ctx = make()`` leaves ``find()``'s value only through the false branch."""
        found: list[int] = []
        if g.kinds[definition] != "name_store":
            return found
        name, start, at = g.text(definition), g.start_bytes[definition], g.start_bytes[use]
        parent = g.parents[definition]
        while parent >= 0 and g.kinds[parent] not in _SCOPES:
            if g.start_bytes[parent] <= at < g.end_bytes[parent]:
                break  # a block around the use too
            if g.kinds[parent] in ("block", "module"):
                index = self._reassigns.get((path, parent))
                if index is None or index[0] is not g:
                    index = self._reassigns[(path, parent)] = (g, _block_reassigns(g, parent))
                for if_start, cond in (*index[1].get(name, ()), *index[1].get("", ())):
                    statement = g.parents[cond]
                    if (
                        (start < if_start or _binds_in(g, cond, start))
                        and statement >= 0
                        and g.end_bytes[statement] <= at
                    ):
                        found.append(cond)
            parent = g.parents[parent]
        return found

    def _narrow_by(
        self,
        path: str,
        g: ProgramGraph,
        facts: Sequence[tuple[int, bool]],
        target: tuple[int, int | None],
        value: Type,
    ) -> Type:
        todo = list(reversed(facts))
        for _ in range(_MAX_CONDITIONS):  # the nearest conditions first, left to right
            if not todo:
                break
            cond, truth = todo.pop()
            parts = _split(g, cond, truth)
            if parts is not None:
                todo.extend(reversed(parts))
            else:
                value = self._apply(path, g, cond, truth, target, value)
        return value

    # -- where the use sits ------------------------------------------------------------
    def has_facts(self, path: str, g: ProgramGraph, use: int) -> bool:
        """Whether any condition is known to hold at ``use`` (else :meth:`narrow` keeps
        every value as it is)."""
        return bool(self._facts(path, g, use))

    def _facts(self, path: str, g: ProgramGraph, use: int) -> _Facts:
        """The conditions known to hold at ``use`` that can narrow it, the nearest
        first: one step per enclosing node up to the scope (each step O(1), or a
        look-up per block); worked out once per use.  A condition whose text does
        not hold the use's (nor is a ``case``) names nothing :meth:`_same_target`
        accepts and leaves every value as it is, so it is left out, unless the
        conditions around the use reach ``_MAX_CONDITIONS`` (the cut counts them
        all: then all are kept)."""
        _, every, relevant, read = self._facts_at(path, g, use)
        return relevant if read <= _MAX_CONDITIONS else every

    def _facts_at(self, path: str, g: ProgramGraph, use: int) -> tuple[ProgramGraph, _Facts, _Facts, int]:
        known = self._use_facts.get((path, use))
        if known is None or known[0] is not g:
            every = tuple(self._find_facts(path, g, use))
            text = g.text(use)
            name, data = text.encode(), g.source.data
            # a condition can name what the use names only if its text holds the use's
            # (every node's text inside it is part of its text); a case's subject is
            # outside it; a use whose bytes are not UTF-8 keeps all (its text is replaced)
            relevant = tuple(
                (c, t)
                for c, t in every
                if g.kinds[c] == "case_clause" or "\ufffd" in text or name in data[g.start_bytes[c] : g.end_bytes[c]]
            )
            read = sum(_conditions_read(g, c, t) for c, t in every)
            known = self._use_facts[(path, use)] = (g, every, relevant, read)
        return known

    def _find_facts(self, path: str, g: ProgramGraph, use: int) -> list[tuple[int, bool]]:
        facts: list[tuple[int, bool]] = []
        child, parent = use, g.parents[use]
        scope = g.scope_of[use]
        while parent >= 0:
            kind = g.kinds[parent]
            if kind in _SCOPES:
                break
            if kind in _CLAUSES:
                child, parent = parent, g.parents[parent]
                continue
            if kind in _COMPREHENSIONS:
                # runs at once, where it is written: the conditions around it hold inside
                # it too, for the names its own `for` clauses do not bind
                facts.extend(_in_comprehension(g, parent, child))
                if scope != g.scope_of[parent] and g.text(use) in _comprehension_targets(g, parent):
                    break
                scope = g.scope_of[parent]
                child, parent = parent, g.parents[parent]
                continue
            if g.scope_of[parent] != scope and kind != "block":
                break
            reader = _FACTS.get(kind)
            if reader is not None:
                facts.extend((c, t) for c, t in reader(g, parent, child) if c is not None)
            elif kind in ("block", "module"):
                facts.extend(self._earlier_exits(path, g, parent, child, use))
            child, parent = parent, g.parents[parent]
        return [(c, t) for c, t in facts if c is not None]

    def _earlier_exits(
        self, path: str, g: ProgramGraph, block: int, statement: int, use: int
    ) -> list[tuple[int, bool]]:
        """The asserts and exiting ifs before ``statement`` in ``block`` whose condition
        mentions what ``use`` names (indexed once per block: a module of 30,000
        statements must not scan the ones before each use)."""
        found = self._exits.get((path, block))
        if found is None or found[0] is not g:
            found = self._exits[(path, block)] = (g, _block_exits(g, block))
        candidates = found[1].get(g.text(use))
        if not candidates:
            return []
        position = g.start_bytes[statement]
        return [(cond, truth) for start, cond, truth in candidates if start < position]

    def _reassigning_ifs(self, path: str, g: ProgramGraph, use: int) -> tuple[tuple[int, int], ...]:
        """(start, condition) of the ifs without else before ``use``'s statement, in
        its block and the blocks around it, whose body assigns ``use``'s name; worked
        out once per use."""
        known = self._use_ifs.get((path, use))
        if known is None or known[0] is not g:
            known = self._use_ifs[(path, use)] = (g, tuple(self._find_reassigning_ifs(path, g, use)))
        return known[1]

    def _find_reassigning_ifs(self, path: str, g: ProgramGraph, use: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        name = g.text(use)
        child, parent = use, g.parents[use]
        while parent >= 0 and g.kinds[parent] not in _SCOPES:
            if g.kinds[parent] in ("block", "module"):
                index = self._reassigns.get((path, parent))
                if index is None or index[0] is not g:
                    index = self._reassigns[(path, parent)] = (g, _block_reassigns(g, parent))
                position = g.start_bytes[child]
                found.extend(
                    (start, cond)
                    for start, cond in (*index[1].get(name, ()), *index[1].get("", ()))
                    if start < position
                )
            child, parent = parent, g.parents[parent]
        return found

    # -- what a condition says -----------------------------------------------------------
    def _apply(
        self, path: str, g: ProgramGraph, cond: int, truth: bool, target: tuple[int, int | None], value: Type
    ) -> Type:
        """Narrow ``value`` by one condition (not ``and``, ``or``, ``not``: :func:`_split`
        takes those apart, so that a 1,000-term chain is data, not recursion)."""
        kind = g.kinds[cond]
        if self._same_target(g, cond, target):
            return without_none(value) if truth else value
        if kind == "comparison_operator":
            return self._comparison(g, cond, truth, target, value)
        if kind == "call":
            return self._isinstance(path, g, cond, truth, target, value)
        if kind == "case_clause":
            return self._case(path, g, cond, target, value)
        return value

    def _case(self, path: str, g: ProgramGraph, case: int, target: tuple[int, int | None], value: Type) -> Type:
        """Inside ``case C(...):`` the subject is a ``C`` (:mod:`.patterns`)."""
        patterns = self.engine.patterns
        subject, pattern = patterns.case_of(g, case)
        if subject is None or pattern is None or not self._same_target(g, subject, target):
            return value
        matched = patterns.matched(path, g, pattern)
        return (
            _instances(value, [m for m in members(matched) if isinstance(m, ClassType)], True)
            if matched is not None
            else value
        )

    def _comparison(self, g: ProgramGraph, cond: int, truth: bool, target: tuple[int, int | None], value: Type) -> Type:
        kids = g.children(cond)
        if len(kids) != 2 or g.kinds[kids[1]] != "none" or not self._same_target(g, kids[0], target):
            return value
        between = g.text(cond)[
            g.end_bytes[kids[0]] - g.start_bytes[cond] : g.start_bytes[kids[1]] - g.start_bytes[cond]
        ]
        op = " ".join(between.split())
        if op in ("is", "=="):
            is_none = truth
        elif op in ("is not", "!="):
            is_none = not truth
        else:
            return value
        if is_none:
            return NONE if NONE in members(value) or not is_known(value) else value
        return without_none(value)

    def _isinstance(
        self, path: str, g: ProgramGraph, cond: int, truth: bool, target: tuple[int, int | None], value: Type
    ) -> Type:
        function = g.child_by_field(cond, "function")
        args = g.child_by_field(cond, "arguments")
        if function is None or args is None or g.text(function) != "isinstance":
            return value
        kids = [c for c in g.children(args) if g.kinds[c] != "keyword_argument"]
        if len(kids) != 2 or not self._same_target(g, kids[0], target):
            return value
        classes = self.engine.exprs.type_of(path, kids[1])
        wanted = [m.cls for m in members(classes) if isinstance(m, TypeOfClass)]
        for m in members(classes):
            if isinstance(m, ClassType) and m.name == "tuple":
                wanted += [a.cls for a in m.args if isinstance(a, TypeOfClass)]
        return _instances(value, wanted, truth)

    def _same_target(self, g: ProgramGraph, expr: int, target: tuple[int, int | None]) -> bool:
        """Whether ``expr`` names what the use names, with the same definitions (or,
        given a definition, one that ``expr`` reads)."""
        use, definition = target
        while g.kinds[expr] == "parenthesized_expression" and g.children(expr):
            expr = g.children(expr)[0]
        if g.kinds[expr] == "named_expression":  # `(m := f()) is None` tests what it binds
            store = g.child_by_field(expr, "name")
            if store is None or g.kinds[use] != "name_load" or g.text(store) != g.text(use):
                return False
            return definition == store if definition is not None else set(g.predecessors(use, EdgeKind.DFG)) == {store}
        kind = g.kinds[expr]
        if kind != g.kinds[use] and not (kind == "attribute" and g.kinds[use] in ("attribute", "attribute_store")):
            return False
        if g.text(expr) != g.text(use) or kind not in ("name_load", "attribute"):
            return False
        reaching = set(g.predecessors(expr, EdgeKind.DFG))
        return definition in reaching if definition is not None else reaching == set(g.predecessors(use, EdgeKind.DFG))


def _binds_in(g: ProgramGraph, cond: int, start: int) -> bool:
    """Whether the definition starting at byte ``start`` is made inside the condition
    ``cond`` (``if (claim := find()) is None: claim = make()``): the if's false
    branch then narrows it too."""
    return g.start_bytes[cond] <= start < g.end_bytes[cond]


def _instances(value: Type, wanted: list[ClassType], truth: bool) -> Type:
    """``value`` where it is (``truth``) or is not an instance of one of ``wanted``."""
    if not wanted:
        return value
    names = {w.short for w in wanted}
    if truth:
        kept = [m for m in members(value) if isinstance(m, ClassType) and m.short in names]
        return make_union(kept) if kept else make_union(wanted)
    rest = [m for m in members(value) if not (isinstance(m, ClassType) and m.short in names)]
    return make_union(rest) if rest else value


def _in_case(g: ProgramGraph, node: int, child: int) -> list[tuple[int | None, bool]]:
    """A case clause's body: its pattern matched the subject."""
    return [(node, True)] if g.kinds[child] == "block" else []


def _split(g: ProgramGraph, cond: int, truth: bool) -> list[tuple[int, bool]] | None:
    """The conditions ``cond`` being ``truth`` amounts to, all holding (``[]``: none
    known), or None when ``cond`` is not a parenthesis, ``not``, ``and`` or ``or``."""
    kind = g.kinds[cond]
    if kind == "parenthesized_expression":
        kids = g.children(cond)
        return [(kids[0], truth)] if kids else []
    if kind == "not_operator":
        arg = g.child_by_field(cond, "argument")
        return [(arg, not truth)] if arg is not None else []
    if kind == "boolean_operator":
        left, right = g.child_by_field(cond, "left"), g.child_by_field(cond, "right")
        if left is None or right is None:
            return []
        is_and = b"and" in g.source.data[g.end_bytes[left] : g.start_bytes[right]].split()
        # `a and b` true, or `a or b` false: both hold; otherwise neither is known
        return [(left, truth), (right, truth)] if is_and == truth else []
    return None


def _block_exits(g: ProgramGraph, block: int) -> dict[str, list[tuple[int, int, bool]]]:
    """The text of each name or attribute a condition mentions -> (statement start,
    condition, truth), for each ``assert`` and each ``if`` without ``else`` whose
    body ends by leaving."""
    found: dict[str, list[tuple[int, int, bool]]] = {}
    for statement in g.children(block):
        kind = g.kinds[statement]
        cond: int | None
        if kind == "assert_statement" and g.children(statement):
            cond, truth = g.children(statement)[0], True
        elif kind == "if_statement" and not any(g.fields[c] == "alternative" for c in g.children(statement)):
            body = g.child_by_field(statement, "consequence")
            stmts = g.children(body) if body is not None else []
            cond, truth = g.child_by_field(statement, "condition"), False
            if cond is None or not stmts or g.kinds[stmts[-1]] not in _EXITS:
                continue
        else:
            continue
        for name in _mentioned(g, cond):
            found.setdefault(name, []).append((g.start_bytes[statement], cond, truth))
    return found


def _conditions_read(g: ProgramGraph, cond: int, truth: bool) -> int:
    """The conditions :meth:`Narrower._narrow_by` reads for the fact ``(cond, truth)``:
    itself and, for ``not``, ``and``, ``or`` and parentheses, the parts :func:`_split` gives."""
    count, todo = 0, [(cond, truth)]
    while todo:
        c, t = todo.pop()
        count += 1
        parts = _split(g, c, t)
        if parts:
            todo.extend(parts)
    return count


def _mentioned(g: ProgramGraph, cond: int) -> set[str]:
    """The texts of the names and attributes inside ``cond``: what a fact can narrow."""
    names, todo = set(), [cond]
    while todo:
        node = todo.pop()
        if g.kinds[node] in ("name_load", "identifier", "attribute"):
            names.add(g.text(node))
        todo.extend(g.children(node))
    return names


# -- what the node above a use says: (condition, truth) facts -----------------------------
def _in_if(g: ProgramGraph, node: int, child: int) -> list[tuple[int | None, bool]]:
    field = g.fields[child]
    if field == "consequence":
        return [(g.child_by_field(node, "condition"), True)]
    if field != "alternative":
        return []
    # inside an elif/else: the if's test and the earlier elifs' tests were false
    facts = [(g.child_by_field(node, "condition"), False)]
    for alternative in g.children(node):
        if alternative == child:
            break
        if g.kinds[alternative] == "elif_clause":
            facts.append((g.child_by_field(alternative, "condition"), False))
    return facts


def _in_branch(g: ProgramGraph, node: int, child: int) -> list[tuple[int | None, bool]]:
    """An elif's consequence; a while's body."""
    return [(g.child_by_field(node, "condition"), True)] if g.fields[child] in ("consequence", "body") else []


def _in_conditional(g: ProgramGraph, node: int, child: int) -> list[tuple[int | None, bool]]:
    kids = g.children(node)
    if len(kids) != 3 or child == kids[1]:
        return []
    return [(kids[1], child == kids[0])]


def _in_boolean(g: ProgramGraph, node: int, child: int) -> list[tuple[int | None, bool]]:
    """The right operand of ``a and b`` runs when ``a`` holds; of ``a or b``, when it does not."""
    if g.fields[child] != "right":
        return []
    left = g.child_by_field(node, "left")
    if left is None:
        return []
    return [(left, g.source.data[g.end_bytes[left] : g.start_bytes[child]].strip() != b"or")]


_FACTS = {
    "if_statement": _in_if,
    "elif_clause": _in_branch,
    "while_statement": _in_branch,
    "conditional_expression": _in_conditional,
    "boolean_operator": _in_boolean,
    "case_clause": _in_case,
}
_SCOPES = frozenset({"function_definition", "lambda", "class_definition"})
_COMPREHENSIONS = frozenset(
    {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
)
_CLAUSES = frozenset({"for_in_clause", "if_clause"})


def _in_comprehension(g: ProgramGraph, node: int, child: int) -> list[tuple[int, bool]]:
    """The ``if`` clauses of a comprehension that run before ``child``: all of them for
    its element (``[y.name for y in ys if y is not None]``), the earlier ones for a
    later clause."""
    kids = g.children(node)
    before = kids if child == kids[0] else kids[: kids.index(child)] if child in kids else []
    return [(c, True) for k in before if g.kinds[k] == "if_clause" for c in g.children(k)[:1]]


def _comprehension_targets(g: ProgramGraph, node: int) -> set[str]:
    """The names the ``for`` clauses of comprehension ``node`` bind."""
    names: set[str] = set()
    for clause in g.children(node):
        if g.kinds[clause] == "for_in_clause":
            left = g.child_by_field(clause, "left")
            todo = [left] if left is not None else []
            while todo:
                n = todo.pop()
                if g.kinds[n] == "name_store":
                    names.add(g.text(n))
                todo.extend(g.children(n))
    return names


def _block_reassigns(g: ProgramGraph, block: int) -> dict[str, list[tuple[int, int]]]:
    """name -> (if statement start, condition) for each if without else in ``block``
    whose body assigns the name in a statement of its own (``x = ...``); under the
    name ``""`` the ifs whose body ends by leaving (``return``, ``raise``...)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for statement in g.children(block):
        if g.kinds[statement] != "if_statement" or any(g.fields[c] == "alternative" for c in g.children(statement)):
            continue
        cond, body = g.child_by_field(statement, "condition"), g.child_by_field(statement, "consequence")
        if cond is None or body is None:
            continue
        names, leaves = _rebinds(g, body)
        if leaves:  # only the false branch goes on, whatever the name
            found.setdefault("", []).append((g.start_bytes[statement], cond))
            continue
        for name in names:
            found.setdefault(name, []).append((g.start_bytes[statement], cond))
    return found


def _block_chains(g: ProgramGraph, block: int) -> dict[str, list[tuple[int, int]]]:
    """name -> (start, statement) for each if/elif/else chain of ``block`` (with an
    ``else`` or an ``elif``) one of whose branches assigns the name on every path;
    under ``""`` the chains one of whose branches always leaves."""
    found: dict[str, list[tuple[int, int]]] = {}
    for statement in g.children(block):
        if g.kinds[statement] != "if_statement" or not any(g.fields[c] == "alternative" for c in g.children(statement)):
            continue
        for body in _branches(g, statement) or _open_branches(g, statement):
            names, leaves = _rebinds(g, body)
            for name in {""} if leaves else names:
                rows = found.setdefault(name, [])
                if not rows or rows[-1][1] != statement:
                    rows.append((g.start_bytes[statement], statement))
    return found


def _open_branches(g: ProgramGraph, statement: int) -> list[int]:
    """The blocks of an if/elif chain without ``else``."""
    blocks = [g.child_by_field(statement, "consequence")]
    blocks += [g.child_by_field(c, "consequence") for c in g.children(statement) if g.kinds[c] == "elif_clause"]
    return [b for b in blocks if b is not None]


def _passing_branches(g: ProgramGraph, statement: int, name: str) -> list[list[tuple[int, bool]]] | None:
    """For each branch of the if/elif/else chain ``statement`` through which a value of
    ``name`` from before it goes on (one that neither leaves nor assigns the name on
    every path), the conditions that hold there; ``None`` when every branch passes
    (nothing is learnt) or none does."""
    conds = [g.child_by_field(statement, "condition")]
    conds += [g.child_by_field(c, "condition") for c in g.children(statement) if g.kinds[c] == "elif_clause"]
    bodies = _branches(g, statement)
    closed = bodies is not None
    if bodies is None:
        bodies = _open_branches(g, statement)
    if any(c is None for c in conds) or len(bodies) != len(conds) + closed:
        return None
    ways: list[list[tuple[int, bool]]] = []
    for k, body in enumerate(bodies):
        names, leaves = _rebinds(g, body)
        if leaves or name in names:
            continue
        facts = [(c, False) for c in conds[:k] if c is not None]
        if k < len(conds) and conds[k] is not None:
            facts.append((conds[k], True))  # type: ignore[arg-type]
        ways.append(facts)
    if not closed:  # no branch taken: every condition was false
        ways.append([(c, False) for c in conds if c is not None])
    return ways if 0 < len(ways) < len(bodies) + (not closed) else None


_MAX_CHAINS = 16  # if/elif/else chains read per definition and use (a module of 10,000 must not be quadratic)
_EXITS = frozenset({"return_statement", "raise_statement", "continue_statement", "break_statement"})
_REBIND_DEPTH = 8  # if/else chains looked into (deeper ones count as rebinding nothing)


def _rebinds(g: ProgramGraph, body: int, depth: int = 0) -> tuple[set[str], bool]:
    """The names every path through the block ``body`` assigns (``x = ...`` as a
    statement of its own, or in every branch of an if/elif/else), and whether every
    path leaves it (``return``, ``raise``, ``continue``, ``break``)."""
    names: set[str] = set()
    for statement in g.children(body):
        kind = g.kinds[statement]
        if kind in _EXITS:
            return names, True
        if kind == "expression_statement":
            kids = g.children(statement)
            assignment = kids[0] if kids and g.kinds[kids[0]] == "assignment" else None
            while assignment is not None:  # ``a[k] = x = make()`` assigns ``x`` too
                left = g.child_by_field(assignment, "left")
                if left is not None and g.kinds[left] == "name_store":
                    names.add(g.text(left))
                right = g.child_by_field(assignment, "right")
                assignment = right if right is not None and g.kinds[right] == "assignment" else None
        elif kind == "if_statement" and depth < _REBIND_DEPTH:
            branches = _branches(g, statement)
            if branches is None:
                continue
            results = [_rebinds(g, branch, depth + 1) for branch in branches]
            staying = [found for found, leaves in results if not leaves]
            if not staying:
                return names, True
            names |= set.intersection(*staying)
    return names, False


def _branches(g: ProgramGraph, statement: int) -> list[int] | None:
    """The blocks of an if/elif/else chain; ``None`` without an ``else`` (then a path
    passes none of them)."""
    blocks = [g.child_by_field(statement, "consequence")]
    closed = False
    for clause in g.children(statement):
        if g.kinds[clause] == "elif_clause":
            blocks.append(g.child_by_field(clause, "consequence"))
        elif g.kinds[clause] == "else_clause":
            blocks.append(g.child_by_field(clause, "body"))
            closed = True
    if not closed or any(b is None for b in blocks):
        return None
    return [b for b in blocks if b is not None]
