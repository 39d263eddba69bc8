"""The HTTP API and dashboard over one store file: `create_app(db_path)` returns the FastAPI app."""
from __future__ import annotations

import csv
import hmac
import io
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from chronik import __version__
from chronik.api import queries
from chronik.api.access import Reading, StoreAccess
from chronik.errors import ChronikError, InputError, error
from chronik.io.writers import FLAT_FIELDS, flat_event, geojson_feature
from chronik.model import AUX_MODES, PLOVER_TYPES, SECTORS

WEB = Path(__file__).resolve().parent.parent / "web"
MAX_BODY_BYTES = 100_000
MAX_LIMIT = 10_000
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
CODE_RE = r"^[A-Za-z][A-Za-z0-9_]{1,11}$"
WORD_RE = r"^[a-z][a-z_-]{0,39}$"
ID_MAX = 200

PloverType = Enum("PloverType", {t: t for t in PLOVER_TYPES}, type=str)  # type: ignore[misc]
Sector = Enum("Sector", {s: s for s in SECTORS}, type=str)  # type: ignore[misc]
AuxMode = Enum("AuxMode", {a: a for a in AUX_MODES}, type=str)  # type: ignore[misc]
Sort = Enum("Sort", {k.replace("-", "desc_"): k for k in queries.SORTS}, type=str)  # type: ignore[misc]


