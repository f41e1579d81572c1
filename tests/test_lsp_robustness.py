"""The server never exits on bad input, keeps memory bounded, and stops on
``exit`` or when its client goes away."""

from __future__ import annotations

import psutil
import pytest

from .conftest import ROOT
from .lsp_wire import RawServer

pytestmark = pytest.mark.e2e

SHOP = ROOT / "examples" / "shop"


@pytest.fixture
def server():
    srv = RawServer()
    srv.initialize(SHOP.as_uri())
    yield srv
    if srv.proc.poll() is None:
        srv.proc.kill()


def hover(srv: RawServer, uri: str, line: int, character: int) -> dict:
    rid = srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
    return srv.response(rid)


def test_malformed_messages_do_not_stop_the_server(server: RawServer) -> None:
    server.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}")
    server.send({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"bogus": True}})
    server.send({"jsonrpc": "2.0", "id": 100, "method": "no/suchMethod", "params": {}})
    unknown = server.response(100)
    assert unknown["error"]["code"] == -32601
    uri = (SHOP / "shop" / "pricing.py").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": (SHOP / "shop" / "pricing.py").read_text()}})
    answer = hover(server, uri, 8, 5)
    assert "result" in answer and server.proc.poll() is None, answer


def test_unopened_and_huge_documents(server: RawServer) -> None:
    missing = (SHOP / "missing.py").as_uri()
    assert hover(server, missing, 0, 0)["result"] is None
    huge = "x = 1\n" * 600_000
    uri = (SHOP / "huge.py").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": huge}})
    answer = hover(server, uri, 0, 0)
    assert "result" in answer and server.proc.poll() is None


def test_memory_stays_bounded_over_1000_edits(server: RawServer) -> None:
    path = SHOP / "shop" / "pricing.py"
    uri = path.as_uri()
    text = path.read_text()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    process = psutil.Process(server.proc.pid)
    samples = []
    for version in range(2, 1002):
        # type a character at the end, then delete it: a burst of real incremental edits
        line = text.count("\n")
        if version % 2 == 0:
            change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "#"}
        else:
            change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""}
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        if version % 100 == 0:
            assert "result" in hover(server, uri, 8, 5)
            samples.append(process.memory_info().rss)
    assert server.proc.poll() is None
    growth = samples[-1] - samples[1]
    assert growth < 60 * 1024 * 1024, [s // 1024 // 1024 for s in samples]


def test_shutdown_and_exit(server: RawServer) -> None:
    rid = server.request("shutdown", None)
    assert server.response(rid).get("error") is None
    server.notify("exit", None)
    assert server.proc.wait(timeout=30) == 0


def test_exits_when_the_client_goes_away() -> None:
    srv = RawServer()
    srv.initialize(None)
    srv.proc.stdin.close()
    srv.proc.wait(timeout=30)
    assert srv.proc.returncode is not None


def test_configuration_changes_take_effect(server: RawServer) -> None:
    path = SHOP / "shop" / "pricing.py"
    uri = path.as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": path.read_text()}})
    def hints() -> list:
        rid = server.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}})
        answer = server.response(rid)
        assert "result" in answer, answer
        return answer["result"]
    server.notify("workspace/didChangeConfiguration", {"settings": {"typelens": {"minConfidence": 0.99}}})
    strict = hints()
    server.notify("workspace/didChangeConfiguration", {"settings": {"typelens": {"minConfidence": 0.5}}})
    loose = hints()
    assert len(loose) > len(strict)
