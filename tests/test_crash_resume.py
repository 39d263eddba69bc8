"""`chronik ingest` killed with SIGKILL at random points: the store stays consistent and a rerun finishes.

Set CHRONIK_CRASH_SEED to replay one sequence of kill points; the seed is in every failure message.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psutil
import pytest

from chronik.ingest import ingest
from chronik.io.readers import read_path
from chronik.store import open_store

GSR = Path(__file__).parents[2] / "shared" / "eval" / "plover_gsr_en.jsonl"
N_ARTICLES = 60
COMMIT_EVERY = 8
SEED = int(os.environ.get("CHRONIK_CRASH_SEED", time.time_ns() % 1_000_000))


def _corpus(path: Path) -> Path:
    """60 short English articles (real news sentences, two or three per article) as JSONL."""
    sentences = [json.loads(line)["text"] for line in GSR.open(encoding="utf-8")]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N_ARTICLES):
            text = " ".join(sentences[(3 * i + k) % len(sentences)] for k in range(2 + i % 2))
            fh.write(json.dumps({"id": f"a{i:02d}", "text": text, "date": f"2021-03-{1 + i % 28:02d}"}) + "\n")
    return path


def _command(corpus: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "chronik", "ingest", str(corpus), "--db", str(db), "--lang", "en",
            "--commit-every", str(COMMIT_EVERY), *extra]


def _kill_midway(cmd: list[str], db: Path, rng: random.Random) -> tuple[str, list[int]]:
    """Start `cmd`, wait until it has committed in this run (the WAL changed), SIGKILL it a random moment later.

    Returns what happened and the pids of the worker processes it had started.
    """
    wal = Path(str(db) + ".wal")
    started = time.time_ns()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 40
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_mtime_ns > started:
            break
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.5))  # a commit every 8 short articles: a few tenths of a second apart
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)] if proc.poll() is None else []
    if proc.poll() is not None:
        assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else proc.returncode
        return "finished", workers
    proc.send_signal(signal.SIGKILL)  # the parent only: its workers must notice and leave on their own
    proc.wait(timeout=10)
    return "killed", workers


def _check_consistent(db: Path, expected_hashes: set[str]) -> int:
    """The store opens, and articles, events, actors and statements agree with each other. Returns #articles."""
    with open_store(db) as store:
        q = store.con.execute
        n, distinct = q("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone()
        assert n == distinct, "an article is stored twice"
        stored = {r[0] for r in q("SELECT content_hash FROM articles").fetchall()}
        assert stored <= expected_hashes
        assert q("SELECT count(*) - count(DISTINCT event_id) FROM events").fetchone() == (0,)
        assert q("SELECT count(*) FROM events ANTI JOIN articles USING (content_hash)").fetchone() == (0,)
        assert q("SELECT count(*) FROM statements ANTI JOIN articles USING (content_hash)").fetchone() == (0,)
        assert q("SELECT count(*) FROM event_actors ANTI JOIN events USING (event_id)").fetchone() == (0,)
        # each article was written in one transaction with all of its events, or not at all
        mismatch = q("""SELECT count(*) FROM articles a LEFT JOIN
                        (SELECT content_hash, count(*) AS n FROM events GROUP BY 1) e USING (content_hash)
                        WHERE a.n_events <> coalesce(e.n, 0)""").fetchone()
        assert mismatch == (0,)
        return n


def _events(db: Path) -> list[tuple]:
    with open_store(db, read_only=True) as store:
        return store.con.execute(
            "SELECT content_hash, event_id, type, trigger, start_char FROM events ORDER BY event_id").fetchall()


@pytest.mark.issue(8)
def test_killed_ingest_resumes_without_loss_or_duplicates(tmp_path):
    rng = random.Random(SEED)
    corpus = _corpus(tmp_path / "corpus.jsonl")
    expected = {a.content_hash for a in read_path(corpus)}
    assert len(expected) == N_ARTICLES
    db = tmp_path / "crash.duckdb"
    open_store(db).close()  # migrated up front, so the first WAL write of a run is a commit of coded articles
    history = []
    runs = [(), ("--workers", "2"), (), ()]
    for extra in runs:
        if history and history[-1][2] == N_ARTICLES:
            break
        outcome, workers = _kill_midway(_command(corpus, db, *extra), db, rng)
        history.append((extra, outcome, _check_consistent(db, expected)))
        if workers:  # orphaned pool workers exit by themselves once their parent is gone
            deadline = time.monotonic() + 15
            while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in workers):
                assert time.monotonic() < deadline, f"pool workers outlived their killed parent (seed {SEED})"
                time.sleep(0.2)
    assert any(o == "killed" and 0 < n < N_ARTICLES for _, o, n in history), f"no kill landed mid-ingest: {history}, seed {SEED}"

    done = subprocess.run(_command(corpus, db), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _check_consistent(db, expected) == N_ARTICLES, f"seed {SEED}, history {history}"
    again = subprocess.run(_command(corpus, db), capture_output=True, text=True, timeout=120)
    assert f"already stored {N_ARTICLES}" in again.stdout and "stored 0" in again.stdout, again.stdout

    clean = tmp_path / "clean.duckdb"
    with warnings.catch_warnings(), open_store(clean) as store:
        warnings.simplefilter("ignore")
        ingest(read_path(corpus, lang="en"), store)
    assert _events(db) == _events(clean), f"resumed store differs from an uninterrupted run (seed {SEED})"
