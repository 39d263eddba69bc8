"""The DuckDB store on a real file: migrations, transactional writes, idempotence, queries."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronik.errors import ChronikError
from chronik.io.readers import make_article
from chronik.model import CodedArticle, Entity, Event, EventDate, Evidence, Statement
from chronik.store import open_store
from chronik.store.duck import EventFilter
from chronik.store.schema import LATEST


def coded(text: str, *, etype: str = "CONSULT", actor: str = "DNK", recipient: str | None = "USA",
          date: str = "2022-02-10") -> CodedArticle:
    a = make_article(text, date=date)
    ev = Evidence(a.id, 0, text, 0, len(text), 0, 5, text[:5], "test:rule")
    e = Event(type=etype, actor=[Entity("A", actor, "GOV")],
              recipient=[Entity("B", recipient, "GOV")] if recipient else [], evidence=ev,
              date=EventDate(date, "day"), id=f"{a.id}-e0")
    s = Statement(speaker=Entity("Frederiksen", "DNK", "GOV", name="Mette Frederiksen"), content="x", content_start=0,
                  content_end=1, kind="indirect", evidence=ev, id=f"{a.id}-s0")
    return CodedArticle(article=a, events=[e], statements=[s], entities=[e.actor[0]])


def test_migrations_recorded(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        assert store.schema_version() == LATEST
        assert store.migrate() == []  # idempotent
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT version, name FROM schema_migrations").fetchall()[0][0] == 1
    con.close()


def test_write_is_idempotent_and_queryable(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        batch = [coded("Dänemark verhandelt mit den USA."), coded("Russland greift an.", etype="ASSAULT",
                                                                   actor="RUS", recipient="UKR", date="2022-02-24")]
        assert store.write(batch) == 2
        assert store.write(batch) == 0
    with open_store(db, read_only=True) as store:
        assert store.count_events() == 2
        assert [r["type"] for r in store.events(EventFilter(actor="dnk"))] == ["CONSULT"]
        assert [r["type"] for r in store.events(EventFilter(recipient="UKR", since="2022-02-01"))] == ["ASSAULT"]
        assert store.events(EventFilter(since="2022-03-01")) == []
        assert store.events(EventFilter(sector="GOV", type="consult"))[0]["actor_codes"] == ["DNK"]
        assert store.statements(speaker="Frederiksen")[0]["speaker_code"] == "DNK"
        rec = next(store.event_records(EventFilter(type="ASSAULT")))
        assert Event.from_dict(rec).actor[0].code == "RUS"


def test_sql_injection_is_inert(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        store.write([coded("Dänemark verhandelt mit den USA.")])
        assert store.events(EventFilter(actor="DNK' OR '1'='1")) == []
        assert store.events(EventFilter(text="'; DROP TABLE events; --")) == []
        assert store.count_events() == 1


def test_failed_batch_leaves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        good = coded("Eins.")
        dup = coded("Zwei.")
        dup.events.append(dup.events[0])  # duplicate primary key -> the whole batch must roll back
        with pytest.raises(duckdb.Error):
            store.write([good, dup])
        assert store.summary()["articles"] == 0
        assert store.write([good]) == 1


def test_read_only_missing_db_is_clear(tmp_path: Path) -> None:
    with pytest.raises(ChronikError, match=r"\[E030\].*chronik ingest"):
        open_store(tmp_path / "none.duckdb", read_only=True)


def test_second_writer_gets_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "s.duckdb"
    with open_store(db):
        code = ("from chronik.store import open_store\nimport sys\n"
                "try:\n    open_store(sys.argv[1])\nexcept Exception as e:\n    print(e)\n")
        res = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)
    assert "[E031]" in res.stdout or "[E033]" in res.stdout


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60).filter(str.strip),
                min_size=1, max_size=5, unique=True))
def test_round_trip_property(texts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "p.duckdb") as store:
        batch = [coded(t) for t in texts]
        n_unique = len({c.article.content_hash for c in batch})
        assert store.write(batch) == n_unique
        back = {r["evidence"]["sentence"] for r in store.event_records()}
        assert back == {c.article.text for c in batch}
