"""Package attributes loaded on first use (PEP 562), for the packages' ``__init__`` files.

A package that re-exports its modules' names would import all of them (the
parser, the grammars, the graph builder) as soon as any one is asked for:
``from typelens.analyzer import InputError`` would cost a tenth of a second.
:func:`lazy_attributes` gives the package a module ``__getattr__`` that imports
a name's module when the name is first read, and keeps the value in the
package's namespace so that the next read is a plain lookup.

Example::

    # in a package's __init__.py; the TYPE_CHECKING block imports the same names for mypy
    __getattr__, __dir__ = lazy_attributes(__name__, globals(), {"build_graph": ".builder"})
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Callable

logger = logging.getLogger(__name__)


def lazy_attributes(
    package: str, namespace: dict[str, Any], homes: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose ``namespace`` is its
    ``globals()``: each name of ``homes`` comes from the module named there,
    relative to the package (``.builder``; ``..layout`` for a sibling's)."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__
