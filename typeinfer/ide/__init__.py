"""The editor's questions, answered in the core with byte offsets (as ty's
``ty_ide``): one module per feature, each taking a
:class:`~typelens.typeinfer.session.FileAnalysis`.

- :mod:`.hover`: the name, type, signature and docstring under the cursor;
- :mod:`.navigation`: go to definition;
- :mod:`.annotate`: inlay hints and the "add annotation" edits;
- :mod:`.completion`: members after a dot, keyword names inside a call.

The language server (``typelens.lsp``) only converts positions and JSON-RPC.

Example::

    analysis = AnalysisSession(root).analyse(path)
    hover(analysis, offset).type          # 'list[str]'
"""

from .annotate import Hint, annotate, inlay_hints
from .completion import CompletionEntry, completions
from .hover import HoverInfo, hover
from .navigation import definition

__all__ = ["CompletionEntry", "Hint", "HoverInfo", "annotate", "completions", "definition", "hover", "inlay_hints"]
