"""What the static analysis knows at a cursor: the query protocol that the
language server's completion and the decoding monitors share.

Code being written is unfinished, so each query types a *patched* copy of the
source: for ``obj.na|`` the line is cut right before the dot; for ``f(a, |`` the
call is closed.  Results are plain frozen values.

- :func:`members_at` -> the members of the expression before a dot, with
  ``is_complete`` telling whether the type is fully known (a class whose bases
  all resolve, a module) so that a monitor may forbid every other name;
- :func:`call_at` -> the parameters of the innermost call open at the cursor;
- :func:`import_names` -> names importable after ``from pkg import`` and the
  submodules after ``import pkg.``.

Example::

    engine = AnalysisSession(root).engine()
    facts = members_at(engine, "a.py", b"xs = [1]\\nxs.", 11)
    "append" in facts.names, facts.is_complete        # True, True
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import cast

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind, build_graph
from typelens.analyzer.repair import is_repaired_dot, scope_at
from typelens.analyzer.version_gates import live_definitions, version_excluded

from .callables import signature
from .classes import decorator_names, metaclass_argument
from .engine import TypeEngine
from .types import NONE, ClassType, FunctionRef, ModuleType, Type, TypeOfClass, UnknownType, members, render

logger = logging.getLogger(__name__)

_EXPRESSIONS = frozenset(
    {
        "name_load",
        "attribute",
        "call",
        "subscript",
        "parenthesized_expression",
        "string",
        "concatenated_string",
        "list",
        "dictionary",
        "set",
        "tuple",
        "integer",
        "float",
        "true",
        "false",
        "none",
        "list_comprehension",
        "dictionary_comprehension",
        "set_comprehension",
        "generator_expression",
        "await",
    }
)


# compiled on first use: completion's questions read them, a command-line run never does
@functools.cache
def _from_import() -> re.Pattern[str]:
    return re.compile(r"(?:^|\n)[ \t]*from[ \t]+([\w.]+)[ \t]+import(?:[ \t]*\(\s*|[ \t]+)?(?:[\w \t]+,\s*)*$")


@functools.cache
def _name_chain() -> re.Pattern[str]:
    return re.compile(r"(?<![\w.)\]}'\"])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")


@functools.cache
def _import_dotted() -> re.Pattern[str]:
    return re.compile(r"(?:^|\n)[ \t]*import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*([\w.]+)\.$")


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a receiver's type, for completion: name, kind and its type rendered."""

    name: str
    kind: str  # method, field, class, module-member
    detail: str  # the member's type, rendered


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """The members of the type of the receiver before a dot."""

    receiver: str  # the receiver's type, rendered
    members: tuple[Member, ...]
    is_complete: bool  # every member of the type is listed

    @property
    def names(self) -> frozenset[str]:
        return frozenset(m.name for m in self.members)


@dataclass(frozen=True, slots=True)
class ParameterFacts:
    """One parameter of a callee, for the monitors: name, kind, whether it has a default, its type rendered."""

    name: str
    kind: str  # positional, keyword_only, var_positional, var_keyword
    has_default: bool
    type: str


@dataclass(frozen=True, slots=True)
class CallFacts:
    """The parameters of the callee of a call being written."""

    callee: str
    parameters: tuple[ParameterFacts, ...]

    @property
    def keywords(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parameters if p.kind in ("positional", "keyword_only"))

    @property
    def accepts_any_keyword(self) -> bool:
        return any(p.kind == "var_keyword" for p in self.parameters)

    @property
    def max_positional(self) -> int | None:
        """``None`` when ``*args`` takes any number."""
        if any(p.kind == "var_positional" for p in self.parameters):
            return None
        return sum(p.kind == "positional" for p in self.parameters)

    @property
    def min_positional(self) -> int:
        return sum(p.kind == "positional" and not p.has_default for p in self.parameters)


