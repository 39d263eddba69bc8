"""Statements: who said what, as quoted words or reported speech, found in a parsed article.

The rules are language-neutral; the words they look for (speech verbs, "laut", "according to",
Konjunktiv I forms, quote marks) come from ``chronik/lang/<lang>/speech.json``. They work on a blank
pipeline (sentences + lookup lemmas) and use POS, morphology and dependencies when a trained pipeline
provides them.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from spacy.tokens import Doc, Span, Token

from chronik.errors import error
from chronik.lemmas import candidates as lemma_candidates
from chronik.model import Entity, Evidence, Statement
from chronik.nlp import check_lang

LANG_DIR = Path(__file__).parent / "lang"
SUBJECT_DEPS = frozenset({"nsubj", "nsubj:pass", "nsubjpass", "sb", "csubj"})
_WORD = re.compile(r"\w+")
_CLOSING_PUNCT = ".!?;…"
_MAX_QUOTE_CHARS = 4000
_FRAME_GAP = 8  # most tokens between a speech verb and the comma/colon that opens its content

# Rule priorities: when two rules give one speaker in one sentence, the higher one wins.
_PRIORITY = {
    "label": 10, "colon": 9, "verb-forward": 8, "verb-inverted": 8, "impersonal": 8, "back-reference": 7,
    "as-clause": 7, "source-preposition": 6, "source-postposition": 6, "source-noun": 6,
    "colon-first-person": 5, "source-clause": 6, "quote": 4, "continuation": 3,
}


@dataclass(frozen=True)
class SpeechLexicon:
    """Speech cues of one language, loaded from its ``speech.json``."""

    lang: str
    verbs: frozenset[str]
    particles: dict[str, tuple[tuple[str, str], ...]]  # bare lemma -> ((particle, full lemma), ...)
    forms: dict[str, str]
    impersonal: frozenset[str]
    expletive: frozenset[str]
    back_reference: frozenset[str]
    complementizers: frozenset[str]
    wh_clause: frozenset[str]
    as_words: frozenset[str]
    as_lemmas: frozenset[str]
    source_prepositions: frozenset[str]
    source_multiword: tuple[tuple[str, ...], ...]
    source_postpositions: frozenset[str]
    source_noun_preps: frozenset[str]
    source_nouns: tuple[str, ...]
    continuation_adverbs: frozenset[str]
    document_nouns: frozenset[str]
    speaker_stop: frozenset[str]
    prepositions: frozenset[str]
    determiners: frozenset[str]
    pronouns: frozenset[str]
    first_person: frozenset[str]
    first_person_strict: frozenset[str]
    interviewer_labels: frozenset[str]
    konjunktiv1: frozenset[str]
    konjunktiv2: frozenset[str]
    indicative_is_direct: bool
    dashes: frozenset[str]
    addressees: frozenset[str]
    quote_pairs: dict[str, str]
    apostrophe_like: frozenset[str]
    pp_content: dict[str, str]
    object_pronouns: frozenset[str]
    expletives: frozenset[str]  # "wie der Minister es formulierte": not part of the speaker
    needs_pp: frozenset[str]
    non_reported_openers: frozenset[str]
    particle_words: frozenset[str]
    wonach: frozenset[str]

    @classmethod
    def from_file(cls, lang: str, path: Path) -> SpeechLexicon:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise error("E070", path=path, detail=exc) from exc

        def words(key: str) -> frozenset[str]:
            return frozenset(w.lower() for w in data.get(key, []))

        particles: dict[str, list[tuple[str, str]]] = {}
        for full, (particle, bare) in data.get("separable", {}).items():
            particles.setdefault(bare, []).append((particle, full))
        forms = {form: lemma for lemma, fs in data.get("forms", {}).items() for form in fs}
        source = data.get("source_nouns", {})
        quotes = data.get("quotes", {})
        return cls(
            lang=lang,
            verbs=words("speech_verbs"),
            particles={k: tuple(v) for k, v in particles.items()},
            forms=forms,
            impersonal=frozenset(data.get("impersonal", {}).get("lemmas", [])),
            expletive=frozenset(data.get("impersonal", {}).get("expletive", [])),
            back_reference=words("back_reference"),
            complementizers=words("complementizers"),
            wh_clause=words("wh_clause"),
            as_words=frozenset(data.get("as_cue", {}).get("words", [])),
            as_lemmas=frozenset(data.get("as_cue", {}).get("extra_lemmas", [])),
            source_prepositions=words("source_prepositions"),
            source_multiword=tuple(tuple(w.lower() for w in m) for m in data.get("source_multiword", [])),
            source_postpositions=words("source_postpositions"),
            source_noun_preps=frozenset(w.lower() for w in source.get("preposition", [])),
            source_nouns=tuple(w.lower() for w in source.get("nouns", [])),
            continuation_adverbs=words("continuation_adverbs"),
            document_nouns=words("document_nouns"),
            speaker_stop=words("speaker_stop"),
            prepositions=words("prepositions"),
            determiners=words("determiners"),
            pronouns=words("pronouns"),
            first_person=words("first_person"),
            first_person_strict=words("first_person_strict"),
            interviewer_labels=words("interviewer_labels"),
            konjunktiv1=frozenset(w.lower() for w in data.get("konjunktiv1", {}).get("forms", [])),
            konjunktiv2=frozenset(w.lower() for w in data.get("konjunktiv2", {}).get("forms", [])),
            indicative_is_direct=bool(data.get("indicative_unquoted_is_direct", False)),
            dashes=frozenset(data.get("dateline_dashes", [])),
            addressees=words("addressee_nouns"),
            quote_pairs={o: c for o, c in quotes.get("pairs", [])},
            apostrophe_like=frozenset(quotes.get("apostrophe_like", [])),
            pp_content={k: v for k, v in data.get("pp_content", {}).items() if not k.startswith("_")},
            needs_pp=words("needs_pp"),
            object_pronouns=words("object_pronouns"),
            expletives=words("expletives"),
            non_reported_openers=words("non_reported_openers"),
            particle_words=words("particles"),
            wonach=words("wonach"),
        )


@functools.cache
def lexicon(lang: str) -> SpeechLexicon:
    """The speech cues for `lang`, read once per process."""
    lang = check_lang(lang)
    return SpeechLexicon.from_file(lang, LANG_DIR / lang / "speech.json")


# --------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class Quote:
    """A quoted stretch: `start`/`end` are the marks, `inner_start`/`inner_end` the words inside."""

    start: int
    end: int
    inner_start: int
    inner_end: int

    @property
    def words(self) -> int:
        return self.inner_end - self.inner_start


def find_quotes(text: str, lex: SpeechLexicon) -> list[Quote]:
    """Outermost quotations in `text`, left to right; apostrophes and unclosed marks are skipped."""
    quotes: list[Quote] = []
    i, n = 0, len(text)
    if not lex.quote_pairs:
        return quotes
    openers = _openers("".join(lex.quote_pairs))
    while i < n:
        found = openers.search(text, i)  # the next opening mark (a regex skips the other characters in C)
        if found is None:
            break
        i = found.start()
        closers = lex.quote_pairs[text[i]]
        if not _may_open(text, i, lex):
            i += 1
            continue
        j = _closing(text, i, closers, lex)
        if j is None:
            i += 1
            continue
        inner_start, inner_end = i + 1, j
        while inner_start < inner_end and text[inner_start].isspace():
            inner_start += 1
        while inner_end > inner_start and text[inner_end - 1].isspace():
            inner_end -= 1
        if inner_end > inner_start:
            quotes.append(Quote(i, j + 1, inner_start, inner_end))
        i = j + 1
    return quotes


@functools.cache
def _openers(marks: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in marks) + "]")


def _may_open(text: str, i: int, lex: SpeechLexicon) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    if after.isspace():
        return False
    if text[i] in lex.apostrophe_like:
        before = text[i - 1] if i else " "
        return before.isspace() or before in "([{/–—-:" or before in lex.quote_pairs
    return True


def _closing(text: str, i: int, closers: str, lex: SpeechLexicon) -> int | None:
    limit = min(len(text), i + _MAX_QUOTE_CHARS)
    j = i + 1
    while j < limit:
        ch = text[j]
        if ch == "\n" and text[j + 1: j + 2] == "\n":
            return None
        if ch in closers and not text[j - 1].isspace():
            after = text[j + 1] if j + 1 < len(text) else " "
            if not (ch in lex.apostrophe_like and (after.isalnum())):
                return j
        j += 1
    return None


# --------------------------------------------------------------------------- candidates


@dataclass
class _Candidate:
    sent: int
    content_start: int
    content_end: int
    kind: str
    cue_start: int
    cue_end: int
    rule: str
    speaker: Entity | None = None
    notes: list[str] = field(default_factory=list)
    quoted: bool = False
    weak: bool = False  # the cue itself may be part of running reported speech

    @property
    def priority(self) -> int:
        return _PRIORITY.get(self.rule.split(":")[0], 0)


class _Article:
    """Per-call state: the doc, its sentences, quotes and mentions, and the lexicon."""

    def __init__(self, doc: Doc, mentions: Sequence[Entity], lex: SpeechLexicon) -> None:
        self.doc = doc
        self.text = doc.text
        self.lex = lex
        self.sents: list[Span] = list(doc.sents)
        # spaCy builds a new Token object on every doc[i] and every step through a Span; the rules
        # below look at each token many times, so they index this list (and the lower forms) instead.
        self.toks: list[Token] = list(doc)
        self.lowers: list[str] = [t.lower_ for t in self.toks]
        self._lemmas = [lex.forms.get(low, (t.lemma_ or t.text).lower()) for t, low in zip(self.toks, self.lowers)]
        self._label_like: dict[int, bool] = {}
        self.mentions = sorted((m for m in mentions if m.start >= 0 and m.end > m.start), key=lambda m: m.start)
        self.quotes = find_quotes(self.text, lex)
        self.has_pos = doc.has_annotation("POS")
        self.has_dep = doc.has_annotation("DEP")
        self.has_morph = doc.has_annotation("MORPH")
        self._quoted = [False] * len(doc)
        for q in self.quotes:
            span = doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is not None:
                for t in span:
                    self._quoted[t.i] = True
        self._content_starts: dict[tuple[int, int], int] = {}  # content_start per sentence, computed once

    # ---- token predicates

    def quoted(self, tok: Token) -> bool:
        return self._quoted[tok.i]

    def lemma(self, tok: Token) -> str:
        return self._lemmas[tok.i]

    def is_noun_like(self, tok: Token) -> bool:
        if self.has_pos:
            return tok.pos_ in ("NOUN", "PROPN")
        return tok.text[:1].isupper()

    def may_be_verb(self, tok: Token) -> bool:
        if self.has_pos:
            # The shipped German tagger is ~91 % accurate: a lower-case word it did not call a
            # noun, pronoun or article may still be the verb ("unterstrich" tagged ADV).
            return tok.pos_ in ("VERB", "AUX") or (
                tok.is_alpha and tok.text[:1].islower() and tok.pos_ not in ("NOUN", "PROPN", "DET", "PRON", "ADP"))
        if self.lex.lang == "de" and tok.text[:1].isupper() and tok.i != tok.sent.start:
            return False  # German nouns are capitalised: "Erklärung", "Sagen"
        return tok.is_alpha

    def speech_lemma(self, tok: Token, sent: Span) -> str | None:
        """The speech verb `tok` belongs to (joining separable particles), or None."""
        if self.quoted(tok) or not self.may_be_verb(tok):
            return None
        lemma = self.lemma(tok)
        if lemma in self.lex.particles:
            clause = self.clause_tokens(tok, sent)
            words = {t.lower_ for t in clause if t.i != tok.i}
            for particle, full in self.lex.particles[lemma]:
                if particle in words:
                    return full
        if lemma in self.lex.verbs:
            return lemma
        return None

    def clause_tokens(self, tok: Token, sent: Span) -> list[Token]:
        """Tokens of `sent` between the punctuation marks around `tok`."""
        start, end = tok.i, tok.i + 1
        toks = self.toks
        while start > sent.start and toks[start - 1].text not in ",:;":
            start -= 1
        while end < sent.end and toks[end].text not in ",:;":
            end += 1
        return toks[start:end]

    def konjunktiv(self, tokens: Sequence[Token]) -> tuple[bool, bool]:
        """(has a Konjunktiv I form, has a Konjunktiv II form) among `tokens`."""
        k1 = k2 = False
        words = {t.lower_ for t in tokens}
        for t in tokens:
            if self.quoted(t):
                continue
            low = t.lower_
            if self.has_morph and t.morph.get("Mood") == ["Sub"]:
                if t.morph.get("Tense") == ["Past"]:
                    k2 = True
                else:
                    k1 = True
                continue
            if low in self.lex.konjunktiv1:
                k1 = k1 or "ich" not in words or low in ("sei", "seien")
            elif (self.lex.konjunktiv1 and self.has_morph and low.endswith("e") and len(low) > 3
                  and "ich" not in words and not t.text[:1].isupper()
                  and t.pos_ not in ("NOUN", "PROPN", "ADJ", "DET", "PRON", "ADP", "ADV")
                  and any(lem.endswith(low + "n") for lem in lemma_candidates(
                      self.lex.lang, (t.lemma_ or "").lower(), t.text))):
                k1 = True  # "müsse", "gebe": stem + e is Konjunktiv I (the indicative 3sg ends in -t)
            elif low in self.lex.konjunktiv2:
                k2 = True
            elif (self.lex.konjunktiv1 and not self.has_morph and not t.text[:1].isupper() and low.endswith("e")
                  and len(low) > 3 and "ich" not in words and t.i > t.sent.start
                  and (not self.has_pos or t.pos_ in ("VERB", "AUX")) and self._verb_like_e(t)):
                k1 = True
        return k1, k2

    def _verb_like_e(self, t: Token) -> bool:
        """A blank pipeline's guess that an -e form is a Konjunktiv I verb, not an adjective."""
        doc = self.doc
        if t.lower_ in self.lex.determiners or t.lower_ in self.lex.pronouns or t.lower_ in self.lex.first_person:
            return False
        prev = doc[t.i - 1] if t.i > 0 else None
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if prev is not None and (prev.lower_ in self.lex.determiners or prev.lower_ in self.lex.prepositions):
            return False
        if nxt is not None and nxt.text[:1].isupper() and nxt.is_alpha and not nxt.is_sent_start:
            if (t.lemma_ or "").lower() != t.lower_ + "n":
                return False
            if nxt.lower_ not in self.lex.pronouns:
                return False  # "eine herbe Niederlage", "normale Struktur"
        lemma = (t.lemma_ or "").lower()
        if lemma == t.lower_ + "n":
            return True
        if lemma == t.lower_:  # unknown to the lemma table: a separated particle at the clause end tells
            end = t.i + 1
            while end < t.sent.end and not doc[end].is_punct:
                end += 1
            return end - 1 > t.i and doc[end - 1].lower_ in self.lex.particle_words
        return False

    # ---- spans

    def sent_tokens(self, sent: Span) -> list[Token]:
        return self.toks[sent.start:sent.end]

    def sent_text(self, sent: Span) -> str:
        """`sent.text` (the characters from its first to its last token), without re-joining tokens."""
        return self.text[sent.start_char:sent.end_char]

    def label_like(self, i: int) -> bool:
        found = self._label_like.get(i)
        if found is None:
            found = self._label_like[i] = _label_like(self, self.sents[i])
        return found

    def tokens(self, start: int, end: int) -> list[Token]:
        span = self.doc.char_span(start, end, alignment_mode="contract")
        return list(span) if span is not None else []

    def content_start(self, sent: Span) -> int:
        """Start of `sent` after a dateline ("Wien – ") when there is one."""
        key = (sent.start, sent.end)
        found = self._content_starts.get(key)
        if found is None:
            found = self._content_starts[key] = self._content_start(sent)
        return found

    def _content_start(self, sent: Span) -> int:
        toks = [t for t in self.sent_tokens(sent) if not t.is_space]
        if not toks:
            return sent.start_char
        for k, t in enumerate(toks[:8]):
            if k == 0 or k + 1 >= len(toks):
                continue
            head = toks[:k]
            if t.text in self.lex.dashes and all(x.text[:1].isupper() or x.text in "/." for x in head):
                return toks[k + 1].idx
            if t.text == ":" and head[-1].is_upper and len(head[-1].text) >= 3:
                return toks[k + 1].idx  # "date 2022-02 KOPENHAGEN: ..."
        return toks[0].idx

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Shrink a content span: no surrounding spaces, closing punctuation or complementizer."""
        text = self.text
        while start < end and (text[start].isspace() or text[start] in ",:"):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _CLOSING_PUNCT + ",:"):
            end -= 1
        return start, end

    def quote_in(self, start: int, end: int) -> Quote | None:
        """The longest quote overlapping [start, end) that is more than a scare quote there."""
        best = None
        for q in self.quotes:
            if q.end <= start or q.start >= end:
                continue
            words = len(_WORD.findall(self.text[q.inner_start:q.inner_end]))
            region_words = max(1, len(_WORD.findall(self.text[start:end])))
            if words >= 3 or words / region_words >= 0.5:
                if best is None or q.words > best.words:
                    best = q
        return best


def find_statements(doc: Doc, mentions: list[Entity], *, lang: str, article_id: str) -> list[Statement]:
    """Direct quotes and reported speech in `doc`, each with its speaker and the rule that found it.

    `mentions` are the actor mentions of the article (character offsets into ``doc.text``); the speaker
    is the mention that fills the speaker slot of the cue, else an Entity with only its text.
    """
    art = _Article(doc, mentions, lexicon(lang))
    by_sent: list[list[_Candidate]] = [[] for _ in art.sents]
    for i, sent in enumerate(art.sents):
        by_sent[i] = _sentence_candidates(art, i, sent)
    _attach_quotes(art, by_sent)
    _continue(art, by_sent)
    statements: list[Statement] = []
    for i, cands in enumerate(by_sent):
        for cand in _select(cands):
            statements.append(_statement(art, cand, article_id, len(statements) + 1))
    return statements


def _statement(art: _Article, cand: _Candidate, article_id: str, n: int) -> Statement:
    sent = art.sents[cand.sent]
    evidence = Evidence(
        article_id=article_id, sentence_index=cand.sent, sentence=art.sent_text(sent),
        sent_start=sent.start_char, sent_end=sent.end_char, start=cand.cue_start, end=cand.cue_end,
        trigger=art.text[cand.cue_start:cand.cue_end], rule=cand.rule, notes=list(cand.notes),
    )
    return Statement(
        speaker=cand.speaker, content=art.text[cand.content_start:cand.content_end],
        content_start=cand.content_start, content_end=cand.content_end, kind=cand.kind,
        evidence=evidence, id=f"{article_id}-s{n}",
    )


def _select(cands: list[_Candidate]) -> list[_Candidate]:
    """One statement per speaker per sentence; a source phrase yields to a speech verb."""
    if any(c.rule.startswith(("verb-", "impersonal", "as-clause")) for c in cands):
        cands = [c for c in cands if not c.rule.startswith("source-")]
    outer = [c for c in cands if not c.rule.startswith(("source-", "quote", "continuation"))]
    cands = [c for c in cands if not any(o is not c and o.content_start <= c.cue_start and c.cue_end <= o.content_end
                                         and not (c.content_start <= o.cue_start < c.content_end) for o in outer)]
    chosen: list[_Candidate] = []
    for cand in sorted(cands, key=lambda c: (-c.priority, c.speaker is None or c.speaker.code is None,
                                             -c.cue_start)):
        if cand.content_end <= cand.content_start:
            continue
        clash = False
        for other in chosen:
            if _speaker_key(other.speaker) == _speaker_key(cand.speaker):
                clash = True
            overlap = min(other.content_end, cand.content_end) - max(other.content_start, cand.content_start)
            shorter = min(other.content_end - other.content_start, cand.content_end - cand.content_start)
            if overlap > 0.5 * shorter:
                clash = True
        if not clash:
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.content_start)


def _speaker_key(entity: Entity | None) -> tuple[object, ...]:
    if entity is None:
        return (None,)
    if entity.entity_id is not None:
        return ("id", entity.entity_id)
    if entity.code is not None:
        return ("code", entity.code, entity.sector, entity.name)
    return ("text", entity.text.lower())


# --------------------------------------------------------------------------- per-sentence rules


def _sentence_candidates(art: _Article, i: int, sent: Span) -> list[_Candidate]:
    lex = art.lex
    found: list[_Candidate] = []
    used: set[int] = set()  # token indices that already served as a cue
    if art.sent_text(sent).rstrip().endswith("?"):
        return found
    label = _label(art, i, sent)
    if label is not None:
        found.append(label)
    found.extend(_as_clauses(art, i, sent, used))
    for tok in art.sent_tokens(sent):
        if tok.i in used:
            continue
        if art.lemma(tok) in lex.impersonal and not art.quoted(tok):
            cand = _impersonal(art, i, sent, tok)
            if cand is not None:
                used.add(tok.i)
                found.append(cand)
            continue
        if art.lowers[tok.i] in lex.wonach and tok.i > sent.start and art.toks[tok.i - 1].text == "," \
                and not art.quoted(tok):
            cand = _wonach(art, i, sent, tok)
            if cand is not None:
                found.append(cand)
            continue
        lemma = art.speech_lemma(tok, sent)
        if lemma is None:
            continue
        cand = None if lemma in lex.needs_pp else _verb_cue(art, i, sent, tok, lemma)
        if cand is None and lemma in lex.pp_content:
            cand = _pp_cue(art, i, sent, tok, lemma)
        if cand is not None:
            used.add(tok.i)
            found.append(cand)
    found.extend(_source_phrases(art, i, sent))
    if label is None and not any(c.rule.startswith(("colon", "verb-")) for c in found):
        cand = _colon_first_person(art, i, sent)
        if cand is not None:
            found.append(cand)
    return found


def _kind(art: _Article, start: int, end: int, *, reported: bool) -> tuple[str, str]:
    """'direct' or 'indirect' for unquoted content, with the reason."""
    toks = art.tokens(start, end)
    words = [t.lower_ for t in toks]
    k1, k2 = art.konjunktiv(toks)
    if words and words[0] in art.lex.complementizers:
        return "indirect", "complementizer"
    if k1:
        return "indirect", "Konjunktiv I"
    if any(w in art.lex.first_person_strict for w in words):
        return "direct", "first person"
    if k2 or reported:
        return "indirect", "Konjunktiv II" if k2 else "reported clause"
    if art.lex.indicative_is_direct:
        return "direct", "indicative clause without quote marks"
    return "indirect", "reported clause"


def _verb_cue(art: _Article, i: int, sent: Span, verb: Token, lemma: str) -> _Candidate | None:
    lex = art.lex
    doc = art.doc
    toks = art.sent_tokens(sent)
    k = verb.i - sent.start
    cstart = art.content_start(sent)
    cue = (verb.idx, verb.idx + len(verb.text))
    # "Das sagte X." / "Dies teilte X mit.": the content is the previous sentence
    first = [t for t in toks if t.idx >= cstart]
    if i > 0 and len(first) > 1 and first[1].i == verb.i and first[0].lower_ in lex.back_reference:
        prev = art.sents[i - 1]
        if not prev.text.rstrip().endswith("?"):
            s, e = art.trim(art.content_start(prev), prev.end_char)
            kind, why = _kind(art, s, e, reported=True)
            speaker, how = _speaker_after(art, verb, sent)
            return _Candidate(i, s, e, kind, *cue, f"back-reference:{lemma}", speaker, [how, why])
    # "..., sagte X." / "..., X said." (content before the frame)
    boundary = _inverted_boundary(art, sent, verb)
    if boundary is not None and _reported_before(art, cstart, boundary):
        s, e = art.trim(cstart, boundary)
        words = art.tokens(s, e)
        # "Sonja Hammerschmid, die neue Vorsitzende ..., fordert": an apposition, not a reported clause
        clause = not art.has_pos or any(t.pos_ in ("VERB", "AUX") for t in words)
        if len(words) >= 2 and clause:
            kind, why = _kind(art, s, e, reported=False)
            if lex.lang == "en" or doc[verb.i - 1].text in ",\"”“»«'’" or doc[verb.i - 1].is_punct:
                speaker, how = _speaker_after(art, verb, sent) if _subject_after(art, verb, sent) else \
                    _speaker_before(art, verb, sent, lo=boundary)
                return _Candidate(i, s, e, kind, *cue, f"verb-inverted:{lemma}", speaker, [how, why])
    if _passive(art, verb, sent, lemma):
        return None  # "Ihnen wird vorgeworfen, ...": nobody is named as the speaker
    # "X sagte (am Montag): ..." / "X sagte, (dass) ..." / "X said (that) ..."
    j = k + 1
    while j < len(toks) and j - k <= _FRAME_GAP and toks[j].text not in ",:;" and toks[j].lower_ not in lex.complementizers:
        j += 1
    if j >= len(toks) or j - k > _FRAME_GAP:
        if lex.lang == "en" and k + 1 < len(toks) and not toks[-1].i == verb.i:
            return _english_bare(art, i, sent, verb, lemma)
        return None
    mark = toks[j]
    if mark.text == ";":
        return None
    s, e = art.trim(mark.idx + len(mark.text), sent.end_char)
    if mark.lower_ in lex.complementizers:
        s, e = art.trim(mark.idx, sent.end_char)
    body = art.tokens(s, e)
    if len(body) < 2:
        return None
    if mark.text == ":":
        kind, why = _kind(art, s, e, reported=False)
        if doc[verb.i - 1].text == ",":  # "Das werde nötig sein, sagt X: ..."
            speaker, how = _speaker_after(art, verb, sent)
        else:
            speaker, how = _speaker_before(art, verb, sent)
        return _Candidate(i, s, e, kind, *cue, f"colon:{lemma}", speaker, [how, why])
    # a comma after the verb opens the content only if a clause follows
    lead = body[0].lower_
    if lead in lex.complementizers:
        s = body[1].idx if len(body) > 1 else s
        kind, why = "indirect", "complementizer"
    else:
        k1, k2 = art.konjunktiv(body)
        zu_inf = any(t.lower_ in ("zu", "to") and body[n + 1].is_lower and body[n + 1].is_alpha
                     and body[n + 1].lower_ not in lex.object_pronouns
                     and body[n + 1].lower_ not in lex.determiners for n, t in enumerate(body[:-1]))
        first_p = any(t.lower_ in lex.first_person_strict for t in body)
        if lead in lex.determiners and not (k1 or k2 or (zu_inf and j == k + 1)):
            return None  # "kritisierte die Regierung, die ..." is a relative clause
        if not (k1 or k2 or zu_inf or first_p or lead in lex.wh_clause):
            return None
        kind, why = _kind(art, s, e, reported=True) if not first_p else ("direct", "first person")
        if k1 or zu_inf:
            kind = "indirect"
    speaker, how = _speaker_before(art, verb, sent)
    weak = art.konjunktiv([verb])[0]  # "die Krise unterstreiche, ..." is itself reported
    return _Candidate(i, s, e, kind, *cue, f"verb-forward:{lemma}", speaker, [how, why], weak=weak)


def _pp_cue(art: _Article, i: int, sent: Span, verb: Token, lemma: str) -> _Candidate | None:
    """"warnt vor einer Krise", "sprach von Anschlagsplänen", "hält X für Y": the phrase is the content."""
    doc = art.doc
    prep = art.lex.pp_content[lemma]
    clause = art.clause_tokens(verb, sent)
    pp = next((t for t in clause if t.lower_ == prep and (t.i > verb.i or prep != "für")), None)
    if pp is None:
        return None
    end = clause[-1]
    while end.i > pp.i and (end.lower_ in art.lex.particle_words or end.is_punct or
                            (end.i > verb.i and art.lemma(end) == lemma)):
        end = doc[end.i - 1]
    first = clause[0]
    if prep == "für":  # "hält X für Y": X and Y together; object first means the whole clause
        start = doc[verb.i + 1] if pp.i > verb.i + 1 else None
        if start is None:
            return None
        if art.is_noun_like(first) and first.lower_ not in art.lex.determiners and _mention_in(art, first.idx, verb.idx) is None:
            start = first
        elif first.lower_ in art.lex.determiners and _mention_in(art, first.idx, verb.idx) is None:
            start = first
        speaker_region = [t for t in clause if t.i > verb.i and t.i < pp.i] if start.i < verb.i else \
            [t for t in clause if t.i < verb.i]
        if start.i > verb.i and speaker_region == [] :
            return None
    else:
        start = doc[pp.i + 1]
        if pp.i < verb.i:  # verb-final: "hatten von Anschlagsplänen gesprochen"
            end = doc[verb.i - 1]
            while end.i > pp.i and (end.lower_ in art.lex.particle_words or end.is_punct):
                end = doc[end.i - 1]
        if start.i > end.i:
            return None
        speaker_region = [t for t in clause if t.i < verb.i] or [t for t in clause if verb.i < t.i < pp.i]
    if prep == "für" and start.i < verb.i:  # object first: "Einen offenen Zugang hält sie für naiv"
        speaker, how = _speaker_after(art, verb, sent, stop=True)
    else:
        speaker, how = _speaker_before(art, verb, sent)
    if speaker is None:
        return None
    s, e = art.trim(start.idx, end.idx + len(end.text))
    if len(art.tokens(s, e)) < 1:
        return None
    return _Candidate(i, s, e, "indirect", verb.idx, verb.idx + len(verb.text), f"verb-pp:{lemma}", speaker,
                      [how, f"'{prep}' phrase is what was said"])


def _wonach(art: _Article, i: int, sent: Span, tok: Token) -> _Candidate | None:
    """"Medienberichte, wonach China ...": the reports are the source."""
    comma = tok.i - 1
    start = _np_start(art, comma, sent)
    if start >= comma:
        return None
    speaker, how = _speaker_in(art, list(art.doc[start:comma]), prefer="document")
    s, e = art.trim(tok.idx + len(tok.text), sent.end_char)
    if len(art.tokens(s, e)) < 2:
        return None
    return _Candidate(i, s, e, "indirect", tok.idx, tok.idx + len(tok.text), "source-clause:wonach", speaker,
                      [how, "clause after 'wonach'"])


def _passive(art: _Article, verb: Token, sent: Span, lemma: str) -> bool:
    if art.has_morph and art.doc[verb.i].morph.get("Voice") == ["Pass"]:
        return True
    if art.lex.lang != "de" or verb.lower_ == lemma or verb.lower_.endswith("te"):
        return False
    clause = art.clause_tokens(verb, sent)
    return any(t.i < verb.i and art.lemma(t) == "werden" for t in clause) and clause[-1].i == verb.i


def _reported_before(art: _Article, start: int, end: int) -> bool:
    """Whether [start, end) can be the content of a trailing frame, not a fronted adverbial or a subject."""
    toks = art.tokens(start, end)
    if not toks:
        return False
    segment = toks
    for k in range(len(toks) - 1, -1, -1):
        if toks[k].text == ",":
            segment = toks[k + 1:]
            break
    if segment and segment[0].lower_ in art.lex.non_reported_openers:
        return False  # "Um die Verbrechen aufzuarbeiten, schlagen die UN ... vor"
    if re.search(r"\b[Uu]m\b[^,]*zu\w*$", art.text[start:end].rstrip(" ,")) and art.lex.lang == "de":
        return False
    mention = next((m for m in art.mentions if m.start == toks[0].idx and (m.kind == "person" or m.name)), None)
    if mention is not None and len(toks) > 1:
        after = [t for t in toks if t.idx >= mention.end]
        if after and after[0].text == ",":
            return False  # "Sonja Hammerschmid, die neue Vorsitzende ..., fordert ..." is the subject
    if art.has_pos and not any(art.may_be_verb(t) for t in toks):
        return False
    return True


def _english_bare(art: _Article, i: int, sent: Span, verb: Token, lemma: str) -> _Candidate | None:
    """English "X said the talks failed." with no comma, "that" or colon after the verb."""
    lex = art.lex
    nxt = art.doc[verb.i + 1] if verb.i + 1 < sent.end else None
    if nxt is None or nxt.is_punct or nxt.lower_ in lex.prepositions or nxt.lower_ in ("he", "she") and lemma != "say":
        return None
    start_tok = nxt
    if lemma == "tell":  # "told reporters/Reuters ..."
        j = verb.i + 1
        if art.doc[j].lower_ in lex.determiners:
            j += 1
        j += 1
        if j >= sent.end:
            return None
        start_tok = art.doc[j]
    s, e = art.trim(start_tok.idx, sent.end_char)
    if len(art.tokens(s, e)) < 3 or art.text[verb.idx - 2: verb.idx].strip() == ",":
        return None
    speaker, how = _speaker_before(art, verb, sent)
    if speaker is None:
        return None
    kind, why = _kind(art, s, e, reported=True)
    return _Candidate(i, s, e, kind, verb.idx, verb.idx + len(verb.text), f"verb-forward:{lemma}", speaker, [how, why])


def _inverted_boundary(art: _Article, sent: Span, verb: Token) -> int | None:
    """Where the content ends when `verb` sits in a trailing frame (", sagte X." / ", X said.")."""
    doc = art.doc
    lex = art.lex
    j = verb.i - 1
    # German: the verb directly follows the comma (or closing quote); English allows a subject between
    max_gap = 0 if lex.lang == "de" else 6
    gap = 0
    while j >= sent.start and gap <= max_gap:
        t = doc[j]
        if t.text == "," or (t.is_quote and t.i > sent.start and doc[j - 1].text in ",.!?"):
            if j == sent.start:
                return None
            # the frame must run to the end of the sentence without a new clause
            rest = doc[verb.i + 1: sent.end]
            if any(r.lower_ in lex.complementizers for r in rest):
                return None
            if any(r.text == "," for r in rest) and lex.lang == "en":
                return None
            if any(r.text == ":" for r in rest):
                return None
            end = t.idx
            while j - 1 >= sent.start and (doc[j - 1].text == "," or doc[j - 1].is_quote):
                j -= 1
                end = doc[j].idx
            return end
        if t.is_punct or t.lower_ in lex.complementizers:
            return None
        gap += 1
        j -= 1
    return None


def _subject_after(art: _Article, verb: Token, sent: Span) -> bool:
    """True when the speaker follows the verb (", sagte X" / ", said X")."""
    if art.lex.lang == "de":
        return True
    prev = art.doc[verb.i - 1]
    return prev.text == "," or prev.is_quote


def _impersonal(art: _Article, i: int, sent: Span, verb: Token) -> _Candidate | None:
    """"In einer Mitteilung des X hieß es, ..." / "..., heißt es in dem Bericht des X"."""
    doc = art.doc
    lex = art.lex
    near = [t for t in doc[max(sent.start, verb.i - 1): min(sent.end, verb.i + 2)] if t.i != verb.i]
    if not any(t.lower_ in lex.expletive for t in near):
        return None
    cue = (verb.idx, verb.idx + len(verb.text))
    cstart = art.content_start(sent)
    boundary = _inverted_boundary(art, sent, verb)
    if boundary is not None:
        s, e = art.trim(cstart, boundary)
        region = [t for t in doc[verb.i + 1: sent.end] if t.lower_ not in lex.expletive]
        speaker, how = _speaker_in(art, region, prefer="document")
        kind, why = _kind(art, s, e, reported=True)
        return _Candidate(i, s, e, kind, *cue, "impersonal:inverted", speaker, [how, why])
    # forward: the source phrase stands before the verb or right after "es"
    after = verb.i + 1
    while after < sent.end and doc[after].lower_ in lex.expletive:
        after += 1
    j = after
    while j < sent.end and doc[j].text not in ",:":
        j += 1
    if j >= sent.end:
        return None
    s, e = art.trim(doc[j].idx + 1, sent.end_char)
    if art.tokens(s, e) and art.tokens(s, e)[0].lower_ in lex.complementizers:
        s = art.tokens(s, e)[1].idx if len(art.tokens(s, e)) > 1 else s
    before = [t for t in doc[sent.start: verb.i] if t.idx >= cstart]
    region = before or list(doc[after:j])
    speaker, how = _speaker_in(art, region, prefer="document")
    kind, why = _kind(art, s, e, reported=True)
    return _Candidate(i, s, e, kind, *cue, "impersonal:forward", speaker, [how, why])


def _as_clauses(art: _Article, i: int, sent: Span, used: set[int]) -> list[_Candidate]:
    """"wie X mitteilte" / "wie aus X hervorgeht" / "as X said": the rest of the sentence is the content."""
    lex = art.lex
    doc = art.doc
    toks = art.toks
    out = []
    cstart = art.content_start(sent)
    for tok in art.sent_tokens(sent):
        if art.lowers[tok.i] not in lex.as_words or art.quoted(tok):
            continue
        if tok.i > sent.start and toks[tok.i - 1].text not in ",–-(" and tok.idx != cstart:
            continue
        j = tok.i + 1
        verb = None
        while j < sent.end and toks[j].text not in ",:;.":
            lemma = art.speech_lemma(toks[j], sent) or (art.lemma(toks[j]) if art.lemma(toks[j]) in lex.as_lemmas else None)
            if lemma:
                verb = toks[j]
            j += 1
        if verb is None or verb.i == tok.i + 1:
            continue
        used.add(verb.i)
        for t in doc[tok.i: j]:
            used.add(t.i)
        clause_end = doc[j].idx if j < sent.end else sent.end_char
        if tok.idx <= cstart:
            s, e = art.trim(clause_end, sent.end_char)
        else:
            s, e = art.trim(cstart, tok.idx)
        if len(art.tokens(s, e)) < 2:
            continue
        region = list(doc[tok.i + 1: verb.i])
        if region and region[0].lower_ in ("aus", "from"):
            region = region[1:]
        while len(region) > 1 and (region[-1].lower_ in lex.object_pronouns or region[-1].lower_ in lex.expletives):
            region = region[:-1]  # "wie der Minister es formulierte"
        speaker, how = _speaker_in(art, region, prefer="document")
        cue = (tok.idx, verb.idx + len(verb.text))
        kind, why = _kind(art, s, e, reported=True)
        out.append(_Candidate(i, s, e, kind, *cue, f"as-clause:{art.lemma(verb)}", speaker, [how, why]))
    return out


def _source_phrases(art: _Article, i: int, sent: Span) -> list[_Candidate]:
    """"laut X", "X zufolge", "nach Angaben (von) X", "according to X"."""
    lex = art.lex
    doc = art.doc
    out = []
    cstart = art.content_start(sent)
    lowers = art.lowers
    toks = [t for t in art.sent_tokens(sent) if not art.quoted(t)]
    for tok in toks:
        low = lowers[tok.i]
        phrase: tuple[int, int] | None = None  # token range of the whole cue phrase
        region: list[Token] = []
        rule = ""
        multiword = [m for m in lex.source_multiword if m[:1] == (low,) and tuple(lowers[tok.i: tok.i + len(m)]) == m]
        if low in lex.source_prepositions:
            np_end = _np_end(art, tok.i + 1, sent)
            phrase, region, rule = (tok.i, np_end), list(doc[tok.i + 1: np_end]), "source-preposition"
        elif multiword:
            m = multiword[0]
            np_end = _np_end(art, tok.i + len(m), sent)
            phrase, region, rule = (tok.i, np_end), list(doc[tok.i + len(m): np_end]), "source-preposition"
        elif low in lex.source_postpositions:
            np_start = _np_start(art, tok.i, sent)
            phrase, region, rule = (np_start, tok.i + 1), list(doc[np_start: tok.i]), "source-postposition"
        elif low in lex.source_noun_preps and tok.i + 1 < sent.end:
            j = tok.i + 1
            while j < sent.end and j - tok.i <= 3 and not doc[j].lower_.endswith(lex.source_nouns):
                j += 1
            if j >= sent.end or j - tok.i > 3 or not doc[j].lower_.endswith(lex.source_nouns):
                continue
            noun = doc[j]
            end = j + 1
            if end < sent.end and doc[end].lower_ in ("von", "des", "der", "vom", "eines", "einer"):
                end = _np_end(art, end + (1 if doc[end].lower_ == "von" else 0), sent, genitive_ok=True)
                region = list(doc[j + 1: end])
                if region and region[0].lower_ == "von":
                    region = region[1:]
            elif noun.lower_ in lex.source_nouns:
                continue  # "nach Angaben" with no source
            else:
                region = [noun]  # "nach UN-Schätzungen", "nach Polizeiangaben"
            phrase, rule = (tok.i, end), "source-noun"
        if phrase is None or phrase[1] <= phrase[0] or not region:
            continue
        p_start, p_end = doc[phrase[0]].idx, doc[phrase[1] - 1].idx + len(doc[phrase[1] - 1].text)
        if p_start <= cstart:
            s, e = art.trim(p_end, sent.end_char)
        elif doc[phrase[0] - 1].text == "," and (phrase[1] >= sent.end or doc[phrase[1]].is_punct):
            s, e = art.trim(cstart, doc[phrase[0] - 1].idx)
        else:
            s, e = art.trim(cstart, sent.end_char)
        if len(art.tokens(s, e)) < 2:
            continue
        speaker, how = _speaker_in(art, region, prefer="document")
        out.append(_Candidate(i, s, e, "indirect", p_start, p_end, f"{rule}:{doc[phrase[0]].lower_}", speaker,
                              [how, "source phrase"]))
    return out


def _label(art: _Article, i: int, sent: Span) -> _Candidate | None:
    """Interview answers: "Neisser: Es gab ...", "Stumpf weiter: Ich bin ..."."""
    toks = art.sent_tokens(sent)
    colon = next((k for k, t in enumerate(toks[:5]) if t.text == ":"), None)
    if colon is None or colon == 0 or len(toks) - colon < 4:
        return None
    label = [t for t in toks[:colon] if t.lower_ not in ("weiter", "dazu", "abschließend", "further")]
    if not label or len(label) > 3 or not all(t.text[:1].isupper() and t.is_alpha for t in label):
        return None
    if any(t.lower_ in art.lex.prepositions or t.lower_ in art.lex.determiners for t in label):
        return None
    if any(t.lower_ in art.lex.interviewer_labels for t in label):
        return None
    start, end = label[0].idx, label[-1].idx + len(label[-1].text)
    mention = _mention_in(art, start, end)
    person = mention is not None and (mention.kind == "person" or mention.name is not None)
    if not person:
        surname = label[-1].text
        earlier = art.text[: sent.start_char]
        person = len(label) == 2 or re.search(rf"\b[A-ZÄÖÜ][\w-]+ {re.escape(surname)}\b", earlier) is not None
    if not person:
        return None
    s, e = art.trim(toks[colon].idx + 1, sent.end_char)
    speaker = mention if mention is not None else _text_entity(art, start, end, "label without actor mention")
    if mention is None or mention.code is None:
        speaker = _person_by_surname(art, label[-1].text) or speaker
    return _Candidate(i, s, e, "direct", toks[colon].idx, toks[colon].idx + 1, "label:interview", speaker,
                      ["speaker label before a colon"])


def _colon_first_person(art: _Article, i: int, sent: Span) -> _Candidate | None:
    """"Jaalon verteidigte die Regeln: Wir werden ..." - a colon then first-person words."""
    toks = art.sent_tokens(sent)
    colon = next((k for k, t in enumerate(toks) if t.text == ":" and not art.quoted(t)), None)
    if colon is None or colon < 2:
        return None
    body = toks[colon + 1:]
    if len(body) < 4 or not any(t.lower_ in art.lex.first_person_strict for t in body):
        return None
    cstart = art.content_start(sent)
    frame = [t for t in toks[:colon] if t.idx >= cstart]
    speaker, how = _speaker_in(art, frame, prefer="subject")
    if speaker is None or speaker.code is None:
        return None
    s, e = art.trim(toks[colon].idx + 1, sent.end_char)
    return _Candidate(i, s, e, "direct", toks[colon].idx, toks[colon].idx + 1, "colon-first-person", speaker,
                      [how, "first person after a colon"])


# --------------------------------------------------------------------------- quotes and continuations


def _attach_quotes(art: _Article, by_sent: list[list[_Candidate]]) -> None:
    """Quoted words inside a candidate's content make it direct; other quotes become statements."""
    claimed: set[Quote] = set()
    for cands in by_sent:
        for cand in cands:
            q = art.quote_in(cand.content_start, cand.content_end)
            if q is None:
                continue
            cand.content_start, cand.content_end = art.trim(q.inner_start, q.inner_end)
            cand.kind, cand.quoted = "direct", True
            cand.notes.append("quoted words")
            claimed.add(q)
    for q in art.quotes:
        if q in claimed or any(c.content_start <= q.inner_start and q.inner_end <= c.content_end
                               for cs in by_sent for c in cs):
            continue
        n_words = len(_WORD.findall(art.text[q.inner_start:q.inner_end]))
        if n_words < 3:
            continue  # scare quotes, titles, names
        i = _sent_index(art, q.start)
        if i is None:
            continue
        speaker, how = _last_speaker(by_sent, i, window=2)
        if speaker is None:
            verb = next((t for t in art.sent_tokens(art.sents[i]) if art.speech_lemma(t, art.sents[i])), None)
            if verb is not None:
                speaker, how = _speaker_before(art, verb, art.sents[i])
        if speaker is None and n_words < 5:
            continue
        by_sent[i].append(_Candidate(i, *art.trim(q.inner_start, q.inner_end), "direct", q.start, q.start + 1, "quote",
                                     speaker, [how or "no speaker found", "quoted words"], quoted=True))
        claimed.add(q)


