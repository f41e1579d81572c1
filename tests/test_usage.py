"""Usage constraints end to end (issue 27): the bundled example's parameters from
how they are used, the evidence in JSON and hover, the hybrid filter, and a
classifier's low-confidence answer shown as a guess and nowhere else.  The
per-kind cases are ``tests/data/infer/usage_*.py``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from typelens.cli.main import app
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.session import AnalysisSession

from .conftest import ROOT

SHOP = ROOT / "examples" / "shop"


def _params(paths: list[Path], mode: str = "static") -> dict[tuple[str, str], object]:
    result = infer_paths(paths, InferOptions(mode=mode, use_cache=False))
    return {(p.scope, p.name): p for p in result.predictions if p.kind == "parameter"}


def test_the_example_parameters_follow_from_their_uses() -> None:
    found = _params([SHOP])
    expected = {
        ("OrderService.create", "customer"): "call:Order.__init__.customer",
        ("OrderService.checkout", "customer"): "call:dict.get.key",
        ("OrderService.save", "customer"): "key:self.orders",
    }
    for key, label in expected.items():
        p = found[key]
        assert (p.type, p.source) == ("str", "static"), key
        assert label in p.evidence and p.confidence >= 0.85, (key, p.evidence, p.confidence)
    assert "key:self.orders" in found[("OrderService.create", "customer")].evidence


def test_greet_and_lookup_are_certain_without_a_model(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "def greet(name):\n    return 'hi ' + name\n\n\n"
        "def lookup(table: dict[str, int], key):\n    return table[key]\n"
    )
    found = _params([tmp_path / "m.py"])
    assert (found[("greet", "name")].type, found[("greet", "name")].evidence) == ("str", ("operand:str+",))
    assert (found[("lookup", "key")].type, found[("lookup", "key")].evidence) == ("str", ("key:table",))


def test_the_json_names_the_evidence(monkeypatch) -> None:
    monkeypatch.chdir(SHOP)
    run = CliRunner().invoke(app, ["infer", "shop/service.py", "--format", "json", "--no-cache", "--mode", "static"])
    assert run.exit_code == 0, run.output
    rows = {(r["scope"], r["name"]): r for r in json.loads(run.stdout)["predictions"] if r["kind"] == "parameter"}
    assert rows[("OrderService.save", "customer")]["evidence"] == ["key:self.orders"]
    assert "evidence" not in rows[("OrderService.checkout", "code")] or rows[("OrderService.checkout", "code")]["type"]


def test_hover_shows_the_evidence_in_one_line() -> None:
    from typelens.lsp.convert import hover_markdown

    session = AnalysisSession(SHOP)
    session.build_project()
    analysis = session.analyse(SHOP / "shop" / "service.py")
    data = analysis.graph.source.data
    info = analysis.hover(data.index(b"def save(self, customer") + len(b"def save(self, "))
    assert info.type == "str" and info.evidence == "from key:self.orders"
    text = hover_markdown(info)
    assert "confidence 0.90; from key:self.orders*" in text and text.count("key:self.orders") == 1


def test_usage_drops_and_reorders_the_classifiers_candidates(tmp_path: Path) -> None:
    from typelens.typeinfer.usage import rerank

    (tmp_path / "m.py").write_text(
        "class Shop:\n    def __init__(self):\n        self.orders: dict[str, int] = {}\n\n"
        "    def save(self, customer):\n        return self.orders[customer]\n\n"
        "    def each(self, items):\n        for item in items:\n            print(item)\n"
    )
    session = AnalysisSession(tmp_path)
    engine = session.engine()
    path = str((tmp_path / "m.py").resolve())
    g = engine.graph(path)
    customer = next(n for n, k in enumerate(g.kinds) if k == "parameter" and g.text(n) == "customer")
    items = next(n for n, k in enumerate(g.kinds) if k == "parameter" and g.text(n) == "items")
    ranked = rerank(engine, path, customer, [("int", 0.6), ("bool", 0.2), ("str", 0.15), ("str | None", 0.05)])
    assert [label for label, _ in ranked] == ["str", "str | None"]
    assert rerank(engine, path, customer, [("str", 0.15)]) == [("str", 0.15)]  # probabilities kept
    # iterated: a class that cannot be iterated goes, the unknown element type says nothing more
    assert [label for label, _ in rerank(engine, path, items, [("int", 0.5), ("list", 0.3), ("str", 0.2)])] == [
        "list",
        "str",
    ]


def test_the_uses_are_asked_only_when_a_candidate_can_fit(tmp_path: Path, monkeypatch) -> None:
    """The hybrid checks that ask nothing (a useful, probable label that names what
    static inference found) come first: where no candidate passes them, the answer
    is the static one and the uses are never ranked."""
    from typelens.typeinfer.features import targets
    from typelens.typeinfer.hybrid import NeuralAssistant
    from typelens.typeinfer.predictions import FilePredictor

    (tmp_path / "m.py").write_text("def save(count=0):\n    return count + 1\n")
    engine = AnalysisSession(tmp_path).engine()
    path = str((tmp_path / "m.py").resolve())
    g = engine.require_graph(path)
    count = next(p for p in FilePredictor(engine, path, "m.py").run() if p.name == "count")
    assert (count.type, count.confidence < 0.85) == ("int", True)  # not certain: the candidates are checked
    target = next(t for t in targets(g) if t.name == "count")
    ranked: list[object] = []
    monkeypatch.setattr(engine.usage, "rerank", lambda path, node, found: ranked.append(node) or found)
    assistant = NeuralAssistant(is_lazy=True, use_slice=False)
    # without int, below the least probability, or saying nothing: none can fit
    hopeless = [("str", 0.7), ("int", 0.1), ("Any", 0.2)]
    assert assistant._choose(engine, path, g, count, target, hopeless, "hybrid") is None
    assert ranked == []
    choice = assistant._choose(engine, path, g, count, target, [("str", 0.5), ("int", 0.4)], "hybrid")
    assert choice is not None and choice.type == "int" and ranked == [target.node]


def test_an_answer_no_class_of_the_classifier_names_is_not_read(tmp_path: Path, monkeypatch) -> None:
    """An unsure static answer that no class of the classifier names (a project's
    own ``Basket``) can take no candidate (``_choose`` keeps what static inference
    found): the model does not read it, and it stays as it was."""
    from typelens.typeinfer.hybrid import NeuralAssistant
    from typelens.typeinfer.predictions import FilePredictor

    (tmp_path / "m.py").write_text(
        "class Basket:\n    pass\n\n\ndef fill(basket=Basket(), count=0):\n    return count\n"
    )
    engine = AnalysisSession(tmp_path).engine()
    path = str((tmp_path / "m.py").resolve())
    found = FilePredictor(engine, path, "m.py").run()
    basket = next(p for p in found if p.name == "basket")
    assert (basket.type, basket.confidence < 0.85) == ("Basket", True)
    assistant = NeuralAssistant(is_lazy=True, use_slice=False)
    assert assistant.can_name(frozenset({"int"})) and not assistant.can_name(frozenset({"Basket"}))
    read: list[dict] = []
    monkeypatch.setattr(assistant, "_predict", lambda batch: read.extend(batch) or [[("int", 0.9)] for _ in batch])
    refined = assistant.refine(engine, path, found, "hybrid")
    assert {sample["name"] for sample in read} == {"count"}
    assert next(p for p in refined if p.name == "basket") == basket


class _Guessing:
    """An assistant whose answer for ``sku`` is a classifier's low-confidence guess."""

    def refine(self, engine, path, predictions, mode):
        return [
            replace(p, type="bool", confidence=0.24, source="neural", candidates=(("bool", 0.24), ("int", 0.14)))
            if p.kind == "parameter" and p.name == "sku"
            else p
            for p in predictions
        ]


