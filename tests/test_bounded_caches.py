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
