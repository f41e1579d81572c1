"""The collector around big builds (``analyzer.heap``): inside a batch run each
paused build is frozen as it ends (no young collection scans it after), outside
one nothing is frozen, and the batch's end unfreezes everything."""

from __future__ import annotations

import gc

from typelens.analyzer import build_graph
from typelens.analyzer.heap import batch_heap, paused_gc


def test_a_build_inside_a_batch_run_is_frozen_as_it_ends() -> None:
    gc.unfreeze()
    with paused_gc():
        outside = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0  # no batch: a long-lived process keeps collecting
    with batch_heap():
        with paused_gc():
            inside = [[i] for i in range(1000)]
        assert gc.get_freeze_count() >= len(inside)
        with batch_heap():  # nested: the inner end keeps the outer run's frozen objects
            pass
        assert gc.get_freeze_count() >= len(inside)
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert len(outside) == len(inside)


def test_a_graph_built_in_a_batch_run_is_not_scanned_by_the_next_young_collection() -> None:
    source = "".join(f"def f{i}(a):\n    return a + {i}\n" for i in range(200)).encode()
    with batch_heap():
        g = build_graph(source)
        frozen = gc.get_freeze_count()
        assert frozen > len(g.kinds)  # its node lists and records, at least one per node
        assert gc.get_count()[0] < 100  # the young generation starts empty after the build
