"""Reading source code safely: regular files only, size limits, encodings, binary
files, NUL bytes.

:class:`Source` is what every later stage reads.  ``data`` is always valid UTF-8
(the bytes tree-sitter parses and every byte offset refers to); ``text`` is the
same content as ``str``.  Problems with the raw bytes become diagnostics, never
exceptions.  :func:`read_regular_file` is the one way a file's bytes come in: a
FIFO, a device or a directory is refused before anything is read (a FIFO would
block forever, ``/dev/zero`` never ends), and at most the size cap plus one
byte is read, whatever ``stat`` said.

Example::

    >>> src = source_from_bytes(b"x = 1\\n\\xff\\n", path="a.py")
    >>> src.text
    'x = 1\\n\\ufffd\\n'
    >>> [d.code for d in src.diagnostics]
    ['decode-error']
"""

from __future__ import annotations

import codecs
import errno
import io
import logging
import os
import re
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .errors import InputError
from .spans import Diagnostic, Span

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_BINARY_SNIFF = 8192
_CONTROL_BYTES = bytes(b for b in range(32) if not 9 <= b <= 13 and b != 12)


@dataclass(frozen=True, slots=True)
class Source:
    """Decoded source text plus the UTF-8 bytes the parser sees."""

    path: str
    data: bytes
    text: str
    encoding: str
    is_binary: bool = False
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return Source, (self.path, self.data, self.text, self.encoding, self.is_binary, self.diagnostics)


def _looks_binary(raw: bytes) -> str | None:
    """A reason why ``raw`` looks like a binary file, or ``None``."""
    head = raw[:_BINARY_SNIFF]
    if not head:
        return None
    nul = head.count(0)
    if nul > max(8, len(head) // 100):
        return f"{nul} NUL bytes in the first {len(head)} bytes"
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) // 10:
        return f"{controls} control bytes in the first {len(head)} bytes"
    return None


_COOKIE = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t\f]*#.*?coding[:=]", re.MULTILINE)


_PRINTABLE_ASCII = bytes(range(32, 127)) + b"\t\n"


