"""Members of script types: what ``x.name`` is, and what completion lists after ``x.``.

=====================  ==============================================================
a value of type        has the members of
=====================  ==============================================================
``string``, ``number``  the library interfaces ``String``, ``Number`` (``Boolean`` ...)
``T[]``, ``[A, B]``    ``Array<T>`` (a tuple: ``Array<A | B>``)
a class instance       its fields (declared, initialised, ``this.x = ...``, parameter
                       properties), methods and accessors, then its base class's
an interface           its property and method signatures, then those it extends
``{ a: number }``      its fields, then ``Object``'s
``typeof C``           the class's static members (an enum: its members), ``Function``'s
a module namespace     the module's exports
a union                each member's, joined
=====================  ==============================================================

Type parameters of a generic interface or class are bound to the receiver's type
arguments (``Map<string, number>.get`` returns ``number | undefined``), and
``this`` to the receiver.

Example::

    const m = new Map<string, number>();
    m.get("a")          # number | undefined
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typelens.analyzer import ScopeKind, Symbol, SymbolKind
from typelens.analyzer.typescript import ScriptGraph

from .declared import type_parameters
from .types import (
    ANY,
    STRING,
    UNDEFINED,
    UNKNOWN,
    ArrayOf,
    ClassOf,
    Func,
    Literal,
    ModuleRef,
    Named,
    Overloads,
    Prim,
    Shape,
    TsType,
    Tuple,
    TypeVar,
    awaited,
    join,
    members,
    substitute,
    widen,
)

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

_PRIMITIVE_INTERFACES = {
    "string": "String",
    "number": "Number",
    "boolean": "Boolean",
    "bigint": "BigInt",
    "symbol": "Symbol",
    "object": "Object",
}
_CLASS_KINDS = ("class_declaration", "abstract_class_declaration", "class")
_DECLARED_KINDS = (*_CLASS_KINDS, "interface_declaration")
_MEMBER_KINDS = (
    "public_field_definition",
    "field_definition",
    "method_definition",
    "abstract_method_signature",
    "method_signature",
    "property_signature",
)


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    kind: str  # method or field
    type: TsType
    where: tuple[str, int] | None = None


def this_class(g: ScriptGraph, node: int) -> int | None:
    """The class declaration ``this`` means at ``node`` (arrow functions see through)."""
    scope = g.scope_of[node]
    while scope >= 0:
        s = g.scopes[scope]
        if s.kind is ScopeKind.FUNCTION and g.kinds[s.node] != "arrow_function":
            parent = g.scopes[s.parent] if s.parent >= 0 else None
            return parent.node if parent is not None and parent.kind is ScopeKind.CLASS else None
        if s.kind is ScopeKind.CLASS:
            return s.node
        scope = s.parent
    return None


def this_parameter(g: ScriptGraph, node: int) -> int | None:
    """The type written on the ``this`` parameter of the function ``this`` means at
    ``node`` (``function f(this: Window, ev) {...}``: ``Window``), if one is written."""
    scope = g.scope_of[node]
    while scope >= 0 and not (
        g.scopes[scope].kind is ScopeKind.FUNCTION and g.kinds[g.scopes[scope].node] != "arrow_function"
    ):
        scope = g.scopes[scope].parent
    return written_this(g, g.scopes[scope].node) if scope >= 0 else None


def written_this(g: ScriptGraph, function: int) -> int | None:
    """The type node of ``function``'s ``this`` parameter, if it has one."""
    params = g.child_by_field(function, "parameters")
    for item in g.children(params) if params is not None else ():
        pattern = g.child_by_field(item, "pattern")
        if pattern is not None and g.kinds[pattern] == "this":
            return g.child_by_field(item, "type")
    return None


