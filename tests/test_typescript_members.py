"""Members of script types asked one at a time: ``MemberTable.member`` gives what
``members_of`` lists, and types only the member asked for (and the bases it
searches), not the whole class."""

from __future__ import annotations

from pathlib import Path

from typelens.analyzer.typescript.project import ScriptIndex
from typelens.typeinfer.typescript.engine import ScriptEngine
from typelens.typeinfer.typescript.session import library_for
from typelens.typeinfer.typescript.types import ClassOf, render

SOURCE = """\
class Base<T> {
  item: T;
  constructor(item: T) { this.item = item; }
  get label() { return "base"; }
  put(x: T) { return [x]; }
}
class Box extends Base<number> {
  count = 0;
  heavy() { return [1, 2].map((n) => n * 2); }
  put(x: number) { return [x, x]; }
}
"""


def _engine(tmp_path: Path) -> tuple[ScriptEngine, str]:
    path = tmp_path / "box.ts"
    path.write_text(SOURCE, encoding="utf-8")
    return ScriptEngine(ScriptIndex(tmp_path), library_for(tmp_path)), str(path)


def _class(engine: ScriptEngine, path: str, name: str):
    g = engine.require_graph(path)
    sym = next(s for s in g.symbols if s.name == name and s.scope == 0)
    value = engine.symbol_type(path, sym.id)
    assert isinstance(value, ClassOf)
    return value.instance


def test_a_single_member_is_the_one_the_table_lists(tmp_path: Path) -> None:
    names = ("item", "label", "put", "count", "heavy", "missing")
    whole, path = _engine(tmp_path)
    table = whole.members.members_of(_class(whole, path, "Box"))
    for name in names:
        one, _ = _engine(tmp_path)  # a fresh engine: nothing typed before
        hit = one.members.member(_class(one, path, "Box"), name)
        expected = table.get(name)
        assert (hit is None) == (expected is None), name
        if hit is not None and expected is not None:
            assert (render(hit.type), hit.kind, hit.where) == (render(expected.type), expected.kind, expected.where)
    assert render(table["put"].type) == "(x: number) => number[]"  # the subclass's own, not the base's
    assert render(table["item"].type) == "number"  # the base's, its type argument bound


def test_asking_one_member_types_no_other(tmp_path: Path) -> None:
    engine, path = _engine(tmp_path)
    box = _class(engine, path, "Box")
    assert render(engine.members.member_type(box, "count")) == "number"
    g = engine.require_graph(path)
    heavy = next(s for s in g.symbols if s.name == "heavy")
    assert ("symbol", path, heavy.id) not in engine._memo
    assert render(engine.members.member_type(box, "heavy")) == "() => number[]"
    assert ("symbol", path, heavy.id) in engine._memo
