"""Planning inferred annotations as byte edits of ``Source.data``.

Only what is missing is added: ``x`` -> ``x: int``, ``x=1`` -> ``x: int = 1``,
``def f(...):`` -> ``def f(...) -> str:``, and the first plain assignment of a
variable ``n = 0`` -> ``n: int = 0``.  Types naming classes that are not builtins
are quoted and imported under ``if TYPE_CHECKING:`` (an existing such block at
module level gets the new lines), so an edit never changes what the module does
at import time.

Where Python has no place for an annotation the site is left alone: the targets
of a chained assignment (``a = b = 0``), augmented assignments (``n += 1``),
unpacking, ``for``/``with`` targets, lambda parameters, and sites that already
carry a ``# type:`` comment.  Everything else in the file is kept; the edits are
in ``Source.data`` offsets, and :mod:`typelens.analyzer.rawbytes` carries them
back to the raw bytes.

Example::

    def area(w, h=2):          def area(w: float, h: int = 2) -> float:
        return w * h      ->       return w * h
"""

from __future__ import annotations

import logging
import re
import symtable
import warnings
from dataclasses import dataclass

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind

from .predictions import Prediction

logger = logging.getLogger(__name__)

_BUILTIN_NAMES = frozenset(
    {
        "int",
        "float",
        "complex",
        "str",
        "bytes",
        "bool",
        "None",
        "list",
        "dict",
        "set",
        "frozenset",
        "tuple",
        "object",
        "type",
        "bytearray",
        "memoryview",
        "range",
        "slice",
        "...",
    }
)
_ABC_NAMES = frozenset(
    {
        "Iterator",
        "Iterable",
        "Generator",
        "AsyncIterator",
        "AsyncIterable",
        "AsyncGenerator",
        "Callable",
        "Coroutine",
        "Awaitable",
        "Sequence",
        "Mapping",
        "MutableMapping",
    }
)
_TYPE_COMMENT = re.compile(rb"#[ \t]*type[ \t]*:(?![ \t]*ignore\b)")
_SIMPLE_EQUALS = re.compile(rb"[ \t]*=[ \t]*")
_IMPORT_KINDS = ("import_statement", "import_from_statement", "future_import_statement")


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    text: str
    imports: tuple[str, ...] = ()  # the "from m import C" lines the annotation needs


@dataclass(frozen=True, slots=True)
class FileEdits:
    edits: tuple[Edit, ...]
    imports: tuple[str, ...]  # "from m import C" lines for the TYPE_CHECKING block


def plan_edits(
    g: ProgramGraph, predictions: list[Prediction], module_classes: dict[str, str], min_confidence: float
) -> FileEdits:
    """The edits for one file.  ``module_classes`` maps each class short name that
    the types use to the module defining it ('' for this file)."""
    edits: list[Edit] = []
    names = _ModuleNames(g, module_classes, has_import_place=import_edit(g, ("import x",)) is not None)
    sites = _sites(g)
    by_position = {
        (p.span.start_byte, p.kind): p
        for p in predictions
        if p.type is not None and p.source != "annotation" and p.confidence >= min_confidence
    }
    for (start, kind), p in sorted(by_position.items()):
        node = sites.get((start, _SITE_KINDS.get(kind, "")))
        if node is None or p.type is None:
            continue
        text, needed = names.annotation_text(p.type, node)
        if text is None:
            continue
        edit = _edit_for(g, node, kind, text)
        if edit is not None:
            edits.append(Edit(edit.start, edit.end, edit.text, tuple(sorted(needed))))
    imports = sorted({line for edit in edits for line in edit.imports})
    return FileEdits(tuple(edits), tuple(imports))


_SITE_KINDS = {"parameter": "parameter", "return": "name_store", "variable": "name_store"}


def _sites(g: ProgramGraph) -> dict[tuple[int, str], int]:
    """(start byte, node kind) -> node, for the kinds a prediction can sit on."""
    wanted = set(_SITE_KINDS.values())
    found: dict[tuple[int, str], int] = {}
    for node, kind in enumerate(g.kinds):
        if kind in wanted:
            found.setdefault((g.start_bytes[node], kind), node)
    return found


