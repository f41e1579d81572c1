"""``union-attr`` and ``module-attr``: attributes read where they cannot exist.

* ``union-attr``: ``acct.balanse`` where ``acct: Account | Savings`` and some
  member lacks the name.  Only when every member (``None`` aside, which is
  ``optional-member-access``'s) is a class whose MRO is fully known.
* ``module-attr``: ``json.lods`` where ``json`` is a module that defines no
  ``lods`` under any condition (every ``if sys.platform``/``version_info`` branch
  counts), has no submodule of that name, no module ``__getattr__``, no
  ``from x import *`` and, for a source module, no dynamic namespace
  (``globals()``, ``sys.modules``, ``setattr``, ``exec``).

Example::

    import json
    json.lods("{}")            # module-attr: module 'json' has no attribute 'lods'
    acct = Account() if c else Savings()
    acct.rate                  # union-attr: 'Account' (of Account | Savings) has no attribute 'rate'
"""

from __future__ import annotations

import logging
import re
import sysconfig
from pathlib import Path

from typelens.analyzer import ProgramGraph, SymbolKind

from .check_arity import bases_named, has_plain_metaclass, is_decorated, signatures_of_function
from .engine import TypeEngine
from .types import NONE, ClassType, FunctionRef, Type, members

logger = logging.getLogger(__name__)

_STAR_IMPORT = re.compile(rb"^\s*from\s+([\w.]+)\s+import\s+\*", re.MULTILINE)
_DYNAMIC_SELF = (b"setattr(self", b"self.__dict__", b"vars(self)", b"setattr(cls", b"cls.__dict__")
_DYNAMIC_NAMESPACE = (b"globals()", b"sys.modules", b"setattr(", b"exec(", b"vars()", b"__getattr__", b"__dict__")


def union_lacking(engine: TypeEngine, receiver: Type, name: str) -> list[ClassType]:
    """The members of a union (``None`` aside) that certainly lack ``name``; empty
    when the receiver is not a union of fully known classes."""
    items = [m for m in members(receiver) if m != NONE]
    if len(items) < 2 or not all(isinstance(m, ClassType) for m in items):
        return []
    lacking = []
    for item in items:
        assert isinstance(item, ClassType)
        answer = engine.classes.has_member(item, name)
        if answer is None:
            return []
        if answer is False and not is_open_class(engine, item, name):
            lacking.append(item)
    return lacking


def module_lacks(engine: TypeEngine, module: str, name: str) -> bool:
    """Whether module ``module`` certainly has no attribute ``name``."""
    if name.startswith("__") and name.endswith("__"):
        return False  # __file__, __path__, __spec__ ...: every module's
    index = engine.index
    if engine.resolve_name(module, name) is not None or index.resolve_module(f"{module}.{name}") is not None:
        return False  # the module's own names first: one lookup, where a submodule is a search
    location = index.resolve_module(module)
    if location is None or location.path is None:
        return False
    path = str(location.path)
    if name.startswith("_") and path.endswith(".pyi"):
        return False  # stubs leave most private names out
    g = engine.graph(path)
    if g is None or g.find_symbol(name) is not None or g.find_symbol("__getattr__") is not None:
        return False
    if any(binding.bound == "*" for binding in g.imports):
        return False
    if path.endswith(".pyi"):
        return not _runtime_may_define(engine, module, name)
    return not any(marker in g.source.data for marker in _DYNAMIC_NAMESPACE)


def _runtime_may_define(engine: TypeEngine, module: str, name: str) -> bool:
    """Whether a stdlib stub's module source may define ``name`` all the same: it
    mentions the name, or star-imports a module that defines it (``tty.py`` does
    ``from termios import *``, which its stub leaves out)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    relative = Path(*module.split("."))
    for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
        try:
            data = candidate.read_bytes()
        except OSError:
            continue
        if re.search(rb"\b%s\b" % re.escape(name.encode()), data) is not None:
            return True
        starred = _STAR_IMPORT.findall(data)
        return any(engine.resolve_name(m.decode(), name) is not None for m in starred if m.decode() != module)
    return False


def is_open_class(engine: TypeEngine, cls: ClassType, name: str) -> bool:
    """Whether ``cls`` may have ``name`` although no class body declares it: bound
    under some condition, added by a decorator or a metaclass, a base written as
    an alias (``class T(_Base)``, ``_Base = namedtuple(...)``), attributes set
    through ``setattr(self, ...)``/``self.__dict__``, or ``C.name = ...`` stored in
    the file of a class of the MRO (``Logger.manager = Manager(...)``)."""
    if cls.name == "tuple" or declared_anywhere(engine, cls, name) or is_decorated(engine, cls):
        return True
    for _view, info in engine.classes.mro(cls):
        g = engine.graph(info.path)
        if g is None or not bases_named(g, info.node, info.bases) or not has_plain_metaclass(g, info.node):
            return True
        data, start, end = g.source.data, g.start_bytes[info.node], g.end_bytes[info.node]
        if any(data.find(marker, start, end) >= 0 for marker in _DYNAMIC_SELF) or _stores(g, name):
            return True
    return False


def _stores(g: ProgramGraph, name: str) -> bool:
    """``X.name = ...`` with ``X`` not ``self``/``cls`` (those belong to their class)."""
    return any(g.text(g.children(n)[0]) not in ("self", "cls") for n in g.attribute_stores().get(name, ()))


def declared_anywhere(engine: TypeEngine, cls: ClassType, name: str) -> bool:
    """Whether some class of the MRO binds ``name`` in its body under any condition
    (``if sys.platform == "win32":`` in a stub, which the live view leaves out)."""
    for _view, info in engine.classes.mro(cls):
        g = engine.graph(info.path)
        scope = g.scope_defined_by(info.node) if g is not None else None
        if scope is not None and g is not None and g.find_symbol(name, scope.qualname) is not None:
            return True
    return False


def is_declared(engine: TypeEngine, path: str, g: ProgramGraph, node: int) -> bool:
    """Whether the type of ``node`` is declared rather than inferred: a call of a
    function with a return annotation, an annotated parameter, or a variable
    every assignment of which is annotated or such a call."""
    kind = g.kinds[node]
    if kind == "call":
        return _declares_return(engine, engine.exprs.type_of(path, g.child_by_field(node, "function")))
    sym = g.symbol_at(node) if kind == "name_load" else None
    if sym is None or not sym.definitions:
        return False
    if sym.kind is SymbolKind.PARAMETER:
        return all(g.kinds[g.parents[d]] in ("typed_parameter", "typed_default_parameter") for d in sym.definitions)
    if sym.kind is not SymbolKind.VARIABLE:
        return False
    for definition in sym.definitions:
        parent = g.parents[definition]
        if g.kinds[parent] != "assignment" or g.child_by_field(parent, "left") != definition:
            return False
        right = g.child_by_field(parent, "right")
        if g.child_by_field(parent, "type") is None and (right is None or not is_declared(engine, path, g, right)):
            return False
    return True


def _declares_return(engine: TypeEngine, callee: Type) -> bool:
    if not isinstance(callee, FunctionRef):
        return False
    ways = signatures_of_function(engine, callee)
    return ways is not None and len(ways) == 1 and engine.calls.declared_return(callee.path, callee.node) is not None