class Interval(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"


class EventFormat(str, Enum):
    json = "json"
    csv = "csv"
    geojson = "geojson"


class TableFormat(str, Enum):
    json = "json"
    csv = "csv"


# HTTP status of each catalogued error the API can meet; other input errors are 422, store errors 503.
STATUS = {"E087": 429, "E080": 503, "E031": 503, "E030": 503, "E081": 413, "E082": 403, "E083": 401, "E084": 404, "E085": 422}


class CodeRequest(BaseModel):
    """Text to code, with what is known about it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_BODY_BYTES, description="The article text.")
    lang: Literal["de", "en"] | None = Field(None, description="Language; detected when omitted.")
    date: str | None = Field(None, pattern=DATE_RE, description="Story date YYYY-MM-DD, YYYY-MM or YYYY.")
    id: str | None = Field(None, max_length=ID_MAX, pattern=r"^[\w.:-]+$", description="Article id to store it under.")
    title: str | None = Field(None, max_length=1000)


def _event_query(
    since: Annotated[str | None, Query(pattern=DATE_RE, description="Earliest event date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, Query(pattern=DATE_RE, description="Latest event date (YYYY[-MM[-DD]]).")] = None,
    actor: Annotated[str | None, Query(pattern=CODE_RE, description="Actor code, e.g. DEU or UN.")] = None,
    recipient: Annotated[str | None, Query(pattern=CODE_RE, description="Recipient code.")] = None,
    code: Annotated[str | None, Query(pattern=CODE_RE, description="Actor or recipient code.")] = None,
    sector: Annotated[Sector | None, Query(description="Sector of an actor or recipient.")] = None,
    type: Annotated[PloverType | None, Query(description="PLOVER event type.")] = None,
    mode: Annotated[str | None, Query(pattern=WORD_RE, description="PLOVER mode.")] = None,
    context: Annotated[str | None, Query(pattern=WORD_RE, description="PLOVER context.")] = None,
    aux: Annotated[AuxMode | None, Query(description="Auxiliary mode.")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 country of the location.")] = None,
    place: Annotated[str | None, Query(max_length=100, description="Words in the location name.")] = None,
    text: Annotated[str | None, Query(max_length=200, description="Words in the evidence sentence.")] = None,
    article: Annotated[str | None, Query(max_length=ID_MAX, description="Article id or content hash.")] = None,
    min_confidence: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
) -> queries.EventQuery:
    if since and until and since > until:
        raise error("E085", name="since", value=since, detail=f"it is after until={until}. Swap the two dates.")
    return queries.EventQuery(
        actor=actor, recipient=recipient, code=code, sector=sector.value if sector else None,
        type=type.value if type else None, mode=mode, context=context, aux=aux.value if aux else None,
        country=country, place=place, since=since, until=until, text=text, article=article,
        min_confidence=min_confidence,
    )


Filters = Annotated[queries.EventQuery, Depends(_event_query)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
# DuckDB takes OFFSET as a 64-bit integer: a larger one is the client's error (422), not a server error
MAX_OFFSET = 2**62
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]


def _json(reading: Reading, payload: Any, *, status: int = 200) -> Response:
    return _with_source(JSONResponse(payload, status_code=status), reading)


def _with_source(response: Response, reading: Reading) -> Response:
    response.headers["X-Chronik-Source"] = reading.source
    if reading.snapshot_taken_at:
        response.headers["X-Chronik-Snapshot-Taken"] = reading.snapshot_taken_at
    return response


def _csv(reading: Reading, rows: list[dict[str, Any]], fields: list[str] | tuple[str, ...], name: str) -> Response:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: "|".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()})
    return _with_source(Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'inline; filename="{name}.csv"'}), reading)


class _RateLimit:
    """ASGI middleware: a token bucket per client address; over the limit answers 429 (E087).

    Writes and coding (POST) cost five tokens, reads one. `rate` is tokens per second, `burst` the
    bucket size. Loopback clients are limited too, so a runaway script cannot starve the server.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], *, rate: float, burst: int) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last refill time)
        self.lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Awaitable[dict[str, Any]]],
                       send: Callable[..., Awaitable[None]]) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope["path"].startswith("/static"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        cost = 5.0 if scope["method"] == "POST" else 1.0
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= cost
            self.buckets[client] = (tokens - cost if allowed else tokens, now)
            if len(self.buckets) > 10_000:  # forget idle clients; memory stays bounded
                self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
        if allowed:
            await self.app(scope, receive, send)
            return
        wait = max(1, int((cost - tokens) / self.rate + 0.999))
        exc = error("E087", client=client, rate=self.rate, burst=self.burst, seconds=wait)
        payload = json.dumps({"detail": str(exc), "code": exc.code}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", str(wait).encode()),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


class _BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413 before the app reads them."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Awaitable[dict[str, Any]]],
                       send: Callable[..., Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(int(declared), send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(size, send)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, size: int, send: Callable[..., Awaitable[None]]) -> None:
        exc = error("E081", size=size, limit=self.limit)
        payload = json.dumps({"detail": str(exc), "code": exc.code}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


def create_app(
    db_path: str | Path, *, api_key: str | None = None, snapshot: bool = True, snapshot_dir: str | Path | None = None,
    max_body: int = MAX_BODY_BYTES, retry_after: int = 5, rate_limit: float = 0.0, burst: int = 100,
) -> FastAPI:
    """The Chronik API and dashboard over the DuckDB store at `db_path`.

    Reads open the file read-only per request (see `chronik.api.access`), so an ingest may run
    meanwhile. Writes (POST /code?store=true) exist only when `api_key` is given.
    """
    access = StoreAccess(db_path, snapshot=snapshot, snapshot_dir=snapshot_dir, retry_after=retry_after)
    coder_lock = threading.Lock()  # spaCy pipelines are not safe to share between threads

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        access.refresh_snapshot_soon()
        yield
        access.close()

    app = FastAPI(
        title="Chronik API", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
        description="PLOVER political events, statements and articles coded by Chronik, read from a DuckDB store.",
    )
    app.state.access = access
    app.add_middleware(_BodyLimit, limit=max_body)
    app.add_middleware(_RateLimit, rate=rate_limit, burst=burst)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    templates = Jinja2Templates(directory=WEB / "templates")

    @app.exception_handler(ChronikError)
    async def chronik_error(_: Request, exc: ChronikError) -> JSONResponse:
        status = STATUS.get(exc.code, 422 if isinstance(exc, InputError) else 503)
        headers = {"Retry-After": str(retry_after)} if status == 503 else None
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=status, headers=headers)

    # -- pages --------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", {
            "version": __version__, "types": PLOVER_TYPES, "sectors": SECTORS, "aux_modes": AUX_MODES,
            "db_name": access.path.name,
        })

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="Chronik API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css", swagger_favicon_url="/static/favicon.svg",
        )

    # -- events -------------------------------------------------------------------------------
    @app.get("/events", tags=["events"], summary="Events matching the filters, one page at a time")
    def list_events(
        q: Filters, limit: Limit = 100, offset: Offset = 0, sort: Annotated[Sort, Query()] = Sort.date,  # type: ignore[attr-defined]
        format: Annotated[EventFormat, Query(description="json, csv or geojson (points with a location only).")] = EventFormat.json,
    ) -> Response:
        with access.read() as rd:
            if format is EventFormat.json:
                rows, total = queries.list_events(rd.con, q, sort=sort.value, limit=limit, offset=offset)
                return _json(rd, {"events": rows, "total": total, "limit": limit, "offset": offset})
            records = queries.event_records(rd.con, q, sort=sort.value, limit=limit, offset=offset)
        if format is EventFormat.csv:
            return _csv(rd, [flat_event(r) for r in records], FLAT_FIELDS, "events")
        features = [f for f in map(geojson_feature, records) if f is not None]
        return _with_source(Response(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                                     media_type="application/geo+json"), rd)

    @app.get("/events/{event_id}", tags=["events"], summary="One event with its evidence")
    def get_event(event_id: Annotated[str, PathParam(max_length=ID_MAX)]) -> Response:
        with access.read() as rd:
            record = queries.get_event(rd.con, event_id)
        if record is None:
            raise error("E084", kind="event", id=event_id, listing="/events")
        return _json(rd, record)

    # -- aggregates ---------------------------------------------------------------------------
    @app.get("/aggregates/timeline", tags=["aggregates"], summary="Event counts per period and type, mean score")
    def agg_timeline(q: Filters, interval: Interval = Interval.month, format: TableFormat = TableFormat.json) -> Response:
        with access.read() as rd:
            result = queries.timeline(rd.con, q, interval=interval.value)
        if format is TableFormat.csv:
            return _csv(rd, result["series"], ["period", "type", "count", "mean_score"], "timeline")
        return _json(rd, result)

    @app.get("/aggregates/dyads", tags=["aggregates"], summary="Actor x recipient matrix (sparse cells with counts)")
    def agg_dyads(
        q: Filters, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 200,
        min_count: Annotated[int, Query(ge=1)] = 1, format: TableFormat = TableFormat.json,
    ) -> Response:
        with access.read() as rd:
            result = queries.dyads(rd.con, q, limit=limit, min_count=min_count)
        if format is TableFormat.csv:
            return _csv(rd, result["cells"], ["actor", "recipient", "count", "mean_score"], "dyads")
        return _json(rd, result)

    @app.get("/aggregates/types", tags=["aggregates"], summary="Event counts and mean score per PLOVER type")
    def agg_types(q: Filters, format: TableFormat = TableFormat.json) -> Response:
        with access.read() as rd:
            rows = queries.types(rd.con, q)
        if format is TableFormat.csv:
            return _csv(rd, rows, ["type", "count", "mean_score", "mean_confidence"], "types")
        return _json(rd, {"types": rows, "total": sum(r["count"] for r in rows)})

    @app.get("/aggregates/places", tags=["aggregates"], summary="Event counts per located place (for maps)")
    def agg_places(
        q: Filters, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000, format: TableFormat = TableFormat.json,
    ) -> Response:
        with access.read() as rd:
            rows = queries.places(rd.con, q, limit=limit)
        if format is TableFormat.csv:
            return _csv(rd, rows, ["place", "country", "lat", "lon", "count", "mean_score"], "places")
        return _json(rd, {"places": rows})

    # -- actors -------------------------------------------------------------------------------
    @app.get("/actors/top", tags=["actors"], summary="Actor codes with the most events")
    def actors_top(
        q: Filters, role: Literal["any", "actor", "recipient"] = "any",
        limit: Annotated[int, Query(ge=1, le=1000)] = 20, format: TableFormat = TableFormat.json,
    ) -> Response:
        with access.read() as rd:
            rows = queries.top_actors(rd.con, q, role=role, limit=limit)
        if format is TableFormat.csv:
            return _csv(rd, rows, ["code", "count", "as_actor", "as_recipient", "mean_score"], "actors")
        return _json(rd, {"actors": rows, "role": role})

    @app.get("/actors/{actor_code}/timeline", tags=["actors"],
             summary="Events with one code as actor or recipient, per period (other filters apply too)")
    def actor_timeline(
        actor_code: Annotated[str, PathParam(pattern=CODE_RE)], q: Filters, interval: Interval = Interval.month,
    ) -> Response:
        with access.read() as rd:
            result = queries.actor_timeline(rd.con, actor_code, q, interval=interval.value)
        if result is None:
            raise error("E084", kind="actor", id=actor_code, listing="/actors/top")
        return _json(rd, result)

    # -- statements and articles --------------------------------------------------------------
    @app.get("/statements", tags=["statements"], summary="Who said what, by speaker and words")
    def list_statements(
        speaker: Annotated[str | None, Query(max_length=200, description="Speaker name, words or code.")] = None,
        text: Annotated[str | None, Query(max_length=200, description="Words in the statement.")] = None,
        kind: Literal["direct", "indirect"] | None = None,
        article: Annotated[str | None, Query(max_length=ID_MAX)] = None,
        limit: Limit = 100, offset: Offset = 0, format: TableFormat = TableFormat.json,
    ) -> Response:
        with access.read() as rd:
            rows, total = queries.list_statements(rd.con, speaker=speaker, text=text, kind=kind, article=article,
                                                  limit=limit, offset=offset)
        if format is TableFormat.csv:
            return _csv(rd, rows, [c for c in rows[0]] if rows else ["id"], "statements")
        return _json(rd, {"statements": rows, "total": total, "limit": limit, "offset": offset})

    @app.get("/articles", tags=["articles"], summary="Stored articles (without their text)")
    def list_articles(
        text: Annotated[str | None, Query(max_length=200, description="Words in the title or text.")] = None,
        lang: Literal["de", "en"] | None = None,
        since: Annotated[str | None, Query(pattern=DATE_RE)] = None,
        until: Annotated[str | None, Query(pattern=DATE_RE)] = None,
        limit: Limit = 100, offset: Offset = 0, format: TableFormat = TableFormat.json,
    ) -> Response:
        if since and until and since > until:
            raise error("E085", name="since", value=since, detail=f"it is after until={until}. Swap the two dates.")
        with access.read() as rd:
            rows, total = queries.list_articles(rd.con, text=text, lang=lang, since=since, until=until,
                                                limit=limit, offset=offset)
        if format is TableFormat.csv:
            return _csv(rd, rows, [c for c in rows[0]] if rows else ["id"], "articles")
        return _json(rd, {"articles": rows, "total": total, "limit": limit, "offset": offset})

    @app.get("/articles/{article_id}", tags=["articles"],
             summary="An article with its text, events, statements and the char spans to highlight")
    def get_article(article_id: Annotated[str, PathParam(max_length=ID_MAX)]) -> Response:
        with access.read() as rd:
            result = queries.get_article(rd.con, article_id)
        if result is None:
            raise error("E084", kind="article", id=article_id, listing="/articles")
        return _json(rd, result)

    @app.get("/summary", tags=["store"], summary="Counts in the store and where this answer came from")
    def summary() -> Response:
        with access.read() as rd:
            result = queries.summary(rd.con)
        return _json(rd, {**result, "source": rd.source, "snapshot_taken_at": rd.snapshot_taken_at,
                          "writes_enabled": api_key is not None, "version": __version__})

    # -- coding -------------------------------------------------------------------------------
    @app.post("/code", tags=["coding"], summary="Code pasted text; with ?store=true and the API key, also store it")
    def code_text(
        body: CodeRequest,
        store: Annotated[bool, Query(description="Also store the result (needs the server's API key).")] = False,
        x_api_key: Annotated[str | None, Header(description="The key given to `chronik serve --api-key`.")] = None,
    ) -> JSONResponse:
        if x_api_key is not None and (api_key is None or not hmac.compare_digest(x_api_key, api_key)):
            raise error("E083")
        if store and api_key is None:
            raise error("E082")
        if store and x_api_key is None:
            raise error("E083")
        from chronik.io.readers import make_article
        from chronik.pipeline import code_article

        article = make_article(body.text, id=body.id, date=body.date, lang=body.lang, title=body.title,
                               source="api")
        with coder_lock:
            coded = code_article(article)
        stored = False
        if store:
            with access.write() as st:
                stored = st.write([coded]) > 0
        events = [e.to_dict() for e in coded.events]
        statements = [s.to_dict() for s in coded.statements]
        return JSONResponse({
            "article": coded.article.to_dict(),
            "events": events, "statements": statements,
            "highlights": queries.highlights(coded.article.text, events, statements),
            "warnings": coded.warnings, "stored": stored,
        })

    return app