# the bracket a bracketed expression ends with; a node of these kinds that ends
# without it is one the parser closed itself (``names = [f.`` being typed: the
# list ``[f`` ends at the dot, but the receiver is ``f``)
_CLOSERS = {
    "list": b"]",
    "list_comprehension": b"]",
    "subscript": b"]",
    "dictionary": b"}",
    "set": b"}",
    "dictionary_comprehension": b"}",
    "set_comprehension": b"}",
    "call": b")",
    "parenthesized_expression": b")",
    "generator_expression": b")",
}


def expression_ending_at(g: ProgramGraph, end: int) -> int | None:
    """The largest expression ending exactly at byte ``end``; a bracketed one
    counts only where its closing bracket is written (an unclosed ``[f`` is not
    the receiver of ``[f.``)."""
    best = None
    ends, node = g.end_bytes, -1
    data = g.source.data
    while True:
        try:
            node = ends.index(end, node + 1)  # a scan in C: this runs at every completion
        except ValueError:
            return best
        kind = g.kinds[node]
        if kind not in _EXPRESSIONS or (best is not None and g.start_bytes[node] >= g.start_bytes[best]):
            continue
        closer = _CLOSERS.get(kind, b")" if kind == "tuple" and data[g.start_bytes[node]] == ord("(") else b"")
        if not closer or data[end - 1 : end] == closer:
            best = node


def _patched_engine(engine: TypeEngine, path: str, patched: bytes) -> tuple[TypeEngine, ProgramGraph]:
    graph = build_graph(patched.decode("utf-8", "replace"), path)
    return engine.fork({path: graph}), graph


@dataclass(frozen=True, slots=True, eq=False)  # a holder: compared by identity, never a key
class Analysed:
    """A source's program graph and the engine that answers from it: the analysis
    an editor keeps for the current version of a buffer.  Queries at a cursor in
    that very source try it before analysing a patched copy."""

    engine: TypeEngine
    graph: ProgramGraph

    @classmethod
    def of(cls, engine: TypeEngine, path: str, data: bytes) -> "Analysed":
        graph = build_graph(data.decode("utf-8", "replace"), path)
        return cls(engine.fork({path: graph}), graph)


def _document_answers(g: ProgramGraph, dot: int) -> int | None:
    """The expression ending at ``dot`` in ``g`` when the source's graph answers
    as the patched copy would: the graph read the dangling dot as a space (see
    :mod:`typelens.analyzer.repair`), or the dot ends its line (as while typing)
    and every syntax problem lies on that line (``xs.`` at the end of a line
    parses as an attribute with a missing name), so the flow around the cursor
    is the code's own."""
    data = g.source.data
    if data[dot : dot + 1] != b".":
        return None
    if is_repaired_dot(g.diagnostics, dot):
        return expression_ending_at(g, dot)
    line_start = data.rfind(b"\n", 0, dot) + 1
    line_end = data.find(b"\n", dot)
    line_end = len(data) if line_end < 0 else line_end
    if data[dot + 1 : line_end].strip():
        return None  # the rest of the line could define what the patched copy would not see
    for d in g.diagnostics:
        if d.code in ("syntax-error", "missing-token") and not (
            line_start <= d.span.start_byte and d.span.end_byte <= line_end + 1
        ):
            return None
    return expression_ending_at(g, dot)


