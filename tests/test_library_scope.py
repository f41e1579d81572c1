"""A package inside a library folder is its own project: the standard library like
site-packages.  ``typelens infer <stdlib>/asyncio`` had walked and built graphs
for the whole standard library (about 1.9 GB)."""

from __future__ import annotations

import os
from pathlib import Path

from typelens.analyzer import project_scope
from typelens.analyzer.layout import is_library_root
from typelens.typeinfer.run import InferOptions, infer_paths

STDLIB = Path(os.__file__).parent


def test_the_stdlib_and_site_packages_are_library_roots(tmp_path: Path) -> None:
    assert is_library_root(STDLIB)
    assert project_scope(STDLIB, STDLIB / "asyncio" / "events.py") == STDLIB / "asyncio"
    assert project_scope(STDLIB, STDLIB / "json") == STDLIB / "json"
    assert not is_library_root(tmp_path)
    # a scratch folder (no project marker) is no project: the package is
    assert project_scope(tmp_path, tmp_path / "pkg" / "m.py") == tmp_path / "pkg"
    assert project_scope(tmp_path, tmp_path / "loose.py") == tmp_path / "loose.py"
    for marker in ("pyproject.toml", "setup.py", ".git"):
        project = tmp_path / marker.strip(".")
        (project / "pkg").mkdir(parents=True)
        (project / marker).write_text("")
        assert project_scope(project, project / "pkg" / "m.py") == project, marker
    src = tmp_path / "layout" / "src"
    src.mkdir(parents=True)
    (src.parent / "setup.cfg").write_text("")
    assert project_scope(src, src / "pkg" / "m.py") == src


def test_a_stdlib_like_folder_analyses_only_the_package_asked_for(tmp_path: Path) -> None:
    lib = tmp_path / "python3.99"
    for name in ("importlib", "pkg", "other"):
        (lib / name).mkdir(parents=True)
        (lib / name / "__init__.py").write_text("")
    (lib / "os.py").write_text("sep = '/'\n")
    (lib / "pkg" / "mod.py").write_text("from .helpers import make\n\nvalue = make()\n")
    (lib / "pkg" / "helpers.py").write_text("def make():\n    return 1\n")
    (lib / "other" / "big.py").write_text("x = 1\n")
    result = infer_paths([lib / "pkg"], InferOptions(mode="static", use_cache=False))
    assert {p.name: p.type for p in result.predictions}["value"] == "int"
    engine = result.engines[str(lib.resolve())]
    assert set(engine.index.modules) == {"pkg", "pkg.mod", "pkg.helpers"}


def test_inferring_a_stdlib_package_builds_graphs_only_for_what_it_reaches() -> None:
    result = infer_paths([STDLIB / "json"], InferOptions(mode="static", use_cache=False))
    engine = result.engines[str(STDLIB.resolve())]
    assert set(engine.index.modules) == {"json", "json.decoder", "json.encoder", "json.scanner", "json.tool"}
    assert {p.file for p in result.predictions} == {"__init__.py", "decoder.py", "encoder.py", "scanner.py", "tool.py"}
    assert len(engine.project.graphs) == 5
