"""Benchmark: hover latency while typing, and the answers after typing against a
fresh open, through the language server over stdio (a raw JSON-RPC peer).

    python bench/lsp_typing.py [--file PATH] [--lines 60] [--interval 0.15] [--hover-every 3]
                               [--replay-file PATH] [--servers typelens,basedpyright,jedi-language-server]
                               [--typelens-from OTHER_CHECKOUT] [--rounds 1] [--skip-agreement]

Part 1, latency.  FILE (CPython's ``subprocess.py`` by default, ~2,200 lines) is
copied into a fresh folder and opened without ``--lines`` lines from its middle,
which are then typed back in (``tests/lsp_replay.py``: 30-line blocks in a
shuffled order, pieces of 1-8 characters, typos deleted again), one
``didChange`` after another, the gaps between them drawn from a log-normal
distribution around ``--interval`` seconds (sigma 0.7: mostly quick steps, some
pauses, as people type; seeded).  Every ``--hover-every``-th step a
hover goes to a name elsewhere in the file, without waiting for the answer, as an
editor does.  Printed per server: hover p50/p95/max while typing; the same hovers
once typing stopped ("at rest"); typing/rest ratios; the share of hovers while
typing whose text equals the one at rest at the same name.  basedpyright-langserver
and jedi-language-server (same client, same steps) are the baselines: typelens/their
ratios.  ``--typelens-from DIR`` measures the typelens of another source tree too
(e.g. ``git archive`` of a base commit), in the same run: typelens/that ratios.
``--rounds N`` measures every server N times, interleaved, the figures pooled (the
load of a shared machine then falls on each alike).

Part 2, agreement.  REPLAY_FILE (CPython's ``textwrap.py``, ~490 lines) is typed
in whole at full speed (a hover every 40 steps), then inlay hints over the file and
a hover at every name are compared with a fresh server that opened the final text.

The machine's load average is printed before and after (the machine is shared).
Targets: p95 hover while typing < 50 ms; no answer after typing differs from a
fresh open.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import queue
import random
import shutil
import statistics
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lsp_replay import gather, identifier_positions, typing_session  # noqa: E402
from tests.lsp_wire import RawServer  # noqa: E402


def _typelens_from(tree: Path) -> list[str]:
    """bench/lsp.py's ``typelens_from``: the command starting the language server of ``tree``."""
    spec = importlib.util.spec_from_file_location("bench_lsp", ROOT / "bench" / "lsp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.typelens_from(tree)


STDLIB = Path(sysconfig.get_paths()["stdlib"])
BIN = Path(sys.executable).parent
SERVERS = {
    "typelens": [sys.executable, "-m", "typelens.cli", "lsp"],
    "basedpyright": [str(BIN / "basedpyright-langserver"), "--stdio"],
    "jedi-language-server": [str(BIN / "jedi-language-server")],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


class Clock:
    """Receive times of a :class:`RawServer`'s responses, read on a thread of its own."""

    def __init__(self, server: RawServer) -> None:
        self.server = server
        self.answers: dict[int, tuple[float, dict]] = {}
        self._done = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while not self._done.is_set():
            try:
                message = self.server.messages.get(timeout=0.1)
            except queue.Empty:
                continue
            if "method" not in message and message.get("id") is not None:
                self.answers[message["id"]] = (time.perf_counter(), message)

    def wait(self, ids: list[int], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while any(i not in self.answers for i in ids):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{sum(i not in self.answers for i in ids)} answers missing")
            time.sleep(0.005)

    def stop(self) -> None:
        self._done.set()


def hover_text(message: dict) -> str | None:
    result = message.get("result")
    return (
        None
        if not result
        else result["contents"]["value"]
        if isinstance(result["contents"], dict)
        else str(result["contents"])
    )


def targets(text: str, first: int, stop: int, count: int) -> list[tuple[int, int, bool]]:
    """Names outside lines ``[first, stop)``: (line, character, after the block)."""
    lines = text.splitlines()
    found = [
        (p["line"], p["character"], p["line"] >= stop)
        for p in identifier_positions(text)
        if not first <= p["line"] < stop and not lines[p["line"]].lstrip().startswith("#")
    ]
    step = max(1, len(found) // count)
    return found[::step][:count]


def latency(command: list[str], source: Path, lines: int, interval: float, hover_every: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="lsp-typing-"))
    path = work / source.name
    final = source.read_text(encoding="utf-8")
    path.write_text(final, encoding="utf-8")
    total = final.count("\n") + 1
    first = max(0, total // 2 - lines // 2)
    stop = first + lines
    opened, steps = typing_session(final, seed=3, lines=(first, stop))
    names = targets(final, first, stop, 200)
    srv = RawServer(command=command, cwd=str(work))
    clock = Clock(srv)
    uri = path.as_uri()
    try:
        rid = srv.request("initialize", {"processId": None, "rootUri": work.as_uri(), "capabilities": {}})
        clock.wait([rid], 120)
        srv.notify("initialized", {})
        srv.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": opened}}
        )
        warm = srv.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": names[0][0], "character": names[0][1]}},
        )
        clock.wait([warm], 300)
        time.sleep(5.0)  # indexing and model loading settle first, in both servers
        sent: dict[int, tuple[float, int]] = {}
        pace = random.Random(5)
        due = time.perf_counter()
        for n, step in enumerate(steps):
            due += interval * pace.lognormvariate(0.0, 0.7)
            time.sleep(max(0.0, due - time.perf_counter()))
            srv.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": n + 2}, "contentChanges": step.changes},
            )
            if n % hover_every == 0:
                k = (n // hover_every) % len(names)
                line, character, after = names[k]
                at = {"line": line + (step.lines - total if after else 0), "character": character}
                sent[srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})] = (
                    time.perf_counter(),
                    k,
                )
        clock.wait(list(sent))
        typing = [1000 * (clock.answers[i][0] - t) for i, (t, _) in sent.items()]
        time.sleep(3.0)
        rest, settled = [], {}
        for k, (line, character, _) in enumerate(names):
            t = time.perf_counter()
            rid = srv.request(
                "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
            )
            clock.wait([rid])
            rest.append(1000 * (clock.answers[rid][0] - t))
            settled[k] = hover_text(clock.answers[rid][1])
        same = sum(hover_text(clock.answers[i][1]) == settled[k] for i, (_, k) in sent.items())
        return {"typing": typing, "rest": rest, "same": same / max(1, len(sent)), "steps": len(steps)}
    finally:
        clock.stop()
        srv.close() if srv.proc.poll() is None else None
        shutil.rmtree(work, ignore_errors=True)


