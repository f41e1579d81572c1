"""Decoding with real (tiny) models: a random-weight GPT-2 with a BPE tokenizer
trained here on a few files (the adversarial case: it prefers no member), and the
shipped LM.  Properties, not exact strings: every identifier after ``obj.`` is a
member of the type when the type is known; early exit at threshold 1.0 is plain
greedy decoding; damaged model folders fail with one clear line."""

from __future__ import annotations

import json
from dataclasses import replace
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from typelens.analyzer import ModelError, ProjectIndex
from typelens.monitors.complete import complete
from typelens.monitors.decoding import DecodeOptions, decode
from typelens.monitors.early_exit import load_exits, train_exits
from typelens.monitors.layered import layered_for
from typelens.monitors.lm import TINY_LM, load_lm
from typelens.monitors.train_lm import build_tokenizer
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.queries import members_at

from .conftest import DATA, ROOT

SOURCES = sorted((ROOT / "examples" / "shop").rglob("*.py")) + sorted((DATA / "infer").glob("*.py"))
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SOURCES]


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory, texts):
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path_factory.mktemp("tiny-lm")
    tokenizer = build_tokenizer(texts, 400)
    torch.manual_seed(3)
    model = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=256,
            n_embd=32,
            n_layer=3,
            n_head=4,
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


def dot_positions(limit_per_file: int = 12) -> list[tuple[Path, int]]:
    """Offsets of the dots of ``name.member`` in the test sources."""
    found = []
    for path in SOURCES:
        data = path.read_bytes()
        hits = [m.start() + len(m.group(1)) for m in re.finditer(rb"\b([A-Za-z_]\w*)\.[A-Za-z_]", data)]
        found.extend((path, dot) for dot in hits[:limit_per_file])
    return found


def test_layer_by_layer_equals_the_model(tiny_lm) -> None:
    net = layered_for(tiny_lm.model)
    ids = torch.tensor([tiny_lm.encode("def total(items):\n    return sum(items)\n")])
    with torch.no_grad():
        reference = tiny_lm.model(ids).logits[0, -1]
        cache = net.new_cache()
        h = net.embed(ids, 0)
        for i in range(net.layers):
            h = net.block(i, h, cache)
        assert torch.allclose(net.head(h)[0, -1], reference, atol=1e-5)


@pytest.mark.parametrize("prompt", ["import os\nos.", "class A:\n    def f(self):\n        return self.", "x = [1]\n"])
def test_threshold_one_is_full_depth_greedy(tiny_lm, prompt: str) -> None:
    exits = load_exits(tiny_lm.path / "exits", 3, 32, tiny_lm.device)
    ids = tiny_lm.encode(prompt)
    options = DecodeOptions(max_new_tokens=12, exit_threshold=1.0, stop_at_newline=False)
    ours = decode(tiny_lm, ids, exits=exits, options=options)
    generated = tiny_lm.model.generate(
        torch.tensor([ids]), max_new_tokens=12, do_sample=False, pad_token_id=0, eos_token_id=None
    )[0, len(ids) :].tolist()
    assert [t.id for t in ours.tokens] == generated[: len(ours.tokens)]
    assert all(t.layer == 3 for t in ours.tokens)


def test_low_threshold_exits_early_and_keeps_decoding(tiny_lm) -> None:
    exits = load_exits(tiny_lm.path / "exits", 3, 32, tiny_lm.device)
    result = decode(
        tiny_lm,
        tiny_lm.encode("def f(x):\n    "),
        exits=exits,
        options=DecodeOptions(max_new_tokens=10, exit_threshold=1e-6, stop_at_newline=False),
    )
    layers = [t.layer for t in result.tokens]
    assert layers and layers[0] == 3 and all(layer == 1 for layer in layers[1:])  # the first comes from the prefill


