"""Positions, spans and diagnostics: the immutable values every layer passes around.

A :class:`Span` is in tree-sitter's units: byte offsets into the UTF-8 source plus
0-based ``(row, byte column)`` points.  Conversion to 1-based lines or UTF-16 columns
happens only at the edges (``typelens.cli.positions``, ``typelens.lsp``).

Example::

    >>> span = Span(0, 3, 0, 0, 0, 3)
    >>> Diagnostic.build("syntax-error", "syntax error near 'def'", span).severity
    'error'
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes import code_named


@dataclass(frozen=True, slots=True)
class Span:
    """A region of source: ``[start_byte, end_byte)`` and 0-based (row, byte-column) points."""

    start_byte: int
    end_byte: int
    start_row: int
    start_col: int
    end_row: int
    end_col: int

    @classmethod
    def empty(cls) -> "Span":
        return cls(0, 0, 0, 0, 0, 0)

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return Span, (self.start_byte, self.end_byte, self.start_row, self.start_col, self.end_row, self.end_col)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in the analysed code (never in typelens itself)."""

    code: str
    message: str
    span: Span
    severity: str
    path: str = ""

    @classmethod
    def build(cls, code: str, message: str, span: Span, path: str = "") -> "Diagnostic":
        """A diagnostic with the registered default severity of ``code``."""
        return cls(code, message, span, code_named(code).severity.value, path)

    def to_dict(self) -> dict:
        span = self.span
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "start": [span.start_row, span.start_col],
            "end": [span.end_row, span.end_col],
        }

    def __reduce__(self) -> tuple:
        # pickled whole by its constructor: compiled by mypyc, the default sets each field of a
        # bare instance, which a frozen class refuses (graphs built in --jobs workers)
        return Diagnostic, (self.code, self.message, self.span, self.severity, self.path)
