"""The second pass: identifier roles, scopes and symbols, with Python's real rules.

One linear loop over the pre-ordered node arrays gives every node a *context*
(load, store, delete, parameter, not-a-name) and a *scope*, from its parent's
context and scope alone, so no recursion is needed.  Then every load is resolved
by LEGB: the scope's own bindings (unless declared ``global``/``nonlocal``), then
enclosing function scopes (class scopes are skipped, as Python does), then the
module, then builtins.

The rules this encodes, with what we infer::

    def f(a, b=c):        # a, b: parameters of f; c: load in the *enclosing* scope
        global g; g = 1   # g binds in the module
        [x for x in a]    # x is local to the comprehension; `a` (first iterable)
                          # is read in f
        (y := 2)          # walrus binds y in f, even inside a comprehension
    class C:
        v = 1
        def m(self):
            return v      # not C.v: class scopes are invisible to methods
"""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass, field
from typing import Final

from .graph import ImportBinding, Scope, ScopeKind, Symbol, SymbolKind, new_symbol
from .syntax import SyntaxArrays

logger = logging.getLogger(__name__)

# A name's context.  Final: compiled, mypyc reads these as constants, where a plain module
# global is a lookup in the module's dict at each use (two a node in _walk).
LOAD: Final = 0
STORE: Final = 1
DEL: Final = 2
PARAM: Final = 3
NONAME: Final = 4
AUG: Final = 5
CASE: Final = 6
IMPORT: Final = 7
_IDENT_KIND: Final = {
    LOAD: "name_load",
    STORE: "name_store",
    DEL: "name_del",
    PARAM: "parameter",
    NONAME: "identifier",
    AUG: "name_store",
    CASE: "name_load",
    IMPORT: "identifier",
}
_BUILTIN_NAMES: Final = frozenset(dir(builtins)) | {
    "__file__",
    "__name__",
    "__doc__",
    "__spec__",
    "__path__",
    "__package__",
    "__loader__",
    "__builtins__",
}

_FIELD_CTX: dict[tuple[str, str], int] = {
    ("assignment", "left"): STORE,
    ("augmented_assignment", "left"): AUG,
    ("for_statement", "left"): STORE,
    ("for_in_clause", "left"): STORE,
    ("named_expression", "name"): STORE,
    ("as_pattern", "alias"): STORE,
    ("function_definition", "name"): STORE,
    ("class_definition", "name"): STORE,
    ("keyword_argument", "name"): NONAME,
    ("attribute", "attribute"): NONAME,
    ("default_parameter", "name"): PARAM,
    ("typed_default_parameter", "name"): PARAM,
    ("import_from_statement", "module_name"): NONAME,
    ("import_statement", "name"): IMPORT,
    ("aliased_import", "name"): NONAME,
    ("aliased_import", "alias"): STORE,
    ("type_alias_statement", "left"): STORE,
}
_PROPAGATE: Final = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "tuple",
        "list",
        "parenthesized_expression",
        "list_splat_pattern",
        "dictionary_splat_pattern",
        "as_pattern_target",
        "list_splat",
        "expression_list",
        "type",
        "generic_type",
    }
)
_PARAM_LISTS: Final = frozenset({"parameters", "lambda_parameters"})
_COMPREHENSIONS = {
    "list_comprehension": "<listcomp>",
    "set_comprehension": "<setcomp>",
    "dictionary_comprehension": "<dictcomp>",
    "generator_expression": "<genexpr>",
}
_ATTR_OWNER_KINDS = (ScopeKind.FUNCTION,)


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class ScopeTables:
    """Everything the scope pass learns; frozen into the graph by the builder."""

    kinds: list[str]
    scope_of: list[int]
    scopes: list[Scope] = field(default_factory=list)
    bindings: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    loads: list[tuple[int, int, str]] = field(default_factory=list)  # (node, scope, name)
    declared: dict[tuple[int, str], str] = field(default_factory=dict)  # -> 'global'/'nonlocal'
    imports: list[ImportBinding] = field(default_factory=list)
    attribute_stores: list[tuple[int, int, str, str]] = field(default_factory=list)  # node, scope, base, attr
    attribute_loads: list[tuple[int, int, str, str]] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    symbol_of: dict[int, int] = field(default_factory=dict)
    resolved: dict[int, int] = field(default_factory=dict)  # load node -> symbol id


