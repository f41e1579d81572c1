"""Go to definition and to type definition: where the name under the cursor is
defined, and where the class of its type is.

A local name goes to its first definition in the file; an imported name through
the project index to the module or the definition it names (re-exports
followed); an attribute to the method or function its receiver's type has.

The type definition of a value is the class of each part of its type
(``Account | None`` goes to ``class Account``), a class's own statement for a
class object, a module's file for a module.

Example::

    from shop.models import Order      definition on ``Order``:
                                       (shop/models.py, start, end of ``class Order``)
    order = Order()                    type definition on ``order``: the same
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ModuleLocation, SymbolKind

from ..types import ClassType, FunctionRef, ModuleType, TypeOfClass, members
from .hover import attribute_of, identifier_at, value_at

if TYPE_CHECKING:
    from ..session import FileAnalysis


def definition(analysis: "FileAnalysis", offset: int) -> tuple[Path, int, int] | None:
    """``(file, start byte, end byte)`` of what the identifier at ``offset`` names."""
    g, path, engine = analysis.graph, analysis.path, analysis.engine
    node = identifier_at(g, offset)
    if node is None:
        return None
    sym = g.symbol_at(node)
    if sym is not None and sym.definitions and sym.kind is not SymbolKind.IMPORT:
        d = sym.definitions[0]
        return Path(path), g.start_bytes[d], g.end_bytes[d]
    if sym is not None and sym.kind is SymbolKind.IMPORT:
        binding = next((b for b in g.imports if b.node in sym.definitions), None)
        target = engine.resolve_binding(path, g, binding) if binding is not None else None
        if isinstance(target, Definition):
            tg = engine.graph(str(target.path))
            return (target.path, tg.start_bytes[target.node], tg.end_bytes[target.node]) if tg is not None else None
        if isinstance(target, ModuleLocation) and target.path is not None:
            return target.path, 0, 0
    parent = g.parents[node]
    if g.kinds[parent] in ("attribute", "attribute_store"):
        value = value_at(engine, path, g, parent)
        for m in members(value) if value is not None else ():
            if isinstance(m, FunctionRef):
                tg = engine.graph(m.path)
                if tg is not None:
                    return Path(m.path), tg.start_bytes[m.node], tg.end_bytes[m.node]
    return None


def type_definition(analysis: "FileAnalysis", offset: int) -> list[tuple[Path, int, int]]:
    """``(file, start byte, end byte)`` of the classes of the type at ``offset``."""
    g, engine = analysis.graph, analysis.engine
    node = identifier_at(g, offset)
    if node is None:
        return []
    value = value_at(engine, analysis.path, g, attribute_of(g, node))
    found = []
    for m in sorted(members(value), key=repr) if value is not None else ():
        cls = m.cls if isinstance(m, TypeOfClass) else m if isinstance(m, ClassType) else None
        if cls is not None:
            where = engine.classes.definition(cls)
            tg = engine.graph(where[0]) if where is not None else None
            if tg is not None and where is not None:
                found.append((Path(where[0]), tg.start_bytes[where[1]], tg.end_bytes[where[1]]))
        elif isinstance(m, ModuleType):
            location = engine.index.resolve_module(m.name)
            if location is not None and location.path is not None:
                found.append((location.path, 0, 0))
    return found