def receiver_type(
    engine: TypeEngine, path: str, data: bytes, dot: int, document: Analysed | None = None
) -> tuple[TypeEngine, Type | None]:
    """The type of the expression ending at byte ``dot`` (where ``data[dot] == '.'``),
    from ``document`` (the analysis of ``data`` itself) when it can answer, else
    from a patched copy with the rest of the line cut."""
    if document is not None and document.graph.source.data == data:
        node = _document_answers(document.graph, dot)
        if node is not None:
            return document.engine, document.engine.exprs.receiver_type_of(path, node)
        chain = trailing_name(data[data.rfind(b"\n", 0, dot) + 1 : dot].decode("utf-8", "replace"))
        if chain is not None:  # the statement is broken around the dot: read the name in its scope
            value = name_chain_at(document, path, dot, chain.group().split("."))
            if value is not None:
                return document.engine, value
    line_end = data.find(b"\n", dot)
    patched = data[:dot] + b"\n" + (data[line_end + 1 :] if line_end >= 0 else b"")
    fresh, graph = _patched_engine(engine, path, patched)
    node = expression_ending_at(graph, dot)
    if node is None:
        # the parser kept no expression ending at the dot (``cword = int(os.``
        # being typed): the dotted name before it, read in its scope
        chain = trailing_name(patched[patched.rfind(b"\n", 0, dot) + 1 : dot].decode("utf-8", "replace"))
        if chain is None:
            return fresh, None
        return fresh, name_chain_at(Analysed(fresh, graph), path, dot, chain.group().split("."))
    return fresh, fresh.exprs.type_of(path, node)


def trailing_name(text: str) -> re.Match | None:
    """The dotted name (``self.items``) that ``text`` ends with, unless it is
    itself a member of something (after a dot or a bracket)."""
    return _name_chain().search(text)


def name_chain_at(document: Analysed, path: str, offset: int, chain: list[str]) -> Type | None:
    """The type of the dotted name ``chain`` (``["self", "items"]``) read at byte
    ``offset`` of the source ``document`` analysed, in the scope there: what a
    statement broken mid-typing, or text generated after the cursor, refers to,
    without analysing a new copy of the source.  Unknown where no scope binds
    the name; ``None`` where the answer could depend on the flow (a local
    assigned more than once, without a declared type) or the scope there is in
    doubt."""
    g = document.graph
    line_end = g.source.data.find(b"\n", offset)
    if g.source.data[offset : None if line_end < 0 else line_end].strip(b" \t\r.)]}"):
        return None  # the rest of the line could define what the patched copy would not see
    scope = scope_at(g, offset)
    if scope is None or not chain:
        return None
    return name_chain_in_scope(document.engine, path, g, scope, tuple(chain), before=offset)


def name_chain_in_scope(
    engine: TypeEngine, path: str, g: ProgramGraph, scope: int, chain: tuple[str, ...], *, before: int = -1
) -> Type | None:
    """The type of the dotted name ``chain`` read in ``scope`` of ``g`` (``None``
    where the flow decides it, see :func:`name_chain_at`; with ``before``, also
    where the name is tested before that byte, see :func:`name_in_scope`)."""
    value = name_in_scope(engine, path, g, scope, chain[0], before=before)
    for part in chain[1:]:
        if value is None or isinstance(value, UnknownType):
            return value
        value = engine.classes.member_of(value, part, "", -1)
    return value


def name_in_scope(
    engine: TypeEngine, path: str, g: ProgramGraph, scope: int, name: str, *, before: int = -1
) -> Type | None:
    """``name`` by the LEGB rule from ``scope`` (class bodies seen only from
    themselves), typed flow-insensitively where that is exact: not where a test
    before byte ``before`` may narrow it (``isinstance(other, Version)``,
    ``x is not None``: ``other._epoch`` after it reads a ``Version``, not the
    declared ``object``)."""
    start = scope
    while scope >= 0:
        here = g.scopes[scope]
        sym = g.find_symbol(name, here.qualname) if (scope == start or here.kind is not ScopeKind.CLASS) else None
        if sym is not None and sym.definitions:
            flow_free = (
                sym.kind is not SymbolKind.VARIABLE
                or len(engine.names.live(path, sym.id)) == 1
                or engine.names.declared_type(path, sym.definitions) is not None
            ) and not _tested_before(g, sym.uses, before)
            return engine.names.symbol_value(path, sym.id) if flow_free else None
        scope = here.parent
    return engine.names.builtin(name)


