"""Reaching definitions in a region whose every definition is made by one
statement that nothing precedes (``analyzer.dataflow``): answered by reachability
from that statement instead of a state per block, with the very edges, in the
very order, that the general worklist gives."""

from __future__ import annotations

import pytest

from typelens.analyzer import EdgeKind, build_graph
from typelens.analyzer import dataflow

# each test swaps DataflowBuilder._one_source_states, which the compiled builder calls directly
pytestmark = pytest.mark.pure_only(reason="patches DataflowBuilder._one_source_states")

CASES = {  # functions that define nothing but their parameters: each takes the short way
    "parameters": "def f(a, b=1):\n    return a + b\n",
    "loop": "def f(a):\n    while a:\n        print(a)\n    return a\n",
    "after_return": "def f(a):\n    return a\n    print(a)\n",
    "after_raise": "def f(a):\n    if a:\n        raise E(a)\n    print(a)\n",
    "handler": "def f(a):\n    try:\n        g(a)\n    except E:\n        print(a)\n    finally:\n        print(a)\n",
    "handler_first": "def f(a):\n    try:\n        pass\n    except E:\n        print(a)\n    else:\n        h(a)\n",
    "paths": "def f(self):\n    print(self.x.y)\n    return self.x\n",
    "nested": "def f(a):\n    print(lambda b: a + b)\n    return [a for _ in a]\n",
    "break": "def f(a):\n    while a:\n        if a:\n            break\n        continue\n    else:\n        return a\n    return a\n",
    "with": "async def f(a, *b, **c):\n    async with a:\n        await g(b, c)\n    yield a\n",
    "match": "def f(a):\n    match a:\n        case 1:\n            return a\n    print(a)\n",
}


def _dfg(source: str) -> list[tuple[int, int]]:
    return build_graph(source.encode()).edges(EdgeKind.DFG)


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_source_regions_get_the_general_worklists_edges(name: str, monkeypatch) -> None:
    taken: list[bool] = []
    states = dataflow.DataflowBuilder._one_source_states

    def counted(*args):
        found = states(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(dataflow.DataflowBuilder, "_one_source_states", staticmethod(counted))
    fast = _dfg(CASES[name])
    assert True in taken  # the function's region went the short way
    monkeypatch.setattr(dataflow.DataflowBuilder, "_one_source_states", staticmethod(lambda *args: None))
    assert fast == _dfg(CASES[name])
    assert fast  # a parameter reaches a read


def test_a_region_with_definitions_after_its_entry_takes_the_worklist(monkeypatch) -> None:
    found: list[object] = []
    states = dataflow.DataflowBuilder._one_source_states
    monkeypatch.setattr(
        dataflow.DataflowBuilder, "_one_source_states", staticmethod(lambda *a: found.append(states(*a)) or found[-1])
    )
    g = build_graph(b"def f(a):\n    a = a + 1\n    return a\n")
    assert found and all(states_found is None for states_found in found)  # two statements define `a`
    shown = sorted((g.kinds[s], g.start_bytes[r]) for s, r in g.edges(EdgeKind.DFG))
    # `a + 1` (byte 18) reads the parameter, `return a` (byte 35) only the rebinding
    assert shown == [("name_store", 35), ("parameter", 18)]
