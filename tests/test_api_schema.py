"""The API as served by `chronik serve` on loopback: schemathesis against its OpenAPI spec, and abuse cases."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

pytestmark = pytest.mark.issue(10)

ROOT = Path(__file__).resolve().parent.parent
KEY = "schema-test-key-0123"
ARTICLES = [
    ("berlin", "de", "2022-02-14", "Die Bundesregierung kritisierte am Montag Russland scharf. Kanzler Scholz traf Präsident Macron in Berlin."),
    ("kyiv", "en", "2022-03-01", "Russian troops attacked Kyiv on Tuesday. The United Nations condemned the assault."),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _store(path: Path) -> Path:
    from chronik.io.readers import make_article
    from chronik.pipeline import code_article
    from chronik.store import open_store

    coded = [code_article(make_article(text, id=i, lang=lang, date=d)) for i, lang, d, text in ARTICLES]
    with open_store(path) as store:
        assert store.write(coded) == len(ARTICLES)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`chronik serve` (its library function, as the CLI calls it) in its own process, with an API key."""
    db = _store(tmp_path_factory.mktemp("schema") / "store.duckdb")
    port = _free_port()
    code = ("import sys; from pathlib import Path; from chronik.api.cli_serve import serve; "
            f"serve(Path(sys.argv[1]), port={port}, api_key={KEY!r})")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/summary", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("chronik serve did not start: " + proc.stderr.read().decode()[-2000:])
        time.sleep(0.2)
    yield url, proc
    proc.terminate()
    proc.wait(10)


def test_openapi_spec_holds_under_generated_requests(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    url, _ = server
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    tried: dict[str, int] = {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            tried[operation.label] = tried.get(operation.label, 0) + 1
            response = case.call(base_url=url, timeout=60)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:  # noqa: BLE001 - collect every operation's failures, report all at once
                failures.append(f"{operation.label}: {str(exc)[:300]}")
                raise

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - a failed run is already listed; anything else is listed here
            if not any(f.startswith(operation.label + ":") for f in failures):
                failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:300]}")
    assert len(tried) >= 10, tried
    assert not failures, failures


def test_oversized_body_is_413(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = server
    big = {"text": "Merkel traf Macron. " * 10_000}
    r = httpx.post(url + "/code", json=big, timeout=30)
    assert r.status_code == 413 and r.json()["code"] == "E081"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold on the streamed body too
        yield b'{"text": "'
        for _ in range(200):
            yield b"x" * 1000
        yield b'"}'

    r = httpx.post(url + "/code", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413


def test_writes_need_the_key(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = server
    body = {"text": "Die Regierung lobte Frankreich am Montag.", "lang": "de"}
    assert httpx.post(url + "/code?store=true", json=body, timeout=60).json()["code"] == "E083"
    r = httpx.post(url + "/code?store=true", json=body, headers={"X-API-Key": "wrong-key-123"}, timeout=60)
    assert r.status_code == 401 and r.json()["code"] == "E083"
    before = httpx.get(url + "/summary").json()["articles"]
    r = httpx.post(url + "/code?store=true", json=body, headers={"X-API-Key": KEY}, timeout=60)
    assert r.status_code == 200 and r.json()["stored"] is True
    assert httpx.get(url + "/summary").json()["articles"] == before + 1


@pytest.mark.parametrize("path", [
    "/static/../../chronik/errors.py", "/static/%2e%2e/%2e%2e/chronik/errors.py", "/static/..%2f..%2fchronik%2ferrors.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/articles/..%2F..%2Fetc%2Fpasswd", "/events/..%2f..%2fetc%2fpasswd",
    "/actors/..%2f..%2fetc/timeline",
])
def test_no_path_traversal(server: tuple[str, subprocess.Popen[bytes]], path: str) -> None:
    url, _ = server
    with httpx.Client(base_url=url) as client:
        r = client.send(client.build_request("GET", path))  # sent as written, not normalised by the client
    assert r.status_code in (400, 404, 422), (path, r.status_code)
    assert "root:" not in r.text and "CATALOGUE" not in r.text


@pytest.mark.parametrize("params", [
    {"text": "'; DROP TABLE events; --"}, {"place": "x' OR '1'='1"}, {"article": "1 OR 1=1"},
    {"text": "%"}, {"text": "_"}, {"text": "\\"},
])
def test_parameters_are_never_sql(server: tuple[str, subprocess.Popen[bytes]], params: dict[str, str]) -> None:
    url, _ = server
    total = httpx.get(url + "/events").json()["total"]
    assert total > 0
    r = httpx.get(url + "/events", params=params)
    assert r.status_code == 200 and r.json()["total"] == 0
    assert httpx.get(url + "/events").json()["total"] == total


@pytest.mark.parametrize("params", [{"actor": "DEU' OR 1=1 --"}, {"sort": "event_date; DROP TABLE events"},
                                    {"limit": "100000000"}, {"since": "2022-01-01' --"}])
def test_malformed_parameters_are_422(server: tuple[str, subprocess.Popen[bytes]], params: dict[str, str]) -> None:
    url, _ = server
    assert httpx.get(url + "/events", params=params).status_code == 422


def test_serves_on_loopback_only(server: tuple[str, subprocess.Popen[bytes]]) -> None:
    psutil = pytest.importorskip("psutil")
    _, proc = server
    listening = [c.laddr for c in psutil.Process(proc.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