_NARROWING_CALLS = frozenset({"isinstance", "issubclass", "callable", "hasattr", "type"})


def _tested_before(g: ProgramGraph, uses: tuple[int, ...], before: int) -> bool:
    """Whether a use of a name before byte ``before`` is a test that may narrow
    it: an operand of a comparison, or the argument of ``isinstance`` and kin."""
    for use in uses:
        if not 0 <= g.start_bytes[use] < before:
            continue
        parent = g.parents[use]
        if g.kinds[parent] == "comparison_operator":
            return True
        if g.kinds[parent] == "argument_list":
            function = g.child_by_field(g.parents[parent], "function")
            if function is not None and g.text(function) in _NARROWING_CALLS:
                return True
    return False


def call_in_document(document: Analysed, path: str, paren: int) -> tuple[bool, CallFacts | None]:
    """``(answered, facts)`` for the call whose ``(`` is at byte ``paren`` of the
    source ``document`` analysed (the cursor inside its arguments)."""
    g = document.graph
    if g.source.data[paren : paren + 1] != b"(":
        return False, None
    arguments = g.enclosing(g.node_at(paren), "argument_list")
    if arguments is None or g.start_bytes[arguments] != paren or g.kinds[g.parents[arguments]] != "call":
        return False, None
    function = g.child_by_field(g.parents[arguments], "function")
    if function is None:
        return False, None
    callee = document.engine.exprs.type_of(path, function)
    return True, call_facts_of_type(document.engine, callee)


def members_at(
    engine: TypeEngine, path: str, data: bytes, dot: int, *, details: bool = True, document: Analysed | None = None
) -> MemberFacts | None:
    """Members of the expression before the dot at byte ``dot``; ``None`` when its
    type is unknown.  ``details=False`` skips typing each member (names only);
    ``document`` is the analysis of ``data`` when the caller keeps one."""
    if not 0 <= dot < len(data) or data[dot : dot + 1] != b".":
        raise ValueError(f"dot={dot} is not the offset of a '.' in the source; pass the byte offset of the dot")
    fresh, receiver = receiver_type(engine, path, data, dot, document)
    if receiver is None or isinstance(receiver, UnknownType):
        return None
    return members_of_type(fresh, receiver, details=details)


_UNKNOWN = object()


class LibraryMembers:
    """Member names of types defined outside the project (stubs, the stdlib,
    installed packages), kept across queries: those files do not change while an
    editor or a benchmark runs, so a type's members are worked out once."""

    def __init__(self, limit: int = 2048) -> None:
        self.limit = limit
        self._facts: dict[Type, MemberFacts | None] = {}
        # the engines' answers about library files (``AnalysisSession.engine``):
        # one engine per query, but what they learn about stubs and installed
        # packages stays (engines running at once each answer alone what another
        # is computing, see ``TypeEngine.memo``)
        self.answers: dict[tuple, object] = {}

    def get(self, engine: TypeEngine, receiver: Type) -> MemberFacts | None:
        known = self._facts.get(receiver, _UNKNOWN)  # one read: another request may clear it
        if known is not _UNKNOWN:
            return cast("MemberFacts | None", known)
        facts = members_of_type(engine, receiver, details=False)
        if _is_library(engine, receiver):
            if len(self._facts) >= self.limit:
                self._facts.clear()
                self.answers.clear()
            self._facts[receiver] = facts
        return facts


def _is_library(engine: TypeEngine, receiver: Type) -> bool:
    for m in members(receiver):
        if isinstance(m, ModuleType):
            location = engine.index.resolve_module(m.name)
            if location is None or location.origin == "project":
                return False
        elif isinstance(m, (ClassType, TypeOfClass)):
            where = engine.classes.definition(m if isinstance(m, ClassType) else m.cls)
            if where is None or not engine.is_library_file(where[0]):
                return False
        elif m != NONE:
            return False
    return True


