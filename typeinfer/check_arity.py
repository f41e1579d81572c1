"""``call-arg`` for every declared callable: project code, installed packages and stubs.

A call is checked against what its callee declares, in the file that declares it:

* a function or method (``len(items, 1)``, ``json.loads(s, bogus=1)``,
  ``path.split(1, 2, 3)``): every ``@overload`` is tried, and the call fits when
  any accepts it; a name defined more than once (``if sys.version_info >= ...``
  in typeshed) fits when any definition accepts it;
* a class (``Box(1, 2)``): the first ``__init__`` and the first ``__new__`` of its
  MRO below ``object`` must both accept it (``object()`` itself takes nothing).

Positional-only (``/`` or a leading ``__name``), keyword-only (after ``*``),
defaults, ``*args`` and ``**kwargs`` are followed.  Nothing is reported when the
count is not certain: a call with ``*x``/``**y``, a callee whose decorators may
change its signature, a class built by a metaclass, a class decorator,
``NamedTuple``/``TypedDict``, a base that is not fully known, or a function read
from a class attribute (which may bind ``self`` or not).

Example::

    def add(a, b=1, /, *, scale=2): ...
    add()            # call-arg: add() is missing argument(s): a
    add(1, 2, 3)     # call-arg: add() takes at most 2 positional argument(s), 3 given
    add(1, b=2)      # call-arg: add() has no parameter named 'b' (positional-only)
    len([], 1)       # call-arg: len() takes at most 1 positional argument(s), 2 given
"""

from __future__ import annotations

import logging
from functools import partial
from dataclasses import dataclass
from typing import Callable, Final, cast

from typelens.analyzer import ProgramGraph, ScopeKind, SymbolKind
from typelens.analyzer import codes

from .callables import signature
from .classes import ClassInfo, decorator_names, metaclass_argument
from .engine import TypeEngine
from .types import ClassType, FunctionRef, ModuleType, Type, TypeOfClass

logger = logging.getLogger(__name__)

# decorators that leave a def's parameters as written
_SAFE_DECORATORS: Final = frozenset(
    {
        "staticmethod",
        "classmethod",
        "overload",
        "abstractmethod",
        "final",
        "override",
        "deprecated",
        "type_check_only",
        "runtime_checkable",
        "total_ordering",
        "disjoint_base",
    }
)
_SYNTHESISED_BASES: Final = frozenset({"NamedTuple", "TypedDict", "Protocol"})
_PLAIN_METACLASSES: Final = frozenset({"ABCMeta", "abc.ABCMeta", "type"})
# class decorators that add only the members the class body declares
_FIELD_DECORATORS: Final = frozenset(
    {"dataclass", "dataclasses", "dataclasses.dataclass", "unique", "enum.unique", "functools.total_ordering"}
    | {"s", "attr.s", "attrs", "attr.attrs", "define", "attr.define", "attrs.define", "frozen", "attrs.frozen"}
)
_IMPLICIT_CLASSMETHODS: Final = ("__init_subclass__", "__class_getitem__")
_SEPARATORS: Final = ("positional_separator", "keyword_separator")


@dataclass(frozen=True, slots=True)
class Slot:
    """One parameter as a call sees it."""

    name: str
    kind: str  # positional_only, positional, keyword_only, var_positional, var_keyword
    has_default: bool

    # written out for mypyc (see the note in .types)
    def __init__(self, name: str, kind: str, has_default: bool) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "has_default", has_default)


@dataclass(frozen=True, slots=True)
class CallShape:
    """What a call passes: how many positional arguments, which keywords."""

    positional: int
    keywords: tuple[str, ...]

    # written out for mypyc (see the note in .types)
    def __init__(self, positional: int, keywords: tuple[str, ...]) -> None:
        object.__setattr__(self, "positional", positional)
        object.__setattr__(self, "keywords", keywords)


@dataclass(frozen=True, slots=True)
class Signature:
    """One way to call a callee: its slots, read from ``path``."""

    path: str
    node: int
    slots: tuple[Slot, ...]

    # written out for mypyc (see the note in .types)
    def __init__(self, path: str, node: int, slots: tuple[Slot, ...]) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "slots", slots)


@dataclass(frozen=True, slots=True)
class Problem:
    """An arity problem of a call: a message template and its fields, the callee's name filled in when reported."""

    template: str
    fields: tuple[tuple[str, str], ...]

    def message(self, callee: str) -> str:
        return self.template.format(callee=callee, **dict(self.fields))