def _child_ctx(kinds, fields, ctx, names, children, parent: int, child: int) -> int:
    """The context of ``child`` from its parent's kind, its field and the parent's context."""
    pk, f, ck = kinds[parent], fields[child], kinds[child]
    if f is not None:
        hit = _FIELD_CTX.get((pk, f))
        if hit is not None:
            return hit
        if pk in ("default_parameter", "typed_default_parameter", "typed_parameter") and f in ("value", "type"):
            return LOAD
    pctx = ctx[parent]
    if pctx in (NONAME, IMPORT):
        return NONAME
    if pk in _PARAM_LISTS or pk == "typed_parameter":
        return PARAM
    if pctx in (STORE, DEL, PARAM) and pk in _PROPAGATE:
        return pctx
    if pk == "delete_statement":
        return DEL
    if pk in ("global_statement", "nonlocal_statement", "keyword_pattern") and ck == "identifier":
        return NONAME
    if pk == "import_from_statement":
        return STORE if ck == "dotted_name" else (IMPORT if ck == "aliased_import" else NONAME)
    if pk == "dotted_name":
        first = children[parent][0] == child
        if pctx == STORE:
            return STORE if first else NONAME
        if pctx == CASE and len(children[parent]) == 1:
            return NONAME if names.get(child) == "_" else STORE
        return LOAD if first else NONAME
    if (
        ck == "identifier"
        and f is None
        and ((pk == "as_pattern" and children[parent][0] != child) or pk == "splat_pattern")
    ):
        return NONAME if names.get(child) == "_" else STORE
    if pk == "class_pattern" and ck == "dotted_name":
        return LOAD
    if pk == "case_pattern" or (pctx == CASE and pk not in ("call", "attribute", "argument_list")):
        return CASE
    return LOAD


