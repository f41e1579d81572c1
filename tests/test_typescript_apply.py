"""``typelens infer --apply`` on scripts, through the command line: TypeScript
annotations written into ``.ts``, JSDoc into ``.js``, the result parsing, a
second run changing nothing, the safe writer's refusals, a diff ``git apply``
takes, and the rounds' edits moved onto the text as read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from typelens.analyzer.typescript import build_script_graph
from typelens.typeinfer.apply import Edit

from .test_cli_graph import typelens

TS = """\
export function area(w: number, h: number) {
  const s = w * h;
  return s;
}

export class Counter {
  count = 0;
  label?: string;

  next() {
    this.count += 1;
    return this.count;
  }
}
"""

JS = """\
/** Repeats a word. */
function repeat(word = "x", times = 2) {
  let out = "";
  for (let i = 0; i < times; i++) out += word;
  return out;
}

const parts = ["a", "b"];
module.exports = { repeat, parts };
"""


def test_apply_writes_typescript_annotations_and_jsdoc(tmp_path: Path) -> None:
    (tmp_path / "calc.ts").write_text(TS)
    (tmp_path / "words.js").write_text(JS)
    run = typelens("infer", str(tmp_path), "--apply", "--no-cache", "--min-confidence", "0.7")
    assert run.returncode == 0, run.stderr
    ts = (tmp_path / "calc.ts").read_text()
    assert "export function area(w: number, h: number): number {" in ts
    assert "const s: number = w * h;" in ts
    assert "count: number = 0;" in ts and "label?: string;" in ts
    assert "next(): number {" in ts
    js = (tmp_path / "words.js").read_text()
    assert "/**\n * Repeats a word.\n * @param {string} word\n * @param {number} times\n * @returns {string}\n */" in js
    assert "/** @type {string[]} */\nconst parts" in js
    for name, text in (("calc.ts", ts), ("words.js", js)):
        assert not build_script_graph(text, name).has_syntax_errors()
    again = typelens("infer", str(tmp_path), "--apply", "--no-cache", "--min-confidence", "0.7")
    assert (
        again.returncode == 0 and (tmp_path / "calc.ts").read_text() == ts and (tmp_path / "words.js").read_text() == js
    )


def test_diff_leaves_the_file_and_shows_the_edit(tmp_path: Path) -> None:
    (tmp_path / "calc.ts").write_text(TS)
    run = typelens("infer", str(tmp_path / "calc.ts"), "--apply", "--diff", "--no-cache")
    assert run.returncode == 0, run.stderr
    assert "+  const s: number = w * h;" in run.stdout
    assert (tmp_path / "calc.ts").read_text() == TS


def test_types_that_need_an_import_are_not_written(tmp_path: Path) -> None:
    src = Path(__file__).parent / "data" / "typescript" / "project"
    shutil.copytree(src, tmp_path / "p")
    run = typelens(
        "infer", str(tmp_path / "p" / "src" / "shapes.ts"), "--apply", "--no-cache", "--min-confidence", "0.5"
    )
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "p" / "src" / "shapes.ts").read_text()
    assert "const size: number = width * height;" in text
    assert "const owner = account.owner;" in text  # User is not imported in shapes.ts


def test_scripts_get_the_safe_writers_refusals(tmp_path: Path) -> None:
    """A read-only file and one with a second hard link are refused (exit 2) and
    left as they are; the other script is written."""
    (tmp_path / "calc.ts").write_text(TS)
    (tmp_path / "locked.ts").write_text(TS)
    (tmp_path / "locked.ts").chmod(0o444)
    (tmp_path / "words.js").write_text(JS)
    os.link(tmp_path / "words.js", tmp_path / "twin.js.bak")
    run = typelens("infer", str(tmp_path), "--apply", "--no-cache", "--min-confidence", "0.7")
    assert run.returncode == 2, run.stderr
    assert "locked.ts: the file is read-only" in run.stderr and "words.js: it has 2 hard links" in run.stderr
    assert (tmp_path / "locked.ts").read_text() == TS and (tmp_path / "words.js").read_text() == JS
    assert "const s: number = w * h;" in (tmp_path / "calc.ts").read_text()


def test_a_script_diff_is_taken_by_git_apply(tmp_path: Path) -> None:
    (tmp_path / "calc.ts").write_bytes(TS.replace("\n", "\r\n").encode())  # CRLF kept byte for byte
    (tmp_path / "words.js").write_text(JS)
    args = ["infer", ".", "--apply", "--diff", "--no-cache", "--min-confidence", "0.7"]
    exe = shutil.which("typelens", path=str(Path(sys.executable).parent))
    run = subprocess.run([exe, *args], capture_output=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert b"+++ b/calc.ts" in run.stdout and b"+++ b/words.js" in run.stdout
    (tmp_path / "annotations.patch").write_bytes(run.stdout)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    applied = subprocess.run(["git", "apply", "annotations.patch"], cwd=tmp_path, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    ts = (tmp_path / "calc.ts").read_bytes()
    assert b"const s: number = w * h;\r\n" in ts and ts.count(b"\r\n") == TS.count("\n")
    again = subprocess.run([exe, *args], capture_output=True, cwd=tmp_path, timeout=120)
    assert again.returncode == 0 and again.stdout == b""


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (Edit(1, 1, "x"), Edit(1, 1, "x")),  # before every earlier edit
        (Edit(12, 12, "y"), Edit(8, 8, "y")),  # after one: shifted back
        (Edit(4, 4, "<"), Edit(4, 4, "<: T>")),  # at an inserted text's edge: amends it
        (Edit(7, 7, " U"), Edit(4, 4, ": T U>")),  # inside it
        (Edit(8, 8, "z"), Edit(4, 4, ": T>z")),  # at its far edge
        (Edit(3, 5, "?"), None),  # across its start: refused
        (Edit(20, 22, "ok"), Edit(16, 18, "ok")),  # a replacement of text as read
    ],
)
def test_an_edit_planned_on_a_later_round_lands_on_the_text_as_read(edit, expected) -> None:
    from typelens.typeinfer.typescript.apply_rounds import onto_original

    assert onto_original([(4, 4, ": T>")], edit) == expected


def test_a_round_edit_that_would_not_parse_is_left_out_with_a_note(tmp_path: Path) -> None:
    from typelens.analyzer.rawbytes import raw_file
    from typelens.typeinfer.apply_rounds import Snapshot
    from typelens.typeinfer.typescript.apply_rounds import ScriptFileRounds

    path = tmp_path / "a.ts"
    path.write_text("let a = 1;\nlet b = 2;\n")
    snapshot = Snapshot.read(path)
    work = ScriptFileRounds(snapshot, raw_file(snapshot.raw, str(path)))
    work.start(build_script_graph(snapshot.raw, str(path)))
    good, bad = Edit(5, 5, ": number"), Edit(16, 16, ": (")
    work._add_what_parses({(5, 5): good, (16, 16): bad}, {(5, 5): [good.text], (16, 16): [bad.text]})
    assert list(work.edits.values()) == [good]
    assert [(n.line, n.text) for n in work.notes] == [(2, "left out ': (': the file would not parse")]
    assert (16, 16, ": (") in work.banned


def test_jsdoc_tags_without_a_type_get_one_in_place(tmp_path: Path) -> None:
    """``@param a - text`` becomes ``@param {number} a - text`` (no second tag), the
    block's own line style is kept, and a second run adds nothing."""
    source = (
        "/**\n* Adds.\n* @param a - the first\n* @param {number} b - the second\n* @returns the sum\n*/\n"
        "function add(a, b) {\n  return a + b;\n}\nadd(1, 2);\n"
    )
    (tmp_path / "add.js").write_text(source)
    run = typelens(
        "infer", str(tmp_path / "add.js"), "--apply", "--no-cache", "--mode", "static", "--min-confidence", "0.8"
    )
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "add.js").read_text()
    assert text == source.replace("@param a", "@param {number} a").replace("@returns the", "@returns {number} the")
    again = typelens(
        "infer",
        str(tmp_path / "add.js"),
        "--apply",
        "--diff",
        "--no-cache",
        "--mode",
        "static",
        "--min-confidence",
        "0.8",
    )
    assert again.returncode == 0 and again.stdout == ""


def test_an_optional_parameter_before_a_required_one_is_written_as_a_union() -> None:
    from typelens.typeinfer.typescript.types import Func, Param, Prim, render

    number, text = Prim("number"), Prim("string")
    f = Func((Param("state", number, True), Param("action", text), Param("extra", number, True)), text)
    assert render(f) == "(state: number | undefined, action: string, extra?: number) => string"
