"""Throughput of Chronik against bare spaCy, with workers and engines, measured in one run.

    python bench/bench_throughput.py                  # 10,000-article corpus, 400 of them measured
    python bench/bench_throughput.py --articles 1000 --measure 96 --repeat 5 --skip dask

Prints articles/s for: the bare spaCy pipeline (`nlp.pipe`, the same pipeline Chronik loads), the
full coder without storage, the full coder with DuckDB storage (in-process ingest), a pool of 1 and
of 2 worker processes, and Dask (LocalCluster, 2 workers); then the ratios and peak RSS per worker.
Pipelines are loaded (warmed) and engines started before the first timing: load time is reported,
not counted. The runs are interleaved: each of `--repeat` rounds runs every measurement once, so a
change of machine load hits all of them alike; the table gives each run's median and every round,
and the ratios are given as the ratio of the medians and per round.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import warnings
from contextlib import ExitStack
from itertools import islice
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from chronik.ingest import ingest  # noqa: E402
from chronik.io.readers import read_path  # noqa: E402
from chronik.nlp import has_trained  # noqa: E402
from chronik.nlp import PROFILES, load  # noqa: E402
from chronik.pipeline import CoderOptions, code_stream, coder_for, parse_text  # noqa: E402
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


def _timed_ingest(path: Path, db: Path, *, code=None, options=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    with open_store(db) as store:
        t = time.perf_counter()
        report = ingest(read_path(path), store, code=code, options=options)
        return time.perf_counter() - t, report.stored


def _timed(fn) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """(articles, wall seconds, CPU seconds of this process) of one call of `fn`, which returns its count."""
    t, c = time.perf_counter(), time.process_time()
    n = fn()
    return n, time.perf_counter() - t, time.process_time() - c


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarize(rates: dict[str, list[float]], *, num: str, den: str) -> tuple[float, list[float]]:
    """The ratio of the medians of two runs, and the ratio within each round (the runs are interleaved)."""
    per_round = [a / b for a, b in zip(rates[num], rates[den])]
    return _median(rates[num]) / _median(rates[den]), per_round


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000, help="corpus size (written to a temporary JSONL)")
    ap.add_argument("--measure", type=int, default=400, help="articles coded per measurement")
    ap.add_argument("--words", type=int, default=400, help="words per article")
    ap.add_argument("--german-share", type=float, default=0.5, help="share of German articles (1.0: German only)")
    ap.add_argument("--skip", default="", help="comma list of runs to skip: pool1,pool2,dask")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds; each round runs every measurement once, in the same order (default 3)")
    ap.add_argument("--pipeline", default="accurate", choices=PROFILES, help="trained pipelines to run (default accurate)")
    args = ap.parse_args()
    options = CoderOptions(pipeline=args.pipeline)
    skip = set(filter(None, args.skip.split(",")))
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    warnings.simplefilter("ignore")
    tmp = Path(tempfile.mkdtemp(prefix="chronik-bench-"))
    t = time.perf_counter()
    full = corpus.write_jsonl(tmp / "corpus.jsonl", args.articles, words=args.words,
                             german_share=args.german_share)
    print(f"corpus: {args.articles} articles of ~{args.words} words in {time.perf_counter() - t:.1f}s ({full})")
    sample = _slice(full, tmp / "sample.jsonl", 0, args.measure)
    warm = _slice(full, tmp / "warm.jsonl", args.measure, 16)
    langs = sorted({json.loads(line)["lang"] for line in sample.open(encoding="utf-8")})
    print(f"pipelines ({args.pipeline}): " + ", ".join(
        f"{lang}={'trained' if has_trained(lang, args.pipeline) else 'blank+rules'}" for lang in langs))
    print(f"cores: {psutil.cpu_count()}  load average: {_load()}")

    t = time.perf_counter()
    for lang in langs:
        coder_for(lang, options)
    print(f"pipeline load (in-process, {'+'.join(langs)}): {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    for _ in code_stream(read_path(warm), options=options):  # tables the stages load lazily on their first article
        pass
    with open_store(tmp / "warm.duckdb") as store:  # the first write of a process imports pandas (pyarrow)
        ingest(read_path(warm), store, options=options)
    print(f"warm-up (lazy tables of the stages, first store write): {time.perf_counter() - t:.1f}s")
    articles = list(read_path(sample))
    words = sum(len(a.text.split()) for a in articles)
    by_lang = {lang: [parse_text(a) for a in articles if a.lang == lang] for lang in langs}

    # The bare run gets pipeline objects of its own: run on the coder's, it would leave every word of the corpus
    # in the vocabulary the coder uses, and spare the coder the lexemes its per-batch memory zones rebuild.
    bare_nlp = {lang: load.__wrapped__(lang, args.pipeline) for lang in langs}
    for lang, nlp in bare_nlp.items():
        for _ in nlp.pipe(by_lang[lang][:4]):
            pass

    def bare() -> int:
        for lang, texts in by_lang.items():
            for _ in bare_nlp[lang].pipe(texts, batch_size=16):
                pass
        return len(articles)

    def code() -> int:
        # Fresh Article objects each round: the coder writes to them (lang).
        return sum(1 for _ in code_stream(read_path(sample), options=options))

    me = psutil.Process()
    runs: list[tuple[str, object, callable]] = [  # type: ignore[valid-type]
        ("bare spaCy nlp.pipe", bare, None),
        ("Chronik code (no store)", code, None),
        ("Chronik code + store, 1 process", None, lambda: [me.pid]),
    ]
    engines = ExitStack()
    from chronik.scale.local import pool_coder

    for workers in (1, 2):
        if f"pool{workers}" in skip:
            continue
        pool = engines.enter_context(pool_coder(options=options, workers=workers, langs=tuple(langs)))
        t = time.perf_counter()
        list(pool(list(read_path(warm))))
        print(f"pool of {workers}: start + load + warm-up {time.perf_counter() - t:.1f}s")
        runs.append((f"pool, {workers} worker(s) (+ store in parent)", pool, pool.pids))
    if "dask" not in skip:
        from chronik.scale.dask_engine import dask_coder

        before = {p.pid for p in me.children(recursive=True)}  # the pools' workers are not Dask's
        dc = engines.enter_context(dask_coder(options=options, workers=2, langs=tuple(langs)))
        t = time.perf_counter()
        list(dc(list(read_path(warm))))
        dask_pids = [p.pid for p in me.children(recursive=True) if p.pid not in before]
        print(f"dask: start + load + warm-up {time.perf_counter() - t:.1f}s")
        runs.append(("Dask LocalCluster, 2 workers", dc, lambda: dask_pids))

    rates: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    # Articles per CPU-second of this process, for the in-process runs: other jobs on the machine
    # take wall time from a run but add little to its CPU time, so these ratios scatter less.
    cpu_rates: dict[str, list[float]] = {name: [] for name, fn, _ in runs[:3]}
    # CPU of this (the writing) process per article in the engine runs: what the writer takes from the cores
    writer_ms: dict[str, list[float]] = {name: [] for name, _, _ in runs[3:]}
    peaks: dict[str, dict[int, int]] = {name: {} for name, _, _ in runs}
    with engines:
        for r in range(args.repeat):
            line = []
            for k, (name, fn, watch) in enumerate(runs):
                if watch is None:
                    n, secs, cpu = _timed(fn)
                else:  # ingest into a fresh store: in-process (engine None) or through an engine
                    with PeakRSS(watch) as rss:
                        c = time.process_time()
                        secs, n = _timed_ingest(sample, tmp / f"r{r}-{k}.duckdb", code=fn, options=options)
                        cpu = time.process_time() - c
                    for pid, v in rss.peak.items():
                        peaks[name][pid] = max(peaks[name].get(pid, 0), v)
                rates[name].append(n / secs)
                if name in cpu_rates:
                    cpu_rates[name].append(n / cpu)
                if name in writer_ms:
                    writer_ms[name].append(1000 * cpu / max(n, 1))
                line.append(f"{n / secs:.2f}")
            print(f"round {r + 1}/{args.repeat} (load average {_load()}): " + ", ".join(line))

    print(f"\nmeasured on {args.measure} articles, {words / max(args.measure, 1):.0f} words each on average; "
          f"{args.repeat} interleaved round(s), median per run")
    print(f"{'run':46} {'articles/s':>10} {'words/s':>9}  {'all rounds':24} peak RSS MB per process")
    for name, _, _ in runs:
        med = _median(rates[name])
        every = ", ".join(f"{x:.2f}" for x in rates[name])
        mb = ", ".join(f"{v / 2**20:.0f}" for v in peaks[name].values()) or "-"
        print(f"{name:46} {med:10.2f} {med * words / args.measure:9.0f}  {every:24} {mb}")
    ratio, per_round = summarize(rates, num="Chronik code + store, 1 process", den="bare spaCy nlp.pipe")
    print(f"\nfull pipeline with storage / bare nlp.pipe: {ratio:.0%} (ratio of medians; target >= 75%)"
          f"  per round: {', '.join(f'{x:.0%}' for x in per_round)}")
    ratio, per_round = summarize(rates, num="Chronik code (no store)", den="bare spaCy nlp.pipe")
    print(f"code without store / bare nlp.pipe: {ratio:.0%}  per round: {', '.join(f'{x:.0%}' for x in per_round)}")
    print(f"\nper CPU-second of this process (in-process runs; {'; '.join(f'{name}: ' + ', '.join(f'{x:.2f}' for x in xs) for name, xs in cpu_rates.items())})")
    ratio, per_round = summarize(cpu_rates, num="Chronik code + store, 1 process", den="bare spaCy nlp.pipe")
    print(f"full pipeline with storage / bare nlp.pipe, CPU time: {ratio:.0%}"
          f"  per round: {', '.join(f'{x:.0%}' for x in per_round)}")
    if writer_ms:
        print("CPU of the writing process per article (engine runs; reading, hashing, collecting, storing): " + "; ".join(
            f"{name}: {_median(xs):.1f} ms" for name, xs in writer_ms.items()))
    p1, p2 = "pool, 1 worker(s) (+ store in parent)", "pool, 2 worker(s) (+ store in parent)"
    if p1 in rates and p2 in rates:
        ratio, per_round = summarize(rates, num=p2, den=p1)
        print(f"2 workers / 1 worker: {ratio:.2f}x (per round {', '.join(f'{x:.2f}' for x in per_round)});  "
              f"2 workers: {_median(rates[p2]):.1f} articles/s  (target >= 25)")
    if p2 in rates and "Dask LocalCluster, 2 workers" in rates:
        ratio, _ = summarize(rates, num="Dask LocalCluster, 2 workers", den=p2)
        print(f"Dask / local pool (2 workers): {ratio:.2f}x")
    print(f"load average at the end: {_load()}")


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in psutil.getloadavg())


if __name__ == "__main__":
    main()
