"""Go to definition: where the name under the cursor is defined.

A local name goes to its first definition in the file; an imported name through
the project index to the module or the definition it names (re-exports
followed); an attribute to the method or function its receiver's type has.

Example::

    from shop.models import Order      definition on ``Order``:
                                       (shop/models.py, start, end of ``class Order``)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, ModuleLocation, SymbolKind

from ..types import FunctionRef, members
from .hover import identifier_at, value_at

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
