"""Declared types: type annotations (and JSDoc types) read into type values.

:class:`TypeReader` evaluates a type node of a script graph: predefined and
literal types, names (a class, interface, enum, alias or type parameter of the
file, an imported declaration, a library interface), generics, arrays, tuples,
unions, function and object types, ``typeof x``.  Forms it does not model
(conditional, mapped, ``keyof``, template literal types) are kept as written
(:class:`~.types.Opaque`).  ``Array<T>`` reads as ``T[]``.  Aliases stay named
(``Id`` prints as ``Id``) and :meth:`TypeReader.expand` opens them on demand.

JSDoc types (``@param {string} name``) are read by the same code: the type text
becomes a one-line ``type`` declaration for the TypeScript grammar, with the
JSDoc forms translated first (``*`` any, ``?T`` nullable, ``Array.<T>``,
``function(string): number``); its names resolve in the file the comment is in.

Example::

    function f(xs: Array<number>, m?: Map<string, User>): Promise<void>
    # xs -> ArrayOf(NUMBER); m -> Named('Map', (STRING, Named('User', where=...)))
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from typelens.analyzer import Definition, Symbol, SymbolKind
from typelens.analyzer.typescript import ScriptGraph, build_script_graph
from typelens.analyzer.typescript.exports import descendants

from .types import (
    ANY,
    BOOLEAN,
    NULL,
    SYMBOL,
    UNDEFINED,
    UNKNOWN,
    VOID,
    ArrayOf,
    Field,
    Func,
    Literal,
    Named,
    Opaque,
    Param,
    Prim,
    Shape,
    Tuple,
    TsType,
    TypeVar,
    join,
)

if TYPE_CHECKING:
    from .contract import ScriptContract, Types

logger = logging.getLogger(__name__)

_MAX_DEPTH = 24
_DECLARATIONS = (
    "interface_declaration",
    "class_declaration",
    "abstract_class_declaration",
    "enum_declaration",
    "type_alias_declaration",
)


class TypeReader:
    """Reads type nodes of script graphs (see the module docstring)."""

    def __init__(self, engine: "ScriptContract") -> None:
        self.engine = engine
        # opened aliases whose value asks no ``typeof``: read from the syntax alone,
        # so kept (an alias is opened for each member lookup on it)
        self._aliases: dict[Named, tuple[ScriptGraph | None, TsType | None]] = {}
        self._pure: dict[tuple[str, int], bool] = {}

    def read(
        self, path: str, g: ScriptGraph, node: int | None, depth: int = 0, scope_of: tuple | None = None
    ) -> TsType:
        """The type ``node`` declares; ``scope_of`` = ``(path, graph)`` whose module
        scope names resolve in when ``g`` is a JSDoc fragment."""
        if node is None:
            return UNKNOWN
        if depth > _MAX_DEPTH:
            return ANY
        reader = _READERS.get(g.kinds[node])
        if reader is None:
            return Opaque(" ".join(g.text(node).split()))
        return reader(self, path, g, node, depth + 1, scope_of)

    # -- names ----------------------------------------------------------------------------
    def named(self, path: str, g: ScriptGraph, node: int, args: tuple[TsType, ...], scope_of) -> TsType:
        name = g.text(node)
        sym = g.symbol_at(node)
        if scope_of is not None and (sym is None or sym.scope < 0):
            path, g = scope_of
            sym = g.find_symbol(name, "")
            sym = (
                sym if sym is not None and sym.kind in (SymbolKind.TYPE, SymbolKind.CLASS, SymbolKind.IMPORT) else None
            )
        if sym is not None and sym.scope >= 0 and sym.definitions:
            found = self._declared_name(path, g, sym, name, args)
            if found is not None:
                return found
        return self.library(name, args)

    def _declared_name(
        self, path: str, g: ScriptGraph, sym: Symbol, name: str, args: tuple[TsType, ...]
    ) -> TsType | None:
        store = sym.definitions[0]
        holder = g.parents[store]
        if sym.kind is SymbolKind.IMPORT:
            binding = next((b for b in g.imports if b.node == store), None)
            target = self.engine.resolve_binding(g, binding) if binding is not None else None
            if isinstance(target, Definition):
                tg = self.engine.graph(str(target.path))
                if tg is not None and tg.kinds[target.node] in _DECLARATIONS:
                    own = tg.child_by_field(target.node, "name")
                    return self._normal(
                        tg.text(own) if own is not None else name, args, (str(target.path), target.node)
                    )
            return Named(name, args) if target is not None else None
        if g.kinds[holder] == "type_parameter":
            return TypeVar(name, (path, holder))
        if path in self.engine.lib.graphs:
            return self.library(name, args)  # library declarations merge across files: by name
        if g.kinds[holder] in _DECLARATIONS:
            return Named(name, args, (path, holder))
        return None

    def library(self, name: str, args: tuple[TsType, ...]) -> TsType:
        if name in ("Array", "ReadonlyArray") and len(args) == 1:
            return ArrayOf(args[0], readonly=name == "ReadonlyArray")
        if name == "Object" and not args:
            return Prim("object")
        return Named(name, args)

    def _normal(self, name: str, args, where) -> TsType:
        return Named(name, args, where)

    # -- aliases --------------------------------------------------------------------------
    def expand(self, t: TsType, depth: int = 0) -> TsType:
        """A named alias opened (its parameters bound to the arguments); other types as they are."""
        for _ in range(8):
            if not isinstance(t, Named):
                return t
            found = self._alias(t)
            if found is None:
                return t
            t = found
        return t

    def _alias(self, t: Named) -> TsType | None:
        where = t.where or self.engine.lib.aliases.get(t.name)
        g = self.engine.graph(where[0]) if where is not None else None
        hit = self._aliases.get(t)
        if hit is not None and hit[0] is g:  # the same version of the file
            return hit[1]
        found, pure = self._open_alias(t)
        if pure:
            if len(self._aliases) > 4096:
                self._aliases.clear()
            self._aliases[t] = (g, found)
        return found

    def _open_alias(self, t: Named) -> tuple[TsType | None, bool]:
        """The alias ``t`` opened, and whether that read asked no value (``typeof``)."""
        from .types import substitute

        if t.where is None:
            where = self.engine.lib.aliases.get(t.name)
            if where is None:
                return None, True
        else:
            where = t.where
        g = self.engine.graph(where[0])
        if g is None or g.kinds[where[1]] != "type_alias_declaration":
            return None, g is not None
        value = g.child_by_field(where[1], "value")
        params = type_parameters(g, where[1])
        bindings = {p: (t.args[i] if i < len(t.args) else ANY) for i, p in enumerate(params)}
        pure = self._pure.get(where)
        if pure is None:
            pure = self._pure[where] = all(g.kinds[n] != "type_query" for n in descendants(g, where[1]))
        return substitute(self.read(where[0], g, value), bindings), pure

    # -- JSDoc ----------------------------------------------------------------------------
    def jsdoc(self, text: str, path: str, g: ScriptGraph) -> TsType:
        """The type a JSDoc type expression (without braces) names in file ``path``."""
        fragment = _fragment(_from_jsdoc(text))
        value = fragment.child_by_field(fragment.children(0)[0], "value") if fragment.children(0) else None
        if value is None or fragment.has_syntax_errors():
            return UNKNOWN
        return self.read(path, fragment, value, scope_of=(path, g))


def type_parameters(g: ScriptGraph, declaration: int) -> list[str]:
    holder = g.child_by_field(declaration, "type_parameters")
    out = []
    for param in g.children(holder) if holder is not None else ():
        name = g.child_by_field(param, "name")
        if name is not None:
            out.append(g.text(name))
    return out


@lru_cache(maxsize=2048)
def _fragment(text: str) -> ScriptGraph:
    return build_script_graph(f"type __T = {text};\n", "<jsdoc>.ts")


_JSDOC_FUNCTION = re.compile(r"function\(([^()]*)\)(?:\s*:\s*([\w.<>\[\]|]+))?")


def _from_jsdoc(text: str) -> str:
    text = text.strip()
    text = re.sub(r"\.<", "<", text)
    text = re.sub(r"(?<![\w\]>])\*(?!\w)", "any", text)
    text = _JSDOC_FUNCTION.sub(
        lambda m: (
            "("
            + ", ".join(f"a{i}: {p.strip() or 'any'}" for i, p in enumerate(filter(None, m.group(1).split(","))))
            + ") => "
            + (m.group(2) or "void")
        ),
        text,
    )
    if text.startswith("?") and len(text) > 1:
        text = f"{text[1:]} | null"
    if text.startswith("!"):
        text = text[1:]
    if text.endswith("=") and len(text) > 1:  # an optional parameter's type
        text = text[:-1]
    return text or "any"


# -- readers, one per kind of type node -------------------------------------------------
def _first(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    kids = g.children(node)
    return reader.read(path, g, kids[0], depth, scope_of) if kids else UNKNOWN


def _predefined(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    text = g.text(node)
    return SYMBOL if text == "unique symbol" else Prim(text)


def _literal(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    text = g.text(node).strip()
    if text == "null":
        return NULL
    if text == "undefined":
        return UNDEFINED
    if text in ("true", "false"):
        return Literal(text, "boolean")
    if text[:1] in "'\"`":
        return Literal('"' + text[1:-1].replace('"', '\\"') + '"', "string")
    return Literal(text, "bigint" if text.endswith("n") else "number")


def _name(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return reader.named(path, g, node, (), scope_of)


def _generic(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    name = g.child_by_field(node, "name")
    args_node = g.child_by_field(node, "type_arguments")
    args = (
        tuple(reader.read(path, g, a, depth, scope_of) for a in g.children(args_node)) if args_node is not None else ()
    )
    if name is None:
        return Opaque(g.text(node))
    if g.kinds[name] == "nested_type_identifier":
        return Named(g.text(name), args)
    return reader.named(path, g, name, args, scope_of)


def _array(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return ArrayOf(_first(reader, path, g, node, depth, scope_of))


def _readonly(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    inner = _first(reader, path, g, node, depth, scope_of)
    return ArrayOf(inner.item, readonly=True) if isinstance(inner, ArrayOf) else inner


def _tuple(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    items = []
    for item in g.children(node):
        kind = g.kinds[item]
        if kind in ("required_parameter", "optional_parameter"):
            items.append(reader.read(path, g, g.child_by_field(item, "type"), depth, scope_of))
        else:
            items.append(reader.read(path, g, item, depth, scope_of))
    return Tuple(tuple(items))


def _union(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return join(*(reader.read(path, g, c, depth, scope_of) for c in g.children(node)))


def _intersection(
    reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None
) -> TsType:
    parts = [reader.read(path, g, c, depth, scope_of) for c in g.children(node)]
    if all(isinstance(p, Shape) for p in parts):
        return Shape(tuple(f for p in parts if isinstance(p, Shape) for f in p.fields))
    return Opaque(" ".join(g.text(node).split()))


def _function(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    params = parameters_of(reader, path, g, g.child_by_field(node, "parameters"), depth, scope_of)
    ret = reader.read(path, g, g.child_by_field(node, "return_type"), depth, scope_of)
    return Func(params, ret, tuple(type_parameters(g, node)))


def parameters_of(
    reader: Types, path: str, g: ScriptGraph, params: int | None, depth: int = 0, scope_of=None
) -> tuple[Param, ...]:
    """The declared parameters of a signature (``any`` where a type is missing)."""
    out = []
    for item in g.children(params) if params is not None else ():
        kind = g.kinds[item]
        if kind not in ("required_parameter", "optional_parameter"):
            continue
        pattern = g.child_by_field(item, "pattern") or g.child_by_field(item, "name")
        if pattern is not None and g.kinds[pattern] == "this":
            continue
        declared = g.child_by_field(item, "type")
        t = reader.read(path, g, declared, depth, scope_of) if declared is not None else ANY
        rest = pattern is not None and g.kinds[pattern] == "rest_pattern"
        name = g.text(pattern).lstrip(".") if pattern is not None else "arg"
        optional = kind == "optional_parameter" or g.child_by_field(item, "value") is not None
        out.append(Param(name, t, optional, rest))
    return tuple(out)


def _object(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    fields: list[Field] = []
    index = None
    for member in g.children(node):
        kind = g.kinds[member]
        name = g.child_by_field(member, "name")
        if kind == "property_signature" and name is not None:
            t = reader.read(path, g, g.child_by_field(member, "type"), depth, scope_of)
            optional = b"?" in g.source.data[g.end_bytes[name] : g.end_bytes[name] + 2]
            fields.append(Field(g.text(name).strip("'\""), t if t is not UNKNOWN else ANY, optional, (path, member)))
        elif kind == "method_signature" and name is not None:
            fields.append(
                Field(g.text(name), _function(reader, path, g, member, depth, scope_of), False, (path, member))
            )
        elif kind == "index_signature":
            if any(g.kinds[c] == "mapped_type_clause" for c in g.children(member)):
                return Opaque(" ".join(g.text(node).split()))
            index = reader.read(path, g, g.child_by_field(member, "type"), depth, scope_of)
        elif kind in ("call_signature", "construct_signature"):
            return Opaque(" ".join(g.text(node).split()))
    return Shape(tuple(fields), index)


def _query(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    kids = g.children(node)
    if kids and g.kinds[kids[0]] in ("name_load", "attribute") and scope_of is None:
        found = reader.engine.value_of(path, kids[0])
        if found is not UNKNOWN:
            return found
    return Opaque(" ".join(g.text(node).split()))


def _this(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return TypeVar("this")


def _boolean(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return BOOLEAN


def _void(reader: TypeReader, path: str, g: ScriptGraph, node: int, depth: int, scope_of: tuple | None) -> TsType:
    return VOID


_READERS = {
    "type_annotation": _first,
    "opting_type_annotation": _first,
    "omitting_type_annotation": _first,
    "parenthesized_type": _first,
    "predefined_type": _predefined,
    "literal_type": _literal,
    "type_identifier": _name,
    "generic_type": _generic,
    "array_type": _array,
    "readonly_type": _readonly,
    "tuple_type": _tuple,
    "union_type": _union,
    "intersection_type": _intersection,
    "function_type": _function,
    "object_type": _object,
    "type_query": _query,
    "this_type": _this,
    "type_predicate_annotation": _boolean,
    "type_predicate": _boolean,
    "asserts_annotation": _void,
    "optional_type": _first,
    "rest_type": _array,
}
