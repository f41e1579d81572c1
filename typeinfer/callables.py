"""Calls, returns and parameters.

* A call's type is its callee's return type with type variables bound: the class
  parameters from the receiver (``list[int].pop()`` -> ``int``) and the function's
  own from the arguments (``sorted(xs)`` -> ``list[T]`` with ``T`` from ``xs``);
  ``@overload``\\ s are tried in order; ``async def`` gives a coroutine.
* An unannotated function returns the join of its ``return`` values; falling off
  the end adds ``None``; a body with ``yield`` makes an ``Iterator`` (``Generator``
  when it also returns a value).
* An unannotated parameter is the join of its default and of every argument passed
  at the call sites found across the project; failing those, the one known class
  that has every attribute the function uses on it.
* A call of an unannotated function is the function evaluated for that call's
  argument types (:mod:`.callsites`); the function's own return, as reported, is
  the context-free one, or the join of its call sites' answers when that says
  nothing.

Example::

    def scale(v, k=2):        # v: float (scale(1.5) below), k: int (default)
        return v * k          # return: float
    scale(1.5)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, Final, TypeVar

from typelens.analyzer import Definition, EdgeKind, ProgramGraph, Scope, ScopeKind, SymbolKind

from .binding import DOUBLE_STAR, STAR, bind, element_of_bound, has_spread, named_keywords, spread_tuple
from .classes import decorator_names
from .normalize import normalise
from .reach import ImportReach
from .function_values import argument_sites, decorated_by, value_calls
from .types import (
    NEVER,
    NONE,
    OBJECT,
    UNKNOWN,
    CallableType,
    ClassType,
    FunctionRef,
    NeverType,
    Type,
    TypeOfClass,
    TypeVarType,
    UnionType,
    each,
    is_known,
    is_partly_unknown,
    known_part,
    make_union,
    members,
    substitute,
)
from .usage import satisfies, used_attributes
from .usage_rules import _arity_fits, _call_shape, is_none_check

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)
T = TypeVar("T")

NO_RETURN: Final = ClassType("NoReturn")

_ITERABLES: Final = frozenset(
    {
        "Iterable",
        "Iterator",
        "Sequence",
        "Collection",
        "Reversible",
        "AbstractSet",
        "MutableSequence",
        "Container",
        "KeysView",
        "ValuesView",
        "Generator",
        "list",
        "set",
        "frozenset",
    }
)
_MAPPINGS: Final = frozenset({"Mapping", "MutableMapping", "SupportsKeysAndGetItem", "dict"})
# methods whose overrides are free to take other parameters and return other things
_NOT_INHERITED: Final = frozenset({"__init__", "__new__", "__init_subclass__", "__class_getitem__", "__call__"})
# dunders whose signature a typeshed protocol declares, for classes that implement
# the protocol without naming it among their bases
_DUNDER_PROTOCOLS: Final = {
    "__exit__": ("contextlib", "AbstractContextManager"),
    "__aexit__": ("contextlib", "AbstractAsyncContextManager"),
    "__len__": ("typing", "Sized"),
    "__contains__": ("typing", "Container"),
    "__int__": ("typing", "SupportsInt"),
    "__float__": ("typing", "SupportsFloat"),
    "__index__": ("typing", "SupportsIndex"),
    "__bytes__": ("typing", "SupportsBytes"),
    "__complex__": ("typing", "SupportsComplex"),
}
_HOLE: Final = CallableType(None, UNKNOWN, ("<argument left out>", -1))  # see CallModel._bind_arguments
_USAGE_CANDIDATES: Final = ("str", "list", "dict", "set", "bytes", "int", "float", "tuple")


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a function's signature, by its nodes: name, kind, default and annotation."""

    node: int  # the parameter identifier
    name: str
    kind: str  # positional, keyword_only, var_positional, var_keyword
    has_default: bool
    annotation: int | None  # the annotation node
    default: int | None  # the default value node

    # __init__, __eq__ and __hash__ written out for mypyc (see the note in .types)
    def __init__(
        self, node: int, name: str, kind: str, has_default: bool, annotation: int | None, default: int | None
    ) -> None:
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "has_default", has_default)
        object.__setattr__(self, "annotation", annotation)
        object.__setattr__(self, "default", default)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Param:
            return NotImplemented
        return (
            self.node == other.node
            and self.name == other.name
            and self.kind == other.kind
            and self.has_default == other.has_default
            and self.annotation == other.annotation
            and self.default == other.default
        )

    def __hash__(self) -> int:
        return hash((self.node, self.name, self.kind, self.has_default, self.annotation, self.default))


@dataclass(frozen=True, slots=True)
class ParamEvidence:
    """What each source of evidence says of a parameter's type (``None``: nothing)."""

    annotation: Type | None
    default: Type | None
    call_sites: Type | None
    usage: Type | None
    implicit: Type | None  # self / cls

    # __init__, __eq__ and __hash__ written out for mypyc (see the note in .types)
    def __init__(
        self,
        annotation: Type | None,
        default: Type | None,
        call_sites: Type | None,
        usage: Type | None,
        implicit: Type | None,
    ) -> None:
        object.__setattr__(self, "annotation", annotation)
        object.__setattr__(self, "default", default)
        object.__setattr__(self, "call_sites", call_sites)
        object.__setattr__(self, "usage", usage)
        object.__setattr__(self, "implicit", implicit)

    def __eq__(self, other: object) -> bool:
        if type(other) is not ParamEvidence:
            return NotImplemented
        return (
            self.annotation == other.annotation
            and self.default == other.default
            and self.call_sites == other.call_sites
            and self.usage == other.usage
            and self.implicit == other.implicit
        )

    def __hash__(self) -> int:
        return hash((self.annotation, self.default, self.call_sites, self.usage, self.implicit))


_NO_EVIDENCE: Final = ParamEvidence(None, None, None, None, None)


def signature(g: ProgramGraph, function: int) -> list[Param]:
    """The parameters of a def, in order, with their kinds."""
    params = g.child_by_field(function, "parameters")
    found: list[Param] = []
    keyword_only = False
    for item in g.children(params) if params is not None else ():
        kind = g.kinds[item]
        text = g.text(item)
        if kind == "parameter":
            found.append(
                Param(item, g.names.get(item, ""), "keyword_only" if keyword_only else "positional", False, None, None)
            )
            continue
        if text == "*" or kind == "keyword_separator":
            keyword_only = True
            continue
        annotation = g.child_by_field(item, "type")
        default = g.child_by_field(item, "value")
        name_node = g.child_by_field(item, "name")
        if name_node is None:
            inner = [
                c
                for c in g.children(item)
                if g.kinds[c] in ("parameter", "list_splat_pattern", "dictionary_splat_pattern")
            ]
            name_node = inner[0] if inner else None
            if kind in ("list_splat_pattern", "dictionary_splat_pattern"):
                name_node = item
        if name_node is None:
            continue
        splat = g.kinds[name_node] if g.kinds[name_node] in ("list_splat_pattern", "dictionary_splat_pattern") else None
        if splat is not None:
            ident = next((c for c in g.children(name_node) if g.kinds[c] == "parameter"), None)
            if ident is None:
                continue
            if splat == "list_splat_pattern":
                keyword_only = True
            found.append(
                Param(
                    ident,
                    g.names.get(ident, ""),
                    "var_positional" if splat == "list_splat_pattern" else "var_keyword",
                    False,
                    annotation,
                    None,
                )
            )
            continue
        found.append(
            Param(
                name_node,
                g.names.get(name_node, ""),
                "keyword_only" if keyword_only else "positional",
                default is not None,
                annotation,
                default,
            )
        )
    return found