def test_a_low_confidence_classifier_answer_is_a_guess() -> None:
    from typelens.cli.infer_cmd import render_json, render_text

    session = AnalysisSession(SHOP)
    session.build_project()
    analysis = session.analyse(SHOP / "shop" / "models.py", mode="hybrid")
    predictions = analysis.predictions("hybrid", _Guessing())
    sku = next(p for p in predictions if p.kind == "parameter" and p.name == "sku")
    assert sku.is_guess(0.8) and not sku.is_guess(0.2)
    data = analysis.graph.source.data
    offset = data.index(b"def find(self, sku") + len(b"def find(self, ")
    assert analysis.hover(offset).type != "bool"  # hover leaves the guess out
    assert not [
        h
        for h in analysis.inlay_hints(0, len(data))
        if "bool" in h.label and h.offset > offset - 20 and h.offset < offset + 10
    ]

    class Result:
        stats = {"predictions": len(predictions), "files": 1, "unknown": 0, "seconds": 0.0}
        diagnostics: list = []

    Result.predictions = predictions
    text = render_text(Result(), 0.8)
    line = next(t for t in text.splitlines() if "Order.find.sku" in t)
    assert ": ? (bool 0.24)" in line and "guess" in line
    assert "Order.find.sku: ? (bool" not in render_text(Result(), 0.2)
    row = next(
        r for r in json.loads(render_json(Result()))["predictions"] if r["name"] == "sku" and r["kind"] == "parameter"
    )
    assert (row["type"], row["confidence"], row["candidates"]) == ("bool", 0.24, [["bool", 0.24], ["int", 0.14]])


