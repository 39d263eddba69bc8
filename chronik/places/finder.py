"""Find and geocode every place mention in a spaCy Doc, and read datelines."""
from __future__ import annotations

import functools
import re
from collections import Counter

from chronik.dates import date_words
from chronik.model import Place
from chronik.places.gazetteer import SUPPORTED, Gazetteer, key

# NER labels that mark a place (spaCy English: GPE/LOC/FAC; GermEval/WikiNER style: LOC).
PLACE_LABELS = frozenset({"GPE", "LOC", "LOCATION"})
# Labels that veto a gazetteer hit inside them ("Washington Post", "Bank of England").
BLOCK_LABELS = frozenset({"ORG", "PER", "PERSON", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT"})
# A city this large is a place even without NER or a preposition, unless its name is a common word.
MIN_POPULATION_BARE = 100_000
MAX_WORDS = 6

_AGENCY = re.compile(r"\s*[\(\[][^)\]]*[\)\]]\s*")  # "(Reuters)", "(dpa)"
_DATELINE_SPLIT = re.compile(r"\s*/\s*")
_key = functools.lru_cache(maxsize=1 << 16)(key)  # the scan keys the same words over and over


def _ner_spans(doc) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(place entity token spans, blocking entity token spans); empty without an NER."""
    if not doc.has_annotation("ENT_IOB"):
        return [], []
    places = [(e.start, e.end) for e in doc.ents if e.label_ in PLACE_LABELS]
    blocks = [(e.start, e.end) for e in doc.ents if e.label_ in BLOCK_LABELS]
    return places, blocks


def _cue_before(doc, i: int, cues: set[str], adj_endings: tuple[str, ...] = (),
                determiners: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The preposition or noun right before token i that marks a place ("in", "Stadtteil"),
    also across one adjective ("im maltesischen Valletta")."""
    for n in (2, 1):
        if i - n >= 0:
            words = key(" ".join(t.text for t in doc[i - n: i]))
            if words in cues:
                return words
    adj = doc[i - 1].text if i >= 2 else ""
    if adj_endings and adj.islower() and adj.endswith(adj_endings) and adj not in determiners:
        cue = _cue_before(doc, i - 1, cues)
        if cue:
            return f"{cue} {doc[i - 1].text}"
    return None


def _context_from(places: list[Place]) -> Counter:
    return Counter(p.country for p in places if p.country)


def find_places(doc, *, lang: str, dateline: str | Place | None = None,
                context_countries: tuple[str, ...] | list[str] = ()) -> list[Place]:
    """Every place mention in `doc`, geocoded; start/end are character offsets in `doc.text`.

    Works on a blank pipeline (gazetteer scan with guards against common words) and on a
    pipeline with NER (LOC/GPE entities are looked up even if the guards would drop them).
    Ambiguous names are resolved with the dateline, `context_countries` (e.g. actor countries)
    and the other places in the article.
    """
    gaz = Gazetteer.for_lang(lang)
    doc_text = doc.text  # Doc.text joins every token on each access: read it once
    toks = list(doc)  # doc[i] builds a new Token on every access
    words = [t.text for t in toks]
    n = len(toks)
    ner_places, ner_blocks = _ner_spans(doc)
    # A person/organisation label on a bare country name ("Turkey" as PER) is an NER slip, not a block.
    def slip(s: int, e: int) -> bool:
        text = doc[s:e].text
        if gaz.is_name(text):  # lookup() finds nothing where there are no candidates
            p = gaz.lookup(text)
            if p is not None and p.feature == "country":
                return True
        return e < n and toks[e].is_lower and gaz.is_name(doc[s : e + 1].text)  # "Aleppo province"

    ner_blocks = [(s, e) for s, e in ner_blocks if not slip(s, e)]
    blocked = {i for s, e in ner_blocks for i in range(s, e)}
    spans: list[tuple[int, int, str]] = []  # token start, end, why accepted
    taken: set[int] = set()
    for s, e in ner_places:
        # "Provinz Aleppo": NER tags the name; the longer admin phrase resolves better.
        if e - s == 1 and toks[s].is_sent_start and _key(words[s]) in gaz.common_words:
            continue  # "Reading the report ...": a common word capitalised at the sentence start
        if s > 0 and (toks[s - 1].is_title or words[s - 1] in gaz.words.directions) and gaz.is_name(doc[s - 1 : e].text):
            s -= 1
        elif e < n and toks[e].is_alpha and toks[e].is_lower and gaz.is_name(doc[s : e + 1].text):
            e += 1  # "Aleppo province"
        span = doc[s:e]
        if gaz.is_name(span.text):
            spans.append((s, e, f"NER {toks[s].ent_type_}"))
            taken.update(range(s, e))
    i = 0
    last_end = -10  # token end of the last accepted place, for lists ("in Essen und Halle")
    ner_ends = {e for s, e, _ in spans}
    rejected: list[tuple[int, int, str]] = []
    directions, articles = gaz.words.directions, gaz.words.articles
    while i < n:
        word = words[i]
        starts = word[:1].isupper() or word in directions  # "northern Syria"
        if (i in taken or i in blocked or not starts or _key(word) in articles
                or not gaz.could_start(word)):
            i += 1
            continue
        # Tokens i..free-1 are neither taken nor blocked: a window may not reach past them.
        free = i + 1
        top = min(n, i + MAX_WORDS)
        while free < top and free not in taken and free not in blocked:
            free += 1
        hit = None
        start = toks[i].idx
        for j in range(min(free, top), i, -1):
            last = toks[j - 1]
            if last.is_punct:
                continue
            text = doc_text[start: last.idx + len(words[j - 1])]
            if gaz.is_name(text):
                hit = (j, text)
                break
        if hit is None:
            i += 1
            continue
        j, text = hit
        listed = (i - last_end == 1 or i - 1 in ner_ends) and _key(words[i - 1]) in gaz.words.coords
        why = _accept(gaz, doc, i, j, text)
        if why is None and listed and text[:1].isupper() and not _is_calendar_word(lang, text) and len(text) >= 3:
            why = "listed after a place"
        if why is None and text[:1].isupper():
            rejected.append((i, j, text))
        if why:
            spans.append((i, j, why))
            taken.update(range(i, j))
            last_end = i = j
        else:
            i += 1

    # One sense per discourse: a name accepted once ("aus Rutshuru") is a place everywhere in the
    # text, unless it is also a common word ("in Essen" does not make "nach dem Essen" a place).
    accepted = {key(doc[s:e].text) for s, e, _ in spans}
    for s, e, text in rejected:
        if key(text) in accepted and not gaz.is_common_word(text) and not any(k in taken for k in range(s, e)):
            spans.append((s, e, "same name accepted elsewhere in the text"))
            taken.update(range(s, e))

    # Context: dateline, caller's countries, then countries of unambiguous mentions.
    ctx: Counter = Counter()
    if isinstance(dateline, str):
        dateline = parse_dateline(dateline, lang=lang)
    if dateline is not None and dateline.country:
        ctx[dateline.country] += 2
    for c in context_countries:
        ctx[c] += 1
    first = []
    for s, e, _ in spans:
        p = gaz.lookup(doc[s:e].text)
        if p and (not p.alternatives or p.feature in ("country", "region")):
            first.append(p)
    ctx.update(_context_from(first))
    context = tuple(c for c, _ in ctx.most_common())

    out: list[Place] = []
    for s, e, why in sorted(spans):
        span = doc[s:e]
        p = gaz.lookup(span.text, context=context)
        if p is None:
            continue
        p.start, p.end = span.start_char, span.end_char
        p.rule = f"{why}; {p.rule}"
        out.append(p)
    return out


def _accept(gaz: Gazetteer, doc, i: int, j: int, text: str) -> str | None:
    """Why a gazetteer hit without an NER label counts as a place, or None to drop it."""
    m = gaz.candidates(text)
    if m is None:
        return None
    curated = m.forced is not None or m.derived is not None
    tokens = doc[i:j]
    if not curated:
        if len(text) < 3 or (text.isupper() and len(text) <= 5):
            return None  # codes and acronyms: "UN", "IRNA"
        if len(tokens) == 1 and tokens[0].text in gaz.words.directions:
            return None  # "central", "West" alone
        if _is_calendar_word(gaz.lang, text):
            return None  # "im Mai", "in March": dates, not Mai (Kenya) or March (England)
    cue = _cue_before(doc, i, gaz.words.cues, gaz.words.adj_endings, gaz.words.determiners)
    p = gaz.lookup(text)
    if p is None:
        return None
    # A capitalised neighbour outside the match suggests a person or an organisation named
    # after a town ("Jeb Bush", "George W.", "Warren Christopher"). German capitalises nouns, so
    # there only the word before counts. Country and region names are exempt ("Will Turkey ...").
    person_like = False
    if p.feature == "city" and not curated:
        prev_cap = i > 0 and doc[i - 1].text[:1].isupper() and not _sent_initial(doc, i - 1) and not cue
        next_cap = gaz.lang == "en" and j < len(doc) and doc[j].text[:1].isupper()
        person_like = prev_cap or next_cap
    if cue and not person_like:
        return f"after '{cue}'"
    if gaz.is_common_word(text) or person_like:
        return None
    if p.feature in ("country", "region", "admin1") or curated:
        return f"gazetteer {p.feature}"
    if p.feature == "city" and m.how == "name" and _population(gaz, p) >= MIN_POPULATION_BARE:
        return f"gazetteer city >= {MIN_POPULATION_BARE:,} inhabitants"
    if m.how.startswith("place adjective"):  # "Salzburger ÖVP", "Wiener Polizei" (large places only)
        return "place adjective"
    return None


def _sent_initial(doc, k: int) -> bool:
    return k == 0 or bool(doc[k].is_sent_start) or doc[k - 1].text in {".", "!", "?", ":", "\n", '"', "“", "„"}


def _is_calendar_word(lang: str, text: str) -> bool:
    w = date_words(lang)
    return text in w.months or text in w.weekdays


def _population(gaz: Gazetteer, p: Place) -> int:
    for i, _ in gaz._b.index.get(key(p.text), []) or gaz._b.folded.get(key(p.text), []):
        e = gaz._b.entries[i]
        if e.name == p.name and e.country == p.country and e.feature == p.feature:
            return e.population
    m = gaz.candidates(p.text)
    if m is not None:
        for i, _ in m.entries:
            e = gaz._b.entries[i]
            if e.name == p.name and e.country == p.country:
                return e.population
    return 0


def parse_dateline(text: str | None, *, lang: str | None = None) -> Place | None:
    """A dateline as the reader extracts it ("KOPENHAGEN", "WASHINGTON (Reuters)",
    "Damaskus/Moskau") -> the first place; the others go to `alternatives`."""
    if not text:
        return None
    cleaned = _AGENCY.sub(" ", text).strip(" -–—:")
    parts = [p for p in _DATELINE_SPLIT.split(cleaned) if p.strip()]
    langs = (lang,) if lang else SUPPORTED
    places: list[Place] = []
    for part in parts:
        part = part.strip()
        found = None
        for lg in langs:
            gaz = Gazetteer.for_lang(lg)
            found = gaz.lookup(part)
            if found is None and "," in part:  # "BERLIN, 10. Februar"
                found = gaz.lookup(part.split(",")[0])
            if found is not None:
                break
        if found is not None:
            places.append(found)
    if not places:
        return None
    head = places[0]
    head.rule = f"dateline '{text}': {head.rule}"
    head.alternatives = [f"{p.name} ({p.country}, dateline)" for p in places[1:]] + head.alternatives
    return head
