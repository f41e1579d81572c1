"""Benchmark: editor latency of typelens's language server against
basedpyright-langserver and jedi-language-server, with the same client (pygls)
on the same files, in one run.

    python bench/lsp.py [--file PATH] [--hovers 60] [--completions 20] [--servers typelens,basedpyright]
                        [--typelens-from OTHER_CHECKOUT] [--only completion] [--rounds 3]

Two workspaces, copied into fresh folders that every server sees as its root:

- one file (CPython's ``subprocess.py`` by default, ~2,200 lines): hover at
  identifiers spread over the file, inlay hints over the whole file,
  completion right after an edit that types ``self.`` inside a method
  (``completion after edit``) and again at the same place 2 s later
  (``completion (settled)``: the edited text analysed by then, the client
  asking again as it would for an incomplete list), and, in another method,
  ``self.`` typed and asked for only 2 s later (``completion (settled, first
  ask)``: nothing of that place worked out before), signature help right
  after the ``(`` of calls, semantic tokens of the whole file;
- a project of ~5,000 lines (CPython's ``logging`` package and a module using
  it): references and rename (not applied) at the names its classes and
  functions are defined with.

Prints p50 and p95 in milliseconds per server and request, each p95 as a
ratio to typelens's (``x2.0``: that server is twice as slow), and the CPU time
the server's processes used per request (for the completions: per edit, its
background analysis and both requests included), which a shared machine's load
changes less than the wall-clock times.  ``--typelens-from DIR`` measures the
typelens of another source tree too (``git archive BASE | tar -x -C DIR``), as
``typelens@DIR``: a before/after comparison in one run.  Targets: p95
hover <= 50 ms, inlay hints <= 200 ms, completion <= 150 ms,
references/rename <= 500 ms, each faster than basedpyright-langserver.
basedpyright is installed by ``make bench`` (``pip install basedpyright``);
a server that is not installed is reported and skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SERVERS = {
    "typelens": [sys.executable, "-m", "typelens.cli", "lsp"],
    "basedpyright": [str(BIN / "basedpyright-langserver"), "--stdio"],
    "jedi-language-server": [str(BIN / "jedi-language-server")],
}
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SETTLE_SECONDS = (20.0, 90.0)  # background indexing and model preloads settle: at least, at most
SETTLED_SECONDS = 2.0  # the pause before asking for completions again after an edit

USER_MODULE = '''\
"""A module of the benchmark project that uses the logging package."""
import logging
import logging.handlers
from logging import Formatter, Handler, LogRecord, getLogger


class ListHandler(Handler):
    def __init__(self, level=logging.NOTSET):
        Handler.__init__(self, level)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))

'''
USER_FUNCTION = """
def job_{i}(name, level=logging.INFO):
    logger = getLogger(name)
    handler = ListHandler(level)
    handler.setFormatter(Formatter("%(name)s %(message)s"))
    logger.addHandler(handler)
    record = LogRecord(name, level, __file__, {i}, "job %s", ({i},), None)
    logger.handle(record)
    rotating = logging.handlers.RotatingFileHandler
    return handler.records, rotating
