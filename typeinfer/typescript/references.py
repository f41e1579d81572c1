"""References and rename in scripts: every place a symbol of a TypeScript or
JavaScript project is named, across files.

The name under the cursor is resolved once to a :class:`ScriptTarget`:

- ``local``: a variable, parameter or function of a function or block, a
  module-level name no other module can import, or the local name an import
  binds under a name of its own (``import {a as b}``, ``import * as ns``, a
  default import, ``const m = require("m")``): its definitions and uses in the
  file, by scope;
- ``export``: a module-level name the module exports under its own name, and
  every unaliased import of it (``import {area}``, ``const {area} =
  require(...)``), followed through ``export {..} from``, ``export *`` and
  CommonJS ``module.exports``: the definition, the uses in the defining file,
  each import specifier and re-export specifier naming it, the uses of each
  unaliased import, and ``ns.area`` on a namespace of the module;
- ``member``: a class member (a method, a field, a parameter property, a
  ``this.x = ...``) or an interface's property: its definitions and
  ``this.x`` in the class, and every ``obj.x`` in the project whose receiver's
  member table names that very definition (an override is another member).

Rename refuses what the project does not own: builtins, names declared in
``lib.*.d.ts``, ``node_modules`` or any ``.d.ts``, imports that resolve to
nothing, and new names that are no identifiers.  Answers are byte ranges per
file as the analysis's engine read the file (an open buffer, else the disk).

Example::

    // shapes.ts                         rename ``area`` -> ``surface``:
    export function area(w) { ... }     the declaration here,
    // app.ts
    import { area } from "./shapes";    the specifier, and the use below;
    area(2)                             ``import {area as a}``'s ``a`` is left alone
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ScopeKind, SymbolKind
from typelens.analyzer.typescript import ScriptGraph
from typelens.analyzer.typescript.exports import DECLARATIONS, definition_node
from typelens.analyzer.typescript.parsing import is_declaration_file

from ..ide.references import Reference, RenameRefused
from .types import ModuleRef

if TYPE_CHECKING:
    from .analysis import ScriptAnalysis
    from .engine import ScriptEngine

logger = logging.getLogger(__name__)

_ATTRIBUTES = ("attribute", "attribute_store")
_NAMED = DECLARATIONS | {
    "method_definition",
    "public_field_definition",
    "field_definition",
    "property_signature",
    "method_signature",
    "abstract_method_signature",
    "variable_declarator",
    "class",
}
RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false finally "
    "for function if import in instanceof new null return super switch this throw true try typeof var void "
    "while with yield let static implements interface package private protected public await".split()
)


@dataclass(frozen=True, slots=True)
class ScriptTarget:
    """What a name means: ``kind`` local, export or member; ``path`` and ``node``
    its defining file and node (for a local: the file and the symbol id)."""

    kind: str
    name: str
    path: str
    node: int
    is_library: bool = False


# -- resolving the name under the cursor ------------------------------------------------------
def target_at(analysis: "ScriptAnalysis", offset: int) -> tuple[ScriptTarget, int] | None:
    """The symbol named at ``offset`` and the identifier node there."""
    g, engine, path = analysis.graph, analysis.engine, analysis.path
    node = analysis.identifier_at(offset)
    if node is None or g.kinds[node] == "this":
        return None
    name = g.names.get(node) or g.text(node)
    parent = g.parents[node]
    if g.kinds[node] == "property_identifier" and parent >= 0 and g.kinds[parent] in _ATTRIBUTES:
        target = _attribute_target(engine, path, g, parent, name)
        return (target, node) if target is not None else None
    sym = g.symbol_at(node)
    if sym is None:
        return None
    if sym.scope < 0:
        return ScriptTarget("global", name, "", -1, True), node
    scope = g.scopes[sym.scope]
    member = next(
        (s for s in _symbols_defined_by(g, node) if g.scopes[g.symbols[s].scope].kind is ScopeKind.CLASS), None
    )
    if member is not None:  # a parameter property
        return _member_of(engine, path, g.symbols[member].definitions[0], name), node
    if scope.kind is ScopeKind.CLASS:
        return _member_of(engine, path, sym.definitions[0] if sym.definitions else node, name), node
    if sym.kind is SymbolKind.IMPORT:
        return _import_target(engine, g, sym, name) or ScriptTarget("local", name, path, sym.id), node
    if scope.kind is ScopeKind.MODULE and sym.definitions and _exported_as_itself(engine, g, sym.definitions[0], name):
        return ScriptTarget("export", name, path, definition_node(g, sym.definitions[0])), node
    return ScriptTarget("local", name, path, sym.id), node


def _attribute_target(
    engine: "ScriptEngine", path: str, g: ScriptGraph, attribute: int, name: str
) -> ScriptTarget | None:
    """``obj.name``: a member of the receiver's type, or an export of a namespace."""
    sid = g.symbol_of.get(attribute)
    if sid is not None and g.symbols[sid].definitions:  # this.x of a member its class defines
        return _member_of(engine, path, g.symbols[sid].definitions[0], name)
    obj = g.child_by_field(attribute, "object")
    if obj is None:
        return None
    value = engine.value_of(path, obj)
    if isinstance(value, ModuleRef):
        found = _export_of(engine, value, name)
        if found is None:
            return ScriptTarget("export", name, value.path, -1, True)
        return ScriptTarget("export", name, str(found.path), found.node, is_library(engine, str(found.path)))
    member = engine.members.members_of(value).get(name)
    if member is None:
        return None
    if member.where is None:
        return ScriptTarget("member", name, "", -1, True)
    return _commonjs_export(engine, *member.where, name) or _member_of(engine, *member.where, name)


