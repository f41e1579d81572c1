"""Property test: random mutations of real files never crash the builder."""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typelens.analyzer import EdgeKind, build_graph, source_from_bytes

from .conftest import ROOT

CORPUS = [p.read_bytes() for p in sorted((ROOT / "analyzer").glob("*.py"))[:8]] + \
         [p.read_bytes() for p in sorted((ROOT / "examples").rglob("*.py"))]
TOKENS = [b"(", b")", b":", b"\n", b"    ", b"def ", b"class ", b"lambda", b"=", b"'", b'"""', b"\\",
          b"\x00", b"\xff", b"match ", b"case ", b"async ", b"await ", b"[", b"]", b"{", b"}", b"*", b":="]


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
            del data[at:at + draw(st.integers(1, 64))]
        else:
            data[at:at + len(chunk)] = chunk
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