class CallModel:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._signatures: dict[tuple[str, int], list[Param]] = {}
        # ``check_arity.signatures_of_function``'s answers by (path, def, bound)
        self.ways: dict[tuple[str, int, bool], object] = {}
        self._reach = ImportReach(engine)

    def signature(self, path: str, g: ProgramGraph, function: int) -> list[Param]:
        """:func:`signature`, cached (overload choice asks for it many times).  Not
        through ``engine.memo``: reading a signature never recurses, and the memo's
        depth guard would answer ``Never`` instead of a list."""
        key = (path, function)
        found = self._signatures.get(key)
        if found is None:
            found = self._signatures[key] = signature(g, function)
        return found

    def call_ways(self, fn: FunctionRef, build: Callable[[FunctionRef], T]) -> T:
        """``build(fn)``: each way ``fn`` may be called (:mod:`.check_arity`
        builds them from its def), a question about the def's file
        (:meth:`~.engine.TypeEngine.about`): a file that calls a def of another
        keeps its answers while that def's parameters stay the same."""
        engine = self.engine
        kind = "ways" if fn.bound is None else "ways-bound"
        return engine.about((kind, fn.path, fn.node), lambda: build(fn), lambda: build(fn))

    # -- calls --------------------------------------------------------------------------
    def call_type(self, path: str, call: int) -> Type:
        g = self.engine.require_graph(path)
        function = g.child_by_field(call, "function")
        if function is None:
            return UNKNOWN
        if g.kinds[function] == "name_load" and g.names.get(function) == "super":
            return self._super(path, g, call)
        callee = self.engine.exprs.type_of(path, function)
        if _is_typing_function(self.engine, callee, "cast"):
            first = _first_argument(g, call)
            if first is not None:  # cast(list[int], x), cast("Node", x): the type expression itself
                return self.engine.annotations.evaluate(path, first)
        is_round = g.kinds[function] == "name_load" and g.names.get(function) == "round"
        plain = None if is_round else self._result_without_arguments(callee)
        if plain is not None:
            return plain
        args, kwargs = self.arguments(path, g, call)
        if is_round and args:
            # round(x) is an int; round(x, n) keeps x's type (typeshed says it with protocols)
            return ClassType("int") if len(args) == 1 and "ndigits" not in kwargs else args[0]
        return self.call_value(callee, args, kwargs)

    def _result_without_arguments(self, callee: Type) -> Type | None:
        """:meth:`call_value`'s answer where the arguments cannot change it, without
        asking their types (None where they could): a non-generic class's
        constructor, a def with no overloads whose calls are not evaluated per call
        site (:mod:`.callsites`) and whose return names no type variable that a
        call binds (see :meth:`plain_function_result`).  Fewer questions; the
        answer is the same."""
        if isinstance(callee, NeverType):
            return None
        found: list[Type] = []
        for m in members(callee):
            if isinstance(m, TypeOfClass):
                info = self.engine.classes.info_of(m.cls)
                if m.cls.name == "type" or info is not None and info.type_params and not m.cls.args:
                    return None
                found.append(m.cls)
            elif isinstance(m, FunctionRef):
                result = self._plain_result(m)
                if result is None:
                    return None
                found.append(result)
            else:
                return None
        return make_union(found) if found else None

    def _plain_result(self, fn: FunctionRef) -> Type | None:
        engine = self.engine
        if not engine.is_elsewhere(fn.path):
            return self.plain_function_result(fn)
        ref = FunctionRef(fn.path, fn.node)  # the receiver is not read

        def compute() -> Type | None:  # the models of the question's own turn (engine.about)
            return engine.calls.plain_function_result(ref)

        return engine.about(("plain-result", fn.path, fn.node), compute, compute)

    def plain_function_result(self, fn: FunctionRef) -> Type | None:
        """:meth:`function_result` where no argument can change it (see above); of
        a def in another file, a question about that file."""
        g = self.engine.graph(fn.path)
        if g is None:
            return UNKNOWN
        if self.overloads(g, fn.node) or self.engine.callsites.is_candidate(fn.path, g, fn.node):
            return None
        ret = self.declared_or_inferred_return(fn.path, fn.node)
        if is_async(g, fn.node) and not is_generator(g, fn.node):
            ret = ClassType("Coroutine", (UNKNOWN, UNKNOWN, ret))
        # the arguments bind type variables only; substitution replaces each one it
        # reaches, and changes nothing else but ``type[C]`` (to a class object),
        # whatever the mapping: unchanged by it, the return is the call's type.  (A
        # bound method's receiver, which it does not reach, is returned as it is.)
        if substitute(ret, _NO_VARIABLES) != ret:
            return None
        return ret

    def arguments(self, path: str, g: ProgramGraph, call: int) -> tuple[list[Type], dict[str, Type]]:
        """The types of a call's positional and keyword arguments; ``*t`` of a tuple of
        known length spreads, other ``*`` / ``**`` arguments go under the
        :mod:`.binding` keys ``STAR`` / ``DOUBLE_STAR``."""
        arg_list = g.child_by_field(call, "arguments")
        args: list[Type] = []
        kwargs: dict[str, Type] = {}
        exprs = self.engine.exprs
        for arg in g.children(arg_list) if arg_list is not None else ():
            kind = g.kinds[arg]
            if kind == "keyword_argument":
                name = g.child_by_field(arg, "name")
                key = g.names.get(name, "") if name is not None else ""
                kwargs[key] = exprs.type_of(path, g.child_by_field(arg, "value"))
            elif kind in ("list_splat", "dictionary_splat"):
                inner = g.children(arg)
                value = exprs.type_of(path, inner[0]) if inner else UNKNOWN
                fixed = spread_tuple(value) if kind == "list_splat" else None
                if fixed is not None:
                    args.extend(fixed)
                elif kind == "list_splat":
                    kwargs[STAR] = make_union([kwargs.get(STAR, NEVER), exprs.element_type(value)])
                else:
                    kwargs[DOUBLE_STAR] = make_union([kwargs.get(DOUBLE_STAR, NEVER), _mapping_value(value)])
            else:
                args.append(exprs.type_of(path, arg))
        return args, kwargs

    def _super(self, path: str, g: ProgramGraph, call: int) -> Type:
        scope = g.scopes[g.scope_of[call]]
        if scope.kind is ScopeKind.FUNCTION and scope.parent >= 0 and g.scopes[scope.parent].kind is ScopeKind.CLASS:
            cls = self.engine.classes.class_type(path, g.scopes[scope.parent].node)
            info = self.engine.classes.info(path, g.scopes[scope.parent].node)
            for base in info.bases:
                if isinstance(base, ClassType):
                    return base
            return cls
        return UNKNOWN

    def call_value(self, callee: Type, args: list[Type], kwargs: dict[str, Type], depth: int = 0) -> Type:
        return each(callee, lambda m: self._call_one(m, args, kwargs, depth))

    def _call_one(self, m: Type, args: list[Type], kwargs: dict[str, Type], depth: int) -> Type:
        if isinstance(m, FunctionRef):
            return self.function_result(m, args, kwargs)
        if isinstance(m, TypeOfClass):
            return self.construct(m.cls, args, kwargs)
        if isinstance(m, CallableType) and m.origin is not None:  # a lambda: its body for these arguments
            return self.function_result(FunctionRef(*m.origin), args, kwargs)
        if isinstance(m, CallableType):
            return m.ret
        if isinstance(m, ClassType) and depth < 4:  # an instance whose __call__ is an instance...
            method = self.engine.classes.member_of(m, "__call__", "", -1)
            return self.call_value(method, args, kwargs, depth + 1) if is_known(method) else UNKNOWN
        return UNKNOWN

    def function_result(self, fn: FunctionRef, args: list[Type], kwargs: dict[str, Type]) -> Type:
        g = self.engine.graph(fn.path)
        if g is None:
            return UNKNOWN
        node = self._choose_overload(fn, g, args, kwargs)
        mapping = self.receiver_mapping(fn, g, node)
        name_node = g.child_by_field(node, "name")
        if (
            fn.bound is None
            and args
            and isinstance(args[0], TypeOfClass)
            and name_node is not None
            and g.names.get(name_node) == "__new__"
        ):
            mapping["Self"] = args[0].cls  # C.__new__(C): an implicit static method given its class
        self._bind_arguments(fn.path, g, node, fn.bound is not None, args, kwargs, mapping)
        context = self.engine.callsites.context_for(fn, g, node, args, kwargs)
        if isinstance(context, NeverType):
            return NEVER
        if context is None:
            ret = self.declared_or_inferred_return(fn.path, node)
        else:
            ret = self.engine.callsites.answer(context, lambda: self.declared_or_inferred_return(fn.path, node))
        if is_async(g, node) and not is_generator(g, node):
            ret = ClassType("Coroutine", (UNKNOWN, UNKNOWN, ret))
        return substitute(ret, mapping) if mapping else _erase_typevars(ret)

    def construct(self, cls: ClassType, args: list[Type], kwargs: dict[str, Type]) -> Type:
        classes = self.engine.classes
        info = classes.info_of(cls)
        if cls.name == "type" and len(args) == 1:
            return make_union(TypeOfClass(m) if isinstance(m, ClassType) else UNKNOWN for m in members(args[0]))
        if info is None or not info.type_params or cls.args:
            return cls
        mapping: dict[str, Type] = {}
        for fn in self.constructors(cls):
            g = self.engine.require_graph(fn.path)
            node = self._choose_overload(fn, g, args, kwargs)
            self._bind_arguments(fn.path, g, node, True, args, kwargs, mapping)
            if mapping:
                break
        if cls.name == "tuple":  # its one parameter is the item type: ``tuple(xs)`` is ``tuple[X, ...]``
            item = mapping.get(info.type_params[0], UNKNOWN)
            return ClassType("tuple", (item, ClassType("..."))) if is_known(item) else ClassType("tuple")
        return ClassType(cls.name, tuple(mapping.get(p, UNKNOWN) for p in info.type_params))

    # -- binding type variables -----------------------------------------------------------
    def receiver_mapping(self, fn: FunctionRef, g: ProgramGraph, node: int) -> dict[str, Type]:
        """What ``fn``'s receiver binds: ``Self``, the owner class's type parameters, a ``self: C[T]``'s T."""
        mapping: dict[str, Type] = {}
        bound = fn.bound
        if isinstance(bound, ClassType):
            mapping["Self"] = bound
            scope = g.scopes[g.scope_of[node]]
            if scope.kind is ScopeKind.CLASS:
                owner = self.engine.classes.class_type(fn.path, scope.node)
                for view, info in self.engine.classes.mro(bound):
                    if view.name == owner.name:
                        mapping.update(self.engine.classes.mapping(view, info))
                        break
            params = self.signature(fn.path, g, node)
            if (
                params
                and params[0].kind == "positional"
                and params[0].annotation is not None
                and not _is_static(g, node)
            ):
                # ``def __rmul__(self: NDArray[_NumberT], ...)``: the receiver binds _NumberT
                unify(self.engine.annotations.evaluate(fn.path, params[0].annotation), bound, mapping, self.engine)
        elif isinstance(bound, TypeOfClass):
            mapping["Self"] = bound.cls
        return mapping

    def _bind_arguments(
        self,
        path: str,
        g: ProgramGraph,
        node: int,
        skip_first: bool,
        args: list[Type],
        kwargs: dict[str, Type],
        mapping: dict[str, Type],
        hole: Type | None = None,
    ) -> Param | None:
        """Bind the type variables of ``node``'s annotations to the arguments into
        ``mapping``; the arguments for callable parameters last (``map(f, xs)``: what
        ``xs`` binds says what ``f`` is called with).  The parameter that receives
        ``hole`` (an argument left out of the binding) is returned."""
        params = self.signature(path, g, node)
        if skip_first and params and params[0].kind == "positional" and not _is_static(g, node):
            params = params[1:]
        later: list[tuple[Type, Type]] = []
        held = None
        for param, value in bind(params, args, kwargs):
            if hole is not None and value == hole:
                held = param
                continue
            if param.annotation is None:
                continue
            expected = self.engine.annotations.evaluate(path, param.annotation)
            if isinstance(expected, CallableType):
                later.append((expected, element_of_bound(param, value)))
            else:
                unify(expected, element_of_bound(param, value), mapping, self.engine)
        for expected, value in later:
            unify(expected, value, mapping, self.engine)
        return held

    def _choose_overload(self, fn: FunctionRef, g: ProgramGraph, args: list[Type], kwargs: dict[str, Type]) -> int:
        overloads = self.overloads(g, fn.node)
        if not overloads:
            return fn.node
        skip = fn.bound is not None
        for node in overloads:
            if self._accepts(fn.path, g, node, skip, args, kwargs):
                return node
        return overloads[0]

    def overloads(self, g: ProgramGraph, node: int) -> list[int]:
        name = g.child_by_field(node, "name")
        sym = g.symbol_at(name) if name is not None else None
        if sym is None or len(sym.definitions) < 2:
            return []
        defs = [g.parents[d] for d in sym.definitions if g.kinds[g.parents[d]] == "function_definition"]
        return [d for d in defs if "overload" in decorator_names(g, d)]

    def _accepts(
        self, path: str, g: ProgramGraph, node: int, skip_first: bool, args: list[Type], kwargs: dict[str, Type]
    ) -> bool:
        params = self.signature(path, g, node)
        if skip_first and params and params[0].kind == "positional" and not _is_static(g, node):
            params = params[1:]
        positional = [p for p in params if p.kind == "positional"]
        has_var = any(p.kind == "var_positional" for p in params)
        if len(args) > len(positional) and not has_var:
            return False
        required = [p for p in positional[len(args) :] if not p.has_default and p.name not in kwargs]
        if required and not has_spread(kwargs):
            return False
        names = {p.name for p in params}
        if any(k not in names for k in named_keywords(kwargs)) and not any(p.kind == "var_keyword" for p in params):
            return False
        for param, value in bind(params, args, kwargs):
            if param.annotation is not None and not self.compatible(
                self.engine.annotations.evaluate(path, param.annotation), element_of_bound(param, value)
            ):
                return False
        return True

    def compatible(self, expected: Type, actual: Type) -> bool:
        """Whether an argument could fit a parameter: scalar names, ``None``, and
        protocols (the argument's class must have every member of the protocol)."""
        if not compatible(expected, actual):
            return False
        for e in members(expected):
            if isinstance(e, ClassType) and e.short in _ITERABLES and len(e.args) == 1 and len(members(expected)) == 1:
                element = self.engine.exprs.element_type(actual)
                if is_known(element) and not compatible(e.args[0], element):
                    return False
        classes = self.engine.classes
        protocols = [e for e in members(expected) if isinstance(e, ClassType) and classes.is_protocol(e)]
        if not protocols or len(members(expected)) != len(protocols):
            return True
        for a in members(actual):
            if not isinstance(a, ClassType):
                continue
            if not any(
                all(classes.has_member(a, m) is not False for m in classes.protocol_members(p)) for p in protocols
            ):
                return False
        return True

    # -- functions as values ---------------------------------------------------------------
    def as_callable(self, t: Type, depth: int = 0) -> Type:
        """``t`` with each function in it written as ``Callable[[params], return]`` (one
        level: a function in those parameters or that return stays a reference)."""
        if isinstance(t, FunctionRef):
            return self._callable_of(t)
        if isinstance(t, CallableType) and t.origin is not None:
            return self._lambda_callable(t)
        if isinstance(t, UnionType):
            return make_union((self.as_callable(m, depth) for m in t.items), widen=False)
        if isinstance(t, ClassType) and t.args and depth < 4:
            return ClassType(t.name, tuple(self.as_callable(a, depth + 1) for a in t.args))
        return t

    def decorated(self, path: str, function: int) -> Type:
        """The function as its decorators leave it.  A decorator defined in source
        (not a stub), named (``@log``) or made by a call (``@retry(3)``: what the
        call returns), applies when what it returns, called, says something
        (``def wrapper(*a): return str(f(*a))``); one whose wrapper's return is not
        known leaves the function as it is."""
        g = self.engine.require_graph(path)
        return self._decorated_by(path, function, _decorator_expressions(g, function))

    def _decorated_by(self, path: str, function: int, decorators: list[int]) -> Type:
        """The function as ``decorators`` (outermost first) leave it (:meth:`decorated`)."""
        fn = FunctionRef(path, function)
        value: Type = fn
        for decorator in reversed(decorators):
            target = self.engine.exprs.type_of(path, decorator)
            if isinstance(target, FunctionRef) and self.engine.is_stub(target.path):
                declared = self._stub_decorated(target, value)  # @contextlib.contextmanager
                if declared is None:
                    return fn if value is fn else value
                value = declared
                continue
            if not isinstance(target, FunctionRef):
                return fn if value is fn else value
            result = self.call_value(target, [value], {})
            returned = self.call_value(result, [], {}) if isinstance(result, (FunctionRef, CallableType)) else result
            if not is_known(known_part(returned)) or returned != known_part(returned):
                return value
            value = result
        return value

    def decorated_class(self, path: str, node: int) -> Type:
        """A class as its decorators leave it: ``@d class C`` is ``C = d(C)``.  A
        decorator of the project (not a library's: ``@dataclass`` keeps the class)
        whose call returns a class (a subclass it builds) replaces it; any other
        answer keeps the class."""
        g = self.engine.require_graph(path)
        value: Type = TypeOfClass(self.engine.classes.class_type(path, node))
        for decorator in reversed(_decorator_expressions(g, node)):
            target = self.engine.exprs.type_of(path, decorator)
            if not isinstance(target, FunctionRef) or self.engine.is_library_file(target.path):
                return value
            result = self.call_value(target, [value], {})
            if not isinstance(result, TypeOfClass):
                return value
            value = result
        return value

    def _stub_decorated(self, decorator: FunctionRef, value: Type) -> Type | None:
        """What a decorator a stub declares (``contextmanager(func: Callable[_P,
        Iterator[_T]]) -> Callable[_P, _GeneratorContextManager[_T]]``) makes of
        ``value``, when the stub says it all: a callable whose return is known."""
        g = self.engine.graph(decorator.path)
        if g is None or g.kinds[decorator.node] != "function_definition":
            return None
        result = self.call_value(decorator, [value], {})
        if result == value or result == self.as_callable(value):
            return value  # ``@abstractmethod``, ``@final``, ``@overload``: the function as it is
        if not isinstance(result, CallableType) or not is_known(result.ret) or is_partly_unknown(result.ret):
            return None
        if _has_typevars(result.ret):
            return None
        return result

    def _lambda_callable(self, t: CallableType) -> Type:
        """A lambda's callable with its parameters' types (what the calls that reach
        it pass, :mod:`.function_values`), where all are known."""
        path, node = t.origin or ("", -1)
        g = self.engine.graph(path) if node >= 0 else None
        if g is None or g.kinds[node] != "lambda":
            return t
        params = self.signature(path, g, node)
        types = tuple(self.parameter_type(path, p.node) for p in params if p.kind == "positional")
        if len(types) != len(params) or not all(is_known(x) and not is_partly_unknown(x) for x in types):
            return t
        return CallableType(types, t.ret, t.origin)

    def _callable_of(self, fn: FunctionRef) -> Type:
        g = self.engine.graph(fn.path)
        if g is None or g.kinds[fn.node] != "function_definition" or self.overloads(g, fn.node):
            return fn
        params = self.signature(fn.path, g, fn.node)
        if fn.bound is not None and params and params[0].kind == "positional" and not _is_static(g, fn.node):
            params = params[1:]
        ret = self.declared_or_inferred_return(fn.path, fn.node)
        if is_async(g, fn.node) and not is_generator(g, fn.node):
            ret = ClassType("Coroutine", (UNKNOWN, UNKNOWN, ret))
        types = tuple(self.parameter_type(fn.path, p.node) for p in params if p.kind == "positional")
        if (
            len(types) != len(params)
            or not all(is_known(t) for t in (*types, ret))
            or any(is_partly_unknown(t) for t in (*types, ret))
        ):
            return CallableType(None, UNKNOWN)  # what is not known of it is not shown
        return CallableType(types, ret)

    # -- returns --------------------------------------------------------------------------
    def declared_or_inferred_return(self, path: str, function: int) -> Type:
        engine = self.engine
        if engine.is_elsewhere(path):  # what another file's def returns: a question about it
            return engine.about(("return", path, function), lambda: engine.calls.worked_return(path, function))
        return engine.memo(("return", path, function), lambda: self.worked_return(path, function))

    def declared_return(self, path: str, function: int) -> Type | None:
        g = self.engine.require_graph(path)
        annotation = g.child_by_field(function, "return_type")
        return self.engine.annotations.evaluate(path, annotation) if annotation is not None else None

    def worked_return(self, path: str, function: int) -> Type:
        """:meth:`declared_or_inferred_return`, worked out."""
        declared = self.declared_return(path, function)
        if declared is not None:
            return declared
        if self.engine.is_stub(path):
            return UNKNOWN
        inferred = self.inferred_return(path, function)
        if self.engine.context is None and not is_known(known_part(inferred)):
            joined = self.engine.callsites.returns_at_call_sites(path, function)  # nothing said in general
            if is_known(known_part(joined)):
                return joined
        if not is_known(known_part(inferred)) or is_partly_unknown(inferred):
            inherited = self.inherited_return(path, function)  # an override that says nothing itself
            if inherited is not None:
                return inherited
        if inferred == UNKNOWN and _is_placeholder(self.engine.require_graph(path), function):
            overriding = self.overriding_return(path, function)  # what a call dispatches to
            if overriding is not None:
                return overriding
        if isinstance(inferred, ClassType) and _bare_container(inferred):  # ``return []``: of what, say others
            for said in (self.inherited_return(path, function), self.overriding_return(path, function)):
                if isinstance(said, ClassType) and said.name == inferred.name and not _bare_container(said):
                    return said
        return inferred

    def overriding_return(self, path: str, function: int) -> Type | None:
        """The join of what the project's overrides of the method return, if known."""
        g = self.engine.require_graph(path)
        scope, own = g.scopes[g.scope_of[function]], g.scope_defined_by(function)
        if scope.kind is not ScopeKind.CLASS or own is None:
            return None
        cls = self.engine.classes.class_type(path, scope.node)
        found = [self.declared_or_inferred_return(p, node) for p, node in self.engine.classes.overrides(cls, own.name)]
        joined = make_union([t for t in found if not _bare_container(t)]) if found else UNKNOWN
        return joined if is_known(joined) and not is_partly_unknown(joined) else None

    def inferred_return(self, path: str, function: int) -> Type:
        g = self.engine.require_graph(path)
        if g.kinds[function] == "lambda":
            return self.engine.exprs.type_of(path, g.child_by_field(function, "body"))
        scope = g.scope_defined_by(function)
        if scope is None:
            return UNKNOWN
        values: list[Type] = []
        disowned: list[Type] = []
        for ret in g.predecessors(function, EdgeKind.RETURN):
            if g.kinds[ret] != "return_statement":
                continue
            kids = g.children(ret)
            value = self.engine.exprs.type_of(path, kids[0]) if kids else NONE
            (disowned if _return_disowned(g, ret) else values).append(value)
        if _falls_through(g, scope.exit):
            values.append(NONE)
        values += [d for d in disowned if not self._only_a_base_of(d, values)]
        if _is_abstract(g, function) or (not values and _raises_not_implemented(g, function)):
            return UNKNOWN  # a method meant to be overridden says nothing of what overrides return
        if is_generator(g, function):
            yielded = [self._yield_value(path, g, y) for y in _yields(g, scope)]
            element = make_union(yielded) if yielded else UNKNOWN
            returned = make_union(values)
            name = "AsyncIterator" if is_async(g, function) else "Iterator"
            if returned not in (NONE, NEVER) and is_known(returned):
                return ClassType("Generator", (element, NONE, returned))
            if decorator_names(g, function) & {"contextmanager", "asynccontextmanager"}:
                # the stubs take a Generator here (an Iterator annotation is deprecated there)
                return (
                    ClassType("AsyncGenerator", (element, NONE))
                    if name == "AsyncIterator"
                    else (ClassType("Generator", (element, NONE, NONE)))
                )
            return ClassType(name, (element,))
        return _returned(values)

    def _only_a_base_of(self, disowned: Type, values: list[Type]) -> bool:
        """Whether a ``return`` marked as not fitting (:func:`_return_disowned`) gives
        a base class of everything the other returns give: ``int.__add__(self, o)``
        passed on where the others return the ``int`` subclass itself, the
        ``NotImplemented`` case the mark is there for."""
        others = [m for v in values for m in members(v) if m != NONE]
        bases = [b for b in members(disowned) if isinstance(b, ClassType)]
        if not others or len(bases) != len(members(disowned)):
            return False
        for other in others:
            if not isinstance(other, ClassType) or other in bases:
                return False
            ancestors = {view.name for view, _ in self.engine.classes.mro(other)[1:]}
            if not any(b.name in ancestors for b in bases):
                return False
        return True

    def returns_declared_any(self, path: str, function: int) -> bool:
        """Whether every value the function returns is a call whose callee declares
        ``-> Any`` (``return getattr(self._file, name)``): ``Any`` is then what the
        code says, not a gap in the analysis (the engine reads ``Any`` as Unknown)."""
        g = self.engine.require_graph(path)
        scope = g.scope_defined_by(function)
        if scope is None or g.kinds[function] != "function_definition" or is_generator(g, function):
            return False
        returns = [r for r in g.predecessors(function, EdgeKind.RETURN) if g.kinds[r] == "return_statement"]
        if not returns or _falls_through(g, scope.exit):
            return False
        for ret in returns:
            kids = g.children(ret)
            if not kids or g.kinds[kids[0]] != "call" or not self._declares_any(path, g, kids[0]):
                return False
        return True

    def _declares_any(self, path: str, g: ProgramGraph, call: int) -> bool:
        """Whether each function the call may reach declares ``-> Any`` in every
        overload that takes the call's arguments."""
        function = g.child_by_field(call, "function")
        callees = members(self.engine.exprs.type_of(path, function)) if function is not None else ()
        shape = _call_shape(g, call)
        if not callees or shape is None:
            return False
        for callee in callees:
            fg = self.engine.graph(callee.path) if isinstance(callee, FunctionRef) else None
            if not isinstance(callee, FunctionRef) or fg is None:
                return False
            skip = 1 if callee.bound is not None and not _is_static(fg, callee.node) else 0
            nodes = self.overloads(fg, callee.node) or [callee.node]
            fitting = [n for n in nodes if _arity_fits(self.signature(callee.path, fg, n)[skip:], *shape)]
            if not fitting or not all(_declared_text(fg, n) == "Any" for n in fitting):
                return False
        return True

    def _yield_value(self, path: str, g: ProgramGraph, node: int) -> Type:
        kids = g.children(node)
        if not kids:
            return NONE
        if g.text(node).startswith("yield from"):
            return self.engine.exprs.element_type(self.engine.exprs.type_of(path, kids[0]))
        return self.engine.exprs.type_of(path, kids[0])

    # -- parameters -----------------------------------------------------------------------
    def parameter_type(self, path: str, param: int) -> Type:
        return self.engine.memo(("param", path, param), lambda: self._parameter_type(path, param))

    def _parameter_type(self, path: str, param: int) -> Type:
        context = self.engine.context
        argument = context.argument(param) if context is not None else None
        if argument is not None:
            return argument
        evidence = self.asked_evidence(path, param)
        if evidence is None:
            return NEVER
        for choice in (evidence.annotation, evidence.implicit):
            if choice is not None:
                return choice
        base = self.inherited_parameter(path, param)
        if base is not None and base[1]:
            return base[0]  # the overridden method declares it: pyright's rule
        own = self._evidenced(evidence)
        if base is not None and (not is_known(known_part(own)) or is_partly_unknown(own)):
            return make_union([base[0], *(m for m in members(own) if m == NONE)])
        return own

    def _evidenced(self, evidence: ParamEvidence) -> Type:
        found = [t for t in (evidence.default, evidence.call_sites) if t is not None]
        if found:
            joined = make_union(found)
            if joined == NONE and evidence.usage is not None:
                return make_union([evidence.usage, NONE])
            if joined == NONE:
                return make_union([UNKNOWN, NONE])  # only None seen: the rest is unknown
            return joined
        return evidence.usage if evidence.usage is not None else UNKNOWN

    def evidence(self, path: str, param: int) -> ParamEvidence:
        """What each source says of the parameter ``param`` (see :meth:`asked_evidence`)."""
        found = self.asked_evidence(path, param)
        return found if found is not None else _NO_EVIDENCE

    def asked_evidence(self, path: str, param: int) -> ParamEvidence | None:
        """What each source says of the parameter ``param``, memoised: the
        parameter's own question, the predictions and the checks read it (its
        call sites, uses and context are worked out once).  ``None`` while it
        is being worked out (a cycle entered at it: the parameter has no value yet)."""

        g = self.engine.require_graph(path)
        function = g.enclosing(param, "function_definition", "lambda")
        if function is None:
            return _NO_EVIDENCE
        if g.kinds[function] == "lambda":
            compute = partial(self._lambda_evidence, path, g, function, param)
        else:
            params = self.signature(path, g, function)
            spec = next((p for p in params if p.node == param), None)
            if spec is None:
                return _NO_EVIDENCE
            declared = self._declared_evidence(path, g, function, params, spec)
            if declared is not None:
                # an annotation or self/cls: worked out in place, as before the memo question
                # existed, so that it costs no question of the file's budget
                return declared
            compute = partial(self._evidence, path, g, function, params, spec)
        return self._memo_evidence(path, param, compute)

    def _memo_evidence(self, path: str, param: int, compute: Callable[[], object]) -> ParamEvidence | None:
        """``compute()`` as the memo question ``("param-evidence", path, param)``.
        ``compute`` is typed ``-> object``: a cycle's answer is Never, and compiled
        code checks what memo returns against its declared type."""
        # "param-evidence" ranks after "param" (fixpoint._rank): a cycle through both keeps its head
        found = self.engine.memo(("param-evidence", path, param), compute)
        return found if isinstance(found, ParamEvidence) else None

    def _declared_evidence(
        self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param
    ) -> ParamEvidence | None:
        """The parameter's annotation, or the implicit type of ``self`` / ``cls``;
        ``None`` for a parameter typed from its defaults, call sites and uses."""
        if spec.annotation is not None:
            declared = self.engine.annotations.evaluate(path, spec.annotation)
            if spec.kind == "var_positional":
                declared = ClassType("tuple", (declared, ClassType("...")))
            elif spec.kind == "var_keyword":
                declared = ClassType("dict", (ClassType("str"), declared))
            return ParamEvidence(declared, None, None, None, None)
        implicit = self.implicit(path, g, function, params, spec)
        if implicit is not None:
            return ParamEvidence(None, None, None, None, implicit)
        return None

    def _evidence(self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param) -> ParamEvidence:
        param = spec.node
        implemented = self._implementation_parameter(path, g, function, spec)
        if implemented is None:
            implemented = self._setter_value(path, g, function, params, spec)
        if implemented is not None:
            return ParamEvidence(None, None, implemented, None, None)  # what the implementation is passed
        if spec.kind in ("var_positional", "var_keyword"):
            sites = self._call_site_types(path, g, function, params, spec)
            if sites is None:
                sites = self._flowing_call_types(path, g, function, params, spec)
            return ParamEvidence(None, None, sites, None, None)
        default = (
            self.engine.exprs.type_of(path, spec.default)
            if spec.default is not None and g.kinds[spec.default] != "ellipsis"
            else None
        )
        sites = self._call_site_types(path, g, function, params, spec)
        if sites is not None and known_part(sites) in (UNKNOWN, NONE):
            sites = NONE if NONE in members(sites) else None  # a partly unknown join says little
        if sites is not None and NONE not in members(sites) and _none_checked(g, param):
            sites = make_union([sites, NONE])  # the body tests it for None: a caller may pass None
        if sites is not None and len([m for m in members(sites) if m != NONE]) > 1:
            sites = self._sites_the_uses_accept(path, param, sites)
        usage = (
            self.engine.usage.parameter_type(path, param)
            if (sites in (None, NONE) and default in (None, NONE))
            else None
        )
        if usage is None and default == NONE and sites in (None, NONE):
            usage = self._replaced_none(path, g, param)
        if sites is None and usage is None and default is None:
            sites = self._flowing_call_types(path, g, function, params, spec)
        if sites is None and default is None:
            sites = self._contextual_type(path, g, function, params, spec)
        return ParamEvidence(None, default, sites, usage, None)

    def _implementation_parameter(self, path: str, g: ProgramGraph, function: int, spec: Param) -> Type | None:
        """An ``@overload`` item's parameter: the implementation's parameter of the same
        name (the items are never called themselves, and their ``= ...`` defaults
        are placeholders)."""
        if "overload" not in decorator_names(g, function):
            return None
        name = g.child_by_field(function, "name")
        sym = g.symbol_at(name) if name is not None else None
        if sym is None:
            return None
        defs = [g.parents[d] for d in sym.definitions if g.kinds[g.parents[d]] == "function_definition"]
        implementation = next((d for d in reversed(defs) if "overload" not in decorator_names(g, d)), None)
        if implementation is None:
            return None
        same = next((p for p in self.signature(path, g, implementation) if p.name == spec.name), None)
        if same is None or same.kind != spec.kind:
            return None
        found = self.parameter_type(path, same.node)
        return found if is_known(known_part(found)) else None

    def _setter_value(self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param) -> Type | None:
        """A property setter's value (``@name.setter def name(self, value)``): what the
        getter of ``name`` returns, declared or inferred (its known part: the setter's
        value flows back into it); ``obj.name = x`` is no call the call graph links."""
        name_node = g.child_by_field(function, "name")
        name = g.text(name_node) if name_node is not None else ""
        if len(params) != 2 or spec is not params[1] or f"{name}.setter" not in decorator_names(g, function):
            return None
        sym = g.symbol_at(name_node) if name_node is not None else None
        getters = [
            g.parents[d]
            for d in (sym.definitions if sym is not None else ())
            if g.kinds[g.parents[d]] == "function_definition" and "property" in decorator_names(g, g.parents[d])
        ]
        if not getters:
            return None
        found = known_part(self.declared_or_inferred_return(path, getters[-1]))
        return found if is_known(found) and found != NONE else None

    def _sites_the_uses_accept(self, path: str, param: int, sites: Type) -> Type:
        """The members of the call sites' union that the parameter's uses accept
        (``None`` aside): called with ``Version | str`` and used as ``v.epoch``, the
        parameter is a ``Version`` (a ``str`` passed there would fail)."""
        used = self.engine.usage.answer(path, param)
        if used is None or used.type is None or used.conflict:
            return sites
        kept = [m for m in members(sites) if m == NONE or satisfies(self.engine, m, used.type)]
        return make_union(kept) if any(m != NONE for m in kept) else sites

    def _flowing_call_types(
        self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param
    ) -> Type | None:
        """A plain def that no call names and no use of its parameter explains: what
        the calls its values reach pass (:mod:`.function_values`; they pass what the
        def they are made in passes, less precise than a caller's own arguments)."""
        if g.scopes[g.scope_of[function]].kind is ScopeKind.CLASS:
            return None
        flowing = [(path, call) for call in value_calls(self.engine, path, function)]
        return self._call_site_types(path, g, function, params, spec, flowing) if flowing else None

    def _lambda_evidence(self, path: str, g: ProgramGraph, function: int, param: int) -> ParamEvidence:
        """A lambda's parameter: its default and what the calls that reach it pass
        (:mod:`.function_values`)."""
        params = self.signature(path, g, function)
        spec = next((p for p in params if p.node == param), None)
        if spec is None or spec.kind not in ("positional", "keyword_only"):
            return _NO_EVIDENCE
        default = self.engine.exprs.type_of(path, spec.default) if spec.default is not None else None
        sites = [(path, call) for call in value_calls(self.engine, path, function)]
        found = self._call_site_types(path, g, function, params, spec, sites) if sites else None
        if found is None:
            found = self._contextual_type(path, g, function, params, spec)
        return ParamEvidence(None, default, found, None, None)

    def _contextual_type(
        self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param
    ) -> Type | None:
        """What the callees ``function`` is passed to declare they call it with: the
        parameter's place in the ``Callable[[...], R]`` that receives it, the
        callee's type variables bound by the other arguments (``map(f, [1, 2])``:
        ``f``'s first parameter is an ``int``; ``sorted(people, key=lambda p: ...)``:
        ``p`` is a person), as pyright types a lambda from where it is passed."""
        positional = [p for p in params if p.kind == "positional"]
        if g.kinds[function] == "function_definition" and g.scopes[g.scope_of[function]].kind is ScopeKind.CLASS:
            positional = positional if _is_static(g, function) else positional[1:]  # bound: self is given
        if spec not in positional:
            return None
        index = positional.index(spec)
        found = []
        for value, call in argument_sites(self.engine, path, function):
            for declared in members(self._declared_argument(path, g, call, value)):
                if isinstance(declared, CallableType) and declared.params is not None and index < len(declared.params):
                    given = declared.params[index]
                    if is_known(given) and not is_partly_unknown(given):
                        found.append(given)
        return make_union(found) if found else None

    def _declared_argument(self, path: str, g: ProgramGraph, call: int, value: int) -> Type:
        """The declared type of the parameter that ``value`` (an argument of ``call``)
        is passed to, the callee's type variables bound by the other arguments:
        the first overload whose parameter there takes a callable."""
        holder = g.child_by_field(call, "arguments")
        function = g.child_by_field(call, "function")
        if holder is None or function is None:
            return UNKNOWN
        exprs = self.engine.exprs
        args: list[Type] = []
        kwargs: dict[str, Type] = {}
        for c in g.children(holder):
            if g.kinds[c] == "keyword_argument":
                name, given = g.child_by_field(c, "name"), g.child_by_field(c, "value")
                if name is not None and given is not None:
                    kwargs[g.names.get(name, "")] = _HOLE if given == value else exprs.type_of(path, given)
            elif g.kinds[c] != "comment":
                args.append(_HOLE if c == value else exprs.type_of(path, c))
        found = []
        for target in members(exprs.type_of(path, function)):
            built = None  # ``weakref.ref(obj, callback)``: Self is the ``ref[T]`` the call builds
            if isinstance(target, TypeOfClass):
                others = {k: v for k, v in kwargs.items() if v != _HOLE}
                built = self.construct(target.cls, [UNKNOWN if a == _HOLE else a for a in args], others)
            for fn in self._signatures_of(target):
                fg = self.engine.graph(fn.path)
                if fg is None:
                    continue
                for node in self.overloads(fg, fn.node) or [fn.node]:
                    if not self._accepts(fn.path, fg, node, fn.bound is not None, args, kwargs):
                        continue
                    mapping = self.receiver_mapping(fn, fg, node)
                    if isinstance(built, ClassType):
                        mapping["Self"] = built
                    held = self._bind_arguments(fn.path, fg, node, fn.bound is not None, args, kwargs, mapping, _HOLE)
                    if held is None or held.annotation is None:
                        continue
                    declared = substitute(self.engine.annotations.evaluate(fn.path, held.annotation), mapping)
                    if any(isinstance(m, CallableType) for m in members(declared)):
                        found.append(declared)
                        break
        return make_union(found) if found else UNKNOWN

    def _signatures_of(self, target: Type) -> list[FunctionRef]:
        """The function a callee type runs: itself, or a class's first constructor."""
        if isinstance(target, FunctionRef):
            return [target]
        return self.constructors(target.cls)[:1] if isinstance(target, TypeOfClass) else []

    def constructors(self, cls: ClassType) -> list[FunctionRef]:
        """The class's ``__init__`` and ``__new__`` (bound to ``cls``), in that order,
        leaving out ``object``'s."""
        found = []
        for method in ("__init__", "__new__"):
            hit = self.engine.classes.lookup(ClassType(cls.name), method)
            if hit is not None and not (hit[1].path.endswith("builtins.pyi") and hit[1].qualname == "object"):
                found.append(FunctionRef(hit[2].path, hit[2].nodes[-1], cls))
        return found

    def _replaced_none(self, path: str, g: ProgramGraph, param: int) -> Type | None:
        """For ``def f(x=None)`` whose body assigns ``x`` again (``if x is None: x =
        []``), what it assigns: the value the parameter stands for when one is passed."""
        sym = g.symbol_at(param)
        if sym is None:
            return None
        found = [self.engine.names.definition_type(path, d) for d in sym.definitions if d != param]
        kept = [m for t in found for m in members(t) if m != NONE]
        joined = make_union(kept) if kept else UNKNOWN
        return joined if is_known(joined) and not is_partly_unknown(joined) else None

    # -- overrides ------------------------------------------------------------------------
    def overridden(self, path: str, function: int) -> FunctionRef | None:
        """The method that the method ``function`` overrides: the nearest class in its
        MRO, past its own, with a plain method of that name (one definition, not
        overloads or a property)."""
        g = self.engine.require_graph(path)
        scope = g.scopes[g.scope_of[function]]
        own = g.scope_defined_by(function)
        name = own.name if own is not None else None
        if scope.kind is not ScopeKind.CLASS or not name or name in _NOT_INHERITED:
            return None
        classes = self.engine.classes
        for view, info in classes.mro(classes.class_type(path, scope.node))[1:]:
            member = info.members.get(name)
            if member is None:
                continue
            if member.kind != "method" or len(member.nodes) != 1 or "property" in member.decorators:
                return None
            return FunctionRef(member.path, member.nodes[0], view)
        return self._protocol_method(name)

    def _protocol_method(self, name: str) -> FunctionRef | None:
        """The typeshed protocol method a dunder implements when no base defines it
        (``__exit__``: ``contextlib.AbstractContextManager.__exit__``)."""
        protocol = _DUNDER_PROTOCOLS.get(name)
        target = self.engine.resolve_name(*protocol) if protocol is not None else None
        if not isinstance(target, Definition) or target.kind is not SymbolKind.CLASS:
            return None
        path = str(target.path)
        info = self.engine.classes.info(path, target.node)
        member = info.members.get(name)
        if member is None or member.kind != "method" or len(member.nodes) != 1:
            return None
        return FunctionRef(member.path, member.nodes[0], self.engine.classes.class_type(path, target.node))

    def inherited_parameter(self, path: str, param: int) -> tuple[Type, bool] | None:
        """The type of the parameter at the same place of the overridden method (same
        kind, and same name unless the base's is a stub's positional-only one), with
        whether the base declares it.  Type variables of the base are bound by the
        subclass's view of it (``Mapping[str, int]``'s ``_KT`` is ``str``)."""
        g = self.engine.require_graph(path)
        function = g.enclosing(param, "function_definition")
        base = self.overridden(path, function) if function is not None else None
        if base is None or function is None:
            return None
        own = self.signature(path, g, function)
        bg = self.engine.require_graph(base.path)
        theirs = self.signature(base.path, bg, base.node)
        index = next((i for i, p in enumerate(own) if p.node == param), None)
        if index is None or index >= len(theirs) or own[index].kind != theirs[index].kind:
            return None
        if own[index].name != theirs[index].name and not self.engine.is_stub(base.path):
            return None
        info = self.engine.classes.info_of(base.bound) if isinstance(base.bound, ClassType) else None
        found = self.parameter_type(base.path, theirs[index].node)
        if info is not None and isinstance(base.bound, ClassType):
            found = substitute(found, self.engine.classes.mapping(base.bound, info))
        if not is_known(known_part(found)) or _has_typevars(found):
            return None
        return found, theirs[index].annotation is not None

    def inherited_return(self, path: str, function: int) -> Type | None:
        """What the overridden method returns (declared or inferred), its type
        variables bound by the subclass's view of the base."""
        base = self.overridden(path, function)
        if base is None:
            return None
        found = self.declared_or_inferred_return(base.path, base.node)
        info = self.engine.classes.info_of(base.bound) if isinstance(base.bound, ClassType) else None
        if info is not None and isinstance(base.bound, ClassType):
            found = substitute(found, self.engine.classes.mapping(base.bound, info))
        if not is_known(known_part(found)) or _has_typevars(found) or is_partly_unknown(found):
            return None
        return found

    def implicit(self, path: str, g: ProgramGraph, function: int, params: list[Param], spec: Param) -> Type | None:
        """The type of ``self`` / ``cls`` when ``spec`` is that parameter of a method."""
        if not params or params[0].node != spec.node or spec.kind != "positional":
            return None
        scope = g.scopes[g.scope_of[function]]
        if scope.kind is not ScopeKind.CLASS:
            return None
        decorators = decorator_names(g, function)
        if "staticmethod" in decorators:
            return None
        cls = self.engine.classes.class_type(path, scope.node)
        if "classmethod" in decorators or g.names.get(function) == "__new__" or spec.name == "cls":
            return TypeOfClass(cls)
        return cls

    def _call_site_types(
        self,
        path: str,
        g: ProgramGraph,
        function: int,
        params: list[Param],
        spec: Param,
        sites: list[tuple[str, int]] | None = None,
    ) -> Type | None:
        if sites is None:
            sites = self.engine.callsites.linked(path, function) or self._constructor_calls(path, g, function)
        positional = [p for p in params if p.kind == "positional"]
        offset = 1 if self.implicit(path, g, function, params, params[0] if params else spec) is not None else 0
        position = positional.index(spec) - offset if spec in positional else None
        found = self._decorated_values(path, g, function) if position == 0 else []
        start, end = g.start_bytes[function], g.end_bytes[function]
        if not found and all(p == path and start <= g.start_bytes[call] < end for p, call in sites):
            return None  # no calls, or only its own: what they pass comes from the parameter itself
        at = self.engine.callsites  # a call in another file: questions about that file
        for site_path, call in sites:
            arg = (
                at.argument_at(site_path, call, position, spec.name)
                if spec.kind in ("positional", "keyword_only")
                else None
            )
            if arg is not None:
                found.append(at.argument_type(site_path, arg))
            elif spec.kind in ("var_positional", "var_keyword") or at.has_splat(site_path, call):
                args, kwargs = at.arguments(site_path, call)
                found.extend(value for p, value in bind(params[offset:], args, kwargs) if p.node == spec.node)
        return self.engine.classes.common_base(make_union(found)) if found else None

    def _constructor_calls(self, path: str, g: ProgramGraph, function: int) -> list[tuple[str, int]]:
        """A ``__new__``'s calls: those of its class (``Date(2024, 1, 2)``), which the
        call graph links to the class's ``__init__``, or to the class without one."""
        name = g.child_by_field(function, "name")
        scope = g.scopes[g.scope_of[function]]
        if name is None or g.text(name) != "__new__" or scope.kind is not ScopeKind.CLASS:
            return []
        init = next(
            (
                g.parents[s.definitions[-1]]
                for s in g.symbols
                if s.scope == scope.id and s.name == "__init__" and s.kind is SymbolKind.FUNCTION and s.definitions
            ),
            None,
        )
        return self.engine.callsites.linked(path, init if init is not None else scope.node)

    def _decorated_values(self, path: str, g: ProgramGraph, function: int) -> list[Type]:
        """What a plain decorator's first parameter receives: each function or class
        it decorates (``@log`` over ``def greet``: ``greet`` itself; over another
        decorator, the function as the decorators below leave it)."""
        if g.scopes[g.scope_of[function]].kind is ScopeKind.CLASS:
            return []
        found: list[Type] = []
        for d, below in decorated_by(g, function):
            if g.kinds[d] == "class_definition" and not below:
                found.append(TypeOfClass(self.engine.classes.class_type(path, d)))
            elif g.kinds[d] == "function_definition":
                found.append(self._decorated_by(path, d, below) if below else FunctionRef(path, d))
        return found

    def usage_type(self, path: str, g: ProgramGraph, param: int) -> Type | None:
        """The one candidate class having every attribute the function uses on the parameter."""
        used = self.telling_attributes(g, param)
        if not used:
            return None
        compute: Callable[[], object] = partial(self._class_with, used)
        found = self.engine.memo(("usage", frozenset(used)), compute)  # object: a cut cycle's Never
        if isinstance(found, tuple):  # several project classes: the ones this file's imports reach
            return self._unless_a_library_guess(self._reached(path, found), used)
        return self._unless_a_library_guess(found if isinstance(found, ClassType) else None, used)

    def telling_attributes(self, g: ProgramGraph, definition: int) -> set[str]:
        """The attributes used on the symbol ``definition`` binds that say something of
        its class: not those every object has (``p.__class__.__name__``)."""
        sym = g.symbol_at(definition)
        has = self.engine.classes.has_member
        return {a for a in used_attributes(g, sym.id if sym is not None else None) if not has(OBJECT, a)}

    def _reached(self, path: str, found: tuple[ClassType, ...]) -> ClassType | None:
        """The one of ``found`` that ``path``'s imports reach (:mod:`.reach`), if one."""
        places = [self.engine.classes.definition(c) for c in found]
        visible = [c for c, at in zip(found, places) if at is None or self._reach.reaches(path, at[0])]
        return visible[0] if len(visible) == 1 else None

    def _unless_a_library_guess(self, cls: ClassType | None, used: set[str]) -> ClassType | None:
        """``cls``, unless it is defined outside the project and a common builtin has
        the attributes too (email's ``Message`` for ``.get`` is no likelier than a dict)."""
        at = self.engine.classes.definition(cls) if cls is not None else None
        if at is None or self.engine.project_file(at[0]) is not None:
            return cls
        builtin = self._builtin_with(used)
        return cls if builtin is None or builtin == cls else None

    def _class_with(self, used: set[str]) -> ClassType | tuple[ClassType, ...] | None:
        """Each project class with every attribute stands for its most general base
        that still has them all (``class Shells(str, Enum)`` for ``.lower()`` is
        ``str``; a subclass and its base are one candidate, the base).  Several
        candidates are all returned, for :meth:`usage_type` to choose by imports.
        A question about the whole project (:meth:`.engine.TypeEngine.project_query`)."""
        names = self.engine.project_query("class-with", *sorted(used))
        if len(names) == 1:
            return ClassType(names[0])
        return tuple(ClassType(name) for name in names) if names else None

    def class_with_names(self, used: set[str]) -> list[str]:
        """The names of :meth:`_class_with`'s classes."""
        found = self._class_with_types(used)
        return [c.name for c in found] if isinstance(found, tuple) else [found.name] if found is not None else []

    def _class_with_types(self, used: set[str]) -> ClassType | tuple[ClassType, ...] | None:
        classes = self.engine.classes
        candidates = {}
        for c in classes.project_classes_with(used):
            general = [
                view
                for view, _ in classes.mro(c)
                if view.name not in ("builtins.object", "object") and all(classes.has_member(view, a) for a in used)
            ]
            top = general[-1] if general else c
            candidates[top.name] = ClassType(top.name)
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if candidates:
            return tuple(candidates[name] for name in sorted(candidates))
        return self._builtin_with(used)

    def _builtin_with(self, used: set[str]) -> ClassType | None:
        """The first of the common builtin classes having every attribute in ``used``."""
        has = self.engine.classes.has_member
        return next((ClassType(n) for n in _USAGE_CANDIDATES if all(has(ClassType(n), a) for a in used)), None)


