"""``--jobs N``: files answered in forked worker processes (``typeinfer/workers.py``).

Real processes throughout: the answers of ``infer`` and ``analyze`` with
workers equal one process's on a small multi-file project, a worker that dies
costs the file it was answering an ``internal-error`` (the rest of its share is
answered by the parent), a file past its work budget in a worker is a partial
answer, and Ctrl-C in the parent leaves no worker behind."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from typelens.analyzer import ProjectIndex
from typelens.typeinfer import run, workers
from typelens.typeinfer.engine import TypeEngine
from typelens.typeinfer.file_answers import FileAnswer
from typelens.typeinfer.neural.batch_answers import BatchAnswers
from typelens.typeinfer.run import InferOptions, check_paths, infer_paths
from typelens.typeinfer.settings import Settings

from .conftest import write_tree

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="workers are forked")

# parameters typed from call sites in other files, a class used across modules, a finding
PROJECT = {
    "pkg/__init__.py": "from .shapes import Box\n",
    "pkg/shapes.py": (
        "class Box:\n"
        "    def __init__(self, width, height):\n"
        "        self.width = width\n"
        "        self.height = height\n\n"
        "    def area(self):\n"
        "        return self.width * self.height\n"
    ),
    "pkg/make.py": (
        "from .shapes import Box\n\n"
        "def square(side):\n"
        "    return Box(side, side)\n\n"
        "def label(box):\n"
        "    return f'{box.area():.1f}'\n"
    ),
    "pkg/use.py": (
        "from .make import label, square\n\n"
        "def report(sides):\n"
        "    return [label(square(s)) for s in sides]\n\n"
        "report([1.5, 2.0])\n"
        "square(2).depth\n"
    ),
    "pkg/text.py": (
        "import os\n\n"
        "def stem(path):\n"
        "    return os.path.splitext(path)[0].upper()\n\n"
        "def stems(paths):\n"
        "    return {stem(p) for p in paths}\n\n"
        "stems(['a.py'])\n"
    ),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(workers, "MIN_FILES", 0)  # workers for a project this small
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    return write_tree(tmp_path, PROJECT) / "pkg"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many files each call of ``answer_in_workers`` handed to workers."""
    calls: list[int] = []
    real = workers.answer_in_workers

    def spy(engine, files, ask, jobs, sidecar=None):
        calls.append(len(files))
        return real(engine, files, ask, jobs, sidecar)

    monkeypatch.setattr(workers, "answer_in_workers", spy)
    return calls


def _rows(result) -> list[tuple]:
    return [(p.path, p.scope, p.name, p.kind, p.type, p.confidence, p.span, p.source) for p in result.predictions]


