"""Dates: story dates, relative expressions, date mentions in text (issue 7)."""
from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from chronik.dates import find_dates, parse_story_date, resolve
from chronik.errors import ChronikError
from chronik.model import DATE_PRECISIONS, EventDate

STORY = "2022-02-10"  # a Thursday

# (lang, text, future, expected date, precision, expected end for ranges)
TABLE = [
    ("de", "am Donnerstag", False, "2022-02-10", "day", None),
    ("de", "am Mittwoch", False, "2022-02-09", "day", None),
    ("de", "am Freitag", False, "2022-02-04", "day", None),
    ("de", "am Freitag", True, "2022-02-11", "day", None),
    ("de", "am Donnerstag", True, "2022-02-17", "day", None),
    ("de", "vergangenen Donnerstag", False, "2022-02-03", "day", None),
    ("de", "am kommenden Montag", False, "2022-02-14", "day", None),
    ("de", "Donnerstagabend", False, "2022-02-10", "day", None),
    ("de", "gestern", False, "2022-02-09", "day", None),
    ("de", "Gestern", False, "2022-02-09", "day", None),
    ("de", "heute", False, "2022-02-10", "day", None),
    ("de", "morgen", False, "2022-02-11", "day", None),
    ("de", "vorgestern", False, "2022-02-08", "day", None),
    ("de", "übermorgen", False, "2022-02-12", "day", None),
    ("de", "vergangene Woche", False, "2022-01-31", "range", "2022-02-06"),
    ("de", "in der vergangenen Woche", False, "2022-01-31", "range", "2022-02-06"),
    ("de", "letzte Woche", False, "2022-01-31", "range", "2022-02-06"),
    ("de", "nächste Woche", False, "2022-02-14", "range", "2022-02-20"),
    ("de", "Anfang März", False, "2022-03-01", "range", "2022-03-10"),
    ("de", "Mitte Januar", False, "2022-01-11", "range", "2022-01-20"),
    ("de", "Ende Februar 2021", False, "2021-02-21", "range", "2021-02-28"),
    ("de", "Ende Dezember", False, "2021-12-21", "range", "2021-12-31"),
    ("de", "am 3. März", False, "2022-03-03", "day", None),
    ("de", "3. März 2021", False, "2021-03-03", "day", None),
    ("de", "am 24. Dezember", False, "2021-12-24", "day", None),
    ("de", "10.02.2022", False, "2022-02-10", "day", None),
    ("de", "im März", False, "2022-03", "month", None),
    ("de", "im Dezember", False, "2021-12", "month", None),
    ("de", "im Januar", True, "2023-01", "month", None),
    ("de", "Jan. 2020", False, "2020-01", "month", None),
    ("de", "vergangenen Monat", False, "2022-01", "month", None),
    ("de", "in den kommenden Monaten", False, "2022-02-11", "range", "2022-05-10"),
    ("de", "in den nächsten zwei Wochen", False, "2022-02-11", "range", "2022-02-24"),
    ("de", "in den vergangenen drei Jahren", False, "2019-02-10", "range", "2022-02-10"),
    ("de", "vor zwei Wochen", False, "2022-01-27", "day", None),
    ("de", "vor drei Tagen", False, "2022-02-07", "day", None),
    ("de", "vor einem Monat", False, "2022-01", "month", None),
    ("de", "vor drei Jahren", False, "2019", "year", None),
    ("de", "2021", False, "2021", "year", None),
    ("de", "im Jahr 2021", False, "2021", "year", None),
    ("de", "im vergangenen Jahr", False, "2021", "year", None),
    ("de", "seit 2014", False, "2014-01-01", "range", "2022-02-10"),
    ("de", "seit März 2020", False, "2020-03-01", "range", "2022-02-10"),
    ("de", "vom 3. bis 5. März", False, "2022-03-03", "range", "2022-03-05"),
    ("de", "zwischen 2014 und 2016", False, "2014-01-01", "range", "2016-12-31"),
    ("de", "am Wochenende", False, "2022-02-05", "range", "2022-02-06"),
    ("de", "am kommenden Wochenende", False, "2022-02-12", "range", "2022-02-13"),
    ("de", "Anfang der Woche", False, "2022-02-07", "range", "2022-02-10"),
    ("de", "Ende vergangenen Jahres", False, "2021-09-01", "range", "2021-12-31"),
    ("de", "Mitte nächsten Jahres", False, "2023-05-01", "range", "2023-08-31"),
    ("en", "on Thursday", False, "2022-02-10", "day", None),
    ("en", "on Monday", False, "2022-02-07", "day", None),
    ("en", "on Monday", True, "2022-02-14", "day", None),
    ("en", "last Thursday", False, "2022-02-03", "day", None),
    ("en", "next Friday", False, "2022-02-11", "day", None),
    ("en", "yesterday", False, "2022-02-09", "day", None),
    ("en", "today", False, "2022-02-10", "day", None),
    ("en", "tomorrow", False, "2022-02-11", "day", None),
    ("en", "last week", False, "2022-01-31", "range", "2022-02-06"),
    ("en", "next week", False, "2022-02-14", "range", "2022-02-20"),
    ("en", "early March", False, "2022-03-01", "range", "2022-03-10"),
    ("en", "late February 2021", False, "2021-02-21", "range", "2021-02-28"),
    ("en", "mid-January", False, "2022-01-11", "range", "2022-01-20"),
    ("en", "March 3", False, "2022-03-03", "day", None),
    ("en", "on 3 March 2021", False, "2021-03-03", "day", None),
    ("en", "March 3, 2021", False, "2021-03-03", "day", None),
    ("en", "in March", False, "2022-03", "month", None),
    ("en", "in May 2020", False, "2020-05", "month", None),
    ("en", "in the coming months", False, "2022-02-11", "range", "2022-05-10"),
    ("en", "over the next two weeks", False, "2022-02-11", "range", "2022-02-24"),
    ("en", "the past three months", False, "2021-11-10", "range", "2022-02-10"),
    ("en", "two weeks ago", False, "2022-01-27", "day", None),
    ("en", "a year ago", False, "2021", "year", None),
    ("en", "2021", False, "2021", "year", None),
    ("en", "in 2021", False, "2021", "year", None),
    ("en", "last year", False, "2021", "year", None),
    ("en", "since 2014", False, "2014-01-01", "range", "2022-02-10"),
    ("en", "since March 2020", False, "2020-03-01", "range", "2022-02-10"),
    ("en", "March 3-5", False, "2022-03-03", "range", "2022-03-05"),
    ("en", "from 3 to 5 March 2021", False, "2021-03-03", "range", "2021-03-05"),
    ("en", "between 2014 and 2016", False, "2014-01-01", "range", "2016-12-31"),
    ("en", "over the weekend", False, "2022-02-05", "range", "2022-02-06"),
    ("en", "earlier this week", False, "2022-02-07", "range", "2022-02-10"),
    ("en", "late last year", False, "2021-09-01", "range", "2021-12-31"),
]


