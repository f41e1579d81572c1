"""Script graphs: data files ``tests/data/typescript/graphs/*.ts|*.js`` carry
``// expect:``, ``// symbol:`` and ``// scope:`` comments (the descriptors of
``graph_expectations``), test ids are ``file:line``, and a golden edge listing
beside each file pins the whole graph (``pytest --update-golden``).  Then the
parser's dialects, syntax errors, the incremental document, and the ``graph``
command on scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typelens.analyzer import EdgeKind, ScopeKind, SymbolKind, source_from_path
from typelens.analyzer.typescript import ScriptDocument, build_script_graph, dialect_of, is_declaration_file

from .conftest import DATA, check_golden
from .test_cli_graph import typelens
from .graph_expectations import EXPECT, SCOPE, SYMBOL, Expectation, check
from .test_graph_constructs import describe

CASES = sorted(p for p in (DATA / "typescript" / "graphs").iterdir() if p.suffix in (".ts", ".js", ".tsx"))


def script_expectations(path: Path) -> list[Expectation]:
    """The ``// expect:`` comments of a script, in the ``# expect:`` form the checker reads."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = "#" + line.strip()[2:] if line.strip().startswith("//") else ""
        if EXPECT.match(text) or SYMBOL.match(text) or SCOPE.match(text):
            found.append(Expectation(number, text))
    return found


PARAMS = [pytest.param(path, exp, id=f"{path.name}:{exp.line}") for path in CASES for exp in script_expectations(path)]
_GRAPHS: dict[Path, object] = {}


def graph_of(path: Path):
    if path not in _GRAPHS:
        _GRAPHS[path] = build_script_graph(source_from_path(path))
    return _GRAPHS[path]


@pytest.mark.parametrize("path,exp", PARAMS)
def test_expectation(path: Path, exp) -> None:
    check(graph_of(path), exp)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_golden_edges(path: Path, update_golden: bool) -> None:
    check_golden(path.with_suffix(path.suffix + ".edges"), describe(graph_of(path)), update_golden)


def test_every_case_checks_something() -> None:
    assert len(CASES) >= 6
    for path in CASES:
        assert script_expectations(path), f"{path.name} checks nothing"


def test_dialects_by_suffix() -> None:
    assert [dialect_of(f"a{s}") for s in (".ts", ".mts", ".cts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py")] == [
        "typescript"
    ] * 3 + ["tsx"] + ["javascript"] * 4 + [None]
    assert is_declaration_file("types/index.d.ts") and not is_declaration_file("index.ts")


def test_jsx_and_tsx_parse_without_errors() -> None:
    tsx = build_script_graph("const A = (p: {n: number}) => <div title={p.n}>{p.n}</div>;\n", "a.tsx")
    jsx = build_script_graph("const A = (p) => <div>{p.n}</div>;\n", "a.jsx")
    assert not tsx.diagnostics and not jsx.diagnostics
    assert tsx.dialect == "tsx" and jsx.dialect == "javascript"
    assert [jsx.names[n] for n in jsx.nodes_of_kind("parameter")] == ["p"]


def test_typescript_syntax_in_a_js_file_is_an_error_not_a_crash() -> None:
    g = build_script_graph("function f(x: number) { return x }\n", "a.js")
    assert g.has_syntax_errors()
    assert g.kinds[0] == "program"


def test_shared_kinds_with_python() -> None:
    g = build_script_graph("function f(a) { return a.b(a) }\nf(1);\n", "a.js")
    assert {"parameter", "name_load", "attribute", "call", "return_statement", "entry", "exit"} <= set(g.kinds)
    assert {EdgeKind.CALL, EdgeKind.RETURN, EdgeKind.DFG, EdgeKind.CFG_NEXT, EdgeKind.CFG_RETURN} <= set(g.edge_kinds())
    assert {s.kind for s in g.scopes} == {ScopeKind.MODULE, ScopeKind.FUNCTION}


def test_signatures_declare_no_variables() -> None:
    g = build_script_graph("type F = (x: number) => string;\ndeclare function h(y: string): void;\nx;\n", "a.ts")
    assert not g.nodes_of_kind("parameter")
    x = g.find_symbol("h", "")
    assert x is not None and x.kind is SymbolKind.FUNCTION


def test_deep_nesting_is_reported_not_a_crash() -> None:
    code = "function f(x) {\n" + "if (x) {\n" * 300 + "x;\n" + "}\n" * 300 + "}\n"
    g = build_script_graph(code, "deep.js")
    assert "nesting-too-deep" in {d.code for d in g.diagnostics}


def test_empty_and_binary_files() -> None:
    assert build_script_graph("", "e.ts").kinds[0] == "program"
    g = build_script_graph(b"\x00\x01\x02" * 1000, "bin.js")
    assert g.source.is_binary and "binary-file" in {d.code for d in g.diagnostics}


def test_incremental_document_matches_a_fresh_parse() -> None:
    doc = ScriptDocument.from_text("const a = 1;\nconst b = a;\n", "m.ts")
    changed = doc.apply_edit(10, 11, "22")
    assert doc.text == "const a = 22;\nconst b = a;\n" and isinstance(changed, list)
    fresh = build_script_graph(doc.text, "m.ts")
    again = build_script_graph(doc.source, "m.ts", tree=doc.tree)
    assert again.kinds == fresh.kinds and again.edges(EdgeKind.DFG) == fresh.edges(EdgeKind.DFG)
    with pytest.raises(ValueError, match="outside the document"):
        doc.apply_edit(5, 500, "x")


def test_graph_command_on_a_script_and_a_project() -> None:
    project = DATA / "typescript" / "project"
    one = typelens("graph", str(project / "src" / "legacy.js"), "--format", "json")
    assert one.returncode == 0, one.stderr
    doc = json.loads(one.stdout)
    assert doc["files"][0]["path"] == "legacy.js"
    assert any(n["kind"] == "parameter" for n in doc["nodes"])
    text = typelens("graph", str(project), "--format", "text")
    assert text.returncode == 0, text.stderr
    assert "src/app.ts" in text.stdout and "call (cross-file)" in text.stdout


def test_analyze_reports_script_syntax_and_unresolved_imports(tmp_path: Path) -> None:
    (tmp_path / "bad.ts").write_text('import { x } from "./missing";\nconst y = ;\nexport const z = x;\n')
    (tmp_path / "good.mjs").write_text('import { z } from "./bad.ts";\nexport default z;\n')
    run = typelens("analyze", str(tmp_path), "--format", "json")
    assert run.returncode == 1, run.stderr
    found = {(Path(d["file"]).name, d["code"]) for d in json.loads(run.stdout)["diagnostics"]}
    assert found == {("bad.ts", "unresolved-import"), ("bad.ts", "syntax-error")}


@pytest.mark.parametrize(
    "module",
    [
        "typelens.analyzer.typescript",
        "typelens.analyzer.typescript.parsing",
        "typelens.analyzer.typescript.syntax",
        "typelens.analyzer.typescript.builder",
        "typelens.typeinfer.typescript",
        "typelens.typeinfer.typescript.types",
        "typelens.typeinfer.typescript.apply_rounds",
    ],
)
def test_module_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed
