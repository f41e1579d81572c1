"""``typelens analyze`` on one file starts without what it does not use: the real
command line, run in a fresh Python (a cold run, then one answered from the result
cache), imports none of the models' runtimes, the dataset or language-server code,
rich, pydantic or typer, the other commands' modules, nor the standard modules only other commands need
(multiprocessing for ``--jobs``, ``xml.sax`` for GraphML, ``http`` behind it).
Each of these cost tens of milliseconds of a start that should stay well under half
a second; how long it takes is measured in the report, not asserted here."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.e2e

NOT_FOR_ANALYZE = (
    "numpy",
    "onnxruntime",
    "torch",
    "transformers",
    "pyarrow",
    "datasketch",
    "dask",
    "networkx",
    "rich",
    "pydantic",
    "typer",  # its usual lines are read without it (cli/batch.py)
    "pygls",
    "lsprotocol",
    "typelens.datasets",
    "typelens.monitors",
    "typelens.typeinfer.neural",
    "typelens.typeinfer.hybrid",
    "typelens.typeinfer.features",  # the classifier's features
    "typelens.typeinfer.workers",  # --jobs 2 and up
    "typelens.analyzer.rewrite",  # recovery of a file with a syntax error
    "typelens.analyzer.lenient",
    "importlib.readers",  # importlib.resources' (typeshed-client finds its typeshed through them)
    "zipfile",
    "_hashlib",  # OpenSSL: typelens hashes with blake2b from _blake2 (analyzer/digest.py)
    "typelens.lsp.server",
    "typelens.cli.complete_cmd",  # the other commands: the app of `analyze` alone is built
    "typelens.cli.dataset_cmd",
    "typelens.cli.graph_cmd",
    "typelens.cli.infer_cmd",
    "typelens.cli.model_cmds",
    "multiprocessing",
    "concurrent.futures.process",
    "xml.sax",
    "urllib.request",
    "http",
)

# The modules are listed by an atexit handler: batch commands leave through
# cli.main.hard_exit, which runs such handlers and skips the rest of shutdown.
# A module cli/deferred.py put in sys.modules whose code never ran is not listed.
DRIVER = """
import atexit, json, sys
from typelens.cli.main import main
sys.argv = ["typelens", *sys.argv[1:]]
watched = tuple(json.loads(sys.stdin.read()))
def loaded(module):  # a module cli.deferred left unrun is not loaded
    return module is not None and type(module).__name__ != "DeferredModule"
atexit.register(
    lambda: print(json.dumps(sorted(m for m in sys.modules if loaded(sys.modules[m]) and m.startswith(watched))))
)
main()
"""


def _imports_of(
    argv: list[str], cwd: Path, cache: Path, watched: list[str] | None = None
) -> tuple[int, str, list[str]]:
    """Run ``typelens ARGV`` in a fresh Python; its exit status, output and the
    ``watched`` modules (default: those ``analyze`` must not load) it imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env["TYPELENS_CACHE_DIR"] = str(cache)
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, *argv],
        input=json.dumps(NOT_FOR_ANALYZE if watched is None else watched),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr
    return run.returncode, "\n".join(lines[:-1]), json.loads(lines[-1])


def test_analyze_on_one_file_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    source = (ROOT / "examples" / "shop" / "shop" / "service.py").read_text(encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "service.py").write_text(source, encoding="utf-8")
    runs = {
        "cold": ["analyze", "service.py", "--no-cache"],
        "cache written": ["analyze", "service.py"],
        "from the cache": ["analyze", "service.py", "--format", "json"],
    }
    for what, argv in runs.items():
        code, out, heavy = _imports_of(argv, work, tmp_path / "cache")
        assert code == 1, (what, out)
        assert heavy == [], what
    assert json.loads(out)["stats"]["cache_hits"] == 1
    assert {row["code"] for row in json.loads(out)["diagnostics"]} >= {"optional-member-access"}


def test_the_watch_list_sees_a_module_that_is_imported(tmp_path: Path) -> None:
    """The driver itself works: ``graph --format graphml`` does need ``xml.sax``."""
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    code, _, heavy = _imports_of(["graph", "m.py", "--format", "graphml"], tmp_path, tmp_path / "cache")
    assert code == 0
    assert any(m.startswith("xml.sax") for m in heavy), heavy


