"""The classifier's C kernel (typeinfer/neural/_kernel.c, typeinfer/neural/native.py)
against onnxruntime on real code, its refusals of damaged weights and bad ids, and
the fallback to onnxruntime where it is not built.

The suite runs pure (``TYPELENS_PURE=1``, tests/conftest.py), where the kernel is
not importable: the tests that need it load the compiled build's extension from
its file, and skip, saying why, when there is no fresh build (``make test`` makes
one).  tests/test_compiled.py runs ``infer`` on it in a subprocess.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import shutil
import sys
import sysconfig
from array import array
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from typelens.analyzer import ModelError, compiled
from typelens.datasets import file_samples
from typelens.typeinfer.neural import native
from typelens.typeinfer.neural.runtime import ClassifierRuntime
from typelens.typeinfer.settings import DEFAULT_MODEL

from .conftest import ROOT

BUILT = ROOT / "typeinfer" / compiled.FOLDER / f"_kernel{sysconfig.get_config_var('EXT_SUFFIX')}"
# real code: modules of this checkout, annotated (file_samples keeps the labelled targets)
SOURCES = ["analyzer/source.py", "typeinfer/neural/store.py", "typeinfer/run.py", "cli/main.py"]


def _built_kernel() -> ModuleType | None:
    """The kernel the suite runs (compiled, ``TYPELENS_PURE=0``), else the built
    extension while the manifest says it was built from ``_kernel.c`` as it is now."""
    found = native.kernel_module()
    if found is not None or not BUILT.is_file():
        return found
    source = "typeinfer/neural/_kernel.c"
    manifest = (ROOT / compiled.MANIFEST_PATH).read_text(encoding="utf-8").splitlines()
    if f"{compiled.fingerprint(str(ROOT / source))} {source}" not in {line.split(" ", 3)[-1] for line in manifest}:
        return None
    spec = importlib.util.spec_from_file_location("typelens.typeinfer._kernel", BUILT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # a single-phase extension puts itself in sys.modules: taken out, so that the pure
    # suite's other tests still find no kernel (they ask onnxruntime, as the pure core does)
    sys.modules.pop("typelens.typeinfer._kernel", None)
    return module


@pytest.fixture(scope="module")
def kernel() -> ModuleType:
    module = _built_kernel()
    if module is None:
        pytest.skip("no fresh compiled build with the C kernel: run tools/mypyc-build (make test does)")
    return module


@pytest.fixture(scope="module")
def samples() -> list[dict]:
    rows = [row for path in SOURCES for row in file_samples(ROOT / path, "typelens", path)]
    assert len(rows) > 200
    return rows


def test_the_kernel_and_onnxruntime_agree_on_real_code(kernel: ModuleType, samples: list[dict]) -> None:
    """Same probabilities to float rounding (the order of float32 additions
    differs), so the same top 5 wherever its probabilities are not within that
    rounding of each other."""
    ours = native.KernelRuntime(DEFAULT_MODEL, kernel)
    theirs = ClassifierRuntime(DEFAULT_MODEL)
    mine = np.frombuffer(ours.probabilities(samples, batch=100), dtype=np.float32).reshape(len(samples), -1)
    reference = theirs.probabilities(samples)
    assert mine.shape == reference.shape
    assert np.abs(mine - reference).max() < 1e-4
    assert np.allclose(mine.sum(axis=1), 1.0, atol=1e-5)
    for row, (got, want) in enumerate(zip(ours.predict(samples), theirs.predict(samples))):
        assert [p for _, p in got] == pytest.approx([p for _, p in want], abs=1e-4), row
        if min(a - b for (_, a), (_, b) in zip(want, want[1:])) > 1e-4:
            assert [t for t, _ in got] == [t for t, _ in want], row
    assert 0 < ours.kernel.folded() < ours.config["encoder"]["buckets"]  # folded as used, not all


def test_a_row_gets_the_same_bits_in_any_batch(kernel: ModuleType, samples: list[dict]) -> None:
    ours = native.KernelRuntime(DEFAULT_MODEL, kernel)
    whole = ours.probabilities(samples[:40])
    width = len(ours.classes)
    for picked in ([3], [0, 1], [5, 5, 9], list(range(0, 40, 3))):
        alone = ours.probabilities([samples[i] for i in picked])
        assert alone == array("f", [v for i in picked for v in whole[i * width : (i + 1) * width]]), picked


def test_encoded_batches_get_the_answers_of_their_samples(kernel: ModuleType, samples: list[dict]) -> None:
    """``predict_ids`` of the encoded rows, split in batches of any size, is
    ``predict`` of the samples, on the kernel and on onnxruntime; the kernel,
    reading the embedding in the weights' own buffer, outlives it."""
    rows = samples[:70]
    ours = native.KernelRuntime(DEFAULT_MODEL, kernel)
    ids = ours.encoder.encode_ids(rows)
    assert ours.predict_ids(ids, len(rows), batch=32) == ours.predict(rows)
    theirs = ClassifierRuntime(DEFAULT_MODEL)
    assert theirs.predict_ids(ids, len(rows), k=3, batch=256) == theirs.predict(rows, k=3)
    expected = ours.predict(rows[:5])
    keeper = ours.kernel
    del ours
    gc.collect()
    classes = theirs.classes
    fresh = native.Encoder(theirs.encoder.config).encode_ids(rows[:5])
    found = keeper.ranked(fresh["windows"], fresh["name"], 5, 5)
    assert [[(classes[j], p) for j, p in row] for row in found] == expected


