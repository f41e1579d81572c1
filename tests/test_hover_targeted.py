"""A hover before the file's predictions are worked out (typeinfer/ide/item_answers.py)
asks only the items that can answer about the hovered name: its text and range
must equal those of the hover that read every prediction of the file, at every
identifier of real files (stdlib modules, the bundled examples), in the language
server's mode (hybrid: the classifier refines the static answers) and on engines
of their own, as the server makes them.  The file's predictions worked out after
those hovers must equal a fresh analysis's: what the hovers asked first does not
change the answers the warm-up gives."""

from __future__ import annotations

import random
import shutil
import sysconfig
from pathlib import Path

import pytest

from typelens.analyzer import build_graph
from typelens.lsp.convert import hover_markdown
from typelens.typeinfer.ide.hover import hover
from typelens.typeinfer.session import AnalysisSession, FileAnalysis

from .conftest import ROOT

STDLIB = Path(sysconfig.get_paths()["stdlib"])
FILES = [
    STDLIB / "textwrap.py",
    STDLIB / "shlex.py",
    ROOT / "examples" / "graph_api.py",
    ROOT / "examples" / "shop" / "shop" / "models.py",
    ROOT / "examples" / "shop" / "shop" / "service.py",
]


def _analysis(session: AnalysisSession, path: Path) -> FileAnalysis:
    """A fresh analysis of ``path`` on an engine of its own (as ``lsp.workspace._analysis``)."""
    resolved = str(path.resolve())
    graph = build_graph(path.read_text(encoding="utf-8"), resolved)
    engine = session.engine({resolved: graph}, share_library=False)
    return FileAnalysis(session, resolved, path.name, graph, engine, "hybrid")


def _shown(info) -> tuple[str, int, int] | None:
    """What the server sends for a hover: its markdown and its range."""
    return None if info is None else (hover_markdown(info), info.start, info.end)


def _row(p) -> tuple:
    return (p.span.start_byte, p.kind, p.name, p.type, round(p.confidence, 4), p.source, p.evidence)


@pytest.mark.parametrize("source", FILES, ids=lambda p: p.name)
def test_a_hover_on_one_name_equals_the_hover_reading_the_whole_file(source: Path, tmp_path: Path) -> None:
    if not source.is_file():
        pytest.skip(f"{source} is not installed")
    if source.is_relative_to(ROOT / "examples"):
        shutil.copytree(ROOT / "examples", tmp_path / "examples")
        path = tmp_path / source.relative_to(ROOT)
    else:
        path = tmp_path / source.name
        shutil.copy(source, path)
    session = AnalysisSession(tmp_path)
    whole = _analysis(session, path)
    whole.predictions()
    offsets = sorted({whole.graph.start_bytes[n] for n in whole.graph.names})
    expected = {at: _shown(hover(whole, at)) for at in offsets}
    assert sum(e is not None and "*inferred" in e[0] for e in expected.values()) >= 5  # answers to compare

    targeted = _analysis(session, path)
    order = list(offsets)
    random.Random(7).shuffle(order)  # an editor hovers anywhere: no item asked in the file's order
    differing = [(at, expected[at], found) for at in order if (found := _shown(hover(targeted, at))) != expected[at]]
    assert not targeted.predicted(), "the hovers worked out every prediction of the file"
    assert not differing, f"{len(differing)} of {len(offsets)} hovers differ, first: {differing[0]}"
    assert [_row(p) for p in targeted.predictions()] == [_row(p) for p in whole.predictions()]
