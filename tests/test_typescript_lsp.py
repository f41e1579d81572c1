"""The language server on TypeScript and JavaScript, end to end: ``python -m
typelens.cli lsp`` as a subprocess driven over stdio by a real LSP client
(pytest-lsp), on ``tests/data/typescript/project``: hover, inlay hints,
completion after ``.`` (also on a half-typed line), "Add type annotation",
definitions through imports, diagnostics of a ``.js`` file, the outline and
highlights, references and rename across files (the edits applied and the
result re-parsed and resolved), and rename refused with its reason."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .conftest import DATA
from .test_lsp_e2e import position_of

pytestmark = pytest.mark.e2e

PROJECT = DATA / "typescript" / "project"
SHAPES = PROJECT / "src" / "shapes.ts"
LEGACY = PROJECT / "src" / "legacy.js"


@pytest_lsp.fixture(
    scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "typelens.cli", "lsp"])
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=PROJECT.as_uri(),
            initialization_options={"typelens": {"minConfidence": 0.7}},
        )
    )
    yield
    await lsp_client.shutdown_session()


def open_script(client: LanguageClient, path, language: str, text: str | None = None) -> str:
    text = path.read_text() if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id=language, version=1, text=text)
        )
    )
    return text


def offset_range(text: str, edit: types.TextEdit) -> tuple[int, int]:
    lines = text.splitlines(keepends=True)
    start = sum(len(l) for l in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(l) for l in lines[: edit.range.end.line]) + edit.range.end.character
    return start, end


async def test_hover_on_a_typescript_variable(client: LanguageClient) -> None:
    text = open_script(client, SHAPES, "typescript")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()), position=position_of(text, "size =")
        )
    )
    assert hover is not None and "size: number" in hover.contents.value and "static" in hover.contents.value
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()), position=position_of(text, "owner.name")
        )
    )
    assert "owner: User" in hover.contents.value


async def test_inlay_hints_are_typescript_annotations(client: LanguageClient) -> None:
    text = SHAPES.read_text()
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()),
            range=types.Range(types.Position(0, 0), types.Position(len(text.splitlines()) + 1, 0)),
        )
    )
    labels = {(h.position.line, h.label) for h in hints}
    assert (2, ": number") in labels  # the return of area, after its `)`
    assert (3, ": number") in labels  # size
    assert (7, ": string") in labels  # the return of describe
    assert all(h.text_edits and h.text_edits[0].new_text == h.label for h in hints)


async def test_add_type_annotation_action(client: LanguageClient) -> None:
    text = SHAPES.read_text()
    here = position_of(text, "size = width")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()),
            range=types.Range(here, here),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    action = next(a for a in actions if a.title == "Add type annotation")
    edit = action.edit.document_changes[0].edits[0]
    start, end = offset_range(text, edit)
    assert (text[:start] + edit.new_text + text[end:]).count("const size: number = width * height;") == 1
    owner = position_of(text, "owner = account")  # User is not imported here: nothing to write
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()),
            range=types.Range(owner, owner),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert "Add type annotation" not in [a.title for a in actions or []]


async def test_completion_after_a_dot_on_a_half_typed_line(client: LanguageClient) -> None:
    uri = SHAPES.as_uri()
    text = SHAPES.read_text()
    at = position_of(text, "owner.name", len("owner."))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(at, types.Position(at.line, at.character + len("name"))), text=""
                )
            ],
        )
    )
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri), position=at)
    )
    labels = [i.label for i in result.items]
    assert labels[:2] == ["age", "name"]
    detail = {i.label: i.detail for i in result.items}
    assert detail["name"] == "string"


async def test_definition_through_an_import(client: LanguageClient) -> None:
    text = SHAPES.read_text()
    found = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(SHAPES.as_uri()), position=position_of(text, "Account }")
        )
    )
    assert found is not None and found.uri.endswith("src/models/index.ts")


async def test_javascript_document_gets_hover_and_diagnostics(client: LanguageClient) -> None:
    text = open_script(client, LEGACY, "javascript", LEGACY.read_text() + "\nconst broken = ;\n")
    deadline = asyncio.get_running_loop().time() + 30
    while LEGACY.as_uri() not in client.diagnostics:
        assert asyncio.get_running_loop().time() < deadline, "no diagnostics for legacy.js"
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout=30)
    assert "syntax-error" in {d.code for d in client.diagnostics[LEGACY.as_uri()]}
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(LEGACY.as_uri()), position=position_of(text, "add(a")
        )
    )
    assert hover is not None and "add" in hover.contents.value


async def test_outline_highlights_and_rename_of_a_typescript_file(client: LanguageClient) -> None:
    models = PROJECT / "src" / "models" / "index.ts"
    text = open_script(client, models, "typescript")
    outline = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(models.as_uri()))
    )
    shown = {s.name: (s.kind, [c.name for c in s.children or []]) for s in outline}
    assert shown == {
        "User": (types.SymbolKind.Interface, []),
        "Account": (types.SymbolKind.Class, ["constructor", "balance"]),
    }
    marks = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(models.as_uri()), position=position_of(text, "User, private")
        )
    )
    assert len(marks) == 2  # the interface's name and its use in the constructor
    ready = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(models.as_uri()), position=position_of(text, "Account {")
        )
    )
    assert ready is not None and ready.placeholder == "Account"


async def test_signature_help_in_an_unclosed_typescript_call(client: LanguageClient) -> None:
    scratch = PROJECT / "src" / "scratch_calls.ts"  # an editor buffer only: never written to disk
    text = open_script(
        client,
        scratch,
        "typescript",
        'import { area } from "./shapes";\nconst m = new Map<string, number>();\narea(3, ',
    )
    end = types.Position(2, len("area(3, "))
    found = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=types.TextDocumentIdentifier(scratch.as_uri()), position=end)
    )
    assert found is not None and found.active_parameter == 1
    assert found.signatures[0].label == "area(width: number, height?: number): number"
    assert text.endswith("area(3, ")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=scratch.as_uri(), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text.replace("area(3, ", "m.set("))],
        )
    )
    found = await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(scratch.as_uri()), position=types.Position(2, len("m.set("))
        )
    )
    assert found is not None and found.active_parameter == 0
    assert found.signatures[0].label.startswith("set(key: string, value: number)")


async def test_semantic_tokens_of_a_typescript_file(client: LanguageClient) -> None:
    from typelens.typeinfer.ide.semantic_tokens import TOKEN_TYPES

    text = open_script(client, SHAPES, "typescript")
    found = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(SHAPES.as_uri()))
    )
    assert found is not None and found.data
    decoded, line, column = {}, 0, 0
    lines = text.splitlines()
    for i in range(0, len(found.data), 5):
        dl, dc, length, kind, _ = found.data[i : i + 5]
        line, column = line + dl, (column + dc if dl == 0 else dc)
        decoded.setdefault(lines[line][column : column + length], set()).add(TOKEN_TYPES[kind])
    assert decoded["area"] == {"function"} and decoded["width"] == {"parameter"}
    assert decoded["Account"] == {"class"} and decoded["owner"] >= {"variable", "property"}


def relative(uri: str) -> str:
    return Path(unquote(urlparse(uri).path)).relative_to(PROJECT.resolve()).as_posix()


def applied(text: str, edits: list[types.TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset_range(text, edit)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_references_and_rename_across_files(client: LanguageClient) -> None:
    from typelens.analyzer import Definition
    from typelens.analyzer.typescript import build_script_graph
    from typelens.analyzer.typescript.project import ScriptIndex

    app = PROJECT / "src" / "app.ts"
    disk = {relative(p.as_uri()): p.read_text() for p in (app, SHAPES, PROJECT / "src" / "models" / "index.ts")}
    client.text_document_did_change(  # shapes.ts as on disk again (an earlier test typed into it)
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=SHAPES.as_uri(), version=50),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=disk["src/shapes.ts"])],
        )
    )
    text = open_script(client, app, "typescript")
    where = types.TextDocumentIdentifier(app.as_uri())
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=where,
            position=position_of(text, "Account({"),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    # the import and the `new` here, the import and the parameter type in shapes.ts (through
    # `export *` in src/index.ts); the class declaration itself left out
    assert sorted((relative(r.uri), r.range.start.line) for r in found) == [
        ("src/app.ts", 0),
        ("src/app.ts", 8),
        ("src/shapes.ts", 0),
        ("src/shapes.ts", 7),
    ]
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=where, position=position_of(text, "Account({"), new_name="Ledger")
    )
    assert edit is not None and edit.document_changes
    texts = dict(disk)
    for change in edit.document_changes:
        name = relative(change.text_document.uri)
        texts[name] = applied(texts[name], change.edits)
    assert sorted(texts) == sorted(disk)  # no other file names the class
    assert "export class Ledger {" in texts["src/models/index.ts"]
    assert 'import { hello, Ledger } from "./index";' in texts["src/app.ts"]
    assert "new Ledger({" in texts["src/app.ts"] and "account: Ledger)" in texts["src/shapes.ts"]
    assert "Account" not in "".join(texts.values())
    overlay = {PROJECT / name: t.encode() for name, t in texts.items()}
    index = ScriptIndex(PROJECT, overlay=overlay)
    for name in texts:
        graph = build_script_graph(texts[name], str(PROJECT / name))
        assert not graph.has_syntax_errors(), name
    graph = index.graph_of(app)
    binding = next(b for b in graph.imports if b.name == "Ledger")
    target = index.resolve_binding(graph, binding)
    assert isinstance(target, Definition) and target.path.name == "index.ts" and target.name == "Ledger"
    for needle, reason in (("chunk(", "outside the project"), ("hello(", "exported under another name")):
        with pytest.raises(JsonRpcException, match=reason):
            await client.text_document_rename_async(
                types.RenameParams(text_document=where, position=position_of(text, needle), new_name="renamed")
            )