def _continue(art: _Article, by_sent: list[list[_Candidate]]) -> None:
    """Reported speech that runs on without a new cue (Konjunktiv I, "demnach", interview answers)."""
    lex = art.lex
    last: _Candidate | None = None
    last_i = -10
    labels = sum(1 for i in range(len(art.sents)) if art.label_like(i))
    interview = labels >= 2
    for i, sent in enumerate(art.sents):
        if by_sent[i] and not _weak(by_sent[i]):
            last = max(_select(by_sent[i]), key=lambda c: c.content_end)
            last_i = i
            continue
        text = art.sent_text(sent).rstrip()
        if text.endswith("?"):
            last = None
            continue
        if art.label_like(i):
            last = None  # an interviewer's turn or a new heading ends the run
            continue
        if last is None or last.speaker is None:
            continue
        if any(q.start <= sent.start_char and sent.end_char <= q.end for q in art.quotes):
            continue  # inside a quote that a statement already holds
        cstart = art.content_start(sent)
        toks = [t for t in art.sent_tokens(sent) if t.idx >= cstart]
        k1, k2 = art.konjunktiv(toks)
        words = {t.lower_ for t in toks}
        gap = i - last_i
        reason = None
        kind = "indirect"
        if toks and toks[0].lower_ in lex.continuation_adverbs:
            reason = f"'{toks[0].text}' refers to the last source"
        elif words & lex.continuation_adverbs and gap <= 2:
            reason = "adverb refers to the last source"
        elif last.rule.startswith("label") and gap == 1 and interview:
            reason, kind = "interview answer goes on", "direct"
        elif k1 and gap <= 2:
            reason = "Konjunktiv I continues reported speech"
        elif gap == 1 and last.kind == "direct" and not last.quoted and words & lex.first_person_strict:
            reason, kind = "first person continues an unquoted direct statement", "direct"
        elif k2 and gap == 1:
            reason = "Konjunktiv II continues reported speech"
        if reason is None:
            continue
        by_sent[i] = []  # a guess without a known speaker gives way to the running speaker
        s, e = art.trim(toks[0].idx if toks else sent.start_char, sent.end_char)
        colon = next((t for t in toks if t.text == ":" and not art.quoted(t)), None)
        if colon is not None and kind == "indirect" and not art.konjunktiv([t for t in toks if t.i < colon.i])[0]:
            s, e = art.trim(colon.idx + 1, sent.end_char)
        if toks and toks[0].lower_ in lex.continuation_adverbs:
            s, e = art.trim(toks[0].idx + len(toks[0].text), sent.end_char)
        cand = _Candidate(i, s, e, kind, sent.start_char, sent.start_char, f"continuation:{kind}",
                          last.speaker, [f"speaker of sentence {last.sent}", reason])
        # an interview answer keeps its run going until the next label or question
        if last.rule.startswith("label"):
            cand.rule = "continuation:interview"
        by_sent[i].append(cand)
        first_tok = toks[0] if toks else sent[0]
        cand.cue_start, cand.cue_end = first_tok.idx, first_tok.idx + len(first_tok.text)
        last = dataclasses.replace(cand, rule=last.rule if last.rule.startswith("label") else cand.rule)
        last_i = i


