"""Finds actor mentions in a spaCy Doc and resolves them to country/IGO code, sector, person and role."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable

from ..errors import error
from ..lemmas import is_known_word
from ..model import Entity
from ..places.gazetteer import Gazetteer
from .kb import Entry, KnowledgeBase, build, name_key, norm

STATE_CODE_KINDS = {"country", "adjective", "people", "metonym", "party", "igo", "org", "prefix"}
ROLE_KINDS = {"sector", "head"}
NAME_RE = re.compile(r"^[A-ZÄÖÜÀ-ÝŠŽČĆ][\w'’.\-]*$")
INITIAL_RE = re.compile(r"^[A-ZÄÖÜ]\.$")
_NAME_ADJ = re.compile(r"(isch|lich|al|iv)(e|en|er|es|em)$")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
WORD_CACHE_SIZE = 1 << 17  # entries of the per-resolver word analysis cache (cleared when full)


@dataclass
class Cue:
    """What one word or phrase contributes to a mention."""

    start: int  # token index
    end: int
    kind: str  # kind of the primary entry, or 'compound'
    code: str | None = None
    sector: str | None = None
    strong: bool = False  # the code is explicit (country, adjective, prefix, party, igo, metonym)
    head: str | None = None  # normalised role head, for coreference ("ministerium")
    generic: bool = False  # a generic head ("Sprecher"): sector comes from its modifier/complement
    gender: str | None = None
    role: str | None = None
    persons: tuple[Entry, ...] = ()
    rule: str = ""
    alts: tuple[str, ...] = ()  # other codes the same form has (a party in two countries)


class _Tok:
    """The token attributes the resolver reads, as plain attributes: a spaCy Token is rebuilt on every
    doc[i] and looks each string up in the string store on every access."""

    __slots__ = ("i", "text", "lower_", "pos_", "ent_type_", "ent_iob_", "whitespace_", "like_num", "is_alpha",
                 "idx", "in_name")

    def __init__(self, i, text, lower, pos, ent_type, ent_iob, ws, like_num, is_alpha, idx) -> None:  # type: ignore[no-untyped-def]
        self.i, self.text, self.lower_, self.pos_, self.ent_type_, self.ent_iob_ = i, text, lower, pos, ent_type, ent_iob
        self.whitespace_, self.like_num, self.is_alpha, self.idx = ws, like_num, is_alpha, idx
        self.in_name = False  # the parser joins it to another word of a multi-word name (flat:name)


class _PlainDoc(list):
    """A doc as a list of `_Tok` (built once per `mentions` call), with the doc's text and annotations.

    Integer indexing and slices give `_Tok`s and lists of them; `_span_text` stands in for `doc[a:b].text`."""

    __slots__ = ("text", "_annotations")

    def __init__(self, doc) -> None:  # type: ignore[no-untyped-def]
        toks = list(doc)
        super().__init__(map(_Tok, range(len(toks)), [t.text for t in toks], [t.lower_ for t in toks],
                             [t.pos_ for t in toks], [t.ent_type_ for t in toks], [t.ent_iob_ for t in toks],
                             [t.whitespace_ for t in toks], [t.like_num for t in toks],
                             [t.is_alpha for t in toks], [t.idx for t in toks]))
        self.text = doc.text
        self._annotations = {a: doc.has_annotation(a) for a in ("POS", "ENT_IOB")}
        if doc.has_annotation("DEP"):
            lang = doc.lang_
            for t in toks:
                if t.dep_ == "flat:name" and t.head.i != t.i:
                    pair = (self[t.head.i], self[t.i])
                    # capitalised words, not in capitals, no ordinary words, one a proper noun ("Vuk Jeremic",
                    # not "Israel Friday", "SO ROOD")
                    if any(x.pos_ == "PROPN" for x in pair) and all(
                            x.text[:1].isupper() and not x.text.isupper() and x.is_alpha
                            and not is_known_word(lang, x.text) for x in pair):
                        for x in pair:
                            x.in_name = True

    def has_annotation(self, attr: str) -> bool:
        return self._annotations[attr]


def _span_text(doc, start: int, end: int) -> str:  # type: ignore[no-untyped-def]
    """`doc[start:end].text` (non-negative bounds), read from the doc's text for a `_PlainDoc`."""
    if not isinstance(doc, _PlainDoc):
        return doc[start:end].text
    end = min(end, len(doc))
    if start >= end:
        return ""
    last = doc[end - 1]
    return doc.text[doc[start].idx: last.idx + len(last.text)]


# the rule note on the complement of an opponent noun ("die Gegner des G7-Gipfels"): a mention of its own,
# the target of the phrase's head, not the phrase's head
OPPOSED_NOTE = "whom the opponent noun before it opposes"


@dataclass
class Mention:
    start: int  # token indices [start, end)
    end: int
    cues: list[Cue] = field(default_factory=list)
    names: list[int] = field(default_factory=list)  # token indices of a person's name
    complement: "Mention | None" = None
    complement_kind: str = ""  # 'of' or 'in'
    pronoun: str | None = None  # gender of a pronoun mention
    plural: bool = False  # the head noun is plural ("Milizen"): no antecedent of "er"/"he"
    opposed: bool = False  # what an opponent noun names ("die Gegner des G7-Gipfels"): no pronoun antecedent
    notes: list[str] = field(default_factory=list)
    entity: Entity | None = None


def _valid_date(date: str | None) -> str | None:
    if date is None or date == "":
        return None
    if not isinstance(date, str) or not DATE_RE.match(date):
        raise error("E044", value=date)
    return date


