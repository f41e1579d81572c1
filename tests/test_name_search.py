"""Whole-name choice where a member starts (:mod:`typelens.monitors.name_search`),
on a random-weight GPT-2 and a random-weight Llama with a BPE tokenizer trained
here: the search's answer is the brute-force likeliest whole name (the full
model's own forward over each name, its end included), the cache is left as it
was, and decoding after the choice equals decoding with only that name allowed;
the same for the batched whole-name ranking (``rank_names``), its priors too."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from typelens.monitors.complete import complete
from typelens.monitors.decoding import DecodeOptions, decode
from typelens.monitors.dereference import DereferenceMonitor
from typelens.monitors.layered import layered_for
from typelens.monitors.lm import load_lm
from typelens.monitors.name_search import NameRanking, best_name, rank_names
from typelens.monitors.train_lm import build_tokenizer

from .conftest import ROOT

PROMPT = "items = load()\nfor item in items:\n    total = item."
NAMES = frozenset({"price", "quantity", "name", "get_price", "get_name", "names", "discount", "total"})
SPECIAL = {"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0}
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _model(family: str, vocabulary: int):
    if family == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel

        config = GPT2Config(vocab_size=vocabulary, n_positions=256, n_embd=32, n_layer=3, n_head=4, **SPECIAL)
        return GPT2LMHeadModel(config)
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocabulary,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        **SPECIAL,
    )
    return LlamaForCausalLM(config)


def tiny_lm(kind: str, folder: Path):
    """A tiny untrained ``kind`` ("gpt2" or "llama") LM saved to ``folder`` and loaded,
    its tokenizer built on the example project and the test's names."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples" / "shop").rglob("*.py"))]
    tokenizer = build_tokenizer(texts + [PROMPT + " ".join(NAMES)], 400)
    torch.manual_seed(5)
    _model(kind, len(tokenizer)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return load_lm(folder, device="cpu")


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request, tmp_path_factory):
    return tiny_lm(request.param, tmp_path_factory.mktemp(f"names-{request.param}"))


def brute_force(lm, prompt: list[int], names) -> dict[str, float]:
    """log P(name, then a token that ends the identifier) from the model's own forward."""
    return {name: score for name, (score, _) in full_forward(lm, prompt, names).items()}


@torch.no_grad()
def prefilled(lm, prompt: list[int]):
    net = layered_for(lm.model)
    cache = net.new_cache()
    h = net.embed(torch.tensor([prompt]), 0)
    for i in range(net.layers):
        h = net.block(i, h, cache)
    return net, cache, net.head(h)[0, -1]


@pytest.mark.parametrize("names", [NAMES, frozenset({"name", "names"}), frozenset({"get_price", "get_name", "total"})])
def test_search_finds_the_likeliest_whole_name(lm, names) -> None:
    prompt = lm.encode(PROMPT)
    expected = brute_force(lm, prompt, names)
    net, cache, logits = prefilled(lm, prompt)
    with torch.no_grad():
        choice = best_name(lm, net, cache, len(prompt), logits, names, None, budget=len(names))
    assert choice.name == max(expected, key=expected.get)
    assert choice.log_probability == pytest.approx(expected[choice.name], abs=1e-3)
    assert 1 <= choice.tried <= len(names)
    assert cache.lengths == [len(prompt)] * net.layers  # every try was cut back


def test_a_budget_of_one_takes_the_likeliest_first_token(lm) -> None:
    prompt = lm.encode(PROMPT)
    net, cache, logits = prefilled(lm, prompt)
    first = torch.log_softmax(logits, dim=-1)
    with torch.no_grad():
        choice = best_name(lm, net, cache, len(prompt), logits, NAMES, None, budget=1)
    assert choice.tried == 1
    assert choice.name == max(sorted(NAMES), key=lambda n: float(first[lm.name_tokens(n)[0]]))


