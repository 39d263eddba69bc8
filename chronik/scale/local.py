"""A pool of worker processes on this machine; each loads its pipelines once and codes batches."""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from chronik.errors import error
from chronik.model import Article
from chronik.pipeline import CoderOptions, coder_for
from chronik.scale import Packed, Result, code_batch, split, unpack

# Per-process state of a pool worker, set once by `_start_worker` (never in the parent).
_worker_options: CoderOptions | None = None


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (SIGKILL leaves workers blocked on their queue otherwise)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(options: CoderOptions | None, langs: tuple[str, ...], parent: int, filters: list) -> None:
    global _worker_options
    warnings.filters[:] = filters  # the parent's choice of which warnings to show (the CLI hides W002)
    # Ctrl-C goes to the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="chronik-parent-watch").start()
    _worker_options = options
    for lang in langs:
        coder_for(lang, options)


def pipeline_loads() -> tuple[int, int]:
    """(pid, pipelines this process has loaded); run it in a worker to see the singleton at work."""
    return os.getpid(), coder_for.cache_info().misses


def _code_task(articles: list[Article]) -> list[Packed]:
    return code_batch(articles, options=_worker_options)


# Articles a pool codes before its workers are replaced by fresh ones. spaCy's string store and
# vocabulary keep every new word a worker sees (~1 KB each), so on real news, where names and
# numbers keep coming, a long-lived worker grows without bound; replacing the workers bounds that
# growth for the cost of one pipeline load per worker (~2-5 s) per this many articles.
RECYCLE_AFTER = 10_000


class PoolCoder:
    """A `code` engine for `chronik.ingest.ingest`: codes each list of articles on `workers` processes.

    The pool starts on first use (spawned processes, so nothing the parent holds open, such as a
    DuckDB connection, is inherited) and stops on `close()` or when the object is collected.
    Results come back in input order per task, with errors as `(article, ChronikError)`.
    After `recycle` articles (None or 0: never) the next batch goes to a fresh pool while the old
    one finishes what it was given and exits (Python's own `max_tasks_per_child` can deadlock on
    3.11-3.13, cpython#115634).
    """

    def __init__(
        self, *, options: CoderOptions | None = None, workers: int = 2, task_size: int = 8,
        langs: tuple[str, ...] = (), recycle: int | None = RECYCLE_AFTER,
    ) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if workers < 1:
            raise error("E096", value=workers)
        self.options = options
        self.workers = workers
        self.task_size = task_size
        self.langs = langs
        self.recycle = recycle or None
        self.submitted = 0  # articles given to the current pool
        self.recycled = 0  # pools retired so far

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.options, self.langs, os.getpid(), list(warnings.filters)),
            )
        return self._pool

    def __call__(self, articles: list[Article]) -> Iterator[Result]:
        """Submit the batch now (so a caller can write earlier results meanwhile); iterate to collect."""
        if self.recycle and self.submitted >= self.recycle and self._pool is not None:
            old, self._pool = self._pool, None
            old.shutdown(wait=False)  # its queued tasks still run; then its workers exit
            self.submitted = 0
            self.recycled += 1
        self.submitted += len(articles)
        try:
            futures = [self._executor().submit(_code_task, batch) for batch in split(articles, self.task_size)]
        except BrokenProcessPool as exc:
            self.close()
            raise error("E090", detail=str(exc) or "killed") from exc
        return self._collect(futures)

    def _collect(self, futures: list) -> Iterator[Result]:
        try:
            for future in futures:
                yield from unpack(future.result())
        except BrokenProcessPool as exc:
            self.close()
            raise error("E090", detail=str(exc) or "killed") from exc

    def probe(self) -> tuple[int, int]:
        """Run `pipeline_loads` in one of the workers."""
        return self._executor().submit(pipeline_loads).result()

    def pids(self) -> list[int]:
        """Process ids of the running workers (for memory measurements)."""
        return list(self._pool._processes) if self._pool is not None else []  # noqa: SLF001

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> PoolCoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def pool_coder(
    *, options: CoderOptions | None = None, workers: int = 2, task_size: int = 8, langs: tuple[str, ...] = (),
    recycle: int | None = RECYCLE_AFTER,
) -> PoolCoder:
    """A process-pool engine for `ingest(..., code=pool_coder(workers=N))`.

    `langs` preloads those pipelines in every worker at start; others load on first use. Workers
    are replaced after `recycle` articles (None: never), which keeps their memory bounded.
    """
    return PoolCoder(options=options, workers=workers, task_size=task_size, langs=langs, recycle=recycle)


__all__ = ["RECYCLE_AFTER", "PoolCoder", "pool_coder"]