# -- matching ------------------------------------------------------------------------------
def problem_of(slots: tuple[Slot, ...], shape: CallShape) -> Problem | None:
    """Why a call of ``shape`` does not fit ``slots`` (None: it fits)."""
    positional = [s for s in slots if s.kind in ("positional_only", "positional")]
    has_var = any(s.kind == "var_positional" for s in slots)
    has_var_keyword = any(s.kind == "var_keyword" for s in slots)
    if shape.positional > len(positional) and not has_var:
        fields = (("maximum", str(len(positional))), ("given", str(shape.positional)))
        return Problem(codes.CALL_TOO_MANY, fields)
    filled = {s.name for s in positional[: shape.positional]}
    by_name = {s.name: s for s in slots if s.kind in ("positional", "keyword_only")}
    for keyword in shape.keywords:
        if keyword not in by_name:
            if not has_var_keyword and keyword in {s.name for s in positional}:
                return Problem(codes.CALL_POSITIONAL_ONLY, (("name", keyword),))
            if not has_var_keyword:
                return Problem(codes.CALL_KEYWORD, (("name", keyword),))
            continue
        if keyword in filled:
            return Problem(codes.CALL_TWICE, (("name", keyword),))
        filled.add(keyword)
    required = ("positional_only", "positional", "keyword_only")
    missing = [s.name for s in slots if s.kind in required and not s.has_default and s.name not in filled]
    if missing:
        return Problem(codes.CALL_MISSING, (("names", ", ".join(missing)),))
    return None


def call_shape(g: ProgramGraph, call: int) -> CallShape | None:
    """The call's argument counts; None when ``*x``/``**y`` leave them unknown."""
    args = g.child_by_field(call, "arguments")
    if args is None or g.kinds[args] != "argument_list":
        return None  # a generator argument, or a broken call
    positional, keywords = 0, []
    for arg in g.children(args):
        kind = g.kinds[arg]
        if kind in ("list_splat", "dictionary_splat"):
            return None
        if kind == "keyword_argument":
            name = g.child_by_field(arg, "name")
            keywords.append(g.names.get(name, "") if name is not None else "")
        elif kind != "comment":
            positional += 1
    if "" in keywords:
        return None
    return CallShape(positional, tuple(keywords))


# -- reading signatures ----------------------------------------------------------------------
def slots_of(g: ProgramGraph, function: int, drop_first: bool) -> tuple[Slot, ...] | None:
    """The parameters of a def as slots; None when some parameter cannot be read."""
    params = g.child_by_field(function, "parameters")
    if params is None:
        return None
    items = [c for c in g.children(params) if g.kinds[c] != "comment"]
    found = signature(g, function)
    if len(found) != len(items):
        return None
    slash, star = _separators(g, params, items)
    slots = []
    for i, p in enumerate(found):
        kind = p.kind
        if kind == "positional" and i >= star:
            kind = "keyword_only"
        elif kind == "positional" and (i < slash or _is_dunder_positional(found[: i + 1])):
            kind = "positional_only"
        slots.append(Slot(p.name, kind, p.has_default))
    if drop_first:
        if not slots or slots[0].kind not in ("positional", "positional_only"):
            return None
        slots = slots[1:]
    return tuple(slots)


def _is_dunder_positional(leading: list) -> bool:
    """PEP 484's positional-only spelling: ``def f(self, __x, __y)``."""
    last = leading[-1].name
    if not (last.startswith("__") and not last.endswith("__")):
        return False
    return all(p.name.startswith("__") and not p.name.endswith("__") for p in leading[1:-1])


def _separators(g: ProgramGraph, params: int, items: list[int]) -> tuple[int, int]:
    """How many parameters come before a bare ``/`` and before a bare ``*`` (the
    graph keeps the parameters, not the separators: they are read from the text
    between them); no ``/``: 0, no ``*``: ``len(items)``."""
    slash, star = 0, len(items)
    bounds = [g.start_bytes[params]] + [b for c in items for b in (g.start_bytes[c], g.end_bytes[c])]
    bounds.append(g.end_bytes[params])
    data = g.source.data
    for i in range(len(items) + 1):
        gap = data[bounds[2 * i] : bounds[2 * i + 1]]
        code = b"".join(line.split(b"#")[0] for line in gap.splitlines())
        if b"/" in code and not slash:
            slash = i
        if b"*" in code:
            star = min(star, i)
    return slash, star


