"""The rules of :mod:`.usage`: one constraint per use of a script parameter.

Each rule reads the syntax around one load of the parameter and asks the engine
for the types it needs (the callee's signature, the other operand, the declared
return).  What is *expected* of an expression comes from where it sits
(:meth:`UseRules.expected`): an argument, a returned value, the right side of an
assignment to a declared member or variable, and, one level in, a member of an
object literal or an item of an array literal sitting in one of those places.
An expected type may name the type parameters of the class or function around
the use (``K`` of ``class Registry<K, V>``, from ``this.data.has(key)`` with
``data: Map<K, V>``): there they are what the parameter is declared with; a
callee's own type parameter left unbound names nothing.

Example::

    function paint(shape, scale) {
        ctx.fillRect(shape.x, 0, scale * 2, 1);   // scale: number  operand:number
        draw({ shape, scale });                   // shape: Shape   call:draw.opts.shape
    }                                             //   (draw(opts: { shape: Shape; scale: number }))
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Sequence

from typelens.analyzer.typescript import ScriptGraph

from .declared import type_parameters

from .types import (
    ANY,
    BOOLEAN,
    NUMBER,
    STRING,
    UNDEFINED,
    UNKNOWN,
    UNKNOWN_TS,
    ArrayOf,
    Func,
    Named,
    Prim,
    Shape,
    TsType,
    Tuple,
    TypeVar,
    is_known,
    join,
    members,
    render,
    substitute,
    widen,
    without_nullish,
)
from .usage import DECLARED, EQUALITY, FILTER, OPERATION, Constraint

if TYPE_CHECKING:
    from .contract import ScriptContract

logger = logging.getLogger(__name__)

_ARITHMETIC = frozenset({"-", "*", "/", "%", "**", "&", "|", "^", "<<", ">>", ">>>"})
_ORDER = frozenset({"<", ">", "<=", ">="})
_EQUALITY = frozenset({"===", "!==", "==", "!="})
_TRANSPARENT = ("parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression")
# the library types a parameter's members are matched against (with the file's own types)
_LIBRARY_SHAPES: tuple[TsType, ...] = (
    STRING,
    NUMBER,
    BOOLEAN,
    ArrayOf(ANY),
    Named("Map", (ANY, ANY)),
    Named("Set", (ANY,)),
    Named("Promise", (ANY,)),
    Named("Date"),
    Named("RegExp"),
)
_VAGUE = frozenset({"Object", "WeakKey"})
_MAX_FITTING = 1  # members decide only when one type has them all
_PROJECT_MEMBERS = 2  # members it takes to look for the type among the whole project's


class UseRules:
    """The rules (see the module docstring); each returns a list of constraints."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine
        self._file_shapes: dict[str, tuple[ScriptGraph, list[TsType]]] = {}
        self._project_types: tuple[object, int, list[Named]] | None = None

    def constraints_of(self, path: str, g: ScriptGraph, use: int) -> list[Constraint]:
        node, parent = _climb(g, use)
        if parent < 0:
            return []
        kind = g.kinds[parent]
        if kind == "binary_expression":
            return self._binary(path, g, node, parent)
        if kind == "unary_expression" and g.source.data[g.start_bytes[parent] : g.start_bytes[node]].strip() in (
            b"-",
            b"~",
        ):
            return [Constraint("operand:number", NUMBER, 0.6, OPERATION)]
        if kind == "update_expression":
            return [Constraint("operand:number", NUMBER, 0.7, OPERATION)]
        if kind == "augmented_assignment_expression":
            return self._augmented(path, g, node, parent)
        if kind == "subscript_expression":
            return self._subscript(path, g, node, parent)
        if kind == "call" and g.child_by_field(parent, "function") == node:
            return [Constraint("called", Func((), ANY), 0.0, FILTER)]
        if kind == "await_expression":
            return [Constraint("await", ANY, 0.0, FILTER)]
        if kind == "spread_element" and g.kinds[g.parents[parent]] == "object":
            return self._spread(path, g, parent)
        expected = self.expected(path, g, node)
        if expected is None:
            return []
        label, t, weight = expected
        return [Constraint(label, t, weight, DECLARED)] if _is_answer(t, own_variables(path, g, node)) else []

    # -- what the place of an expression expects --------------------------------------------
    def expected(self, path: str, g: ScriptGraph, node: int, depth: int = 0) -> tuple[str, TsType, float] | None:
        """``(label, type, weight)`` that the place of ``node`` declares, if any."""
        parent = g.parents[node]
        kind = g.kinds[parent] if parent >= 0 else ""
        if depth > 3 or not kind:
            return None
        if kind == "arguments":
            return self._argument(path, g, node, parent)
        if kind == "return_statement" or kind == "arrow_function" and g.child_by_field(parent, "body") == node:
            return self._returned(path, g, parent)
        if kind == "variable_declarator" and g.child_by_field(parent, "value") == node:
            declared = g.child_by_field(parent, "type")
            if declared is not None:
                return (
                    f"assign:{g.text(g.child_by_field(parent, 'name') or parent)}",
                    self._declared(path, declared),
                    0.8,
                )
            return None
        if kind == "public_field_definition" and g.child_by_field(parent, "value") == node:
            declared = g.child_by_field(parent, "type")
            name = g.child_by_field(parent, "name")
            if declared is not None and name is not None:
                return f"assign:this.{g.text(name)}", self._declared(path, declared), 0.8
            return None
        if kind == "assignment_expression" and g.child_by_field(parent, "right") == node:
            return self._assigned(path, g, parent)
        if kind in ("pair", "object") and depth < 2:
            return self._member_of_object(path, g, node, parent, depth)
        if kind == "array" and depth < 2:
            outer = self.expected(path, g, parent, depth + 1)
            item = self.engine.members.item_type(outer[1]) if outer is not None else UNKNOWN
            return (outer[0] + "[]", item, outer[2] * 0.9) if outer is not None and item is not UNKNOWN else None
        if kind in ("as_expression", "satisfies_expression") and len(g.children(parent)) == 2:
            written = g.children(parent)[1]
            return f"as:{_short(g.text(written))}", self._declared(path, written), 0.7
        if kind in _TRANSPARENT or kind == "ternary_expression" and g.child_by_field(parent, "condition") != node:
            return self.expected(path, g, parent, depth + 1)
        return None

    def _argument(self, path: str, g: ScriptGraph, node: int, args: int) -> tuple[str, TsType, float] | None:
        call = g.parents[args]
        construct = g.kinds[call] == "new_expression"
        callee = g.child_by_field(call, "constructor" if construct else "function")
        if callee is None or g.kinds[callee] == "super" or g.text(callee) == "require":
            return None
        calls = self.engine.calls
        funcs = calls.signatures(without_nullish(self.engine.value_of(path, callee)), construct=construct)
        if not funcs:
            return None
        position = g.children(args).index(node)
        if any(g.kinds[a] == "spread_element" for a in g.children(args)[:position]):
            return None
        chosen, bindings = calls.select(path, g, call, funcs, skip=node)
        param = _parameter(chosen, position)
        if param is None:
            return None
        name, t = param
        t = substitute(t, bindings) if bindings else t
        if _has_free_variables(t, own_variables(path, g, node)):
            return None
        return (
            f"call:{_short(g.text(callee))}.{name}",
            t,
            0.8 if _is_declaration(self.engine, chosen, position) else 0.6,
        )

    def _returned(self, path: str, g: ScriptGraph, holder: int) -> tuple[str, TsType, float] | None:
        from .functions import enclosing_function

        function = holder if g.kinds[holder] == "arrow_function" else enclosing_function(g, holder)
        if function is None:
            return None
        declared = self.engine.functions.declared_return(path, function)
        if declared is None:
            return None
        declared = self.engine.members.awaited(declared) if g.text(function).startswith("async") else declared
        return f"return:{render(declared)}", declared, 0.75

    def _assigned(self, path: str, g: ScriptGraph, assignment: int) -> tuple[str, TsType, float] | None:
        left = g.child_by_field(assignment, "left")
        if left is None or g.kinds[left] != "attribute_store":
            return None
        obj, prop = g.child_by_field(left, "object"), g.child_by_field(left, "property")
        if obj is None or prop is None:
            return None
        t = self.engine.members.member_type(self.engine.value_of(path, obj), g.text(prop))
        return f"assign:{_short(g.text(left))}", widen(t), 0.75

    def _member_of_object(
        self, path: str, g: ScriptGraph, node: int, parent: int, depth: int
    ) -> tuple[str, TsType, float] | None:
        if g.kinds[parent] == "pair":
            if g.child_by_field(parent, "value") != node:
                return None
            key = g.child_by_field(parent, "key")
            name, obj = (g.text(key).strip("'\"") if key is not None else ""), g.parents[parent]
        elif g.kinds[node] == "method_definition":  # `{ onEvent(e) {...} }`
            key = g.child_by_field(node, "name")
            name, obj = (g.text(key).strip("'\"") if key is not None else ""), parent
        else:
            name, obj = g.text(node), parent  # `{ p }`
        outer = self.expected(path, g, obj, depth + 1) if name else None
        if outer is None:
            return None
        t = self.engine.members.member_type(outer[1], name)
        return (f"{outer[0]}.{name}", t, outer[2] * 0.9) if t is not UNKNOWN else None

    def _spread(self, path: str, g: ScriptGraph, spread: int) -> list[Constraint]:
        """``{ ...defaults, ...p }`` where the object is expected to be ``T``: ``p`` is a
        ``T``, or a ``Partial<T>`` where the object updates the value it is assigned to
        (``this.options = { ...this.options, ...changes }``)."""
        obj = g.parents[spread]
        expected = self.expected(path, g, obj)
        if expected is None or not isinstance(expected[1], Named) or expected[1].name == "Partial":
            return []
        label, t, weight = expected
        before = [c for c in g.children(obj)[: g.children(obj).index(spread)] if g.kinds[c] == "spread_element"]
        assignment = g.parents[obj]
        target = g.child_by_field(assignment, "left") if g.kinds[assignment] == "assignment_expression" else None
        if target is not None and any(g.children(c) and g.text(g.children(c)[0]) == g.text(target) for c in before):
            t, label = Named("Partial", (t,)), f"{label}.partial"
        return (
            [Constraint(f"spread:{label}", t, weight, DECLARED)]
            if _is_answer(t, own_variables(path, g, spread))
            else []
        )

    def _declared(self, path: str, node: int) -> TsType:
        return self.engine.declared(path, node)

    # -- operators -------------------------------------------------------------------------
    def _binary(self, path: str, g: ScriptGraph, node: int, parent: int) -> list[Constraint]:
        left, right = g.child_by_field(parent, "left"), g.child_by_field(parent, "right")
        if left is None or right is None:
            return []
        other = right if left == node else left
        operator = g.source.data[g.end_bytes[left] : g.start_bytes[right]].decode("utf-8", "replace").strip()
        other_type = self._operand(path, g, other)
        if operator in _ARITHMETIC:
            bigint = other_type == Prim("bigint")
            return [
                Constraint(
                    "operand:bigint" if bigint else "operand:number", other_type if bigint else NUMBER, 0.7, OPERATION
                )
            ]
        if operator == "+":
            if other_type in (STRING, NUMBER):
                return [Constraint(f"operand:{render(other_type)}+", other_type, 0.5, OPERATION)]
            if _summed_as_number(g, parent):
                return [Constraint("operand:number", NUMBER, 0.6, OPERATION)]
            return []
        if operator in _ORDER and other_type in (STRING, NUMBER, Prim("bigint")):
            return [Constraint(f"compare:{render(other_type)}", other_type, 0.6, OPERATION)]
        if operator in _EQUALITY and g.kinds[other] in ("string", "number", "true", "false", "template_string"):
            return [Constraint(f"eq:{render(other_type)}", other_type, 0.4, EQUALITY)]
        if operator in ("??", "||") and left == node and g.kinds[other] in ("string", "number", "array", "object"):
            return [Constraint(f"fallback:{render(other_type)}", other_type, 0.45, OPERATION)]
        if operator == "instanceof" and left == node:
            return [Constraint("instanceof", ANY, 0.0, FILTER)]
        return []

    def _operand(self, path: str, g: ScriptGraph, node: int) -> TsType:
        t = widen(self.engine.value_of(path, node))
        return t if is_known(t) and t not in (ANY, UNKNOWN_TS) else UNKNOWN

    def _augmented(self, path: str, g: ScriptGraph, node: int, parent: int) -> list[Constraint]:
        right = g.child_by_field(parent, "right")
        if g.child_by_field(parent, "left") != node or right is None:
            return []
        other = self._operand(path, g, right)
        if other in (STRING, NUMBER):
            return [Constraint(f"operand:{render(other)}", other, 0.6, OPERATION)]
        return []

    def _subscript(self, path: str, g: ScriptGraph, node: int, parent: int) -> list[Constraint]:
        obj, index = g.child_by_field(parent, "object"), g.child_by_field(parent, "index")
        if obj is None or index is None:
            return []
        if obj == node:
            return [Constraint("indexed", ANY, 0.0, FILTER)]
        key = self._key_type(self.engine.value_of(path, obj))
        return [Constraint(f"key:{_short(g.text(obj))}", key, 0.7, DECLARED)] if key is not UNKNOWN else []

    def _key_type(self, t: TsType) -> TsType:
        """What indexes a value of ``t``: a number for arrays and tuples, the key of a
        ``Record<K, V>``, ``string`` for a shape with a string index."""
        keys = []
        for m in members(t):
            if isinstance(m, Named) and m.name == "Record" and m.args and is_known(m.args[0]):
                keys.append(m.args[0])  # before it opens into its mapped type
                continue
            m = self.engine.members.expand(m)
            if isinstance(m, (ArrayOf, Tuple)):
                keys.append(NUMBER)
            elif isinstance(m, Shape) and m.index is not None:
                keys.append(STRING)
            else:
                return UNKNOWN
        return keys[0] if keys and all(k == keys[0] for k in keys) else UNKNOWN

    # -- members ---------------------------------------------------------------------------
    def member_constraint(self, path: str, g: ScriptGraph, uses: list[int]) -> Constraint | None:
        """The one type (of the library's common ones and the file's own) that has
        every member the code reads on the parameter (``p.x``, ``const {x} = p``)."""
        used = used_members(g, uses)
        if not used:
            return None
        fitting = self._fitting(used, self._shapes(path))
        weight = 0.5 + 0.1 * min(len(used), 3)
        if fitting is None and len(used) >= _PROJECT_MEMBERS:
            # no type the file names has them all: one declared elsewhere in the project
            fitting, weight = self._fitting(used, self._project_shapes(path)), 0.4 + 0.1 * min(len(used), 3)
        if fitting is None:
            return None
        return Constraint("attr:" + ",".join(sorted(used)[:3]), fitting, weight, OPERATION)

    def _fitting(self, used: set[str], shapes: Sequence[TsType]) -> TsType | None:
        """The one type of ``shapes`` that has every member of ``used``, if exactly one has."""
        # every type's members are read, even past a second fitting one: stopping there
        # asks the engine fewer questions, which moves its cycle cuts (mobx's answers)
        fitting = [t for t in shapes if used <= self.engine.members.member_names(t)]
        return fitting[0] if fitting and len(fitting) <= _MAX_FITTING else None

    def file_types(self, path: str) -> list[Named]:
        """The project's types the file ``path`` declares or imports."""
        return [t for t in self._shapes(path) if isinstance(t, Named) and t.where is not None]

    def project_types(self, path: str) -> list[Named]:
        """The classes, interfaces and aliases the project's other files declare."""
        return self._project_shapes(path)

    def _project_shapes(self, path: str) -> list[Named]:
        """The classes and interfaces declared in the project's other files (built once
        per project graph)."""
        project = self.engine.project
        if project is None:
            return []
        cached = self._project_types
        if cached is None or cached[0] is not project or cached[1] != len(project.files):
            from .neural import FileTypes

            found: dict[tuple[str, int], Named] = {}
            for name in project.files:
                other = str(project.root / name) if project.root is not None else name
                if self.engine.graph(other) is None:
                    continue
                for t in FileTypes(self.engine, other).types.values():  # type: ignore[arg-type]
                    if t.where is not None and t.where[0] == other and t.where not in found:
                        found[t.where] = t
            cached = self._project_types = (project, len(project.files), list(found.values()))
        return [t for t in cached[2] if t.where is not None and t.where[0] != path]

    def _shapes(self, path: str) -> list[TsType]:
        """The library's common types and the file's own (kept while the file's graph is)."""
        g = self.engine.require_graph(path)
        cached = self._file_shapes.get(path)
        if cached is None or cached[0] is not g:
            from .neural import FileTypes

            own = FileTypes(self.engine, path)  # type: ignore[arg-type]  # the engine the contract describes
            cached = self._file_shapes[path] = (g, [*_LIBRARY_SHAPES, *own.types.values()])
        return cached[1]


