"""Suppression comments: the findings a file's own comments switch off.

Read from the comments as the parser finds them, so ``"# type: ignore"`` inside
a string literal is text, not a suppression (a file that parsed without an error
is read by a lexical pass that gives the parser's answer, :mod:`.comments`).  The forms, as mypy, pyright and ruff spell them:

* ``x.size  # type: ignore`` and ``# typelens: ignore``: every finding that starts
  on this line;
* ``# type: ignore[attr-defined, call-arg]`` and ``# typelens: ignore[attr-defined]``:
  only those rules on this line (mypy's codes of the same name are ours; others,
  such as ``[assignment]``, suppress nothing here);
* ``# typelens: ignore-file`` (optionally ``[codes]``) or a bare ``# type: ignore``
  in the file's first comment block, before any statement (a docstring is a
  statement): the whole file, or those rules in it.

``internal-error`` (typelens's own failure) is never suppressed.  With the rule
``unused-ignore`` selected, a suppression (or a code in one) that suppressed
nothing is reported; mypy's codes we do not have are not.

Example::

    >>> found = [Diagnostic.build("attr-defined", "...", Span(10, 16, 1, 0, 1, 6))]
    >>> apply_suppressions(found, b"import re\\nb.sise  # type: ignore[attr-defined]\\n")
    []
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from typelens.analyzer import Diagnostic, Span, codes
from typelens.analyzer.parsing import parse_bytes

from .comments import comment_starts

logger = logging.getLogger(__name__)

_DIRECTIVE = re.compile(
    rb"#\s*(?P<tool>type|typelens):\s*(?P<what>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?(?![\w\[-])"
)
_NEVER_SUPPRESSED = frozenset({"internal-error"})
# a graph with one of these was parsed from text the lexical pass may read otherwise
_PARSE_PROBLEMS = frozenset({"syntax-error", "missing-token", "parser-limit"})


@dataclass(frozen=True, slots=True)
class Suppression:
    """One directive: ``codes`` None means every rule; ``row`` -1 means the whole file."""

    row: int
    codes: frozenset[str] | None
    span: Span
    text: str
    is_typelens: bool


def _span(data: bytes, start: int, end: int, row: int) -> Span:
    line_start = data.rfind(b"\n", 0, start) + 1
    return Span(start, end, row, start - line_start, row, end - line_start)


def _directives(data: bytes, start: int, end: int, row: int, is_header: bool, path: str) -> list[Suppression]:
    """The directives of the comment ``data[start:end]`` on ``row``."""
    found = []
    for match in _DIRECTIVE.finditer(data, start, end):
        listed = match["codes"]
        names = (
            None
            if listed is None
            else frozenset(c.strip().decode("utf-8", "replace") for c in listed.split(b",") if c.strip())
        )
        is_typelens = match["tool"] == b"typelens"
        if match["what"] == b"ignore-file" and not is_typelens:
            continue  # "# type: ignore-file" is no one's syntax
        if match["what"] == b"ignore-file" and not is_header:
            logger.warning("%s:%d: '# typelens: ignore-file' below the first statement is not honoured", path, row + 1)
            continue
        is_file = match["what"] == b"ignore-file" or (is_header and not is_typelens)
        text = match[0].decode("utf-8", "replace")
        found.append(
            Suppression(-1 if is_file else row, names, _span(data, match.start(), match.end(), row), text, is_typelens)
        )
    return found


def suppressions_of(data: bytes, path: str = "", *, is_clean: bool = False) -> list[Suppression]:
    """Every suppression directive in the comments of ``data`` (UTF-8 source).

    ``is_clean``: the caller's parse of ``data`` found no syntax error (nor a
    parser limit); the comments are then found by a lexical pass
    (:func:`.comments.comment_starts`), which gives the parser's answer, and
    ``data`` is parsed only where that pass gives up."""
    if _DIRECTIVE.search(data) is None:
        return []  # the common case: no parse at all
    lexed = comment_starts(data) if is_clean else None
    if lexed is None:
        comment_on_line, header_end = _parsed_comments(data)
    else:
        starts, header_end = lexed

        def comment_on_line(line_start: int, before: int) -> int | None:
            at = bisect.bisect_left(starts, line_start)
            return starts[at] if at < len(starts) and starts[at] < before else None

    found: list[Suppression] = []
    at = data.find(b"ignore")
    while at >= 0:
        line_start = data.rfind(b"\n", 0, at) + 1
        line_end = data.find(b"\n", at)
        line_end = len(data) if line_end < 0 else line_end
        comment = comment_on_line(line_start, line_end)
        if comment is not None:
            row = data.count(b"\n", 0, line_start)
            found.extend(_directives(data, comment, line_end, row, comment < header_end, path))
        at = data.find(b"ignore", line_end)
    return found


def _parsed_comments(data: bytes) -> tuple[Callable[[int, int], int | None], int]:
    """From a parse of ``data``: where the comment of a line starts (if it has
    one), and where the first statement starts."""
    root = parse_bytes(data).root_node
    header_end = next((child.start_byte for child in root.children if child.type != "comment"), len(data))

    def comment_on_line(line_start: int, before: int) -> int | None:
        """The start byte of the comment on the line ``data[line_start:before]``,
        if it has one (a ``#`` in a string starts none)."""
        hash_at = data.find(b"#", line_start, before)
        while hash_at >= 0:
            node = root.descendant_for_byte_range(hash_at, hash_at + 1)
            if node is not None and node.type == "comment" and node.start_byte == hash_at:
                return hash_at
            hash_at = data.find(b"#", hash_at + 1, before)
        return None

    return comment_on_line, header_end


def parsed_cleanly(graph_diagnostics: Iterable[Diagnostic]) -> bool:
    """Whether a graph with these diagnostics was parsed without an error or a
    parser limit (its text then qualifies for ``is_clean``)."""
    return not any(d.code in _PARSE_PROBLEMS for d in graph_diagnostics)


def _covers(s: Suppression, d: Diagnostic) -> bool:
    return (s.row < 0 or s.row == d.span.start_row) and (s.codes is None or d.code in s.codes)


def apply_suppressions(
    diagnostics: list[Diagnostic], data: bytes, path: str = "", *, is_clean: bool = False
) -> list[Diagnostic]:
    """``diagnostics`` less the suppressed ones, plus an ``unused-ignore`` finding
    for each suppression (or listed code) that suppressed nothing; the caller's
    settings decide whether those are shown (the rule is off by default).
    ``is_clean``: as :func:`suppressions_of`'s."""
    found = suppressions_of(data, path, is_clean=is_clean)
    if not found:
        return list(diagnostics)
    used: dict[int, set[str]] = {i: set() for i in range(len(found))}
    kept = []
    for d in diagnostics:
        hits = [i for i, s in enumerate(found) if _covers(s, d)] if d.code not in _NEVER_SUPPRESSED else []
        for i in hits:
            used[i].add(d.code)
        if not hits:
            kept.append(d)
    return kept + [u for i, s in enumerate(found) for u in _unused(s, used[i], path)]


def _unused(s: Suppression, used: set[str], path: str) -> list[Diagnostic]:
    if s.codes is None:
        what = None if used else f"{s.text!r} suppresses nothing"
    else:
        idle = sorted(c for c in s.codes - used if s.is_typelens or c in codes.CODES)
        what = f"{', '.join(idle)} in {s.text!r}" if idle else None
    if what is None:
        return []
    return [Diagnostic.build("unused-ignore", codes.UNUSED_IGNORE.format(what=what), s.span, path)]
