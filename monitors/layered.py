"""A causal LM run one layer at a time, so that a token can leave early.

:class:`LayeredGPT2` drives the modules of a transformers GPT-2 (our default LM
and any GPT-2-architecture folder) with its own key/value cache: ``embed`` the
new tokens, run ``block(i, ...)`` for as many layers as needed, ``head`` through
the final norm and LM head.  When a token exits at layer ``i``, ``skip`` records
the keys and values of the skipped layers from the exit hidden state (CALM's
state propagation), so later tokens attend to a complete cache.  Other
architectures decode at full depth through the model's own forward
(:func:`layered_for` returns ``None``).

Example::

    net = layered_for(lm.model)
    cache = net.new_cache()
    h = net.embed(ids, 0)
    for i in range(net.layers):
        h = net.block(i, h, cache)
    logits = net.head(h[:, -1])
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

logger = logging.getLogger(__name__)


class LayeredGPT2:
    def __init__(self, model) -> None:
        config = model.config
        if getattr(config, "reorder_and_upcast_attn", False) or getattr(config, "add_cross_attention", False):
            raise ValueError("this GPT-2 variant (reordered/upcast or cross attention) is not supported layer by layer")
        body = model.transformer
        self.wte, self.wpe, self.blocks, self.ln_f, self.lm_head = body.wte, body.wpe, body.h, body.ln_f, model.lm_head
        self.layers = len(self.blocks)
        self.dim = config.n_embd
        self.heads = config.n_head
        self.head_dim = self.dim // self.heads
        base = self.head_dim ** -0.5 if config.scale_attn_weights else 1.0
        self.scales = [base / (i + 1) if config.scale_attn_by_inverse_layer_idx else base for i in range(self.layers)]

    def new_cache(self) -> "LayerCache":
        return LayerCache(self.layers)

    def embed(self, ids: torch.Tensor, start: int) -> torch.Tensor:
        """``ids`` [batch, new] at positions ``start...`` -> hidden [batch, new, dim]."""
        positions = torch.arange(start, start + ids.shape[1], device=ids.device)
        return self.wte(ids) + self.wpe(positions)[None]

    def embed_one(self, token: int, position: int) -> torch.Tensor:
        """One token at ``position`` -> hidden [1, 1, dim] (the decoding step's fast path)."""
        return (self.wte.weight[token] + self.wpe.weight[position]).view(1, 1, -1)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def _kv(self, i: int, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        block = self.blocks[i]
        q, k, v = block.attn.c_attn(block.ln_1(h)).split(self.dim, dim=2)
        return self._split(q), self._split(k), self._split(v)

    def block(self, i: int, h: torch.Tensor, cache: "LayerCache") -> torch.Tensor:
        """Layer ``i`` on ``h`` [batch, new, dim], appending its keys and values to
        ``cache``; the keys and values of earlier tokens that skipped this layer are
        computed in the same projection, from their exit states."""
        block = self.blocks[i]
        deferred = cache.pending[i]
        if deferred:
            q, k, v = self._kv(i, torch.cat(deferred + [h], dim=1))
            q = q[:, :, -h.shape[1]:]
            deferred.clear()
        else:
            q, k, v = self._kv(i, h)
        past = cache.length(i) + k.shape[2] - q.shape[2]
        k, v = cache.append(i, k, v)
        new = q.shape[2]
        if new == 1:
            attn = F.scaled_dot_product_attention(q, k, v, scale=self.scales[i])
        elif past == 0:
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=self.scales[i])
        else:
            allowed = torch.ones(new, past + new, dtype=torch.bool, device=h.device).tril(past)
            attn = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=self.scales[i])
        attn = attn.transpose(1, 2).reshape(h.shape[0], new, self.dim)
        h = h + block.attn.c_proj(attn)
        return h + block.mlp(block.ln_2(h))

    def skip(self, first: int, h: torch.Tensor, cache: "LayerCache") -> None:
        """A token exited before layer ``first``: its exit state ``h`` stands in for
        its hidden state in layers ``first...`` (CALM's state propagation); their keys
        and values are computed when the next token passes through them."""
        for i in range(first, self.layers):
            cache.pending[i].append(h)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.ln_f(h))


class LayerCache:
    """Keys and values per layer ([batch, heads, time, head_dim]) plus the exit
    states still waiting for their keys and values in each layer."""

    def __init__(self, layers: int) -> None:
        self.kv: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * layers
        self.pending: list[list[torch.Tensor]] = [[] for _ in range(layers)]

    def length(self, i: int) -> int:
        return 0 if self.kv[i] is None else self.kv[i][0].shape[2]

    def append(self, i: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.kv[i] is not None:
            k = torch.cat([self.kv[i][0], k], dim=2)
            v = torch.cat([self.kv[i][1], v], dim=2)
        self.kv[i] = (k, v)
        return k, v


def layered_for(model) -> LayeredGPT2 | None:
    """A layer-by-layer view of ``model``, or ``None`` when its architecture has none."""
    if getattr(model.config, "model_type", None) != "gpt2":
        return None
    try:
        return LayeredGPT2(model)
    except ValueError as err:
        logger.info("early exit unavailable: %s", err)
        return None
