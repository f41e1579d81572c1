"""The ``analyze`` rules: diagnostics from inferred types.

=========================  ============================================================
``attr-defined``           ``order.customr`` where ``order: Order`` and neither Order
                           nor any of its (all known) bases has ``customr``
``union-attr``             ``acct.rate`` where ``acct: Checking | Savings`` (declared)
                           and ``Checking`` has no ``rate`` (:mod:`.check_members`)
``module-attr``            ``json.lods`` (:mod:`.check_members`)
``call-arg``               ``len(xs, 1)``, ``Box(1, 2)`` where ``def __init__(self, a)``:
                           every declared callable, overloads, ``/`` and ``*``
                           (:mod:`.check_arity`)
``call-none``              ``cb = None; cb()`` (:mod:`.check_values`)
``operator``               ``"a" + 1`` with both operands certain (:mod:`.check_values`)
``arg-type``               ``pad("x", "3")`` where ``width: int`` (:mod:`.check_values`)
``optional-member-access`` ``m.group()`` where ``m = re.match(...)`` may be None
``unresolved-import``      a module neither in the project, the stubs nor installed
                           (imports guarded by ``except ImportError`` are skipped)
``syntax-error`` ...       everything the parser and the file reader reported
=========================  ============================================================

Rules only fire on types we are sure of: a partly unknown type, a receiver whose
type was guessed from call sites, or a class that may gain members at run time
(metaclass, decorator, ``setattr(self, ...)``) never gives a finding.
"""

from __future__ import annotations

import logging
from typing import Final, Iterator

from typelens.analyzer import Diagnostic, ProgramGraph, ScopeKind, Span, SymbolKind
from typelens.analyzer import codes

from .engine import FILE_STEPS, BudgetSpent, TypeEngine
from .stepped import budgeted
from .types import NONE, ClassType, FunctionRef, ModuleType, Type, TypeOfClass, is_known, members, render
from .check_arity import (
    CallShape,
    Problem,
    Signature,
    bound_arguments,
    is_guessed,
    call_problem,
    call_shape,
    constructor_problem,
    is_super_call,
    is_uncertain_callee,
    signatures_of_class,
    signatures_of_function,
)
from .check_members import is_declared, is_open_class, module_lacks, union_lacking
from .check_values import accepts, certain_class, is_none_value, operator_problem

logger = logging.getLogger(__name__)

_IMPORT_ERRORS: Final = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")
_GUARD_WORDS: Final = ("hasattr(", "getattr(", "sys.platform", "os.name", "version_info", "platform.")
_ATTRIBUTE_ERRORS: Final = ("AttributeError", "Exception", "BaseException")
_STEP_NODES: Final = 32  # checked nodes per step of ``FileChecker.steps``


