"""Load test of `chronik serve` on 127.0.0.1 over a SYNTHETIC store of >= 1 million events.

The store is built directly with DuckDB SQL in the store's schema (migrations applied by
`open_store`): the rows are random but shaped like coded events (PLOVER types, ISO3 codes,
dates over 2015-2024, places with coordinates). They are not coded text; they exist to load
the query paths. Then `chronik serve` (its library function) runs in its own process and each
endpoint is loaded for a fixed time with `wrk` (Debian package) or, without it, a bounded
Python client. Reports requests/s, p50/p99 latency, errors and the server's RSS before/after.

    python bench/load_api.py --events 1000000 --seconds 10 --connections 8
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from chronik.store import open_store

TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
         "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]
CODES = ["DEU", "FRA", "RUS", "UKR", "USA", "GBR", "CHN", "POL", "ITA", "ESP", "TUR", "IRN", "ISR", "PSE", "UN", "EU",
         "NATO", "SYR", "AFG", "IND"]
PLACES = [("Berlin", "DEU", 52.52, 13.40), ("Paris", "FRA", 48.86, 2.35), ("Moskau", "RUS", 55.75, 37.62),
          ("Kiew", "UKR", 50.45, 30.52), ("Washington", "USA", 38.90, -77.04), ("London", "GBR", 51.51, -0.13),
          ("Warschau", "POL", 52.23, 21.01), ("Ankara", "TUR", 39.93, 32.86), ("Teheran", "IRN", 35.69, 51.39),
          ("Gaza", "PSE", 31.50, 34.47)]
SECTORS = ["GOV", "MIL", "COP", "OPP", "CVL", "IGO", "BUS", "MED"]

ENDPOINTS = {
    "events (page 1)": "/events?limit=100",
    "events (filtered)": "/events?type=ACCUSE&actor=DEU&since=2020-01-01&until=2021-12-31&limit=100",
    "events (deep page)": "/events?limit=100&offset=500000",
    "events (text search)": "/events?text=Berlin&limit=50",
    "aggregates/timeline": "/aggregates/timeline?interval=month",
    "aggregates/types": "/aggregates/types",
    "aggregates/dyads": "/aggregates/dyads?limit=200",
    "aggregates/places": "/aggregates/places",
    "actors/top": "/actors/top",
    "summary": "/summary",
}


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def build_store(path: Path, *, events: int, per_article: int = 8) -> float:
    """Fill a fresh store with `events` synthetic events (and their articles and actors); return seconds."""
    started = time.perf_counter()
    articles = max(events // per_article, 1)
    types, codes, sectors = _sql_list(TYPES), _sql_list(CODES), _sql_list(SECTORS)
    places = "[" + ", ".join(f"{{'p': '{p}', 'c': '{c}', 'lat': {la}, 'lon': {lo}}}" for p, c, la, lo in PLACES) + "]"
    with open_store(path) as store:
        con = store.con
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""
            INSERT INTO articles (content_hash, id, lang, date, date_precision, title, source, text, n_events,
                                  n_statements, coder_version)
            SELECT md5('a' || i), 'syn-' || i, CASE WHEN i % 3 = 0 THEN 'en' ELSE 'de' END,
                   strftime(DATE '2015-01-01' + CAST(i % 3650 AS INTEGER), '%Y-%m-%d'), 'day',
                   'Synthetic article ' || i, 'synthetic', 'Synthetic text ' || i || ' for load testing.',
                   {per_article}, 0, 'synthetic'
            FROM range({articles}) t(i)""")
        con.execute(f"""
            INSERT INTO events
            SELECT 'syn-' || a || '-e' || k AS event_id, md5('a' || a), 'syn-' || a,
                   {types}[1 + CAST(floor(random() * 16) AS INTEGER)], NULL, [], NULL,
                   CASE WHEN random() < 0.05 THEN ['negation'] ELSE [] END,
                   strftime(DATE '2015-01-01' + CAST(a % 3650 AS INTEGER), '%Y-%m-%d'), 'day', NULL,
                   pl.p, pl.c, pl.lat, pl.lon, k, 'Synthetic sentence ' || a || ' in ' || pl.p || '.', 'kritisierte',
                   0, 11, 'synthetic', random(), random() * 20 - 10, NULL,
                   [{codes}[1 + CAST(floor(random() * 20) AS INTEGER)]],
                   [{codes}[1 + CAST(floor(random() * 20) AS INTEGER)]], '{{}}'
            FROM (SELECT a, k, {places}[1 + CAST(floor(random() * {len(PLACES)}) AS INTEGER)] AS pl
                  FROM range({articles}) r(a), range({per_article}) s(k)) x""")
        con.execute(f"""
            INSERT INTO event_actors
            SELECT event_id, 'actor', 0, actor_codes[1], actor_codes[1],
                   {sectors}[1 + CAST(floor(random() * 8) AS INTEGER)], NULL FROM events""")
        con.execute("CHECKPOINT")
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


