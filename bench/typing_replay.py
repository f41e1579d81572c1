"""Benchmark: typing a function into a real file, through the language server, with
pyright-langserver as the baseline (same client, same file, same steps).

(Not ``bench/typing.py``: Python puts a script's folder first on ``sys.path``, so a
``typing.py`` here would stand in for the standard library's ``typing`` in every
script of ``bench/``.)

    python bench/typing_replay.py [--file PATH] [--functions 3] [--steps 30] [--header-steps 24]
                                  [--hovers 40] [--servers typelens,pyright]

The file (typer's ``main.py`` from site-packages by default, ~1,800 lines; not in
typelens's test data) is copied alone into a fresh folder, the servers' workspace.
For each of a few functions spread over it, the function is deleted (leaving the
empty line the user types into) and typed again in small steps: every character of
its ``def`` line (up to ``--header-steps``), then ``--steps`` evenly spaced cuts
through the rest, mid-token included, with no editor closing brackets or quotes.
After each step (a ``didChange`` inserting the next characters):

* hover at ``--hovers`` identifiers outside the function being typed (spread over
  the file, each mapped to where it is now), and inlay hints over the whole file;
* an answer is kept when it equals the answer at the same place in the finished
  file (hover text; inlay hint position and label, for the finished file's hints
  outside the function);
* the latency of each request; the first request after an edit pays for analysing
  the new version, so it is shown separately.

``--static`` runs typelens without its classifier (which reads a broken buffer's
recovered text, so its answers outside the function typed stay those of the
finished file), to compare the static engine alone.

Printed per server: the share of answers kept (mean over steps, the worst step,
the share of steps keeping >= 98%), latency p50/p95, and typelens/pyright ratios.
Targets (typelens): >= 98% kept at every step; p95 hover <= 50 ms and p95 inlay
<= 200 ms on a 2,000-line file.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import keyword
import re
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BIN = Path(sys.executable).parent
SERVERS = {
    "typelens": [sys.executable, "-m", "typelens.cli", "lsp"],
    "pyright": [str(BIN / "pyright-langserver"), "--stdio"],
}
# as an editor that asks for inlay hints again when told (VS Code, Neovim): a server
# may then answer from its last analysis while a new one is built
CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    )
)
DEFAULT_FILE = Path(sysconfig.get_paths()["purelib"]) / "typer" / "main.py"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Typed:
    """One function of the finished file: its rows ``[first, stop)`` and text."""

    name: str
    first: int
    stop: int
    text: str  # the rows, without the last line break

    def cuts(self, steps: int, header_steps: int) -> list[int]:
        """How many characters are typed at each step (the last: all of them)."""
        header = self.text.find("\n") if "\n" in self.text else len(self.text)
        every = list(range(1, min(header, header_steps) + 1))
        spread = [header + (len(self.text) - header) * (i + 1) // steps for i in range(steps)]
        return sorted(set(every + spread + [len(self.text)]))


@dataclass
class Tally:
    kept: list[float] = field(default_factory=list)  # per step: share of answers kept
    kept_by: dict[str, list[int]] = field(default_factory=lambda: {"hover": [0, 0], "inlay": [0, 0]})
    show_losses: bool = False
    hover_ms: list[float] = field(default_factory=list)
    inlay_ms: list[float] = field(default_factory=list)
    first_ms: dict[str, list[float]] = field(default_factory=lambda: {"hover": [], "inlay": []})
    inlay_supported: bool = True


def functions_to_type(text: str, count: int) -> list[Typed]:
    """``count`` top-level functions or methods spread over the file (not the last 20 lines)."""
    lines = text.split("\n")
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno < len(lines) - 20:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            if node.end_lineno - first >= 4:
                found.append(Typed(node.name, first, node.end_lineno, "\n".join(lines[first : node.end_lineno])))
    found.sort(key=lambda t: t.first)
    outermost = [t for t in found if not any(o.first < t.first and t.stop <= o.stop for o in found)]
    step = max(1, len(outermost) // count)
    return outermost[step // 2 :: step][:count]


def hover_points(text: str, typed: list[Typed], count: int) -> list[tuple[int, int]]:
    """Identifiers (row, UTF-16 column) outside every function typed, spread over the file."""
    inside = {row for t in typed for row in range(t.first, t.stop)}
    points = []
    for row, line in enumerate(text.split("\n")):
        if row in inside or line.lstrip().startswith("#") or not line.isascii():
            continue
        points.extend(
            (row, m.start()) for m in re.finditer(r"\b[A-Za-z_]\w{2,}\b", line) if not keyword.iskeyword(m.group())
        )
    step = max(1, len(points) // count)
    return points[step // 2 :: step][:count]


def moved(row: int, t: Typed, typed_rows: int) -> int:
    """Where the finished file's ``row`` (outside ``t``) is while ``typed_rows`` rows of it are typed."""
    return row if row < t.first else row - (t.stop - t.first) + typed_rows