def test_a_writable_embedding_is_copied_not_read_in_place(kernel: ModuleType, samples: list[dict]) -> None:
    """The kernel reads the embedding in the caller's buffer only when nothing can
    change it there: a bytearray the caller zeroes afterwards leaves its answers."""
    from typelens.typeinfer.neural.native import _tensor_shapes
    from typelens.typeinfer.neural.store import read_safetensors

    runtime = native.KernelRuntime(DEFAULT_MODEL, kernel)
    header, data = read_safetensors(Path(DEFAULT_MODEL) / "model.safetensors")
    tensors = [data[slice(*header[name]["data_offsets"])] for name in _tensor_shapes(runtime.config)]
    embed = tensors[0] = bytearray(tensors[0])
    enc = runtime.encoder.config
    dims = (enc.buckets, runtime.config["dim"], enc.windows, enc.window_len, enc.name_len, enc.values)
    dims += (runtime.config["hidden"], len(runtime.classes))
    built = kernel.Kernel(dims, *tensors, float(runtime.config["temperature"]))
    ids = runtime.encoder.encode_ids(samples[:8])
    expected = runtime.kernel.ranked(ids["windows"], ids["name"], 8, 5)
    embed[:] = bytes(len(embed))  # the caller reuses its buffer once the kernel is built
    assert built.ranked(ids["windows"], ids["name"], 8, 5) == expected


def _model_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "classifier"
    shutil.copytree(DEFAULT_MODEL, folder)
    return folder


@pytest.mark.parametrize("cut", [100, 4_000_000, -4], ids=["header", "embedding", "last-bytes"])
def test_truncated_weights_are_a_model_error(kernel: ModuleType, tmp_path: Path, cut: int) -> None:
    folder = _model_copy(tmp_path)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:cut])
    with pytest.raises(ModelError, match="damaged weights"):
        native.KernelRuntime(folder, kernel)


def test_weights_that_do_not_fit_the_config_are_a_model_error(kernel: ModuleType, tmp_path: Path) -> None:
    """A well-formed file whose tensors are not the config's (another dtype or
    shape): refused before the kernel reads a byte of them."""
    folder = _model_copy(tmp_path)
    weights = folder / "model.safetensors"
    raw = weights.read_bytes()
    at = raw.index(b"F32", raw.index(b'"head.0.bias"'))
    weights.write_bytes(raw[:at] + b"I32" + raw[at + 3 :])  # the same width: the file stays well-formed
    with pytest.raises(ModelError, match="'head.0.bias' is .*I32.* the config needs F32 \\[256\\]"):
        native.KernelRuntime(folder, kernel)


