"""The language server's JSON-RPC boundary: every message is read, every request answered.

pygls drops what it cannot dispatch without a word: params that do not fit their
type (a negative position, a missing field), anything after ``shutdown``, a body
that is not JSON.  :class:`TypelensProtocol` answers each of those, and
:class:`RobustIO` reads the stream through :class:`~.framing.FrameDecoder` on a
thread of its own (pygls reads on the worker pool the analyses run on, so a busy
pool also stopped the reading).  pygls's own copies of the open documents are
not kept (typelens keeps them in :mod:`.workspace`; ``ls.workspace`` still gives
the negotiated position encoding).  The rules, checked before any handler runs:

* a body that is not JSON: ``ParseError`` -32700; a misframed body (see
  :mod:`.framing`) the same, and it is never executed.  The error carries the
  request's id when one can be read from the body, else ``null``;
* not a JSON-RPC 2.0 object, an id that is neither an integer nor a string, a
  method that is not a string: ``InvalidRequest`` -32600;
* params that do not fit the method's type (a missing field, a wrong type, a
  position outside ``0..2**31-1`` or not an integer): ``InvalidParams`` -32602
  naming the field; such a notification is logged and dropped;
* before ``initialize``: ``ServerNotInitialized`` -32002; after ``shutdown``:
  ``InvalidRequest`` -32600.  Notifications other than ``exit`` are dropped then;
* text: a lone surrogate (JSON can carry one as a ``\\udXXX`` escape; UTF-8 cannot
  hold it) becomes U+FFFD in every string of every message before any handler
  sees it, and invalid UTF-8 in a body is decoded to U+FFFD too.  U+FFFD is one
  UTF-16 and one UTF-32 code unit, like the lone surrogate, so the positions the
  client sends after it on the same line still land where the client means; the
  server's copy of the text is valid UTF-8 and its byte offsets are those of that
  copy.  (A client counting in UTF-8 cannot have sent a lone surrogate at all.)

Example (what the client sees)::

    --> Content-Length: 5\\r\\n\\r\\n{bad}
    <-- {"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "..."}}
    --> {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
         "params": {"textDocument": {"uri": "file:///a.py"}, "position": {"line": -1, "character": 0}}}
    <-- {"jsonrpc": "2.0", "id": 7, "error": {"code": -32602,
         "message": "invalid params for textDocument/hover: Position.line should be in range
                     [0:2147483647], but was -1. @ $.params.position"}}
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import re
import sys
import threading
import time
from typing import Any, Awaitable, Callable

from concurrent.futures import CancelledError

from cattrs import Converter
from cattrs.errors import BaseValidationError
from cattrs.v import format_exception, transform_error
from lsprotocol import converters, types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from .framing import Frame, FrameDecoder, Junk, Misframed

logger = logging.getLogger(__name__)

__all__ = ["RobustIO", "TypelensProtocol", "settle_heap", "strict_converter", "without_surrogates"]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002
_READ_SIZE = 65536
_QUEUED_READS = 64  # chunks read ahead of the event loop (back-pressure beyond)
_SWITCH_INTERVAL = 0.001
_IDLE = 0.5  # seconds without input before a full garbage collection
_YOUNG_COLLECTIONS = 200  # ... or after this many middle-generation ones
_GC_YOUNG, _GC_MIDDLE, _GC_NEVER = 700, 10, 10**9  # Python's first two; no full collections on its own

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ID = re.compile(rb'"id"\s*:\s*(-?[0-9]{1,15}|"(?:[^"\\\r\n]|\\.){0,256}")')


def without_surrogates(value: Any) -> Any:
    """``value`` (parsed JSON) with every lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if isinstance(item, str):
                    node[key] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    node[i] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, (dict, list)):
                    stack.append(item)
    return value


def _id_in(body: bytes) -> int | str | None:
    """The request id of a body that does not parse (or was misframed), if readable."""
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        found = _ID.search(body[:4096])
        if found is None:
            return None
        try:
            message = {"id": json.loads(found.group(1))}
        except ValueError:
            return None
    rid = message.get("id") if isinstance(message, dict) else None
    return rid if _is_id(rid) else None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