def test_apply_never_writes_a_guess(tmp_path: Path) -> None:
    from typelens.typeinfer.apply import plan_edits

    source = tmp_path / "m.py"
    source.write_text("def find(items, sku):\n    return [i for i in items if i == sku]\n")
    session = AnalysisSession(tmp_path)
    analysis = session.analyse(source, mode="hybrid")
    predictions = analysis.predictions("hybrid", _Guessing())
    assert any(p.is_guess(0.8) for p in predictions)
    plan = plan_edits(analysis.graph, predictions, {}, 0.8)
    assert not any("bool" in e.text for e in plan.edits)


def test_the_cache_keeps_the_evidence(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def greet(name):\n    return 'hi ' + name\n")
    first = infer_paths([tmp_path], InferOptions(mode="static"))
    second = infer_paths([tmp_path], InferOptions(mode="static"))
    assert second.stats["cache_hits"] == 1
    assert [p.evidence for p in second.predictions] == [p.evidence for p in first.predictions]
    assert ("operand:str+",) in [p.evidence for p in second.predictions]


_CLASSES = """import collections


class Base:
    def close(self): ...

    def read(self): ...


class Reader(Base):
    def peek(self): ...


class Lazy:
    def close(self): ...

    def __getattr__(self, name): ...


class LazyReader(Lazy):
    def peek(self): ...


class Opaque(make_base()):
    def close(self): ...


class Text(str):
    def peek(self): ...


class Table(collections.OrderedDict):
    def close(self): ...


class Base:  # defined again
    def peek(self): ...
"""


def test_the_classes_having_names_are_those_each_class_has(tmp_path: Path) -> None:
    """The index a usage question reads the project's classes from gives the classes,
    in their order, that asking each class gives (``has_member``): inherited names
    count, none past a class with dynamic attributes or a base that is no class."""
    (tmp_path / "m.py").write_text(_CLASSES)
    session = AnalysisSession(tmp_path)
    session.build_project(None)
    classes = session.engine().classes
    assert [c.short for c in classes.project_classes_with({"close", "peek"})] == ["Reader", "LazyReader"]
    everyone = [c.short for c in classes.project_classes()]
    assert [c.short for c in classes.project_classes_with({"__eq__"})] == [
        c for c in everyone if c not in ("Lazy", "LazyReader", "Opaque")
    ]
    project = classes.project_classes()
    names = sorted({n for c in project for _, info in classes.mro(c) for n in info.members} | {"missing"})
    pairs = [{a, b} for a in names for b in ("close", "peek", "read", "upper", "move_to_end", "missing")]
    for used in [set(), *({n} for n in names), *pairs, {"close", "peek", "read"}]:
        scanned = [c for c in project if all(classes.has_member(c, a) for a in used)]
        assert classes.project_classes_with(used) == scanned, used


def test_the_classes_having_names_follow_the_project(tmp_path: Path) -> None:
    """A later engine's index has the classes added and not those changed since."""
    (tmp_path / "m.py").write_text(_CLASSES)
    session = AnalysisSession(tmp_path)
    session.build_project(None)
    assert [c.name for c in session.engine().classes.project_classes_with({"close", "peek"})] == [
        "m.Reader",
        "m.LazyReader",
    ]
    pipe = "\n\nclass Pipe:\n    def close(self): ...\n\n    def peek(self): ...\n"
    (tmp_path / "m.py").write_text(_CLASSES.replace("class Reader(Base)", "class Reader") + pipe)
    session.build_project(None)
    assert [c.name for c in session.engine().classes.project_classes_with({"close", "peek"})] == [
        "m.LazyReader",
        "m.Pipe",
    ]


def test_a_cached_usage_answer_follows_a_class_added_elsewhere(tmp_path: Path) -> None:
    """The one class having a parameter's attributes is its type until a second one
    is added in another file: the result cache's answer is then worked out again."""
    (tmp_path / "use.py").write_text("def drain(stream):\n    stream.peek()\n    stream.close()\n")
    (tmp_path / "m.py").write_text("class Pipe:\n    def close(self): ...\n\n    def peek(self): ...\n")

    def stream(use_cache: bool) -> str | None:
        result = infer_paths([tmp_path], InferOptions(mode="static", use_cache=use_cache))
        return next(p.type for p in result.predictions if (p.scope, p.name) == ("drain", "stream"))

    assert stream(True) == stream(False) == "Pipe"
    (tmp_path / "n.py").write_text("class Tap:\n    def close(self): ...\n\n    def peek(self): ...\n")
    assert stream(True) == stream(False) != "Pipe"
