"""Static inference on scripts, data-driven: ``tests/data/typescript/infer/*``
carry ``// ? name: type`` comments above the line they check (``return`` for the
function declared there; ``?`` for no answer; comment lines such as a JSDoc block
between the expectation and its line are skipped); ids are ``file:line``.  The
library is TypeScript's own ``lib.*.d.ts`` where ``make`` installed it, else the
shipped fallback, and every expectation holds with both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from typelens.typeinfer.run import InferOptions, infer_paths
from typelens.typeinfer.typescript.lib import find_typescript_lib

from .conftest import DATA
from .infer_expectations import TypeExpectation, type_expectations

CASES = sorted(p for p in (DATA / "typescript" / "infer").iterdir() if p.suffix in (".ts", ".tsx", ".js"))
EXPECT = re.compile(r"^\s*//\s*\?\s*([\w$]+)\s*:\s*(.+?)\s*$")
_COMMENT = re.compile(r"^\s*(//|/\*|\*)")


def script_expectations(path: Path) -> list[TypeExpectation]:
    return type_expectations(path, EXPECT, _COMMENT.match)


LIBS = ("installed", "builtin")
PARAMS = [
    pytest.param(path, exp, lib, id=f"{lib}:{path.name}:{exp.comment_line}")
    for lib in LIBS
    for path in CASES
    for exp in script_expectations(path)
]
_RESULTS: dict[tuple[Path, str], list] = {}


def predictions_of(path: Path, lib: str, monkeypatch: pytest.MonkeyPatch):
    """The file's predictions with TypeScript's installed lib files, or with the shipped fallback."""
    if lib == "installed" and find_typescript_lib(path.parent) is None:
        pytest.skip("no TypeScript installed (make installs it with npm)")
    if (path, lib) not in _RESULTS:
        if lib == "builtin":
            monkeypatch.setenv("TYPELENS_TYPESCRIPT_LIB", "builtin")
        _RESULTS[(path, lib)] = infer_paths([path], InferOptions(use_cache=False)).predictions
    return _RESULTS[(path, lib)]


@pytest.mark.parametrize("path,exp,lib", PARAMS)
def test_expected_type(path: Path, exp: TypeExpectation, lib: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        p
        for p in predictions_of(path, lib, monkeypatch)
        if p.span.start_row + 1 == exp.target_line
        and (p.name == exp.name and p.kind != "return" or exp.name == "return" and p.kind == "return")
    ]
    assert rows, f"no prediction for {exp.name} on line {exp.target_line}"
    got = [p.type or "?" for p in rows]
    assert exp.type in got, f"{exp.name}: expected {exp.type}, got {got}"


def test_every_case_has_expectations() -> None:
    assert len(CASES) >= 5
    for path in CASES:
        assert script_expectations(path), path.name


def test_the_fallback_library_is_small_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from typelens.typeinfer.typescript.lib import FALLBACK, LibDeclarations

    monkeypatch.setenv("TYPELENS_TYPESCRIPT_LIB", "builtin")
    assert find_typescript_lib(Path.cwd()) is None
    lib = LibDeclarations(None)
    assert lib.is_fallback and list(lib.graphs) == [str(FALLBACK)]
    assert {"Array", "Promise", "Map", "String"} <= set(lib.interfaces) and "Math" in lib.values
