"""Where chunks run: in this process (numpy, on a thread pool) or on a Dask cluster.

Both backends run the same pure chunk functions (:func:`montecarlo.mc_chunk`,
:func:`montecarlo.sobol_chunk`) on the same chunk plan and hand the results back in chunk
order, so they return the same numbers for the same seed whatever the number of threads or
workers. The numpy backend runs chunks on a pool of threads (NumPy releases the GIL in its
array loops and sorts, and NumPy's random generators while they fill arrays), with the BLAS
limited to one thread meanwhile so that its own threads do not compete with the pool's. The
Dask backend ships the model to every worker once (``scatter(broadcast=True)``), submits one
task per chunk and reports progress as chunks finish.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any

from burdenshare.errors import UserError
from burdenshare.uncertainty.sampling import Chunk

#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 3.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, else the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class NumpyBackend:
    """Run chunks in this process on ``threads`` threads (default: the available cores,
    at most 8; 1 runs them one after another in the calling thread)."""

    name = "numpy"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = max(1, int(threads)) if threads else min(available_cores(), 8)

    @property
    def workers(self) -> int:
        """Chunks that run at once (the runners plan at least two chunks per worker)."""
        return self.threads

    def map(
        self,
        fn: Callable[..., Any],
        model: Any,
        args_list: Sequence[tuple[Any, ...]],
        progress: Callable[[int], None] | None,
        chunks: Sequence[Chunk],
    ) -> Iterator[Any]:
        from threadpoolctl import threadpool_limits

        # The BLAS gets one thread: its products here are small, and its idle threads spin
        # on the cores the pool (or other processes) would use.
        with threadpool_limits(limits=1, user_api="blas"):
            if self.threads == 1 or len(args_list) == 1:
                for args, chunk in zip(args_list, chunks, strict=True):
                    result = fn(model, *args)
                    if progress is not None:
                        progress(chunk.size)
                    yield result
                return
            # At most two chunks per thread queued or running: memory stays bounded by the
            # chunk size; results come back (and progress is told) in chunk order.
            todo = iter(zip(args_list, chunks, strict=True))
            with ThreadPoolExecutor(self.threads, thread_name_prefix="burdenshare") as pool:
                queue: deque[tuple[Future, Chunk]] = deque()
                for args, chunk in islice(todo, 2 * self.threads):
                    queue.append((pool.submit(fn, model, *args), chunk))
                while queue:
                    future, chunk = queue.popleft()
                    result = future.result()
                    for args, nxt in islice(todo, 1):
                        queue.append((pool.submit(fn, model, *args), nxt))
                    if progress is not None:
                        progress(chunk.size)
                    yield result

    def close(self) -> None:
        """Nothing to release (the thread pool lives only as long as one run)."""

    def __enter__(self) -> NumpyBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskBackend:
    """Run chunks as tasks on a Dask distributed cluster.

    ``address``: a running scheduler (``tcp://host:8786``); ``None`` starts a
    :class:`distributed.LocalCluster` of ``n_workers`` single-threaded worker processes
    (``processes=False``: threads in this process, quick to start, for tests; a chunk is
    many small NumPy calls, so threads share the GIL more than processes do). An unreachable
    scheduler is a :class:`UserError` after :data:`CONNECT_TIMEOUT` seconds.

    Local worker processes start without distributed's default ``MALLOC_TRIM_THRESHOLD_``
    (65536), which makes glibc hand every large NumPy temporary back to the OS and map it
    afresh: measured 2.5x slower on a chunk. Workers of a remote cluster should be started
    without it too (``distributed.nanny.pre-spawn-environ``).
    """

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int | None = None,
        processes: bool = True,
        timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        import os

        from distributed import Client, LocalCluster

        self._cluster = None
        if address is None:
            import dask

            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                self._cluster = LocalCluster(
                    n_workers=n_workers or max(1, min(os.cpu_count() or 1, 4)),
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                )
            self.client = Client(self._cluster, timeout=timeout)
        else:
            try:
                self.client = Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UserError(
                    f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                    f"({type(exc).__name__})",
                    where="--scheduler",
                ) from None

    @property
    def workers(self) -> int:
        """Chunks that run at once: the cluster's worker threads."""
        info = self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(
        self,
        fn: Callable[..., Any],
        model: Any,
        args_list: Sequence[tuple[Any, ...]],
        progress: Callable[[int], None] | None,
        chunks: Sequence[Chunk],
    ) -> Iterator[Any]:
        from distributed import as_completed

        [model_future] = self.client.scatter([model], broadcast=True, hash=False)
        futures = [self.client.submit(fn, model_future, *args, pure=False) for args in args_list]
        index = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, Any] = {}
        for future in as_completed(futures):
            i = index[future.key]
            results[i] = future.result()
            future.release()
            if progress is not None:
                progress(chunks[i].size)
        for i in range(len(futures)):
            yield results.pop(i)

    def close(self) -> None:
        """Close the client, and the local cluster if this backend started one."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_backend(
    name: str, scheduler: str | None = None, *, n_workers: int | None = None
) -> NumpyBackend | DaskBackend:
    """The backend called ``name`` ("numpy" or "dask"); ``n_workers``: its threads or
    local Dask workers (default: the available cores)."""
    if name == "numpy":
        if scheduler:
            raise UserError("--scheduler needs --backend dask", where="--scheduler")
        return NumpyBackend(threads=n_workers)
    if name == "dask":
        return DaskBackend(scheduler, n_workers=n_workers)
    raise UserError(f"unknown backend {name!r}; choose numpy or dask", where="--backend")
