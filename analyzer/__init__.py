"""typelens.analyzer: the program as written.

A tour, from bytes to graphs:

* :mod:`.source` decodes bytes safely (PEP 263 encodings, binary files, NUL bytes,
  size limits) into a :class:`Source`;
* :mod:`.parsing` parses with tree-sitter, whole-file or incrementally
  (:class:`Document`);
* :mod:`.builder` runs the passes (:mod:`.syntax`, :mod:`.scopes`, :mod:`.cfg`,
  :mod:`.dataflow`, :mod:`.calls`) into a read-only :class:`ProgramGraph`;
* :mod:`.project` resolves modules and names across files, installed packages and
  typeshed stubs; :mod:`.project_graph` joins per-file graphs with cross-file edges;
* :mod:`.slices` extracts usage slices; :mod:`.export` writes JSON, GraphML, DOT
  and networkx (`to_networkx` needs the `graph` extra).

Example::

    >>> from typelens.analyzer import build_graph, slice_of
    >>> g = build_graph("def f(x):\\n    return x\\ny = f(1)\\n")
    >>> [item.role for item in slice_of(g, g.find_symbol("x", "f"))]
    ['def', 'use', 'arg']

Nothing here imports torch, transformers or pygls, and nothing executes the code
it reads.  The names above are loaded on first use (PEP 562): ``from
typelens.analyzer import InputError`` imports ``.errors`` alone, not the parser,
so that a command answered from the result cache starts without tree-sitter.
When a fresh mypyc build exists, :mod:`.compiled` puts its folder first on
``__path__``.
"""

from typing import TYPE_CHECKING

from .compiled import extend_path
from .lazy import lazy_attributes

extend_path(__path__, "analyzer")

if TYPE_CHECKING:  # what the names are; at run time __getattr__ imports each module on first use
    from .builder import GraphConfig, build_graph, build_graph_from_path, build_graph_safely
    from .codes import CODES, Severity
    from .errors import InputError, ModelError, ResolutionError, TypelensError
    from .export import graph_to_dict, to_dot, to_graphml, to_networkx
    from .graph import EdgeKind, ImportBinding, ProgramGraph, Scope, ScopeKind, Symbol, SymbolKind
    from .layout import iter_python_files, project_scope
    from .parsing import Document
    from .project import Definition, ModuleLocation, ProjectIndex
    from .project_graph import ProjectGraph, build_project_graph
    from .slices import SliceItem, slice_of
    from .source import Source, source_from_bytes, source_from_path, source_from_text
    from .spans import Diagnostic, Span

__all__ = [
    "CODES",
    "Definition",
    "Diagnostic",
    "Document",
    "EdgeKind",
    "GraphConfig",
    "ImportBinding",
    "InputError",
    "ModelError",
    "ModuleLocation",
    "ProgramGraph",
    "ProjectGraph",
    "ProjectIndex",
    "ResolutionError",
    "Scope",
    "ScopeKind",
    "Severity",
    "SliceItem",
    "Source",
    "Span",
    "Symbol",
    "SymbolKind",
    "TypelensError",
    "build_graph",
    "build_graph_from_path",
    "build_graph_safely",
    "build_project_graph",
    "graph_to_dict",
    "iter_python_files",
    "project_scope",
    "slice_of",
    "source_from_bytes",
    "source_from_path",
    "source_from_text",
    "to_dot",
    "to_graphml",
    "to_networkx",
]

# the module each name of __all__ comes from
_HOMES = {
    **dict.fromkeys(("GraphConfig", "build_graph", "build_graph_from_path", "build_graph_safely"), ".builder"),
    **dict.fromkeys(("CODES", "Severity"), ".codes"),
    **dict.fromkeys(("InputError", "ModelError", "ResolutionError", "TypelensError"), ".errors"),
    **dict.fromkeys(("graph_to_dict", "to_dot", "to_graphml", "to_networkx"), ".export"),
    **dict.fromkeys(
        ("EdgeKind", "ImportBinding", "ProgramGraph", "Scope", "ScopeKind", "Symbol", "SymbolKind"), ".graph"
    ),
    **dict.fromkeys(("iter_python_files", "project_scope"), ".layout"),
    "Document": ".parsing",
    **dict.fromkeys(("Definition", "ModuleLocation", "ProjectIndex"), ".project"),
    **dict.fromkeys(("ProjectGraph", "build_project_graph"), ".project_graph"),
    **dict.fromkeys(("SliceItem", "slice_of"), ".slices"),
    **dict.fromkeys(("Source", "source_from_bytes", "source_from_path", "source_from_text"), ".source"),
    **dict.fromkeys(("Diagnostic", "Span"), ".spans"),
}

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _HOMES)