class TypelensProtocol(LanguageServerProtocol):
    """pygls's LSP protocol, fed whole frames by :class:`RobustIO` (see the module docstring)."""

    def __init__(self, server, converter) -> None:
        super().__init__(server, converter)
        self._initialize_seen = False

    # -- text sync: typelens keeps its own documents (``lsp/workspace.py``) ----------------
    # pygls's copies of them, kept by these builtins, were never read and cost a
    # split of the whole text per keystroke on the event loop
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any):
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    # -- events from the frame decoder --------------------------------------------------
    def receive(self, event: Frame | Misframed | Junk) -> None:
        if isinstance(event, Frame):
            self.receive_body(event.body)
        elif isinstance(event, Misframed):
            logger.error("message skipped: %s", event.reason)
            self._reply_error(_id_in(event.body), PARSE_ERROR, f"message skipped: {event.reason}")
        else:
            logger.error("%d bytes outside any message skipped (they began %r)", event.size, event.head[:40])

    def receive_body(self, body: bytes) -> None:
        text = body.decode("utf-8", errors="replace")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as err:
            logger.error("a message that is not JSON: %s", err)
            self._reply_error(_id_in(body), PARSE_ERROR, f"the message is not JSON: {err}")
            return
        if _SURROGATE_ESCAPE.search(text):
            data = without_surrogates(data)
        problem = _envelope_problem(data)
        if problem is not None:
            rid = data.get("id") if isinstance(data, dict) else None
            logger.error("invalid message: %s", problem)
            self._reply_error(rid if _is_id(rid) else None, INVALID_REQUEST, problem)
            return
        self._dispatch(data)

    # -- one JSON-RPC message ---------------------------------------------------------------
    def _dispatch(self, data: dict) -> None:
        method = data.get("method")
        if method is None:
            self._receive_response(data)
            return
        rid = data.get("id")
        is_request = "id" in data
        refusal = self._lifecycle_refusal(method, is_request)
        if refusal is not None:
            if is_request:
                self._reply_error(rid, *refusal)
            else:
                logger.warning("%s dropped: %s", method, refusal[1])
            return
        problem = None
        try:
            message = self._structure(data)
        except (BaseValidationError, JsonRpcException, ValueError, TypeError) as err:
            problem = "; ".join(_validation_messages(err))
        if problem is None and is_request and not hasattr(message, "id"):
            self._reply_error(rid, INVALID_REQUEST, f"{method} is a notification: it takes no id and gets no answer")
            return
        if problem is not None:
            logger.error("invalid params for %s: %s", method, problem)
            if is_request:
                self._reply_error(rid, INVALID_PARAMS, f"invalid params for {method}: {problem}")
            return
        if method == types.INITIALIZE:
            self._initialize_seen = True
        self.handle_message(message)

    def _lifecycle_refusal(self, method: str, is_request: bool) -> tuple[int, str] | None:
        if method == types.EXIT:
            return None
        if self._shutdown:
            return INVALID_REQUEST, f"{method} after shutdown: the server only accepts exit now"
        if not self._initialize_seen and method != types.INITIALIZE:
            return SERVER_NOT_INITIALIZED, f"{method} before initialize"
        return None

    def _structure(self, data: dict) -> Any:
        kind = self.get_message_type(data["method"])
        if kind is None:  # a method lsprotocol does not know: pygls's generic messages
            return self.structure_message(data)
        return self._converter.structure(data, kind)

    def _receive_response(self, data: dict) -> None:
        """A client's answer to one of our requests; a malformed one fails that request."""
        try:
            message = self.structure_message(data)
        except Exception as err:  # the JSON-RPC boundary: the waiting request gets the error
            logger.exception("malformed response to request %r", data.get("id"))
            self._handle_response(
                data.get("id"),
                None,
                types.ResponseError(code=types.ErrorCodes.InternalError, message=f"malformed response: {err}"),
            )
            return
        self.handle_message(message)

    def _reply_error(self, rid: int | str | None, code: int, message: str) -> None:
        # written by hand: lsprotocol's converter leaves out ``"id": null``, which JSON-RPC needs
        self._send_data({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})