def _summary(r: dict) -> str:
    t = r["typing"]
    return f"while typing p50 {statistics.median(t):.1f} ms, p95 {percentile(t, 0.95):.1f} ms, max {max(t):.1f} ms"


def final_answers(srv: RawServer, uri: str, text: str) -> list:
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": text.count("\n") + 1, "character": 0}}
    ids = [srv.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": whole})]
    ids += [
        srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": at})
        for at in identifier_positions(text)
    ]
    found = gather(srv, ids, timeout=600)
    return [found[i].get("result", found[i].get("error")) for i in ids]


def agreement(command: list[str], source: Path) -> tuple[int, int, int, float]:
    """(answers differing from a fresh open, answers compared, steps, seconds typing)."""
    work = Path(tempfile.mkdtemp(prefix="lsp-replay-"))
    path = work / source.name
    final = source.read_text(encoding="utf-8")
    path.write_text(final, encoding="utf-8")
    uri = path.as_uri()
    opened, steps = typing_session(final, seed=11)
    typed_server, fresh_server = RawServer(command=command), RawServer(command=command)
    try:
        typed_server.initialize(work.as_uri())
        typed_server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": opened}}
        )
        started, during = time.perf_counter(), []
        for version, step in enumerate(steps, 2):
            typed_server.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": step.changes},
            )
            if version % 40 == 0:
                during.append(
                    typed_server.request(
                        "textDocument/hover",
                        {"textDocument": {"uri": uri}, "position": step.changes[0]["range"]["start"]},
                    )
                )
        gather(typed_server, during, timeout=600)
        seconds = time.perf_counter() - started
        typed = final_answers(typed_server, uri, final)
        fresh_server.initialize(work.as_uri())
        fresh_server.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": final}}
        )
        fresh = final_answers(fresh_server, uri, final)
    finally:
        typed_server.close(), fresh_server.close()
        shutil.rmtree(work, ignore_errors=True)
    return sum(a != b for a, b in zip(typed, fresh)), len(fresh), len(steps), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=STDLIB / "subprocess.py")
    parser.add_argument("--lines", type=int, default=60, help="lines typed back in")
    parser.add_argument("--interval", type=float, default=0.15, help="median seconds between didChange notifications")
    parser.add_argument("--hover-every", type=int, default=3)
    parser.add_argument("--replay-file", type=Path, default=STDLIB / "textwrap.py")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--skip-agreement", action="store_true")
    parser.add_argument("--typelens-from", type=Path, help="also measure the typelens of this source tree")
    parser.add_argument("--rounds", type=int, default=1, help="measure every server this many times, interleaved")
    args = parser.parse_args()
    if args.typelens_from is not None:
        SERVERS[f"typelens@{args.typelens_from.name}"] = _typelens_from(args.typelens_from)
        args.servers += f",typelens@{args.typelens_from.name}"
    print(f"before: {load()}")
    print(
        f"part 1: {args.file} ({len(args.file.read_text().splitlines())} lines), {args.lines} lines typed, "
        f"a step every {args.interval * 1000:.0f} ms (median), a hover every {args.hover_every} steps"
    )
    wanted = [
        name for name, command in SERVERS.items() if name in args.servers.split(",") and Path(command[0]).exists()
    ]
    table: dict[str, dict] = {}
    for round_ in range(1, args.rounds + 1):
        for name in wanted:
            print(f"round {round_}: measuring {name} ... ({load()})", file=sys.stderr, flush=True)
            r = latency(SERVERS[name], args.file, args.lines, args.interval, args.hover_every)
            print(f"round {round_}: {name}: {_summary(r)}", file=sys.stderr, flush=True)
            pooled = table.setdefault(name, {"typing": [], "rest": [], "same": [], "steps": r["steps"]})
            for key in ("typing", "rest"):
                pooled[key] += r[key]
            pooled["same"].append(r["same"])
    for name, r in table.items():
        t, s = r["typing"], r["rest"]
        print(
            f"{name:<22} while typing p50 {statistics.median(t):7.1f} ms  p95 {percentile(t, 0.95):7.1f} ms  "
            f"max {max(t):7.1f} ms (n={len(t)}, {r['steps']} steps x {args.rounds})"
        )
        print(
            f"{'':<22} at rest      p50 {statistics.median(s):7.1f} ms  p95 {percentile(s, 0.95):7.1f} ms  "
            f"max {max(s):7.1f} ms (n={len(s)});  typing/rest p95 {percentile(t, 0.95) / percentile(s, 0.95):.2f}x;"
            f"  answers while typing equal to those at rest: {100 * statistics.mean(r['same']):.1f}%"
        )
    for other in [name for name in table if name != "typelens"]:
        if "typelens" in table:
            a, b = table["typelens"], table[other]
            print(
                f"typelens/{other}: p95 while typing {percentile(a['typing'], 0.95) / percentile(b['typing'], 0.95):.2f}x,"
                f" p50 while typing {statistics.median(a['typing']) / statistics.median(b['typing']):.2f}x"
            )
    if not args.skip_agreement:
        differ, compared, steps, seconds = agreement(SERVERS["typelens"], args.replay_file)
        print(
            f"part 2: {args.replay_file.name} typed in {steps} steps ({seconds:.1f} s): "
            f"{differ} of {compared} answers differ from a fresh open (inlay hints + hovers)"
        )
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
