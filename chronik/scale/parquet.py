"""Partitioned Parquet output of coded articles, and a read-only Store over it (DuckDB `read_parquet`).

Layout under a root folder (hive style, as Dask's `to_parquet(partition_on=...)` and Spark write it):

    events/type=ASSAULT/part-<part>-0.parquet    (or events/month=2022-03/... with partition_on="month")
    articles/part-<part>.parquet, statements/..., event_actors/..., entities/..., problems/...
    _parts/<part>.json                            one marker per finished chunk (what makes reruns resume)

Each part is written by one task into a private temporary folder and moved into place file by file
(`os.replace`), then marked done; a killed writer leaves no half-written file in the dataset, and a
rerun rewrites an unmarked part under the same names.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

import duckdb

from chronik.errors import error
from chronik.io.readers import ReadProblem
from chronik.model import Article, CodedArticle
from chronik.pipeline import CoderOptions
from chronik.scale import Result, code_batch, unpack
from chronik.store.duck import Store
from chronik.store.schema import MIGRATIONS

PARTITIONS = ("type", "month")
TABLES = ("articles", "events", "event_actors", "statements", "entities", "problems")


def check_partition(partition_on: str) -> str:
    if partition_on not in PARTITIONS:
        raise error("E092", value=partition_on, choices=", ".join(PARTITIONS))
    return partition_on


def merge_counts(total: dict[str, int], more: dict[str, int]) -> None:
    for k, v in more.items():
        total[k] = total.get(k, 0) + v


def _memory_store() -> Store:
    store = Store(duckdb.connect(":memory:"), ":memory:", read_only=False)
    store.migrate()
    return store


def write_part(
    coded: list[CodedArticle], root: Path, *, partition_on: str, part: str,
    failed: Iterable[tuple[Article, str, str]] = (),
) -> dict[str, int]:
    """Write one chunk of coded articles as Parquet files of part `part` under `root`; return counts.

    The rows are the store's own rows (an in-memory DuckDB store of the same schema writes them),
    so the Parquet columns cannot drift from the DuckDB tables.
    """
    check_partition(partition_on)
    tmp = root / "_tmp" / part
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    store = _memory_store()
    n_failed = 0
    try:
        stored = store.write(coded)
        for article, code, message in failed:
            store.log_problem(article.path or article.id, code, message)
            n_failed += 1
        con = store.con
        month = "coalesce(substr(event_date, 1, 7), 'unknown') AS month"
        if con.execute("SELECT count(*) FROM events").fetchone()[0]:  # type: ignore[index]
            con.execute(
                f"COPY (SELECT *, {month} FROM events) TO '{_sql_path(tmp / 'events')}' "
                f"(FORMAT parquet, PARTITION_BY ({partition_on}), FILENAME_PATTERN 'part-{part}-{{i}}')"
            )
        for table in TABLES:
            if table != "events" and con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:  # type: ignore[index]
                (tmp / table).mkdir()
                con.execute(f"COPY {table} TO '{_sql_path(tmp / table / f'part-{part}.parquet')}' (FORMAT parquet)")
        n_events = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    finally:
        store.close()
    for path in sorted(tmp.rglob("*.parquet")):
        target = root / path.relative_to(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    counts = {"written": stored, "events": int(n_events), "failed": n_failed}
    marker = root / "_parts" / f"{part}.json"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.with_suffix(".tmp").write_text(json.dumps(counts))
    os.replace(marker.with_suffix(".tmp"), marker)
    shutil.rmtree(tmp, ignore_errors=True)
    return counts


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def chunk_parts(
    source: Iterable[Article | ReadProblem], root: Path, *, chunk_size: int = 64,
) -> Iterator[tuple[str, list[Article], dict[str, int]]]:
    """Stream `source` as (part id, articles still to write, counts) chunks.

    A part id is a hash of its articles' content hashes, so the same corpus read in the same order
    gives the same parts; a part with a marker is already written and comes back with no articles.
    """
    it = iter(source)
    while chunk := list(islice(it, chunk_size)):
        articles, seen = [], set()
        counts = {"read": 0, "problems": 0, "already_written": 0}
        for item in chunk:
            if isinstance(item, ReadProblem):
                counts["problems"] += 1
                continue
            counts["read"] += 1
            if item.content_hash not in seen:
                seen.add(item.content_hash)
                articles.append(item)
        part = hashlib.sha256("".join(a.content_hash for a in articles).encode()).hexdigest()[:20]
        if (root / "_parts" / f"{part}.json").exists():
            counts["already_written"] += len(articles)
            articles = []
        yield part, articles, counts


def code_to_parquet(
    source: Iterable[Article | ReadProblem], root: str | Path, *, partition_on: str = "type",
    options: CoderOptions | None = None, code: Callable[[list[Article]], Iterable[Result]] | None = None,
    chunk_size: int = 64, on_article: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Code `source` in this process (or with `code`, e.g. a `pool_coder`) into partitioned Parquet.

    Streaming and resumable like `ingest`; see `chronik.scale.dask_engine.dask_to_parquet` for a
    cluster where every worker writes its own parts.
    """
    check_partition(partition_on)
    root = Path(root)
    totals: dict[str, int] = {}
    for part, articles, counts in chunk_parts(source, root, chunk_size=chunk_size):
        merge_counts(totals, counts)
        if articles:
            results = list(code(articles)) if code else list(unpack(code_batch(articles, options=options)))
            coded = [r for r in results if not isinstance(r, tuple)]
            failed = [(a, exc.code, str(exc)) for a, exc in (r for r in results if isinstance(r, tuple))]
            merge_counts(totals, write_part(coded, root, partition_on=partition_on, part=part, failed=failed))
        if on_article:
            on_article(counts["read"] + counts["problems"])
    return totals


def open_parquet(root: str | Path) -> Store:
    """A read-only Store whose tables are views over the Parquet files under `root`.

    Every Store query (events, count_events, statements, summary) works on it; no write lock is
    taken, so it can serve an API while another process writes more parts.
    """
    root = Path(root)
    if not (root / "_parts").is_dir():
        raise error("E093", path=root)
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA empty")
    con.execute("SET schema = 'empty'")
    for migration in MIGRATIONS:
        con.execute(migration.sql)
    con.execute("SET schema = 'main'")
    try:
        for table in TABLES:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'empty' "
                "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
            files = list((root / table).rglob("*.parquet")) if (root / table).is_dir() else []
            if not files:
                con.execute(f"CREATE VIEW main.{table} AS SELECT * FROM empty.{table}")
                continue
            pattern = _sql_path(root / table / ("**/*.parquet" if table == "events" else "*.parquet"))
            extra = ", month" if table == "events" else ""
            con.execute(
                f"CREATE VIEW main.{table} AS SELECT {', '.join(columns)}{extra} FROM read_parquet('{pattern}', "
                "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
            )
    except duckdb.Error as exc:
        con.close()
        raise error("E033", path=root, detail=str(exc).splitlines()[0][:160]) from None
    return Store(con, str(root), read_only=True)


__all__ = ["PARTITIONS", "code_to_parquet", "open_parquet", "write_part"]
