"""Property tests: random mutations of real files never crash the builder, and the
static engine gives the same answers whatever order its questions come in."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typelens.analyzer import EdgeKind, ProjectIndex, ScopeKind, build_graph, source_from_bytes
from typelens.typeinfer.callables import signature
from typelens.typeinfer.engine import TypeEngine
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.types import render

from .conftest import DATA, ROOT

CORPUS = [p.read_bytes() for p in sorted((ROOT / "analyzer").glob("*.py"))[:8]] + [
    p.read_bytes() for p in sorted((ROOT / "examples").rglob("*.py"))
]
TOKENS = [
    b"(",
    b")",
    b":",
    b"\n",
    b"    ",
    b"def ",
    b"class ",
    b"lambda",
    b"=",
    b"'",
    b'"""',
    b"\\",
    b"\x00",
    b"\xff",
    b"match ",
    b"case ",
    b"async ",
    b"await ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"*",
    b":=",
]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.sampled_from(TOKENS)) if draw(st.booleans()) else draw(st.binary(max_size=8))
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_never_crash(data: bytes) -> None:
    g = build_graph(source_from_bytes(data, "mutated.py"))
    n = len(g)
    for kind, src, dst in g.iter_edges():
        assert 0 <= src < n and 0 <= dst < n, kind
    for sym in g.symbols:
        assert all(0 <= d < n for d in sym.definitions + sym.uses)
    for scope in g.scopes:
        assert scope.kind.value == "module" or scope.parent >= 0
    # Every non-synthetic node lies inside its parent's span.
    for node in range(1, n):
        parent = g.parents[node]
        if parent >= 0:
            assert g.start_bytes[parent] <= g.start_bytes[node] <= g.end_bytes[node] <= g.end_bytes[parent]
    assert g.edges(EdgeKind.CFG_NEXT)


# -- static answers do not depend on the order of the questions ---------------------------
STDLIB = Path(sysconfig.get_paths()["stdlib"])
_SHOP = sorted((ROOT / "examples" / "shop").rglob("*.py"))
ORDER_CASES = (
    [(ROOT / "examples" / "shop", tuple(_SHOP), p) for p in _SHOP]
    + [(ROOT / "examples", (ROOT / "examples" / "graph_api.py",), ROOT / "examples" / "graph_api.py")]
    + [(DATA / "infer", (p,), p) for p in sorted((DATA / "infer").glob("*.py"))]
    + [
        (STDLIB, (STDLIB / m,), STDLIB / m)
        for m in (
            "textwrap.py",
            "shlex.py",
            "heapq.py",
            "json/decoder.py",
            "email/_header_value_parser.py",
            "unittest/case.py",  # parameters typed through each other's uses: cycles with two fixpoints
        )
    ]
)
_QUESTION_KINDS = frozenset({"name_load", "call", "attribute", "binary_operator", "subscript"})
_IN_ORDER: dict[Path, dict] = {}
_INDEXES: dict[Path, ProjectIndex] = {}  # graphs are read-only: engines may share them


def _questions(engine: TypeEngine, path: str) -> list[tuple[str, int]]:
    """Every return, parameter, symbol, and every name, call, attribute, operator and
    subscript expression of the file."""
    g = engine.graph(path)
    found: list[tuple[str, int]] = []
    for scope in g.scopes:
        if scope.kind is ScopeKind.FUNCTION and g.kinds[scope.node] == "function_definition":
            found.append(("return", scope.node))
            found.extend(("param", p.node) for p in signature(g, scope.node))
    found.extend(("symbol", sym.id) for sym in g.symbols if sym.scope >= 0 and sym.definitions)
    found.extend(("expr", n) for n, kind in enumerate(g.kinds) if kind in _QUESTION_KINDS)
    return found


def _answers(root: Path, files: tuple[Path, ...], path: Path, order=None) -> tuple[dict, TypeEngine]:
    session = AnalysisSession(index=_INDEXES.setdefault(root, ProjectIndex(root)))
    session.build_project(list(files))
    engine = session.engine(share_library=False)  # every answer worked out afresh
    where = str(path.resolve())
    ask = {
        "return": engine.return_type,
        "param": engine.parameter_type,
        "symbol": engine.symbol_type,
        "expr": engine.exprs.type_of,
    }
    questions = _questions(engine, where) if order is None else order
    return {q: render(ask[q[0]](where, q[1])) for q in questions}, engine


def _in_order(root: Path, files: tuple[Path, ...], path: Path) -> dict:
    if path not in _IN_ORDER:
        answers, engine = _answers(root, files, path)
        assert engine.unconverged == 0 and engine.cut_cycles == 0
        _IN_ORDER[path] = answers
    return _IN_ORDER[path]


@pytest.mark.parametrize("root,files,path", ORDER_CASES, ids=[c[2].name for c in ORDER_CASES])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_static_answers_do_not_depend_on_the_order_of_questions(
    root: Path, files: tuple[Path, ...], path: Path, seed: int
) -> None:
    expected = _in_order(root, files, path)
    order = list(expected)
    random.Random(seed).shuffle(order)
    got, engine = _answers(root, files, path, order)
    differences = [(q, expected[q], got[q]) for q in expected if expected[q] != got[q]]
    assert not differences, differences[:5]
    assert engine.unconverged == 0 and engine.cut_cycles == 0
