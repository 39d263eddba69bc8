"""Dask distributed adapter: the same batch coder on a cluster (a loopback LocalCluster by default)."""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin

from chronik.errors import error
from chronik.io.readers import ReadProblem
from chronik.model import Article
from chronik.nlp import SUPPORTED
from chronik.pipeline import CoderOptions, coder_for
from chronik.scale import Packed, Result, code_batch, split, unpack

PLUGIN_NAME = "chronik-coder"


class CoderPlugin(WorkerPlugin):
    """Loads the Chronik pipelines once per worker, when the worker starts (or joins later)."""

    name = PLUGIN_NAME

    def __init__(self, *, options: CoderOptions | None = None, langs: tuple[str, ...] = SUPPORTED) -> None:
        self.options = options
        self.langs = langs

    def setup(self, worker: Any) -> None:
        for lang in self.langs:
            coder_for(lang, self.options)


def _code_task(articles: list[Article], options: CoderOptions | None) -> list[Packed]:
    return code_batch(articles, options=options)


def connect(*, scheduler: str | None = None, workers: int = 2, processes: bool = True, timeout: str = "10s") -> Client:
    """A client of the scheduler at `scheduler`, else of a new LocalCluster bound to 127.0.0.1."""
    if scheduler:
        try:
            return Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise error("E091", address=scheduler, detail=str(exc).splitlines()[0][:160]) from None
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=processes, protocol="tcp://", host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
    )
    return Client(cluster)


class DaskCoder:
    """A `code` engine for `chronik.ingest.ingest`: each list of articles is coded as Dask tasks.

    The parent keeps the store: workers only code, results come back to be written in one place.
    """

    def __init__(
        self, *, options: CoderOptions | None = None, scheduler: str | None = None, workers: int = 2,
        task_size: int = 8, langs: tuple[str, ...] = SUPPORTED, processes: bool = True,
        client: Client | None = None,
    ) -> None:
        if workers < 1:
            raise error("E096", value=workers)
        self.options = options
        self.scheduler = scheduler
        self.workers = workers
        self.task_size = task_size
        self.langs = langs
        self.processes = processes
        self._client = client
        self._owns_client = client is None
        self._registered = False

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = connect(scheduler=self.scheduler, workers=self.workers, processes=self.processes)
        if not self._registered:
            self._client.register_plugin(CoderPlugin(options=self.options, langs=self.langs), name=PLUGIN_NAME)
            self._registered = True
        return self._client

    def __call__(self, articles: list[Article]) -> Iterator[Result]:
        """Submit the batch now (so a caller can write earlier results meanwhile); iterate to collect."""
        futures = self.client.map(_code_task, split(articles, self.task_size), options=self.options, pure=False)
        return self._collect(futures)

    def _collect(self, futures: list) -> Iterator[Result]:
        try:
            for future in futures:
                yield from unpack(future.result())
        finally:
            for future in futures:
                future.release()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            cluster = client.cluster
            client.close()
            if cluster is not None and not self.scheduler:
                cluster.close()

    def __enter__(self) -> DaskCoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dask_coder(
    *, options: CoderOptions | None = None, scheduler: str | None = None, workers: int = 2, task_size: int = 8,
    langs: tuple[str, ...] = SUPPORTED, processes: bool = True,
) -> DaskCoder:
    """A Dask engine for `ingest(..., code=dask_coder(...))`.

    Without `scheduler`, a LocalCluster of `workers` single-threaded worker processes listens on
    127.0.0.1 only. `langs` are the pipelines the worker plugin loads at start.
    """
    return DaskCoder(options=options, scheduler=scheduler, workers=workers, task_size=task_size, langs=langs,
                     processes=processes)


def _code_to_parquet_task(
    articles: list[Article], root: str, partition_on: str, part: str, options: CoderOptions | None,
) -> dict[str, int]:
    from chronik.scale.parquet import write_part

    results = code_batch(articles, options=options)
    return write_part([r for r in results if not isinstance(r, tuple)], Path(root), partition_on=partition_on,
                      part=part, failed=[(a, f.code, f.message) for a, f in (r for r in results if isinstance(r, tuple))])


def dask_to_parquet(
    source: Iterable[Article | ReadProblem], root: str | Path, *, partition_on: str = "type",
    options: CoderOptions | None = None, client: Client | None = None, scheduler: str | None = None,
    workers: int = 2, chunk_size: int = 64, in_flight: int | None = None,
) -> dict[str, int]:
    """Code `source` on Dask and write partitioned Parquet under `root`, each worker writing its own parts.

    The source is streamed: at most `in_flight` chunks (default 2 per worker) are out at a time, so
    memory stays flat. Chunks already written (a marker per part) are skipped, so a rerun resumes.
    """
    from chronik.scale.parquet import check_partition, chunk_parts, merge_counts

    check_partition(partition_on)
    root = Path(root)
    own = client is None
    client = client or connect(scheduler=scheduler, workers=workers)
    limit = in_flight or 2 * max(len(client.scheduler_info()["workers"]), 1)
    totals: dict[str, int] = {}
    pending: deque = deque()
    try:
        for part, articles, counts in chunk_parts(source, root, chunk_size=chunk_size):
            merge_counts(totals, counts)
            if not articles:
                continue
            pending.append(client.submit(_code_to_parquet_task, articles, str(root), partition_on, part, options,
                                         pure=False))
            while len(pending) >= limit:
                merge_counts(totals, pending.popleft().result())
        while pending:
            merge_counts(totals, pending.popleft().result())
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None and not scheduler:
                cluster.close()
    return totals


__all__ = ["CoderPlugin", "DaskCoder", "connect", "dask_coder", "dask_to_parquet"]
