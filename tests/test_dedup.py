"""Near-duplicate stories and event groups over a real DuckDB store."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chronik.dedup import DedupOptions, dedup, dedup_db, find_stories, shingles, story_events
from chronik.errors import ChronikError
from chronik.io.readers import make_article
from chronik.model import CodedArticle, Entity, Event, EventDate, Evidence
from chronik.store import open_store

DE_DEV = Path(__file__).parents[2] / "shared" / "eval" / "de_dev.jsonl"


def _texts(n: int) -> list[str]:
    """`n` distinct real German news texts (the first 150 words of each)."""
    texts = []
    with DE_DEV.open(encoding="utf-8") as fh:
        for line in fh:
            words = json.loads(line)["text"].split()
            if len(words) >= 80:
                texts.append(" ".join(words[:150]))
            if len(texts) == n:
                break
    return texts


def _edited(text: str) -> str:
    """A wire copy of `text`: another dateline and one changed sentence near the end."""
    words = text.split()
    words[-12:-6] = ["wie", "die", "Agentur", "am", "Abend", "meldete"]
    return "Berlin (dpa) - " + " ".join(words)


def _event(article_id: str, *, type: str = "ASSAULT", actor: str = "RUS", recipient: str = "UKR",
           date: str | None = None, n: int = 0) -> Event:
    ev = Evidence(article_id=article_id, sentence_index=0, sentence="s", sent_start=0, sent_end=1, start=0, end=1,
                  trigger="griff an", rule="test")
    return Event(type=type, actor=[Entity(actor, code=actor, sector="MIL")],
                 recipient=[Entity(recipient, code=recipient)], evidence=ev,
                 date=EventDate(date, "day") if date else None, confidence=0.8, id=f"{article_id}-e{n}")


def _coded(text: str, id: str, *, source: str, events: list[Event], date: str = "2022-02-25") -> CodedArticle:
    return CodedArticle(article=make_article(text, id=id, lang="de", date=date, source=source), events=events,
                        coder_version="test")


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "d.duckdb") as s:
        yield s


def test_migration_two_adds_the_dedup_tables(store):
    versions = [r[0] for r in store.con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [1, 2]
    for table in ("stories", "event_groups", "event_group_members"):
        assert store.con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_shingles_are_word_ngrams():
    assert shingles("Die Regierung  traf, die Regierung", size=2) == {
        b"die regierung", b"regierung traf", b"traf die"}
    assert shingles("Kurz", size=3) == {b"kurz"}


def test_near_duplicates_form_one_story_and_others_stay_apart(store):
    a, b, c = _texts(3)
    store.write([_coded(a, "a1", source="dpa", events=[]), _coded(_edited(a), "a2", source="afp", events=[]),
                 _coded(b, "b1", source="dpa", events=[]), _coded(c, "c1", source="dpa", events=[])])
    story_of = find_stories(store)
    by_id = {r[0]: story_of[r[1]] for r in store.con.execute("SELECT id, content_hash FROM articles").fetchall()}
    assert by_id["a1"] == by_id["a2"]
    assert len({by_id["a1"], by_id["b1"], by_id["c1"]}) == 3


def test_an_event_in_copies_of_a_story_becomes_one_group_with_counts(store):
    a, b = _texts(2)
    store.write([
        _coded(a, "a1", source="dpa", events=[_event("a1"), _event("a1", n=1)], date="2022-02-25"),
        _coded(_edited(a), "a2", source="afp", events=[_event("a2")], date="2022-02-27"),
        _coded(b, "b1", source="dpa", events=[_event("b1")]),  # same actors, other story, no date: not merged
    ])
    report = dedup(store)
    assert (report.articles, report.stories, report.multi_article_stories) == (3, 2, 1)
    assert (report.events, report.event_groups, report.multi_article_groups) == (4, 2, 1)
    top = story_events(store, limit=1)[0]
    assert (top["type"], top["actor_codes"], top["recipient_codes"]) == ("ASSAULT", ["RUS"], ["UKR"])
    assert (top["mentions"], top["articles"], top["sources"], top["stories"]) == (3, 2, 2, 1)
    assert (top["first_seen"], top["last_seen"]) == ("2022-02-25", "2022-02-27")
    assert top["article_ids"] == ["a1", "a2"]
    members = store.con.execute(
        "SELECT event_id FROM event_group_members WHERE group_id = ? ORDER BY 1", [top["group_id"]]).fetchall()
    assert [m[0] for m in members] == ["a1-e0", "a1-e1", "a2-e0"]


def test_dated_events_with_actors_merge_across_stories(store):
    a, b, c = _texts(3)
    store.write([
        _coded(a, "a1", source="dpa", events=[_event("a1", date="2022-02-24")]),
        _coded(b, "b1", source="reuters", events=[_event("b1", date="2022-02-24")]),
        _coded(c, "c1", source="reuters", events=[_event("c1", date="2022-02-25")]),  # another day
    ])
    dedup(store)
    rows = store.con.execute("SELECT articles, stories, sources, event_date FROM event_groups ORDER BY 4").fetchall()
    assert rows == [(2, 2, 2, "2022-02-24"), (1, 1, 1, "2022-02-25")]


def test_recomputing_is_idempotent_and_follows_new_articles(tmp_path):
    a, _ = _texts(2)
    db = tmp_path / "r.duckdb"
    with open_store(db) as store:
        store.write([_coded(a, "a1", source="dpa", events=[_event("a1")])])
    first = dedup_db(db)
    again = dedup_db(db)
    assert first == again
    with open_store(db) as store:
        assert store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM event_group_members").fetchone() == (1, 1)
        store.write([_coded(_edited(a), "a2", source="afp", events=[_event("a2")])])
    after = dedup_db(db)
    assert (after.articles, after.stories, after.event_groups, after.multi_article_groups) == (2, 1, 1, 1)


def test_every_event_belongs_to_exactly_one_group(store):
    texts = _texts(6)
    store.write([_coded(t, f"x{i}", source="dpa", events=[_event(f"x{i}", type=ty, n=k)
                 for k, ty in enumerate(("ASSAULT", "CONSULT"))]) for i, t in enumerate(texts)])
    dedup(store)
    events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
    members = store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM event_group_members").fetchone()
    assert members == (events, events)
    orphan = store.con.execute(
        "SELECT count(*) FROM event_group_members m ANTI JOIN event_groups g USING (group_id)").fetchone()
    assert orphan == (0,)


@pytest.mark.parametrize("bad", [{"threshold": 1.0}, {"threshold": 0.0}, {"shingle": 0}, {"num_perm": 4}])
def test_bad_options_name_the_fix(bad, store):
    with pytest.raises(ChronikError, match="E095"):
        dedup(store, options=DedupOptions(**bad))


def test_dedup_of_a_missing_database_says_how_to_create_it(tmp_path):
    with pytest.raises(ChronikError, match="E030"):
        dedup_db(tmp_path / "none.duckdb")
