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

from .engine import TypeEngine
from .types import NONE, ClassType, Type, members

logger = logging.getLogger(__name__)

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
        if answer is False:
            lacking.append(item)
    return lacking


def module_lacks(engine: TypeEngine, module: str, name: str) -> bool:
    """Whether module ``module`` certainly has no attribute ``name``."""
    if name.startswith("__") and name.endswith("__"):
        return False  # __file__, __path__, __spec__ ...: every module's
    index = engine.index
    if index.resolve_module(f"{module}.{name}") is not None or engine.resolve_name(module, name) is not None:
        return False
    location = index.resolve_module(module)
    if location is None or location.path is None:
        return False
    path = str(location.path)
    g = engine.graph(path)
    if g is None or g.find_symbol(name) is not None or g.find_symbol("__getattr__") is not None:
        return False
    if any(binding.bound == "*" for binding in g.imports):
        return False
    return path.endswith(".pyi") or not any(marker in g.source.data for marker in _DYNAMIC_NAMESPACE)
