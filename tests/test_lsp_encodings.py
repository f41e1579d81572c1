"""The language server end to end under each position encoding a client can
negotiate (utf-8 as Neovim prefers, utf-16, utf-32), on a project whose lines
hold accents, CJK and emoji: every range it sends lands where the client
expects, and every workspace edit it produces (annotate all, quick fix,
rename) is applied by the client's reference and re-parsed by the server.
Also: the new requests, pull diagnostics, and a server started without a root
serving a loose file."""

from __future__ import annotations

import ast

import pytest

from .lsp_wire import RawServer, apply_text_edits, code_units

pytestmark = pytest.mark.e2e

MODEL = '''\
class Compte:
    """Un compte — für alle 😀."""

    def dépôt(self, montant):
        """Met de l'argent.

        Renvoie le solde.
        """
        self.solde = montant
        return self.solde
'''

MAIN = """\
from model import Compte

s = "😀😀"; k = 3
名前 = "héllo 😀"; n = len(名前)


def crée(x):
    c = Compte()
    c.dépôt(x)
    return c


r = crée(2.5); z = r.solde
"""


@pytest.fixture(scope="module", params=["utf-8", "utf-16", "utf-32"])
def session(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"enc-{request.param}")
    (root / "model.py").write_text(MODEL, encoding="utf-8")
    (root / "main.py").write_text(MAIN, encoding="utf-8")
    srv = RawServer()
    rid = srv.request(
        "initialize",
        {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {
                "general": {"positionEncodings": [request.param]},
                "textDocument": {"diagnostic": {"dynamicRegistration": False}},
            },
        },
    )
    answer = srv.response(rid, timeout=120)
    srv.notify("initialized", {})
    uri = (root / "main.py").as_uri()
    srv.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": MAIN}}
    )
    yield srv, root, request.param, answer["result"]["capabilities"]
    srv.close()


def position(text: str, needle: str, encoding: str, extra: int = 0) -> dict:
    at = text.index(needle) + extra
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return {"line": line, "character": code_units(text[start:at], encoding)}


def ask(srv: RawServer, method: str, params: dict):
    answer = srv.response(srv.request(method, params), timeout=120)
    assert "error" not in answer, answer
    return answer["result"]


def test_the_encoding_is_negotiated_and_every_request_is_served(session) -> None:
    srv, root, encoding, capabilities = session
    assert capabilities["positionEncoding"] == encoding
    for provider in (
        "hoverProvider",
        "signatureHelpProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "semanticTokensProvider",
        "typeDefinitionProvider",
        "documentHighlightProvider",
        "diagnosticProvider",
        "inlayHintProvider",
        "completionProvider",
    ):
        assert capabilities.get(provider), provider


def test_hover_range_and_signature(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    result = ask(
        srv, "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(MAIN, "n = len", encoding)}
    )
    assert "(variable) n: int" in result["contents"]["value"]
    assert result["range"]["start"] == position(MAIN, "n = len", encoding)
    assert result["range"]["end"] == position(MAIN, "n = len", encoding, 1)
    result = ask(
        srv, "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(MAIN, "crée(x)", encoding)}
    )
    assert "(function) def crée(x: float) -> Compte" in result["contents"]["value"]
    result = ask(
        srv, "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(MAIN, "dépôt(x)", encoding)}
    )
    assert "(method) def dépôt(montant" in result["contents"]["value"]
    assert "Met de l'argent.\n\nRenvoie le solde." in result["contents"]["value"]


def test_inlay_hints_land_after_their_names(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    hints = ask(
        srv,
        "textDocument/inlayHint",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}},
        },
    )
    where = {(h["position"]["line"], h["position"]["character"]): h["label"] for h in hints}
    assert where[tuple(position(MAIN, "k = 3", encoding, 1).values())] == ": int"
    assert where[tuple(position(MAIN, "n = len", encoding, 1).values())] == ": int"
    assert where[tuple(position(MAIN, "名前 =", encoding, 2).values())] == ": str"


def test_pulled_diagnostics_use_the_encoding(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    text = MAIN + "w = r.sold\n"
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}
    )
    report = ask(srv, "textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert report["kind"] == "full"
    bad = next(d for d in report["items"] if d["code"] == "attr-defined")
    assert bad["range"]["start"] == position(text, "sold\n", encoding)
    again = ask(srv, "textDocument/diagnostic", {"textDocument": {"uri": uri}, "previousResultId": report["resultId"]})
    assert again["kind"] == "unchanged"
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": MAIN}]}
    )


def test_annotate_all_applies_and_reparses(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    actions = ask(
        srv,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": position(MAIN, "k = 3", encoding), "end": position(MAIN, "k = 3", encoding)},
            "context": {"diagnostics": []},
        },
    )
    titles = {a["title"]: a for a in actions}
    assert {"Add type annotation", "Annotate all in file"} <= set(titles)
    change = titles["Annotate all in file"]["edit"]["documentChanges"][0]
    assert change["textDocument"]["version"] == 3
    annotated = apply_text_edits(MAIN, change["edits"], encoding)
    assert 's: str = "😀😀"; k: int = 3' in annotated and "n: int = len(名前)" in annotated
    ast.parse(annotated)
    fix = titles["Add type annotation"]["edit"]["documentChanges"][0]
    assert 's = "😀😀"; k: int = 3' in apply_text_edits(MAIN, fix["edits"], encoding)
    # the client applies the edits as incremental changes, the last first
    for edit in sorted(
        change["edits"], key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True
    ):
        srv.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 4},
                "contentChanges": [{"range": edit["range"], "text": edit["newText"]}],
            },
        )
    result = ask(
        srv, "textDocument/hover", {"textDocument": {"uri": uri}, "position": position(annotated, "k: int", encoding)}
    )
    assert "(variable) k: int" in result["contents"]["value"] and "declared" in result["contents"]["value"]
    report = ask(srv, "textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert not [d for d in report["items"] if d["code"] in ("syntax-error", "missing-token")]
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": MAIN}]}
    )


