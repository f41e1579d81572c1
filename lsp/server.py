"""``typelens lsp``: the language server (pygls, stdio or ``--tcp PORT``).

LSP methods: ``initialize``/``initialized`` (background indexing with
``$/progress``), full and incremental text sync, ``textDocument/hover``,
``textDocument/inlayHint``, ``textDocument/codeAction`` ("Add type annotation",
"Annotate all in file"), ``textDocument/completion`` (after ``.`` and inside
calls), ``textDocument/definition``, diagnostics published on open and change
(debounced), ``workspace/didChangeConfiguration``, ``shutdown``/``exit``.

Handlers only translate: positions through :mod:`.positions`, everything else
through :class:`~typelens.lsp.workspace.Workspace`.  Analysis runs in worker
threads, never on the event loop; pygls answers a failing request with an
internal error and keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from typelens.analyzer import InputError
from typelens.cli.version import __version__
from typelens.typeinfer.settings import Settings, load_settings, with_editor

from .positions import offset_of, position_of
from .protocol import RobustIO, TypelensProtocol, strict_converter
from .workspace import MAX_DOCUMENT_BYTES, Workspace, path_of_uri

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "info": types.DiagnosticSeverity.Information}
_COMPLETION_KIND = {"method": types.CompletionItemKind.Method, "field": types.CompletionItemKind.Field,
                    "class": types.CompletionItemKind.Class, "module-member": types.CompletionItemKind.Reference,
                    "keyword-argument": types.CompletionItemKind.Variable, "guided": types.CompletionItemKind.Snippet}


class TypelensServer(RobustIO, LanguageServer):
    def __init__(self) -> None:
        super().__init__("typelens", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=TypelensProtocol, converter_factory=strict_converter)
        self.ws = Workspace(None)
        self._pending: dict[str, asyncio.Task] = {}
        self._interactive = 0     # completions in flight: background diagnostics wait for them

    async def run_blocking(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.thread_pool, fn, *args)

    async def run_interactive(self, fn, *args):
        """Work the user is waiting for; diagnostics do not start while it runs."""
        self._interactive += 1
        try:
            return await self.run_blocking(fn, *args)
        finally:
            self._interactive -= 1


server = TypelensServer()


# -- lifecycle ---------------------------------------------------------------------------
@server.feature(types.INITIALIZE)
def initialize(ls: TypelensServer, params: types.InitializeParams) -> None:
    root = None
    if params.workspace_folders:
        root = path_of_uri(params.workspace_folders[0].uri)
    elif params.root_uri:
        root = path_of_uri(params.root_uri)
    start = root if root is not None and root.exists() else Path.cwd()
    try:
        settings = load_settings(start, editor=params.initialization_options or {}, root=root)
    except InputError as err:  # a broken pyproject.toml must not stop the server
        logger.error("%s; using the defaults and the editor's settings", err)
        settings = with_editor(Settings(), params.initialization_options or {}, root)
    ls.ws = Workspace(root, settings)
    session = ls.ws.session
    if session is not None:
        logger.info("%s", session.environment.describe())


@server.feature(types.INITIALIZED)
async def initialized(ls: TypelensServer, params: types.InitializedParams) -> None:
    asyncio.get_running_loop().create_task(_index_workspace(ls))


async def _index_workspace(ls: TypelensServer) -> None:
    files = await ls.run_blocking(ls.ws.index_files)
    if not files:
        await ls.run_blocking(ls.ws.code_lm)
        return
    token = str(uuid.uuid4())
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:  # the client may not support progress; index anyway
        logger.info("client refused a progress token")
        token = None
    if token:
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="typelens: indexing", percentage=0))
    for i, path in enumerate(files, 1):
        await ls.run_blocking(ls.ws.index_one, path)
        if token and (i % 10 == 0 or i == len(files)):
            ls.work_done_progress.report(token, types.WorkDoneProgressReport(
                message=f"{i}/{len(files)} files", percentage=int(100 * i / len(files))))
    await ls.run_blocking(ls.ws.finish_indexing)
    # then the stubs and packages the project imports, so that the first hover or
    # completion on a library type does not pay for parsing its stub
    for path in await ls.run_blocking(ls.ws.library_files):
        await ls.run_blocking(ls.ws.index_one, path)
    if token:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"indexed {len(files)} files"))
    await ls.run_blocking(ls.ws.code_lm)     # load the completion ranker now, not on the first completion
    for uri in list(ls._pending) or []:
        _schedule_diagnostics(ls, uri)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: TypelensServer, params: types.DidChangeConfigurationParams) -> None:
    try:
        settings = with_editor(ls.ws.settings, params.settings, ls.ws.root)
    except InputError as err:
        logger.error("%s; the settings stay as they were", err)
        return
    ls.ws.set_settings(settings)


# -- text sync ---------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TypelensServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.ws.open(doc.uri, doc.text, doc.version)
    _schedule_diagnostics(ls, doc.uri, delay=0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TypelensServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if not ls.ws.is_open(uri):
        logger.warning("didChange for %s, which is not open: ignored", uri)
        return
    edits = []
    data = ls.ws.data(uri)
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start = offset_of(data, change.range.start.line, change.range.start.character)
            end = offset_of(data, change.range.end.line, change.range.end.character)
            edits.append((start, max(start, end), change.text))
            data = data[:start] + change.text.encode("utf-8") + data[max(start, end):]
        else:
            edits.append(change.text)
            data = change.text.encode("utf-8")
    ls.ws.change(uri, params.text_document.version, edits)
    _schedule_diagnostics(ls, uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TypelensServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.ws.close(uri)
    task = ls._pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _schedule_diagnostics(ls: TypelensServer, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
    previous = ls._pending.get(uri)
    if previous is not None and not previous.done():
        previous.cancel()
    ls._pending[uri] = asyncio.get_running_loop().create_task(_publish_later(ls, uri, delay))


async def _publish_later(ls: TypelensServer, uri: str, delay: float) -> None:
    await asyncio.sleep(delay)
    for _ in range(100):            # at most 5 s behind the completions the user waits for
        if not ls._interactive:
            break
        await asyncio.sleep(0.05)
    if not ls.ws.is_open(uri):
        return
    version = ls.ws.version(uri)
    found = await ls.run_blocking(ls.ws.diagnostics, uri)
    if not ls.ws.is_open(uri) or ls.ws.version(uri) != version:
        return   # a newer edit has its own run scheduled
    data = ls.ws.data(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, version=version, diagnostics=[_diagnostic(data, d) for d in found]))


def _range(data: bytes, start: int, end: int) -> types.Range:
    (sl, sc), (el, ec) = position_of(data, start), position_of(data, end)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def _diagnostic(data: bytes, d) -> types.Diagnostic:
    return types.Diagnostic(range=_range(data, d.span.start_byte, max(d.span.end_byte, d.span.start_byte)),
                            message=d.message, severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
                            code=d.code, source="typelens")


def _ensure_open(ls: TypelensServer, uri: str) -> bool:
    """Requests on a document the client never opened: read it from disk if we can."""
    if ls.ws.is_open(uri):
        return True
    path = path_of_uri(uri)
    if path is None or not path.is_file() or path.stat().st_size > MAX_DOCUMENT_BYTES:
        logger.warning("request on %s, which is not open and cannot be read: no answer", uri)
        return False
    ls.ws.open(uri, path.read_text(encoding="utf-8", errors="replace"), 0)
    return True


# -- features ------------------------------------------------------------------------------
def _request_at(ls: TypelensServer, params) -> tuple[str, bytes, int] | None:
    """``(uri, source bytes, byte offset)`` of a positional request, or ``None``."""
    uri = params.text_document.uri
    if not _ensure_open(ls, uri):
        return None
    data = ls.ws.data(uri)
    return uri, data, offset_of(data, params.position.line, params.position.character)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: TypelensServer, params: types.HoverParams) -> types.Hover | None:
    at = _request_at(ls, params)
    if at is None:
        return None
    uri, data, offset = at
    info = await ls.run_blocking(ls.ws.hover, uri, offset)
    if info is None:
        return None
    lines = [f"```python\n{info.name}: {info.type or 'Unknown'}\n```",
             f"*{info.source}*, confidence {info.confidence:.2f}"]
    if info.signature:
        lines.append(f"```python\n{info.signature}\n```")
    if info.doc:
        lines.append(info.doc)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(lines)),
                       range=_range(data, info.start, info.end))


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
async def inlay_hints(ls: TypelensServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
    uri = params.text_document.uri
    if not _ensure_open(ls, uri):
        return None
    data = ls.ws.data(uri)
    start = offset_of(data, params.range.start.line, params.range.start.character)
    end = offset_of(data, params.range.end.line, params.range.end.character)
    hints = await ls.run_blocking(ls.ws.inlay_hints, uri, start, end)
    result = []
    for h in hints:
        line, col = position_of(data, h.offset)
        edit = types.TextEdit(range=_range(data, h.edit[0], h.edit[1]), new_text=h.edit[2])
        result.append(types.InlayHint(position=types.Position(line, col), label=h.label,
                                      kind=types.InlayHintKind.Type, text_edits=[edit], padding_left=False))
    return result


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]))
async def code_actions(ls: TypelensServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    if not _ensure_open(ls, uri):
        return None
    data = ls.ws.data(uri)
    version = ls.ws.version(uri)
    offset = offset_of(data, params.range.start.line, params.range.start.character)
    actions = []
    for title, kind, where in (("Add type annotation", types.CodeActionKind.QuickFix, offset),
                               ("Annotate all in file", types.CodeActionKind.Source, None)):
        edits = await ls.run_blocking(ls.ws.annotate, uri, where)
        if not edits:
            continue
        text_edits = [types.TextEdit(range=_range(data, s, e), new_text=t) for s, e, t in edits]
        change = types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=text_edits)
        actions.append(types.CodeAction(title=title, kind=kind, edit=types.WorkspaceEdit(document_changes=[change])))
    return actions


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", ","]))
async def completion(ls: TypelensServer, params: types.CompletionParams) -> types.CompletionList | None:
    at = _request_at(ls, params)
    if at is None:
        return None
    uri, data, offset = at
    entries = await ls.run_interactive(ls.ws.completions, uri, offset)
    if ls.ws.settings.guided_completion:
        guided = await ls.run_interactive(ls.ws.guided_completion, uri, offset)
        if guided is not None:
            entries = [guided] + entries
    items = [types.CompletionItem(label=e.label, kind=_COMPLETION_KIND.get(e.kind), detail=e.detail,
                                  sort_text=f"{i:05d}") for i, e in enumerate(entries)]
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: TypelensServer, params: types.DefinitionParams) -> types.Location | None:
    at = _request_at(ls, params)
    if at is None:
        return None
    uri, data, offset = at
    found = await ls.run_blocking(ls.ws.definition, uri, offset)
    if found is None:
        return None
    path, start, end = found
    target_uri = path.resolve().as_uri()
    target_data = ls.ws.data(target_uri) if ls.ws.is_open(target_uri) else path.read_bytes()
    return types.Location(uri=target_uri, range=_range(target_data, start, end))


def main(tcp: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if tcp is not None:
        server.start_tcp("127.0.0.1", tcp)
    else:
        server.start_io()
