"""The dereference monitor: after ``expr.``, only members of ``expr``'s type.

It is a transformers ``LogitsProcessor``: ``__call__(input_ids, scores) -> scores``
with ``input_ids`` of shape ``[batch, sequence]`` and ``scores`` of shape
``[batch, vocabulary]``; it returns a new tensor and never changes ``scores``.
Each row has a state (:class:`State`): ``UNCONSTRAINED`` until the text ends in a
trigger (``obj.`` with a known member set), then ``CONSTRAINED`` while the member
name is being generated.  Members come from a query function (the static analysis,
asked at the trigger and cached per type), never from files in the token loop.
Masks are cached per ``(member set, prefix)`` as on-device tensors.  When no token
fits, the constraint is lifted for that step and a diagnostic is recorded.

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

from .trie import TokenIndex, _ident_prefix

logger = logging.getLogger(__name__)

try:  # compose with model.generate() when transformers is installed
    from transformers import LogitsProcessor as _Base
except ImportError:  # pragma: no cover - the ml extra installs it
    _Base = object


class State(enum.Enum):
    UNCONSTRAINED = "unconstrained"
    CONSTRAINED = "constrained"


@dataclass(slots=True)
class RowState:
    state: State = State.UNCONSTRAINED
    names: frozenset[str] = frozenset()
    prefix: str = ""
    seen: int = 0            # tokens of the row already accounted for


@dataclass(slots=True)
class Intervention:
    step: int
    row: int
    kind: str                # masked, lifted
    detail: str


class DereferenceMonitor(_Base):
    def __init__(self, index: TokenIndex, members_of: Callable[[str], set[str] | frozenset[str] | None],
                 decode: Callable[[list[int]], str]) -> None:
        if not callable(members_of):
            raise ValueError(f"members_of={members_of!r} is not callable; pass text -> member names (or None)")
        self.index, self.members_of, self.decode = index, members_of, decode
        self.rows: dict[int, RowState] = {}
        self.interventions: list[Intervention] = []
        self._masks: dict[tuple[frozenset[str], str, torch.device], torch.Tensor] = {}
        self._step = 0

    # -- state ---------------------------------------------------------------------------
    def _update(self, row: int, ids: list[int]) -> RowState:
        st = self.rows.setdefault(row, RowState(seen=len(ids)))   # the prompt is not "new" text
        new = ids[st.seen:]
        st.seen = len(ids)
        if st.state is State.CONSTRAINED and new:
            piece = self.decode(new)
            head = _ident_prefix(piece)
            st.prefix += head
            if head != piece:               # the identifier ended
                st.state, st.names, st.prefix = State.UNCONSTRAINED, frozenset(), ""
        if st.state is State.UNCONSTRAINED:
            text = self.decode(ids)
            if text.endswith("."):
                names = self.members_of(text)
                if names:
                    st.state, st.names, st.prefix = State.CONSTRAINED, frozenset(names), ""
        return st

    def _mask(self, names: frozenset[str], prefix: str, device: torch.device) -> torch.Tensor | None:
        key = (names, prefix, device)
        mask = self._masks.get(key)
        if mask is None:
            allowed = self.index.allowed(names, prefix)
            if not allowed:
                return None
            mask = torch.full((self.index.size,), float("-inf"), device=device)
            mask[torch.tensor(allowed, device=device)] = 0.0
            self._masks[key] = mask
        return mask

    # -- the LogitsProcessor contract -------------------------------------------------------
    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """``input_ids`` [batch, sequence], ``scores`` [batch, vocabulary] -> new scores."""
        self._step += 1
        out = scores
        for row in range(input_ids.shape[0]):
            st = self._update(row, input_ids[row].tolist())
            if st.state is not State.CONSTRAINED:
                continue
            mask = self._mask(st.names, st.prefix, scores.device)
            if mask is None:
                self.interventions.append(Intervention(self._step, row, "lifted",
                                                       f"no token continues any of {sorted(st.names)[:5]}"))
                st.state, st.names, st.prefix = State.UNCONSTRAINED, frozenset(), ""
                continue
            width = min(mask.shape[0], scores.shape[1])
            if bool(mask[int(scores[row, :width].argmax())] == 0.0):
                continue                     # the model's own choice is already valid
            if out is scores:
                out = scores.clone()
            out[row, :width] = scores[row, :width] + mask[:width]
            self.interventions.append(Intervention(self._step, row, "masked", st.prefix))
        return out
