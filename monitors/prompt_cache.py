"""Keys and values of recent prompts, reused across completions (keystrokes).

An editor asks for a completion on nearly every keystroke, and consecutive
prompts share all but their last few tokens (:mod:`.prompt` keeps the window's
start in place).  After a completion the decoding loop hands its cache back,
cut to the tokens computed at full depth (the prompt, and the generated tokens
before the first early exit); the next completion takes the entry sharing the
longest prefix with its prompt, cuts it to that prefix and encodes only the rest.

Entries are taken out while a completion uses them, so two threads never share
one; the cache holds ``entries`` of them, least recently used dropped first.

Example::

    cache = PromptCache()
    state, reused = cache.take(ids)          # None, 0 the first time
    ...                                      # decode, then:
    cache.put(ids[:exact], state)
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)


def common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class PromptCache:
    def __init__(self, entries: int = 3) -> None:
        if entries < 1:
            raise ValueError(f"entries={entries} must be at least 1")
        self.entries = entries
        self._items: list[tuple[list[int], object]] = []  # most recent last
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.reused_tokens = 0

    def __len__(self) -> int:
        return len(self._items)

    def take(self, ids: list[int]) -> tuple[object | None, int]:
        """The cached state sharing the longest prefix with ``ids`` and that prefix's
        length (at most ``len(ids) - 1``: the last token is always run, for its
        logits); ``(None, 0)`` when no entry shares a token."""
        with self._lock:
            best, best_length = -1, 0
            for index, (cached, _) in enumerate(self._items):
                length = common_prefix(cached, ids)
                if length > best_length:
                    best, best_length = index, length
            if best < 0:
                self.misses += 1
                return None, 0
            _, state = self._items.pop(best)
        reused = min(best_length, len(ids) - 1)
        self.hits += 1
        self.reused_tokens += reused
        return state, reused

    def put(self, ids: list[int], state: object) -> None:
        if not ids or state is None:
            return
        with self._lock:
            self._items.append((list(ids), state))
            if len(self._items) > self.entries:
                self._items.pop(0)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
