"""What a name refers to, and the type a definition binds.

``value_of_reference`` answers for a name or dotted expression *as written* (a
class gives ``type[C]``, a function a :class:`FunctionRef`, a module a
``ModuleType``); ``definition_type`` gives the type a binding site stores, by the
syntax around it::

    x = f()            # the call's type
    a, *b = t          # a: element 0 of t; b: list of the rest
    for k, v in d.items():   # k, v: the iterator's element, unpacked
    with open(p) as fh:      # fh: what __enter__ returns
    except OSError as e:     # e: OSError
    import os.path as p      # p: the module os.path
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, EdgeKind, ModuleLocation, ProgramGraph, SymbolKind
from typelens.analyzer.version_gates import live_definitions

from .annotations import declared_annotation, new_type_base
from .callables import is_async
from .types import (
    NONE,
    UNKNOWN,
    ClassType,
    FunctionRef,
    ModuleType,
    Type,
    TypeOfClass,
    TypeVarType,
    is_known,
    is_partly_unknown,
    make_union,
    members,
)

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_TYPING_MODULES = frozenset({"typing", "typing_extensions", "collections.abc", "builtins"})
_UNPACK_PARENTS = frozenset(
    {"pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "parenthesized_expression", "expression_list"}
)
_SCAN_ONCE = 16  # definitions past which a symbol's first annotation is looked up once


class NameResolver:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._live: dict[tuple[str, int], tuple[int, ...]] = {}
        self._live_sets: dict[tuple[str, int], frozenset[int]] = {}
        self._annotated: dict[tuple[str, int], tuple[tuple[int, ...], int | None]] = {}

    # -- references -----------------------------------------------------------------
    def value_of_reference(self, path: str, node: int) -> Type:
        g = self.engine.require_graph(path)
        attributes = []  # a.b.c: the dots from the outside in
        while g.kinds[node] == "attribute":
            attributes.append(node)
            node = g.children(node)[0]
        kind = g.kinds[node]
        if kind in ("name_load", "identifier"):
            sid = g.symbol_of.get(node)
            value = self.module_value(path, g.names.get(node, "")) if sid is None else self.symbol_value(path, sid)
        else:
            value = UNKNOWN
        for attribute in reversed(attributes):
            name = g.names.get(g.children(attribute)[-1], "")
            value = self.engine.classes.member_of(value, name, path, attribute)
        return value

    def value_of_dotted(self, path: str, text: str) -> Type:
        head, *rest = text.strip().split(".")
        value = self.module_value(path, head)
        for part in rest:
            value = self.engine.classes.member_of(value, part, path, -1)
        return value

    def module_value(self, path: str, name: str) -> Type:
        """``name`` read at module level of ``path`` (falling back to builtins)."""
        g = self.engine.graph(path)
        sym = g.find_symbol(name) if g is not None else None
        if sym is not None and sym.definitions:
            return self.symbol_value(path, sym.id)
        starred = self.star_imported(path, g, name) if g is not None else None
        return starred if starred is not None else self.builtin(name)

    def star_imported(self, path: str, g: ProgramGraph, name: str) -> Type | None:
        """``name`` as a ``from m import *`` of the module binds it (the last such
        import that does: the one Python runs last); ``None`` when none does."""
        for binding in reversed([b for b in g.imports if b.name == "*"]):
            module = self.engine.index.imported_module(path, binding)
            target = (
                self.engine.resolve_name(module, name)
                if module and self.engine.index.star_binds(module, name)
                else None
            )
            if isinstance(target, Definition):
                return self.definition_value(target)
            if isinstance(target, ModuleLocation):
                return ModuleType(target.name)
        return None

    def builtin(self, name: str) -> Type:
        if name == "None":
            return NONE
        builtins_path = self.engine.builtins_path
        if builtins_path is None:
            return UNKNOWN
        g = self.engine.require_graph(builtins_path)
        sym = g.find_symbol(name)
        if sym is None or not sym.definitions:
            return UNKNOWN
        return self.symbol_value(builtins_path, sym.id)

    def alias_of(self, path: str, g: ProgramGraph, head: int) -> tuple[str, int] | None:
        """``(file, right-hand side)`` when ``head`` names a type alias:
        ``X: TypeAlias = ...``, or ``X = A | B`` / ``X = A[...]`` (in a .py file
        only when ``X`` is bound once)."""
        if g is not self.engine.graph(path) or g.kinds[head] != "name_load":
            return None
        sid = g.symbol_of.get(head)
        return self.alias_of_symbol(path, g, sid) if sid is not None else None

    def alias_of_symbol(self, path: str, g: ProgramGraph, sid: int) -> tuple[str, int] | None:
        """:meth:`alias_of` for the symbol ``sid`` of ``g`` (the graph of ``path``)."""
        sym = g.symbols[sid]
        target_path, tg = path, g
        if sym.kind is SymbolKind.IMPORT:
            binding = next((b for b in g.imports if b.node in sym.definitions), None)
            target = self.engine.resolve_binding(path, g, binding) if binding is not None else None
            if not isinstance(target, Definition) or target.kind is not SymbolKind.VARIABLE:
                return None
            target_path, found = str(target.path), self.engine.graph(str(target.path))
            if found is None:
                return None
            tg = found
            definitions: tuple[int, ...] = (target.node,)
        elif sym.kind is SymbolKind.VARIABLE:
            definitions = self.live(path, sid)  # ``if TYPE_CHECKING: X = A[int] else: X = A``
        else:
            return None
        if not definitions:
            return None
        assignment = tg.parents[definitions[0]]
        if tg.kinds[assignment] != "assignment":
            return None
        rhs = tg.child_by_field(assignment, "right")
        annotation = tg.child_by_field(assignment, "type")
        if rhs is None:
            return None
        if annotation is not None and tg.text(annotation).split(".")[-1] == "TypeAlias":
            return target_path, rhs
        if annotation is not None or tg.kinds[rhs] not in ("subscript", "binary_operator"):
            return None
        if target_path.endswith(".pyi") or len(definitions) == 1 and _is_union_or_subscript(tg, rhs):
            # ``X = A | B`` / ``X = Optional[A]`` named in an annotation: an implicit alias
            # (in a .py file only when bound once: a name used in an annotation is a type)
            return target_path, rhs
        return None

    def is_typing_name(self, path: str, name: str) -> bool:
        g = self.engine.graph(path)
        sym = g.find_symbol(name) if g is not None else None
        if sym is None or g is None:
            return True
        if sym.kind is not SymbolKind.IMPORT:
            return False
        binding = next((b for b in g.imports if b.node in sym.definitions), None)
        return binding is not None and binding.module in _TYPING_MODULES

    # -- symbols ------------------------------------------------------------------
    def symbol_value(self, path: str, sid: int) -> Type:
        return self.engine.memo(("symbol", path, sid), lambda: self._symbol_value(path, sid))

    def _symbol_value(self, path: str, sid: int) -> Type:
        g = self.engine.require_graph(path)
        sym = g.symbols[sid]
        if sym.scope < 0:
            starred = self.star_imported(path, g, sym.name)  # it shadows a builtin of that name
            if starred is not None:
                return starred
            return self.builtin(sym.name) if sym.kind is SymbolKind.BUILTIN else UNKNOWN
        if sym.kind is SymbolKind.VARIABLE and sym.definitions and _is_typevar(g, sym.definitions[0]):
            return TypeVarType(sym.name)
        definitions = self.live(path, sid)
        if sym.kind is SymbolKind.FUNCTION and definitions:
            # Overloads are one callable: the call picks among them.
            return self.definition_type(path, definitions[-1])
        declared = self.declared_type(path, definitions)
        if declared is not None:
            return declared
        return make_union(self.definition_type(path, d) for d in definitions)

    def live(self, path: str, sid: int) -> tuple[int, ...]:
        """The symbol's definitions the running Python sees (``sys.version_info`` /
        ``sys.platform`` gates); all of them when none is (the name then exists only
        elsewhere).  Once per symbol: every read of the name asks."""
        found = self._live.get((path, sid))
        if found is None:
            g = self.engine.require_graph(path)
            found = self._live[(path, sid)] = _live(g, g.symbols[sid].definitions)
        return found

    def _live_set(self, path: str, sid: int) -> frozenset[int]:
        """:meth:`live` as a set, for the symbols with many definitions."""
        found = self._live_sets.get((path, sid))
        if found is None:
            found = self._live_sets[(path, sid)] = frozenset(self.live(path, sid))
        return found

    def declared_type(self, path: str, definitions: tuple[int, ...]) -> Type | None:
        """The annotation of the first annotated definition, if any."""
        engine = self.engine
        if engine.is_elsewhere(path):  # one question a definition, about the other file
            for d in definitions:
                found = engine.about(("declared", path, d), partial(_declared_at, engine, path, d))
                if found is not None:
                    return found
            return None
        annotation = self._first_annotation(path, definitions)
        return engine.annotations.evaluate(path, annotation) if annotation is not None else None

    def declared_at(self, path: str, definition: int) -> Type | None:
        """The type ``definition`` declares (``x: T = v``), ``None`` when it has no annotation."""
        annotation = self._first_annotation(path, (definition,))
        return self.engine.annotations.evaluate(path, annotation) if annotation is not None else None

    def _first_annotation(self, path: str, definitions: tuple[int, ...]) -> int | None:
        """The annotation node of the first annotated definition; searched once per
        long tuple (every read of a name rebound 50,000 times asks: not 50,000 each)."""
        key = (path, id(definitions))
        found = self._annotated.get(key) if len(definitions) > _SCAN_ONCE else None
        if found is not None and found[0] is definitions:
            return found[1]
        g = self.engine.require_graph(path)
        annotation = None
        for d in definitions:
            parent = g.parents[d]
            if parent >= 0 and g.kinds[parent] == "assignment" and g.child_by_field(parent, "left") == d:
                annotation = declared_annotation(g, parent)
                if annotation is not None:
                    break
        if len(definitions) > _SCAN_ONCE:
            self._annotated[key] = (definitions, annotation)  # the tuple kept: its id stays its own
        return annotation

    def reaching_value(self, path: str, use: int) -> Type:
        """The type of a name read at ``use``: its reaching definitions, narrowed."""
        g = self.engine.graph(path)
        sid = g.symbol_of.get(use) if g is not None else None
        if g is not None and sid is not None and self._is_plain_read(path, g, sid, use):
            # the symbol's value as it is (a second memo entry would only hand it on)
            return self.symbol_value(path, sid)
        return self.engine.memo(("use", path, use), lambda: self._reaching_value(path, use))

    def _is_plain_read(self, path: str, g: ProgramGraph, sid: int, use: int) -> bool:
        """Whether ``use`` reads the symbol's value unchanged: an import, a def, a
        class or a builtin (:meth:`_reaching_value` reads those whole), with no
        condition around the use to narrow it by (about 1,200 of the 5,200 name
        reads of stripped click: ``t.Optional``, ``click.echo``, ``len``)."""
        sym = g.symbols[sid]
        kind = sym.kind
        if kind is SymbolKind.BUILTIN:
            if sym.definitions:
                return False
        elif kind is not SymbolKind.FUNCTION and kind is not SymbolKind.CLASS and kind is not SymbolKind.IMPORT:
            return False
        return not self.engine.narrowing.has_facts(path, g, use)

    def _reaching_value(self, path: str, use: int) -> Type:
        g = self.engine.require_graph(path)
        sid = g.symbol_of.get(use)
        if sid is None:
            return UNKNOWN
        sym = g.symbols[sid]
        live = self.live(path, sid)
        among = self._live_set(path, sid) if len(live) > _SCAN_ONCE else live
        defs = [d for d in g.predecessors(use, EdgeKind.DFG) if d in among]
        if sym.kind in (SymbolKind.FUNCTION, SymbolKind.CLASS, SymbolKind.IMPORT) or not defs:
            value = self.symbol_value(path, sid)
        else:
            declared = self.declared_type(path, live)
            narrowing = self.engine.narrowing
            value = (
                make_union(
                    narrowing.narrow_definition(path, use, d, _assigned_into(declared, self._assigned(path, g, d)))
                    for d in defs
                )
                if declared is not None
                else make_union(narrowing.narrow_definition(path, use, d, self.definition_type(path, d)) for d in defs)
            )
        return self.engine.narrowing.narrow(path, use, value)

    def _assigned(self, path: str, g: ProgramGraph, definition: int) -> Type:
        """What ``definition`` assigns: the right side of ``x: T = v`` or ``x = v``
        (not the declared ``T``); unknown for other bindings."""
        owner = g.parents[definition]
        if owner < 0 or g.kinds[owner] != "assignment" or g.child_by_field(owner, "left") != definition:
            return UNKNOWN
        right = g.child_by_field(owner, "right")
        return self.engine.exprs.type_of(path, right) if right is not None else UNKNOWN

    # -- definitions ----------------------------------------------------------------
    def definition_type(self, path: str, node: int) -> Type:
        g = self.engine.graph(path)
        if g is not None and g.kinds[node] == "parameter":
            # a parameter's type is its own question (``param``): a second memo entry
            # would only hand its answer on
            return self.engine.calls.parameter_type(path, node)
        return self.engine.memo(("def", path, node), lambda: self._definition_type(path, node))

    def _definition_type(self, path: str, node: int) -> Type:
        g = self.engine.require_graph(path)
        parent = g.parents[node]
        pkind = g.kinds[parent] if parent >= 0 else ""
        field = g.fields[node]
        if pkind == "function_definition" and field == "name":
            return self.engine.calls.decorated(path, parent)
        if pkind == "class_definition" and field == "name":
            return self.engine.calls.decorated_class(path, parent)
        binding = next((b for b in g.imports if b.node == node), None)
        if binding is not None:
            return self.import_value(path, binding)
        if g.scope_of[node] == 0 and new_type_base(g, node) is not None:  # ``N = NewType("N", str)``: a class
            return TypeOfClass(ClassType(f"{self.engine.module_name(path)}.{g.text(node)}"))
        return self.bound_value(path, g, node)

    def bound_value(self, path: str, g: ProgramGraph, node: int) -> Type:
        """Walk up from the bound name to the construct that gives it a value,
        remembering the unpacking path (index per level)."""
        steps: list[tuple[int, bool]] = []  # (index, starred) from the inside out
        child, parent = node, g.parents[node]
        while parent >= 0 and g.kinds[parent] in _UNPACK_PARENTS | {"list_splat_pattern", "list_splat"}:
            if g.kinds[parent] in ("list_splat_pattern", "list_splat"):
                steps.append((-1, True))
            elif g.kinds[parent] not in ("parenthesized_expression",):
                siblings = g.children(parent)
                steps.append((siblings.index(child), False))
            child, parent = parent, g.parents[parent]
        if parent < 0:
            return UNKNOWN
        if len(steps) == 1 and g.kinds[parent] == "assignment" and g.fields[child] == "left" and not steps[0][1]:
            targets = g.children(child)
            right = g.child_by_field(parent, "right")
            item = (
                self.engine.exprs.literal_items.unpacked_node(path, g, right, steps[0][0], len(targets))
                if right is not None and not any(g.kinds[t] == "list_splat_pattern" for t in targets)
                else None
            )
            if item is not None and declared_annotation(g, parent) is None:
                return self.engine.exprs.type_of(path, item)
        value = self._source_value(path, g, parent, child)
        for index, starred in reversed(steps):
            value = self.engine.exprs.unpack(value, index, starred)
        return value

    def _source_value(self, path: str, g: ProgramGraph, owner: int, target: int) -> Type:
        kind = g.kinds[owner]
        exprs = self.engine.exprs
        if kind == "assignment":
            annotation = declared_annotation(g, owner)
            if annotation is not None:
                return self.engine.annotations.evaluate(path, annotation)
            right = g.child_by_field(owner, "right")
            value = exprs.type_of(path, right) if right is not None else UNKNOWN
            return (
                self.engine.mutations.refine_binding(path, target, value)
                if target == g.child_by_field(owner, "left") and g.kinds[target] in ("name_store", "attribute_store")
                else value
            )
        if kind == "augmented_assignment":
            return exprs.augmented(path, owner)
        if kind in ("for_statement", "for_in_clause"):
            iterable = g.child_by_field(owner, "right")
            element = exprs.element_type(exprs.type_of(path, iterable)) if iterable is not None else UNKNOWN
            if kind == "for_statement" and is_async(g, owner):
                element = exprs.awaited(element)
            return element
        if kind == "named_expression":
            return exprs.type_of(path, g.child_by_field(owner, "value"))
        if kind == "as_pattern_target":
            return self._as_target(path, g, g.parents[owner])
        bound = self.engine.patterns.bound(path, g, owner)
        return bound if bound is not None else UNKNOWN

    def _as_target(self, path: str, g: ProgramGraph, as_pattern: int) -> Type:
        holder = g.parents[as_pattern]
        subject = g.children(as_pattern)[0]
        exprs = self.engine.exprs
        if g.kinds[holder] == "with_item":
            manager = exprs.type_of(path, subject)
            statement = g.enclosing(holder, "with_statement")
            method = "__aenter__" if statement is not None and is_async(g, statement) else "__enter__"
            value = exprs.call_method(manager, method, path)
            return exprs.awaited(value) if method == "__aenter__" else value
        if g.kinds[holder] in ("except_clause", "except_group_clause"):
            return exprs.instance_of(exprs.type_of(path, subject))
        return UNKNOWN

    def import_value(self, path: str, binding) -> Type:
        g = self.engine.require_graph(path)
        target = self.engine.resolve_binding(path, g, binding)
        if isinstance(target, ModuleLocation):
            return ModuleType(target.name)
        if isinstance(target, Definition):
            return self.definition_value(target)
        return UNKNOWN

    def definition_value(self, target: Definition) -> Type:
        """What an importer reads for ``target``'s name (a question about its file's definition)."""
        tpath, node = str(target.path), target.node
        engine = self.engine
        return engine.about(("value", tpath, node), lambda: engine.names.value_at(tpath, node))

    def value_at(self, path: str, node: int) -> Type:
        """:meth:`definition_value` of the definition ``node`` of ``path`` (a
        ``def``, a ``class`` or a name bound there)."""
        tg = self.engine.graph(path)
        if tg is None:
            return UNKNOWN
        if tg.kinds[node] == "function_definition":
            return FunctionRef(path, node)
        if tg.kinds[node] == "class_definition":
            return TypeOfClass(self.engine.classes.class_type(path, node))
        sid = tg.symbol_of.get(node)
        if sid is None:
            return UNKNOWN
        sym = tg.symbols[sid]
        if sym.kind is SymbolKind.VARIABLE and _is_typevar(tg, node):
            return TypeVarType(sym.name)  # the name resolved (Definition.name) is its symbol's
        return self.symbol_value(path, sid)


def _declared_at(engine: Engine, path: str, definition: int) -> Type | None:
    return engine.names.declared_at(path, definition)  # the names model of the question's own turn


def _is_typevar(g: ProgramGraph, name_node: int) -> bool:
    parent = g.parents[name_node]
    if g.kinds[parent] != "assignment":
        return False
    right = g.child_by_field(parent, "right")
    return (
        right is not None
        and g.kinds[right] == "call"
        and g.text(right).split("(")[0].split(".")[-1] in ("TypeVar", "ParamSpec", "TypeVarTuple")
    )


def _live(g: ProgramGraph, definitions: tuple[int, ...]) -> tuple[int, ...]:
    """The definitions the running Python sees (``sys.version_info`` / ``sys.platform``
    gates); all of them when none is (the name then exists only elsewhere)."""
    return live_definitions(g, definitions) or definitions


def _is_union_or_subscript(g: ProgramGraph, rhs: int) -> bool:
    """``A | B`` (an ``|`` of names, attributes, subscripts and ``None``) or ``A[...]``."""
    if g.kinds[rhs] == "subscript":
        return True
    left, right = g.child_by_field(rhs, "left"), g.child_by_field(rhs, "right")
    if left is None or right is None:
        return False
    return g.source.data[g.end_bytes[left] : g.start_bytes[right]].strip(b" \t\\\r\n()") == b"|"


def _assigned_into(declared: Type, value: Type) -> Type:
    """A declared variable's type after an assignment of ``value`` (pyright's
    narrowing on assignment): the value's own type when each of its members is
    one of the declared ones; the declared type less ``None`` when the value is
    known and never None; else the declared type."""
    if not is_known(value) or is_partly_unknown(value):
        return declared
    allowed = set(members(declared))
    given = members(value)
    if all(m in allowed for m in given):
        return value
    if NONE in allowed and NONE not in given and len(allowed) > 1:
        return make_union([m for m in allowed if m != NONE])
    return declared