def test_dereference_monitor_only_emits_members(tiny_lm) -> None:
    """The property: wherever the receiver's type is fully known, the generated
    identifier is one of its members (the random model alone almost never is)."""
    index = ProjectIndex(ROOT / "examples" / "shop")
    session = AnalysisSession(index=index)
    engine = session.engine()
    checked = unguided_members = 0
    for path, dot in dot_positions():
        data = path.read_bytes()
        facts = members_at(engine, str(path), data, dot)
        if facts is None or not facts.is_complete:
            continue
        for guided in (True, False):
            result = complete(data, dot + 1, path=str(path), lm=tiny_lm, session=session, max_tokens=6, monitor=guided)
            name = IDENT.match(result.text)
            if guided:
                assert name is not None and any(m.startswith(name.group()) for m in facts.names), (path.name, dot)
                if result.generation.stopped != "max-tokens":
                    assert name.group() in facts.names, (path.name, dot, result.text)
                checked += 1
            else:
                unguided_members += bool(name and name.group() in facts.names)
    assert checked >= 20
    assert unguided_members < checked


def test_monitor_and_early_exit_compose(tiny_lm) -> None:
    """With every token leaving at the first exit, the mask still applies there."""
    from typelens.monitors.dereference import DereferenceMonitor

    members = {"append", "extend", "pop"}
    exits = load_exits(tiny_lm.path / "exits", 3, 32, tiny_lm.device)
    for measure in ("classifier", "max-prob"):
        monitor = DereferenceMonitor(
            tiny_lm.token_index, lambda text: members if text.endswith("xs.") else None, tiny_lm.decode
        )
        result = decode(
            tiny_lm,
            tiny_lm.encode("xs = []\nfor x in range(3):\n    xs."),
            monitors=[monitor],
            exits=exits,
            options=DecodeOptions(max_new_tokens=6, exit_threshold=1e-6, exit_measure=measure),
        )
        name = IDENT.match(result.text)
        assert name and any(m.startswith(name.group()) for m in members), result.text
        assert all(t.layer == 1 for t in result.tokens[1:])


def test_generate_composes_with_the_monitor(tiny_lm) -> None:
    from transformers import LogitsProcessorList

    from typelens.monitors.dereference import DereferenceMonitor

    members = {"append", "extend", "pop"}
    monitor = DereferenceMonitor(
        tiny_lm.token_index, lambda text: members if text.endswith("xs.") else None, tiny_lm.decode
    )
    ids = tiny_lm.encode("xs = []\nxs.")
    out = tiny_lm.model.generate(
        torch.tensor([ids]),
        max_new_tokens=4,
        do_sample=False,
        pad_token_id=0,
        logits_processor=LogitsProcessorList([monitor]),
    )
    text = tiny_lm.decode(out[0, len(ids) :].tolist())
    assert any(m.startswith(IDENT.match(text).group()) for m in members), text