"""


def typelens_from(tree: Path) -> list[str]:
    """The command starting the language server of the typelens source tree ``tree``
    (imported as ``typelens`` through a link beside it), with this environment."""
    package = Path(tempfile.mkdtemp(prefix="typelens-from-"))
    (package / "typelens").symlink_to(tree.resolve(), target_is_directory=True)
    run = (
        f"import runpy, sys; sys.path.insert(0, {str(package)!r}); sys.argv = ['typelens', 'lsp']; "
        "runpy.run_module('typelens.cli', run_name='__main__')"
    )
    return [sys.executable, "-c", run]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def timed(coro) -> tuple[float, object]:
    started = time.perf_counter()
    result = await asyncio.wait_for(coro, timeout=120)
    return (time.perf_counter() - started) * 1000, result


async def start(command: list[str], root: Path) -> LanguageClient:
    client = LanguageClient("bench", "1")

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _progress_create(params):  # every server may ask; a real editor says yes
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

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params):
        return None

    await client.start_io(command[0], *command[1:])
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
    client.initialized(types.InitializedParams())
    return client


async def stop(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
        await asyncio.wait_for(client.stop(), 10)
    except (asyncio.TimeoutError, Exception):  # a server that will not stop is killed
        if getattr(client, "_server", None) is not None and client._server.returncode is None:
            client._server.kill()


def open_file(client: LanguageClient, path: Path) -> tuple[types.TextDocumentIdentifier, str]:
    text = path.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(path.as_uri(), "python", 1, text))
    )
    return types.TextDocumentIdentifier(path.as_uri()), text


async def settle(client: LanguageClient, doc, position: tuple[int, int]) -> None:
    """Wait until the server is idle: background indexing and model loading end
    (each server's own), seen as three hovers in a row, a second apart, answered
    within 50 ms after at least the minimum wait."""
    started = time.perf_counter()
    quick = 0
    while (
        quick < 3 or time.perf_counter() < started + SETTLE_SECONDS[0]
    ) and time.perf_counter() < started + SETTLE_SECONDS[1]:
        ms, _ = await timed(client.text_document_hover_async(types.HoverParams(doc, types.Position(*position))))
        quick = quick + 1 if ms < 50 else 0
        await asyncio.sleep(1.0)


def server_cpu(client: LanguageClient) -> float:
    """CPU seconds the server's processes (its children included: a wrapper may
    start node) have used so far, from /proc; 0 where there is none."""
    proc = getattr(client, "_server", None)
    if proc is None or not Path("/proc/self/stat").exists():
        return 0.0
    parents, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    tree, grown = {proc.pid}, True
    while grown:  # the descendants, to a fixed point
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(used.get(pid, 0.0) for pid in tree)


async def repeat(client: LanguageClient, results: dict, name: str, requests) -> None:
    """Time each request; a server that does not support one gets no figures.
    ``cpu:<name>``: the server's CPU milliseconds per request meanwhile (what a
    shared machine's load does not change much)."""
    results[name] = []
    cpu = server_cpu(client)
    for make in requests:
        try:
            ms, _ = await timed(make())
        except Exception:
            results[name] = []
            return
        results[name].append(ms)
    results[f"cpu:{name}"] = [(server_cpu(client) - cpu) * 1000 / max(1, len(requests))]


async def measure_file(command: list[str], path: Path, hovers: int, completions: int, only: str = "all") -> dict:
    client = await start(command, path.parent)
    doc, text = open_file(client, path)
    lines = text.splitlines()
    positions = [
        (i, m.start())
        for i, line in enumerate(lines)
        for m in re.finditer(r"\b[a-z_]\w{2,}\b", line)
        if not line.lstrip().startswith("#")
    ]
    sample = positions[:: max(1, len(positions) // hovers)][:hovers]
    # warm-up: the first request pays for start-up and indexing in every server,
    # the first completion for typelens's code LM
    await client.text_document_hover_async(types.HoverParams(doc, types.Position(*sample[0])))
    await client.text_document_completion_async(types.CompletionParams(doc, types.Position(*sample[0])))
    await settle(client, doc, sample[0])
    results: dict[str, list[float]] = {}
    if only == "all":
        await _requests(client, doc, lines, sample, results)
    cpu = server_cpu(client)
    after_edit, settled, first = await _completions(client, doc, lines, completions)
    results["completion after edit"] = after_edit
    results["completion (settled)"] = settled
    results["completion (settled, first ask)"] = first
    # the edits' background analyses included: per pair of edits, the three requests together
    results["cpu:completion after edit"] = [(server_cpu(client) - cpu) * 1000 / max(1, len(after_edit))]
    await stop(client)
    return results


async def _requests(client: LanguageClient, doc, lines: list[str], sample: list, results: dict) -> None:
    """Hovers at ``sample``, inlay hints, signature help and semantic tokens of the whole file."""
    await repeat(
        client,
        results,
        "hover",
        [lambda p=p: client.text_document_hover_async(types.HoverParams(doc, types.Position(*p))) for p in sample],
    )
    whole = types.Range(types.Position(0, 0), types.Position(len(lines), 0))
    await repeat(
        client,
        results,
        "inlay hints",
        [lambda: client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole))] * 10,
    )
    calls = [
        (i, m.end())
        for i, line in enumerate(lines)
        for m in re.finditer(r"\b[a-z_]\w+\(", line)
        if not line.lstrip().startswith(("#", "def "))
    ]
    await repeat(
        client,
        results,
        "signature help",
        [
            lambda p=p: client.text_document_signature_help_async(
                types.SignatureHelpParams(text_document=doc, position=types.Position(*p))
            )
            for p in calls[:: max(1, len(calls) // 30)][:30]
        ],
    )
    await repeat(
        client,
        results,
        "semantic tokens",
        [lambda: client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc))] * 10,
    )