@pytest.mark.parametrize(
    ("source", "argv", "loaded"),
    [
        ("x = 1\n", ["analyze", "m.py", "--no-cache"], []),
        ("def f(x:\n    return x\n", ["analyze", "m.py", "--no-cache"], ["typelens.analyzer.rewrite"]),
        ("x = 1\n", ["infer", "m.py", "--no-cache"], []),
        ("x = 1\n", ["infer", "m.py", "--no-cache", "--jobs", "2"], ["typelens.typeinfer.workers"]),
    ],
    ids=["clean-file", "syntax-error", "one-job", "two-jobs"],
)
def test_recovery_and_workers_load_only_for_a_run_that_needs_them(
    tmp_path: Path, source: str, argv: list[str], loaded: list[str]
) -> None:
    """A file that parses cleanly is checked for misaligned statements without the
    rewriting machinery (:mod:`~typelens.analyzer.rewrite`), which a file with a
    syntax error loads; the workers' module loads for ``--jobs 2`` and up only."""
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    watched = ["typelens.analyzer.rewrite", "typelens.typeinfer.workers"]
    code, out, found = _imports_of(argv, tmp_path, tmp_path / "cache", watched)
    assert code in (0, 1), out
    assert found == loaded


def test_the_command_tree_is_built_with_the_collector_paused() -> None:
    """``cli.main.build_command`` imports and builds the command's app with the
    cyclic collector paused and leaves it on or off as it found it; for a batch
    command (one that leaves through ``hard_exit``) what exists is frozen, for
    the others nothing (their heap is torn down at exit: ``test_cli_exit``)."""
    from typelens.cli.main import build_command

    try:
        for enabled in (True, False):
            for argv, frozen in ((["analyze", "--help"], True), (["lsp", "--help"], False)):
                gc.enable() if enabled else gc.disable()
                gc.unfreeze()
                assert build_command(argv) is not None
                assert gc.isenabled() == enabled
                assert (gc.get_freeze_count() > 0) == frozen, argv
    finally:
        gc.unfreeze()
        gc.enable()


