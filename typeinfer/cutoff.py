"""Early cutoff: a kept answer stands when what it asked about edited files is answered the same.

A file's answers read other project files two ways (:mod:`.reads`): in its
own turn (its questions and the memo answers worked out while it is
answered read their graphs: their content counts, an edit of one redoes the
file), and through the answers it *used* from other turns: memo hits of
answers worked out while another file was answered, and name resolutions.
A used answer is kept with a fingerprint; after an edit, a file whose own
reads are unchanged is kept when each used answer that read a changed file
is answered as before once the changed files are answered again (salsa's
backdating, at the grain of the engine's memo).  The engine empties its
caches besides the memo before each file, so nothing else carries a value
from one turn to another.

Node numbers change with an edit, so keys and answers that name nodes of an
edited file are compared through :class:`NodeMap`: the old and new graphs'
nodes matched by kind and byte range, outside the bytes the edit changed.
An answer that cannot be written down (an unknown value, a node the edit
touched, a bare number in an answer about an edited file) never matches:
the file is answered again.

Example (``base.py``'s ``make`` returns ``2`` instead of ``1``; ``user.py``
asked ``("return", "/p/mid.py", 7)`` and read ``int``)::

    fingerprint(ClassType("int"), same_node)     # 'a3c1...': unchanged, user.py is kept
"""

from __future__ import annotations

import enum
from dataclasses import fields, is_dataclass
from pathlib import Path
from functools import partial
from typing import TYPE_CHECKING, Callable

from typelens.analyzer.digest import blake2b

from .reads import RESOLVE
from .types import CallableType, ClassType, FunctionRef

if TYPE_CHECKING:
    from typelens.analyzer import ProgramGraph

    from .engine import TypeEngine

NodeOf = Callable[[str, int], "int | None"]  # (file, node) -> the node in the other numbering, None: none

# questions about another file's definitions (:meth:`~.engine.TypeEngine.about`), keyed by its node
DEFINITION_KINDS = frozenset(
    {"class-info", "class-type", "is-class", "value", "annotation", "declared", "ways", "ways-bound", "callee-shape"}
    | {"site-arg", "site-arguments", "plain-result"}  # what a call in another file passes, a def's result
)
# memo question kinds whose third key part is a node (symbols: a symbol id)
NODE_KINDS = (
    frozenset(
        {
            "return",
            "param",
            "param-evidence",
            "def",
            "expr",
            "use",
            "store",
            "binding",
            "alias",
            "usage",
            "usage-own",
            "plain-definition",
            "linked",
            "argument-list",
        }
    )
    | DEFINITION_KINDS
)
SYMBOL_KINDS = frozenset({"symbol", "usage-attribute"})


def _binding(engine: TypeEngine, path: str, node: int) -> object:
    g = engine.require_graph(path)
    for binding in g.imports:
        if binding.node == node:
            return engine.resolve_binding(path, g, binding)
    return None


def _ways(engine: TypeEngine, path: str, node: int, bound: bool) -> object:
    from .check_arity import signatures_of_function

    return signatures_of_function(engine, FunctionRef(path, node, ClassType("object") if bound else None))


def _callee_shape(engine: TypeEngine, path: str, node: int) -> object:
    from .check_arity import callee_shape

    return callee_shape(engine, path, node)


def _plain_definition(engine: TypeEngine, path: str, node: int) -> object:
    from .check_arity import _definition_is_plain

    info = engine.classes.info(path, node)
    plain: Callable[[], object] = partial(_definition_is_plain, engine, info)
    return engine.memo(("plain-definition", path, node), plain)


def _value(engine: TypeEngine, path: str, node: int) -> object:
    return engine.about(("value", path, node), lambda: engine.names.value_at(path, node))


def _site_arg(engine: TypeEngine, path: str, node: int) -> object:
    return engine.about(("site-arg", path, node), lambda: engine.exprs.type_of(path, node))


def _plain_result(engine: TypeEngine, path: str, node: int) -> object:
    return engine.about(
        ("plain-result", path, node), lambda: engine.calls.plain_function_result(FunctionRef(path, node))
    )


def _site_arguments(engine: TypeEngine, path: str, node: int) -> object:
    return engine.about(
        ("site-arguments", path, node), lambda: engine.calls.arguments(path, engine.require_graph(path), node)
    )


def _alias(engine: TypeEngine, path: str, node: int) -> object:
    return engine.memo(("alias", path, node), lambda: engine.annotations.evaluated(path, node))


