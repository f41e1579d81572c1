"""Name monitors: after a trigger, only names from a known set may be generated.

- :class:`DereferenceMonitor`: after ``expr.``, the members of ``expr``'s type;
- :class:`ImportMonitor`: after ``from pkg import`` the names ``pkg`` exports (and
  its submodules), after ``import pkg.`` its submodules.

Each row has a state (:class:`State`): ``UNCONSTRAINED`` until the text ends in a
trigger with a known name set, then ``CONSTRAINED`` while the name is being
generated; the constraint is released when the identifier ends.  Names come from a
query function (the static analysis, asked at the trigger and cached there), never
from files in the token loop.  The decoded text is kept per row and extended by
the new tokens only.  Masks are cached per ``(name set, prefix)`` as on-device
tensors built from the :class:`~.trie.TokenIndex`.  The tensor contract is the one
of :mod:`.base` (``input_ids`` [batch, sequence], ``scores`` [batch, vocabulary]).

Example::

    monitor = DereferenceMonitor(index, members_of=lambda text: {"append", "pop"} if text.endswith("xs.") else None,
                                 decode=tokenizer.decode)
    model.generate(ids, logits_processor=LogitsProcessorList([monitor]))
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Callable

import torch

from .base import MaskCache, Monitor
from .trie import TokenIndex, _ident_prefix

logger = logging.getLogger(__name__)

NameQuery = Callable[[str], "set[str] | frozenset[str] | None"]


class State(enum.Enum):
    UNCONSTRAINED = "unconstrained"
    CONSTRAINED = "constrained"


@dataclass(slots=True)
class RowState:
    state: State = State.UNCONSTRAINED
    names: frozenset[str] = frozenset()
    prefix: str = ""
    seen: int = 0  # tokens of the row already accounted for
    text: str = ""  # the decoded text so far
    spaced: bool = False  # the name may start after spaces (`import` then ` name`)
    favoured: frozenset[str] = frozenset()  # of ``names``, those to favour (the file uses them)


class NameMonitor(Monitor):
    """Constrains the identifier after a trigger to a set of names."""

    name = "names"

    def __init__(
        self,
        index: TokenIndex,
        names_after: NameQuery,
        decode: Callable[[list[int]], str],
        *,
        masks: MaskCache | None = None,
        favoured: Callable[[str], "frozenset[str]"] | None = None,
        bonus: float = 0.0,
        dunder_penalty: float = 0.0,
        calls: Callable[[str], "frozenset[str]"] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(index, TokenIndex):
            raise ValueError(f"index={index!r} is not a TokenIndex; build one with TokenIndex(vocabulary)")
        if not callable(names_after):
            raise ValueError(f"names_after={names_after!r} is not callable; pass text -> names (or None)")
        self.index, self.names_after, self.decode = index, names_after, decode
        self.rows: dict[int, RowState] = {}
        # names to favour (``favoured(text)`` at the trigger: e.g. those the file uses
        # after the same receiver): the tokens that keep one of them possible get
        # ``bonus`` added to their logits
        self.favoured, self.bonus = favoured, bonus
        # tokens that keep only dunder names (``__len__``) possible, where other
        # names are allowed too, get ``dunder_penalty`` taken off their logits:
        # ``__`` begins many dunders at once, and code rarely writes them after a dot
        self.dunder_penalty = dunder_penalty
        # ``calls(text)`` at the trigger: the allowed names that are methods (whole-name
        # ranking ends them with ``(``)
        self.calls = calls
        self._masks = masks if masks is not None else MaskCache(index.size)  # may be shared per vocabulary

    lead_space = False  # whether the name may follow the trigger after spaces

    def is_trigger(self, text: str) -> bool:
        return True

    def _constrain(self, st: RowState, names) -> None:
        st.state, st.names, st.prefix = State.CONSTRAINED, frozenset(names), ""
        st.spaced = self.lead_space
        st.favoured = st.names & self.favoured(st.text) if self.favoured is not None and self.bonus else frozenset()
        if st.favoured == st.names:
            st.favoured = frozenset()  # favouring all is favouring none

    def _release(self, st: RowState) -> None:
        st.state, st.names, st.prefix, st.spaced = State.UNCONSTRAINED, frozenset(), "", False
        st.favoured = frozenset()

    def _update(self, row: int, ids: list[int]) -> RowState:
        st = self.rows.get(row)
        if st is None:  # the prompt is not "new" text
            st = self.rows[row] = RowState(seen=len(ids), text=self.decode(ids))
            new = []
        else:
            new = ids[st.seen :]
            st.seen = len(ids)
        if new:
            piece = self.decode(new)
            st.text += piece
            if st.state is State.CONSTRAINED:
                if st.spaced and not st.prefix:
                    piece = piece.lstrip(" ")
                    st.spaced = not piece
                head = _ident_prefix(piece)
                st.prefix += head
                if head != piece:  # the identifier ended
                    self._release(st)
        if st.state is State.UNCONSTRAINED and self.is_trigger(st.text):
            names = self.names_after(st.text)
            if names:
                self._constrain(st, names)
        return st

    def row_mask(self, row: int, ids: list[int], device: torch.device) -> torch.Tensor | None:
        st = self._update(row, ids)
        if st.state is not State.CONSTRAINED:
            return None
        spaced = st.spaced and not st.prefix
        favoured = st.favoured if self.bonus else frozenset()
        penalty = self.dunder_penalty
        mask = self._masks.get(
            ("names", st.names, st.prefix, spaced, favoured, self.bonus, penalty),
            lambda: self._allowed(st.names, st.prefix, spaced),
            device,
            lambda: self._allowed(favoured, st.prefix, spaced),
            self.bonus,
            lambda: self._dunders_only(st.names, st.prefix, spaced),
            penalty,
        )
        if mask is None:
            self.record(row, "lifted", f"no token continues any of {sorted(st.names)[:5]} after {st.prefix!r}")
            self._release(st)
        return mask

    def _dunders_only(self, names: frozenset[str], prefix: str, spaced: bool) -> list[int]:
        """The allowed tokens that keep only dunder names possible (none when only
        dunders, or none, are allowed)."""
        dunders = frozenset(n for n in names if is_dunder(n) and n.startswith(prefix))
        others = frozenset(n for n in names if not is_dunder(n) and n.startswith(prefix))
        if not dunders or not others:
            return []
        return sorted(set(self._allowed(dunders, prefix, spaced)) - set(self._allowed(others, prefix, spaced)))

    def name_start(self, row: int) -> frozenset[str] | None:
        st = self.rows.get(row)
        if st is None or st.state is not State.CONSTRAINED or st.prefix or st.spaced:
            return None
        return st.names

    def start_priors(self, row: int) -> tuple[frozenset[str], frozenset[str]]:
        """Where a name starts (:meth:`name_start`): the names the file favours after
        this trigger and the names that are methods (both empty when unknown)."""
        st = self.rows[row]
        favoured = self.favoured(st.text) if self.favoured is not None else frozenset()
        calls = self.calls(st.text) if self.calls is not None else frozenset()
        return favoured & st.names, (calls or frozenset()) & st.names

    def narrow(self, row: int, name: str, device: torch.device) -> torch.Tensor | None:
        st = self.rows[row]
        if name not in st.names:
            raise ValueError(f"name={name!r} is not one of the row's allowed names")
        st.names, st.favoured = frozenset((name,)), frozenset()
        return self._masks.get(
            ("names", st.names, st.prefix, False, st.favoured, self.bonus),
            lambda: self._allowed(st.names, "", False),
            device,
        )

    def _allowed(self, names: frozenset[str], prefix: str, spaced: bool) -> list[int]:
        allowed = self.index.allowed(names, prefix)
        if spaced:
            allowed = sorted(set(allowed) | set(self.index.allowed_after_spaces(names)))
        return allowed


def is_dunder(name: str) -> bool:
    """``__len__``, not ``__private`` nor ``_x``."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


