"""Completion: the members of the expression before a dot, the names a module
offers after ``from m import`` (and its submodules after ``import m.``), or the
keyword names of the call open at the cursor.

Members come from the receiver's static type (a patched copy of the source is
typed when the buffer does not parse, see :mod:`typelens.typeinfer.queries`):
every member of every part of a union, a module's names with those it
re-exports (``os.path`` is ``posixpath``'s).  Each entry has its kind and, as
detail, its signature (a method's without its receiver) or its type; its
docstring, and the signature with inferred types, are worked out only for
the item the editor shows (:func:`resolve`).  Public
names first, alphabetical; ranking by a code LM is the monitors' job
(:func:`typelens.monitors.ranking.rank_entries`).

Example::

    import os
    os.path.|       -> abspath  (function)  def abspath(path: PathLike[AnyStr]) -> AnyStr ...
    order.|         -> add      (method)    def add(item)   resolved: def add(item: Item) -> None
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from typelens.analyzer import Definition, ProgramGraph, ScopeKind, SymbolKind

from ..classes import decorator_names
from ..queries import Analysed, call_facts_of_type, import_names, members_of_type, receiver_type, trailing_name
from ..queries import name_chain_in_scope
from ..types import ClassType, FunctionRef, ModuleType, Type, TypeOfClass, UnknownType, members, render
from .hover import describe, predictions_by_place
from .signature_help import callee_at, callee_chain, open_paren
from .signatures import class_header, docstring, signature_of

if TYPE_CHECKING:
    from ..engine import TypeEngine
    from ..session import FileAnalysis

_NAME_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
_WORD_AT_END = re.compile(r"\w*$")
_IMPORT_WORD = re.compile(rb"\b(?:import|from)\b")
DETAIL_BUDGET_SECONDS = 0.05  # data members typed for the list; the rest when resolved
_MAX_DETAILED = 200  # members past this many show their kind only (a huge module)


@dataclass(frozen=True, slots=True)
class CompletionEntry:
    label: str
    kind: str  # method, function, property, field, class, module, module-member, keyword-argument, guided
    detail: str
    ref: tuple[str, int, bool] | None = None  # its definition (file, node, bound): resolved on demand


def _import_names(analysis: "FileAnalysis", typed: str) -> frozenset[str] | None:
    """:func:`.queries.import_names` of a Python file; none for a script, whose
    imports name their modules in strings (the patterns are Python's, and the
    query, compiled, takes a Python engine only)."""
    return import_names(analysis.engine, typed) if analysis.language == "python" else None


def completions(analysis: "FileAnalysis", offset: int) -> list[CompletionEntry]:
    data = analysis.graph.source.data
    line_start = data.rfind(b"\n", 0, offset) + 1
    typed = _WORD_AT_END.sub("", data[line_start:offset].decode("utf-8", "replace"))
    names = _import_names(analysis, typed)
    if names is not None:
        return import_completions(analysis, data[line_start:offset], names)
    dot = member_dot(data, offset)
    if dot is not None:
        return member_completions(analysis, dot)
    return keyword_completions(analysis, offset)


def carried_completions(
    analysis: "FileAnalysis", data: bytes, offset: int, scope: int | None
) -> list[CompletionEntry] | None:
    """Completions at ``offset`` of ``data``, a newer text of the file than
    ``analysis`` read, answered by ``analysis`` (an editor's last analysed
    revision while the newest is built): the names after ``from m import`` and
    ``import m.``, which the text alone decides, the members of a dotted
    name (:func:`receiver_chain`) and the keyword names of a call to one
    (:func:`carried_chain`), the name read in ``scope``, the scope of the
    analysed graph that the cursor's line belongs to.  ``None`` where the older
    analysis cannot tell: no such name, one it does not know, or a union (the
    flow at the cursor may narrow it)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    typed = _WORD_AT_END.sub("", data[line_start:offset].decode("utf-8", "replace"))
    names = _import_names(analysis, typed)
    if names is not None:
        return import_completions(analysis, data[line_start:offset], names)
    found = carried_chain(data, offset) if analysis.language == "python" else receiver_chain(data, offset)
    if found is None or scope is None:
        return None
    value = name_chain_in_scope(analysis.engine, analysis.path, analysis.graph, scope, found[2])
    if value is None or isinstance(value, UnknownType) or len(members(value)) != 1:
        return None
    if member_dot(data, offset) is None:
        return keyword_entries(analysis.engine, value)
    return member_entries(analysis.engine, value)