def test_a_mask_that_allows_no_first_token_gives_no_choice(lm) -> None:
    prompt = lm.encode(PROMPT)
    net, cache, logits = prefilled(lm, prompt)
    mask = torch.full((len(lm.vocabulary),), float("-inf"))
    assert best_name(lm, net, cache, len(prompt), logits, NAMES, mask, budget=4) is None


def _decode(lm, members, search: int):
    monitor = DereferenceMonitor(lm.token_index, lambda t: members if t.endswith("item.") else None, lm.decode)
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False, name_search=search)
    return decode(lm, lm.encode(PROMPT), monitors=[monitor], options=options), monitor


def test_decoding_after_the_choice_equals_decoding_with_that_name_only(lm) -> None:
    expected = brute_force(lm, lm.encode(PROMPT), NAMES)
    best = max(expected, key=expected.get)
    searched, monitor = _decode(lm, NAMES, len(NAMES))
    alone, _ = _decode(lm, frozenset({best}), 0)
    assert IDENT.match(searched.text).group() == best
    assert [t.id for t in searched.tokens] == [t.id for t in alone.tokens]
    assert [i.kind for i in monitor.interventions].count("chosen") == 1


def test_greedy_is_unchanged_without_the_search(lm) -> None:
    greedy, monitor = _decode(lm, NAMES, 0)
    name = IDENT.match(greedy.text)
    assert name is not None and any(m.startswith(name.group()) for m in NAMES)
    assert "chosen" not in [i.kind for i in monitor.interventions]


def test_options_refuse_a_negative_budget() -> None:
    with pytest.raises(ValueError, match="name_search"):
        DecodeOptions(name_search=-1)


def test_biased_masks_add_the_bonus_to_favoured_tokens_only() -> None:
    from typelens.monitors.base import MaskCache

    mask = MaskCache(6).get(("k",), lambda: [1, 2, 4], torch.device("cpu"), lambda: [2], 3.0)
    assert mask.tolist() == [float("-inf"), 0.0, 3.0, float("-inf"), 0.0, float("-inf")]
    plain = MaskCache(6).get(("k",), lambda: [1, 2, 4], torch.device("cpu"), lambda: [2], 0.0)
    assert plain.tolist() == [float("-inf"), 0.0, 0.0, float("-inf"), 0.0, float("-inf")]


def _favouring(lm, favoured, bonus: float):
    return DereferenceMonitor(
        lm.token_index,
        lambda t: NAMES if t.endswith("item.") else None,
        lm.decode,
        favoured=lambda text: favoured,
        bonus=bonus,
    )


@pytest.mark.parametrize("favoured", [frozenset({"discount"}), frozenset({"quantity", "get_name", "elsewhere"})])
def test_a_large_bonus_writes_a_favoured_member(lm, favoured) -> None:
    monitor = _favouring(lm, favoured, 1e4)
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False)
    result = decode(lm, lm.encode(PROMPT), monitors=[monitor], options=options)
    assert IDENT.match(result.text).group() in favoured & NAMES


def test_no_bonus_or_every_name_favoured_is_plain_greedy(lm) -> None:
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False)
    plain, _ = _decode(lm, NAMES, 0)
    for favoured, bonus in ((frozenset({"discount"}), 0.0), (NAMES, 5.0)):
        result = decode(lm, lm.encode(PROMPT), monitors=[_favouring(lm, favoured, bonus)], options=options)
        assert [t.id for t in result.tokens] == [t.id for t in plain.tokens]


def test_generate_composes_with_a_favouring_monitor(lm) -> None:
    from transformers import LogitsProcessorList

    ids = lm.encode(PROMPT)
    out = lm.model.generate(
        torch.tensor([ids]),
        max_new_tokens=6,
        do_sample=False,
        pad_token_id=0,
        logits_processor=LogitsProcessorList([_favouring(lm, frozenset({"discount"}), 1e4)]),
    )
    assert IDENT.match(lm.decode(out[0, len(ids) :].tolist())).group() == "discount"


def test_used_members_reads_names_after_dots() -> None:
    from typelens.monitors.complete import used_members

    text = "xs.append(1)\nself. width = os.path.join(a, b)\nx = 1.5\n"
    assert used_members(text) == {"append", "width", "path", "join"}


