"""The on-disk graph cache (``typelens.analyzer.cache``): exact round trips, damaged
entries ignored, invalidation by content, path, configuration and version, and the
``--no-cache`` / ``cache`` / ``cache-dir`` settings honoured by the real CLI."""

from __future__ import annotations

import dataclasses
import json
import struct
import shutil
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from typelens.analyzer import EdgeKind, GraphConfig, ProgramGraph, ProjectIndex, build_graph, build_graph_from_path
from typelens.analyzer.graph import (
    Scope,
    ScopeKind,
    Symbol,
    SymbolKind,
    SymbolTable,
    ImportBinding,
    imports_of_rows,
    labels_of_bytes,
    names_of_columns,
    new_symbol,
    scopes_of_columns,
    subtree_ends,
)
from typelens.analyzer.cache import GraphCache, cache_root, content_digest, graph_from_bytes, graph_to_bytes

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(os.__file__).parent
_ATTRS = (
    "kinds",
    "start_bytes",
    "end_bytes",
    "parents",
    "fields",
    "names",
    "scope_of",
    "scopes",
    "symbols",
    "symbol_of",
    "imports",
    "diagnostics",
)


def assert_same_graph(a: ProgramGraph, b: ProgramGraph) -> None:
    for attr in _ATTRS:
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.source == b.source
    for kind in EdgeKind:
        assert a.edges(kind) == b.edges(kind), kind
    assert [a.children(n) for n in range(len(a))] == [b.children(n) for n in range(len(b))]


