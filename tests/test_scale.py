"""The scale engines (process pool, Dask on loopback, Spark if installed) and partitioned Parquet."""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

from chronik.errors import ChronikError, error
from chronik.ingest import ingest
from chronik.io.readers import make_article
from chronik.pipeline import code_stream
from chronik.scale import Failure, code_batch, unpack
from chronik.scale.parquet import code_to_parquet, open_parquet
from chronik.store import open_store

GSR = Path(__file__).parents[2] / "shared" / "eval" / "plover_gsr_en.jsonl"

pytestmark = [pytest.mark.issue(8), pytest.mark.filterwarnings("ignore::chronik.errors.ChronikWarning")]


def _articles(n: int = 12) -> list:
    rows = [json.loads(line) for line in GSR.open(encoding="utf-8")][:n]
    return [make_article(r["text"], id=r["id"], lang="en", date=f"2021-0{1 + i % 3}-15") for i, r in enumerate(rows)]


def _signature(results) -> list[tuple]:
    """What matters of a run: per article its events (id, type, actors, recipients), sorted."""
    out = []
    for r in results:
        if isinstance(r, tuple):
            out.append((r[0].id, "error", r[1].code))
        else:
            out += [(e.id, e.type, tuple(x.code for x in e.actor), tuple(x.code for x in e.recipient)) for e in r.events]
    return sorted(out)


@pytest.fixture(scope="module")
def serial():
    arts = _articles()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return arts, _signature(code_stream(arts))


def test_failures_keep_code_and_text_across_processes():
    import pickle

    exc = error("E005", article="x", lang="fr", supported="de, en")
    back = pickle.loads(pickle.dumps(Failure.of(exc))).error()
    assert (type(back), back.code, str(back)) == (type(exc), "E005", str(exc))


def test_code_batch_is_code_stream(serial):
    arts, expected = serial
    assert _signature(unpack(code_batch(arts))) == expected
    assert expected and any(t != "error" for _, t, *_ in expected)


def test_pool_codes_like_one_process_and_loads_each_pipeline_once(serial):
    from chronik.scale.local import pool_coder

    arts, expected = serial
    bad = make_article("Ceci est un article en français.", id="fr1", lang="fr")
    with pool_coder(workers=2, task_size=3) as pool:
        got = list(pool([*arts, bad]))
        got += list(pool(arts[:6]))  # more batches, same workers
        probes = {pool.probe() for _ in range(6)}
        pids = set(pool.pids())
    assert _signature(got[: len(arts) + 1]) == sorted([*expected, ("fr1", "error", "E005")])
    assert _signature(got[len(arts) + 1 :]) == _signature(code_stream(arts[:6]))
    assert {pid for pid, _ in probes} <= pids and len(pids) == 2
    assert all(loads == 1 for _, loads in probes), probes  # one English pipeline per worker, loaded once


def test_pool_replaces_its_workers_after_recycle_articles(serial):
    from chronik.scale.local import pool_coder

    arts, expected = serial
    pids = []
    with pool_coder(workers=1, task_size=3, recycle=6) as pool:
        got = list(pool(arts[:6]))
        pids.append(set(pool.pids()))
        got += list(pool(arts[6:]))  # 6 articles given: this batch goes to a fresh worker
        pids.append(set(pool.pids()))
        recycled = pool.recycled
    assert _signature(got) == expected
    assert recycled == 1 and pids[0] and pids[1] and pids[0].isdisjoint(pids[1])


def test_cli_recycle_default_is_the_engines():
    import inspect

    from chronik.cli import ingest
    from chronik.scale.local import RECYCLE_AFTER

    assert inspect.signature(ingest).parameters["recycle"].default == RECYCLE_AFTER


def test_pool_refuses_zero_workers():
    from chronik.scale.local import pool_coder

    with pytest.raises(ChronikError, match="E096"):
        pool_coder(workers=0)