def _variants(g: ProgramGraph, function: int) -> list[int] | None:
    """The defs a call of ``function`` may meet: its overloads, else every def of the
    name in its scope (version-gated stubs); None when the name is also bound by
    something other than a def."""
    name = g.child_by_field(function, "name")
    sym = g.symbol_at(name) if name is not None else None
    if sym is None:
        return None
    defs = [g.parents[d] for d in sym.definitions]
    if any(g.kinds[d] != "function_definition" for d in defs):
        return None
    overloads = [d for d in defs if "overload" in decorator_names(g, d)]
    return overloads or defs


def _is_placeholder(g: ProgramGraph, function: int) -> bool:
    body = g.child_by_field(function, "body")
    statements = [
        c
        for c in (g.children(body) if body is not None else ())
        if g.kinds[c] not in ("comment", "pass_statement") and not g.text(c).startswith(('"', "'"))
    ]
    decorators = decorator_names(g, function)
    return "abstractmethod" in decorators or all(g.text(c).startswith("raise NotImplementedError") for c in statements)


def _signature_kept(g: ProgramGraph, function: int) -> bool:
    return not (decorator_names(g, function) - _SAFE_DECORATORS - {f"typing.{d}" for d in _SAFE_DECORATORS})


def _is_method(g: ProgramGraph, function: int) -> bool:
    return g.scopes[g.scope_of[function]].kind is ScopeKind.CLASS


def signatures_of_function(engine: TypeEngine, fn: FunctionRef) -> list[Signature] | None:
    """Each way ``fn`` may be called; None when its parameters are not certain.
    Worked out once per def and engine (a project's calls ask about the same
    few hundred defs thousands of times); callers must not change the list."""
    key = (fn.path, fn.node, fn.bound is not None)
    known = engine.calls.ways.get(key, _UNREAD)
    if known is _UNREAD:
        known = engine.calls.ways[key] = engine.calls.call_ways(fn, partial(_signatures_of_function, engine))
    return cast("list[Signature] | None", known)


_UNREAD: Final = object()


def _signatures_of_function(engine: TypeEngine, fn: FunctionRef) -> list[Signature] | None:
    g = engine.graph(fn.path)
    if g is None or not 0 <= fn.node < len(g.kinds) or g.kinds[fn.node] != "function_definition":
        return None
    variants = _variants(g, fn.node)
    if not variants or not all(_signature_kept(g, v) for v in variants):
        return None
    if not fn.path.endswith(".pyi") and any(_is_placeholder(g, v) for v in variants):
        return None  # ``raise NotImplementedError``: subclasses override it with their own parameters
    found = []
    for node in variants:
        static = "staticmethod" in decorator_names(g, node)
        if fn.bound is not None and not _is_method(g, node):
            return None  # a plain function stored on a class: bound or not is unclear
        implicit = _is_method(g, node) and _name(g, node) in _IMPLICIT_CLASSMETHODS
        slots = slots_of(g, node, drop_first=(fn.bound is not None or implicit) and not static)
        if slots is None:
            return None
        found.append(Signature(fn.path, node, slots))
    return found


# -- constructors --------------------------------------------------------------------------
def _class_is_plain(engine: TypeEngine, cls: ClassType) -> bool:
    """Every class of the MRO is known, none is built by a metaclass, a class
    decorator or a typing special form."""
    chain = engine.classes.mro(cls)
    names = {view.name for view, _ in chain}
    for view, info in chain:
        if (
            view.short in _SYNTHESISED_BASES
            or info.is_dataclass
            or info.has_dynamic_attributes
            and view.name != "object"
        ):
            return False
        for base in info.bases:
            if not isinstance(base, ClassType) or base.name not in names and base.short not in ("Generic", "Protocol"):
                return False
        plain: Callable[[], object] = partial(_definition_is_plain, engine, info)  # a cut cycle's Never reads as true
        if not engine.memo(("plain-definition", info.path, info.node), plain):
            return False
    return bool(chain)


def _definition_is_plain(engine: TypeEngine, info: ClassInfo) -> bool:
    """The class statement itself: bases written as the classes they are, no
    signature-changing decorator, a plain metaclass (once per statement: every
    subclass's check reads it)."""
    g = engine.graph(info.path)
    return (
        g is not None
        and bases_named(g, info.node, info.bases)
        and _signature_kept(g, info.node)
        and has_plain_metaclass(g, info.node)
    )


