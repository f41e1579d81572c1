"""The language server's garbage collection (``lsp.protocol``): full collections
stop every thread, so they run once per quiet spell of the client, not again and
again while it pauses, and skip what the server holds for good."""

from __future__ import annotations

import asyncio
import gc
import time
from types import SimpleNamespace

from typelens.lsp import protocol


async def _collections_while(monkeypatch, pending: int, steps) -> list[float]:
    """Run the idle collector (its quiet time 20 ms) beside ``steps`` (each: wait,
    then maybe input) with ``pending`` middle-generation collections outstanding;
    when it collected."""
    monkeypatch.setattr(protocol, "_IDLE", 0.02)
    collected: list[float] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collected.append(time.monotonic()) or 0)
    monkeypatch.setattr(gc, "get_count", lambda: (0, 0, pending))
    server = SimpleNamespace(_last_input=time.monotonic())
    task = asyncio.get_running_loop().create_task(protocol.RobustIO._collect_when_idle(server))
    try:
        for pause, typed in steps:
            await asyncio.sleep(pause)
            if typed:
                server._last_input = time.monotonic()
    finally:
        task.cancel()
    return collected


async def test_a_quiet_spell_gets_one_full_collection(monkeypatch) -> None:
    # quiet for 0.3 s (fifteen times the quiet time), input, quiet again
    collected = await _collections_while(monkeypatch, 5, [(0.3, True), (0.3, False)])
    assert len(collected) == 2


async def test_the_collector_runs_without_a_quiet_spell_past_its_bound(monkeypatch) -> None:
    steps = [(0.01, True)] * 20  # input every 10 ms: never quiet
    assert await _collections_while(monkeypatch, 1, steps) == []
    assert len(await _collections_while(monkeypatch, protocol._YOUNG_COLLECTIONS, steps)) >= 2


def test_what_the_server_holds_for_good_is_frozen_out_of_full_collections() -> None:
    held = [[i] for i in range(1000)]  # tracked containers, alive
    try:
        protocol.settle_heap()
        assert gc.get_freeze_count() >= len(held)
    finally:
        gc.unfreeze()
