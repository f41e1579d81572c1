"""The dereference monitor on synthetic scores over a tiny vocabulary (no model):
it masks exactly the tokens that cannot continue a member, leaves its input alone,
lets the model's own valid choice through, and lifts an unsatisfiable constraint."""

from __future__ import annotations

import pytest
import torch

from typelens.monitors.dereference import DereferenceMonitor, State
from typelens.monitors.trie import TokenIndex

VOCAB = [
    "xs",
    ".",
    "app",
    "end",
    "append",
    "(",
    ")",
    "pop",
    "po",
    "p(",
    "get",
    "_items",
    "items",
    "x",
    " ",
    "\n",
    "clear",
    "sort",
    "1",
    "=",
]
MEMBERS = {"append", "pop", "clear", "sort"}


def decode(ids: list[int]) -> str:
    return "".join(VOCAB[i] for i in ids)


def members_of(text: str):
    return MEMBERS if text.endswith("xs.") else None


def ids(*texts: str) -> list[int]:
    return [VOCAB.index(t) for t in texts]


@pytest.fixture
def monitor() -> DereferenceMonitor:
    return DereferenceMonitor(TokenIndex(VOCAB), members_of, decode)


def test_index_allows_only_member_continuations() -> None:
    index = TokenIndex(VOCAB)
    allowed = {VOCAB[i] for i in index.allowed(frozenset(MEMBERS), "")}
    assert allowed == {"app", "append", "pop", "po", "clear", "sort"}  # not "p(": "p" is no member
    assert {VOCAB[i] for i in index.allowed(frozenset(MEMBERS), "app")} == {"end"}
    finished = {VOCAB[i] for i in index.allowed(frozenset(MEMBERS), "append")}
    assert "(" in finished and "x" not in finished


def test_masks_disallowed_tokens_and_keeps_input(monitor: DereferenceMonitor) -> None:
    batch = torch.tensor([ids("xs", "."), ids("x", "="), ids("xs", "."), ids("xs", ".")])
    scores = torch.randn(4, len(VOCAB))
    scores[:, VOCAB.index("x")] = 10.0  # the model wants an invalid member
    before = scores.clone()
    out = monitor(batch, scores)
    assert torch.equal(scores, before)  # input unchanged
    for row in (0, 2, 3):
        best = VOCAB[int(out[row].argmax())]
        assert best in {"app", "append", "pop", "po", "clear", "sort"}
    assert torch.equal(out[1], before[1])  # no trigger: untouched
    assert all(monitor.rows[r].state is State.CONSTRAINED for r in (0, 2, 3))


def test_valid_argmax_passes_without_a_mask(monitor: DereferenceMonitor) -> None:
    batch = torch.tensor([ids("xs", ".")])
    scores = torch.zeros(1, len(VOCAB))
    scores[0, VOCAB.index("pop")] = 5.0
    out = monitor(batch, scores)
    assert out is scores and not monitor.interventions


def test_multi_token_member_then_release(monitor: DereferenceMonitor) -> None:
    seq = ids("xs", ".")
    for want in ("app", "end", "("):
        scores = torch.zeros(1, len(VOCAB))
        scores[0, VOCAB.index("x")] = 9.0
        scores[0, VOCAB.index(want)] = 1.0
        out = monitor(torch.tensor([seq]), scores)
        token = int(out[0].argmax())
        assert VOCAB[token] == want
        seq = seq + [token]
    scores = torch.zeros(1, len(VOCAB))
    scores[0, VOCAB.index("x")] = 9.0
    out = monitor(torch.tensor([seq]), scores)
    assert VOCAB[int(out[0].argmax())] == "x"  # the identifier is complete: no constraint
    assert monitor.rows[0].state is State.UNCONSTRAINED


def test_unsatisfiable_constraint_is_lifted_with_a_diagnostic() -> None:
    monitor = DereferenceMonitor(TokenIndex(VOCAB), lambda t: {"zzz"} if t.endswith(".") else None, decode)
    scores = torch.randn(1, len(VOCAB))
    out = monitor(torch.tensor([ids("xs", ".")]), scores)
    assert torch.equal(out, scores)
    assert monitor.interventions[-1].kind == "lifted"


def test_masks_are_cached(monitor: DereferenceMonitor) -> None:
    for _ in range(3):
        scores = torch.zeros(2, len(VOCAB))
        scores[:, VOCAB.index("x")] = 9.0
        monitor(torch.tensor([ids("xs", "."), ids("xs", ".")]), scores)
    assert len(monitor._masks) == 1


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="members_of"):
        DereferenceMonitor(TokenIndex(VOCAB), None, decode)
    with pytest.raises(ValueError, match="tokens"):
        TokenIndex([])


# -- the call monitor -------------------------------------------------------------------------
from typelens.monitors.calls import CallMonitor  # noqa: E402
from typelens.monitors.dereference import ImportMonitor  # noqa: E402
from typelens.typeinfer.queries import CallFacts, ParameterFacts  # noqa: E402

CALL_VOCAB = ["f", "(", ")", ",", " ", "=", "==", "x", "size", "si", "ze", "name", " name", "1", "**", "kw", "))"]
FACTS = CallFacts(
    "f", (ParameterFacts("size", "positional", False, "int"), ParameterFacts("name", "keyword_only", True, "str"))
)


