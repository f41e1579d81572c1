"""Statement-level recovery (``typelens.analyzer.recovery``): a definition being
typed is confined to itself, so the graph and the static answers of everything
after it are those of the finished file.

Each case breaks ``Service.target`` in ``data/recovery/service.py`` the way a user
mid-edit does; the definitions after it (``Service.after_method`` onward) must keep
their scopes, symbols and ``infer --mode static`` answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.analyzer import Document, build_graph
from typelens.analyzer.parsing import parse_bytes
from typelens.analyzer.recovery import misaligned_statements, recover_tree
from typelens.analyzer.rewrite import RecoveryLimits, ValidityCache
from typelens.typeinfer.run import InferOptions, infer_paths

from .conftest import DATA

STDLIB = Path(json.__file__).parent.parent

SERVICE = (DATA / "recovery" / "service.py").read_bytes()
AFTER = b"    def after_method"  # where the definitions after the broken one start
HEADER = b"    def target(self, name: str, count: int = 1) -> str:\n"

# (what the finished method has, what the buffer has mid-edit)
CASES = {
    "signature-open-bracket": (HEADER, b"    def target(self, name: str, count\n"),
    "signature-open-bracket-multiline": (HEADER, b"    def target(\n        self,\n        name: str,\n"),
    "signature-half-annotated": (HEADER, b"    def target(self, name:\n"),
    "call-open-bracket": (b"os.path.join(self.root, name)\n", b"os.path.join(self.root, name\n"),
    "call-open-bracket-nested": (b"os.path.join(self.root, name)\n", b"os.path.join(str(self.root, name\n"),
    "list-literal-open-bracket": (b"parts = [name, str(count)]\n", b"parts = [name, str(count),\n"),
    "dict-literal-open-bracket": (b"parts = [name, str(count)]\n", b"parts = {name: \n"),
    "missing-colon-if": (b"if count > 1:\n", b"if count > 1\n"),
    "missing-colon-def": (HEADER, HEADER.replace(b":\n", b"\n")),
    "unterminated-string": (b'return "-".join(parts)', b'return "-.join(parts)'),
    "unterminated-triple-quoted-string": (HEADER, HEADER + b'        """Join the name\n'),
    "triple-quoted-string-just-opened": (HEADER, HEADER + b'        """\n'),
    "half-typed-decorator": (HEADER, b"    @\n" + HEADER),
    "half-typed-decorator-call": (HEADER, b"    @functools.lru_cache(\n" + HEADER),
    "half-typed-decorator-dot": (HEADER, b"    @functools.\n" + HEADER),
    "else-without-body": (b"        parts = [", b"        else:\n        parts = ["),
    "mixed-indentation-tab": (b"        parts = [", b"\tparts = ["),
    "line-being-dedented": (b"        parts = [", b"     parts = ["),
    "stray-closer": (b"parts = [name, str(count)]\n", b"parts = [name, str(count)])\n"),
    "stray-closer-line": (b'        return "-".join(parts)\n', b'        return "-".join(parts)\n)\n'),
    "new-method-being-typed": (b"\n    def after_method", b"\n    def helper(self, a\n\n    def after_method"),
}


def broken(case: str) -> bytes:
    old, new = CASES[case]
    assert SERVICE.count(old) == 1
    return SERVICE.replace(old, new)


def symbols_after(data: bytes) -> set[tuple[str, str, str]]:
    """The scopes and symbols the graph of ``data`` has after the broken method."""
    g = build_graph(data)
    boundary = data.index(AFTER)
    found = {(scope.qualname, "", "scope") for scope in g.scopes if g.start_bytes[scope.node] >= boundary}
    for symbol in g.symbols:
        if symbol.scope >= 0 and any(g.start_bytes[node] >= boundary for node in symbol.definitions):
            found.add((g.scopes[symbol.scope].qualname, symbol.name, symbol.kind.value))
    return found


def answers_after(folder: Path, data: bytes) -> dict[tuple, str | None]:
    """The static answers of ``data`` after the broken method, by their offset from it."""
    path = folder / "service.py"
    path.write_bytes(data)
    boundary = data.index(AFTER)
    result = infer_paths([path], InferOptions(mode="static", use_cache=False))
    return {
        (p.scope, p.name, p.kind, p.span.start_byte - boundary): p.type
        for p in result.predictions
        if p.span.start_byte >= boundary
    }