def _weak(cands: list[_Candidate]) -> bool:
    """Only verb guesses whose speaker is no actor: a running report may take the sentence over."""
    return all(c.rule.startswith("verb-") and (c.weak or c.speaker is None or c.speaker.code is None) for c in cands)


def _label_like(art: _Article, sent: Span) -> bool:
    toks = art.sent_tokens(sent)
    colon = next((k for k, t in enumerate(toks[:4]) if t.text == ":"), None)
    return colon is not None and colon > 0 and all(t.text[:1].isupper() for t in toks[:colon])


def _last_speaker(by_sent: list[list[_Candidate]], i: int, *, window: int) -> tuple[Entity | None, str]:
    for j in range(i, max(-1, i - window - 1), -1):
        for cand in sorted(by_sent[j], key=lambda c: -c.content_end):
            if cand.speaker is not None:
                return cand.speaker, f"speaker of sentence {j}"
    return None, ""


def _sent_index(art: _Article, char: int) -> int | None:
    for i, sent in enumerate(art.sents):
        if sent.start_char <= char < sent.end_char:
            return i
    return None


# --------------------------------------------------------------------------- speakers


def _mention_in(art: _Article, start: int, end: int) -> Entity | None:
    """The best actor mention inside [start, end): a person first, then the longest."""
    inside = [m for m in art.mentions if m.start < end and m.end > start]
    if not inside:
        return None
    return max(inside, key=lambda m: (m.kind == "person" or m.name is not None, m.code is not None, m.end - m.start))


