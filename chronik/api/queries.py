"""Read queries behind the API: filtered events, aggregates, articles with highlight spans.

Every value from a request is a bound parameter; the only SQL fragments chosen by a request come
from the fixed tables below (sort orders, date intervals), looked up by an already validated key.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from chronik.store.duck import EventFilter

Connection = duckdb.DuckDBPyConnection

EVENT_COLUMNS = (
    "event_id AS id, article_id, content_hash, type, mode, context, cameo, aux, event_date, date_precision, "
    "place, country, lat, lon, actor_codes, recipient_codes, trigger, sentence, start_char, end_char, rule, "
    "confidence, score, statement_id"
)

SORTS: dict[str, str] = {
    "date": "event_date NULLS LAST, event_id",
    "-date": "event_date DESC NULLS LAST, event_id",
    "confidence": "confidence, event_id",
    "-confidence": "confidence DESC, event_id",
    "score": "score NULLS LAST, event_id",
    "-score": "score DESC NULLS LAST, event_id",
    "type": "type, event_id",
    "country": "country NULLS LAST, event_id",
    "id": "event_id",
}

INTERVALS = ("day", "week", "month", "year")

# Event dates are ISO strings of day, month or year precision; a coarser date counts at its first day.
EVENT_DAY = (
    "TRY_CAST(CASE WHEN length(event_date) = 4 THEN event_date || '-01-01' "
    "WHEN length(event_date) = 7 THEN event_date || '-01' ELSE substr(event_date, 1, 10) END AS DATE)"
)


@dataclass
class EventQuery(EventFilter):
    """The store's EventFilter plus the filters the API adds (either-side code, context, place)."""

    code: str | None = None  # actor or recipient code
    context: str | None = None
    place: str | None = None  # substring of the location name

    def where(self) -> tuple[str, list[Any]]:
        # The store's text filter is an ILIKE, where '%' and '_' in user input act as wildcards; match literally.
        base, params = EventFilter.where(dataclasses.replace(self, text=None))
        clauses = [base.removeprefix(" WHERE ")] if base else []
        if self.text:
            clauses.append("contains(lower(sentence), lower(?))")
            params.append(self.text)
        if self.code:
            clauses.append("(list_contains(actor_codes, ?) OR list_contains(recipient_codes, ?))")
            params += [self.code.upper(), self.code.upper()]
        if self.context:
            clauses.append("list_contains(context, ?)")
            params.append(self.context)
        if self.place:
            clauses.append("contains(lower(place), lower(?))")
            params.append(self.place)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _dicts(con: Connection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _one(con: Connection, sql: str, params: list[Any]) -> Any:
    row = con.execute(sql, params).fetchone()
    return row[0] if row else None


# -- events -----------------------------------------------------------------------------------
def list_events(
    con: Connection, q: EventQuery, *, sort: str = "date", limit: int = 100, offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of flat event rows and the total matching count."""
    where, params = q.where()
    rows = _dicts(con, f"SELECT {EVENT_COLUMNS} FROM events{where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                  [*params, limit, offset])
    total = _one(con, f"SELECT count(*) FROM events{where}", params)
    return rows, int(total or 0)


def event_records(
    con: Connection, q: EventQuery, *, sort: str = "date", limit: int = 100, offset: int = 0,
) -> list[dict[str, Any]]:
    """Full event records (Event.to_dict) for one page, for the CSV and GeoJSON writers."""
    where, params = q.where()
    rows = con.execute(f"SELECT record FROM events{where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                       [*params, limit, offset]).fetchall()
    return [json.loads(r[0]) for r in rows]


def get_event(con: Connection, event_id: str) -> dict[str, Any] | None:
    row = con.execute("SELECT record, article_id, content_hash FROM events WHERE event_id = ?", [event_id]).fetchone()
    if row is None:
        return None
    return {**json.loads(row[0]), "article_id": row[1], "content_hash": row[2]}


# -- aggregates -------------------------------------------------------------------------------
def timeline(con: Connection, q: EventQuery, *, interval: str) -> dict[str, Any]:
    """Counts per period and type, and the mean conflict-cooperation score per period."""
    where, params = q.where()
    inner = f"SELECT type, score, {EVENT_DAY} AS day FROM events{where}"
    by_type = _dicts(con, (
        f"SELECT strftime(date_trunc(?, day), '%Y-%m-%d') AS period, type, count(*) AS count, "
        f"avg(score) AS mean_score FROM ({inner}) WHERE day IS NOT NULL GROUP BY ALL ORDER BY period, type"
    ), [interval, *params])
    totals = _dicts(con, (
        f"SELECT strftime(date_trunc(?, day), '%Y-%m-%d') AS period, count(*) AS count, avg(score) AS mean_score, "
        f"count(*) FILTER (WHERE score < 0) AS conflict, count(*) FILTER (WHERE score > 0) AS cooperation "
        f"FROM ({inner}) WHERE day IS NOT NULL GROUP BY ALL ORDER BY period"
    ), [interval, *params])
    undated = _one(con, f"SELECT count(*) FROM ({inner}) WHERE day IS NULL", params)
    return {"interval": interval, "series": by_type, "totals": totals, "undated": int(undated or 0)}


def dyads(con: Connection, q: EventQuery, *, limit: int = 200, min_count: int = 1) -> dict[str, Any]:
    """The actor x recipient matrix as sparse cells (one per pair with events), largest first."""
    where, params = q.where()
    cells = _dicts(con, (
        # One count per event and pair, even when a code repeats in a compound actor ("DNK, DNK").
        "SELECT a AS actor, r AS recipient, count(DISTINCT event_id) AS count, avg(score) AS mean_score FROM ("
        f"SELECT event_id, unnest(list_distinct(actor_codes)) AS a, list_distinct(recipient_codes) AS rc, score "
        f"FROM events{where}) , unnest(rc) AS t(r) WHERE a <> r GROUP BY ALL HAVING count(DISTINCT event_id) >= ? "
        "ORDER BY count DESC, actor, recipient LIMIT ?"
    ), [*params, min_count, limit])
    actors = sorted({c["actor"] for c in cells})
    recipients = sorted({c["recipient"] for c in cells})
    return {"cells": cells, "actors": actors, "recipients": recipients}


def types(con: Connection, q: EventQuery) -> list[dict[str, Any]]:
    where, params = q.where()
    return _dicts(con, (
        f"SELECT type, count(*) AS count, avg(score) AS mean_score, avg(confidence) AS mean_confidence "
        f"FROM events{where} GROUP BY type ORDER BY count DESC, type"
    ), params)


def places(con: Connection, q: EventQuery, *, limit: int = 1000) -> list[dict[str, Any]]:
    """Event counts per located place (for the map), largest first."""
    where, params = q.where()
    extra = " AND " if where else " WHERE "
    return _dicts(con, (
        f"SELECT place, country, lat, lon, count(*) AS count, avg(score) AS mean_score FROM events{where}"
        f"{extra}lat IS NOT NULL AND lon IS NOT NULL GROUP BY ALL ORDER BY count DESC, place LIMIT ?"
    ), [*params, limit])


def top_actors(con: Connection, q: EventQuery, *, role: str = "any", limit: int = 20) -> list[dict[str, Any]]:
    """Codes with the most events, counted as actor, as recipient, and either (once per event)."""
    where, params = q.where()
    sides = {"actor": "actor_codes", "recipient": "recipient_codes",
             "any": "list_distinct(list_concat(actor_codes, recipient_codes))"}[role]
    return _dicts(con, (
        f"WITH e AS (SELECT * FROM events{where}) "
        f"SELECT code, count(*) AS count, "
        "count(*) FILTER (WHERE list_contains(actor_codes, code)) AS as_actor, "
        "count(*) FILTER (WHERE list_contains(recipient_codes, code)) AS as_recipient, avg(score) AS mean_score "
        f"FROM (SELECT unnest({sides}) AS code, actor_codes, recipient_codes, score FROM e) "
        "GROUP BY code ORDER BY count DESC, code LIMIT ?"
    ), [*params, limit])


def actor_timeline(con: Connection, code: str, q: EventQuery, *, interval: str) -> dict[str, Any] | None:
    """Events with `code` on either side per period, split by the side it is on; None if it has none."""
    q.code = code
    where, params = q.where()
    total = _one(con, f"SELECT count(*) FROM events{where}", params)
    if not total:
        return None
    series = _dicts(con, (
        "SELECT strftime(date_trunc(?, day), '%Y-%m-%d') AS period, count(*) AS count, "
        "count(*) FILTER (WHERE list_contains(actor_codes, ?)) AS as_actor, "
        "count(*) FILTER (WHERE list_contains(recipient_codes, ?)) AS as_recipient, avg(score) AS mean_score "
        f"FROM (SELECT actor_codes, recipient_codes, score, {EVENT_DAY} AS day FROM events{where}) "
        "WHERE day IS NOT NULL GROUP BY ALL ORDER BY period"
    ), [interval, code.upper(), code.upper(), *params])
    return {"code": code.upper(), "interval": interval, "total": int(total), "series": series,
            "undated": int(total) - sum(s["count"] for s in series)}


# -- statements and articles ------------------------------------------------------------------
def list_statements(
    con: Connection, *, speaker: str | None = None, text: str | None = None, kind: str | None = None,
    article: str | None = None, limit: int = 100, offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    clauses: list[str] = []
    params: list[Any] = []
    if speaker:
        clauses.append("(contains(lower(speaker_name), lower(?)) OR contains(lower(speaker_text), lower(?)) "
                       "OR speaker_code = upper(?))")
        params += [speaker, speaker, speaker]
    if text:
        clauses.append("contains(lower(content), lower(?))")
        params.append(text)
    if kind:
        clauses.append("kind = ?")
        params.append(kind)
    if article:
        clauses.append("(article_id = ? OR content_hash = ?)")
        params += [article, article]
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = _dicts(con, (
        "SELECT statement_id AS id, article_id, content_hash, speaker_text, speaker_code, speaker_sector, "
        f"speaker_name, kind, content, start_char, end_char, sentence, rule FROM statements{where} "
        "ORDER BY article_id, start_char, statement_id LIMIT ? OFFSET ?"
    ), [*params, limit, offset])
    return rows, int(_one(con, f"SELECT count(*) FROM statements{where}", params) or 0)


def list_articles(
    con: Connection, *, text: str | None = None, lang: str | None = None, since: str | None = None,
    until: str | None = None, limit: int = 100, offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    clauses: list[str] = []
    params: list[Any] = []
    if text:
        clauses.append("(contains(lower(text), lower(?)) OR contains(lower(coalesce(title, '')), lower(?)))")
        params += [text, text]
    if lang:
        clauses.append("lang = ?")
        params.append(lang)
    if since:
        clauses.append("date >= ?")
        params.append(since)
    if until:
        clauses.append("date <= ?")
        params.append(until + "\uffff")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = _dicts(con, (
        "SELECT id, content_hash, lang, date, date_precision, dateline, title, url, source, n_events, n_statements, "
        f"length(text) AS chars FROM articles{where} ORDER BY date NULLS LAST, id LIMIT ? OFFSET ?"
    ), [*params, limit, offset])
    return rows, int(_one(con, f"SELECT count(*) FROM articles{where}", params) or 0)


def get_article(con: Connection, article_id: str) -> dict[str, Any] | None:
    """An article by content hash or id, with its events, statements, entities and highlight spans."""
    rows = _dicts(con, (
        "SELECT id, content_hash, lang, date, date_precision, dateline, title, url, source, path, text, "
        "coder_version FROM articles WHERE content_hash = ? OR id = ? "
        "ORDER BY (content_hash = ?) DESC, coded_at DESC LIMIT 1"
    ), [article_id, article_id, article_id])
    if not rows:
        return None
    art = rows[0]
    h = art["content_hash"]
    events = [json.loads(r[0]) for r in con.execute(
        "SELECT record FROM events WHERE content_hash = ? ORDER BY start_char, event_id", [h]).fetchall()]
    statements = [json.loads(r[0]) for r in con.execute(
        "SELECT record FROM statements WHERE content_hash = ? ORDER BY start_char, statement_id", [h]).fetchall()]
    entities = _dicts(con, (
        "SELECT text, code, sector, name, kind, start_char AS start, end_char AS end, entity_id FROM entities "
        "WHERE content_hash = ? ORDER BY start_char"
    ), [h])
    return {"article": art, "events": events, "statements": statements, "entities": entities,
            "highlights": highlights(art["text"] or "", events, statements)}


def highlights(text: str, events: list[dict[str, Any]], statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Char spans to mark in the article: each event's trigger, actors, recipients; each statement's speaker, quote."""
    out: list[dict[str, Any]] = []

    def add(start: Any, end: Any, kind: str, ref: str, label: str) -> None:
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            out.append({"start": start, "end": end, "kind": kind, "ref": ref, "label": label,
                        "text": text[start:end]})

    for e in events:
        ev = e["evidence"]
        add(ev["start"], ev["end"], "trigger", e["id"], f"{e['type']} trigger ({ev['rule']})")
        for role in ("actor", "recipient"):
            for x in e.get(role) or []:
                add(x.get("start"), x.get("end"), role, e["id"], f"{role} {x.get('code') or '?'}/{x.get('sector') or '-'}")
    for s in statements:
        sp = s.get("speaker")
        if sp:
            add(sp.get("start"), sp.get("end"), "speaker", s["id"], f"speaker {sp.get('code') or '?'}")
        add(s.get("content_start"), s.get("content_end"), "quote", s["id"], f"{s['kind']} statement")
    out.sort(key=lambda h: (h["start"], -h["end"], h["kind"]))
    return out


def summary(con: Connection) -> dict[str, Any]:
    def one(sql: str) -> int:
        return int(_one(con, sql, []) or 0)

    return {
        "articles": one("SELECT count(*) FROM articles"),
        "events": one("SELECT count(*) FROM events"),
        "statements": one("SELECT count(*) FROM statements"),
        "first_date": _one(con, "SELECT min(event_date) FROM events", []),
        "last_date": _one(con, "SELECT max(event_date) FROM events", []),
    }