@pytest.fixture(scope="module")
def intact_answers(tmp_path_factory) -> dict[tuple, str | None]:
    found = answers_after(tmp_path_factory.mktemp("intact"), SERVICE)
    assert ("Fine.ratio", "total", "parameter", SERVICE.index(b"total=") - SERVICE.index(AFTER)) in found
    return found


@pytest.mark.parametrize("case", CASES)
def test_definitions_after_a_broken_one_read_as_in_the_finished_file(case: str, tmp_path, intact_answers) -> None:
    data = broken(case)
    assert symbols_after(data) == symbols_after(SERVICE)
    assert answers_after(tmp_path, data) == intact_answers


@pytest.mark.parametrize("case", [c for c in CASES if c not in ("else-without-body", "mixed-indentation-tab")])
def test_the_broken_statement_is_reported_inside_the_method(case: str) -> None:
    data = broken(case)
    g = build_graph(data)
    assert g.source.data == data  # the source's own bytes
    errors = [d for d in g.diagnostics if d.code in ("syntax-error", "missing-token")]
    assert errors, case
    start, end = data.index(b"class Service"), data.index(AFTER)
    assert all(start <= d.span.start_byte <= end for d in errors), [(d.message, d.span) for d in errors]


@pytest.mark.parametrize("case", CASES)
def test_every_node_spans_the_source_s_own_text(case: str) -> None:
    data = broken(case)
    g = build_graph(data)
    assert all(0 <= g.start_bytes[n] <= g.end_bytes[n] <= len(data) for n in range(len(g)))
    for node, name in g.names.items():
        assert data[g.start_bytes[node] : g.end_bytes[node]].decode() == name


def test_the_issue_example_keeps_fine_and_what_the_broken_signature_says() -> None:
    data = (
        b"def ok(a, b):\n    return a + b\n\n"
        b"def broken(x:            # signature not closed yet\n    if x > 1\n"
        b'        return os.path.join("a", x)\n\n'
        b"class Fine:\n    def m(self):\n        return 42\n"
    )
    g = build_graph(data)
    assert {s.qualname for s in g.scopes} >= {"ok", "broken", "Fine", "Fine.m"}
    assert g.find_symbol("x", "broken") is not None and g.find_symbol("x", "broken").kind.value == "parameter"
    errors = [d for d in g.diagnostics if d.code == "syntax-error"]
    assert errors and errors[0].span.start_row == 3 and errors[-1].span.end_row <= 5


def test_a_signature_being_typed_keeps_its_name_and_parameters_so_far() -> None:
    g = build_graph(broken("signature-open-bracket-multiline"))
    assert g.scope_named("Service.target") is not None
    params = {
        s.name for s in g.symbols if s.kind.value == "parameter" and s.scope == g.scope_named("Service.target").id
    }
    assert params == {"self", "name"}


def test_the_cli_sees_the_class_after_a_broken_signature(tmp_path) -> None:
    path = tmp_path / "typing.py"
    path.write_bytes(broken("signature-open-bracket"))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "typelens.cli",
            "infer",
            str(path),
            "--mode",
            "static",
            "--format",
            "json",
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = {(p["scope"], p["name"], p["kind"]): p["type"] for p in json.loads(run.stdout)["predictions"]}
    assert rows[("Fine.ratio", "ratio", "return")] == "float"
    assert rows[("Service.after_method", "after_method", "return")] == "str"


@pytest.mark.parametrize(
    "path", [DATA / "recovery" / "service.py", *sorted((DATA.parent.parent / "analyzer").glob("*.py"))]
)
def test_valid_code_is_never_touched(path: Path) -> None:
    data = path.read_bytes()
    tree = parse_bytes(data)
    recovery = recover_tree(data, tree)
    assert recovery.tree is tree and recovery.patched == data and not recovery.broken
    assert not misaligned_statements(tree, data)


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1; y = 2\nif x: z = 3\n",  # statements after ';' and a colon
        b"def f():\n    pass\n\n\n# comment at the margin\n    # indented comment\nx = 1\n",
        b"x = [\n1,\n  2]\ny = 3\n",  # continuation lines anywhere
    ],
)
def test_statements_sharing_a_line_or_continuing_one_are_not_misaligned(data: bytes) -> None:
    assert not misaligned_statements(parse_bytes(data), data)


