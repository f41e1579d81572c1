"""Cutting the language server's input stream into messages, whatever the client sends.

An LSP message is a header block (``Content-Length: N`` and maybe other
``Name: value`` lines, each ending in CR LF), an empty line, and N bytes of JSON.
pygls's reader trusts N: a body a few bytes too long or too short leaves every
later message misaligned for good, and a huge N is allocated.  This decoder is
sans-IO (bytes in, events out) and resynchronises on the next ``Content-Length``
header instead.  That is sound because a header cannot occur inside a JSON text:
strings there escape CR and LF, and ``Content-Length:`` outside a string is not
JSON.  So:

* a body that runs into the next header (its N was too long) ends at that header:
  it comes out as a :class:`Misframed` event and the next message is read from
  the header on;
* a body cut short (N too small) comes out as a :class:`Frame` that will not
  parse, and the bytes left before the next header are skipped as junk;
* an N over ``max_body`` (64 MiB) is refused before anything is allocated, and
  the body that follows is skipped as junk, in bounded pieces;
* junk (bytes outside any frame) is dropped; the buffer never holds more than
  ``max_body`` plus one read while no header is found.

Example::

    >>> d = FrameDecoder()
    >>> d.feed(b'Content-Length: 9\\r\\n\\r\\n{"a": 1}Content-Length: 2\\r\\n\\r\\n{}')
    [Misframed(body=b'{"a": 1}', reason='the body ends after 8 of the 9 bytes its Content-Length announced: the next header starts there'), Frame(body=b'{}')]
    >>> d.feed(b'Content-Length: 2\\r\\n\\r\\n{"a": 1}')        # too short: the rest is junk
    [Frame(body=b'{"')]
    >>> d.feed(b"Content-Length: 2\\r\\n\\r\\n[]")
    [Junk(size=6, head=b'a": 1}'), Frame(body=b'[]')]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_MAX_BODY", "FrameDecoder", "Frame", "Junk", "Misframed"]

DEFAULT_MAX_BODY = 64 * 1024 * 1024
_MAX_DIGITS = 12  # more than a terabyte: refused without converting it
_KEEP = 1024  # bytes kept when skipping: a header may straddle two reads
# ``Content-Length`` then any other header lines, then the empty line
_HEADER = re.compile(
    rb"Content-Length[ \t]*:[ \t]*([0-9]+)[ \t]*\r\n(?:[!-9;-~]+[ \t]*:[^\r\n]*\r\n)*\r\n", re.IGNORECASE
)
_HEADER_LINES = re.compile(rb"(?:[!-9;-~]+[ \t]*:[^\r\n]*\r\n)*")
# the start of a header, cut off by the end of the bytes read so far (no JSON text ends so)
_HEADER_START = re.compile(
    rb"c(?:o(?:n(?:t(?:e(?:n(?:t(?:-(?:l(?:e(?:n(?:g(?:t(?:h[ \t]*(?::[ \t]*[0-9]*[ \t]*"
    rb"(?:\r(?:\n(?:[^\r\n]*\r\n)*[^\r\n]*\r?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?\Z",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One message body, framed as its header said (it may still not be JSON)."""

    body: bytes


@dataclass(frozen=True, slots=True)
class Misframed:
    """A body whose length did not match its header, skipped: never executed.
    ``body`` is all of it, or for a refused length its first bytes."""

    body: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes outside any frame (the rest of a cut-short body, noise), skipped."""

    size: int
    head: bytes


Event = Frame | Misframed | Junk


class FrameDecoder:
    """Bytes from the client in, :data:`Event` values out, in stream order."""

    def __init__(self, max_body: int = DEFAULT_MAX_BODY) -> None:
        if max_body <= 0:
            raise ValueError(f"max_body={max_body!r} must be positive; pass the largest message to accept in bytes")
        self.max_body = max_body
        self._buf = bytearray()
        self._length: int | None = None  # the announced size of the body being read (its header consumed)
        self._scanned = 0  # how much of that body was searched for a header
        self._junk = 0  # junk bytes dropped and not reported yet
        self._head = b""  # the first of them
        self._refused = ""  # why the body now skipped as junk was refused

    @property
    def buffered(self) -> int:
        """Bytes held: at most one body (``max_body``) plus one read."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        """Take the next bytes of the stream; return the events they complete."""
        self._buf += data
        events: list[Event] = []
        while (event := self._next()) is not None:
            events.append(event)
        return events

    def _next(self) -> Event | None:
        if self._length is not None:
            return self._body(self._length)
        buf = self._buf
        header = _HEADER.search(buf)
        if header is None:
            self._drop(len(buf) - _KEEP)
            return None
        if self._junk or self._refused or (header.start() and not _HEADER_LINES.fullmatch(buf, 0, header.start())):
            return self._end_junk(header.start())
        digits = header.group(1)
        del buf[: header.end()]
        length = int(digits) if len(digits) <= _MAX_DIGITS else None
        if length is None or length > self.max_body:
            # the body is skipped as junk, never held; its first bytes name the request
            self._refused = (
                f"Content-Length {digits[:20].decode()} is over the limit of {self.max_body} bytes: "
                "refused, its body skipped"
            )
            return self._next()
        self._length, self._scanned = length, 0
        return self._body(length)

    def _body(self, length: int) -> Event | None:
        buf = self._buf
        # a header starting inside the announced span: the body was shorter than that
        found = _HEADER.search(buf, max(0, self._scanned - _KEEP))
        if found is not None and found.start() >= length:
            found = None
        if found is None and (len(buf) < length or self._may_start_header(length)):
            self._scanned = len(buf)
            return None
        self._length = None
        if found is not None:
            body = bytes(buf[: found.start()])
            del buf[: found.start()]
            return Misframed(
                body,
                f"the body ends after {len(body)} of the {length} bytes its Content-Length "
                "announced: the next header starts there",
            )
        body = bytes(buf[:length])
        del buf[:length]
        return Frame(body)

    def _may_start_header(self, length: int) -> bool:
        """Whether the bytes read end in the start of a header begun inside the body's
        span: then more bytes must tell a body that was too long from a whole one."""
        cut = _HEADER_START.search(self._buf, max(0, length - _KEEP))
        return cut is not None and cut.start() < length

    def _end_junk(self, at: int) -> Event:
        self._drop(at)
        size, head, refused = self._junk, self._head, self._refused
        self._junk, self._head, self._refused = 0, b"", ""
        return Misframed(head, refused) if refused else Junk(size, head)

    def _drop(self, count: int) -> None:
        if count <= 0:
            return
        if len(self._head) < _KEEP:
            self._head += bytes(self._buf[: min(count, _KEEP - len(self._head))])
        self._junk += count
        del self._buf[:count]