def _commonjs_export(engine: "ScriptEngine", path: str, node: int, name: str) -> ScriptTarget | None:
    """A member of ``module.exports = { name }`` (what ``require`` gives): the export."""
    g = engine.graph(path)
    if g is None:
        return None
    holder = g.parents[node]
    holder = g.parents[holder] if holder >= 0 and g.kinds[holder] == "pair" else holder
    assignment = g.parents[holder] if holder >= 0 and g.kinds[holder] == "object" else -1
    left = g.child_by_field(assignment, "left") if assignment >= 0 else None
    if left is None or g.kinds[assignment] != "assignment_expression" or g.text(left) != "module.exports":
        return None
    found = engine.index.resolve_export(Path(path), name)
    if not isinstance(found, Definition):
        return None
    return ScriptTarget("export", name, str(found.path), found.node, is_library(engine, str(found.path)))


def _member_of(engine: "ScriptEngine", path: str, node: int, name: str) -> ScriptTarget:
    return ScriptTarget("member", name, path, node, is_library(engine, path))


def _import_target(engine: "ScriptEngine", g: ScriptGraph, sym, name: str) -> ScriptTarget | None:
    """An unaliased named import: the export it binds; ``None`` for a local name of its own."""
    binding = next((b for b in g.imports if b.node in sym.definitions), None)
    if binding is None or binding.name != name or _imported_name(g, binding.node) != binding.node:
        return None
    found = engine.index.resolve_binding(g, binding)
    if not isinstance(found, Definition):
        return ScriptTarget("export", name, "", -1, True)  # a module we cannot read: not the project's
    return ScriptTarget("export", name, str(found.path), found.node, is_library(engine, str(found.path)))


def _export_of(engine: "ScriptEngine", module: ModuleRef, name: str) -> Definition | None:
    found = engine.index.resolve_export(
        Path(module.path),
        name,
        module.specifier if engine.index.module_body(Path(module.path), module.specifier) else "",
    )
    return found if isinstance(found, Definition) else None


