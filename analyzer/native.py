"""typelens.analyzer.native: the class options the mypyc build reads, in pure Python.

``tools/mypyc-build`` compiles the core's top-level modules.  A compiled class
refuses an interpreted subclass ("interpreted classes cannot inherit from
compiled") unless it is marked, and the TypeScript side (not compiled) extends a
few of them (``ScriptGraph(ProgramGraph)``, ``ScriptCfg(CfgArrays)``...).  A
module marks such a class with ``mypy_extensions.mypyc_attr``, imported for mypy
alone, and takes this identity decorator at run time::

    if TYPE_CHECKING:
        from mypy_extensions import mypyc_attr
    else:
        from .native import mypyc_attr

    @mypyc_attr(allow_interpreted_subclasses=True)
    class ProgramGraph: ...

mypyc reads the decorator while it compiles and drops it (the ``else`` is
unreachable to mypy, so the compiled module imports nothing), and pure Python
calls this one, which returns the class unchanged: ``mypy_extensions`` is needed
only where mypy runs.
"""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def mypyc_attr(*attrs: str, **kwattrs: object) -> Callable[[T], T]:
    """The class (or function) unchanged: the options are mypyc's alone."""
    return _unchanged


def _unchanged(target: T) -> T:
    return target