BOX = """class Box:
    def __init__(self):
        self.width = 1

    def area(self):
        return self.

    def grow(self):
        self.height = 2
"""


def test_complete_favours_the_members_the_file_writes(lm, tmp_path) -> None:
    """Only names the file writes after a dot are favoured: with ``before`` only the
    text before the cursor counts (``width``), with ``file`` the lines after it too."""
    path = tmp_path / "box.py"
    path.write_text(BOX, encoding="utf-8")
    offset = BOX.index("return self.") + len("return self.")
    said = {}
    for scope in ("before", "file"):
        result = complete(BOX, offset, path=str(path), lm=lm, max_tokens=6, favour_used=1e4, favour_scope=scope)
        said[scope] = IDENT.match(result.text).group()
    assert said["before"] == "width"
    assert said["file"] in {"width", "height"}
    with pytest.raises(ValueError, match="favour_scope"):
        complete(BOX, offset, path=str(path), lm=lm, favour_scope="project")


def test_members_by_receiver_reads_each_dotted_receiver() -> None:
    from typelens.monitors.complete import members_by_receiver, receiver_favours

    text = "self.box.width = os.path.join(a, b)\nf().skip\nself.grow()\nx = 1.5\n"
    found = members_by_receiver(text)
    assert found["self"] == {"box", "grow"} and found["self.box"] == {"width"}
    assert found["os"] == {"path"} and found["os.path"] == {"join"}
    assert "f" not in found and "1" not in found  # a call's result, a number: no receiver
    favoured = receiver_favours(text)
    assert favoured("    return self.") == {"box", "grow"} and favoured("y = self.box.") == {"width"}
    assert favoured("z = f().") == frozenset() and favoured("box.") == frozenset()  # ``box`` alone is another name


RECEIVERS = """class Box:
    def __init__(self, other):
        self.width = 1
        other.grow()

    def area(self):
        return self.

    def grow(self):
        pass
"""


def test_complete_favours_the_members_written_after_the_same_receiver(lm, tmp_path) -> None:
    """``receiver``: only names written after ``self.`` are favoured at ``self.``
    (``width``), not ``grow``, which the file writes after ``other.``."""
    path = tmp_path / "box.py"
    path.write_text(RECEIVERS, encoding="utf-8")
    offset = RECEIVERS.index("return self.") + len("return self.")
    result = complete(RECEIVERS, offset, path=str(path), lm=lm, max_tokens=6, favour_used=1e4, favour_scope="receiver")
    assert IDENT.match(result.text).group() == "width"


def test_dunder_penalty_lowers_the_tokens_only_dunders_go_on_with(lm) -> None:
    """``__`` begins many dunders at once: with a penalty, tokens that keep only
    dunder names possible get it taken off (a large one writes the other member),
    tokens shared with other names keep 0, and with only dunders left nothing
    changes."""
    from typelens.monitors.base import MaskCache
    from typelens.monitors.dereference import is_dunder

    assert is_dunder("__len__") and not is_dunder("__private") and not is_dunder("_x_") and not is_dunder("____")
    mask = MaskCache(6).get(("k",), lambda: [1, 2, 4], torch.device("cpu"), None, 0.0, lambda: [4], 2.0)
    assert mask.tolist() == [float("-inf"), 0.0, 0.0, float("-inf"), -2.0, float("-inf")]
    names = frozenset({"__len__", "__iter__", "discount"})
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False)
    for penalty in (0.0, 1e4):
        monitor = DereferenceMonitor(
            lm.token_index, lambda t: names if t.endswith("item.") else None, lm.decode, dunder_penalty=penalty
        )
        result = decode(lm, lm.encode(PROMPT), monitors=[monitor], options=options)
        word = IDENT.match(result.text).group()
        assert word in names or any(n.startswith(word) for n in names)
        if penalty:
            assert word == "discount"
            only = monitor._dunders_only(frozenset({"__len__", "__iter__"}), "", False)
            assert only == [] and monitor._dunders_only(names, "", False)