class DereferenceMonitor(NameMonitor):
    """After ``expr.``: only members of ``expr``'s type (``members_of(text)``)."""

    name = "dereference"

    def __init__(
        self,
        index: TokenIndex,
        members_of: NameQuery,
        decode: Callable[[list[int]], str],
        *,
        masks: MaskCache | None = None,
        favoured: Callable[[str], "frozenset[str]"] | None = None,
        bonus: float = 0.0,
        dunder_penalty: float = 0.0,
        calls: Callable[[str], "frozenset[str]"] | None = None,
    ) -> None:
        if not callable(members_of):
            raise ValueError(f"members_of={members_of!r} is not callable; pass text -> member names (or None)")
        super().__init__(
            index,
            members_of,
            decode,
            masks=masks,
            favoured=favoured,
            bonus=bonus,
            dunder_penalty=dunder_penalty,
            calls=calls,
        )

    def is_trigger(self, text: str) -> bool:
        return text.endswith(".") and not text.endswith("..")


class ImportMonitor(NameMonitor):
    """After ``from pkg import`` / ``import pkg.``: only real names and modules
    (``names_after(text)``, e.g. :func:`typelens.typeinfer.queries.import_names`)."""

    name = "import"
    lead_space = True

    def is_trigger(self, text: str) -> bool:
        if not text.endswith(("import", " ", ".", ",", "(")):
            return False
        line = text[text.rfind("\n") + 1 :]
        return "import" in line