def _exported_as_itself(engine: "ScriptEngine", g: ScriptGraph, definition: int, name: str) -> bool:
    export = engine.index.exports_of(g).names.get(name)
    return export is not None and export.node == definition_node(g, definition)


def is_library(engine: "ScriptEngine", path: str) -> bool:
    """Whether ``path`` is not the project's own code (a dependency, a declaration file)."""
    where = Path(path)
    if not path or "node_modules" in where.parts or is_declaration_file(where):
        return True
    return not where.is_relative_to(engine.index.root) and path not in engine.overlays


# -- collecting the places --------------------------------------------------------------------
def find_references(analysis: "ScriptAnalysis", target: ScriptTarget) -> list[Reference]:
    """Every place ``target`` is named, sorted by file and offset, without repeats."""
    engine = analysis.engine
    found: set[Reference] = set()  # a name both read and written (``{add}``) is kept once, written
    if target.kind == "local":
        found |= _symbol_places(analysis.graph, target.path, target.node)
    elif target.path and target.node >= 0:
        home = engine.graph(target.path)
        if home is not None:
            found |= _home_places(home, target)
        for path, g in _candidate_files(analysis, target.name):
            if target.kind == "export":
                found |= _import_places(engine, path, g, target)
            found |= _attribute_places(engine, path, g, target)
    written = {(r.path, r.start, r.end) for r in found if r.is_write}
    kept = {r for r in found if r.is_write or (r.path, r.start, r.end) not in written}
    return sorted(kept, key=lambda r: (r.path, r.start, r.end))


def _candidate_files(analysis: "ScriptAnalysis", name: str) -> list[tuple[str, ScriptGraph]]:
    """The project's script files (open buffers included) whose text holds ``name``."""
    engine = analysis.engine
    paths = dict.fromkeys([str(p) for p in engine.index.files()] + list(engine.overlays))
    wanted = name.encode()
    out = []
    for path in paths:
        g = engine.graph(path)
        if g is not None and wanted in g.source.data:
            out.append((path, g))
    return out


def _symbol_places(g: ScriptGraph, path: str, sid: int) -> set[Reference]:
    sym = g.symbols[sid]
    found = {_place(g, path, n, True) for n in sym.definitions}
    return found | {_place(g, path, n, False) for n in sym.uses}


def _home_places(g: ScriptGraph, target: ScriptTarget) -> set[Reference]:
    """In the defining file: the symbol's definitions and uses, and the CommonJS keys
    exporting it under its name (``module.exports = {area: area}``, ``exports.area = area``)."""
    name_node = _name_of(g, target.node)
    found = {_place(g, target.path, name_node, True)}
    for sid in _symbols_defined_by(g, name_node, target.node):
        found |= _symbol_places(g, target.path, sid)
        for use in g.symbols[sid].uses:
            key = _commonjs_key(g, use)
            if key is not None and g.text(key) == target.name:
                found.add(_place(g, target.path, key, True))
    return found


def _symbols_defined_by(g: ScriptGraph, *nodes: int) -> set[int]:
    """The symbols ``nodes`` define: a parameter property (``constructor(public
    owner: User)``) defines both the parameter and the class's member."""
    found = {g.symbol_of[n] for n in nodes if n in g.symbol_of}
    scope = g.scope_of[nodes[0]]
    holder = g.scopes[scope].parent if scope >= 0 and g.kinds[g.scopes[scope].node] == "method_definition" else -1
    if holder >= 0 and g.scopes[holder].kind is ScopeKind.CLASS:
        found |= {s.id for s in g.symbols if s.scope == holder and nodes[0] in s.definitions}
    return found


