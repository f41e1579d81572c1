"""A file's raw bytes beside the normalised bytes the analysis reads.

:class:`~typelens.analyzer.source.Source` hands every later stage valid UTF-8
(``Source.data``): the file is decoded with its PEP 263 encoding, an invalid
sequence becomes U+FFFD, a NUL a space, a BOM is dropped.  Tree-sitter reads a
lone CR as an ordinary character (a comment runs on to the next LF, swallowing
the rest of a CR-only file), while Python ends a line there; so the analysis
reads :func:`lf_normalised` bytes, in which each lone CR is an LF (the same
length, so every offset stays put).

Edits are planned in ``Source.data`` offsets.  :class:`RawFile` maps those offsets
back to the raw file and splices the edits into the *raw* bytes, so that every
byte outside an edit is kept exactly: invalid sequences, NUL bytes, a BOM, CR,
CRLF or mixed line ends, and any ASCII-compatible encoding.  A splice is checked
by reading the result back; a mismatch raises :class:`RawBytesError`, never a
silently different file.

Example::

    >>> rf = raw_file(b"# caf\\xe9\\r\\nx = 1\\r\\n", "a.py")   # latin-1 bytes, no cookie
    >>> rf.source.data                       # what the analysis reads
    b'# caf\\xef\\xbf\\xbd\\r\\nx = 1\\r\\n'
    >>> rf.splice([(len(rf.source.data) - 6, len(rf.source.data) - 6, ": int")])
    b'# caf\\xe9\\r\\nx: int = 1\\r\\n'
"""

from __future__ import annotations

import bisect
import codecs
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import TypelensError
from .source import DEFAULT_MAX_BYTES, Source, detect_encoding, source_from_bytes

logger = logging.getLogger(__name__)

_LONE_CR = re.compile(rb"\r(?!\n)")
_ASCII_PROBE = "\n\r\t #:=()[],.'\"\\+-_azAZ09"

# edits are (start, end, text) in Source.data byte offsets, text as it is to read in Source.data
DataEdit = tuple[int, int, str]


class RawBytesError(TypelensError):
    """The raw bytes of a file cannot carry an edit exactly (a binary or truncated
    file, an encoding that is not ASCII-compatible, text the encoding cannot
    write, or offsets that do not map back).  Callers leave the file alone."""


def lf_normalised(raw: bytes) -> bytes:
    """``raw`` with every lone CR (one not followed by LF) read as LF; same length."""
    return _LONE_CR.sub(b"\n", raw) if b"\r" in raw else raw


def dominant_newline(raw: bytes) -> str:
    """The line end most lines of ``raw`` use: ``"\\n"``, ``"\\r\\n"`` or ``"\\r"``."""
    crlf = raw.count(b"\r\n")
    counts = {"\n": raw.count(b"\n") - crlf, "\r\n": crlf, "\r": raw.count(b"\r") - crlf}
    return max(counts, key=lambda k: (counts[k], k == "\n"))


def _insert_codec(encoding: str) -> str:
    """The codec that writes inserted text (``utf-8-sig`` would prefix each with a BOM)."""
    name = codecs.lookup(encoding).name
    return "utf-8" if name in ("utf-8-sig", "utf_8_sig") else name


def is_ascii_compatible(encoding: str) -> bool:
    """Whether ASCII text reads and writes as itself in ``encoding``."""
    try:
        codec = _insert_codec(encoding)
        return _ASCII_PROBE.encode(codec) == _ASCII_PROBE.encode("ascii") and (
            _ASCII_PROBE.encode("ascii").decode(codec) == _ASCII_PROBE
        )
    except (LookupError, UnicodeError):
        return False


@dataclass(frozen=True, slots=True)
class RawFile:
    """The raw bytes of one file and the :class:`Source` the analysis reads."""

    path: str
    raw: bytes
    analysed: bytes  # lf_normalised(raw): what the index parses
    source: Source  # of ``analysed``; its ``data`` is the edit coordinate system
    newline: str  # the file's dominant line end, for inserted lines
    codec: str  # writes inserted text

    @property
    def data_newline(self) -> str:
        """The line end inserted text uses in ``Source.data`` coordinates."""
        return "\r\n" if self.newline == "\r\n" else "\n"

    def can_encode(self, text: str) -> bool:
        try:
            text.encode(self.codec)
        except UnicodeEncodeError:
            return False
        return True

    def splice(self, edits: Sequence[DataEdit]) -> bytes:
        """The raw bytes with ``edits`` applied, every other byte kept.

        Raises :class:`RawBytesError` when a text cannot be written in the file's
        encoding or the result would not read back as ``edits`` applied to
        ``Source.data``."""
        ordered = sorted(edits, key=lambda e: (e[0], e[1]))
        for (_, end, _), (start, _, _) in zip(ordered, ordered[1:]):
            if start < end:
                raise RawBytesError(f"{self.path}: overlapping edits at byte {start}")
        offsets = raw_offsets(self, {o for s, e, _ in ordered for o in (s, e)})
        out, at = bytearray(), 0
        for start, end, text in ordered:
            out += self.raw[at : offsets[start]]
            out += self._raw_text(text)
            at = offsets[end]
        out += self.raw[at:]
        new_raw = bytes(out)
        expected = apply_data_edits(self.source.data, ordered)
        if source_from_bytes(lf_normalised(new_raw), self.path, max_bytes=len(new_raw) + 1).data != expected:
            raise RawBytesError(f"{self.path}: the edited bytes would not read back as planned")
        return new_raw

    def _raw_text(self, text: str) -> bytes:
        if self.newline == "\r":
            text = text.replace("\n", "\r")
        try:
            return text.encode(self.codec)
        except UnicodeEncodeError as err:
            raise RawBytesError(f"{self.path}: {text!r} cannot be written in {self.codec}") from err