def _text_entity(art: _Article, start: int, end: int, why: str) -> Entity:
    return Entity(text=art.text[start:end], start=start, end=end, rule=f"statements: {why}")


def _person_by_surname(art: _Article, surname: str) -> Entity | None:
    for m in reversed(art.mentions):
        if m.code is not None and (m.text.endswith(surname) or (m.name or "").endswith(surname)):
            return m
    return None


def _resolve_pronoun(art: _Article, tok: Token) -> tuple[Entity | None, str]:
    covering = [m for m in art.mentions if m.start <= tok.idx < m.end]
    if covering and covering[0].code is not None:
        return covering[0], "pronoun resolved by the actor layer"
    before = [m for m in art.mentions if m.end <= tok.idx and (m.kind == "person" or m.name is not None)]
    if before:
        m = before[-1]
        return dataclasses.replace(m, text=tok.text, start=tok.idx, end=tok.idx + len(tok.text),
                                   rule="statements: pronoun -> last person mention"), "pronoun -> last person mention"
    return _text_entity(art, tok.idx, tok.idx + len(tok.text), "unresolved pronoun"), "unresolved pronoun"


def _speaker_in(art: _Article, region: Sequence[Token], *, prefer: str) -> tuple[Entity | None, str]:
    """Speaker among `region` tokens: a pronoun, an actor mention, or the noun phrase as text."""
    region = [t for t in region if not t.is_punct or t.text in "()-"]
    while region and (region[0].lower_ in art.lex.prepositions or region[0].lower_ in art.lex.expletive):
        region = region[1:]
    if not region:
        return None, "no speaker phrase"
    if len(region) == 1 and region[0].lower_ in art.lex.pronouns:
        return _resolve_pronoun(art, region[0])
    start, end = region[0].idx, region[-1].idx + len(region[-1].text)
    if art.has_dep and prefer == "subject":
        for t in region:
            if t.dep_ in SUBJECT_DEPS:
                sub = list(t.subtree)
                m = _mention_in(art, sub[0].idx, sub[-1].idx + len(sub[-1].text))
                if m is not None:
                    return m, "subject (parse) is an actor mention"
    inside = [m for m in art.mentions if m.start < end and m.end > start]
    if prefer == "subject":
        free = [m for m in inside if not _after_preposition(art, m)]
        if inside and not free and region[0].lower_ in art.lex.determiners:
            np = _np_tokens(art, region)
            return _text_entity(art, np[0].idx, np[-1].idx + len(np[-1].text), "no actor mention"), \
                "subject phrase has no actor mention"
        inside = free or inside
        if inside:
            group = [m for m in inside if m.start <= inside[0].end + 2]
            return max(group, key=lambda m: (m.kind == "person" or m.name is not None, m.code is not None,
                                             m.end - m.start)), "first actor mention before the verb"
    elif inside:
        return max(inside, key=lambda m: (m.code is not None, m.end - m.start)), "actor mention in the source phrase"
    np = _np_tokens(art, region)
    if len(np) == 1 and np[0].lower_ in art.lex.pronouns:
        return _resolve_pronoun(art, np[0])
    if not np:
        return None, "no speaker phrase"
    return _text_entity(art, np[0].idx, np[-1].idx + len(np[-1].text), "no actor mention"), "speaker phrase has no actor mention"


