"""Benchmark: cold, warm and one-file-edit runs of ``typelens analyze`` and ``typelens
infer`` against ``ty check`` and ``pyrefly check`` on the same trees, in one script.

    python bench/speed.py [--runs 3] [--packages click,packaging,pluggy] [--no-stdlib]
                          [--baseline /work/main/.venv/bin/typelens | SOURCE_TREE] [--pyright] [--keep DIR]
                          [--rows first,cold,warm,edit,edit-body] [--one-line] [--jobs 1,2] [--stripped]

1. A bench virtual environment (a temporary folder, or ``--keep``) gets the measured
   packages and the peers from the package registry (``pip install``); a peer that
   does not install is skipped with a line saying so.
2. Each package is copied out of the bench environment into a folder of its own
   (the stdlib's ``asyncio`` too, so that nothing installed is ever edited) and
   analysed with ``--python`` set to the bench environment.
3. typelens runs five ways, each ``--runs`` times (median): **first** (empty
   cache folder: what the first run on a machine pays), **cold** (the project's
   caches emptied -- ``graphs/``, ``results/``, ``.typelens-cache`` -- but the
   machine's library cache ``library/`` kept, filled by one untimed run: a
   project analysed for the first time on a machine where typelens has run
   before), **warm** (the same tree again, caches kept), **edit** (one line
   appended to the package's largest file, caches kept) and **edit-body** (two
   statements, ``_bench_edit = <run>`` and a line that uses it, inserted at the
   start of a function's body in that file -- after its docstring, indented as
   its first statement -- caches kept: the edit an editor user makes, which
   moves every node after it; the function is the one spanning the most lines,
   methods and nested functions included, the first in the file on a tie,
   found with ``ast`` (the file is read, never run)); each edit run's caches
   are the run before's, an edit after an edit; ``--rows`` times some of
   them only; ``--one-line`` adds a package of one line (``x = 1``): the start-up
   that every run pays; ``--jobs 1,2`` times each typelens row with each
   ``--jobs`` value (the runs of one row interleaved: run 1 of each value, then
   run 2 ...), labelled ``-j N``.  A build without a
   library cache (``--baseline`` of older code) keeps its library graphs in
   ``graphs/`` with the project's, so its cold row equals its first row.  The
   peers have no persistent cache: one row each.  ``--baseline`` adds the same
   rows for another typelens build (the code before a change): its executable, or
   a source tree (``git archive <rev> | tar -x -C DIR``), run by this interpreter
   with the tree's packages first on its path.
4. Printed per run: wall seconds, CPU seconds (user + system of the child and its
   children, from ``wait4``), peak RSS of the child, and the ratio of typelens's
   CPU and wall time to ``ty check``'s cold run on the same tree.  The machine's
   load average is printed before and after: on a shared machine wall time is
   noise, CPU time and ratios measured in the same script are the figures to read.
   A last table sums each row's medians over the trees (the one-line package
   left out), with its ratio to the sum of ``ty check``'s.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PEERS = ("ty", "pyrefly")
ROWS = ("first", "cold", "warm", "edit", "edit-body")
_OK_CODES = (0, 1)  # a checker that found problems exits 1


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    ok: bool


def measure(cmd: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """One run of ``cmd``: wall time, the child's CPU time and peak RSS (``wait4``)."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode in _OK_CODES)


def median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.rss_mb for s in samples),
        all(s.ok for s in samples),
    )


# -- set-up ---------------------------------------------------------------------------------
def bench_env(folder: Path, packages: list[str], peers: tuple[str, ...]) -> tuple[Path, list[str]]:
    """The bench environment's interpreter, and the peers that installed."""
    python = folder / "bin" / "python"
    if not python.exists():
        venv.create(folder, with_pip=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + packages, check=True)
    found = []
    for peer in peers:
        if (folder / "bin" / peer).exists() or subprocess.run(pip + [peer], capture_output=True).returncode == 0:
            found.append(peer)
        else:
            print(f"# {peer}: not installable from the registry here, skipped")
    return python, found


def copy_tree(source: Path, into: Path) -> Path:
    """``source`` (a package folder) copied into ``into``; the copy's path."""
    target = into / source.name
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def clear_caches(cache: Path, tree: Path, *, keep_library: bool) -> None:
    """Empty the cache folder (all but ``library/`` with ``keep_library``) and the
    result caches beside the tree."""
    if keep_library and cache.is_dir():
        for entry in cache.iterdir():
            if entry.name != "library":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    else:
        shutil.rmtree(cache, ignore_errors=True)
    for results in tree.parent.rglob(".typelens-cache"):
        shutil.rmtree(results, ignore_errors=True)


