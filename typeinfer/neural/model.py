"""The classifier (torch): token embeddings plus a learned embedding of each
token's position in its window (the symbol's occurrence sits in the middle, so
``= 0`` right after it and ``xs.append`` around it keep their place; with the
encoder's ``subtokens``, each identifier's last word is added too) -> a
convolution over each window (kernel 3; with ``layers=2`` a second one, dilated by
2 and residual, lets a token see seven neighbours) -> max over tokens; the windows are pooled by their mean and the first window (the
definition, or the parameter in its signature) is kept apart; with the name's
embedding (and, with ``values``, the mean embedding of the value shapes that
follow the name in the same input) -> MLP -> logits over the top types plus
``<other>``.  Divide the logits by the calibration temperature for probabilities."""

from __future__ import annotations

import torch
from torch import nn


class WindowClassifier(nn.Module):
    def __init__(
        self,
        buckets: int,
        classes: int,
        dim: int = 64,
        hidden: int = 192,
        window_len: int = 17,
        layers: int = 2,
        values: int = 0,
    ) -> None:
        super().__init__()
        self.values = values
        self.embed = nn.Embedding(buckets, dim, padding_idx=0)
        self.position = nn.Embedding(window_len, dim)
        self.convs = nn.ModuleList(
            nn.Conv1d(dim, dim, kernel_size=3, padding=2**i, dilation=2**i) for i in range(layers)
        )
        pooled = 4 if values else 3  # windows' mean, first window, name (, value shapes)
        self.head = nn.Sequential(
            nn.Linear(pooled * dim, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, classes)
        )

    def forward(self, windows: torch.Tensor, name: torch.Tensor, subs: torch.Tensor | None = None) -> torch.Tensor:
        """``windows``: [B, W, L] token ids, ``name``: [B, S] -> logits [B, C];
        ``subs`` [B, W, L]: each identifier's last word (0: none), added to its token."""
        b, w, l = windows.shape
        flat = windows.reshape(b * w, l)
        mask = (flat > 0).unsqueeze(1).float()  # [BW, 1, L]
        x = self.embed(flat) + self.position.weight[:l].unsqueeze(0)
        if subs is not None:
            x = x + self.embed(subs.reshape(b * w, l))
        x = x.transpose(1, 2)  # [BW, D, L]
        x = torch.relu(self.convs[0](x))
        return self.tail(x, mask, windows, name)

    def tail(self, x: torch.Tensor, mask: torch.Tensor, windows: torch.Tensor, name: torch.Tensor) -> torch.Tensor:
        """From the first convolution's activations ``x`` [BW, D, L] (``mask`` [BW, 1, L]) to the logits."""
        for conv in self.convs[1:]:
            x = x + torch.relu(conv(x * mask))
        # after the ReLU every value is >= 0, so zeroing the padding leaves each
        # window's maximum as it is (an empty window gives 0 and is left out below)
        return self.head_of(windows, name, (x * mask).max(dim=2).values)

    def head_of(self, windows: torch.Tensor, name: torch.Tensor, per_window: torch.Tensor) -> torch.Tensor:
        """From each window's pooled vector ``per_window`` [BW, D] to the logits."""
        b, w, _ = windows.shape
        per_window = per_window.reshape(b, w, -1)  # [B, W, D]
        present = (windows.sum(dim=2) > 0).unsqueeze(-1).float()  # [B, W, 1]
        pooled = (per_window * present).sum(1) / present.sum(1).clamp(min=1.0)
        first = per_window[:, 0] * present[:, 0]
        parts = [pooled, first]
        cut = name.shape[1] - self.values
        for ids in (name[:, :cut], name[:, cut:]) if self.values else (name,):
            mask = (ids > 0).unsqueeze(-1).float()
            parts.append((self.embed(ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0))
        return self.head(torch.cat(parts, dim=-1))
