"""Throughput of Chronik against bare spaCy, with workers and engines, measured in one run.

    python bench/bench_throughput.py                  # 10,000-article corpus, 400 of them measured
    python bench/bench_throughput.py --articles 2000 --measure 60 --words 400

Prints articles/s for: the bare spaCy pipeline (`nlp.pipe`, the same pipeline Chronik loads), the
full coder without storage, the full coder with DuckDB storage (in-process ingest), a pool of 1 and
of 2 worker processes, and Dask (LocalCluster, 2 workers); then the ratios and peak RSS per worker.
Pipelines are loaded (warmed) before each timing: load time is reported, not counted.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import warnings
from itertools import islice
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from chronik.ingest import ingest  # noqa: E402
from chronik.io.readers import read_path  # noqa: E402
from chronik.nlp import has_trained  # noqa: E402
from chronik.pipeline import code_stream, coder_for, parse_text  # noqa: E402
from chronik.store import open_store  # noqa: E402


class PeakRSS:
    """Samples the RSS of some processes in a thread; keeps the peak per process."""

    def __init__(self, pids: callable, every: float = 0.2) -> None:  # type: ignore[valid-type]
        self.pids, self.every, self.peak = pids, every, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids():
                try:
                    rss = psutil.Process(pid).memory_info().rss
                except psutil.Error:
                    continue
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def mb(self) -> str:
        return ", ".join(f"{v / 2**20:.0f}" for v in self.peak.values()) or "-"


def _slice(src: Path, dst: Path, first: int, n: int) -> Path:
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        fout.writelines(islice(fin, first, first + n))
    return dst


def _timed_ingest(path: Path, db: Path, *, code=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    with open_store(db) as store:
        t = time.perf_counter()
        report = ingest(read_path(path), store, code=code)
        return time.perf_counter() - t, report.stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000, help="corpus size (written to a temporary JSONL)")
    ap.add_argument("--measure", type=int, default=400, help="articles coded per measurement")
    ap.add_argument("--words", type=int, default=400, help="words per article")
    ap.add_argument("--german-share", type=float, default=0.5, help="share of German articles (1.0: German only)")
    ap.add_argument("--skip", default="", help="comma list of runs to skip: pool1,pool2,dask")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    warnings.simplefilter("ignore")
    tmp = Path(tempfile.mkdtemp(prefix="chronik-bench-"))
    t = time.perf_counter()
    full = corpus.write_jsonl(tmp / "corpus.jsonl", args.articles, words=args.words,
                             german_share=args.german_share)
    print(f"corpus: {args.articles} articles of ~{args.words} words in {time.perf_counter() - t:.1f}s ({full})")
    sample = _slice(full, tmp / "sample.jsonl", 0, args.measure)
    warm = _slice(full, tmp / "warm.jsonl", args.measure, 16)
    langs = sorted({json.loads(line)["lang"] for line in sample.open(encoding="utf-8")})
    print("pipelines: " + ", ".join(f"{lang}={'trained' if has_trained(lang) else 'blank+rules'}" for lang in langs))
    print(f"cores: {psutil.cpu_count()}  load average: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())}")

    t = time.perf_counter()
    for lang in langs:
        coder_for(lang)
    print(f"pipeline load (in-process, {'+'.join(langs)}): {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    for _ in code_stream(read_path(warm)):  # tables the stages load lazily on their first article
        pass
    print(f"warm-up (lazy tables of the stages): {time.perf_counter() - t:.1f}s")
    articles = [a for a in read_path(sample)]
    words = sum(len(a.text.split()) for a in articles)
    rows: list[tuple[str, float, str]] = []

    t = time.perf_counter()
    for lang in langs:
        texts = [parse_text(a) for a in articles if a.lang == lang]
        for _ in coder_for(lang).nlp.pipe(texts, batch_size=16):
            pass
    bare = len(articles) / (time.perf_counter() - t)
    rows.append(("bare spaCy nlp.pipe", bare, "-"))

    t = time.perf_counter()
    for _ in code_stream(articles):
        pass
    rows.append(("Chronik code (no store)", len(articles) / (time.perf_counter() - t), "-"))
    del articles

    me = psutil.Process()
    with PeakRSS(lambda: [me.pid]) as rss:
        secs, n = _timed_ingest(sample, tmp / "serial.duckdb")
    rows.append(("Chronik code + store, 1 process", n / secs, rss.mb()))
    serial = n / secs

    from chronik.scale.local import pool_coder

    for workers in (1, 2):
        if f"pool{workers}" in skip:
            continue
        with pool_coder(workers=workers, langs=tuple(langs)) as pool:
            t = time.perf_counter()
            list(pool(list(read_path(warm))))
            load = time.perf_counter() - t
            with PeakRSS(pool.pids) as rss:
                secs, n = _timed_ingest(sample, tmp / f"pool{workers}.duckdb", code=pool)
        rows.append((f"pool, {workers} worker(s) (+ store in parent)", n / secs, rss.mb()))
        print(f"pool of {workers}: start + load + warm-up {load:.1f}s")

    if "dask" not in skip:
        from chronik.scale.dask_engine import dask_coder

        with dask_coder(workers=2, langs=tuple(langs)) as dc:
            t = time.perf_counter()
            list(dc(list(read_path(warm))))
            load = time.perf_counter() - t
            pids = [p.pid for p in psutil.Process().children(recursive=True)]
            with PeakRSS(lambda: pids) as rss:
                secs, n = _timed_ingest(sample, tmp / "dask.duckdb", code=dc)
        rows.append(("Dask LocalCluster, 2 workers", n / secs, rss.mb()))
        print(f"dask: start + load + warm-up {load:.1f}s")

    print(f"\nmeasured on {args.measure} articles, {words / max(args.measure, 1):.0f} words each on average")
    print(f"{'run':46} {'articles/s':>10} {'words/s':>9}  peak RSS MB per process")
    for name, rate, mb in rows:
        print(f"{name:46} {rate:10.2f} {rate * words / args.measure:9.0f}  {mb}")
    by = {name: rate for name, rate, _ in rows}
    print(f"\nfull pipeline with storage / bare nlp.pipe: {serial / bare:.0%}  (target >= 75%)")
    p1, p2 = by.get("pool, 1 worker(s) (+ store in parent)"), by.get("pool, 2 worker(s) (+ store in parent)")
    if p1 and p2:
        print(f"2 workers / 1 worker: {p2 / p1:.2f}x;  2 workers: {p2:.1f} articles/s  (target >= 25)")
    if p2 and "Dask LocalCluster, 2 workers" in by:
        print(f"Dask / local pool (2 workers): {by['Dask LocalCluster, 2 workers'] / p2:.2f}x")


if __name__ == "__main__":
    main()