def source_links(tree: Path, folder: Path) -> Path:
    """A folder whose ``typelens/`` links to the packages of the source ``tree``
    (as the package-dir mapping installs them), to put first on ``PYTHONPATH``."""
    package = folder / "typelens"
    package.mkdir(parents=True, exist_ok=True)
    for name in ("analyzer", "typeinfer", "monitors", "lsp", "datasets", "cli"):
        link = package / name
        if link.is_symlink():
            link.unlink()
        link.symlink_to(tree.resolve() / name)
    return folder


def stripped_tree(source: Path, into: Path) -> Path:
    """``source``'s ``.py`` files with every parameter and return annotation removed
    (``bench/annot_recovery.py``'s stripping), written into ``into``; the copy's path."""
    from annot_recovery import strip_package  # beside this script; it imports typelens

    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    strip_package(source, into)
    return into / source.name


def one_line_package(folder: Path) -> Path:
    """A package whose one module is ``x = 1``: what a run costs besides its input."""
    package = folder / "oneline"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    return package


def largest_file(tree: Path) -> Path:
    return max(tree.rglob("*.py"), key=lambda p: p.stat().st_size)


def append_line(source: bytes, run: int) -> bytes:
    """The ``edit`` row's edit: a line appended to the module, which nothing reads."""
    return source + f"\n_bench_edit_{run} = {run}\n".encode()


def _first_line(node: ast.stmt) -> int:
    """The 1-based line a statement starts on, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def body_start(source: bytes) -> tuple[str, int, bytes]:
    """Where the ``edit-body`` row inserts its lines: the name of the function
    spanning the most lines (methods and nested functions included; the first in
    the file on a tie; of those whose body starts on a line of its own), the
    0-based index of the line its body's first statement after the docstring
    starts on, decorators included (the line after the docstring when there is
    nothing else), and the indentation of the body's lines."""
    lines = source.splitlines()
    functions = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            line = lines[node.body[0].lineno - 1]
            if not line[: node.body[0].col_offset].strip():  # not ``def f(): return 1``
                functions.append(node)
    if not functions:
        raise ValueError("no function whose body starts on a line of its own: give a file with one")
    chosen = max(functions, key=lambda f: ((f.end_lineno or f.lineno) - _first_line(f), -_first_line(f)))
    body = chosen.body
    line = lines[body[0].lineno - 1]
    indent = line[: len(line) - len(line.lstrip(b" \t"))]
    if not _is_docstring(body[0]):
        return chosen.name, _first_line(body[0]) - 1, indent
    if len(body) > 1:
        return chosen.name, _first_line(body[1]) - 1, indent
    return chosen.name, body[0].end_lineno or body[0].lineno, indent


def edit_body(source: bytes, run: int) -> bytes:
    """The ``edit-body`` row's edit: ``_bench_edit = <run>`` and a statement that
    uses it, inserted at ``body_start`` with the body's indentation."""
    _, at, indent = body_start(source)
    lines = source.splitlines(keepends=True)
    newline = b"\r\n" if lines[0].endswith(b"\r\n") else b"\n"
    if at == len(lines) and not lines[-1].endswith((b"\n", b"\r")):
        lines[-1] += newline
    added = [indent + f"_bench_edit = {run}".encode() + newline, indent + b"_bench_edit = str(_bench_edit)" + newline]
    return b"".join(lines[:at] + added + lines[at:])


EDITS: dict[str, Callable[[bytes, int], bytes]] = {"edit": append_line, "edit-body": edit_body}