class _ModuleNames:
    """What a type's names need at a site: a quote, an import, or nothing.  A
    name bound to something else where the annotation is read (``def list(self)``
    in the class of a method annotated ``-> list``, a module's own ``str``) would
    change the meaning: such a type is not written."""

    def __init__(self, g: ProgramGraph, module_classes: dict[str, str], *, has_import_place: bool) -> None:
        self.g = g
        self.module_classes = module_classes
        self.bound: dict[int, set[str]] = {}
        for sym in g.symbols:
            if sym.scope >= 0:
                self.bound.setdefault(sym.scope, set()).add(sym.name)
        self.imported = {
            (b.module, b.name)
            for b in g.imports
            if b.level == 0 and b.name and b.bound == b.name and g.scope_of[b.node] == 0
        }
        self.has_import_place = has_import_place

    def annotation_text(self, type_text: str, site: int) -> tuple[str | None, set[str]]:
        needed: set[str] = set()
        quote = False
        inner, module_names = self._names_around(site)
        for name in set(_identifiers(type_text)):
            module = "collections.abc" if name in _ABC_NAMES else self.module_classes.get(name)
            if any(name in names for names in inner) or (
                name in module_names and module != "" and (module, name) not in self.imported
            ):
                return None, set()
            if name in _BUILTIN_NAMES:
                continue
            if name == "Any" or module is None:
                return None, set()
            quote = True
            if not module or (module, name) in self.imported:
                continue
            if not self.has_import_place:
                return None, set()
            needed.add(f"from {module} import {name}")
        return (f'"{type_text}"' if quote else type_text), needed

    def _names_around(self, site: int) -> tuple[list[set[str]], set[str]]:
        """The sets of names bound in the scopes enclosing ``site`` (module apart).
        Each scope's own set, not their union: a class of 50,000 methods would
        copy its 50,000 names for every site in it (quadratic)."""
        inner: list[set[str]] = []
        scope = self.g.scope_of[site]
        while scope > 0:
            if scope in self.bound:
                inner.append(self.bound[scope])
            scope = self.g.scopes[scope].parent
        return inner, self.bound.get(0, set())


def _identifiers(text: str) -> list[str]:
    return re.findall(r"[\w.]+", text)


def _edit_for(g: ProgramGraph, node: int, kind: str, annotation: str) -> Edit | None:
    handler = {"return": _return_edit, "parameter": _parameter_edit, "variable": _variable_edit}.get(kind)
    return handler(g, node, annotation) if handler is not None else None


def _return_edit(g: ProgramGraph, node: int, annotation: str) -> Edit | None:
    function = g.parents[node]
    if g.kinds[function] != "function_definition" or g.child_by_field(function, "return_type") is not None:
        return None
    params = g.child_by_field(function, "parameters")
    if params is None or _has_signature_comment(g, function):
        return None
    return Edit(g.end_bytes[params], g.end_bytes[params], f" -> {annotation}")


def _parameter_edit(g: ProgramGraph, node: int, annotation: str) -> Edit | None:
    parent = g.parents[node]
    pkind = g.kinds[parent]
    holder = parent if pkind == "parameters" else g.parents[parent]
    function = g.parents[holder] if holder >= 0 else -1
    if function < 0 or g.kinds[function] != "function_definition" or _has_signature_comment(g, function):
        return None
    if pkind == "parameters":
        return Edit(g.end_bytes[node], g.end_bytes[node], f": {annotation}")
    if pkind != "default_parameter" or g.child_by_field(parent, "name") != node:
        return None
    value = g.child_by_field(parent, "value")
    if value is None:
        return None
    between = g.source.data[g.end_bytes[node] : g.start_bytes[value]]
    if _SIMPLE_EQUALS.fullmatch(between):
        return Edit(g.end_bytes[node], g.start_bytes[value], f": {annotation} = ")
    # a comment or a line break around '=' stays: only the annotation goes in
    return Edit(g.end_bytes[node], g.end_bytes[node], f": {annotation}")


def _variable_edit(g: ProgramGraph, node: int, annotation: str) -> Edit | None:
    parent = g.parents[node]
    if g.kinds[parent] != "assignment" or g.child_by_field(parent, "left") != node:
        return None
    right = g.child_by_field(parent, "right")
    chained = (right is not None and g.kinds[right] == "assignment") or g.kinds[g.parents[parent]] == "assignment"
    if right is None or chained or g.child_by_field(parent, "type") is not None:
        return None
    sym = g.symbol_at(node)
    if sym is None or sym.kind is not SymbolKind.VARIABLE or sym.definitions[0] != node or sym.is_global_decl:
        return None
    if g.scopes[sym.scope].kind not in (ScopeKind.MODULE, ScopeKind.FUNCTION):
        return None
    data = g.source.data
    line_end = data.find(b"\n", g.end_bytes[parent])
    if _TYPE_COMMENT.search(data, g.end_bytes[parent], line_end if line_end >= 0 else len(data)):
        return None
    return Edit(g.end_bytes[node], g.end_bytes[node], f": {annotation}")


def _has_signature_comment(g: ProgramGraph, function: int) -> bool:
    """A PEP 484 ``# type:`` comment in the signature already annotates it."""
    body = g.child_by_field(function, "body")
    end = g.start_bytes[body] if body is not None else g.end_bytes[function]
    return _TYPE_COMMENT.search(g.source.data, g.start_bytes[function], end) is not None