class ScopeBuilder:
    """Runs the scope pass over :class:`SyntaxArrays`."""

    def __init__(self, arrays: SyntaxArrays) -> None:
        self.a = arrays
        self.t = ScopeTables(kinds=list(arrays.kinds), scope_of=[0] * len(arrays.kinds))
        self._inner: dict[int, int] = {}
        self._first_for: set[int] = set()
        self._import_nodes: set[int] = set()
        self._import_statements: list[int] = []

    def run(self) -> ScopeTables:
        self._walk()
        self._build_symbols()
        return self.t

    # -- the linear pass -------------------------------------------------------
    def _new_scope(self, node: int, kind: ScopeKind, name: str, parent: int) -> int:
        sid = len(self.t.scopes)
        if parent < 0:
            qualname = ""
        else:
            base = self.t.scopes[parent].qualname
            qualname = f"{base}.{name}" if base else name
        self.t.scopes.append(Scope(sid, kind, node, name, qualname, parent))
        self._inner[node] = sid
        return sid

    def _scope_for(self, parent: int, child: int) -> int:
        fields, scope_of = self.a.fields, self.t.scope_of
        pk, f = self.a.kinds[parent], fields[child]
        inner = self._inner.get(parent)
        if inner is not None:
            if pk in ("function_definition", "lambda"):
                return inner if f in ("parameters", "body") else scope_of[parent]
            if pk == "class_definition":
                return inner if f == "body" else scope_of[parent]
            return inner  # comprehension
        if f in ("value", "type") and pk in ("default_parameter", "typed_default_parameter", "typed_parameter"):
            return self.t.scopes[scope_of[parent]].parent if scope_of[parent] > 0 else 0
        if f == "right" and parent in self._first_for:
            return self.t.scopes[scope_of[parent]].parent
        return scope_of[parent]

    def _walk(self) -> None:
        a, t = self.a, self.t
        kinds, parents, fields, names, children = a.kinds, a.parents, a.fields, a.names, a.children
        ctx = [LOAD] * len(kinds)
        out_kinds, scope_of, loads = t.kinds, t.scope_of, t.loads
        self._import_statements = []
        if kinds:
            self._new_scope(0, ScopeKind.MODULE, "", -1)
        special_ctx, special_scope, inner = _SPECIAL_CTX_PARENTS, _SPECIAL_SCOPE_PARENTS, self._inner
        scope_parents = _SCOPE_PARENTS
        # a child's context, by (parent kind, field, kind, parent context): what
        # _child_ctx reads but for the parents below whose children it tells apart
        # by position or name (43% of the nodes ask; a file has about 100 keys)
        memo: dict[tuple[str, str | None, str, int], int] = {}
        for node in range(1, len(kinds)):
            parent = parents[node]
            pk = kinds[parent]
            if ctx[parent] == LOAD and pk not in special_ctx:
                c = LOAD  # the common case: an expression inside an expression
            else:
                key = (pk, fields[node], kinds[node], ctx[parent])
                c = memo.get(key, -1)
                if c == -1:
                    c = _child_ctx(kinds, fields, ctx, names, children, parent, node)
                    if pk not in _POSITIONAL_CTX_PARENTS:
                        memo[key] = c
                ctx[node] = c
            # only a scope's node (the root, a scope maker) is in inner: the kind is tested
            # first, as a set's member, not the node, boxed, as a dict's key
            if (parent == 0 or pk in scope_parents) and (parent in inner or pk in special_scope):
                scope_of[node] = scope = self._scope_for(parent, node)
            else:
                scope_of[node] = scope = scope_of[parent]
            kind = kinds[node]
            if kind == "identifier":
                out_kinds[node] = _IDENT_KIND[c]
                if c == LOAD:  # most identifiers: a read
                    loads.append((node, scope, names[node]))
                else:
                    self._record_name(node, c, scope, names[node])
                continue
            if kind not in _ACTION_KINDS:  # most nodes: a set's test, cheaper than a dict's get
                continue
            action = _KIND_ACTIONS[kind]
            # dispatched here, not through a table of bound methods: compiled, a direct call
            if action == _SCOPE_MAKER:
                self._open_scope(node, kind, scope)
            elif action == _ATTRIBUTE:
                self._on_attribute(node, c, scope)
            elif action == _DECLARATION:
                self._on_declaration(node, kind, scope)
            else:
                self._import_statements.append(node)
        for node in self._import_statements:
            self._record_import(node)

    def _on_attribute(self, node: int, c: int, scope: int) -> None:
        if c in (STORE, AUG, DEL):
            self.t.kinds[node] = "attribute_store"
            self._record_attribute(node, scope, self.t.attribute_stores)
        else:
            self._record_attribute(node, scope, self.t.attribute_loads)

    def _on_declaration(self, node: int, kind: str, scope: int) -> None:
        names = self.a.names
        for child in self.a.children[node]:
            if child in names:
                self.t.declared[(scope, names[child])] = kind.split("_")[0]

    def _open_scope(self, node: int, kind: str, scope: int) -> None:
        a = self.a
        if kind in _COMPREHENSIONS:
            self._new_scope(node, ScopeKind.COMPREHENSION, _COMPREHENSIONS[kind], scope)
            first = next((c for c in a.children[node] if a.kinds[c] == "for_in_clause"), None)
            if first is not None:
                self._first_for.add(first)
            return
        if kind == "lambda":
            self._new_scope(node, ScopeKind.LAMBDA, "<lambda>", scope)
            return
        name_node = next((c for c in a.children[node] if a.fields[c] == "name"), None)
        name = a.names.get(name_node, "<anonymous>") if name_node is not None else "<anonymous>"
        self._new_scope(node, ScopeKind.CLASS if kind == "class_definition" else ScopeKind.FUNCTION, name, scope)

    def _record_name(self, node: int, c: int, scope: int, name: str) -> None:
        t = self.t
        if c in (STORE, AUG, DEL, PARAM):
            if self.a.kinds[self.a.parents[node]] == "named_expression":
                while t.scopes[scope].kind is ScopeKind.COMPREHENSION:
                    scope = t.scopes[scope].parent
                t.scope_of[node] = scope
            t.bindings.setdefault((scope, name), []).append(node)
            if c in (AUG, DEL):
                t.loads.append((node, scope, name))
        elif c in (LOAD, CASE):
            t.loads.append((node, scope, name))

    def _record_attribute(self, node: int, scope: int, into: list) -> None:
        a = self.a
        kids = a.children[node]
        if len(kids) == 2 and a.kinds[kids[0]] == "identifier" and kids[1] in a.names:
            into.append((node, scope, a.names[kids[0]], a.names[kids[1]]))

    def _record_import(self, stmt: int) -> None:
        a, t = self.a, self.t
        kids = a.children[stmt]
        if a.kinds[stmt] == "import_statement":
            for item in kids:
                dotted, alias = (item, None) if a.kinds[item] == "dotted_name" else self._aliased(item)
                if dotted is None:
                    continue
                module = self._dotted(dotted)
                bound = alias if alias is not None else a.children[dotted][0]
                if alias is None:
                    # `import a.b` binds `a`: make the first identifier a store.
                    t.kinds[bound] = "name_store"
                    t.bindings.setdefault((t.scope_of[bound], a.names[bound]), []).append(bound)
                t.imports.append(ImportBinding(bound, stmt, module, 0, None, a.names.get(bound, "")))
            return
        module_node = next((c for c in kids if a.fields[c] == "module_name"), None)
        module, level = "", 0
        if module_node is not None:
            if a.kinds[module_node] == "relative_import":
                level = a.relative_levels.get(module_node, 1)
                inner = next((c for c in a.children[module_node] if a.kinds[c] == "dotted_name"), None)
                module = self._dotted(inner) if inner is not None else ""
            else:
                module = self._dotted(module_node)
        for item in kids:
            if a.fields[item] != "name" and a.kinds[item] != "wildcard_import":
                continue
            if a.kinds[item] == "wildcard_import":
                t.imports.append(ImportBinding(stmt, stmt, module, level, "*", "*"))
                continue
            dotted, alias = (item, None) if a.kinds[item] == "dotted_name" else self._aliased(item)
            if dotted is None:
                continue
            name = self._dotted(dotted)
            bound = alias if alias is not None else a.children[dotted][0]
            t.imports.append(ImportBinding(bound, stmt, module, level, name, a.names.get(bound, "")))

    def _aliased(self, item: int) -> tuple[int | None, int | None]:
        a = self.a
        dotted = next((c for c in a.children[item] if a.fields[c] == "name"), None)
        alias = next((c for c in a.children[item] if a.fields[c] == "alias"), None)
        return dotted, alias

    def _dotted(self, node: int) -> str:
        return ".".join(self.a.names.get(c, "") for c in self.a.children[node])

    # -- symbols and resolution ----------------------------------------------
    def _symbol_kind(self, node: int) -> SymbolKind:
        a, kind = self.a, self.t.kinds[node]
        if kind == "parameter":
            return SymbolKind.PARAMETER
        pk = a.kinds[a.parents[node]]
        if pk == "function_definition" and a.fields[node] == "name":
            return SymbolKind.FUNCTION
        if pk == "class_definition" and a.fields[node] == "name":
            return SymbolKind.CLASS
        if node in self._import_nodes:
            return SymbolKind.IMPORT
        return SymbolKind.VARIABLE

    def _build_symbols(self) -> None:
        """Symbols are drafted as mutable lists and frozen once at the end."""
        t = self.t
        self._import_nodes = {imp.node for imp in t.imports}
        index: dict[tuple[int, str], int] = {}
        drafts: list[list] = []  # [name, scope, kind, defs, uses, is_global_decl]
        for (scope, name), defs in t.bindings.items():
            if (scope, name) not in t.declared:
                index[(scope, name)] = len(drafts)
                drafts.append([name, scope, self._symbol_kind(defs[0]), list(defs), [], False])
        # Bindings in a scope that declared the name global/nonlocal belong elsewhere.
        for (scope, name), defs in t.bindings.items():
            if (scope, name) in t.declared:
                target = self._declared_target(scope, name)
                sid = index.get((target, name))
                if sid is None:
                    sid = index[(target, name)] = len(drafts)
                    drafts.append([name, target, SymbolKind.VARIABLE, [], [], True])
                drafts[sid][3].extend(defs)
                drafts[sid][5] = True
        self._resolve_loads(index, drafts)
        symbol_of = t.symbol_of
        for sid, (name, scope, kind, defs, uses, is_global) in enumerate(drafts):
            t.symbols.append(new_symbol(sid, name, scope, kind, tuple(defs), tuple(uses), is_global))
            for d in defs:
                symbol_of[d] = sid
        for node, sid in t.resolved.items():
            symbol_of.setdefault(node, sid)
        self._attribute_symbols()

    def _declared_target(self, scope: int, name: str) -> int:
        t = self.t
        if t.declared[(scope, name)] == "global":
            return 0
        s = t.scopes[scope].parent
        while s > 0:
            if t.scopes[s].kind is not ScopeKind.CLASS and (s, name) in t.bindings and (s, name) not in t.declared:
                return s
            s = t.scopes[s].parent
        return 0

    def lookup(self, index: dict[tuple[int, str], int], scope: int, name: str) -> int | None:
        """The symbol id ``name`` refers to when read in ``scope`` (LEGB)."""
        t = self.t
        if (scope, name) in t.declared:
            return index.get((self._declared_target(scope, name), name))
        hit = index.get((scope, name))
        if hit is not None:
            return hit
        s = t.scopes[scope].parent
        while s >= 0:
            if t.scopes[s].kind is not ScopeKind.CLASS or s == 0:
                hit = index.get((s, name))
                if hit is not None:
                    return hit
            s = t.scopes[s].parent
        return None

    def _resolve_loads(self, index: dict[tuple[int, str], int], drafts: list[list]) -> None:
        t = self.t
        outside: dict[str, int] = {}
        cache: dict[tuple[int, str], int | None] = {}
        resolved = t.resolved
        for node, scope, name in t.loads:
            key = (scope, name)
            sid = cache.get(key, -1)
            if sid == -1:
                sid = cache[key] = self.lookup(index, scope, name)
            if sid is None:
                sid = outside.get(name)
                if sid is None:
                    kind = SymbolKind.BUILTIN if name in _BUILTIN_NAMES else SymbolKind.UNRESOLVED
                    sid = outside[name] = len(drafts)
                    drafts.append([name, -1, kind, [], [], False])
            resolved[node] = sid
            drafts[sid][4].append(node)

    def _attribute_symbols(self) -> None:
        """``self.x = ...`` in a method defines attribute ``x`` of the enclosing class."""
        t = self.t
        defs: dict[tuple[int, str], list[int]] = {}
        uses: dict[tuple[int, str], list[int]] = {}
        owners: dict[tuple[int, str], int | None] = {}  # most records are ``self.x`` in a few methods
        for records, into in ((t.attribute_stores, defs), (t.attribute_loads, uses)):
            for node, scope, base, attr in records:
                owner = owners.get((scope, base), -1)
                if owner == -1:
                    owner = owners[(scope, base)] = self._method_owner(scope, base)
                if owner is not None:
                    into.setdefault((owner, attr), []).append(node)
        for key, nodes in defs.items():
            sid = len(t.symbols)
            t.symbols.append(
                new_symbol(sid, key[1], key[0], SymbolKind.ATTRIBUTE, tuple(nodes), tuple(uses.get(key, ())))
            )
            for node in nodes + uses.get(key, []):
                t.symbol_of[node] = sid

    def _method_owner(self, scope: int, base: str) -> int | None:
        """The class scope when ``base`` is the first parameter of the method ``scope``."""
        t = self.t
        sc = t.scopes[scope]
        while sc.kind in (ScopeKind.LAMBDA, ScopeKind.COMPREHENSION):
            sc = t.scopes[sc.parent]
        if sc.kind is not ScopeKind.FUNCTION or sc.parent < 0:
            return None
        owner = t.scopes[sc.parent]
        if owner.kind is not ScopeKind.CLASS:
            return None
        params = [n for n in t.bindings.get((sc.id, base), ()) if t.kinds[n] == "parameter"]
        if not params or not self._is_first_parameter(params[0]):
            return None
        return owner.id

    def _is_first_parameter(self, node: int) -> bool:
        a = self.a
        plist = a.parents[node]
        while a.kinds[plist] != "parameters":
            plist = a.parents[plist]
            if plist < 0:
                return False
        first = a.children[plist][0] if a.children[plist] else -1
        return first == node or (first >= 0 and node in a.children[first])


