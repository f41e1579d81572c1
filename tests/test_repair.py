"""Error recovery while typing (``typelens.analyzer.repair``): a dangling
``expr.`` is read as ``expr`` so that the statement around it keeps its graph,
the dot is still reported, and valid code is never changed."""

from __future__ import annotations

import pytest

from typelens.analyzer import build_graph
from typelens.analyzer.parsing import parse_bytes
from typelens.analyzer.repair import is_repaired_dot, repair_dangling_dots, scope_at
from typelens.typeinfer.queries import expression_ending_at

TYPED = [
    b"def f(spec: str):\n    return spec.\n",
    b"import contextlib\n@contextlib.\ndef g():\n    pass\n",
    b"def f(spec: str):\n    print(spec.)\n",
    b"def f(spec: str):\n    xs = [spec., 1]\n",
    b"class C:\n    x: int\n    def m(self):\n        return [self.]\n",
]


@pytest.mark.parametrize("data", TYPED, ids=range(len(TYPED)))
def test_a_dangling_dot_reads_as_the_expression_before_it(data: bytes) -> None:
    dot = data.rindex(b".")
    g = build_graph(data)
    assert is_repaired_dot(g.diagnostics, dot)
    assert g.source.data == data  # the source's own bytes, spans unchanged
    node = expression_ending_at(g, dot)
    assert node is not None and g.text(node) in ("spec", "contextlib", "self")
    reported = [d for d in g.diagnostics if d.span.start_byte == dot]
    assert [d.code for d in reported] == ["missing-token"] and "after '.'" in reported[0].message


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1.\ny = (\n",  # a float, and an error elsewhere
        b"xs = (a.\n      b)\nz = (\n",  # a valid attribute split over lines
        b"s = 'a.'\nz = (\n",  # a dot in a string
        b"z = (\n# see x.\n",  # a dot in a comment
        b"from . import x\nfrom .. import (\n",
    ],
)
def test_valid_dots_are_left_alone(data: bytes) -> None:
    tree = parse_bytes(data)
    assert tree.root_node.has_error
    assert repair_dangling_dots(data, tree) is None


def test_valid_code_is_never_reparsed() -> None:
    data = b"xs = (a.\n      b)\n"
    assert repair_dangling_dots(data, parse_bytes(data)) is None
    g = build_graph(data)
    assert not g.diagnostics and "attribute" in g.kinds


@pytest.mark.parametrize(
    "data, reads",
    [
        (b"def f(x):\n    foo(x.\n    y = 2\n", b"foo(x)"),  # no editor closed the bracket
        (b"def f(x):\n    if x.\n        y = 2\n", b"if x:"),  # a header lacking its colon
        (b"def f(x):\n    for a in x.\n        y = 2\n", b"for a in x:"),
        (b"def g() -> t.\n    pass\n", b"def g() -> t:"),
        (b"def f(x):\n    foo(x.)\n", b"foo(x )"),  # the editor closed it
    ],
)
def test_a_dangling_dot_at_the_end_of_a_line_stands_in_for_what_is_missing(data: bytes, reads: bytes) -> None:
    tree, dots = repair_dangling_dots(data, parse_bytes(data))
    assert not tree.root_node.has_error and len(dots) == 1
    assert reads in tree.root_node.text


def test_the_scope_at_a_broken_statement_is_trusted_only_where_the_text_agrees() -> None:
    data = (
        b"class A:\n    def m(\n        self, x: int\n    ) -> None:\n        y = 1\n        print(self.\n"
        b"            x,\n        )\n        return y\n"
    )
    g = build_graph(data)
    scope = scope_at(g, data.index(b"self.\n") + 5)
    assert scope is not None and g.scopes[scope].name == "m"
    swallowed = b"def f(self):\n    if x:\n        y = [\n    z = self.\n"
    g = build_graph(swallowed)
    assert scope_at(g, len(swallowed) - 1) in (None, g.scope_named("f").id)
