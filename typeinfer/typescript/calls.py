"""Calls, ``new`` and the types they give, with generics inferred from the arguments.

A callee's signatures come from its type: a function, its overloads, the call
(or construct) signatures of an interface (``StringConstructor``,
``MapConstructor``), a class's constructor.  The first signature whose arity
fits the arguments is taken (among those, the first whose parameters accept the
arguments' types), its type parameters are bound from explicit type arguments or
by unifying each parameter with its argument's type (``f<T>(x: T): T[]`` called
with ``1`` gives ``number[]``), and its return type is instantiated; a type
parameter nothing binds takes its declared default, else ``unknown``.

Contextual typing runs the other way: a function passed as an argument gets the
parameter types the callee expects there, with what the receiver and the other
(non-function) arguments have bound (``[1, 2].map(x => ...)``: ``x`` is a
number).  ``require("m")`` gives the module (its ``module.exports``).

Example::

    function pair<A, B>(a: A, b: B): [A, B]
    pair("x", [1])                                # [string, number[]]
    new Map<string, number[]>()                   # Map<string, number[]>
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer.typescript import ScriptGraph

from .declared import type_parameters
from .members import written_this
from .types import (
    ANY,
    UNKNOWN,
    UNKNOWN_TS,
    VOID,
    ArrayOf,
    ClassOf,
    Func,
    ModuleRef,
    Named,
    Overloads,
    Param,
    Shape,
    TsType,
    Tuple,
    TypeVar,
    Union,
    join,
    members,
    substitute,
    widen,
)

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

_FUNCTION_KINDS = ("arrow_function", "function_expression", "function")


class CallTyper:
    """Types of calls and contextual parameter types (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine

    # -- signatures -----------------------------------------------------------------------
    def signatures(self, t: TsType, construct: bool = False) -> list[Func]:
        out: list[Func] = []
        for m in members(self.engine.members.expand(t)):
            if isinstance(m, Func) and not construct:
                out.append(m)
            elif isinstance(m, Overloads) and not construct:
                out.extend(m.funcs)
            elif isinstance(m, ClassOf) and construct:
                out.extend(self._constructors(m.instance))
            elif isinstance(m, Named):
                out.extend(self._interface_signatures(m, construct))
            elif m is ANY:
                out.append(Func((Param("args", ArrayOf(ANY), rest=True),), ANY))
        return out

    def _interface_signatures(self, t: Named, construct: bool) -> list[Func]:
        kind = "construct_signature" if construct else "call_signature"
        lib = self.engine.lib
        places = lib.interfaces.get(t.name, []) if t.where is None else [t.where]
        out = []
        for path, node in places:
            g = self.engine.graph(path)
            if g is None or g.kinds[node] != "interface_declaration":
                continue
            bindings = {p: (t.args[i] if i < len(t.args) else ANY) for i, p in enumerate(type_parameters(g, node))}
            body = g.child_by_field(node, "body")
            for member in g.children(body) if body is not None else ():
                if g.kinds[member] == kind:
                    out.append(substitute(self.engine.functions.signature(path, member), bindings))
        return out

    def _constructors(self, instance: Named) -> list[Func]:
        if instance.where is None:
            return self._interface_signatures(Named(instance.name + "Constructor"), True) or [Func((), instance)]
        path, node = instance.where
        g = self.engine.graph(path)
        if g is None:
            return [Func((), instance)]
        from typelens.analyzer.typescript.calls import constructor

        ctor = constructor(g, node) if g.kinds[node] != "enum_declaration" else node
        type_params = tuple(type_parameters(g, node))
        if ctor == node:
            for base in self.engine.members._extends(path, g, node):
                if isinstance(base, Named):
                    return [Func(f.params, instance, type_params) for f in self._constructors(base)]
            return [Func((), instance, type_params)]
        value = self.engine.functions.function_value(path, ctor)
        params = value.params if isinstance(value, Func) else ()
        return [Func(params, instance, type_params, (path, ctor))]

    # -- calls ----------------------------------------------------------------------------
    def call_type(self, path: str, g: ScriptGraph, call: int) -> TsType:
        callee = g.child_by_field(call, "function")
        if callee is None:
            return UNKNOWN
        if g.kinds[callee] == "super":
            return VOID
        if g.kinds[callee] == "name_load" and g.text(callee) == "require":
            return self._require(path, g, call)
        funcs = self.signatures(self.engine.value_of(path, callee))
        if not funcs:
            return UNKNOWN
        chosen, bindings = self.select(path, g, call, funcs)
        return self._finish(substitute(chosen.ret, bindings), chosen, bindings)

    def new_type(self, path: str, g: ScriptGraph, node: int) -> TsType:
        target = g.child_by_field(node, "constructor")
        if target is None:
            return UNKNOWN
        funcs = self.signatures(self.engine.value_of(path, target), construct=True)
        if not funcs:
            return UNKNOWN
        chosen, bindings = self.select(path, g, node, funcs)
        return self._finish(substitute(chosen.ret, bindings), chosen, bindings)

    def _finish(self, result: TsType, chosen: Func, bindings: dict) -> TsType:
        """The return type with the type parameters nothing bound set to their defaults."""
        unbound = {p: self._default(chosen, p) for p in chosen.type_params if p not in bindings}
        result = substitute(result, unbound) if unbound else result
        if isinstance(result, Named) and result.where is not None:
            leftover = {a.name: UNKNOWN_TS for a in result.args if isinstance(a, TypeVar) and a.where == result.where}
            result = substitute(result, leftover) if leftover else result
        return result

    def _default(self, chosen: Func, name: str) -> TsType:
        if chosen.where is not None and (g := self.engine.graph(chosen.where[0])) is not None:
            holder = g.child_by_field(chosen.where[1], "type_parameters")
            for param in g.children(holder) if holder is not None else ():
                if g.text(g.child_by_field(param, "name") or param) == name:
                    value = g.child_by_field(param, "value")
                    if value is not None:
                        kids = g.children(value)
                        return self.engine.declared(chosen.where[0], kids[0] if kids else value)
        return UNKNOWN_TS

    def _require(self, path: str, g: ScriptGraph, call: int) -> TsType:
        args = g.child_by_field(call, "arguments")
        kids = g.children(args) if args is not None else []
        if len(kids) != 1 or g.kinds[kids[0]] != "string":
            return UNKNOWN
        spec = g.text(kids[0])[1:-1]
        target = self.engine.index.resolve(spec, path)
        if target is None or target.path is None:
            return UNKNOWN
        module = ModuleRef(str(target.path), spec)
        found = self.engine.index.exports_at(Path(target.path))
        if found is not None and "=" in found[1].names:
            return self.engine.export_value(module, "=")
        return module

    # -- overloads and generics -----------------------------------------------------------
    def arguments(self, g: ScriptGraph, call: int) -> list[int]:
        args = g.child_by_field(call, "arguments")
        return [a for a in g.children(args)] if args is not None else []

    def select(
        self, path: str, g: ScriptGraph, call: int, funcs: list[Func], skip: int | None = None
    ) -> tuple[Func, dict[str, TsType]]:
        """The signature a call takes and the type parameters its arguments bind;
        ``skip``: an argument not to type (the function being typed from context)."""
        args = self.arguments(g, call)
        fitting = [f for f in funcs if _fits(f, len(args))] or funcs
        explicit = g.child_by_field(call, "type_arguments")
        if explicit is not None:
            count = len(g.children(explicit))
            fitting = [f for f in fitting if len(f.type_params) >= count] or fitting
        types = [self._argument_type(path, g, a, a == skip) for a in args]
        best: tuple[Func, dict, bool] | None = None
        for func in fitting:
            bindings: dict[str, TsType] = {}
            if explicit is not None:
                for name, node in zip(func.type_params, g.children(explicit)):
                    bindings[name] = self.engine.declared(path, node)
            for i, t in enumerate(types):
                expected = _parameter_at(func, i)
                if expected is not None and t is not UNKNOWN:
                    unify(expected, t, bindings, set(func.type_params), 0)
            bound = all(p in bindings or self._default(func, p) is not UNKNOWN_TS for p in func.type_params)
            accepted = all(t is UNKNOWN or _accepts(_parameter_at(func, i), t) for i, t in enumerate(types))
            if best is None or (bound and not best[2]):
                best = (func, bindings, bound)
            if accepted and bound:
                return func, bindings
        assert best is not None, "select is given at least one signature (its callers check)"
        return best[0], best[1]

    def _argument_type(self, path: str, g: ScriptGraph, arg: int, skipped: bool) -> TsType:
        if skipped:
            return UNKNOWN
        if g.kinds[arg] == "spread_element":
            return UNKNOWN
        if g.kinds[arg] in _FUNCTION_KINDS:
            return self.engine.value_of(path, arg)
        return widen(self.engine.value_of(path, arg))

    def contextual_parameter(self, path: str, g: ScriptGraph, function: int, index: int) -> TsType:
        """The type the context gives parameter ``index`` of a function expression."""
        expected = self.expected_function(path, g, function)
        for func in self.engine.functions.overloads_of(expected):
            param = _parameter_at(func, index)
            if param is None:
                continue
            t = (
                param
                if not func.params[min(index, len(func.params) - 1)].rest
                else self.engine.members.item_type(param)
            )
            return _no_free_variables(t)
        return UNKNOWN

    def expected_function(self, path: str, g: ScriptGraph, function: int) -> TsType:
        parent = g.parents[function]
        kind = g.kinds[parent] if parent >= 0 else ""
        if kind == "arguments":
            call = g.parents[parent]
            callee_field = "function" if g.kinds[call] == "call" else "constructor"
            callee = g.child_by_field(call, callee_field)
            if callee is None:
                return UNKNOWN
            funcs = self.signatures(self.engine.value_of(path, callee), construct=callee_field == "constructor")
            if not funcs:
                return UNKNOWN
            position = self.arguments(g, call).index(function)
            chosen, bindings = self.select(path, g, call, funcs, skip=function)
            param = _parameter_at(chosen, position)
            return substitute(param, bindings) if param is not None else UNKNOWN
        if kind == "variable_declarator" and g.child_by_field(parent, "type") is not None:
            return self.engine.declared(path, g.child_by_field(parent, "type"))
        if g.kinds[function] == "method_definition" and kind != "object" or kind == "public_field_definition":
            found = self._inherited(path, g, function)
            if found is not UNKNOWN:
                return found
        written = written_this(g, function)
        name = g.child_by_field(function, "name")
        if written is not None and name is not None:  # `function make_(this: Annotation, adm)`
            found = self.engine.members.member_type(self.engine.declared(path, written), g.text(name))
            if found is not UNKNOWN:
                return found
        # where the function sits declares it: a member of an object literal whose type is
        # expected, a declared return, an assignment to a typed member or field
        expected = self.engine.usage.rules.expected(path, g, function)
        return expected[1] if expected is not None else UNKNOWN

    def _inherited(self, path: str, g: ScriptGraph, method: int) -> TsType:
        """A method's signature in the types its class implements or extends (or the
        type of the field a function is the value of: ``onClick = (e) => {}``)."""
        holder = g.parents[method] if g.kinds[method] != "method_definition" else method
        name = g.child_by_field(holder, "name")
        cls_body = g.parents[holder]
        cls = g.parents[cls_body] if cls_body >= 0 else -1
        if name is None or cls < 0:
            return UNKNOWN
        for heritage in (c for c in g.children(cls) if g.kinds[c] == "class_heritage"):
            for clause in g.children(heritage):
                for item in g.children(clause):
                    if g.kinds[item] in ("type_identifier", "generic_type", "name_load"):
                        base = (
                            self.engine.declared(path, item)
                            if g.kinds[item] != "name_load"
                            else self.engine.value_of(path, item)
                        )
                        base = base.instance if isinstance(base, ClassOf) else base
                        found = self.engine.members.member_type(base, g.text(name))
                        if found is not UNKNOWN:
                            return found
        return UNKNOWN


def _fits(func: Func, count: int) -> bool:
    has_rest = any(p.rest for p in func.params)
    return func.required <= count and (has_rest or count <= len(func.params))


def _parameter_at(func: Func, index: int) -> TsType | None:
    if index < len(func.params) and not func.params[index].rest:
        return func.params[index].type
    if func.params and func.params[-1].rest:
        return func.params[-1].type if index >= len(func.params) - 1 else None
    return None


def _accepts(expected: TsType | None, actual: TsType) -> bool:
    """A loose check: could a value of ``actual`` be passed where ``expected`` is declared?"""
    if expected is None or expected is ANY or actual is ANY or isinstance(expected, TypeVar):
        return True
    wanted = members(expected)
    if any(isinstance(w, (TypeVar, Union)) or w is UNKNOWN for w in wanted):
        return True
    from .types import base_name

    names = {base_name(w) for w in wanted}
    return (
        all(base_name(a) in names or isinstance(a, Func) and "Function" in names for a in members(actual))
        or any(isinstance(w, (Shape, Func)) for w in wanted)
        or "object" in names
    )


def unify(param: TsType, arg: TsType, bindings: dict[str, TsType], names: set[str], depth: int) -> None:
    """Bind the type variables ``names`` of ``param`` from the argument type ``arg``."""
    if depth > 12 or arg is UNKNOWN:
        return
    d = depth + 1
    if isinstance(param, TypeVar) and param.name in names:
        if arg is not UNKNOWN and not _mentions_unknown(arg):
            bindings[param.name] = join(bindings[param.name], arg) if param.name in bindings else arg
        return
    if isinstance(param, ArrayOf):
        if isinstance(arg, ArrayOf):
            unify(param.item, arg.item, bindings, names, d)
        elif isinstance(arg, Tuple):
            unify(param.item, join(*arg.items), bindings, names, d)
    elif isinstance(param, Tuple) and isinstance(arg, Tuple) and len(arg.items) == len(param.items):
        for p, a in zip(param.items, arg.items):
            unify(p, a, bindings, names, d)
    elif isinstance(param, Named) and isinstance(arg, Named) and param.name == arg.name:
        for p, a in zip(param.args, arg.args):
            unify(p, a, bindings, names, d)
    elif isinstance(param, Func) and isinstance(arg, Func):
        for pp, ap in zip(param.params, arg.params):
            unify(pp.type, ap.type, bindings, names, d)
        unify(param.ret, arg.ret, bindings, names, d)
    elif isinstance(param, Shape) and isinstance(arg, Shape):
        for f in param.fields:
            other = arg.get(f.name)
            if other is not None:
                unify(f.type, other.type, bindings, names, d)
    elif isinstance(param, Union):
        _unify_union(param, arg, bindings, names, d)


def _unify_union(param: Union, arg: TsType, bindings: dict[str, TsType], names: set[str], depth: int) -> None:
    """``T | PromiseLike<T>``, ``T | undefined``: structure first, a bare variable last."""
    structured = [m for m in members(param) if not isinstance(m, TypeVar)]
    bare = [m for m in members(param) if isinstance(m, TypeVar) and m.name in names]
    for m in structured:
        if (
            isinstance(m, (Named, ArrayOf, Func))
            and type(m) is type(arg)
            and (not isinstance(m, Named) or m.name == getattr(arg, "name", None))
        ):
            unify(m, arg, bindings, names, depth)
            return
    kept = join(*(a for a in members(arg) if a not in param.items))
    for m in bare:
        unify(m, kept, bindings, names, depth)


def _mentions_unknown(t: TsType) -> bool:
    from .types import is_known

    return not is_known(t)


def _no_free_variables(t: TsType) -> TsType:
    """``UNKNOWN`` for a type still holding an unbound type variable."""
    from .types import render

    text = render(t)
    return UNKNOWN if any(isinstance(m, TypeVar) and m.name != "this" for m in members(t)) or text == "unknown" else t
