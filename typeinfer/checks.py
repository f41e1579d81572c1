"""The ``analyze`` rules: diagnostics from inferred types.

=========================  ============================================================
``attr-defined``           ``order.customr`` where ``order: Order`` and neither Order
                           nor any of its (all known) bases has ``customr``
``call-arg``               ``make(1, 2)`` where ``def make(a)``; missing arguments;
                           unknown keywords (plain functions and methods, no ``*args``)
``optional-member-access`` ``m.group()`` where ``m = re.match(...)`` may be None
``unresolved-import``      a module neither in the project, the stubs nor installed
                           (imports guarded by ``except ImportError`` are skipped)
``syntax-error`` ...       everything the parser and the file reader reported
=========================  ============================================================

Rules only fire on types we are sure of: a partly unknown type never gives
``attr-defined``.
"""

from __future__ import annotations

import logging

from typelens.analyzer import Diagnostic, ProgramGraph, SymbolKind
from typelens.analyzer import codes

from .callables import signature
from .classes import decorator_names
from .engine import TypeEngine
from .types import NONE, ClassType, FunctionRef, TypeOfClass, is_known, members, render

logger = logging.getLogger(__name__)

_IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")


class FileChecker:
    def __init__(self, engine: TypeEngine, path: str, display: str) -> None:
        self.engine, self.path, self.display = engine, path, display
        self.g: ProgramGraph = engine.require_graph(path)
        self.out: list[Diagnostic] = []
        self._stored: set[str] | None = None

    def run(self) -> list[Diagnostic]:
        g = self.g
        self.out.extend(Diagnostic(d.code, d.message, d.span, d.severity, self.display) for d in g.diagnostics)
        self._imports()
        for node, kind in enumerate(g.kinds):
            if kind == "attribute":
                self._attribute(node)
            elif kind == "call":
                self._call(node)
        return sorted(self.out, key=lambda d: (d.span.start_byte, d.code))

    def _report(self, code: str, message: str, node: int) -> None:
        self.out.append(Diagnostic.build(code, message, self.g.span(node), self.display))

    # -- imports ------------------------------------------------------------------------
    def _imports(self) -> None:
        g, engine = self.g, self.engine
        seen: set[int] = set()
        for binding in g.imports:
            if binding.statement in seen or binding.module == "__future__" or self._guarded(binding.statement):
                continue
            module = engine.index.imported_module(self.path, binding)
            if module and engine.index.resolve_module(module) is not None:
                continue
            if binding.name not in (None, "*") and module and engine.index.resolve_module(f"{module}.{binding.name}"):
                continue
            seen.add(binding.statement)
            shown = "." * binding.level + binding.module
            self._report("unresolved-import", codes.UNRESOLVED_IMPORT.format(module=shown), binding.statement)

    def _guarded(self, statement: int) -> bool:
        g = self.g
        node = g.parents[statement]
        while node >= 0:
            if g.kinds[node] == "try_statement":
                for clause in g.children(node):
                    if g.kinds[clause] == "except_clause" and any(
                        e in g.text(clause).split(":")[0] for e in _IMPORT_ERRORS
                    ):
                        return True
                    if g.kinds[clause] == "except_clause" and g.text(clause).split(":")[0].strip() == "except":
                        return True
            node = g.parents[node]
        return False

    # -- attributes ----------------------------------------------------------------------
    def _attribute(self, node: int) -> None:
        g, engine = self.g, self.engine
        parent = g.parents[node]
        if g.kinds[parent] == "delete_statement":
            return
        obj, attr = g.children(node)[0], g.children(node)[-1]
        name = g.names.get(attr)
        if not name:
            return
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
        if len(items) != 1 or not isinstance(receiver, ClassType):
            return
        if engine.classes.has_member(receiver, name) is False and not self._assigned_elsewhere(receiver, name):
            self._report("attr-defined", codes.ATTR_DEFINED.format(type=render(receiver), attr=name), attr)

    def _guessed(self, obj: int) -> bool:
        """A parameter whose None comes from a guess (call sites), not from its
        annotation or a ``None`` default, is not reported."""
        g = self.g
        sym = g.symbol_at(obj)
        if sym is None or sym.kind is not SymbolKind.PARAMETER:
            return False
        evidence = self.engine.calls.evidence(self.path, sym.definitions[0])
        return evidence.annotation is None and evidence.default != NONE

    def _assigned_elsewhere(self, cls: ClassType, name: str) -> bool:
        """``obj.name = ...`` anywhere in this file counts as defining it (monkey-patching)."""
        if self._stored is None:
            g = self.g
            self._stored = {g.names.get(g.children(n)[-1], "") for n, k in enumerate(g.kinds) if k == "attribute_store"}
        return name in self._stored

    # -- calls --------------------------------------------------------------------------
    def _call(self, call: int) -> None:
        g, engine = self.g, self.engine
        function = g.child_by_field(call, "function")
        args = g.child_by_field(call, "arguments")
        if function is None or args is None or g.kinds[args] != "argument_list":
            return
        if any(g.kinds[a] in ("list_splat", "dictionary_splat") for a in g.children(args)):
            return
        callee = engine.exprs.type_of(self.path, function)
        if isinstance(callee, TypeOfClass):
            init = engine.classes.lookup(callee.cls, "__init__")
            info = engine.classes.info_of(callee.cls)
            if (
                init is None
                or init[2].kind != "method"
                or info is None
                or info.is_dataclass
                or init[1].path.endswith(".pyi")
            ):
                return
            target = FunctionRef(init[2].path, init[2].nodes[-1], callee.cls)
        elif isinstance(callee, FunctionRef):
            target = callee
        else:
            return
        if target.path.endswith(".pyi"):
            return
        tg = engine.require_graph(target.path)
        if engine.calls.overloads(tg, target.node) or (
            decorator_names(tg, target.node) - {"staticmethod", "classmethod"}
        ):
            return
        params = signature(tg, target.node)
        if target.bound is not None and params and "staticmethod" not in decorator_names(tg, target.node):
            params = params[1:]
        self._check_arguments(call, args, g.text(function), params)

    def _check_arguments(self, call: int, args: int, callee: str, params) -> None:
        g = self.g
        if any(p.kind in ("var_positional", "var_keyword") for p in params):
            return
        positional = [a for a in g.children(args) if g.kinds[a] != "keyword_argument"]
        keywords = [
            g.names.get(g.child_by_field(a, "name") or -1, "")
            for a in g.children(args)
            if g.kinds[a] == "keyword_argument"
        ]
        slots = [p for p in params if p.kind == "positional"]
        if len(positional) > len(slots):
            self._report(
                "call-arg", codes.CALL_TOO_MANY.format(callee=callee, maximum=len(slots), given=len(positional)), call
            )
            return
        names = {p.name for p in params}
        for keyword in keywords:
            if keyword not in names:
                self._report("call-arg", codes.CALL_KEYWORD.format(callee=callee, name=keyword), call)
                return
        filled = {p.name for p in slots[: len(positional)]} | set(keywords)
        missing = [p.name for p in params if not p.has_default and p.name not in filled]
        if missing:
            self._report("call-arg", codes.CALL_MISSING.format(callee=callee, names=", ".join(missing)), call)
