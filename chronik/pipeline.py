"""The coder: one article in, a CodedArticle out (parse once, then actors, places, dates, statements, events)."""
from __future__ import annotations

import contextlib
import functools
import gc
from datetime import date
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

from chronik import __version__
from chronik.actors import ActorResolver
from chronik.dates import find_dates, parse_story_date
from chronik.errors import ChronikError, error
from chronik.events.coder import code_events, strip_space
from chronik.io.readers import MAX_CHARS
from chronik.model import Article, CodedArticle, Entity, Event, EventDate, Place, SentenceSpan, Statement
from chronik.nlp import DEFAULT_PROFILE, SUPPORTED, detect_language, load
from chronik.offsets import OffsetMap, remap, tokenize
from chronik.places import find_places, parse_dateline
from chronik.statements import find_statements

MIN_LANG_PROB = 0.5
WARM_UP = {"de": "Die Regierung traf sich in Berlin mit Vertretern der Opposition.",
           "en": "The government met opposition leaders in London."}


@dataclass(frozen=True)
class CoderOptions:
    """Options of a coding run (keyword-only everywhere)."""

    min_confidence: float = 0.0
    actor_files: tuple[str, ...] = ()
    pattern_files: tuple[str, ...] = ()
    time_limit: float | None = 60.0  # seconds per article before it is skipped (E100); None: no limit
    pipeline: str = DEFAULT_PROFILE  # "accurate" or "fast" (chronik.nlp.PROFILES)


def resolve_language(article: Article) -> str:
    """The article's language: given, else detected; unsupported languages raise E005."""
    lang = article.lang
    if not lang:
        lang, prob = detect_language(article.text[article.body_start :])
        if prob < MIN_LANG_PROB and lang not in SUPPORTED:
            lang = "und"
    if lang not in SUPPORTED:
        raise error("E005", article=article.id, lang=lang, supported=", ".join(SUPPORTED))
    return lang


def parse_text(article: Article) -> str:
    """The text the pipeline parses: date header and dateline blanked (offsets unchanged).

    "KOPENHAGEN:" before the first sentence is metadata, not a word of it; left in, it splits
    the sentence and misleads the parser.
    """
    text = article.text
    start = article.body_start
    if article.dateline_start >= start:
        a, b = article.dateline_start, article.dateline_end
        return " " * start + text[start:a] + " " * (b - a) + text[b:]
    return " " * start + text[start:]


class Coder:
    """Codes articles of one language with its pipeline; load once, reuse for many articles."""

    def __init__(self, lang: str, *, options: CoderOptions | None = None) -> None:
        self.lang = lang
        self.options = options or CoderOptions()
        self.nlp = load(lang, self.options.pipeline)
        # provenance in the store: which network coded the article
        self.version = __version__ if self.options.pipeline == DEFAULT_PROFILE else f"{__version__}+{self.options.pipeline}"
        # Readers already refuse articles over MAX_CHARS (E013); spaCy's own lower default (1,000,000)
        # would otherwise raise a bare ValueError for articles in between and stop the whole batch.
        self.nlp.max_length = max(self.nlp.max_length, MAX_CHARS)
        self.actors = ActorResolver.for_lang(lang, extra_files=self.options.actor_files)
        # Load every lazy table now (patterns, lemma tables, gazetteer, speech lexicon), so the first
        # article's time limit measures coding, not loading.
        warm = WARM_UP.get(lang, WARM_UP["en"])
        self._zoned = False  # the warm-up runs outside a memory zone: what it builds keeps its strings
        self.code(Article(id="warm-up", text=warm, lang=lang, content_hash="warm-up"))
        self._zoned = True
        # The pipeline, knowledge base and tables are now ~0.5 M long-lived objects: move them out of the
        # collector's sight, or each full collection walks them all (~0.5 s, ~2 ms per article over a run).
        gc.freeze()

    def code(self, article: Article) -> CodedArticle:
        return next(self.code_many([article]))

    def code_many(self, articles: Iterable[Article], *, batch_size: int = 16) -> Iterator[CodedArticle]:
        def prepared() -> Iterator[tuple[Doc, tuple[Article, OffsetMap]]]:
            for a in articles:
                doc, omap = tokenize(self.nlp, parse_text(a))
                yield doc, (a, omap)

        # spaCy's memory zone: the words first seen in this batch leave the vocabulary and string store
        # when it ends, so a long run does not grow with every new name (the records are plain data).
        with self.nlp.memory_zone() if self._zoned else contextlib.nullcontext():
            for doc, (article, omap) in self.nlp.pipe(prepared(), as_tuples=True, batch_size=batch_size):
                yield remap(self.code_doc(article, doc), omap)

    def code_doc(self, article: Article, doc: Doc) -> CodedArticle:
        """Code a parsed doc; offsets are those of `doc.text` (see `chronik.offsets`)."""
        article.lang = self.lang
        story = article.date
        text = doc.text  # one join of the tokens; Span.text would re-join each sentence's tokens
        sentences = [
            SentenceSpan(i, s.start_char, s.end_char, text[s.start_char:s.end_char])
            for i, s in enumerate(map(strip_space, doc.sents))
        ]
        dateline_place = parse_dateline(article.dateline) if article.dateline else None
        home = dateline_place.country if dateline_place else None
        mentions = self.actors.mentions(doc, story_date=story, home=home)
        countries = tuple(dict.fromkeys(m.code for m in mentions if m.code and len(m.code) == 3))
        places = find_places(doc, lang=self.lang, dateline=article.dateline, context_countries=countries)
        dates = [d for d in find_dates(doc, story_date=story, lang=self.lang) if d[2].date]
        statements = find_statements(doc, mentions, lang=self.lang, article_id=article.id)
        events = code_events(
            doc, mentions, lang=self.lang, article_id=article.id, extra_patterns=self.options.pattern_files,
            home=home, places=places, statements=statements,
        )
        events = [e for e in events if e.confidence >= self.options.min_confidence]
        _place_and_date(events, places, dates, story, dateline_place)
        _link_statements(events, statements)
        for n, e in enumerate(events):
            e.id = f"{article.id}-e{n}"
        return CodedArticle(
            article=article, sentences=sentences, entities=mentions, places=places, events=events,
            statements=statements, coder_version=self.version,
        )


