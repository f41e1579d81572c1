"""The bounded prompt: what of a file the code LM reads before the cursor.

The window is the lines before the cursor (the cursor's own line up to the
cursor included) as far back as ``budget`` tokens reach, starting on a line
whose number is a multiple of ``stride`` so that the window's start stays put
while the user types (the prompt's tokens then start the same way on every
keystroke and :class:`~.prompt_cache.PromptCache` re-encodes only the changed
end).  Only the whole lines before the cursor's decide the start, with a reserve
for the cursor's line that grows in steps of ``CURSOR_QUANTUM`` tokens: typing
the ``.`` that asks for a completion does not move the window (were the start
decided by the text up to the cursor, the keystroke that reaches the budget
would re-encode the whole window).  When the file's imports or the headers of the class and function
enclosing the cursor lie before the window, they come first, as a header of at
most ``budget // 4`` tokens: the LM then still knows ``np`` and ``self``.

Header and window are tokenized separately, so the monitors can map the text the
LM sees back onto the file: ``head`` is the file's text before the window and
``header`` the decoded header the prompt starts with.

Example::

    prompt = build_prompt(lm, source_before_cursor, budget=512)
    prompt.ids[:4], prompt.header.splitlines()[:1]        # ['import numpy as np']
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_IMPORT = re.compile(r"(?:import|from)\s")
_SCOPE = re.compile(r"[ \t]*(?:async[ \t]+)?(?:class|def)[ \t]")
CURSOR_QUANTUM = 32  # the cursor line's reserve grows in steps of this many tokens


@dataclass(frozen=True, slots=True)
class Prompt:
    ids: list[int]
    head: str  # the file's text before the window (what the monitors prepend)
    header: str  # the decoded text the prompt starts with before the window ("" when none)


def _imports(lines: list[str]) -> list[int]:
    """Indices of top-level import statements' lines (with their continuation
    lines: parenthesised names and backslashes)."""
    found: list[int] = []
    i = 0
    while i < len(lines):
        if not _IMPORT.match(lines[i]):
            i += 1
            continue
        depth = 0
        while i < len(lines):
            found.append(i)
            line = lines[i].split("#", 1)[0]
            depth += line.count("(") - line.count(")")
            i += 1
            if depth <= 0 and not line.rstrip().endswith("\\"):
                break
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _enclosing(lines: list[str], cursor_line: str) -> list[int]:
    """Indices of the ``class``/``def`` lines enclosing the cursor, outermost first."""
    found: list[int] = []
    level = _indent(cursor_line) if cursor_line.strip() else None
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = _indent(line)
        if level is None:
            level = indent + 1 if line.rstrip().endswith(":") else indent
        if indent < level:
            if _SCOPE.match(line):
                found.append(i)
            level = indent
            if indent == 0:
                break
    return found[::-1]


def _window_start(lm, lines: list[str], cursor_line: str, budget: int, stride: int) -> int:
    """The first line of the window: a multiple of ``stride`` from which the whole
    lines before the cursor fit ``budget`` tokens less the cursor line's reserve
    (counted from one tokenization of the tail).  The reserve is the cursor
    line's tokens rounded up to the next multiple of ``CURSOR_QUANTUM`` (at most a
    quarter of the budget), so typing within a line moves the start only when the
    line grows past such a multiple, not on whichever keystroke reaches the budget."""
    first, chars = len(lines), len(cursor_line)
    # a token per line at least, a few characters per token at most: tokenize only that tail
    while first > 0 and len(lines) - first < budget and chars < budget * 16:
        first -= 1
        chars += len(lines[first])
    tail_lines = lines[first:]
    text = "".join(tail_lines) + cursor_line
    encoded = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    starts = [offset[0] for offset in encoded["offset_mapping"]]
    total = len(starts)
    position, begin = 0, first
    line_tokens: list[int] = []  # tokens from each line's start to the end
    k = 0
    for line in tail_lines + [cursor_line]:
        while k < total and starts[k] < position:
            k += 1
        line_tokens.append(total - k)
        position += len(line)
    quantum = max(1, min(CURSOR_QUANTUM, budget // 4))
    cursor_tokens = line_tokens.pop()
    reserve = quantum * (cursor_tokens // quantum + 1)
    chosen = earliest = len(lines)  # the cursor's line alone when no whole line fits
    for index in range(len(lines) - 1, begin - 1, -1):
        if line_tokens[index - begin] - cursor_tokens + reserve > budget:
            break
        earliest = index
        if index % stride == 0:
            chosen = index
    return chosen if chosen < len(lines) else earliest


def _header(lm, lines: list[str], start: int, cursor_line: str, budget: int) -> list[int]:
    """The tokens of the enclosing headers before ``start``, and of as many of the
    imports before it as fit ``budget`` with them, in the file's order."""
    chosen = [i for i in _enclosing(lines, cursor_line) if i < start]
    used = sum(len(lm.encode(lines[i])) for i in chosen)
    for i in _imports(lines[:start]):
        cost = len(lm.encode(lines[i]))
        if used + cost > budget:
            break
        chosen.append(i)
        used += cost
    if not chosen or used > budget:
        return []
    return lm.encode("".join(lines[i] for i in sorted(set(chosen))))


def build_prompt(lm, before: str, *, budget: int, stride: int = 16) -> Prompt:
    """The prompt for a cursor after ``before`` (see the module docstring)."""
    if budget < 8:
        raise ValueError(f"budget={budget} tokens is too small for a prompt; give at least 8")
    lines = before.splitlines(keepends=True)
    cursor_line = ""
    if lines and not lines[-1].endswith(("\n", "\r")):
        cursor_line = lines.pop()
    start = _window_start(lm, lines, cursor_line, budget, stride) if lines else 0
    header_ids = _header(lm, lines, start, cursor_line, budget // 4)
    if header_ids:  # the header and the window share the budget: the window starts later
        start = max(start, _window_start(lm, lines, cursor_line, budget - len(header_ids), stride))
    window = "".join(lines[start:]) + cursor_line
    window_ids = lm.encode(window)[-(budget - len(header_ids)) :]
    ids = header_ids + window_ids or [lm.eos_id or 0]
    header = lm.decode(header_ids) if header_ids else ""
    seen = lm.decode(window_ids) if window_ids else ""
    if not before.endswith(seen) or (header_ids and not seen):
        # the tokenizer does not give the text back: the monitors see the window alone
        return Prompt(window_ids or [lm.eos_id or 0], "", "")
    return Prompt(ids, before[: len(before) - len(seen)], header)
