"""The call monitor: keyword names and arity of a known callee.

When the text ends with ``callee(`` and ``call_of(text)`` knows the callee's
parameters (a :class:`~typelens.typeinfer.queries.CallFacts`), the monitor follows
the arguments as they are generated (bracket depth, strings, commas: an
incremental scanner fed only the new text) and, at the call's own level,

- forbids ``=`` after an argument that is a bare identifier naming no parameter
  (unless the callee takes ``**kwargs``);
- once the positional slots are used up (no ``*args``), lets an argument start
  only with a keyword name not given yet;
- forbids ``)`` while a required parameter is still missing (unless ``*`` or
  ``**`` unpacking is used).

The tensor contract is the one of :mod:`.base`.

Example::

    monitor = CallMonitor(lm.token_index, lm.vocabulary, call_of=lambda text: facts, decode=lm.decode)
"""

from __future__ import annotations

import enum
import keyword
import logging
import re
from dataclasses import dataclass, field
from typing import Callable

import torch

from .base import MaskCache, Monitor
from .trie import TokenIndex, _ident_prefix

logger = logging.getLogger(__name__)

_OPEN, _CLOSE = "([{", ")]}"


class CallState(enum.Enum):
    OUTSIDE = "outside"
    IN_CALL = "in-call"


@dataclass(slots=True)
class ArgScanner:
    """Where the generated text is inside the call's argument list."""

    depth: int = 0
    quote: str = ""
    escaped: bool = False
    positional: int = 0
    keywords: set[str] = field(default_factory=set)
    unpacked: bool = False
    current: str = ""  # the current argument's text at the call's level
    closed: bool = False

    def feed(self, text: str) -> None:
        for ch in text:
            if self.closed:
                return
            if self.quote:
                self.escaped = not self.escaped and ch == "\\"
                if ch == self.quote and not self.escaped:
                    self.quote = ""
                self.current += ch
                continue
            if ch in "'\"":
                self.quote = ch
            elif ch in _OPEN:
                self.depth += 1
            elif ch in _CLOSE:
                if self.depth == 0:
                    self._finish_argument()
                    self.closed = True
                    return
                self.depth -= 1
            elif ch == "," and self.depth == 0:
                self._finish_argument()
                continue
            self.current += ch

    def _finish_argument(self) -> None:
        arg = self.current.strip()
        self.current = ""
        if not arg:
            return
        head = _ident_prefix(arg)
        rest = arg[len(head) :].lstrip()
        if head and rest.startswith("=") and not rest.startswith("=="):
            self.keywords.add(head)
        elif arg.startswith("*"):
            self.unpacked = True
        elif not self.keywords:
            self.positional += 1


_CALLEE_END = re.compile(r"(?:(?:\b(def|class)\s+)?([A-Za-z_]\w*)|[)\]'\"])[ \t]*\(\Z")


def is_call_paren(text: str) -> bool:
    """Whether the ``(`` ending ``text`` opens a call's arguments: it follows a
    name that is no keyword and no ``def``/``class`` being declared, a closing
    bracket or a string (``if (``, ``return (`` and ``def f(`` open none)."""
    found = _CALLEE_END.search(text, max(0, len(text) - 200))
    if found is None:
        return False
    declared, name = found.group(1), found.group(2)
    return declared is None and not (name is not None and keyword.iskeyword(name))


def open_call(text: str, window: int = 4000) -> int | None:
    """Offset of the innermost ``(`` still open at the end of ``text`` (strings and
    comments skipped), or ``None``."""
    stack: list[int] = []
    i = max(0, len(text) - window)
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            while end > 0 and text[end - 1] == "\\":
                end = text.find(ch, end + 1)
            if end < 0:
                return None  # the cursor is inside a string
            i = end
        elif ch == "#":
            end = text.find("\n", i)
            if end < 0:
                return None  # the cursor is inside a comment
            i = end
        elif ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            stack.pop()
        i += 1
    if not stack or text[stack[-1]] != "(":
        return None
    return stack[-1]


@dataclass(slots=True)
class CallRow:
    state: CallState = CallState.OUTSIDE
    facts: object = None
    scanner: ArgScanner | None = None
    seen: int = 0
    text: str = ""


class CallTokens:
    """The vocabulary's token classes the call monitor needs, built once per
    vocabulary (``=``, ``)``, identifiers, spaces, names after spaces)."""

    def __init__(self, vocabulary: list[str]) -> None:
        stripped = [t.lstrip(" ") for t in vocabulary]
        self.equals = [i for i, t in enumerate(stripped) if t.startswith("=") and not t.startswith("==")]
        self.closing = [i for i, t in enumerate(stripped) if t.startswith(")")]
        self.identifier = [i for i, t in enumerate(vocabulary) if t and _ident_prefix(t) == t]
        self.spaces = [i for i, t in enumerate(vocabulary) if t and not t.strip(" ")]
        self.spaced_index = TokenIndex([t or "\0" for t in stripped])