def bases_named(g: ProgramGraph, node: int, bases: list[Type]) -> bool:
    """Each base is written as the class it is (``class R(_Base)`` with
    ``_Base = namedtuple(...)`` evaluates to ``tuple``: its constructor is not R's)."""
    supers = g.child_by_field(node, "superclasses")
    written = [b for b in g.children(supers) if g.kinds[b] != "keyword_argument"] if supers is not None else []
    if len(written) != len(bases):
        return False
    return all(isinstance(t, ClassType) and _last_name(g.text(b)) == t.short for b, t in zip(written, bases))


def is_decorated(engine: TypeEngine, cls: ClassType) -> bool:
    """Some class of the MRO has a decorator that may replace it or add members
    (``@dataclass`` and ``attrs`` add only what the body declares)."""
    for _view, info in engine.classes.mro(cls):
        g = engine.graph(info.path)
        if g is None or decorator_names(g, info.node) - _SAFE_DECORATORS - _FIELD_DECORATORS:
            return True
    return False


def has_plain_metaclass(g: ProgramGraph, node: int) -> bool:
    """No ``metaclass=`` keyword, or ``ABCMeta``: nothing builds the class's instances
    or members behind its back."""
    metaclass = _metaclass(g, node)
    return metaclass is None or metaclass in _PLAIN_METACLASSES


def _metaclass(g: ProgramGraph, node: int) -> str | None:
    arg = metaclass_argument(g, node)
    if arg is None:
        return None
    value = g.child_by_field(arg, "value")
    return g.text(value) if value is not None else "?"


def signatures_of_class(engine: TypeEngine, cls: ClassType) -> list[list[Signature]] | None:
    """The constructor's checks: one list of ways per method (``__new__``,
    ``__init__``) the call must fit; None when not certain."""
    if not _class_is_plain(engine, cls):
        return None
    checks = []
    for method in ("__new__", "__init__"):
        hit = engine.classes.lookup(cls, method)
        if hit is None or hit[0].name == "object":
            continue
        if hit[2].kind != "method":
            return None
        ways = signatures_of_function(engine, FunctionRef(hit[2].path, hit[2].nodes[-1], TypeOfClass(cls)))
        if ways is None:
            return None
        checks.append(ways)
    if not checks:
        checks.append([Signature("", -1, ())])  # object(): no arguments
    return checks


# -- the rule ------------------------------------------------------------------------------
def call_problem(engine: TypeEngine, callee: Type, shape: CallShape) -> Problem | None:
    """Why no declared way of calling ``callee`` accepts ``shape`` (None: one does,
    or we cannot tell)."""
    if isinstance(callee, FunctionRef):
        ways = signatures_of_function(engine, callee)
        return _first_problem(ways, shape) if ways else None
    if isinstance(callee, TypeOfClass):
        return constructor_problem(signatures_of_class(engine, callee.cls), shape)
    return None


def constructor_problem(checks: list[list[Signature]] | None, shape: CallShape) -> Problem | None:
    """Why a class whose constructor's checks are ``checks`` (:func:`signatures_of_class`)
    cannot be called with ``shape`` (None: it can, or we cannot tell)."""
    for ways in checks or ():
        problem = _first_problem(ways, shape)
        if problem is not None:
            return problem
    return None


def _first_problem(ways: list[Signature], shape: CallShape) -> Problem | None:
    problems = [problem_of(w.slots, shape) for w in ways]
    if any(p is None for p in problems):
        return None
    if len(problems) > 1:
        return Problem(codes.CALL_NO_OVERLOAD, (("count", str(len(problems))),))
    return problems[0]


def is_uncertain_callee(engine: TypeEngine, path: str, g: ProgramGraph, function: int, callee: Type) -> bool:
    """Whether the callee's type may not be what runs: a class object reached
    through a value (``namedtuple(...)`` is a ``type[tuple]``), a method read
    unbound from something other than a class named in the code (a class
    attribute aliasing a method, a metaclass's ``cls``), a function stored on
    an instance or class (bound or not: the type does not say), or a method of a
    receiver whose type was guessed (an unannotated parameter)."""
    if isinstance(callee, TypeOfClass):
        return _last_name(g.text(function)) != callee.cls.short
    if not isinstance(callee, FunctionRef):
        return False
    receiver = g.children(function)[0] if g.kinds[function] == "attribute" else None
    if g.kinds[function] not in ("attribute", "name_load"):
        return True
    shape = callee_shape(engine, callee.path, callee.node)
    if shape is None:
        return True
    is_def, of_metaclass, is_method, static = shape
    if of_metaclass:
        return True  # a metaclass's ``cls`` is a class made by it, not the metaclass
    if callee.bound is None:
        if not is_def or not is_method:
            return receiver is not None and not isinstance(engine.exprs.type_of(path, receiver), ModuleType)
        return not static and (receiver is None or not _is_class_reference(engine, path, g, receiver))
    return receiver is not None and is_guessed(g, receiver)


