"""Module resolution and names across script files, on the fixture project
``tests/data/typescript/project`` (tsconfig ``paths`` + ``baseUrl`` through
``extends``, an ``index`` barrel with ``export *``, a CommonJS module, a package
with ``exports`` types, a scoped package, ``@types`` for an untyped package and
an ambient ``declare module "path"``) and on small projects written here."""

from __future__ import annotations

import json
from pathlib import Path

from typelens.analyzer import Definition, EdgeKind
from typelens.analyzer.typescript.builder import build_script_graph
from typelens.analyzer.typescript.exports import module_exports
from typelens.analyzer.typescript.project import ScriptIndex, iter_script_files
from typelens.analyzer.typescript.project_graph import build_script_project_graph
from typelens.analyzer.typescript.resolve import ScriptModule, ScriptResolver, strip_json_comments

from .conftest import DATA, write_tree

PROJECT = DATA / "typescript" / "project"


def bindings(index: ScriptIndex, rel: str) -> dict[str, object]:
    g = index.graph_of(PROJECT / rel)
    return {b.bound: index.resolve_binding(g, b) for b in g.imports}


def test_imports_of_the_fixture_project_resolve() -> None:
    found = bindings(ScriptIndex(PROJECT), "src/app.ts")
    names = {
        bound: (Path(t.path).relative_to(PROJECT.resolve()).as_posix() if getattr(t, "path", None) else None)
        for bound, t in found.items()
    }
    assert names == {
        "hello": "src/util.ts",  # re-exported under another name
        "Account": "src/models/index.ts",  # through `export *` of a folder's index
        "greet": "src/util.ts",  # tsconfig paths, from the extended config
        "_": "node_modules/@types/lodash/index.d.ts",  # the package is untyped: @types
        "chunk": "node_modules/@types/lodash/index.d.ts",
        "path": "node_modules/@types/node/path.d.ts",  # node:path, an ambient module
        "parse": "node_modules/exported/types/main.d.ts",  # package.json exports, types condition
        "helper": "node_modules/@scope/tool/lib/index.d.ts",  # a scoped package's types
        "legacy": "src/legacy.js",  # CommonJS require
    }
    assert isinstance(found["legacy"], ScriptModule) and isinstance(found["greet"], Definition)


def test_commonjs_exports_and_default() -> None:
    index = ScriptIndex(PROJECT)
    target = index.resolve_export((PROJECT / "src" / "legacy.js").resolve(), "add")
    assert isinstance(target, Definition) and target.path.name == "legacy.js"
    assert index.resolve_export((PROJECT / "src" / "legacy.js").resolve(), "missing") is None


def test_project_graph_has_cross_file_calls() -> None:
    pg = build_script_project_graph(ScriptIndex(PROJECT))
    calls = [(pg.files[pg.locate(s)[0]], pg.files[pg.locate(d)[0]]) for s, d in pg.cross_edges[EdgeKind.CALL]]
    assert ("src/app.ts", "src/util.ts") in calls and ("src/app.ts", "src/models/index.ts") in calls
    assert len(pg.cross_edges[EdgeKind.RETURN]) == len(pg.cross_edges[EdgeKind.CALL])


def test_script_files_skip_node_modules_and_declarations() -> None:
    files = [p.relative_to(PROJECT).as_posix() for p in iter_script_files(PROJECT)]
    assert "src/app.ts" in files and not any(f.startswith("node_modules") or f.endswith(".d.ts") for f in files)


def test_index_files_js_to_ts_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "index.ts").write_text('export * from "./a";\nexport * from "../b.js";\n')
    (tmp_path / "lib" / "a.ts").write_text('export * from "./index";\nexport const one = 1;\n')
    (tmp_path / "b.ts").write_text("export function two() { return 2 }\n")
    (tmp_path / "main.ts").write_text('import { one, two, nowhere } from "./lib";\n')
    index = ScriptIndex(tmp_path)
    found = {
        b.bound: index.resolve_binding(index.graph_of(tmp_path / "main.ts"), b)
        for b in index.graph_of(tmp_path / "main.ts").imports
    }
    assert found["one"].path.name == "a.ts" and found["two"].path.name == "b.ts"
    assert found["nowhere"] is None  # the export cycle ends, no answer


def test_tsconfig_with_comments_and_base_url(tmp_path: Path) -> None:
    (tmp_path / "tsconfig.json").write_text('{\n // c\n "compilerOptions": {"baseUrl": "src",},\n}\n')
    (tmp_path / "src" / "core").mkdir(parents=True)
    (tmp_path / "src" / "core" / "x.tsx").write_text("export const x = 1;\n")
    resolver = ScriptResolver(tmp_path)
    assert resolver.resolve("core/x", tmp_path / "src" / "app.ts").path.name == "x.tsx"
    assert resolver.resolve("./missing", tmp_path / "src" / "app.ts") is None
    assert json.loads(strip_json_comments('{"a": "//not a comment", /* b */ "c": [1,],}')) == {
        "a": "//not a comment",
        "c": [1],
    }


def test_node_builtins_without_types(tmp_path: Path) -> None:
    found = ScriptResolver(tmp_path).resolve("node:fs", tmp_path / "a.ts")
    assert found is not None and found.origin == "builtin" and found.path is None


def test_exports_are_read_from_the_graph_asked_about_not_a_freed_one_at_its_address() -> None:
    """A graph freed and another one built in its place (often at the same address)
    gets its own exports, not the freed graph's."""
    index = ScriptIndex(PROJECT)
    for n in range(40):
        graph = build_script_graph(f"export const value{n} = {n};\n", f"m{n}.ts")
        assert index.exports_of(graph) == module_exports(graph)
        del graph


def test_a_barrel_of_many_star_exports_resolves_its_last_module(tmp_path: Path) -> None:
    """A barrel that re-exports 60 modules (mobx's ``internal.ts`` has 50): names of the
    last ones resolve, to their declarations, and their calls get cross-file edges."""
    files = {f"src/m{i}.ts": f"export function f{i}(x: number) {{ return x; }}\n" for i in range(60)}
    files["src/internal.ts"] = "".join(f'export * from "./m{i}";\n' for i in range(60))
    files["src/use.ts"] = 'import { f0, f59 } from "./internal";\nexport const a = f0(1) + f59(2);\n'
    write_tree(tmp_path, files)
    index = ScriptIndex(tmp_path)
    g = index.graph_of(tmp_path / "src" / "use.ts")
    found = {b.bound: index.resolve_binding(g, b) for b in g.imports}
    assert isinstance(found["f59"], Definition) and Path(found["f59"].path).name == "m59.ts"
    assert isinstance(found["f0"], Definition)
    pg = build_script_project_graph(index)
    assert len(pg.cross_edges[EdgeKind.CALL]) == 2