class CallMonitor(Monitor):
    name = "call"

    def __init__(
        self,
        index: TokenIndex,
        vocabulary: list[str],
        call_of: Callable[[str], object],
        decode: Callable[[list[int]], str],
        *,
        tokens: "CallTokens | None" = None,
        masks: MaskCache | None = None,
    ) -> None:
        super().__init__()
        if not callable(call_of):
            raise ValueError(f"call_of={call_of!r} is not callable; pass text -> CallFacts (or None)")
        if len(vocabulary) != index.size:
            raise ValueError(f"vocabulary has {len(vocabulary)} tokens but index={index.size}; build both from one LM")
        self.index, self.call_of, self.decode = index, call_of, decode
        self.rows: dict[int, CallRow] = {}
        self._masks = masks if masks is not None else MaskCache(index.size)
        tokens = tokens if tokens is not None else CallTokens(vocabulary)
        self._equals, self._closing, self._identifier = tokens.equals, tokens.closing, tokens.identifier
        self._spaces, self._spaced_index = tokens.spaces, tokens.spaced_index

    def _update(self, row: int, ids: list[int]) -> CallRow:
        st = self.rows.get(row)
        if st is None:
            st = self.rows[row] = CallRow(seen=len(ids), text=self.decode(ids))
            self._enter_open_call(st)
            new = ""
        else:
            new = self.decode(ids[st.seen :]) if len(ids) > st.seen else ""
            st.seen = len(ids)
            st.text += new
        if st.state is CallState.IN_CALL and new:
            st.scanner.feed(new)
            if st.scanner.closed:
                st.state, st.facts, st.scanner = CallState.OUTSIDE, None, None
        if st.state is CallState.OUTSIDE and st.text.endswith("(") and is_call_paren(st.text):
            facts = self.call_of(st.text)
            if facts is not None:
                st.state, st.facts, st.scanner = CallState.IN_CALL, facts, ArgScanner()
        return st

    def _enter_open_call(self, st: CallRow) -> None:
        """The prompt may end inside a call (the cursor is in its arguments)."""
        start = open_call(st.text)
        if start is None or not is_call_paren(st.text[: start + 1]):
            return
        facts = self.call_of(st.text[: start + 1])
        if facts is not None:
            st.state, st.facts, st.scanner = CallState.IN_CALL, facts, ArgScanner()
            st.scanner.feed(st.text[start + 1 :])
            if st.scanner.closed:
                st.state, st.facts, st.scanner = CallState.OUTSIDE, None, None

    def row_mask(self, row: int, ids: list[int], device: torch.device) -> torch.Tensor | None:
        st = self._update(row, ids)
        if st.state is not CallState.IN_CALL or st.scanner.depth or st.scanner.quote:
            return None
        facts, scan = st.facts, st.scanner
        arg = scan.current.strip()
        head = _ident_prefix(arg)
        unused = frozenset(facts.keywords - scan.keywords)
        slots_full = (
            facts.max_positional is not None
            and scan.positional >= facts.max_positional
            and not facts.accepts_any_keyword
        )
        if slots_full and (not arg or head == arg):
            may_close = not arg and not self._missing(facts, scan)
            key = ("keyword", unused, arg, may_close)
            mask = self._masks.get(key, lambda: self._keyword_tokens(unused, arg, may_close), device)
            if mask is None:
                self.record(row, "lifted", f"no keyword of {facts.callee} fits after {arg!r}")
            return mask
        forbidden: list[int] = []
        if head and head == arg and head not in facts.keywords and not facts.accepts_any_keyword:
            forbidden = self._equals
        elif not arg and self._missing(facts, scan):
            forbidden = self._closing
        if not forbidden:
            return None
        key = ("forbid", "equals" if forbidden is self._equals else "closing")
        return self._masks.get(key, lambda: sorted(set(range(self.index.size)) - set(forbidden)), device)

    def _missing(self, facts, scan: ArgScanner) -> bool:
        if scan.unpacked:
            return False
        positional = [p for p in facts.parameters if p.kind == "positional"]
        given = {p.name for p in positional[: scan.positional]} | scan.keywords
        return any(
            not p.has_default and p.name not in given
            for p in facts.parameters
            if p.kind in ("positional", "keyword_only")
        )

    def _keyword_tokens(self, names: frozenset[str], arg: str, may_close: bool) -> list[int]:
        closing = set(self._closing) if may_close else set()
        if not names:
            return sorted(closing)
        if not arg:
            allowed = set(self.index.allowed(names, "")) | set(self._spaced_index.allowed(names, ""))
            return sorted(allowed | set(self._spaces) | closing)
        allowed = set(self.index.allowed(names, arg))
        if arg in names:  # the name is complete: only '=' (possibly after spaces) may follow
            allowed = (allowed & set(self._identifier)) | set(self._equals) | set(self._spaces)
        return sorted(allowed)