def test_ingest_with_the_pool_stores_every_article_once(tmp_path, serial):
    from chronik.scale.local import pool_coder

    arts, expected = serial
    with open_store(tmp_path / "p.duckdb") as store, pool_coder(workers=2) as pool:
        first = ingest(iter(arts), store, code=pool, commit_every=5)
        second = ingest(iter(arts), store, code=pool, commit_every=5)
        ids = [r[0] for r in store.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
    assert (first.stored, second.stored, second.already_stored) == (len(arts), 0, len(arts))
    assert ids == sorted(e[0] for e in expected)


@pytest.fixture(scope="module")
def dask_client():
    from chronik.scale.dask_engine import connect

    client = connect(workers=1, processes=False)
    yield client
    cluster = client.cluster
    client.close()
    cluster.close()


def test_dask_cluster_listens_on_loopback_only(dask_client):
    assert dask_client.scheduler.address.startswith("tcp://127.0.0.1:")
    workers = dask_client.scheduler_info()["workers"]
    assert workers and all(addr.startswith("tcp://127.0.0.1:") for addr in workers)


def test_dask_engine_ingests_like_one_process(tmp_path, serial, dask_client):
    from chronik.scale.dask_engine import PLUGIN_NAME, DaskCoder

    arts, expected = serial
    coder = DaskCoder(client=dask_client, langs=("en",), task_size=4)
    with open_store(tmp_path / "d.duckdb") as store:
        report = ingest(iter(arts), store, code=coder, commit_every=6)
        ids = [r[0] for r in store.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
    assert report.stored == len(arts)
    assert ids == sorted(e[0] for e in expected)
    plugins = dask_client.run(lambda dask_worker: list(dask_worker.plugins))
    assert all(PLUGIN_NAME in names for names in plugins.values())


def test_unreachable_scheduler_names_the_fix():
    from chronik.scale.dask_engine import connect

    with pytest.raises(ChronikError, match="E091"):
        connect(scheduler="tcp://127.0.0.1:9", timeout="1s")


def test_parquet_partitions_read_back_like_the_store(tmp_path, serial):
    arts, _ = serial
    with open_store(tmp_path / "s.duckdb") as store:
        ingest(iter(arts), store)
        want = store.summary()
        want_events = store.events(limit=1000, order="type")
    for partition in ("month", "type"):
        root = tmp_path / partition
        counts = code_to_parquet(iter(arts), root, partition_on=partition, chunk_size=5)
        assert (counts["written"], counts["events"]) == (len(arts), want["events"])
        assert {p.name.split("=")[0] for p in (root / "events").iterdir()} == {partition}
        again = code_to_parquet(iter(arts), root, partition_on=partition, chunk_size=5)
        assert again.get("written", 0) == 0 and again["already_written"] == len(arts)
        pq = open_parquet(root)
        assert pq.summary() == want
        assert pq.events(limit=1000, order="type") == want_events
        pq.close()
    with pytest.raises(ChronikError, match="E092"):
        code_to_parquet(iter(arts), tmp_path / "x", partition_on="week")
    with pytest.raises(ChronikError, match="E093"):
        open_parquet(tmp_path / "nothing")


def test_dask_workers_write_parquet_parts(tmp_path, serial, dask_client):
    from chronik.scale.dask_engine import dask_to_parquet

    arts, expected = serial
    counts = dask_to_parquet(iter(arts), tmp_path / "pq", partition_on="type", client=dask_client, chunk_size=4)
    assert counts["written"] == len(arts)
    with open_parquet(tmp_path / "pq") as pq:
        ids = [r[0] for r in pq.con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
    assert ids == sorted(e[0] for e in expected)


def test_spark_smoke(serial, monkeypatch):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from chronik.scale.spark import code_spark

    arts, expected = serial
    arts = arts[:4]
    # Spark's Python workers must run this interpreter (the one with Chronik installed).
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[1]").appName("chronik-test")
             .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false").getOrCreate())
    try:
        df = spark.createDataFrame([{"id": a.id, "text": a.text, "lang": "en", "date": a.date} for a in arts])
        rows = code_spark(df).collect()
    finally:
        spark.stop()
    assert sorted(r["event_id"] for r in rows) == sorted(e[0] for e in _signature(code_stream(arts)))
    assert all(r["error_code"] is None for r in rows)