def unify(expected: Type, actual: Type, mapping: dict[str, Type], engine: "Engine", depth: int = 0) -> None:
    """Bind the type variables of ``expected`` so that it matches ``actual``."""
    if depth > 6 or not is_known(actual) and not isinstance(actual, UnionType):
        return
    if isinstance(expected, TypeVarType):
        if expected.name != "Self":
            mapping[expected.name] = (
                make_union([mapping[expected.name], actual]) if expected.name in mapping else actual
            )
        return
    if isinstance(expected, CallableType):
        _unify_callable(expected, actual, mapping, engine, depth)
        return
    if isinstance(expected, UnionType):
        variables = [m for m in expected.items if isinstance(m, TypeVarType)]
        rest = [m for m in members(actual) if m not in expected.items]
        if len(variables) == 1 and rest:
            unify(variables[0], make_union(rest), mapping, engine, depth + 1)
        for m in expected.items:
            if isinstance(m, ClassType):
                unify(m, actual, mapping, engine, depth + 1)
        return
    if not isinstance(expected, ClassType) or not expected.args:
        return
    if expected.short in ("type", "Type") and len(expected.args) == 1:
        # ``cls: type[T]`` given the class itself: T is that class (``cast(int, x)``)
        for a in members(actual):
            if isinstance(a, TypeOfClass):
                unify(expected.args[0], a.cls, mapping, engine, depth + 1)
    for a in members(actual):
        if not isinstance(a, ClassType):
            continue
        if a.name == expected.name and len(a.args) == len(expected.args):
            for e, x in zip(expected.args, a.args):
                unify(e, x, mapping, engine, depth + 1)
        elif expected.short in _ITERABLES and len(expected.args) == 1:
            unify(expected.args[0], engine.exprs.element_type(a), mapping, engine, depth + 1)
        elif expected.short in ("Generator", "AsyncGenerator") and a.short in _ITERABLES | {"AsyncIterator"}:
            # an iterator given where a generator is expected: it yields its element
            unify(expected.args[0], engine.exprs.element_type(a), mapping, engine, depth + 1)
        elif (
            expected.short in _MAPPINGS
            and len(expected.args) == 2
            and a.name in ("dict", "defaultdict", "OrderedDict")
            and len(a.args) == 2
        ):
            unify(expected.args[0], a.args[0], mapping, engine, depth + 1)
            unify(expected.args[1], a.args[1], mapping, engine, depth + 1)
        elif engine.classes.is_protocol(expected):
            _unify_protocol(expected, a, mapping, engine, depth)