SAMPLES = [
    STDLIB / "asyncio" / "base_events.py",
    STDLIB / "typing.py",
    STDLIB / "argparse.py",
    ROOT / "examples" / "shop" / "shop" / "models.py",
    ROOT / "analyzer" / "cache.py",
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_a_graph_comes_back_from_its_entry_exactly(path: Path) -> None:
    built = build_graph_from_path(path)
    assert_same_graph(graph_from_bytes(graph_to_bytes(built)), build_graph_from_path(path))


@pytest.mark.parametrize(
    "code",
    [
        b"",
        b"\xff\xfe binary \x00\x00\x00" * 50,
        "x = 'caf\u00e9'\r\ndef f(:\n  pass\n".encode(),
        b"# -*- coding: latin-1 -*-\ns = '\xe9'\n",
        b"class A:\n    def f(self): return self.x\n" * 3,
    ],
)
def test_odd_sources_round_trip(code: bytes) -> None:
    built = build_graph(code, "odd.py")
    assert_same_graph(graph_from_bytes(graph_to_bytes(built)), build_graph(code, "odd.py"))


def test_an_undecodable_file_name_round_trips(tmp_path: Path) -> None:
    """A file name that is not UTF-8 reaches us with lone surrogates (the hostile tree)."""
    name = os.fsdecode(b"caf\xe9.py")
    built = build_graph(b"x = 1\n", name)
    assert_same_graph(graph_from_bytes(graph_to_bytes(built)), build_graph(b"x = 1\n", name))
    root = _project(tmp_path, b"")
    (root / name).write_bytes(b"import os\ny = os.sep\n")
    cache = GraphCache(tmp_path / "graphs", version="v1")
    assert ProjectIndex(root, graph_cache=cache).graph_of(root / name) is not None and cache.stores == 1
    assert ProjectIndex(root, graph_cache=cache).graph_of(root / name).path == str(root / name)


def _stored(tmp_path: Path, data: bytes = b"def f(x):\n    return x + 1\n") -> tuple[GraphCache, str]:
    cache = GraphCache(tmp_path / "graphs", version="v1")
    key = cache.key(content_digest(data), "m.py", GraphConfig())
    cache.store(key, build_graph(data, "m.py"))
    return cache, key


def test_a_stored_graph_loads_and_a_missing_one_is_a_miss(tmp_path: Path) -> None:
    cache, key = _stored(tmp_path)
    assert cache.load(key).kinds == build_graph(b"def f(x):\n    return x + 1\n", "m.py").kinds
    assert cache.load("0" * 40) is None
    assert (cache.hits, cache.misses, cache.stores) == (1, 1, 1)
    assert not [p for p in (tmp_path / "graphs").rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign"])
def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    cache, key = _stored(tmp_path)
    entry = next((tmp_path / "graphs").rglob("*.tlg"))
    blob = entry.read_bytes()
    entry.write_bytes(
        {
            "truncate": blob[: len(blob) // 2],
            "empty": b"",
            "flip": blob[:40] + bytes([blob[40] ^ 1]) + blob[41:],
            "foreign": b"TLGRAPH0" + blob[8:],
        }[damage]
    )
    assert cache.load(key) is None and cache.rejected == 1
    index = ProjectIndex(_project(tmp_path, b"def f(x):\n    return x + 1\n"), graph_cache=cache)
    assert index.graph_of(index.root / "m.py") is not None


def _project(tmp_path: Path, data: bytes) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "m.py").write_bytes(data)
    return root


def test_the_index_reads_the_cache_and_a_changed_file_misses_it(tmp_path: Path) -> None:
    root = _project(tmp_path, b"def f(x):\n    return x\n")
    cache = GraphCache(tmp_path / "graphs", version="v1")
    first = ProjectIndex(root, graph_cache=cache).graph_of(root / "m.py")
    again = ProjectIndex(root, graph_cache=cache).graph_of(root / "m.py")
    assert (cache.stores, cache.hits) == (1, 1)
    assert_same_graph(first, again)
    (root / "m.py").write_bytes(b"def f(x, y):\n    return x\n")
    changed = ProjectIndex(root, graph_cache=cache).graph_of(root / "m.py")
    assert (cache.stores, cache.hits) == (2, 1)
    assert [s.name for s in changed.symbols if s.scope == 1] == ["x", "y"]


def test_a_new_version_or_configuration_does_not_read_old_entries(tmp_path: Path) -> None:
    _, key = _stored(tmp_path)
    digest = content_digest(b"def f(x):\n    return x + 1\n")
    bumped = GraphCache(tmp_path / "graphs", version="v2")
    assert bumped.key(digest, "m.py", GraphConfig()) != key
    assert bumped.load(bumped.key(digest, "m.py", GraphConfig())) is None
    old = GraphCache(tmp_path / "graphs", version="v1")
    assert old.key(digest, "m.py", GraphConfig(max_statement_depth=50)) != key
    assert old.key(digest, "n.py", GraphConfig()) != key
    assert old.load(key) is not None


def test_concurrent_writers_never_leave_a_half_entry(tmp_path: Path) -> None:
    cache, key = _stored(tmp_path)
    graph = cache.load(key)
    seen: list[bool] = []

    def write() -> None:
        for _ in range(30):
            GraphCache(tmp_path / "graphs", version="v1").store(key, graph)

    def read() -> None:
        for _ in range(60):
            seen.append(GraphCache(tmp_path / "graphs", version="v1").load(key) is not None)

    threads = [threading.Thread(target=f) for f in (write, write, read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(seen) and len(seen) == 60


def test_an_unwritable_cache_folder_leaves_the_run_going(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = GraphCache(blocker / "graphs", version="v1")
    root = _project(tmp_path, b"x = 1\n")
    assert ProjectIndex(root, graph_cache=cache).graph_of(root / "m.py") is not None
    assert cache.stores == 0


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TYPELENS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "typelens"
    monkeypatch.setenv("TYPELENS_CACHE_DIR", str(tmp_path / "own"))
    assert cache_root() == tmp_path / "own"


# -- the command line ----------------------------------------------------------------------
def _cli(cwd: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TYPELENS_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "typelens.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tlg")) if folder.exists() else []


def test_the_cli_fills_the_cache_and_no_cache_leaves_it_alone(tmp_path: Path) -> None:
    root = _project(tmp_path, b"import os\n\ndef f(p: str):\n    return os.path.join(p, 'x')\n")
    cache = tmp_path / "cache"
    for command in (["analyze", ".", "--no-cache", "--exit-zero"], ["infer", ".", "--no-cache", "--mode", "static"]):
        run = _cli(root, cache, *command)
        assert run.returncode == 0, run.stderr
    assert _entries(cache) == []
    cold = _cli(root, cache, "analyze", ".", "--format", "json", "--exit-zero")
    stored, library = _entries(cache / "graphs"), _entries(cache / "library" / "graphs")
    assert len(stored) == 1 and len(library) > 1  # the project file; the stubs it reads
    warm = _cli(root, cache, "analyze", ".", "--format", "json", "--exit-zero")
    assert _entries(cache / "graphs") == stored and _entries(cache / "library" / "graphs") == library
    assert cold.stdout.split('"seconds"')[0] == warm.stdout.split('"seconds"')[0]


def test_the_cache_settings_are_read_from_pyproject(tmp_path: Path) -> None:
    root = _project(tmp_path, b"x = len('abc')\n")
    (root / "pyproject.toml").write_text('[tool.typelens]\ncache-dir = "here"\n', encoding="utf-8")
    assert _cli(root, tmp_path / "env-cache", "analyze", ".", "--exit-zero").returncode == 0
    assert _entries(root / "here" / "graphs") and not _entries(tmp_path / "env-cache")
    (root / "pyproject.toml").write_text("[tool.typelens]\ncache = false\n", encoding="utf-8")
    assert _cli(root, tmp_path / "off", "analyze", ".", "--exit-zero").returncode == 0
    assert not _entries(tmp_path / "off")


def test_analyze_reuses_its_answer_until_a_file_or_the_rules_change(tmp_path: Path) -> None:
    root = _project(tmp_path, b"def f(s: str):\n    return s.uper()\n")
    cache = tmp_path / "cache"

    def findings(*extra: str) -> tuple[list[str], int]:
        run = _cli(root, cache, "analyze", ".", "--format", "json", "--exit-zero", *extra)
        doc = json.loads(run.stdout)
        return [d["code"] for d in doc["diagnostics"]], doc["stats"].get("cache_hits", 0)

    assert findings() == (["attr-defined"], 0)
    assert findings() == (["attr-defined"], 1)
    assert findings("--ignore", "attr-defined") == ([], 0)
    (root / "m.py").write_bytes(b"def f(s: str):\n    return s.upper()\n")
    assert findings() == ([], 0)
    assert findings("--no-cache") == ([], 0)
    assert len(list((cache / "results").glob("analyze-*.json"))) == 3


def test_prune_keeps_the_most_recently_used_entries_within_the_limit(tmp_path: Path) -> None:
    cache = GraphCache(tmp_path / "graphs", version="v1")
    keys = []
    for i in range(4):
        data = f"x{i} = {i}\n".encode()
        keys.append(cache.key(content_digest(data), "m.py", GraphConfig()))
        cache.store(keys[-1], build_graph(data, "m.py"))
        entry = next((tmp_path / "graphs").rglob(f"{keys[-1]}.tlg"))
        os.utime(entry, ns=(i * 10**9, i * 10**9))  # stored one after the other
    assert cache.load(keys[0]) is not None  # used now: the newest
    size = next((tmp_path / "graphs").rglob(f"{keys[0]}.tlg")).stat().st_size
    small = GraphCache(tmp_path / "graphs", version="v1", limit=2 * size + size // 2)
    assert small.prune() == 2
    assert [small.load(k) is not None for k in keys] == [True, False, False, True]


def test_jobs_store_their_graphs_and_a_warm_run_loads_them(tmp_path: Path) -> None:
    from typelens.typeinfer.run import InferOptions, infer_paths
    from typelens.typeinfer.settings import Settings

    root = tmp_path / "proj"
    root.mkdir()
    for i in range(4):
        (root / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n\nv{i} = f{i}(1)\n")
    settings = Settings(cache_dir=tmp_path / "cache")
    options = InferOptions(mode="static", use_cache=False, jobs=2, settings=settings)
    cold = infer_paths([root], options)
    assert {p.name for p in cold.predictions} >= {"v0", "v3"}
    stored = _entries(tmp_path / "cache" / "graphs")
    assert len(stored) >= 4
    warm = infer_paths([root], options)
    index = warm.sessions[str(root.resolve())].index
    assert index.graph_cache.hits >= 4 and index.graph_cache.stores == 0
    assert [(p.name, p.type) for p in warm.predictions] == [(p.name, p.type) for p in cold.predictions]


def test_an_edited_library_file_invalidates_the_cached_answers(tmp_path: Path) -> None:
    """Editing a file inside site-packages changes no folder's time: the result
    caches check every file the answer read."""
    import venv

    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    site = next(env.glob("lib/python3*/site-packages"))
    (site / "dep.py").write_text("def make():\n    return 'text'\n")
    root = _project(tmp_path, b"from dep import make\n\nvalue = make()\nvalue.uper()\n")
    cache = tmp_path / "cache"

    def run(command: str, *extra: str) -> dict:
        done = _cli(root, cache, command, ".", "--format", "json", "--python", str(env), *extra)
        return json.loads(done.stdout)

    assert [d["code"] for d in run("analyze", "--exit-zero")["diagnostics"]] == ["attr-defined"]
    assert {p["name"]: p["type"] for p in run("infer", "--mode", "static")["predictions"]}["value"] == "str"
    (site / "dep.py").write_text("def make():\n    return 1.5\n")
    again = run("analyze", "--exit-zero")
    assert again["stats"]["cache_hits"] == 0 and "float" in again["diagnostics"][0]["message"]
    inferred = run("infer", "--mode", "static")
    assert inferred["stats"]["cache_hits"] == 0
    assert {p["name"]: p["type"] for p in inferred["predictions"]}["value"] == "float"
    assert run("analyze", "--exit-zero")["stats"]["cache_hits"] == 1


# -- the machine's library cache -------------------------------------------------------------
def _library_setup(tmp_path: Path) -> tuple[Path, Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "libmod.py").write_bytes(b"def helper(x):\n    return x\n")
    return _project(tmp_path, b"import libmod\n\nv = libmod.helper(1)\n"), site


def _library_index(tmp_path: Path, root: Path, site: Path) -> tuple[ProjectIndex, GraphCache]:
    cache = GraphCache(tmp_path / "graphs", library_folder=tmp_path / "library", version="v1")
    return ProjectIndex(root, search_paths=[site], graph_cache=cache, use_stubs=False), cache


def test_library_graphs_go_to_the_library_folder_and_outlive_the_projects(tmp_path: Path) -> None:
    root, site = _library_setup(tmp_path)
    index, cache = _library_index(tmp_path, root, site)
    assert index.is_library_file(site / "libmod.py") and not index.is_library_file(root / "m.py")
    for path in (root / "m.py", site / "libmod.py"):
        assert index.graph_of(path) is not None
    assert len(_entries(tmp_path / "graphs")) == 1 and len(_entries(tmp_path / "library")) == 1
    shutil.rmtree(tmp_path / "graphs")  # a project's caches cleared: the library's stay
    index, cache = _library_index(tmp_path, root, site)
    index.graph_of(site / "libmod.py")
    index.graph_of(root / "m.py")
    assert (cache.hits, cache.stores) == (1, 1)


def test_a_changed_or_damaged_library_entry_is_a_miss(tmp_path: Path) -> None:
    root, site = _library_setup(tmp_path)
    _library_index(tmp_path, root, site)[0].graph_of(site / "libmod.py")
    (site / "libmod.py").write_bytes(b"def helper(x, y):\n    return x\n")  # an upgraded package
    index, cache = _library_index(tmp_path, root, site)
    changed = index.graph_of(site / "libmod.py")
    assert (cache.hits, cache.stores) == (0, 1)
    assert changed is not None and [s.name for s in changed.symbols if s.scope == 1] == ["x", "y"]
    for entry in _entries(tmp_path / "library"):
        entry.write_bytes(entry.read_bytes()[:100])
    index, cache = _library_index(tmp_path, root, site)
    again = index.graph_of(site / "libmod.py")
    assert (cache.hits, cache.rejected, cache.stores) == (0, 1, 1)
    assert again is not None and [s.name for s in again.symbols if s.scope == 1] == ["x", "y"]


# -- export tables of library files ------------------------------------------------------------
_GATED_LIBRARY = b"""import sys
from os.path import *

__all__ = ["helper", "Shown"]

def helper(x):
    return x

class Shown: ...

class _Hidden: ...

if sys.version_info >= (99, 0):
    def future(): ...
"""


def _tables(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tlt")) if folder.exists() else []


def _export_answers(index: ProjectIndex) -> list:
    """What the index says about ``libmod``'s names, from its export table."""
    names = ("helper", "Shown", "_Hidden", "future", "join", "nothing")
    return [index.star_binds("libmod", n) for n in names] + [
        (d.name, d.node) if hasattr(d, "node") else d for d in (index.resolve_name("libmod", n) for n in names)
    ]


def test_a_library_files_export_table_is_kept_and_read_back_without_its_graph(tmp_path: Path) -> None:
    root, site = _library_setup(tmp_path)
    (site / "libmod.py").write_bytes(_GATED_LIBRARY)
    index, cache = _library_index(tmp_path, root, site)
    assert index.star_binds("libmod", "helper") and not index.star_binds("libmod", "_Hidden")
    first = _export_answers(index)
    assert first[:4] == [True, True, False, True]  # future: not bound here, the benefit of the doubt
    assert first[6][0] == "helper" and first[7][0] == "Shown" and first[8][0] == "_Hidden"
    assert first[9] is None  # future: only in a branch this Python does not take
    assert len(_tables(tmp_path / "library")) == 1 and not _tables(tmp_path / "graphs")
    index, cache = _library_index(tmp_path, root, site)
    assert index.star_binds("libmod", "Shown") and (cache.hits, cache.misses) == (0, 0)  # no graph read
    assert _export_answers(index) == first
    assert index.resolve_name("libmod", "later") is None
    (site / "libmod.py").write_bytes(_GATED_LIBRARY + b"\ndef later(): ...\n")
    index, cache = _library_index(tmp_path, root, site)  # an upgraded package: a new key
    assert index.resolve_name("libmod", "later") is not None and len(_tables(tmp_path / "library")) == 2


@pytest.mark.parametrize("damage", ["truncated", "flipped", "shape"])
def test_a_damaged_export_table_is_a_miss_and_rewritten(tmp_path: Path, damage: str) -> None:
    root, site = _library_setup(tmp_path)
    (site / "libmod.py").write_bytes(_GATED_LIBRARY)
    index, cache = _library_index(tmp_path, root, site)
    first = _export_answers(index)
    [entry] = _tables(tmp_path / "library")
    good = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(good[:-5])
    elif damage == "flipped":  # still JSON, but not what was written: the digest says so
        entry.write_bytes(good.replace(b'"helper"', b'"helpex"'))
    else:  # a sound entry of another shape (another version's table)
        cache.store_table(entry.stem, {"names": "helper", "stars": [], "starred": []})
    index, cache = _library_index(tmp_path, root, site)
    assert _export_answers(index) == first
    assert cache.rejected == (0 if damage == "shape" else 1) and entry.read_bytes() == good


def test_answers_are_the_same_with_and_without_the_library_tables(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        b"from os.path import *\nimport collections, json\n\n"
        b"def f(p: str, d):\n    q = join(p, 'x')\n    c = collections.OrderedDict(d)\n"
        b"    return json.dumps(c) + q.uper()\n",
    )
    cache = tmp_path / "cache"

    def answers(*extra: str) -> list[str]:
        out = []
        for command in (["analyze", ".", "--exit-zero"], ["infer", ".", "--mode", "static"]):
            done = _cli(root, cache, *command, "--format", "json", *extra)
            assert done.returncode == 0, done.stderr
            out.append(done.stdout.split('"seconds"')[0])
        return out

    without = answers("--no-cache")
    assert answers() == without and _tables(cache / "library" / "graphs")  # cold: tables written
    for folder in ("graphs", "results"):
        shutil.rmtree(cache / folder, ignore_errors=True)
    assert answers() == without  # the project's caches cleared, the library tables read


def test_symbols_made_through_their_slots_are_the_constructors_values() -> None:
    args = (7, "name", 2, SymbolKind.CLASS, (3, 4), (5,), True)
    made, built = new_symbol(*args), Symbol(*args)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert (made.id, made.name, made.scope, made.kind, made.definitions, made.uses, made.is_global_decl) == args
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"  # type: ignore[misc]
    loaded = graph_from_bytes(graph_to_bytes(build_graph_from_path(STDLIB / "argparse.py")))
    assert all(type(s) is Symbol and isinstance(s.definitions, tuple) for s in loaded.symbols)


# -- symbols made on first use ------------------------------------------------------------------
def test_a_loaded_graphs_symbols_are_made_on_first_use_and_equal_the_built_ones() -> None:
    built = build_graph_from_path(STDLIB / "argparse.py")
    loaded = graph_from_bytes(graph_to_bytes(built))
    table = loaded.symbols
    assert isinstance(table, SymbolTable) and table.made() == 0 and len(table) == len(built.symbols)
    parser = loaded.find_symbol("ArgumentParser")  # the index reads the name column, makes one symbol
    assert parser == built.find_symbol("ArgumentParser") and parser is not None and table.made() == 1
    assert loaded.find_symbol("add_argument", "_ActionsContainer") == built.find_symbol(
        "add_argument", "_ActionsContainer"
    )
    for sid in (len(built.symbols) - 1, 0, len(built.symbols) // 2, -1, -len(built.symbols)):  # out of order
        assert table[sid] == built.symbols[sid] and table[sid] is table[sid]
    assert table.made() == 5
    node = next(n for n in range(len(built)) if built.symbol_of.get(n) is not None)
    assert loaded.symbol_at(node) == built.symbol_at(node)
    assert table[3:9] == built.symbols[3:9]
    with pytest.raises(IndexError):
        table[len(built.symbols)]
    assert table == built.symbols and built.symbols == table and tuple(table) == built.symbols
    assert table.made() == len(table)
    again = graph_from_bytes(graph_to_bytes(loaded))  # a loaded graph stores the same entry
    assert graph_to_bytes(again) == graph_to_bytes(built) and again.symbols == built.symbols


def _symbol_column_offset(blob: bytes) -> tuple[int, int]:
    """Where the flat list of symbol definitions lies in a cache entry (only a
    symbol made on first use reads it), as (start, length) in bytes."""
    from typelens.analyzer.cache import _ARRAYS, _SIZES

    magic, head_size = struct.unpack_from("<8sI", blob)
    header = json.loads(blob[12 : 12 + head_size])
    sizes = header["sizes"]
    at = 12 + head_size + sizes[-2] + sizes[-1]  # the string table, the source
    index = _ARRAYS.index("symbol_defs")
    at += sum(count * size for count, size in zip(sizes[:index], _SIZES))
    return at, 4 * sizes[index]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_damage_in_what_is_read_on_first_use_is_caught_at_load(tmp_path: Path, damage: str) -> None:
    """The check covers the whole entry when it is loaded, not the parts read then:
    a flipped bit in the symbols' definitions, which no load reads before a symbol
    is asked for, makes the entry a miss."""
    data = b"class A:\n    def f(self, x):\n        self.y = x\n        return x\n\nA().f(1)\n"
    cache, key = _stored(tmp_path, data)
    entry = next((tmp_path / "graphs").rglob("*.tlg"))
    blob = entry.read_bytes()
    start, length = _symbol_column_offset(blob)
    assert length >= 4
    damaged = {
        "flip": blob[: start + 1] + bytes([blob[start + 1] ^ 0x10]) + blob[start + 2 :],
        "truncate": blob[: start + length // 2],
    }[damage]
    with pytest.raises(ValueError):
        graph_from_bytes(damaged)
    entry.write_bytes(damaged)
    assert cache.load(key) is None and cache.rejected == 1
    entry.write_bytes(blob)
    loaded = cache.load(key)
    assert loaded is not None and loaded.symbols == build_graph(data, "m.py").symbols


def test_a_symbol_table_rejects_columns_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="other lengths"):
        SymbolTable([0, 1], ["x"], [0, 0], [0, 0], [0, 0], [1, 1], [3], [0, 0], [])
    with pytest.raises(ValueError, match="lengths of defs/uses"):
        SymbolTable([0], ["x"], [0], [0], [0], [2], [3], [0], [])
    with pytest.raises(ValueError, match="kind index"):
        SymbolTable([0], ["x"], [0], [99], [0], [1], [3], [0], [])


def test_scopes_are_made_from_their_columns_and_reject_columns_that_do_not_fit() -> None:
    strings = ["<module>", "f", "m.f"]
    made = scopes_of_columns([0, 1], [0, 2], [0, 5], [0, 1], [0, 2], [-1, 0], [10, 12], [11, 13], strings)
    assert made == (
        Scope(0, ScopeKind.MODULE, 0, "<module>", "<module>", -1, 10, 11),
        Scope(1, ScopeKind.FUNCTION, 5, "f", "m.f", 0, 12, 13),
    )
    with pytest.raises(ValueError, match="other lengths"):
        scopes_of_columns([0, 1], [0], [0, 5], [0, 1], [0, 2], [-1, 0], [10, 12], [11, 13], strings)
    with pytest.raises(IndexError):
        scopes_of_columns([0], [0], [0], [7], [0], [-1], [10], [11], strings)


def test_a_loaded_graph_stores_back_to_the_same_entry() -> None:
    """A loaded graph keeps its subtree ends and its symbols' definitions and uses
    as arrays: what it stores, and what it answers, are the built graph's."""
    built = build_graph_from_path(STDLIB / "argparse.py")
    entry = graph_to_bytes(built)
    loaded = graph_from_bytes(entry)
    assert graph_to_bytes(loaded) == entry
    assert loaded.subtree_ends() == built.subtree_ends()
    assert list(loaded.symbols) == list(built.symbols)


def test_a_loaded_graphs_edges_are_made_lists_when_a_kind_is_first_read() -> None:
    """A loaded graph keeps its edge lists as arrays until a kind is read (a run
    reads the edges of one library graph in sixty): each kind read equals the
    built graph's, the others stay as they were, and the graph stores back to
    the same entry."""
    built = build_graph_from_path(STDLIB / "argparse.py")
    entry = graph_to_bytes(built)
    loaded = graph_from_bytes(entry)
    assert loaded._edges == {}
    assert loaded.successors(0, EdgeKind.CFG_NEXT) == built.successors(0, EdgeKind.CFG_NEXT)
    assert loaded.edges(EdgeKind.DFG) == built.edges(EdgeKind.DFG) and built.edges(EdgeKind.DFG)
    assert set(loaded._edges) == {EdgeKind.CFG_NEXT, EdgeKind.DFG}
    assert loaded.stored_edge_kinds() == built.stored_edge_kinds()
    assert graph_to_bytes(loaded) == entry
    assert loaded.edge_kinds() == built.edge_kinds() and loaded.edges(EdgeKind.AST) == built.edges(EdgeKind.AST)


def test_labels_and_names_are_read_off_their_bytes() -> None:
    assert labels_of_bytes(["call", "name_load", None], bytes([1, 0, 2, 1])) == ["name_load", "call", None, "name_load"]
    with pytest.raises(IndexError):
        labels_of_bytes(["call"], bytes([1]))
    ids = struct.pack("<3I", 2, 0, 70_000)
    strings = ["x", "y", "z"] + ["w"] * 69_997 + ["far"]  # "far" at 70,000: past two bytes
    assert names_of_columns([3, 8, 9], ids, strings) == {3: "z", 8: "x", 9: "far"}
    with pytest.raises(ValueError, match="4 bytes a name"):
        names_of_columns([3, 8], ids, strings)
    with pytest.raises(IndexError):
        names_of_columns([3], struct.pack("<I", 3), ["x"])


def test_import_rows_make_bindings_and_rows_of_another_length_are_refused() -> None:
    rows = [[3, 1, "os", 0, None, "os"], [9, 7, "pkg", 2, "x", "y"]]
    assert imports_of_rows(rows) == (ImportBinding(3, 1, "os", 0, None, "os"), ImportBinding(9, 7, "pkg", 2, "x", "y"))
    with pytest.raises(ValueError, match="5 fields"):
        imports_of_rows([[3, 1, "os", 0, None]])


@pytest.mark.parametrize("change", [("sizes", 0, 1), ("sizes", -2, -1), ("sizes", 4, -8), ("strings", None, 1)])
def test_an_entry_whose_header_does_not_fit_its_columns_is_refused(change: tuple) -> None:
    """A header whose sizes do not add up to the entry (written by something else,
    its checksum made to match) fails the decoding: no column is read past
    another's bytes or from a negative size."""
    import zlib

    blob = graph_to_bytes(build_graph(b"def f(x):\n    return x + 1\n", "m.py"))
    magic, head_size = struct.unpack_from("<8sI", blob)
    header = json.loads(blob[12 : 12 + head_size])
    field, at, delta = change
    if at is None:
        header[field] += delta
    else:
        header[field][at] += delta
    head = json.dumps(header, separators=(",", ":")).encode("ascii")
    body = struct.pack("<8sI", magic, len(head)) + head + blob[12 + head_size : -4]
    with pytest.raises(ValueError):
        graph_from_bytes(body + struct.pack("<I", zlib.crc32(body)))


def test_a_name_the_string_table_cannot_hold_leaves_the_graph_uncached(tmp_path: Path) -> None:
    """The entry's strings are one text with a NUL between them: a name holding a
    NUL (no parser makes one) cannot be stored, and the cache goes on without it."""
    built = build_graph(b"x = 1\n", "m.py")
    node = next(iter(built.names))
    built.names[node] = "x\0y"
    with pytest.raises(ValueError, match="NUL"):
        graph_to_bytes(built)
    cache = GraphCache(tmp_path / "graphs", version="v1")
    cache.store("0" * 40, built)
    assert cache.stores == 0 and not list((tmp_path / "graphs").rglob("*.tlg"))
    lone = build_graph(b"x = 1\n", "m.py")  # lone surrogates (an undecodable identifier) survive
    lone.names[node] = "caf\udce9"
    assert graph_from_bytes(graph_to_bytes(lone)).names == lone.names


def test_a_loaded_graph_reads_children_off_its_subtree_ends() -> None:
    built = build_graph_from_path(STDLIB / "argparse.py")
    loaded = graph_from_bytes(graph_to_bytes(built))
    scattered = list(range(len(built) - 1, 0, -(len(built) // 40)))  # inner nodes, leaves, entry/exit nodes
    for node in scattered:
        assert loaded.children(node) == built.children(node), node
        assert loaded.last_descendant(node) == built.last_descendant(node), node
    assert loaded._children is None  # no table of every node's children for 40 questions
    assert [loaded.children(n) for n in range(len(built))] == [built.children(n) for n in range(len(built))]
    assert loaded._children is not None  # past a sixteenth of the nodes: the table
    assert [loaded.last_descendant(n) for n in range(len(built))] == [
        built.last_descendant(n) for n in range(len(built))
    ]
    plain = graph_from_bytes(graph_to_bytes(built, with_ends=False))  # a project file's entry
    assert plain.subtree_ends() == built.subtree_ends() and plain.children(5) == built.children(5)
    assert plain._children is not None  # the table at the first question


def test_subtree_ends_need_nodes_in_pre_order() -> None:
    assert subtree_ends([-1, 0, 1, 0]) == [4, 3, 3, 4]
    assert subtree_ends([-1, 0, 1, 1, -1]) == [4, 4, 3, 4, 5]  # a synthetic node after the tree
    assert subtree_ends([-1, 0, 0, 1]) is None  # node 3's parent closed before it
    built = build_graph(b"def f(x):\n    if x:\n        return [y for y in x]\n", "m.py")
    ends = built.subtree_ends()
    assert ends is not None and ends[0] - 1 == built.last_descendant(0)


def test_an_atomic_write_skips_a_leftover_name_and_leaves_nothing_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``replace_atomically`` creates its temporary file as ``tempfile.mkstemp``
    does (exclusively, for its owner alone): a file left under the name it would
    take (a process that had this id before) is passed over, and a write that
    fails removes its temporary file."""
    import itertools
    import stat

    from typelens.analyzer import cache as cache_module

    following = next(cache_module._TEMPORARY) + 1
    monkeypatch.setattr(cache_module, "_TEMPORARY", itertools.count(following))
    leftover = tmp_path / f".entry.{os.getpid()}-{following}.tmp"
    leftover.write_bytes(b"another process's")
    cache_module.replace_atomically(tmp_path / "entry.tlg", b"data")
    assert (tmp_path / "entry.tlg").read_bytes() == b"data"
    assert stat.S_IMODE((tmp_path / "entry.tlg").stat().st_mode) == 0o600
    assert leftover.read_bytes() == b"another process's"
    (tmp_path / "folder.tlg").mkdir()
    with pytest.raises(OSError):
        cache_module.replace_atomically(tmp_path / "folder.tlg", b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["entry.tlg", "folder.tlg", leftover.name])
