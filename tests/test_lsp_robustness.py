"""The server never exits on bad input, answers every request (an LSP error for
a bad one), resynchronises after a misframed message, keeps memory bounded, and
stops on ``exit`` or when its client goes away."""

from __future__ import annotations

import graphlib
import json
from pathlib import Path

import psutil
import pytest

from .conftest import ROOT
from .lsp_replay import gather, identifier_positions, typing_session
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
    rid = srv.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
    )
    return srv.response(rid)


def test_malformed_messages_do_not_stop_the_server(server: RawServer) -> None:
    server.send_raw(b"Content-Length: 12\r\n\r\n{not json!!}")
    server.send({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"bogus": True}})
    server.send({"jsonrpc": "2.0", "id": 100, "method": "no/suchMethod", "params": {}})
    unknown = server.response(100)
    assert unknown["error"]["code"] == -32601
    uri = (SHOP / "shop" / "pricing.py").as_uri()
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": (SHOP / "shop" / "pricing.py").read_text(),
            }
        },
    )
    answer = hover(server, uri, 8, 5)
    assert "result" in answer and server.proc.poll() is None, answer


def test_unopened_and_huge_documents(server: RawServer) -> None:
    missing = (SHOP / "missing.py").as_uri()
    assert hover(server, missing, 0, 0)["result"] is None
    huge = "x = 1\n" * 600_000
    uri = (SHOP / "huge.py").as_uri()
    server.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": huge}}
    )
    answer = hover(server, uri, 0, 0)
    assert "result" in answer and server.proc.poll() is None


def test_memory_stays_bounded_over_1000_edits(server: RawServer) -> None:
    path = SHOP / "shop" / "pricing.py"
    uri = path.as_uri()
    text = path.read_text()
    server.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
    )
    process = psutil.Process(server.proc.pid)
    samples = []
    for version in range(2, 1002):
        # type a character at the end, then delete it: a burst of real incremental edits
        line = text.count("\n")
        if version % 2 == 0:
            change = {
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
                "text": "#",
            }
        else:
            change = {
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}},
                "text": "",
            }
        server.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        )
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
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}},
    )

    def hints() -> list:
        rid = server.request(
            "textDocument/inlayHint",
            {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}},
            },
        )
        answer = server.response(rid)
        assert "result" in answer, answer
        return answer["result"]

    server.notify("workspace/didChangeConfiguration", {"settings": {"typelens": {"minConfidence": 0.99}}})
    strict = hints()
    server.notify("workspace/didChangeConfiguration", {"settings": {"typelens": {"minConfidence": 0.5}}})
    loose = hints()
    assert len(loose) > len(strict)


# -- malformed messages: every request gets an answer, the server stays ------------------
PRICING = SHOP / "shop" / "pricing.py"


def open_pricing(srv: RawServer) -> str:
    uri = PRICING.as_uri()
    srv.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": PRICING.read_text()}},
    )
    return uri


def frame(message: dict, delta: int = 0) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) + delta) + body


def hover_request(rid, uri: str, position) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": rid,
        "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": position},
    }


def still_answers(srv: RawServer, uri: str) -> None:
    answer = hover(srv, uri, 7, 5)  # ``total_price`` in its def line
    assert "total_price" in answer["result"]["contents"]["value"]
    assert srv.proc.poll() is None


BAD_POSITIONS = [
    ({"line": -1, "character": 0}, "line"),
    ({"line": 0, "character": -5}, "character"),
    ({"line": 2**31, "character": 0}, "line"),
    ({"line": 0, "character": 2**63}, "character"),
    ({"line": 1.5, "character": 0}, "line"),
    ({"line": "3", "character": 0}, "line"),
    ({"line": None, "character": 0}, "line"),
    ({"line": 3}, "character"),
    ({"line": True, "character": 0}, "line"),
]


def test_invalid_positions_get_invalid_params(server: RawServer) -> None:
    uri = open_pricing(server)
    for rid, (position, field) in enumerate(BAD_POSITIONS, 40):
        server.send(hover_request(rid, uri, position))
        error = server.response(rid)["error"]
        assert error["code"] == -32602 and field in error["message"], (position, error)
    still_answers(server, uri)