# -- runs -------------------------------------------------------------------------------------
@dataclass
class Bench:
    runs: int
    python: Path
    work: Path
    typelens: dict[str, list[str]]  # label -> command prefix
    peers: list[str]
    paths: dict[str, str] = field(default_factory=dict)  # label -> PYTHONPATH (a baseline source tree)
    kinds: tuple[str, ...] = ROWS  # the typelens rows timed (``--rows``)
    jobs: tuple[int, ...] = (1,)  # the --jobs values of each typelens row (``--jobs``)

    def env(self, cache: Path, label: str = "") -> dict[str, str]:
        env = {**os.environ, "TYPELENS_CACHE_DIR": str(cache), "VIRTUAL_ENV": str(self.python.parent.parent)}
        if label in self.paths:
            env["PYTHONPATH"] = self.paths[label]
        return env

    def typelens_rows(self, label: str, tree: Path) -> list[tuple[str, Sample]]:
        prefix, cache = self.typelens[label], self.work / f"cache-{label}"
        rows = []
        for command, extra in (("analyze", ["--exit-zero"]), ("infer", [])):
            cmd = prefix + [command, str(tree), "--format", "json", "--python", str(self.python), *extra]
            cmds = [cmd + (["--jobs", str(j)] if j > 1 else []) for j in self.jobs]
            names = [f"{label} {command} {{}}" + (f" -j {j}" if len(self.jobs) > 1 else "") for j in self.jobs]
            for kind in self.kinds:
                rows.extend((name.format(kind), s) for name, s in zip(names, self._row(kind, label, cmds, tree, cache)))
        return rows

    def _row(self, kind: str, label: str, cmds: list[list[str]], tree: Path, cache: Path) -> list[Sample]:
        """One row's median for each command of ``cmds`` (the same run, its ``--jobs`` values)."""
        if kind in ("first", "cold"):
            return self._cold(label, cmds, tree, cache, keep_library=kind == "cold")
        if kind == "warm":
            self._run(cmds[0], tree, cache, label)  # caches filled for the tree
            return self._interleaved(cmds, lambda cmd: self._run(cmd, tree, cache, label))
        # each command's edits numbered apart: the result cache's key leaves out --jobs,
        # so a -j 2 run of the -j 1 run's bytes would be answered from it
        edit = EDITS[kind]
        return [self._edited(label, cmd, tree, cache, edit, k * self.runs) for k, cmd in enumerate(cmds)]

    def _interleaved(self, cmds: list[list[str]], once) -> list[Sample]:
        """The median of ``self.runs`` samples of each command, taken in turns."""
        samples: list[list[Sample]] = [[] for _ in cmds]
        for _ in range(self.runs):
            for found, cmd in zip(samples, cmds):
                found.append(once(cmd))
        return [median(found) for found in samples]

    def _run(self, cmd: list[str], tree: Path, cache: Path, label: str = "") -> Sample:
        return measure(cmd, tree.parent, self.env(cache, label))

    def _cold(self, label: str, cmds: list[list[str]], tree: Path, cache: Path, *, keep_library: bool) -> list[Sample]:
        """Runs after emptying the cache folder (``keep_library``: all of it but the
        machine's library cache, which one untimed run fills first)."""
        if keep_library:
            self._run(cmds[0], tree, cache, label)

        def once(cmd: list[str]) -> Sample:
            clear_caches(cache, tree, keep_library=keep_library)
            return self._run(cmd, tree, cache, label)

        return self._interleaved(cmds, once)

    def _edited(
        self, label: str, cmd: list[str], tree: Path, cache: Path, edit: Callable[[bytes, int], bytes], first: int = 0
    ) -> Sample:
        """Each run after a new ``edit`` of the largest file, numbered from ``first``
        (the caches of the run before it kept: an edit after an edit, as in an
        editor session)."""
        self._run(cmd, tree, cache, label)  # caches filled for the unedited tree
        target = largest_file(tree)
        original = target.read_bytes()
        samples = []
        try:
            for i in range(self.runs):
                target.write_bytes(edit(original, first + i))
                samples.append(self._run(cmd, tree, cache, label))
        finally:
            target.write_bytes(original)
        return median(samples)

    def peer_rows(self, tree: Path) -> list[tuple[str, Sample]]:
        bin_dir, rows = self.python.parent, []
        commands = {
            "ty": [str(bin_dir / "ty"), "check", "--python", str(self.python), str(tree)],
            "pyrefly": [str(bin_dir / "pyrefly"), "check", "--python-interpreter-path", str(self.python), str(tree)],
            "pyright": [str(bin_dir / "pyright"), "--pythonpath", str(self.python), str(tree)],
        }
        for peer in self.peers:
            samples = [self._run(commands[peer], tree, self.work / "cache-peer") for _ in range(self.runs)]
            rows.append((f"{peer} check", median(samples)))
        return rows


def report_totals(tables: dict[str, list[tuple[str, Sample]]]) -> None:
    """Each row's medians summed over the trees that have it, with the ratio to
    the sum of ``ty check``'s over the same trees."""
    sums: dict[str, list[float]] = {}
    for name, rows in tables.items():
        ty = dict(rows).get("ty check")
        if name == "one-line" or ty is None:
            continue
        for label, s in rows:
            total = sums.setdefault(label, [0.0, 0.0, 0.0])
            total[0] += s.wall
            total[1] += s.cpu
            total[2] += ty.cpu
    if not sums:
        return
    print(f"\ntotal over {', '.join(n for n in tables if n != 'one-line')}")
    print(f"  {'run':<28} {'wall s':>7} {'cpu s':>7} {'cpu/ty':>8}")
    for label, (wall, cpu, ty_cpu) in sums.items():
        print(f"  {label:<28} {wall:7.2f} {cpu:7.2f} {cpu / ty_cpu:7.1f}x")