def test_the_kernel_refuses_bad_batches_without_crashing(kernel: ModuleType) -> None:
    ours = native.KernelRuntime(DEFAULT_MODEL, kernel)
    enc = ours.config["encoder"]
    windows = array("q", [0] * (enc["windows"] * enc["window_len"]))
    name = array("q", [0] * (enc["name_len"] + enc["values"]))
    assert len(ours.kernel.ranked(windows, name, 1, 5)[0]) == 5  # an empty row is a row
    with pytest.raises(ValueError, match="1 rows need"):
        ours.kernel.probabilities(windows[:-1], name, 1)
    with pytest.raises(ValueError, match="2 rows need"):
        ours.kernel.probabilities(windows, name, 2)
    windows[3] = enc["buckets"]
    with pytest.raises(ValueError, match=f"token id {enc['buckets']} is outside"):
        ours.kernel.ranked(windows, name, 1, 5)
    windows[3] = -1
    with pytest.raises(ValueError, match="token id -1"):
        ours.kernel.probabilities(windows, name, 1)
    with pytest.raises(ValueError, match="k=0"):
        ours.kernel.ranked(name, name, 0, 0)
    for rows in (2**61, 2**62):  # byte counts that would overflow: refused, not wrapped round to fit
        with pytest.raises(ValueError, match="too many for one batch"):
            ours.kernel.ranked(b"", b"", rows, 1)
        with pytest.raises(ValueError, match="too many for one batch"):
            ours.kernel.probabilities(b"", b"", rows)
    with pytest.raises(ValueError, match="dims too large"):
        kernel.Kernel((1, 2**62, 1, 1, 1, 0, 1, 1), b"", b"", b"", b"", b"", bytes(4), bytes(4), bytes(4), 1.0)
    half = kernel.Kernel.__new__(kernel.Kernel)
    with pytest.raises(ValueError, match="convs.0.weight: 0 bytes"):  # the first buffer taken, then refused
        half.__init__((16384, 64, 8, 17, 6, 4, 256, 501), bytes(16384 * 64 * 4), *[b""] * 7, 1.0)
    with pytest.raises(ValueError, match="has no weights"):
        half.ranked(windows, name, 1, 5)
    with pytest.raises(TypeError, match="initialised once"):
        half.__init__((16384, 64, 8, 17, 6, 4, 256, 501), bytes(16384 * 64 * 4), *[b""] * 7, 1.0)


def test_without_the_kernel_onnxruntime_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """No kernel (a pure wheel, ``TYPELENS_PURE=1``, no C compiler): the classifier
    runs under onnxruntime, and the kept answers' key names it."""
    monkeypatch.setattr(native, "kernel_module", lambda: None)
    assert not native.uses_kernel(DEFAULT_MODEL)
    assert isinstance(native.load_classifier(DEFAULT_MODEL), ClassifierRuntime)
    assert native.backend_identity(DEFAULT_MODEL)[0] == "onnxruntime"
    with pytest.raises(ModelError, match="not built"):
        native.KernelRuntime(DEFAULT_MODEL)


def test_with_the_kernel_it_answers_and_the_key_names_it(
    kernel: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typelens.typeinfer.neural.batch_answers import BatchAnswers

    without = BatchAnswers.for_model(DEFAULT_MODEL, tmp_path).path
    monkeypatch.setattr(native, "kernel_module", lambda: kernel)
    assert isinstance(native.load_classifier(DEFAULT_MODEL), native.KernelRuntime)
    assert native.backend_identity(DEFAULT_MODEL)[:2] == ["kernel", kernel.VERSION]
    assert BatchAnswers.for_model(DEFAULT_MODEL, tmp_path).path != without


def test_a_model_the_kernel_cannot_run_goes_to_onnxruntime(kernel: ModuleType) -> None:
    config = json.loads((DEFAULT_MODEL / "config.json").read_text())
    assert native.unsupported_reason(config) is None
    assert native.unsupported_reason({**config, "layers": 2}) == "2 convolutions (the kernel folds one)"
    subtokens = {**config, "encoder": {**config["encoder"], "subtokens": True}}
    assert native.unsupported_reason(subtokens) == "sub-token inputs"


def test_a_config_that_leaves_sizes_to_the_defaults_loads(kernel: ModuleType, tmp_path: Path) -> None:
    """A config without some encoder sizes (the encoder's defaults fill them, as
    onnxruntime's path reads them) loads on the kernel too, not a KeyError."""
    folder = _model_copy(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    assert config["encoder"]["windows"] == 8  # EncoderConfig's default
    del config["encoder"]["windows"]
    (folder / "config.json").write_text(json.dumps(config))
    ours = native.KernelRuntime(folder, kernel)
    assert ours.encoder.config.windows == 8
    assert len(ours.predict([{"windows": [["x", "=", "1"]], "name": "x", "kind": "variable"}])[0]) == 5


def test_a_header_nested_too_deep_is_a_model_error(tmp_path: Path) -> None:
    """A safetensors header of deeply nested JSON: a clear ModelError, not a
    RecursionError from the JSON reader (read before any kernel is asked)."""
    from typelens.typeinfer.neural.store import read_safetensors

    header = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "model.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(ModelError):
        read_safetensors(path)