# used answers a later run can ask again by key (the others are found in the memo or not at all)
ASK_AGAIN: dict[str, Callable[[TypeEngine, str, int], object]] = {
    "class-info": lambda engine, path, node: engine.classes.info(path, node),
    "class-type": lambda engine, path, node: engine.classes.class_type(path, node),
    "is-class": lambda engine, path, node: engine.classes.is_class_at(path, node),
    "value": _value,
    "annotation": lambda engine, path, node: engine.annotations.evaluate(path, node),
    "declared": lambda engine, path, node: engine.names.declared_type(path, (node,)),
    "ways": lambda engine, path, node: _ways(engine, path, node, False),
    "ways-bound": lambda engine, path, node: _ways(engine, path, node, True),
    "callee-shape": lambda engine, path, node: _callee_shape(engine, path, node),
    "return": lambda engine, path, node: engine.calls.declared_or_inferred_return(path, node),
    "param": lambda engine, path, node: engine.calls.parameter_type(path, node),
    "param-evidence": lambda engine, path, node: engine.calls.evidence(path, node),
    "symbol": lambda engine, path, sid: engine.names.symbol_value(path, sid),
    "def": lambda engine, path, node: engine.names.definition_type(path, node),
    "expr": lambda engine, path, node: engine.exprs.type_of(path, node),
    "use": lambda engine, path, node: engine.names.reaching_value(path, node),
    "store": lambda engine, path, node: engine.classes.attribute_store_type(path, node),
    "binding": _binding,
    "alias": _alias,
    "plain-definition": _plain_definition,
    "site-arg": _site_arg,
    "plain-result": _plain_result,
    "site-arguments": _site_arguments,
}
# used answers worked out outside the memo (:meth:`.reads.ReadLog.outside`): a later run
# works them out again, which keeps them in the log again
ASK_OUTSIDE: dict[str, Callable[[TypeEngine, str, object], object]] = {
    RESOLVE: lambda engine, module, name: engine.resolve_name(module, str(name)),
    "linked": lambda engine, path, node: isinstance(node, int) and engine.callsites.linked(path, node),
    "argument-list": lambda engine, path, node: isinstance(node, int) and engine.callsites.argument_list(path, node),
}


def same_node(path: str, node: int) -> int:
    return node


class Unwritable(Exception):
    """Internal: a value or key :func:`fingerprint` cannot write down."""


