"""Property tests: readers, the date resolver and the coder never fail except with catalogued errors.

Budgets here are small so the suite stays fast; bench/fuzz_long.py runs the same properties longer.
Store round-trips are property-tested in tests/test_store.py.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronik.dates import find_dates, resolve
from chronik.errors import ChronikError
from chronik.io.readers import ReadProblem, decode_bytes, iter_jsonl, make_article
from chronik.model import Article
from chronik.pipeline import Coder

pytestmark = pytest.mark.issue(10)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODER = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words a news sentence is made of (both languages), plus characters that break naive code.
WORDS = (
    "Merkel Macron Putin Scholz Biden Selenskyj Bundesregierung Regierung Kanzler Minister Russland Ukraine "
    "Frankreich Deutschland Berlin Kiew Moskau NATO UN EU Armee Polizei Demonstranten sagte sagten kritisierte "
    "verurteilte traf trafen drohte forderte lehnte ab unterzeichneten Abkommen Sanktionen angegriffen am Montag "
    "Dienstag gestern heute morgen im März 2022 vor zwei Wochen nicht nie wird würde dass und oder aber mit gegen "
    "den die der das einem einer the government criticised met with threatened Germany France said on Monday "
    "last week in March would not will agreed sanctions against attacked protesters police troops"
).split()
PUNCT = [".", ",", ":", ";", "!", "?", "„", "“", "\"", "'", "–", "-", "(", ")", "\n", "\n\n", "…"]
ODD = ["😀", "🇩🇪", "👍🏽", "\u202e", "\u200b", "\u00a0", "ß", "İ", "ﬁ", "ǅ", "ΣΑΣ", "قال", "אמר", "\t", "\r\n", "A̐"]
TOKENS = st.sampled_from(WORDS) | st.sampled_from(PUNCT) | st.sampled_from(ODD) | st.text(max_size=6)
SENTENCES = st.lists(TOKENS, min_size=1, max_size=60).map(" ".join)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)).map(dt.date.isoformat)
STORY = st.none() | DATES | DATES.map(lambda d: d[:7]) | DATES.map(lambda d: d[:4])


def _article_or_error(text: str, **kw: object) -> Article | None:
    try:
        return make_article(text, **kw)  # type: ignore[arg-type]
    except ChronikError as exc:
        assert exc.code in {"E004", "E007", "E010", "E011", "E013"}, exc
        return None


@FAST
@given(text=st.text(max_size=400), date=st.none() | st.text(max_size=12) | DATES, lang=st.none() | st.text(max_size=3))
def test_make_article_on_random_text(text: str, date: str | None, lang: str | None) -> None:
    article = _article_or_error(text, date=date, lang=lang)
    if article is not None:
        assert article.text.strip()
        assert 0 <= article.body_start <= len(article.text)
        assert article.date is None or article.date_precision in {"day", "month", "year"}


@FAST
@given(data=st.binary(max_size=400))
def test_decode_bytes_on_random_bytes(data: bytes) -> None:
    try:
        assert isinstance(decode_bytes(data, "fuzz"), str)
    except ChronikError as exc:
        assert exc.code == "E011"


@FAST
@given(lines=st.lists(st.text(max_size=80) | st.builds(
    lambda t, d, lang: '{"text": %s, "date": %s, "lang": %s}' % tuple(map(_json, (t, d, lang))),
    st.text(max_size=60), st.none() | st.text(max_size=10) | st.integers(), st.none() | st.text(max_size=3) | st.booleans(),
), max_size=8))
def test_iter_jsonl_on_random_lines(lines: list[str]) -> None:
    items = list(iter_jsonl(io.StringIO("\n".join(lines)), name="fuzz.jsonl"))
    for item in items:
        if isinstance(item, ReadProblem):
            assert isinstance(item.error, ChronikError) and item.error.code.startswith("E0")
        else:
            assert item.text.strip()


def _json(value: object) -> str:
    import json

    return json.dumps(value)


@FAST
@given(text=st.text(max_size=120) | SENTENCES, story=STORY, lang=st.sampled_from(["de", "en"]), future=st.booleans())
def test_resolve_never_raises_on_text(text: str, story: str | None, lang: str, future: bool) -> None:
    ed = resolve(text, story_date=story, lang=lang, future=future)
    assert ed.precision in {"day", "month", "year", "range", "unknown", "week", "decade", "century"}
    for start, end, found in find_dates(text, story_date=story, lang=lang):
        assert 0 <= start <= end <= len(text)
        assert found.precision


@FAST
@given(story=st.text(max_size=12))
def test_resolve_bad_story_date_is_e007(story: str) -> None:
    try:
        resolve("am Montag", story_date=story, lang="de")
    except ChronikError as exc:
        assert exc.code == "E007"


@pytest.fixture(scope="module")
def coders() -> dict[str, Coder]:
    return {"de": Coder("de"), "en": Coder("en")}


@CODER
@given(text=SENTENCES, story=STORY, lang=st.sampled_from(["de", "en"]))
def test_coder_on_random_sentences(coders: dict[str, Coder], text: str, story: str | None, lang: str) -> None:
    article = _article_or_error(text, date=story, lang=lang)
    if article is None:
        return
    coded = coders[lang].code(article)
    t = coded.article.text
    for s in coded.sentences:
        # Sentence text comes from the parsed, whitespace-normalised text (chronik.offsets).
        assert " ".join(t[s.start:s.end].split()) == " ".join(s.text.split())
    for x in coded.entities:
        assert 0 <= x.start <= x.end <= len(t)
    for p in coded.places:
        assert p.start == -1 or 0 <= p.start <= p.end <= len(t)
    for e in coded.events:
        ev = e.evidence
        assert 0 <= ev.sent_start <= ev.start < ev.end <= ev.sent_end <= len(t)
        assert t[ev.start:ev.end] == ev.trigger
        assert 0.0 <= e.confidence <= 1.0
    for s in coded.statements:
        assert 0 <= s.content_start <= s.content_end <= len(t)
    assert type(coded).from_json(coded.to_json()).to_dict() == coded.to_dict()