def callee_shape(engine: TypeEngine, path: str, node: int) -> tuple[bool, bool, bool, bool] | None:
    """What a call check reads of the def at ``node`` of ``path``: whether it is a
    ``def``, a method of a metaclass, a method, a ``staticmethod``; ``None`` when
    the file has no graph.  Asked as a question about the def
    (:meth:`~.engine.TypeEngine.about`), so a file calling it keeps the answer,
    not the other file's graph, and is kept after an edit that leaves it alone."""
    return engine.about(("callee-shape", path, node), lambda: _callee_shape(engine, path, node), lambda: None)


def _callee_shape(engine: TypeEngine, path: str, node: int) -> tuple[bool, bool, bool, bool] | None:
    fg = engine.graph(path)
    if fg is None:
        return None
    if fg.kinds[node] != "function_definition":
        return (False, False, False, False)
    return (
        True,
        _is_metaclass_method(engine, path, fg, node),
        _is_method(fg, node),
        "staticmethod" in decorator_names(fg, node),
    )


def _is_metaclass_method(engine: TypeEngine, path: str, g: ProgramGraph, function: int) -> bool:
    scope = g.scopes[g.scope_of[function]]
    if scope.kind is not ScopeKind.CLASS:
        return False
    owner = engine.classes.class_type(path, scope.node)
    return any(view.name == "type" for view, _ in engine.classes.mro(owner))


def _is_class_reference(engine: TypeEngine, path: str, g: ProgramGraph, node: int) -> bool:
    """``Base`` or ``module.Base``: a class named in the code, not a value holding one."""
    if g.kinds[node] == "attribute":
        return isinstance(engine.exprs.type_of(path, g.children(node)[0]), ModuleType)
    sym = g.symbol_at(node) if g.kinds[node] == "name_load" else None
    return sym is not None and sym.kind in (SymbolKind.CLASS, SymbolKind.IMPORT)


def is_guessed(g: ProgramGraph, node: int) -> bool:
    """An unannotated parameter: its type comes from call sites or uses."""
    sym = g.symbol_at(node) if g.kinds[node] == "name_load" else None
    if sym is None or sym.kind is not SymbolKind.PARAMETER or sym.name in ("self", "cls"):
        return False
    return not all(g.kinds[g.parents[d]] in ("typed_parameter", "typed_default_parameter") for d in sym.definitions)


def _last_name(text: str) -> str:
    return text.split("[")[0].rsplit(".", 1)[-1].strip()


def _name(g: ProgramGraph, function: int) -> str:
    name = g.child_by_field(function, "name")
    return g.names.get(name, "") if name is not None else ""


def is_super_call(g: ProgramGraph, function: int) -> bool:
    """``super().m(...)`` (or an alias such as mock's ``_safe_super``): the next
    class of the MRO may be a sibling mixin."""
    if g.kinds[function] != "attribute":
        return False
    receiver = g.children(function)[0]
    callee = g.child_by_field(receiver, "function") if g.kinds[receiver] == "call" else None
    return callee is not None and "super" in g.text(callee)


def bound_arguments(g: ProgramGraph, call: int, slots: tuple[Slot, ...]) -> list[tuple[int, int]]:
    """``(argument expression, slot index)`` for each argument a named slot receives
    (``*args``/``**kwargs`` ones left out); call only once the call fits."""
    args = g.child_by_field(call, "arguments")
    positional = [i for i, s in enumerate(slots) if s.kind in ("positional_only", "positional")]
    by_name = {s.name: i for i, s in enumerate(slots) if s.kind in ("positional", "keyword_only")}
    found, given = [], 0
    for arg in g.children(args) if args is not None else ():
        kind = g.kinds[arg]
        if kind == "keyword_argument":
            name, value = g.child_by_field(arg, "name"), g.child_by_field(arg, "value")
            index = by_name.get(g.names.get(name, "")) if name is not None else None
            if index is not None and value is not None:
                found.append((value, index))
        elif kind != "comment":
            if given < len(positional):
                found.append((arg, positional[given]))
            given += 1
    return found
