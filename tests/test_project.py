"""Cross-file resolution: project modules, relative imports, re-exports, __all__,
star imports, a src layout, typeshed stubs and installed packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from typelens.analyzer import (
    Definition,
    EdgeKind,
    InputError,
    ModuleLocation,
    ProjectIndex,
    build_project_graph,
    slice_of,
)

FILES = {
    "app/__init__.py": "from .core import Engine, make\nfrom .util import *\n__all__ = ['Engine', 'make', 'helper']\n",
    "app/core.py": "from .util import helper\n\nclass Engine:\n    def __init__(self, speed):\n        self.speed = speed\n\n"
    "def make(speed):\n    return Engine(helper(speed))\n",
    "app/util.py": "__all__ = ['helper']\n\ndef helper(value):\n    return value * 2\n\ndef _private():\n    pass\n",
    "app/sub/__init__.py": "",
    "app/sub/deep.py": "from ..core import make as build\nfrom ... import nothing\n\ndef run(n):\n    return build(n)\n",
    "main.py": "import app\nfrom app import make, Engine\nimport os.path\nimport typer\nimport not_a_module\n\n"
    "engine = make(3)\nother = app.make(4)\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "ignored.py").write_text("x = 1\n")
    return tmp_path


def test_modules_are_discovered_and_venvs_skipped(project: Path) -> None:
    index = ProjectIndex(project)
    assert set(index.modules) == {"app", "app.core", "app.util", "app.sub", "app.sub.deep", "main"}


def test_resolve_module_origins(project: Path) -> None:
    index = ProjectIndex(project)
    assert index.resolve_module("app.core").origin == "project"
    assert index.resolve_module("app").is_package
    stub = index.resolve_module("os.path")
    assert stub.origin == "stub" and stub.path.suffix == ".pyi"
    installed = index.resolve_module("typer")
    assert installed.origin in ("installed", "stub") and installed.path.exists()
    assert index.resolve_module("not_a_module") is None
    assert index.resolve_module("") is None


def test_reexport_through_init(project: Path) -> None:
    index = ProjectIndex(project)
    found = index.resolve_name("app", "Engine")
    assert isinstance(found, Definition)
    assert found.path.name == "core.py" and found.kind.value == "class"


def test_star_import_and_dunder_all(project: Path) -> None:
    index = ProjectIndex(project)
    found = index.resolve_name("app", "helper")
    assert isinstance(found, Definition) and found.path.name == "util.py"
    assert index.exported_names("app.util") == ["helper"]
    assert index.exported_names("app") == ["Engine", "make", "helper"]


@pytest.mark.pure_only(reason="spies on project.build_graph_safely")
def test_star_chain_reads_only_modules_that_can_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package star-importing many modules (transformers' ``models``): the name is
    found behind the chain; modules whose text neither names it nor star-imports are
    not parsed; a second walk parses nothing; an edit is seen."""
    pkg = tmp_path / "lib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("".join(f"from .m{i} import *\n" for i in range(40)))
    for i in range(40):
        (pkg / f"m{i}.py").write_text(f"def f{i}():\n    return {i}\n")
    (pkg / "m33.py").write_text("from .deep import *\n")
    (pkg / "deep.py").write_text("if False:\n    pass\nclass Wanted:\n    pass\n")
    import typelens.analyzer.project as project_module

    built: list[str] = []
    real = project_module.build_graph_safely
    monkeypatch.setattr(
        project_module, "build_graph_safely", lambda path, **kw: built.append(Path(path).name) or real(path, **kw)
    )
    index = ProjectIndex(tmp_path, cache_size=1)
    found = index.resolve_name("lib", "Wanted")
    assert isinstance(found, Definition) and found.path.name == "deep.py" and found.kind.value == "class"
    assert sorted(built) == ["__init__.py", "deep.py", "m33.py"]
    assert index.resolve_name("lib", "f7") is not None and index.resolve_name("lib", "Missing") is None
    built.clear()
    assert index.resolve_name("lib", "Missing") is None and built == []  # names tables, not graphs
    (pkg / "deep.py").write_text("class Other:\n    pass\n")
    assert index.resolve_name("lib", "Wanted") is None
    assert index.resolve_module("lib.deep").origin == "project"


def test_relative_imports_two_levels_up(project: Path) -> None:
    index = ProjectIndex(project)
    assert index.absolute_module("app.sub.deep", "core", 2) == "app.core"
    graph = index.graph_of(project / "app" / "sub" / "deep.py")
    binding = next(b for b in graph.imports if b.bound == "build")
    target = index.resolve_binding(graph, binding)
    assert isinstance(target, Definition) and target.name == "make"


def test_submodule_attribute_of_package(project: Path) -> None:
    index = ProjectIndex(project)
    found = index.resolve_name("app", "sub")
    assert isinstance(found, ModuleLocation) and found.name == "app.sub"


