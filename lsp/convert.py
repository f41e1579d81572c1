"""Core answers (byte offsets) as LSP values, in the negotiated position encoding.

Every range the server sends goes through :func:`lsp_range` with the
:class:`~.positions.LineIndex` of the very text the offsets index (a pinned
document version, or the file as the analysis read it), so no answer is ever
converted against a newer or older text.

Example::

    lines = LineIndex("s = '😀'\\n".encode())
    lsp_range(lines, 4, 10, Encoding.UTF16)      # Range((0, 4), (0, 7))
    lsp_range(lines, 4, 10, Encoding.UTF8)       # Range((0, 4), (0, 10))
"""

from __future__ import annotations

from lsprotocol import types

from .positions import Encoding, LineIndex
from .workspace import Place

SYMBOL_KIND = {
    "class": types.SymbolKind.Class,
    "function": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "property": types.SymbolKind.Property,
    "variable": types.SymbolKind.Variable,
    "constant": types.SymbolKind.Constant,
    "field": types.SymbolKind.Field,
    "interface": types.SymbolKind.Interface,
    "type": types.SymbolKind.TypeParameter,
    "enum": types.SymbolKind.Enum,
}
COMPLETION_KIND = {
    "method": types.CompletionItemKind.Method,
    "function": types.CompletionItemKind.Function,
    "property": types.CompletionItemKind.Property,
    "field": types.CompletionItemKind.Field,
    "variable": types.CompletionItemKind.Variable,
    "class": types.CompletionItemKind.Class,
    "module": types.CompletionItemKind.Module,
    "module-member": types.CompletionItemKind.Reference,
    "keyword-argument": types.CompletionItemKind.Variable,
    "guided": types.CompletionItemKind.Snippet,
}


def lsp_position(lines: LineIndex, offset: int, encoding: Encoding) -> types.Position:
    line, column = lines.position(offset, encoding)
    return types.Position(line, column)


def lsp_range(lines: LineIndex, start: int, end: int, encoding: Encoding) -> types.Range:
    (sl, sc), (el, ec) = lines.range(start, end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def byte_offset(lines: LineIndex, position: types.Position, encoding: Encoding) -> int:
    return lines.offset(position.line, position.character, encoding)


def locations(place: Place | None, encoding: Encoding) -> list[types.Location]:
    if place is None:
        return []
    return [types.Location(place.uri, lsp_range(place.lines, start, end, encoding)) for start, end, _ in place.ranges]


def text_document_edit(place: Place, encoding: Encoding) -> types.TextDocumentEdit:
    """The edits of ``place`` (``(start, end, new text)``) for the version they were computed on."""
    edits = [types.TextEdit(lsp_range(place.lines, start, end, encoding), text) for start, end, text in place.ranges]
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=place.uri, version=place.version), edits=edits
    )


def hover_markdown(info) -> str:
    """pyright's layout: ``(kind) signature`` or ``(kind) name: type`` in a code
    block, one line saying where an inferred type comes from, the docstring."""
    if info.kind == "property" and info.type:
        heads = [f"(property) {info.name}: {info.type}"]
    elif info.signatures and info.kind in ("function", "method", "class", "property"):
        heads = [f"({info.kind}) {s}" for s in info.signatures]
    elif info.kind == "module":
        heads = [f"(module) {info.name}"]
    else:
        heads = [f"({info.kind}) {info.name}: {info.type or 'Unknown'}"]
    parts = [f"```{info.language}\n" + "\n".join(heads) + "\n```"]
    if info.source == "annotation":
        parts.append("*declared (annotation)*")
    elif info.kind not in ("class", "module") and (info.type or info.signatures):
        parts.append(
            f"*inferred ({info.source}), confidence {info.confidence:.2f}"
            + (f"; {info.evidence}*" if getattr(info, "evidence", "") else "*")
        )
    if info.doc:
        parts.append(info.doc)
    return "\n\n".join(parts)