# Whole-name ranking (rank_names): the names scored in one batched pass beside the
# cached context get the scores of the full model's own forward over each name
# (its end, or a call's opening for a method, included), the cache is left as it
# was, the priors (favour, length) act as documented, and decoding after the ranked
# choice equals decoding with only that name allowed.

PLAIN = NameRanking(limit=64, favour=0.0, length_power=0.0, calls=False, margin=math.inf)


@torch.no_grad()
def full_forward(lm, prompt: list[int], names, calls=frozenset()) -> dict[str, tuple[float, int]]:
    """name -> (log P(name, then its end), tokens) from the model's own forward; the
    end of a name in ``calls`` is a token that opens a call."""
    found = {}
    for name in names:
        tokens = list(lm.name_tokens(name))
        logp = torch.log_softmax(lm.model(torch.tensor([prompt + tokens])).logits[0].float(), dim=-1)
        at = len(prompt) - 1
        inner = sum(float(logp[at + j, t]) for j, t in enumerate(tokens))
        ends = lm.call_opens if name in calls else lm.identifier_ends
        found[name] = (inner + float(torch.logsumexp(logp[at + len(tokens)][ends], dim=0)), len(tokens))
    return found


def _rank(lm, names, ranking: NameRanking, favoured=frozenset(), calls=frozenset(), mask=None):
    prompt = lm.encode(PROMPT)
    net, cache, logits = prefilled(lm, prompt)
    before = [(b[0][:, :, : len(prompt)].clone(), b[1][:, :, : len(prompt)].clone()) for b in cache.buffers]
    choice = rank_names(lm, net, cache, len(prompt), logits, names, mask, ranking, favoured, calls)
    assert cache.lengths == [len(prompt)] * net.layers and not any(cache.pending)
    for (k, v), buffer in zip(before, cache.buffers):  # the context's keys and values are untouched
        assert torch.equal(k, buffer[0][:, :, : len(prompt)]) and torch.equal(v, buffer[1][:, :, : len(prompt)])
    return choice


@pytest.mark.parametrize("names", [NAMES, frozenset({"name", "names"}), frozenset({"get_price", "get_name", "total"})])
def test_plain_ranking_is_the_likeliest_whole_name(lm, names) -> None:
    expected = full_forward(lm, lm.encode(PROMPT), names)
    choice = _rank(lm, names, PLAIN)
    assert choice.name == max(expected, key=lambda n: expected[n][0])
    assert choice.log_probability == pytest.approx(expected[choice.name][0], abs=1e-3)
    assert choice.tried == len(names)


def test_methods_end_with_a_call_and_length_divides(lm) -> None:
    calls = frozenset({"get_price", "get_name", "discount"})
    expected = full_forward(lm, lm.encode(PROMPT), NAMES, calls)
    ranking = NameRanking(limit=64, favour=0.0, length_power=0.5, calls=True, margin=math.inf)
    choice = _rank(lm, NAMES, ranking, calls=calls)
    assert choice.name == max(expected, key=lambda n: expected[n][0] / math.sqrt(expected[n][1]))
    assert choice.log_probability == pytest.approx(expected[choice.name][0], abs=1e-3)


@pytest.mark.parametrize("favoured", [frozenset({"discount"}), frozenset({"quantity"})])
def test_a_large_favour_ranks_a_favoured_name_first(lm, favoured) -> None:
    assert _rank(lm, NAMES, NameRanking(favour=1e4), favoured).name in favoured