@pytest.mark.parametrize("family", ["llama", "gpt_neox", "codegen", "gpt_bigcode"])
def test_other_architectures_decode_with_monitors(tmp_path: Path, tiny_lm, family: str) -> None:
    """Llama-family, GPT-NeoX, CodeGen and StarCoder (GPTBigCode) folders load and
    decode at full depth (their own forward with a cache), the monitor applied;
    asking for early exit falls back."""
    from transformers import (
        CodeGenConfig,
        CodeGenForCausalLM,
        GPTBigCodeConfig,
        GPTBigCodeForCausalLM,
        GPTNeoXConfig,
        GPTNeoXForCausalLM,
        LlamaConfig,
        LlamaForCausalLM,
    )

    size = len(tiny_lm.tokenizer)
    torch.manual_seed(5)
    if family == "codegen":
        model = CodeGenForCausalLM(
            CodeGenConfig(
                vocab_size=size,
                n_embd=32,
                n_layer=2,
                n_head=4,
                rotary_dim=4,
                n_positions=256,
                n_ctx=256,
                bos_token_id=0,
                eos_token_id=0,
            )
        )
    elif family == "gpt_bigcode":
        model = GPTBigCodeForCausalLM(
            GPTBigCodeConfig(
                vocab_size=size,
                n_embd=32,
                n_layer=2,
                n_head=4,
                n_positions=256,
                multi_query=True,
                bos_token_id=0,
                eos_token_id=0,
            )
        )
    elif family == "llama":
        model = LlamaForCausalLM(
            LlamaConfig(
                vocab_size=size,
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                num_key_value_heads=2,
                max_position_embeddings=256,
                bos_token_id=0,
                eos_token_id=0,
            )
        )
    else:
        model = GPTNeoXForCausalLM(
            GPTNeoXConfig(
                vocab_size=size,
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                max_position_embeddings=256,
                bos_token_id=0,
                eos_token_id=0,
            )
        )
    model.save_pretrained(tmp_path)
    tiny_lm.tokenizer.save_pretrained(tmp_path)
    lm = load_lm(tmp_path, device="cpu")
    path = ROOT / "examples" / "shop" / "shop" / "service.py"
    data = path.read_bytes()
    dot = data.index(b"path.write_text") + 4
    result = complete(
        data, dot + 1, path=str(path), lm=lm, root=ROOT / "examples" / "shop", max_tokens=8, exit_threshold=0.5
    )
    name = IDENT.match(result.text)
    assert name and any(m.startswith(name.group()) for m in dir(Path)), result.text
    assert all(t.layer == 2 for t in result.generation.tokens)
    ids = lm.encode("def f(x):\n    return x")
    ours = decode(lm, ids, options=DecodeOptions(max_new_tokens=6, stop_at_newline=False))
    reference = lm.model.generate(
        torch.tensor([ids]), max_new_tokens=6, do_sample=False, pad_token_id=0, eos_token_id=None
    )[0, len(ids) :].tolist()
    assert [t.id for t in ours.tokens] == reference[: len(ours.tokens)]


def test_bf16_loads_and_decodes() -> None:
    lm = load_lm("tiny", device="cpu", dtype="bf16")
    assert next(lm.model.parameters()).dtype == torch.bfloat16
    for threshold in (1.0, 0.5):
        result = decode(
            lm,
            lm.encode("import os\nos."),
            exits=lm.exits,
            options=DecodeOptions(max_new_tokens=4, exit_threshold=threshold),
        )
        assert result.tokens


def test_shipped_lm_completes_members_with_json_report() -> None:
    path = ROOT / "examples" / "shop" / "shop" / "service.py"
    data = path.read_bytes()
    dot = data.index(b"path.write_text") + 4
    result = complete(
        data, dot + 1, path=str(path), root=ROOT / "examples" / "shop", max_tokens=6, exit_threshold=0.9, model=TINY_LM
    )
    report = result.to_json()
    name = IDENT.match(report["completion"]).group()
    assert any(m.startswith(name) for m in dir(Path)), name
    if report["stopped"] != "max-tokens":
        assert name in dir(Path)
    assert report["tokens"] and all(1 <= t["layer"] <= report["model_layers"] for t in report["tokens"])