@pytest.mark.pure_only(reason="spies on workers.answer_in_workers")
def test_workers_infer_what_one_process_infers(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = infer_paths([project], InferOptions(mode="static", use_cache=False))
    calls = _spy(monkeypatch)
    two = infer_paths([project], InferOptions(mode="static", use_cache=False, jobs=2))
    assert calls and calls[0] >= 2  # the files after the warm-up went to the workers
    assert _rows(two) == _rows(one)
    assert two.diagnostics == one.diagnostics
    assert {"float", "Box"} <= {p.type for p in one.predictions if p.name in ("side", "square")}


@pytest.mark.pure_only(reason="spies on workers.answer_in_workers")
def test_workers_check_what_one_process_checks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uncached = Settings(cache=False)  # else the second run, finding the first's entry, records reads
    one, _ = check_paths([project], InferOptions(settings=uncached))
    calls = _spy(monkeypatch)
    two, _ = check_paths([project], InferOptions(settings=uncached, jobs=2))
    assert calls
    assert two == one
    assert any(d.code == "attr-defined" and d.path.endswith("use.py") for d in one)


def test_the_cli_answers_the_same_with_jobs(project: Path) -> None:
    def cli(*args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "typelens.cli", *args, "--no-cache", "--format", "json", str(project)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        found = json.loads(done.stdout)
        found["stats"].pop("seconds")
        return found

    # the project is under the threshold here (a subprocess): the option reaches the runner
    assert cli("analyze", "--jobs", "2") == cli("analyze", "--jobs", "1")
    assert cli("infer", "--mode", "static", "-j", "2") == cli("infer", "--mode", "static")


def test_a_worker_that_dies_costs_one_file(project: Path) -> None:
    files = sorted(project.glob("*.py"))
    parent = os.getpid()
    doomed = files[1]

    def answer(engine, path):
        if path == doomed and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return [], []

    session = run.open_session(run.file_sets([project])[0], InferOptions(mode="static"))
    found = run.answer_fresh(session.engine(share_library=False), files, answer, jobs=2)
    assert set(found) == set(files)  # the rest of its share: answered by the parent
    (error,) = found[doomed].diagnostics
    assert error.code == "internal-error" and "SIGKILL" in error.message
    assert all(not found[f].diagnostics for f in files if f != doomed)
    assert not multiprocessing.active_children()


def test_shares_are_runs_of_consecutive_files_of_about_equal_size(tmp_path: Path) -> None:
    sizes = [10, 10, 10, 10, 40, 10, 10]
    files = [write_tree(tmp_path, {f"m{i}.py": "#" * (size - 1) + "\n"}) / f"m{i}.py" for i, size in enumerate(sizes)]
    shares = workers.shares_of(files, 2)
    assert [f for share in shares for f in share] == files
    assert [len(s) for s in shares] == [4, 3]
    assert workers.shares_of(files, 10) == [[f] for f in files]
    assert workers.shares_of(files[:1], 3) == [files[:1]]


def test_a_file_past_its_budget_in_a_worker_is_partial(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typelens.typeinfer import predictions

    monkeypatch.setattr(predictions, "ITEM_STEPS", 20)  # each function's or name's questions
    result = infer_paths([project], InferOptions(mode="static", use_cache=False, jobs=2))
    partial = {d.path for d in result.diagnostics if d.code == "analysis-budget"}
    assert partial and all(Path(p).parent == project.resolve() for p in partial)
    answered = {p.path for p in result.predictions} | partial
    assert answered == {str(f.resolve()) for f in project.glob("*.py") if f.name != "__init__.py"}


def test_ctrl_c_leaves_no_worker_behind(project: Path, tmp_path: Path) -> None:
    files = sorted(project.glob("*.py"))
    pids = tmp_path / "pids"
    pids.mkdir()

    def ask(engine, path) -> FileAnswer:
        (pids / str(os.getpid())).touch()
        time.sleep(120)
        return FileAnswer(str(path), (), (), (), ())

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    saved = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 3.0)  # not inherited by the forked workers
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            workers.answer_in_workers(TypeEngine(ProjectIndex(project)), files, ask, 2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, saved)
    assert time.monotonic() - started < 60
    assert not multiprocessing.active_children()
    for pid in (int(p.name) for p in pids.iterdir()):
        with pytest.raises(ProcessLookupError):  # ended and reaped
            os.kill(pid, 0)


def test_a_workers_classifier_batches_reach_the_parents_file(tmp_path: Path) -> None:
    worker = BatchAnswers(tmp_path / "answers.json")
    worker.put("batch-x", [[("int", 0.75)]])
    sent = json.loads(json.dumps(worker.new_batches()))  # the pipe carries JSON
    assert worker.new_batches() == {}  # each batch is sent once
    parent = BatchAnswers(tmp_path / "answers.json")
    parent.add_batches(sent)
    parent.save()
    assert BatchAnswers(tmp_path / "answers.json").get("batch-x") == [[("int", 0.75)]]


def _session_processes(sid: int) -> list[int]:
    """The processes of session ``sid`` still running (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # not a process, or gone meanwhile
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _interrupted_run(command: list[str], env: dict[str, str]) -> tuple[int, int, bytes]:
    """``command`` run in its own process group, sent Ctrl-C once its workers run:
    its process id, exit status and stderr."""
    child = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None and len(_session_processes(child.pid)) < 3:
            time.sleep(0.05)
        assert child.poll() is None, "the run ended before any worker started"
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        err = child.communicate(timeout=60)[1]
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return child.pid, child.returncode, err


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_on_the_command_line_leaves_no_process(tmp_path: Path) -> None:
    # above the thresholds (24 files, 150 KB): the command line forks workers
    body = "".join(
        f"def f{i}(x, y=1):\n    return g{i}(x) + y\n\ndef g{i}(v):\n    return [v] * {i}\n\n" for i in range(80)
    )
    files = {f"big/m{n:02}.py": f"from .m{(n + 1) % 26:02} import f1\n\n{body}f1(2.5)\n" for n in range(26)}
    project = write_tree(tmp_path, {"big/__init__.py": "", **files}) / "big"
    # a first run keeps the graphs: the second builds none (no graph pool) and answers in workers
    env = {**os.environ, "TYPELENS_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "typelens.cli", "analyze", "--exit-zero", str(project)]
    subprocess.run(command, env=env, capture_output=True, check=True)
    # On a loaded machine the signal can land as the run is already leaving (its
    # workers done, its exit handlers running): it then ends with 0, and is asked again.
    for _attempt in range(3):
        shutil.rmtree(tmp_path / "cache" / "results", ignore_errors=True)
        pid, status, err = _interrupted_run([*command, "--jobs", "2"], env)
        if status != 0:
            break
    assert status != 0, err
    time.sleep(1.0)
    assert _session_processes(pid) == []


def test_the_records_a_graph_worker_sends_keep_every_field() -> None:
    """Scope, Symbol, ImportBinding, Source, Span and Diagnostic pickle by their
    constructors (``__reduce__``, for the graph pool): each names every field, in
    the class's order, so that a field added later is not silently dropped."""
    import dataclasses
    import pickle

    from typelens.analyzer import build_graph, source_from_text

    g = build_graph(source_from_text("import os\nfrom a import b as c\ndef f(x):\n    return x\ny = (\n", "m.py"))
    symbol = next(s for s in g.symbols if s.uses)
    records = [g.scopes[1], symbol, *g.imports, g.source, g.diagnostics[0].span, g.diagnostics[0]]
    for record in records:
        cls, args = record.__reduce__()
        assert cls is type(record)
        assert args == tuple(getattr(record, f.name) for f in dataclasses.fields(record)), cls.__name__
        assert pickle.loads(pickle.dumps(record)) == record
