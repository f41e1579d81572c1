"""What a script module exports: ES ``export`` forms, re-exports and CommonJS.

:func:`module_exports` reads a :class:`~typelens.analyzer.typescript.ScriptGraph`
once into a :class:`ModuleExports`: each exported name with the node that defines
it in this file (a declaration: ``function_declaration``, ``class_declaration``,
``interface_declaration`` ...; a variable's ``name_store``; an expression for
``export default <expr>``) or the module it is re-exported from, plus the
``export * from`` specifiers and the ambient ``declare module "x" { ... }``
blocks of a declaration file.  CommonJS assignments count too:
``module.exports = {a, b: f}``, ``module.exports.x = ...``, ``exports.y = ...``
(``module.exports = X`` is the module's ``default``, as TypeScript's
``esModuleInterop`` reads it).

Example::

    export function f() {}          f -> function_declaration
    export { g as h } from "./g";   h -> re-export of g from "./g"
    export * from "./all";          stars: ("./all",)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..graph import ProgramGraph, SymbolKind

logger = logging.getLogger(__name__)

DECLARATIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
        "internal_module",
        "function_signature",
    }
)


@dataclass(frozen=True, slots=True)
class Export:
    """One exported name: defined at ``node`` here, or re-exported from ``module``
    (``imported`` is its name there; ``None``: the module's namespace)."""

    name: str
    node: int | None = None
    module: str | None = None
    imported: str | None = None


@dataclass(frozen=True, slots=True)
class ModuleExports:
    names: dict[str, Export] = field(default_factory=dict)
    stars: tuple[str, ...] = ()
    ambient: dict[str, int] = field(default_factory=dict)  # declared module name -> its body node


def definition_node(g: ProgramGraph, store: int) -> int:
    """The declaration a defining name stands for (``function f`` for ``f``), or itself."""
    parent = g.parents[store]
    if parent >= 0 and g.kinds[parent] in DECLARATIONS and g.fields[store] == "name":
        return parent
    return store


def _string(g: ProgramGraph, node: int | None) -> str | None:
    if node is None or g.kinds[node] != "string":
        return None
    text = g.text(node)
    return text[1:-1] if len(text) >= 2 else None


def module_exports(g: ProgramGraph, body: int = 0) -> ModuleExports:
    """The exports of the module whose statements are ``body``'s children (the file,
    or an ambient module's block)."""
    names: dict[str, Export] = {}
    stars: list[str] = []
    ambient: dict[str, int] = {}
    for statement in g.children(body):
        kind = g.kinds[statement]
        if kind == "export_statement":
            _export_statement(g, statement, names, stars)
        elif kind == "ambient_declaration":
            for inner in g.children(statement):
                if g.kinds[inner] == "module" and (module := _string(g, g.child_by_field(inner, "name"))) is not None:
                    block = g.child_by_field(inner, "body")
                    if block is not None:
                        ambient[module] = block
                elif body != 0:
                    _declared(g, inner, names)
        elif kind == "expression_statement":
            _commonjs(g, statement, names)
        elif body != 0 and kind in DECLARATIONS | {"lexical_declaration", "variable_declaration"}:
            _declared(g, statement, names)  # inside `declare module "x" {}` everything is exported
    return ModuleExports(names, tuple(stars), ambient)


def _export_statement(g: ProgramGraph, statement: int, names: dict[str, Export], stars: list[str]) -> None:
    source = _string(g, g.child_by_field(statement, "source"))
    declaration = g.child_by_field(statement, "declaration")
    value = g.child_by_field(statement, "value")
    text = g.source.data[g.start_bytes[statement] : g.start_bytes[statement] + 40]
    is_default = text.split(b"{")[0].split()[1:2] == [b"default"]
    if declaration is not None:
        if is_default:
            names["default"] = Export("default", declaration)
        _declared(g, declaration, names)
        return
    if value is not None:
        names["default"] = Export("default", _local(g, value))
        if text.startswith(b"export =") or text.startswith(b"export="):
            names["="] = names["default"]
        return
    clause = next((c for c in g.children(statement) if g.kinds[c] == "export_clause"), None)
    if clause is None:
        namespace = next((c for c in g.children(statement) if g.kinds[c] == "namespace_export"), None)
        if source is not None and namespace is None:
            stars.append(source)
        elif source is not None and namespace is not None and g.children(namespace):
            as_name = g.children(namespace)[-1]
            names[g.text(as_name)] = Export(g.text(as_name), None, source, None)
        return
    for spec in g.children(clause):
        name, alias = g.child_by_field(spec, "name"), g.child_by_field(spec, "alias")
        if name is None:
            continue
        exported = g.text(alias if alias is not None else name).strip("'\"")
        if source is not None:
            names[exported] = Export(exported, None, source, g.text(name).strip("'\""))
        else:
            names[exported] = _from_local(g, exported, name)


def _from_local(g: ProgramGraph, exported: str, name: int) -> Export:
    """``export { x }``: x's definition here, or the import it came through."""
    sym = g.symbol_at(name)
    if sym is None or not sym.definitions:
        return Export(exported)
    if sym.kind is SymbolKind.IMPORT:
        binding = next((b for b in g.imports if b.node in sym.definitions), None)
        if binding is not None:
            return Export(exported, None, binding.module, binding.name)
    return Export(exported, definition_node(g, sym.definitions[0]))


def _local(g: ProgramGraph, value: int) -> int:
    if g.kinds[value] == "name_load":
        sym = g.symbol_at(value)
        if sym is not None and sym.definitions and sym.kind is not SymbolKind.IMPORT:
            return definition_node(g, sym.definitions[0])
    return value


def _declared(g: ProgramGraph, declaration: int, names: dict[str, Export]) -> None:
    kind = g.kinds[declaration]
    if kind in DECLARATIONS:
        name = g.child_by_field(declaration, "name")
        if name is not None:
            names[g.text(name)] = Export(g.text(name), declaration)
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in g.children(declaration):
            name = g.child_by_field(declarator, "name")
            if name is None:
                continue
            stores = (
                [name]
                if g.kinds[name] == "name_store"
                else [n for n in descendants(g, name) if g.kinds[n] == "name_store"]
            )
            for store in stores:
                names[g.text(store)] = Export(g.text(store), store)
    elif kind == "ambient_declaration":
        for inner in g.children(declaration):
            _declared(g, inner, names)


def descendants(g: ProgramGraph, node: int) -> list[int]:
    """Nodes below ``node``: ids are pre-order, so they follow it while inside its span."""
    out, n, end = [], node + 1, g.end_bytes[node]
    while n < len(g.kinds) and g.kinds[n] not in ("entry", "exit") and g.start_bytes[n] < end:
        out.append(n)
        n += 1
    return out


def _commonjs(g: ProgramGraph, statement: int, names: dict[str, Export]) -> None:
    for assignment in g.children(statement):
        if g.kinds[assignment] != "assignment_expression":
            continue
        left, right = g.child_by_field(assignment, "left"), g.child_by_field(assignment, "right")
        if left is None or right is None:
            continue
        target = g.text(left).replace(" ", "")
        if target == "module.exports":
            names["default"] = names["="] = Export("default", _local(g, right))
            if g.kinds[right] == "object":
                _object_members(g, right, names)
        elif target.startswith(("module.exports.", "exports.")) and target.count(".") == 1 + target.startswith("m"):
            member = target.rsplit(".", 1)[1]
            names[member] = Export(member, _local(g, right))


def _object_members(g: ProgramGraph, obj: int, names: dict[str, Export]) -> None:
    for item in g.children(obj):
        if g.kinds[item] == "pair":
            key, value = g.child_by_field(item, "key"), g.child_by_field(item, "value")
            if key is not None and value is not None:
                names[g.text(key).strip("'\"")] = Export(g.text(key).strip("'\""), _local(g, value))
        elif g.kinds[item] == "name_load":
            names[g.text(item)] = Export(g.text(item), _local(g, item))
        elif g.kinds[item] == "method_definition":
            name = g.child_by_field(item, "name")
            if name is not None:
                names[g.text(name)] = Export(g.text(name), item)