class ActorResolver:
    """Resolves actor mentions of one language against the compiled knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.lang = kb.lang
        self._word_cache: dict[tuple[str, bool], Cue | None] = {}
        self._first_words: set[str] = set()
        for key in kb.forms:
            if " " in key or re.search(r"[-'./]", key):
                self._first_words.add(key.split(" ")[0])
                self._first_words.add(re.split(r"[-'./ ]", key)[0])

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_lang(cls, lang: str, extra_files: Iterable[str] = ()) -> "ActorResolver":
        """The resolver for `lang` (cached per language and user files)."""
        return _cached_resolver(lang, tuple(str(p) for p in extra_files))

    # ------------------------------------------------------------------ word analysis
    def _variants(self, word: str) -> list[tuple[str, str]]:
        """Inflection variants of a word to look up, with the rule that made each."""
        w = norm(word)
        out = [(w, "")]
        if self.lang == "de":
            for suf in ("s", "es", "n", "en", "e", "nen", "ns"):
                if w.endswith(suf) and len(w) - len(suf) >= 3:
                    out.append((w[: -len(suf)], f"-{suf}"))
        else:
            if w.endswith("'s"):
                out.append((w[:-2], "'s"))
            for suf in ("s", "es"):
                if w.endswith(suf) and len(w) - len(suf) >= 3:
                    out.append((w[: -len(suf)], f"-{suf}"))
        return out

    def _direct(self, word: str, kinds: set[str] | None = None) -> tuple[list[Entry], str]:
        for variant, rule in self._variants(word):
            entries = _case_ok(self.kb.forms.get(variant), word)
            if entries:
                if kinds is not None:
                    entries = [e for e in entries if e.kind in kinds]
                if rule and rule not in ("-s", "'s"):
                    # only nouns of roles and groups inflect beyond the genitive -s
                    entries = [e for e in entries if e.kind in ROLE_KINDS | {"people"}]
                if entries:
                    return entries, rule
        return [], ""

    def _cue_from_entries(self, i: int, j: int, entries: list[Entry], rule: str, *, capitalised: bool,
                          sentence_start: bool) -> Cue | None:
        persons = tuple(e for e in entries if e.kind == "person")
        e = entries[0]
        if persons:
            e = persons[0]
        # "Deutsche"/"Franzosen": capitalised inside a sentence reads as people, lower case as adjective
        if self.lang == "de" and len(entries) > 1 and e.kind == "adjective" and capitalised and not sentence_start:
            people = [x for x in entries if x.kind == "people"]
            if people:
                e = people[0]
        kind = e.kind
        # a party name many countries share ("Liberalen") gives only a default country
        strong = kind in STATE_CODE_KINDS and e.code is not None and e.role != "generic"
        head = norm(e.form) if kind in ROLE_KINDS else None
        return Cue(start=i, end=j, kind=kind, code=e.code, sector=e.sector if kind != "adjective" else None,
                   strong=strong, head=head, generic=kind == "head", gender=e.gender, role=e.role,
                   persons=persons, alts=tuple(x.code for x in entries if x.kind == kind and x.code and x.code != e.code),
                   rule=f"{kind} '{e.form}'" + (f" ({rule})" if rule else "") +
                   (f" [{e.source}]" if e.source else ""))

    def analyse_word(self, word: str, *, capitalised: bool | None = None, sentence_start: bool = False) -> Cue | None:
        """What a single token means for actors: table entry, inflected form, hyphen or closed compound."""
        if capitalised is None:
            capitalised = word[:1].isupper()
        key = (word, capitalised and not sentence_start)
        if key in self._word_cache:
            cue = self._word_cache[key]
            return replace(cue) if cue else None
        cue = self._analyse_word(word, capitalised, sentence_start)
        if len(self._word_cache) >= WORD_CACHE_SIZE:
            self._word_cache.clear()  # bounded: a long run keeps meeting new names
        self._word_cache[key] = cue
        return replace(cue) if cue else None

    def _analyse_word(self, word: str, capitalised: bool, sentence_start: bool) -> Cue | None:
        if len(word) < 2 and not word.isupper():
            return None
        entries, rule = self._direct(word)
        if entries:
            if entries[0].kind in ROLE_KINDS | {"adjective", "people", "person"} or capitalised or word.isupper():
                return self._cue_from_entries(0, 1, entries, rule, capitalised=capitalised,
                                              sentence_start=sentence_start)
            if self.lang == "en":
                return self._cue_from_entries(0, 1, entries, rule, capitalised=capitalised,
                                              sentence_start=sentence_start)
        if "-" in word.strip("-"):
            return self._hyphen(word)
        if self.lang == "de" and capitalised and len(word) >= 6:
            return self._compound(word)
        return None

    def _hyphen(self, word: str) -> Cue | None:
        parts = [p for p in word.split("-") if p]
        if len(parts) < 2:
            return None
        head = self._direct(parts[-1])[0] if parts[-1][:1].isupper() or self.lang == "en" else []
        head_cue = None
        if head and head[0].kind in ROLE_KINDS | {"party", "igo", "org", "people"}:
            head_cue = self._cue_from_entries(0, 1, head, "", capitalised=True, sentence_start=False)
        elif self.lang == "de" and parts[-1][:1].isupper():
            head_cue = self._compound(parts[-1])
        prefix_code = prefix_sector = None
        prefix_rule = ""
        for part in parts[:-1]:
            if part.lower() in ("ex", "alt", "vize", "pro", "anti"):
                continue
            entries, _ = self._direct(part, {"country", "adjective", "igo", "party", "metonym", "org"})
            if entries:
                e = entries[0]
                if prefix_code is None:
                    prefix_code = e.code
                    prefix_rule = f"prefix {e.kind} '{part}-'"
                    if e.kind == "party":
                        prefix_sector = "PTY"
                    elif e.kind == "igo":
                        prefix_sector = "IGO"
                    elif e.kind == "org":
                        prefix_sector = e.sector
        if head_cue is None:
            if prefix_sector in ("IGO", "PTY") and parts[-1][:1].isupper():
                # "EU-Syrien-Fonds", "FPÖ-Bezirksorganisation": a body of the organisation
                return Cue(0, 1, "compound", code=prefix_code, sector=prefix_sector, strong=True,
                           head=norm(parts[-1]), rule=f"{prefix_rule} + unknown head '{parts[-1]}'")
            return None
        cue = head_cue
        if prefix_code:
            cue.code, cue.strong = prefix_code, True
        if prefix_sector and (cue.generic or prefix_sector == "PTY" or not cue.sector or prefix_sector == "IGO"):
            cue.sector = prefix_sector
            cue.generic = False
        cue.kind = "compound" if prefix_code else cue.kind
        cue.rule = " + ".join(r for r in (prefix_rule, f"head {cue.rule}") if r)
        if cue.generic and not cue.sector:
            mod = self._direct("-".join(parts[:-1]), ROLE_KINDS)[0]
            if mod and mod[0].sector:
                cue.sector, cue.generic = mod[0].sector, False
        return cue

    def _compound(self, word: str) -> Cue | None:
        """German closed compound: the longest known suffix is the head ("Verteidigungs|ministerium")."""
        w = norm(word)
        for k in range(2, len(w) - 3):
            suffix = w[k:]
            entries, rule = self._direct(suffix, ROLE_KINDS)
            if not entries:
                continue
            e = entries[0]
            modifier = w[:k]
            mod_entries: list[Entry] = []
            for cand in (modifier, modifier[:-1] if modifier.endswith("s") else None,
                         modifier[:-2] if modifier.endswith("es") else None,
                         modifier[:-1] if modifier.endswith("n") else None, modifier + "e"):
                if cand and len(cand) >= 3:
                    mod_entries = [m for m in self.kb.forms.get(cand, [])
                                   if m.kind in ROLE_KINDS | {"party", "igo", "country"}]
                    if mod_entries:
                        break
            if len(e.form) < 5 and not any(m.kind in ROLE_KINDS for m in mod_entries):
                continue  # short heads ("land", "amt") only after a known modifier: not "Hol|lande"
            cue = Cue(0, 1, e.kind, code=None, sector=e.sector, head=norm(e.form), generic=e.kind == "head",
                      gender="f" if w.endswith(("in", "innen")) else e.gender, role=w,
                      rule=f"compound '{word}' = '{modifier}' + {e.kind} '{e.form}'" + (f" ({rule})" if rule else ""))
            if mod_entries:
                m = mod_entries[0]
                if m.kind in ("party",):
                    cue.code, cue.strong, cue.sector = m.code, True, "PTY"
                elif m.kind == "igo":
                    cue.code, cue.strong = m.code, True
                    cue.sector = "IGO"
                elif m.kind == "country":
                    cue.code, cue.strong = m.code, True
                elif cue.generic and m.sector:
                    cue.sector = m.sector
                if m.sector or m.kind != "head":
                    cue.generic = False
                cue.rule += f"; modifier {m.kind} '{m.form}'"
            return cue
        return None

    # ------------------------------------------------------------------ doc scanning
    def _sentence_starts(self, doc) -> list[bool]:
        starts = [False] * len(doc)
        if len(doc):
            starts[0] = True
        if doc.has_annotation("SENT_START"):
            for tok in doc:
                if tok.is_sent_start:
                    starts[tok.i] = True
            return starts
        for tok in doc[:-1]:
            if tok.text in (".", "!", "?", ":") or (tok.text in ('"', "“", "”", "«", "»") and tok.i > 0
                                                   and doc[tok.i - 1].text in (".", "!", "?")):
                starts[tok.i + 1] = True
        return starts

    def _scan_cues(self, doc, sent_start: list[bool]) -> list[Cue | None]:
        """One cue per token position (multi-token cues are stored at their first token)."""
        cues: list[Cue | None] = [None] * len(doc)
        n = len(doc)
        # Read each token once: doc[i] builds a new Token, doc[i:j].text re-joins the tokens.
        toks = list(doc)
        texts = [t.text for t in toks]
        doc_text = doc.text
        i = 0
        while i < n:
            tok = toks[i]
            text = texts[i]
            found = None
            first = norm(text)
            if first in self._first_words:
                for j in range(min(n, i + self.kb.max_tokens), i + 1, -1):
                    phrase = doc_text[tok.idx: toks[j - 1].idx + len(texts[j - 1])]  # doc[i:j].text
                    entries = _case_ok(self.kb.forms.get(norm(phrase)), phrase)
                    if entries:
                        found = self._cue_from_entries(i, j, entries, "phrase", capitalised=True,
                                                       sentence_start=False)
                        break
            if found is None and (tok.is_alpha or "-" in text or "." in text or
                                  (text.isalnum() and not text.isdigit())):  # "G7", "G20"
                cue = self.analyse_word(text, capitalised=text[:1].isupper(),
                                        sentence_start=sent_start[i])
                if cue is not None:
                    cue.start, cue.end = i, i + 1
                    found = cue
            if found is not None:
                # Ambiguous readings decided by the neighbours (see docs/actors.md, "Ambiguity").
                found = self._disambiguate(doc, found, sent_start)
            if found is not None and found.kind in ("country", "adjective", "metonym", "people") and i >= 2 \
                    and texts[i - 1] == "-" and texts[i - 2].lower() in ("anti", "pro") \
                    and not toks[i - 2].whitespace_ and not toks[i - 1].whitespace_:
                found = None  # "an anti-Syria journalist": an attitude, not the actor's country
            if found is None and self.lang == "de" and text.endswith("-") and len(text) > 3:
                found = self._truncated(i, texts, n)
            if found is not None:
                cues[i] = found
                i = found.end
            else:
                i += 1
        if self.lang == "en" and doc.has_annotation("POS"):
            # "diplomatic relations", "a general strike", "terrorist activities", "military aid": a sector word
            # used as an adjective before a noun that names no actor is no mention
            for k in range(n - 1):
                cue = cues[k]
                if cue is not None and cue.kind in ROLE_KINDS and cue.end == k + 1 and toks[k].pos_ == "ADJ" \
                        and toks[k + 1].pos_ == "NOUN" and cues[k + 1] is None:
                    cues[k] = None
        return cues

    def _truncated(self, i: int, texts: list[str], n: int) -> Cue | None:
        """'Wissenschafts- und Finanzminister': the truncated word borrows the head of the next compound."""
        g = self.kb.grammar
        k = i + 1
        if k >= n or texts[k].lower() not in g["conj"]:
            return None
        k += 1
        while k < n and texts[k].lower() in g["det"]:
            k += 1
        if k >= n:
            return None
        word = texts[k]
        for cut in range(1, len(word) - 2):  # the longest known role suffix: "Finanz|minister"
            entries = self.kb.forms.get(norm(word[cut:]))
            if entries and any(e.kind in ROLE_KINDS for e in entries):
                cue = self.analyse_word(texts[i][:-1] + word[cut:].lower(), capitalised=True)
                if cue is not None:
                    cue.start, cue.end = i, i + 1
                return cue
        return None

    def _disambiguate(self, doc, cue: Cue, sent_start: list[bool]) -> Cue | None:
        text = _span_text(doc, cue.start, cue.end)
        nxt = doc[cue.end].lower_ if cue.end < len(doc) else ""
        prev = doc[cue.start - 1] if cue.start > 0 else None
        key = norm(text)
        if key in ("washington",) and nxt in ("state", "staat", "state's"):
            cue.kind, cue.code, cue.sector, cue.strong = "place", "USA", None, True
            cue.rule = "US state of Washington (followed by 'state')"
            return cue
        if key in ("georgia", "georgien"):
            window = " ".join(t.lower_ for t in doc[max(0, cue.start - 8): cue.end + 8])
            if re.search(r"\b(state|u\.s\.|us|atlanta|gov\.|governor|bundesstaat|us-bundesstaat|republican|democrat)\b", window):
                cue.code, cue.sector, cue.kind = "USA", None, "place"
                cue.rule = "Georgia the US state (US context nearby)"
                return cue
        if key == "jordan" and prev is not None and NAME_RE.match(prev.text) \
                and not self.kb.forms.get(norm(prev.text)):
            cue.kind, cue.code, cue.sector, cue.strong, cue.persons = "name", None, None, False, ()
            cue.rule = "Jordan as a surname (after a first name)"
            return cue
        if key == "jordan" and nxt in ("river", "valley", "fluss"):
            return None
        return cue

    def _is_det(self, tok) -> bool:
        return tok.lower_ in self.kb.grammar["det"]

    def _is_mod(self, doc, i: int, pos: bool) -> bool:
        tok = doc[i]
        if tok.lower_ in self.kb.grammar["mod"]:
            return True
        if pos and tok.pos_ in ("ADJ", "NUM"):
            return True
        if tok.like_num:
            return True
        if self.lang == "de" and tok.text[:1].isupper() and _NAME_ADJ.search(tok.text) and i + 1 < len(doc) \
                and doc[i + 1].text[:1].isupper():
            return True  # an adjective inside a name: "(des) Deutschen Archäologischen Institut(s)"
        if self.lang == "de" and tok.text[:1].islower() and re.search(r"(e|en|er|es|em)$", tok.text) \
                and i + 1 < len(doc) and doc[i + 1].text[:1].isupper() and i > 0 and self._is_det(doc[i - 1]):
            return True
        return False

    def _name_able(self, doc, i: int, sent_start: list[bool], pos: bool, ner: bool) -> bool:
        tok = doc[i]
        if not (NAME_RE.match(tok.text) or INITIAL_RE.match(tok.text)):
            return False
        low = tok.lower_
        g = self.kb.grammar
        if low in g["det"] or low in g["pronoun"] or low in g["conj"] or low in g["complement"] \
                or low in g["place_prep"] or low in g["possessive"]:
            return False
        if self.lang == "de" and pos and tok.pos_ == "NOUN" and not sent_start[i] and is_known_word(self.lang, tok.text):
            return False  # every German noun is capitalised: "den Verdächtigen Anklage" is no name
        if ner and tok.ent_type_ in ("PER", "PERSON"):
            return True
        if ner and tok.ent_type_ and tok.ent_type_ not in ("PER", "PERSON", "MISC"):
            return False
        if pos and tok.pos_ not in ("PROPN", "NOUN", "X", ""):
            return False
        return True

    def _chunks(self, doc, cues: list[Cue | None], sent_start: list[bool]) -> list[Mention]:
        pos = doc.has_annotation("POS")
        ner = doc.has_annotation("ENT_IOB")
        doc = list(doc)  # only integer indexing below: build each Token once, not per doc[i]
        g = self.kb.grammar
        n = len(doc)
        mentions: list[Mention] = []
        known_surnames: set[str] = set()
        i = 0
        while i < n:
            tok = doc[i]
            # pronouns standing alone
            # "dieser Vorschlag" is a phrase; "nachdem dieser Golan verteidigt hatte": a pronoun before a
            # person's surname already named in the article
            if tok.lower_ in g["pronoun"] and not (i + 1 < n and (cues[i + 1] or doc[i + 1].text[:1].isupper()
                                                                 and tok.lower_ in ("dieser", "diese"))
                                                   and norm(doc[i + 1].text) not in known_surnames):
                if not (tok.lower_ == "sie" and tok.text == "Sie" and not sent_start[i]):  # polite 'Sie'
                    mentions.append(Mention(i, i + 1, pronoun=g["pronoun"][tok.lower_]))
                i += 1
                continue
            j = i
            while j < n and (self._is_det(doc[j]) or self._is_mod(doc, j, pos)) and cues[j] is None:
                j += 1
            k = j
            m = Mention(i, j)
            while k < n:
                cue = cues[k]
                if cue is not None and cue.kind != "name" and m.names and cue.end - cue.start == 1 \
                        and cue.kind not in ("person",) and norm(doc[k].text) not in self.kb.forms:
                    cue = None  # an inflected or compound reading inside a name ("François Hollande")
                if cue is not None and m.names and cue.kind in ROLE_KINDS and doc[k].text[:1].isupper() \
                        and self.lang == "en":
                    cue = None  # "Tom King", "John Major": a capitalised role word inside a name
                if cue is None and not m.cues and not m.names and self.lang == "en":
                    h = self._org_name_head(doc, cues, k, sent_start)
                    if h is not None:  # "The Third World Water Forum": a name the tables do not know
                        m.cues.append(cues[h])
                        m.notes.append("org:")
                        k = self._org_of_tail(doc, cues, h + 1)
                        break
                if cue is not None and cue.kind != "name":
                    if cue.kind == "place" and m.cues:
                        break
                    # a second country or organisation after a named person starts a new mention
                    if m.names and cue.kind not in ("person",):
                        break
                    if self.lang == "de" and m.cues and m.cues[-1].kind in ROLE_KINDS and cue.kind in ROLE_KINDS:
                        break  # two German role nouns in a row are two phrases: "den Verdächtigen | Anklage"
                    if m.cues and cue.strong and m.cues[-1].kind in ROLE_KINDS | {"compound"} and \
                            cue.kind in ("country", "igo", "party", "metonym") and self.lang == "en":
                        break
                    m.cues.append(cue)
                    if cue.persons and cue.end - cue.start >= 1 and cue.kind == "person":
                        m.names.extend(range(cue.start, cue.end))
                    k = cue.end
                    if self.lang == "en" and len(m.cues) == 1 and not m.names and self._org_head(doc, cue, sent_start):
                        tail = self._org_of_tail(doc, cues, k)
                        if tail > k:  # "the Association of African Jurists"
                            m.notes.append("org:")
                            k = tail
                            break
                    continue
                t = doc[k]
                if self.lang == "en" and t.text in ("'s", "'", "’s") and (m.cues or m.names):
                    k += 1
                    continue
                if (m.cues or m.names) and self._is_mod(doc, k, pos) and k + 1 < n and cues[k + 1] is not None \
                        and not m.names:
                    k += 1
                    continue
                role_before = bool(m.cues) and m.cues[-1].kind in ROLE_KINDS | {"people", "compound", "person"}
                if cue is not None and cue.kind == "name":
                    role_before = True
                if self._name_able(doc, k, sent_start, pos, ner) or (
                        ner and (role_before or m.names) and self._in_title_entity(doc, k, m)):
                    # a person by the NER, or a multi-word name by the parse that the NER left unlabelled
                    # ("Vuk Jeremic, der ehemalige serbische Außenminister": rare names escape the NER)
                    is_per = ner and doc[k].ent_type_ in ("PER", "PERSON") or doc[k].in_name and not doc[k].ent_type_
                    known = norm(t.text) in known_surnames
                    # "Osama bin Laden": a first name before a particle and a surname
                    particle_next = ner and not m.cues and k + 2 < n and doc[k + 1].lower_ in g["name_particle"] \
                        and doc[k + 2].ent_type_ in ("PER", "PERSON")
                    if role_before or m.names or is_per or known or particle_next:
                        if not m.names and m.cues and not role_before and not is_per:
                            break
                        m.names.append(k)
                        k += 1
                        continue
                if m.names and t.lower_ in g["name_particle"] and k + 1 < n and \
                        self._name_able(doc, k + 1, sent_start, pos, ner):
                    m.names.append(k)
                    k += 1
                    continue
                if m.names and t.lower_ in g["name_particle"] and k + 2 < n and doc[k + 1].text == "-" \
                        and not t.whitespace_ and not doc[k + 1].whitespace_ \
                        and self._name_able(doc, k + 2, sent_start, pos, ner):
                    m.names.extend((k, k + 1, k + 2))  # "al-Bashir" split by the tokenizer
                    k += 3
                    continue
                if m.names and t.text == "-" and not t.whitespace_ and not doc[k - 1].whitespace_ and k + 1 < n \
                        and m.names[-1] == k - 1 and self._name_able(doc, k + 1, sent_start, pos, ner):
                    m.names.extend((k, k + 1))  # "Jean-Bertrand Aristide"
                    k += 2
                    continue
                if m.names and re.match(r"^(al|el|bin|ben|abu)-", t.text):
                    m.names.append(k)
                    k += 1
                    continue
                break
            if not m.cues and not m.names:
                i = max(i + 1, j if j > i and j < n and cues[j] is None else i + 1)
                continue
            m.end = k
            while m.end > m.start and doc[m.end - 1].text in ("'s", "'", "’s"):
                m.end -= 1
            # drop leading modifiers/determiners that only preceded a name-less run
            for t in m.names:
                known_surnames.add(norm(doc[t].text))
            mentions.append(m)
            i = max(k, i + 1)
        return mentions

    def _org_head(self, doc, cue: Cue | None, sent_start: list[bool]) -> bool:
        """A capitalised organisation noun inside a sentence ("Forum", "Association", "Office")."""
        return cue is not None and cue.kind in ROLE_KINDS and cue.end == cue.start + 1 \
            and cue.sector in (None, "NGO") and doc[cue.start].text[:1].isupper() and not sent_start[cue.start]

    def _org_name_head(self, doc, cues: list[Cue | None], k: int, sent_start: list[bool]) -> int | None:
        """'Third World Water Forum', 'International Labor Office': capitalised words with no actor cue
        before a capitalised organisation noun; the index of that noun."""
        h = k
        while h < len(doc) and h - k < 5 and cues[h] is None and NAME_RE.match(doc[h].text) \
                and doc[h].pos_ in ("PROPN", "ADJ", "NOUN", ""):
            h += 1
        if h == k or h >= len(doc) or not self._org_head(doc, cues[h], sent_start):
            return None
        if not any(doc[t].pos_ in ("PROPN", "") for t in range(k, h)):
            return None
        return h

    def _org_of_tail(self, doc, cues: list[Cue | None], k: int) -> int:
        """'... of African Jurists': an 'of' and capitalised words with no country cue close a name."""
        if k + 1 >= len(doc) or doc[k].lower_ != "of":
            return k
        t = k + 1
        while t < len(doc) and t - k <= 4 and NAME_RE.match(doc[t].text) and not (cues[t] is not None and cues[t].strong):
            t += 1
        return t if t > k + 1 else k

    def _in_title_entity(self, doc, k: int, m: Mention) -> bool:
        """'British Defence Secretary Tom King': the NER tagged the whole title and name as one ORG; a proper
        noun inside an entity that began at or before the phrase's role noun is part of a name."""
        tok = doc[k]
        if not NAME_RE.match(tok.text) or tok.pos_ != "PROPN" or tok.ent_type_ in ("", "PER", "PERSON") \
                or tok.ent_iob_ != "I":
            return False
        role = next((c for c in reversed(m.cues) if c.kind in ROLE_KINDS), None)
        if role is None:
            return False
        j = k
        while j > 0 and doc[j].ent_iob_ == "I":
            j -= 1
        return j <= role.start

    @staticmethod
    def _walk(mentions: list[Mention], merge) -> list[Mention]:  # type: ignore[no-untyped-def]
        """Left to right over `mentions`; `merge(idx)` folds followers into mentions[idx] and returns the
        index after them, or None when nothing was merged."""
        out: list[Mention] = []
        idx = 0
        while idx < len(mentions):
            after = merge(idx)
            out.append(mentions[idx])
            idx = after if after is not None else idx + 1
        return out

    def _attach(self, doc, mentions: list[Mention], cues: list[Cue | None]) -> list[Mention]:
        """Merge genitive/'of' complements, locative 'in X' and appositions into their head mention."""
        g = self.kb.grammar

        def complement(idx: int) -> int | None:
            m = mentions[idx]
            nxt = mentions[idx + 1] if idx + 1 < len(mentions) else None
            if nxt is None or m.pronoun is not None or nxt.pronoun is not None:
                return None
            core = min([c.start for c in nxt.cues] + nxt.names + [nxt.end])
            words = [t.lower_ for t in doc[m.end:core]]
            head = self._head(m)
            kind = None
            if head is not None and not m.names and words and all(w in g["complement"] or w in g["det"] for w in words) \
                    and words[0] in g["complement"]:
                if doc[m.end - 1].lower_ in g.get("opponent", {}):
                    nxt.opposed = True  # "die Gegner des G7-Gipfels": whom they oppose, a mention of its own
                    return None
                kind = "of"
                m.names = nxt.names if not m.names else m.names
            elif (head is not None or m.names or self._group(m)) and words and words[0] in g["locative"] \
                    and all(w in g["locative"] or w in g["det"] or (w in g["mod"] and self._group(m)) for w in words) \
                    and not nxt.names and self._head(nxt) is None:
                kind = "in"  # "rebels in the Ivory Coast", "the Albanians of southern Serbia"
            elif m.names and head is None and not any(c.strong for c in m.cues) and words \
                    and words[0] in g["complement"] and all(w in g["complement"] or w in g["det"] for w in words) \
                    and not nxt.names and (self._head(nxt) is not None or any(
                        c.kind in ("igo", "org", "party") for c in nxt.cues)):
                kind = "of"  # "Iris Gerlach vom Deutschen Archäologischen Institut": the person acts for the body
            if kind is None:
                return None
            m.complement, m.complement_kind = nxt, kind
            m.end = nxt.end
            return idx + 2

        out = self._appositions(doc, self._walk(mentions, complement))
        # "Hungarian and Romanian officials": the coordinated adjective shares the head
        for a, b in zip(out, out[1:]):
            if a.cues and all(c.kind == "adjective" for c in a.cues) and not a.names and b.cues:
                between = [t.lower_ for t in doc[a.end:b.start]]
                hb = self._head(b)
                if between and all(w in g["conj"] or w == "," for w in between) and hb is not None:
                    a.notes.append(f"shares head '{hb.head}' with the coordinated '{_span_text(doc, b.start, b.end)}'")
                    a.cues.append(replace(hb, code=None, strong=False, rule=f"coordinated head {hb.rule}"))
        return out

    def _appositions(self, doc, mentions: list[Mention]) -> list[Mention]:
        """'Sonja Hammerschmid, die neue Vorsitzende der Uniko': a named person and the role phrase after a
        comma are one mention (after complements are attached, so the role keeps its complement)."""
        g = self.kb.grammar

        def apposition(idx: int) -> int | None:
            m = mentions[idx]
            nxt = mentions[idx + 1] if idx + 1 < len(mentions) else None
            if not (nxt is not None and m.pronoun is None and nxt.pronoun is None and m.names and m.complement is None
                    and [t.text for t in doc[m.end:nxt.start]] == [","] and self._head(nxt) is not None
                    and not nxt.names and (self._is_det(doc[nxt.start]) or nxt.cues[0].kind in ROLE_KINDS)):
                return None
            m.complement, m.complement_kind = nxt, "apposition"
            m.end = nxt.end
            idx += 2
            # "X, der frühere Außenminister und ehemalige Vorsitzende der Y": one person, two roles
            while idx < len(mentions) and mentions[idx].pronoun is None and not mentions[idx].names:
                more = mentions[idx]
                gap = [t.lower_ for t in doc[m.end:more.start]]
                if not (gap and gap[0] in g["conj"] and len(gap) <= 2 and self._head(more) is not None
                        and not self._is_det(doc[more.start])):
                    break
                m.end = more.end
                idx += 1
            return idx

        return self._walk(mentions, apposition)

    @staticmethod
    def _group(m: Mention) -> bool:
        """A people noun with no role noun or name: "Albanians", "Bosnian Serbs"."""
        return not m.names and bool(m.cues) and m.cues[-1].kind == "people" and \
            all(c.kind in ("people", "adjective", "country") for c in m.cues)

    @staticmethod
    def _head(m: Mention) -> Cue | None:
        for cue in reversed(m.cues):
            if cue.kind in ROLE_KINDS or (cue.kind == "compound" and cue.head):
                return cue
        return None

    def _origin(self, doc, end: int):
        """'John Kibanga (29) aus Rutshuru': the place a person comes from (origin word, then a place)."""
        k = end
        if k < len(doc) and doc[k].text == "(":  # an age or party in parentheses
            close = next((j for j in range(k + 1, min(k + 5, len(doc))) if doc[j].text == ")"), None)
            if close is None:
                return None
            k = close + 1
        if k + 1 >= len(doc) or doc[k].lower_ not in self.kb.grammar["origin"] or not doc[k + 1].text[:1].isupper():
            return None
        place = self._gazetteer().lookup(doc[k + 1].text)
        return place if place is not None and place.country else None

    def _name_convention(self, doc, m: Mention) -> str | None:
        """How the press names people it does not name in full: 'age' for a private person given with
        an age ("John Kibanga (29)", "John Smith, 29,"), 'initial' for a surname cut to its initial
        ("Abderaman A.", German practice for suspects and defendants). The language's grammar table
        says which conventions it has and the sector each implies."""
        conventions = self.kb.grammar["name_convention"]
        last = doc[m.names[-1]].text
        if "initial" in conventions and len(m.names) >= 2 and len(last) == 2 and last[0].isupper() \
                and last[1] == ".":
            return "initial"
        k = m.end
        if "age" in conventions and k + 2 < len(doc) and doc[k].text in ("(", ",") and doc[k + 1].like_num \
                and doc[k + 2].text == {"(": ")", ",": ","}[doc[k].text] and doc[k + 1].text.isdigit() \
                and 1 <= int(doc[k + 1].text) <= 110:
            return "age"
        return None

    def _gazetteer(self) -> Gazetteer:
        """The place gazetteer of the resolver's language (origins, small towns as the article's country)."""
        return Gazetteer.for_lang(self.lang)

    def _former(self, doc, m: Mention, head: Cue | None) -> str | None:
        """The word that makes the phrase's role a former one ("ehemalige", "Ex-"), if any."""
        g = self.kb.grammar["former"]
        stop = head.start if head is not None else (m.names[0] if m.names else m.end)
        for t in doc[max(0, m.start - 1):stop]:
            if t.lower_ in g:
                return t.text
        if head is not None and doc[head.start].lower_.startswith(("ex-", "ex–")):
            return doc[head.start].text
        return None

    # ------------------------------------------------------------------ resolution
    def _person(self, name: str, cues: list[Cue]) -> list[Entry]:
        entries = [e for e in self.kb.forms.get(norm(name), []) if e.kind == "person"]
        if not entries and " " in name:
            # spelling loosened ("Jean-Bertrand Aristide", "Omar Hassan al-Bashir"); with a role noun also
            # first and last name only ("former president Carlos Menem" for "Carlos Saul Menem"), when all
            # the people with that key belong to one country
            loose = self.kb.short_names.get(name_key(name, middle=True) or "", [])
            if not loose and any(c.kind in ROLE_KINDS for c in cues):  # middle names dropped only with a role
                loose = self.kb.short_names.get(name_key(name) or "", [])
            if loose and len({e.code for e in loose}) == 1:
                entries = list(loose)
        if not entries:
            for cue in cues:
                # a mononym ("Hassan", "Abdullah": a king's name) is no surname inside a longer name
                # ("Omar Hassan", "Abdullah Ocalan"); a surname alias ("Putin") is
                found = [p for p in cue.persons if " " not in name or " " in (p.name or "")]
                if found:
                    return found
        if not entries and " " not in name and any(c.kind in ROLE_KINDS for c in cues):
            entries = self._by_surname(name)  # only with a role noun: "President Bush", not "Michael Jordan"
        return entries

    def _by_surname(self, name: str) -> list[Entry]:
        """'President Bush': the knowledge base's people with that surname, if at least 75 % of their
        dated roles are for one country (the better documented people weigh more); otherwise the
        surname decides nothing."""
        found = [e for e in self.kb.surnames.get(norm(name), []) if e.code]
        if not found:
            return []
        code, n = Counter(e.code for e in found).most_common(1)[0]
        if n / len(found) < 0.75:
            return []
        return [e for e in found if e.code == code]

    def _pick_role(self, persons: list[Entry], date: str | None, phrase_sector: str | None = None
                   ) -> tuple[Entry | None, bool]:
        """The person's role on `date` (the one the phrase names if several); else the latest one."""
        if not persons:
            return None, False
        covering = [e for e in persons if e.covers(date)]
        if phrase_sector and any(e.sector == phrase_sector for e in covering):
            covering = [e for e in covering if e.sector == phrase_sector]
        if covering:
            covering.sort(key=lambda e: (e.sector is None, e.start or ""), reverse=False)
            best = max(covering, key=lambda e: (e.sector is not None, e.start or ""))
            return best, True
        return max(persons, key=lambda e: (e.sector is not None and bool(e.start or e.end), e.start or "")), False

    def _resolve(self, doc, m: Mention, date: str | None) -> Entity:
        text = _span_text(doc, m.start, m.end)
        start, end = doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1].text)
        steps: list[str] = []
        code = sector = role = kind = name = None
        located = False
        cues = list(m.cues)
        head = self._head(m)
        # code: the last cue with an explicit code, else a weak default
        for n_cue, cue in reversed(list(enumerate(cues))):
            if cue.code and cue.strong and cue.kind != "person":
                code = cue.code
                steps.append(f"code {code} from {cue.rule}")
                before = cues[n_cue - 1] if n_cue else None
                if cue.kind == "people" and before is not None and before.end == cue.start and before.code \
                        and before.code != code and before.kind in ("adjective", "country"):
                    # "Bosnian Serbs": the people noun names the group, the adjective where it lives
                    steps.append(f"'{_span_text(doc, cue.start, cue.end)}' living in {before.code}: {before.code}")
                    code = before.code
                    break
                if cue.kind in ("people", "adjective") and any(
                        t.lower_ in self.kb.grammar["ethnic"] for t in doc[max(0, m.start - 1):cue.start]):
                    # "ethnic Albanians (in Serbia)": an ethnic group, coded by where it lives
                    m.notes.append(f"weak:{code}")
                    steps.append(f"'ethnic': {code} is the group, not the state it lives in")
                    code = None
                break
        if head is not None:
            sector, role, kind = head.sector, head.role, "role"
            steps.append(f"sector {sector} from {head.rule}")
        if head is not None and head.generic and sector is None:
            for cue in cues:
                if cue.kind in ("igo", "party", "org"):
                    sector = {"igo": "IGO", "party": "PTY"}.get(cue.kind, cue.sector)
                    steps.append(f"generic head '{head.role}' takes the sector of {cue.rule}")
                    break
        comp = m.complement
        if comp is not None:
            comp_head = self._head(comp)
            comp_code = next((c.code for c in reversed(comp.cues) if c.code and c.kind != "person"), None)
            comp_sector = comp_head.sector if comp_head is not None else None
            if m.complement_kind == "apposition":
                sub = self._resolve(doc, comp, date)  # the role phrase with its own complement
                if sub.sector:
                    sector, role = sub.sector, sub.role
                if sub.code and not code:
                    code = sub.code
                steps.append(f"apposition '{_span_text(doc, comp.start, comp.end)}'")
            elif m.complement_kind == "of":
                if comp_sector and (sector is None or (head is not None and head.generic) or
                                    comp_head.kind in ROLE_KINDS):
                    if not (comp_head.sector == "GOV" and sector not in (None, "GOV") and head is not None and not head.generic):
                        sector = comp_sector
                if sector is None:
                    sector = next((c.sector for c in comp.cues if c.sector), None) or \
                        ("GOV" if any(c.kind in ("country", "metonym") for c in comp.cues) else None)
                if not code and comp_code and (head is None or head.generic or not any(c.kind == "igo" for c in comp.cues)):
                    code = comp_code
                steps.append(f"complement '{_span_text(doc, comp.start, comp.end)}' -> {comp_code} {comp_sector}")
            elif m.complement_kind == "in":
                prep = next((doc[t].lower_ for t in range(comp.start - 1, m.start, -1)
                             if not self._is_det(doc[t]) and doc[t].lower_ not in self.kb.grammar["mod"]), "")
                located = prep != "of"  # "King Hassan of Morocco" names his country, "X in Washington" a place
                if code and comp_code and code != comp_code and self._group(m):
                    # "the Albanians of southern Serbia": a group is coded by where it lives
                    steps.append(f"a group living in {comp_code}, not in {code}")
                    code = None
                if not code:
                    code = comp_code or self.kb.places.get(norm(_span_text(doc, comp.start, comp.end).split("-")[0]))
                steps.append(f"located in '{_span_text(doc, comp.start, comp.end)}' -> {code}")
        if head is None:
            for cue in cues:
                if cue.kind in ("party",):
                    sector, kind = "PTY", "party"
                    break
                if cue.kind in ("igo", "org", "metonym", "compound"):
                    sector, kind = cue.sector or sector, "igo" if cue.kind == "igo" else cue.kind
                    break
            if sector is None:
                if any(c.kind == "country" for c in cues):
                    sector, kind = "GOV", "country"
                    steps.append("a country acting as a state: GOV")
                elif any(c.kind == "people" for c in cues):
                    sector, kind = "CVL", "people"
                elif any(c.kind == "adjective" for c in cues):
                    kind = "adjective"
        reference = None
        if head is not None and head.head in self.kb.grammar["relational"] and code:
            # "das deutsche Nachbarland": the country named is the reference point, not the actor
            reference, code = code, None
            m.notes.append(f"relational:{reference}")
            steps.append(f"'{head.role}' relates to {reference}: not its code")
        former = self._former(doc, m, head)
        if former:
            # "der frühere Außenminister", "former President X": no longer acts for that office.
            steps.append(f"'{former}': a former role gives no sector")
            sector = None
        if m.names:
            name = "".join(doc[t].text + (doc[t].whitespace_ or " " if t + 1 not in m.names else doc[t].whitespace_)
                           for t in m.names).strip()  # "al-Bashir" stays one word
            kind = "person"
            persons = self._person(name, cues)
            entry, covering = self._pick_role(persons, date, sector)
            namesake = False
            if entry is not None and code and not located and entry.code and code != entry.code and \
                    not any(p.code == code for p in persons) and (not covering or len(m.names) == 1):
                # the phrase names another country ("King Hassan of Morocco", "Kenzo Oshima, the United
                # Nations Emergency Relief Coordinator"): with no role of that person covering the story
                # date, or only one name to go by, the knowledge base's namesake is someone else
                steps.append(f"person '{entry.name or name}' in the knowledge base is {entry.code}, "
                             f"the phrase says {code}: kept the phrase")
                entry = None
                namesake = True
            if entry is not None and former:
                name = entry.name or name
                code = code or entry.code
                steps.append(f"person '{name}' in the knowledge base; the phrase names a former role")
            elif entry is not None:
                name = entry.name or name
                if covering or date is None:
                    code = entry.code or code
                    phrase_role = head is not None and head.sector and sector and not head.generic \
                        or head is not None and head.generic and sector is not None \
                        or head is None and sector == "PTY"  # "der US-Republikaner Marco Rubio"
                    if phrase_role and entry.sector and entry.sector != sector:
                        steps.append(f"sector {sector} from the phrase's role over the knowledge base's {entry.sector}")
                    else:
                        sector = entry.sector or sector
                    role = entry.role or role
                    steps.append(f"person '{name}' in the knowledge base: {entry.code} {entry.sector or '-'} "
                                 f"{entry.start or '..'}..{entry.end or ''}" + ("" if covering else " (no story date: latest role)")
                                 + f" [{entry.source}]")
                else:
                    if not code:
                        code = entry.code
                    if sector is None and head is None:
                        sector = None
                    steps.append(f"person '{name}' known, but no role of theirs covers {date}: "
                                 f"kept the phrase's cues (country {entry.code} from the knowledge base)")
            elif not namesake:
                steps.append(f"person '{name}' not in the knowledge base: role and country from the phrase")
            if code is None:
                origin = self._origin(doc, m.end)
                if origin is not None:
                    code = origin.country
                    steps.append(f"from '{origin.text}' ({origin.country})")
            if sector is None and entry is None:
                convention = self._name_convention(doc, m)
                if convention is not None:
                    sector = self.kb.grammar["name_convention"][convention]
                    steps.append(f"{convention}: sector {sector} (press convention)")
        if code is None:
            weak = next((c for c in reversed(cues) if c.code and not c.strong), None)
            if weak is not None:
                m.notes.append(f"weak:{weak.code}")
        alts = [a for c in cues for a in c.alts]
        if alts:
            m.notes.append("alts:" + ",".join(alts))
        if "org:" in m.notes and not code:
            kind = "org"
            steps.append("a named organisation the tables do not know: no country")
            if sector is None:
                sector = "NGO"
                steps.append("an organisation: NGO")
        for note in m.notes:
            if not note.startswith(("weak:", "alts:", "relational:", "org:")):
                steps.append(note)
        if kind is None:
            kind = cues[0].kind if cues else "person"
        return Entity(text=text, code=code, sector=sector, name=name, start=start, end=end, kind=kind,
                      role=role, rule="; ".join(steps) or "no cue")

    # ------------------------------------------------------------------ public API
    def mentions(self, doc, story_date: str | None = None, *, home: str | None = None) -> list[Entity]:
        """Every actor mention in `doc`, non-overlapping and sorted, with coreference chain ids.

        `home` is the country of the article's dateline: it weighs most when a mention with no
        country of its own takes the article's country.
        """
        date = _valid_date(story_date)
        if len(doc) == 0:
            return []
        sent_start = self._sentence_starts(doc)
        spacy_doc, doc = doc, _PlainDoc(doc)  # the steps below read plain token attributes
        cues = self._scan_cues(doc, sent_start)
        chunks = self._attach(doc, self._chunks(doc, cues, sent_start), cues)
        sent_index = []
        s = -1
        for flag in sent_start:
            s += flag
            sent_index.append(s)
        places = self._place_cues(doc, cues, sent_start)
        if home:
            places[home] += 3
        kept: list[Mention] = []
        for m in chunks:
            if m.pronoun is None:
                first = doc[m.start]
                prev = doc[m.start - 1] if m.start > 0 else None
                only_place = m.cues and all(c.kind in ("country", "metonym", "place") for c in m.cues) and not m.names
                if only_place and prev is not None and prev.lower_ in self.kb.grammar["place_prep"]:
                    continue  # "in Moskau": a place, not an actor
                if only_place and m.end < len(doc) and doc[m.end].text in ("–", "—", "-") and (
                        m.start <= 2 or sent_start[m.start]):
                    continue  # dateline "Wien – "
                if all(c.kind == "place" for c in m.cues) and not m.names:
                    continue
                m.entity = self._resolve(doc, m, date)
                if m.opposed:
                    m.entity.rule = f"{m.entity.rule}; {OPPOSED_NOTE}"
                head = self._head(m)
                m.plural = head is not None and "Plur" in spacy_doc[head.end - 1].morph.get("Number")
                del first
            kept.append(m)
        return self._corefer(doc, kept, sent_index, places, date)

    def _place_cues(self, doc, cues, sent_start) -> Counter:
        """Country cues from places (dateline, 'in <city>') that set the article's country."""
        gazetteer = self._gazetteer()
        counts: Counter = Counter()
        for tok in doc:
            after_prep = tok.i > 0 and doc[tok.i - 1].lower_ in self.kb.grammar["place_prep"]
            # "the government of Sindh province": a name before a word for a region is a place
            after_prep = after_prep or (tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in self.kb.grammar["place_noun"])
            if after_prep or tok.i <= 1:
                key = norm(tok.text.split("-")[0])
                code = self.kb.places.get(key)
                cue = cues[tok.i]
                if cue is not None and cue.kind in ("country", "metonym") and cue.code:
                    code = cue.code
                if code is None and after_prep and tok.text[:1].isupper() and cue is None and tok.is_alpha:
                    place = gazetteer.lookup(tok.text)  # smaller towns: "in Garmisch"
                    code = place.country if place is not None else None
                if code:
                    counts[code] += 1
        return counts

    def _corefer(self, doc, mentions: list[Mention], sent_index: list[int], places: Counter,
                 date: str | None) -> list[Entity]:
        counts: Counter = Counter(places)
        first_seen: dict[str, int] = {}
        for m in mentions:
            e = m.entity
            if e is not None and e.code and len(e.code) == 3 and e.sector != "IGO" and \
                    not any(n.startswith("alts:") for n in m.notes):
                counts[e.code] += 2 if e.kind in ("country", "person", "party", "metonym") else 1
                first_seen.setdefault(e.code, m.start)
        dominant = None
        if counts:
            dominant = max(counts, key=lambda c: (counts[c], -first_seen.get(c, 10**9)))
        chains: list[tuple[Mention, Entity]] = []
        next_id = 0
        out: list[Entity] = []
        anaphor = self.kb.grammar["anaphor_country"]
        for m in mentions:
            sent = sent_index[m.start]
            if m.pronoun is not None:
                ante = self._pronoun_antecedent(m.pronoun, chains, sent, sent_index)
                tok = doc[m.start]
                if ante is None:
                    continue
                a = ante[1]
                e = Entity(text=tok.text, code=a.code, sector=a.sector, name=a.name, start=tok.idx,
                           end=tok.idx + len(tok.text), kind="pronoun", role=a.role,
                           rule=f"pronoun '{tok.text}' -> '{a.text}'", entity_id=a.entity_id)
                chains.append((m, e))
                out.append(e)
                continue
            e = m.entity
            assert e is not None  # set in mentions() for every non-pronoun mention
            alts = next((n[5:].split(",") for n in m.notes if n.startswith("alts:")), [])
            if dominant and dominant in alts:
                e.rule += f"; {dominant} rather than {e.code}: the article's country"
                e.code = dominant
            ante = None
            head = self._head(m)
            if e.name:
                last = norm(e.name.split()[-1])
                for pm, pe in reversed(chains):
                    if pe.name and (norm(pe.name) == norm(e.name) or norm(pe.name.split()[-1]) == last):
                        ante = pe
                        break
            elif head is not None and m.complement is None and (
                    not any(c.strong for c in m.cues) or head.head in self.kb.grammar["relational"]):
                is_country_anaphor = (head.head in anaphor or head.head in self.kb.grammar["relational"]) \
                    and not m.plural  # "afrikanische Länder" is no anaphor of one country
                reference = next((n[11:] for n in m.notes if n.startswith("relational:")), None)
                # "das Nachbarland" is the country the article is about, unless that is the reference point
                wanted = dominant if reference is not None and dominant != reference else None
                for pm, pe in reversed(chains):
                    if is_country_anaphor and pe.kind in ("country", "metonym") and pe.code != reference \
                            and (wanted is None or pe.code == wanted):
                        ante = pe
                        break
                    ph = self._head(pm) if pm.pronoun is None else None
                    if not is_country_anaphor and ph is not None and _same_head(ph.head, head.head) and \
                            sent - sent_index[pm.start] <= 6:
                        ante = pe
                        break
            elif head is not None and m.complement is not None and e.code is None:
                comp_head = self._head(m.complement)
                if comp_head is not None and not any(c.strong for c in m.complement.cues):
                    for pm, pe in reversed(chains):
                        ph = self._head(pm) if pm.pronoun is None else None
                        if ph is not None and _same_head(ph.head, comp_head.head) and pe.code:
                            e.code = pe.code
                            e.rule += f"; country {pe.code} from '{pe.text}' (coreferent complement)"
                            break
            elif e.kind in ("country", "metonym", "party", "igo") and e.code:
                for pm, pe in reversed(chains):
                    if pe.code == e.code and pe.kind == e.kind and not pe.name:
                        ante = pe
                        break
            if ante is not None:
                fill = e.code is None or (e.name and not m.cues)
                if e.code is None:
                    e.code = ante.code
                if e.sector is None or (e.name and not any(c.kind in ROLE_KINDS for c in m.cues) and ante.sector):
                    e.sector = ante.sector if e.sector is None or ante.name else e.sector
                e.name = e.name or ante.name
                if ante.name and e.name == ante.name:
                    e.name = ante.name
                if fill:
                    e.rule = (e.rule + "; " if e.rule else "") + f"coreferent with '{ante.text}'"
                e.entity_id = ante.entity_id
            else:
                e.entity_id = next_id
                next_id += 1
            if e.code is None:
                weak = next((n[5:] for n in m.notes if n.startswith("weak:")), None)
                # "afrikanische Länder" are many states, not the article's; "unsere Länder" include it
                many_states = m.plural and head is not None and head.head in anaphor and not any(
                    self.kb.grammar["possessive"].get(t.lower_) == "we" for t in doc[m.start:head.start])
                if dominant and not many_states and (e.sector not in (None, "IGO") or e.kind == "person" or e.role) and \
                        e.kind not in ("igo", "org") and not any(c.kind in ("igo", "org") for c in m.cues) and \
                        not (m.complement is not None and "org:" in m.complement.notes):
                    e.code = dominant
                    e.rule += f"; country {dominant} from the article's context"
                elif weak:
                    e.code = weak
                    e.rule += f"; default country {weak} of '{self._head(m).role if self._head(m) else ''}'"
            chains.append((m, e))
            out.append(e)
        out.sort(key=lambda x: (x.start, x.end))
        return out

    def _pronoun_antecedent(self, gender: str, chains, sent: int, sent_index) -> tuple[Mention, Entity] | None:
        unnamed = None
        for pm, pe in reversed(chains):
            if sent - sent_index[pm.start] > 2:
                break
            if pm.opposed:
                continue  # "die Gegner des G7-Gipfels haben ihr Camp": "ihr" is the opponents'
            person = pe.kind in ("person", "role", "pronoun") and (pe.name or pe.kind == "role")
            g = None
            head = self._head(pm) if pm.pronoun is None else None
            if head is not None:
                g = head.gender or "m"
            if pm.pronoun is not None:
                g = pm.pronoun
            if pm.plural and gender in ("m", "f"):
                continue  # number agreement: "er" is never "die Milizen"
            if (gender == "m" and person and g != "f") or (gender == "f" and person and g == "f"):
                if pe.name:
                    return pm, pe
                if unnamed is not None:
                    return unnamed
                unnamed = (pm, pe)  # a named person a little further back is the likelier referent
                continue
            if gender in ("pl", "any") and pe.kind not in ("pronoun",):
                return pm, pe
        if unnamed is not None:
            return unnamed
        if gender == "f":  # German 'sie' may be plural: the last group or state
            for pm, pe in reversed(chains):
                if sent - sent_index[pm.start] > 1:
                    break
                if pe.kind not in ("person", "pronoun") and not pm.opposed:
                    return pm, pe
        return None

    def lookup(self, text: str, date: str | None = None) -> Entity | None:
        """Resolve one actor phrase; the longest mention in it (first on ties) is the answer."""
        date = _valid_date(date)
        doc = _blank(self.lang)(text)
        found = self.mentions(doc, story_date=date)
        if not found:
            return None
        best = max(found, key=lambda e: (e.end - e.start, -e.start))
        best.entity_id = None
        return best

    def candidates(self, text: str) -> list[dict[str, Any]]:
        """All table rows for the phrase and each of its words (for explanations)."""
        rows = []
        seen = set()
        keys = [text] + text.split()
        for key in keys:
            for e in self.kb.forms.get(norm(key), [])[:8]:
                k = (e.form, e.kind, e.code, e.sector, e.start, e.end)
                if k in seen:
                    continue
                seen.add(k)
                rows.append({"form": e.form, "kind": e.kind, "code": e.code, "sector": e.sector, "name": e.name,
                             "start": e.start, "end": e.end, "source": e.source})
        return rows