def carried_chain(data: bytes, offset: int) -> tuple[int, int, tuple[str, ...]] | None:
    """The dotted name whose type the completions at ``offset`` list from:
    the receiver before the dot (:func:`receiver_chain`), or, inside a call's
    arguments, the function called (``(start, paren, names)``, see
    :func:`.signature_help.callee_chain`); ``None`` for anything else."""
    if member_dot(data, offset) is not None:
        return receiver_chain(data, offset)
    paren = open_paren(data, offset)
    return callee_chain(data, paren) if paren is not None else None


def receiver_chain(data: bytes, offset: int) -> tuple[int, int, tuple[str, ...]] | None:
    """``(start, dot, names)`` of the dotted name before the dot that the name
    typed at ``offset`` follows (``self.items.|`` gives the bytes of
    ``self.items``, the dot's offset and ``("self", "items")``), when only
    closing brackets follow the cursor on its line; ``None`` otherwise (no dot,
    a call's result or a subscript before it)."""
    dot = member_dot(data, offset)
    if dot is None:
        return None
    line_end = data.find(b"\n", offset)
    if data[offset : None if line_end < 0 else line_end].strip(b" \t\r)]}"):
        return None
    head = data[data.rfind(b"\n", 0, dot) + 1 : dot]
    chain = trailing_name(head.decode("utf-8", "replace"))
    if chain is None or not chain.group().isascii():
        return None
    return dot - len(chain.group()), dot, tuple(chain.group().split("."))


def scope_of_def_line(g: ProgramGraph, line_start: int | None) -> int | None:
    """The id of the function or class scope of ``g`` whose ``def``/``class``
    starts on the line at byte ``line_start`` (the module's for ``None``)."""
    if line_start is None:
        return next((s.id for s in g.scopes if s.kind is ScopeKind.MODULE), None)
    data = g.source.data
    found = [
        s
        for s in g.scopes
        if s.kind in (ScopeKind.FUNCTION, ScopeKind.CLASS)
        and data.rfind(b"\n", 0, g.start_bytes[s.node]) + 1 == line_start
    ]
    return max(found, key=lambda s: g.start_bytes[s.node]).id if found else None


def member_dot(data: bytes, offset: int) -> int | None:
    """The byte offset of the dot that the name being typed at ``offset`` follows."""
    stripped = data[:offset].rstrip(_NAME_BYTES)
    return len(stripped) - 1 if stripped.endswith(b".") else None


def members_dot(data: bytes, offset: int) -> int | None:
    """The dot whose receiver's members :func:`completions` lists at ``offset``
    of ``data``: the list is the same at every offset of the name typed after
    it, so an analysed revision keeps it by the dot.  ``None`` elsewhere, and on
    a line that may be an import (``import os.``, ``from . import``: what those
    list is read from the line)."""
    dot = member_dot(data, offset)
    if dot is None or _IMPORT_WORD.search(data, data.rfind(b"\n", 0, dot) + 1, dot):
        return None
    return dot


def member_completions(analysis: "FileAnalysis", dot: int) -> list[CompletionEntry]:
    data = analysis.graph.source.data
    engine, receiver = receiver_type(
        analysis.engine, analysis.path, data, dot, Analysed(analysis.engine, analysis.graph)
    )
    if receiver is None or isinstance(receiver, UnknownType):
        return []
    return member_entries(engine, receiver)


