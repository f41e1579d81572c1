"""The collector around big builds (``analyzer.heap``): inside a batch run each
paused build is frozen as it ends (no young collection scans it after), outside
one nothing is frozen, and the batch's end unfreezes everything."""

from __future__ import annotations

import gc

import pytest

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


@pytest.mark.pure_only(reason="patches _Rounds.run")
def test_the_apply_rounds_run_with_the_first_runs_graphs_frozen(tmp_path, monkeypatch) -> None:
    from typelens.typeinfer import apply_rounds
    from typelens.typeinfer.run import InferOptions, infer_paths

    path = tmp_path / "m.py"
    path.write_text("def f(a=1):\n    return a\n")
    options = InferOptions(mode="static", use_cache=False)
    first = infer_paths([path], options)
    seen: list[int] = []
    run = apply_rounds._Rounds.run
    monkeypatch.setattr(
        apply_rounds._Rounds, "run", lambda self, *a: seen.append(gc.get_freeze_count()) or run(self, *a)
    )
    [done] = apply_rounds.annotate_files(
        [path], [apply_rounds.Snapshot.read(path)], options, min_confidence=0.5, first=first
    )
    assert done.new_raw == b"def f(a: int = 1) -> int:\n    return a\n"
    assert seen and seen[0] > 0  # what the first run built is out of the rounds' collections
    assert gc.get_freeze_count() == 0


def _climb(depth: int) -> int:
    return 0 if depth == 0 else _climb(depth - 1) + 1


def _minor_faults(fn) -> int:
    import resource

    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    fn()
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


def _up_and_down() -> None:
    for _ in range(300):
        _climb(600)  # a few hundred frames: several of CPython's 16 KiB frame-stack chunks


@pytest.mark.pure_only(reason="compiled, with_frame_room calls fn itself: the core makes no Python frames")
def test_recursion_in_frame_room_does_not_map_the_frame_stack_again_and_again() -> None:
    import sys

    if sys.implementation.name != "cpython" or sys.version_info < (3, 11) or not sys.platform.startswith("linux"):
        pytest.skip("CPython 3.11+'s chunked frame stack; per-thread fault counts on Linux")
    from typelens.analyzer.heap import with_frame_room

    plain = _minor_faults(_up_and_down)  # each chunk crossed is mapped, touched and unmapped
    roomy = _minor_faults(lambda: with_frame_room(_up_and_down))
    assert plain > 1000
    assert roomy < plain / 10


def test_frame_room_passes_arguments_results_and_errors_through() -> None:
    import threading

    import pytest

    from typelens.analyzer.heap import with_frame_room

    assert with_frame_room(_climb, 900) == 900
    assert with_frame_room(lambda *a, **k: (a, k), 1, 2, key=3) == ((1, 2), {"key": 3})
    assert with_frame_room(with_frame_room, _climb, 5) == 5  # nested: the inner call runs directly
    with pytest.raises(ZeroDivisionError):
        with_frame_room(lambda: 1 / 0)
    assert with_frame_room(_climb, 3) == 3  # the error left the thread's state as it was
    out: list[int] = []
    worker = threading.Thread(target=with_frame_room, args=(lambda: out.append(_climb(700)),))
    worker.start()
    worker.join()
    assert out == [700]


def test_a_batch_run_collects_less_often_and_restores_the_thresholds() -> None:
    saved = gc.get_threshold()
    with batch_heap():
        young, middle, full = gc.get_threshold()
        assert young >= max(saved[0], 20_000) and middle == saved[1] and full >= max(saved[2], 1000)
        with batch_heap():
            assert gc.get_threshold() == (young, middle, full)
        assert gc.get_threshold() == (young, middle, full)
    assert gc.get_threshold() == saved


def test_a_batch_run_leaves_collection_off_where_the_caller_turned_it_off() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(0, saved[1], saved[2])
        with batch_heap():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold() == (0, saved[1], saved[2])
    finally:
        gc.set_threshold(*saved)
