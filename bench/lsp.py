"""Benchmark: editor latency of typelens's language server against
jedi-language-server, with the same client (pygls) on the same file.

    python bench/lsp.py [--file PATH] [--hovers 60] [--completions 20]

The file (CPython's ``subprocess.py`` by default, ~2,200 lines) is copied into a
fresh folder that both servers see as their workspace.  Measured, per server:
hover at identifiers spread over the file, inlay hints over the whole file, and
completion right after an edit that types ``self.`` inside a method.  Prints p50
and p95 in milliseconds.  Targets: p95 hover <= 50 ms, inlay hints <= 200 ms, both
faster than the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVERS = {
    "typelens": [sys.executable, "-m", "typelens.cli", "lsp"],
    "jedi-language-server": [str(Path(sys.executable).parent / "jedi-language-server")],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed(coro) -> tuple[float, object]:
    started = time.perf_counter()
    result = await asyncio.wait_for(coro, timeout=60)
    return (time.perf_counter() - started) * 1000, result


async def measure(name: str, command: list[str], path: Path, hovers: int, completions: int) -> dict:
    text = path.read_text()
    lines = text.splitlines()
    uri = path.as_uri()
    client = LanguageClient("bench", "1")

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _progress_create(params):   # both servers may ask; a real editor says yes
        return None

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def _configuration(params):
        return [None for _ in params.items]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params):
        return None

    @client.feature(types.PROGRESS)
    def _progress(params):
        return None

    await client.start_io(command[0], *command[1:])
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=path.parent.as_uri()))
    client.initialized(types.InitializedParams())
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    doc = types.TextDocumentIdentifier(uri)
    positions = [(i, m.start()) for i, line in enumerate(lines) for m in re.finditer(r"\b[a-z_]\w{2,}\b", line)
                 if not line.lstrip().startswith("#")]
    step = max(1, len(positions) // hovers)
    sample = positions[::step][:hovers]
    # warm-up: the first request pays for start-up and indexing in both servers
    await client.text_document_hover_async(types.HoverParams(doc, types.Position(*sample[0])))
    # and a completion (typelens loads its code LM for ranking on the first one)
    await client.text_document_completion_async(types.CompletionParams(doc, types.Position(*sample[0])))
    await asyncio.sleep(6.0)     # background indexing (and typelens's model preload) settle first
    results: dict[str, list[float]] = {"hover": [], "inlay hints": [], "completion after edit": []}
    for line, col in sample:
        ms, _ = await timed(client.text_document_hover_async(types.HoverParams(doc, types.Position(line, col))))
        results["hover"].append(ms)
    whole = types.Range(types.Position(0, 0), types.Position(len(lines), 0))
    for _ in range(10):
        try:
            ms, _ = await timed(client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole)))
        except Exception:   # not supported by this server
            results["inlay hints"] = []
            break
        results["inlay hints"].append(ms)
    methods = [i for i, line in enumerate(lines) if re.match(r"\s+def \w+\(self", line)]
    version = 1
    for index in methods[::max(1, len(methods) // completions)][:completions]:
        body = index + 1
        indent = re.match(r"\s*", lines[body]).group(0) if body < len(lines) else "        "
        insert = f"{indent}self.\n"
        version += 1
        at = types.Position(body, 0)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=insert)]))
        ms, _ = await timed(client.text_document_completion_async(types.CompletionParams(
            doc, types.Position(body, len(indent) + 5))))
        results["completion after edit"].append(ms)
        version += 1
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(range=types.Range(at, types.Position(body + 1, 0)), text="")]))
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
        await asyncio.wait_for(client.stop(), 10)
    except (asyncio.TimeoutError, Exception):   # a server that will not stop is killed
        if getattr(client, "_server", None) is not None and client._server.returncode is None:
            client._server.kill()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=Path(sysconfig.get_paths()["stdlib"]) / "subprocess.py")
    parser.add_argument("--hovers", type=int, default=60)
    parser.add_argument("--completions", type=int, default=20)
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma list of servers to measure")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    target = work / args.file.name
    shutil.copy(args.file, target)
    print(f"file: {args.file} ({len(target.read_text().splitlines())} lines)")
    table = {}
    for name, command in SERVERS.items():
        if name not in args.servers.split(","):
            continue
        if not Path(command[0]).exists() and command[0] != sys.executable:
            print(f"{name}: not installed")
            continue
        print(f"measuring {name} ...", file=sys.stderr)
        table[name] = asyncio.run(measure(name, command, target, args.hovers, args.completions))
    for name, results in table.items():
        for feature, values in results.items():
            if values:
                print(f"{name:<22} {feature:<22} p50 {statistics.median(values):7.1f} ms  p95 {percentile(values, 0.95):7.1f} ms"
                      f"  (n={len(values)})")
            else:
                print(f"{name:<22} {feature:<22} not supported")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