def raw_file(raw: bytes, path: str = "<memory>", *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawFile:
    """A :class:`RawFile` of ``raw``; :class:`RawBytesError` if edits could not be exact."""
    analysed = lf_normalised(raw)
    source = source_from_bytes(analysed, path, max_bytes=max_bytes)
    if source.is_binary:
        raise RawBytesError(f"{path}: the file looks binary")
    if any(d.code == "file-too-large" for d in source.diagnostics):
        raise RawBytesError(f"{path}: the file is larger than the analysis limit of {max_bytes} bytes")
    _, unusable = detect_encoding(analysed)
    if unusable is not None:  # written back as UTF-8, the file would contradict its own cookie
        raise RawBytesError(f"{path}: the declared encoding cannot be used ({unusable})")
    if not is_ascii_compatible(source.encoding):
        raise RawBytesError(f"{path}: its encoding {source.encoding} is not ASCII-compatible")
    return RawFile(path, raw, analysed, source, dominant_newline(raw), _insert_codec(source.encoding))


def apply_data_edits(data: bytes, edits: Iterable[DataEdit]) -> bytes:
    """``data`` with ``edits`` (sorted, not overlapping) applied."""
    out, at = bytearray(), 0
    for start, end, text in edits:
        out += data[at:start] + text.encode("utf-8")
        at = end
    return bytes(out + data[at:])


def raw_offsets(rf: RawFile, offsets: Iterable[int]) -> dict[int, int]:
    """Each ``Source.data`` offset in ``offsets`` -> the raw offset of the same place."""
    data, analysed = rf.source.data, rf.analysed
    skip = 3 if analysed.startswith(codecs.BOM_UTF8) and not data.startswith(codecs.BOM_UTF8) else 0
    wanted = sorted(set(offsets))
    if any(not 0 <= o <= len(data) for o in wanted):
        raise RawBytesError(f"{rf.path}: an edit lies outside the file")
    if analysed[skip:] == data:
        return {o: o + skip for o in wanted}
    return _LineMap(rf, skip).offsets(wanted)


class _LineMap:
    """Line-by-line correspondence of ``Source.data`` and the raw bytes: LF is the
    same byte in both (ASCII-compatible encodings), so line *i* of one is line *i*
    of the other, and only a line holding an edit is decoded piece by piece."""

    def __init__(self, rf: RawFile, skip: int) -> None:
        self.rf, self.skip = rf, skip
        self.data_starts = _line_starts(rf.source.data, 0)
        self.raw_starts = _line_starts(rf.analysed, skip)
        if len(self.data_starts) != len(self.raw_starts):
            raise RawBytesError(f"{rf.path}: its lines do not map onto the decoded text")
        self.codec = rf.codec

    def offsets(self, wanted: list[int]) -> dict[int, int]:
        return {o: self._offset(o) for o in wanted}

    def _offset(self, d: int) -> int:
        data, analysed = self.rf.source.data, self.rf.analysed
        line = bisect.bisect_right(self.data_starts, d) - 1
        ds, rs = self.data_starts[line], self.raw_starts[line]
        de = self.data_starts[line + 1] if line + 1 < len(self.data_starts) else len(data)
        re_ = self.raw_starts[line + 1] if line + 1 < len(self.raw_starts) else len(analysed)
        text, raw = data[ds:de].decode("utf-8"), analysed[rs:re_]
        k = len(data[ds:d].decode("utf-8"))
        if self._decode(raw) != text:
            raise RawBytesError(f"{self.rf.path}: line {line + 1} does not decode on its own")
        cut = _split_point(raw, text, k, self._decode)
        if cut is None:
            raise RawBytesError(f"{self.rf.path}: no byte of line {line + 1} matches the edit's place")
        return rs + cut

    def _decode(self, raw: bytes) -> str:
        # the same repairs as Source: invalid sequences -> U+FFFD, NUL -> space
        return raw.decode(self.codec, errors="replace").replace("\x00", " ")


def _line_starts(data: bytes, first: int) -> list[int]:
    starts, at = [first], data.find(b"\n", first)
    while at >= 0:
        starts.append(at + 1)
        at = data.find(b"\n", at + 1)
    return starts


def _split_point(raw: bytes, text: str, k: int, decode) -> int | None:
    """The byte ``r`` of ``raw`` whose two halves decode to ``text[:k]`` and ``text[k:]``."""
    lo, hi = 0, len(raw)
    while lo < hi:  # the decoded length of a prefix never shrinks as it grows
        mid = (lo + hi) // 2
        if len(decode(raw[:mid])) < k:
            lo = mid + 1
        else:
            hi = mid
    for r in range(lo, min(lo + 4, len(raw)) + 1):
        if decode(raw[:r]) == text[:k] and decode(raw[r:]) == text[k:]:
            return r
    return None