def test_missing_and_wrong_fields_get_invalid_params(server: RawServer) -> None:
    uri = open_pricing(server)
    requests = {
        50: ("textDocument/hover", {"position": {"line": 0, "character": 0}}),
        51: ("textDocument/hover", {"textDocument": {"uri": uri}}),
        52: ("textDocument/hover", None),
        53: ("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}}}),
        54: ("textDocument/completion", {"textDocument": {"uri": 7}, "position": {"line": 0, "character": 0}}),
        55: ("textDocument/definition", {"textDocument": {"uri": uri}, "position": [0, 0]}),
    }
    for rid, (method, params) in requests.items():
        server.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
    for rid in requests:
        assert server.response(rid)["error"]["code"] == -32602
    # the largest position LSP allows is fine: clamped to the document
    server.send(hover_request(56, uri, {"line": 2**31 - 1, "character": 2**31 - 1}))
    assert "error" not in server.response(56)
    still_answers(server, uri)


def test_bad_envelopes_get_invalid_request(server: RawServer) -> None:
    uri = open_pricing(server)
    bad = [
        ({"jsonrpc": "2.0", "id": 60, "method": 12}, 60),
        ({"jsonrpc": "1.0", "id": 61, "method": "shutdown"}, 61),
        ({"jsonrpc": "2.0", "id": 62, "method": "textDocument/hover", "params": "x"}, 62),
        (
            {
                "jsonrpc": "2.0",
                "id": 63,
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 2, "text": ""}},
            },
            63,
        ),
        ({"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"}, None),
        ([1, 2], None),
        ("hello", None),
    ]
    for message, rid in bad:
        server.send_raw(frame(message))
        assert server.response(rid)["error"]["code"] == -32600, message
    still_answers(server, uri)  # the didOpen sent as a request did not replace the text


def test_bodies_that_are_not_json_get_parse_errors(server: RawServer) -> None:
    uri = open_pricing(server)
    server.send_raw(b"Content-Length: 5\r\n\r\n{bad}")
    assert server.response(None)["error"]["code"] == -32700
    broken = b'{"jsonrpc": "2.0", "id": 70, "method": "textDocument/hover", "params": {'
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(broken) + broken)
    assert server.response(70)["error"]["code"] == -32700
    deep = b"[" * 200_000 + b"]" * 200_000
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    assert server.response(None)["error"]["code"] == -32700
    server.send_raw(b"Content-Length: 0\r\n\r\n")
    assert server.response(None)["error"]["code"] == -32700
    still_answers(server, uri)


def test_wrong_content_length_resynchronises(server: RawServer) -> None:
    uri = open_pricing(server)
    at = {"line": 7, "character": 5}
    for rid, delta in zip(range(100, 200, 4), (-5, -1, 1, 3, 7, -40, 40)):
        # a request whose header lies by a few bytes, then a well-framed one right behind it
        server.send_raw(frame(hover_request(rid, uri, at), delta) + frame(hover_request(rid + 1, uri, at)))
        assert server.response(rid)["error"]["code"] == -32700, delta
        assert "total_price" in server.response(rid + 1)["result"]["contents"]["value"]
        # the same with the next message arriving later (a too long body waits for it)
        server.send_raw(frame(hover_request(rid + 2, uri, at), delta))
        server.send_raw(frame(hover_request(rid + 3, uri, at)))
        assert server.response(rid + 2)["error"]["code"] == -32700, delta
        assert "total_price" in server.response(rid + 3)["result"]["contents"]["value"]
    still_answers(server, uri)


def test_huge_content_length_is_refused_without_allocating(server: RawServer) -> None:
    uri = open_pricing(server)
    still_answers(server, uri)  # the analysis's own memory is in place before measuring
    process = psutil.Process(server.proc.pid)
    before = process.memory_info().rss
    for length in (2**40, 10**30, 100 * 1024 * 1024):
        body = json.dumps(hover_request(90, uri, {"line": 7, "character": 5})).encode()
        server.send_raw(b"Content-Length: %d\r\n\r\n" % length + body + b"x" * 300_000)
        server.send_raw(frame(hover_request(91, uri, {"line": 7, "character": 5})))
        assert server.response(90)["error"]["code"] == -32700
        assert "total_price" in server.response(91)["result"]["contents"]["value"]
    assert process.memory_info().rss - before < 50 * 1024 * 1024
    still_answers(server, uri)


def test_junk_between_messages_is_skipped(server: RawServer) -> None:
    uri = open_pricing(server)
    server.send_raw(b"garbage without a header\r\n\r\n" + b"\x00\xff" * 5000)
    server.send_raw(
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
        + frame(hover_request(95, uri, {"line": 7, "character": 5}))
    )
    assert "total_price" in server.response(95)["result"]["contents"]["value"]
    server.send_raw(b"Content-Length: 12\r\n")  # a header cut off, then a whole message
    server.send_raw(b"\r\n" + frame(hover_request(96, uri, {"line": 7, "character": 5}))[:12])
    server.send_raw(frame(hover_request(97, uri, {"line": 7, "character": 5})))
    assert "total_price" in server.response(97)["result"]["contents"]["value"]
    still_answers(server, uri)


def test_requests_after_shutdown_get_invalid_request(server: RawServer) -> None:
    uri = open_pricing(server)
    assert "error" not in server.response(server.request("shutdown", None))
    error = hover(server, uri, 7, 5)["error"]
    assert error["code"] == -32600 and "shutdown" in error["message"]
    assert server.response(server.request("shutdown", None))["error"]["code"] == -32600
    server.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x = 1\n"}]}
    )
    assert server.response(server.request("no/suchMethod", {}))["error"]["code"] == -32600
    server.notify("exit", None)
    assert server.proc.wait(timeout=30) == 0


