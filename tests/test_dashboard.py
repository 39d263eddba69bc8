"""The dashboard in a real browser (Debian's chromium via Playwright) against `chronik serve` on loopback."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
LOOPBACK = ("127.0.0.1", "localhost")

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install chromium` (CI does this in .ci/run)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install -e '.[test]'")
pytest.importorskip("fastapi")

pytestmark = pytest.mark.issue(9)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chronik.ingest import ingest
    from chronik.io.readers import read_path
    from chronik.store import open_store

    path = tmp_path_factory.mktemp("dash") / "examples.duckdb"
    with open_store(path) as store:
        assert ingest(read_path(EXAMPLES), store).events > 0
    return path


def _serve_command(db: Path, port: int) -> list[str]:
    """`chronik serve` when the CLI has it, else the same function it wraps."""
    from chronik import cli

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in cli.app.registered_commands}
    if "serve" in names:
        return [sys.executable, "-m", "chronik", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    code = "import sys; from chronik.api.cli_serve import serve; serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]))"
    return [sys.executable, "-c", code, str(db), str(port)]


@pytest.fixture(scope="module")
def base_url(store_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(_serve_command(store_path, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/summary", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"chronik serve did not start:\n{out}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def api(base_url: str, path: str) -> dict:
    with urllib.request.urlopen(base_url + path, timeout=30) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A page whose every request goes through a guard: anything not on loopback is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname
        if host in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert outside == [], f"the page requested hosts outside loopback: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"


def open_dashboard(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=30000)
    assert page.locator("#error").is_hidden(), page.locator("#error").text_content()


def test_every_view_renders_with_data(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    open_dashboard(page, base_url + "/")
    timeline = api(base_url, "/aggregates/timeline")
    places = api(base_url, "/aggregates/places")["places"]
    dyads = api(base_url, "/aggregates/dyads?limit=80")
    total = api(base_url, "/summary")["events"]
    # Timeline: one bar per (period, type) cell, and the mean-score line.
    assert page.locator("#timeline svg .mark-rect.role-mark path").count() == len(timeline["series"]) > 0
    assert page.locator("#timeline svg .mark-line.role-mark path").count() == 1
    # Map: the world-atlas countries and one circle per located place.
    assert page.locator("#map svg .mark-shape.role-mark path").count() > 100
    assert page.locator("#map svg .mark-symbol.role-mark path").count() == len(places) > 0
    # Network: cytoscape drew a node per code and an edge per dyad.
    codes = {c["actor"] for c in dyads["cells"]} | {c["recipient"] for c in dyads["cells"]}
    assert page.evaluate("window.chronik.cy.nodes().length") == len(codes) > 1
    assert page.evaluate("window.chronik.cy.edges().length") == len(dyads["cells"])
    assert page.locator("#network canvas").count() > 0
    # Table: first page of events and the total.
    assert page.locator("#events tbody tr").count() == min(25, total)
    assert page.locator("#table-note").text_content() == f"{total} events match"
    assert "events" in page.locator("#summary").text_content()


def test_a_filter_changes_the_view_and_the_url(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    open_dashboard(page, base_url + "/")
    top = api(base_url, "/actors/top?role=actor&limit=1")["actors"][0]["code"]
    expected = api(base_url, f"/events?actor={top}&limit=1")["total"]
    page.fill("input[name=actor]", top)
    page.click("button[type=submit]")
    page.wait_for_function(f"location.search.includes('actor={top}') && document.body.dataset.ready === '1'")
    assert parse_qs(urlparse(page.url).query)["actor"] == [top]
    assert page.locator("#table-note").text_content() == f"{expected} events match"
    actors = page.locator("#events tbody tr td:nth-child(3)").all_text_contents()
    assert actors and all(top in a.split(", ") for a in actors)
    bars = api(base_url, f"/aggregates/timeline?actor={top}")["series"]
    assert page.locator("#timeline svg .mark-rect.role-mark path").count() == len(bars)
    # The URL is the view: opening it fresh gives the same filter and the same table.
    shared = page.url
    open_dashboard(page, shared)
    assert page.input_value("input[name=actor]") == top
    assert page.locator("#table-note").text_content() == f"{expected} events match"
    page.go_back()
    page.wait_for_function("!location.search.includes('actor=') && document.body.dataset.ready === '1'")
    assert page.input_value("input[name=actor]") == ""


def test_article_view_highlights_evidence(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    st = api(base_url, "/statements?limit=1")["statements"][0]
    article = api(base_url, f"/articles/{st['content_hash']}")
    event = article["events"][0]
    open_dashboard(page, base_url + f"/?article={st['content_hash']}&event={event['id']}")
    panel = page.locator("#article-panel")
    assert panel.is_visible()
    text = page.locator("#article-text").text_content()
    assert text == article["article"]["text"]
    focused = page.locator("#article-text mark.focus")
    assert focused.count() >= 1
    assert "hl-trigger" in " ".join(focused.evaluate_all("ms => ms.map(m => m.className)"))
    triggers = page.locator("#article-text mark.hl-trigger").all_text_contents()
    assert event["evidence"]["trigger"].split()[0] in "".join(triggers)
    for kind in ("actor", "quote", "speaker"):
        assert page.locator(f"#article-text mark.hl-{kind}").count() > 0, kind
    quote = page.locator(f"#article-text mark[data-refs~='{st['id']}'].hl-quote").all_text_contents()
    assert "".join(quote).strip() and "".join(quote) in st["content"] or st["content"] in "".join(quote)
    assert page.locator("#article-events li").count() == len(article["events"])
    assert page.locator("#article-statements li").count() == len(article["statements"])


def test_clicking_an_event_row_opens_its_article(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    open_dashboard(page, base_url + "/")
    row = page.locator("#events tbody tr").first
    event_id = row.get_attribute("data-id")
    row.click()
    page.wait_for_function("location.search.includes('article=') && document.body.dataset.ready === '1'")
    assert parse_qs(urlparse(page.url).query)["event"] == [event_id]
    assert page.locator("#article-panel").is_visible()
    assert page.locator("#article-text mark.focus.hl-trigger").count() >= 1


def test_bad_filter_shows_the_api_error(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/?since=2020-01-01&until=2019-01-01")
    page.wait_for_function("document.body.dataset.ready === '1'")
    assert "E085" in page.locator("#error").text_content()


SHOTS = {"timeline.png": "#timeline-panel", "network.png": "#network-panel", "map.png": "#map-panel",
         "table.png": "#table-panel", "article.png": "#article-panel"}


def test_screenshots_of_each_view(page, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Shots of each view; `python bench/screenshots.py` runs this with CHRONIK_SCREENSHOTS=docs/img to keep them."""
    out = Path(os.environ.get("CHRONIK_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    st = api(base_url, "/statements?limit=1")["statements"][0]
    article = api(base_url, f"/articles/{st['content_hash']}")
    open_dashboard(page, base_url + f"/?article={st['content_hash']}&event={article['events'][0]['id']}")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out / "dashboard.png"), full_page=True)
    for name, selector in SHOTS.items():
        page.locator(selector).screenshot(path=str(out / name))
    for name in ["dashboard.png", *SHOTS]:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
