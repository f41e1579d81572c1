"""The second pass over a script: scopes, identifier roles, symbols, imports.

One loop over the pre-ordered arrays gives every node its scope from its
parent's alone.  Scopes are the module (``program``), each class, each function
(declarations, expressions, arrows, methods: all :attr:`ScopeKind.FUNCTION`) and
each block that can hold ``let``/``const`` (:attr:`ScopeKind.BLOCK`: statement
blocks, ``for`` heads, ``catch`` clauses, ``switch`` bodies, and interfaces and
type aliases, which hold their type parameters).  A block's qualified name is its
function's.

Roles refine the identifiers into the kinds Python's graph uses
(``name_load``, ``name_store``, ``parameter``), member expressions into
``attribute`` / ``attribute_store`` and call expressions into ``call``; the other
TypeScript kinds stay as tree-sitter names them (``interface_declaration``,
``type_alias_declaration``, ``enum_declaration``, ``arrow_function``,
``object_pattern`` ...).  Values and types live in two namespaces: a
``type_identifier`` resolves among classes, interfaces, aliases, enums, type
parameters and imports, an identifier among variables, functions, classes,
enums and imports.  ``var`` binds in the function, ``let``/``const``/``class``
in the block.  Class members (fields, methods, ``this.x = ...``) are symbols of
the class scope that no plain name resolves to.

Example::

    function f(a, {b}) {       # a, b: parameters of f
        let c = a;             # c: name_store in f's body, a: name_load -> a
        this.d = c;            # in a method: attribute_store, member d of the class
    }
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..graph import ImportBinding, Scope, ScopeKind, Symbol, SymbolKind
from ..syntax import SyntaxArrays
from .bindings import binding_role, import_bindings, require_bindings

logger = logging.getLogger(__name__)

FUNCTION_KINDS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
CLASS_KINDS = frozenset({"class_declaration", "abstract_class_declaration", "class"})
_TYPE_HOLDERS = frozenset({"interface_declaration", "type_alias_declaration"})
_BLOCK_OPENERS = frozenset(
    {
        "statement_block",
        "for_statement",
        "for_in_statement",
        "catch_clause",
        "switch_body",
        "class_static_block",
        "internal_module",
        "module",
    }
)
_NOT_BLOCK_PARENTS = FUNCTION_KINDS | {"catch_clause", "class_static_block"}
# which children of a scope-opening node stay in the enclosing scope
_OUTER_FIELDS = {"name", "decorator"}
_MEMBER_DEFINITIONS = frozenset(
    {
        "public_field_definition",
        "field_definition",
        "method_definition",
        "abstract_method_signature",
        "method_signature",
        "property_signature",
    }
)

VALUE, TYPE = "value", "type"


@dataclass(slots=True)
class ScriptTables:
    """Everything the scope pass learns; frozen into the graph by the builder."""

    kinds: list[str]
    scope_of: list[int]
    scopes: list[Scope] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    symbol_of: dict[int, int] = field(default_factory=dict)
    imports: list[ImportBinding] = field(default_factory=list)
    loads: list[tuple[int, int]] = field(default_factory=list)  # (name_load node, symbol id)
    this_class: dict[int, int] = field(default_factory=dict)  # `this` node -> class scope id


@dataclass(slots=True)
class _SymbolDraft:
    name: str
    scope: int
    kind: SymbolKind
    definitions: list[int] = field(default_factory=list)
    uses: list[int] = field(default_factory=list)


class ScriptScopes:
    """Builds :class:`ScriptTables` from the syntax arrays (see the module docstring)."""

    def __init__(self, arrays: SyntaxArrays, data: bytes) -> None:
        self.a = arrays
        self._data = data
        self.kinds = list(arrays.kinds)
        self.scope_of = [-1] * len(arrays.kinds)
        self.scopes: list[Scope] = []
        self.drafts: list[_SymbolDraft] = []
        self.bindings: dict[tuple[int, str, str], int] = {}  # (scope, namespace, name) -> draft
        self.members: dict[tuple[int, str], int] = {}  # (class scope, member) -> draft
        self.symbol_of: dict[int, int] = {}
        self.opened: dict[int, int] = {}  # scope-opening node -> scope id
        self.tables = ScriptTables(self.kinds, self.scope_of)

    def run(self) -> ScriptTables:
        self._assign_scopes()
        pending = self._declare()
        self._resolve(pending)
        t = self.tables
        t.scopes = self.scopes
        t.symbols = [
            Symbol(i, d.name, d.scope, d.kind, tuple(d.definitions), tuple(d.uses)) for i, d in enumerate(self.drafts)
        ]
        t.symbol_of = self.symbol_of
        return t

    # -- scopes -------------------------------------------------------------------------
    def _assign_scopes(self) -> None:
        kinds, parents, fields = self.a.kinds, self.a.parents, self.a.fields
        for node, kind in enumerate(kinds):
            parent = parents[node]
            if parent < 0:
                self.scope_of[node] = self._open(node, ScopeKind.MODULE, "", -1)
                continue
            outer = self.scope_of[parent]
            inner = self.opened.get(parent)
            self.scope_of[node] = inner if inner is not None and fields[node] not in _OUTER_FIELDS else outer
            if kind in FUNCTION_KINDS:
                self._open(node, ScopeKind.FUNCTION, self._function_name(node), outer)
            elif kind in CLASS_KINDS:
                self._open(node, ScopeKind.CLASS, self._class_name(node), outer)
            elif kind in _TYPE_HOLDERS:
                self._open(node, ScopeKind.BLOCK, "", outer)
            elif kind in _BLOCK_OPENERS and kinds[parent] not in _NOT_BLOCK_PARENTS:
                self._open(node, ScopeKind.BLOCK, "", self.scope_of[node])

    def _open(self, node: int, kind: ScopeKind, name: str, parent: int) -> int:
        sid = len(self.scopes)
        if kind is ScopeKind.BLOCK or parent < 0:
            qualname = self.scopes[parent].qualname if parent >= 0 else ""
        else:
            base = self.scopes[parent].qualname
            qualname = f"{base}.{name}" if base else name
        self.scopes.append(Scope(sid, kind, node, name, qualname, parent))
        self.opened[node] = sid
        return sid

    def _name_text(self, node: int | None) -> str | None:
        if node is None:
            return None
        if node in self.a.names:
            return self.a.names[node]
        if self.kinds[node] in ("string", "number"):
            return self._text(node).strip("'\"`")
        return None

    def _text(self, node: int) -> str:
        return self._data[self.a.start_bytes[node] : self.a.end_bytes[node]].decode("utf-8", "replace")

    def _field(self, node: int, name: str) -> int | None:
        for child in self.a.children[node]:
            if self.a.fields[child] == name:
                return child
        return None

    def _function_name(self, node: int) -> str:
        own = self._name_text(self._field(node, "name"))
        if own:
            return own
        return self._assigned_name(node) or ("<arrow>" if self.kinds[node] == "arrow_function" else "<function>")

    def _class_name(self, node: int) -> str:
        return self._name_text(self._field(node, "name")) or self._assigned_name(node) or "<class>"

    def _assigned_name(self, node: int) -> str | None:
        """The name an anonymous function or class is bound to: ``const f = () => 1``."""
        parent = self.a.parents[node]
        kind = self.kinds[parent] if parent >= 0 else ""
        if kind == "variable_declarator":
            return self._name_text(self._field(parent, "name"))
        if kind in ("pair", "public_field_definition", "field_definition"):
            return self._name_text(
                self._field(parent, "key") or self._field(parent, "name") or self._field(parent, "property")
            )
        if kind == "assignment_expression":
            left = self._field(parent, "left")
            if left is not None and self.a.children[left]:
                return self._name_text(left) or self._name_text(self.a.children[left][-1])
        if kind == "export_statement":
            return "default"
        return None

    def nearest(self, scope: int, *kinds: ScopeKind) -> int:
        while scope >= 0 and self.scopes[scope].kind not in kinds:
            scope = self.scopes[scope].parent
        return max(scope, 0)

    # -- declarations -------------------------------------------------------------------
    def _symbol(self, scope: int, name: str, kind: SymbolKind, namespaces: tuple[str, ...]) -> int:
        for ns in namespaces:
            found = self.bindings.get((scope, ns, name))
            if found is not None:
                for other in namespaces:
                    self.bindings.setdefault((scope, other, name), found)
                return found
        sid = len(self.drafts)
        self.drafts.append(_SymbolDraft(name, scope, kind))
        for ns in namespaces:
            self.bindings[(scope, ns, name)] = sid
        return sid

    def define(self, node: int, scope: int, kind: SymbolKind, namespaces: tuple[str, ...] = (VALUE,)) -> int:
        sid = self._symbol(scope, self.a.names.get(node) or self._text(node), kind, namespaces)
        self.drafts[sid].definitions.append(node)
        self.symbol_of[node] = sid
        return sid

    def member(self, class_scope: int, name: str, kind: SymbolKind) -> int:
        sid = self.members.get((class_scope, name))
        if sid is None:
            sid = self.members[(class_scope, name)] = len(self.drafts)
            self.drafts.append(_SymbolDraft(name, class_scope, kind))
        return sid

    def _declare(self) -> list[tuple[int, str]]:
        """Declare every binding; return the names still to resolve as ``(node, namespace)``."""
        a, kinds = self.a, self.kinds
        pending: list[tuple[int, str]] = []
        for node, kind in enumerate(a.kinds):
            if kind in (
                "identifier",
                "shorthand_property_identifier",
                "shorthand_property_identifier_pattern",
                "type_identifier",
            ):
                role = binding_role(self, node)
                if role is None:
                    if kind == "type_identifier":
                        pending.append((node, TYPE))
                    elif kind == "identifier" or kind == "shorthand_property_identifier":
                        kinds[node] = "name_load"
                        pending.append((node, VALUE))
                elif role == "assign":
                    kinds[node] = "name_store"
                    pending.append((node, VALUE))
            elif kind == "member_expression":
                kinds[node] = "attribute_store" if _is_target(self, node) else "attribute"
            elif kind == "call_expression":
                kinds[node] = "call"
            elif kind in _MEMBER_DEFINITIONS:
                self._declare_member(node)
            elif kind in ("import_statement", "variable_declarator"):
                bindings = import_bindings(self, node) if kind == "import_statement" else require_bindings(self, node)
                self.tables.imports.extend(bindings)
        return pending

    def _declare_member(self, node: int) -> None:
        scope = self.scope_of[node]
        if scope < 0 or self.scopes[scope].kind is not ScopeKind.CLASS:
            return
        name = self._field(node, "name")
        text = self._name_text(name)
        if name is None or not text:
            return
        is_method = self.kinds[node] in ("method_definition", "abstract_method_signature", "method_signature")
        sid = self.member(scope, text, SymbolKind.FUNCTION if is_method else SymbolKind.ATTRIBUTE)
        self.drafts[sid].definitions.append(name)
        self.symbol_of[name] = sid

    # -- resolution ---------------------------------------------------------------------
    def lookup(self, scope: int, namespace: str, name: str) -> int | None:
        while scope >= 0:
            hit = self.bindings.get((scope, namespace, name))
            if hit is not None:
                return hit
            scope = self.scopes[scope].parent
        return None

    def _resolve(self, pending: list[tuple[int, str]]) -> None:
        names = self.a.names
        builtins: dict[tuple[str, str], int] = {}
        for node, namespace in pending:
            name = names.get(node) or self._text(node)
            sid = self.lookup(self.scope_of[node], namespace, name)
            if sid is None:
                sid = builtins.get((namespace, name))
                if sid is None:
                    sid = builtins[(namespace, name)] = len(self.drafts)
                    self.drafts.append(_SymbolDraft(name, -1, SymbolKind.BUILTIN))
            if self.kinds[node] == "name_store":
                self.drafts[sid].definitions.append(node)
            else:
                self.drafts[sid].uses.append(node)
                if self.kinds[node] == "name_load":
                    self.tables.loads.append((node, sid))
            self.symbol_of[node] = sid
        self._resolve_this()

    def _resolve_this(self) -> None:
        """``this.x``: a member of the class whose method (arrows see through) holds it."""
        a, kinds = self.a, self.kinds
        for node, kind in enumerate(kinds):
            if kind not in ("attribute", "attribute_store"):
                continue
            obj = self._field(node, "object")
            prop = self._field(node, "property")
            if obj is None or prop is None or kinds[obj] != "this" or prop not in a.names:
                continue
            cls = self.class_of_this(obj)
            if cls is None:
                continue
            self.tables.this_class[obj] = cls
            sid = self.member(cls, a.names[prop], SymbolKind.ATTRIBUTE)
            (self.drafts[sid].definitions if kind == "attribute_store" else self.drafts[sid].uses).append(node)
            self.symbol_of[node] = sid

    def class_of_this(self, node: int) -> int | None:
        """The class scope ``this`` refers to at ``node`` (through arrow functions)."""
        scope = self.scope_of[node]
        while scope >= 0:
            s = self.scopes[scope]
            if s.kind is ScopeKind.FUNCTION and self.kinds[s.node] != "arrow_function":
                parent = self.scopes[s.parent] if s.parent >= 0 else None
                return parent.id if parent is not None and parent.kind is ScopeKind.CLASS else None
            if s.kind is ScopeKind.CLASS:
                return s.id  # a field initialiser
            scope = s.parent
        return None


def _is_target(builder: ScriptScopes, node: int) -> bool:
    """Whether the member expression ``node`` is written (``o.x = 1``, ``o.x++``)."""
    a = builder.a
    parent = a.parents[node]
    pk = a.kinds[parent] if parent >= 0 else ""
    field_name = a.fields[node]
    return (
        (pk in ("assignment_expression", "augmented_assignment_expression") and field_name == "left")
        or (pk == "update_expression")
        or (pk == "for_in_statement" and field_name == "left")
    )
