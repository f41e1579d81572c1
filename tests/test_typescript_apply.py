"""``typelens infer --apply`` on scripts, through the command line: TypeScript
annotations written into ``.ts``, JSDoc into ``.js``, the result parsing, a
second run changing nothing, and a file changed on disk refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from typelens.analyzer.typescript import build_script_graph

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
    assert again.returncode == 0 and (tmp_path / "calc.ts").read_text() == ts and (tmp_path / "words.js").read_text() == js


def test_diff_leaves_the_file_and_shows_the_edit(tmp_path: Path) -> None:
    (tmp_path / "calc.ts").write_text(TS)
    run = typelens("infer", str(tmp_path / "calc.ts"), "--apply", "--diff", "--no-cache")
    assert run.returncode == 0, run.stderr
    assert "+  const s: number = w * h;" in run.stdout
    assert (tmp_path / "calc.ts").read_text() == TS


def test_types_that_need_an_import_are_not_written(tmp_path: Path) -> None:
    src = Path(__file__).parent / "data" / "typescript" / "project"
    shutil.copytree(src, tmp_path / "p")
    run = typelens("infer", str(tmp_path / "p" / "src" / "shapes.ts"), "--apply", "--no-cache",
                   "--min-confidence", "0.5")
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "p" / "src" / "shapes.ts").read_text()
    assert "const size: number = width * height;" in text
    assert "const owner = account.owner;" in text      # User is not imported in shapes.ts
