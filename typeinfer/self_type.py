"""``Self`` returns: a method that builds an instance of whatever class it is called on.

A classmethod that returns ``cls(...)``, or a method that returns ``type(self)(...)``
or ``self.__class__(...)``, returns an instance of the receiver's own class: a
subclass's when it is called on one.  The annotation that says so is ``Self``
(PEP 673), which is what pyright infers for such a method.  Only the predicted
annotation says ``Self``: a call still gets the class it is made on from the engine.
A method that only returns ``self`` keeps the class's name, the way most code and
the stubs write ``__enter__``; in a generic class that name carries the class's own
type parameters (``ProgressBar[V]``), as ``self`` has them inside the class.

Example::

    class Version:
        @classmethod
        def parse(cls, text):       # return: Self
            made = cls(text)
            return made

        def with_text(self, text):  # return: Self
            if text == self.text:
                return self
            return type(self)(text)

        def __enter__(self):        # return: Version
            return self
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typelens.analyzer import EdgeKind, ProgramGraph, ScopeKind

from .callables import _falls_through, is_generator, signature
from .classes import decorator_names
from .types import ClassType, Type, is_known, known_part

if TYPE_CHECKING:
    from .engine import TypeEngine

SELF = ClassType("Self")  # as a predicted annotation shows it (the engine never sees it)
_MAX_HOPS = 4  # ``a = cls(); b = a; return b``: names followed back this far


def as_annotated(engine: TypeEngine, path: str, function: int, returned: Type) -> Type:
    """``returned``, the inferred return of ``function``, as its annotation writes it:
    ``Self`` for an instance made from the receiver's class, the class with its own
    type parameters for ``return self`` in a generic class; else unchanged."""
    g = engine.require_graph(path)
    kind = self_return(g, function)
    if kind is None:
        return returned
    owner = g.scopes[g.scope_of[function]].node
    cls = engine.classes.class_type(path, owner)
    is_own = isinstance(returned, ClassType) and returned.name == cls.name
    if kind == "made":
        return SELF if is_own or not is_known(known_part(returned)) else returned
    params = engine.classes.info(path, owner).type_params
    return ClassType(cls.name, tuple(ClassType(p) for p in params)) if is_own and params else returned


def receiver_name(g: ProgramGraph, function: int) -> str | None:
    """The first parameter of a method (``self`` / ``cls``), ``None`` for a plain or static def."""
    if g.scopes[g.scope_of[function]].kind is not ScopeKind.CLASS or "staticmethod" in decorator_names(g, function):
        return None
    params = signature(g, function)
    return params[0].name if params and params[0].kind == "positional" else None


def self_return(g: ProgramGraph, function: int, depth: int = 0) -> str | None:
    """``made`` when every value ``function`` returns is its receiver or an instance
    made from the receiver's class, and at least one is made (its annotation is
    ``Self``); ``receiver`` when it returns only its receiver; else ``None``."""
    receiver = receiver_name(g, function)
    scope = g.scope_defined_by(function)
    if receiver is None or scope is None or g.names.get(function) == "__new__" or is_generator(g, function):
        return None
    if _falls_through(g, scope.exit):
        return None
    is_class = "classmethod" in decorator_names(g, function)
    kinds = set()
    for ret in g.predecessors(function, EdgeKind.RETURN):
        if g.kinds[ret] != "return_statement":
            continue
        kids = g.children(ret)
        kinds.add(_origin(g, kids[0], receiver, is_class, depth) if kids else None)
    if not kinds or not kinds <= {"made", "receiver"}:
        return None
    return "made" if "made" in kinds else "receiver"


def _origin(g: ProgramGraph, node: int, receiver: str, is_class: bool, depth: int = 0) -> str | None:
    """``made`` for an instance built from the receiver's class, ``receiver`` for the
    receiver itself (an instance method's), ``None`` for anything else."""
    for _ in range(_MAX_HOPS):
        kind = g.kinds[node]
        if kind == "parenthesized_expression" and g.children(node):
            node = g.children(node)[0]
            continue
        if kind == "call":
            callee = g.child_by_field(node, "function")
            return "made" if callee is not None and _makes(g, node, callee, receiver, is_class, depth) else None
        if kind != "name_load":
            return None
        if g.text(node) == receiver:
            return None if is_class else "receiver"
        value = _single_assigned_value(g, node)
        if value is None:
            return None
        node = value
    return None


def _makes(g: ProgramGraph, call: int, callee: int, receiver: str, is_class: bool, depth: int) -> bool:
    """Whether the call builds an instance of the receiver's class: ``cls(...)``,
    ``type(self)(...)``, ``self.__class__.__new__(self.__class__)``, or a call of a
    method of the same class that itself returns ``Self`` (``cls._from_dict(d)``)."""
    text = "".join(g.text(callee).split())
    classes = (receiver,) if is_class else (f"type({receiver})", f"{receiver}.__class__")
    if text in classes or text in tuple(c + ".__new__" for c in classes):
        return True
    prefix = f"{receiver}."
    if depth >= _MAX_HOPS or not text.startswith(prefix) or not text[len(prefix) :].isidentifier():
        return False
    method = _sibling_method(g, call, text[len(prefix) :])
    return method is not None and self_return(g, method, depth + 1) == "made"


def _sibling_method(g: ProgramGraph, node: int, name: str) -> int | None:
    """The one def named ``name`` in the class whose method holds ``node``."""
    scope = g.scopes[g.scope_of[node]]
    while scope.kind is not ScopeKind.CLASS and scope.parent >= 0:
        scope = g.scopes[scope.parent]
    found = [s.node for s in g.scopes if s.parent == scope.id and s.kind is ScopeKind.FUNCTION and s.name == name]
    return found[0] if scope.kind is ScopeKind.CLASS and len(found) == 1 else None


def _single_assigned_value(g: ProgramGraph, use: int) -> int | None:
    """The value of the one plain assignment ``x = value`` that reaches ``use``."""
    defs = g.predecessors(use, EdgeKind.DFG)
    if len(defs) != 1:
        return None
    store = defs[0]
    parent = g.parents[store]
    if parent < 0 or g.kinds[parent] != "assignment" or g.child_by_field(parent, "left") != store:
        return None
    return g.child_by_field(parent, "right")