@pytest.mark.issue(7)
@pytest.mark.parametrize("lang,text,future,date,precision,end", TABLE)
def test_relative_dates(lang, text, future, date, precision, end):
    ed = resolve(text, story_date=STORY, lang=lang, future=future)
    assert (ed.date, ed.precision, ed.end) == (date, precision, end), ed.rule
    assert ed.text and ed.rule


@pytest.mark.parametrize("lang,text", [("de", "am Donnerstag"), ("de", "gestern"), ("de", "vergangene Woche"),
                                       ("en", "on Thursday"), ("en", "two weeks ago")])
def test_month_precision_story_date_keeps_month(lang, text):
    ed = resolve(text, story_date="2022-02", lang=lang)
    assert (ed.date, ed.precision) == ("2022-02", "month")
    assert "month precision" in ed.rule


@pytest.mark.parametrize("value,precision", [("2022-02-10", "day"), ("2022-02", "month"), ("2022", "year")])
def test_parse_story_date(value, precision):
    assert parse_story_date(value) == EventDate(date=value, precision=precision, text=value, rule="story date")


@pytest.mark.parametrize("value", ["10.02.2022", "2022-13", "2022-02-30", "gestern", "", None, "22-02-10"])
def test_parse_story_date_rejects(value):
    with pytest.raises(ChronikError) as exc:
        parse_story_date(value)
    assert exc.value.code == "E007"


def test_no_date_and_no_story_date():
    assert resolve("Hallo Welt", story_date=STORY, lang="de").precision == "unknown"
    assert resolve("am Morgen", story_date=STORY, lang="de").precision == "unknown"  # the morning, not tomorrow
    assert resolve("gestern", story_date=None, lang="de").precision == "unknown"
    assert resolve("3. März 2021", story_date=None, lang="de").date == "2021-03-03"
    assert resolve("Troops may march on", story_date=STORY, lang="en").precision == "unknown"


def test_find_dates_offsets_and_guards():
    text = ("Am Donnerstag sagte er, 2000 Soldaten seien seit 2014 im Einsatz. "
            "Im Jahr 2021 und 2020 kamen Hilfen, gestern nicht. Am Morgen war es ruhig.")
    doc = spacy.blank("de")(text)
    found = find_dates(doc, story_date=STORY, lang="de")
    spans = [text[s:e] for s, e, _ in found]
    assert spans == ["Am Donnerstag", "seit 2014", "Im Jahr 2021", "2020", "gestern"]
    assert found[1][2].precision == "range" and found[0][2].date == "2022-02-10"


def test_find_dates_english():
    text = "On Monday, officials said talks held in March 2020 would resume in the coming months."
    found = find_dates(spacy.blank("en")(text), story_date=STORY, lang="en")
    assert [(text[s:e], ed.precision) for s, e, ed in found] == [
        ("On Monday", "day"), ("in March 2020", "month"), ("in the coming months", "range")]


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60), lang=st.sampled_from(["de", "en"]), future=st.booleans(),
       story=st.sampled_from(["2022-02-10", "2022-02", "2022", None]))
def test_resolve_never_raises_on_text(text, lang, future, story):
    ed = resolve(text, story_date=story, lang=lang, future=future)
    assert ed.precision in DATE_PRECISIONS
    if ed.precision == "range":
        assert ed.date is not None and ed.end is not None and ed.date <= ed.end
    if ed.precision != "unknown":
        assert ed.date is not None


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.sampled_from(["am", "Donnerstag", "seit", "2014", "vor", "zwei", "Wochen", "Ende",
                                       "März", "im", "Jahr", "gestern", "31.", "Februar", "on", "May", "3",
                                       "ago", "weeks", "next", "the", "in", "coming", "months"]), max_size=8))
def test_resolve_on_date_like_word_soup(words):
    ed = resolve(" ".join(words), story_date=STORY, lang="de")
    assert ed.precision in DATE_PRECISIONS
    ed = resolve(" ".join(words), story_date=STORY, lang="en")
    assert ed.precision in DATE_PRECISIONS
