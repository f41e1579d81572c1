"""The language server's navigation and structure requests: signature help,
references, document highlight, prepare rename and rename, document and
workspace symbols, semantic tokens (full and range) and type definition.

Each handler converts the request's position with the pinned document
version's line index, asks the :class:`~.workspace.Workspace` (in a worker
thread) and converts the byte ranges it answers with the index of the text they
were computed on (:mod:`.convert`).  A rename the core refuses (a library
symbol, a name that is not an identifier) is answered with the LSP error
``RequestFailed`` and its reason.

Example (JSON-RPC)::

    --> textDocument/rename {"position": {"line": 3, "character": 4}, "newName": "subtotal"}
    <-- {"documentChanges": [{"textDocument": {"uri": ".../pricing.py", "version": 7},
                              "edits": [{"range": ..., "newText": "subtotal"}, ...]}, ...]}
"""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from typelens.typeinfer.ide import TOKEN_MODIFIERS, TOKEN_TYPES, RenameRefused

from .convert import SYMBOL_KIND, byte_offset, locations, lsp_range, text_document_edit
from .server import TypelensServer, request_at, server, snapshot_of

logger = logging.getLogger(__name__)

REQUEST_FAILED = -32803
LEGEND = types.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS))
_TYPE_INDEX = {name: i for i, name in enumerate(TOKEN_TYPES)}
_MODIFIER_BIT = {name: 1 << i for i, name in enumerate(TOKEN_MODIFIERS)}


@server.feature(
    types.TEXT_DOCUMENT_SIGNATURE_HELP,
    types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
)
async def signature_help(ls: TypelensServer, params: types.SignatureHelpParams) -> types.SignatureHelp | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    found = await ls.run_interactive(ls.ws.signature_help, snap.uri, offset, snap)
    if found is None:
        return None
    signatures = [
        types.SignatureInformation(
            label=s.label,
            parameters=[types.ParameterInformation(label=p) for p in s.parameters],
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=s.doc) if s.doc else None,
        )
        for s in found.signatures
    ]
    active = found.active_parameter
    if active is None:  # past every parameter: an index out of range highlights none
        active = len(found.signatures[found.active_signature].parameters)
    return types.SignatureHelp(signatures=signatures, active_signature=found.active_signature, active_parameter=active)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def references(ls: TypelensServer, params: types.ReferenceParams) -> list[types.Location] | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    places = await ls.run_blocking(ls.ws.references, snap.uri, offset, params.context.include_declaration, snap)
    return [location for place in places for location in locations(place, ls.ws.encoding)]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
async def document_highlight(
    ls: TypelensServer, params: types.DocumentHighlightParams
) -> list[types.DocumentHighlight] | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    found = await ls.run_blocking(ls.ws.highlights, snap.uri, offset, snap)
    return [
        types.DocumentHighlight(
            lsp_range(snap.lines, r.start, r.end, ls.ws.encoding),
            types.DocumentHighlightKind.Write if r.is_write else types.DocumentHighlightKind.Read,
        )
        for r in found
    ]


@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
async def prepare_rename(ls: TypelensServer, params: types.PrepareRenameParams):
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    try:
        start, end, name = await ls.run_blocking(ls.ws.prepare_rename, snap.uri, offset, snap)
    except RenameRefused as err:
        raise JsonRpcException(str(err), code=REQUEST_FAILED) from None
    return types.PrepareRenamePlaceholder(range=lsp_range(snap.lines, start, end, ls.ws.encoding), placeholder=name)


@server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
async def rename(ls: TypelensServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    try:
        places = await ls.run_blocking(ls.ws.rename, snap.uri, offset, params.new_name, snap)
    except RenameRefused as err:
        raise JsonRpcException(str(err), code=REQUEST_FAILED) from None
    return types.WorkspaceEdit(document_changes=[text_document_edit(p, ls.ws.encoding) for p in places])


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
async def document_symbols(ls: TypelensServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    items = await ls.run_blocking(ls.ws.document_symbols, snap.uri, snap)
    encoding = ls.ws.encoding
    # the outline is built bottom-up (children first), without recursion
    order, stack = [], [(item, None) for item in items]
    while stack:
        item, parent = stack.pop()
        order.append((item, parent))
        stack.extend((child, item) for child in item.children)
    built: dict[int, types.DocumentSymbol] = {}
    for item, _ in reversed(order):
        built[id(item)] = types.DocumentSymbol(
            name=item.name,
            kind=SYMBOL_KIND.get(item.kind, types.SymbolKind.Variable),
            range=lsp_range(snap.lines, item.start, item.end, encoding),
            selection_range=lsp_range(snap.lines, item.name_start, item.name_end, encoding),
            children=[built[id(child)] for child in item.children] or None,
        )
    return [built[id(item)] for item in items]


@server.feature(types.WORKSPACE_SYMBOL)
async def workspace_symbols(
    ls: TypelensServer, params: types.WorkspaceSymbolParams
) -> list[types.SymbolInformation] | None:
    found = await ls.run_blocking(ls.ws.workspace_symbols, params.query)
    encoding = ls.ws.encoding
    return [
        types.SymbolInformation(
            name=info.name,
            kind=SYMBOL_KIND.get(info.kind, types.SymbolKind.Variable),
            location=locations(place, encoding)[0],
            container_name=info.container or None,
        )
        for info, place in found
    ]


@server.feature(types.TEXT_DOCUMENT_TYPE_DEFINITION)
async def type_definition(ls: TypelensServer, params: types.TypeDefinitionParams) -> list[types.Location] | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    places = await ls.run_blocking(ls.ws.type_definition, snap.uri, offset, snap)
    return [location for place in places for location in locations(place, ls.ws.encoding)]


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
async def semantic_tokens_full(ls: TypelensServer, params: types.SemanticTokensParams) -> types.SemanticTokens | None:
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    tokens = await ls.run_blocking(ls.ws.semantic_tokens, snap.uri, 0, None, snap)
    return types.SemanticTokens(data=encode_tokens(ls, snap.lines, tokens))


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
async def semantic_tokens_range(
    ls: TypelensServer, params: types.SemanticTokensRangeParams
) -> types.SemanticTokens | None:
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    start = byte_offset(snap.lines, params.range.start, ls.ws.encoding)
    end = byte_offset(snap.lines, params.range.end, ls.ws.encoding)
    tokens = await ls.run_blocking(ls.ws.semantic_tokens, snap.uri, start, end, snap)
    return types.SemanticTokens(data=encode_tokens(ls, snap.lines, tokens))


def encode_tokens(ls: TypelensServer, lines, tokens) -> list[int]:
    """LSP's relative encoding: per token, the line delta, the start column
    (relative on the same line), the length, the type and the modifier bits."""
    data: list[int] = []
    previous_line = previous_column = 0
    encoding = ls.ws.encoding
    for token in tokens:
        (line, column), (end_line, end_column) = lines.range(token.start, token.end, encoding)
        if end_line != line:
            continue  # a token never spans lines
        delta_column = column - previous_column if line == previous_line else column
        bits = sum(_MODIFIER_BIT[m] for m in token.modifiers)
        data += [line - previous_line, delta_column, end_column - column, _TYPE_INDEX[token.type], bits]
        previous_line, previous_column = line, column
    return data