class MemberTable:
    """Members of types (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine
        self._tables: dict[TsType, dict[str, Member]] = {}
        self._computing: dict[TsType, int] = {}  # tables being read: the memo's depth then
        # per graph: its member symbols by scope, and each class's instance symbols
        self._by_scope: dict[int, tuple[ScriptGraph, dict[int, list[Symbol]], dict[int, list[Symbol]]]] = {}

    def expand(self, t: TsType) -> TsType:
        return self.engine.types.expand(t)

    # -- single members -------------------------------------------------------------------
    def member_type(self, t: TsType, name: str) -> TsType:
        found = []
        for m in members(self.expand(t)):
            if m is ANY:
                return ANY
            hit = self.members_of(m).get(name)
            if hit is not None:
                found.append(hit.type)
            elif isinstance(m, Shape) and m.index is not None:
                found.append(m.index)
        return join(*found) if found else UNKNOWN

    def members_of(self, t: TsType) -> dict[str, Member]:
        """Every member of ``t`` by name (a union: the members all of its types have)."""
        t = self.expand(t)
        if isinstance(t, (Prim,)) and t.name not in _PRIMITIVE_INTERFACES:
            return {}
        if t is UNKNOWN:
            return {}
        hit = self._tables.get(t)
        if hit is not None:
            return hit
        engine = self.engine
        if t in self._computing:
            engine.read_open(self._computing[t])  # a type whose members mention itself: see none while reading
            return {}
        if len(self._tables) > 4096:
            self._tables.clear()
        self._computing[t] = engine.depth
        before = engine.cycles
        try:
            found = self._compute(t)
        finally:
            del self._computing[t]
        if engine.cycles == before or not (engine.depth or self._computing):
            self._tables[t] = found  # complete answers only (see ScriptEngine.memo)
        return found

    def member_where(self, t: TsType, name: str) -> tuple[str, int] | None:
        """Where ``t``'s member ``name`` is declared, as :meth:`members_of` says, without
        typing a declared class's other members (a method's member call sites ask this
        of every receiver of its name: ``members_of`` would type whole classes)."""
        t = self.expand(t)
        seen: set[TsType] = set()
        while isinstance(t, Named) and t.where is not None and t not in seen:
            seen.add(t)
            path, node = t.where
            g = self.engine.graph(path)
            if g is None or g.kinds[node] not in _CLASS_KINDS:
                break
            hit = self._class_member_where(g, node, name)
            if hit is not None:
                return (path, hit)
            bases = self._extends(path, g, node)
            if not bases:
                return None
            t = self.expand(bases[0])
        if hasattr(t, "items"):
            return None  # a union's members are joined, declared nowhere
        member = self.members_of(t).get(name)
        return member.where if member is not None else None

    def _class_member_where(self, g: ScriptGraph, node: int, name: str) -> int | None:
        """The definition :meth:`_class_body` gives the instance member ``name``."""
        found = None
        for sym in self._instance_symbols(g, node):
            if sym.name == name:
                found = sym.definitions[0]
        return found

    def _instance_symbols(self, g: ScriptGraph, node: int) -> list[Symbol]:
        """The symbols :meth:`_class_body` makes instance members of the class ``node``
        (in symbol order; one scan of the graph's symbols per graph, not per class)."""
        cached = self._by_scope.get(id(g))
        if cached is None or cached[0] is not g:
            if len(self._by_scope) > 1024:
                self._by_scope.clear()
            index: dict[int, list[Symbol]] = {}
            for sym in g.symbols:
                if sym.kind in (SymbolKind.ATTRIBUTE, SymbolKind.FUNCTION) and sym.definitions:
                    index.setdefault(sym.scope, []).append(sym)
            cached = self._by_scope[id(g)] = (g, index, {})
        found = cached[2].get(node)  # a class's instance symbols, read once per graph
        if found is None:
            scope = g.scope_defined_by(node)
            syms = cached[1].get(scope.id, []) if scope is not None else []
            found = cached[2][node] = [s for s in syms if s.name != "constructor" and not self._is_static(g, s)]
        return found

    def member_names(self, t: TsType) -> set[str]:
        """The names of :meth:`members_of`, without typing the members of declared
        classes and interfaces (usage rules ask which types have every member used)."""
        names: set[str] = set()
        todo, seen = [t], set()
        while todo:
            t = self.expand(todo.pop())
            if t in seen:
                continue
            seen.add(t)
            g = self.engine.graph(t.where[0]) if isinstance(t, Named) and t.where is not None else None
            kind = g.kinds[t.where[1]] if g is not None and isinstance(t, Named) and t.where is not None else ""
            if g is None or not isinstance(t, Named) or t.where is None or kind not in _DECLARED_KINDS:
                names.update(self.members_of(t))
                continue
            path, node = t.where
            if kind == "interface_declaration":
                body = g.child_by_field(node, "body")
                for member in g.children(body) if body is not None else ():
                    name = g.child_by_field(member, "name")
                    if name is not None and g.kinds[member] in ("property_signature", "method_signature"):
                        names.add(g.text(name))
            else:
                names.update(sym.name for sym in self._instance_symbols(g, node))
            todo += self._extends(path, g, node)
        return names

    def _compute(self, t: TsType) -> dict[str, Member]:
        if isinstance(t, Prim):
            return self.library_members(_PRIMITIVE_INTERFACES[t.name], ())
        if isinstance(t, Literal):
            return self.members_of(Prim(t.base))
        if isinstance(t, ArrayOf):
            return self.library_members("ReadonlyArray" if t.readonly else "Array", (t.item,), receiver=t)
        if isinstance(t, Tuple):
            return self.library_members("Array", (join(*t.items),), receiver=t)
        if isinstance(t, (Func, Overloads)):
            return self.library_members("Function", ())
        if isinstance(t, Shape):
            table = dict(self.library_members("Object", ()))
            table.update(
                {
                    f.name: Member(
                        f.name, "method" if isinstance(f.type, (Func, Overloads)) else "field", f.type, f.where
                    )
                    for f in t.fields
                }
            )
            return table
        if isinstance(t, ClassOf):
            return self._static(t.instance)
        if isinstance(t, ModuleRef):
            return self._module(t)
        if isinstance(t, Named):
            return self._named(t)
        if isinstance(t, TypeVar) and t.where is not None:
            return self._constraint(t)
        if hasattr(t, "items"):  # a union: the members every member has
            tables = [self.members_of(m) for m in members(t)]
            common = set(tables[0]).intersection(*tables[1:]) if tables else set()
            return {
                name: Member(name, tables[0][name].kind, join(*(tb[name].type for tb in tables)))
                for name in sorted(common)
            }
        return {}

    # -- library interfaces ---------------------------------------------------------------
    def library_members(
        self, name: str, args: tuple[TsType, ...], receiver: TsType | None = None, depth: int = 0
    ) -> dict[str, Member]:
        lib = self.engine.lib
        lib.ensure_dom(name)
        table: dict[str, Member] = {}
        declarations = lib.interfaces.get(name, [])
        for path, node in declarations:
            g = lib.graphs[path]
            bindings = {p: (args[i] if i < len(args) else ANY) for i, p in enumerate(type_parameters(g, node))}
            bindings["this"] = receiver if receiver is not None else Named(name, args)
            self._interface_body(path, g, node, bindings, table)
            if depth < 4:
                for base in self._extends(path, g, node):
                    for key, member in self._members_of_base(substitute(base, bindings), depth).items():
                        table.setdefault(key, member)
        return table

    def _members_of_base(self, base: TsType, depth: int) -> dict[str, Member]:
        if isinstance(base, Named) and base.where is None:
            return self.library_members(base.name, base.args, depth=depth + 1)
        return self.members_of(base)

    def _interface_body(self, path: str, g: ScriptGraph, node: int, bindings: dict, table: dict[str, Member]) -> None:
        body = g.child_by_field(node, "body")
        overloads: dict[str, list[Func]] = {}
        for member in g.children(body) if body is not None else ():
            kind = g.kinds[member]
            name_node = g.child_by_field(member, "name")
            if name_node is None or kind not in ("property_signature", "method_signature"):
                continue
            name = g.text(name_node)
            if kind == "method_signature":
                func = substitute(self.engine.functions.signature(path, member), bindings)
                overloads.setdefault(name, []).append(func)
                funcs = tuple(overloads[name])
                table[name] = Member(name, "method", funcs[0] if len(funcs) == 1 else Overloads(funcs), (path, member))
            else:
                declared = self.engine.declared(path, g.child_by_field(member, "type"))
                optional = b"?" in g.source.data[g.end_bytes[name_node] : g.end_bytes[name_node] + 2]
                t = substitute(declared, bindings)
                table[name] = Member(name, "field", join(t, UNDEFINED) if optional else t, (path, member))

    def _extends(self, path: str, g: ScriptGraph, node: int) -> list[TsType]:
        """The types a class or interface extends (``implements`` left out)."""
        items: list[int] = []
        for child in g.children(node):
            if g.kinds[child] == "extends_type_clause":
                items += g.children(child)
            elif g.kinds[child] == "class_heritage":
                for h in g.children(child):
                    if g.kinds[h] == "extends_clause":
                        items += g.children(h)
                    elif g.kinds[h] != "implements_clause":
                        items.append(h)  # JavaScript: the base class expression itself
        out: list[TsType] = []
        for item in items:
            kind = g.kinds[item]
            if kind in ("type_identifier", "generic_type", "nested_type_identifier"):
                out.append(self.engine.declared(path, item))
            elif kind == "type_arguments" and out and isinstance(out[-1], Named):
                args = tuple(self.engine.declared(path, a) for a in g.children(item))
                out[-1] = Named(out[-1].name, args, out[-1].where)
            elif kind not in ("type_arguments",):
                value = self.engine.value_of(path, item)
                if isinstance(value, ClassOf):
                    out.append(value.instance)
        return out

    # -- declared types -------------------------------------------------------------------
    def _named(self, t: Named) -> dict[str, Member]:
        if t.where is None:
            return self.library_members(t.name, t.args, receiver=t)
        g = self.engine.graph(t.where[0])
        if g is None:
            return {}
        path, node = t.where
        kind = g.kinds[node]
        bindings = {p: (t.args[i] if i < len(t.args) else ANY) for i, p in enumerate(type_parameters(g, node))}
        bindings["this"] = t
        table: dict[str, Member] = {}
        if kind == "interface_declaration":
            self._interface_body(path, g, node, bindings, table)
        elif kind in ("class_declaration", "abstract_class_declaration", "class"):
            self._class_body(path, g, node, bindings, table)
        elif kind == "enum_declaration":
            return self.library_members("Number", ())
        for base in self._extends(path, g, node):
            for key, member in self.members_of(substitute(base, bindings)).items():
                table.setdefault(key, member)
        return table

    def _class_body(self, path: str, g: ScriptGraph, node: int, bindings: dict, table: dict[str, Member]) -> None:
        for sym in self._instance_symbols(g, node):  # `this.x` only read: a base's member
            t = substitute(self.engine.symbol_type(path, sym.id), bindings)
            kind = "method" if sym.kind is SymbolKind.FUNCTION and not self._is_accessor(g, sym) else "field"
            table[sym.name] = Member(sym.name, kind, t, (path, sym.definitions[0]) if sym.definitions else None)

    def _is_static(self, g: ScriptGraph, sym: Symbol) -> bool:
        for d in sym.definitions[:1]:
            holder = g.parents[d]
            if (
                g.kinds[holder] in _MEMBER_KINDS
                and b"static" in g.source.data[g.start_bytes[holder] : g.start_bytes[d]].split()
            ):
                return True
        return False

    def _is_accessor(self, g: ScriptGraph, sym: Symbol) -> bool:
        holder = g.parents[sym.definitions[0]] if sym.definitions else -1
        head = g.source.data[g.start_bytes[holder] : g.start_bytes[sym.definitions[0]]] if holder >= 0 else b""
        return b"get " in head or b"set " in head

    def _static(self, instance: Named) -> dict[str, Member]:
        table = dict(self.library_members("Function", ()))
        if instance.where is None:
            return table
        path, node = instance.where
        g = self.engine.graph(path)
        if g is None:
            return table
        if g.kinds[node] == "enum_declaration":
            body = g.child_by_field(node, "body")
            for item in g.children(body) if body is not None else ():
                name = item if g.kinds[item] == "property_identifier" else g.child_by_field(item, "name")
                if name is not None:
                    table[g.text(name)] = Member(g.text(name), "field", instance, (path, item))
            return table
        scope = g.scope_defined_by(node)
        for sym in g.symbols:
            if scope is not None and sym.scope == scope.id and sym.definitions and self._is_static(g, sym):
                kind = "method" if sym.kind is SymbolKind.FUNCTION else "field"
                table[sym.name] = Member(
                    sym.name, kind, self.engine.symbol_type(path, sym.id), (path, sym.definitions[0])
                )
        return table

    def _module(self, module: ModuleRef) -> dict[str, Member]:
        from pathlib import Path

        found = self.engine.index.exports_at(
            Path(module.path),
            module.specifier if self.engine.index.module_body(Path(module.path), module.specifier) else "",
        )
        if found is None:
            return {}
        table = {}
        for name in found[1].names:
            if name in ("=",):
                continue
            t = self.engine.export_value(module, name)
            table[name] = Member(name, "method" if isinstance(t, (Func, Overloads)) else "field", t)
        return table

    def _constraint(self, t: TypeVar) -> dict[str, Member]:
        g = self.engine.graph(t.where[0]) if t.where is not None else None
        if g is None or t.where is None or g.kinds[t.where[1]] != "type_parameter":
            return {}
        constraint = g.child_by_field(t.where[1], "constraint")
        kids = g.children(constraint) if constraint is not None else []
        return self.members_of(self.engine.declared(t.where[0], kids[0])) if kids else {}

    def member_definition(self, path: str, g: ScriptGraph, name: int) -> TsType:
        """The type of a class member from its definition (field, method, accessor)."""
        holder = g.parents[name]
        kind = g.kinds[holder]
        if kind in ("method_definition", "abstract_method_signature", "method_signature"):
            head = g.source.data[g.start_bytes[holder] : g.start_bytes[name]]
            if b"get " in head:
                return self.engine.functions.return_type(path, holder)
            return self.engine.functions.function_value(path, holder)
        declared = g.child_by_field(holder, "type")
        if declared is not None:
            return self.engine.declared(path, declared)
        value = g.child_by_field(holder, "value")
        sym = g.symbol_at(name)
        stores = (
            [
                d
                for d in sym.definitions
                if d != name
                and not (
                    g.kinds[g.parents[d]] in ("augmented_assignment_expression", "update_expression")
                    and value is not None
                )
            ]
            if sym is not None
            else []
        )
        values = [widen(self.engine.value_of(path, value))] if value is not None else []
        values += [
            self.engine.definition_type(path, d)
            if g.kinds[d] == "parameter"
            else widen(self.engine.value_of(path, g.parents[d]))
            for d in stores
        ]
        return join(*values) if values else UNKNOWN

    # -- items, indexes, promises ---------------------------------------------------------
    def item_type(self, t: TsType) -> TsType:
        """What iterating over a value of type ``t`` gives."""
        out = []
        for m in members(self.expand(t)):
            if isinstance(m, ArrayOf):
                out.append(m.item)
            elif isinstance(m, Tuple):
                out.append(join(*m.items))
            elif m == STRING or isinstance(m, Literal) and m.base == "string":
                out.append(STRING)
            elif isinstance(m, Named) and m.name == "Map" and len(m.args) == 2:
                out.append(Tuple(m.args))
            elif (
                isinstance(m, Named)
                and m.args
                and m.name
                in (
                    "Set",
                    "ReadonlySet",
                    "Iterable",
                    "IterableIterator",
                    "Iterator",
                    "Generator",
                    "AsyncIterable",
                    "ArrayLike",
                    "MapIterator",
                    "SetIterator",
                )
            ):
                out.append(m.args[0])
            elif m is ANY:
                out.append(ANY)
            else:
                out.append(UNKNOWN)
        return join(*out) if out else UNKNOWN

    def index_type(self, t: TsType) -> TsType:
        out = []
        for m in members(self.expand(t)):
            if isinstance(m, (ArrayOf, Tuple)) or m == STRING:
                out.append(self.item_type(m))
            elif isinstance(m, Shape) and m.index is not None:
                out.append(m.index)
            elif isinstance(m, Named) and m.name == "Record" and len(m.args) == 2:
                out.append(m.args[1])
            elif m is ANY:
                out.append(ANY)
            else:
                out.append(UNKNOWN)
        return join(*out) if out else UNKNOWN

    def awaited(self, t: TsType) -> TsType:
        return awaited(self.expand(t))

    def pushed(self, path: str, g: ScriptGraph, store: int) -> TsType:
        """The values pushed into an array that starts empty (``xs = []; xs.push(1)``)."""
        sym = g.symbol_at(store)
        found = []
        for use in sym.uses if sym is not None else ():
            member = g.parents[use]
            call = g.parents[member] if member >= 0 else -1
            if g.kinds[member] != "attribute" or call < 0 or g.kinds[call] != "call":
                continue
            prop = g.child_by_field(member, "property")
            if prop is None or g.text(prop) not in ("push", "unshift"):
                continue
            args = g.child_by_field(call, "arguments")
            found += [
                widen(self.engine.value_of(path, a))
                for a in (g.children(args) if args is not None else ())
                if g.kinds[a] != "spread_element"
            ]
        return join(*found) if found else UNKNOWN
