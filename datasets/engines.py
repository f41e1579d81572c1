"""Where extraction runs: ``local`` (a process pool on this machine, the default)
or ``dask`` (a Dask distributed cluster: any scheduler address, or a local cluster
started for the run).

Why Dask rather than Ray: extraction is a plain map of a pure function over file
paths whose results come back to one writer; Dask's ``Client.map`` does exactly
that, ships as two pure-Python wheels, starts a local cluster in a second, and its
scheduler runs anywhere Python does.  Ray would add a large native runtime for
features (actors, object store, GPUs) this job does not use.

Example::

    with engine_for("dask", workers=4) as run:
        batches = list(run(extract, jobs))      # same results, in the same order, as "local"

``run`` yields the results in the order of the items while the workers go on with
the next ones, so the caller can write what is finished (a project's shard) while
the rest runs: with every file of the corpus in one map, no worker waits at the end
of one project for the slowest file of it.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")


@contextlib.contextmanager
def engine_for(name: str, *, workers: int = 1, address: str | None = None) -> Iterator[Callable]:
    """A ``map(fn, items) -> iterator`` that keeps the order of ``items``."""
    if name not in ENGINES:
        raise ValueError(f"engine={name!r} is not one of {', '.join(ENGINES)}")
    if workers < 1:
        raise ValueError(f"workers={workers!r} must be at least 1")
    if name == "local":
        if workers == 1:
            yield lambda fn, items: (fn(item) for item in items)
            return
        pool = ProcessPoolExecutor(workers)
        try:
            # one item at a time: a chunk would put slow files behind one worker
            yield lambda fn, items: pool.map(fn, items, chunksize=1)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # not the whole corpus's queue first
            raise
        pool.shutdown()
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        address = cluster.scheduler_address
    client = Client(address)
    try:

        def run(fn, items):
            for future in client.map(fn, items, pure=False):
                yield future.result()

        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
