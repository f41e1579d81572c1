"""The classifier end to end on a tiny corpus: dataset -> train -> ONNX parity ->
evaluate -> hybrid inference; and model files that are damaged or foreign."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from typelens.analyzer import ModelError
from typelens.cli.main import app
from typelens.datasets import BuildOptions, build_dataset, file_samples
from typelens.typeinfer.neural.evaluate import evaluate
from typelens.typeinfer.neural.export import Calibrated, load_torch_model
from typelens.typeinfer.neural.model import WindowClassifier
from typelens.typeinfer.neural.runtime import ClassifierRuntime
from typelens.typeinfer.neural.train import load_split, train_classifier
from typelens.typeinfer.run import InferOptions, infer_paths

TEMPLATE = """def read_{i}(path: str, retries: int = 3) -> bytes:
    data: bytes = b""
    for attempt in range(retries):
        data = open(path, "rb").read()
    return data


def names_{i}(items: list[str], sep: str = ",") -> str:
    joined: str = sep.join(items)
    return joined.strip()


def ratio_{i}(total: float, count: int) -> float:
    share: float = total / max(count, 1)
    return share
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("neural")
    corpus = base / "corpus"
    for i in range(30):
        pkg = corpus / f"proj{i}" / f"pkg{i}"
        pkg.mkdir(parents=True)
        (pkg / "mod.py").write_text(TEMPLATE.format(i=i).replace("attempt", f"attempt{i}"))
    data = base / "data"
    build_dataset([corpus], data, BuildOptions(progress=False, dedup_threshold=0.95))
    model = base / "model"
    train_classifier(data, model, top=20, epochs=30, dim=16, buckets=1 << 10, progress=False)
    return data, model


def test_model_folder_has_safe_formats(trained) -> None:
    _, model = trained
    assert {p.name for p in model.iterdir()} >= {"config.json", "model.safetensors", "model.onnx"}
    config = json.loads((model / "config.json").read_text())
    assert config["classes"][-1] == "<other>" and config["temperature"] > 0


def test_onnx_gives_the_same_top1_as_torch(trained) -> None:
    data, model = trained
    rows = load_split(data, "test") or load_split(data, "train")
    runtime = ClassifierRuntime(model)
    torch_model, _ = load_torch_model(model)
    inputs = {key: torch.from_numpy(value) for key, value in runtime.encoder.encode_many(rows).items()}
    with torch.no_grad():
        torch_top = torch_model(**inputs).argmax(-1).numpy()
    onnx_top = runtime.probabilities(rows).argmax(-1)
    assert np.array_equal(torch_top, onnx_top)


def test_predicting_in_batches_ranks_as_the_whole_table(trained) -> None:
    data, model = trained
    rows = (load_split(data, "test") or load_split(data, "train"))[:7]
    runtime = ClassifierRuntime(model)
    assert runtime.predict(rows, k=3, batch=2) == runtime.ranked(runtime.probabilities(rows, batch=2), 3)
    assert len(runtime.predict(rows, k=3, batch=2)) == len(rows) and runtime.predict([], k=3) == []


def test_a_model_reading_words_exports_with_the_same_top1(trained, tmp_path: Path) -> None:
    data, _ = trained
    config = train_classifier(data, tmp_path, top=20, epochs=3, dim=16, buckets=1 << 10, subtokens=True, progress=False)
    assert config["encoder"]["subtokens"] is True
    runtime = ClassifierRuntime(tmp_path)
    assert [i.name for i in runtime.session.get_inputs()] == ["windows", "name", "subs"]
    rows = load_split(data, "test") or load_split(data, "train")
    inputs = runtime.encoder.encode_many(rows)
    assert inputs["subs"].any() and not inputs["subs"][inputs["windows"] == 0].any()
    torch_model, _ = load_torch_model(tmp_path)
    with torch.no_grad():
        torch_top = torch_model(**{k: torch.from_numpy(v) for k, v in inputs.items()}).argmax(-1).numpy()
    assert np.array_equal(torch_top, runtime.probabilities(rows).argmax(-1))


def test_words_of_identifiers() -> None:
    from typelens.typeinfer.neural.encoding import Encoder, EncoderConfig

    enc = Encoder(EncoderConfig(subtokens=True))
    assert enc.sub_id("n_points") == enc.sub_id("numPoints") == enc.name_ids("points")[0] != 0
    assert enc.sub_id("off2") == enc.sub_id("off") != 0
    assert enc.sub_id("return") == enc.sub_id("(") == enc.sub_id("1.5") == enc.sub_id("<str>") == 0


