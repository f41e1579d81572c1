"""A causal LM run one layer at a time, so that a token can leave early.

:class:`LayeredGPT2` (our tiny default LM and any GPT-2-architecture folder) and
:class:`LayeredLlama` (Llama-family: rotary positions, grouped-query attention,
RMSNorm, gated MLP; SmolLM2) drive the modules of a transformers model with their
own key/value cache: ``embed`` the new tokens, run ``block(i, ...)`` for as many
layers as needed, ``head`` through the final norm and LM head.  When a token
exits at layer ``i``, ``skip`` records the skipped layers' input as the exit
hidden state (CALM's state propagation); their keys and values are computed when
the next token passes through those layers, so later tokens attend to a complete
cache.  Other architectures decode at full depth through the model's own forward
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


class Layered:
    """The layer-by-layer contract; subclasses say how one layer projects its
    queries, keys and values (``_qkv``), mixes the heads back (``_out``) and runs
    its feed-forward part (``_mlp``)."""

    layers: int
    dim: int
    kv_groups: int = 1  # query heads per key/value head (grouped-query attention)
    lm_head: torch.nn.Module

    def new_cache(self) -> "LayerCache":
        return LayerCache(self.layers)

    def _qkv(
        self, i: int, x: torch.Tensor, start: "int | torch.Tensor"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _out(self, i: int, attn: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _mlp(self, i: int, h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def block(self, i: int, h: torch.Tensor, cache: "LayerCache") -> torch.Tensor:
        """Layer ``i`` on ``h`` [batch, new, dim], appending its keys and values to
        ``cache``; the keys and values of earlier tokens that skipped this layer are
        computed in the same projection, from their exit states."""
        deferred = cache.pending[i]
        x = torch.cat(deferred + [h], dim=1) if deferred else h
        deferred.clear()
        q, k, v = self._qkv(i, x, cache.length(i))
        if x is not h:
            q = q[:, :, -h.shape[1] :]
        past = cache.length(i) + k.shape[2] - q.shape[2]
        k, v = cache.append(i, k, v)
        new = q.shape[2]
        gqa = self.kv_groups > 1
        scale = self.scales[i]
        if new == 1:
            attn = F.scaled_dot_product_attention(q, k, v, scale=scale, enable_gqa=gqa)
        elif past == 0:
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale, enable_gqa=gqa)
        else:
            allowed = torch.ones(new, past + new, dtype=torch.bool, device=h.device).tril(past)
            attn = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=scale, enable_gqa=gqa)
        h = h + self._out(i, attn.transpose(1, 2).reshape(h.shape[0], new, -1))
        return h + self._mlp(i, h)

    def final_norm(self, h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def beside(
        self, rows: list[tuple[int, ...]], cache: "LayerCache", position: int, keep: list | None = None
    ) -> torch.Tensor:
        """Hidden states [tokens, dim] of the alternative continuations ``rows`` (token
        tuples), each read after the first ``position`` positions of ``cache`` (all
        layers computed there: no exit state pending), at full depth in one pass:
        the rows' tokens run as one sequence, a row's ``j``-th token at position
        ``position + j`` attending to the context and its own row's earlier tokens
        only (a tree of continuations, as in tree attention).  ``cache`` is not
        changed; the states come row after row.  ``keep``: a list that gets each
        layer's keys and values of the rows' tokens (for :class:`BesidePass`)."""
        device = self.lm_head.weight.device
        flat = torch.tensor([[t for row in rows for t in row]], device=device)
        offsets = torch.tensor([j for row in rows for j in range(len(row))], device=device)
        groups = torch.tensor([g for g, row in enumerate(rows) for _ in row], device=device)
        own = (groups[:, None] == groups[None, :]) & (offsets[None, :] <= offsets[:, None])
        allowed = torch.cat((torch.ones(own.shape[0], position, dtype=torch.bool, device=device), own), dim=1)
        positions = position + offsets
        h = self.embed(flat, positions)
        for i in range(self.layers):
            q, k, v = self._qkv(i, h, positions)
            if keep is not None:
                keep.append((k, v))
            keys, values = self.buffers_of(cache, i, position)
            k, v = torch.cat((keys, k), dim=2), torch.cat((values, v), dim=2)
            attn = F.scaled_dot_product_attention(
                q, k, v, attn_mask=allowed, scale=self.scales[i], enable_gqa=self.kv_groups > 1
            )
            h = h + self._out(i, attn.transpose(1, 2).reshape(1, flat.shape[1], -1))
            h = h + self._mlp(i, h)
        return h[0]

    @staticmethod
    def buffers_of(cache: "LayerCache", i: int, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer ``i``'s keys and values of the first ``position`` positions ([1, heads, position, head_dim])."""
        if cache.lengths[i] < position or cache.pending[i]:
            raise ValueError(f"layer {i} holds {cache.lengths[i]} computed positions, not {position}")
        buffer = cache.buffers[i]
        if buffer is None:
            raise ValueError(f"layer {i} holds no keys and values")
        return buffer[0][:, :, :position], buffer[1][:, :, :position]

    def head(self, h: torch.Tensor) -> torch.Tensor:
        """The final norm and the LM head: logits [..., vocabulary]."""
        return self.lm_head(self.final_norm(h))

    def head_rows(self, h: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """The logits of the tokens ``rows`` ([n] ids) only, for ``h`` [..., dim]
        (the LM head's rows gathered: a few hundred rows cost a fraction of the
        whole vocabulary); for a head whose ``weight`` is a plain tensor (not an
        int8-quantized one)."""
        weight = self.lm_head.weight
        bias = getattr(self.lm_head, "bias", None)
        return F.linear(self.final_norm(h), weight[rows], bias[rows] if isinstance(bias, torch.Tensor) else None)

    def skip(self, first: int, h: torch.Tensor, cache: "LayerCache") -> None:
        """A token exited before layer ``first``: its exit state ``h`` stands in for
        its hidden state in layers ``first...`` (CALM's state propagation); their keys
        and values are computed when the next token passes through them."""
        for i in range(first, self.layers):
            cache.pending[i].append(h)


class BesidePass:
    """A view of a :class:`Layered` net whose :meth:`beside` pass keeps the keys,
    values and hidden states of its rows, so that the continuation a caller then
    picks (a ranked name) joins the cache without running through the model
    again (:meth:`attach`).  Everything else is the net's.

    Example::

        view = BesidePass(net)
        hidden = view.beside([(5, 6), (7,)], cache, position)   # as net.beside
        last = view.attach((5, 6), 2, cache)                    # cache now holds 5, 6 at position, position + 1
    """

    def __init__(self, net: Layered) -> None:
        self.net = net
        self.rows: list[tuple[int, ...]] = []
        self.kept: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.hidden: torch.Tensor | None = None

    def __getattr__(self, name: str):
        return getattr(self.net, name)

    def beside(self, rows: list[tuple[int, ...]], cache: "LayerCache", position: int) -> torch.Tensor:
        self.rows, self.kept = [tuple(row) for row in rows], []
        self.hidden = self.net.beside(rows, cache, position, keep=self.kept)
        return self.hidden

    def attach(self, tokens: tuple[int, ...], count: int, cache: "LayerCache") -> torch.Tensor | None:
        """Append the keys and values of the first ``count`` tokens of the kept row
        ``tokens`` to every layer of ``cache`` (which must hold the positions the
        pass read, nothing more); the hidden state of the last of them [1, 1, dim]
        (before the final norm, as :meth:`Layered.head` takes it).  ``None`` when the
        last pass had no such row."""
        start = 0
        for row in self.rows:
            if row == tuple(tokens):
                break
            start += len(row)
        else:
            return None
        if not 1 <= count <= len(tokens) or self.hidden is None:
            raise ValueError(f"count={count} must be 1 to {len(tokens)} (the row's tokens)")
        for i, (k, v) in enumerate(self.kept):
            cache.append(i, k[:, :, start : start + count], v[:, :, start : start + count])
        return self.hidden[start + count - 1].view(1, 1, -1)


class LayeredGPT2(Layered):
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
        base = self.head_dim**-0.5 if config.scale_attn_weights else 1.0
        self.scales = [base / (i + 1) if config.scale_attn_by_inverse_layer_idx else base for i in range(self.layers)]

    def embed(self, ids: torch.Tensor, start: "int | torch.Tensor") -> torch.Tensor:
        """``ids`` [batch, new] at positions ``start...`` (or at the ``start`` tensor's
        [new] positions) -> hidden [batch, new, dim]."""
        if isinstance(start, int):
            positions = torch.arange(start, start + ids.shape[1], device=ids.device)
        else:
            positions = start
        return self.wte(ids) + self.wpe(positions)[None]

    def embed_one(self, token: int, position: int) -> torch.Tensor:
        """One token at ``position`` -> hidden [1, 1, dim] (the decoding step's fast path)."""
        return (self.wte.weight[token] + self.wpe.weight[position]).view(1, 1, -1)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def _qkv(
        self, i: int, x: torch.Tensor, start: "int | torch.Tensor"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        block = self.blocks[i]
        q, k, v = block.attn.c_attn(block.ln_1(x)).split(self.dim, dim=2)
        return self._split(q), self._split(k), self._split(v)

    def _out(self, i: int, attn: torch.Tensor) -> torch.Tensor:
        return self.blocks[i].attn.c_proj(attn)

    def _mlp(self, i: int, h: torch.Tensor) -> torch.Tensor:
        block = self.blocks[i]
        return block.mlp(block.ln_2(h))

    def final_norm(self, h: torch.Tensor) -> torch.Tensor:
        return self.ln_f(h)


# rotary variants whose angles depend on the position only (not on the sequence length)
_STATIC_ROPE = ("default", "linear", "llama3", "yarn")


class LayeredLlama(Layered):
    """Llama-family decoder layers: RMSNorm before attention and MLP, rotary
    position embeddings on queries and keys, ``num_key_value_heads`` shared by
    groups of query heads, a gated MLP; the final RMSNorm and the LM head."""

    def __init__(self, model) -> None:
        config = model.config
        rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
        kind = rope.get("rope_type", rope.get("type", "default")) if isinstance(rope, dict) else "default"
        if kind not in _STATIC_ROPE:
            raise ValueError(f"rotary embedding {kind!r} depends on the sequence length; not supported layer by layer")
        body = model.model
        self.embed_tokens, self.blocks, self.norm, self.lm_head = (
            body.embed_tokens,
            body.layers,
            body.norm,
            model.lm_head,
        )
        self.rotary = body.rotary_emb
        self.layers = len(self.blocks)
        self.dim = config.hidden_size
        self.heads = config.num_attention_heads
        self.kv_heads = getattr(config, "num_key_value_heads", None) or self.heads
        self.kv_groups = self.heads // self.kv_heads
        self.head_dim = getattr(config, "head_dim", None) or self.dim // self.heads
        self.scales = [self.head_dim**-0.5] * self.layers
        self._cos = self._sin = None

    def _rotation(
        self, start: "int | torch.Tensor", count: int, like: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """cos and sin [1, 1, count, head_dim] of positions ``start...`` (or of the
        ``start`` tensor's [count] positions), from a table grown by doubling (one
        call of the model's rotary module each time)."""
        end = start + count if isinstance(start, int) else int(start.max()) + 1
        if self._cos is None or self._cos.shape[0] < end or self._cos.dtype != like.dtype:
            size = max(1024, 1 << (end - 1).bit_length())
            positions = torch.arange(size, device=like.device)[None]
            cos, sin = self.rotary(like, positions)
            self._cos, self._sin = cos[0], sin[0]
        if not isinstance(start, int):
            return self._cos[start][None, None], self._sin[start][None, None]
        return self._cos[start:end][None, None], self._sin[start:end][None, None]

    @staticmethod
    def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        turned = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + turned * sin

    def embed(self, ids: torch.Tensor, start: "int | torch.Tensor") -> torch.Tensor:
        """``ids`` [batch, new] (positions enter through the rotary angles) -> [batch, new, dim]."""
        return self.embed_tokens(ids)

    def embed_one(self, token: int, position: int) -> torch.Tensor:
        return self.embed_tokens.weight[token].view(1, 1, -1)

    def _qkv(
        self, i: int, x: torch.Tensor, start: "int | torch.Tensor"
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        block = self.blocks[i]
        attn = block.self_attn
        normed = block.input_layernorm(x)
        batch, count = x.shape[0], x.shape[1]
        q = attn.q_proj(normed).view(batch, count, self.heads, self.head_dim).transpose(1, 2)
        k = attn.k_proj(normed).view(batch, count, self.kv_heads, self.head_dim).transpose(1, 2)
        v = attn.v_proj(normed).view(batch, count, self.kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = self._rotation(start, count, q)
        return self._rotate(q, cos, sin), self._rotate(k, cos, sin), v

    def _out(self, i: int, attn: torch.Tensor) -> torch.Tensor:
        return self.blocks[i].self_attn.o_proj(attn)

    def _mlp(self, i: int, h: torch.Tensor) -> torch.Tensor:
        block = self.blocks[i]
        return block.mlp(block.post_attention_layernorm(h))

    def final_norm(self, h: torch.Tensor) -> torch.Tensor:
        return self.norm(h)


class LayerCache:
    """Keys and values per layer ([batch, heads, time, head_dim]) plus the exit
    states still waiting for their keys and values in each layer.  Each layer
    writes into a buffer that doubles when full, so a decoding step copies its
    own keys and values only, not the whole history."""

    def __init__(self, layers: int) -> None:
        self.buffers: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * layers
        self.lengths = [0] * layers
        self.pending: list[list[torch.Tensor]] = [[] for _ in range(layers)]

    def length(self, i: int) -> int:
        return self.lengths[i]

    def truncate(self, length: int) -> None:
        """Keep the first ``length`` positions of every layer (each of them computed
        at full depth: exit states still waiting belong to later positions)."""
        for i in range(len(self.lengths)):
            self.lengths[i] = min(self.lengths[i], length)
            self.pending[i].clear()

    def append(self, i: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add ``k`` and ``v`` ([batch, heads, new, head_dim]) to layer ``i``; all of
        the layer's keys and values so far (views of the buffer)."""
        used, new = self.lengths[i], k.shape[2]
        buffer = self.buffers[i]
        if buffer is None or buffer[0].shape[2] < used + new or buffer[0].shape[0] != k.shape[0]:
            size = max(64, 1 << (used + new - 1).bit_length())
            grown = (
                k.new_empty(k.shape[0], k.shape[1], size, k.shape[3]),
                v.new_empty(v.shape[0], v.shape[1], size, v.shape[3]),
            )
            if buffer is not None and used:
                grown[0][:, :, :used] = buffer[0][:, :, :used]
                grown[1][:, :, :used] = buffer[1][:, :, :used]
            buffer = self.buffers[i] = grown
        buffer[0][:, :, used : used + new] = k
        buffer[1][:, :, used : used + new] = v
        self.lengths[i] = used + new
        return buffer[0][:, :, : used + new], buffer[1][:, :, : used + new]


_VIEWS = {"gpt2": LayeredGPT2, "llama": LayeredLlama}


def layered_for(model) -> Layered | None:
    """A layer-by-layer view of ``model``, or ``None`` when its architecture has none."""
    view = _VIEWS.get(getattr(model.config, "model_type", None))
    if view is None:
        return None
    try:
        return view(model)
    except (ValueError, AttributeError) as err:
        logger.info("early exit unavailable: %s", err)
        return None