ALIGNMENT_CASES = [
    b"class A:\n    def f(self):\n        pass\n  def g(self):\n        pass\n",  # out of its class
    b"if x:\n    a = 1\n   b = 2\n",
    b"def f():\n  x = 1\n \\\n  y = 2\n",  # a line continuation is a child of the block
    b"for x in y:\n    a\nelse:\n    b\n  c\n",
    b"x = 1; y = 2\nif a:\n    b\n    # c\n  # d\n    e\n",  # aligned: comments do not count
    b"x = 1\nif x:\n    pass\n",  # aligned
    b"if x:\n\ta = 1\n\x0c\tb = 2\n",  # a form feed before the tab: another column
    b"if x:\r\n    a = 1\r\n    b = 2\r\n",  # aligned, CRLF line ends
    b"if x:\n    a = 1;  b = 2\n  c = 3\n",  # after ';' and blanks: not a line's first statement
]


def _stdlib_texts() -> list[bytes]:
    """Every module of the stdlib's asyncio and email, each also with its first
    method line dedented by one column (misaligned, or a syntax error)."""
    texts = []
    for path in sorted([*(STDLIB / "asyncio").glob("*.py"), *(STDLIB / "email").glob("*.py")]):
        text = path.read_bytes()
        at = text.find(b"\n        def ")
        texts += [text, text[: at + 1] + text[at + 2 :]] if at >= 0 else [text]
    return texts


@pytest.mark.parametrize("texts", [ALIGNMENT_CASES, _stdlib_texts()], ids=["cases", "stdlib"])
def test_the_cursor_walk_finds_what_misaligned_statements_finds(texts: list[bytes]) -> None:
    """``build_graph`` keeps a clean tree when its walk found no misaligned
    statement, where ``recover_tree`` asks ``misaligned_statements``: the two
    must agree."""
    from typelens.analyzer.syntax import walk_tree

    clean = [(text, parse_bytes(text)) for text in texts]
    clean = [(text, tree) for text, tree in clean if not tree.root_node.has_error]
    found = [walk_tree(tree, text).misaligned for text, tree in clean]
    assert found == [bool(misaligned_statements(tree, text)) for text, tree in clean]
    assert len(clean) >= len(texts) // 2 and any(found) and not all(found)


def test_a_misaligned_statement_is_recovered_by_build_graph() -> None:
    data = ALIGNMENT_CASES[0]
    graph = build_graph(data, "m.py")
    assert graph.source.data == data and graph.recovered is not None
    assert [s.qualname for s in graph.scopes if s.kind.value == "function"] == ["A.f"]


def test_a_split_bracket_at_the_margin_is_joined_again() -> None:
    data = b"x = foo(\n1)\ny = (\n"
    recovery = recover_tree(data, parse_bytes(data))
    assert recovery.patched.startswith(b"x = foo(\n1)\n")  # valid, kept as written
    first = recovery.tree.root_node.children[0]
    assert first.type == "expression_statement" and first.text == b"x = foo(\n1)"


def test_an_error_tree_sitter_keeps_inside_its_statement_is_left_to_it() -> None:
    data = b"x = 1\ny = = 2\nprint(x)\n"
    recovery = recover_tree(data, parse_bytes(data))
    assert recovery.patched == data and recovery.broken
    g = build_graph(data)
    assert g.nodes_of_kind("ERROR") and g.find_symbol("x").uses


def test_a_leaking_error_left_to_tree_sitter_is_rewritten() -> None:
    data = b"def f(a):\n    x = a)\n    y = 2\n    return y\n"  # tree-sitter reads ``x = y = 2``
    g = build_graph(data)
    assert g.find_symbol("y", "f") is not None and g.find_symbol("y", "f").kind.value == "variable"
    assert g.has_syntax_errors()


def test_document_recovery_follows_incremental_edits() -> None:
    doc = Document.from_text(SERVICE.decode())
    assert doc.recovery.tree is doc.tree
    at = SERVICE.index(b") -> str:\n")
    doc.apply_edit(at, at + len(b") -> str:"), "")  # the signature loses its end
    first = doc.recovery
    assert first is doc.recovery  # one per version
    assert first.patched == recover_tree(doc.source.data, parse_bytes(doc.source.data)).patched
    assert first.is_broken_at(at) and not first.is_broken_at(doc.source.data.index(b"class Fine"))
    g = build_graph(doc.source, recovery=doc.recovery)
    assert g.scope_named("Fine.ratio") is not None and g.scope_named("Service.after_method") is not None
    doc.apply_edit(at, at, ") -> str:")
    assert doc.recovery.tree is doc.tree and doc.recovery.patched == SERVICE