def used_members(g: ScriptGraph, uses: list[int]) -> set[str]:
    """The member names read on the loads ``uses``: ``p.x``, ``p.m()``, ``const {x} = p``."""
    used: set[str] = set()
    for use in uses:
        node, parent = _climb(g, use)
        kind = g.kinds[parent] if parent >= 0 else ""
        if kind in ("attribute", "attribute_store") and g.child_by_field(parent, "object") == node:
            prop = g.child_by_field(parent, "property")
            if prop is not None and g.kinds[prop] != "private_property_identifier" and not _probed(g, parent):
                used.add(g.text(prop))
        elif kind == "variable_declarator" and g.child_by_field(parent, "value") == node:
            pattern = g.child_by_field(parent, "name")
            if pattern is not None and g.kinds[pattern] == "object_pattern":
                used.update(_pattern_keys(g, pattern))
    return used


def _probed(g: ScriptGraph, member: int) -> bool:
    """Whether ``p.x`` is only asked its type (``typeof p.x === "function"``): the code
    checks that the member exists, so it does not rely on a type that has it."""
    parent = g.parents[member]
    return parent >= 0 and g.kinds[parent] == "unary_expression" and g.text(parent).startswith("typeof")


def _pattern_keys(g: ScriptGraph, pattern: int) -> set[str]:
    keys = set()
    for item in g.children(pattern):
        kind = g.kinds[item]
        if kind in ("name_store", "shorthand_property_identifier_pattern"):
            keys.add(g.text(item))
        elif kind in ("pair_pattern", "object_assignment_pattern"):
            key = g.child_by_field(item, "key") or g.child_by_field(item, "left")
            if key is not None and g.kinds[key] in (
                "property_identifier",
                "name_store",
                "shorthand_property_identifier_pattern",
            ):
                keys.add(g.text(key))
    return keys


