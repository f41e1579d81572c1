"""Bad input never crashes or hangs: each case gives diagnostics and a partial graph."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typelens.analyzer import (
    Document,
    EdgeKind,
    GraphConfig,
    build_graph,
    build_graph_safely,
    source_from_bytes,
    source_from_path,
)


def codes(graph) -> list[str]:
    return [d.code for d in graph.diagnostics]


def test_syntax_error_keeps_the_rest_of_the_file() -> None:
    src = "def good(a):\n    return a\n\ndef bad(:\n    pass\n\nclass Fine:\n    x = good(1)\n"
    g = build_graph(src)
    assert g.has_syntax_errors()
    assert {s.qualname for s in g.scopes} >= {"good", "Fine"}
    diag = next(d for d in g.diagnostics if d.code in ("syntax-error", "missing-token"))
    assert diag.span.start_row == 3  # 0-based row of `def bad(:`
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
    assert g.edges(EdgeKind.CFG_NEXT)  # entry -> exit


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


def test_5000_deep_statement_nesting_is_cut_at_cpythons_limit() -> None:
    # CPython itself stops at 100 indentation levels; deeper lines are left out.
    depth = 5000
    lines = [" " * i + "if x:" for i in range(depth)] + [" " * depth + "y = 1"]
    g = build_graph("x = 1\n" + "\n".join(lines) + "\n")
    deep = next(d for d in g.diagnostics if d.code == "parser-limit")
    assert deep.span.start_row == 102 and "4900 logical line(s)" in deep.message
    assert g.kinds[0] == "module" and len(g.nodes_of_kind("if_statement")) == 101
    assert g.find_symbol("y") is None and g.find_symbol("x").uses


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
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.integers(min_value=0),
            st.sampled_from(
                [
                    "x",
                    "def f(a):\n",
                    "    return a\n",
                    "(",
                    ")",
                    "\x00",
                    "é",
                    "\U0001f600",
                    "\ud800",
                    "'",
                    "\n",
                    "  ",
                    "#",
                ]
            ),
        ),
        max_size=40,
    )
)
def test_edited_documents_equal_documents_opened_whole(edits) -> None:
    """After any edits (NUL bytes and lone surrogates among them), the buffer, its
    bytes and its tree are those of the same text opened whole."""
    doc = Document.from_text("class A:\n    x = 1\n")
    client = doc.source.data  # the editor's copy of the bytes
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


def test_streamed_graph_json_is_byte_for_byte_json_dumps(tmp_path) -> None:
    from typelens.analyzer import ProjectIndex, build_project_graph, graph_to_dict
    from typelens.analyzer.export import iter_graph_json

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .m import f\n")
    (tmp_path / "pkg" / "m.py").write_bytes('def f(é, b="\\"q\\\\"):\n    return é\nx = f(1) +\n'.encode())
    pg = build_project_graph(ProjectIndex(tmp_path))
    for kinds in (list(EdgeKind), [EdgeKind.DFG, EdgeKind.CALL]):
        for batch in (1, 3, 4096):
            assert "".join(iter_graph_json(pg, kinds, batch=batch)) == json.dumps(
                graph_to_dict(pg, kinds), ensure_ascii=False
            )


# -- the parser guard -------------------------------------------------------------------------
def _in_a_child(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter: a parser crash must not take pytest down."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_blocks_511_deep_around_a_string_do_not_crash_the_parser() -> None:
    run = _in_a_child(
        "from typelens.analyzer import build_graph\n"
        "src = ''.join(' ' * i + 'if x:\\n' for i in range(600)) + ' ' * 600 + \"'s'\\n\" + 'y = 1\\n'\n"
        "g = build_graph(src)\n"
        "print(sorted({d.code for d in g.diagnostics}), len(g.nodes_of_kind('if_statement')), bool(g.find_symbol('y')))"
    )
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.split() == ["['nesting-too-deep',", "'parser-limit']", "101", "True"]


def test_the_guard_leaves_ordinary_and_valid_deep_files_alone() -> None:
    from typelens.analyzer.parse_guard import guard_input

    for path in Path(__file__).parent.parent.joinpath("analyzer").glob("*.py"):
        data = path.read_bytes()
        assert guard_input(data).data is data
    valid = "".join("    " * i + f"if x{i}:\n" for i in range(99)) + "    " * 99 + "'s'\n"
    assert not guard_input(valid.encode()).is_changed  # CPython takes 99 levels; so do we


def test_indentation_widths_past_16_bits_are_flattened() -> None:
    from typelens.analyzer.parse_guard import guard_input, is_safe

    data = b"".join(b"\t" * 8192 + b"if x:\n" for _ in range(10)) + b"'s'\n"
    guard = guard_input(data)
    assert not is_safe(data) and guard.flattened and is_safe(guard.data) and len(guard.data) == len(data)


def test_thousands_of_empty_continuation_lines_are_left_out() -> None:
    g = build_graph(source_from_bytes(b"x = 1\n" + b"    \\\n" * 20_000 + b"y = x\n"))
    assert [d.code for d in g.diagnostics] == ["parser-limit"]
    assert g.diagnostics[0].span.start_row == 1
    assert g.find_symbol("x").uses and g.find_symbol("y")


def test_a_guarded_tree_is_not_reused_by_an_incremental_parse() -> None:
    from typelens.analyzer.parsing import parse_bytes

    deep = ("".join(" " * i + "if x:\n" for i in range(300)) + "z = 1\n").encode()
    fixed = b"y = 2\n" + b" " * (len(deep) - 12) + b"\nz = 1\n"
    old = parse_bytes(deep)
    assert str(parse_bytes(fixed, old).root_node) == str(parse_bytes(fixed).root_node)


def test_statement_nesting_is_built_without_recursion() -> None:
    run = _in_a_child(
        "import sys\n"
        "from typelens.analyzer import build_graph, GraphConfig, EdgeKind\n"
        "src = ''.join(' ' * i + ('for a in b:\\n' if i % 2 else 'while c:\\n') for i in range(250)) + ' ' * 250 + 'y = 1\\n'\n"
        "sys.setrecursionlimit(200)\n"
        "g = build_graph(src, config=GraphConfig(max_statement_depth=500))\n"
        "print(len(g.edges(EdgeKind.CFG_LOOP_BACK)), [d.code for d in g.diagnostics])"
    )
    assert run.returncode == 0, run.stderr[-500:]
    assert run.stdout.split() == ["250", "[]"]


def test_a_chain_of_10000_subclasses_resolves_every_constructor() -> None:
    src = "class C0:\n    def __init__(self): pass\n" + "".join(
        f"class C{i}(C{i - 1}):\n    pass\nC{i}()\n" for i in range(1, 10_000)
    )
    g = build_graph(src)
    init = g.parents[next(n for n in g.nodes_of_kind("name_store") if g.names[n] == "__init__")]
    calls = [n for n in g.nodes_of_kind("call")]
    assert len(calls) == 9_999 and all(g.successors(c, EdgeKind.CALL) == [init] for c in calls)


def test_a_slice_follows_a_call_chain_deeper_than_the_recursion_limit() -> None:
    from typelens.analyzer import slice_of

    n = 1_500
    src = (
        "".join(f"def f{i}(a{i}):\n    return f{i + 1}(a{i})\n" for i in range(n))
        + f"def f{n}(a):\n    return a\nv = f0(1)\n"
    )
    g = build_graph(src)
    items = slice_of(g, g.find_symbol("a0", "f0"), depth=n + 5, max_items=10_000)
    assert {it.text for it in items if it.role == "param"} == {f"a{i}" for i in range(1, n)} | {"a"}


# -- reading files ----------------------------------------------------------------------------
@pytest.mark.parametrize("cookie", ["hex", "rot13", "utf-16", "idna", "punycode", "undefined", "klingon"])
def test_an_unusable_coding_cookie_is_read_as_utf8_with_a_diagnostic(cookie: str) -> None:
    src = source_from_bytes(f"# coding: {cookie}\nx = 'é'\n".encode())
    assert src.encoding == "utf-8" and src.text.endswith("x = 'é'\n")
    assert [d.code for d in src.diagnostics] == ["decode-error"] and "read as UTF-8" in src.diagnostics[0].message


def test_only_regular_files_are_read(tmp_path) -> None:
    import os
    from typelens.analyzer import InputError

    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "loop.py").symlink_to("loop.py")
    expected = {
        "fifo.py": "is a FIFO",
        "zero.py": "is a character device",
        "loop.py": "symbolic links",
        ".": "is a directory",
    }
    for name, reason in expected.items():
        with pytest.raises(InputError, match=reason):
            source_from_path(tmp_path / name)  # a FIFO would block, /dev/zero never end
    assert codes(build_graph_safely(tmp_path / "fifo.py")) == ["unreadable-file"]
    with pytest.raises(InputError, match="Input/output error"):
        source_from_path("/proc/self/mem")  # a regular file even root cannot read


def test_a_folder_walk_lists_regular_files_and_says_why_it_left_others_out(tmp_path) -> None:
    import os
    from typelens.analyzer import iter_python_files

    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "inside.py").symlink_to("a.py")
    (tmp_path / "outside.py").symlink_to(Path(__file__))
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    os.mkfifo(tmp_path / "fifo.py")
    skipped = []
    assert iter_python_files(tmp_path, skipped=skipped) == [tmp_path / "a.py", tmp_path / "inside.py"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert reasons["dangling.py"] == "is a dangling symbolic link" and reasons["fifo.py"] == "is a FIFO"
    assert reasons["outside.py"].endswith("outside the analysed folder")
    assert tmp_path / "outside.py" in iter_python_files(tmp_path, follow_symlinks=True, skipped=[])


# -- model folders --------------------------------------------------------------------------
@pytest.fixture
def model_copy(tmp_path) -> Path:
    from typelens.typeinfer.hybrid import DEFAULT_MODEL

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        (folder / name).write_bytes((Path(DEFAULT_MODEL) / name).read_bytes())
    return folder


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("dim", "64", "'dim' is '64'"),
        ("hidden", 10**9, "from 1 to 65536"),
        ("classes", "int", "'classes'"),
        ("encoder", [1], "'encoder' must be an object"),
        ("temperature", -1, "'temperature'"),
        ("layers", True, "'layers'"),
    ],
)
def test_a_config_of_wrong_types_is_one_model_error(model_copy: Path, key: str, value, says: str) -> None:
    from typelens.analyzer import ModelError
    from typelens.typeinfer.neural.store import read_config

    config = json.loads((model_copy / "config.json").read_text())
    read_config(model_copy)
    config[key] = value
    (model_copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=re.escape(says)):
        read_config(model_copy)


@pytest.mark.parametrize("damage", ["truncated", "header", "offsets", "empty"])
def test_damaged_weights_are_refused(model_copy: Path, damage: str) -> None:
    import struct
    from typelens.analyzer import ModelError
    from typelens.typeinfer.neural.store import check_safetensors

    weights = model_copy / "model.safetensors"
    data = weights.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "header":
        data = data[:8] + b"{" * length + data[8 + length :]
    elif damage == "offsets":
        name = next(k for k in header if k != "__metadata__")
        header[name]["data_offsets"][1] += 4
        text = json.dumps(header).encode()
        data = struct.pack("<Q", len(text)) + text + data[8 + length :]
    else:
        data = b""
    weights.write_bytes(data)
    with pytest.raises(ModelError, match="damaged weights"):
        check_safetensors(weights)