def test_a_recovery_of_another_text_is_refused() -> None:
    doc = Document.from_text("x = (\n")
    with pytest.raises(ValueError, match="does not match"):
        build_graph("x = ((\n", recovery=doc.recovery)


def test_known_statements_are_not_parsed_again() -> None:
    data = broken("call-open-bracket")
    cache = ValidityCache()
    first = recover_tree(data, parse_bytes(data), known_valid=cache)
    tiny = RecoveryLimits(work_factor=0, min_work=0)  # no budget: only the cache can answer
    again = recover_tree(data, parse_bytes(data), limits=tiny, known_valid=cache)
    assert len(again.broken) >= 1 and again.broken[0] == first.broken[0]


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "(" * 5000 + "\n" + "def f(a):\n    return a\n" * 20,
        "".join(f"x{i} = foo(\n" for i in range(500)),
        "x = " + "[" * 5000 + "]" * 4999 + "\n",
        '"""' + "word " * 20000 + "\n" * 100,
        '"""\n' + "def f(x):\n    return x\n" * 200,
        "x = 1\n" + "\n".join(" " * i + "if x:" for i in range(600)) + "\n",
        "'''" * 7,
        "\n".join(" " * i + f"def f{i}(:" for i in range(300)) + "\n",
    ],
)
def test_pathological_input_gives_a_graph_and_a_syntax_error(text: str) -> None:
    g = build_graph(text)
    # the parse guard blanks the lines nested past the parser's limit and says so
    # (``parser-limit``); what is left of 600 nested ``if x:`` ends in an empty
    # block, which tree-sitter-python reads without an error
    limited = any(d.code == "parser-limit" for d in g.diagnostics)
    assert (g.has_syntax_errors() or limited) and g.kinds[0] == "module"


def test_after_an_unclosed_bracket_the_definitions_below_come_back() -> None:
    g = build_graph("x = " + "(" * 5000 + "\n" + "def f(a):\n    return a\n" * 20)
    assert len([s for s in g.scopes if s.qualname == "f"]) == 20


def test_typing_a_method_keeps_what_follows_at_every_keystroke() -> None:
    """The method deleted and typed again, a few characters at a time (no editor
    closing brackets): at every step the incremental recovery equals a fresh one
    and the graph after the method is the finished file's."""
    start, end = SERVICE.index(b"    def target"), SERVICE.index(AFTER)
    method = SERVICE[start : end - 1].decode()
    doc = Document.from_text((SERVICE[:start] + SERVICE[end - 1 :]).decode())  # an empty line to type into
    expected = symbols_after(SERVICE)
    cursor = start
    for i in range(0, len(method), 3):
        chunk = method[i : i + 3]
        doc.apply_edit(cursor, cursor, chunk)
        cursor += len(chunk.encode())
        data = doc.source.data
        fresh = recover_tree(data, parse_bytes(data))
        assert doc.recovery.patched == fresh.patched
        assert str(doc.recovery.tree.root_node) == str(fresh.tree.root_node)
        assert symbols_after(data) == expected, data[start:cursor].decode()
    assert doc.source.data == SERVICE and doc.recovery.tree is doc.tree


@pytest.mark.parametrize(
    "data",
    [
        b"def f(a):\n    )\n\ndef g():\n    pass\n",  # a body of closers only
        b"class A:\n    def m(self):\n        x = foo(\n      1 2)\n        z = 2\n\n    def n(self):\n        pass\n",
    ],
)
def test_odd_blocks_give_a_graph_with_what_follows(data: bytes) -> None:
    g = build_graph(data)
    assert g.has_syntax_errors() and {"g", "A.n"} & {s.qualname for s in g.scopes}


def test_every_prefix_and_every_deleted_character_gives_a_recovered_tree() -> None:
    """The file typed top to bottom, and each of its characters deleted in turn:
    recovery never fails, and what it rewrites keeps the length and line breaks."""
    variants = [SERVICE[:k] for k in range(0, len(SERVICE), 2)]
    variants += [SERVICE[:k] + SERVICE[k + 1 :] for k in range(0, len(SERVICE), 3)]
    for data in variants:
        recovery = recover_tree(data, parse_bytes(data))
        assert len(recovery.patched) == len(data)
        assert [i for i, c in enumerate(recovery.patched) if c == 10] == [i for i, c in enumerate(data) if c == 10]


