"""The rules of :mod:`.usage`: what one use of a name demands of its type.

A use is read by the kind of the node around it (a dispatch table): an argument
of a call, the index of a subscript, an operand, a comparison, the iterable of a
``for``, an awaited, called or ``with``-entered value, a returned value, or the
value of an assignment.  Each rule gives :class:`~.usage.Constraint`\\ s.

Example (``p``'s constraint on the right)::

    def f(p, table: dict[str, int], log: Logger):
        table[p]               str            key:table
        os.getenv(p)           str            call:getenv.key
        log.info(p)            object: a filter that accepts anything, no answer
        for c in p:
            os.getenv(c)       Iterable[str]  iter (c: call:getenv.key)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Final, Iterator

from typelens.analyzer import ProgramGraph, Symbol

from .types import (
    FLOAT,
    INT,
    NEVER,
    NONE,
    UNKNOWN,
    CallableType,
    ClassType,
    FunctionRef,
    Type,
    TypeOfClass,
    TypeVarType,
    UnionType,
    is_known,
    members,
    render,
    substitute,
    without_none,
)
from .usage import DECLARED, EQUALITY, FILTER, OPERATION, Constraint

if TYPE_CHECKING:
    from .callables import Param
    from .contract import Engine
    from .usage import UsageModel

logger = logging.getLogger(__name__)

_MAPPINGS: Final = frozenset({"dict", "Mapping", "MutableMapping", "defaultdict", "OrderedDict", "Counter", "ChainMap"})
_SEQUENCES: Final = frozenset({"list", "tuple", "str", "bytes", "bytearray", "Sequence", "MutableSequence", "deque"})
_ARITHMETIC: Final = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_INT_OPS: Final = frozenset({"+", "-", "//", "%", "**", "<<", ">>", "&", "|", "^"})
_ORDER: Final = frozenset({"<", "<=", ">", ">="})
_SCALARS: Final = frozenset({"str", "int", "float", "bytes"})
_VAGUE: Final = frozenset({"object", "Any", "Sized", "Hashable", "Buffer", "ReadableBuffer", "Unknown", "type"})
_MAX_UNION: Final = 4
DECLARED_WEIGHT: Final = 0.9  # a declared parameter, key or target (two agreeing: 0.99, capped)
FOLLOWED_FLOOR: Final = 0.3  # the least weight evidence followed into an unannotated callee keeps
OVERRIDE_WEIGHT: Final = 0.8  # the same parameter of an overridden or overriding method
_MAX_RELATED: Final = 24
_MAX_ATTRIBUTE_USES: Final = 32
_FLOAT_SPEC: Final = "eEfFgG%"
_INT_SPEC: Final = "bcdoxXn"

Rule = Callable[["UseRules", str, ProgramGraph, int, int], Iterator[Constraint]]
Shape = tuple[int, tuple[str, ...]]  # a call's positional count and keywords (:func:`_call_shape`)


class UseRules:
    """The rules, asked through :meth:`constraints_of` (see the module docstring)."""

    def __init__(self, engine: "Engine", model: "UsageModel") -> None:
        self.engine, self.model = engine, model
        self._field_lists: dict[ClassType, list[tuple[str, Type]] | None] = {}
        self._declared: dict[tuple, list[tuple[str, Type, float]]] = {}  # declared parameters, by call shape

    def constraints_of(self, path: str, g: ProgramGraph, use: int) -> list[Constraint]:
        parent = g.parents[use]
        rule = _RULES.get(g.kinds[parent]) if parent >= 0 else None
        return list(rule(self, path, g, use, parent)) if rule is not None else []

    # -- calls ---------------------------------------------------------------------------
    def _argument(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        call = g.parents[parent]
        if call < 0 or g.kinds[call] != "call":
            return
        args = [a for a in g.children(parent) if g.kinds[a] != "comment"]
        if any(g.kinds[a] in ("list_splat", "dictionary_splat") for a in args[: args.index(use)]):
            return
        position = sum(1 for a in args[: args.index(use)] if g.kinds[a] != "keyword_argument")
        yield from self._call_constraints(path, g, call, position, None)

    def _keyword(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        if g.child_by_field(parent, "value") != use:
            return
        arg_list = g.parents[parent]
        call = g.parents[arg_list] if arg_list >= 0 else -1
        name = g.child_by_field(parent, "name")
        if call >= 0 and g.kinds[call] == "call" and name is not None:
            yield from self._call_constraints(path, g, call, None, g.names.get(name, g.text(name)))

    def _call_constraints(
        self, path: str, g: ProgramGraph, call: int, position: int | None, keyword: str | None
    ) -> Iterator[Constraint]:
        function = g.child_by_field(call, "function")
        if function is None:
            return
        callee = self.engine.exprs.type_of(path, function)
        shape = _call_shape(g, call)
        for label, expected, weight in self.expected_arguments(callee, position, keyword, shape):
            yield _typed(label, expected, weight, DECLARED)

    def expected_arguments(
        self, callee: Type, position: int | None, keyword: str | None, shape: Shape | None = None
    ) -> list[tuple[str, Type, float]]:
        """``(label, type, weight)`` of the parameter that takes the argument at
        ``position`` (or named ``keyword``), for each function or class ``callee``
        may be: its annotation, or (unannotated project code) its own uses' answer."""
        found: list[tuple[str, Type, float]] = []
        for m in members(callee):
            if isinstance(m, FunctionRef):
                found.extend(self._function_parameter(m, position, keyword, None, shape))
            elif isinstance(m, TypeOfClass):
                found.extend(self._constructor_parameter(m.cls, position, keyword, shape))
            elif (
                isinstance(m, CallableType)
                and m.params is not None
                and position is not None
                and position < len(m.params)
            ):
                found.append((f"call:Callable.{position}", m.params[position], DECLARED_WEIGHT))
        return found

    def _function_parameter(
        self, fn: FunctionRef, position: int | None, keyword: str | None, owner: str | None, shape: Shape | None = None
    ) -> list[tuple[str, Type, float]]:
        """The parameter's declared type (kept: annotations do not change while the
        engine runs), else (unannotated project code) its own uses' answer.  What
        its other callers pass is not read: that question and this one feed each
        other, and the cycle need not settle."""
        key = (fn, position, keyword, owner, shape)
        found = self._declared.get(key)
        if found is None:
            found, declared = self._read_function_parameter(fn, position, keyword, owner, shape)
            if declared:
                self._declared[key] = found
        return found

    def _read_function_parameter(
        self, fn: FunctionRef, position: int | None, keyword: str | None, owner: str | None, shape: Shape | None
    ) -> tuple[list[tuple[str, Type, float]], bool]:
        engine = self.engine
        g = engine.graph(fn.path)
        if g is None or g.kinds[fn.node] != "function_definition":
            return [], True
        calls = engine.calls
        types: list[Type] = []
        label, weight, declared_only = None, DECLARED_WEIGHT, True
        for node in self._fitting_overloads(fn, g, shape):
            params = calls.signature(fn.path, g, node)
            if (
                fn.bound is not None
                and params
                and params[0].kind == "positional"
                and "staticmethod" not in _decorators(g, node)
            ):
                params = params[1:]
            param = _parameter_for(params, position, keyword)
            if param is None:
                continue
            scope = g.scope_defined_by(node)
            label = f"call:{owner or (scope.qualname if scope is not None else '?')}.{param.name}"
            if param.annotation is not None:
                declared = engine.annotations.evaluate(fn.path, param.annotation)
                mapping = calls.receiver_mapping(fn, g, node)
                types.append(substitute(declared, mapping) if mapping else declared)
            elif not engine.is_stub(fn.path) and param.kind in ("positional", "keyword_only"):
                declared_only = False
                inner = self.model.answer(fn.path, param.node)  # the callee's own uses
                if inner is not None and inner.type is not None:
                    # the callee's own None test says it takes None, not that callers pass it
                    checked = any(c.label == "none-check" for c in inner.constraints)
                    types.append(without_none(inner.type) if checked and inner.type != NONE else inner.type)
                    # never below a floor: through recursion (copy.deepcopy and _reconstruct pass
                    # memo to each other) the weight would shrink on every pass of the cycle
                    weight = min(weight, max(FOLLOWED_FLOOR, inner.confidence * DECLARED_WEIGHT))
                    continue
                return [], False
            else:
                return [], declared_only
        if not types or label is None:
            return [], declared_only
        return [
            (
                label,
                types[0] if len(set(types)) == 1 else UnionType(frozenset(m for t in types for m in members(t))),
                weight,
            )
        ], declared_only

    def _constructor_parameter(
        self, cls: ClassType, position: int | None, keyword: str | None, shape: Shape | None = None
    ) -> list[tuple[str, Type, float]]:
        classes = self.engine.classes
        fields = self._fields(cls)
        if fields is not None:
            chosen = (
                fields[position]
                if position is not None and position < len(fields)
                else next((f for f in fields if f[0] == keyword), None)
                if keyword is not None
                else None
            )
            return [(f"call:{cls.short}.__init__.{chosen[0]}", chosen[1], DECLARED_WEIGHT)] if chosen else []
        for method in ("__init__", "__new__"):
            hit = classes.lookup(cls, method)
            if hit is None or hit[0].short == "object":
                continue
            member = hit[2]
            bound = cls if method == "__init__" else TypeOfClass(cls)
            return self._function_parameter(
                FunctionRef(member.path, member.nodes[-1], bound), position, keyword, f"{cls.short}.{method}", shape
            )
        return []

    def _fitting_overloads(self, fn: FunctionRef, g: ProgramGraph, shape: Shape | None) -> list[int]:
        """``fn``'s overloads that take the call's number of arguments and whose
        ``self`` annotation fits the receiver (``Pattern[str].sub``, not the bytes one)."""
        calls = self.engine.calls
        overloads = calls.overloads(g, fn.node)
        if not overloads:
            return [fn.node]
        kept = []
        for node in overloads:
            params = calls.signature(fn.path, g, node)
            bound = fn.bound
            if isinstance(bound, ClassType) and params and params[0].annotation is not None:
                declared = self.engine.annotations.evaluate(fn.path, params[0].annotation)
                if isinstance(declared, ClassType) and declared.args and not _fits_receiver(bound, declared):
                    continue
            if (
                bound is not None
                and params
                and params[0].kind == "positional"
                and "staticmethod" not in _decorators(g, node)
            ):
                params = params[1:]
            if shape is None or _arity_fits(params, *shape):
                kept.append(node)
        return kept or overloads

    def _fields(self, cls: ClassType) -> list[tuple[str, Type]] | None:
        """A dataclass's or ``NamedTuple``'s fields in ``__init__`` order (bases
        first; a field declared again keeps its place), None for other classes."""
        if cls not in self._field_lists:
            self._field_lists[cls] = self._read_fields(cls)
        return self._field_lists[cls]

    def _read_fields(self, cls: ClassType) -> list[tuple[str, Type]] | None:
        chain = self.engine.classes.mro(cls)
        if not chain:
            return None
        info = chain[0][1]
        is_tuple = any(isinstance(b, ClassType) and b.short == "NamedTuple" for b in info.bases)
        if not (info.is_dataclass or is_tuple):
            return None
        fields: dict[str, Type] = {}
        for _, base in reversed(chain):
            if not (base.is_dataclass or base is info):
                continue
            variables = [(m.nodes[0], name, m) for name, m in base.members.items() if m.kind == "variable"]
            bg = self.engine.require_graph(base.path)
            for _, name, member in sorted(variables):
                if _is_field(bg, member.nodes[0]):  # annotated: declared_type gives a type
                    fields[name] = self.engine.names.declared_type(base.path, member.nodes) or UNKNOWN
        return list(fields.items())

    # -- overrides -------------------------------------------------------------------------
    def override_constraints(self, path: str, g: ProgramGraph, param: int) -> list[Constraint]:
        """The same parameter (by name) of the methods this one overrides or is
        overridden by: its annotation, else what its own uses say."""
        function = g.enclosing(param, "function_definition")
        scope = g.scopes[g.scope_of[function]] if function is not None else None
        name = g.names.get(param, "")
        if function is None or scope is None or scope.kind.value != "class" or not name:
            return []
        method = _name_of(g, function)
        cls = self.engine.classes.class_type(path, scope.node)
        found = []
        for other, owner in self._related_methods(cls, method):
            if (other.path, other.node) == (path, function):
                continue
            og = self.engine.require_graph(other.path)
            spec = next((p for p in self.engine.calls.signature(other.path, og, other.node) if p.name == name), None)
            if spec is None or spec.kind not in ("positional", "keyword_only"):
                continue
            label = f"override:{owner}.{method}.{name}"
            if spec.annotation is not None:
                found.append(
                    _typed(
                        label, self.engine.annotations.evaluate(other.path, spec.annotation), OVERRIDE_WEIGHT, DECLARED
                    )
                )
            elif not self.engine.is_stub(other.path):
                from .usage import combine

                own = self.model.own_constraints(other.path, spec.node)
                inner = combine(self.engine, list(own)) if own else None
                if inner is not None and inner.type is not None and not inner.conflict:
                    found.append(_typed(label, inner.type, inner.confidence * OVERRIDE_WEIGHT, DECLARED))
        return found

    def _related_methods(self, cls: ClassType, method: str) -> list[tuple[FunctionRef, str]]:
        """``method`` as the bases of ``cls`` and the project's subclasses of it define it."""
        classes = self.engine.classes
        related = [view for view, _ in classes.mro(cls)[1:] if view.short != "object"]
        related += [ClassType(name) for name in self.engine.project_query("subclasses", cls.name)]
        found = []
        for other in related[:_MAX_RELATED]:
            info = classes.info_of(other)
            member = info.members.get(method) if info is not None else None
            if member is not None and member.kind == "method":
                found.append((FunctionRef(member.path, member.nodes[-1]), other.short))
        return found

    def subclass_names(self, name: str) -> list[str]:
        """The project's subclasses of the class ``name``, as a project query's answer."""
        return [c.name for c in self._subclasses().get(name, [])]

    def _subclasses(self) -> dict[str, list[ClassType]]:
        # -> object: a cycle's answer is Never, and compiled code checks what memo returns
        compute: Callable[[], object] = self._build_subclasses
        found = self.engine.memo(("usage-subclasses", "", -1), compute)
        return found if isinstance(found, dict) else {}

    def _build_subclasses(self) -> dict[str, list[ClassType]]:
        classes = self.engine.classes
        found: dict[str, list[ClassType]] = {}
        for c in classes.project_classes():
            for view, _ in classes.mro(c)[1:]:
                found.setdefault(view.name, []).append(c)
        return found

    # -- containers and operators --------------------------------------------------------
    def _subscript(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        if g.fields[use] != "subscript":
            return
        receiver = g.child_by_field(parent, "value")
        text = _short_text(g, receiver)
        for m in members(self.engine.exprs.type_of(path, receiver)):
            if not isinstance(m, ClassType):
                continue
            if m.short in _MAPPINGS and m.args and is_known(m.args[0]):
                yield _typed(f"key:{text}", m.args[0], DECLARED_WEIGHT, DECLARED)
            elif m.short in _SEQUENCES:
                yield _typed(f"index:{text}", INT, 0.8, DECLARED)
            else:
                method = self.engine.classes.member_of(m, "__getitem__", path, -1)
                for _, expected, weight in self.expected_arguments(method, 0, None):
                    yield _typed(f"key:{text}", expected, weight, DECLARED)

    def _binary(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        left, right = g.child_by_field(parent, "left"), g.child_by_field(parent, "right")
        if left is None or right is None:
            return
        op = g.text(parent)[g.end_bytes[left] - g.start_bytes[parent] : g.start_bytes[right] - g.start_bytes[parent]]
        yield from self._operand(path, use == right, right if use == left else left, op.strip())

    def _augmented(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        left = g.child_by_field(parent, "left")
        if left is None or g.child_by_field(parent, "right") != use:
            return
        op = g.text(parent)[g.end_bytes[left] - g.start_bytes[parent] :].strip().split("=")[0].strip()
        yield from self._operand(path, True, left, op)

    def _operand(self, path: str, is_right: bool, other: int, op: str) -> Iterator[Constraint]:
        o = self.engine.exprs.type_of(path, other)
        if not isinstance(o, ClassType):
            return
        if o.short in ("str", "bytes") and op == "+":
            yield _typed(f"operand:{o.short}+", o, 0.9, OPERATION)
        elif o.short in ("str", "bytes", "list", "tuple") and op == "*":
            yield _typed(f"operand:{o.short}*", INT, 0.7, OPERATION)
        elif o.short in ("int", "float") and op in _ARITHMETIC | _INT_OPS and not self._user_operator(op):
            if o == FLOAT and op in _ARITHMETIC:
                yield _typed(f"operand:float{op}", FLOAT, 0.6, OPERATION)
            elif o == INT and op in _INT_OPS and not (op == "%" and not is_right):
                yield _typed(f"operand:int{op}", INT, 0.5, OPERATION)
        elif is_right and o.short not in _SCALARS and op in _DUNDERS:
            method = self.engine.classes.member_of(o, _DUNDERS[op], path, -1)
            for _, expected, weight in self.expected_arguments(method, 0, None):
                yield _typed(f"operand:{o.short}{op}", expected, weight * 0.9, OPERATION)

    def _user_operator(self, op: str) -> bool:
        """Whether a project class defines the operator (its instances could be the operand)."""
        dunder = _DUNDERS.get(op)
        if dunder is None:
            return False
        return bool(self.engine.project_query("operator", dunder)[0])

    def operator_defined(self, dunder: str) -> list[bool]:
        """Whether a project class defines ``dunder`` (or its reflected form), as a
        project query's answer (:meth:`.engine.TypeEngine.project_query`)."""
        names = (dunder, "__r" + dunder[2:])

        def defined() -> object:
            return any(
                (hit := self.engine.classes.lookup(c, n)) is not None and hit[0].name == c.name
                for c in self.engine.classes.project_classes()
                for n in names
            )

        return [bool(self.engine.memo(("usage-operator", dunder), defined))]  # a cut cycle's Never: true

    def _comparison(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        kids = g.children(parent)
        if len(kids) != 2:
            return
        op = _operator(g, parent)
        other = kids[1] if use == kids[0] else kids[0]
        if is_none_check(g, use):
            yield Constraint("none-check", NONE, 0.0, FILTER)
            return
        if op in ("in", "not in"):
            if use == kids[0]:
                yield from self._membership(path, g, other)
            return
        o = self.engine.exprs.type_of(path, other)
        if not isinstance(o, ClassType) or o.short not in _SCALARS and not self.engine.records.is_enum(o):
            return
        if op in ("==", "!="):
            yield _typed(f"eq:{o.short}", o, 0.3, EQUALITY)
        elif op in _ORDER:
            yield _typed(f"compare:{o.short}", o, 0.4, OPERATION)

    def _membership(self, path: str, g: ProgramGraph, container: int) -> Iterator[Constraint]:
        value = self.engine.exprs.type_of(path, container)
        for m in members(value):
            if isinstance(m, ClassType) and m.short in ("str", "bytes"):
                yield _typed(f"in:{_short_text(g, container)}", m, 0.6, OPERATION)
                return
        element = self.engine.exprs.element_type(value)
        if is_known(element) and not isinstance(element, UnionType):
            yield _typed(f"in:{_short_text(g, container)}", element, 0.6, OPERATION)

    # -- iteration, awaiting, calling, entering -----------------------------------------
    def _iterated(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        if g.child_by_field(parent, "right") != use:
            return
        target = g.child_by_field(parent, "left")
        element = None
        if target is not None and g.kinds[target] == "name_store":
            inner = self.model.answer(path, target)
            element = inner.type if inner is not None else None
        if element is not None and is_known(element):
            yield _typed("iter", ClassType("Iterable", (element,)), 0.6, OPERATION)
        else:
            yield Constraint("iter", ClassType("Iterable"), 0.0, FILTER)

    def _splat(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        yield Constraint("iter", ClassType("Iterable"), 0.0, FILTER)

    def _awaited(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        yield Constraint("await", ClassType("Awaitable"), 0.0, FILTER)

    def _called(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        if g.child_by_field(parent, "function") == use:
            yield Constraint("called", ClassType("Callable"), 0.0, FILTER)

    def _entered(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        if g.kinds[parent] == "with_item" or g.kinds[g.parents[parent]] == "with_item":
            yield Constraint("with", ClassType("AbstractContextManager"), 0.0, FILTER)

    # -- where the value goes ---------------------------------------------------------------
    def _returned(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        function = g.enclosing(use, "function_definition", "lambda")
        if function is None or g.kinds[function] != "function_definition":
            return
        declared = self.engine.calls.declared_return(path, function)
        from .callables import is_async, is_generator

        if declared is not None and not is_generator(g, function) and not is_async(g, function):
            yield _typed(f"return:{render(declared)}", declared, 0.8, DECLARED)

    def _assigned(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        target = g.child_by_field(parent, "left")
        if target is None or g.child_by_field(parent, "right") != use:
            return
        annotation = g.child_by_field(parent, "type")
        if annotation is not None:
            yield _typed(
                f"assign:{_short_text(g, target)}", self.engine.annotations.evaluate(path, annotation), 0.9, DECLARED
            )
        elif g.kinds[target] in ("pattern_list", "tuple_pattern", "list_pattern"):
            yield Constraint("unpack", ClassType("Iterable"), 0.0, FILTER)
        elif g.kinds[target] == "attribute_store":
            declared = self._declared_attribute(path, g, target)
            if declared is not None:
                yield _typed(f"assign:{_short_text(g, target)}", declared, 0.9, DECLARED)
            else:
                yield from self._attribute_uses(path, g, target)
        elif g.kinds[target] == "name_store":
            inner = self.model.answer(path, target)  # a local variable's own uses
            if inner is not None and inner.type is not None and not inner.conflict:
                for label in inner.evidence:
                    if label != "none-check":
                        yield _typed(label, inner.type, min(0.9, inner.confidence), DECLARED)
                        break

    def _attribute_uses(self, path: str, g: ProgramGraph, store: int) -> Iterator[Constraint]:
        """``self.x = p`` with ``x`` undeclared: what the reads of ``self.x`` in this
        file demand (one answer per attribute, labelled ``attr-use:self.x``)."""
        sym = g.symbol_at(store)
        if sym is None or sym.kind.value != "attribute":
            return

        # -> object: a cycle's answer is Never, and compiled code checks what memo returns
        def compute() -> object:
            return self._attribute_answer(path, g, sym)

        found = self.engine.memo(("usage-attribute", path, sym.id), compute)
        if isinstance(found, tuple) and found:
            answer, confidence = found
            yield _typed(f"attr-use:{_short_text(g, store)}", answer, confidence * 0.8, DECLARED)

    def _attribute_answer(self, path: str, g: ProgramGraph, sym: Symbol) -> tuple[Type, float] | tuple[()]:
        from .usage import combine

        found: list[Constraint] = []
        for use in sym.uses[:_MAX_ATTRIBUTE_USES]:
            if g.kinds[use] == "attribute" and not self.model.is_narrowed(path, use):
                found.extend(self.constraints_of(path, g, use))
        inner = combine(self.engine, found) if found else None
        if inner is None or inner.type is None or inner.conflict:
            return ()
        return inner.type, inner.confidence

    def _declared_attribute(self, path: str, g: ProgramGraph, store: int) -> Type | None:
        """The annotation ``self.x`` has in its class (``x: int`` in the body, or an
        annotated ``self.x: int = ...``)."""
        kids = g.children(store)
        receiver = self.engine.exprs.type_of(path, kids[0])
        name = g.names.get(kids[-1], "")
        for m in members(receiver):
            hit = self.engine.classes.lookup(m, name) if isinstance(m, ClassType) else None
            if hit is None:
                continue
            member = hit[2]
            if member.kind == "variable":
                return self.engine.names.declared_type(member.path, member.nodes)
            if member.kind == "attribute":
                mg = self.engine.require_graph(member.path)
                for node in member.nodes:
                    owner = mg.parents[node]
                    if mg.kinds[owner] == "assignment" and (annotation := mg.child_by_field(owner, "type")) is not None:
                        return self.engine.annotations.evaluate(member.path, annotation)
        return None

    def _alternative(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        """``p if p is not None else "x"``, ``p or "x"``: both sides go to the same
        place, so the other side's class is a hint."""
        if g.kinds[parent] == "conditional_expression":
            kids = g.children(parent)
            if len(kids) < 3 or use == kids[1]:
                return
            other = kids[2] if use == kids[0] else kids[0]
        else:
            left, right = g.child_by_field(parent, "left"), g.child_by_field(parent, "right")
            if (
                left is None
                or right is None
                or "or"
                not in g.text(parent)[
                    g.end_bytes[left] - g.start_bytes[parent] : g.start_bytes[right] - g.start_bytes[parent]
                ]
            ):
                return
            other = right if use == left else left
        o = self.engine.exprs.type_of(path, other)
        if isinstance(o, ClassType) and o != NONE:
            yield _typed(f"or:{o.short}", o, 0.5, OPERATION)

    def _formatted(self, path: str, g: ProgramGraph, use: int, parent: int) -> Iterator[Constraint]:
        # the graph keeps no node for the format specification: read it after the expression
        rest = g.text(parent)[g.end_bytes[use] - g.start_bytes[parent] :].rstrip("}").strip()
        text = rest[1:].strip() if rest.startswith(":") else ""
        if text and text[-1] in _FLOAT_SPEC:
            yield _typed(f"format:{text}", FLOAT, 0.5, OPERATION)
        elif text and text[-1] in _INT_SPEC:
            yield _typed(f"format:{text}", INT, 0.5, OPERATION)


_DUNDERS: Final = {
    "+": "__add__",
    "-": "__sub__",
    "*": "__mul__",
    "/": "__truediv__",
    "//": "__floordiv__",
    "%": "__mod__",
    "**": "__pow__",
    "@": "__matmul__",
}

_RULES: Final[dict[str, Rule]] = {
    "argument_list": UseRules._argument,
    "keyword_argument": UseRules._keyword,
    "subscript": UseRules._subscript,
    "binary_operator": UseRules._binary,
    "augmented_assignment": UseRules._augmented,
    "comparison_operator": UseRules._comparison,
    "for_statement": UseRules._iterated,
    "for_in_clause": UseRules._iterated,
    "list_splat": UseRules._splat,
    "await": UseRules._awaited,
    "call": UseRules._called,
    "as_pattern": UseRules._entered,
    "with_item": UseRules._entered,
    "return_statement": UseRules._returned,
    "assignment": UseRules._assigned,
    "interpolation": UseRules._formatted,
    "conditional_expression": UseRules._alternative,
    "boolean_operator": UseRules._alternative,
}


def _typed(label: str, expected: Type, weight: float, tier: int) -> Constraint:
    """A constraint that can stand as an answer, or a filter when ``expected`` says
    too little (``object``, an unbound type variable, a protocol such as ``Sized``)."""
    if expected == NEVER or not _is_concrete(expected):
        return Constraint(label, expected, 0.0, FILTER)
    return Constraint(label, expected, weight, tier)


def _is_concrete(t: Type) -> bool:
    parts = members(t)
    if len(parts) > _MAX_UNION:
        return False
    for m in parts:
        if isinstance(m, (TypeVarType, FunctionRef)) or not is_known(m):
            return False
        if isinstance(m, ClassType) and (
            m.short in _VAGUE
            or m.short.startswith(("Supports", "_"))
            or any(not _is_concrete(a) and not isinstance(a, ClassType) for a in m.args)
        ):
            return False
    return True


def _is_field(g: ProgramGraph, name: int) -> bool:
    """``name: T`` or ``name: T = default`` in a dataclass body, less ``ClassVar``,
    ``KW_ONLY`` and ``field(init=False)``."""
    statement = g.parents[name]
    annotation = g.child_by_field(statement, "type") if g.kinds[statement] == "assignment" else None
    if annotation is None or g.child_by_field(statement, "left") != name:
        return False
    text = g.text(annotation)
    value = g.child_by_field(statement, "value") or g.child_by_field(statement, "right")
    return (
        "ClassVar" not in text
        and "KW_ONLY" not in text
        and not (value is not None and "init=False" in g.text(value).replace(" ", ""))
    )


def _call_shape(g: ProgramGraph, call: int) -> tuple[int, tuple[str, ...]] | None:
    """The number of positional arguments and the keywords of a call (None with ``*``/``**``)."""
    arg_list = g.child_by_field(call, "arguments")
    args = g.children(arg_list) if arg_list is not None else []
    if any(g.kinds[a] in ("list_splat", "dictionary_splat") for a in args):
        return None
    names = tuple(_name_of(g, a) for a in args if g.kinds[a] == "keyword_argument")
    return sum(1 for a in args if g.kinds[a] not in ("keyword_argument", "comment")), names


def _arity_fits(params: list[Param], count: int, names: tuple[str, ...]) -> bool:
    """Whether a signature takes ``count`` positional arguments and the keywords
    ``names`` (the arity alone: reading every annotation of every overload costs)."""
    positional = [p for p in params if p.kind == "positional"]
    if count > len(positional) and not any(p.kind == "var_positional" for p in params):
        return False
    if any(not p.has_default and p.name not in names for p in positional[count:]):
        return False
    known = {p.name for p in params}
    return all(n in known for n in names) or any(p.kind == "var_keyword" for p in params)


def _fits_receiver(bound: ClassType, declared: ClassType) -> bool:
    """``Pattern[str]`` fits ``self: Pattern[str]``, not ``self: Pattern[bytes]``."""
    if bound.short != declared.short or not bound.args:
        return True
    return all(
        not isinstance(b, ClassType) or not isinstance(d, ClassType) or b.short == d.short
        for b, d in zip(bound.args, declared.args)
    )


def _parameter_for(params: list[Param], position: int | None, keyword: str | None) -> Param | None:
    if keyword is not None:
        return next(
            (p for p in params if p.name == keyword and p.kind in ("positional", "keyword_only")),
            next((p for p in params if p.kind == "var_keyword"), None),
        )
    positional = [p for p in params if p.kind == "positional"]
    if position is not None and position < len(positional):
        return positional[position]
    return next((p for p in params if p.kind == "var_positional"), None)


def _name_of(g: ProgramGraph, node: int) -> str:
    """The identifier in ``node``'s ``name`` field (a function, a keyword argument), else ""."""
    name = g.child_by_field(node, "name")
    return g.names.get(name, "") if name is not None else ""


def _decorators(g: ProgramGraph, node: int) -> frozenset[str]:
    from .classes import decorator_names

    return decorator_names(g, node)


def _short_text(g: ProgramGraph, node: int | None) -> str:
    text = " ".join(g.text(node).split()) if node is not None else "?"
    return text if len(text) <= 30 else text[:27] + "..."


def _operator(g: ProgramGraph, comparison: int) -> str:
    """The operator of a two-operand comparison (``is not``, ``==``, ``in``)."""
    kids = g.children(comparison)
    return " ".join(
        g.text(comparison)[
            g.end_bytes[kids[0]] - g.start_bytes[comparison] : g.start_bytes[kids[1]] - g.start_bytes[comparison]
        ].split()
    )


def is_none_check(g: ProgramGraph, use: int) -> bool:
    """Whether the name ``use`` is compared with ``None`` (``x is None``, ``x != None``)."""
    parent = g.parents[use]
    if parent < 0 or g.kinds[parent] != "comparison_operator":
        return False
    kids = g.children(parent)
    if len(kids) != 2 or use not in kids:
        return False
    other = kids[1] if use == kids[0] else kids[0]
    return g.kinds[other] == "none" and _operator(g, parent) in ("is", "is not", "==", "!=")
