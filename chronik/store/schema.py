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
    Migration(
        2,
        "stories and event groups (dedup)",
        """
        CREATE TABLE stories (
            story_id VARCHAR NOT NULL,
            content_hash VARCHAR PRIMARY KEY
        );
        CREATE TABLE event_groups (
            group_id VARCHAR PRIMARY KEY,
            type VARCHAR NOT NULL,
            mode VARCHAR,
            cameo VARCHAR,
            actor_codes VARCHAR[],
            recipient_codes VARCHAR[],
            event_date VARCHAR,
            place VARCHAR,
            country VARCHAR,
            mentions INTEGER NOT NULL,
            articles INTEGER NOT NULL,
            sources INTEGER NOT NULL,
            stories INTEGER NOT NULL,
            first_seen VARCHAR,
            last_seen VARCHAR,
            representative_event_id VARCHAR NOT NULL,
            article_ids VARCHAR[],
            confidence DOUBLE
        );
        CREATE TABLE event_group_members (
            group_id VARCHAR NOT NULL,
            event_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            article_id VARCHAR,
            story_id VARCHAR
        );
        CREATE INDEX stories_story ON stories(story_id);
        CREATE INDEX members_group ON event_group_members(group_id);
        """,
    ),
)

LATEST = MIGRATIONS[-1].version