def _after_preposition(art: _Article, m: Entity) -> bool:
    toks = art.tokens(0, m.start)
    k = len(toks) - 1
    while k >= 0 and (toks[k].lower_ in art.lex.determiners or (not toks[k].text[:1].isupper() and toks[k].is_alpha
                                                                and art.lex.lang == "de" and toks[k].lower_.endswith(("en", "er", "e", "es", "em")))):
        k -= 1
    return k >= 0 and toks[k].lower_ in art.lex.prepositions


def _np_tokens(art: _Article, region: Sequence[Token]) -> list[Token]:
    """A noun phrase at the start of `region`, cut at the first stop word after its head."""
    out: list[Token] = []
    for t in region:
        if out and (t.lower_ in art.lex.speaker_stop or (t.is_punct and t.text not in "()-")):
            break
        if t.is_punct and not out:
            continue
        out.append(t)
        if len(out) >= 8:
            break
    return out


def _speaker_before(art: _Article, verb: Token, sent: Span, *, lo: int | None = None) -> tuple[Entity | None, str]:
    """The subject of `verb` in a forward frame ("X sagte ...")."""
    doc = art.doc
    if art.has_dep:
        for head in (verb, verb.head):
            for child in head.children:
                if child.dep_ in SUBJECT_DEPS and not art.quoted(child):
                    sub = list(child.subtree)
                    if len(sub) == 1 and child.lower_ in art.lex.pronouns:
                        return _resolve_pronoun(art, child)
                    m = _mention_in(art, child.idx, child.idx + len(child.text)) or \
                        _mention_in(art, sub[0].idx, sub[-1].idx + len(sub[-1].text))
                    if m is not None:
                        return m, "subject (parse) is an actor mention"
                    return _text_entity(art, sub[0].idx, sub[-1].idx + len(sub[-1].text), "subject without actor mention"), \
                        "subject (parse) has no actor mention"
            if head.dep_ not in ("conj", "xcomp") or head.i == head.head.i:
                break
    cstart = art.content_start(sent) if lo is None else lo
    start = verb.i
    while start > sent.start and doc[start - 1].text not in ":;" and doc[start - 1].idx >= cstart \
            and not (doc[start - 1].text == "," and art.lex.lang == "de" and start - 1 < verb.i - 6):
        start -= 1
    region = [t for t in doc[start: verb.i] if not art.quoted(t)]
    if art.lex.lang == "en":
        # the subject stands next to the verb: "Foreign Minister X said"
        inside = [m for m in art.mentions if region and m.start >= region[0].idx and m.end <= verb.idx]
        if inside:
            return inside[-1], "actor mention before the verb"
        if region:
            tail = region[-3:] if len(region) > 3 else region
            if len(region) >= 1 and region[-1].lower_ in art.lex.pronouns:
                return _resolve_pronoun(art, region[-1])
            return _speaker_in(art, tail, prefer="subject")
        return None, "no subject"
    speaker, how = _speaker_in(art, region, prefer="subject") if region else (None, "")
    if speaker is not None and speaker.code is None and region and region[0].lower_ in art.lex.pronouns:
        return _resolve_pronoun(art, region[0])
    if speaker is not None and speaker.code is not None:
        return speaker, how
    prefield_mentions = [m for m in art.mentions if region and m.start >= region[0].idx and m.end <= verb.idx
                         and not _after_preposition(art, m)]
    if speaker is not None and prefield_mentions:
        return speaker, how
    after, how_after = _speaker_after(art, verb, sent, stop=True)
    if after is not None and (after.code is not None or speaker is None):
        return after, how_after
    if speaker is not None:
        return speaker, how
    # "Am Montag sagte Merkel, ..." - the subject follows the finite verb
    return _speaker_after(art, verb, sent)


