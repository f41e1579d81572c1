"""Reading source code safely: encodings, binary files, NUL bytes, size limits.

:class:`Source` is what every later stage reads.  ``data`` is always valid UTF-8
(the bytes tree-sitter parses and every byte offset refers to); ``text`` is the
same content as ``str``.  Problems with the raw bytes become diagnostics, never
exceptions.

Example::

    >>> src = source_from_bytes(b"x = 1\\n\\xff\\n", path="a.py")
    >>> src.text
    'x = 1\\n\\ufffd\\n'
    >>> [d.code for d in src.diagnostics]
    ['decode-error']
"""

from __future__ import annotations

import codecs
import io
import logging
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


def _detect_encoding(raw: bytes) -> str:
    """The PEP 263 encoding of ``raw`` (BOM or coding cookie), defaulting to UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        return "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        return "utf-8"
    return encoding


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
    encoding = _detect_encoding(raw)
    text = raw.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = text.count("\ufffd") - raw.decode(encoding, errors="ignore").count("\ufffd")
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


def source_from_path(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, display: str | None = None) -> Source:
    """Read ``path`` (at most ``max_bytes`` plus one block are analysed).

    Raises :class:`InputError` when the path cannot be read at all; the per-file
    boundary in the CLI turns that into an ``unreadable-file`` diagnostic.
    """
    path = Path(path)
    name = display if display is not None else str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
            size = path.stat().st_size
    except OSError as err:
        raise InputError(codes.UNREADABLE_FILE.format(reason=f"{path}: {err.strerror or err}")) from err
    src = source_from_bytes(raw, name, max_bytes=max_bytes)
    if size > max_bytes and not src.is_binary:
        # The message must name the real size, not the size of what was read.
        fixed = tuple(
            Diagnostic.build("file-too-large", codes.FILE_TOO_LARGE.format(size=size, limit=max_bytes, kept=len(src.data)), d.span, name)
            if d.code == "file-too-large" else d
            for d in src.diagnostics
        )
        src = Source(src.path, src.data, src.text, src.encoding, src.is_binary, fixed)
    return src