def article_country(entities: Iterable[Entity], home: str | None) -> str | None:
    """The country most of the article's actors belong to (the dateline's country weighs most)."""
    counts: dict[str, int] = {}
    if home:
        counts[home] = 3
    for e in entities:
        if e.code and len(e.code) == 3 and e.sector != "IGO":
            counts[e.code] = counts.get(e.code, 0) + (2 if e.kind in ("country", "person", "party") else 1)
    return max(counts, key=lambda c: counts[c]) if counts else None


def _same_head(antecedent: str | None, anaphor: str | None) -> bool:
    """'the ministry' refers back to 'the defence ministry', 'das Ministerium' to 'das Außenministerium'."""
    if not antecedent or not anaphor:
        return False
    def stem(word: str) -> str:
        return re.sub(r"(es|en|s|n|e)$", "", word.split()[-1])

    return stem(antecedent).endswith(stem(anaphor))


@lru_cache(maxsize=8)
def _blank(lang: str):
    import spacy

    return spacy.blank(lang)


@lru_cache(maxsize=16)
def _cached_resolver(lang: str, extra_files: tuple[str, ...]) -> ActorResolver:
    return ActorResolver(build(lang, extra_files))


def _case_ok(entries: list[Entry] | None, surface: str) -> list[Entry] | None:
    """Acronym forms ("IS", "US", "AU") match only in capitals: "is" is no Islamic State."""
    if not entries:
        return entries
    kept = [e for e in entries if not (e.form.isupper() and len(e.form) <= 5) or surface.startswith(e.form)]
    return kept or None