def _speaker_after(art: _Article, verb: Token, sent: Span, *, stop: bool = False) -> tuple[Entity | None, str]:
    """The speaker in a trailing frame (", sagte X am Montag.")."""
    doc = art.doc
    if art.has_dep:
        for child in verb.children:
            if child.dep_ in SUBJECT_DEPS and child.i > verb.i:
                if child.lower_ in art.lex.pronouns:
                    return _resolve_pronoun(art, child)
                sub = list(child.subtree)
                m = _mention_in(art, sub[0].idx, sub[-1].idx + len(sub[-1].text))
                if m is not None:
                    return m, "subject (parse) is an actor mention"
    end = verb.i + 1
    while end < sent.end and doc[end].text not in ":;" and not (doc[end].text == "," and (stop or end - verb.i > 8)) \
            and not (stop and doc[end].lower_ in art.lex.complementizers):
        end += 1
    region = [t for t in doc[verb.i + 1: end] if not art.quoted(t)]
    if region and region[0].lower_ in art.lex.pronouns:
        return _resolve_pronoun(art, region[0])
    inside = [m for m in art.mentions if region and m.start >= region[0].idx and m.end <= region[-1].idx + len(region[-1].text)
              and m.text.lower() not in art.lex.object_pronouns]
    inside = [m for m in inside if not _after_preposition(art, m) or m.start == region[0].idx] or inside
    if inside:
        group = [m for m in inside if m.start <= inside[0].end + 2]
        return max(group, key=lambda m: (m.kind == "person" or m.name is not None, m.code is not None,
                                         m.end - m.start)), "first actor mention after the verb"
    np = _np_tokens(art, region)
    if np:
        return _text_entity(art, np[0].idx, np[-1].idx + len(np[-1].text), "no actor mention"), \
            "speaker phrase after the verb has no actor mention"
    return None, "no speaker after the verb"


