"""Early cutoff's comparisons (``typeinfer/cutoff.py``): nodes of an edited file
matched across the edit, and answers written down so that the same answer
about moved nodes compares equal and a different one does not."""

from __future__ import annotations

from typelens.analyzer.builder import build_graph
from typelens.typeinfer.callsites import CallContext
from typelens.typeinfer.cutoff import NodeMap, fingerprint, same_node
from typelens.typeinfer.types import ClassType, FunctionRef

OLD = "def make():\n    return 1\n\n\ndef helper(x):\n    return x\n"
NEW = "def make():\n    value = 40 + 2\n    return value\n\n\ndef helper(x):\n    return x\n"


def _defs(g) -> dict[str, int]:
    return {g.text(g.child_by_field(n, "name")): n for n in g.nodes_of_kind("function_definition")}


def test_nodes_outside_the_edit_are_matched_and_nodes_inside_are_not() -> None:
    old, new = build_graph(OLD.encode(), "/p/base.py"), build_graph(NEW.encode(), "/p/base.py")
    nodes = NodeMap(old, new)
    before, after = _defs(old), _defs(new)
    assert after["helper"] != before["helper"]  # the edit moved it
    assert nodes.to_new[before["helper"]] == after["helper"]
    assert nodes.to_new[before["make"]] == after["make"]  # the def the edit is inside of
    returned = [n for n in old.nodes_of_kind("integer")]  # ``1``: replaced by the edit
    assert all(n not in nodes.to_new for n in returned)
    x_old, x_new = old.find_symbol("x", "helper"), new.find_symbol("x", "helper")
    assert x_old is not None and x_new is not None and nodes.symbol_to_new(x_old.id) == x_new.id
    value = new.find_symbol("value", "make")  # a symbol the edit added: no old one maps to it
    assert value is not None and value.id not in {nodes.symbol_to_new(s.id) for s in old.symbols}


def test_an_answer_about_moved_nodes_compares_equal_through_the_map() -> None:
    old, new = build_graph(OLD.encode(), "/p/base.py"), build_graph(NEW.encode(), "/p/base.py")
    nodes = NodeMap(old, new)
    helper_old, helper_new = _defs(old)["helper"], _defs(new)["helper"]
    make_new = _defs(new)["make"]

    def to_old(path: str, node: int) -> int | None:
        return nodes.to_old.get(node) if path == "/p/base.py" else node

    recorded = fingerprint(FunctionRef("/p/base.py", helper_old), same_node)
    assert fingerprint(FunctionRef("/p/base.py", helper_new), to_old) == recorded
    assert fingerprint(FunctionRef("/p/base.py", make_new), to_old) != recorded
    assert fingerprint(ClassType("int"), same_node) != fingerprint(ClassType("str"), same_node)
    assert fingerprint(ClassType("dict", (ClassType("str"), ClassType("int"))), same_node) is not None


def test_numbers_that_may_name_nodes_of_a_changed_file_are_not_compared() -> None:
    context = CallContext("/p/base.py", 5, 10, 20, ((6, ClassType("int")),), 1)
    assert fingerprint(context, same_node) is not None
    assert fingerprint(context, same_node, is_changed=lambda path: path == "/p/base.py") is None
    assert fingerprint((3, ClassType("int")), same_node, bare_numbers=False) is None
    assert fingerprint(object(), same_node) is None