def members_of_type(engine: TypeEngine, receiver: Type, *, details: bool = True) -> MemberFacts | None:
    found: dict[str, Member] = {}
    complete = True
    for m in members(receiver):
        if isinstance(m, ModuleType):
            for name in module_attributes(engine, m.name):
                found.setdefault(name, Member(name, "module-member", m.name))
            complete = complete and engine.index.resolve_module(m.name) is not None
        elif isinstance(m, (ClassType, TypeOfClass)):
            cls = m if isinstance(m, ClassType) else m.cls
            chain = engine.classes.mro(cls)
            complete = complete and bool(chain) and _is_closed(engine, chain)
            _add_members(engine, found, m, chain, details)
            if isinstance(m, TypeOfClass):  # a class object also has its metaclass's members (``__name__``, ``mro``)
                meta = _metaclass_mro(engine, chain)
                complete = complete and meta is not None and _is_closed(engine, meta)
                if meta:
                    _add_members(engine, found, meta[0][0], meta, details)
        elif m != NONE:
            complete = False
    if not found:
        return None
    return MemberFacts(render(receiver), tuple(found.values()), complete)


def _add_members(engine: TypeEngine, found: dict[str, Member], receiver: Type, chain, details: bool) -> None:
    """The members ``chain`` (an MRO) defines that ``found`` lacks, read on ``receiver``."""
    for _view, info in chain:
        for name, member in info.members.items():
            if name not in found:
                kind = {"method": "method", "class": "class"}.get(member.kind, "field")
                detail = render(engine.classes.member_of(receiver, name, "", -1)) if details else ""
                found[name] = Member(name, kind, detail)


def _metaclass_mro(engine: TypeEngine, chain) -> list | None:
    """The MRO of the metaclass of the class whose MRO is ``chain``: the first
    ``metaclass=`` along it (``Enum``'s ``EnumMeta``), else ``type``; ``None``
    where that keyword names no class the analysis knows."""
    for _view, info in chain:
        g = engine.graph(info.path)
        arg = metaclass_argument(g, info.node) if g is not None else None
        value = g.child_by_field(arg, "value") if g is not None and arg is not None else None
        if value is not None:
            meta = engine.exprs.type_of(info.path, value)
            return (engine.classes.mro(meta.cls) or None) if isinstance(meta, TypeOfClass) else None
    return engine.classes.mro(ClassType("type")) or None


def module_attributes(engine: TypeEngine, module: str) -> list[str]:
    """What ``module.`` may read: :func:`module_members`, then the names the
    module binds that they leave out (private ones, ``sys._getframe``, and those
    ``__all__`` does not list; in a stub no import, and of its private names only
    functions, as its private variables and classes are often the stub's own
    helpers, ``_T``, and nothing marked ``@type_check_only``), then
    what every module object has (``__name__``, ``__file__``, ``__dict__``)."""
    names = dict.fromkeys(module_members(engine, module))
    location = engine.index.resolve_module(module)
    g = engine.graph(str(location.path)) if location is not None and location.path is not None else None
    if g is not None and location is not None and location.path is not None:
        stub = location.path.suffix == ".pyi"
        for symbol in g.symbols:
            live = live_definitions(g, symbol.definitions) if symbol.scope == 0 else ()
            if not live:
                continue
            if stub and "type_check_only" in decorator_names(g, g.parents[live[-1]]):
                names.pop(symbol.name, None)
                continue
            private = symbol.name.startswith("_") and symbol.kind is not SymbolKind.FUNCTION
            if not (stub and (symbol.kind is SymbolKind.IMPORT or private)):
                names.setdefault(symbol.name, None)
    for _view, info in engine.classes.mro(ClassType("types.ModuleType")):
        names.update(dict.fromkeys(n for n in info.members if n != "__getattr__"))  # the stub's stand-in for any name
    return list(names)


