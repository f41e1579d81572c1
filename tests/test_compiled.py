"""The compiled core (tools/mypyc-build, ``typelens.analyzer.compiled``): the CLI runs
mypyc's modules while the build matches the sources, answers exactly as the
pure-Python core does, and runs pure after an edit or with ``TYPELENS_PURE=1``.

The suite itself runs pure (tests/conftest.py sets ``TYPELENS_PURE=1``: tests patch
module globals); these tests start the CLI in subprocesses without it.  They need a
fresh build of this checkout (``make test`` runs tools/mypyc-build first) and skip,
saying why, without a C compiler, without mypyc, or without a build.  The staleness
tests edit a copy of the packages, never the checkout.

Example::

    $ tools/mypyc-build && pytest tests/test_compiled.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

from typelens.analyzer import compiled

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import mypyc_build  # noqa: E402  (tools/ is no package)

SHOP = ROOT / "examples" / "shop"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
_TREE_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".typelens-cache", ".pytest_cache", "out"
)
COMPILED_MODULES = [f"typelens.{path[:-3].replace('/', '.')}" for path in mypyc_build.module_paths()]
KERNEL = "typelens.typeinfer._kernel"  # the classifier's C kernel, built beside them


def _why_no_build() -> str | None:
    blocker = mypyc_build.compile_blocker()
    if blocker is None and importlib.util.find_spec("mypyc") is None:
        blocker = "mypyc is not installed"
    if blocker is not None:
        return f"the core cannot be compiled here ({blocker}): the pure-Python core is all there is"
    stale = compiled.stale_reason(str(ROOT))
    if stale is not None:
        return f"no fresh compiled build ({stale}): run tools/mypyc-build (make test does)"
    return None


needs_build = pytest.mark.skipif(_why_no_build() is not None, reason=str(_why_no_build()))


def test_no_compiled_module_finds_files_from_its_file() -> None:
    """A compiled module's ``__file__`` names its extension in ``_mypyc/``: a module that
    finds its package's files from it (the cache's code fingerprints, the model folders)
    would read the wrong folder, so the build refuses to compile one."""
    assert mypyc_build.file_locators() == []
    assert "analyzer/cache.py" not in mypyc_build.module_paths()
    assert "typeinfer/settings.py" not in mypyc_build.module_paths()


# Runs `typelens ARGV` through main() and, at exit, lists where each typelens module came from
# (and numpy's and onnxruntime's, when loaded).
_RUN = """
import atexit, json, sys
from typelens.cli.main import main
def listed():
    named = [m for m in sorted(sys.modules) if m.startswith("typelens.") or m in ("numpy", "onnxruntime")]
    files = {m: getattr(sys.modules[m], "__file__", None) for m in named}
    sys.stderr.write("\\nMODULES " + json.dumps(files) + "\\n")
atexit.register(listed)
sys.argv = ["typelens", *sys.argv[1:]]
main()
"""


def _env(pure: bool, cache: Path, path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TYPELENS_PURE", "PYTHONPATH")}
    env["TYPELENS_CACHE_DIR"] = str(cache)
    if pure:
        env["TYPELENS_PURE"] = "1"
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return env


def _typelens(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess, dict]:
    run = subprocess.run(
        [sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )
    modules = json.loads(run.stderr.rpartition("\nMODULES ")[2])
    return run, modules


def _without_seconds(value):
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of examples/shop and the stdlib's ``json`` package (nothing analysed in place)."""
    work = tmp_path_factory.mktemp("compiled-trees")
    shutil.copytree(SHOP, work / "shop", ignore=shutil.ignore_patterns(".typelens-cache", "__pycache__"))
    shutil.copytree(Path(json.__file__).parent, work / "json", ignore=shutil.ignore_patterns("__pycache__"))
    (work / "script").mkdir()
    (work / "script" / "cart.ts").write_text(
        "export function total(prices: number[]): number { return prices.reduce((a, b) => a + b, 0); }\n"
        "const t = total([1, 2]);\nt.toFixed(2).lengthh;\n"
    )
    return work


