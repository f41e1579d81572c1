"""The editor's questions, answered in the core with byte offsets (as ty's
``ty_ide``): one module per feature, each taking a
:class:`~typelens.typeinfer.session.FileAnalysis`.

- :mod:`.hover`: the kind, type, full signature and docstring under the cursor;
- :mod:`.navigation`: go to definition and to type definition;
- :mod:`.annotate`: inlay hints and the "add annotation" edits;
- :mod:`.completion`: members after a dot, names after ``from m import``,
  keyword names inside a call, docstrings resolved lazily;
- :mod:`.signature_help`: the call's signatures and the active parameter;
- :mod:`.symbols`: the outline and the project's symbols by name;
- :mod:`.references`: references, highlights and rename;
- :mod:`.semantic_tokens`: what each identifier is;
- :mod:`.signatures`: signatures and docstrings as all of them show them.

The language server (``typelens.lsp``) only converts positions and JSON-RPC.

Example::

    analysis = AnalysisSession(root).analyse(path)
    hover(analysis, offset).signature     # 'def run(names: list[str]) -> float'
"""

from .annotate import Hint, annotate, inlay_hints
from .completion import CompletionEntry, completions, resolve
from .hover import HoverInfo, hover
from .navigation import definition, type_definition
from .references import Reference, RenameRefused, highlights, prepare_rename, references, rename
from .semantic_tokens import TOKEN_MODIFIERS, TOKEN_TYPES, Token, semantic_tokens
from .signature_help import SignatureHelp, SignatureLabel, signature_help
from .symbols import OutlineItem, SymbolInfo, document_symbols, workspace_symbols

__all__ = [
    "CompletionEntry",
    "Hint",
    "HoverInfo",
    "OutlineItem",
    "Reference",
    "RenameRefused",
    "SignatureHelp",
    "SignatureLabel",
    "SymbolInfo",
    "TOKEN_MODIFIERS",
    "TOKEN_TYPES",
    "Token",
    "annotate",
    "completions",
    "definition",
    "document_symbols",
    "highlights",
    "hover",
    "inlay_hints",
    "prepare_rename",
    "references",
    "rename",
    "resolve",
    "semantic_tokens",
    "signature_help",
    "type_definition",
    "workspace_symbols",
]