_WRK_LAT = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def run_wrk(url: str, *, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    lat = {p: float(v) * scale[u] for p, v, u in _WRK_LAT.findall(out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = non2xx + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": rps, "p50_ms": lat.get("50", float("nan")), "p99_ms": lat.get("99", float("nan")),
            "requests": total, "errors": errors}


def run_python(url: str, *, seconds: int, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = (time.perf_counter() - t0) * 1e3
                with lock:
                    latencies.append(dt)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {"rps": len(latencies) / (time.monotonic() - started), "p50_ms": q[49], "p99_ms": q[98],
            "requests": len(latencies), "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=10, help="load time per endpoint")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--db", type=Path, help="reuse (or keep) the synthetic store here")
    args = ap.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chronik-load-"))
    db = args.db or workdir / "synthetic.duckdb"
    if not db.exists():
        took = build_store(db, events=args.events)
        print(f"built synthetic store {db}: {args.events:,} events in {took:.1f} s "
              f"({db.stat().st_size / 2**20:.0f} MiB)")
    use_wrk = args.client == "wrk" or args.client == "auto" and shutil.which("wrk")
    port = _free_port()
    code = f"import sys; from pathlib import Path; from chronik.api.cli_serve import serve; serve(Path(sys.argv[1]), port={port})"
    server = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                summary = httpx.get(base + "/summary", timeout=60).json()
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("chronik serve did not start")
                time.sleep(0.3)
        print(f"serving {summary['events']:,} events from {summary.get('source')}; client "
              f"{'wrk' if use_wrk else 'python'}, {args.connections} connections, {args.seconds} s per endpoint")
        rss_before = _rss_mb(server.pid)
        print(f"{'endpoint':24} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} {'errors':>7} {'RSS MiB':>8}")
        for name, path in ENDPOINTS.items():
            httpx.get(base + path, timeout=120)  # warm the path once
            run = run_wrk if use_wrk else run_python
            r = run(base + path, seconds=args.seconds, connections=args.connections)
            if not r["requests"]:  # nothing finished inside the window: time one request on its own
                t0 = time.perf_counter()
                ok = httpx.get(base + path, timeout=300).status_code == 200
                single = (time.perf_counter() - t0) * 1e3
                print(f"{name:24} {'<1/window':>8} {'':>9} {'':>9} {0:9d} {int(not ok):7d} {_rss_mb(server.pid):8.0f}"
                      f"  (one request alone: {single:.0f} ms)", flush=True)
                continue
            print(f"{name:24} {r['rps']:8.1f} {r['p50_ms']:9.1f} {r['p99_ms']:9.1f} {r['requests']:9d} "
                  f"{r['errors']:7d} {_rss_mb(server.pid):8.0f}", flush=True)
        rss_after = _rss_mb(server.pid)
        print(f"server RSS before load {rss_before:.0f} MiB, after {rss_after:.0f} MiB "
              f"(ratio {rss_after / rss_before:.2f})")
    finally:
        server.terminate()
        server.wait(15)
        if not args.db:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