def call_decode(token_ids: list[int]) -> str:
    return "".join(CALL_VOCAB[i] for i in token_ids)


def call_ids(*texts: str) -> list[int]:
    return [CALL_VOCAB.index(t) for t in texts]


def call_monitor() -> CallMonitor:
    return CallMonitor(
        TokenIndex(CALL_VOCAB), CALL_VOCAB, lambda text: FACTS if text.endswith("f(") else None, call_decode
    )


def best(monitor, seq: list[int], want: str) -> str:
    scores = torch.zeros(1, len(CALL_VOCAB))
    scores[0, CALL_VOCAB.index(want)] = 5.0
    before = scores.clone()
    out = monitor(torch.tensor([seq]), scores)
    assert torch.equal(scores, before)
    return CALL_VOCAB[int(out[0].argmax())]


def test_call_monitor_forbids_closing_while_a_required_argument_is_missing() -> None:
    assert best(call_monitor(), call_ids("f", "("), ")") != ")"
    assert best(call_monitor(), call_ids("f", "(", "1", ","), ")") == ")"  # not yet at an argument start: allowed


def test_call_monitor_forbids_unknown_keyword_names() -> None:
    monitor = call_monitor()
    assert best(monitor, call_ids("f", "(", "x"), "=") != "="  # f(x= : no parameter x
    monitor = call_monitor()
    assert best(monitor, call_ids("f", "(", "size"), "=") == "="  # f(size= is fine


def test_call_monitor_requires_keywords_after_the_positional_slots() -> None:
    monitor = call_monitor()
    seq = call_ids("f", "(", "1", ",", " ")
    assert best(monitor, seq, "x") in {"name", " name", " ", "n"} or best(monitor, seq, "x") != "x"
    assert best(monitor, seq + call_ids("name"), ")") in {"=", " "}


def test_call_monitor_releases_after_the_call_closes() -> None:
    monitor = call_monitor()
    seq = call_ids("f", "(", "1", ")")
    assert best(monitor, seq, ")") == ")"


def test_import_monitor_allows_names_after_spaces() -> None:
    vocab = ["from", " os", " import", " path", " pa", "th", " x", "\n", " "]
    monitor = ImportMonitor(
        TokenIndex(vocab),
        lambda text: {"path", "sep"} if text.endswith("import") else None,
        lambda token_ids: "".join(vocab[i] for i in token_ids),
    )
    scores = torch.zeros(1, len(vocab))
    scores[0, vocab.index(" x")] = 5.0
    out = monitor(torch.tensor([[0, 1, 2]]), scores)
    assert vocab[int(out[0].argmax())] in {" path", " pa", " "}


@pytest.mark.parametrize(
    "text, is_call",
    [
        ("f(", True),
        ("x.y(", True),
        ("f()(", True),
        ("'-'.join(", True),
        ("print (", True),
        ("if (", False),
        ("return (", False),
        ("not (", False),
        ("def f(", False),
        ("class A(", False),
        ("x = (", False),
    ],
)
def test_the_call_monitor_asks_only_at_a_call(text: str, is_call: bool) -> None:
    from typelens.monitors.calls import is_call_paren

    assert is_call_paren(text) is is_call
    asked = []
    monitor = CallMonitor(TokenIndex(CALL_VOCAB), CALL_VOCAB, lambda t: asked.append(t), call_decode)
    monitor._update(0, [])
    monitor.rows[0].text = text[:-1]
    monitor._update(0, call_ids("("))
    assert bool(asked) is is_call


@pytest.mark.pure_only(reason="spies on queries._patched_engine")
def test_static_facts_read_generated_names_from_the_source_analysis(tmp_path, monkeypatch) -> None:
    """``append(self.`` generated after the cursor: ``self`` is read in the
    cursor's scope from the analysis the editor keeps, with no new copy analysed;
    a name the generated text binds itself is not."""
    from typelens.monitors.complete import StaticFacts
    from typelens.typeinfer import queries
    from typelens.typeinfer.session import AnalysisSession
    from typelens.typeinfer.queries import Analysed

    source = (
        b"class Bag:\n    def __init__(self) -> None:\n        self.items: list[int] = []\n\n"
        b"    def add(self, n: int) -> None:\n        self.items.\n        return None\n"
    )
    path = str(tmp_path / "bag.py")
    engine = AnalysisSession(tmp_path).engine()
    cursor = source.index(b"items.\n") + len(b"items.")
    document = Analysed.of(engine, path, source)
    facts = StaticFacts(
        engine, path, source[source.index(b"\n", cursor) + 1 :], "", source=source, offset=cursor, document=document
    )
    analysed = []
    real = queries._patched_engine
    monkeypatch.setattr(queries, "_patched_engine", lambda *a: analysed.append(a) or real(*a))
    before = source[:cursor].decode()
    assert "append" in facts.members_of(before)
    assert "items" in facts.members_of(before + "append(self.")
    assert facts.call_of(before + "append(") is not None
    assert not analysed
    facts.members_of(before + "append([self for self in x] + self.")  # binds ``self`` itself
    assert analysed
