"""A runnable tour of the analyzer API (run by the test suite).

    python examples/graph_api.py
"""

from pathlib import Path

from typelens.analyzer import (
    Document, EdgeKind, ProjectIndex, build_graph, build_project_graph, slice_of, to_networkx,
)

SOURCE = """\
def price(item, rate=0.2):
    total = item.cost
    if rate:
        total = total * (1 + rate)
    return total

print(price(load()))
"""

graph = build_graph(SOURCE, "price.py")

# Typed nodes: identifiers carry their role.
params = [graph.names[n] for n in graph.nodes_of_kind("parameter")]
assert params == ["item", "rate"], params

# Data flow: both definitions of `total` reach the return.
total = graph.find_symbol("total", "price")
ret_use = total.uses[-1]
reaching = sorted(graph.names[d] + f"@{graph.span(d).start_row + 1}" for d in graph.predecessors(ret_use, EdgeKind.DFG))
assert reaching == ["total@2", "total@4"], reaching

# Control flow: the `if` has a true and a false successor.
branch = graph.nodes_of_kind("if_statement")[0]
assert graph.successors(branch, EdgeKind.CFG_TRUE) and graph.successors(branch, EdgeKind.CFG_FALSE)

# Calls: `price(...)` reaches the definition, which returns to the call site.
call = next(n for n in graph.nodes_of_kind("call") if graph.text(n).startswith("price("))
assert graph.kinds[graph.successors(call, EdgeKind.CALL)[0]] == "function_definition"

# Usage slice of `item`: its parameter, its use, and the argument callers pass.
print("slice of item:", [(s.role, s.text) for s in slice_of(graph, graph.find_symbol("item", "price"))])

# networkx export for anything else (`pip install typelens[graph]`).
nxg = to_networkx(graph, edges=[EdgeKind.DFG])
print("networkx:", nxg.number_of_nodes(), "nodes,", nxg.number_of_edges(), "dfg edges")

# The editor path: incremental re-parse after an edit.
doc = Document.from_text(SOURCE)
start = SOURCE.index("0.2")
changed = doc.apply_edit(start, start + 3, "0.25")
assert "rate=0.25" in doc.text and build_graph(doc.source, tree=doc.tree).find_symbol("rate", "price")
print("re-parsed; changed byte ranges:", changed)

# A whole project, with cross-file edges.
shop = Path(__file__).parent / "shop"
project = build_project_graph(ProjectIndex(shop))
print("shop:", len(project.files), "files,", len(project.cross_edges[EdgeKind.CALL]), "cross-file calls")
assert project.cross_edges[EdgeKind.CALL]
