"""A ranked name written whole (``DecodeOptions(name_commit=True)``): the name's
own tokens are emitted without a decoding step each, their keys and values taken
from the ranking's batched pass (:class:`~typelens.monitors.layered.BesidePass`)
or from one pass over them; on the random-weight GPT-2 and Llama of
``test_name_search.py``.  What follows the name is what the model writes after
the prompt and those tokens."""

from __future__ import annotations

import pytest
import torch

from typelens.monitors.decoding import DecodeOptions, decode
from typelens.monitors.dereference import DereferenceMonitor
from typelens.monitors.layered import BesidePass
from typelens.monitors.name_search import NameRanking

from .test_name_search import IDENT, NAMES, PROMPT, prefilled, tiny_lm

PLAIN = NameRanking(favour=0.0, length_power=0.0, calls=False)


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request, tmp_path_factory):
    return tiny_lm(request.param, tmp_path_factory.mktemp(f"commit-{request.param}"))


def test_attach_gives_the_keys_values_and_state_of_running_the_tokens(lm) -> None:
    prompt = lm.encode(PROMPT)
    rows = [lm.name_tokens(n) for n in sorted(NAMES)]
    chosen = max(rows, key=len)
    assert len(chosen) > 1
    net, cache, _ = prefilled(lm, prompt)
    view = BesidePass(net)
    with torch.no_grad():
        view.beside(rows, cache, len(prompt))
        assert cache.lengths == [len(prompt)] * net.layers  # the pass itself leaves the cache alone
        last = view.attach(chosen, len(chosen), cache)
        _, reference, _ = prefilled(lm, prompt + list(chosen))
        expected = lm.model(torch.tensor([prompt + list(chosen)])).logits[0, -1].float()
    assert cache.lengths == [len(prompt) + len(chosen)] * net.layers
    for i in range(net.layers):
        end = len(prompt) + len(chosen)
        for got, want in zip(cache.buffers[i], reference.buffers[i]):
            assert torch.allclose(got[:, :, :end], want[:, :, :end], atol=1e-5)
    assert torch.allclose(net.head(last)[0, -1].float(), expected, atol=1e-4)
    assert view.attach((10_000,), 1, cache) is None  # no such row in the pass
    with pytest.raises(ValueError, match="count"):
        view.attach(chosen, 0, cache)


def _monitor(lm):
    return DereferenceMonitor(lm.token_index, lambda t: NAMES if t.endswith("item.") else None, lm.decode)


@torch.no_grad()
def _reference(lm, name: str, steps: int) -> list[int]:
    """The name's own tokens, then the model's greedy choices (its own forward over
    the whole text each step) under the monitor's mask narrowed to ``name``."""
    monitor, ids = _monitor(lm), lm.encode(PROMPT)
    tokens, written = list(lm.name_tokens(name)), []
    for j in range(steps):
        mask = monitor.step_mask(ids, torch.device("cpu"))
        if j == 0:
            mask = monitor.narrow(0, name, torch.device("cpu"))
        if j < len(tokens):
            token = tokens[j]
        else:
            logits = lm.model(torch.tensor([ids])).logits[0, -1].float()
            token = int((logits if mask is None else logits + mask[: logits.shape[0]]).argmax())
        if token == lm.eos_id:
            break
        ids.append(token)
        written.append(token)
    return written


@pytest.mark.parametrize("ranking", [PLAIN, NameRanking(limit=1)], ids=["pass", "one-name"])
def test_the_committed_name_is_followed_by_what_the_model_writes_after_it(lm, ranking) -> None:
    """``one-name``: one name comes close, the ranking runs no pass, the name's
    tokens run in one pass of their own."""
    options = DecodeOptions(max_new_tokens=8, stop_at_newline=False, name_ranking=ranking)
    stepwise = decode(lm, lm.encode(PROMPT), monitors=[_monitor(lm)], options=options)
    monitor = _monitor(lm)
    committed = decode(
        lm,
        lm.encode(PROMPT),
        monitors=[monitor],
        options=DecodeOptions(max_new_tokens=8, stop_at_newline=False, name_ranking=ranking, name_commit=True),
    )
    name = IDENT.match(committed.text).group()
    assert name == IDENT.match(stepwise.text).group()  # the same name either way
    tokens = lm.name_tokens(name)
    assert all(t.confidence == 1.0 and t.layer == committed.layers for t in committed.tokens[1 : len(tokens)])
    assert [t.id for t in committed.tokens] == _reference(lm, name, 8)
    assert [i.kind for i in monitor.interventions].count("ranked") == 1


def test_a_budget_shorter_than_the_name_stops_inside_it(lm) -> None:
    monitor = _monitor(lm)
    options = DecodeOptions(max_new_tokens=1, stop_at_newline=False, name_ranking=PLAIN, name_commit=True)
    result = decode(lm, lm.encode(PROMPT), monitors=[monitor], options=options)
    assert len(result.tokens) == 1 and result.stopped == "max-tokens"
    assert any(lm.name_tokens(n)[0] == result.tokens[0].id for n in NAMES)
