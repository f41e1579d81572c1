"""What the code declares about a value, read off definitions, never inferred:

* a call: what its callee declares it returns (a function of the same file, of
  another module of the project, of an installed package or the stdlib through
  its typeshed stub, a builtin, a method of the class a ``self.meth()`` call sits
  in; a class called is its own name);
* a name: its own annotation (an annotated parameter or variable);
* ``obj.attr``: the annotation of ``attr`` in the body of ``obj``'s declared class
  (``self``: the enclosing class);
* ``x[i]``: the value or item type of ``x``'s declared container;
* what a ``for`` loop binds: the item type of the iterable (``range``,
  ``enumerate``, ``zip``, ``sorted``..., ``d.items()`` of a declared mapping, a
  declared container);
* for a callee that declares nothing, the expressions its ``return`` statements
  return (``returned``), which the features read as shapes, one level deep.

The neural models read it as one more value shape (``§declared:float``): a window
around ``d = _cd(a, b)`` shows ``_cd``, not that ``_cd`` is declared to return a
``float`` two hundred lines up or in another module.  Only annotations and stubs
are read, never the static engine's answers, so the models learn from the code,
not from the engine.

Example::

    def mean(xs) -> float: ...          value(<`mean(v)`>) -> 'float'
    def f(a: dict[str, int]):           element(<`a.items()`>) -> 'tuple[str, int]'
        for k, n in a.items(): ...      value(<`len(v)`>) -> 'int' (builtins stub)
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from typelens.analyzer import EdgeKind, ProgramGraph, ProjectIndex, SymbolKind
from typelens.analyzer.project import Definition, ModuleLocation

from .callables import is_async, is_generator
from .normalize import normalise, split_union

logger = logging.getLogger(__name__)

_NAMES = ("name_load", "identifier")
_FAILURES = (OSError, ValueError, RecursionError, KeyError, IndexError)


_ITEMS = {
    "list",
    "set",
    "frozenset",
    "Sequence",
    "MutableSequence",
    "Iterable",
    "Iterator",
    "Collection",
    "AbstractSet",
    "MutableSet",
    "Generator",
    "AsyncIterator",
    "AsyncIterable",
    "deque",
    "KeysView",
    "ValuesView",
    "Reversible",
    "Container",
    "Set",
}
_MAPPINGS = {"dict", "Mapping", "MutableMapping", "defaultdict", "OrderedDict", "ChainMap"}
_PASS_THROUGH = {"sorted", "reversed", "list", "set", "tuple", "frozenset", "iter"}
_DEPTH = 4


class Declared:
    """``value(node)`` and ``element(node)`` for the expressions of one graph
    (``None``: nothing declared).  Without an index only the file's own
    definitions are read."""

    def __init__(self, g: ProgramGraph, index: ProjectIndex | None = None) -> None:
        self.g = g
        self.index = index
        self._by_definition: dict[tuple[str, int], str | None] = {}
        self._own: tuple[str, ...] = ()
        self._own_symbol: int | None = None

    def excluding(self, function: str | None = None, symbol: int | None = None) -> Declared:
        """The same, but blind to calls of ``function`` by name and to the
        annotation of ``symbol``: the shapes of a sample must not hold its own
        label (a recursive function's return annotation; ``x: int`` read back
        through ``x = x + 1``)."""
        other = Declared(self.g, self.index)  # a shallow copy (copy.copy cannot copy a mypyc class)
        other._by_definition = self._by_definition
        other._own = self._own
        if function is not None:
            other._own = (function, f"self.{function}", f"cls.{function}")
        other._own_symbol = symbol
        return other

    def value(self, node: int) -> str | None:
        """The declared type of the expression ``node``."""
        return self._guarded(self._value, node)

    def element(self, node: int) -> str | None:
        """The item type of iterating over ``node``."""
        return self._guarded(self._element, node)

    def _guarded(self, read, node: int) -> str | None:
        try:
            return _useful(read(node, 0))
        except _FAILURES as err:  # an unreadable module, a broken re-export chain: nothing
            logger.debug("nothing declared for %s: %s", self.g.text(node)[:40], err)
            return None

    # -- values --------------------------------------------------------------------
    def _value(self, node: int, depth: int) -> str | None:
        g = self.g
        node = unwrapped(g, node)
        kind = g.kinds[node]
        if depth > _DEPTH:
            return None
        if kind == "call":
            return self.returns(node)
        if kind in _NAMES:
            sym = g.symbol_at(node)
            return _annotation(g, sym) if sym is not None and sym.id != self._own_symbol else None
        if kind == "attribute":
            return self._attribute(node, depth)
        if kind == "subscript":
            value = g.child_by_field(node, "value")
            index = g.child_by_field(node, "subscript")
            if value is None or index is None or g.kinds[index] == "slice":
                return None
            container = self._value(value, depth + 1)
            return _item_of(container, mapping_value=True) if container is not None else None
        return None

    def _attribute(self, node: int, depth: int) -> str | None:
        g = self.g
        obj = g.child_by_field(node, "object")
        attr = g.child_by_field(node, "attribute")
        if obj is None or attr is None:
            return None
        name = g.text(attr)
        if g.kinds[obj] in _NAMES and g.text(obj) in ("self", "cls"):
            sym = g.symbol_at(obj)
            if sym is not None and sym.kind is SymbolKind.PARAMETER:
                scope = self._enclosing_class(obj)
                return self._class_attribute(g, scope.qualname, name) if scope is not None else None
        declared = self._value(obj, depth + 1)
        if declared is None:
            return None
        cls = self._class_named(_without_none(declared))
        return self._class_attribute(cls[0], _qualname(cls), name) if cls is not None else None

    def _class_attribute(self, graph: ProgramGraph, qualname: str, name: str) -> str | None:
        sym = graph.find_symbol(name, qualname)
        return _annotation(graph, sym) if sym is not None and sym.kind is SymbolKind.VARIABLE else None

    def _class_named(self, name: str) -> tuple[ProgramGraph, int] | None:
        """The class definition a bare class name in this file refers to."""
        if not name.isidentifier():
            return None
        sym = self.g.find_symbol(name)
        if sym is None:
            return None
        found = None
        if sym.kind is SymbolKind.CLASS and sym.definitions:
            found = self.g, self.g.parents[sym.definitions[-1]]
        elif sym.kind is SymbolKind.IMPORT and self.index is not None:
            found = self._located(self._imported(sym))
        if found is None or found[0].kinds[found[1]] != "class_definition":
            return None
        return found

    # -- items -----------------------------------------------------------------------
    def _element(self, node: int, depth: int) -> str | None:
        g = self.g
        node = unwrapped(g, node)
        kind = g.kinds[node]
        if depth > _DEPTH:
            return None
        if kind in ("string", "concatenated_string"):
            return "str"
        if kind == "call":
            function = g.child_by_field(node, "function")
            args = g.child_by_field(node, "arguments")
            items = list(g.children(args)) if args is not None else []
            fname = g.text(function) if function is not None else ""
            if function is not None and g.kinds[function] in _NAMES and self._builtin(function):
                if fname == "range":
                    return "int"
                if fname == "enumerate" and items:
                    return f"tuple[int, {self._element(items[0], depth + 1) or '?'}]"
                if fname == "zip" and items:
                    return "tuple[" + ", ".join(self._element(a, depth + 1) or "?" for a in items) + "]"
                if fname in _PASS_THROUGH and len(items) == 1:
                    return self._element(items[0], depth + 1)
            if function is not None and g.kinds[function] == "attribute" and not items:
                obj = g.child_by_field(function, "object")
                attribute = g.child_by_field(function, "attribute")
                method = g.text(attribute) if attribute is not None else ""
                if method in ("items", "keys", "values") and obj is not None:
                    mapping = self._value(obj, depth + 1)
                    kv = _mapping(mapping) if mapping is not None else None
                    if kv is not None:
                        return {"items": f"tuple[{kv[0]}, {kv[1]}]", "keys": kv[0], "values": kv[1]}[method]
        container = self._value(node, depth + 1)
        return _item_of(container) if container is not None else None

    def _builtin(self, ident: int) -> bool:
        sym = self.g.symbol_at(ident)
        return sym is None or sym.scope < 0

    # -- calls -----------------------------------------------------------------------
    def returns(self, call: int) -> str | None:
        """What the callee of ``call`` declares it returns."""
        found = self._callee_of(call)
        if found is None:
            return None
        graph, node = found
        key = (graph.path, node)
        if key not in self._by_definition:
            self._by_definition[key] = _declared(graph, node)
        return self._by_definition[key]

    def returned(self, call: int) -> tuple[ProgramGraph, list[int]] | None:
        """For a callee that declares nothing (no return annotation, not a class,
        not ``async``, not a generator): its graph and the expressions its
        ``return`` statements return, to be read as shapes, one level deep."""
        try:
            found = self._callee_of(call)
        except _FAILURES:
            return None
        if found is None:
            return None
        graph, node = found
        if (
            graph.kinds[node] != "function_definition"
            or is_async(graph, node)
            or is_generator(graph, node)
            or graph.child_by_field(node, "return_type") is not None
        ):
            return None
        statements = [r for r in graph.predecessors(node, EdgeKind.RETURN) if graph.kinds[r] == "return_statement"]
        return graph, [graph.children(r)[0] for r in statements if graph.children(r)]

    def _callee_of(self, call: int) -> tuple[ProgramGraph, int] | None:
        """The definition (function or class) the callee of ``call`` resolves to,
        unless it is the function whose own label is hidden (``excluding``)."""
        function = self.g.child_by_field(call, "function")
        if function is None or (self._own and self.g.text(function) in self._own):
            return None
        return self._callee(function)

    # -- the callee's definition -------------------------------------------------
    def _callee(self, function: int) -> tuple[ProgramGraph, int] | None:
        g = self.g
        kind = g.kinds[function]
        if kind in _NAMES:
            return self._named(function)
        if kind != "attribute":
            return None
        obj = g.child_by_field(function, "object")
        attr = g.child_by_field(function, "attribute")
        if obj is None or attr is None or g.kinds[obj] not in _NAMES:
            return None
        name = g.text(attr)
        sym = g.symbol_at(obj)
        if sym is None:
            return None
        if sym.kind is SymbolKind.PARAMETER and g.text(obj) in ("self", "cls"):
            return self._method(obj, name)
        if sym.kind is SymbolKind.CLASS and sym.scope >= 0:
            return self._member(g.scopes[sym.scope].qualname, sym.name, name)
        if sym.kind is SymbolKind.IMPORT and self.index is not None:
            target = self._imported(sym)
            if isinstance(target, ModuleLocation):
                return self._located(self.index.resolve_name(target.name, name))
        return None

    def _named(self, ident: int) -> tuple[ProgramGraph, int] | None:
        g = self.g
        sym = g.symbol_at(ident)
        if sym is None or sym.scope < 0:
            if self.index is None:
                return None
            return self._located(self.index.resolve_name("builtins", g.text(ident)))
        if sym.kind in (SymbolKind.FUNCTION, SymbolKind.CLASS) and sym.definitions:
            return g, g.parents[sym.definitions[-1]]
        if sym.kind is SymbolKind.IMPORT and self.index is not None:
            return self._located(self._imported(sym))
        return None

    def _imported(self, sym) -> Definition | ModuleLocation | None:
        binding = next((b for b in self.g.imports if b.node in sym.definitions), None)
        return self.index.resolve_binding(self.g, binding) if binding is not None and self.index is not None else None

    def _located(self, target) -> tuple[ProgramGraph, int] | None:
        if not isinstance(target, Definition) or target.kind not in (SymbolKind.FUNCTION, SymbolKind.CLASS):
            return None
        graph = self.index.graph_of(Path(target.path)) if self.index is not None else None
        return (graph, target.node) if graph is not None else None

    def _method(self, obj: int, name: str) -> tuple[ProgramGraph, int] | None:
        """``self.name`` inside a method: the method ``name`` of the enclosing class."""
        scope = self._enclosing_class(obj)
        return self._member(scope.qualname, None, name) if scope is not None else None

    def _enclosing_class(self, node: int):
        g = self.g
        function = g.enclosing(node, "function_definition")
        cls = g.enclosing(g.parents[function], "class_definition") if function is not None else None
        return g.scope_defined_by(cls) if cls is not None else None

    def _member(self, owner: str, cls_name: str | None, name: str) -> tuple[ProgramGraph, int] | None:
        qualname = owner if cls_name is None else (f"{owner}.{cls_name}" if owner else cls_name)
        sym = self.g.find_symbol(name, qualname)
        if sym is None or sym.kind is not SymbolKind.FUNCTION or not sym.definitions:
            return None
        return self.g, self.g.parents[sym.definitions[-1]]


def _declared(g: ProgramGraph, node: int) -> str | None:
    """The normalised return annotation of a function definition (``None`` when
    it has none, or an ``async`` one: a call gives a coroutine), a class's name."""
    kind = g.kinds[node]
    if kind == "class_definition":
        name = g.child_by_field(node, "name")
        return g.text(name) if name is not None else None
    if kind != "function_definition" or is_async(g, node):
        return None
    annotation = g.child_by_field(node, "return_type")
    return normalise(g.text(annotation)) if annotation is not None else None