def _commonjs_key(g: ScriptGraph, use: int) -> int | None:
    parent = g.parents[use]
    if parent < 0 or g.fields[use] not in ("value", "right"):
        return None
    if g.kinds[parent] == "pair":
        return g.child_by_field(parent, "key")
    left = g.child_by_field(parent, "left") if g.kinds[parent] == "assignment_expression" else None
    if left is not None and g.kinds[left] in _ATTRIBUTES:
        obj = g.child_by_field(left, "object")
        if obj is not None and g.text(obj).replace(" ", "") in ("exports", "module.exports"):
            return g.child_by_field(left, "property")
    return None


def _import_places(engine: "ScriptEngine", path: str, g: ScriptGraph, target: ScriptTarget) -> set[Reference]:
    """The imports of ``target`` in one file, the uses of the unaliased ones, and
    the re-export specifiers naming it."""
    found: set[Reference] = set()
    for binding in g.imports:
        if binding.name != target.name or not _is_target(engine.index.resolve_binding(g, binding), target):
            continue
        imported = _imported_name(g, binding.node)
        if imported is not None:  # names the export: a read, as TypeScript lists it
            found.add(_place(g, path, imported, False))
        if imported == binding.node and binding.node in g.symbol_of:
            sym = g.symbols[g.symbol_of[binding.node]]
            found |= {_place(g, path, n, True) for n in sym.definitions if n != binding.node}
            found |= {_place(g, path, n, False) for n in sym.uses}
    for spec, source in _reexports(g):
        if g.text(spec).strip("'\"") != target.name:
            continue
        module = engine.index.resolve(source, path)
        if module is not None and module.path is not None:
            resolved = engine.index.resolve_export(module.path, target.name)
            if _is_target(resolved, target):
                found.add(_place(g, path, spec, False))
    return found


def _imported_name(g: ScriptGraph, bound: int) -> int | None:
    """The node spelling the imported name of an import binding's node: the
    specifier's ``name`` (itself when unaliased), a destructuring key."""
    parent = g.parents[bound]
    kind = g.kinds[parent] if parent >= 0 else ""
    if kind == "import_specifier":
        return g.child_by_field(parent, "name")
    if kind == "pair_pattern":
        return g.child_by_field(parent, "key")
    if kind == "object_pattern":
        return bound  # const {area} = require(...)
    if kind == "variable_declarator":
        value = g.child_by_field(parent, "value")  # const area = require(...).area
        return g.child_by_field(value, "property") if value is not None and g.kinds[value] in _ATTRIBUTES else None
    return None


def _reexports(g: ScriptGraph) -> list[tuple[int, str]]:
    """``export { name } from "m"``: each specifier's ``name`` node and ``m``."""
    out = []
    for statement in g.children(0):
        source = g.child_by_field(statement, "source") if g.kinds[statement] == "export_statement" else None
        if source is None or g.kinds[source] != "string":
            continue
        for clause in g.children(statement):
            if g.kinds[clause] == "export_clause":
                names = (g.child_by_field(spec, "name") for spec in g.children(clause))
                out += [(n, g.text(source)[1:-1]) for n in names if n is not None]
    return out


def _attribute_places(engine: "ScriptEngine", path: str, g: ScriptGraph, target: ScriptTarget) -> set[Reference]:
    """``obj.name`` whose receiver's ``name`` is ``target``."""
    found = set()
    for node, kind in enumerate(g.kinds):
        if kind not in _ATTRIBUTES:
            continue
        prop = g.child_by_field(node, "property")
        if prop is None or g.text(prop) != target.name:
            continue
        hit = _attribute_target(engine, path, g, node, target.name)
        if hit is not None and hit.path == target.path and hit.node == target.node:
            found.add(_place(g, path, prop, kind == "attribute_store"))
    return found


def _is_target(found, target: ScriptTarget) -> bool:
    return isinstance(found, Definition) and str(found.path) == target.path and found.node == target.node


def _name_of(g: ScriptGraph, node: int) -> int:
    """The identifier that spells what ``node`` defines."""
    if g.kinds[node] in _ATTRIBUTES:
        return g.child_by_field(node, "property") or node
    if g.kinds[node] in _NAMED:
        return g.child_by_field(node, "name") or node
    return node