def module_classes(engine, path: str) -> dict[str, str]:
    """Short class name -> defining module ('' for this file) for every class the engine knows."""
    mapping: dict[str, str] = {}
    own = engine.module_name(path)
    for qualname, (def_path, _) in engine.classes.known_definitions().items():
        short = qualname.rsplit(".", 1)[-1]
        module = "" if def_path == path else engine.module_name(def_path)
        if "." in qualname.removeprefix(module + ".") if module else "." in qualname.removeprefix(own + "."):
            continue  # nested classes are not importable by their short name
        if def_path.endswith(".pyi") and module in ("builtins",):
            continue
        mapping.setdefault(short, module)
    return mapping


# -- the TYPE_CHECKING block ----------------------------------------------------------
def import_edit(g: ProgramGraph, imports: tuple[str, ...], newline: str = "\n") -> Edit | None:
    """The edit adding ``imports`` under ``if TYPE_CHECKING:``: into an existing
    module-level block of imports, else a new block after the module's leading
    imports.  ``None`` when there is no safe place (then no edit may need one)."""
    if not imports:
        return None
    existing = _type_checking_block(g)
    at: int | None
    if existing is not None:
        at, indent = existing
        lines = [indent + line for line in imports]
        prefix = "" if at == 0 or g.source.data[at - 1 : at] == b"\n" else newline
        return Edit(at, at, prefix + newline.join(lines) + newline)
    at = _import_anchor(g)
    if at is None:
        return None
    block = (
        newline.join(
            ["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:"] + ["    " + line for line in imports]
        )
        + newline
    )
    prefix = newline if at > 0 and g.source.data[at - 1 : at] != b"\n" else ""
    return Edit(at, at, prefix + block)


def _type_checking_block(g: ProgramGraph) -> tuple[int, str] | None:
    """(the offset after its last line, its indentation) of a module-level
    ``if TYPE_CHECKING:`` holding only imports, each on lines of their own."""
    data = g.source.data
    for stmt in g.children(0):
        if g.kinds[stmt] != "if_statement" or g.child_by_field(stmt, "alternative") is not None:
            continue
        condition = g.child_by_field(stmt, "condition")
        block = g.child_by_field(stmt, "consequence")
        if condition is None or block is None or g.text(condition) not in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            continue
        body = g.children(block)
        if not body or any(g.kinds[s] not in _IMPORT_KINDS for s in body):
            continue
        line_start = data.rfind(b"\n", 0, g.start_bytes[body[0]]) + 1
        indent = data[line_start : g.start_bytes[body[0]]]
        if not indent or indent.strip(b" \t"):
            continue
        line_end = data.find(b"\n", g.end_bytes[body[-1]])
        at = line_end + 1 if line_end >= 0 else len(data)
        if _next_statement_start(g, stmt) >= at:
            return at, indent.decode("ascii")
    return None


def _import_anchor(g: ProgramGraph) -> int | None:
    """After the docstring, ``__future__`` imports and the leading import block;
    ``None`` when another statement shares the last of those lines."""
    anchor, last = 0, None
    for stmt in g.children(0):
        kind = g.kinds[stmt]
        is_docstring = (
            kind == "expression_statement"
            and anchor == 0
            and g.children(stmt)
            and g.kinds[g.children(stmt)[0]] == "string"
        )
        if kind not in _IMPORT_KINDS and not is_docstring:
            break
        nl = g.source.data.find(b"\n", g.end_bytes[stmt])
        anchor, last = (nl + 1 if nl >= 0 else len(g.source.data)), stmt
    if last is not None and _next_statement_start(g, last) < anchor:
        return None
    return anchor


def _next_statement_start(g: ProgramGraph, stmt: int) -> int:
    siblings = g.children(0)
    at = siblings.index(stmt)
    return g.start_bytes[siblings[at + 1]] if at + 1 < len(siblings) else len(g.source.data)


def apply_edits(data: bytes, plan: FileEdits, g: ProgramGraph) -> bytes:
    """``data`` with ``plan`` applied, plus the TYPE_CHECKING imports (editor buffers)."""
    edits = list(plan.edits)
    block = import_edit(g, plan.imports, "\r\n" if b"\r\n" in data else "\n")
    if block is not None:
        edits.append(block)
    out = data
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text.encode("utf-8") + out[edit.end :]
    return out


def compile_error(data: bytes, path: str = "<annotated>", *, codegen: bool = True) -> SyntaxError | None:
    """Why ``data`` (UTF-8 Python) does not compile, or ``None``.  Compiling also
    runs the symbol-table checks ``ast.parse`` skips (an annotated ``global``);
    nothing runs.  ``codegen=False``: the parser's and the symbol table's checks
    only, in half the time (``symtable``), for a text whose unannotated form
    compiled: an annotation adds no statement, so none of the errors only code
    generation finds (``return`` outside a function, ``break`` outside a loop)."""
    try:
        text = data.decode("utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if codegen:
                compile(text, path, "exec", dont_inherit=True)
            else:
                symtable.symtable(text, path, "exec")
    except SyntaxError as err:
        return err
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as err:
        return SyntaxError(f"{type(err).__name__}: {err}")
    return None
