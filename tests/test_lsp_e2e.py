"""The language server end to end: ``python -m typelens.cli lsp`` as a subprocess,
driven over stdio by a real LSP client (pytest-lsp)."""

from __future__ import annotations

import asyncio
import re
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .conftest import ROOT

pytestmark = pytest.mark.e2e

SHOP = ROOT / "examples" / "shop"
SERVICE = SHOP / "shop" / "service.py"
PRICING = SHOP / "shop" / "pricing.py"


@pytest_lsp.fixture(
    scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "typelens.cli", "lsp"])
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=SHOP.as_uri(),
            initialization_options={"typelens": {"minConfidence": 0.7}},
        )
    )
    yield
    await lsp_client.shutdown_session()


def position_of(text: str, needle: str, extra: int = 0) -> types.Position:
    at = text.index(needle) + extra
    line = text.count("\n", 0, at)
    return types.Position(line=line, character=at - (text.rfind("\n", 0, at) + 1))


def open_doc(client: LanguageClient, path, version: int = 1, text: str | None = None) -> str:
    text = path.read_text() if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=version, text=text)
        )
    )
    return text


async def wait_diagnostics(client: LanguageClient, uri: str, timeout: float = 30) -> list[types.Diagnostic]:
    deadline = asyncio.get_running_loop().time() + timeout
    while uri not in client.diagnostics:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no diagnostics for {uri}")
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[uri])


async def test_diagnostics_are_published_on_open(client: LanguageClient) -> None:
    open_doc(client, SERVICE)
    found = await wait_diagnostics(client, SERVICE.as_uri())
    codes = {d.code for d in found}
    assert "attr-defined" in codes
    bad = next(d for d in found if d.code == "attr-defined")
    assert bad.range.start.line == 39 and bad.source == "typelens"


async def test_hover_shows_type_source_and_signature(client: LanguageClient) -> None:
    text = SERVICE.read_text()
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(SERVICE.as_uri()),
            position=position_of(text, "order = Order(customer)"),
        )
    )
    assert result is not None and "order: Order" in result.contents.value and "static" in result.contents.value
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(SERVICE.as_uri()), position=position_of(text, "Order(customer)")
        )
    )
    assert "class Order" in result.contents.value


async def test_inlay_hints_with_edits(client: LanguageClient) -> None:
    text = open_doc(client, PRICING)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(PRICING.as_uri()),
            range=types.Range(types.Position(0, 0), types.Position(len(text.splitlines()) + 1, 0)),
        )
    )
    labels = [h.label for h in hints]
    assert ": float" in labels and " -> float" in labels
    assert all(h.text_edits for h in hints)


async def test_code_action_applies_and_reparses(client: LanguageClient) -> None:
    uri = PRICING.as_uri()
    text = PRICING.read_text()
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(position_of(text, "def total_price"), position_of(text, "def total_price")),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    titles = [a.title for a in actions]
    assert "Annotate all in file" in titles
    action = next(a for a in actions if a.title == "Annotate all in file")
    edit = action.edit.document_changes[0].edits[0]
    lines = text.splitlines(keepends=True)
    start = sum(len(l) for l in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(l) for l in lines[: edit.range.end.line]) + edit.range.end.character
    new_text = text[:start] + edit.new_text + text[end:]
    assert "with_tax: bool = True) -> float:" in new_text
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri), position=position_of(new_text, "with_tax: bool")
        )
    )
    assert "with_tax: bool" in hover.contents.value and "annotation" in hover.contents.value


async def test_completion_after_dot_and_in_calls(client: LanguageClient) -> None:
    uri, text = SERVICE.as_uri(), open_doc(client, SERVICE)  # opened here too: runs alone (``-k``)
    at = position_of(text, "        return order\n", len("        return order"))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(at, at), text=".")],
        )
    )
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri), position=types.Position(at.line, at.character + 1)
        )
    )
    labels = [i.label for i in result.items]
    assert {"add", "items", "customer", "find"} <= set(labels)
    assert labels.index("add") < labels.index("__annotations__")


async def test_guided_multi_token_completion_is_opt_in(client: LanguageClient) -> None:
    uri = PRICING.as_uri()
    text = open_doc(client, PRICING, version=1)
    cut = text.index("order.items", text.index("def cheapest")) + len("order.")
    at = types.Position(line=text.count("\n", 0, cut), character=cut - (text.rfind("\n", 0, cut) + 1))
    plain = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri), position=at)
    )
    assert all(i.kind != types.CompletionItemKind.Snippet for i in plain.items)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"typelens": {"guidedCompletion": True, "minConfidence": 0.7}})
    )
    guided = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri), position=at)
    )
    first = guided.items[0]
    members = {i.label for i in plain.items}
    assert first.kind == types.CompletionItemKind.Snippet and re.match(r"\w+", first.label).group() in members
    assert text[cut : cut + 1]  # the document itself is untouched
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"typelens": {"guidedCompletion": False, "minConfidence": 0.7}})
    )


async def test_definition_across_files(client: LanguageClient) -> None:
    text = SERVICE.read_text()
    location = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(SERVICE.as_uri()), position=position_of(text, "Order(customer)")
        )
    )
    assert location is not None and location.uri.endswith("models.py")


async def test_bad_requests_do_not_kill_the_server(client: LanguageClient) -> None:
    missing = (SHOP / "nope.py").as_uri()
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(missing), position=types.Position(0, 0))
        )
        is None
    )
    with pytest.raises(Exception):  # noqa: B017 - any error answer will do: the method does not exist
        await client.protocol.send_request_async("typelens/noSuchMethod", {})
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=missing, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x")],
        )
    )
    text = SERVICE.read_text()
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(SERVICE.as_uri()), position=position_of(text, "order = Order")
        )
    )
    assert hover is not None


async def test_indexing_reports_progress(client: LanguageClient) -> None:
    for _ in range(100):
        if any(reports and reports[-1].kind == "end" for reports in client.progress_reports.values()):
            break
        await asyncio.sleep(0.1)
    reports = next(iter(client.progress_reports.values()))
    assert reports[0].kind == "begin" and reports[-1].kind == "end"