def test_rename_across_files_applies_and_reparses(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    edit = ask(
        srv,
        "textDocument/rename",
        {"textDocument": {"uri": uri}, "position": position(MAIN, "dépôt(x)", encoding), "newName": "versé"},
    )
    texts = {"main.py": MAIN, "model.py": MODEL}
    for change in edit["documentChanges"]:
        name = change["textDocument"]["uri"].rsplit("/", 1)[-1]
        texts[name] = apply_text_edits(texts[name], change["edits"], encoding)
        ast.parse(texts[name])
    assert "c.versé(x)" in texts["main.py"] and "def versé(self, montant)" in texts["model.py"]
    refused = srv.response(
        srv.request(
            "textDocument/rename",
            {"textDocument": {"uri": uri}, "position": position(MAIN, "len(", encoding), "newName": "size"},
        )
    )
    assert refused["error"]["code"] == -32803 and "outside the project" in refused["error"]["message"]


def test_completion_signature_help_and_structure(session) -> None:
    srv, root, encoding, _ = session
    uri = (root / "main.py").as_uri()
    text = MAIN + "import os\nos.path."
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": text}]}
    )
    end = position(text, "os.path.", encoding, len("os.path."))
    items = ask(srv, "textDocument/completion", {"textDocument": {"uri": uri}, "position": end})["items"]
    join = next(i for i in items if i["label"] == "join")
    assert join["kind"] == 3 and join["detail"].startswith("def join(")  # Function
    text = MAIN + "crée(名前, "
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": text}]}
    )
    help_ = ask(
        srv,
        "textDocument/signatureHelp",
        {"textDocument": {"uri": uri}, "position": position(text, "crée(名前, ", encoding, len("crée(名前, "))},
    )
    assert help_["signatures"][0]["label"].startswith("crée(x: float")
    assert help_["activeParameter"] == 1  # past the only parameter: none highlighted
    srv.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 8}, "contentChanges": [{"text": MAIN}]}
    )
    symbols = ask(srv, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    crée = next(s for s in symbols if s["name"] == "crée")
    assert crée["selectionRange"]["start"] == position(MAIN, "crée(x)", encoding)
    found = ask(srv, "workspace/symbol", {"query": "dép"})
    assert [s["name"] for s in found] == ["dépôt"]
    tokens = ask(srv, "textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})["data"]
    decoded, line, column = [], 0, 0
    for i in range(0, len(tokens), 5):
        dl, dc, length = tokens[i : i + 3]
        line, column = line + dl, (column + dc if dl == 0 else dc)
        decoded.append((line, column, length))
    assert tuple(position(MAIN, "n = len", encoding).values()) + (1,) in decoded
    start = position(MAIN, "名前 =", encoding)
    assert (start["line"], start["character"], code_units("名前", encoding)) in decoded
    places = ask(
        srv,
        "textDocument/references",
        {
            "textDocument": {"uri": uri},
            "position": position(MAIN, "solde", encoding),
            "context": {"includeDeclaration": True},
        },
    )
    assert {p["uri"].rsplit("/", 1)[-1] for p in places} == {"main.py", "model.py"}
    target = ask(
        srv,
        "textDocument/typeDefinition",
        {"textDocument": {"uri": uri}, "position": position(MAIN, "r = crée", encoding)},
    )
    assert target[0]["uri"].endswith("model.py")
    highlights = ask(
        srv,
        "textDocument/documentHighlight",
        {"textDocument": {"uri": uri}, "position": position(MAIN, "c = Compte", encoding)},
    )
    assert [h["kind"] for h in highlights] == [3, 2, 2]  # write, read, read


def test_a_server_without_a_root_serves_a_loose_file(tmp_path) -> None:
    path = tmp_path / "loose.py"
    text = "def dbl(x):\n    return x * 2\n\n\ny = dbl(1.5)  # 😀\n"
    path.write_text(text, encoding="utf-8")
    srv = RawServer()
    try:
        srv.initialize(None)
        srv.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}},
        )
        published = None
        for _ in range(200):
            message = srv.messages.get(timeout=60)
            if message.get("method") == "textDocument/publishDiagnostics":
                published = message["params"]
                break
        assert published is not None and published["uri"] == path.as_uri()  # no pull support: published
        result = ask(
            srv,
            "textDocument/hover",
            {"textDocument": {"uri": path.as_uri()}, "position": position(text, "dbl(1.5)", "utf-16")},
        )
        assert "(function) def dbl(x: float) -> float" in result["contents"]["value"]
    finally:
        srv.close()
