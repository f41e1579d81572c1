"""typelens.analyzer.native: the class options the mypyc build reads, in pure Python.

``tools/mypyc-build`` compiles the core's top-level modules.  A compiled class
refuses an interpreted subclass ("interpreted classes cannot inherit from
compiled") unless it is marked, and the TypeScript side (not compiled) extends a
few of them (``ScriptGraph(ProgramGraph)``, ``ScriptCfg(CfgArrays)``...).  A
module marks such a class with ``mypy_extensions.mypyc_attr`` where that is
installed (mypy brings it, so wherever mypyc builds) and with this identity
decorator elsewhere::

    try:
        from mypy_extensions import mypyc_attr
    except ImportError:
        from .native import mypyc_attr  # type: ignore[assignment]

    @mypyc_attr(allow_interpreted_subclasses=True)
    class ProgramGraph: ...

mypyc reads the decorator while it compiles and leaves it out of the compiled
class; pure Python calls it, and both return the class unchanged, so the wheel
needs no ``mypy_extensions`` at run time.  (An ``if TYPE_CHECKING: ... else:``
import does not do: mypyc compiles the ``else``, unreachable to mypy, as a
"Reached allegedly unreachable code" error.)
"""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def mypyc_attr(*attrs: str, **kwattrs: object) -> Callable[[T], T]:
    """The class (or function) unchanged: the options are mypyc's alone."""
    return _unchanged


def _unchanged(target: T) -> T:
    return target
