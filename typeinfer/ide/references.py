"""References, document highlights and rename: every place a symbol is named.

The symbol under the cursor is resolved once to a :class:`Target`:

- a local (a function's variable or parameter): its uses in that scope only;
- a module-level name: its uses in its module, the project's imports of it
  (``from m import name``, an alias's uses left alone) and ``m.name``;
- a class member (method, attribute, ``self.x``): every ``obj.name`` in the
  project whose receiver's class gets ``name`` from the same class, the
  topmost one in the MRO defining it (so an override is renamed with the
  method it overrides), and the definitions in those classes' bodies.

Rename refuses what the project does not own (builtins, stubs, installed
packages, a member first defined in a library class, a module) and names that
are not identifiers.  Every answer is byte ranges per file, as the analysis's
engine read the file (an open buffer, else the disk).

Example::

    def total(order):           rename ``total`` -> ``subtotal``: the def, both
        return order.sum        calls here and ``from shop.pricing import total``
    total(a) + total(b)         with its uses in every other module
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ModuleLocation, ProgramGraph, ScopeKind, SymbolKind, TypelensError

from ..types import ClassType, ModuleType, TypeOfClass, members
from .hover import attribute_of, identifier_at

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

_ATTRIBUTES = frozenset({"attribute", "attribute_store"})


class RenameRefused(TypelensError):
    """A rename the project cannot do safely (a library symbol, a module, a name
    that is not an identifier); the message says why."""


@dataclass(frozen=True, slots=True)
class Reference:
    path: str
    start: int
    end: int
    is_write: bool  # a definition or assignment rather than a read


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # local, module, member, builtin, module-file
    name: str
    path: str  # the file defining it ('' when unknown)
    key: tuple  # what identifies it: (symbol id,) / (module,) / (class path, class node)
    is_library: bool


def target_at(analysis: "FileAnalysis", offset: int) -> tuple[Target, int] | None:
    """The symbol named at ``offset`` and the identifier node there."""
    g, path, engine = analysis.graph, analysis.path, analysis.engine
    node = identifier_at(g, offset)
    if node is None:
        return None
    name = g.names.get(node) or g.text(node)
    attribute = attribute_of(g, node)
    if attribute != node:
        receiver = engine.exprs.type_of(path, g.children(attribute)[0])
        target = _member_target(engine, receiver, name)
        return (target, node) if target is not None else None
    sym = g.symbol_at(node)
    if sym is None:
        return None
    if sym.kind is SymbolKind.IMPORT:
        binding = next((b for b in g.imports if b.node in sym.definitions), None)
        resolved = engine.resolve_binding(path, g, binding) if binding is not None else None
        if isinstance(resolved, Definition):
            return _module_target(engine, str(resolved.path), resolved.name), node
        module = resolved.name if isinstance(resolved, ModuleLocation) else ""
        return Target("module-file", name, path, (path, sym.id, module), True), node
    if sym.kind in (SymbolKind.BUILTIN, SymbolKind.UNRESOLVED) or sym.scope < 0:
        return Target("builtin", name, path, (path, sym.id), True), node
    scope = g.scopes[sym.scope]
    if scope.kind is ScopeKind.MODULE:
        return _module_target(engine, path, name), node
    if scope.kind is ScopeKind.CLASS:
        cls = engine.classes.class_type(path, scope.node)
        target = _member_target(engine, cls, name)
        return (target, node) if target is not None else None
    return Target("local", name, path, (path, sym.id), False), node


def _module_target(engine: "TypeEngine", path: str, name: str) -> Target:
    return Target("module", name, path, (path,), engine.is_library_file(path))


def _member_target(engine: "TypeEngine", receiver, name: str) -> Target | None:
    for m in sorted(members(receiver), key=repr):
        if isinstance(m, ModuleType):
            resolved = engine.resolve_name(m.name, name)
            if isinstance(resolved, Definition):
                return _module_target(engine, str(resolved.path), resolved.name)
            continue
        owner = owner_of(engine, m, name)
        if owner is not None:
            return Target("member", name, owner[0], owner, engine.is_library_file(owner[0]))
    return None


def owner_of(engine: "TypeEngine", receiver, name: str) -> tuple[str, int] | None:
    """``(file, class node)`` of the topmost class in ``receiver``'s MRO defining ``name``."""
    cls = receiver.cls if isinstance(receiver, TypeOfClass) else receiver
    if not isinstance(cls, ClassType):
        return None
    found = None
    for _view, info in engine.classes.mro(cls):
        if name in info.members:
            found = (info.path, info.node)
    return found


# -- finding the places ---------------------------------------------------------------------
def references(analysis: "FileAnalysis", offset: int, include_declaration: bool = True) -> list[Reference]:
    hit = target_at(analysis, offset)
    if hit is None:
        return []
    found = find_references(analysis, hit[0])
    return [r for r in found if include_declaration or not r.is_write]


def highlights(analysis: "FileAnalysis", offset: int) -> list[Reference]:
    """The places in this file naming the symbol at ``offset``."""
    hit = target_at(analysis, offset)
    if hit is None:
        return []
    return find_references(analysis, hit[0], files=[analysis.path])


def find_references(analysis: "FileAnalysis", target: Target, files: list[str] | None = None) -> list[Reference]:
    engine = analysis.engine
    if target.kind in ("local", "builtin", "module-file"):
        return _symbol_places(analysis.graph, analysis.path, target.key[1]) if target.path == analysis.path else []
    found: dict[tuple[str, int], Reference] = {}
    needle = target.name.encode("utf-8")
    for path in files if files is not None else project_files(analysis):
        g = engine.graph(path)
        if g is None or needle not in g.source.data:
            continue
        finder = _module_places if target.kind == "module" else _member_places
        for ref in finder(engine, path, g, target):
            found.setdefault((ref.path, ref.start), ref)
    return sorted(found.values(), key=lambda r: (r.path != analysis.path, r.path, r.start))