def _envelope_problem(data: Any) -> str | None:
    """Why ``data`` is not a JSON-RPC 2.0 request, notification or response, or ``None``."""
    if not isinstance(data, dict):
        return f"a message must be a JSON object, not {type(data).__name__} (batches are not part of LSP)"
    if data.get("jsonrpc") != "2.0":
        return f'"jsonrpc" must be "2.0", not {data.get("jsonrpc")!r}'
    if "id" in data and not _is_id(data["id"]) and not (data["id"] is None and "error" in data):
        return f'"id" must be an integer or a string, not {data["id"]!r}'
    if "method" in data:
        if not isinstance(data["method"], str):
            return f'"method" must be a string, not {data["method"]!r}'
        if "params" in data and not isinstance(data["params"], (dict, list, type(None))):
            return f'"params" must be an object or an array, not {type(data["params"]).__name__}'
    elif "id" not in data or not ("result" in data or "error" in data):
        return 'a message needs "method" (a request or notification) or "id" and "result"/"error" (a response)'
    return None


def _validation_messages(err: Exception) -> list[str]:
    if isinstance(err, BaseValidationError):
        return transform_error(err, format_exception=_describe)
    return [str(err) or type(err).__name__]


def _describe(err: BaseException, kind: Any) -> str:
    if isinstance(err, (ValueError, TypeError)) and str(err) and not isinstance(err, BaseValidationError):
        return str(err)  # lsprotocol's range checks and ours name the value
    return format_exception(err, kind)


def strict_converter() -> Converter:
    """lsprotocol's converter, minus its coercions: ``1.5`` or ``"3"`` is no
    position line, ``7`` no URI, ``0`` no boolean (cattrs would take each)."""
    converter = converters.get_converter()
    for kind in (str, int, bool):
        converter.register_structure_hook(kind, _exactly(kind))
    converter.register_structure_hook(float, _number)
    return converter


def _exactly(kind: type) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r:.60}")
        return value

    return structure


