"""``bench/speed.py``'s edits: ``edit-body`` inserts its two statements at the
start of the longest function's body (after the docstring, at the body's
indentation, before decorators) and changes nothing else, on a stdlib module
and on small sources with the awkward cases; an edit row runs each command on
the edited file and puts the file back."""

from __future__ import annotations

import ast
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import load_bench_script


def _speed():
    return load_bench_script("speed")


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _is_bench_line(node: ast.stmt) -> bool:
    return isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["_bench_edit"]


@pytest.mark.parametrize("module", ["argparse.py", "asyncio/base_events.py"])
def test_edit_body_on_a_stdlib_module(module: str) -> None:
    speed = _speed()
    source = (Path(sysconfig.get_paths()["stdlib"]) / module).read_bytes()
    name, _, _ = speed.body_start(source)
    edited = speed.edit_body(source, 7)
    assert edited.count(b"\n") == source.count(b"\n") + 2
    tree = ast.parse(edited)
    (chosen,) = [f for f in _functions(tree) if any(_is_bench_line(s) for s in f.body)]
    assert chosen.name == name
    body = chosen.body[1:] if isinstance(chosen.body[0], ast.Expr) else chosen.body
    assert [ast.unparse(s) for s in body[:2]] == ["_bench_edit = 7", "_bench_edit = str(_bench_edit)"]
    spans = [f.end_lineno - min([f.lineno, *(d.lineno for d in f.decorator_list)]) for f in _functions(tree)]
    assert max(spans) == spans[_functions(tree).index(chosen)]
    chosen.body = [s for s in chosen.body if not _is_bench_line(s)]
    assert ast.dump(tree) == ast.dump(ast.parse(source))  # nothing else moved into or out of a block
    assert speed.edit_body(source, 8).replace(b"_bench_edit = 8", b"_bench_edit = 7") == edited


CASES = {
    "decorated first statement": (
        "def short():\n    return 1\n\n"
        "class A:\n    def outer(self):\n        @staticmethod\n        def inner():\n            pass\n"
        "        return inner\n",
        "outer",
        "class A:\n    def outer(self):\n        _bench_edit = 3\n        _bench_edit = str(_bench_edit)\n"
        "        @staticmethod\n",
    ),
    "docstring only, no final newline": (
        'def f():\n    """Multi\n\n    line."""\n\ndef g(): return (\n    1,\n    2,\n    3,\n    4)',
        "f",
        '    line."""\n    _bench_edit = 3\n    _bench_edit = str(_bench_edit)\n\ndef g(',
    ),
    "tabs, the first of two equal ones": (
        "def a(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n\nasync def b(x):\n\tif x:\n\t\treturn 3\n\treturn 4\n",
        "a",
        "def a(x):\n\t_bench_edit = 3\n\t_bench_edit = str(_bench_edit)\n\tif x:\n",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_edit_body_awkward_cases(case: str) -> None:
    speed = _speed()
    source, name, expected = CASES[case]
    edited = speed.edit_body(source.encode(), 3).decode()
    assert speed.body_start(source.encode())[0] == name
    assert expected in edited
    ast.parse(edited)


def test_edit_body_keeps_crlf_and_refuses_one_liners() -> None:
    speed = _speed()
    edited = speed.edit_body(b"def f(x):\r\n    return x\r\n", 0)
    assert edited == b"def f(x):\r\n    _bench_edit = 0\r\n    _bench_edit = str(_bench_edit)\r\n    return x\r\n"
    with pytest.raises(ValueError, match="no function"):
        speed.body_start(b"def f(): return 1\nx = 2\n")


def test_edit_rows_run_on_the_edited_file_and_restore_it(tmp_path: Path) -> None:
    speed = _speed()
    tree = tmp_path / "trees" / "pkg"
    tree.mkdir(parents=True)
    (tree / "small.py").write_text("x = 1\n")
    big = tree / "big.py"
    original = b"def f(a):\n    b = a\n    return b\n\n\ndef g():\n    return 2\n"
    big.write_bytes(original)
    seen = tmp_path / "seen"
    copy = "import sys; open(sys.argv[2], 'ab').write(open(sys.argv[1], 'rb').read() + b'\\0')"
    bench = speed.Bench(2, Path(sys.executable), tmp_path, {}, [])
    for first, (kind, edit) in enumerate(speed.EDITS.items()):
        seen.write_bytes(b"")
        cmd = [sys.executable, "-c", copy, str(big), str(seen)]
        bench._edited("x", cmd, tree, tmp_path / "cache", edit, first)
        assert big.read_bytes() == original
        # the untimed run on the unedited file, then one edit per run, numbered from ``first``
        edits = [edit(original, first), edit(original, first + 1)]
        assert seen.read_bytes().split(b"\0")[:-1] == [original, *edits], kind
        assert len(set(edits)) == 2
