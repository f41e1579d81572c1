"""Data-driven checks of every graph construct: ``tests/data/graphs/*.py`` carry
``# expect:`` comments (see ``graph_expectations``); test ids are ``file:line``.
A golden edge listing next to each file pins the whole graph
(``pytest --update-golden`` rewrites it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from typelens.analyzer import build_graph, source_from_path

from .conftest import DATA, check_golden
from .graph_expectations import check, expectations

CASES = sorted((DATA / "graphs").glob("*.py"))
PARAMS = [pytest.param(path, exp, id=f"{path.name}:{exp.line}") for path in CASES for exp in expectations(path)]
_GRAPHS: dict[Path, object] = {}


def graph_of(path: Path):
    if path not in _GRAPHS:
        _GRAPHS[path] = build_graph(source_from_path(path))
    return _GRAPHS[path]


@pytest.mark.parametrize("path,exp", PARAMS)
def test_expectation(path: Path, exp) -> None:
    check(graph_of(path), exp)


def describe(g) -> str:
    """A stable, readable listing of every non-AST edge."""

    def label(n: int) -> str:
        kind = g.kinds[n]
        if kind in ("entry", "exit"):
            scope = g.scopes[g.scope_of[n]]
            return f"{kind}:{scope.qualname}"
        name = g.names.get(n, "")
        return f"{kind}{':' + name if name else ''}@{g.span(n).start_row + 1}:{g.span(n).start_col}"

    lines = sorted(f"{k.value} {label(a)} -> {label(b)}" for k, a, b in g.iter_edges() if k.value != "ast")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_golden_edges(path: Path, update_golden: bool) -> None:
    check_golden(path.with_suffix(".edges"), describe(graph_of(path)), update_golden)


def test_every_construct_file_has_expectations() -> None:
    for path in CASES:
        assert expectations(path), f"{path.name} checks nothing"


def test_attribute_stores_are_indexed_by_name_in_node_order() -> None:
    g = build_graph(
        "class C:\n    def f(self):\n        self.a = 1\n        C.b = 2\n\nobj.a = 3\nobj.a += 4\nx = obj.a\n"
    )
    stores = g.attribute_stores()
    assert sorted(stores) == ["a", "b"]
    assert [g.text(n) for n in stores["a"]] == ["self.a", "obj.a", "obj.a"]
    assert [g.text(n) for n in stores["b"]] == ["C.b"]
    assert all(g.kinds[n] == "attribute_store" for nodes in stores.values() for n in nodes)
    assert list(stores["a"]) == sorted(stores["a"])
    assert g.attribute_stores() is stores  # worked out once
