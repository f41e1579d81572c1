"""Classes: members, bases, generics, and what ``obj.name`` is.

A class's members come from its body (methods, class variables, nested classes)
and from ``self.x = ...`` in its methods.  Lookup walks the bases breadth-first
(project classes, installed packages and stubs alike), substituting type
parameters: ``list[int]``'s ``pop`` is ``MutableSequence[_T]``'s ``pop`` with
``_T = int``.

Example::

    class Stack(Generic[T]):
        def __init__(self): self.items: list[T] = []
    s: Stack[int]
    s.items                # list[int]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Final

from typelens.analyzer import Definition, ModuleLocation, ProgramGraph, ScopeKind, Symbol, SymbolKind
from typelens.analyzer.graph import SymbolTable
from typelens.analyzer.version_gates import live_definitions

from .annotations import declared_annotation, new_type_base
from .types import (
    NEVER,
    NONE,
    UNKNOWN,
    CallableType,
    ClassType,
    FunctionRef,
    ModuleType,
    Type,
    TypeOfClass,
    TypeVarType,
    make_union,
    members,
    substitute,
)

if TYPE_CHECKING:
    from .contract import Engine

logger = logging.getLogger(__name__)

_UNASKED: Final = object()  # ClassModel.has_member: no answer kept yet

_TYPING_CLASSES: Final = frozenset(
    {
        "Iterator",
        "Iterable",
        "Generator",
        "AsyncIterator",
        "AsyncIterable",
        "AsyncGenerator",
        "Coroutine",
        "Awaitable",
        "Sequence",
        "MutableSequence",
        "Mapping",
        "MutableMapping",
        "Collection",
        "Container",
        "AbstractSet",
        "MutableSet",
        "Reversible",
        "SupportsInt",
        "SupportsFloat",
        "Sized",
        "Hashable",
    }
)


@dataclass(frozen=True, slots=True)
class Member:
    """A name a class body binds: its kind, the file and the defining nodes, and a method's decorators."""

    kind: str  # method, variable, attribute, class
    path: str
    nodes: tuple[int, ...]
    decorators: frozenset[str] = frozenset()

    # written out for mypyc (see the note in .types)
    def __init__(self, kind: str, path: str, nodes: tuple[int, ...], decorators: frozenset[str] = frozenset()) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "decorators", decorators)


@dataclass(slots=True, eq=False)  # a holder: compared by identity, never a key
class ClassInfo:
    """What the class model knows of one class: where it is, its members, type parameters and bases."""

    path: str
    node: int
    qualname: str
    members: dict[str, Member] = field(default_factory=dict)
    type_params: list[str] = field(default_factory=list)
    bases: list[Type] = field(default_factory=list)
    decorators: frozenset[str] = frozenset()
    has_dynamic_attributes: bool = False

    @property
    def is_dataclass(self) -> bool:
        return any(d.endswith("dataclass") or d.endswith("define") for d in self.decorators)