async def _completions(
    client: LanguageClient, doc, lines: list[str], count: int
) -> tuple[list[float], list[float], list[float]]:
    """At each of ``count`` methods: type ``self.`` on a new line and ask for
    completions at once (``after edit``), then again after a pause of
    SETTLED_SECONDS (``settled``: the edited text analysed by then, unless the
    machine is slow), then undo; and in the method after it, type ``self.``
    and ask only after the pause (``first ask``), then undo."""
    methods = [i for i, line in enumerate(lines) if re.match(r"\s+def \w+\(self", line)]
    found: list[float] = []
    settled: list[float] = []
    first: list[float] = []
    version = 1
    picked = [i for i in methods[:: max(1, len(methods) // count)][:count]]
    for index in picked:
        later = next((m for m in methods if m > index + 1), None)
        for method, times in ((index, (found, settled)), (later, (first,))):
            if method is None:
                continue
            body = method + 1
            indent = re.match(r"\s*", lines[body]).group(0) if body < len(lines) else "        "
            at = types.Position(body, 0)
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version, uri=doc.uri),
                    [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=f"{indent}self.\n")],
                )
            )
            ask = types.CompletionParams(doc, types.Position(body, len(indent) + 5))
            for n, into in enumerate(times):
                if n or len(times) == 1:
                    await asyncio.sleep(SETTLED_SECONDS)
                ms, _ = await timed(client.text_document_completion_async(ask))
                into.append(ms)
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version, uri=doc.uri),
                    [
                        types.TextDocumentContentChangePartial(
                            range=types.Range(at, types.Position(body + 1, 0)), text=""
                        )
                    ],
                )
            )
    return found, settled, first


def build_project(work: Path) -> Path:
    """CPython's ``logging`` package plus a module using it (~5,000 lines)."""
    root = work / "project"
    shutil.copytree(STDLIB / "logging", root / "logging", ignore=shutil.ignore_patterns("__pycache__"))
    body = USER_MODULE + "".join(USER_FUNCTION.format(i=i) for i in range(12))
    (root / "app.py").write_text(body)
    return root