@needs_build
@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "shop", "--format", "json"],
        ["analyze", "json", "--format", "json"],
        ["infer", "shop", "--no-cache", "--format", "json"],
        ["infer", "json", "--no-cache", "--format", "json"],
        ["analyze", "script", "--format", "json"],
    ],
    ids=["analyze-shop", "analyze-json", "infer-shop", "infer-json", "analyze-typescript"],
)
def test_compiled_runs_and_answers_as_pure(argv: list[str], trees: Path, tmp_path: Path) -> None:
    pure, pure_modules = _typelens(argv, _env(True, tmp_path / "pure-cache"), trees)
    native, native_modules = _typelens(argv, _env(False, tmp_path / "compiled-cache"), trees)
    assert pure.returncode == native.returncode and pure.returncode in (0, 1), native.stderr[-3000:]
    loaded = [m for m in COMPILED_MODULES if m in native_modules]
    assert "typelens.typeinfer.engine" in loaded and "typelens.analyzer.dataflow" in loaded
    for module in loaded:
        assert native_modules[module].endswith(SUFFIX), (module, native_modules[module])
        assert pure_modules[module].endswith(".py"), (module, pure_modules[module])
    assert native_modules["typelens.analyzer.layout"].endswith(".py")  # not compiled: from the sources
    libraries = {f"typelens.{package}._core__mypyc" for package in compiled.PACKAGES} | {KERNEL}
    assert {m for m, f in native_modules.items() if f and f.endswith(SUFFIX)} <= set(COMPILED_MODULES) | libraries
    if argv[0] == "infer":  # the classifier answers: on the C kernel, compiled; under onnxruntime, pure
        assert KERNEL in native_modules and "numpy" not in native_modules and "onnxruntime" not in native_modules
        assert KERNEL not in pure_modules and "onnxruntime" in pure_modules
    # the same answers: the kernel's probabilities are onnxruntime's to float rounding, and
    # confidences are written to three places (tests/test_kernel.py compares the two closer)
    assert _without_seconds(json.loads(native.stdout)) == _without_seconds(json.loads(pure.stdout))


@needs_build
def test_the_build_holds_the_listed_modules_only() -> None:
    """One extension per module of MODULES, one library per package and the
    classifier's kernel, nothing left over from an earlier module list (it would
    shadow that module's source)."""
    built = {
        f"{package}/{compiled.FOLDER}/{path.name}"
        for package in compiled.PACKAGES
        for path in (ROOT / package / compiled.FOLDER).glob(f"*{SUFFIX}")
    }
    listed = {
        f"{p.rpartition('/')[0]}/{compiled.FOLDER}/{p.rpartition('/')[2][:-3]}{SUFFIX}"
        for p in mypyc_build.module_paths()
    }
    libraries = {f"{package}/{compiled.FOLDER}/_core__mypyc{SUFFIX}" for package in compiled.PACKAGES}
    assert built == listed | libraries | {f"typeinfer/{compiled.FOLDER}/_kernel{SUFFIX}"}


@needs_build
def test_version_verbose_names_the_core(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "typelens.cli.main", "--version", "--verbose"]
    native = subprocess.run(command, capture_output=True, text=True, env=_env(False, tmp_path), timeout=120)
    assert native.stdout.splitlines()[1] == f"core: compiled by mypyc ({ROOT / 'analyzer' / '_mypyc'})"
    pure = subprocess.run(command, capture_output=True, text=True, env=_env(True, tmp_path), timeout=120)
    assert pure.stdout.splitlines()[1] == "core: pure Python (TYPELENS_PURE is set)"


# The graph's value classes as the compiled core makes them: their own __init__ (init=False)
_VALUES = """
import dataclasses, pickle
from typelens.analyzer.graph import COMPILED, ImportBinding, Scope, ScopeKind, Symbol, SymbolKind
values = [
    Scope(1, ScopeKind.FUNCTION, 7, "f", "A.f", 0),
    Scope(1, ScopeKind.FUNCTION, 7, "f", "A.f", 0, 8, 9),
    Symbol(3, "x", 1, SymbolKind.VARIABLE, (4,), (5, 6)),
    ImportBinding(2, 1, "os", 0, None, "os"),
]
assert COMPILED and type(Scope.__init__).__name__ != "function"  # compiled, not dataclass's own
assert values[0].entry == -1 and values[0].exit == -1 and values[2].is_global_decl is False
for value in values:
    again = dataclasses.replace(value)
    assert again == value and hash(again) == hash(value) and again is not value
    assert pickle.loads(pickle.dumps(value)) == value and dataclasses.astuple(again) == dataclasses.astuple(value)
    try:
        setattr(value, dataclasses.fields(value)[0].name, 0)
    except dataclasses.FrozenInstanceError:
        continue
    raise AssertionError(f"{value!r} is not frozen")
print(repr(values[0]))
"""