def test_import_cycles_terminate(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from b import x\n")
    (tmp_path / "b.py").write_text("from a import x\n")
    assert ProjectIndex(tmp_path).resolve_name("a", "x") is None


def test_src_layout(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    index = ProjectIndex(tmp_path)
    assert "pkg" in index.modules
    assert isinstance(index.resolve_name("pkg", "VALUE"), Definition)


def test_missing_root_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        ProjectIndex(tmp_path / "nope")


def test_cross_file_edges(project: Path) -> None:
    pg = build_project_graph(ProjectIndex(project))
    main = pg.file_index("main.py")
    g = pg.graphs[main]
    calls = {g.text(c): pg.cross_targets(EdgeKind.CALL, main, c) for c in g.nodes_of_kind("call")}
    ((core, make_def),) = calls["make(3)"]
    assert pg.files[core] == "app/core.py" and pg.graphs[core].kinds[make_def] == "function_definition"
    assert calls["app.make(4)"] == calls["make(3)"]
    assert pg.cross_sources(EdgeKind.CALL, core, make_def)
    # make() -> Engine(...) goes to Engine.__init__ inside the same file
    cg = pg.graphs[core]
    engine_call = next(c for c in cg.nodes_of_kind("call") if cg.text(c).startswith("Engine("))
    init = cg.successors(engine_call, EdgeKind.CALL)[0]
    assert cg.scopes[cg.scope_of[init]].name == "Engine"
    imports = pg.cross_edges[EdgeKind.IMPORT]
    assert any(pg.locate(src)[0] == main for src, _ in imports)


def test_slice_follows_calls_across_files(project: Path) -> None:
    pg = build_project_graph(ProjectIndex(project))
    core = pg.file_index("app/core.py")
    g = pg.graphs[core]
    speed = g.find_symbol("speed", "make")
    items = slice_of(pg, speed, file=core, depth=2)
    roles = {(pg.files[i.file], i.role, i.text) for i in items}
    assert ("app/core.py", "def", "speed") in roles
    assert ("app/util.py", "param", "value") in roles  # helper(speed) -> value
    assert ("main.py", "arg", "3") in roles  # callers pass 3
    assert [i.file for i in items][0] == core


def test_unreadable_file_in_project_is_reported_not_fatal(project: Path) -> None:
    bad = project / "app" / "bad.py"
    bad.write_bytes(b"\x00\x01\x02" * 5000)
    pg = build_project_graph(ProjectIndex(project))
    g = pg.graphs[pg.file_index("app/bad.py")]
    assert [d.code for d in g.diagnostics] == ["binary-file"]


def test_cross_file_edges_are_linked_once_on_first_use(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the project graph reads the graphs; the imports and calls of every
    file are resolved the first time an edge is read, once, in file order."""
    import threading
    import time

    index = ProjectIndex(project)
    reference = {kind: list(pairs) for kind, pairs in build_project_graph(index).cross_edges.items()}
    assert reference[EdgeKind.CALL] and reference[EdgeKind.IMPORT]
    resolved: list[str] = []
    original = ProjectIndex.resolve_binding

    def counted(self: ProjectIndex, graph, binding):  # slow enough for the readers to overlap
        resolved.append(graph.path)
        time.sleep(0.01)
        return original(self, graph, binding)

    monkeypatch.setattr(ProjectIndex, "resolve_binding", counted)
    pg = build_project_graph(index)
    assert resolved == []
    seen: list[dict] = []
    readers = [
        threading.Thread(target=lambda: seen.append({k: list(v) for k, v in pg.cross_edges.items()})) for _ in range(4)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert seen == [reference] * 4
    count = len(resolved)
    main = pg.file_index("main.py")
    assert pg.cross_targets(EdgeKind.CALL, main, pg.graphs[main].nodes_of_kind("call")[0]) is not None
    assert len(resolved) == count and resolved == sorted(resolved, key=lambda p: pg.file_index(Path(p)))


def test_a_still_index_looks_at_each_project_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch run's index (``still``) answers for the tree as it first read it;
    a long-lived one (the language server's) sees a file changed on disk."""
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("from a import *\n")
    looked: list[Path] = []
    stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, **k: looked.append(self) or stat(self, **k))
    for still in (True, False):
        (tmp_path / "a.py").write_text("x = 1\n")
        index = ProjectIndex(tmp_path, search_paths=[])
        index.still = still
        first = index.graph_of(tmp_path / "a.py")
        looked.clear()
        for _ in range(5):
            assert index.resolve_name("b", "x") is not None
        assert (looked.count(tmp_path / "a.py") >= 5) != still  # not at all when still
        (tmp_path / "a.py").write_text("x = 'one'\ny = 2\n")
        again = index.graph_of(tmp_path / "a.py")
        assert (again is first) == still


def test_linking_resolves_each_called_module_name_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``util.helper(...)`` called in several files is resolved once for the whole
    link, and every call still gets its edge to the def."""
    (tmp_path / "util.py").write_text("def helper(x):\n    return x\n")
    for name in ("a", "b"):
        (tmp_path / f"{name}.py").write_text("import util\n\nutil.helper(1)\nutil.helper(2)\n")
    asked: list[tuple[str, str]] = []
    resolve = ProjectIndex.resolve_name
    monkeypatch.setattr(
        ProjectIndex,
        "resolve_name",
        lambda self, module, name, *rest: asked.append((module, name)) or resolve(self, module, name, *rest),
    )
    pg = build_project_graph(ProjectIndex(tmp_path, search_paths=[]))
    calls = pg.cross_edges[EdgeKind.CALL]
    assert asked.count(("util", "helper")) == 1
    util = pg.file_index("util.py")
    helper = pg.graphs[util].nodes_of_kind("function_definition")[0]
    assert len(pg.cross_sources(EdgeKind.CALL, util, helper)) == len(calls) == 4