def detect_encoding(raw: bytes) -> tuple[str, str | None]:
    """The PEP 263 encoding of ``raw`` (BOM or coding cookie), and why it was not
    usable when UTF-8 is read instead: an unknown name, a bytes-to-bytes codec
    (``# coding: hex``) or one that is not ASCII-compatible (``utf-16``), which
    CPython refuses too."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as err:
        # without a cookie, the first lines are only not UTF-8: the count of replaced bytes says so
        return "utf-8", (str(err) if _COOKIE.search(b"\n".join(raw.split(b"\n", 2)[:2])) else None)
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        return "utf-8", f"unknown encoding {encoding!r}"
    if not info._is_text_encoding:
        return "utf-8", f"{encoding!r} is not a text encoding"
    try:
        # decoding, not encoding: ``utf-8-sig`` (a BOM) writes a BOM first but reads ASCII as itself
        ascii_compatible = _PRINTABLE_ASCII.decode(encoding) == _PRINTABLE_ASCII.decode("ascii")
    except (UnicodeError, LookupError, ValueError):
        ascii_compatible = False
    if not ascii_compatible:
        return "utf-8", f"{encoding!r} is not ASCII-compatible"
    return encoding, None


def _decode(raw: bytes, encoding: str) -> tuple[str, int] | None:
    """``raw`` decoded with replacement and the number of bytes replaced, or
    ``None`` when the codec fails even so (``idna``, ``punycode``, ``undefined``)."""
    try:
        text = raw.decode(encoding, errors="replace")
        bad = text.count("\ufffd") - raw.decode(encoding, errors="ignore").count("\ufffd")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None
    return text, bad


def _truncate(raw: bytes, limit: int) -> bytes:
    """``raw`` cut at the last line break within ``limit`` bytes."""
    cut = raw.rfind(b"\n", 0, limit)
    return raw[: cut + 1] if cut >= 0 else raw[:limit]


def source_from_bytes(raw: bytes, path: str = "<memory>", *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Decode ``raw`` into a :class:`Source`, reporting every repair as a diagnostic."""
    if max_bytes <= 0:
        raise ValueError(f"max_bytes={max_bytes!r} must be positive; pass the largest file size to analyse in bytes")
    diagnostics: list[Diagnostic] = []
    reason = _looks_binary(raw)
    if reason is not None:
        diagnostics.append(Diagnostic.build("binary-file", codes.BINARY_FILE.format(reason=reason), Span.empty(), path))
        return Source(path, b"", "", "binary", True, tuple(diagnostics))
    if len(raw) > max_bytes:
        kept = _truncate(raw, max_bytes)
        message = codes.FILE_TOO_LARGE.format(size=len(raw), limit=max_bytes, kept=len(kept))
        diagnostics.append(Diagnostic.build("file-too-large", message, Span.empty(), path))
        raw = kept
    encoding, problem = detect_encoding(raw)
    decoded = _decode(raw, encoding)
    if decoded is None:
        problem = f"the {encoding!r} codec fails on this file"
        encoding = "utf-8"
        decoded = _decode(raw, encoding)
        assert decoded is not None  # utf-8 with replacement always decodes
    text, bad = decoded
    if problem is not None:
        diagnostics.append(
            Diagnostic.build("decode-error", codes.BAD_ENCODING.format(reason=problem), Span.empty(), path)
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if bad:
        message = codes.DECODE_ERROR.format(count=bad, encoding=encoding)
        diagnostics.append(Diagnostic.build("decode-error", message, Span.empty(), path))
    nul = text.count("\x00")
    if nul:
        text = text.replace("\x00", " ")
        diagnostics.append(Diagnostic.build("nul-byte", codes.NUL_BYTE.format(count=nul), Span.empty(), path))
    return Source(path, text.encode("utf-8"), text, encoding, False, tuple(diagnostics))


def source_from_text(text: str, path: str = "<memory>") -> Source:
    """A :class:`Source` for text already in memory (editor buffers, tests)."""
    nul = text.count("\x00")
    diagnostics: tuple[Diagnostic, ...] = ()
    if nul:
        text = text.replace("\x00", " ")
        diagnostics = (Diagnostic.build("nul-byte", codes.NUL_BYTE.format(count=nul), Span.empty(), path),)
    return Source(path, text.encode("utf-8", errors="surrogatepass"), text, "utf-8", False, diagnostics)


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular_reason(mode: int) -> str | None:
    """Why a file of ``st_mode`` ``mode`` is not read (``None``: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((f"is {name}" for test, name in _FILE_KINDS if test(mode)), "is not a regular file")


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file a folder walk left out, and why (``is a dangling symbolic link``, ``is a FIFO``)."""

    path: Path
    reason: str


def listed_file_problem(path: Path, inside: Path | None) -> str | None:
    """Why the folder entry ``path`` is not analysed, or ``None`` when it is a
    readable regular file (through a symbolic link, one that resolves inside the
    folder ``inside``; any link when ``inside`` is ``None``)."""
    try:
        st = os.stat(path)
    except OSError as err:
        if os.path.islink(path):
            return "is a symbolic link loop" if err.errno == errno.ELOOP else "is a dangling symbolic link"
        return err.strerror or str(err)
    reason = not_regular_reason(st.st_mode)
    if reason is not None:
        return reason
    if inside is not None and os.path.islink(path):
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(inside):
            return f"is a symbolic link to {os.fsdecode(target)}, outside the analysed folder"
    if not os.access(path, os.R_OK):
        return "is not readable"
    return None


def read_regular_file(path: str | Path, max_bytes: int) -> tuple[bytes, int]:
    """At most ``max_bytes + 1`` bytes of the regular file ``path``, and its size.

    Raises :class:`InputError` for anything else (missing, unreadable, a FIFO, a
    device, a directory, a symlink loop).  The file is opened non-blocking and
    checked again once open, so a FIFO swapped in after the first check cannot
    block the read."""
    try:
        reason = not_regular_reason(os.stat(path).st_mode)
        if reason is not None:
            raise InputError(codes.UNREADABLE_FILE.format(reason=f"{os.fsdecode(path)}: {reason}"))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb", closefd=True) as handle:
            st = os.fstat(fd)
            reason = not_regular_reason(st.st_mode)
            if reason is not None:
                raise InputError(codes.UNREADABLE_FILE.format(reason=f"{os.fsdecode(path)}: {reason}"))
            return handle.read(max_bytes + 1), st.st_size
    except OSError as err:
        raise InputError(codes.UNREADABLE_FILE.format(reason=f"{os.fsdecode(path)}: {err.strerror or err}")) from err


def file_prefix(path: str | Path, max_bytes: int = 64 << 20) -> bytes:
    """The first ``max_bytes`` of ``path`` for callers that only show positions in it,
    or ``b""`` when it is no readable regular file: a FIFO or a device named in a
    diagnostic is never read."""
    try:
        return read_regular_file(path, max_bytes - 1)[0]
    except InputError:
        return b""


def source_from_path(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, display: str | None = None) -> Source:
    """Read ``path`` (at most ``max_bytes`` plus one byte are read and analysed).

    Raises :class:`InputError` when the path cannot be read at all or is not a
    regular file; the per-file boundary turns that into an ``unreadable-file``
    diagnostic.
    """
    path = Path(path)
    name = display if display is not None else str(path)
    raw, size = read_regular_file(path, max_bytes)
    src = source_from_bytes(raw, name, max_bytes=max_bytes)
    if size > max_bytes and not src.is_binary:
        # The message must name the real size, not the size of what was read.
        fixed = tuple(
            Diagnostic.build(
                "file-too-large",
                codes.FILE_TOO_LARGE.format(size=size, limit=max_bytes, kept=len(src.data)),
                d.span,
                name,
            )
            if d.code == "file-too-large"
            else d
            for d in src.diagnostics
        )
        src = Source(src.path, src.data, src.text, src.encoding, src.is_binary, fixed)
    return src