@needs_build
def test_graph_values_are_made_by_compiled_code_and_stay_frozen(tmp_path: Path) -> None:
    """Scope, Symbol and ImportBinding write their ``__init__``: compiled, it is native
    code (dataclass's generated one is interpreted, nine times slower), and the
    values keep what the frozen dataclass gives (defaults, equality, hash,
    ``replace``, pickling, no assignment from outside)."""
    run = subprocess.run(
        [sys.executable, "-c", _VALUES], capture_output=True, text=True, env=_env(False, tmp_path), timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    expected = "Scope(id=1, kind=<ScopeKind.FUNCTION: 'function'>, node=7, name='f', qualname='A.f', parent=0, entry=-1, exit=-1)"
    assert run.stdout.strip() == expected


@pytest.fixture()
def copied_core(tmp_path: Path) -> Path:
    """``site/typelens/``: a copy of every package with the compiled folders (mtimes kept)."""
    site = tmp_path / "site"
    for package in ("analyzer", "typeinfer", "cli", "monitors", "lsp", "datasets"):
        shutil.copytree(ROOT / package, site / "typelens" / package, ignore=shutil.ignore_patterns("__pycache__"))
    return site


def _core_of(site: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """What a CLI run on the copy reports (``--version --verbose``), and the compiled
    modules an analysis imported from extension modules."""
    env = _env(False, tmp_path / "cache", path=site)
    version = subprocess.run(
        [sys.executable, "-m", "typelens.cli.main", "--version", "--verbose"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    run, modules = _typelens(["analyze", str(SHOP / "shop" / "service.py"), "--format", "json"], env, tmp_path)
    assert run.returncode == 1, run.stderr[-3000:]
    assert modules["typelens.analyzer.graph"].startswith(str(site))
    return version.stdout.splitlines()[1], [m for m, f in modules.items() if f and f.endswith(SUFFIX)]


@needs_build
def test_an_edited_source_runs_pure(copied_core: Path, tmp_path: Path) -> None:
    line, native = _core_of(copied_core, tmp_path)
    assert line == f"core: compiled by mypyc ({copied_core / 'typelens' / 'analyzer' / '_mypyc'})"
    assert "typelens.typeinfer.types" in native
    # a touch keeps the text: the hash still matches
    os.utime(copied_core / "typelens" / "typeinfer" / "types.py")
    assert _core_of(copied_core, tmp_path)[0].startswith("core: compiled by mypyc")
    # an edit of a module that is not even compiled: all or nothing
    with open(copied_core / "typelens" / "analyzer" / "layout.py", "a") as handle:
        handle.write("# edited\n")
    line, native = _core_of(copied_core, tmp_path)
    assert line == "core: pure Python (analyzer/layout.py changed since the build)"
    assert native == []


@needs_build
def test_an_added_module_or_another_python_runs_pure(copied_core: Path, tmp_path: Path) -> None:
    (copied_core / "typelens" / "typeinfer" / "extra.py").write_text("x = 1\n")
    assert _core_of(copied_core, tmp_path) == ("core: pure Python (a module was added since the build)", [])
    (copied_core / "typelens" / "typeinfer" / "extra.py").unlink()
    manifest = copied_core / "typelens" / compiled.MANIFEST_PATH
    manifest.write_text(manifest.read_text().replace(SUFFIX, ".cpython-399-x86_64-linux-gnu.so", 1))
    assert _core_of(copied_core, tmp_path) == ("core: pure Python (built for another Python)", [])


@needs_build
@pytest.mark.slow
def test_compiled_wheel_ships_and_runs_the_build(tmp_path: Path) -> None:
    """The wheel of a tree with a fresh build (the backend reuses it: no compiler runs)
    is a platform wheel whose compiled folders run from where it is unpacked."""
    tree = tmp_path / "src"
    shutil.copytree(ROOT, tree, ignore=_TREE_IGNORE)  # the _mypyc folders included
    env = {**_env(False, tmp_path / "cache"), "TYPELENS_MYPYC": "1"}
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(tree),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("typelens-*.whl")
    assert not wheel.name.endswith("-py3-none-any.whl"), wheel.name
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(site)
    assert "typelens/analyzer/_mypyc/manifest.txt" in names
    assert f"typelens/typeinfer/_mypyc/types{SUFFIX}" in names
    assert f"typelens/typeinfer/_mypyc/_kernel{SUFFIX}" in names and "typelens/typeinfer/neural/_kernel.c" in names
    line, native = _core_of(site, tmp_path)
    assert line == f"core: compiled by mypyc ({site / 'typelens' / 'analyzer' / '_mypyc'})"
    assert "typelens.typeinfer.engine" in native


@pytest.mark.parametrize(
    "line", ["src 12", "src x y z analyzer/graph.py", "src 12 34"], ids=["short", "not-numbers", "no-path"]
)
def test_a_damaged_manifest_runs_pure(tmp_path: Path, line: str) -> None:
    """A manifest cut short (a run that read it while a build wrote it, a full
    disk) or garbled is a reason to run pure, not an error at import."""
    (tmp_path / "analyzer" / compiled.FOLDER).mkdir(parents=True)
    (tmp_path / "typeinfer").mkdir()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    (tmp_path / compiled.MANIFEST_PATH).write_text(f"suffix {suffix}\n{line}\n", encoding="utf-8")
    assert compiled.stale_reason(str(tmp_path)) == "the manifest is damaged"


def test_a_change_to_what_makes_the_extensions_builds_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest's ``build`` line changes with mypy's version and the setup
    script (its flags), not only with the C level: ``make`` builds again after
    either changes instead of keeping the last build."""
    line = mypyc_build._build_line()
    assert line.startswith(f"build -O{mypyc_build.OPT_LEVEL} ")
    monkeypatch.setattr(mypyc_build, "_SETUP", mypyc_build._SETUP + "\n# another flag")
    assert mypyc_build._build_line() != line
    monkeypatch.undo()
    monkeypatch.setattr(mypyc_build.importlib.metadata, "version", lambda name: "0.0-not-this-one")
    assert mypyc_build._build_line() != line


def _small_build(root: Path) -> None:
    """A build of two one-line packages without extension modules (what
    ``stale_reason`` reads: the manifest and the sources)."""
    for package in compiled.PACKAGES:
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(f"name = {package!r}\n", encoding="utf-8")
    (root / "analyzer" / compiled.FOLDER).mkdir()
    manifest = compiled.manifest_text(str(root), sysconfig.get_config_var("EXT_SUFFIX"), [])
    (root / compiled.MANIFEST_PATH).write_text(manifest, encoding="utf-8")


def test_an_installed_build_is_hashed_once_and_an_edit_still_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed files have new mtimes: the first check hashes them and keeps its
    verdict for their stats, the next reads none of them; an edit that keeps the
    size (and the mtime, set back) changes the change time and is hashed again;
    files changed within the settling time keep no verdict."""
    root, memo = tmp_path / "site", tmp_path / "memo"
    _small_build(root)
    source = root / "typeinfer" / "__init__.py"
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns - 5_000_000_000))  # another mtime, as an install leaves
    assert compiled.stale_reason(str(root), str(memo)) is None  # changed just now: hashed, nothing kept
    assert not memo.exists()
    assert compiled.stale_reason(str(root), str(memo), settled_ns=0) is None
    assert len(list(memo.iterdir())) == 1
    hashed: list[str] = []
    real_fingerprint = compiled.fingerprint
    monkeypatch.setattr(compiled, "fingerprint", lambda path: hashed.append(path) or real_fingerprint(path))
    assert compiled.stale_reason(str(root), str(memo), settled_ns=0) is None
    assert hashed == []
    time.sleep(0.05)  # past the file system clock's tick
    moved = source.stat()
    source.write_text("name = 'typeinfex'\n", encoding="utf-8")  # the same size
    os.utime(source, ns=(moved.st_atime_ns, moved.st_mtime_ns))
    assert compiled.stale_reason(str(root), str(memo), settled_ns=0) == "typeinfer/__init__.py changed since the build"
    assert hashed == [str(source)]


def test_no_home_folder_keeps_no_verdict(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without a home folder (``~`` unexpanded or empty) the verdict is not kept:
    a relative path would put a cache folder in the user's working directory."""
    for name in ("TYPELENS_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # what it does with no home to find
    assert compiled.memo_folder() is None
    monkeypatch.setenv("TYPELENS_CACHE_DIR", str(tmp_path))
    assert compiled.memo_folder() == os.path.join(str(tmp_path), "library", "code")