def _place_and_date(
    events: list[Event], places: list[Place], dates: list[tuple[int, int, EventDate]], story: str | None,
    dateline_place: Place | None,
) -> None:
    """An event takes the place and date expression of its sentence, else the article's."""
    story_date = parse_story_date(story) if story else None
    for e in events:
        ev = e.evidence
        in_sent = [p for p in places if ev.sent_start <= p.start < ev.sent_end and p.feature != "country"]
        in_sent = in_sent or [p for p in places if ev.sent_start <= p.start < ev.sent_end]
        e.location = _nearest(in_sent, ev.start) or dateline_place
        sent_dates = [d for s, _, d in dates if ev.sent_start <= s < ev.sent_end]
        sent_dates.sort(key=lambda d: d.precision != "day")
        if sent_dates:
            e.date = sent_dates[0]
            if story and e.date.date and _clearly_before(e.date, story):
                if "historical" not in e.aux:
                    e.aux = sorted([*e.aux, "historical"])
        else:
            e.date = EventDate(story_date.date, story_date.precision, text=None, rule="story date") if story_date else None


def _clearly_before(d: EventDate, story: str) -> bool:
    """True when the expression's date lies clearly before the story: an earlier year, or more
    than 45 days before it ("am Montag" is the same news cycle, "im Jahr 2021" is background)."""
    end = d.end or d.date or ""
    if d.precision == "year" or len(story) == 4:
        return end[:4] < story[:4]
    try:
        gap = date.fromisoformat(_day(story)) - date.fromisoformat(_day(end))
    except ValueError:
        return False
    return gap.days > 45


def _day(iso: str) -> str:
    """A full ISO day for a YYYY, YYYY-MM or YYYY-MM-DD value (month start)."""
    return (iso + "-01-01")[:10] if len(iso) == 4 else (iso + "-01")[:10] if len(iso) == 7 else iso[:10]


def _nearest(places: list[Place], pos: int) -> Place | None:
    return min(places, key=lambda p: abs(p.start - pos)) if places else None


def _link_statements(events: list[Event], statements: list[Statement]) -> None:
    for e in events:
        for s in statements:
            if s.content_start <= e.evidence.start < s.content_end:
                e.statement_id = s.id
                break


@functools.cache
def coder_for(lang: str, options: CoderOptions | None = None) -> Coder:
    """A per-process singleton coder per language (and options)."""
    return Coder(lang, options=options)


def code_article(article: Article, *, options: CoderOptions | None = None) -> CodedArticle:
    """Code one article (language detected when not given)."""
    lang = resolve_language(article)
    return coder_for(lang, options).code(article)


def code_stream(
    articles: Iterable[Article], *, options: CoderOptions | None = None, batch_size: int = 16,
) -> Iterator[CodedArticle | tuple[Article, ChronikError]]:
    """Code a stream of articles in language batches; bad articles come out as (article, error).

    Each batch runs under the per-article time limit of `options` (see `chronik.guard`).
    """
    from chronik.guard import code_guarded

    seconds = (options or CoderOptions()).time_limit
    pending: dict[str, list[Article]] = {}
    for article in articles:
        try:
            lang = resolve_language(article)
        except ChronikError as exc:
            yield article, exc
            continue
        batch = pending.setdefault(lang, [])
        batch.append(article)
        if len(batch) >= batch_size:
            yield from code_guarded(coder_for(lang, options), batch, seconds=seconds, batch_size=batch_size)
            pending[lang] = []
    for lang, batch in pending.items():
        if batch:
            yield from code_guarded(coder_for(lang, options), batch, seconds=seconds, batch_size=batch_size)


__all__ = ["Coder", "CoderOptions", "code_article", "code_stream", "Entity"]
