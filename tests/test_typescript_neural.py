"""The script models' side, without the network: samples extracted from the
fixture project (annotations cut out of the windows, canonical labels), the
held-out evaluation packages, a dataset built from local packages with the
Python datasets' layout, and the hybrid assistant's checks (the file's own types
by name, unused type parameters, member checks) with and without a classifier."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from typelens.analyzer.typescript import build_script_graph
from typelens.datasets import typescript as corpus
from typelens.datasets.build import BuildOptions
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.typescript.features import ScriptTokens, canonical, label_of, sample
from typelens.typeinfer.typescript.neural import DEFAULT_MODEL, ScriptAssistant
from typelens.typeinfer.typescript.targets import script_targets

from .conftest import DATA

PROJECT = DATA / "typescript" / "project"


def test_windows_never_show_the_label() -> None:
    g = build_script_graph("export function f(name: string, n = 2): string[] { return [name]; }\n", "a.ts")
    stream = ScriptTokens(g)
    rows = {(t.kind, t.name): (sample(g, t, stream), label_of(g, t)) for t in script_targets(g)}
    window, label = rows[("parameter", "name")]
    assert label == "string" and "string" not in sum(window["windows"], [])
    assert rows[("return", "f")][1] == "string[]" and rows[("parameter", "n")][1] is None
    assert "§number" in rows[("parameter", "n")][0]["values"]


def test_labels_are_canonical() -> None:
    assert canonical("Array<string | number>") == "(string | number)[]"
    assert canonical("null | Foo<T>") == "Foo<T> | null"
    assert canonical("{ a: number, b?: string }") == "{ a: number; b?: string }"
    assert canonical("(") is None


def _local_package(root: Path, name: str, code: str) -> Path:
    package = root / name / "package"
    (package / "src").mkdir(parents=True)
    (package / "src" / "index.ts").write_text(code)
    (package / "src" / "index.test.ts").write_text("export const t: number = 1;\n")
    return package


def test_dataset_from_local_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    code = "export function area(w: number, h: number): number {\n  const s: number = w * h;\n  return s;\n}\n"
    for spec, extra in (
        ("alpha@1.0.0", ""),
        ("beta@1.0.0", "export const label: string = 'b';\n"),
        ("gamma@1.0.0", ""),
        ("immer@1.0.0", ""),
    ):
        _local_package(cache, spec.replace("@", "@"), code + extra)
    monkeypatch.setattr(corpus, "fetch", lambda spec, cache_dir: cache / spec / "package")
    manifest = corpus.build_script_dataset(
        ["alpha@1.0.0", "beta@1.0.0", "gamma@1.0.0", "immer@1.0.0"],
        tmp_path / "out",
        BuildOptions(valid_share=0.0, test_share=0.0, progress=False),
        cache=cache,
    )
    assert "immer" in manifest["held_out"] and manifest["version"] == corpus.VERSION
    rows = [json.loads(line) for line in (tmp_path / "out" / "train" / "alpha.jsonl").read_text().splitlines()]
    assert {(r["kind"], r["name"], r["label"]) for r in rows} == {
        ("parameter", "w", "number"),
        ("parameter", "h", "number"),
        ("return", "area", "number"),
        ("variable", "s", "number"),
    }
    assert not (tmp_path / "out" / "train" / "immer.jsonl").exists()
    assert manifest["duplicates_removed"] == 1  # gamma's file is alpha's; test files are never read
    assert (tmp_path / "out" / "train.parquet").is_file()


def test_package_names() -> None:
    assert corpus.package_name("@tanstack/store@0.11.3") == "@tanstack/store"
    assert corpus.package_name("zod@4.6.7") == "zod"
    assert not set(corpus.EVAL_PACKAGES) & {corpus.package_name(s) for s in corpus.TRAIN_PACKAGES}


STRIPPED = """\
export interface ImmerScope { drafts: number[]; parent?: ImmerScope }
export interface Patch { op: string }
export class MapState { size = 0 }

export function leaveScope(scope) {
  return scope.drafts.length;
}

export function apply(patches) {
  return patches;
}

export function castDraft<T>(value) {
  return value;
}

export function count(state) {
  return state.size;
}

export function mystery(x) {
  return x;
}

export class SetState { items = 0 }
export type AnyState = MapState | SetState;
export function pick(flag: boolean) {
  return flag ? new MapState() : new SetState();
}
"""


def _hybrid_answers(tmp_path: Path, use_model: bool) -> dict[str, str | None]:
    (tmp_path / "m.ts").write_text(STRIPPED)
    session = AnalysisSession(tmp_path)
    session.model("script-classifier", lambda: ScriptAssistant(use_model=use_model))
    analysis = session.analyse(tmp_path / "m.ts")
    return {f"{p.kind} {p.name}": p.type for p in analysis.predictions("hybrid") if p.kind == "parameter"}


def test_hybrid_names_the_files_own_types_without_a_model(tmp_path: Path) -> None:
    found = _hybrid_answers(tmp_path, False)
    assert found["parameter scope"] == "ImmerScope"  # name and members agree
    assert found["parameter patches"] == "Patch[]"  # plural: an array of it
    assert found["parameter value"] == "T"  # the unused type parameter
    assert found["parameter state"] == "MapState"  # `size` is a member of MapState
    assert found["parameter x"] == "any"  # nothing said: what TypeScript reads


def test_hybrid_names_a_union_by_its_alias(tmp_path: Path) -> None:
    (tmp_path / "m.ts").write_text(STRIPPED)
    session = AnalysisSession(tmp_path)
    session.model("script-classifier", lambda: ScriptAssistant(use_model=False))
    analysis = session.analyse(tmp_path / "m.ts")
    returns = {p.name: p.type for p in analysis.predictions("hybrid") if p.kind == "return"}
    assert returns["pick"] == "AnyState"
    assert {p.name: p.type for p in analysis.predictions("static") if p.kind == "return"}[
        "pick"
    ] == "MapState | SetState"


@pytest.mark.skipif(not (DEFAULT_MODEL / "model.onnx").is_file(), reason="no shipped script classifier")
def test_the_shipped_classifier_answers_from_its_classes(tmp_path: Path) -> None:
    assistant = ScriptAssistant()
    g = build_script_graph("function greet(name, times = 2) { return name.repeat(times); }\n", "a.ts")
    stream = ScriptTokens(g)
    ranked = assistant.runtime.predict([sample(g, t, stream) for t in script_targets(g)], k=3)
    classes = set(assistant.runtime.classes)
    assert all(label in classes for row in ranked for label, _ in row)
    assert all(abs(sum(p for _, p in row) - 1) <= 1.0 for row in ranked)
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL, copy)
    assert ScriptAssistant(copy).runtime.classes == assistant.runtime.classes