UNTYPED_BELOW = b"""

class Shop:
    def __init__(self, owner, rate):
        self.owner = owner.strip()
        self.rate = rate * 2.0

    def greet(self, name, times):
        return name.title() * times


def install(prog_name, shell):
    return prog_name.upper() + shell.title()
"""
TYPING = b'def typing(path, mode):\n    name = lookup(path, mode)\n    return os.path.join("a", path)\n'
HALF_TYPED = {  # the four slips of bench/recovery.py, in the function above the untyped ones
    "call": TYPING.replace(b"mode)\n", b"mode\n"),
    "signature": TYPING.replace(b"mode)", b"mode"),
    "colon": TYPING.replace(b"):", b")"),
    "string": TYPING.replace(b'"a"', b'"a'),
}


def test_the_cli_s_hybrid_answers_below_a_half_typed_line_are_the_finished_file_s(tmp_path) -> None:
    """The classifier (the shipped model) answers the untyped parameters below a
    half-typed function as in the finished file: it reads the recovered text.  Inside
    the statement that broke, answers stay static."""
    head = b"import os\n\n\n"
    for name, typing in {"finished": TYPING, **HALF_TYPED}.items():
        (tmp_path / f"{name}.py").write_bytes(head + typing + UNTYPED_BELOW)
    command = [sys.executable, "-m", "typelens.cli", "infer", str(tmp_path), "--mode", "hybrid"]
    run = subprocess.run(command + ["--format", "json", "--no-cache"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows: dict[str, dict] = {}
    for p in json.loads(run.stdout)["predictions"]:
        rows.setdefault(Path(p["file"]).stem, {})[(p["scope"], p["name"], p["kind"], p["line"])] = p
    below = {key: (p["type"], p["source"]) for key, p in rows["finished"].items() if key[3] > 7}
    assert sum(source in ("hybrid", "neural") for _, source in below.values()) >= 4  # the classifier answers
    for kind in HALF_TYPED:
        got = {key: (p["type"], p["source"]) for key, p in rows[kind].items() if key[3] > 7}
        assert got == below, kind
    name = ("typing", "name", "variable", 5)  # in ``name = lookup(path, mode``
    assert (rows["finished"][name]["type"], rows["finished"][name]["source"]) == ("str", "neural")
    assert (rows["call"][name]["type"], rows["call"][name]["source"]) == (None, "static")


def test_the_classifier_reads_the_recovered_text_also_of_a_cached_graph() -> None:
    """A graph keeps the text its tree was parsed from while the buffer is broken;
    one loaded from the graph cache (which does not keep it) recovers it again."""
    from typelens.analyzer.cache import graph_from_bytes, graph_to_bytes
    from typelens.typeinfer.hybrid import readable_tokens

    data = broken("call-open-bracket")
    graph = build_graph(data)
    assert graph.recovered is not None and graph.recovered[0] != data and len(graph.recovered[0]) == len(data)
    start, end = graph.recovered[1][0]
    assert data[start:end].strip() == b"return os.path.join(self.root, name"
    loaded = graph_from_bytes(graph_to_bytes(graph))
    assert loaded.recovered is None
    fresh, cached = readable_tokens(graph), readable_tokens(loaded)
    assert (fresh[0].tokens, fresh[0].starts, fresh[1]) == (cached[0].tokens, cached[0].starts, cached[1])
    assert build_graph(SERVICE).recovered is None  # valid code: nothing recovered


def test_a_header_without_its_colon_loses_its_return_annotation_not_part_of_it(tmp_path) -> None:
    """No room for the colon: the header is cut before ``->`` (the body says what
    returns), never inside the annotation, which would name a narrower type."""
    data = b"def get(name) -> int | None\n    return None if name else 1\n\n\nx = get('a')\n"
    rec = recover_tree(data, parse_bytes(data))
    assert rec.patched.split(b"\n")[0].rstrip() == b"def get(name):"
    (tmp_path / "m.py").write_bytes(data)
    answers = infer_paths([tmp_path / "m.py"], InferOptions(mode="static", use_cache=False)).predictions
    assert {p.name: p.type for p in answers if p.kind == "variable"}["x"] == "int | None"
