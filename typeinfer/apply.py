"""Writing inferred annotations into source, as exact byte edits.

Only what is missing is added: ``x`` -> ``x: int``, ``x=1`` -> ``x: int = 1``,
``def f(...):`` -> ``def f(...) -> str:``, and the first plain assignment of a
variable ``n = 0`` -> ``n: int = 0``.  Everything else (comments, formatting,
CRLF line endings, tabs, the file's encoding) is left byte for byte.  Types naming
classes that are not builtins are quoted and imported under ``if TYPE_CHECKING:``,
so the edit can never change what the module does at import time.

Example::

    def area(w, h=2):          def area(w: float, h: int = 2) -> float:
        return w * h      ->       return w * h
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind

from .predictions import Prediction

logger = logging.getLogger(__name__)

_BUILTIN_NAMES = frozenset({
    "int", "float", "complex", "str", "bytes", "bool", "None", "list", "dict", "set", "frozenset", "tuple",
    "object", "type", "bytearray", "memoryview", "range", "slice", "...",
})
_ABC_NAMES = frozenset({"Iterator", "Iterable", "Generator", "AsyncIterator", "AsyncIterable", "AsyncGenerator",
                        "Callable", "Coroutine", "Awaitable", "Sequence", "Mapping", "MutableMapping"})


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class FileEdits:
    edits: tuple[Edit, ...]
    imports: tuple[str, ...]      # "from m import C" lines for the TYPE_CHECKING block


def plan_edits(g: ProgramGraph, predictions: list[Prediction], module_classes: dict[str, str],
               min_confidence: float) -> FileEdits:
    """The edits for one file.  ``module_classes`` maps each class short name that
    the types use to the module defining it ('' for this file)."""
    edits: list[Edit] = []
    imports: set[str] = set()
    taken = {s.name for s in g.symbols if s.scope == 0}
    by_position = {(p.span.start_byte, p.kind): p for p in predictions
                   if p.type is not None and p.source != "annotation" and p.confidence >= min_confidence}
    for (start, kind), p in sorted(by_position.items()):
        text, needed = _annotation_text(p.type, module_classes, taken)
        if text is None:
            continue
        node = _node_at(g, start, p.kind)
        if node is None:
            continue
        edit = _edit_for(g, node, p.kind, text)
        if edit is not None:
            edits.append(edit)
            imports.update(needed)
    return FileEdits(tuple(edits), tuple(sorted(imports)))


def _annotation_text(type_text: str, module_classes: dict[str, str], taken: set[str]) -> tuple[str | None, set[str]]:
    names = {n for n in _identifiers(type_text)}
    needed: set[str] = set()
    quote = False
    for name in names:
        if name in _BUILTIN_NAMES:
            continue
        if name == "Any":
            return None, set()
        if name in _ABC_NAMES:
            if name in taken:
                return None, set()
            needed.add(f"from collections.abc import {name}")
            quote = True
            continue
        module = module_classes.get(name)
        if module is None:
            return None, set()
        if module:
            if name in taken:
                return None, set()
            needed.add(f"from {module} import {name}")
        quote = True
    return (f'"{type_text}"' if quote else type_text), needed


def _identifiers(text: str) -> list[str]:
    out, current = [], ""
    for ch in text:
        if ch.isalnum() or ch == "_" or ch == ".":
            current += ch
        else:
            if current:
                out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _node_at(g: ProgramGraph, start: int, kind: str) -> int | None:
    wanted = {"parameter": ("parameter",), "return": ("name_store",), "variable": ("name_store",)}.get(kind)
    if wanted is None:
        return None
    for node, k in enumerate(g.kinds):
        if g.start_bytes[node] == start and k in wanted:
            return node
    return None


def _edit_for(g: ProgramGraph, node: int, kind: str, annotation: str) -> Edit | None:
    parent = g.parents[node]
    if kind == "return":
        function = parent
        if g.kinds[function] != "function_definition" or g.child_by_field(function, "return_type") is not None:
            return None
        params = g.child_by_field(function, "parameters")
        return Edit(g.end_bytes[params], g.end_bytes[params], f" -> {annotation}") if params is not None else None
    if kind == "parameter":
        pkind = g.kinds[parent]
        if pkind in ("parameters", "lambda_parameters"):
            return Edit(g.end_bytes[node], g.end_bytes[node], f": {annotation}") if pkind == "parameters" else None
        if pkind == "default_parameter" and g.child_by_field(parent, "name") == node:
            value = g.child_by_field(parent, "value")
            return Edit(g.end_bytes[node], g.start_bytes[value], f": {annotation} = ") if value is not None else None
        return None
    if kind == "variable":
        if g.kinds[parent] != "assignment" or g.child_by_field(parent, "left") != node:
            return None
        if g.child_by_field(parent, "type") is not None:
            return None
        right = g.child_by_field(parent, "right")
        if right is None or g.kinds[right] == "assignment":
            return None
        sym = g.symbol_at(node)
        if sym is None or sym.kind is not SymbolKind.VARIABLE or sym.definitions[0] != node or sym.is_global_decl:
            return None
        if g.scopes[sym.scope].kind not in (ScopeKind.MODULE, ScopeKind.FUNCTION):
            return None
        return Edit(g.end_bytes[node], g.end_bytes[node], f": {annotation}")
    return None


def module_classes(engine, path: str) -> dict[str, str]:
    """Short class name -> defining module ('' for this file) for every class the engine knows."""
    mapping: dict[str, str] = {}
    own = engine.module_name(path)
    for qualname, (def_path, _) in engine.classes.known_definitions().items():
        short = qualname.rsplit(".", 1)[-1]
        module = "" if def_path == path else engine.module_name(def_path)
        if "." in qualname.removeprefix(module + ".") if module else "." in qualname.removeprefix(own + "."):
            continue   # nested classes are not importable by their short name
        if def_path.endswith(".pyi") and module in ("builtins",):
            continue
        mapping.setdefault(short, module)
    return mapping


def apply_edits(data: bytes, plan: FileEdits, g: ProgramGraph) -> bytes:
    """``data`` with ``plan`` applied (edits from the end backwards), plus the
    TYPE_CHECKING import block after the module's leading imports."""
    out = data
    for edit in sorted(plan.edits, key=lambda e: e.start, reverse=True):
        out = out[:edit.start] + edit.text.encode("utf-8") + out[edit.end:]
    if plan.imports:
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        at = _import_anchor(g)
        block = newline.join([b"from typing import TYPE_CHECKING", b"", b"if TYPE_CHECKING:"]
                             + [b"    " + line.encode("utf-8") for line in plan.imports]) + newline
        prefix = out[:at]
        if prefix and not prefix.endswith(b"\n"):
            block = newline + block
        out = prefix + block + out[at:]
    return out


