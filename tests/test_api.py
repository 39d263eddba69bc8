"""The HTTP API on a real uvicorn server on loopback, over a store ingested from examples/articles."""
from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from chronik.api import create_app  # noqa: E402
from chronik.io.writers import FLAT_FIELDS  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
KEY = "test-key-0123456789"

pytestmark = pytest.mark.issue(9)


def build_example_store(path: Path) -> Path:
    """Ingest the example corpus with the real coder into a fresh DuckDB file."""
    from chronik.ingest import ingest
    from chronik.io.readers import read_path
    from chronik.store import open_store

    with open_store(path) as store:
        report = ingest(read_path(EXAMPLES), store)
    assert report.stored > 0 and report.events > 0
    return path


class Server:
    """A uvicorn server in a thread on a free loopback port."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.app = app
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        self.client = httpx.Client(base_url=self.url, timeout=60)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example_store(tmp_path_factory.mktemp("api") / "examples.duckdb")


@pytest.fixture(scope="module")
def api(store_path: Path) -> Iterator[httpx.Client]:
    """A read server (no API key) over the example store."""
    with Server(create_app(store_path)) as client:
        yield client


@pytest.fixture(scope="module")
def all_events(api: httpx.Client) -> list[dict]:
    r = api.get("/events", params={"limit": 10000})
    assert r.status_code == 200
    return r.json()["events"]


def test_openapi_lists_every_endpoint_and_docs_work_offline(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    for path in ("/events", "/events/{event_id}", "/aggregates/timeline", "/aggregates/dyads", "/aggregates/types",
                 "/aggregates/places", "/statements", "/articles", "/articles/{article_id}", "/actors/top",
                 "/actors/{actor_code}/timeline", "/code", "/summary"):
        assert path in spec["paths"], path
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn." not in docs.text
    assert api.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_events_pagination_covers_every_event_once(api: httpx.Client, all_events: list[dict]) -> None:
    total = api.get("/summary").json()["events"]
    assert len(all_events) == total > 20
    seen = []
    for offset in range(0, total, 20):
        page = api.get("/events", params={"limit": 20, "offset": offset}).json()
        assert page["total"] == total and page["limit"] == 20 and page["offset"] == offset
        seen += [e["id"] for e in page["events"]]
    assert seen == [e["id"] for e in all_events]
    assert api.get("/events", params={"offset": total}).json()["events"] == []


def _pick(all_events: list[dict], key: str) -> str:
    """A value of `key` present in some but not all events, so a filter on it must narrow the list."""
    values = [v for e in all_events for v in (e[key] if isinstance(e[key], list) else [e[key]]) if v]
    return max(set(values), key=values.count)


@pytest.mark.parametrize(
    ("param", "column", "check"),
    [
        ("type", "type", lambda v, e: e["type"] == v),
        ("actor", "actor_codes", lambda v, e: v in e["actor_codes"]),
        ("recipient", "recipient_codes", lambda v, e: v in e["recipient_codes"]),
        ("code", "actor_codes", lambda v, e: v in e["actor_codes"] + e["recipient_codes"]),
        ("country", "country", lambda v, e: e["country"] == v),
        ("aux", "aux", lambda v, e: v in e["aux"]),
        ("context", "context", lambda v, e: v in e["context"]),
        ("mode", "mode", lambda v, e: e["mode"] == v),
        ("place", "place", lambda v, e: v.lower() in (e["place"] or "").lower()),
    ],
)
def test_event_filters_narrow_to_matching_events(api: httpx.Client, all_events: list[dict], param: str, column: str,
                                                 check) -> None:  # type: ignore[no-untyped-def]
    value = _pick(all_events, column)
    body = api.get("/events", params={param: value, "limit": 10000}).json()
    expected = [e["id"] for e in all_events if check(value, e)]
    assert 0 < body["total"] < len(all_events)
    assert [e["id"] for e in body["events"]] == expected


def test_date_range_text_and_sector_filters(api: httpx.Client, all_events: list[dict]) -> None:
    dated = [e for e in all_events if e["event_date"]]
    assert dated
    body = api.get("/events", params={"since": "2016-01-01", "until": "2016-12-31", "limit": 1000}).json()
    assert body["total"] == sum(1 for e in dated if e["event_date"].startswith("2016")) > 0
    word = all_events[0]["trigger"]
    body = api.get("/events", params={"text": word, "limit": 1000}).json()
    assert body["total"] >= 1 and all(word.lower() in e["sentence"].lower() for e in body["events"])
    body = api.get("/events", params={"sector": "GOV", "limit": 1000}).json()
    assert 0 < body["total"] < len(all_events)
    for e in body["events"][:5]:
        record = api.get(f"/events/{e['id']}").json()
        assert "GOV" in [x["sector"] for x in record["actor"] + record["recipient"]]


def test_sort_orders(api: httpx.Client) -> None:
    scores = [e["score"] for e in api.get("/events", params={"sort": "-score", "limit": 1000}).json()["events"]]
    assert scores == sorted(scores, reverse=True)
    dates = [e["event_date"] for e in api.get("/events", params={"sort": "-date", "limit": 1000}).json()["events"]
             if e["event_date"]]
    assert dates == sorted(dates, reverse=True)


def test_csv_and_geojson(api: httpx.Client, all_events: list[dict]) -> None:
    r = api.get("/events", params={"format": "csv", "limit": 7})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == list(FLAT_FIELDS)
    assert [row["id"] for row in rows] == [e["id"] for e in all_events[:7]]
    r = api.get("/events", params={"format": "geojson", "limit": 10000})
    assert r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    located = {e["id"]: e for e in all_events if e["lat"] is not None}
    assert len(features) == len(located) > 0
    for f in features:
        e = located[f["properties"]["id"]]
        assert f["geometry"] == {"type": "Point", "coordinates": [e["lon"], e["lat"]]}
    dyads = api.get("/aggregates/dyads", params={"format": "csv"}).text.splitlines()
    assert dyads[0] == "actor,recipient,count,mean_score" and len(dyads) > 1


def test_get_event_and_404(api: httpx.Client, all_events: list[dict]) -> None:
    e = all_events[3]
    record = api.get(f"/events/{e['id']}").json()
    assert record["id"] == e["id"] and record["type"] == e["type"]
    assert record["evidence"]["trigger"] == e["trigger"]
    r = api.get("/events/no-such-event")
    assert r.status_code == 404 and r.json()["code"] == "E084"
    assert api.get("/articles/no-such-article").status_code == 404
    assert api.get("/actors/ZZZ/timeline").status_code == 404


@pytest.mark.parametrize("interval", ["day", "week", "month", "year"])
def test_timeline_counts_add_up(api: httpx.Client, all_events: list[dict], interval: str) -> None:
    t = api.get("/aggregates/timeline", params={"interval": interval}).json()
    assert sum(s["count"] for s in t["series"]) + t["undated"] == len(all_events)
    assert sum(s["count"] for s in t["totals"]) == sum(s["count"] for s in t["series"])
    assert all(-10 <= s["mean_score"] <= 10 for s in t["totals"])
    assert all(s["conflict"] + s["cooperation"] <= s["count"] for s in t["totals"])
    if interval == "month":
        assert all(p["period"].endswith("-01") for p in t["series"])


def test_dyads_types_places_actors(api: httpx.Client, all_events: list[dict]) -> None:
    d = api.get("/aggregates/dyads").json()
    top = d["cells"][0]
    n = api.get("/events", params={"actor": top["actor"], "recipient": top["recipient"]}).json()["total"]
    assert top["count"] == n > 0
    assert top["actor"] in d["actors"] and top["recipient"] in d["recipients"]
    types = api.get("/aggregates/types").json()
    assert types["total"] == len(all_events)
    assert {t["type"]: t["count"] for t in types["types"]}[all_events[0]["type"]] == sum(
        1 for e in all_events if e["type"] == all_events[0]["type"])
    places = api.get("/aggregates/places").json()["places"]
    assert sum(p["count"] for p in places) == sum(1 for e in all_events if e["lat"] is not None)
    actors = api.get("/actors/top", params={"limit": 3}).json()["actors"]
    code = actors[0]["code"]
    assert actors[0]["count"] == sum(1 for e in all_events if code in e["actor_codes"] + e["recipient_codes"])
    tl = api.get(f"/actors/{code.lower()}/timeline", params={"interval": "year"}).json()
    assert tl["code"] == code and tl["total"] == actors[0]["count"]
    assert sum(s["count"] for s in tl["series"]) + tl["undated"] == tl["total"]


def test_statements_and_articles(api: httpx.Client) -> None:
    body = api.get("/statements", params={"limit": 1000}).json()
    assert body["total"] > 0
    st = next(s for s in body["statements"] if s["speaker_code"])
    by_speaker = api.get("/statements", params={"speaker": st["speaker_code"], "limit": 1000}).json()
    assert st["id"] in [s["id"] for s in by_speaker["statements"]]
    word = st["content"].split()[0]
    by_text = api.get("/statements", params={"text": word}).json()["statements"]
    assert all(word.lower() in s["content"].lower() for s in by_text) and by_text
    articles = api.get("/articles", params={"limit": 1000}).json()
    assert articles["total"] == api.get("/summary").json()["articles"]
    assert "text" not in articles["articles"][0]
    assert api.get("/articles", params={"lang": "de"}).json()["total"] < articles["total"]


def test_article_has_text_events_statements_and_highlight_spans(api: httpx.Client) -> None:
    st = api.get("/statements", params={"limit": 1}).json()["statements"][0]
    by_id = api.get(f"/articles/{st['article_id']}").json()
    by_hash = api.get(f"/articles/{st['content_hash']}").json()
    assert by_id == by_hash
    text = by_id["article"]["text"]
    assert by_id["events"] and by_id["statements"]
    spans = by_id["highlights"]
    for h in spans:
        assert text[h["start"]:h["end"]] == h["text"]
    for e in by_id["events"]:
        trig = [h for h in spans if h["ref"] == e["id"] and h["kind"] == "trigger"]
        assert [(h["start"], h["end"]) for h in trig] == [(e["evidence"]["start"], e["evidence"]["end"])]
    for s in by_id["statements"]:
        quote = [h for h in spans if h["ref"] == s["id"] and h["kind"] == "quote"]
        assert [(h["start"], h["end"]) for h in quote] == [(s["content_start"], s["content_end"])]
    assert {"trigger", "actor", "quote", "speaker"} <= {h["kind"] for h in spans}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/events", {"limit": 0}),
        ("/events", {"limit": 100001}),
        ("/events", {"offset": -1}),
        ("/events", {"since": "yesterday"}),
        ("/events", {"since": "2020-01-01", "until": "2019-01-01"}),
        ("/events", {"type": "BOMBARD"}),
        ("/events", {"sector": "XYZ"}),
        ("/events", {"aux": "maybe"}),
        ("/events", {"country": "DEUT"}),
        ("/events", {"actor": "USA' OR '1'='1"}),
        ("/events", {"sort": "event_date; DROP TABLE events"}),
        ("/events", {"format": "xml"}),
        ("/events", {"min_confidence": 2}),
        ("/aggregates/timeline", {"interval": "fortnight"}),
        ("/aggregates/dyads", {"min_count": 0}),
        ("/actors/top", {"role": "villain"}),
        ("/statements", {"kind": "shouted"}),
        ("/articles", {"lang": "fr"}),
        ("/articles", {"offset": 10**30}),  # beyond DuckDB's 64-bit OFFSET (was a 500)
        ("/events", {"offset": 2**63}),
        ("/actors/USA'--/timeline", {}),
    ],
)
def test_bad_parameters_get_422(api: httpx.Client, path: str, params: dict) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["/static/../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/vendor/%2e%2e%2f%2e%2e%2f..%2fapi/app.py",
     "/static/..%2f..%2fapi%2fapp.py", "/articles/..%2F..%2F..%2Fpyproject.toml", "/articles/%2e%2e%2fetc%2fpasswd",
     "/events/..%2F..%2Fetc%2Fpasswd", "/static//etc/passwd"],
)
def test_path_traversal_finds_nothing(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert "root:" not in r.text and "[project]" not in r.text and "create_app" not in r.text


@pytest.mark.parametrize(
    "params",
    [{"text": "'; DROP TABLE events; --"}, {"place": "x' OR '1'='1"}, {"text": "%"}, {"text": "_"},
     {"article": "' OR 1=1 --"}, {"mode": "x-or-one"}],
)
def test_sql_injection_strings_are_inert(api: httpx.Client, all_events: list[dict], params: dict) -> None:
    body = api.get("/events", params=params).json()
    assert body["total"] == 0
    s = api.get("/statements", params={"speaker": next(iter(params.values()))}).json()
    assert s["total"] == 0
    assert api.get("/summary").json()["events"] == len(all_events)


PASTED = ("Berlin, 3 March 2023 - German Chancellor Olaf Scholz met French President Emmanuel Macron in Paris "
          "on Thursday. \"We will stand together,\" Scholz said. The two leaders signed an agreement on energy.")


def test_code_returns_results_without_storing(api: httpx.Client) -> None:
    before = api.get("/summary").json()
    r = api.post("/code", json={"text": PASTED, "lang": "en", "date": "2023-03-03", "id": "pasted-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stored"] is False and body["events"]
    assert body["article"]["id"] == "pasted-1"
    for h in body["highlights"]:
        assert PASTED[h["start"]:h["end"]] == h["text"]
    assert api.get("/summary").json() == before
    assert api.get("/articles/pasted-1").status_code == 404


def test_code_store_is_off_without_a_configured_key(api: httpx.Client) -> None:
    r = api.post("/code", params={"store": "true"}, json={"text": PASTED})
    assert r.status_code == 403 and r.json()["code"] == "E082"
    r = api.post("/code", json={"text": PASTED}, headers={"X-API-Key": "guess"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 422), ({"text": ""}, 422), ({"text": PASTED, "lang": "fr"}, 422), ({"text": PASTED, "date": "soon"}, 422),
     ({"text": PASTED, "extra": 1}, 422), ({"text": PASTED, "id": "../../etc/passwd"}, 422),
     ({"text": "x" * 120_000}, 413)],
)
def test_code_validates_its_body(api: httpx.Client, body: dict, status: int) -> None:
    r = api.post("/code", json=body)
    assert r.status_code == status, r.text


def test_code_body_limit_without_content_length(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(30):
            yield b"y" * 5000
        yield b'"}'

    r = api.post("/code", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "E081"


def test_code_stores_only_with_the_right_key(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "write.duckdb"
    shutil.copyfile(store_path, db)
    with Server(create_app(db, api_key=KEY)) as client:
        before = client.get("/summary").json()
        assert before["writes_enabled"] is True
        assert client.post("/code?store=true", json={"text": PASTED, "id": "p2"}).status_code == 401
        assert client.post("/code?store=true", json={"text": PASTED, "id": "p2"},
                           headers={"X-API-Key": KEY + "x"}).status_code == 401
        r = client.post("/code?store=true", json={"text": PASTED, "id": "p2", "lang": "en"},
                        headers={"X-API-Key": KEY})
        assert r.status_code == 200 and r.json()["stored"] is True
        stored = client.get("/articles/p2").json()
        assert len(stored["events"]) == len(r.json()["events"]) > 0
        assert client.get("/summary").json()["events"] == before["events"] + len(stored["events"])


WRITER = """
import sys, time, duckdb
for attempt in range(100):
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        time.sleep(0.1)
con.execute("INSERT INTO problems (source, code, message) VALUES ('test', 'W000', 'writer holds the lock')")
print("locked", flush=True)
sys.stdin.read()
con.close()
"""


def _hold_write_lock(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_reads_while_a_writer_holds_the_store(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    shutil.copyfile(store_path, db)
    app = create_app(db, snapshot_dir=tmp_path / "snap")
    with Server(app) as client:
        live = client.get("/events", params={"limit": 5})
        assert live.headers["X-Chronik-Source"] == "live"
        assert app.state.access.refresh_snapshot() is not None
        writer = _hold_write_lock(db)
        try:
            started = time.monotonic()
            r = client.get("/events", params={"limit": 5})
            assert time.monotonic() - started < 5
            assert r.status_code == 200
            assert r.headers["X-Chronik-Source"] == "snapshot"
            assert r.json() == live.json()
            assert client.get("/summary").json()["source"] == "snapshot"
        finally:
            writer.communicate("", timeout=20)
        assert client.get("/summary").json()["source"] == "live"


def test_503_with_retry_after_when_locked_and_no_snapshot(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "busy2.duckdb"
    shutil.copyfile(store_path, db)
    with Server(create_app(db, snapshot=False, retry_after=7)) as client:
        assert client.get("/summary").status_code == 200
        writer = _hold_write_lock(db)
        try:
            r = client.get("/events")
            assert r.status_code == 503
            assert r.headers["Retry-After"] == "7"
            assert r.json()["code"] == "E080" and "ingest" in r.json()["detail"]
        finally:
            writer.communicate("", timeout=20)
        assert client.get("/events").status_code == 200


@pytest.mark.issue(10)
def test_rate_limit_answers_429_with_retry_after(store_path: Path) -> None:
    """A client over its token bucket gets 429 E087 with Retry-After; another client is unaffected."""
    with Server(create_app(store_path, rate_limit=2.0, burst=5)) as client:
        codes = [client.get("/summary").status_code for _ in range(12)]
        assert codes[:5] == [200] * 5
        assert 429 in codes
        refused = client.get("/summary")
        assert refused.status_code == 429
        assert refused.json()["code"] == "E087" and int(refused.headers["retry-after"]) >= 1
        # POST costs five tokens: one coding request empties a fresh bucket of five.
        time.sleep(3)
        assert client.post("/code", json={"text": PASTED, "lang": "en"}).status_code == 200
        assert client.post("/code", json={"text": PASTED, "lang": "en"}).status_code == 429
