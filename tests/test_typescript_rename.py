"""References and rename in TypeScript and JavaScript, end to end, under each
position encoding a client can negotiate (utf-8, utf-16, utf-32), on a project
whose lines hold accents, CJK and emoji before the names: a function exported
from one module and imported into another (ES ``import`` and CommonJS
``require``), a class member named through ``obj.x`` in the other file, a
local that only its function sees, and a library symbol (``node_modules``)
whose rename is refused.  Every workspace edit is applied by the client's
reference, the files re-parsed, and the import resolved again."""

from __future__ import annotations

import pytest

from typelens.analyzer import Definition
from typelens.analyzer.typescript import build_script_graph
from typelens.analyzer.typescript.project import ScriptIndex

from .lsp_wire import RawServer, apply_text_edits, code_units

pytestmark = pytest.mark.e2e

GEO = """\
// Géométrie — für alle 😀
export function aire(côté: number): number {
  const carré = côté * côté; return carré;
}
export class Forme {
  constructor(public nom: string) {}
  décrire(): string { return "😀 " + this.nom; }
}
"""

MAIN = """\
import { aire, Forme } from "./geo";
import { chunk } from "lodash";
const s = "😀😀"; const 名前 = new Forme("é"); const a = aire(2) + 名前.nom.length;
function carré(n: number) { const carré = n; return carré * aire(n); }
const parts = chunk([s], 1);
"""

OLD = """\
const { aire } = require("./geo"); const ü = "😀"; module.exports = { double: (x) => aire(x) * 2 };
"""

LODASH = "export declare function chunk<T>(items: T[], size: number): T[][];\n"


@pytest.fixture(scope="module", params=["utf-8", "utf-16", "utf-32"])
def session(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"ts-enc-{request.param}")
    (root / "geo.ts").write_text(GEO, encoding="utf-8")
    (root / "main.ts").write_text(MAIN, encoding="utf-8")
    (root / "old.js").write_text(OLD, encoding="utf-8")
    package = root / "node_modules" / "lodash"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "lodash", "types": "index.d.ts"}')
    (package / "index.d.ts").write_text(LODASH)
    srv = RawServer()
    rid = srv.request(
        "initialize",
        {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {"general": {"positionEncodings": [request.param]}},
        },
    )
    assert srv.response(rid, timeout=120)["result"]["capabilities"]["positionEncoding"] == request.param
    srv.notify("initialized", {})
    uri = (root / "main.ts").as_uri()
    srv.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": MAIN}}
    )
    yield srv, root, request.param
    srv.proc.stdin.close()  # the end of the input stops the server, once its last build is done
    assert srv.proc.wait(timeout=180) == 0


def position(text: str, needle: str, encoding: str, extra: int = 0) -> dict:
    at = text.index(needle) + extra
    start = text.rfind("\n", 0, at) + 1
    return {"line": text.count("\n", 0, at), "character": code_units(text[start:at], encoding)}


def ask(srv: RawServer, method: str, params: dict):
    answer = srv.response(srv.request(method, params), timeout=120)
    assert "error" not in answer, answer
    return answer["result"]


def renamed(srv: RawServer, root, encoding: str, needle: str, new_name: str) -> dict[str, str]:
    """The project's files after the rename at ``needle`` in main.ts, each re-parsed."""
    edit = ask(
        srv,
        "textDocument/rename",
        {
            "textDocument": {"uri": (root / "main.ts").as_uri()},
            "position": position(MAIN, needle, encoding),
            "newName": new_name,
        },
    )
    texts = {"geo.ts": GEO, "main.ts": MAIN, "old.js": OLD}
    for change in edit["documentChanges"]:
        name = change["textDocument"]["uri"].rsplit("/", 1)[-1]
        texts[name] = apply_text_edits(texts[name], change["edits"], encoding)
    for name, text in texts.items():
        assert not build_script_graph(text, str(root / name)).has_syntax_errors(), text
    return texts


def test_references_of_an_export_across_files(session) -> None:
    srv, root, encoding = session
    found = ask(
        srv,
        "textDocument/references",
        {
            "textDocument": {"uri": (root / "main.ts").as_uri()},
            "position": position(MAIN, "aire(2)", encoding),
            "context": {"includeDeclaration": True},
        },
    )
    places = sorted(
        (r["uri"].rsplit("/", 1)[-1], r["range"]["start"]["line"], r["range"]["start"]["character"]) for r in found
    )
    texts = {"geo.ts": GEO, "main.ts": MAIN, "old.js": OLD}
    assert {name for name, _, _ in places} == {"geo.ts", "main.ts", "old.js"}
    assert len(places) == 6  # the declaration, 2 imports and 3 calls
    for name, line, character in places:
        text_line = texts[name].splitlines()[line]
        prefix = next(i for i in range(len(text_line) + 1) if code_units(text_line[:i], encoding) == character)
        assert text_line[prefix : prefix + 4] == "aire"


def test_rename_an_export_applies_and_resolves(session) -> None:
    srv, root, encoding = session
    texts = renamed(srv, root, encoding, "aire(2)", "surface")
    assert "export function surface(côté: number)" in texts["geo.ts"]
    assert 'import { surface, Forme } from "./geo";' in texts["main.ts"]
    assert "const a = surface(2) + 名前.nom.length;" in texts["main.ts"]
    assert "return carré * surface(n);" in texts["main.ts"]
    assert 'const { surface } = require("./geo");' in texts["old.js"] and "surface(x) * 2" in texts["old.js"]
    index = ScriptIndex(root, overlay={root / name: text.encode() for name, text in texts.items()})
    for name in ("main.ts", "old.js"):
        graph = index.graph_of(root / name)
        binding = next(b for b in graph.imports if b.module == "./geo" and b.name == "surface")
        target = index.resolve_binding(graph, binding)
        assert isinstance(target, Definition) and target.path.name == "geo.ts"


def test_rename_a_member_and_a_local(session) -> None:
    srv, root, encoding = session
    texts = renamed(srv, root, encoding, "nom.length", "étiquette")
    assert "constructor(public étiquette: string)" in texts["geo.ts"]
    assert 'return "😀 " + this.étiquette;' in texts["geo.ts"]
    assert "名前.étiquette.length" in texts["main.ts"] and texts["old.js"] == OLD
    texts = renamed(srv, root, encoding, "carré = n", "valeur")
    assert "function carré(n: number) { const valeur = n; return valeur * aire(n); }" in texts["main.ts"]
    assert texts["geo.ts"] == GEO  # geo.ts's own `carré` is another function's


def test_a_library_symbol_is_not_renamed(session) -> None:
    srv, root, encoding = session

    def refused(needle: str, name: str) -> dict:
        params = {
            "textDocument": {"uri": (root / "main.ts").as_uri()},
            "position": position(MAIN, needle, encoding),
            "newName": name,
        }
        return srv.response(srv.request("textDocument/rename", params), timeout=120)["error"]

    library = refused("chunk([s]", "split")
    assert library["code"] == -32803 and "outside the project" in library["message"]
    assert "not a valid name" in refused("aire(2)", "2d")["message"]