class Session:
    """One server, one open document, timed requests."""

    def __init__(self, name: str, command: list[str], path: Path, options: dict | None = None) -> None:
        self.name, self.command, self.path, self.options = name, command, path, options
        self.uri = path.as_uri()
        self.doc = types.TextDocumentIdentifier(self.uri)
        self.version = 1
        self.client = LanguageClient("bench-typing", "1")
        self._register()

    def _register(self) -> None:
        client = self.client

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def _progress_create(params):
            return None

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def _configuration(params):
            # pyright reads the interpreter here: the venv's, so both see the same packages
            return [{"pythonPath": sys.executable} if item.section == "python" else None for item in params.items]

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params):
            return None

        @client.feature(types.PROGRESS)
        def _progress(params):
            return None

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params):
            return None

        @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
        def _inlay_refresh(params):
            return None  # the replay asks for hints after every step anyway

    async def start(self, text: str) -> None:
        await self.client.start_io(self.command[0], *self.command[1:])
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=CAPABILITIES,
                root_uri=self.path.parent.as_uri(),
                initialization_options=self.options,
                workspace_folders=[types.WorkspaceFolder(self.path.parent.as_uri(), "bench")],
            )
        )
        self.client.initialized(types.InitializedParams())
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(self.uri, "python", self.version, text))
        )

    def replace(self, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self.version += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=text
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri), [change]
            )
        )

    async def hover(self, row: int, column: int) -> tuple[float, str | None]:
        started = time.perf_counter()
        result = await asyncio.wait_for(
            self.client.text_document_hover_async(types.HoverParams(self.doc, types.Position(row, column))), 120
        )
        ms = (time.perf_counter() - started) * 1000
        if result is None:
            return ms, None
        contents = result.contents
        return ms, contents.value if hasattr(contents, "value") else str(contents)

    async def inlay(self, rows: int) -> tuple[float, list | None]:
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(
                self.client.text_document_inlay_hint_async(
                    types.InlayHintParams(self.doc, types.Range(types.Position(0, 0), types.Position(rows + 1, 0)))
                ),
                120,
            )
        except asyncio.TimeoutError:
            raise
        except Exception:  # the server does not offer inlay hints
            return (time.perf_counter() - started) * 1000, None
        ms = (time.perf_counter() - started) * 1000
        hints = []
        for hint in result or []:
            label = hint.label if isinstance(hint.label, str) else "".join(part.value for part in hint.label)
            hints.append((hint.position.line, hint.position.character, label))
        return ms, hints

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
            await asyncio.wait_for(self.client.stop(), 10)
        except (asyncio.TimeoutError, Exception):  # a server that will not stop is killed
            server = getattr(self.client, "_server", None)
            if server is not None and server.returncode is None:
                server.kill()


async def finished_answers(session: Session, points, rows: int) -> tuple[dict, set | None]:
    hovers = {}
    for row, column in points:
        _, answer = await session.hover(row, column)
        if answer:
            hovers[(row, column)] = answer
    _, hints = await session.inlay(rows)
    return hovers, (set(hints) if hints is not None else None)


async def replay(name: str, command: list[str], path: Path, typed: list[Typed], points, args) -> Tally:
    text = path.read_text()
    rows = text.count("\n")
    tally = Tally(show_losses=args.show_losses)
    options = {"typelens": {"modelPath": str(path.parent / "no-model")}} if name == "typelens" and args.static else None
    session = Session(name, command, path, options)
    await session.start(text)
    await session.hover(*points[0])  # start-up and indexing, then let background work settle
    await asyncio.sleep(args.settle)
    hovers, hints = await finished_answers(session, points, rows)
    tally.inlay_supported = hints is not None
    print(
        f"{name}: {len(hovers)} hover answers, {len(hints) if hints is not None else 'no'} inlay hints "
        f"in the finished file",
        file=sys.stderr,
        flush=True,
    )
    for t in typed:
        session.replace((t.first, 0), (t.stop, 0), "\n")  # the function deleted: an empty line to type into
        cursor, done = (t.first, 0), 0
        outside_hovers = {p: a for p, a in hovers.items() if not t.first <= p[0] < t.stop}
        outside_hints = {h for h in hints or () if not t.first <= h[0] < t.stop}
        for step, cut in enumerate(t.cuts(args.steps, args.header_steps)):
            chunk = t.text[done:cut]
            session.replace(cursor, cursor, chunk)
            done = cut
            last = chunk.rsplit("\n", 1)
            cursor = (cursor[0] + chunk.count("\n"), (cursor[1] if len(last) == 1 else 0) + utf16(last[-1]))
            typed_rows = t.text[:done].count("\n") + 1
            rows_now = rows - (t.stop - t.first) + typed_rows
            await measure_step(session, tally, t, typed_rows, outside_hovers, outside_hints, rows_now, step % 2 == 0)
        print(
            f"{name}: typed {t.name} ({t.stop - t.first} lines) in {len(t.cuts(args.steps, args.header_steps))} "
            f"steps; kept so far: mean {statistics.mean(tally.kept):.1%}, worst {min(tally.kept):.1%}",
            file=sys.stderr,
            flush=True,
        )
    await session.stop()
    return tally


