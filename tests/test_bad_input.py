"""Bad input never crashes or hangs: each case gives diagnostics and a partial graph."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typelens.analyzer import (
    Document, EdgeKind, GraphConfig, build_graph, build_graph_safely, source_from_bytes, source_from_path,
)


def codes(graph) -> list[str]:
    return [d.code for d in graph.diagnostics]


def test_syntax_error_keeps_the_rest_of_the_file() -> None:
    src = "def good(a):\n    return a\n\ndef bad(:\n    pass\n\nclass Fine:\n    x = good(1)\n"
    g = build_graph(src)
    assert g.has_syntax_errors()
    assert {s.qualname for s in g.scopes} >= {"good", "Fine"}
    diag = next(d for d in g.diagnostics if d.code in ("syntax-error", "missing-token"))
    assert diag.span.start_row == 3   # 0-based row of `def bad(:`
    call = next(n for n in g.nodes_of_kind("call") if g.text(n) == "good(1)")
    assert g.successors(call, EdgeKind.CALL)


def test_error_subtree_is_left_out() -> None:
    g = build_graph("x = 1\ny = = 2\nprint(x)\n")
    errors = g.nodes_of_kind("ERROR")
    assert errors and "syntax-error" in codes(g)
    for node in errors:
        assert not g.children(node)
    assert g.find_symbol("x").uses


def test_missing_token_is_reported_with_position() -> None:
    g = build_graph("print((1, 2)\n")
    assert any(d.code in ("missing-token", "syntax-error") for d in g.diagnostics)


def test_binary_file_is_skipped(tmp_path) -> None:
    path = tmp_path / "blob.py"
    path.write_bytes(bytes(range(256)) * 64)
    g = build_graph_safely(path)
    assert codes(g) == ["binary-file"]
    assert g.kinds == ["module", "entry", "exit"]


def test_non_utf8_is_decoded_with_replacement() -> None:
    src = source_from_bytes(b"name = '\xff\xfe caf\xe9'\nprint(name)\n", "latin.py")
    assert [d.code for d in src.diagnostics] == ["decode-error"]
    g = build_graph(src)
    assert g.find_symbol("name").uses


def test_coding_cookie_is_honoured() -> None:
    raw = "# -*- coding: latin-1 -*-\ns = 'café'\n".encode("latin-1")
    src = source_from_bytes(raw)
    assert src.diagnostics == () and "café" in src.text


def test_bom_is_stripped() -> None:
    src = source_from_bytes(b"\xef\xbb\xbfx = 1\n")
    assert src.text == "x = 1\n"


def test_nul_bytes_become_spaces() -> None:
    g = build_graph(source_from_bytes(b"x = 1\x00\ny = x\n"))
    assert "nul-byte" in codes(g)
    assert g.find_symbol("x").uses


def test_empty_file() -> None:
    g = build_graph("")
    assert g.kinds[0] == "module" and g.diagnostics == ()
    assert g.edges(EdgeKind.CFG_NEXT)   # entry -> exit


def test_unreadable_path_gives_a_diagnostic(tmp_path) -> None:
    g = build_graph_safely(tmp_path / "missing.py")
    assert codes(g) == ["unreadable-file"]


def test_huge_file_is_truncated_with_a_diagnostic(tmp_path) -> None:
    path = tmp_path / "huge.py"
    path.write_text("".join(f"value_{i} = compute({i}) + other\n" for i in range(330_000)))
    assert path.stat().st_size > 10 * 1024 * 1024
    config = GraphConfig(max_bytes=1024 * 1024)
    started = time.perf_counter()
    g = build_graph_safely(path, config=config)
    assert time.perf_counter() - started < 60
    assert codes(g) == ["file-too-large"]
    assert "10" in g.diagnostics[0].message or "1048" in g.diagnostics[0].message
    assert len(g.source.data) <= config.max_bytes and g.source.data.endswith(b"\n")
    assert not g.has_syntax_errors()


def test_deep_expression_nesting_has_no_recursion_error() -> None:
    depth = 5000
    g = build_graph("x = " + "(" * depth + "1" + ")" * depth + "\nprint(x)\n")
    assert g.find_symbol("x").uses


def test_deep_list_nesting() -> None:
    g = build_graph("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(g) > 5000


def test_5000_deep_statement_nesting_is_a_syntax_error_not_a_crash() -> None:
    # CPython itself stops at 100 indentation levels; tree-sitter reports an error.
    depth = 5000
    lines = [" " * i + "if x:" for i in range(depth)] + [" " * depth + "y = 1"]
    g = build_graph("x = 1\n" + "\n".join(lines) + "\n")
    assert g.has_syntax_errors()
    assert g.kinds[0] == "module"


def test_statement_nesting_past_the_limit_is_reported() -> None:
    depth = 150
    lines = [" " * i + "if x:" for i in range(depth)] + [" " * depth + "y = x"]
    g = build_graph("x = 1\n" + "\n".join(lines) + "\n", config=GraphConfig(max_statement_depth=50))
    assert "nesting-too-deep" in codes(g)
    assert not g.has_syntax_errors()
    assert g.find_symbol("x").uses


def test_deep_function_nesting_keeps_every_scope() -> None:
    depth = 90
    lines = [" " * i + f"def f{i}():" for i in range(depth)] + [" " * depth + "return 1"]
    g = build_graph("\n".join(lines) + "\n", config=GraphConfig(max_statement_depth=20))
    assert len([s for s in g.scopes if s.kind.value == "function"]) == depth


@pytest.mark.parametrize("text", ["\x00" * 100, "\n" * 10000, "    " * 1000, "(" * 1000, "'''" * 7, "\\\n" * 50])
def test_odd_inputs_do_not_crash(text: str) -> None:
    build_graph(source_from_bytes(text.encode()))


def test_incremental_reparse_matches_full_parse() -> None:
    doc = Document.from_text("def f(a):\n    return a\n")
    at = doc.text.index("return a") + len("return a")
    doc.apply_edit(at, at, " + 1")
    assert doc.text == "def f(a):\n    return a + 1\n"
    incremental = build_graph(doc.source, tree=doc.tree)
    full = build_graph(doc.text)
    assert incremental.kinds == full.kinds
    assert incremental.edges(EdgeKind.DFG) == full.edges(EdgeKind.DFG)


def test_incremental_edit_reports_changed_ranges() -> None:
    doc = Document.from_text("x = 1\n")
    changed = doc.apply_edit(4, 5, "foo(2)")
    assert doc.text == "x = foo(2)\n"
    assert changed and changed[0][0] <= 4


def test_edit_outside_document_is_rejected() -> None:
    doc = Document.from_text("x = 1\n")
    with pytest.raises(ValueError, match="outside the document"):
        doc.apply_edit(3, 100, "")


def test_source_from_path_reads_real_file(tmp_path) -> None:
    path = tmp_path / "ok.py"
    path.write_text("é = 1\n", encoding="utf-8")
    assert source_from_path(path).text == "é = 1\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0), st.sampled_from(
    ["x", "def f(a):\n", "    return a\n", "(", ")", "\x00", "é", "\U0001F600", "\ud800", "'", "\n", "  ", "#"])),
    max_size=40))
def test_edited_documents_equal_documents_opened_whole(edits) -> None:
    """After any edits (NUL bytes and lone surrogates among them), the buffer, its
    bytes and its tree are those of the same text opened whole."""
    doc = Document.from_text("class A:\n    x = 1\n")
    client = doc.source.data            # the editor's copy of the bytes
    for a, b, text in edits:
        size = len(doc.source.data)
        start, end = sorted((a % (size + 1), b % (size + 1)))
        while not _at_char_boundary(doc.source.data, start):
            start -= 1
        while not _at_char_boundary(doc.source.data, end):
            end += 1
        doc.apply_edit(start, end, text)
        client = client[:start] + text.encode("utf-8", "surrogatepass") + client[end:]
    whole = Document.from_text(client.decode("utf-8", "surrogatepass"))
    assert doc.source.data == whole.source.data and doc.text == whole.text
    assert str(doc.tree.root_node) == str(whole.tree.root_node)


def test_a_tree_handed_out_is_not_moved_by_later_edits() -> None:
    doc = Document.from_text("x = 1\ny = 2\n")
    tree = doc.tree
    doc.apply_edit(0, 0, "# a comment\n")
    assert tree.root_node.children[0].start_byte == 0 and tree.root_node.end_byte == len("x = 1\ny = 2\n")


def _at_char_boundary(data: bytes, at: int) -> bool:
    return at >= len(data) or data[at] & 0xC0 != 0x80