def _unify_callable(
    expected: CallableType, actual: Type, mapping: dict[str, Type], engine: "Engine", depth: int
) -> None:
    """``Callable[..., T]`` against a function, a lambda or a class: ``T`` is what
    calling it returns (``functools.partial(f)``, ``map(int, xs)``)."""
    returns = []
    given = [substitute(p, mapping) for p in expected.params or ()]
    called = bool(given) and all(is_known(t) and not is_partly_unknown(t) for t in given)
    for a in members(actual):
        if called and (isinstance(a, FunctionRef) or isinstance(a, CallableType) and a.origin is not None):
            returns.append(engine.calls.call_value(a, given, {}))  # its body for what it is called with
        elif isinstance(a, FunctionRef):
            g = engine.graph(a.path)
            if g is None or g.kinds[a.node] != "function_definition":
                continue
            # an overloaded one (``str.lower``): what all its signatures may return
            said = [engine.calls.declared_or_inferred_return(a.path, n) for n in engine.calls.overloads(g, a.node)]
            if not said:
                returns.append(engine.calls.declared_or_inferred_return(a.path, a.node))
            elif all(is_known(t) and not _has_typevars(t) for t in said):
                returns.append(make_union(said))
        elif isinstance(a, CallableType):
            returns.append(a.ret)
        elif isinstance(a, TypeOfClass):
            returns.append(a.cls)
    if returns:
        unify(expected.ret, make_union(returns), mapping, engine, depth + 1)