@pytest.mark.parametrize("damage", ["no-config", "garbage-weights", "pickled-only", "no-tokenizer", "bad-json"])
def test_damaged_model_folders_fail_clearly(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    for item in TINY_LM.iterdir():
        if item.is_file():
            (folder / item.name).write_bytes(item.read_bytes())
    if damage == "no-config":
        (folder / "config.json").unlink()
    elif damage == "garbage-weights":
        (folder / "model.safetensors").write_bytes(b"\x00garbage" * 100)
    elif damage == "pickled-only":
        (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    elif damage == "no-tokenizer":
        for name in ("tokenizer.json", "tokenizer_config.json"):
            (folder / name).unlink(missing_ok=True)
    elif damage == "bad-json":
        (folder / "config.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_lm(folder, device="cpu")
    assert str(folder) in str(caught.value) and "\n" not in str(caught.value)


def test_cli_complete_json_and_errors(tmp_path: Path) -> None:
    target = ROOT / "examples" / "shop" / "shop" / "service.py"
    line = next(i for i, text in enumerate(target.read_text().splitlines(), 1) if "path.write_text" in text)
    column = target.read_text().splitlines()[line - 1].index("path.") + 6
    cmd = [
        sys.executable,
        "-m",
        "typelens.cli",
        "complete",
        f"{target}:{line}:{column}",
        "--format",
        "json",
        "--max-tokens",
        "4",
        "--model",
        "tiny",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"completion", "tokens", "interventions", "average_layers"} <= set(report)
    bad = subprocess.run(
        [sys.executable, "-m", "typelens.cli", "complete", f"{target}:{line}:{column}", "--model", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "model error" in bad.stderr
    outside = subprocess.run(
        [sys.executable, "-m", "typelens.cli", "complete", f"{target}:9999:1", "--model", "tiny"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert outside.returncode == 2 and "outside" in outside.stderr


def test_workspace_guided_completion_on_small_and_over_large_documents() -> None:
    from typelens.lsp.workspace import MAX_DOCUMENT_BYTES, Workspace
    from typelens.typeinfer.settings import Settings

    ws = Workspace(None, Settings(lm_path=TINY_LM))
    small = "xs = []\nxs."
    ws.open("file:///tmp/typelens-small.py", small, 1)
    entry = ws.guided_completion("file:///tmp/typelens-small.py", len(small))
    assert entry is not None and IDENT.match(entry.label).group() in dir(list)
    huge = "x = 1\n" * (MAX_DOCUMENT_BYTES // 6 + 10) + small
    ws.open("file:///tmp/typelens-huge.py", huge, 1)
    assert ws.guided_completion("file:///tmp/typelens-huge.py", len(huge)) is None


def test_workspace_guided_completion_reuses_the_previous_keystroke() -> None:
    """Typing after a completion re-encodes only the new tokens: the model's prompt
    cache hands the previous prompt's keys and values to the next completion."""
    from typelens.lsp.workspace import Workspace
    from typelens.typeinfer.settings import Settings

    ws = Workspace(None, Settings(lm_path=TINY_LM))
    uri = "file:///tmp/typelens-typing.py"
    text = "import os\n\n\ndef main(paths):\n    for name in paths:\n        print(os.path.join(name, 'x'))\n    os"
    ws.open(uri, text, 1)
    ws.guided_completion(uri, len(text), max_tokens=4)
    cache = ws.code_lm(uri).prompt_cache
    before = cache.reused_tokens
    ws.change(uri, 2, [text + "."])
    entry = ws.guided_completion(uri, len(text) + 1, max_tokens=4)
    assert cache.reused_tokens - before >= len(ws.code_lm(uri).encode(text)) - 3
    import os

    name = IDENT.match(entry.label).group()
    assert any(member.startswith(name) for member in dir(os)), entry.label


def test_cli_complete_reads_lm_path_and_device_from_the_settings_and_options_win(tmp_path: Path) -> None:
    """``lm-path`` (relative to its pyproject.toml) and ``device`` in ``[tool.typelens]``
    choose the model and device of ``typelens complete``; ``--model`` and ``--device`` win."""
    project = tmp_path / "project"
    (project / "broken").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.typelens]\nlm-path = "broken"\ndevice = "cuda:0"\n')
    (project / "app.py").write_text("xs = []\nxs.")
    base = [sys.executable, "-m", "typelens.cli", "complete", f"{project / 'app.py'}:2:4", "--max-tokens", "2"]

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *extra], capture_output=True, text=True, timeout=120, cwd=tmp_path)

    from_file = run()
    assert from_file.returncode == 2 and f"{project / 'broken'}: not a Hugging Face model folder" in from_file.stderr
    if not torch.cuda.is_available():
        device_from_file = run("--model", "tiny")
        assert device_from_file.returncode == 2 and "'cuda:0': CUDA is not available" in device_from_file.stderr
    both_given = run("--model", "tiny", "--device", "cpu")
    assert both_given.returncode == 0, both_given.stderr
    name = IDENT.match(both_given.stdout).group()
    assert any(member.startswith(name) for member in dir(list)), both_given.stdout


@pytest.mark.parametrize("speculate,layer", [(1, 0), (3, 0), (4, 1), (8, -1)])
def test_speculative_decoding_equals_full_depth_greedy(tiny_lm, speculate: int, layer: int) -> None:
    """Drafts from an exit, verified at full depth: the same tokens as threshold 1.0,
    monitors included (they only see the kept tokens), through the prompt cache too."""
    from typelens.monitors.dereference import DereferenceMonitor
    from typelens.monitors.prompt_cache import PromptCache

    exits = load_exits(tiny_lm.path / "exits", 3, 32, tiny_lm.device)
    prompts = ["import os\nos.", "class A:\n    def f(self):\n        return self.", "xs = []\nxs.", "x = [1]\n"]

    def monitor():
        members = {"append", "extend", "pop", "path", "getcwd"}
        return DereferenceMonitor(
            tiny_lm.token_index, lambda text: members if text.endswith((".", "xs.")) else None, tiny_lm.decode
        )

    cache = PromptCache()
    for prompt in prompts:
        ids = tiny_lm.encode(prompt)
        for guided in (False, True):
            full = decode(
                tiny_lm,
                ids,
                monitors=[monitor()] if guided else [],
                exits=exits,
                options=DecodeOptions(max_new_tokens=10, stop_at_newline=False),
            )
            options = DecodeOptions(max_new_tokens=10, stop_at_newline=False, speculate=speculate, draft_layer=layer)
            ours = decode(tiny_lm, ids, monitors=[monitor()] if guided else [], exits=exits, options=options)
            again = decode(
                tiny_lm, ids, monitors=[monitor()] if guided else [], exits=exits, options=options, cache=cache
            )
            assert [t.id for t in ours.tokens] == [t.id for t in full.tokens], (prompt, guided)
            assert [t.id for t in again.tokens] == [t.id for t in full.tokens], (prompt, guided)
            assert ours.stopped == full.stopped and ours.text == full.text
            assert all(t.layer == 3 for t in ours.tokens)


def test_lookup_drafts_copy_what_followed_the_longest_earlier_suffix() -> None:
    from typelens.monitors.decoding import lookup_drafts

    assert lookup_drafts([5, 6, 7, 9, 5, 6], 2) == [7, 9]
    # the 2-token suffix [1, 2] outranks the later 1-token match of [2]
    assert lookup_drafts([1, 2, 3, 4, 2, 8, 1, 2], 3) == [3, 4, 2]
    assert lookup_drafts([1, 2, 3, 4, 2, 8, 1, 2], 3, shortest=3) == []
    assert lookup_drafts([1, 2, 3], 4) == [] and lookup_drafts([4, 4], 0) == []
    assert lookup_drafts([7, 8, 9, 7], 5, decode=lambda ids: "\n" if ids == [9] else "x") == [8, 9]


@pytest.mark.parametrize("speculate", [1, 2, 4, 8])
def test_lookup_speculation_equals_full_depth_greedy(tiny_lm, speculate: int) -> None:
    """Drafts copied from the text, verified at full depth in one pass: the same
    tokens and stop as plain greedy decoding, guided or not, through the prompt
    cache; with drafts of more than one token some of them are confirmed."""
    from typelens.monitors.dereference import DereferenceMonitor
    from typelens.monitors.prompt_cache import PromptCache

    prompts = [
        "import os\nos.",
        "class A:\n    def f(self):\n        return self.f(self.f(self.",
        "xs = []\nxs.append(xs)\nxs.append(xs)\nxs.",
        "x = [1]\n",
    ]

    def monitor():
        members = {"append", "extend", "pop", "path", "getcwd", "f"}
        return DereferenceMonitor(
            tiny_lm.token_index, lambda text, m=frozenset(members): m if text.endswith(".") else None, tiny_lm.decode
        )

    cache, accepted = PromptCache(), 0
    for prompt in prompts:
        ids = tiny_lm.encode(prompt)
        for guided, newline in ((False, False), (True, False), (True, True)):
            plain = DecodeOptions(max_new_tokens=12, stop_at_newline=newline)
            full = decode(tiny_lm, ids, monitors=[monitor()] if guided else [], options=plain)
            options = replace(plain, speculate=speculate, drafts="lookup")
            for store in (None, cache, cache):
                ours = decode(tiny_lm, ids, monitors=[monitor()] if guided else [], options=options, cache=store)
                assert [t.id for t in ours.tokens] == [t.id for t in full.tokens], (prompt, guided, newline)
                assert (ours.text, ours.stopped) == (full.text, full.stopped)
                assert all(t.layer == 3 for t in ours.tokens)
                accepted += ours.accepted_drafts
    assert (accepted > 0) == (speculate > 1)


def test_closest_member_reads_private_and_longer_names() -> None:
    from typelens.monitors.name_search import closest_member

    assert closest_member("build", {"_build", "full"}) == "_build"
    assert closest_member("show_locals", {"pretty_exceptions_show_locals", "show"}) == "pretty_exceptions_show_locals"
    assert closest_member("build", {"_build", "__build"}) is None  # two fit: no guess
    assert closest_member("full", {"full", "_full"}) is None  # already allowed
    assert closest_member("", {"_"}) is None and closest_member("get", {"items"}) is None


def test_name_repair_takes_the_allowed_name_the_model_meant(tiny_lm) -> None:
    """The model (random weights) starts a name that is not a member; with repair on,
    the guided answer is that name with a leading underscore, the member offered;
    the repair is recorded, and without it the guide does not find that name."""
    from typelens.monitors.dereference import DereferenceMonitor

    repaired = 0
    prompts = (
        "import os\nos.",
        "x = y.",
        "def f(a):\n    return a.",
        "class A:\n    b = c.",
        "items.",
        "self.",
        "z = q.r.",
    )
    for prompt in prompts:
        ids = tiny_lm.encode(prompt)
        free = decode(tiny_lm, ids, options=DecodeOptions(max_new_tokens=6, stop_at_newline=False))
        word = IDENT.match(free.text)
        if word is None or word.group().startswith(("_", "z")):
            continue
        members = {"_" + word.group(), "zz_other"}
        monitor = DereferenceMonitor(
            tiny_lm.token_index, lambda text, m=frozenset(members): m if text.endswith(".") else None, tiny_lm.decode
        )
        options = DecodeOptions(max_new_tokens=8, stop_at_newline=False, name_repair=True)
        out = decode(tiny_lm, ids, monitors=[monitor], options=options)
        got = IDENT.match(out.text).group()  # the meant name, cut where the token budget ends
        assert len(got) > 1 and ("_" + word.group()).startswith(got), (prompt, free.text, out.text)
        assert any(i.kind == "repaired" for i in out.interventions)
        repaired += 1
    assert repaired >= 1


def test_allowed_head_decodes_like_the_whole_head(tiny_lm) -> None:
    """Where the member mask allows few tokens, the LM head runs on their rows only:
    the guided tokens, stops and confidences are those of the whole head (through
    the prompt cache, early exit, name repair and name search too); only steps
    the mask left unconstrained use the whole head."""
    from typelens.monitors.decoding import allowed_rows
    from typelens.monitors.dereference import DereferenceMonitor
    from typelens.monitors.prompt_cache import PromptCache

    members = frozenset({"append", "extend", "pop", "path", "getcwd"})
    exits = load_exits(tiny_lm.path / "exits", 3, 32, tiny_lm.device)
    calls = []
    net = layered_for(tiny_lm.model)
    original = type(net).head_rows

    def counting(self, h, rows):
        calls.append(int(rows.shape[0]))
        return original(self, h, rows)

    cache = PromptCache()
    type(net).head_rows = counting
    try:
        for prompt in ("import os\nos.", "xs = []\nxs.append(1)\nxs.", "class A:\n    def f(self):\n        self."):
            runs = ((1.0, None, {}), (1.0, cache, {}), (0.5, None, {}), (1.0, None, {"name_repair": True}))
            for threshold, store, extra in runs + ((1.0, cache, {"name_search": 3}),):
                outs = [
                    decode(
                        tiny_lm,
                        tiny_lm.encode(prompt),
                        monitors=[DereferenceMonitor(tiny_lm.token_index, lambda t: members, tiny_lm.decode)],
                        exits=exits,
                        options=DecodeOptions(max_new_tokens=8, exit_threshold=threshold, allowed_head=subset, **extra),
                        cache=store,
                    )
                    for subset in (False, True)
                ]
                assert [(t.id, t.layer, t.confidence) for t in outs[0].tokens] == [
                    (t.id, t.layer, t.confidence) for t in outs[1].tokens
                ], prompt
                assert outs[0].text == outs[1].text and outs[0].stopped == outs[1].stopped
    finally:
        type(net).head_rows = original
    assert calls and all(0 < n < tiny_lm.model.lm_head.weight.shape[0] for n in calls)
    every = torch.zeros(tiny_lm.token_index.size)
    assert allowed_rows(every, every.shape[0]) is None  # nothing forbidden: the whole head
    only = torch.full((40,), float("-inf"))
    only[[2, 7, 30]] = 0.0
    assert allowed_rows(only, 20).tolist() == [2, 7]  # ids beyond the model's vocabulary left out


def test_lookup_drafts_only_after_a_long_enough_match(tiny_lm) -> None:
    """``lookup_min=2``: drafts only where the text's last two tokens occurred
    before; the output is still full depth's; other values are refused."""
    prompt = "xs = []\nxs.append(xs)\nxs.append(xs)\nxs.append(xs)\nxs.append(xs)\nxs"
    ids = tiny_lm.encode(prompt)
    plain = DecodeOptions(max_new_tokens=12, stop_at_newline=False)
    full = decode(tiny_lm, ids, options=plain)
    ours = decode(tiny_lm, ids, options=replace(plain, speculate=4, drafts="lookup", lookup_min=2))
    assert [t.id for t in ours.tokens] == [t.id for t in full.tokens] and ours.stopped == full.stopped
    with pytest.raises(ValueError, match="lookup_min"):
        DecodeOptions(lookup_min=0)
    with pytest.raises(ValueError, match="lookup_min"):
        DecodeOptions(lookup_min=4)


# Guided completion ranks the allowed names whole, with the file's priors.  On the
# shipped LM: a prior never replaces the member the model writes unguided by a
# name the model finds less likely, and a name's probability counts the ways its
# tokenizer writes it (``__init__(`` is ``__``, ``init``, ``__(``).

LIST_MEMBERS = frozenset(
    {"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"}
)
DICT_MEMBERS = frozenset({"clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"})


@pytest.fixture(scope="module")
def shipped_lm():
    return load_lm(TINY_LM, device="cpu")


def _names_monitor(lm, names: frozenset[str], favoured: frozenset[str] = frozenset()):
    from typelens.monitors.dereference import DereferenceMonitor

    return DereferenceMonitor(
        lm.token_index, lambda text: names if text.endswith(".") else None, lm.decode, favoured=lambda text: favoured
    )


@pytest.mark.parametrize(
    "prompt, names",
    [
        ("stack = []\nstack.append(1)\nstack.", LIST_MEMBERS),
        ("parts = []\nparts.", LIST_MEMBERS),
        ("for key, value in self.items.", DICT_MEMBERS),
    ],
)
def test_a_prior_never_overrides_the_member_the_model_writes(shipped_lm, prompt: str, names) -> None:
    """Where the model, unguided, writes an allowed member, guided completion
    writes it too, even with every other member favoured beyond any odds (the
    old ranking wrote a favoured one: ``stack.pop`` became ``stack.append``
    on held-out code); where that member is not allowed, the favour decides."""
    from typelens.monitors.name_search import NameRanking

    lm = shipped_lm
    ids = lm.encode(prompt)
    options = DecodeOptions(max_new_tokens=6, name_ranking=NameRanking(favour=1e4), name_commit=True)
    free = decode(lm, ids, options=replace(options, name_ranking=None))
    own = IDENT.match(free.text).group()
    assert own in names  # the case this test is about
    others = names - {own}
    guided = decode(lm, ids, monitors=[_names_monitor(lm, names, others)], options=options)
    assert IDENT.match(guided.text).group() == own
    assert [t.id for t in guided.tokens] == [t.id for t in free.tokens]  # the same tokens, not only the name
    assert any(i.kind == "ranked" for i in guided.interventions)
    favoured = frozenset({min(others)})
    elsewhere = decode(lm, ids, monitors=[_names_monitor(lm, others, favoured)], options=options)
    assert IDENT.match(elsewhere.text).group() in favoured


@torch.no_grad()
def _ways_to_write(lm, prompt: list[int], name: str) -> tuple[float, float]:
    """log P(name, then its end) by the model's own forward, summed over the ways
    to write it: its own tokens and then a token that does not go on with
    identifier characters, or its first ``j`` tokens and then any one token
    whose text is the rest of the name and then such characters; and the first
    way's alone."""
    tokens = list(lm.name_tokens(name))
    logp = torch.log_softmax(lm.model(torch.tensor([prompt + tokens])).logits[0].float(), dim=-1)
    at = len(prompt) - 1
    ways, path, offset = [], 0.0, 0
    for j, token in enumerate(tokens):
        rest = name[offset:]
        merged = [
            t
            for t, text in enumerate(lm.vocabulary)
            if text.startswith(rest)
            and len(text) > len(rest)
            and not (text[len(rest)].isalnum() or text[len(rest)] == "_")
        ]
        if merged:
            ways.append(path + float(torch.logsumexp(logp[at + j][merged], dim=0)))
        path += float(logp[at + j, token])
        offset += len(lm.vocabulary[token])
    ways.append(path + float(torch.logsumexp(logp[at + len(tokens)][lm.identifier_ends], dim=0)))
    return float(torch.logsumexp(torch.tensor(ways), dim=0)), ways[-1]


PROMPT_INIT = "class A(B):\n    def __init__(self, x):\n        super()."


def test_a_name_written_with_a_merged_end_is_scored_and_written_that_way(shipped_lm) -> None:
    """The shipped LM writes ``__init__(`` as ``__``, ``init``, ``__(``: the
    ranking's whole-name probability of ``__init__`` counts that way (it was
    the bare ``__`` then an end alone, far less likely), and the ranked name is
    committed up to the merged token, which decoding then picks."""
    from typelens.monitors.name_search import NameRanking, whole_scores

    lm = shipped_lm
    prompt = lm.encode(PROMPT_INIT)
    names = frozenset({"__init__", "__new__", "setup"})
    options = DecodeOptions(max_new_tokens=4, name_ranking=NameRanking(favour=1e4), name_commit=True)
    guided = decode(lm, prompt, monitors=[_names_monitor(lm, names, frozenset({"__init__"}))], options=options)
    assert guided.text.startswith("__init__") and guided.text[len("__init__")] == "("
    net = layered_for(lm.model)
    cache = net.new_cache()
    h = net.embed(torch.tensor([prompt]), 0)
    for i in range(net.layers):
        h = net.block(i, h, cache)
    first = torch.log_softmax(net.head(h)[0, -1].float(), dim=-1)
    pairs = [(name, lm.name_tokens(name)) for name in sorted(names)]
    read = whole_scores(lm, net, cache, len(prompt), pairs, lm.identifier_ends, frozenset(), first)
    for (name, _), whole in zip(pairs, read):
        expected, own_tokens = _ways_to_write(lm, prompt, name)
        assert whole.log_probability == pytest.approx(expected, abs=1e-3), name
        if name == "__init__":  # the merged end carries most of the name's probability here
            assert expected > own_tokens + 0.5 and whole.written == 2
    ends = [t for t in guided.tokens if "(" in t.text]
    assert ends and ends[0].text.startswith("__")  # the name's end and the call's ( are one token