def fingerprint(
    value: object, node_of: NodeOf, *, bare_numbers: bool = True, is_changed: Callable[[str], bool] | None = None
) -> str | None:
    """A hash of ``value`` with each (file, node) it names written as ``node_of``
    gives it; ``None`` when it cannot be written down: with ``bare_numbers``
    False, a number outside a (file, node) pair (it may name a node); a number
    beside the file of a value that names a file ``is_changed`` says changed
    (a call-site context's function, its bytes)."""
    parts: list[str] = []
    try:
        _write(value, node_of, bare_numbers, parts, is_changed)
    except Unwritable:
        return None
    return blake2b("\x1f".join(parts).encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


def _write(
    value: object, node_of: NodeOf, bare: bool, out: list[str], is_changed: Callable[[str], bool] | None = None
) -> None:
    if value is None or isinstance(value, (bool, str, float)):
        out.append(repr(value))
    elif isinstance(value, int):
        if not bare:
            raise Unwritable
        out.append(str(value))
    elif isinstance(value, FunctionRef):
        out.append(f"F{value.path!r}:{_node(node_of, value.path, value.node)}")
        _write(value.bound, node_of, bare, out, is_changed)
    elif isinstance(value, CallableType):
        out.append("C" if value.origin is None else f"C{value.origin[0]!r}:{_node(node_of, *value.origin)}")
        _write(value.params, node_of, bare, out, is_changed)
        _write(value.ret, node_of, bare, out, is_changed)
    elif isinstance(value, (tuple, list)):
        out.append(f"({len(value)}")
        for item in value:
            _write(item, node_of, bare, out, is_changed)
    elif isinstance(value, dict):  # in order: a class's members are read in order
        out.append(f"M{len(value)}")
        for key, item in value.items():
            _write(key, node_of, bare, out, is_changed)
            _write(item, node_of, bare, out, is_changed)
    elif isinstance(value, (frozenset, set)):
        items = []
        for item in value:
            sub: list[str] = []
            _write(item, node_of, bare, sub, is_changed)
            items.append("\x1f".join(sub))
        out.append(f"{{{len(items)}")
        out.extend(sorted(items))
    elif isinstance(value, enum.Enum):
        out.append(f"E{type(value).__name__}.{value.name}")
    elif isinstance(value, Path):
        out.append(f"P{value}")
    elif is_dataclass(value) and not isinstance(value, type):
        _write_dataclass(value, node_of, bare, out, is_changed)
    else:
        raise Unwritable


def _write_dataclass(
    value: object, node_of: NodeOf, bare: bool, out: list[str], is_changed: Callable[[str], bool] | None
) -> None:
    # the fields equality compares (not a kept hash, ``ClassType._hash``)
    names = [f.name for f in fields(value) if f.compare]  # type: ignore[arg-type]
    out.append(f"D{type(value).__name__}")
    path = getattr(value, "path", None) if "path" in names else None
    # nodes of a file: Definition, a class's info, a member's definitions, a signature
    placed = path is not None and ("node" in names or "nodes" in names)
    # other numbers beside a changed file may be its nodes or bytes: not comparable
    exact = bare and not (path is not None and is_changed is not None and is_changed(str(path)))
    for name in names:
        part = getattr(value, name)
        if placed and name == "node" and isinstance(part, int):
            out.append(str(_node(node_of, str(path), part)))
        elif placed and name == "nodes" and isinstance(part, tuple):
            out.append(f"N{len(part)}")
            out.extend(str(_node(node_of, str(path), n)) for n in part)
        else:
            _write(part, node_of, exact, out, is_changed)


def _node(node_of: NodeOf, path: str, node: int) -> int:
    found = node_of(path, node)
    if found is None:
        raise Unwritable
    return found


def key_of(key: tuple) -> list | None:
    """A memo key as JSON (``None``: one with a call-site context or another value)."""
    if not all(isinstance(part, (str, int)) and not isinstance(part, bool) for part in key):
        return None
    return list(key)


class NodeMap:
    """The nodes (and symbols) of a file's old graph matched to its new graph's:
    the same kind over the same bytes, outside the bytes the edit changed (the
    longest common prefix and suffix of the two texts)."""

    def __init__(self, old: ProgramGraph, new: ProgramGraph) -> None:
        a, b = old.source.data, new.source.data
        prefix = _common_prefix(a, b)
        suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
        delta = len(b) - len(a)
        new_edge = len(b) - suffix  # new bytes from here on are the old ones ``delta`` earlier

        def old_start(x: int) -> int | None:
            return x if x < prefix else x - delta if x >= new_edge else None

        def old_end(x: int, contains: bool) -> int | None:
            # a node that ends where the unchanged suffix starts: one the edit is inside of
            return x if x <= prefix else x - delta if x > new_edge or contains and x == new_edge else None

        olds = _by_place(old.kinds, old.start_bytes, old.end_bytes)
        self.to_old: dict[int, int] = {}
        for j, (kind, start, end) in enumerate(zip(new.kinds, new.start_bytes, new.end_bytes)):
            s, e = old_start(start), old_end(end, start < prefix)
            i = olds.get((kind, s, e)) if s is not None and e is not None else None
            if i is not None:
                self.to_old[j] = i
        self.to_new = {i: j for j, i in self.to_old.items()}
        if len(self.to_new) != len(self.to_old):  # two new nodes on one old one: trust neither
            self.to_new = {}
            self.to_old = {}
        self._old, self._new = old, new
        self._symbols: dict[tuple[int, str], int] | None = None

    def symbol_to_new(self, sid: int) -> int | None:
        """The new graph's symbol of the old graph's symbol ``sid`` (same name, matched scope)."""
        old, new = self._old, self._new
        if not 0 <= sid < len(old.symbols):
            return None
        sym = old.symbols[sid]
        scope = old.scopes[sym.scope].node if sym.scope >= 0 else -1
        target = self.to_new.get(scope) if scope >= 0 else -1
        if target is None:
            return None
        if self._symbols is None:
            self._symbols = {(new.scopes[c.scope].node if c.scope >= 0 else -1, c.name): c.id for c in new.symbols}
        return self._symbols.get((target, sym.name))


def _common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n  # a[:low] == b[:low], a[:high] != b[:high]
    while high - low > 1:
        mid = (low + high) // 2
        if a[low:mid] == b[low:mid]:
            low = mid
        else:
            high = mid
    return low


def _by_place(kinds, starts, ends) -> dict[tuple, int]:
    """Each (kind, start, end) of one node only, to its node."""
    found: dict[tuple, int] = {}
    twice: set[tuple] = set()
    for i, place in enumerate(zip(kinds, starts, ends)):
        if place in found:
            twice.add(place)
        found[place] = i
    for place in twice:
        del found[place]
    return found
