"""Packaging: what a user gets from ``pip install typelens`` rather than from this
checkout's editable install.

The slow tests build the wheel from a copy of the tree (``pip wheel``, build
isolation), install it into a fresh venv through pip's configured indexes (the same
way the Makefile installs), and run the console script there, in a folder outside
the checkout: ``graph``, ``infer`` (hybrid: the shipped classifier under
onnxruntime), ``analyze``, the language server over stdio, and ``complete``.

Installing the ``[ml]`` extra (torch, transformers) into that venv takes about
95 s and 1.2 GB here, so ``complete`` with the extra reuses this environment's
torch: the fresh venv's Python appends the folders that hold torch and
transformers to ``sys.path``, after its own site-packages and never this checkout,
so typelens and the shipped LM still come from the wheel.  Without the extra,
``complete`` must answer with one line naming it.

The fast tests pin the laziness that keeps ``--help`` and ``--version`` quick:
they list which heavy modules a command imported (no timings in tests).

Example::

    $ pytest tests/test_packaging.py -m "not slow"     # the fast half
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from typelens.cli.main import command_name
from typelens.cli.version import __version__

from .conftest import ROOT
from .lsp_wire import RawServer

SHOP = ROOT / "examples" / "shop"
# The optional dependencies and the heavy base ones: none may load for --help.
HEAVY = (
    "torch",
    "transformers",
    "onnxruntime",
    "numpy",
    "pyarrow",
    "datasketch",
    "dask",
    "networkx",
    "tree_sitter",
    "pygls",
    "lsprotocol",
    "typelens.analyzer",
    "typelens.typeinfer",
    "typelens.monitors",
    "typelens.datasets",
    "typelens.lsp",
)
EXTRAS_ONLY = (
    "torch",
    "transformers",
    "safetensors",
    "onnx",
    "onnxscript",
    "matplotlib",
    "pyarrow",
    "datasketch",
    "dask",
    "tqdm",
)
MODELS = (
    "typeinfer/models/classifier/config.json",
    "typeinfer/models/classifier/model.onnx",
    "monitors/models/lm/config.json",
    "monitors/models/lm/model.safetensors",
    "monitors/models/lm/tokenizer.json",
    "monitors/models/lm/exits/exits.safetensors",
)
_COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".typelens-cache",
    "out",
    "_mypyc",
)


def _clean_env() -> dict[str, str]:
    """The environment minus anything that could put this checkout on ``sys.path``,
    and building typelens pure (``TYPELENS_MYPYC=0``: no mypy to fetch, no compiler
    run; tests/test_compiled.py builds the compiled wheel)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {**env, "TYPELENS_MYPYC": "0"}


def _source_modules() -> list[Path]:
    """Every ``.py`` file (``__init__.py`` included) under the top-level packages of
    the tree, the folders that become ``typelens.*``: all with an ``__init__.py`` but
    ``tests``."""
    tops = [d for d in sorted(ROOT.iterdir()) if (d / "__init__.py").is_file() and d.name != "tests"]
    return [p for top in tops for p in sorted(top.rglob("*.py")) if "__pycache__" not in p.parts]


# -- fast: laziness and the missing-extra line, in this environment -----------------------------


def _modules_after(
    argv: list[str], blocked: tuple[str, ...] = (), watched: tuple[str, ...] = HEAVY
) -> subprocess.CompletedProcess:
    """Run ``typelens ARGV`` through ``main()`` in a fresh Python with ``blocked``
    modules unimportable; stdout ends with the ``watched`` modules it imported, as JSON."""
    # listed by an atexit handler: batch commands leave through cli.main.hard_exit,
    # which runs such handlers and skips the rest of shutdown
    code = (
        "import atexit, json, sys\n"
        f"for name in {list(blocked)!r}:\n"
        "    sys.modules[name] = None\n"
        "from typelens.cli.main import main\n"
        f"sys.argv = ['typelens', *{argv!r}]\n"
        "def listed():\n"
        f"    heavy = sorted(m for m in sys.modules if sys.modules[m] is not None and m.startswith({watched!r}))\n"
        "    print(json.dumps(heavy))\n"
        "atexit.register(listed)\n"
        "main()\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)


def _heavy(run: subprocess.CompletedProcess) -> list[str]:
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["analyze", "--help"],
        ["graph", "--help"],
        ["train", "classifier", "--help"],
        ["dataset", "build", "--help"],
    ],
)
def test_help_and_version_import_nothing_heavy(argv: list[str]) -> None:
    run = _modules_after(argv)
    assert run.returncode == 0, run.stderr
    assert _heavy(run) == []
    if argv == ["--version"]:
        assert run.stdout.splitlines()[0] == f"typelens {__version__}"
    else:
        assert "Usage" in run.stdout