def _operator(g: ScriptGraph, binary: int) -> str:
    left, right = g.child_by_field(binary, "left"), g.child_by_field(binary, "right")
    if left is None or right is None:
        return ""
    return g.source.data[g.end_bytes[left] : g.start_bytes[right]].decode("utf-8", "replace").strip()


def _summed_as_number(g: ScriptGraph, binary: int) -> bool:
    """Whether the sum ``binary`` (``a + b``, inside further sums and parentheses) is
    an operand of an arithmetic or bitwise operator: ``(a + b + c) | 0`` adds numbers."""
    node, parent = binary, g.parents[binary]
    while parent >= 0 and (
        g.kinds[parent] == "parenthesized_expression"
        or g.kinds[parent] == "binary_expression"
        and _operator(g, parent) == "+"
    ):
        node, parent = parent, g.parents[parent]
    if parent < 0:
        return False
    if g.kinds[parent] == "binary_expression":
        return _operator(g, parent) in _ARITHMETIC
    return g.kinds[parent] == "unary_expression" and g.source.data[
        g.start_bytes[parent] : g.start_bytes[node]
    ].strip() in (b"-", b"~")


def _climb(g: ScriptGraph, node: int) -> tuple[int, int]:
    """``(node, parent)`` above the parentheses and ``!``/``as`` around ``node``."""
    parent = g.parents[node]
    while parent >= 0 and g.kinds[parent] in _TRANSPARENT:
        node, parent = parent, g.parents[parent]
    return node, parent