def report(name: str, tree: Path, rows: list[tuple[str, Sample]]) -> None:
    files = sum(1 for _ in tree.rglob("*.py"))
    ty = dict(rows).get("ty check")
    print(f"\n{name} ({files} files)")
    print(f"  {'run':<28} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'cpu/ty':>7} {'wall/ty':>8}")
    for label, s in rows:
        cpu_ratio = f"{s.cpu / ty.cpu:6.1f}x" if ty and ty.cpu else "      -"
        wall_ratio = f"{s.wall / ty.wall:7.1f}x" if ty and ty.wall else "       -"
        flag = "" if s.ok else "  (failed)"
        print(f"  {label:<28} {s.wall:7.2f} {s.cpu:7.2f} {s.rss_mb:8.0f} {cpu_ratio} {wall_ratio}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--packages", help="installed packages to time (default click,packaging,pluggy)")
    parser.add_argument("--no-stdlib", action="store_true", help="leave out the stdlib's asyncio")
    parser.add_argument("--baseline", help="another typelens executable, or source tree, to time beside this one")
    parser.add_argument("--pyright", action="store_true", help="time pyright too (it fetches node on first use)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the bench environment and trees in this folder (its caches are emptied at the start)",
    )
    parser.add_argument("--rows", default=",".join(ROWS), help="the typelens rows to time (comma list; default all)")
    parser.add_argument(
        "--one-line", action="store_true", help="time a package of one line too: the start-up every run pays"
    )
    parser.add_argument("--jobs", default="1", help="the --jobs values of each typelens row (comma list, e.g. 1,2)")
    parser.add_argument(
        "--stripped",
        action="store_true",
        help="time the trees with their annotations stripped (bench/annot_recovery.py's; its five packages by default)",
    )
    args = parser.parse_args()
    if args.packages is None:
        args.packages = "packaging,typeshed_client,pluggy,typer,click" if args.stripped else "click,packaging,pluggy"
    kinds = tuple(k for k in args.rows.split(",") if k)
    if not kinds or any(k not in ROWS for k in kinds):
        parser.error(f"--rows={args.rows!r}: give a comma list of {', '.join(ROWS)}")
    try:
        jobs = tuple(int(j) for j in args.jobs.split(",") if j)
    except ValueError:
        jobs = ()
    if not jobs or min(jobs) < 1:
        parser.error(f"--jobs={args.jobs!r}: give a comma list of process counts, e.g. 1,2")
    work = args.keep or Path(tempfile.mkdtemp(prefix="typelens-speed-"))
    for cache in work.glob("cache-*"):  # a kept folder's: its graphs and answers of the same edits would be hits
        shutil.rmtree(cache)
    packages = [p for p in args.packages.split(",") if p]
    python, peers = bench_env(work / "venv", packages, PEERS + (("pyright",) if args.pyright else ()))
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    trees = {name: site / name for name in packages}
    if not args.no_stdlib:
        trees["asyncio"] = Path(sysconfig.get_paths()["stdlib"]) / "asyncio"
    if args.one_line:
        trees["one-line"] = one_line_package(work / "one-line-src")
    # -P (3.11+): the working folder, a copied package's parent, is not put on sys.path,
    # so that typelens's own imports (json, asyncio...) never load the copy
    typelens = {"typelens": [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "typelens.cli"]}
    paths = {}
    if args.baseline and Path(args.baseline).is_dir():
        typelens["baseline"] = typelens["typelens"]
        paths["baseline"] = str(source_links(Path(args.baseline), work / "baseline-src"))
    elif args.baseline:
        typelens["baseline"] = [args.baseline]
    bench = Bench(args.runs, python, work, typelens, peers, paths, kinds, jobs)
    print(
        f"# load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; "
        f"median of {args.runs} runs; peers: {', '.join(peers) or 'none'}"
    )
    tables = {}
    for name, source in trees.items():
        into = work / "trees" / name
        tree = stripped_tree(source, into) if args.stripped and name != "one-line" else copy_tree(source, into)
        rows = bench.peer_rows(tree)
        for label in typelens:
            rows += bench.typelens_rows(label, tree)
        report(name + (" (stripped)" if args.stripped and name != "one-line" else ""), tree, rows)
        tables[name] = rows
        print(f"  # load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    report_totals(tables)
    print(f"\n# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