def project_files(analysis: "FileAnalysis") -> list[str]:
    """The analysed file and every module of its session's project."""
    engine = analysis.engine
    paths = set(engine.project_paths) or {str(Path(p).resolve()) for p in engine.index.modules.values()}
    paths.add(analysis.path)
    return sorted(paths)


def _symbol_places(g: ProgramGraph, path: str, sid: int) -> list[Reference]:
    sym = g.symbols[sid]
    places = [Reference(path, g.start_bytes[n], g.end_bytes[n], True) for n in sym.definitions if n in g.names]
    places += [Reference(path, g.start_bytes[n], g.end_bytes[n], False) for n in sym.uses if n in g.names]
    return places


def _module_places(engine: "TypeEngine", path: str, g: ProgramGraph, target: Target) -> list[Reference]:
    places: list[Reference] = []
    if path == target.path:
        sym = g.find_symbol(target.name)
        if sym is not None:
            places += _symbol_places(g, path, sym.id)
    for binding in g.imports:
        if binding.bound == "*" or binding.name != target.name:
            continue
        resolved = engine.resolve_binding(path, g, binding)
        if not isinstance(resolved, Definition) or str(resolved.path) != target.path:
            continue
        if binding.bound == binding.name:
            sym = g.symbol_at(binding.node)
            places += _symbol_places(g, path, sym.id) if sym is not None else []
        else:  # ``import name as alias``: the alias's uses keep their name
            places += [
                Reference(path, g.start_bytes[n], g.end_bytes[n], False)
                for n in _names_in(g, binding.statement, target.name)
                if n != binding.node
            ]
    for attribute in _attributes_named(g, target.name):
        receiver = engine.exprs.type_of(path, g.children(attribute)[0])
        for m in members(receiver):
            resolved = engine.resolve_name(m.name, target.name) if isinstance(m, ModuleType) else None
            if isinstance(resolved, Definition) and str(resolved.path) == target.path:
                places.append(_attribute_place(g, path, attribute))
                break
    return places


def _member_places(engine: "TypeEngine", path: str, g: ProgramGraph, target: Target) -> list[Reference]:
    places: list[Reference] = []
    for scope in g.scopes:
        if scope.kind is not ScopeKind.CLASS:
            continue
        sym = g.find_symbol(target.name, scope.qualname)
        if sym is None or sym.kind is SymbolKind.ATTRIBUTE:
            continue
        if owner_of(engine, engine.classes.class_type(path, scope.node), target.name) == target.key:
            places += _symbol_places(g, path, sym.id)
    for attribute in _attributes_named(g, target.name):
        receiver = engine.exprs.type_of(path, g.children(attribute)[0])
        if any(owner_of(engine, m, target.name) == target.key for m in members(receiver)):
            places.append(_attribute_place(g, path, attribute))
    return places


def _attributes_named(g: ProgramGraph, name: str) -> list[int]:
    out = []
    for node, attr_name in g.names.items():
        if attr_name == name and g.kinds[g.parents[node]] in _ATTRIBUTES and g.children(g.parents[node])[-1] == node:
            out.append(g.parents[node])
    return out


def _attribute_place(g: ProgramGraph, path: str, attribute: int) -> Reference:
    attr = g.children(attribute)[-1]
    return Reference(path, g.start_bytes[attr], g.end_bytes[attr], g.kinds[attribute] == "attribute_store")


def _names_in(g: ProgramGraph, statement: int, name: str) -> list[int]:
    """Identifiers ``name`` inside ``statement`` (its descendants follow it in pre-order)."""
    found, end = [], g.end_bytes[statement]
    for n in range(statement + 1, len(g.kinds)):
        if g.start_bytes[n] >= end or g.kinds[n] in ("entry", "exit"):
            break
        if g.kinds[n] in ("identifier", "name_store") and g.text(n) == name:
            found.append(n)
    return found


# -- rename ---------------------------------------------------------------------------------
def prepare_rename(analysis: "FileAnalysis", offset: int) -> tuple[int, int, str]:
    """The identifier's byte range and name; :class:`RenameRefused` when it cannot be renamed."""
    hit = target_at(analysis, offset)
    if hit is None:
        raise RenameRefused("there is no symbol to rename here")
    target, node = hit
    _check_owned(target)
    g = analysis.graph
    return g.start_bytes[node], g.end_bytes[node], target.name


def rename(analysis: "FileAnalysis", offset: int, new_name: str) -> dict[str, list[tuple[int, int, str]]]:
    """Byte edits per file renaming the symbol at ``offset`` to ``new_name``."""
    if not new_name.isidentifier() or keyword.iskeyword(new_name):
        raise RenameRefused(
            f"{new_name!r} is not a Python identifier; pass a name such as {new_name.strip() or 'x'!r}"
            if new_name.strip().isidentifier()
            else f"{new_name!r} is not a Python identifier"
        )
    hit = target_at(analysis, offset)
    if hit is None:
        raise RenameRefused("there is no symbol to rename here")
    _check_owned(hit[0])
    edits: dict[str, list[tuple[int, int, str]]] = {}
    for ref in find_references(analysis, hit[0]):
        edits.setdefault(ref.path, []).append((ref.start, ref.end, new_name))
    return edits


def _check_owned(target: Target) -> None:
    if target.kind == "module-file":
        raise RenameRefused(f"{target.name!r} names a module; renaming modules is not supported")
    if target.is_library:
        where = f" (defined in {Path(target.path).name})" if target.path else ""
        raise RenameRefused(f"{target.name!r} is defined outside the project{where}: library symbols are not renamed")