def _np_end(art: _Article, i: int, sent: Span, *, genitive_ok: bool = True) -> int:
    """End (token index) of the noun phrase starting at token `i`: "dem UN-Flüchtlingshochkommissariat UNHCR"."""
    doc = art.doc
    lex = art.lex
    for m in art.mentions:
        if i < sent.end and m.start == doc[i].idx or (i + 1 < sent.end and doc[i].lower_ in lex.determiners
                                                          and m.start == doc[i + 1].idx):
            j = i
            while j < sent.end and doc[j].idx < m.end:
                j += 1
            return _genitive_tail(art, j, sent) if genitive_ok else j
    j = i
    if lex.lang == "en":
        while j < sent.end and not doc[j].is_punct and j - i < 8 and doc[j].lower_ not in ("that",) \
                and not (j > i and doc[j].lower_ in lex.speaker_stop):
            j += 1
        return j
    seen_noun = False
    while j < sent.end:
        t = doc[j]
        if t.lower_ in lex.determiners and not seen_noun:
            j += 1
            continue
        if art.is_noun_like(t) and not t.is_punct:
            seen_noun = True
            j += 1
            continue
        if not seen_noun and t.is_alpha and t.text.islower() and t.lower_ not in lex.prepositions:
            j += 1  # adjective before the noun
            continue
        if seen_noun and t.text == "(":
            k = j
            while k < sent.end and doc[k].text != ")":
                k += 1
            j = min(k + 1, sent.end)
            continue
        break
    if not seen_noun:
        return i
    return _genitive_tail(art, j, sent) if genitive_ok else j


def _genitive_tail(art: _Article, j: int, sent: Span) -> int:
    doc = art.doc
    if j < sent.end and doc[j].lower_ in ("des", "der", "eines", "einer", "of"):
        k = _np_end(art, j + 1, sent, genitive_ok=True)
        if k > j + 1:
            return k
    return j


def _np_start(art: _Article, i: int, sent: Span) -> int:
    """Start (token index) of the noun phrase that ends before token `i` ("dem Bericht zufolge")."""
    doc = art.doc
    for m in reversed(art.mentions):
        if m.end <= doc[i].idx and m.end >= doc[i - 1].idx if i > sent.start else False:
            j = i - 1
            while j > sent.start and doc[j - 1].idx >= m.start:
                j -= 1
            while j > sent.start and doc[j - 1].lower_ in art.lex.determiners:
                j -= 1
            return j
    j = i
    while j > sent.start:
        t = doc[j - 1]
        if t.is_punct or t.lower_ in art.lex.prepositions or (t.is_alpha and t.text.islower()
                                                               and t.lower_ not in art.lex.determiners
                                                               and not t.lower_.endswith(("en", "er", "e", "es", "em"))):
            break
        j -= 1
        if t.lower_ in art.lex.determiners:
            break
    return j
