"""The language server's frame decoder (``typelens.lsp.framing``): well-framed
streams cut anywhere decode exactly; after a header that lies, the next message
is read intact; memory stays bounded whatever the stream holds."""

from __future__ import annotations

import doctest
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from typelens.lsp import framing
from typelens.lsp.framing import Frame, FrameDecoder, Junk, Misframed

bodies = st.lists(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet=st.characters(codec="utf-8")),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    ),
    min_size=1,
    max_size=6,
).map(lambda values: [json.dumps(v).encode() for v in values])


def framed(body: bytes, delta: int = 0, extra: bytes = b"") -> bytes:
    return b"Content-Length: %d\r\n%s\r\n" % (len(body) + delta, extra) + body


def feed_in_pieces(decoder: FrameDecoder, stream: bytes, cuts: list[int]) -> list:
    events, last = [], 0
    for cut in sorted({c % (len(stream) + 1) for c in cuts}) + [len(stream)]:
        events += decoder.feed(stream[last:cut])
        last = cut
    return events


@settings(max_examples=150, deadline=None)
@given(bodies, st.lists(st.integers(min_value=0), max_size=12), st.booleans())
def test_well_framed_streams_decode_exactly_however_they_are_cut(messages, cuts, typed) -> None:
    extra = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" if typed else b""
    stream = b"".join(framed(m, extra=extra) for m in messages)
    assert feed_in_pieces(FrameDecoder(), stream, cuts) == [Frame(m) for m in messages]


@settings(max_examples=150, deadline=None)
@given(
    bodies,
    bodies,
    st.integers(min_value=-30, max_value=30).filter(bool),
    st.lists(st.integers(min_value=0), max_size=8),
)
def test_after_a_lying_header_the_next_messages_come_out_intact(before, after, delta, cuts) -> None:
    bad = b'{"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {}}'
    stream = b"".join(framed(m) for m in before) + framed(bad, delta) + b"".join(framed(m) for m in after)
    events = feed_in_pieces(FrameDecoder(), stream, cuts)
    assert events[: len(before)] == [Frame(m) for m in before]
    rest = events[len(before) :]
    if delta > 0:  # too long: runs into the next header, which ends it
        assert rest[0] == Misframed(bad, rest[0].reason) and "next header" in rest[0].reason
        rest = rest[1:]
    else:  # too short: framed as announced, the rest skipped
        assert rest[0] == Frame(bad[: len(bad) + delta]) and rest[1] == Junk(-delta, bad[delta:])
        rest = rest[2:]
    assert rest == [Frame(m) for m in after]


def test_a_huge_content_length_is_refused_and_memory_stays_bounded() -> None:
    decoder = FrameDecoder(max_body=1024 * 1024)
    events = decoder.feed(b'Content-Length: 1099511627776\r\n\r\n{"jsonrpc": "2.0", "id": 9, "method"')
    high = 0
    for _ in range(40):  # 40 MiB of the refused body, never held
        events += decoder.feed(b"x" * 1024 * 1024)
        high = max(high, decoder.buffered)
    events += decoder.feed(framed(b"{}"))
    assert high <= 1024 * 1024 + 2048
    assert [type(e) for e in events] == [Misframed, Frame]
    assert events[0].body.startswith(b'{"jsonrpc": "2.0", "id": 9') and "over the limit" in events[0].reason
    digits = FrameDecoder().feed(b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n" + framed(b"[]"))
    assert [type(e) for e in digits] == [Misframed, Frame]


def test_junk_without_any_header_is_dropped_as_it_comes() -> None:
    decoder = FrameDecoder(max_body=4096)
    for _ in range(1000):
        assert decoder.feed(b"noise \r\n\r\n no header here " * 50) == []
        assert decoder.buffered <= 4096
    events = decoder.feed(framed(b"[1]"))
    assert isinstance(events[0], Junk) and events[0].size > 1_000_000 and events[1:] == [Frame(b"[1]")]


def test_the_module_example_holds() -> None:
    assert doctest.testmod(framing).failed == 0