class ClassModel:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._defs = engine.class_definitions  # the engine's, shared by its models (see there)
        self._infos: dict[tuple[str, int], ClassInfo] = {}
        # path: (graph, scope: the positions of its symbols in the graph's table)
        self._by_scope: dict[str, tuple[ProgramGraph, dict[int, list[int]]]] = {}
        self._building: set[tuple[str, int]] = set()
        self._mros: dict[ClassType, list[tuple[ClassType, ClassInfo]]] = {}
        self._has: dict[tuple[ClassType, str], bool | None] = {}  # see has_member
        self._class_types: dict[tuple[str, int], ClassType] = {}
        self._project_classes: list[ClassType] | None = None
        self._by_member: dict[str, list[int]] | None = None  # see project_classes_with
        self._overrides: dict[tuple[str, str], list[tuple[str, int]]] | None = None

    # -- identity ---------------------------------------------------------------------
    def class_type(self, path: str, node: int) -> ClassType:
        key = (path, node)
        found = self._class_types.get(key)
        if found is None:
            engine = self.engine
            named = partial(engine.classes.named_class, path, node)  # it asks no other question
            found = self._class_types[key] = engine.about(("class-type", path, node), named, named)
            if found.name != "object":  # worked out elsewhere (another model's), or kept by the memo
                self._defs.setdefault(found.name, key)
        return found

    def named_class(self, path: str, node: int) -> ClassType:
        """The class that the ``class`` statement ``node`` of ``path`` defines, by its qualified name."""
        g = self.engine.require_graph(path)
        scope = g.scope_defined_by(node)
        if scope is None:  # a stale node id: never guess a class for it
            return ClassType("object")
        module = self.engine.module_name(path)
        name = scope.qualname if module in ("builtins", "") else f"{module}.{scope.qualname}"
        if module in ("typing", "collections.abc", "typing_extensions") and scope.qualname in _TYPING_CLASSES:
            name = scope.qualname
        self._defs.setdefault(name, (path, node))
        return ClassType(name)

    def known_definitions(self) -> dict[str, tuple[str, int]]:
        """Qualified class name -> (file, class node) for every class met so far."""
        return dict(self._defs)

    def definition(self, cls: ClassType) -> tuple[str, int] | None:
        hit = self._defs.get(cls.name)
        if hit is not None:
            if hit not in self._class_types and self.engine.is_elsewhere(hit[0]):
                self.class_type(*hit)  # met in another turn: its answer is read here too
            return hit
        if "." not in cls.name:
            module = "typing" if cls.name in _TYPING_CLASSES else "builtins"
            target = self.engine.resolve_name(module, cls.name)
        else:
            module, _, name = cls.name.rpartition(".")
            target = self.engine.resolve_name(module, name)
            while target is None and "." in module:  # nested class: Outer.Inner
                module, _, outer = module.rpartition(".")
                target = self.engine.resolve_name(module, outer)
        if isinstance(target, Definition) and self.is_class_at(str(target.path), target.node):
            self._defs[cls.name] = (str(target.path), target.node)
            return self._defs[cls.name]
        return None

    def is_class_at(self, path: str, node: int) -> bool:
        """Whether ``node`` of ``path`` defines a class (a ``class`` statement or a ``NewType``)."""
        engine = self.engine
        return engine.about(("is-class", path, node), lambda: _is_class_at(engine, path, node), lambda: False)

    def info(self, path: str, node: int) -> ClassInfo:
        key = (path, node)
        found = self._infos.get(key)
        if found is None and key in self._building:
            # a class whose bases name the class itself, through another one
            # (`class A(Dict[str, "B.item"])`, `class B(A)`): its members, no bases,
            # and nothing cached until the outer build is done
            return self._build_info(path, node, with_bases=False)
        if found is None:
            # a library class's members are the same for every engine of a session
            shared = (
                self.engine.shared if self.engine.shared is not None and self.engine.is_library_file(path) else None
            )
            found = shared.get(("class-info", path, node)) if shared is not None else None
            if found is None:
                engine = self.engine
                found = engine.about(
                    ("class-info", path, node),
                    lambda: engine.classes.built_info(path, node),
                    lambda: engine.classes.built_info(path, node, with_bases=False),
                )
                if shared is not None:
                    shared[("class-info", path, node)] = found
            self._infos[key] = found
        return found

    def built_info(self, path: str, node: int, with_bases: bool = True) -> ClassInfo:
        """The class's info, built (what :meth:`info` keeps); without its bases
        when asked again while it is built."""
        if not with_bases:
            return self._build_info(path, node, with_bases=False)
        key = (path, node)
        self._building.add(key)
        try:
            return self._build_info(path, node)
        finally:
            self._building.discard(key)

    def info_of(self, cls: ClassType) -> ClassInfo | None:
        where = self.definition(cls)
        return self.info(*where) if where is not None else None

    def _build_info(self, path: str, node: int, with_bases: bool = True) -> ClassInfo:
        g = self.engine.require_graph(path)
        base = new_type_base(g, node)
        if base is not None:  # ``N = NewType("N", str)``: a subclass of its base with nothing of its own
            bases = [self.engine.annotations.evaluate(path, base)] if with_bases else []
            return ClassInfo(path, node, g.text(node), bases=bases)
        scope = g.scope_defined_by(node)
        assert scope is not None, f"node {node} of {path} defines no class scope"
        info = ClassInfo(path, node, scope.qualname, decorators=decorator_names(g, node))
        for sym in self._symbols_of(path, g, scope.id):
            if not sym.definitions:
                continue
            live = live_definitions(g, sym.definitions, node)
            if not live:
                continue  # defined only for other Python versions (typeshed's ``sys.version_info`` gates)
            if len(live) != len(sym.definitions):
                sym = replace(sym, definitions=live)
            if sym.kind is SymbolKind.FUNCTION:
                defs = tuple(g.parents[d] for d in sym.definitions)
                decorators = decorator_names(g, defs[-1])
                if "property" in decorator_names(g, defs[0]):  # a getter, then its setter and deleter
                    decorators |= {"property"}
                info.members[sym.name] = Member("method", path, defs, decorators)
            elif sym.kind is SymbolKind.CLASS:
                info.members[sym.name] = Member("class", path, (g.parents[sym.definitions[-1]],))
            elif sym.kind is SymbolKind.ATTRIBUTE:
                info.members.setdefault(sym.name, Member("attribute", path, sym.definitions))
            else:
                info.members[sym.name] = Member("variable", path, sym.definitions)
        info.has_dynamic_attributes = any(n in info.members for n in ("__getattr__", "__getattribute__", "__setattr__"))
        supers = g.child_by_field(node, "superclasses") if with_bases else None
        params: list[str] = []
        for base in g.children(supers) if supers is not None else ():
            if g.kinds[base] == "keyword_argument":
                continue
            value = self.engine.annotations.evaluate(path, base)
            info.bases.append(value)
            for arg in value.args if isinstance(value, ClassType) else ():
                for m in members(arg):
                    if isinstance(m, TypeVarType) and m.name not in params:
                        params.append(m.name)
        for declared in info.bases:  # Generic[...] / Protocol[...] says the order (dict_values[_KT, _VT])
            if isinstance(declared, ClassType) and declared.short in ("Generic", "Protocol"):
                named = [a.name for a in declared.args if isinstance(a, TypeVarType)]
                if named and len(named) == len(declared.args):
                    params = named + [p for p in params if p not in named]
        info.type_params = params
        return info

    def _symbols_of(self, path: str, g: ProgramGraph, scope: int) -> list[Symbol]:
        """The symbols of ``scope``, in the graph's order: one pass over the file's
        symbols for all its classes (not one a class: 50,000 classes in a file)."""
        found = self._by_scope.get(path)
        if found is None or found[0] is not g:
            table: dict[int, list[int]] = {}
            # a graph from the cache keeps its symbols' scopes as a column and makes
            # a Symbol on first use: read the column, make only the asked scope's
            symbols = g.symbols
            scopes = symbols.scopes if type(symbols) is SymbolTable else [sym.scope for sym in symbols]
            for i, owner in enumerate(scopes):
                table.setdefault(owner, []).append(i)
            found = self._by_scope[path] = (g, table)
        return [g.symbols[i] for i in found[1].get(scope, ())]

    # -- lookup -----------------------------------------------------------------------
    def mro(self, cls: ClassType) -> list[tuple[ClassType, ClassInfo]]:
        """``cls`` and its bases, each with its type arguments, in an order close to
        C3: depth-first, left to right, each class kept at its last occurrence."""
        found = self._mros.get(cls)
        if found is None:
            found = self._mro(cls)
            if not self._building:  # one read while a class is half built is not kept
                self._mros[cls] = found
        return found

    def _mro(self, cls: ClassType) -> list[tuple[ClassType, ClassInfo]]:
        order: list[tuple[ClassType, ClassInfo]] = []
        stack: list[tuple[ClassType, int]] = [(cls, 0)]
        while stack and len(order) < 80:
            current, depth = stack.pop()
            info = self.info_of(current)
            if info is None or depth > 20:
                continue
            order.append((current, info))
            mapping = self.mapping(current, info)
            bases = []
            for base in info.bases:
                if isinstance(base, ClassType):
                    concrete = substitute(base, mapping)
                    bases.append(concrete if isinstance(concrete, ClassType) else base)
            stack.extend((b, depth + 1) for b in reversed(bases))
        last = {view.name: i for i, (view, _) in enumerate(order)}
        found = [(view, info) for i, (view, info) in enumerate(order) if last[view.name] == i]
        if cls.name != "object" and "object" not in last:
            info = self.info_of(ClassType("object"))
            if info is not None:
                found.append((ClassType("object"), info))
        return found

    def is_protocol(self, cls: ClassType) -> bool:
        info = self.info_of(cls)
        return info is not None and any(isinstance(b, ClassType) and b.short == "Protocol" for b in info.bases)

    def protocol_members(self, cls: ClassType) -> list[str]:
        info = self.info_of(cls)
        if info is None:
            return []
        return [n for n in info.members if n not in ("__init__", "__slots__", "__class_getitem__", "__hash__")]

    @staticmethod
    def mapping(cls: ClassType, info: ClassInfo) -> dict[str, Type]:
        return {name: cls.args[i] for i, name in enumerate(info.type_params) if i < len(cls.args)}

    def lookup(self, cls: ClassType, name: str) -> tuple[ClassType, ClassInfo, Member] | None:
        for view, info in self.mro(cls):
            member = info.members.get(name)
            if member is not None:
                return view, info, member
        return None

    def has_member(self, cls: ClassType, name: str) -> bool | None:
        """``True``/``False`` when the class and all its bases are known, else ``None``;
        kept as :meth:`mro` keeps the chain it reads (the checks ask per attribute read)."""
        key = (cls, name)
        found = self._has.get(key, _UNASKED)
        if found is _UNASKED:
            found = self._has_member(cls, name)
            if not self._building:
                self._has[key] = found
        return found  # type: ignore[return-value]

    def _has_member(self, cls: ClassType, name: str) -> bool | None:
        chain = self.mro(cls)
        if not chain:
            return None
        for view, info in chain:
            if name in info.members:
                return True
            if info.has_dynamic_attributes and view.name != "object":
                return None
            if any(not isinstance(b, ClassType) for b in info.bases):
                return None
        known_bases = {view.name for view, _ in chain}
        for _, info in chain:
            for base in info.bases:
                if (
                    isinstance(base, ClassType)
                    and base.name not in known_bases
                    and base.short not in ("Generic", "Protocol")
                ):
                    return None
        return False

    def member_of(self, receiver: Type, name: str, path: str, node: int) -> Type:
        if not name:
            return UNKNOWN
        if receiver == NEVER:  # no value yet (a cycle's first pass): nothing to read
            return NEVER
        results = []
        for m in members(receiver):
            if m == NONE:
                continue
            results.append(self._member_of_one(m, name))
        return make_union(results) if results else UNKNOWN

    def _member_of_one(self, receiver: Type, name: str) -> Type:
        if isinstance(receiver, ModuleType):
            target = self.engine.resolve_name(receiver.name, name)
            if isinstance(target, ModuleLocation):
                return ModuleType(target.name)
            if isinstance(target, Definition):
                return self.engine.names.definition_value(target)
            return UNKNOWN
        if isinstance(receiver, ClassType):
            return self._instance_member(receiver, name)
        if isinstance(receiver, TypeOfClass):
            return self._class_member(receiver.cls, name)
        if isinstance(receiver, FunctionRef | CallableType) and name.startswith("__"):
            # ``f.__name__``, ``f.__code__``: what every function object has
            method = isinstance(receiver, FunctionRef) and receiver.bound is not None
            return self._instance_member(ClassType("types.MethodType" if method else "types.FunctionType"), name)
        return UNKNOWN

    def _instance_member(self, cls: ClassType, name: str) -> Type:
        hit = self.lookup(cls, name)
        if hit is None:
            return self._dynamic_member(cls, name)
        enum = self.engine.records.enum_attribute(cls, name)
        if enum is not None:
            return enum
        view, info, member = hit
        mapping = self.mapping(view, info)
        mapping["Self"] = cls
        if member.kind == "method":
            fn = member.nodes[-1]
            if "property" in member.decorators or "cached_property" in member.decorators:
                getter = member.nodes[0]
                return substitute(self.engine.calls.declared_or_inferred_return(member.path, getter), mapping)
            if "staticmethod" in member.decorators:
                return FunctionRef(member.path, fn)
            if "classmethod" in member.decorators:
                return FunctionRef(member.path, fn, TypeOfClass(cls))
            return FunctionRef(member.path, fn, cls)
        if member.kind == "class":
            return TypeOfClass(self.class_type(member.path, member.nodes[0]))
        return substitute(self.data_member(member), mapping)

    def _class_member(self, cls: ClassType, name: str) -> Type:
        hit = self.lookup(cls, name)
        if hit is None:
            return UNKNOWN
        view, info, member = hit
        if member.kind == "method":
            bound = TypeOfClass(cls) if "classmethod" in member.decorators else None
            return FunctionRef(member.path, member.nodes[-1], bound)
        if member.kind == "class":
            return TypeOfClass(self.class_type(member.path, member.nodes[0]))
        if info.decorators and any("enum" in d.lower() for d in info.decorators):
            return cls
        if self._is_enum(cls):
            return cls
        return substitute(self.data_member(member), self.mapping(view, info))

    def _dynamic_member(self, cls: ClassType, name: str) -> Type:
        """A name no class in the MRO defines: what a user ``__getattr__`` returns."""
        hit = self.lookup(cls, "__getattr__")
        if hit is None or hit[2].kind != "method" or hit[2].path.endswith(".pyi"):
            return UNKNOWN
        return self.engine.calls.call_value(FunctionRef(hit[2].path, hit[2].nodes[-1], cls), [ClassType("str")], {})

    def _is_enum(self, cls: ClassType) -> bool:
        return any(view.short in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag") for view, _ in self.mro(cls)[1:])

    def data_member(self, member: Member) -> Type:
        names = self.engine.names
        if member.kind == "attribute":
            return make_union(self.attribute_store_type(member.path, d) for d in member.nodes)
        declared = names.declared_type(member.path, member.nodes)
        if declared is not None:
            return declared
        return make_union(names.definition_type(member.path, d) for d in member.nodes)

    def attribute_store_type(self, path: str, store: int) -> Type:
        """What ``self.x = value`` (or ``self.x: T = value``) stores."""
        return self.engine.memo(("store", path, store), lambda: self._attribute_store_type(path, store))

    def _attribute_store_type(self, path: str, store: int) -> Type:
        g = self.engine.require_graph(path)
        parent = g.parents[store]
        if g.kinds[parent] == "assignment" and g.child_by_field(parent, "left") == store:
            annotation = declared_annotation(g, parent)
            if annotation is not None:
                return self.engine.annotations.evaluate(path, annotation)
            value = self.engine.exprs.type_of(path, g.child_by_field(parent, "right"))
            return self.engine.mutations.refine_binding(path, store, value)
        if g.kinds[parent] == "augmented_assignment":
            return self.engine.exprs.augmented(path, parent)
        return self.engine.names.bound_value(path, g, store)

    def common_base(self, t: Type) -> Type:
        """A union of project classes as the nearest project class they all derive from
        (``Group | Command`` -> ``Command``; ``Option | Argument`` -> ``Parameter``),
        ``None`` kept; anything else as it is.  What a parameter receives from its call
        sites is read this way: code written against the base is passed subclasses."""
        parts = [m for m in members(t) if isinstance(m, ClassType) and m != NONE and not m.args]
        if len(parts) < 2 or len(parts) != len([m for m in members(t) if m != NONE]):
            return t
        chains = [[view.name for view, info in self.mro(m) if not info.path.endswith(".pyi")] for m in parts]
        if any(not chain for chain in chains):
            return t
        shared = next((name for name in chains[0] if all(name in chain for chain in chains[1:])), None)
        if shared is None:
            return t
        base = ClassType(shared)
        info = self.info_of(base)
        if info is None or info.type_params or self.engine.project_file(info.path) is None:
            return t
        return make_union([base, *(m for m in members(t) if m == NONE)])

    def overrides(self, cls: ClassType, name: str) -> list[tuple[str, int]]:
        """The ``(path, def node)`` of each project method that overrides ``cls.name``
        (defined in a project class that has ``cls`` among its bases)."""
        found = self.engine.project_query("overrides", cls.name, name)
        return [(path, node) for path, node in found]

    def overrides_index(self) -> dict[tuple[str, str], list[tuple[str, int]]]:
        """Every project method that overrides one of a base class, by (base, name):
        a table of the whole project (see :meth:`.engine.TypeEngine.project_query`)."""
        if self._overrides is None:
            index: dict[tuple[str, str], list[tuple[str, int]]] = {}
            for sub in self.project_classes():
                chain = self.mro(sub)
                if len(chain) < 2:
                    continue
                own = chain[0][1]
                for method, member in own.members.items():
                    if member.kind != "method" or len(member.nodes) != 1:
                        continue
                    for view, _info in chain[1:]:
                        index.setdefault((view.name, method), []).append((member.path, member.nodes[0]))
            self._overrides = index
        return self._overrides

    # -- the classes a project defines (for usage-based parameter inference) -----------
    def project_classes(self) -> list[ClassType]:
        self.engine.read_project()  # every file's classes
        if self._project_classes is None:
            pg = self.engine.project
            found: list[ClassType] = []
            if pg is not None:
                for path, g in zip(self.engine.project_paths, pg.graphs):
                    found.extend(self.class_type(path, s.node) for s in g.scopes if s.kind is ScopeKind.CLASS)
            self._project_classes = found
        return self._project_classes

    def project_classes_with(self, names: set[str]) -> list[ClassType]:
        """The project classes, in :meth:`project_classes`' order, that have every
        name in ``names`` (:meth:`has_member` true), read from an index of the names
        each class has, built once (a usage question asks for each set of attributes
        used on a value: 100 sets of 105 classes in asyncio, each a new chain walk)."""
        classes = self.project_classes()
        index = self._by_member
        if index is None:
            if self._building:  # the chains read now are not kept (see mro): ask each class
                return [c for c in classes if all(self.has_member(c, a) for a in names)]
            index = self._by_member = self._members_index(classes)
        rows = sorted((index.get(a, []) for a in names), key=len)
        if not rows:
            return list(classes)
        found = rows[0]
        for row in rows[1:]:
            if not found:
                break
            has = set(row)
            found = [i for i in found if i in has]
        return [classes[i] for i in found]

    def _members_index(self, classes: list[ClassType]) -> dict[str, list[int]]:
        """Each name -> the positions in ``classes`` of those :meth:`has_member` is
        true for: the members along the class's chain, up to and including the first
        class whose other members cannot be known (dynamic attributes, a base not a
        class), where :meth:`_has_member` stops."""
        index: dict[str, list[int]] = {}
        for i, cls in enumerate(classes):
            for view, info in self.mro(cls):
                for name in info.members:
                    row = index.get(name)
                    if row is None:
                        index[name] = [i]
                    elif row[-1] != i:
                        row.append(i)
                if info.has_dynamic_attributes and view.name != "object":
                    break
                if any(not isinstance(b, ClassType) for b in info.bases):
                    break
        return index


def _is_class_at(engine: Engine, path: str, node: int) -> bool:
    g = engine.graph(path)
    return g is not None and (g.kinds[node] == "class_definition" or new_type_base(g, node) is not None)


def metaclass_argument(g: ProgramGraph, node: int) -> int | None:
    """The ``metaclass=...`` keyword argument of the class defined at ``node``."""
    supers = g.child_by_field(node, "superclasses")
    for arg in g.children(supers) if supers is not None else ():
        name = g.child_by_field(arg, "name") if g.kinds[arg] == "keyword_argument" else None
        if name is not None and g.names.get(name) == "metaclass":
            return arg
    return None


def decorator_names(g: ProgramGraph, definition: int) -> frozenset[str]:
    """Decorator names (``functools.wraps(f)`` -> ``functools.wraps``) of a def/class."""
    parent = g.parents[definition]
    if parent < 0 or g.kinds[parent] != "decorated_definition":
        return frozenset()
    names = set()
    for child in g.children(parent):
        if g.kinds[child] == "decorator":
            match = _DECORATOR.match(g.text(child))
            if match:
                names.add(match.group(1))
                names.add(match.group(1).rsplit(".", 1)[-1])
    return frozenset(names)


_DECORATOR: Final = re.compile(r"@\s*([\w.]+)")