def _parameter(func: Func, index: int) -> tuple[str, TsType] | None:
    """The name and type of the parameter an argument at ``index`` fills; an optional
    one's ``undefined`` left out (the ``?`` says it, not what is passed)."""
    if index < len(func.params) and not func.params[index].rest:
        param = func.params[index]
        kept = [m for m in members(param.type) if m != UNDEFINED] if param.optional else []
        return param.name, join(*kept) if kept else param.type
    if func.params and func.params[-1].rest and index >= len(func.params) - 1:
        rest = func.params[-1]
        item = rest.type.item if isinstance(rest.type, ArrayOf) else UNKNOWN
        return (rest.name, item) if item is not UNKNOWN else None
    return None


def _is_declaration(engine: "ScriptContract", func: Func, index: int) -> bool:
    """Whether parameter ``index`` of the signature is declared (a library's, a
    ``.d.ts``'s, an annotation) rather than inferred from a project function's body."""
    if func.where is None:
        return True
    g = engine.graph(func.where[0])
    if g is None or g.child_by_field(func.where[1], "body") is None:
        return True
    from .functions import parameter_holders

    holders = parameter_holders(g, func.where[1])
    holder = holders[min(index, len(holders) - 1)][0] if holders else -1
    return holder >= 0 and g.child_by_field(holder, "type") is not None