def test_version_skips_typer_and_usage_errors_skip_rich_and_pydantic() -> None:
    """``--version`` is answered before typer loads; help and argument errors use
    click's plain formatter (no rich) and typer without pydantic (before 0.29)."""
    version = _modules_after(["--version"], watched=("typer", "click", "rich", "pydantic", "logging"))
    assert version.returncode == 0 and version.stdout.splitlines()[0] == f"typelens {__version__}"
    assert _heavy(version) == []
    # the verbose form adds which core runs (the suite's: pure), from the analyzer's package only
    verbose = _modules_after(["-v", "--version"], watched=("typer", "click", "rich", "pydantic", "typelens.analyzer."))
    assert verbose.returncode == 0 and verbose.stdout.splitlines()[:2] == [
        f"typelens {__version__}",
        "core: pure Python (TYPELENS_PURE is set)",
    ]
    assert _heavy(verbose) == ["typelens.analyzer.compiled", "typelens.analyzer.lazy"]
    for argv in (["--help"], ["analyze", "--help"], ["infer", "--bogus"], ["analyze"]):
        run = _modules_after(argv, watched=("rich", "pydantic"))
        assert run.returncode == (0 if "--help" in argv else 2), run.stderr
        assert "Usage: typelens" in run.stdout + run.stderr
        assert _heavy(run) == [], argv


def test_analyze_and_infer_need_no_extra() -> None:
    """``analyze`` is static; ``infer`` (hybrid) adds onnxruntime and never torch."""
    service = str(SHOP / "shop" / "service.py")
    analyze = _modules_after(["analyze", service], blocked=EXTRAS_ONLY)
    assert analyze.returncode == 1 and "optional-member-access" in analyze.stdout, analyze.stderr
    assert not {m.partition(".")[0] for m in _heavy(analyze)} & {"onnxruntime", "networkx", *EXTRAS_ONLY}
    infer = _modules_after(["infer", str(SHOP), "--no-cache"], blocked=EXTRAS_ONLY)
    assert infer.returncode == 0 and " predictions in " in infer.stdout, infer.stderr
    assert "onnxruntime" in _heavy(infer)


@pytest.mark.parametrize(
    "argv, blocked, extra",
    [
        (["complete", f"{SHOP / 'shop' / 'service.py'}:34:14"], ("torch",), "ml"),
        (["-v", "train", "lm", "--out", "unused", "--stdlib"], ("torch",), "ml"),
        (["dataset", "build", str(SHOP), "--out", "unused"], ("pyarrow",), "datasets"),
    ],
)
def test_missing_extra_is_one_line(argv: list[str], blocked: tuple[str, ...], extra: str) -> None:
    run = _modules_after(argv, blocked)
    words = command_name(argv)
    assert run.returncode == 2
    assert run.stderr == f"{words} needs the '{extra}' extra: pip install 'typelens[{extra}]'\n"


def test_a_missing_module_of_typelens_keeps_its_traceback() -> None:
    """A package left out of the wheel is a broken install, not a missing extra."""
    run = _modules_after(["infer", str(SHOP), "--no-cache", "--mode", "neural"], blocked=("typelens.typeinfer.neural",))
    assert run.returncode == 1 and "Traceback" in run.stderr and "needs the" not in run.stderr


def test_command_name() -> None:
    assert command_name(["-v", "train", "lm", "--out", "x"]) == "typelens train lm"
    assert command_name(["complete", "a.py:1:1", "--format", "json"]) == "typelens complete"
    assert command_name(["--verbose"]) == "typelens"


# -- slow: the wheel, and a fresh venv with nothing but the wheel ----------------------------


@dataclass(frozen=True)
class FreshVenv:
    root: Path
    work: Path  # a folder outside the checkout, with a copy of examples/shop

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def typelens(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.root / "bin" / "typelens"), *args],
            capture_output=True,
            text=True,
            cwd=self.work,
            env=_clean_env(),
            timeout=300,
        )