def member_entries(engine: "TypeEngine", receiver: Type) -> list[CompletionEntry]:
    """The members of a value of type ``receiver``, public names first; listed once
    per engine and type (an editor's revision lists ``self``'s members at the dots
    of every method of a class, and its answers do not change: an engine reads
    one version of the files)."""
    key = ("members", receiver)
    found = cast("tuple[CompletionEntry, ...] | None", engine.ide_lists.get(key))
    if found is None:
        entries, whole = _member_entries(engine, receiver)
        found = tuple(entries)
        if whole:  # a list past the detail budget is provisional: a warmer ask details it
            engine.ide_lists[key] = found
    return list(found)


def _member_entries(engine: "TypeEngine", receiver: Type) -> tuple[list[CompletionEntry], bool]:
    """The entries, and whether their details were all worked out within
    :data:`DETAIL_BUDGET_SECONDS`."""
    facts = members_of_type(engine, receiver, details=False)
    if facts is None:
        return [], True
    deadline = time.monotonic() + DETAIL_BUDGET_SECONDS
    entries = [
        _entry(engine, receiver, m.name, m.kind, detailed=i < _MAX_DETAILED, deadline=deadline)
        for i, m in enumerate(facts.members)
    ]
    return sorted(entries, key=lambda e: (e.label.startswith("_"), e.label)), time.monotonic() <= deadline


def _entry(
    engine: "TypeEngine", receiver, name: str, kind: str, *, detailed: bool, deadline: float = float("inf")
) -> CompletionEntry:
    if not detailed:
        return CompletionEntry(name, kind, "")
    lookup = _lookup(engine, receiver, name)
    is_property = lookup is not None and any(d.endswith("property") for d in lookup.decorators)
    if (
        (kind in ("field", "module-member") or is_property)
        and time.monotonic() > deadline
        and not (kind == "module-member" and _defined_by_def(engine, receiver, name))
    ):
        # a data member's type may need the whole class inferred: past the budget
        # it is worked out when the editor resolves the item
        shown = "property" if is_property else "field" if kind == "field" else "variable"
        return CompletionEntry(name, shown, "", _lazy_ref(engine, receiver, name, lookup))
    value = engine.classes.member_of(receiver, name, "", -1)
    # declared types only: inferring every method's parameters would cost seconds
    # on a large class; the item the editor shows is resolved with them
    signatures, _doc, described = describe(engine, value, with_docs=False, infer=False)
    ref = _definition_of(engine, value)
    if described in ("function", "method", "property", "class") and signatures:
        return CompletionEntry(name, described, signatures[0], ref)
    if described == "module":
        return CompletionEntry(name, "module", f"module {_module_name(value)}", ref)
    if kind == "method":  # a method read as a value: a property
        return CompletionEntry(name, "property", render(value), _member_ref(engine, receiver, name))
    return CompletionEntry(name, "field" if kind != "module-member" else "variable", render(value), ref)


def _definition_of(engine: "TypeEngine", value) -> tuple[str, int, bool] | None:
    for m in members(value):
        if isinstance(m, FunctionRef):
            return m.path, m.node, m.bound is not None
        if isinstance(m, TypeOfClass):
            where = engine.classes.definition(m.cls)
            return (*where, False) if where is not None else None
        if isinstance(m, ModuleType):
            location = engine.index.resolve_module(m.name)
            return (str(location.path), 0, False) if location is not None and location.path is not None else None
    return None


def _member_ref(engine: "TypeEngine", receiver, name: str) -> tuple[str, int, bool] | None:
    member = _lookup(engine, receiver, name)
    return (member.path, member.nodes[0], True) if member is not None and member.kind == "method" else None


def _lookup(engine: "TypeEngine", receiver, name: str):
    """The class member ``name`` of the first class in ``receiver`` defining it."""
    for m in members(receiver):
        cls = m.cls if isinstance(m, TypeOfClass) else m
        hit = engine.classes.lookup(cls, name) if isinstance(cls, ClassType) else None
        if hit is not None:
            return hit[2]
    return None


def _module_definition(engine: "TypeEngine", receiver, name: str) -> Definition | None:
    """Where the module member ``name`` of ``receiver`` (a module) is defined."""
    for m in members(receiver):
        target = engine.resolve_name(m.name, name) if isinstance(m, ModuleType) else None
        if isinstance(target, Definition):
            return target
    return None


