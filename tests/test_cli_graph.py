"""``typelens graph`` end to end through the installed console script, and the
export formats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from typelens.analyzer import EdgeKind, build_graph, graph_to_dict, to_dot, to_graphml, to_networkx

from .conftest import ROOT

SHOP = ROOT / "examples" / "shop"


def typelens(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("typelens", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "typelens.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


def test_json_schema_of_a_project() -> None:
    run = typelens("graph", str(SHOP), "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema"] == "typelens.graph/1"
    assert {f["path"] for f in doc["files"]} == {
        "shop/__init__.py",
        "shop/models.py",
        "shop/pricing.py",
        "shop/service.py",
        "shop/report.py",
    }
    ids = {n["id"] for n in doc["nodes"]}
    assert len(ids) == len(doc["nodes"])
    for edge in doc["edges"]:
        assert edge["src"] in ids and edge["dst"] in ids
        assert edge["kind"] in {k.value for k in EdgeKind}
    node = doc["nodes"][0]
    assert set(node) >= {"id", "file", "kind", "start", "end", "start_byte", "end_byte", "scope"}
    kinds = {e["kind"] for e in doc["edges"]}
    assert {"ast", "cfg_next", "cfg_true", "dfg", "call", "return", "import"} <= kinds
    report = [d for d in doc["diagnostics"] if d["code"] == "syntax-error"]
    assert report and doc["files"][report[0]["file"]]["path"] == "shop/report.py"


def test_edge_filter() -> None:
    run = typelens("graph", str(SHOP / "shop" / "pricing.py"), "--edges", "cfg,call")
    doc = json.loads(run.stdout)
    assert {e["kind"] for e in doc["edges"]} <= {k.value for k in EdgeKind if k.value.startswith("cfg")} | {"call"}
    assert doc["files"][0]["path"] == "pricing.py"


def test_graphml_and_dot(tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    run = typelens("graph", str(SHOP / "shop" / "models.py"), "--format", "graphml", "-o", str(out))
    assert run.returncode == 0, run.stderr
    g = nx.read_graphml(out)
    assert g.number_of_nodes() > 50
    run = typelens("graph", str(SHOP / "shop" / "models.py"), "--format", "dot", "--edges", "dfg")
    assert run.stdout.startswith("digraph typelens {") and "->" in run.stdout


def test_text_format_lists_diagnostics_with_1_based_positions() -> None:
    run = typelens("graph", str(SHOP), "--format", "text")
    assert run.returncode == 0
    assert "shop/report.py:9:" in run.stdout and "[syntax-error]" in run.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["graph", "does/not/exist.py"], "does not exist"),
        (["graph", ".", "--edges", "nonsense"], "not an edge kind"),
        (["graph", ".", "--format", "yaml"], "yaml"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    run = typelens(*args, cwd=ROOT)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_binary_file_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_bytes(bytes(range(256)) * 10)
    run = typelens("graph", str(path), "--format", "text")
    assert run.returncode == 0 and "[binary-file]" in run.stdout


def test_networkx_export_matches_edges() -> None:
    g = build_graph("def f(a):\n    return a\nf(1)\n")
    nxg = to_networkx(g)
    assert nxg.number_of_nodes() == len(g)
    counted = sum(1 for _, _, data in nxg.edges(data=True) if data["kind"] == "dfg")
    assert counted == len(g.edges(EdgeKind.DFG))
    ast_labels = {data["label"] for _, _, data in nxg.edges(data=True) if data["kind"] == "ast"}
    assert {"name", "parameters", "body"} <= ast_labels


def test_dict_and_text_exports_agree() -> None:
    g = build_graph("x = 1\nprint(x)\n")
    doc = graph_to_dict(g, [EdgeKind.DFG])
    assert len(doc["edges"]) == 1
    root = ET.fromstring(to_graphml(g, [EdgeKind.DFG]))
    assert root.tag.endswith("graphml")
    assert to_dot(g).count("->") == sum(1 for _ in g.iter_edges())