async def measure_step(
    session: Session, tally: Tally, t: Typed, typed_rows: int, hovers: dict, hints: set, rows: int, hover_first: bool
) -> None:
    """One step's requests: hovers outside the function and inlay hints, alternating
    which comes first after the edit."""
    kept = total = 0
    order = ("hover", "inlay") if hover_first else ("inlay", "hover")
    for i, what in enumerate(order):
        if what == "hover":
            for j, ((row, column), answer) in enumerate(hovers.items()):
                ms, now = await session.hover(moved(row, t, typed_rows), column)
                tally.hover_ms.append(ms)
                if i == 0 and j == 0:
                    tally.first_ms["hover"].append(ms)
                kept += now == answer
                total += 1
                tally.kept_by["hover"][0] += now == answer
                tally.kept_by["hover"][1] += 1
                if tally.show_losses and now != answer:
                    print(f"  lost hover at {row}:{column} typing {t.name}: {answer!r} -> {now!r}", file=sys.stderr)
        elif tally.inlay_supported:
            ms, now = await session.inlay(rows)
            tally.inlay_ms.append(ms)
            if i == 0:
                tally.first_ms["inlay"].append(ms)
            back = {
                (row if row < t.first + typed_rows else row + (t.stop - t.first) - typed_rows, column, label)
                for row, column, label in now or ()
            }
            kept += len(hints & back)
            total += len(hints)
            tally.kept_by["inlay"][0] += len(hints & back)
            tally.kept_by["inlay"][1] += len(hints)
            if tally.show_losses and hints - back:
                print(
                    f"  lost {len(hints - back)} inlay hints typing {t.name}, e.g. {sorted(hints - back)[:3]}",
                    file=sys.stderr,
                )
    tally.kept.append(kept / total if total else 1.0)


def report(results: dict[str, Tally]) -> None:
    for name, tally in results.items():
        shares = ", ".join(f"{what} {k / n:.1%} of {n}" for what, (k, n) in tally.kept_by.items() if n)
        print(f"{name}: answers kept over all steps: {shares}")
    print(
        f"{'server':<10} {'kept mean':>9} {'worst':>7} {'steps>=98%':>10} | "
        f"{'hover p50':>9} {'p95':>7} {'first p95':>9} | {'inlay p50':>9} {'p95':>7} {'first p95':>9}"
    )
    for name, tally in results.items():
        good = sum(k >= 0.98 for k in tally.kept) / len(tally.kept)
        inlay = (
            (
                f"{statistics.median(tally.inlay_ms):>9.1f} {percentile(tally.inlay_ms, 0.95):>7.1f} "
                f"{percentile(tally.first_ms['inlay'], 0.95):>9.1f}"
            )
            if tally.inlay_ms
            else f"{'not offered':>27}"
        )
        print(
            f"{name:<10} {statistics.mean(tally.kept):>9.1%} {min(tally.kept):>7.1%} {good:>10.1%} | "
            f"{statistics.median(tally.hover_ms):>9.1f} {percentile(tally.hover_ms, 0.95):>7.1f} "
            f"{percentile(tally.first_ms['hover'], 0.95):>9.1f} | {inlay}"
        )
    if "typelens" in results and "pyright" in results:
        ours, theirs = results["typelens"], results["pyright"]
        print(
            f"typelens/pyright: kept {statistics.mean(ours.kept) / statistics.mean(theirs.kept):.2f}, "
            f"hover p95 {percentile(ours.hover_ms, 0.95) / percentile(theirs.hover_ms, 0.95):.2f}, "
            f"first hover p95 {percentile(ours.first_ms['hover'], 0.95) / percentile(theirs.first_ms['hover'], 0.95):.2f}"
        )
    print("(latencies in ms; 'first': the first request after each edit)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--functions", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="evenly spaced steps through each function's body")
    parser.add_argument("--header-steps", type=int, default=24, help="characters of the def line typed one by one")
    parser.add_argument("--hovers", type=int, default=40, help="identifiers hovered (those with an answer count)")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds for background indexing after start")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--show-losses", action="store_true", help="print each answer lost")
    parser.add_argument(
        "--static",
        action="store_true",
        help="typelens without its classifier: the static engine alone",
    )
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} does not exist; pass --file PATH")
    work = Path(tempfile.mkdtemp(prefix="typing-bench-"))
    target = work / args.file.name
    shutil.copy(args.file, target)
    text = target.read_text()
    typed = functions_to_type(text, args.functions)
    points = hover_points(text, typed, args.hovers)
    print(f"file: {args.file} ({text.count(chr(10))} lines); typing {', '.join(t.name for t in typed)}")
    results = {}
    try:
        for name in args.servers.split(","):
            command = SERVERS[name]
            if not Path(command[0]).exists():
                print(f"{name}: not installed (pip install pyright; it fetches its npm package on first use)")
                continue
            results[name] = asyncio.run(replay(name, command, target, typed, points, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results)


if __name__ == "__main__":
    main()