def test_the_limit_scores_the_names_with_the_likeliest_first_tokens(lm) -> None:
    prompt = lm.encode(PROMPT)
    _, _, logits = prefilled(lm, prompt)
    first = torch.log_softmax(logits.float(), dim=-1)
    likeliest = max(sorted(NAMES), key=lambda n: float(first[lm.name_tokens(n)[0]]))
    choice = _rank(lm, NAMES, NameRanking(limit=1))  # one name left: taken without a pass
    assert choice.tried == 0 and choice.name == likeliest
    assert choice.log_probability == pytest.approx(float(first[lm.name_tokens(likeliest)[0]]), abs=1e-4)
    sharing = {n for n in NAMES if lm.name_tokens(n)[0] == lm.name_tokens(likeliest)[0]}
    tied = _rank(lm, NAMES, NameRanking(margin=0.0))  # the names that share the likeliest first token
    assert tied.name in sharing and tied.tried == (len(sharing) if len(sharing) > 1 else 0)
    with pytest.raises(ValueError, match="limit"):
        NameRanking(limit=0)
    with pytest.raises(ValueError, match="length_power"):
        NameRanking(length_power=-1.0)
    with pytest.raises(ValueError, match="margin"):
        NameRanking(margin=float("nan"))


def test_the_margin_scores_only_the_names_whose_first_token_comes_close(lm) -> None:
    prompt = lm.encode(PROMPT)
    _, _, logits = prefilled(lm, prompt)
    first = torch.log_softmax(logits.float(), dim=-1)
    lead = {n: float(first[lm.name_tokens(n)[0]]) for n in NAMES}
    best = max(lead.values())
    close = {n for n in NAMES if lead[n] >= best - 1.0}
    expected = full_forward(lm, prompt, close)
    choice = _rank(lm, NAMES, NameRanking(favour=0.0, length_power=0.0, calls=False, margin=1.0))
    assert choice.tried == len(close)
    if len(close) > 1:
        assert choice.name == max(expected, key=lambda n: expected[n][0])


def test_a_mask_that_allows_no_first_token_ranks_nothing(lm) -> None:
    mask = torch.full((len(lm.vocabulary),), float("-inf"))
    assert _rank(lm, NAMES, PLAIN, mask=mask) is None


def test_names_that_would_run_past_the_context_are_not_ranked(lm) -> None:
    """At the end of the model's positions ranking gives way to greedy decoding
    (``test_decoding.py::test_dereference_monitor_only_emits_members`` decodes there)."""
    prompt = lm.encode(PROMPT)
    net, cache, logits = prefilled(lm, prompt)
    assert max(len(lm.name_tokens(n)) for n in NAMES) > 1
    assert rank_names(lm, net, cache, lm.context - 1, logits, NAMES, None, PLAIN) is None


@pytest.mark.parametrize("allowed_head", [False, True])
def test_decoding_after_the_ranked_choice_equals_decoding_with_that_name_only(lm, allowed_head) -> None:
    expected = full_forward(lm, lm.encode(PROMPT), NAMES)
    best = max(expected, key=lambda n: expected[n][0])
    monitor = DereferenceMonitor(lm.token_index, lambda t: NAMES if t.endswith("item.") else None, lm.decode)
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False, name_ranking=PLAIN, allowed_head=allowed_head)
    ranked = decode(lm, lm.encode(PROMPT), monitors=[monitor], options=options)
    alone, _ = _decode(lm, frozenset({best}), 0)
    assert IDENT.match(ranked.text).group() == best
    assert [t.id for t in ranked.tokens] == [t.id for t in alone.tokens]
    assert [i.kind for i in monitor.interventions].count("ranked") == 1


def test_complete_ranks_with_the_file_priors(lm, tmp_path) -> None:
    """complete(): the methods come from the receiver's type, the favoured names
    from the file (``width`` and ``height``, written after ``self.``): a large
    favour writes one of them."""
    path = tmp_path / "box.py"
    path.write_text(BOX, encoding="utf-8")
    offset = BOX.index("return self.") + len("return self.")
    result = complete(BOX, offset, path=str(path), lm=lm, max_tokens=6, name_ranking=NameRanking(favour=1e4))
    assert IDENT.match(result.text).group() in {"width", "height"}
    assert any(i.kind == "ranked" for i in result.generation.interventions)
    plain = complete(BOX, offset, path=str(path), lm=lm, max_tokens=6, name_ranking=PLAIN)
    assert IDENT.match(plain.text).group() in {"width", "height", "grow", "area"}