def _unify_protocol(
    expected: ClassType, actual: ClassType, mapping: dict[str, Type], engine: "Engine", depth: int
) -> None:
    """``SupportsAbs[T]`` against ``float``: call the protocol's one method on the
    argument and bind what the protocol says that method returns."""
    classes = engine.classes
    methods = [n for n in classes.protocol_members(expected) if n.startswith("__")]
    info = classes.info_of(expected)
    if len(methods) != 1 or info is None:
        return
    member = info.members[methods[0]]
    if member.kind != "method":
        return
    declared = engine.calls.declared_return(member.path, member.nodes[-1])
    if declared is None:
        return
    wanted = substitute(declared, classes.mapping(expected, info))
    got = engine.exprs.call_method(actual, methods[0], "")
    unify(wanted, got, mapping, engine, depth + 1)


def compatible(expected: Type, actual: Type) -> bool:
    """A cheap 'could this argument fit' check used to pick overloads."""
    if not is_known(expected) or not is_known(actual) and not isinstance(actual, UnionType):
        return True
    exp = members(expected)
    for a in members(actual):
        if not is_known(a):
            continue
        if a == NONE:
            if NONE not in exp and not any(isinstance(e, TypeVarType) for e in exp):
                return False
            continue
        if isinstance(a, ClassType) and all(isinstance(e, ClassType) for e in exp):
            names = {e.short for e in exp if isinstance(e, ClassType)}
            if a.short in names or "object" in names:
                continue
            if a.short == "int" and names & {"float", "complex", "SupportsIndex", "SupportsInt"}:
                continue
            if a.short in ("str", "bytes", "int", "float", "bool") and names <= {
                "str",
                "bytes",
                "int",
                "float",
                "bool",
                "None",
            }:
                return False
    return True


