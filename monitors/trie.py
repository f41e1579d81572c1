"""Which vocabulary tokens may come next, given the names allowed after ``obj.``
and the part of the name already generated.

A token is allowed when it continues some allowed name (``"get"`` then ``"_ite"``
then ``"ms"`` for ``get_items``), or when it finishes one and goes on with other
text (``"items("``).  Lookups walk the allowed *names*, never the vocabulary:
tokens are indexed once by their identifier part.

Example::

    >>> trie = TokenIndex(["get", "_items", "items(", "(", "x"])
    >>> sorted(trie.allowed(frozenset({"get_items", "items"}), ""))
    [0, 2]
    >>> sorted(trie.allowed(frozenset({"get_items"}), "get"))
    [1]
"""

from __future__ import annotations

from collections import defaultdict


def _ident_prefix(text: str) -> str:
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[:end]


class TokenIndex:
    """Vocabulary tokens indexed by the identifier characters they start with."""

    def __init__(self, tokens: list[str]) -> None:
        if not tokens:
            raise ValueError("tokens=[] is empty; pass the tokenizer's vocabulary as decoded strings")
        self.size = len(tokens)
        self._whole: dict[str, list[int]] = defaultdict(list)  # token is identifier characters only
        self._finishing: dict[str, list[int]] = defaultdict(list)  # identifier part, then other text
        self._non_identifier: list[int] = []  # starts with another character
        self._spaced: dict[str, list[int]] = defaultdict(list)  # spaces, then identifier characters
        self.spaces: list[int] = []  # spaces only
        for token_id, text in enumerate(tokens):
            head = _ident_prefix(text)
            if not text:
                continue
            stripped = text.lstrip(" ")
            if not stripped:
                self.spaces.append(token_id)
            elif stripped != text and _ident_prefix(stripped):
                self._spaced[_ident_prefix(stripped)].append(token_id)
            if head == text:
                self._whole[text].append(token_id)
            elif head:
                self._finishing[head].append(token_id)
            else:
                self._non_identifier.append(token_id)

    @property
    def non_identifier(self) -> list[int]:
        """Tokens whose text starts with a character that is not an identifier's."""
        return self._non_identifier

    def finishing(self, rest: str) -> list[int]:
        """Tokens that write exactly ``rest`` (the end of a name) and then go on with
        other text in the same token (``__(`` for ``__``, ``items(`` for ``items``)."""
        return self._finishing.get(rest, [])

    def allowed_after_spaces(self, names: frozenset[str]) -> list[int]:
        """Tokens that are spaces, or spaces and then the start of a name (`` name``)."""
        found: set[int] = set(self.spaces)
        for name in names:
            for k in range(1, len(name) + 1):
                found.update(self._spaced.get(name[:k], ()))
        return sorted(found)

    def allowed(self, names: frozenset[str], prefix: str) -> list[int]:
        """Token ids that keep the member being generated valid."""
        found: set[int] = set()
        for name in names:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            for k in range(1, len(rest) + 1):
                found.update(self._whole.get(rest[:k], ()))
            if rest:
                found.update(self._finishing.get(rest, ()))
            else:
                found.update(self._non_identifier)  # the name is complete: anything else may follow
        return sorted(found)
