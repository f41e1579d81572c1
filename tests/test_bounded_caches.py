"""The in-memory caches of a session stay bounded: the index's graphs (LRU of
``cache_size``) and the engines' shared answers about library files."""

from __future__ import annotations

from pathlib import Path

from typelens.analyzer import ProjectIndex
from typelens.typeinfer import session as session_module
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.settings import Settings


def _project(tmp_path: Path, count: int) -> Path:
    for i in range(count):
        (tmp_path / f"m{i}.py").write_text(f"import os\nx{i} = os.getcwd()\n")
    return tmp_path


def test_the_index_keeps_at_most_cache_size_graphs(tmp_path: Path) -> None:
    root = _project(tmp_path, 6)
    index = ProjectIndex(root, cache_size=4)
    for i in range(6):
        assert index.graph_of(root / f"m{i}.py") is not None
    assert len(index._graphs) == 4 and index.evictions == 2


def test_shared_library_answers_are_dropped_past_their_limit(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path, 2)
    session = AnalysisSession(root, Settings(cache=False))
    session.analyse(root / "m1.py", engine=session.engine()).predictions()
    learned = len(session.library.answers)
    assert learned > 0  # os's stub answered once, for every engine
    monkeypatch.setattr(session_module, "LIBRARY_ANSWERS_LIMIT", learned - 1)
    session.engine()
    assert session.library.answers == {}


def test_an_engines_remembered_names_follow_a_buffer_given_later(tmp_path: Path) -> None:
    """``TypeEngine.resolve_name`` answers each name once per engine; a graph given
    to the engine afterwards (an editor buffer) is read, not the remembered answer."""
    from typelens.analyzer import Definition, build_graph

    (tmp_path / "lib.py").write_text("def helper(x):\n    return x\n")
    (tmp_path / "main.py").write_text("from lib import helper\n")
    session = AnalysisSession(tmp_path, Settings(cache=False))
    engine = session.engine()
    found = engine.resolve_name("lib", "helper")
    assert isinstance(found, Definition) and engine.resolve_name("lib", "helper") is found
    lib = str((tmp_path / "lib.py").resolve())
    engine.use_graph(lib, build_graph("def other(x):\n    return x\n", lib))
    assert engine.resolve_name("lib", "helper") is None


def test_arity_signatures_are_read_once_per_def_and_binding(tmp_path: Path) -> None:
    from typelens.analyzer import build_graph
    from typelens.typeinfer.check_arity import signatures_of_function
    from typelens.typeinfer.types import ClassType, FunctionRef

    (tmp_path / "m.py").write_text("class C:\n    def f(self, a, b=1):\n        return a\n")
    session = AnalysisSession(tmp_path, Settings(cache=False))
    engine = session.engine()
    path = str((tmp_path / "m.py").resolve())
    g = engine.require_graph(path)
    node = next(s.node for s in g.scopes if s.name == "f")
    bound = signatures_of_function(engine, FunctionRef(path, node, ClassType("m.C")))
    plain = signatures_of_function(engine, FunctionRef(path, node, None))
    assert bound is not None and [s.name for s in bound[0].slots] == ["a", "b"]
    assert plain is not None and [s.name for s in plain[0].slots] == ["self", "a", "b"]
    assert signatures_of_function(engine, FunctionRef(path, node, ClassType("m.C"))) is bound
    engine.use_graph(path, build_graph("class C:\n    def f(self, a):\n        return a\n", path))  # a buffer
    again = signatures_of_function(engine, FunctionRef(path, node, ClassType("m.C")))
    assert again is not None and [s.name for s in again[0].slots] == ["a"]