def module_members(engine: TypeEngine, module: str) -> list[str]:
    """The names ``module`` exports, those it re-exports by ``from x import *``
    (and ``__all__`` imported from there, as ``os.path`` takes ``posixpath``'s)
    followed, in the branches the running Python takes; its submodules last."""
    names: dict[str, None] = {}
    pending, seen = [module], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        names.update(dict.fromkeys(engine.index.exported_names(current)))
        location = engine.index.resolve_module(current)
        where = location.path if location is not None else None
        g = engine.graph(str(where)) if where is not None else None
        if g is None or where is None:
            continue
        for binding in g.imports:
            if binding.bound in ("*", "__all__") and not version_excluded(g, binding.node, 0):
                pending.append(engine.index.imported_module(where, binding))
    names.update(dict.fromkeys(sorted(submodules(engine, module))))
    return list(names)


def _is_closed(engine: TypeEngine, chain) -> bool:
    """All bases resolve and no class takes attributes dynamically (``__getattr__``)."""
    known = {view.name for view, _ in chain}
    for view, info in chain:
        if info.has_dynamic_attributes and view.name != "object":
            return False
        for base in info.bases:
            if not isinstance(base, ClassType):
                return False
            if base.name not in known and base.short not in ("Generic", "Protocol"):
                return False
    return True


def call_at(engine: TypeEngine, path: str, data: bytes, offset: int) -> CallFacts | None:
    """The parameters of the innermost call open at byte ``offset``."""
    line_end = data.find(b"\n", offset)
    patched = data[:offset] + b")\n" + (data[line_end + 1 :] if line_end >= 0 else b"")
    fresh, g = _patched_engine(engine, path, patched)
    call = g.enclosing(g.node_at(max(offset - 1, 0)), "call")
    if call is None:
        return None
    function = g.child_by_field(call, "function")
    callee = fresh.exprs.type_of(path, function) if function is not None else None
    return call_facts_of_type(fresh, callee) if callee is not None else None


def call_facts_of_type(engine: TypeEngine, callee: Type) -> CallFacts | None:
    """The parameters of calling a value of type ``callee`` (a function, a bound
    method or a class), or ``None``."""
    for m in members(callee):
        target: Type | None = m
        if isinstance(m, TypeOfClass):
            hit = engine.classes.lookup(m.cls, "__init__")
            target = FunctionRef(hit[2].path, hit[2].nodes[-1], m.cls) if hit else None
        if isinstance(target, FunctionRef):
            params = signature(engine.require_graph(target.path), target.node)
            if target.bound is not None and params:
                params = params[1:]
            return CallFacts(
                render(callee),
                tuple(
                    ParameterFacts(p.name, p.kind, p.has_default, render(engine.parameter_type(target.path, p.node)))
                    for p in params
                ),
            )
    return None


def import_names(engine: TypeEngine, text: str) -> frozenset[str] | None:
    """Names allowed next when ``text`` ends inside ``from pkg import ...`` or
    ``import pkg.``; ``None`` when it does not or the module is unknown."""
    found = _from_import().search(text)
    if found:
        module = found.group(1)
        location = engine.index.resolve_module(module)
        if location is None:
            return None
        return frozenset(module_members(engine, module))
    found = _import_dotted().search(text)
    if found:
        names = submodules(engine, found.group(1))
        return names or None
    return None


def submodules(engine: TypeEngine, module: str) -> frozenset[str]:
    location = engine.index.resolve_module(module)
    if location is None or location.path is None or not location.is_package:
        return frozenset()
    names = set()
    for child in location.path.parent.iterdir():
        stem = child.name.split(".", 1)[0]
        if not stem.isidentifier() or stem == "__init__":
            continue
        if child.suffix in (".py", ".pyi") or (
            child.is_dir() and any((child / f"__init__{ext}").exists() for ext in (".py", ".pyi"))
        ):
            names.add(stem)
    return frozenset(names)