_THREADS_AFTER_NUMPY = """
import os, sys
from typelens.cli.main import one_blas_thread
one_blas_thread(sys.argv[1:])
import numpy
numpy.ones((64, 64)) @ numpy.ones((64, 64))
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2, reason="counts Linux threads")
def test_a_batch_command_multiplies_with_one_blas_thread() -> None:
    """``analyze`` / ``infer`` / ``graph`` set ``OPENBLAS_NUM_THREADS=1`` before numpy
    loads (its other threads spin after each small product); a user's value is
    kept; the language server and ``complete`` keep OpenBLAS's default."""

    def run(argv: list[str], **env: str) -> tuple[str, int]:
        environ = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        done = subprocess.run(
            [sys.executable, "-c", _THREADS_AFTER_NUMPY, *argv],
            capture_output=True,
            text=True,
            env={**environ, **env},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        value, threads = done.stdout.split()
        return value, int(threads)

    assert run(["infer", "src"]) == ("1", 1)
    assert run(["analyze", "src", "--jobs", "2"]) == ("1", 1)
    assert run(["infer", "src"], OPENBLAS_NUM_THREADS="2")[0] == "2"
    value, threads = run(["lsp"])
    assert value == "None" and threads > 1  # OpenBLAS's own pool
    assert run(["complete", "a.py:1:1"])[0] == "None"


# What a run answered from the result cache never needs: the parser, the graph builder
# and the engine (it reads answers; nothing is parsed or inferred).
NOT_FOR_A_CACHED_RUN = (
    "tree_sitter",
    "tree_sitter_python",
    "tree_sitter_typescript",
    "typeshed_client",
    "typelens.analyzer.builder",
    "typelens.analyzer.project",
    "typelens.analyzer.typescript.",
    "typelens.typeinfer.engine",
    "typelens.typeinfer.session",
    "typelens.typeinfer.predictions",
    "onnxruntime",
)


@pytest.mark.parametrize(
    "argv",
    [["analyze", "service.py", "--format", "json"], ["infer", "service.py", "--format", "json"]],
    ids=["analyze", "infer"],
)
@pytest.mark.pure_only(
    reason="its second run drops PYTHONPATH: the pure core, whose model folder keys the result cache"
)
def test_a_run_answered_from_the_result_cache_loads_no_parser_nor_engine(tmp_path: Path, argv: list[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "service.py").write_bytes((ROOT / "examples" / "shop" / "shop" / "service.py").read_bytes())
    first = subprocess.run(
        [sys.executable, "-m", "typelens.cli", *argv],
        capture_output=True,
        cwd=work,
        env={**os.environ, "TYPELENS_CACHE_DIR": str(tmp_path / "cache")},
        timeout=300,
    )
    _, out, loaded = _imports_of(argv, work, tmp_path / "cache", NOT_FOR_A_CACHED_RUN)
    cached, fresh = json.loads(out), json.loads(first.stdout)
    assert cached["stats"]["cache_hits"] == 1 and fresh["stats"]["cache_hits"] == 0
    rows = "diagnostics" if argv[0] == "analyze" else "predictions"
    assert cached[rows] == fresh[rows] and cached[rows]
    assert loaded == [], loaded


@pytest.mark.parametrize("package", ["typelens.analyzer", "typelens.analyzer.typescript"])
def test_a_lazy_package_gives_every_name_it_lists(package: str) -> None:
    """Each name of the package's ``__all__`` loads from its module on first use (and
    is the module's own object); a name it does not list is an AttributeError."""
    code = (
        f"import importlib, sys; p = importlib.import_module({package!r}); "
        "before = sorted(m for m in sys.modules if m.startswith('tree_sitter')); "
        "values = {n: getattr(p, n) for n in p.__all__}; "
        "assert set(p.__all__) == set(p._HOMES) and set(p.__all__) <= set(dir(p)); "
        "assert all(getattr(importlib.import_module(h, p.__name__), n) is values[n] for n, h in p._HOMES.items()); "
        "missing = not hasattr(p, 'no_such_name'); "
        "print(before, missing)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[]", "True"]


@pytest.mark.parametrize(
    ("source", "loads"),
    [("x = 1\nNAMES = ['a', 'b']\n", False), ("def twice(n):\n    return n * 2\n", True)],
    ids=["every-answer-certain", "a-parameter-to-guess"],
)
def test_infer_loads_the_classifier_only_when_an_answer_needs_it(tmp_path: Path, source: str, loads: bool) -> None:
    """``infer`` (hybrid) checks the model folder at once but imports numpy and
    onnxruntime, and builds the session, only for an answer static inference is
    not sure of (an unannotated parameter always asks the classifier)."""
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    code, out, loaded = _imports_of(
        ["infer", "m.py", "--format", "json"], tmp_path, tmp_path / "cache", ["numpy", "onnxruntime"]
    )
    assert code == 0 and json.loads(out)["predictions"]
    assert bool(loaded) == loads, loaded
    assert any((tmp_path / "cache" / "library" / "models").glob("classifier-*/model.onnx")) == loads


def test_an_edit_run_answers_the_classifiers_batches_of_the_last_run(tmp_path: Path) -> None:
    """After an edit that leaves a file's samples as they were, ``infer`` gives that
    file the classifier's answers of the last run (kept by batch in
    ``.typelens-cache``): no numpy, no onnxruntime, and a cold run's answers."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.py").write_text("def twice(n):\n    return n * 2\n", encoding="utf-8")
    b = project / "b.py"
    b.write_text('def inc(n):\n    return n + 1\n\n\nTABLE = {"a": 1, "b": 2, "c": 3, "d": 4}\n', encoding="utf-8")
    argv = ["infer", "proj", "--format", "json"]
    _, cold, loaded = _imports_of(argv, tmp_path, tmp_path / "cache", ["numpy", "onnxruntime"])
    assert loaded and list((project / ".typelens-cache").glob("classifier-*.json"))
    for line in ("x = 1\n", "y = 2\n"):  # the second edit is answered file by file
        b.write_text(b.read_text(encoding="utf-8") + line, encoding="utf-8")
        code, edited, loaded = _imports_of(argv, tmp_path, tmp_path / "cache", ["numpy", "onnxruntime"])
    _, fresh, _ = _imports_of([*argv, "--no-cache"], tmp_path, tmp_path / "fresh-cache", [])
    assert code == 0 and loaded == []
    rows = json.loads(edited)["predictions"]
    assert rows == json.loads(fresh)["predictions"]
    assert any(row["source"] in ("neural", "hybrid") for row in rows)
