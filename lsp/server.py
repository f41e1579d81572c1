"""``typelens lsp``: the language server (pygls, stdio or ``--tcp PORT``).

LSP methods: ``initialize``/``initialized`` (background indexing with
``$/progress``; the position encoding is the client's first choice among
``utf-8``, ``utf-16`` and ``utf-32``), full and incremental text sync,
``textDocument/hover``, ``textDocument/inlayHint``, ``textDocument/codeAction``
("Add type annotation", "Annotate all in file"), ``textDocument/completion``
(after ``.``, after ``from m import``, inside calls) and ``completionItem/resolve``,
``textDocument/definition``, diagnostics: pulled (``textDocument/diagnostic``)
by clients that can, else published on open and change (debounced),
``workspace/didChangeConfiguration``, ``shutdown``/``exit``; and, in
:mod:`.features`, signature help, references, rename, highlights, document and
workspace symbols, semantic tokens and type definition.

Handlers only translate: positions through :mod:`.positions` (one line index
per document version, see :mod:`.convert`), everything else through
:class:`~typelens.lsp.workspace.Workspace`.  A request pins the document version
its position was converted with, and its answer is converted back with the
same version's index.  Analysis runs in worker threads, never on the event
loop; pygls answers a failing request with an internal error and keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from typelens.analyzer import InputError
from typelens.analyzer.heap import with_frame_room
from typelens.cli.version import __version__
from typelens.typeinfer.settings import Settings, load_settings, with_editor

from .convert import COMPLETION_KIND, byte_offset, hover_markdown, lsp_position, lsp_range, text_document_edit
from .positions import Encoding
from .protocol import RobustIO, TypelensProtocol, settle_heap, strict_converter
from .workspace import MAX_DOCUMENT_BYTES, Place, Snapshot, Workspace, in_daemon, path_of_uri

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


class TypelensServer(RobustIO, LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "typelens",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=TypelensProtocol,
            converter_factory=strict_converter,
        )
        self.ws = Workspace(None)
        self._pending: dict[str, asyncio.Task] = {}
        self._interactive = 0  # completions in flight: background diagnostics wait for them
        self.pulls_diagnostics = False  # the client asks (textDocument/diagnostic): nothing is published
        self.refreshes_diagnostics = False  # ... and can be told to ask again (workspace/diagnostic/refresh)
        self.refreshes_inlay_hints = False  # the client asks again when told (workspace/inlayHint/refresh)
        self._inlay_refresh: set[str] = set()  # documents whose carried hints a refresh will replace

    def shutdown(self) -> None:
        self.ws.stop()  # the background analyses stop at their next step, not at their end
        super().shutdown()

    async def run_blocking(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.thread_pool, with_frame_room, fn, *args)

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
    ls.ws = Workspace(root, settings, encoding=Encoding.of(ls.workspace.position_encoding))
    ls.ws.editor_options = params.initialization_options or {}
    # a client that pulls diagnostics gets them only so (published too, they would show twice)
    ls.pulls_diagnostics = _capability(params.capabilities, "text_document", "diagnostic") is not None
    ls.refreshes_diagnostics = bool(_capability(params.capabilities, "workspace", "diagnostics", "refresh_support"))
    ls.refreshes_inlay_hints = bool(_capability(params.capabilities, "workspace", "inlay_hint", "refresh_support"))
    session = ls.ws.session
    if session is not None:
        logger.info("%s", session.environment.describe())


def _capability(capabilities, *path: str):
    for name in path:
        capabilities = getattr(capabilities, name, None)
        if capabilities is None:
            return None
    return capabilities


@server.feature(types.INITIALIZED)
async def initialized(ls: TypelensServer, params: types.InitializedParams) -> None:
    asyncio.get_running_loop().create_task(_index_workspace(ls))


async def _index_workspace(ls: TypelensServer) -> None:
    files = await ls.run_blocking(ls.ws.index_files)
    if not files:
        try:
            await asyncio.wrap_future(in_daemon(ls.ws.code_lm))
        finally:
            settle_heap()
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
            ls.work_done_progress.report(
                token,
                types.WorkDoneProgressReport(message=f"{i}/{len(files)} files", percentage=int(100 * i / len(files))),
            )
    await ls.run_blocking(ls.ws.finish_indexing)
    # then the stubs and packages the project imports, so that the first hover or
    # completion on a library type does not pay for parsing its stub
    for path in await ls.run_blocking(ls.ws.library_files):
        await ls.run_blocking(ls.ws.index_one, path)
    if token:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"indexed {len(files)} files"))
    # the completion ranker loaded now, not on the first completion (nor holding an exit up)
    try:
        await asyncio.wrap_future(in_daemon(ls.ws.code_lm))
    finally:
        settle_heap()  # what is built so far stays: later full collections skip it
    _diagnostics_changed(ls)


def _diagnostics_changed(ls: TypelensServer) -> None:
    """The answers may have changed everywhere (indexing ended, new settings)."""
    if ls.pulls_diagnostics:
        if ls.refreshes_diagnostics:
            ls.workspace_diagnostic_refresh(None)
        return
    for uri in list(ls._pending):
        _schedule_diagnostics(ls, uri)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(ls: TypelensServer, params: types.DidChangeConfigurationParams) -> None:
    try:
        settings = with_editor(ls.ws.settings, params.settings, ls.ws.root)
    except InputError as err:
        logger.error("%s; the settings stay as they were", err)
        return
    ls.ws.set_settings(settings, editor=params.settings)
    _diagnostics_changed(ls)


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
    changes = []
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            r = change.range
            changes.append((((r.start.line, r.start.character), (r.end.line, r.end.character)), change.text))
        else:
            changes.append((None, change.text))
    ls.ws.change_at(uri, params.text_document.version, changes)
    _schedule_diagnostics(ls, uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TypelensServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.ws.close(uri)
    task = ls._pending.pop(uri, None)
    if task is not None:
        task.cancel()
    if not ls.pulls_diagnostics:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _schedule_diagnostics(ls: TypelensServer, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
    if ls.pulls_diagnostics:
        return
    previous = ls._pending.get(uri)
    if previous is not None and not previous.done():
        previous.cancel()
    ls._pending[uri] = asyncio.get_running_loop().create_task(_publish_later(ls, uri, delay))


async def _publish_later(ls: TypelensServer, uri: str, delay: float) -> None:
    await asyncio.sleep(delay)
    for _ in range(100):  # at most 5 s behind the completions the user waits for
        if not ls._interactive:
            break
        await asyncio.sleep(0.05)
    if not ls.ws.is_open(uri):
        return
    snap = ls.ws.snapshot(uri)
    found = await ls.run_blocking(ls.ws.latest_diagnostics, uri, snap)
    if found is None or not ls.ws.is_open(uri) or ls.ws.version(uri) != snap.version:
        return  # a newer edit has its own run scheduled
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=uri, version=snap.version, diagnostics=[_diagnostic(ls, snap, d) for d in found]
        )
    )


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="typelens", inter_file_dependencies=True, workspace_diagnostics=False),
)
async def pull_diagnostics(ls: TypelensServer, params: types.DocumentDiagnosticParams):
    """``textDocument/diagnostic``: the findings of the document's current version
    (unchanged since ``previous_result_id`` when that names this version)."""
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = f"{snap.version}:{ls.ws.generation}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    found = await ls.run_blocking(ls.ws.diagnostics, snap.uri, snap)
    return types.RelatedFullDocumentDiagnosticReport(
        items=[_diagnostic(ls, snap, d) for d in found], result_id=result_id
    )


def _diagnostic(ls: TypelensServer, snap: Snapshot, d) -> types.Diagnostic:
    return types.Diagnostic(
        range=lsp_range(snap.lines, d.span.start_byte, d.span.end_byte, ls.ws.encoding),
        message=d.message,
        severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code,
        source="typelens",
    )


def snapshot_of(ls: TypelensServer, uri: str) -> Snapshot | None:
    """The current version of ``uri``; a document the client never opened is read
    from disk if it can be (``None`` otherwise)."""
    if not ls.ws.is_open(uri):
        path = path_of_uri(uri)
        if path is None or not path.is_file() or path.stat().st_size > MAX_DOCUMENT_BYTES:
            logger.warning("request on %s, which is not open and cannot be read: no answer", uri)
            return None
        ls.ws.open(uri, path.read_text(encoding="utf-8", errors="replace"), 0)
    return ls.ws.snapshot(uri)


# -- features ------------------------------------------------------------------------------
def request_at(ls: TypelensServer, params) -> tuple[Snapshot, int] | None:
    """The pinned document version and byte offset of a positional request, or ``None``."""
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    return snap, byte_offset(snap.lines, params.position, ls.ws.encoding)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: TypelensServer, params: types.HoverParams) -> types.Hover | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    info = await ls.run_blocking(ls.ws.hover, snap.uri, offset, snap)
    if info is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_markdown(info)),
        range=lsp_range(snap.lines, info.start, info.end, ls.ws.encoding),
    )


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
async def inlay_hints(ls: TypelensServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    encoding = ls.ws.encoding
    start = byte_offset(snap.lines, params.range.start, encoding)
    end = byte_offset(snap.lines, params.range.end, encoding)
    if ls.refreshes_inlay_hints:
        hints, carried = await ls.run_blocking(ls.ws.inlay_hints_while_typing, snap.uri, start, end, snap)
        if carried:
            _refresh_inlay_hints_later(ls, snap.uri)
    else:
        hints = await ls.run_blocking(ls.ws.inlay_hints, snap.uri, start, end, snap)
    return [
        types.InlayHint(
            position=lsp_position(snap.lines, h.offset, encoding),
            label=h.label,
            kind=types.InlayHintKind.Type,
            padding_left=False,
            text_edits=[types.TextEdit(lsp_range(snap.lines, h.edit[0], h.edit[1], encoding), h.edit[2])],
        )
        for h in hints
    ]


def _refresh_inlay_hints_later(ls: TypelensServer, uri: str) -> None:
    """Carried hints were sent for ``uri``: once its newest revision is built, ask
    the client to ask again (one waiting task a document)."""
    if uri in ls._inlay_refresh:
        return
    ls._inlay_refresh.add(uri)

    async def refresh() -> None:
        try:
            if await ls.run_blocking(ls.ws.caught_up, uri):
                ls.workspace_inlay_hint_refresh(None)
        finally:
            ls._inlay_refresh.discard(uri)

    asyncio.get_running_loop().create_task(refresh())


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]),
)
async def code_actions(ls: TypelensServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    snap = snapshot_of(ls, params.text_document.uri)
    if snap is None:
        return None
    offset = byte_offset(snap.lines, params.range.start, ls.ws.encoding)
    actions = []
    for title, kind, where in (
        ("Add type annotation", types.CodeActionKind.QuickFix, offset),
        ("Annotate all in file", types.CodeActionKind.Source, None),
    ):
        edits = await ls.run_blocking(ls.ws.annotate, snap.uri, where, snap)
        if not edits:
            continue
        change = text_document_edit(Place(snap.uri, snap.version, snap.lines, tuple(edits)), ls.ws.encoding)
        actions.append(types.CodeAction(title=title, kind=kind, edit=types.WorkspaceEdit(document_changes=[change])))
    return actions


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", ","], resolve_provider=True)
)
async def completion(ls: TypelensServer, params: types.CompletionParams) -> types.CompletionList | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    found = await ls.run_interactive(ls.ws.completion_list, snap.uri, offset, snap)
    entries = found.entries
    if ls.ws.settings.guided_completion:
        guided = await ls.run_interactive(ls.ws.guided_completion, snap.uri, offset)
        if guided is not None:
            entries = [guided] + entries
    items = [
        types.CompletionItem(
            label=e.label,
            kind=COMPLETION_KIND.get(e.kind),
            detail=e.detail or None,
            sort_text=f"{i:05d}",
            data={"uri": snap.uri, "ref": list(e.ref), "revision": found.revision} if e.ref is not None else None,
        )
        for i, e in enumerate(entries)
    ]
    # a list carried from an older revision may lack what the edits since made, and
    # one not ranked yet is ranked next time: asked again as the user types
    return types.CompletionList(is_incomplete=found.incomplete, items=items)


@server.feature(types.COMPLETION_ITEM_RESOLVE)
async def completion_resolve(ls: TypelensServer, item: types.CompletionItem) -> types.CompletionItem:
    """The full signature and docstring of a completion item, worked out only
    when the editor shows it."""
    data = item.data if isinstance(item.data, dict) else {}
    ref, uri, revision = data.get("ref"), data.get("uri"), data.get("revision")
    if isinstance(ref, list) and len(ref) == 3 and isinstance(uri, str) and ls.ws.is_open(uri):
        detail, doc = await ls.run_blocking(
            ls.ws.resolve_completion,
            uri,
            (str(ref[0]), int(ref[1]), bool(ref[2])),
            revision if isinstance(revision, int) else None,
        )
        item.detail = detail or item.detail
        if doc:
            item.documentation = types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc)
    return item


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: TypelensServer, params: types.DefinitionParams) -> types.Location | None:
    at = request_at(ls, params)
    if at is None:
        return None
    snap, offset = at
    found = await ls.run_blocking(ls.ws.definition_place, snap.uri, offset, snap)
    if found is None:
        return None
    start, end, _ = found.ranges[0]
    return types.Location(uri=found.uri, range=lsp_range(found.lines, start, end, ls.ws.encoding))


from . import features  # noqa: E402,F401  the other requests' handlers register on ``server``


# How long a thread holding the GIL runs before one waiting for it may take it
# (CPython's default: 5 ms).  The request the user waits for shares the GIL
# with the builder and the diagnostics; the code LM's thread takes it back
# after each torch operation.  At 1 ms a completion under a running build took
# about two thirds of its time at 5 ms (bench/lsp.py's ``first ask``, in process).
SWITCH_INTERVAL = 0.001


def main(tcp: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.setswitchinterval(SWITCH_INTERVAL)
    if tcp is not None:
        server.start_tcp("127.0.0.1", tcp)
    else:
        server.start_io()
