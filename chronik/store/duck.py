"""DuckDB store: migrations, one transaction per batch of coded articles, filtered queries."""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from chronik.errors import error
from chronik.model import CodedArticle
from chronik.store.schema import LATEST, MIGRATIONS


@dataclass
class EventFilter:
    """Filters for event queries; every value is bound as a parameter, never spliced into SQL."""

    actor: str | None = None  # actor code
    recipient: str | None = None  # recipient code
    type: str | None = None
    mode: str | None = None
    sector: str | None = None
    aux: str | None = None
    country: str | None = None  # location country
    since: str | None = None
    until: str | None = None
    text: str | None = None  # substring of the evidence sentence
    article: str | None = None
    min_confidence: float | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.actor:
            clauses.append("list_contains(actor_codes, ?)")
            params.append(self.actor.upper())
        if self.recipient:
            clauses.append("list_contains(recipient_codes, ?)")
            params.append(self.recipient.upper())
        for column, value in (("type", self.type), ("mode", self.mode), ("country", self.country)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value.upper() if column != "mode" else value)
        if self.aux:
            clauses.append("list_contains(aux, ?)")
            params.append(self.aux)
        if self.sector:
            clauses.append("event_id IN (SELECT event_id FROM event_actors WHERE sector = ?)")
            params.append(self.sector.upper())
        if self.since:
            clauses.append("event_date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("event_date <= ?")
            params.append(self.until + "\uffff")
        if self.text:
            clauses.append("contains(lower(sentence), lower(?))")
            params.append(self.text)
        if self.article:
            clauses.append("(article_id = ? OR content_hash = ?)")
            params.extend([self.article, self.article])
        if self.min_confidence is not None:
            clauses.append("confidence >= ?")
            params.append(self.min_confidence)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


EVENT_COLUMNS = (
    "event_id, article_id, type, mode, cameo, aux, event_date, date_precision, place, country, lat, lon, "
    "actor_codes, recipient_codes, trigger, sentence, rule, confidence, score, statement_id, content_hash"
)


class Store:
    """One DuckDB file. Writers hold DuckDB's single write lock; readers may open read-only."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, *, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    # -- schema -------------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = self.con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    def migrate(self) -> list[int]:
        """Apply pending migrations in order, each in its own transaction; return versions applied."""
        current = self.schema_version()
        if current > LATEST:
            raise error("E032", path=self.path, found=current, known=LATEST)
        applied = []
        if current == 0:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
            )
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute(migration.sql)
                self.con.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [migration.version, migration.name]
                )
                self.con.execute("COMMIT")
            except Exception:
                self.con.execute("ROLLBACK")
                raise
            applied.append(migration.version)
        return applied

    # -- writes -------------------------------------------------------------------------------
    def known_hashes(self, hashes: Sequence[str]) -> set[str]:
        if not hashes:
            return set()
        rows = self.con.execute(
            "SELECT content_hash FROM articles WHERE content_hash IN (SELECT unnest(?))", [list(hashes)]
        ).fetchall()
        return {r[0] for r in rows}

    def has_article(self, content_hash: str) -> bool:
        return bool(self.known_hashes([content_hash]))

    def write(self, coded: Iterable[CodedArticle]) -> int:
        """Store coded articles in one transaction; articles already stored are skipped. Returns count."""
        batch = list(coded)
        known = self.known_hashes([c.article.content_hash for c in batch])
        rows = _Rows()
        seen: set[str] = set()
        for c in batch:
            h = c.article.content_hash
            if h in known or h in seen:
                continue
            seen.add(h)
            rows.add(c)
        if not seen:
            return 0
        self.con.execute("BEGIN TRANSACTION")
        try:
            rows.insert(self.con)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return len(seen)

    def log_problem(self, source: str, code: str, message: str) -> None:
        self.con.execute("INSERT INTO problems (source, code, message) VALUES (?, ?, ?)", [source, code, message])

    # -- reads --------------------------------------------------------------------------------
    def events(
        self, flt: EventFilter | None = None, *, limit: int = 100, offset: int = 0, order: str = "event_date"
    ) -> list[dict[str, Any]]:
        where, params = (flt or EventFilter()).where()
        order_sql = {"event_date": "event_date NULLS LAST, event_id", "-event_date": "event_date DESC NULLS LAST, event_id",
                     "confidence": "confidence DESC, event_id", "type": "type, event_id"}.get(order)
        if order_sql is None:
            raise error("E009", value=order, choices="event_date, -event_date, confidence, type")
        sql = f"SELECT {EVENT_COLUMNS} FROM events{where} ORDER BY {order_sql} LIMIT ? OFFSET ?"
        return self._dicts(sql, [*params, limit, offset])

    def event_records(self, flt: EventFilter | None = None, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
        where, params = (flt or EventFilter()).where()
        sql = f"SELECT record FROM events{where} ORDER BY event_date NULLS LAST, event_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        cur = self.con.execute(sql, params)
        while rows := cur.fetchmany(1000):
            for (record,) in rows:
                yield json.loads(record)

    def count_events(self, flt: EventFilter | None = None) -> int:
        where, params = (flt or EventFilter()).where()
        row = self.con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()
        return int(row[0]) if row else 0

    def statements(
        self, *, speaker: str | None = None, text: str | None = None, kind: str | None = None,
        limit: int = 100, offset: int = 0,
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        # Literal substring matching (ILIKE would treat '%' and '_' in user text as wildcards).
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
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (
            "SELECT statement_id, article_id, speaker_text, speaker_code, speaker_sector, speaker_name, kind, content, "
            f"sentence, rule FROM statements{where} ORDER BY statement_id LIMIT ? OFFSET ?"
        )
        return self._dicts(sql, [*params, limit, offset])

    def summary(self) -> dict[str, Any]:
        def one(sql: str) -> Any:
            row = self.con.execute(sql).fetchone()
            return row[0] if row else None

        return {
            "articles": one("SELECT count(*) FROM articles"),
            "events": one("SELECT count(*) FROM events"),
            "statements": one("SELECT count(*) FROM statements"),
            "problems": one("SELECT count(*) FROM problems"),
            "by_type": dict(self.con.execute("SELECT type, count(*) FROM events GROUP BY type ORDER BY 2 DESC").fetchall()),
        }

    def _dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Rows:
    """Column-wise buffers for one write batch (inserted with executemany)."""

    def __init__(self) -> None:
        self.articles: list[tuple] = []
        self.events: list[tuple] = []
        self.actors: list[tuple] = []
        self.statements: list[tuple] = []
        self.entities: list[tuple] = []

    def add(self, c: CodedArticle) -> None:
        a = c.article
        h = a.content_hash
        self.articles.append((h, a.id, a.lang, a.date, a.date_precision, a.dateline, a.title, a.url, a.source,
                              a.path, a.text, len(c.events), len(c.statements), c.coder_version))
        for e in c.events:
            ev = e.evidence
            d = e.date
            loc = e.location
            self.events.append((
                e.id, h, a.id, e.type, e.mode, e.context, e.cameo, e.aux,
                d.date if d else None, d.precision if d else None, d.text if d else None,
                loc.name if loc else None, loc.country if loc else None, loc.lat if loc else None,
                loc.lon if loc else None, ev.sentence_index, ev.sentence, ev.trigger, ev.start, ev.end, ev.rule,
                e.confidence, e.score, e.statement_id,
                [x.code for x in e.actor if x.code], [x.code for x in e.recipient if x.code], e.to_json(),
            ))
            for role, ents in (("actor", e.actor), ("recipient", e.recipient)):
                for i, x in enumerate(ents):
                    self.actors.append((e.id, role, i, x.text, x.code, x.sector, x.name))
        for s in c.statements:
            sp = s.speaker
            self.statements.append((
                s.id, h, a.id, sp.text if sp else None, sp.code if sp else None, sp.sector if sp else None,
                sp.name if sp else None, s.content, s.kind, s.evidence.sentence, s.content_start, s.content_end,
                s.evidence.rule, s.to_json(),
            ))
        for x in c.entities:
            self.entities.append((h, x.text, x.code, x.sector, x.name, x.kind, x.start, x.end, x.entity_id))

    def insert(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert the batch through Arrow tables (DuckDB runs executemany row by row: ~10x slower)."""
        for table, rows in (("articles", self.articles), ("events", self.events), ("event_actors", self.actors),
                            ("statements", self.statements), ("entities", self.entities)):
            if not rows:
                continue
            names = _columns(con, table)[: len(rows[0])]
            batch = pa.table({n: pa.array(list(col)) for n, col in zip(names, zip(*rows))})
            con.register("_chronik_batch", batch)
            try:
                cols = ", ".join(names)
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _chronik_batch")
            finally:
                con.unregister("_chronik_batch")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a store table in schema order (table names come from this module only)."""
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def _connect(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying for `wait` seconds while another process briefly holds the file lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise error("E033", path=path, detail=str(exc).splitlines()[0][:160]) from None
            if time.monotonic() >= deadline:
                raise error("E031", path=path, detail=str(exc).splitlines()[0][:120]) from None
            time.sleep(0.2)
        except duckdb.Error as exc:
            raise error("E033", path=path, detail=str(exc).splitlines()[0][:160]) from None


def open_store(
    path: str | Path, *, read_only: bool = False, create: bool = True, lock_wait: float = 3.0,
    memory_mb: int | None = None,
) -> Store:
    """Open (and migrate) the store at `path`. Read-only opens never create or migrate.

    A lock held by another process is waited for up to `lock_wait` seconds (the API's short
    read-only opens), then reported as E031. `memory_mb` caps DuckDB's memory in this process (its
    buffer pool otherwise grows with the store, up to 80 % of RAM, over a long ingest).
    """
    path = Path(path)
    if (read_only or not create) and not path.exists():
        raise error("E030", path=path)
    con = _connect(path, read_only=read_only, wait=lock_wait)
    if memory_mb is not None:
        con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
    store = Store(con, str(path), read_only=read_only)
    if not read_only:
        store.migrate()
    elif store.schema_version() > LATEST:
        raise error("E032", path=path, found=store.schema_version(), known=LATEST)
    return store