def _decorator_expressions(g: ProgramGraph, function: int) -> list[int]:
    """The expressions of a def's (or class's) ``@name`` / ``@a.b`` /
    ``@factory(...)`` decorators, outermost first."""
    parent = g.parents[function]
    if parent < 0 or g.kinds[parent] != "decorated_definition":
        return []
    found = []
    for child in g.children(parent):
        kids = g.children(child) if g.kinds[child] == "decorator" else []
        if kids and g.kinds[kids[0]] in ("name_load", "attribute", "call"):
            found.append(kids[0])
    return found


def _is_typing_function(engine: "Engine", callee: Type, name: str) -> bool:
    """Whether ``callee`` is ``typing.<name>`` (or typing_extensions')."""
    if not isinstance(callee, FunctionRef) or not callee.path.endswith(("/typing.pyi", "/typing_extensions.pyi")):
        return False
    g = engine.graph(callee.path)
    name_node = g.child_by_field(callee.node, "name") if g is not None else None
    return name_node is not None and g is not None and g.names.get(name_node) == name


def _first_argument(g: ProgramGraph, call: int) -> int | None:
    """The node of a call's first positional argument, unless it is spread."""
    arg_list = g.child_by_field(call, "arguments")
    first = next(iter(g.children(arg_list)), None) if arg_list is not None else None
    if first is None or g.kinds[first] in ("keyword_argument", "list_splat", "dictionary_splat"):
        return None
    return first


