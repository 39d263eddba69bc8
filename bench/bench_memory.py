"""Is memory flat? RSS of the ingesting process and of each worker while a generated corpus streams through.

    python bench/bench_memory.py                    # 300 articles, in-process
    python bench/bench_memory.py --articles 5000 --workers 2

Articles are generated one at a time and fed to `ingest` (nothing holds the corpus). RSS is sampled
every --every articles; the slope over the second half of the run (after pipelines and caches have
warmed) is extrapolated to 100,000 articles. A short run's slope is an estimate: say so when quoting it.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from chronik.ingest import ingest  # noqa: E402
from chronik.io.readers import make_article  # noqa: E402
from chronik.nlp import PROFILES  # noqa: E402
from chronik.pipeline import CoderOptions  # noqa: E402
from chronik.scale.local import RECYCLE_AFTER  # noqa: E402
from chronik.store import open_store  # noqa: E402


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per article over `points` (articles, MB)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def _fresh(i: int, k: int) -> str:
    """A sentence of `k` made-up names that no earlier article has (article `i`)."""
    if not k:
        return ""
    letters = "bdfgklmnprstvz"
    names = []
    for j in range(i * k, (i + 1) * k):
        w = ""
        while True:
            j, r = divmod(j, len(letters))
            w += letters[r] + "aeiou"[r % 5]
            if not j:
                break
        names.append("Ka" + w)
    return " " + ", ".join(names) + "."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--every", type=int, default=0, help="sample every N articles (default: articles/20)")
    ap.add_argument("--words", type=int, default=400)
    ap.add_argument("--german-share", type=float, default=0.5)
    ap.add_argument("--pipeline", default="accurate", choices=PROFILES, help="trained pipelines to run (default accurate)")
    ap.add_argument("--fresh-words", type=int, default=0,
                    help="append this many never-seen words (made-up names) to every article, as real news keeps "
                         "bringing new names and numbers that spaCy's vocabulary keeps")
    ap.add_argument("--recycle", type=int, default=RECYCLE_AFTER,
                    help=f"with --workers > 1: replace the workers after this many articles (0 = never; default {RECYCLE_AFTER})")
    args = ap.parse_args()
    options = CoderOptions(pipeline=args.pipeline)
    warnings.simplefilter("ignore")
    every = args.every or max(args.articles // 20, 8)
    code = None
    if args.workers > 1:
        from chronik.scale.local import pool_coder

        code = pool_coder(options=options, workers=args.workers, langs=("de", "en"), recycle=args.recycle)
    me = psutil.Process()
    samples: dict[str, list[tuple[int, float]]] = {}
    done = 0
    next_at = every
    t0 = time.perf_counter()

    def sample(n: int) -> None:
        nonlocal done, next_at
        done += n
        if done < next_at:
            return
        next_at += every
        procs = {"ingest": me} | {f"worker {i}": psutil.Process(p) for i, p in enumerate(code.pids() if code else [])}
        for name, proc in procs.items():
            try:
                samples.setdefault(name, []).append((done, proc.memory_info().rss / 2**20))
            except psutil.Error:
                pass
        row = "  ".join(f"{k} {v[-1][1]:7.0f}" for k, v in samples.items())
        print(f"{done:8d} articles  {done / (time.perf_counter() - t0):6.1f}/s  RSS MB: {row}", flush=True)

    source = (make_article(r["text"] + _fresh(i, args.fresh_words), id=r["id"], lang=r["lang"], date=r["date"])
              for i, r in enumerate(corpus.records(args.articles, words=args.words, german_share=args.german_share)))
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "m.duckdb") as store:
            ingest(source, store, code=code, options=options, on_article=sample, commit_every=16)
        size = (Path(tmp) / "m.duckdb").stat().st_size / 2**20
    recycled = code.recycled if code else 0
    if code:
        code.close()
    print(f"\nstore file: {size:.0f} MB for {args.articles} articles")
    if recycled:
        print(f"workers replaced {recycled} time(s) (every {args.recycle} articles): their bound is the peak, "
              "and the slopes of the saw-tooth below say nothing")
    for name, points in samples.items():
        half = points[len(points) // 2 :]
        slope = _slope(half)
        peak = max(mb for _, mb in points)
        print(f"{name:10} first {points[0][1]:6.0f} MB  last {points[-1][1]:6.0f} MB  peak {peak:6.0f} MB  "
              f"slope {slope * 1000:+7.2f} MB/1000 articles  -> at 100,000 articles ~{points[-1][1] + slope * (100_000 - points[-1][0]):6.0f} MB")


if __name__ == "__main__":
    main()
