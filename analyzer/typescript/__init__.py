"""typelens.analyzer.typescript: TypeScript and JavaScript as written.

The same rooms as Python's side of the analyzer, for ``.ts``, ``.tsx``, ``.mts``,
``.cts``, ``.d.ts``, ``.js``, ``.jsx``, ``.mjs`` and ``.cjs`` files:

* :mod:`.parsing` picks the grammar by suffix and parses (incrementally in
  :class:`ScriptDocument`);
* :mod:`.builder` runs the passes (:mod:`.syntax`, :mod:`.scopes` with
  :mod:`.bindings`, :mod:`.cfg`, :mod:`.dataflow`, :mod:`.calls`) into a
  :class:`ScriptGraph`, a :class:`~typelens.analyzer.graph.ProgramGraph`;
* :mod:`.resolve` turns module specifiers into files (relative paths, index
  files, ``package.json``, ``tsconfig.json`` ``paths``/``baseUrl``,
  ``node_modules`` and ``@types``); :mod:`.project` keeps the graphs of a project
  and resolves exported names; :mod:`.project_graph` adds the cross-file edges.

Example::

    >>> from typelens.analyzer.typescript import build_script_graph
    >>> g = build_script_graph("const x = 1; export { x };", "m.ts")
    >>> [g.kinds[n] for n in g.symbols[0].definitions]
    ['name_store']

Nothing here runs the code it reads, nor node.  The names above load on first
use (:mod:`typelens.analyzer.lazy`): ``is_script`` needs no grammar.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:  # what the names are; at run time __getattr__ imports each module on first use
    from ..layout import SCRIPT_SUFFIXES, dialect_of, is_declaration_file, is_script
    from .builder import ScriptGraph, build_script_graph, build_script_graph_safely
    from .parsing import ScriptDocument

__all__ = [
    "SCRIPT_SUFFIXES",
    "ScriptDocument",
    "ScriptGraph",
    "build_script_graph",
    "build_script_graph_safely",
    "dialect_of",
    "is_declaration_file",
    "is_script",
]

_HOMES = {
    **dict.fromkeys(("ScriptGraph", "build_script_graph", "build_script_graph_safely"), ".builder"),
    "ScriptDocument": ".parsing",
    **dict.fromkeys(("SCRIPT_SUFFIXES", "dialect_of", "is_declaration_file", "is_script"), "..layout"),
}
__getattr__, __dir__ = lazy_attributes(__name__, globals(), _HOMES)