def _qualname(found: tuple[ProgramGraph, int]) -> str:
    graph, node = found
    scope = graph.scope_defined_by(node)
    return scope.qualname if scope is not None else ""


def _annotation(g: ProgramGraph, sym) -> str | None:
    """The annotation written on a parameter's or a variable's definition."""
    if sym.kind not in (SymbolKind.PARAMETER, SymbolKind.VARIABLE):
        return None
    for d in sym.definitions:
        parent = g.parents[d]
        kind = g.kinds[parent] if parent >= 0 else ""
        if kind in ("typed_parameter", "typed_default_parameter") or (
            kind == "assignment" and g.child_by_field(parent, "left") == d
        ):
            annotation = g.child_by_field(parent, "type")
            if annotation is not None:
                return normalise(g.text(annotation))
    return None


def unwrapped(g: ProgramGraph, node: int) -> int:
    """``node`` without the parentheses and ``await`` around it."""
    while g.kinds[node] in ("parenthesized_expression", "await") and g.children(node):
        node = g.children(node)[0]
    return node


def _useful(text: str | None) -> str | None:
    """``None`` for what says nothing about a value: ``Any``, ``Self``, a stub's
    type variables (``_T``, ``_AddableT1``), an unknown item."""
    if text is None or text in ("Any", "Self", "NoReturn", "Never", "object") or "?" in text:
        return None
    return None if _TYPE_VARIABLE.search(text) else text