def _mapping_value(t: Type) -> Type:
    """The value type of a ``**mapping`` argument."""
    values = [m.args[1] for m in members(t) if isinstance(m, ClassType) and len(m.args) == 2]
    return make_union(values) if values else UNKNOWN


def _erase_typevars(t: Type) -> Type:
    return substitute(t, {"__none__": UNKNOWN}) if _has_typevars(t) else t


_NO_VARIABLES: Final[dict[str, Type]] = {"__none__": UNKNOWN}  # a mapping that binds no type variable


def _has_typevars(t: Type) -> bool:
    if isinstance(t, TypeVarType):
        return True
    if isinstance(t, ClassType):
        return any(_has_typevars(a) for a in t.args)
    if isinstance(t, UnionType):
        return any(_has_typevars(m) for m in t.items)
    return False


def is_async(g: ProgramGraph, function: int) -> bool:
    return g.source.data[g.start_bytes[function] : g.start_bytes[function] + 5] == b"async"


def _is_static(g: ProgramGraph, function: int) -> bool:
    return "staticmethod" in decorator_names(g, function)


def _declared_text(g: ProgramGraph, function: int) -> str | None:
    """The normalised return annotation of a ``def``, if it has one."""
    annotation = g.child_by_field(function, "return_type")
    return normalise(g.text(annotation)) if annotation is not None else None