def own_variables(path: str, g: ScriptGraph, node: int) -> Callable[[TypeVar], bool]:
    """Whether a type variable is a type parameter of a class or function around
    ``node`` (``K`` in ``class Registry<K, V> { has(key) { this.data.has(key) } }``):
    there it names a type the parameter can be declared with, where a callee's own
    (``T`` of ``push(...items: T[])``, unbound) names none."""
    around: set[int] = set()
    parent = g.parents[node] if node >= 0 else -1
    while parent >= 0 and len(around) < 512:
        around.add(parent)
        parent = g.parents[parent]

    def owned(t: TypeVar) -> bool:
        if t.where is None or t.where[0] != path or not 0 <= t.where[1] < len(g.kinds):
            return False
        # the type parameter's node, or (a class's instance type) the declaration's
        declaration = t.where[1]
        if g.kinds[declaration] == "type_parameter":
            declaration = g.parents[g.parents[declaration]] if g.parents[declaration] >= 0 else -1
        return declaration in around and t.name in type_parameters(g, declaration)

    return owned


def _no_variables(t: TypeVar) -> bool:
    return False


def _is_answer(t: TsType, owned: Callable[[TypeVar], bool] = _no_variables) -> bool:
    """A type worth proposing: known, not ``any``, nor as vague as ``{}`` or ``object``;
    type variables only where ``owned`` says they are the code's own (:func:`own_variables`)."""
    if isinstance(t, TypeVar):
        return owned(t)
    return (
        t is not UNKNOWN
        and not (isinstance(t, Shape) and not t.fields and t.index is None)
        and t != Prim("object")
        and not (isinstance(t, Named) and t.name in _VAGUE)
        and is_known(t)
        and t not in (ANY, UNKNOWN_TS, Prim("never"), Prim("undefined"), Prim("void"))
        and not _has_free_variables(t, owned)
    )


def _has_free_variables(t: TsType, owned: Callable[[TypeVar], bool] = _no_variables) -> bool:
    todo, seen = [t], 0
    while todo and seen < 200:
        item, seen = todo.pop(), seen + 1
        if isinstance(item, TypeVar) and item.name != "this" and not owned(item):
            return True
        if isinstance(item, Named):
            todo.extend(item.args)
        elif isinstance(item, ArrayOf):
            todo.append(item.item)
        elif isinstance(item, Tuple):
            todo.extend(item.items)
        elif isinstance(item, Func):
            todo.append(item.ret)
            todo.extend(p.type for p in item.params)
        else:
            todo.extend(m for m in members(item) if m is not item)
    return False


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 32 else text[:29] + "..."


__all__ = ["UseRules", "used_members"]