_TYPE_VARIABLE = re.compile(r"(?:^|[^\w.])_[A-Za-z]")


def _without_none(text: str) -> str:
    parts = [p.strip() for p in split_union(text) if p.strip() != "None"]
    return parts[0] if len(parts) == 1 else text


def generic(text: str) -> tuple[str, list[str]] | None:
    """``dict[str, int]`` -> ``('dict', ['str', 'int'])``."""
    if not text.endswith("]") or "[" not in text:
        return None
    head, _, rest = text.partition("[")
    return head.strip(), _split_commas(rest[:-1])


def _mapping(text: str) -> tuple[str, str] | None:
    found = generic(_without_none(text))
    if found is None or found[0] not in _MAPPINGS or len(found[1]) != 2:
        return None
    return found[1][0], found[1][1]


def _item_of(text: str, mapping_value: bool = False) -> str | None:
    """The item type of a declared container: ``list[int]`` -> ``int``; a mapping's
    key (its value for a subscript); ``tuple[int, ...]`` -> ``int``; ``str`` -> ``str``."""
    text = _without_none(text)
    if text == "str":
        return "str"
    if text == "bytes" and not mapping_value:
        return "int"
    found = generic(text)
    if found is None:
        return None
    head, args = found
    if head in _MAPPINGS and len(args) == 2:
        return args[1] if mapping_value else args[0]
    if head == "tuple" and len(args) == 2 and args[1] == "...":
        return args[0]
    if head in _ITEMS and args:
        return args[0]
    return None


def _split_commas(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, each part stripped."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return items
