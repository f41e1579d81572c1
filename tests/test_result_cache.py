"""The result cache (``typeinfer/result_cache.py``): an answer comes back exactly as the
run gave it, an edit anywhere in the project re-analyses the files that import the
edited one, and an entry that is damaged, of another version or of another shape is
a miss that the run rewrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typelens.typeinfer.result_cache import CACHE_VERSION, read_answers, read_diagnostics
from typelens.typeinfer.run import InferOptions, check_paths, infer_paths
from typelens.typeinfer.settings import Settings


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _entries(root: Path) -> list[Path]:
    return sorted((root / ".typelens-cache").glob("infer-*.json"))


def test_an_answer_comes_back_from_the_cache_field_for_field(tmp_path: Path) -> None:
    """Every field of every prediction (evidence, the classifier's candidates, spans,
    non-ASCII names) and every diagnostic, in order."""
    root = _project(
        tmp_path / "p",
        {
            "shapes.py": "class Circle:\n    def __init__(self, r):\n        self.r = r\n\n"
            "def area(c):\n    return 3.14 * c.r * c.r\n",
            "main.py": "from shapes import Circle, area\n\ncafé = area(Circle(2.0))\n"
            "def greet(name):\n    return name.upper()\n\nbroken = (\n",
        },
    )
    for mode in ("static", "hybrid"):
        fresh = infer_paths([root], InferOptions(mode=mode))
        cached = infer_paths([root], InferOptions(mode=mode))
        assert fresh.stats["cache_hits"] == 0 and cached.stats["cache_hits"] == 1
        assert cached.predictions == fresh.predictions and len(fresh.predictions) > 5
        assert cached.diagnostics == fresh.diagnostics and fresh.diagnostics  # the syntax error
    assert any(p.candidates for p in fresh.predictions)  # hybrid: the classifier's ranking kept
    assert any(p.evidence for p in fresh.predictions)  # usage constraints kept
    assert any(p.name == "café" for p in fresh.predictions)


def test_an_edit_re_analyses_the_files_that_import_the_edited_one(tmp_path: Path) -> None:
    root = _project(
        tmp_path / "p",
        {"maker.py": "def make():\n    return 1\n", "user.py": "from maker import make\n\nvalue = make()\n"},
    )

    def run() -> tuple[str | None, int]:
        result = infer_paths([root], InferOptions(mode="static"))
        return {p.name: p.type for p in result.predictions if p.file == "user.py"}["value"], result.stats["cache_hits"]

    assert run() == ("int", 0)
    assert run() == ("int", 1)
    (root / "maker.py").write_text("def make():\n    return 'one'\n")  # only the imported file changes
    assert run() == ("str", 0)
    assert run() == ("str", 1)
    (root / "extra.py").write_text("x = 1\n")  # a new module of the project: a new key
    assert run() == ("str", 0)


def test_analyze_re_checks_a_file_when_a_module_it_imports_changes(tmp_path: Path) -> None:
    root = _project(
        tmp_path / "p",
        {
            "model.py": "class Order:\n    def __init__(self):\n        self.total = 1\n",
            "use.py": "from model import Order\n\nprint(Order().total)\n",
        },
    )
    options = InferOptions(settings=Settings(cache_dir=tmp_path / "cache"))

    def codes_in_use() -> tuple[list[str], int]:
        diagnostics, stats = check_paths([root / "use.py"], options)
        return [d.code for d in diagnostics if d.path.endswith("use.py")], stats["cache_hits"]

    assert codes_in_use() == ([], 0)
    assert codes_in_use() == ([], 1)
    (root / "model.py").write_text("class Order:\n    def __init__(self):\n        self.amount = 1\n")
    assert codes_in_use() == (["attr-defined"], 0)
    assert codes_in_use() == (["attr-defined"], 1)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "old version", "old shape", "not an object", "bad row", "empty"],
)
def test_a_damaged_entry_is_a_miss_and_is_rewritten(tmp_path: Path, damage: str) -> None:
    root = _project(tmp_path / "p", {"m.py": "def f(x=1):\n    return x\n\ny = f()\n"})
    first = infer_paths([root], InferOptions(mode="static"))
    (entry,) = _entries(root)
    text = entry.read_text(encoding="utf-8")
    doc = json.loads(text)
    broken = {
        "truncated": text[: len(text) // 2],
        "garbage": "\x00\xff not json",
        "old version": json.dumps({**doc, "version": "typelens-infer-3"}),
        # the previous format: one dict per prediction, under "predictions"
        "old shape": json.dumps({"version": CACHE_VERSION, "predictions": [{"file": "m.py"}], "reads": []}),
        "not an object": json.dumps([doc]),
        "bad row": json.dumps({**doc, "files": [["m.py", str(root / "m.py"), [["f", "x"]]]]}),
        "empty": "",
    }[damage]
    entry.write_text(broken, encoding="utf-8")
    assert read_answers(entry) is None
    assert (read_diagnostics(entry) is None) == (damage != "bad row")  # a bad prediction row spoils no diagnostic
    again = infer_paths([root], InferOptions(mode="static"))
    assert again.stats["cache_hits"] == 0 and again.predictions == first.predictions
    assert read_answers(entry) == (first.predictions, first.diagnostics)  # rewritten whole


def test_an_entry_keeps_no_key_names_per_prediction(tmp_path: Path) -> None:
    """Compact rows: the file's name once per file, values in the fields' order."""
    root = _project(tmp_path / "p", {"m.py": "".join(f"v{i} = {i}\n" for i in range(50))})
    result = infer_paths([root], InferOptions(mode="static"))
    (entry,) = _entries(root)
    doc = json.loads(entry.read_text(encoding="utf-8"))
    assert doc["version"] == CACHE_VERSION
    assert [(file, len(rows)) for file, _, rows in doc["files"]] == [("m.py", 50)]
    assert entry.read_text(encoding="utf-8").count('"m.py"') == 1
    assert len(result.predictions) == 50


def test_a_run_without_the_cache_looks_for_no_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--no-cache`` (``cache = false``) keys its answers without asking where the
    cache folder is: a user with no home folder still gets a key."""
    from typelens.typeinfer.result_cache import answer_key

    (tmp_path / "m.py").write_text("x = 1\n")
    for name in ("TYPELENS_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    settings = Settings(cache=False)
    key = answer_key([tmp_path / "m.py"], InferOptions(settings=settings), tmp_path, settings=settings)
    assert len(key) == 40


def test_the_key_names_the_backend_that_runs_the_classifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C kernel and onnxruntime agree only to float rounding: an answer one
    gave is not served to a run on the other (a compiled build and a
    ``TYPELENS_PURE=1`` run sharing a cache); ``--mode static`` asks neither."""
    from typelens.typeinfer.neural import native
    from typelens.typeinfer.result_cache import answer_key

    (tmp_path / "m.py").write_text("x = 1\n")
    settings = Settings(cache=False)

    def key(backend: str, mode: str) -> str:
        monkeypatch.setattr(native, "backend_identity", lambda model_dir: [backend, 1])
        return answer_key([tmp_path / "m.py"], InferOptions(mode=mode, settings=settings), tmp_path, settings=settings)

    assert key("kernel", "hybrid") != key("onnxruntime", "hybrid")
    assert key("kernel", "neural") != key("onnxruntime", "neural")
    assert key("kernel", "static") == key("onnxruntime", "static")


def test_a_dangling_link_in_the_model_folder_still_gives_a_key(tmp_path: Path) -> None:
    """The key hashes the model folder's files; one that cannot be read (a dangling
    link) counts as missing, and the model's own checks say what is wrong."""
    import shutil

    from typelens.typeinfer.result_cache import answer_key
    from typelens.typeinfer.settings import DEFAULT_MODEL

    model = tmp_path / "classifier"
    shutil.copytree(DEFAULT_MODEL, model)
    (tmp_path / "m.py").write_text("x = 1\n")
    settings = Settings(cache=False)
    options = InferOptions(mode="hybrid", model_dir=model, settings=settings)
    before = answer_key([tmp_path / "m.py"], options, tmp_path, settings=settings)
    (model / "dangling").symlink_to(tmp_path / "nowhere")
    after = answer_key([tmp_path / "m.py"], options, tmp_path, settings=settings)
    assert len(after) == 40 and after != before


def test_an_entry_is_written_byte_for_byte_as_its_rows(tmp_path: Path) -> None:
    """A row is written from the prediction's own tuples (evidence, candidates, the
    span's fields), as the lists of the format's version: the same bytes."""
    from typelens.analyzer.spans import Span
    from typelens.typeinfer.predicted import Prediction
    from typelens.typeinfer.result_cache import write_answers

    p = Prediction(
        "m.py", "/p/m.py", "f", "x", "parameter", "int", 0.8, Span(4, 5, 0, 4, 0, 5), "hybrid",
        ("eq:int",), (("int", 0.75), ("str", 0.125)),
    )  # fmt: skip
    entry = tmp_path / "infer-x.json"
    write_answers(entry, [p, p], [], {})
    row = '["f","x","parameter","int",0.8,[4,5,0,4,0,5],"hybrid",["eq:int"],[["int",0.75],["str",0.125]]]'
    doc = f'{{"version":"{CACHE_VERSION}","files":[["m.py","/p/m.py",[{row},{row}]]],"diagnostics":[],"reads":[]}}'
    assert entry.read_bytes() == doc.encode()
    assert read_answers(entry) == ([p, p], [])
