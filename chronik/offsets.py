"""Parse text without whitespace tokens, and map character offsets back to the article text.

Trained pipelines never saw whitespace tokens ("\\n\\n" between paragraphs), and one at a sentence
start derails the tagger and parser. So the pipeline parses a Doc rebuilt from the tokenizer's
non-space tokens (single spaces between them), and every record's offsets are mapped back.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from chronik.model import CodedArticle


@dataclass
class OffsetMap:
    """Token starts in the parsed text and in the original text, with token lengths."""

    parsed: list[int]
    original: list[int]
    lengths: list[int]

    def __call__(self, pos: int) -> int:
        if not self.parsed or pos < 0:
            return pos
        k = max(bisect_right(self.parsed, pos) - 1, 0)
        return self.original[k] + (pos - self.parsed[k])

    @property
    def identity(self) -> bool:
        return self.parsed == self.original


def tokenize(nlp: Language, text: str) -> tuple[Doc, OffsetMap]:
    """Tokenize `text` into a Doc without whitespace tokens, and the map back to `text`."""
    raw = nlp.make_doc(text)
    keep = [t for t in raw if not t.is_space]
    words = [t.text for t in keep]
    spaces = [bool(t.whitespace_) or (t.i + 1 < len(raw) and raw[t.i + 1].is_space) for t in keep]
    if keep:
        spaces[-1] = False
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    return doc, OffsetMap([t.idx for t in doc], [t.idx for t in keep], [len(t) for t in keep])


def remap(coded: CodedArticle, omap: OffsetMap) -> CodedArticle:
    """Rewrite every offset (and the text it spans) of a coded article into article coordinates."""
    if omap.identity:
        return coded
    text = coded.article.text

    def span(start: int, end: int) -> tuple[int, int]:
        if start < 0 or end < 0:
            return start, end
        return omap(start), omap(end - 1) + 1 if end > start else omap(start)

    for s in coded.sentences:
        s.start, s.end = span(s.start, s.end)
        s.text = text[s.start : s.end]
    entities = {id(e): e for e in coded.entities}
    for ev in coded.events:
        for x in ev.actor + ev.recipient:
            entities.setdefault(id(x), x)
    for st in coded.statements:
        if st.speaker is not None:
            entities.setdefault(id(st.speaker), st.speaker)
    for e in entities.values():
        if e.start >= 0:
            implied = e.start == e.end  # "(Polizei)": an actor the sentence implies keeps its label
            e.start, e.end = span(e.start, e.end)
            if not implied:
                e.text = text[e.start : e.end]
    places = {id(p): p for p in coded.places}
    for ev in coded.events:
        if ev.location is not None:
            places.setdefault(id(ev.location), ev.location)
    for p in places.values():
        if p.start >= 0:
            p.start, p.end = span(p.start, p.end)
    evidences = [ev.evidence for ev in coded.events] + [st.evidence for st in coded.statements]
    for evd in {id(x): x for x in evidences}.values():
        evd.sent_start, evd.sent_end = span(evd.sent_start, evd.sent_end)
        evd.start, evd.end = span(evd.start, evd.end)
        evd.sentence = text[evd.sent_start : evd.sent_end]
        evd.trigger = evd.trigger if " ... " in evd.trigger else text[evd.start : evd.end]
    for st in coded.statements:
        st.content_start, st.content_end = span(st.content_start, st.content_end)
        st.content = text[st.content_start : st.content_end]
    return coded
