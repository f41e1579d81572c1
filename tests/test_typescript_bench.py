"""``bench/annot_recovery_ts.py`` on a local package (no npm, no tsc): stripping
cuts exactly the annotations it records, the stripped code still parses, and the
scores count every fact (no answer is a miss) with user-defined types apart."""

from __future__ import annotations

import json
from pathlib import Path

from typelens.analyzer.typescript import build_script_graph

from .conftest import load_bench_script

CODE = """\
export interface Point { x: number; y: number }

export function norm(p: Point): number {
  return Math.sqrt(p.x * p.x + p.y * p.y);
}

export function label(name: string, times = 2): string {
  return (name + "").repeat(times);
}

export const is = (v: unknown): v is Point => typeof v === "object";
"""


def _bench():
    return load_bench_script("annot_recovery_ts")


def test_strip_score_and_report(tmp_path: Path, capsys) -> None:
    bench = _bench()
    package = tmp_path / "pkg"
    (package / "src").mkdir(parents=True)
    (package / "src" / "geo.ts").write_text(CODE)
    from typelens.analyzer.typescript.project import ScriptIndex
    from typelens.typeinfer.typescript.engine import ScriptEngine
    from typelens.typeinfer.typescript.session import library_for

    canon = bench.Canon(ScriptEngine(ScriptIndex(tmp_path), library_for(tmp_path)))
    work = tmp_path / "work"
    facts = bench.strip("pkg", package, work, canon)
    assert {(f.name, f.kind, f.truth, f.user_defined) for f in facts} == {
        ("norm", "return", "number", False),
        ("p", "parameter", "Point", True),
        ("label", "return", "string", False),
        ("name", "parameter", "string", False),
        ("v", "parameter", "unknown", False),
    }
    stripped = (work / "src" / "geo.ts").read_text()
    assert "export function norm(p) {" in stripped and "(v): v is Point =>" in stripped
    assert not build_script_graph(stripped, "geo.ts").has_syntax_errors()
    bench.locate(work, facts)
    assert all(f.query >= 0 for f in facts)
    assert {(f.name, f.line) for f in facts if f.kind == "parameter"} == {("p", 3), ("name", 7), ("v", 11)}
    answers, _ = bench.run_typelens(work, "static")
    table = bench.score(facts, bench.typelens_answers(facts, answers), canon)
    assert table[("return", "all")] == [2, 2, 2]  # both returns recovered exactly
    assert table[("parameter", "all")][0] == 3 and table[("parameter", "user-defined")][0] == 1
    bench.report([("typelens (static)", table, 1.0)], 3)
    assert "user-defined" in capsys.readouterr().out
    bench.dump(tmp_path / "facts.jsonl", facts, {"static": bench.typelens_answers(facts, answers)}, canon)
    rows = [json.loads(line) for line in (tmp_path / "facts.jsonl").read_text().splitlines()]
    assert {(r["name"], r["line"], r["truth"]) for r in rows if r["kind"] == "parameter"} == {
        ("p", 3, "Point"),
        ("name", 7, "string"),
        ("v", 11, "unknown"),
    }
