"""Large inputs answered by the paths that keep them linear give the answers the
short inputs get: a name rebound past the once-searched threshold, many classes
in one file, a finding on every line (no timing here: ``bench/fuzz.py`` times them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from typelens.cli.findings import build_findings
from typelens.typeinfer.run import InferOptions, check_paths, infer_paths


def _returns(path: Path) -> dict[str, str | None]:
    found = infer_paths([path], InferOptions(mode="static", use_cache=False)).predictions
    return {p.scope: p.type for p in found if p.kind == "return"}


@pytest.mark.parametrize("rebinds", [2, 40])
def test_a_long_rebound_name_keeps_its_declaration(tmp_path: Path, rebinds: int) -> None:
    # the declaration sits on a late definition: its search must still find it
    lines = ["def g(flag):", "    x = 0"]
    lines += ["    x = x + 1"] * rebinds
    lines += ["    x: float = x + 1.0", "    x = x * 2", "    return x", ""]
    path = tmp_path / "rebound.py"
    path.write_text("\n".join(lines))
    assert _returns(path)["g"] == "float"


def test_many_classes_keep_their_members(tmp_path: Path) -> None:
    lines = ["class C0:", "    def m(self):", "        return 'text'", "    n = 1"]
    for i in range(1, 15):  # within the MRO depth the engine follows
        lines += [f"class C{i}(C{i - 1}):", f"    v{i} = {i}"]
    lines += ["def first():", "    return C14().m()", "def last():", "    return C14().v14", ""]
    path = tmp_path / "classes.py"
    path.write_text("\n".join(lines))
    returns = _returns(path)
    assert (returns["first"], returns["last"]) == ("str", "int")


def test_each_finding_gets_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "imports.py"
    path.write_text("".join(f"import missing_module_{i}\n" for i in range(60)))
    diagnostics, _ = check_paths([path], InferOptions(use_cache=False))
    findings = [f for f in build_findings(diagnostics) if f.code == "unresolved-import"]
    assert len(findings) == 60
    assert all(f.line_text == f"import missing_module_{f.line - 1}" for f in findings)