@pytest.mark.parametrize("chunk", [1, 3, 256])
def test_token_streams_skip_the_lines_of_cut_spans_with_the_same_tokens(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A stream restarts its scan after the last line break of a string or an
    annotation it cuts (``by_line``): the tokens and offsets of the scan through
    every line, a "comment" that starts in a string and runs past its end
    included, read in chunks of any size."""
    from typelens.analyzer import build_graph
    from typelens.typeinfer import features

    code = (
        'x = "a#b"; y = 1\n'
        'def f(a: "int # x" = 1, b: dict[\n    str,\n    int,\n] = {}) -> (\n  int\n):\n'
        '    """doc\n    # not a comment\n    more # x"""; q = 1\n'
        "    s = '''one\ntwo # three\nfour'''; t = 5\n"
        "    u = f'{a!r:>{b}} # {q}' + rb'\\n#'  # c\n"
        '    return "abc\\\ndef#"; k = 3\n'
        'v = """unterminated\nw = 1\n'
    )
    monkeypatch.setattr(features, "_CHUNK", chunk)
    g = build_graph(code)
    by_line = features.TokenStream(g)
    through = features.TokenStream(g)  # the same spans, every line scanned
    hidden, strings = list(through._covering[0].spans), list(through._covering[1].spans)
    through._scan(g.source.data, features._TOKEN, hidden, strings, (b"#",), (":", "->"), False)
    assert by_line._by_line and not through._by_line and strings and hidden
    size = len(code.encode())
    for byte in (size // 5, size // 2, size + 1):  # partial scans first, as the windows ask
        assert by_line.window(byte, 4) == through.window(byte, 4)
    assert (by_line.tokens, by_line.starts) == (through.tokens, through.starts)
    # the scan's own reading, kept: a `#` in a string's last line starts a "comment" to the line's end
    assert "y" not in by_line.tokens and "q" not in by_line.tokens and "t" in by_line.tokens


def test_value_shapes_say_what_a_symbol_is_bound_to() -> None:
    from typelens.analyzer import build_graph
    from typelens.typeinfer.features import targets

    code = (
        "import numpy as np\nTOL = 2e-12\n"
        "def f(a, b=0, c=None, *, d='x'):\n"
        "    i_z = (a < 0)\n    n = len(a)\n    m = np.zeros(3)\n    x, y = 1, 2\n"
        "    k = 0\n    k += 1.5\n    ok = not a\n    t = a ** b if a else None\n"
        "    for q in a:\n        pass\n    if a:\n        return True\n    return\n"
    )
    shapes = {(t.kind, t.name): t.values for t in targets(build_graph(code))}
    assert shapes[("return", "f")] == ("§true", "§bare_return")
    assert shapes[("parameter", "a")] == () and shapes[("parameter", "b")] == ("§integer",)
    assert shapes[("parameter", "c")] == ("§none",) and shapes[("parameter", "d")] == ("§string",)
    assert shapes[("variable", "TOL")] == ("§float",)
    assert shapes[("variable", "i_z")] == ("§comparison_operator:<",)
    assert shapes[("variable", "n")] == ("§call:len",) and shapes[("variable", "m")] == ("§call:zeros",)
    assert shapes[("variable", "x")] == ("§unpacked", "§integer")
    assert shapes[("variable", "k")] == ("§integer", "§augmented:+=")
    assert shapes[("variable", "ok")] == ("§not_operator:not",)
    assert shapes[("variable", "t")] == ("§conditional:§binary_operator:**",)
    assert shapes[("variable", "q")] == ("§for_statement", "§in:name_load")
    deep = "a"
    for _ in range(3000):  # nesting deeper than Python's recursion limit
        deep = f"({deep} if b else c)"
    nested = {t.name: t.values for t in targets(build_graph(f"x = {deep}\ny = ((a < 1) if b else 2) if c else 3\n"))}
    assert nested["y"] == ("§conditional:§conditional:§comparison_operator:<",)
    assert nested["x"][0].startswith("§conditional:" * 4) and nested["x"][0].count("§conditional:") == 4


def test_value_shapes_read_what_the_code_declares(tmp_path) -> None:
    """Through the project index: what a function of another module, a builtin (its
    typeshed stub), a method of the enclosing class return, a class called, an
    element of a declared tuple, the items a loop binds, an annotated name, a
    declared class attribute; never a recursive function's own annotation, nor a
    stub's type variable."""
    from typelens.analyzer import ProjectIndex, build_graph_safely
    from typelens.typeinfer.features import targets
    from typelens.typeinfer.declared import Declared

    (tmp_path / "geo.py").write_text(
        "def area(w, h) -> float:\n    return w * h\ndef corners(r) -> tuple[int, str]:\n    return 4, 'x'\n"
    )
    main = tmp_path / "main.py"
    main.write_text(
        "from geo import area, corners\n"
        "class Box:\n    def size(self) -> int:\n        return 1\n"
        "    def use(self):\n        s = self.size()\n        return s\n"
        "def fact(n) -> int:\n    return fact(n - 1)\n"
        "a = area(1, 2)\nn = len('ab')\nb = Box()\nk, label = corners(1)\nlo, hi = 0, a\n"
        "m = max(1, 2)\nu = unknown()\n"
        "class Pt:\n    x: float\n"
        "def walk(d: dict[str, float], names: list[str], p: Pt | None):\n"
        "    for key, val in d.items():\n        pass\n"
        "    for i, name in enumerate(names):\n        pass\n"
        "    for j in range(3):\n        pass\n"
        "    first = names[0]\n    px = p.x\n    alias = d\n"
        "def helper(x):\n    if x:\n        return x, True\n    return None, False\n"
        "res, ok = helper(1)\nhalf = 0.5 * a\n"
        "count: int = 0\ncount = count * 2.5\n"
    )
    g = build_graph_safely(main)
    shapes = {(t.kind, t.name): t.values for t in targets(g, Declared(g, ProjectIndex(tmp_path)))}
    assert shapes[("variable", "a")] == ("§call:area", "§declared:float")
    assert shapes[("variable", "n")] == ("§call:len", "§declared:int")
    assert shapes[("variable", "b")] == ("§call:Box", "§declared:Box")
    assert shapes[("variable", "s")] == ("§call:size", "§declared:int")
    assert shapes[("variable", "k")] == ("§unpacked", "§call:corners", "§declared:int")
    assert shapes[("variable", "label")] == ("§unpacked", "§call:corners", "§declared:str")
    assert shapes[("variable", "lo")] == ("§unpacked", "§integer")
    assert shapes[("variable", "hi")] == ("§unpacked", "§name_load")
    assert shapes[("return", "fact")] == ("§call:fact",)  # not `§declared:int`: its own label
    assert shapes[("variable", "m")] == ("§call:max",)  # `-> SupportsRichComparisonT`: a type variable
    assert shapes[("variable", "u")] == ("§call:unknown",)
    assert shapes[("variable", "key")] == ("§unpacked", "§in:call:items", "§declared:str")
    assert shapes[("variable", "val")] == ("§unpacked", "§in:call:items", "§declared:float")
    assert shapes[("variable", "i")] == ("§unpacked", "§in:call:enumerate", "§declared:int")
    assert shapes[("variable", "name")] == ("§unpacked", "§in:call:enumerate", "§declared:str")
    assert shapes[("variable", "j")] == ("§for_statement", "§in:call:range", "§declared:int")
    assert shapes[("variable", "first")] == ("§subscript", "§declared:str")
    assert shapes[("variable", "px")] == ("§attribute:x", "§declared:float")
    assert shapes[("variable", "alias")] == ("§name_load", "§declared:dict[str, float]")
    assert shapes[("variable", "ok")] == ("§unpacked", "§call:helper", "§returns:true", "§returns:false")
    assert shapes[("variable", "res")] == ("§unpacked", "§call:helper", "§returns:name_load", "§returns:none")
    assert shapes[("variable", "half")] == ("§binary_operator:*", "§operand:float")
    assert shapes[("variable", "count")] == ("§integer", "§binary_operator:*", "§operand:float")  # not its own `int`
    # without an index, the file's own definitions still answer
    alone = {(t.kind, t.name): t.values for t in targets(g, Declared(g))}
    assert alone[("variable", "s")] == ("§call:size", "§declared:int") and alone[("variable", "a")] == ("§call:area",)


def test_encoded_rows_are_each_samples_ids_padded() -> None:
    """``encode_ids`` (the cache read through ``map``, names kept per name and
    kind) gives each sample's ``_row``: windows cut, padded and left out, tokens
    first seen, more value shapes than slots."""
    from typelens.typeinfer.neural.encoding import Encoder, EncoderConfig

    config = EncoderConfig(buckets=1 << 10, windows=3, window_len=4, name_len=3, values=2)
    rows = [
        {"windows": [["a", "(", "1.5", ")"], ["b"], []], "name": "maxRetries", "kind": "parameter", "values": ["§x"]},
        {"windows": [["a"] * 9] * 5, "name": "x", "kind": "return", "values": ["§a", "§b", "§c"]},
        {"windows": [], "name": "", "kind": "variable"},
        {"windows": [["0x1F", "new_token", "a"]], "name": "maxRetries", "kind": "variable", "values": []},
    ]
    expected = Encoder(config)
    windows, names = [], []
    for row in rows:
        w, _, n = expected._row(row["windows"], row["name"], row["kind"], row.get("values") or ())
        windows += w
        names += n
    ids = Encoder(config).encode_ids(rows + rows)
    assert list(ids["windows"]) == windows + windows and list(ids["name"]) == names + names
    assert len(ids["windows"]) == 2 * len(rows) * 3 * 4 and len(ids["name"]) == 2 * len(rows) * 5


def test_value_shapes_follow_the_name_in_its_input() -> None:
    from typelens.typeinfer.neural.encoding import Encoder, EncoderConfig

    enc = Encoder(EncoderConfig(values=2))
    name = enc.encode([["x"]], "max_retries", "variable", ["§integer", "§call:len", "§float"])["name"]
    assert name.shape == (8,) and name[6] == enc.token_id("§integer") and name[7] == enc.token_id("§call:len")
    assert list(name[:6]) == list(enc.encode([["x"]], "max_retries", "variable")["name"][:6])
    assert not enc.encode([["x"]], "max_retries", "variable")["name"][6:].any()
    model = WindowClassifier(buckets=50, classes=7, dim=8, hidden=16, window_len=9, layers=1, values=2).eval()
    windows = torch.randint(1, 50, (2, 3, 9))
    names = torch.randint(1, 50, (2, 8))
    other = names.clone()
    other[:, 6:] = torch.randint(1, 50, (2, 2))
    with torch.no_grad():  # the shapes change the answer, and fold into the exported graph unchanged
        assert not torch.allclose(model(windows, names), model(windows, other), atol=1e-4)
        assert torch.allclose(Calibrated(model, 1.0).logits(windows, names), model(windows, names), atol=1e-5)


def test_the_targets_of_some_keys_are_the_whole_files_ones() -> None:
    """``targets(keys=...)``: the hybrid mode's samples of a few answers, each as
    the whole file's list has it (duplicates of a key too)."""
    from typelens.analyzer import build_graph
    from typelens.typeinfer.features import targets

    code = (
        "def f(a, b=1):\n    c = a\n    return c\n\n\n"
        "class K:\n    size = 0\n\n    def f(self, a):\n        return a\n\n\n"
        "def f(a):\n    return [a]\n"
    )
    g = build_graph(code)
    every = targets(g)
    picked = {("f", "a", "parameter"), ("K.f", "f", "return"), ("K", "size", "attribute"), ("f", "c", "variable")}
    found = targets(g, None, picked)
    assert found == [t for t in every if (t.scope, t.name, t.kind) in picked]
    assert [t.name for t in found].count("a") == 2 and targets(g, None, set()) == []


@pytest.mark.parametrize("layers,subtokens", [(1, False), (2, False), (1, True)])
def test_the_exported_graph_folds_the_first_convolution_without_changing_the_function(
    layers: int, subtokens: bool
) -> None:
    torch.manual_seed(layers)
    model = WindowClassifier(buckets=50, classes=7, dim=8, hidden=16, window_len=9, layers=layers).eval()
    windows = torch.randint(1, 50, (5, 3, 9))
    windows[0, :, :4] = 0  # padding at the start of every window of a row
    windows[1, :, 6:] = 0  # and at the end
    windows[2, 1:] = 0  # rows with empty windows
    windows[3, 0, 4] = 0  # a hole in the middle
    name = torch.randint(0, 50, (5, 4))
    # words: on some tokens only, never on padding
    subs = (
        torch.where((windows > 0) & (torch.rand(windows.shape) < 0.5), torch.randint(1, 50, windows.shape), 0)
        if subtokens
        else None
    )
    with torch.no_grad():
        expected = model(windows, name, subs)
        folded = Calibrated(model, 1.0)
        assert torch.allclose(folded.logits(windows, name, subs=subs), expected, atol=1e-5)
        assert torch.allclose(folded.logits(windows, name, folded.folded(9), subs=subs), expected, atol=1e-5)
        if subtokens:  # the words change the answer
            assert not torch.allclose(model(windows, name), expected, atol=1e-3)


def test_the_tiny_model_learns(trained, tmp_path: Path) -> None:
    data, model = trained
    split = "test" if load_split(data, "test") else "train"
    report = evaluate(model, data, split, tmp_path)
    assert report["overall"]["top1_exact"] > 0.7
    assert (tmp_path / "report.json").exists() and (tmp_path / "reliability.png").exists()
    assert {"bucket:ubiquitous", "kind:parameter", "kind:return"} <= set(report)
    assert 0.0 <= report["calibration"]["ece"] <= 1.0 and report["calibration"]["answers"] > 0


def test_expected_calibration_error() -> None:
    from typelens.typeinfer.neural.evaluate import expected_calibration_error

    confidence = np.array([0.95] * 20 + [0.55] * 20)
    right = np.array([True] * 19 + [False] + [True] * 11 + [False] * 9)  # 95% and 55% right
    assert expected_calibration_error(confidence, right) == 0.0
    assert expected_calibration_error(confidence, np.ones(40, dtype=bool)) == round((0.05 + 0.45) / 2, 4)


def test_closed_basic11_is_also_given_per_project() -> None:
    from typelens.typeinfer.neural.evaluate import _by_project, _closed_sets

    classes = ["int", "float", "Path", "<other>"]
    rows = (
        [{"project": "big", "label": "float"}] * 150
        + [{"project": "small", "label": "int"}] * 20
        + [{"project": "big", "label": "Path"}] * 5
    )
    probs = np.array(
        [[0.2, 0.1, 0.6, 0.1]] * 100
        + [[0.1, 0.5, 0.3, 0.1]] * 50  # big: 50 of 150 right
        + [[0.9, 0.05, 0.0, 0.05]] * 20
        + [[0.0, 0.0, 1.0, 0.0]] * 5
    )
    picked, records = _closed_sets(probs, classes, rows, {"basic11": {"int", "float"}})["pyinfer:basic11-closed"]
    assert len(picked) == 170  # the Path rows are outside the set
    assert _by_project(rows, picked, records) == {"big": {"n": 150, "top1_exact": round(50 / 150, 4)}}


def test_hybrid_inference_uses_the_model(trained, tmp_path: Path) -> None:
    _, model = trained
    (tmp_path / "m.py").write_text("def names(items, sep):\n    joined = sep.join(items)\n    return joined.strip()\n")
    result = infer_paths([tmp_path], InferOptions(mode="hybrid", model_dir=model, use_cache=False))
    by_name = {(p.kind, p.name): p for p in result.predictions}
    assert by_name[("parameter", "sep")].type == "str"
    assert by_name[("parameter", "sep")].source in ("hybrid", "neural")
    static = infer_paths([tmp_path], InferOptions(mode="static", use_cache=False))
    assert {p.source for p in static.predictions} <= {"static", "annotation"}


def test_a_call_site_subclass_gives_way_to_its_confident_base(tmp_path: Path) -> None:
    """Callers pass ``Shells.bash`` (``class Shells(str, Enum)``): the parameter accepts
    a ``str`` (the shipped classifier says so confidently), a builtin passed stays."""
    (tmp_path / "m.py").write_text(
        "from enum import Enum\n\n\nclass Shells(str, Enum):\n    bash = 'bash'\n\n\n"
        "def install(prog_name, shell):\n    return prog_name.upper() + shell.title()\n\n\n"
        "def run(flag):\n    return not flag\n\n\ninstall(Shells.bash, Shells.bash)\nrun(True)\n"
    )
    static = {
        p.name: p
        for p in infer_paths([tmp_path], InferOptions(mode="static", use_cache=False)).predictions
        if p.kind == "parameter"
    }
    hybrid = {
        p.name: p
        for p in infer_paths([tmp_path], InferOptions(mode="hybrid", use_cache=False)).predictions
        if p.kind == "parameter"
    }
    assert static["prog_name"].type == "Shells" and static["flag"].type == "bool"
    assert (hybrid["prog_name"].type, hybrid["prog_name"].source) == ("str", "hybrid")
    assert (hybrid["flag"].type, hybrid["flag"].source) == ("bool", "static")


def test_the_classifier_reads_no_sample_a_static_answer_settles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``flag`` is a certain ``bool`` its callers pass (a builtin: no candidate widens
    it), ``prog_name`` a ``Shells`` a confident base may widen, ``value`` unknown: the
    model reads the last two only."""
    read: list[str] = []
    predict = ClassifierRuntime.predict
    monkeypatch.setattr(
        ClassifierRuntime,
        "predict",
        lambda self, rows, *a, **k: read.extend(r["name"] for r in rows) or predict(self, rows, *a, **k),
    )
    (tmp_path / "m.py").write_text(
        "from enum import Enum\n\n\nclass Shells(str, Enum):\n    bash = 'bash'\n\n\n"
        "def install(prog_name, flag, value):\n    return prog_name.upper() if flag else value\n\n\n"
        "install(Shells.bash, True, None)\n"
    )
    found = infer_paths([tmp_path], InferOptions(mode="hybrid", use_cache=False)).predictions
    by_name = {p.name: p for p in found if p.kind == "parameter"}
    assert (by_name["flag"].type, by_name["flag"].source) == ("bool", "static")
    assert "flag" not in read and {"prog_name", "value"} <= set(read)


def test_a_row_gets_the_same_bits_in_any_batch_of_two_rows_or_more(tmp_path: Path) -> None:
    """What ``hybrid.model_batches`` relies on: the shipped classifier gives a sample
    the same probabilities, bit for bit, beside any other samples (two rows or
    more), so that leaving the settled samples out changes no other answer."""
    from typelens.typeinfer.hybrid import DEFAULT_MODEL

    source = tmp_path / "m.py"
    source.write_text(
        "".join(TEMPLATE.format(i=i) for i in range(12)) + "def join(items, sep):\n    return sep.join(items)\n"
    )
    rows = file_samples(source, "p", "m.py")
    runtime = ClassifierRuntime(DEFAULT_MODEL)
    whole = runtime.probabilities(rows)
    assert len(rows) > 40
    for picked in ([0, 1], [3, 3], [2, 5, 7], list(range(1, len(rows), 3)), list(range(len(rows) - 9))):
        assert np.array_equal(runtime.probabilities([rows[i] for i in picked]), whole[picked]), picked


def test_the_batches_read_alone_only_what_the_whole_list_reads_alone() -> None:
    """``model_batches``: the samples at ``places`` of ``total`` read ``rows`` at a
    time (256 a run): alone where the whole list reads them alone (its last, after
    full batches), else in batches of at most ``rows``."""
    from typelens.typeinfer.hybrid import model_batches

    assert model_batches([0, 1, 2, 3, 4], 5, 4) == [([0, 1, 2, 3], False), ([4], True)]
    assert model_batches([0, 2, 4], 5, 4) == [([0, 1], False), ([2], True)]
    assert model_batches([1], 3, 4) == [([0], False)]  # the whole list reads it beside others
    assert model_batches([0], 1, 2) == [([0], True)]
    assert model_batches(list(range(257)), 257, 258) == [(list(range(256)), False), ([256], True)]
    assert model_batches([0, 256], 258, 259) == [([0, 1], False)]


@pytest.mark.parametrize("damage", ["truncate-onnx", "foreign-config", "no-config", "bad-weights"])
def test_damaged_models_give_one_clear_line(trained, tmp_path: Path, damage: str) -> None:
    _, model = trained
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in model.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    if damage == "truncate-onnx":
        (bad / "model.onnx").write_bytes((bad / "model.onnx").read_bytes()[:100])
    elif damage == "foreign-config":
        (bad / "config.json").write_text(json.dumps({"version": "someone-else-9"}))
    elif damage == "no-config":
        (bad / "config.json").unlink()
    else:
        (bad / "model.safetensors").write_bytes(b"\x00" * 64)
    src = tmp_path / "m.py"
    src.write_text("x = 1\n")
    if damage == "bad-weights":
        with pytest.raises(ModelError):
            load_torch_model(bad)
        return
    run = CliRunner().invoke(app, ["infer", str(src), "--mode", "hybrid", "--model", str(bad), "--no-cache"])
    assert run.exit_code == 2
    assert "Traceback" not in run.output and len(run.output.strip().splitlines()) == 1


def test_a_damaged_graph_fails_the_run_only_when_an_answer_needs_the_classifier(trained, tmp_path: Path) -> None:
    """A ``model.onnx`` framed as ONNX but holding no loadable graph passes the
    folder's check; the session, built for the first answer that needs it, fails
    the run with one line (not one internal error per file)."""
    _, model = trained
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in model.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    junk = b"\x01\x02not a graph"
    (bad / "model.onnx").write_bytes(b"\x08\x07" + b"\x3a" + bytes([len(junk)]) + junk)  # ir_version, graph
    certain, guessed = tmp_path / "certain.py", tmp_path / "guessed.py"
    certain.write_text("x = 1\n")
    guessed.write_text("def twice(n):\n    return n * 2\n")
    for src, status in ((certain, 0), (guessed, 2)):
        run = CliRunner().invoke(app, ["infer", str(src), "--mode", "hybrid", "--model", str(bad), "--no-cache"])
        assert run.exit_code == status, run.output
    assert "Traceback" not in run.output and len(run.output.strip().splitlines()) == 1
    assert "cannot load the ONNX model" in run.output


def test_a_saved_optimised_graph_gives_the_same_probabilities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped classifier through its optimised graph in the cache folder
    (saved by the first session, loaded by the next; its tables in a file of their
    own, which onnxruntime maps) ranks real samples with the same probabilities,
    bit for bit, as a session that optimises afresh; an entry whose graph or
    tables are damaged or missing is replaced (the next run loads it again)."""
    from typelens.typeinfer.hybrid import DEFAULT_MODEL
    from typelens.typeinfer.neural import runtime

    loaded: list[Path] = []  # the folder of each graph a session loads
    session = runtime._session
    monkeypatch.setattr(
        runtime, "_session", lambda path, *a, **k: loaded.append(Path(path).parent) or session(path, *a, **k)
    )
    source = tmp_path / "m.py"
    source.write_text(TEMPLATE.format(i=0) + "def join(items, sep):\n    return sep.join(items)\n")
    rows = file_samples(source, "p", "m.py")
    folder = tmp_path / "models"
    fresh = ClassifierRuntime(DEFAULT_MODEL).probabilities(rows)
    assert loaded == [DEFAULT_MODEL]
    first = ClassifierRuntime(DEFAULT_MODEL, optimized_dir=folder)
    (entry,) = folder.glob("classifier-*")
    assert loaded[1:] == [DEFAULT_MODEL, entry]  # optimised and saved, then loaded
    assert sorted(f.name for f in entry.iterdir()) == ["model.data", "model.onnx"]
    assert (entry / "model.data").stat().st_size > 10 * (entry / "model.onnx").stat().st_size
    second = ClassifierRuntime(DEFAULT_MODEL, optimized_dir=folder)
    assert loaded[3:] == [entry]
    assert np.array_equal(first.probabilities(rows), fresh) and np.array_equal(second.probabilities(rows), fresh)
    for name, damage in (
        ("model.onnx", lambda b: b[:1000]),
        ("model.data", lambda b: b[: len(b) // 2]),
        ("model.data", None),
        ("model.onnx", None),  # left by an interrupted removal: the folder is in the way of a new entry
    ):
        part = entry / name
        if damage is None:
            part.unlink()
        else:
            part.write_bytes(damage(part.read_bytes()))
        again = ClassifierRuntime(DEFAULT_MODEL, optimized_dir=folder)
        assert np.array_equal(again.probabilities(rows), fresh)
        assert (entry / "model.onnx").stat().st_size > 1000 and (entry / "model.data").stat().st_size > 10**6
        del loaded[:]
        ClassifierRuntime(DEFAULT_MODEL, optimized_dir=folder)
        assert loaded == [entry], name  # repaired: loaded, not optimised again
    assert [p.name for p in folder.iterdir()] == [entry.name]  # no temporary folder left


def test_saved_optimised_graphs_keep_the_newest_entries(tmp_path: Path) -> None:
    """Saving an entry prunes the older ones past ``OPTIMIZED_KEEP`` (an earlier
    version's single files too) and never a temporary folder of a run in progress."""
    from typelens.typeinfer.hybrid import DEFAULT_MODEL
    from typelens.typeinfer.neural import runtime

    folder = tmp_path / "models"
    folder.mkdir()
    for n in range(runtime.OPTIMIZED_KEEP):
        (folder / f"classifier-{n}").mkdir()
        (folder / f"classifier-{n}" / "model.onnx").write_bytes(b"old")
        os.utime(folder / f"classifier-{n}", ns=(n * 10**9, n * 10**9))
    (folder / "classifier-old.onnx").write_bytes(b"an earlier version's entry")
    os.utime(folder / "classifier-old.onnx", ns=(0, 0))
    (folder / "tmp-1-classifier-x").mkdir()  # another run's, being written
    ClassifierRuntime(DEFAULT_MODEL, optimized_dir=folder)
    kept = sorted(p.name for p in folder.iterdir())
    assert len([k for k in kept if k.startswith("classifier-")]) == runtime.OPTIMIZED_KEEP
    assert "classifier-0" not in kept and "classifier-old.onnx" not in kept and "tmp-1-classifier-x" in kept


def test_the_classifiers_answers_are_kept_by_whole_batch(tmp_path: Path) -> None:
    """Kept answers come back for the very batch only; a damaged or foreign file is a
    miss; rewriting the model's graph (same size) gives another file."""
    from typelens.typeinfer.hybrid import DEFAULT_MODEL
    from typelens.typeinfer.neural.batch_answers import BatchAnswers, batch_key
    from typelens.typeinfer.neural.encoding import Encoder, EncoderConfig

    encoder = Encoder(EncoderConfig(buckets=64, windows=2, window_len=3, name_len=2, values=1))

    def key(rows: list[dict]) -> str:
        return batch_key(encoder.encode_ids(rows))

    a = {"name": "x", "kind": "parameter", "windows": [["x", "="]]}
    b = {"name": "y", "kind": "parameter", "windows": [["y", "("]]}
    ranked = [[("str", 0.75), ("int", 0.125)], [("bytes", 1.0), ("None", 0.0)]]
    answers = BatchAnswers(tmp_path / "c.json")
    answers.put(key([a, b]), ranked)
    answers.save()
    kept = BatchAnswers(tmp_path / "c.json")
    assert kept.get(key([a, b])) == ranked and kept.get(key([b, a])) is None and kept.get(key([a])) is None
    assert key([a, dict(b, values=["§call:f"])]) != key([a, b])  # every input of the model is in the key
    entry = (tmp_path / "c.json").read_text()
    assert '"high"' not in entry and "0.75" in entry
    for damaged in (entry.replace("0.75", '"high"'), entry.replace('"version":"', '"version":"x'), "\x00{"):
        (tmp_path / "c.json").write_text(damaged)
        assert BatchAnswers(tmp_path / "c.json").get(key([a, b])) is None
    model = tmp_path / "model"
    model.mkdir()
    for name in ("config.json", "model.onnx"):
        (model / name).write_bytes((DEFAULT_MODEL / name).read_bytes())
    first = BatchAnswers.for_model(model, tmp_path).path
    assert BatchAnswers.for_model(model, tmp_path).path == first
    graph = model / "model.onnx"
    graph.write_bytes(graph.read_bytes())
    written = graph.stat()  # a later time than the copy's, whatever the clock's grain
    os.utime(graph, ns=(written.st_atime_ns, written.st_mtime_ns + 10**9))
    assert BatchAnswers.for_model(model, tmp_path).path != first


def test_the_classifiers_answers_are_read_when_first_asked(tmp_path: Path) -> None:
    """The kept batches are read on the first question, not when the answers are
    opened: a run that never asks the classifier reads nothing, and a file written
    in between is the one read."""
    from typelens.typeinfer.neural.batch_answers import BatchAnswers

    where = tmp_path / "c.json"
    where.write_bytes(b"\x00 not an entry")
    opened = BatchAnswers(where)
    where.unlink()
    opened.save()  # nothing asked: nothing read, nothing written
    assert opened.new_batches() == {} and not where.exists()
    writer = BatchAnswers(where)
    writer.put("batch-x", [[("int", 0.5)]])
    writer.save()
    assert opened.get("batch-x") == [[("int", 0.5)]]


WIDGET = """

class Widget{i}:
    size: int = 0


def make_{i}(count: int) -> int:
    made: Widget{i} = Widget{i}()
    made.size = count
    return made.size
"""


@pytest.mark.slow
def test_slice_model_generates_types(tmp_path: Path) -> None:
    from typelens.typeinfer.neural.slice_model import SliceRuntime, train_slice_model

    corpus = tmp_path / "corpus"
    for i in range(30):
        pkg = corpus / f"proj{i}" / f"pkg{i}"
        pkg.mkdir(parents=True)
        (pkg / "mod.py").write_text(TEMPLATE.format(i=i).replace("attempt", f"attempt{i}") + WIDGET.format(i=i))
    data = tmp_path / "data"
    build_dataset([corpus], data, BuildOptions(progress=False, dedup_threshold=0.95))
    model = tmp_path / "slice"
    train_slice_model(data, model, epochs=25, batch=32, vocab_size=400, d_model=64, progress=False)
    assert (model / "hf" / "model.safetensors").exists() and not list(model.rglob("*.bin"))
    rows = [r for r in load_split(data, "train") if r["slice"]][:40]
    runtime = SliceRuntime(model)
    ranked = runtime.predict(rows)
    top1 = sum(1 for r, cands in zip(rows, ranked) if cands and cands[0][0] == r["label"]) / len(rows)
    assert top1 > 0.6, top1
    assert all(abs(sum(p for _, p in cands) - 1) < 1e-3 for cands in ranked if cands)
    # onnxruntime (what the CLI and the server use) gives the same top-1 as torch
    from typelens.typeinfer.neural.slice_onnx import SliceOnnxRuntime, export_slice_onnx

    export_slice_onnx(model)
    onnx_ranked = SliceOnnxRuntime(model).predict(rows)
    same = sum(1 for a, b in zip(ranked, onnx_ranked) if a and b and a[0][0] == b[0][0]) / len(rows)
    assert same >= 0.95, same
    # a class no training project has: each project's own Widget class was outside the
    # vocabulary, so the model learnt to copy the name the slice shows
    unseen = tmp_path / "unseen.py"
    unseen.write_text(WIDGET.format(i="").replace("Widget", "Gadget"))
    made = [r for r in file_samples(unseen, "x", "unseen.py") if r["name"] == "made"]
    assert made[0]["label"] == "Gadget" and "Gadget" in made[0]["slice"]
    assert runtime.predict(made)[0][0][0] == "Gadget"
    assert SliceOnnxRuntime(model).predict(made)[0][0][0] == "Gadget"
    greedy_torch = runtime.predict(rows, k=1)
    greedy_onnx = SliceOnnxRuntime(model).predict(rows, k=1)
    assert [c[0][0] if c else None for c in greedy_torch] == [c[0][0] if c else None for c in greedy_onnx]
    (model / "decoder.onnx").write_bytes(b"not onnx")
    with pytest.raises(ModelError, match="damaged"):
        SliceOnnxRuntime(model)
    (model / "slice.json").write_text('{"version": "other"}')
    with pytest.raises(ModelError):
        SliceRuntime(model)


def test_mixing_the_two_models_rankings() -> None:
    from typelens.typeinfer.hybrid import mix

    ranked = mix([("str", 0.6), ("<other>", 0.3), ("int", 0.1)], [("Path", 0.7), ("str", 0.3)])
    assert [label for label, _ in ranked] == ["str", "Path", "int"]
    assert abs(sum(p for _, p in ranked) - 0.85) < 1e-9  # the classifier's <other> mass is dropped


def test_slice_calibration_counts_the_rows_no_beam_names() -> None:
    from typelens.typeinfer.neural.slice_model import calibrated, fit_calibration

    texts = [["int", "str", "float", "bytes", "bool"]] * 100
    scores = np.tile(np.array([0.0, -1.0, -2.0, -3.0, -4.0]), (100, 1))
    labels = ["int"] * 30 + ["Widget"] * 70  # the best beam is right 30 times in 100
    temperature, other = fit_calibration(texts, scores, labels)
    top = calibrated(texts[0], scores[0], temperature, other)[0]
    assert top[0] == "int" and abs(top[1] - 0.3) < 0.03
    assert sum(p for _, p in calibrated(texts[0], scores[0], temperature, other)) < 0.35
