"""Import reachability (typeinfer/reach.py) and its use: a parameter whose uses fit
several project classes takes the one its file's imports reach."""

from __future__ import annotations

import random
from pathlib import Path

from typelens.typeinfer.reach import _closure
from typelens.typeinfer.run import InferOptions, infer_paths


def _reachable(edges: list[list[int]], start: int) -> int:
    seen, todo = {start}, [start]
    while todo:
        for w in edges[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return sum(1 << v for v in seen)


def test_the_closure_is_what_a_search_reaches() -> None:
    rng = random.Random(27)
    for _ in range(300):
        n = rng.randint(1, 14)
        edges = [sorted({rng.randrange(n) for _ in range(rng.randint(0, 3))}) for _ in range(n)]
        assert _closure(edges) == [_reachable(edges, s) for s in range(n)], edges


def test_a_long_import_chain_does_not_recurse() -> None:
    n = 5000
    edges = [[i + 1] for i in range(n - 1)] + [[0]]  # one cycle through every file
    assert _closure(edges) == [(1 << n) - 1] * n


CORE = """class Context:
    def make_formatter(self):
        return Formatter()


class Formatter:
    def getvalue(self):
        return ""
"""

CLI = """from . import core


def usage(ctx):
    formatter = ctx.make_formatter()
    return formatter.getvalue()
"""


def _params(root: Path) -> dict[tuple[str, str], str | None]:
    result = infer_paths([root], InferOptions(use_cache=False))
    return {
        (p.file.split("/")[-2] + "/" + Path(p.file).name, p.name): p.type
        for p in result.predictions
        if p.kind == "parameter"
    }


def test_the_class_the_imports_reach_is_the_answer(tmp_path: Path) -> None:
    for package in ("app", "vendored"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        name = "Context" if package == "app" else "VendoredContext"
        (tmp_path / package / "core.py").write_text(CORE.replace("Context", name))
        (tmp_path / package / "cli.py").write_text(CLI)
    # a module that imports neither copy cannot name either: no answer
    (tmp_path / "app" / "loose.py").write_text("def usage(ctx):\n    return ctx.make_formatter()\n")
    found = _params(tmp_path)
    assert found[("app/cli.py", "ctx")] == "Context"
    assert found[("vendored/cli.py", "ctx")] == "VendoredContext"
    assert found[("app/loose.py", "ctx")] is None