def _number(value: Any, _: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected a number, got {type(value).__name__} {value!r:.60}")
    return float(value)


class RobustIO:
    """Mixed into the server class before pygls's ``LanguageServer``: stdio and TCP
    read through :class:`~.framing.FrameDecoder` into :class:`TypelensProtocol`."""

    protocol: TypelensProtocol

    def start_io(self, stdin=None, stdout=None) -> None:
        """Serve over stdio until ``exit`` or the end of the input."""
        stdin = stdin or sys.stdin.buffer
        _serving_settings()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        self._run_until_done(lambda: self._read_stdio(stdin))

    def start_tcp(self, host: str, port: int) -> None:
        """Serve one client at a time on ``host:port`` (for debugging)."""
        _serving_settings()

        async def serve() -> None:
            async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                self.protocol.set_writer(writer)
                await self._serve(lambda: reader.read(_READ_SIZE))

            server = await asyncio.start_server(client, host, port)
            async with server:
                await server.serve_forever()

        self._run_until_done(serve)

    def _run_until_done(self, main: Callable[[], Awaitable[None]]) -> None:
        self._stop_event = threading.Event()
        code = 0
        try:
            asyncio.run(main())
        except BrokenPipeError:
            logger.error("the client went away: stopping")
        except SystemExit as stop:  # pygls's exit handler: 0 after shutdown, 1 without
            code = stop.code if isinstance(stop.code, int) else 1
        except KeyboardInterrupt:
            code = 130
        finally:
            self.shutdown()
        if code:
            sys.exit(code)

    async def _read_stdio(self, stdin) -> None:
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes] = asyncio.Queue(_QUEUED_READS)
        threading.Thread(target=_pump, args=(stdin, loop, chunks), name="lsp-stdin", daemon=True).start()
        await self._serve(chunks.get)

    async def _serve(self, read: Callable[[], Awaitable[bytes]]) -> None:
        decoder = FrameDecoder()
        collector = asyncio.get_running_loop().create_task(self._collect_when_idle())
        try:
            while not self._stop_event.is_set():
                chunk = await read()
                if not chunk:
                    logger.info("end of input: stopping")
                    return
                self._last_input = time.monotonic()
                for event in decoder.feed(chunk):
                    self.protocol.receive(event)
        finally:
            collector.cancel()

    async def _collect_when_idle(self) -> None:
        """Full garbage collections, once the client has been quiet for a while.

        A full collection walks every object the process holds (the index, the
        stubs, each revision's engines) and stops every thread meanwhile: 0.2 to
        0.7 s on a 2,000-line file, 26 times while 60 lines were typed in, each
        holding every hover up.  So Python's own full collections are off
        (:func:`_serving_settings`), and one runs here when the client has sent
        nothing for :data:`_IDLE` seconds (once per quiet spell: collecting again
        and again while the builder works through a pause held up the request
        that ended it, the completion asked two seconds after an edit), or anyway
        after :data:`_YOUNG_COLLECTIONS` young ones (cyclic garbage stays
        bounded).  What lives as long as the server is kept out of them
        (:func:`settle_heap`).
        """
        collected_after = None  # the input the last quiet collection followed
        while True:
            await asyncio.sleep(_IDLE / 2)
            pending = gc.get_count()[2]
            last = getattr(self, "_last_input", 0.0)
            quiet = time.monotonic() - last >= _IDLE and last != collected_after
            if pending and (quiet or pending >= _YOUNG_COLLECTIONS):
                gc.collect()
                collected_after = last


def settle_heap() -> None:
    """Keep what the server built to hold for good (the project's index, the
    stubs it imports, the code LM: 435,000 objects for CPython's
    ``subprocess.py``) out of every later full collection (``gc.freeze``): a full
    collection then walks the revisions' engines alone, 80 ms instead of 450 ms
    on a loaded machine, and a request that comes meanwhile waits that long.
    Called once, when indexing ends; what is frozen is still freed when no
    longer referenced (only a reference cycle among frozen objects would stay)."""
    gc.collect()
    gc.freeze()


def _serving_settings() -> None:
    # pygls logs every message it sends at INFO: whole inlay-hint and diagnostic
    # lists formatted on the event loop, per request
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.WARNING)
    gc.set_threshold(_GC_YOUNG, _GC_MIDDLE, _GC_NEVER)  # full collections: RobustIO._collect_when_idle
    # a background build holds the interpreter in slices of this length, and the
    # event loop waits up to one at each hand-over (Python's 5 ms made a hover
    # while typing wait 40 ms at the median, 1 ms 23 ms: bench/lsp_typing.py)
    sys.setswitchinterval(_SWITCH_INTERVAL)


def _pump(stdin, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue) -> None:
    """Read ``stdin`` as bytes arrive (not waiting to fill a buffer) into ``chunks``."""
    read = _reader_of(stdin)
    while True:
        try:
            chunk = read(_READ_SIZE)
        except (OSError, ValueError) as err:  # closed under us: as the end of input
            logger.info("stdin: %s", err)
            chunk = b""
        try:
            asyncio.run_coroutine_threadsafe(chunks.put(chunk), loop).result()
        except (RuntimeError, CancelledError):  # the loop has stopped
            return
        if not chunk:
            return


def _reader_of(stdin) -> Callable[[int], bytes]:
    # the file descriptor, not the buffered stream: this daemon thread may still be
    # blocked reading at exit, and a buffered stream's lock held then aborts Python
    try:
        fd = stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return getattr(stdin, "read1", None) or stdin.read
    return lambda size: os.read(fd, size)