_SPECIAL_CTX_PARENTS: Final = frozenset(
    {pk for pk, _ in _FIELD_CTX}
    | _PARAM_LISTS
    | {
        "default_parameter",
        "typed_default_parameter",
        "typed_parameter",
        "delete_statement",
        "global_statement",
        "nonlocal_statement",
        "keyword_pattern",
        "import_from_statement",
        "dotted_name",
        "as_pattern",
        "splat_pattern",
        "class_pattern",
        "case_pattern",
    }
)
# parents whose children's context _child_ctx tells apart by position or name
_POSITIONAL_CTX_PARENTS: Final = frozenset({"dotted_name", "as_pattern", "splat_pattern"})
_SPECIAL_SCOPE_PARENTS: Final = frozenset(
    {"default_parameter", "typed_default_parameter", "typed_parameter", "for_in_clause"}
)
_SCOPE_MAKERS: Final = frozenset({"function_definition", "class_definition", "lambda", *_COMPREHENSIONS})
# the kinds of the parents below the root whose children _scope_for places
_SCOPE_PARENTS: Final = _SCOPE_MAKERS | _SPECIAL_SCOPE_PARENTS
# node kind -> what the linear pass does on it (identifiers are inline)
_SCOPE_MAKER: Final = 1
_ATTRIBUTE: Final = 2
_DECLARATION: Final = 3
_IMPORT_STATEMENT: Final = 4
_KIND_ACTIONS: Final[dict[str, int]] = {
    **{kind: _SCOPE_MAKER for kind in _SCOPE_MAKERS},
    "attribute": _ATTRIBUTE,
    "global_statement": _DECLARATION,
    "nonlocal_statement": _DECLARATION,
    "import_statement": _IMPORT_STATEMENT,
    "import_from_statement": _IMPORT_STATEMENT,
}
_ACTION_KINDS: Final = frozenset(_KIND_ACTIONS)
