"""Usage constraints of script parameters (typeinfer/typescript/usage.py): the
combination rules on synthetic constraints, the evidence labels a real file's
predictions carry, and the hybrid filter that drops candidates breaking them.
The per-parameter expectations live in tests/data/typescript/infer/usage.ts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from typelens.typeinfer.predictions import Prediction
from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.typescript.neural import usage_ranked
from typelens.typeinfer.typescript.types import NUMBER, STRING, ArrayOf, Literal, Named, join, members, render
from typelens.typeinfer.typescript.usage import (
    DECLARED,
    EQUALITY,
    OPERATION,
    Constraint,
    admits,
    combine,
    satisfies,
)

from .conftest import DATA


def _parameters(path: Path) -> dict[str, Prediction]:
    found = infer_paths([path], InferOptions(use_cache=False)).predictions
    return {f"{p.scope}.{p.name}": p for p in found if p.kind == "parameter"}


def test_agreeing_evidence_raises_the_confidence() -> None:
    one = combine([Constraint("operand:number", NUMBER, 0.7, OPERATION)])
    two = combine(
        [Constraint("operand:number", NUMBER, 0.7, OPERATION), Constraint("compare:number", NUMBER, 0.6, OPERATION)]
    )
    assert one.type == NUMBER and two.type == NUMBER
    assert two.confidence > one.confidence
    assert two.evidence == ("operand:number", "compare:number")


def test_the_strongest_tier_decides_and_equality_comes_last() -> None:
    found = combine(
        [Constraint("call:f.x", STRING, 0.8, DECLARED), Constraint("operand:number+", NUMBER, 0.5, OPERATION)]
    )
    assert found.type == STRING and found.evidence == ("call:f.x",)
    assert combine([Constraint("eq:string", STRING, 0.4, EQUALITY)]).type == STRING
    split = combine([Constraint("eq:string", STRING, 0.4, EQUALITY), Constraint("eq:number", NUMBER, 0.4, EQUALITY)])
    assert split.confidence == 0.0 and not split.evidence == ()


def test_a_conflict_gives_the_union_less_sure() -> None:
    found = combine([Constraint("call:f.x", STRING, 0.8, DECLARED), Constraint("call:g.y", NUMBER, 0.8, DECLARED)])
    assert found.conflict and render(found.type) in ("string | number", "number | string")
    assert found.confidence < 0.8


def test_satisfies_reads_literals_arrays_and_names() -> None:
    assert satisfies(Literal('"a"', "string"), STRING)
    assert not satisfies(STRING, NUMBER)
    assert satisfies(ArrayOf(NUMBER), ArrayOf(NUMBER)) and not satisfies(ArrayOf(STRING), ArrayOf(NUMBER))
    assert satisfies(Named("Map", (STRING, NUMBER)), Named("Map"))
    assert admits((Constraint("call:f.x", Named("Map", (STRING, NUMBER)), 0.8, DECLARED),), Named("Map"))
    assert not admits((Constraint("operand:number", NUMBER, 0.7, OPERATION),), STRING)


def test_predictions_carry_the_evidence() -> None:
    found = _parameters(DATA / "typescript" / "infer" / "usage.ts")
    assert found["lookup.sku"].evidence == ("call:store.items.get.key",)
    assert found["Cart.add.amount"].evidence == ("assign:this.total",)
    assert found["double.n"].type == "number" and found["double.n"].evidence == ("operand:number",)
    assert found["size.xs"].type is None  # `length`: a string's or an array's
    assert found["shift.seed"].evidence == ()  # its default decides, not its uses
    assert 0 < found["isStrict.mode"].confidence < found["lookup.sku"].confidence


def test_call_sites_come_before_uses(tmp_path: Path) -> None:
    path = tmp_path / "a.ts"
    path.write_text(
        "function twice(n) { return n * 2; }\ntwice(3);\nfunction echo(s) { return s + 1; }\necho('x');\n",
        encoding="utf-8",
    )
    found = _parameters(path)
    assert found["twice.n"].type == "number"
    assert found["echo.s"].type == "string" and found["echo.s"].evidence == ()


def test_a_usage_answer_is_a_candidate_raised_by_the_classifier() -> None:
    from typelens.analyzer import Span

    p = Prediction("a.ts", "/a.ts", "f", "n", "parameter", "number", 0.6, Span(0, 1, 0, 0, 0, 1), "static", ("x",))
    ranked = usage_ranked([("string", 0.7), ("number", 0.5)], p)
    assert ranked[0][0] == "number" and ranked[0][1] > 0.7
    plain = usage_ranked([("string", 0.7), ("number", 0.5)], replace(p, evidence=()))
    assert plain[0] == ("string", 0.7)


def test_hybrid_drops_candidates_the_uses_rule_out(tmp_path: Path) -> None:
    from typelens.typeinfer.session import AnalysisSession

    path = tmp_path / "b.ts"
    path.write_text("export function scale(factor) {\n  return factor * 2;\n}\n", encoding="utf-8")
    analysis = AnalysisSession(tmp_path).analyse(path)
    hybrid = {p.name: p for p in analysis.predictions("hybrid") if p.kind == "parameter"}
    assert hybrid["factor"].type == "number"


def test_a_union_s_members_come_in_the_order_they_were_joined() -> None:
    """What iterates a union goes by the order of the join, not by the set's hash order
    (str hashes differ per process; on Python 3.11 so does hash(None), in every
    library type's ``where``), so that the engine asks its questions in one order."""
    names = [Named(f"T{n}") for n in range(12)]
    for order in (names, names[::-1], names[3:] + names[:3]):
        union = join(*order)
        assert members(union) == tuple(order)
        assert union == join(*names)  # equality stays the set's
    assert members(join(join(names[2], names[0]), names[1])) == (names[2], names[0], names[1])


def test_operators_narrow_a_declared_property_key() -> None:
    key = Named("PropertyKey")
    declared = Constraint("call:o.get_.key", key, 0.8, DECLARED)
    assert combine([declared]).type == key
    narrowed = combine([declared, Constraint("attr:startsWith", STRING, 0.6, OPERATION)])
    assert narrowed.type == STRING and narrowed.evidence == ("call:o.get_.key", "attr:startsWith")
    assert combine([declared, Constraint("operand:number", ArrayOf(NUMBER), 0.6, OPERATION)]).type == key
    assert satisfies(NUMBER, key) and satisfies(Literal('"a"', "string"), key) and not satisfies(ArrayOf(NUMBER), key)


def test_hybrid_reads_an_unknown_rest_parameter_as_any_array(tmp_path: Path) -> None:
    from typelens.analyzer.typescript.project import ScriptIndex
    from typelens.typeinfer.typescript.engine import ScriptEngine
    from typelens.typeinfer.typescript.neural import ScriptAssistant
    from typelens.typeinfer.typescript.predictions import ScriptPredictor
    from typelens.typeinfer.typescript.session import library_for

    path = tmp_path / "c.ts"
    path.write_text("export function keep(first, ...rest) {}\n", encoding="utf-8")
    engine = ScriptEngine(ScriptIndex(tmp_path), library_for(tmp_path))
    found = ScriptPredictor(engine, str(path), "c.ts").run()
    hybrid = ScriptAssistant(use_model=False).refine(engine, str(path), found, "hybrid")
    by_name = {p.name: p.type for p in hybrid if p.kind == "parameter"}
    assert by_name == {"first": "any", "rest": "any[]"}


def test_members_find_the_one_type_declared_anywhere_in_the_project(tmp_path: Path) -> None:
    """No type the file names has every member read: the one project type that has them."""
    from .conftest import write_tree

    write_tree(
        tmp_path,
        {
            "types.ts": "export interface Scope { drafts_: number[]; parent_?: Scope; frozen_: boolean }\n"
            "export interface Other { drafts_: string }\n",
            "use.ts": "export function leave(scope) { return scope.frozen_ ? scope.parent_ : scope.drafts_; }\n"
            "export function one(x) { return x.drafts_; }\n",
        },
    )
    found = {p.name: p for p in infer_paths([tmp_path], InferOptions(use_cache=False, mode="static")).predictions}
    assert found["scope"].type == "Scope" and found["scope"].evidence == ("attr:drafts_,frozen_,parent_",)
    assert found["x"].type is None  # one member, two types have it


def test_members_found_by_name_and_place_through_a_base_class(tmp_path: Path) -> None:
    # member fitting reads names (a base's count), member call sites the member's place
    (tmp_path / "box.ts").write_text(
        "class Base {\n  put(item) { return item; }\n  static make() { return 1; }\n}\n"
        "class Box extends Base {\n  take(key) { return key; }\n}\n"
        "function use(b) {\n  b.put(1);\n  b.take('k');\n  return b;\n}\n"
        "const box: Box = new Box();\nbox.put(3);\nbox.take('a');\n"
        "function other(o) {\n  o.make();\n  o.take('x');\n}\n"
    )
    found = _parameters(tmp_path)
    assert found["use.b"].type == "Box"
    assert found["Base.put.item"].type == "number"
    assert found["Box.take.key"].type == "string"
    assert found["other.o"].type != "Box"  # `make` is static
