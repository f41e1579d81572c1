"""Call, return and import edges within one file.

A call site gets a ``call`` edge to the definition it certainly reaches:

* ``f(...)`` where ``f`` is a function defined in this file;
* ``C(...)`` where ``C`` is a class: its ``__init__`` (own or inherited from a base
  class of this file), else the class itself;
* ``self.m(...)`` inside a method of ``C``, ``C.m(...)``, and ``x.m(...)`` where every
  definition of ``x`` is ``x = C(...)``.

Every ``return`` statement gets a ``return`` edge to its function, and every callee
a ``return`` edge back to each call site that reaches it.  Each import statement
gets an ``import`` edge to every name it binds.  Calls into other files are
resolved by :mod:`typelens.analyzer.project`.

Example::

    class A:
        def __init__(self): self.go()     # call -> A.go
        def go(self): return 1            # return stmt -> go; go -> the call
    A()                                   # call -> A.__init__
"""

from __future__ import annotations

import collections
import logging
from collections import defaultdict

from .graph import EdgeKind, Scope, ScopeKind, SymbolKind
from .scopes import ScopeTables

logger = logging.getLogger(__name__)

_MAX_BASES_SEARCHED = 512


class CallBuilder:
    """Adds CALL, RETURN and IMPORT edges."""

    def __init__(
        self,
        tables: ScopeTables,
        parents: list[int],
        children: list[list[int]],
        fields: list[str | None],
        names: dict[int, str],
        scopes: list[Scope],
        dfg: tuple[list[int], list[int]],
    ) -> None:
        self.t, self.children, self.fields, self.names, self.scopes = tables, children, fields, names, scopes
        self._parents = parents
        self._defs_of_use: dict[int, list[int]] = defaultdict(list)
        for d, u in zip(*dfg):
            self._defs_of_use[u].append(d)
        self._members: dict[tuple[int, str], int] = {}
        self._member_memo: dict[tuple[int, str], int | None] = {}
        self._bases: dict[int, list[int]] = {}
        self._class_scope: dict[int, int] = {}
        for scope in scopes:
            if scope.kind is ScopeKind.CLASS:
                self._class_scope[scope.node] = scope.id
        for sym in tables.symbols:
            if sym.scope >= 0 and scopes[sym.scope].kind is ScopeKind.CLASS and sym.kind is SymbolKind.FUNCTION:
                self._members[(sym.scope, sym.name)] = parents[sym.definitions[-1]]
        self.edges: dict[EdgeKind, tuple[list[int], list[int]]] = {
            EdgeKind.CALL: ([], []),
            EdgeKind.RETURN: ([], []),
            EdgeKind.IMPORT: ([], []),
        }

    def _add(self, kind: EdgeKind, src: int, dst: int) -> None:
        srcs, dsts = self.edges[kind]
        srcs.append(src)
        dsts.append(dst)

    def _field(self, node: int, name: str) -> int | None:
        for child in self.children[node]:
            if self.fields[child] == name:
                return child
        return None

    def build(self) -> dict[EdgeKind, tuple[list[int], list[int]]]:
        t = self.t
        for node, kind in enumerate(t.kinds):
            if kind == "call":
                target = self._callee(node)
                if target is not None:
                    self._add(EdgeKind.CALL, node, target)
                    self._add(EdgeKind.RETURN, target, node)
            elif kind == "return_statement":
                scope = self.scopes[t.scope_of[node]]
                if scope.kind is ScopeKind.FUNCTION:
                    self._add(EdgeKind.RETURN, node, scope.node)
        for binding in t.imports:
            if binding.node != binding.statement:
                self._add(EdgeKind.IMPORT, binding.statement, binding.node)
        return self.edges

    # -- callee resolution ---------------------------------------------------------
    def _callee(self, call: int) -> int | None:
        function = self._field(call, "function")
        if function is None:
            return None
        kind = self.t.kinds[function]
        if kind == "name_load":
            return self._target_of_name(function)
        if kind == "attribute":
            obj, attr = self.children[function][0], self.children[function][-1]
            name = self.names.get(attr)
            if name is None:
                return None
            for class_scope in self._classes_of(obj):
                method = self._lookup_member(class_scope, name)
                if method is not None:
                    return method
        return None

    def _target_of_name(self, name_node: int) -> int | None:
        sid = self.t.resolved.get(name_node)
        if sid is None:
            return None
        sym = self.t.symbols[sid]
        if sym.kind is SymbolKind.FUNCTION and sym.definitions:
            return self._parents[sym.definitions[-1]]
        if sym.kind is SymbolKind.CLASS and sym.definitions:
            class_node = self._parents[sym.definitions[-1]]
            init = self._lookup_member(self._class_scope.get(class_node, -1), "__init__")
            return init if init is not None else class_node
        return None

    def _classes_of(self, obj: int) -> list[int]:
        """Class scopes ``obj`` certainly is (an instance of, or the class itself)."""
        t = self.t
        if t.kinds[obj] != "name_load":
            return []
        sid = t.resolved.get(obj)
        if sid is None:
            return []
        sym = t.symbols[sid]
        if sym.kind is SymbolKind.CLASS and sym.definitions:
            scope = self._class_scope.get(self._parents[sym.definitions[-1]])
            return [scope] if scope is not None else []
        if sym.kind is SymbolKind.PARAMETER:
            return self._self_class(sym.scope, sym.definitions[0])
        return self._constructed_classes(obj)

    def _self_class(self, scope_id: int, param: int) -> list[int]:
        scope = self.scopes[scope_id]
        if scope.kind is not ScopeKind.FUNCTION or scope.parent < 0:
            return []
        owner = self.scopes[scope.parent]
        params = self._field(scope.node, "parameters")
        if owner.kind is not ScopeKind.CLASS or params is None or not self.children[params]:
            return []
        first = self.children[params][0]
        return [owner.id] if first == param else []

    def _constructed_classes(self, use: int) -> list[int]:
        defs = self._defs_of_use.get(use, [])
        found: list[int] = []
        for d in defs:
            assignment = self._parents[d]
            if self.t.kinds[assignment] != "assignment" or self._field(assignment, "left") != d:
                return []
            value = self._field(assignment, "right")
            if value is None or self.t.kinds[value] != "call":
                return []
            function = self._field(value, "function")
            target = (
                self._target_of_name(function)
                if function is not None and self.t.kinds[function] == "name_load"
                else None
            )
            if target is None:
                return []
            cls = target if self.t.kinds[target] == "class_definition" else self._enclosing_class(target)
            if cls is None:
                return []
            found.append(self._class_scope[cls])
        return found

    def _enclosing_class(self, function_node: int) -> int | None:
        scope = self.scopes[self.t.scope_of[function_node]]
        return scope.node if scope.kind is ScopeKind.CLASS else None

    def _lookup_member(self, class_scope: int, name: str) -> int | None:
        """``name`` in the class or, breadth-first, in its bases defined in this file.

        Answers are memoised: a class with one base answers as that base does, so
        a chain of 10,000 subclasses each called once costs 10,000 steps, not
        50 million.  A search through several bases visits at most
        :data:`_MAX_BASES_SEARCHED` classes."""
        key = (class_scope, name)
        if key in self._member_memo:
            return self._member_memo[key]
        found = self._members.get(key)
        if found is None and class_scope >= 0:
            bases = self._base_scopes(class_scope)
            if len(bases) == 1 and bases[0] != class_scope:
                found = self._single_base_member(bases[0], name)
            elif bases:
                found = self._search_bases(bases, name, {class_scope})
        self._member_memo[key] = found
        return found

    def _single_base_member(self, scope: int, name: str) -> int | None:
        """:meth:`_lookup_member` down a chain of single bases, without recursion."""
        chain: list[int] = []
        seen: set[int] = set()
        found = None
        while scope >= 0 and scope not in seen and (scope, name) not in self._member_memo:
            seen.add(scope)
            chain.append(scope)
            found = self._members.get((scope, name))
            bases = self._base_scopes(scope)
            if found is not None or len(bases) != 1:
                if found is None and bases:
                    found = self._search_bases(bases, name, seen)
                break
            scope = bases[0]
        else:
            found = self._member_memo.get((scope, name))
        for scope in chain:
            self._member_memo[(scope, name)] = found
        return found

    def _search_bases(self, bases: list[int], name: str, seen: set[int]) -> int | None:
        queue = collections.deque(bases)
        seen = set(seen)
        while queue and len(seen) < _MAX_BASES_SEARCHED:
            scope = queue.popleft()
            if scope < 0 or scope in seen:
                continue
            seen.add(scope)
            hit = self._members.get((scope, name))
            if hit is not None:
                return hit
            queue.extend(self._base_scopes(scope))
        return None

    def _base_scopes(self, class_scope: int) -> list[int]:
        known = self._bases.get(class_scope)
        if known is None:
            known = self._bases[class_scope] = self._find_base_scopes(class_scope)
        return known

    def _find_base_scopes(self, class_scope: int) -> list[int]:
        class_node = self.scopes[class_scope].node
        bases = self._field(class_node, "superclasses")
        found = []
        for base in self.children[bases] if bases is not None else ():
            if self.t.kinds[base] == "name_load":
                sid = self.t.resolved.get(base)
                sym = self.t.symbols[sid] if sid is not None else None
                if sym is not None and sym.kind is SymbolKind.CLASS and sym.definitions:
                    scope = self._class_scope.get(self._parents[sym.definitions[-1]])
                    if scope is not None:
                        found.append(scope)
        return found