def _none_checked(g: ProgramGraph, param: int) -> bool:
    """Whether a use the parameter's definition reaches compares it with ``None``."""
    return any(is_none_check(g, use) for use in g.successors(param, EdgeKind.DFG))


def _bare_container(t: Type) -> bool:
    """``list`` / ``dict[Unknown, Unknown]``: a builtin container of unknown items."""
    return (
        isinstance(t, ClassType)
        and t.name in ("list", "dict", "set", "frozenset", "tuple")
        and (not t.args or not any(is_known(a) for a in t.args))
    )


_RETURN_IGNORED: Final = re.compile(
    rb"#\s*(?:type:\s*ignore(?:\[(?P<codes>[^\]]*)\])?|pyright:\s*ignore\[(?P<rules>[^\]]*)\])"
)


def _return_disowned(g: ProgramGraph, ret: int) -> bool:
    """Whether the code says this ``return`` does not fit the function's return type:
    ``return result  # type: ignore[return-value]`` (or a bare ``# type: ignore``,
    or pyright's ``reportReturnType``).  Such a value (a ``NotImplemented`` passed
    on) may not be part of what the function is meant to return (see
    :meth:`CallModel._only_a_base_of`)."""
    data = g.source.data
    end = g.end_bytes[ret]
    line_end = data.find(b"\n", end)
    found = _RETURN_IGNORED.search(data, end, len(data) if line_end < 0 else line_end)
    if found is None:
        return False
    if found.group("rules") is not None:
        return b"reportReturnType" in found.group("rules")
    codes = found.group("codes")
    return codes is None or b"return-value" in codes


def _returned(values: list[Type]) -> Type:
    """The join of what the ``return`` statements return; none at all, with no way
    to fall off the end, is ``NoReturn`` (every path raises).  ``NotImplemented``
    (a binary dunder handing over to the other operand) and the ``NoReturn`` of a
    call that never comes back are left out when something else is returned, as
    pyright does: ``__eq__`` that returns ``NotImplemented`` or a ``bool`` is ``bool``."""
    if not values:
        return NO_RETURN
    kept = [m for v in values for m in members(v) if not _never_a_value(m)]
    return make_union(kept) if kept else make_union(values)


def _never_a_value(t: Type) -> bool:
    return isinstance(t, ClassType) and t.short in ("NotImplementedType", "_NotImplementedType", "NoReturn", "Never")


def _falls_through(g: ProgramGraph, exit_node: int) -> bool:
    kinds = (EdgeKind.CFG_NEXT, EdgeKind.CFG_TRUE, EdgeKind.CFG_FALSE, EdgeKind.CFG_LOOP_BACK)
    return any(g.predecessors(exit_node, k) for k in kinds)


def _yields(g: ProgramGraph, scope: Scope) -> list[int]:
    """The ``yield`` nodes of ``scope`` (not of the lambdas and comprehensions in
    it): all lie under its node, whose descendants' ids follow it (pre-order), so
    the search reads the function and not the file (a file of 50,000 generators
    read the file 50,000 times)."""
    kinds, scope_of = g.kinds, g.scope_of
    return [
        n
        for n in range(scope.node + 1, g.last_descendant(scope.node) + 1)
        if kinds[n] == "yield" and scope_of[n] == scope.id
    ]


def is_generator(g: ProgramGraph, function: int) -> bool:
    scope = g.scope_defined_by(function)
    if scope is None:
        return False
    if g.source.data.find(b"yield", g.start_bytes[function], g.end_bytes[function]) < 0:
        return False
    return bool(_yields(g, scope))


def _raises_not_implemented(g: ProgramGraph, function: int) -> bool:
    return b"NotImplementedError" in g.source.data[g.start_bytes[function] : g.end_bytes[function]]


def _is_placeholder(g: ProgramGraph, function: int) -> bool:
    """An abstract method, or one that only raises ``NotImplementedError``: its
    overrides say what a call returns (an ``@overload`` signature is not one)."""
    if "overload" in decorator_names(g, function):
        return False
    returns = [r for r in g.predecessors(function, EdgeKind.RETURN) if g.kinds[r] == "return_statement"]
    return _is_abstract(g, function) or (not returns and _raises_not_implemented(g, function))


def _is_abstract(g: ProgramGraph, function: int) -> bool:
    decorators = decorator_names(g, function)
    if "abstractmethod" in decorators or "overload" in decorators:
        return True
    body = g.child_by_field(function, "body")
    stmts = g.children(body) if body is not None else []
    real = [s for s in stmts if not (g.kinds[s] == "expression_statement" and g.kinds[g.children(s)[0]] == "string")]
    return len(real) == 1 and g.text(real[0]).startswith("raise NotImplementedError")
