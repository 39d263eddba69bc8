"""The DuckDB schema as an ordered registry of migrations; each applied one is recorded."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial tables",
        """
        CREATE TABLE articles (
            content_hash VARCHAR PRIMARY KEY,
            id VARCHAR NOT NULL,
            lang VARCHAR,
            date VARCHAR,
            date_precision VARCHAR,
            dateline VARCHAR,
            title VARCHAR,
            url VARCHAR,
            source VARCHAR,
            path VARCHAR,
            text VARCHAR,
            n_events INTEGER,
            n_statements INTEGER,
            coder_version VARCHAR,
            coded_at TIMESTAMP DEFAULT current_timestamp
        );
        CREATE TABLE events (
            event_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            article_id VARCHAR,
            type VARCHAR NOT NULL,
            mode VARCHAR,
            context VARCHAR[],
            cameo VARCHAR,
            aux VARCHAR[],
            event_date VARCHAR,
            date_precision VARCHAR,
            date_text VARCHAR,
            place VARCHAR,
            country VARCHAR,
            lat DOUBLE,
            lon DOUBLE,
            sentence_index INTEGER,
            sentence VARCHAR,
            trigger VARCHAR,
            start_char INTEGER,
            end_char INTEGER,
            rule VARCHAR,
            confidence DOUBLE,
            score DOUBLE,
            statement_id VARCHAR,
            actor_codes VARCHAR[],
            recipient_codes VARCHAR[],
            record JSON
        );
        CREATE TABLE event_actors (
            event_id VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            text VARCHAR,
            code VARCHAR,
            sector VARCHAR,
            name VARCHAR
        );
        CREATE TABLE statements (
            statement_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            article_id VARCHAR,
            speaker_text VARCHAR,
            speaker_code VARCHAR,
            speaker_sector VARCHAR,
            speaker_name VARCHAR,
            content VARCHAR,
            kind VARCHAR,
            sentence VARCHAR,
            start_char INTEGER,
            end_char INTEGER,
            rule VARCHAR,
            record JSON
        );
        CREATE TABLE entities (
            content_hash VARCHAR NOT NULL,
            text VARCHAR,
            code VARCHAR,
            sector VARCHAR,
            name VARCHAR,
            kind VARCHAR,
            start_char INTEGER,
            end_char INTEGER,
            entity_id INTEGER
        );
        CREATE TABLE problems (
            source VARCHAR,
            code VARCHAR,
            message VARCHAR,
            seen_at TIMESTAMP DEFAULT current_timestamp
        );
        CREATE INDEX events_hash ON events(content_hash);
        CREATE INDEX actors_event ON event_actors(event_id);
        """,
    ),
)

LATEST = MIGRATIONS[-1].version
