"""What an identifier of a script binds: declarations, parameters, destructuring
patterns, assignment targets, ES imports and CommonJS ``require``.

:func:`binding_role` climbs from an identifier through the destructuring
patterns around it (``{a, b: [c], d = 1}``) to the construct that binds it, and
declares it there: ``var`` in the function, ``let``/``const`` in the block,
parameters in their function, a class both as a value and as a type.  A pattern's
default value (``d = 1``'s ``1``) and the key of ``b: [c]`` bind nothing.

Example::

    const {a, b: [c]} = obj;        a, c: name_store (variables of the block)
    import def, {x as y} from "m";  def, y: name_store (imports); x: identifier
    const fs = require("fs");       fs: an ImportBinding of module "fs"
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..graph import ImportBinding, ScopeKind, SymbolKind

if TYPE_CHECKING:
    from .scopes import ScriptScopes

logger = logging.getLogger(__name__)

_PATTERNS = frozenset(
    {
        "object_pattern",
        "array_pattern",
        "rest_pattern",
        "pair_pattern",
        "assignment_pattern",
        "object_assignment_pattern",
    }
)
_DEFAULTED = frozenset({"assignment_pattern", "object_assignment_pattern"})
_CLASSES = ("class_declaration", "abstract_class_declaration", "class")
_VALUE_TYPE = ("value", "type")
_DECLARED_BY_NAME = {
    "function_declaration": (SymbolKind.FUNCTION, ("value",)),
    "generator_function_declaration": (SymbolKind.FUNCTION, ("value",)),
    "function_signature": (SymbolKind.FUNCTION, ("value",)),
    "class_declaration": (SymbolKind.CLASS, _VALUE_TYPE),
    "abstract_class_declaration": (SymbolKind.CLASS, _VALUE_TYPE),
    "enum_declaration": (SymbolKind.CLASS, _VALUE_TYPE),
    "interface_declaration": (SymbolKind.TYPE, ("type",)),
    "type_alias_declaration": (SymbolKind.TYPE, ("type",)),
    "type_parameter": (SymbolKind.TYPE, ("type",)),
    "internal_module": (SymbolKind.VARIABLE, _VALUE_TYPE),
}
_OWN_NAME = frozenset({"function_expression", "function", "generator_function", "class"})


def binding_role(b: "ScriptScopes", node: int) -> str | None:
    """``None`` for a read (or a type reference), ``assign`` for a write to an
    existing name, ``noname`` for a name that is no variable, ``declared`` once
    the binding has been declared."""
    a = b.a
    parent = a.parents[node]
    if parent < 0:
        return None
    pk, field_name = a.kinds[parent], a.fields[node]
    if field_name == "name" and pk in _DECLARED_BY_NAME:
        kind, namespaces = _DECLARED_BY_NAME[pk]
        b.define(node, b.scope_of[node], kind, namespaces)
        b.kinds[node] = "name_store"
        return "declared"
    if field_name == "name" and pk in _OWN_NAME:
        b.define(node, b.opened[parent], SymbolKind.CLASS if pk == "class" else SymbolKind.FUNCTION, _VALUE_TYPE)
        b.kinds[node] = "name_store"
        return "declared"
    if field_name == "name" and pk in ("required_parameter", "optional_parameter", "index_signature"):
        return "noname"  # a tuple member's label, an index signature's key
    imported = _import_role(b, node, parent, pk, field_name)
    if imported is not None:
        return imported
    if a.kinds[node] == "type_identifier":
        return None
    return _pattern_role(b, node)


def _import_role(b: "ScriptScopes", node: int, parent: int, pk: str, field_name: str | None) -> str | None:
    if pk == "import_specifier":
        if field_name == "name" and b._field(parent, "alias") is not None:
            return "noname"
    elif pk == "export_specifier":
        statement = b.a.parents[b.a.parents[parent]]
        if field_name == "alias" or (statement >= 0 and b._field(statement, "source") is not None):
            return "noname"
        return None
    elif pk not in ("namespace_import", "import_clause", "import_require_clause"):
        return None
    b.define(node, 0, SymbolKind.IMPORT, _VALUE_TYPE)
    b.kinds[node] = "name_store"
    return "declared"


def _pattern_role(b: "ScriptScopes", node: int) -> str | None:
    a = b.a
    child, parent = node, a.parents[node]
    while parent >= 0 and a.kinds[parent] in _PATTERNS:
        pk, field_name = a.kinds[parent], a.fields[child]
        if pk == "pair_pattern" and field_name != "value":
            return "noname"
        if pk in _DEFAULTED and field_name != "left":
            return None
        child, parent = parent, a.parents[parent]
    if parent < 0:
        return None
    pk, field_name = a.kinds[parent], a.fields[child]
    if pk in ("required_parameter", "optional_parameter") and field_name == "name":
        return "noname"  # a labelled tuple member
    if pk == "variable_declarator" and field_name == "name":
        holder = a.parents[parent]
        is_var = holder >= 0 and a.kinds[holder] == "variable_declaration"
        scope = b.nearest(b.scope_of[node], ScopeKind.FUNCTION, ScopeKind.MODULE) if is_var else b.scope_of[node]
        return _declare_variable(b, node, scope)
    if (
        (pk in ("required_parameter", "optional_parameter") and field_name == "pattern")
        or pk == "formal_parameters"
        or (pk == "arrow_function" and field_name == "parameter")
    ):
        if not _of_function(b, parent):
            return "noname"  # a signature's parameter (`(x: T) => U`, an overload): no variable
        b.define(node, b.scope_of[node], SymbolKind.PARAMETER)
        b.kinds[node] = "parameter"
        _parameter_property(b, node, parent, child)
        return "declared"
    if pk == "catch_clause" and field_name == "parameter":
        return _declare_variable(b, node, b.opened[parent])
    if pk == "for_in_statement" and field_name == "left":
        keyword = b._data[a.start_bytes[parent] : a.start_bytes[child]].split(b"(")[-1].strip()
        if keyword in (b"var", b"let", b"const"):
            scope = (
                b.nearest(b.scope_of[node], ScopeKind.FUNCTION, ScopeKind.MODULE)
                if keyword == b"var"
                else b.opened.get(parent, b.scope_of[node])
            )
            return _declare_variable(b, node, scope)
        return "assign"
    if (
        pk in ("assignment_expression", "augmented_assignment_expression") and field_name == "left"
    ) or pk == "update_expression":
        return "assign"
    return None


def _of_function(b: "ScriptScopes", parameter: int) -> bool:
    """Whether a parameter node belongs to a function with a body (not a signature)."""
    from .scopes import FUNCTION_KINDS

    owner = parameter if b.a.kinds[parameter] in ("arrow_function", "formal_parameters") else b.a.parents[parameter]
    if b.a.kinds[owner] == "formal_parameters":
        owner = b.a.parents[owner]
    return owner >= 0 and b.a.kinds[owner] in FUNCTION_KINDS


def _declare_variable(b: "ScriptScopes", node: int, scope: int) -> str:
    b.define(node, scope, SymbolKind.VARIABLE)
    b.kinds[node] = "name_store"
    return "declared"


def _parameter_property(b: "ScriptScopes", node: int, parameter: int, child: int) -> None:
    """``constructor(public z: string)`` declares the member ``z`` too."""
    a = b.a
    if child != node or a.kinds[parameter] not in ("required_parameter", "optional_parameter"):
        return
    if not any(
        a.kinds[c] in ("accessibility_modifier", "override_modifier") for c in a.children[parameter]
    ) and not b._data[a.start_bytes[parameter] : a.start_bytes[node]].strip().startswith(b"readonly"):
        return
    function = b.scopes[b.scope_of[node]]
    if function.name != "constructor" or function.parent < 0 or b.scopes[function.parent].kind is not ScopeKind.CLASS:
        return
    sid = b.member(function.parent, a.names[node], SymbolKind.ATTRIBUTE)
    b.drafts[sid].definitions.append(node)


def _string_value(b: "ScriptScopes", node: int | None) -> str | None:
    if node is None or b.a.kinds[node] not in ("string", "template_string"):
        return None
    text = b._text(node)
    return text[1:-1] if len(text) >= 2 else None


def import_bindings(b: "ScriptScopes", statement: int) -> list[ImportBinding]:
    """The names an ``import`` statement binds (a side-effect import binds none)."""
    a = b.a
    module = _string_value(b, b._field(statement, "source"))
    out: list[ImportBinding] = []
    for clause in a.children[statement]:
        kind = a.kinds[clause]
        if kind == "import_require_clause":
            name = next((c for c in a.children[clause] if a.kinds[c] == "identifier"), None)
            source = _string_value(b, b._field(clause, "source"))
            if name is not None and source is not None:
                out.append(ImportBinding(name, statement, source, 0, None, a.names[name]))
        if kind != "import_clause" or module is None:
            continue
        for item in a.children[clause]:
            ik = a.kinds[item]
            if ik == "identifier":
                out.append(ImportBinding(item, statement, module, 0, "default", a.names[item]))
            elif ik == "namespace_import":
                name = next((c for c in a.children[item] if a.kinds[c] == "identifier"), None)
                if name is not None:
                    out.append(ImportBinding(name, statement, module, 0, None, a.names[name]))
            elif ik == "named_imports":
                out.extend(_specifiers(b, item, statement, module))
    return out


def _specifiers(b: "ScriptScopes", named: int, statement: int, module: str) -> list[ImportBinding]:
    out = []
    for spec in b.a.children[named]:
        if b.a.kinds[spec] != "import_specifier":
            continue
        name = b._field(spec, "name")
        alias = b._field(spec, "alias")
        bound = alias if alias is not None else name
        imported = b._name_text(name)
        if bound is not None and bound in b.a.names and imported:
            out.append(ImportBinding(bound, statement, module, 0, imported, b.a.names[bound]))
    return out


def require_bindings(b: "ScriptScopes", declarator: int) -> list[ImportBinding]:
    """``const x = require("m")``, ``const {a, b: c} = require("m")``,
    ``const y = require("m").y``: CommonJS imports."""
    a = b.a
    value = b._field(declarator, "value")
    name = b._field(declarator, "name")
    if value is None or name is None:
        return []
    member = None
    if a.kinds[value] == "member_expression":
        member = b._name_text(b._field(value, "property"))
        value = b._field(value, "object")
    module = _required_module(b, value)
    if module is None:
        return []
    if a.kinds[name] == "identifier":
        return [ImportBinding(name, declarator, module, 0, member, a.names[name])]
    if a.kinds[name] != "object_pattern" or member is not None:
        return []
    out = []
    for item in a.children[name]:
        if a.kinds[item] == "shorthand_property_identifier_pattern":
            out.append(ImportBinding(item, declarator, module, 0, a.names[item], a.names[item]))
        elif a.kinds[item] == "pair_pattern":
            key, target = b._field(item, "key"), b._field(item, "value")
            if key is not None and target is not None and a.kinds[target] == "identifier":
                out.append(ImportBinding(target, declarator, module, 0, b._name_text(key) or "", a.names[target]))
    return out


def _required_module(b: "ScriptScopes", call: int | None) -> str | None:
    a = b.a
    if call is None or a.kinds[call] not in ("call_expression", "call"):
        return None
    function = b._field(call, "function")
    arguments = b._field(call, "arguments")
    if function is None or a.names.get(function) != "require" or arguments is None:
        return None
    args = a.children[arguments]
    return _string_value(b, args[0]) if len(args) == 1 else None