def _place(g: ScriptGraph, path: str, node: int, is_write: bool) -> Reference:
    name = _name_of(g, node)
    return Reference(path, g.start_bytes[name], g.end_bytes[name], is_write)


# -- rename -------------------------------------------------------------------------------------
def prepare_rename(analysis: "ScriptAnalysis", offset: int) -> tuple[int, int, str]:
    """The identifier's byte range and name; :class:`RenameRefused` when it cannot be renamed."""
    target, node = _owned_target(analysis, offset)
    g = analysis.graph
    return g.start_bytes[node], g.end_bytes[node], target.name


def rename(analysis: "ScriptAnalysis", offset: int, new_name: str) -> dict[str, list[tuple[int, int, str]]]:
    """The byte edits per file renaming the symbol at ``offset`` to ``new_name``."""
    target, _ = _owned_target(analysis, offset)
    if not is_identifier(new_name) or new_name in RESERVED or new_name.startswith("#") != target.name.startswith("#"):
        raise RenameRefused(f"{new_name!r} is not a valid name for {target.name!r}")
    edits: dict[str, list[tuple[int, int, str]]] = {}
    engine = analysis.engine
    for ref in find_references(analysis, target):
        g = engine.graph(ref.path)
        spelled = g.source.data[ref.start : ref.end].decode("utf-8", "replace") if g is not None else ""
        if spelled != target.name:  # `export { greet as hello }`: the chain renames the name
            raise RenameRefused(
                f"{target.name!r} is exported under another name ({spelled!r} in {Path(ref.path).name});"
                " rename it where it is defined"
            )
        assert g is not None  # it was read to find the place
        edits.setdefault(ref.path, []).append((ref.start, ref.end, _new_text(g, ref.start, target, new_name)))
    return edits


def _new_text(g: ScriptGraph, start: int, target: ScriptTarget, new: str) -> str:
    """``new``, or ``old: new`` where a shorthand property's key must stay
    (``{ size }`` -> ``{ size: area }``): the keys of the defining file's
    ``module.exports = {...}`` and of a ``require`` pattern are what importers
    name, and change with the export."""
    node = g.node_at(start)
    parent = g.parents[node]
    kind = g.kinds[parent] if parent >= 0 else ""
    if kind == "object_assignment_pattern" and g.child_by_field(parent, "left") == node:
        node, parent = parent, g.parents[parent]
        kind = g.kinds[parent] if parent >= 0 else ""
    if kind not in ("object", "object_pattern") or g.kinds[node] == "pair" or g.kinds[node] == "pair_pattern":
        return new
    holder = g.parents[parent]
    left = g.child_by_field(holder, "left") if g.kinds[holder] == "assignment_expression" else None
    if left is not None and g.text(left) == "module.exports" and g.path == target.path:
        return new
    value = g.child_by_field(holder, "value") if g.kinds[holder] == "variable_declarator" else None
    if value is not None and any(b.statement == holder for b in g.imports):
        return new
    return f"{target.name}: {new}"


def is_identifier(name: str) -> bool:
    """A JavaScript identifier (Unicode ID_Start/ID_Continue as Python's, and ``$``),
    or a private name ``#x``."""
    return name.removeprefix("#").replace("$", "_").isidentifier()


def _owned_target(analysis: "ScriptAnalysis", offset: int) -> tuple[ScriptTarget, int]:
    found = target_at(analysis, offset)
    if found is None:
        raise RenameRefused("there is no symbol to rename here")
    target, node = found
    if target.is_library:
        where = f" ({Path(target.path).name})" if target.path else ""
        raise RenameRefused(f"{target.name!r} is defined outside the project{where}: library symbols are not renamed")
    return found


__all__ = ["RESERVED", "ScriptTarget", "find_references", "is_library", "prepare_rename", "rename", "target_at"]