class FileChecker:
    def __init__(self, engine: TypeEngine, path: str, display: str) -> None:
        self.engine, self.path, self.display = engine, path, display
        self.g: ProgramGraph = engine.require_graph(path)
        self.out: list[Diagnostic] = []
        # what the rules of this file ask again and again, worked out once per file
        # (whether a node's enclosing statements guard attribute reads; whether a
        # module lacks a name; a class's constructor checks; a parameter's
        # annotation): a file reads ``t.Optional`` a hundred times
        self._guards: dict[int, bool] = {}
        self._module_lacks: dict[tuple[str, str], bool] = {}
        self._constructors: dict[ClassType, list[list[Signature]] | None] = {}
        self._annotations: dict[tuple[str, int], Type] = {}

    def run(self) -> list[Diagnostic]:
        for _ in self.steps():
            pass
        return self.found()

    def steps(self, size: int = _STEP_NODES) -> Iterator[None]:
        """:meth:`run` in steps of ``size`` checked nodes, each a complete question of
        the engine (the editor answers requests between them); then :meth:`found`."""
        g = self.g
        self.out.extend(Diagnostic(d.code, d.message, d.span, d.severity, self.display) for d in g.diagnostics)
        try:
            yield from budgeted(self.engine, self._checked(size))
        except BudgetSpent:  # past it, the findings so far and one saying so
            message = codes.ANALYSIS_BUDGET.format(steps=FILE_STEPS, what="checks")
            self.out.append(Diagnostic.build("analysis-budget", message, Span.empty(), self.display))

    def _checked(self, size: int) -> Iterator[None]:
        self._imports()
        yield
        checked = 0
        for node, kind in enumerate(self.g.kinds):
            if kind == "attribute":
                self._attribute(node)
            elif kind == "call":
                self._call(node)
            elif kind == "binary_operator":
                self._operator(node)
            else:
                continue
            checked += 1
            if checked % size == 0:
                yield

    def found(self) -> list[Diagnostic]:
        """The findings :meth:`steps` made, in file order."""
        return sorted(self.out, key=lambda d: (d.span.start_byte, d.code))

    def _report(self, code: str, message: str, node: int) -> None:
        self.out.append(Diagnostic.build(code, message, self.g.span(node), self.display))

    # -- imports ------------------------------------------------------------------------
    def _imports(self) -> None:
        g, engine = self.g, self.engine
        seen: set[int] = set()
        for binding in g.imports:
            if (
                binding.statement in seen
                or binding.module == "__future__"
                or self._guarded(binding.statement, _IMPORT_ERRORS)
            ):
                continue
            module = engine.index.imported_module(self.path, binding)
            if module and engine.index.resolve_module(module) is not None:
                continue
            if binding.name not in (None, "*") and module and engine.index.resolve_module(f"{module}.{binding.name}"):
                continue
            seen.add(binding.statement)
            shown = "." * binding.level + binding.module
            self._report("unresolved-import", codes.UNRESOLVED_IMPORT.format(module=shown), binding.statement)

    def _guarded(self, statement: int, errors: tuple[str, ...]) -> bool:
        g = self.g
        node = g.parents[statement]
        while node >= 0:
            if g.kinds[node] == "try_statement" and self._catches(node, errors):
                return True
            node = g.parents[node]
        return False

    def _catches(self, try_statement: int, errors: tuple[str, ...]) -> bool:
        """An ``except`` clause of ``try_statement`` names one of ``errors``, or is bare."""
        g = self.g
        for clause in g.children(try_statement):
            if g.kinds[clause] == "except_clause":
                head = g.text(clause).split(":")[0]
                if any(e in head for e in errors) or head.strip() == "except":
                    return True
        return False

    # -- attributes ----------------------------------------------------------------------
    def _attribute(self, node: int) -> None:
        g, engine = self.g, self.engine
        parent = g.parents[node]
        if g.kinds[parent] == "delete_statement":
            return
        kids = g.children(node)
        obj, attr = kids[0], kids[-1]
        name = g.names.get(attr)
        if not name or self._is_guarded_read(node):
            return  # read from the text alone: the receiver's type is not asked
        receiver = engine.exprs.type_of(self.path, obj)
        items = members(receiver)
        if NONE in items and len(items) > 1 and g.kinds[obj] in ("name_load", "attribute") and not self._guessed(obj):
            rest = [m for m in items if m != NONE and is_known(m)]
            shown = render(receiver) if rest else "unknown or None"
            self._report(
                "optional-member-access", codes.OPTIONAL_MEMBER.format(expr=g.text(obj), type=shown, attr=name), obj
            )
            items = frozenset(rest)
            receiver = next(iter(items)) if len(items) == 1 else receiver
        if isinstance(receiver, ModuleType):
            self._module_attribute(node, receiver, name, attr)
        elif len(items) > 1 and is_declared(engine, self.path, g, obj) and not self._is_captured(obj):
            self._union_attribute(receiver, name, attr)
        elif isinstance(receiver, ClassType) and not (self._is_stub_private(receiver, name) or self._is_vague(obj)):
            if self._lacks(receiver, name) and not self._assigned_elsewhere(name):
                self._report("attr-defined", codes.ATTR_DEFINED.format(type=render(receiver), attr=name), attr)

    def _is_captured(self, obj: int) -> bool:
        """A name read in a comprehension, lambda or nested function: the narrowing
        of the scope that binds it (``if isinstance(x, str):``) may not reach here."""
        sym = self.g.symbol_at(obj)
        if sym is not None and sym.scope != self.g.scope_of[obj]:
            return True
        # a type test on it: narrowing we may have missed (``isinstance(x, str) and x.split()``)
        g, text = self.g, self.g.text(obj)
        scope = g.scopes[g.scope_of[obj]]
        body = g.source.data[g.start_bytes[scope.node] : g.end_bytes[scope.node]]
        return any(f"{test}({text}".encode() in body for test in ("isinstance", "type", "issubclass", "callable"))

    def _is_vague(self, obj: int) -> bool:
        """A receiver whose type was guessed (an unannotated parameter) or read
        through ``super(...)``."""
        return "super(" in self.g.text(obj) or is_guessed(self.g, obj)

    def _lacks(self, cls: ClassType, name: str) -> bool:
        """``cls`` certainly has no ``name``: not under any condition, not through a
        class decorator, not in a subclass of this file (a base calling what its
        subclasses define)."""
        engine = self.engine
        if cls == NONE or cls.short == "type" or engine.classes.has_member(cls, name) is not False:
            return False
        if name.startswith("__") and not name.endswith("__"):
            return False  # mangled to _Class__name
        return not (is_open_class(engine, cls, name) or self._in_subclass(cls, name) or self._tested(name))

    def _tested(self, name: str) -> bool:
        """``hasattr(x, "name")`` somewhere in the file: the code knows it may be missing."""
        data = self.g.source.data
        return b"hasattr(" in data and (f'"{name}"'.encode() in data or f"'{name}'".encode() in data)

    def _in_subclass(self, cls: ClassType, name: str) -> bool:
        classes = self.engine.classes
        for scope in self.g.scopes:
            if scope.kind is ScopeKind.CLASS:
                sub = classes.class_type(self.path, scope.node)
                if sub != cls and any(view.name == cls.name for view, _ in classes.mro(sub)):
                    if classes.has_member(sub, name) is not False or is_open_class(self.engine, sub, name):
                        return True
        return False

    def _union_attribute(self, receiver, name: str, attr: int) -> None:
        lacking = union_lacking(self.engine, receiver, name)
        if any(self._is_stub_private(m, name) for m in lacking):
            return
        if lacking and not self._stored_on(name, lacking):
            shown = ", ".join(sorted(repr(render(m)) for m in lacking))
            self._report("union-attr", codes.UNION_ATTR.format(members=shown, type=render(receiver), attr=name), attr)

    def _module_attribute(self, node: int, receiver: ModuleType, name: str, attr: int) -> None:
        if self.g.kinds[self.g.parents[node]] == "attribute_store" or self._assigned_elsewhere(name):
            return
        key = (receiver.name, name)
        lacks = self._module_lacks.get(key)
        if lacks is None:
            lacks = self._module_lacks[key] = module_lacks(self.engine, receiver.name, name)
        if not lacks:
            return
        self._report("module-attr", codes.MODULE_ATTR.format(module=receiver.name, attr=name), attr)

    def _is_guarded_read(self, node: int) -> bool:
        """Inside ``try: ... except AttributeError``, or under a condition that tests
        the attribute, the platform or the version (``if hasattr(os, "fork")``).
        Each enclosing node's answer is kept: the reads of one body share them."""
        g, guards = self.g, self._guards
        chain = []
        found = False
        while node >= 0:
            known = guards.get(node)
            if known is not None:
                found = known
                break
            chain.append(node)
            if self._guards_here(node):
                found = True
                break
            node = g.parents[node]
        for seen in chain:
            guards[seen] = found
        return found

    def _guards_here(self, node: int) -> bool:
        """``node`` itself guards the attribute reads below it."""
        g = self.g
        kind = g.kinds[node]
        if kind == "try_statement":
            return self._catches(node, _ATTRIBUTE_ERRORS)
        if kind in ("if_statement", "elif_clause", "while_statement"):
            test = g.child_by_field(node, "condition")
            return test is not None and any(word in g.text(test) for word in _GUARD_WORDS)
        if kind in ("conditional_expression", "boolean_operator"):
            return any(word in g.text(node) for word in _GUARD_WORDS)
        return False

    def _is_stub_private(self, cls: ClassType, name: str) -> bool:
        """A ``_private`` name and a class with a stub in its MRO: stubs leave most
        private names out."""
        if not name.startswith("_") or name.endswith("__"):
            return False
        chain = self.engine.classes.mro(cls)
        return not chain or any(info.path.endswith(".pyi") and view.name != "object" for view, info in chain)

    def _guessed(self, obj: int) -> bool:
        """A parameter whose None comes from a guess (call sites), not from its
        annotation or a ``None`` default, is not reported."""
        g = self.g
        sym = g.symbol_at(obj)
        if sym is None or sym.kind is not SymbolKind.PARAMETER:
            return False
        evidence = self.engine.calls.evidence(self.path, sym.definitions[0])
        return evidence.annotation is None and evidence.default != NONE

    def _assigned_elsewhere(self, name: str) -> bool:
        """``obj.name = ...`` anywhere in this file counts as defining it (monkey-patching)."""
        return name in self.g.attribute_stores()

    def _stored_on(self, name: str, classes: list[ClassType]) -> bool:
        """``x.name = ...`` in this file where ``x`` may be one of ``classes`` (or is not
        known): the attribute may be set from outside."""
        g = self.g
        for store in g.attribute_stores().get(name, ()):
            owner = self.engine.exprs.type_of(self.path, g.children(store)[0])
            if not isinstance(owner, ClassType) or owner in classes:
                return True
        return False

    # -- calls --------------------------------------------------------------------------
    def _call(self, call: int) -> None:
        g, engine = self.g, self.engine
        function = g.child_by_field(call, "function")
        if function is None:
            return
        if is_none_value(engine, self.path, g, function):
            self._report("call-none", codes.CALL_NONE.format(expr=g.text(function)), function)
            return
        shape = call_shape(g, call)
        if shape is None or is_super_call(g, function):
            return
        callee = engine.exprs.type_of(self.path, function)
        if is_uncertain_callee(engine, self.path, g, function, callee):
            return
        if isinstance(callee, TypeOfClass):
            problem = self._constructor_problem(callee.cls, shape)
        else:
            problem = call_problem(engine, callee, shape)
        if problem is not None:
            self._report("call-arg", problem.message(_callee_text(g, function)), call)
        elif isinstance(callee, FunctionRef) and (callee.bound is None or self._is_certain_receiver(function)):
            self._argument_types(call, function, callee)

    def _constructor_problem(self, cls: ClassType, shape: CallShape) -> Problem | None:
        """:func:`.check_arity.call_problem` of a class, its constructor's checks
        worked out once per class and file."""
        if cls in self._constructors:
            checks = self._constructors[cls]
        else:
            checks = self._constructors[cls] = signatures_of_class(self.engine, cls)
        return constructor_problem(checks, shape)

    def _is_certain_receiver(self, function: int) -> bool:
        g = self.g
        return (
            g.kinds[function] == "attribute"
            and certain_class(self.engine, self.path, g, g.children(function)[0]) is not None
        )

    def _argument_types(self, call: int, function: int, callee: FunctionRef) -> None:
        g, engine = self.g, self.engine
        ways = signatures_of_function(engine, callee)
        if not ways or len(ways) != 1:
            return
        way = ways[0]
        params = engine.calls.signature(way.path, engine.require_graph(way.path), way.node)
        params = params[len(params) - len(way.slots) :]
        for arg, index in bound_arguments(g, call, way.slots):
            annotation = params[index].annotation
            if annotation is None:
                continue
            actual = certain_class(engine, self.path, g, arg)
            if actual in (None, "None"):
                continue
            key = (way.path, annotation)
            expected = self._annotations.get(key)
            if expected is None:
                expected = self._annotations[key] = engine.annotations.evaluate(way.path, annotation)
            if accepts(expected, actual) is False:
                message = codes.ARG_TYPE.format(
                    callee=_callee_text(g, function), name=params[index].name, expected=render(expected), actual=actual
                )
                self._report("arg-type", message, arg)

    def _operator(self, node: int) -> None:
        found = operator_problem(self.engine, self.path, self.g, node)
        if found is not None:
            op, left, right = found
            self._report("operator", codes.OPERATOR.format(op=op, left=left, right=right), node)


def _callee_text(g: ProgramGraph, function: int) -> str:
    text = " ".join(g.text(function).split())
    return text if len(text) <= 60 else "..." + text[-57:]