def _import_anchor(g: ProgramGraph) -> int:
    """After the docstring, ``__future__`` imports and the leading import block."""
    anchor = 0
    for stmt in g.children(0):
        kind = g.kinds[stmt]
        if kind in ("import_statement", "import_from_statement", "future_import_statement") or (
                kind == "expression_statement" and anchor == 0 and g.children(stmt)
                and g.kinds[g.children(stmt)[0]] == "string"):
            anchor = g.end_bytes[stmt]
            nl = g.source.data.find(b"\n", anchor)
            anchor = nl + 1 if nl >= 0 else len(g.source.data)
        else:
            break
    return anchor


def parses(data: bytes) -> bool:
    """Whether ``data`` is valid Python (``ast.parse`` only: nothing runs)."""
    try:
        ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return True


def annotated(engine, path, predictions: list[Prediction], min_confidence: float) -> tuple[ProgramGraph, bytes | None]:
    """The graph ``predictions`` were read from and the file's annotated bytes
    (``None``: nothing to write).  Scripts go to their own writer (TypeScript
    annotations, JSDoc in JavaScript: ``typeinfer.typescript.edits``)."""
    from typelens.analyzer.typescript import is_script
    if is_script(path):
        from .typescript.edits import annotated_script
        return annotated_script(engine.session, path, predictions, min_confidence)
    graph = engine.graph(str(path))
    if graph.has_syntax_errors():
        return graph, None
    plan = plan_edits(graph, predictions, module_classes(engine, str(path)), min_confidence)
    return graph, (apply_edits(graph.source.data, plan, graph) if plan.edits else None)


def file_parses(data: bytes, path) -> bool:
    """Whether ``data`` parses as the language of ``path`` (nothing runs)."""
    from typelens.analyzer.typescript import is_script
    if is_script(path):
        from .typescript.edits import script_parses
        return script_parses(data, str(path))
    return parses(data)