async def measure_project(command: list[str], root: Path, count: int) -> dict:
    client = await start(command, root)
    main = root / "logging" / "__init__.py"
    doc, text = open_file(client, main)
    lines = text.splitlines()
    names = [(i, m.start(1)) for i, line in enumerate(lines) for m in [re.match(r"(?:class|def) (\w+)", line)] if m]
    sample = names[:: max(1, len(names) // count)][:count]
    await client.text_document_hover_async(types.HoverParams(doc, types.Position(*sample[0])))
    await settle(client, doc, sample[0])
    # the first references request pays for reading the project in every server
    await timed(
        client.text_document_references_async(
            types.ReferenceParams(
                text_document=doc,
                position=types.Position(*sample[0]),
                context=types.ReferenceContext(include_declaration=True),
            )
        )
    )
    results: dict[str, list[float]] = {}
    await repeat(
        client,
        results,
        "references (5k lines)",
        [
            lambda p=p: client.text_document_references_async(
                types.ReferenceParams(
                    text_document=doc,
                    position=types.Position(*p),
                    context=types.ReferenceContext(include_declaration=True),
                )
            )
            for p in sample
        ],
    )
    await repeat(
        client,
        results,
        "rename (5k lines)",
        [
            lambda p=p: client.text_document_rename_async(
                types.RenameParams(text_document=doc, position=types.Position(*p), new_name="renamed_symbol")
            )
            for p in sample
        ],
    )
    await stop(client)
    return results


def report(table: dict[str, dict[str, list[float]]], out=sys.stdout) -> None:
    features = list(dict.fromkeys(f for results in table.values() for f in results if not f.startswith("cpu:")))
    base = table.get("typelens", {})
    for feature in features:
        for name, results in table.items():
            values = results.get(feature) or []
            if not values:
                print(f"{name:<22} {feature:<32} not supported", file=out)
                continue
            ratio = ""
            if name != "typelens" and base.get(feature):
                ratio = f"  {percentile(values, 0.95) / percentile(base[feature], 0.95):6.3g}x typelens's p95"
            cpu = results.get(f"cpu:{feature}")
            print(
                f"{name:<22} {feature:<32} p50 {statistics.median(values):7.1f} ms  "
                f"p95 {percentile(values, 0.95):7.1f} ms  (n={len(values)}){ratio}"
                + (f"  server CPU {statistics.mean(cpu):7.1f} ms/request" if cpu else ""),
                file=out,
            )


def _load() -> str:
    """The 1, 5 and 15 minute load averages (a shared machine's figures need them)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=STDLIB / "subprocess.py")
    parser.add_argument("--hovers", type=int, default=60)
    parser.add_argument("--completions", type=int, default=20)
    parser.add_argument("--references", type=int, default=20)
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma list of servers to measure")
    parser.add_argument(
        "--typelens-from",
        type=Path,
        help="also measure the typelens of this source tree (another checkout, e.g. `git archive` of a base commit)",
    )
    parser.add_argument(
        "--only", choices=("all", "completion"), default="all", help="completion: the completions after edits alone"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every server this many times, interleaved (one round: each server once), figures pooled",
    )
    args = parser.parse_args()
    if args.typelens_from is not None:
        SERVERS[f"typelens@{args.typelens_from.name}"] = typelens_from(args.typelens_from)
        args.servers += f",typelens@{args.typelens_from.name}"
    work = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    (work / "file").mkdir()
    target = work / "file" / args.file.name
    shutil.copy(args.file, target)
    project = build_project(work)
    project_lines = sum(len(p.read_text().splitlines()) for p in project.rglob("*.py"))
    print(
        f"file: {args.file} ({len(target.read_text().splitlines())} lines); project: logging + app.py "
        f"({project_lines} lines)"
    )
    table: dict[str, dict[str, list[float]]] = {}
    wanted = [name for name in SERVERS if name in args.servers.split(",")]
    for name in [name for name in wanted if not Path(SERVERS[name][0]).exists()]:
        print(f"{name}: not installed ({SERVERS[name][0]})")
        wanted.remove(name)
    for round_ in range(1, args.rounds + 1):
        for name in wanted:
            print(f"round {round_}: measuring {name} ... (load average {_load()})", file=sys.stderr, flush=True)
            results = asyncio.run(measure_file(SERVERS[name], target, args.hovers, args.completions, args.only))
            if args.only == "all":
                results.update(asyncio.run(measure_project(SERVERS[name], project, args.references)))
            print(f"round {round_}: measured {name} (load average {_load()})", file=sys.stderr, flush=True)
            report({name: results}, out=sys.stderr)
            pooled = table.setdefault(name, {})
            for feature, values in results.items():
                pooled.setdefault(feature, []).extend(values)
    report(table)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
