"""``typelens infer --apply``: idempotent, format-preserving, atomic, and safe on
tricky files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from typelens.cli.main import app

TRICKY = {
    "comments.py": "# header comment\nimport os  # trailing\n\n\ndef join(a, b='x'):  # keep me\n    # inside\n"
    "    result = os.path.join(a, b)\n    return result\n\n\nvalue = join('p')\n",
    "decorators.py": "import functools\n\n\ndef deco(fn):\n    @functools.wraps(fn)\n    def inner(*a, **k):\n"
    "        return fn(*a, **k)\n    return inner\n\n\n@deco\ndef half(n=4):\n    return n / 2\n",
    "nested.py": "def outer(items=(1, 2)):\n    total = 0\n\n    def inner(k=3):\n        return k * 2\n"
    "    for i in items:\n        total += inner()\n    return total\n",
    "overloads.py": "from typing import overload\n\n\n@overload\ndef conv(x: int) -> int: ...\n@overload\n"
    "def conv(x: str) -> str: ...\ndef conv(x):\n    return x\n\n\ncount = conv(1)\n",
    "asyncs.py": "import asyncio\n\n\nasync def wait(delay=0.0):\n    await asyncio.sleep(delay)\n    return 'done'\n",
    "partial.py": "def area(w: float, h=2.0) -> float:\n    return w * h\n\n\ndef label(name, suffix='!'):\n"
    "    return name + suffix\n\n\nlabel('a')\n",
    "crlf.py": "def ratio(a=1, b=2):\r\n    return a / b\r\n\r\n\r\nscale = ratio()\r\n",
    "tabs.py": "class Gauge:\n\tdef __init__(self):\n\t\tself.level = 0\n\n\tdef bump(self, by=1):\n"
    "\t\tself.level += by\n\t\treturn self.level\n",
    "unicode_names.py": "def größe(breite=1.5, höhe=2):\n    fläche = breite * höhe\n    return fläche\n\n\n"
    "maß = größe()\n",
    "classes_ref.py": "class Node:\n    def __init__(self, value=0):\n        self.value = value\n\n\n"
    "def make(v=1):\n    return Node(v)\n\n\nroot = make()\n",
}


def infer(*args: str):
    return CliRunner().invoke(app, ["infer", *args, "--mode", "static"])


@pytest.fixture
def tricky(tmp_path: Path) -> Path:
    folder = tmp_path / "tricky"
    folder.mkdir()
    for name, text in TRICKY.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return folder


def test_apply_is_idempotent_and_the_result_parses_and_imports(tricky: Path) -> None:
    first = infer(str(tricky), "--apply", "--min-confidence", "0.5")
    assert first.exit_code == 0, first.output
    after_first = {p.name: p.read_bytes() for p in tricky.glob("*.py")}
    changed = [name for name in TRICKY if after_first[name] != TRICKY[name].encode()]
    assert len(changed) >= 8, changed
    second = infer(str(tricky), "--apply", "--min-confidence", "0.5")
    assert second.exit_code == 0
    assert {p.name: p.read_bytes() for p in tricky.glob("*.py")} == after_first
    for name in TRICKY:
        module = name[:-3]
        run = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=tricky, capture_output=True, text=True)
        assert run.returncode == 0, (name, run.stderr, after_first[name].decode())


def test_apply_keeps_comments_line_endings_and_tabs(tricky: Path) -> None:
    infer(str(tricky), "--apply", "--min-confidence", "0.5")
    comments = (tricky / "comments.py").read_text()
    assert "# header comment" in comments and "# trailing" in comments and "# keep me" in comments
    assert "def join(a: str, b: str = 'x') -> str:  # keep me" in comments  # a: from join('p')
    crlf = (tricky / "crlf.py").read_bytes()
    assert b"def ratio(a: int = 1, b: int = 2) -> float:\r\n" in crlf and b"\n" not in crlf.replace(b"\r\n", b"")
    tabs = (tricky / "tabs.py").read_text()
    assert "\tdef bump(self, by: int = 1) -> int:\n\t\tself.level += by" in tabs
    unicode_text = (tricky / "unicode_names.py").read_text(encoding="utf-8")
    assert "def größe(breite: float = 1.5, höhe: int = 2) -> float:" in unicode_text
    partial = (tricky / "partial.py").read_text()
    assert "def area(w: float, h: float = 2.0) -> float:" in partial
    assert "def label(name: str, suffix: str = '!') -> str:" in partial
    classes = (tricky / "classes_ref.py").read_text()
    assert 'def make(v: int = 1) -> "Node":' in classes


def test_diff_writes_nothing(tricky: Path) -> None:
    before = {p.name: p.read_bytes() for p in tricky.glob("*.py")}
    result = infer(str(tricky / "crlf.py"), "--apply", "--diff", "--min-confidence", "0.5")
    assert result.exit_code == 0
    assert "+def ratio(a: int = 1, b: int = 2) -> float:" in result.stdout
    assert {p.name: p.read_bytes() for p in tricky.glob("*.py")} == before


def test_only_the_given_paths_are_written(tricky: Path) -> None:
    before = {p.name: p.read_bytes() for p in tricky.glob("*.py")}
    infer(str(tricky / "nested.py"), "--apply", "--min-confidence", "0.5")
    after = {p.name: p.read_bytes() for p in tricky.glob("*.py")}
    assert [n for n in after if after[n] != before[n]] == ["nested.py"]


@pytest.mark.pure_only(reason="patches apply_rounds.plan_edits")
def test_refuses_a_file_changed_on_disk(tricky: Path, monkeypatch) -> None:
    """Changed between the read the edits are planned on and the write."""
    from typelens.typeinfer import apply_rounds

    original = apply_rounds.plan_edits

    def edit_behind_our_back(graph, *args, **kwargs):
        Path(graph.path).write_text("x = 'someone else wrote this'\n")
        return original(graph, *args, **kwargs)

    monkeypatch.setattr(apply_rounds, "plan_edits", edit_behind_our_back)
    result = infer(str(tricky / "nested.py"), "--apply", "--min-confidence", "0.5")
    assert result.exit_code == 2
    assert "refusing" in result.output and "changed on disk while annotating" in result.output
    assert (tricky / "nested.py").read_text() == "x = 'someone else wrote this'\n"


def test_files_with_syntax_errors_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def f(a=1):\n    return a\nprint(\n")
    infer(str(path), "--apply", "--min-confidence", "0.1")
    assert path.read_text() == "def f(a=1):\n    return a\nprint(\n"


def test_the_names_around_a_site_are_each_scopes_own_set() -> None:
    """A site deep in a class of many methods reads the class's names where they
    are kept (no union copied per site: quadratic in a class of 50,000 methods),
    and a type named like any of them is still not written."""
    from typelens.analyzer import build_graph
    from typelens.typeinfer.apply import _ModuleNames

    methods = "".join(f"    def m{i}(self):\n        def inner(b=2):\n            return b\n" for i in range(50))
    g = build_graph(("class K:\n    def str(self):\n        pass\n" + methods).encode())
    names = _ModuleNames(g, {}, has_import_place=True)
    b = next(n for n in range(len(g.kinds)) if g.kinds[n] == "parameter" and g.text(n) == "b")
    inner, _module = names._names_around(b)
    assert len(inner) == 3  # inner's, the method's, the class's
    assert all(any(own is s for own in names.bound.values()) for s in inner)
    assert "m49" in inner[-1] and "str" in inner[-1]
    assert names.annotation_text("str", b) == (None, set())  # the class's own `str` would be read
    assert names.annotation_text("int", b) == ("int", set())


def test_the_check_after_edits_keeps_the_symbol_table_errors_an_annotation_can_make() -> None:
    """Edits are checked without code generation (the file as read compiled): every
    error an annotation can cause is the parser's or the symbol table's."""
    from typelens.typeinfer.apply import compile_error

    made = {
        b"def f(a=1):\n    global x\n    x: int = a\n": "can't be global",
        b"def f():\n    x = 1\n    def g():\n        nonlocal x\n        x: int = 2\n": "can't be nonlocal",
        b"x = y: int = 0\n": "invalid syntax",
    }
    for text, message in made.items():
        error = compile_error(text, codegen=False)
        assert error is not None and message in error.msg, (text, error)
    assert compile_error(b"def f(a: int = 1) -> int:\n    return a\n", codegen=False) is None
    late = b"return 1\n"  # only code generation sees it: the file as read is compiled in full
    assert compile_error(late, codegen=False) is None and compile_error(late) is not None


@pytest.mark.parametrize(
    ("raw", "full_compiles", "written"),
    [
        (
            b"def f(a=1):\n    return a\n",
            1,
            True,
        ),  # the annotated text compiles: the text as read is not compiled apart
        (b"def f(a=1):\n    x = a\n    global x\n    return x\n", 2, False),  # then the text as read, to say why
    ],
)
@pytest.mark.pure_only(reason="spies on apply_rounds.compile_error")
def test_a_file_is_compiled_in_full_once_when_its_edits_compile(
    tmp_path: Path, monkeypatch, raw: bytes, full_compiles: int, written: bool
) -> None:
    from typelens.typeinfer import apply_rounds
    from typelens.typeinfer.run import InferOptions

    path = tmp_path / "m.py"
    path.write_bytes(raw)
    calls: list[bool] = []
    original = apply_rounds.compile_error
    monkeypatch.setattr(
        apply_rounds, "compile_error", lambda *a, codegen=True: calls.append(codegen) or original(*a, codegen=codegen)
    )
    options = InferOptions(mode="static", use_cache=False)
    [done] = apply_rounds.annotate_files([path], [apply_rounds.Snapshot.read(path)], options, min_confidence=0.5)
    assert calls.count(True) == full_compiles
    assert (done.new_raw is not None) == written
    if not written:
        assert any("skipped: it does not compile under Python" in note.text for note in done.notes)