def _defined_by_def(engine: "TypeEngine", receiver, name: str) -> bool:
    """Whether a module member is a ``def`` or ``class`` (its declared signature is
    cheap; only a variable's type may need inference)."""
    target = _module_definition(engine, receiver, name)
    return target is not None and target.kind in (SymbolKind.FUNCTION, SymbolKind.CLASS)


def _lazy_ref(engine: "TypeEngine", receiver, name: str, member) -> tuple[str, int, bool] | None:
    """Where a member whose type is left to :func:`resolve` is defined."""
    if member is not None:
        return member.path, member.nodes[0], False
    target = _module_definition(engine, receiver, name)
    return (str(target.path), target.node, False) if target is not None else None


def _module_name(value) -> str:
    return next((m.name for m in members(value) if isinstance(m, ModuleType)), "")


def import_completions(analysis: "FileAnalysis", line: bytes, names: frozenset[str]) -> list[CompletionEntry]:
    """Names after ``from m import`` (each with its kind and signature) or
    submodules after ``import m.``."""
    text = line.decode("utf-8", "replace").lstrip()
    module = text.split()[1] if text.startswith("from ") and len(text.split()) > 1 else None
    engine = analysis.engine
    entries = []
    for i, name in enumerate(sorted(names, key=lambda n: (n.startswith("_"), n))):
        if module is None:
            entries.append(CompletionEntry(name, "module", "module"))
            continue
        entries.append(
            _entry(engine, ModuleType(_absolute(analysis, module)), name, "module-member", detailed=i < _MAX_DETAILED)
        )
    return entries


def _absolute(analysis: "FileAnalysis", module: str) -> str:
    if not module.startswith("."):
        return module
    level = len(module) - len(module.lstrip("."))
    return analysis.engine.index.absolute_module(
        analysis.engine.module_name(analysis.path),
        module.lstrip("."),
        level,
        importer_is_package=analysis.path.endswith("__init__.py"),
    )


def keyword_completions(analysis: "FileAnalysis", offset: int) -> list[CompletionEntry]:
    """Keyword names of the call open at ``offset``, its callee read from the
    analysed file as signature help reads it (:func:`.signature_help.callee_at`)."""
    paren = open_paren(analysis.graph.source.data, offset)
    callee = callee_at(analysis, paren, offset) if paren is not None else None
    if callee is None:
        return []
    return keyword_entries(callee[0], callee[1])


def keyword_entries(engine: "TypeEngine", callee: Type) -> list[CompletionEntry]:
    """``name=`` for each parameter of calling ``callee`` that a keyword can pass."""
    facts = call_facts_of_type(engine, callee)
    if facts is None:
        return []
    return [
        CompletionEntry(f"{p.name}=", "keyword-argument", p.type)
        for p in facts.parameters
        if p.kind in ("positional", "keyword_only")
    ]


def resolve(analysis: "FileAnalysis", ref: tuple[str, int, bool]) -> tuple[str | None, str | None]:
    """The full signature (inferred types included) and the docstring of the
    definition ``ref`` (a completion item the editor is about to show)."""
    path, node, bound = ref
    engine = analysis.engine
    g = engine.graph(path)
    if g is None or not 0 <= node < len(g.kinds):
        return None, None
    if node == 0:
        return None, docstring(g, 0)
    if g.kinds[node] == "function_definition" and any(d.endswith("property") for d in decorator_names(g, node)):
        return render(engine.return_type(path, node)), docstring(g, g.child_by_field(node, "body"))
    if g.kinds[node] == "function_definition":
        predictions = predictions_by_place(analysis) if path == analysis.path else None
        sig = signature_of(engine, FunctionRef(path, node), predictions)
        return (sig.text(bound=bound), sig.doc) if sig is not None else (None, None)
    if g.kinds[node] == "class_definition":
        return class_header(g, node), docstring(g, g.child_by_field(node, "body"))
    if g.kinds[node] == "attribute_store":
        return render(engine.classes.attribute_store_type(path, node)), None
    if g.kinds[node] == "name_store":
        return render(engine.names.definition_type(path, node)), None
    return None, None
