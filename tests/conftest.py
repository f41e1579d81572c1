"""Shared fixtures and the ``--update-golden`` option."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def load_bench_script(name: str) -> ModuleType:
    """``bench/<name>.py`` loaded as the module ``name`` (the bench scripts are
    not a package): registered in ``sys.modules``, where their dataclasses look
    their module up."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# The suite runs the pure-Python core even where `make` built the compiled one: tests
# patch module globals, which compiled modules do not read.  tests/test_compiled.py
# runs the compiled build in subprocesses; TYPELENS_PURE=0 runs the suite compiled.
os.environ.setdefault("TYPELENS_PURE", "1")

# The suite runs as if its virtual environment were activated: projects analysed
# in temporary folders find the installed packages (numpy, typer...) there, as a
# user's project finds its own (``typelens.analyzer.environment``).
if sys.prefix != sys.base_prefix:
    os.environ.setdefault("VIRTUAL_ENV", sys.prefix)

# The on-disk graph cache of the suite's sessions and CLI subprocesses is a fresh
# folder per run, not the user's; only the converted LM is shared with the user's
# cache (converting it again would cost every run minutes).
if "TYPELENS_CACHE_DIR" not in os.environ:
    from typelens.analyzer.cache import cache_root

    _USER_CACHE = cache_root()
    _SUITE_CACHE = Path(tempfile.mkdtemp(prefix="typelens-suite-cache-"))
    atexit.register(shutil.rmtree, _SUITE_CACHE, True)
    (_USER_CACHE / "lm").mkdir(parents=True, exist_ok=True)
    (_SUITE_CACHE / "lm").symlink_to(_USER_CACHE / "lm", target_is_directory=True)
    os.environ["TYPELENS_CACHE_DIR"] = str(_SUITE_CACHE)

# Processes the tests start (the CLI, the language server) decode with the tiny LM
# even where `make lm-real` installed the pretrained one; its tests name it.
os.environ.setdefault("TYPELENS_LM", "tiny")
# ... and wait for the LM's ranking of a completion list, however slow the machine:
# tests compare lists in order (the budget itself: test_lsp_completion_latency.py)
os.environ.setdefault("TYPELENS_RANK_BUDGET", "none")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """``files`` (relative name -> text) written under ``root``, folders made; ``root``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def check_golden(golden: Path, text: str, update: bool) -> None:
    """Compare ``text`` with the golden file; ``--update-golden`` (or a missing
    file, which then fails once for review) rewrites it."""
    if update or not golden.exists():
        golden.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"{golden.name} was missing and has been written; review it and re-run")
    assert text == golden.read_text(encoding="utf-8")


def is_core_compiled() -> bool:
    """Whether the core imported is tools/mypyc-build's (extension modules first on the path)."""
    from typelens.analyzer import graph

    return not str(graph.__file__).endswith(".py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """End-to-end tests (subprocess servers) run last, after the fast ones.  Against
    the compiled core, a ``pure_only`` test (most patch a function that compiled code
    calls directly, not through its module) is skipped with its reason."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
    if any(item.get_closest_marker("pure_only") for item in items) and is_core_compiled():
        for item in items:
            marker = item.get_closest_marker("pure_only")
            if marker is not None:
                reason = marker.kwargs.get("reason", "patches the pure-Python core")
                item.add_marker(pytest.mark.skip(reason=f"compiled core: {reason}"))
