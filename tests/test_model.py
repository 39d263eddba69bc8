"""Every record survives a JSON round-trip (hypothesis-generated values)."""
from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from chronik.model import (
    Article, CodedArticle, Entity, Event, EventDate, Evidence, Place, SentenceSpan, Statement, PLOVER_TYPES,
)

text = st.text(max_size=40)
opt_text = st.none() | text
entity = st.builds(Entity, text=text, code=opt_text, sector=opt_text, name=opt_text, start=st.integers(-1, 10**6),
                   end=st.integers(-1, 10**6), entity_id=st.none() | st.integers(0, 100))
place = st.builds(Place, text=text, name=opt_text, country=opt_text, lat=st.none() | st.floats(-90, 90),
                  lon=st.none() | st.floats(-180, 180), alternatives=st.lists(text, max_size=3))
evidence = st.builds(Evidence, article_id=text, sentence_index=st.integers(0, 500), sentence=text,
                     sent_start=st.integers(0, 10**6), sent_end=st.integers(0, 10**6), start=st.integers(0, 10**6),
                     end=st.integers(0, 10**6), trigger=text, rule=text, notes=st.lists(text, max_size=3))
event = st.builds(Event, type=st.sampled_from(PLOVER_TYPES), actor=st.lists(entity, max_size=3),
                  recipient=st.lists(entity, max_size=3), evidence=evidence, aux=st.lists(text, max_size=2),
                  date=st.none() | st.builds(EventDate, date=opt_text, precision=text), location=st.none() | place,
                  confidence=st.floats(0, 1))
statement = st.builds(Statement, speaker=st.none() | entity, content=text, content_start=st.integers(0, 99),
                      content_end=st.integers(0, 99), kind=st.sampled_from(["direct", "indirect"]), evidence=evidence)
article = st.builds(Article, id=text, text=text, lang=opt_text, date=opt_text)
coded = st.builds(CodedArticle, article=article, entities=st.lists(entity, max_size=3),
                  places=st.lists(place, max_size=2), events=st.lists(event, max_size=3),
                  statements=st.lists(statement, max_size=2),
                  sentences=st.lists(st.builds(SentenceSpan, index=st.integers(0, 9), start=st.integers(0, 9),
                                               end=st.integers(0, 9), text=text), max_size=2))


@settings(max_examples=150, deadline=None)
@given(coded)
def test_coded_article_json_round_trip(record: CodedArticle) -> None:
    assert CodedArticle.from_json(record.to_json()) == record


@settings(max_examples=50, deadline=None)
@given(st.one_of(entity, place, event, statement, article))
def test_each_record_round_trips(record) -> None:  # type: ignore[no-untyped-def]
    assert type(record).from_json(record.to_json()) == record
    assert dataclasses.asdict(record) == record.to_dict()
