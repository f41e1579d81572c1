"""The monitor contract shared by the dereference, import and call monitors.

A monitor is a transformers ``LogitsProcessor``: ``__call__(input_ids, scores) ->
scores`` with ``input_ids`` of shape ``[batch, sequence]`` and ``scores`` of shape
``[batch, vocabulary]``; it returns a new tensor and never changes ``scores``.
Underneath, :meth:`Monitor.masks` updates each row's state from the tokens added
since the last call and returns an additive mask per row (``0`` allowed,
``-inf`` forbidden; ``None`` when the row is unconstrained).  Our own decoding loop
asks for the masks once per step and adds them to whichever layer's logits emit
(early exit), so monitors and early exit compose; ``generate()`` just calls the
processor.

When the argmax is already allowed the scores pass through untouched (no
mask is applied, nothing is recorded); otherwise the mask applies and an
:class:`Intervention` is recorded.  A constraint nothing satisfies is lifted
(recorded as ``lifted``) rather than stalling generation.

Example::

    class NoDigits(Monitor):
        def row_mask(self, row, ids, device): return self.digits_mask
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import torch

logger = logging.getLogger(__name__)

try:  # compose with model.generate() when transformers is installed
    from transformers import LogitsProcessor as _Base
except ImportError:  # pragma: no cover - the ml extra installs it
    _Base = object


@dataclass(frozen=True, slots=True)
class Intervention:
    step: int
    row: int
    monitor: str
    kind: str  # masked, lifted
    detail: str


class Monitor(_Base):
    name = "monitor"

    def __init__(self) -> None:
        self.interventions: list[Intervention] = []
        self._step = 0

    def row_mask(self, row: int, ids: list[int], device: torch.device) -> torch.Tensor | None:
        """Update row ``row`` from ``ids`` (the whole sequence) and return its additive mask."""
        raise NotImplementedError

    def masks(self, input_ids: torch.LongTensor, device: torch.device) -> list[torch.Tensor | None]:
        """One additive mask (``[vocabulary]``) or ``None`` per row; advances the state once."""
        self._step += 1
        return [self.row_mask(row, input_ids[row].tolist(), device) for row in range(input_ids.shape[0])]

    def step_mask(self, ids: list[int], device: torch.device) -> torch.Tensor | None:
        """:meth:`masks` for our own decoding loop's single row, which holds the
        sequence as a list already (no tensor to build and convert back per step)."""
        self._step += 1
        return self.row_mask(0, ids, device)

    def name_start(self, row: int) -> frozenset[str] | None:
        """The names one of which must be written from the next token on, when a
        name constraint has just started on ``row`` (else ``None``)."""
        return None

    def start_priors(self, row: int) -> tuple[frozenset[str], frozenset[str]]:
        """Where a name starts: the names favoured and the names that are methods."""
        return frozenset(), frozenset()

    def narrow(self, row: int, name: str, device: torch.device) -> torch.Tensor | None:
        """Keep only ``name`` of the names :meth:`name_start` gave; the row's new mask."""
        raise NotImplementedError(f"{type(self).__name__} has no name constraint to narrow")

    def fork(self) -> "Monitor":
        """A copy whose rows' state moves on its own (speculative drafts are masked by
        a fork, so the monitor itself only ever sees the tokens that are kept)."""
        clone = copy.copy(self)
        clone.interventions = []
        rows = getattr(self, "rows", None)
        if rows is not None:
            clone.rows = copy.deepcopy(rows)
        return clone

    def record(self, row: int, kind: str, detail: str) -> None:
        self.interventions.append(Intervention(self._step, row, self.name, kind, detail))

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """``input_ids`` [batch, sequence], ``scores`` [batch, vocabulary] -> new scores."""
        return apply_masks(self, self.masks(input_ids, scores.device), scores)


def apply_masks(monitor: Monitor, masks: list[torch.Tensor | None], scores: torch.Tensor) -> torch.Tensor:
    """``scores`` with each row's mask added where the row's argmax is forbidden."""
    out = scores
    for row, mask in enumerate(masks):
        if mask is None:
            continue
        width = min(mask.shape[0], scores.shape[1])
        if bool(mask[int(scores[row, :width].argmax())] == mask.max()):
            continue  # the model's own choice is already valid (and among the favoured, if any)
        if out is scores:
            out = scores.clone()
        out[row, :width] = scores[row, :width] + mask[:width]
        if width < scores.shape[1]:
            out[row, width:] = float("-inf")  # padding ids beyond the tokenizer
        monitor.record(row, "masked", "")
    return out


def combine(masks: list[torch.Tensor | None]) -> torch.Tensor | None:
    """The sum of several monitors' masks for one row; ``None`` when none applies.
    When together they forbid everything, the first (the most specific) wins."""
    present = [m for m in masks if m is not None]
    if not present:
        return None
    total = present[0]
    for mask in present[1:]:
        candidate = total + mask
        if bool(torch.isfinite(candidate).any()):
            total = candidate
    return total


class MaskCache:
    """Additive masks built once per allowed token set and kept on the device."""

    def __init__(self, size: int, limit: int = 4096) -> None:
        self.size, self.limit = size, limit
        self._masks: dict[tuple, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self._masks)

    def get(
        self,
        key: tuple,
        allowed,
        device: torch.device,
        favoured=None,
        bonus: float = 0.0,
        penalised=None,
        penalty: float = 0.0,
    ) -> torch.Tensor | None:
        """The mask for ``key``; ``allowed()`` gives the allowed ids when it is new,
        ``favoured()`` (optional) those of them that get ``bonus`` added instead of 0,
        ``penalised()`` (optional) those that get ``-penalty`` (unless favoured)."""
        full = key + (device,)
        mask = self._masks.get(full)
        if mask is None:
            ids = allowed()
            if not ids:
                return None
            if len(self._masks) >= self.limit:
                self._masks.clear()
            mask = torch.full((self.size,), float("-inf"), device=device)
            mask[torch.as_tensor(ids, device=device)] = 0.0
            lower = penalised() if penalised is not None and penalty else []
            if lower:
                mask[torch.as_tensor(lower, device=device)] = -penalty
            extra = favoured() if favoured is not None and bonus else []
            if extra:
                mask[torch.as_tensor(extra, device=device)] = bonus
            self._masks[full] = mask
        return mask