def test_requests_before_initialize_and_exit_without_shutdown() -> None:
    srv = RawServer()
    try:
        rid = srv.request(
            "textDocument/hover", {"textDocument": {"uri": PRICING.as_uri()}, "position": {"line": 0, "character": 0}}
        )
        assert srv.response(rid)["error"]["code"] == -32002
        srv.initialize(SHOP.as_uri())
        srv.notify("exit", None)
        assert srv.proc.wait(timeout=30) == 1  # LSP: exit without shutdown is an error
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()


# -- text kept exact under any Unicode the client sends -----------------------------------
def hover_at(srv: RawServer, uri: str, line: int, character: int) -> tuple[str, dict] | None:
    result = hover(srv, uri, line, character)["result"]
    return None if result is None else (result["contents"]["value"].split("\n")[1], result["range"])


def test_lone_surrogates_become_replacement_characters(server: RawServer) -> None:
    uri = (SHOP / "shop" / "scratch.py").as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "s = 'ab'\nvalue = 1.5\n"}},
    )
    # JSON can carry a lone surrogate (UTF-8 cannot): the edit is applied, with U+FFFD
    body = (
        '{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "%s", '
        '"version": 2}, "contentChanges": [{"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, '
        '"character": 7}}, "text": "\\ud800\\udc00\\udfff x"}]}}' % uri
    ).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    # "s = 'ab\U00010000\udfff x'": the pair is one character (2 units), the lone one 1 unit,
    # so the closing quote is at 12 and "n" at 16
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [
                {
                    "range": {"start": {"line": 0, "character": 12}, "end": {"line": 0, "character": 13}},
                    "text": "y'; n = 2",
                },
                {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 5}}, "text": "count"},
            ],
        },
    )
    final = "s = 'ab\U00010000\ufffd xy'; n = 2\ncount = 1.5\n"
    typed = [hover_at(server, uri, 0, c) for c in (0, 16, 20)] + [hover_at(server, uri, 1, 2)]
    fresh_uri = (SHOP / "shop" / "scratch2.py").as_uri()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": fresh_uri, "languageId": "python", "version": 1, "text": final}},
    )
    fresh = [hover_at(server, fresh_uri, 0, c) for c in (0, 16, 20)] + [hover_at(server, fresh_uri, 1, 2)]
    assert typed == fresh
    assert typed[1][0] == "(variable) n: int" and typed[1][1]["start"] == {"line": 0, "character": 16}
    assert typed[3][0] == "(variable) count: float"


def test_invalid_utf8_in_a_body_is_decoded_not_dropped(server: RawServer) -> None:
    uri = (SHOP / "shop" / "scratch.py").as_uri()
    body = (
        '{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "%s", '
        '"languageId": "python", "version": 1, "text": "s = \'\xff\xfe\'; n = 2\\n"}}}' % uri
    ).encode("latin-1")
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    found = hover_at(server, uri, 0, 10)  # after two U+FFFD, one unit each
    assert found is not None and found[0] == "(variable) n: int"


# -- answers after a typing session equal a fresh open's ---------------------------------
TYPED_FILE = Path(graphlib.__file__)


def final_answers(srv: RawServer, uri: str, text: str) -> list:
    """Inlay hints over the whole file, then a hover at every identifier."""
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n") + 1, "character": 0}}
    ids = [srv.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": whole})]
    ids += [
        srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})
        for at in identifier_positions(text)
    ]
    found = gather(srv, ids)
    return [found[i].get("result", found[i].get("error")) for i in ids]


def test_answers_after_typing_a_real_file_equal_a_fresh_open(tmp_path: Path) -> None:
    final = TYPED_FILE.read_text(encoding="utf-8")
    target = tmp_path / "typed.py"
    target.write_text(final, encoding="utf-8")
    uri = target.as_uri()
    opened, session = typing_session(final, seed=7)
    assert opened == "" and len(session) > 1500
    typed_server, fresh_server = RawServer(), RawServer()
    try:
        typed_server.initialize(tmp_path.as_uri())
        typed_server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": ""}}
        )
        during = []
        for version, step in enumerate(session, 2):
            typed_server.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": step.changes},
            )
            if version % 40 == 0:  # questions while typing, pipelined with the edits
                during.append(
                    typed_server.request(
                        "textDocument/hover",
                        {"textDocument": {"uri": uri}, "position": step.changes[0]["range"]["start"]},
                    )
                )
        assert all("result" in m for m in gather(typed_server, during).values())
        typed = final_answers(typed_server, uri, final)
        fresh_server.initialize(tmp_path.as_uri())
        fresh_server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": final}}
        )
        fresh = final_answers(fresh_server, uri, final)
    finally:
        typed_server.close(), fresh_server.close()
    assert len(fresh[0]) > 10 and sum(h is not None for h in fresh[1:]) > len(fresh) // 4
    differ = [(i, a, b) for i, (a, b) in enumerate(zip(typed, fresh)) if a != b]
    assert not differ, f"{len(differ)} of {len(fresh)} answers differ, first: {differ[:3]}"