@dataclass(frozen=True)
class Build:
    wheel: Path
    tree: Path  # the copy of this checkout it was built from (a git repository: a clone for pre-commit)


_BUILT: dict[str, Build] = {}  # one build per session, for every module that asks (test_cli_install.py too)


def build_once(factory: pytest.TempPathFactory) -> Build:
    """The wheel of a copy of this tree (``pip wheel``, build isolation), built once
    per session; the copy becomes a git repository with one commit on ``main``."""
    if "build" not in _BUILT:
        base = factory.mktemp("wheel")
        tree = base / "src"
        shutil.copytree(ROOT, tree, ignore=_COPY_IGNORE)
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(tree)],
            capture_output=True,
            text=True,
            timeout=600,
            env=_clean_env(),
        )
        assert built.returncode == 0, built.stderr[-3000:]
        (found,) = (base / "dist").glob("typelens-*.whl")
        git = ["git", "-c", "user.name=typelens tests", "-c", "user.email=tests@typelens.invalid"]
        for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
            subprocess.run([*git, *step], cwd=tree, check=True, capture_output=True, timeout=300)
        _BUILT["build"] = Build(found, tree)
    return _BUILT["build"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_once(tmp_path_factory).wheel


def snippet_env(extra_path: list[Path] | None = None) -> dict[str, str]:
    """The clean environment a documented snippet runs in: ``python`` on ``PATH`` is
    this interpreter's base Python (as ``actions/setup-python`` gives one), and pip
    skips compiling ``.pyc`` files (half the files to write; nothing else changes)."""
    bin_dir = Path(os.path.realpath(sys.executable)).parent
    path = [str(p) for p in (extra_path or [])] + [str(bin_dir), os.environ.get("PATH", "")]
    env = {k: v for k, v in _clean_env().items() if k != "VIRTUAL_ENV"}
    return {**env, "PATH": os.pathsep.join(path), "PIP_NO_COMPILE": "1"}


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory):
    """A venv made by the plain install of docs/install.md, as written, with the
    wheel for ``.`` (what pip would build from the clone's root)."""
    from .test_cli_install import install_command, snippet_commands

    (command,) = [c for c in snippet_commands("sh", ".venv/bin/pip install") if "python -m venv" in c]
    here = tmp_path_factory.mktemp("pip-install")
    installed = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", install_command(command, wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=here,
        env=snippet_env(),
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    root = here / ".venv"
    work = tmp_path_factory.mktemp("work")
    shutil.copytree(SHOP, work / "shop", ignore=_COPY_IGNORE)
    yield FreshVenv(root, work)
    # about 200 MB (no .pyc files: --no-compile halves the files to write and delete),
    # not kept for pytest's last three runs
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_wheel_holds_every_package_module_and_model(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name.endswith("-py3-none-any.whl") and not [n for n in names if "/_mypyc/" in n]  # TYPELENS_MYPYC=0
    modules = [m.relative_to(ROOT).as_posix() for m in _source_modules()]
    assert {"analyzer/__init__.py", "typeinfer/neural/__init__.py", "cli/version.py"} <= set(modules)
    for module in modules:
        assert f"typelens/{module}" in names, f"{module} is not in the wheel"
    for model in MODELS:
        assert f"typelens/{model}" in names
    for folder in ("typeinfer/models/classifier", "monitors/models/lm"):
        for path in (ROOT / folder).rglob("*"):
            assert path.is_dir() or f"typelens/{path.relative_to(ROOT).as_posix()}" in names


@pytest.mark.slow
def test_wheel_metadata_keeps_heavy_dependencies_in_extras(wheel: Path) -> None:
    assert wheel.name.startswith(f"typelens-{__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read(f"typelens-{__version__}.dist-info/METADATA").decode()
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    base = {re.match(r"[A-Za-z0-9._-]+", r).group().lower() for r in requires if "extra ==" not in r}
    assert "onnxruntime" in base and "typer" in base
    assert not base & set(EXTRAS_ONLY), base
    assert "Provides-Extra: ml" in meta and "Provides-Extra: datasets" in meta


@pytest.mark.slow
def test_fresh_venv_runs_graph_infer_analyze(venv: FreshVenv) -> None:
    where = subprocess.run(
        [str(venv.python), "-c", "import typelens.cli.main as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        cwd=venv.work,
        env=_clean_env(),
        timeout=120,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv.root), where.stdout + where.stderr
    assert venv.typelens("--version").stdout == f"typelens {__version__}\n"
    graph = venv.typelens("graph", "shop", "--format", "text")
    assert graph.returncode == 0 and "total: 5 files" in graph.stdout, graph.stderr
    infer = venv.typelens("infer", "shop", "--no-cache", "--format", "json")
    assert infer.returncode == 0, infer.stderr
    sources = {p["source"] for p in json.loads(infer.stdout)["predictions"]}
    assert sources & {"neural", "hybrid"}, sources  # the shipped classifier ran
    analyze = venv.typelens("analyze", "shop/shop/service.py", "--format", "json")
    assert analyze.returncode == 1, analyze.stderr
    assert "optional-member-access" in {d["code"] for d in json.loads(analyze.stdout)["diagnostics"]}


@pytest.mark.slow
def test_fresh_venv_language_server(venv: FreshVenv) -> None:
    service = venv.work / "shop" / "shop" / "service.py"
    text = service.read_text()
    at = text.index("order = Order(customer)")
    line, character = text.count("\n", 0, at), at - (text.rfind("\n", 0, at) + 1)
    server = RawServer(command=[str(venv.root / "bin" / "typelens"), "lsp"])
    try:
        rid = server.request(
            "initialize", {"processId": None, "rootUri": (venv.work / "shop").as_uri(), "capabilities": {}}
        )
        assert server.response(rid, timeout=120)["result"]["serverInfo"] == {"name": "typelens", "version": __version__}
        server.notify("initialized", {})
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": service.as_uri(), "languageId": "python", "version": 1, "text": text}},
        )
        rid = server.request(
            "textDocument/hover",
            {"textDocument": {"uri": service.as_uri()}, "position": {"line": line, "character": character}},
        )
        hover = server.response(rid, timeout=120)["result"]
        assert "order: Order" in hover["contents"]["value"]
        rid = server.request("shutdown", None)
        assert server.response(rid)["result"] is None
        server.notify("exit", None)
        assert server.proc.wait(timeout=60) == 0
    finally:
        server.close()


def _ml_folders() -> list[str]:
    """The folders that hold this environment's torch and transformers (and their
    tokenizer and weights readers), or ``[]`` when one is missing."""
    folders = []
    for name in ("torch", "transformers", "safetensors", "tokenizers"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            return []
        folders.append(str(Path(list(spec.submodule_search_locations)[0]).parent))
    return sorted(set(folders))


@pytest.mark.slow
def test_fresh_venv_complete_without_and_with_the_ml_extra(venv: FreshVenv) -> None:
    service = venv.work / "shop" / "shop" / "service.py"
    line = next(i for i, text in enumerate(service.read_text().splitlines(), 1) if "path.write_text" in text)
    column = service.read_text().splitlines()[line - 1].index("path.") + 6
    target = f"{service}:{line}:{column}"
    bare = venv.typelens("complete", target)
    assert (
        bare.returncode == 2 and bare.stderr == "typelens complete needs the 'ml' extra: pip install 'typelens[ml]'\n"
    )
    folders = _ml_folders()
    if not folders:
        pytest.skip("torch or transformers is not installed here (make test installs them)")
    # no typelens there: the appended folders cannot add to the wheel's namespace package
    # (this environment's editable install is a .pth hook, which sys.path entries do not run)
    assert not any((Path(f) / "typelens").exists() for f in folders)
    code = (
        "import sys\n"
        f"sys.path.extend({folders!r})\n"
        "import typelens.cli.main as cli, typelens.monitors.lm as lm\n"
        f"assert cli.__file__.startswith({str(venv.root)!r}) and lm.__file__.startswith({str(venv.root)!r})\n"
        f"sys.argv = ['typelens', 'complete', {target!r}, '--format', 'json', '--max-tokens', '4']\n"
        "cli.main()\n"
    )
    done = subprocess.run(
        [str(venv.python), "-c", code], capture_output=True, text=True, cwd=venv.work, env=_clean_env(), timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert {"completion", "tokens", "interventions", "average_layers"} <= set(report) and report["tokens"]
