"""From a parsed sentence to PLOVER events: trigger matching, argument finding, auxiliary modes."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from chronik.actors import article_country
from chronik.events.ontology import score
from chronik.events.patterns import LanguageGrammar, Pattern, PatternIndex, load_patterns
from chronik.model import Entity, Event, Evidence, Place, Statement

# UD relations that stay inside one noun phrase's "core" (the words naming the participant).
_CORE_DEPS = {"conj", "appos", "flat", "flat:name", "compound", "amod", "det", "nmod:poss", "nummod", "cc", "case"}
_SUBJ_DEPS = {"nsubj", "nsubj:pass", "csubj"}
_OBJ_DEPS = {"obj", "dobj", "iobj"}
_PP_DEPS = {"obl", "obl:arg", "obl:agent", "nmod", "obl:tmod", "nmod:arg", "advcl"}


@dataclass
class Match:
    pattern: Pattern
    trigger: Token
    tokens: list[Token]  # all trigger words (verb, particle, light-verb object, adjective)


@dataclass
class Arguments:
    actor: list[Entity] = field(default_factory=list)
    recipient: list[Entity] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    by_parse: bool = True
    blocked: bool = False  # the parse says this trigger is not an event of its own
    anaphor: bool = False  # "die Verhandlungen sollen beginnen": participants come from an earlier event
    event_ref: set[str] = field(default_factory=set)  # the object names an earlier event ("begrüßte die Verhandlungen")
    # only the parse's own arguments, no positional guess: "die festgenommenen Männer", "nach dem Einspruch"
    no_guess: bool = False
    reciprocal: bool = False  # "Gespräche zwischen A und B": the parties found became the actors


class MentionIndex:
    """Actor mentions of one doc, looked up by token."""

    def __init__(self, doc: Doc, mentions: Iterable[Entity], home: str | None = None,
                 places: Iterable[Place] = (), statements: Iterable[Statement] = ()) -> None:
        self.by_token: dict[int, Entity] = {}
        # who speaks where: "wir werden ...", "es werde keine X geben" inside a statement are the speaker's
        self.statements = list(statements)
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.country = article_country(self.mentions, home)
        # places stand in for their country as a last-resort recipient ("lifted a curfew in Montenegro")
        self.places: dict[int, Entity] = {}
        for pl in places:
            span = doc.char_span(pl.start, pl.end, alignment_mode="expand") if pl.country else None
            if span is None:
                continue
            ent = Entity(text=pl.text, code=pl.country, start=pl.start, end=pl.end, kind="place",
                         rule=f"place '{pl.text}' in {pl.country}")
            for tok in span:
                self.places.setdefault(tok.i, ent)
        for m in self.mentions:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            for tok in span:
                self.by_token.setdefault(tok.i, m)

    def at(self, tok: Token) -> Entity | None:
        return self.by_token.get(tok.i)

    def speaker_at(self, tok: Token) -> Entity | None:
        """The speaker of the statement whose content holds `tok`, if known."""
        return next((s.speaker for s in self.statements if s.speaker is not None and s.speaker.code
                     and s.content_start <= tok.idx < s.content_end), None)

    def introduced_by(self, tok: Token) -> Statement | None:
        """The statement whose speech verb is `tok` ("X schränke Y ein, kritisieren die Anwälte"), if any."""
        return next((s for s in self.statements if s.evidence.start <= tok.idx < s.evidence.end), None)

    def in_tokens(self, tokens: Iterable[Token]) -> list[Entity]:
        out: list[Entity] = []
        for tok in sorted(tokens, key=lambda t: t.i):
            m = self.by_token.get(tok.i)
            if m is not None and all(m is not o for o in out):
                out.append(m)
        return out


def _speaker_acts(verb: Token, args: Arguments, mentions: MentionIndex) -> None:
    """A speech verb's act is its speaker's: "Die Regierung schränke X ein, kritisieren die Anwälte" is
    parsed with "Regierung" as the subject of "kritisieren"; the statement knows who speaks, and the
    one the parse took from inside the reported words is who the act is about."""
    st = mentions.introduced_by(verb)
    speaker = st.speaker if st is not None else None
    if speaker is None or any(a.start == speaker.start for a in args.actor):
        return
    if not all(st.content_start <= a.start < st.content_end for a in args.actor):
        return
    inside = args.actor
    args.actor = [speaker]
    args.recipient = [r for r in args.recipient if r.start != speaker.start] or inside
    args.notes.append(f"actor: the speaker '{speaker.text}' of the statement '{verb.text}' introduces "
                      f"(the parse's subject is inside the reported words)")


def _reported_subject(verb: Token, mentions: MentionIndex) -> list[Entity]:
    """The subject of what a speech verb reports, through the statement it introduces ("Die Koalition
    baue ein Spitzelnetz auf, kritisieren die Anwälte"): the parse often hangs the reported clause
    elsewhere. The first mention the parse calls a subject, else the first mention of the content."""
    st = mentions.introduced_by(verb)
    content = verb.doc.char_span(st.content_start, st.content_end, alignment_mode="expand") if st else None
    if content is None:
        return []
    toks = list(content)
    found = mentions.in_tokens(t for t in toks if t.dep_.startswith("nsubj")) or mentions.in_tokens(toks)
    return found[:1]


def _patient(cands: list[Token], mentions: MentionIndex) -> list[Entity]:
    """An object the actor layer does not know ("den Verdächtigen", "den Vergleich", "Golan"): the
    one acted on, of the article's country (annotation guide: the resolved entity of the sentence)."""
    c = next((c for c in cands if c.pos_ in ("NOUN", "PROPN", "NUM")), None)
    if c is None or mentions.country is None:
        return []
    core = sorted(_core(c), key=lambda t: t.i)
    core = [t for t in core if t.dep_ not in ("cc", "case") or core[0].i < t.i < core[-1].i]
    start, end = core[0].idx, core[-1].idx + len(core[-1])
    # the span's own text (Doc.text would re-join the whole article on every call)
    return [Entity(text=c.doc[core[0].i:core[-1].i + 1].text, code=mentions.country, sector=None, start=start, end=end,
                   kind="implied", rule=f"object with no actor cue: the article's country {mentions.country}")]


def _implied_actor(m: Match, mentions: MentionIndex, g: LanguageGrammar) -> list[Entity]:
    """The state organ an act implies when the sentence names none: arrests are the police's,
    indictments the prosecutors' (annotation guide: the implied actor in parentheses)."""
    sector = m.pattern.implied
    if sector is None or mentions.country is None:
        return []
    label = g.implied_labels.get(sector, sector)
    t = m.trigger
    return [Entity(text=f"({label})", code=mentions.country, sector=sector, start=t.idx, end=t.idx,
                   kind="implied", rule=f"implied by '{t.text}': {sector} of the article's country")]


def _lemma(tok: Token) -> str:
    return (tok.lemma_ or tok.text).lower()


def _full_verb_lemmas(tok: Token, index: PatternIndex, has_dep: bool) -> list[tuple[str, list[Token]]]:
    """Every candidate full lemma of a verb token (model lemma, generated form table)."""
    out = []
    for base in index.lemmas(_lemma(tok), tok.text):
        out.append(_full_verb_lemma(tok, index.grammar, has_dep, base=base))
    if index.grammar.particle_join == "space":
        # "kidnapped up to 16 advisers": a preposition the parser took for a particle; the bare verb
        # is tried after the phrasal readings
        out += [(base, [tok]) for base in index.lemmas(_lemma(tok), tok.text)
                if (base, [tok]) not in out and any(len(ts) > 1 for _, ts in out)]
    return out


def _full_verb_lemma(
    tok: Token, g: LanguageGrammar, has_dep: bool, *, base: str | None = None
) -> tuple[str, list[Token]]:
    """Lemma with its separable particle joined ("leitet ... ein" -> "einleiten"; "call ... on")."""
    particle: Token | None = None
    if has_dep:
        for c in tok.children:
            if c.dep_ in ("compound:prt", "svp", "prt"):
                particle = c
                break
    elif g.particle_join == "prefix":
        # Without a parse: a known particle right before the clause-final punctuation.
        for t in tok.doc[tok.i + 1 : tok.sent.end]:
            if t.is_punct or t.lower_ in g.coordinators:
                prev = t.nbor(-1)
                if prev.i > tok.i and prev.lower_ in g.particles:
                    particle = prev
                break
    if particle is None and has_dep and g.particle_join == "prefix" and tok.tag_ == "VVFIN":
        # "tauschten sich ... sehr selbstkritisch aus": the parser hung the clause-final separable particle
        # (STTS PTKVZ) on another word
        for t in tok.doc[tok.i + 1 : tok.sent.end]:
            if t.tag_ in ("VVFIN", "VAFIN", "VMFIN") or t.lower_ in (",", ";", ":"):
                break
            if t.tag_ == "PTKVZ" and t.head.pos_ not in ("VERB", "AUX"):
                particle = t
                break
    lemma = base or _lemma(tok)
    if particle is None:
        return lemma, [tok]
    if g.particle_join == "prefix":
        return particle.lower_ + lemma, [tok, particle]
    return f"{lemma} {particle.lower_}", [tok, particle]


def _is_verb(tok: Token, has_pos: bool) -> bool:
    if has_pos:
        return tok.pos_ in ("VERB", "AUX") or (tok.pos_ == "ADJ" and tok.tag_ in ("VVPP", "VBN"))
    return tok.is_alpha and not tok.is_title or tok.is_lower


def find_triggers(sent: Span, index: PatternIndex) -> list[Match]:
    doc = sent.doc
    has_pos = doc.has_annotation("POS")
    has_dep = doc.has_annotation("DEP")
    g = index.grammar
    matches: list[Match] = []
    for tok in sent:
        if tok.is_punct or tok.is_space:
            continue
        lemma = _lemma(tok)
        if tok.lower_ in g.stop_triggers:
            continue
        # Verbs (with separable particles and light-verb objects); a capitalised word inside the
        # sentence is a name or (German) a noun, not a verb ("United", "Mass").
        verb_like = tok.i == sent.start or not tok.text[:1].isupper()
        pos = tok.pos_
        # the tagger says NOUN but the parser gives it a subject and an object ("The US vetoed a resolution")
        if verb_like and (not has_pos or pos in ("VERB", "AUX", "ADJ") or has_dep and pos == "NOUN" and any(
                c.dep_ in _SUBJ_DEPS for c in tok.children) and any(c.dep_ in _OBJ_DEPS for c in tok.children)) \
                and _may_reach_verb(tok, lemma, index, has_dep):
            seen: set[str] = set()
            candidates = []
            readings = _full_verb_lemmas(tok, index, has_dep)
            if has_dep and _attributive(tok):
                # "die festgenommenen Männer": the participle's lemma ("festgenommen") leads to the verb
                readings += [(base, [tok]) for base in index.lemmas(lemma, lemma) if (base, [tok]) not in readings]
            for full, words in readings:
                for p in index.by_verb.get(full, []):
                    if p.id not in seen:
                        seen.add(p.id)
                        candidates.append((p, words))
            nouns = None
            for p, words in candidates:
                if p.object:
                    nouns = nouns if nouns is not None else _argument_nouns(tok, has_dep)
                    obj = _object_noun(nouns, p.object, index)
                    if obj is None:
                        continue
                    matches.append(Match(p, tok, [*words, obj]))
                elif p.adj:
                    adj = _predicate_adj(tok, p.adj, has_dep)
                    if adj is None:
                        continue
                    matches.append(Match(p, tok, [*words, adj]))
                else:
                    matches.append(Match(p, tok, words))
        # Nominal triggers ("Angriff auf", "talks with", "Raketenangriff").
        if not has_pos or pos in ("NOUN", "PROPN"):
            for p in index.nouns(lemma):
                matches.append(Match(p, tok, [tok]))
        # Adjective/participle triggers with a copula ("bereit zu", "offen für").
        if p_list := index.by_adj.get(lemma) or index.by_adj.get(tok.lower_):  # "prepared": lemma "prepare"
            for p in p_list:
                matches.append(Match(p, tok, [tok]))
    return matches


def _may_reach_verb(tok: Token, lemma: str, index: PatternIndex, has_dep: bool) -> bool:
    """Whether some reading of `tok` may be a verb pattern's lemma (a cheap test before the readings are
    built: most words of a sentence are no pattern verb's lemma, its end or its first word)."""
    ends = index.verb_ends
    if any(b in ends for b in index.lemmas(lemma, tok.text)):
        return True
    return has_dep and _attributive(tok) and any(b in ends for b in index.lemmas(lemma, lemma))


def _attributive(tok: Token) -> bool:
    """A participle used as an adjective of a noun: "die festgenommenen Männer", "getötete Ausländer"
    (German attributive adjectives, STTS ADJA; the small English parser calls too many finite verbs
    amod participles: "eased", "offered")."""
    return tok.dep_ == "amod" and tok.head.i != tok.i and tok.head.pos_ in ("NOUN", "PROPN") and tok.tag_ == "ADJA"


def _argument_nouns(verb: Token, has_dep: bool) -> list[tuple[Token, str]]:
    """The words that may hold a light verb's noun, in order of preference, with their lemmas (computed
    once per verb, tried for each of its light-verb patterns): its objects and subjects, then nouns in
    PPs of the verb, its objects or its other PPs ("in Untersuchungshaft nehmen", "auf die Straße gehen";
    the parser often hangs the PP on the object: "nahm den Minister in Schutz"). Without a parse: the
    sentence."""
    if not has_dep:
        return [(t, _lemma(t)) for t in verb.sent if t.i != verb.i]
    out = [c for c in verb.children if c.dep_ in _OBJ_DEPS | {"nsubj:pass", "nsubj"}]
    # "gegen Rabah N. Anklage erhoben": the parser took the noun for a part of the name before it
    out += [x for c in verb.children if c.dep_ in _OBJ_DEPS | {"nsubj:pass", "nsubj"} or c.dep_.startswith("obl")
            for x in c.subtree if x.dep_ in ("flat", "flat:name") and x.tag_ == "NN"]
    holders = [verb] + [c for c in verb.children if c.dep_ in _OBJ_DEPS or c.dep_.startswith("obl")]
    out += [c for h in holders for c in h.children
            if (c.dep_ in _PP_DEPS or c.dep_.startswith(("obl", "nmod"))) and any(x.dep_ == "case" for x in c.children)]
    return [(t, _lemma(t)) for t in out]


def _object_noun(nouns: list[tuple[Token, str]], noun: str, index: PatternIndex) -> Token | None:
    """The first of the verb's argument nouns that is the light verb's noun (or, in German, a compound
    ending in it)."""
    noun = noun.lower()
    compounds = index.grammar.compound_nouns
    for t, lemma in nouns:
        # the word itself too: the lemmatizer and the lookup table make "Abkommen" "abkomme"
        if lemma == noun or t.lower_ == noun or (compounds and lemma.endswith(noun) and len(lemma) > len(noun)):
            return t
    return None


def _predicate_adj(verb: Token, adj: str, has_dep: bool) -> Token | None:
    adj = adj.lower()
    pool = list(verb.children) if has_dep else list(verb.sent)
    for t in pool:
        if _lemma(t) == adj or t.lower_ == adj:
            return t
    return None


def _core(tok: Token, mentions: MentionIndex | None = None) -> list[Token]:
    """The tokens naming a participant: the head noun with conjuncts, appositions, modifiers. With
    `mentions`, an apposition counts only when its own noun is a mention: "Pakistan, a key U.S. ally"
    describes Pakistan, and the ally's modifier names no second participant."""
    out = [tok]
    for c in tok.children:
        if c.dep_ in _CORE_DEPS:
            if c.dep_ == "appos" and mentions is not None and mentions.at(c) is None:
                continue
            out.extend(_core(c, mentions))
    return out


def _name_core(tok: Token) -> list[Token]:
    """The head noun with the words of its name and its conjuncts, without adjectives or determiners."""
    out = [tok]
    for c in tok.children:
        if c.dep_ in ("compound", "flat", "flat:name", "conj", "appos"):
            out.extend(_name_core(c))
    return out


def _pp_object(head: Token, preps: set[str]) -> list[Token]:
    """Objects of prepositional phrases under `head` whose preposition is one of `preps`."""
    out = []
    for c in head.children:
        if c.dep_ in _PP_DEPS or c.dep_.startswith(("obl", "nmod")):
            cases = [x for x in c.children if x.dep_ == "case"]
            if any(_lemma(x) in preps or x.lower_ in preps for x in cases):
                out.append(c)
    return out


def is_passive(verb: Token, passive_aux: list[str], stative_aux: list[str] = ()) -> bool:  # type: ignore[assignment]
    """A passive clause: a passive label, or a participle with a passive auxiliary ("wurde festgenommen")."""
    if any(c.dep_ in ("nsubj:pass", "aux:pass") for c in verb.children):
        return True
    if "Part" not in verb.morph.get("VerbForm") and verb.tag_ not in ("VVPP", "VBN"):
        return False
    # "war angeschossen und von der Polizei festgenommen worden": participles share the passive auxiliary
    return _has_aux(verb, passive_aux) or bool(_shares_passive(verb, passive_aux, stative_aux))


def _shares_passive(verb: Token, passive_aux: list[str], stative_aux: list[str]) -> list[Token]:
    """The coordinated passive participles a participle with no auxiliary of its own, or a stative one
    ("war"), shares its passive with: "war angeschossen und von der Polizei festgenommen worden", "die
    von X umworben und unterstützt wird" (not "has cancelled a visit after ... was declared")."""
    if any(c.dep_.startswith("aux") for c in verb.children) and not _has_aux(verb, stative_aux):
        return []
    return [c for c in verb.children if c.dep_ == "conj" and c.i > verb.i and _passive_aux(c, passive_aux)
            and _shares_subject(c)]


def _shares_subject(conj: Token) -> bool:
    """A coordinated verb with no subject of its own shares its head's ("X was shot and arrested")."""
    return not any(x.dep_ in _SUBJ_DEPS or x.dep_ == "expl" for x in conj.children)


def _passive_aux(verb: Token, passive_aux: list[str]) -> bool:
    return any(c.dep_ == "aux:pass" for c in verb.children) or _has_aux(verb, passive_aux)


def _has_aux(verb: Token, lemmas: list[str]) -> bool:
    """Whether one of the verb's auxiliaries has one of these lemmas."""
    return any(c.dep_.startswith("aux") and _lemma(c) in lemmas for c in verb.children)


def _subject(verb: Token, passive_aux: list[str] = (), stative_aux: list[str] = ()  # type: ignore[assignment]
             ) -> tuple[Token | None, bool]:
    """(subject token, passive?) of a verb, inherited through conj/xcomp when it has none."""
    seen = 0
    tok = verb
    controlled = False
    adverbial = False
    while seen < 4:
        for c in tok.children:
            if c.dep_ in _SUBJ_DEPS and not _number_clash(c, tok):
                passive = c.dep_ == "nsubj:pass" or is_passive(tok, list(passive_aux), list(stative_aux))
                if adverbial and passive:
                    return None, False  # "X was attacked, killing ...": who controls the clause is unclear
                # "X is prepared to negotiate": the controller is the infinitive's (active) subject
                return c, passive and not controlled
        if (tok.dep_ in ("conj", "xcomp") or (tok.dep_ == "advcl" and _nonfinite(tok))) and tok.head.i != tok.i:
            # an infinitival or gerund adverbial clause ("summoned the ambassador to complain",
            # "blocked roads demanding ...") has the subject of the clause it modifies
            controlled = controlled or tok.dep_ in ("xcomp", "advcl")
            adverbial = adverbial or tok.dep_ == "advcl"
            tok = tok.head
            seen += 1
            continue
        break
    return None, False


def _number_clash(subj: Token, verb: Token) -> bool:
    """A conjoined verb's "subject" that disagrees in number with the clause's finite verb is its object
    ("nachdem dieser ... und die Offiziere ermutigt hatte": "hatte" is singular): German morphology."""
    if verb.dep_ != "conj" or any(c.dep_ == "conj" for c in subj.children) or subj.pos_ not in ("NOUN", "PROPN"):
        return False
    finite = [c for c in verb.children if c.dep_.startswith("aux") and c.morph.get("Number")]
    number = subj.morph.get("Number")
    verb_number = finite[0].morph.get("Number") if finite else []
    return bool(number and verb_number) and not set(number) & set(verb_number)


def _subject_word(verb: Token, g: LanguageGrammar) -> str | None:
    """The lower-cased subject word of the trigger's clause: an expletive or speaker pronoun among its
    subjects first (the parser often gives "Atomwaffen werde es nicht geben" two subjects)."""
    for c in verb.children:
        if (c.dep_ in _SUBJ_DEPS or c.dep_ == "expl") and (
                c.lower_ in g.expletive_subjects or c.lower_ in g.speaker_subjects):
            return c.lower_
    subj, _ = _subject(verb)
    return subj.lower_ if subj is not None else None


def _nonfinite(tok: Token) -> bool:
    """An infinitive with its marker ("to complain", "um ... zu treffen") or a gerund/present participle."""
    form = tok.morph.get("VerbForm")
    if "Inf" in form:
        return any(c.dep_ == "mark" for c in tok.children)
    return "Ger" in form or ("Part" in form and "Pres" in tok.morph.get("Tense"))


def _antecedent(tok: Token, g: LanguageGrammar) -> Token:
    """A relative pronoun stands for the noun its clause modifies ("die Fraktion, die ... unterstützt wird")."""
    if tok.lower_ not in g.relative_pronouns or tok.pos_ not in ("PRON", "DET"):
        return tok
    clause = tok.head
    while clause.dep_ == "conj" and clause.head.i != clause.i:
        clause = clause.head
    if clause.dep_ in ("acl:relcl", "acl") and clause.head.pos_ in ("NOUN", "PROPN"):
        return clause.head
    return tok


def _with_conjuncts(entities: list[Entity]) -> list[Entity]:
    out: list[Entity] = []
    for e in entities:
        if e.code is None and e.sector is None:
            continue
        if all(e is not o for o in out):
            out.append(e)
    return out


def arguments_by_parse(m: Match, mentions: MentionIndex, index: PatternIndex) -> Arguments:
    g = index.grammar
    p = m.pattern
    trig = m.trigger
    args = Arguments()
    verb = trig
    if p.verb and not p.object and not p.adj and _attributive(trig):
        return _attributive_arguments(m, mentions, g)
    if p.noun and trig.pos_ in ("NOUN", "PROPN"):
        # A nominal trigger takes its arguments from its own PPs, else from the verb it hangs on.
        pp_recip = _pp_object(trig, {x.split(":", 1)[1] for x in p.recipient if x.startswith("prep:")})
        if pp_recip:
            args.recipient = mentions.in_tokens(t for r in pp_recip for t in _core(r))
            args.notes.append(f"recipient: PP of the trigger noun '{trig.text}'")
        agent = _pp_object(trig, set(p.actor_preps) | set(g.agent_preps))
        # "EU sanctions", "russische Angriffe", "der Angriff Russlands": modifiers naming the actor.
        poss = [c for c in trig.children if c not in pp_recip and (
                c.dep_ in ("nmod:poss", "compound", "det:poss") or (c.dep_ == "amod" and c.pos_ == "ADJ")
                or (c.dep_ == "nmod" and not any(x.dep_ == "case" for x in c.children)))]
        poss = [c for c in poss if mentions.at(c) is not None]
        if g.compound_nouns:
            # German writes compounds as one word: a separate word the parser calls a compound modifier
            # is a misparse ("in Ägyptens Hauptstadt Kairo Geschäftsabschlüsse"), not the actor
            poss = [c for c in poss if c.dep_ != "compound"]
        head = trig.head if trig.head.i != trig.i else None
        receiving = head is not None and head.pos_ in ("VERB", "AUX") and any(
            lem in g.receive_verbs for lem, _ in _full_verb_lemmas(head, index, True))
        if receiving and not args.recipient:
            # "X erhält/genießt die Unterstützung Belgrads", "X received aid from Y": X receives, Y gives
            subj, _ = _subject(head, g.passive_aux)
            if subj is not None:
                args.recipient = mentions.in_tokens(_core(_antecedent(subj, g)))
            appos = [c for c in trig.children if c.dep_ == "appos" and mentions.at(c) is not None]  # misparsed genitive
            giver = poss + appos + _pp_object(head, {"von", "from", "by"}) + agent
            args.actor = [a for a in mentions.in_tokens(t for a in giver for t in _core(a))
                          if all(a is not r for r in args.recipient)]
            args.notes.append(f"'{head.text}' receives: recipient its subject, actor the giver")
            return _finish(args, p)
        if poss and p.genitive == "recipient" and not args.recipient:
            genitives = [c for c in poss if c.dep_ in ("nmod", "nmod:poss")]
            args.recipient = mentions.in_tokens(t for a in genitives for t in _core(a))
            if args.recipient:
                args.notes.append(f"recipient: genitive of the trigger noun '{trig.text}'")
            poss = [c for c in poss if c not in genitives]
        prevented = [c for c in trig.children if c.dep_ == "amod" and any(
            lem in g.preventing_verbs for lem in index.lemmas(_lemma(c), c.text))]
        if prevented:
            # "der vereitelte Terroranschlag", "a foiled attack": it never happened
            args.blocked = True
            args.notes.append(f"'{prevented[0].text}': the act was prevented, no event")
            return _finish(args, p)
        if agent or poss:
            args.actor = mentions.in_tokens(t for a in (agent or poss) for t in _core(a))
            args.notes.append("actor: genitive/agent of the trigger noun")
        verb = trig.head
        if trig.dep_ in ("compound", "nmod") and verb.pos_ in ("NOUN", "PROPN") and verb.head.i != verb.i:
            verb = verb.head  # "launched a mediation effort": the verb above the compound
        if args.actor or verb.i == trig.i:
            return _finish(args, p)
        if any(_lemma(c) in g.topic_preps for c in trig.children if c.dep_ == "case"):
            args.blocked = True
            args.notes.append(f"'{trig.text}' is the topic of a prepositional phrase, not an event")
            return _finish(args, p)
        if any(_lemma(c) in g.circumstance_preps or c.lower_ in g.circumstance_preps
               for c in trig.children if c.dep_ == "case"):
            # "zählte nach dem FP-Einspruch nochmals aus", "seit dem Eingreifen X": a circumstance of
            # another act, whose subject is not its actor
            args.no_guess = True
            args.notes.append(f"'{trig.text}' is a circumstance of '{verb.text}': no actor from it")
            return _finish(args, p)
        lemmas = [lem for lem, _ in _full_verb_lemmas(verb, index, True)]
        sources = {prep for lem in lemmas for prep in g.source_verbs.get(lem, [])}
        if trig.dep_ in _SUBJ_DEPS and sources:
            # "Der Vorstoß kam von X", "Widerstand komme aus X": the act comes from its actor
            src = _pp_object(verb, sources)
            args.actor = mentions.in_tokens(t for a in src for t in _core(a))
            if args.actor:
                args.notes.append(f"actor: where the '{trig.text}' comes from")
                return _finish(args, p)
        # A verb lends its subject unless it is an event of its own ("begrüßte die Verhandlungen"):
        # listed support verbs always do; other verbs do when no authored pattern makes them an event.
        support = any(lem in g.support_verbs for lem in lemmas) or not any(
            not q.source.startswith("events_cameo") for lem in lemmas for q in index.by_verb.get(lem, []))
        if trig.dep_ in _SUBJ_DEPS and not args.recipient:
            args.anaphor = support
            args.blocked = not args.anaphor
            args.notes.append(f"'{trig.text}' is the subject of '{verb.text}': participants from an earlier event")
            return _finish(args, p)
        if verb.pos_ not in ("VERB", "AUX", "ADJ") or not support:
            # "begrüßte die Verhandlungen": the noun is what another act is about, not an act itself.
            args.blocked = not args.recipient
            args.notes.append(f"nominal trigger under '{verb.text}', not a support verb: no actor from it")
            return _finish(args, p)
    subj, passive = _subject(verb, g.passive_aux, g.stative_aux)
    if p.adj and not p.verb:
        passive = False  # "is prepared to": a participle used as an adjective describes its subject
    if passive and p.reflexive and not _has_aux(verb, g.passive_aux):
        # "ist an Einsätzen beteiligt (gewesen)": the state of a reflexive verb ("sich beteiligen"), no passive
        passive = False
        args.notes.append(f"'{verb.text}' without a passive auxiliary: the state of a reflexive verb, active")
    if p.noun and verb.i != trig.i and subj is None and not args.recipient:
        own_pp = _pp_object(trig, {x.split(":", 1)[1] for x in p.recipient if x.startswith("prep:")})
        if any(c.dep_ == "case" for c in trig.children) and not own_pp and all(t.i != verb.i for t in m.tokens):
            # "hatte im Prozess ausgesagt": a known act named as the setting of another, no new event
            args.blocked = True
            args.notes.append(f"'{trig.text}' is the setting of '{verb.text}', not an act of its own")
            return _finish(args, p)
        args.anaphor = True
        args.notes.append(f"'{verb.text}' has no subject: participants from an earlier event")
        return _finish(args, p)
    if subj is not None:
        found = mentions.in_tokens(_core(_antecedent(subj, g), mentions))
        if passive and not p.noun:
            if not found and not args.recipient:
                # "the home of X was attacked": a passive subject that is no actor names its party in a PP
                found = _object_party([_antecedent(subj, g)], mentions, g)
            args.recipient = args.recipient or found
            args.notes.append(f"recipient: passive subject '{subj.text}'")
        else:
            pronoun = _demonstrative_subject(subj, mentions, g) if subj.head.i == verb.i else None
            if pronoun is not None and not args.actor and "obj" in p.recipient:
                # "nachdem dieser Golan in Schutz genommen hatte": the parser made the demonstrative
                # pronoun ("dieser" = the one just named) a determiner of the object that follows it
                args.actor = [pronoun]
                args.recipient = args.recipient or [
                    r for r in mentions.in_tokens(_core(subj, mentions)) if r is not pronoun]
                args.notes.append(f"actor: the pronoun '{pronoun.text}', object: '{subj.text}' (one phrase in the parse)")
            args.actor = args.actor or found
            args.notes.append(f"actor: subject '{subj.text}' of '{verb.text}'")
    if passive:
        agent = _pp_object(verb, set(g.agent_preps)) or [  # the agent of coordinated passive participles
            a for c in _shares_passive(verb, g.passive_aux, g.stative_aux) for a in _pp_object(c, set(g.agent_preps))]
        if agent:
            args.actor = mentions.in_tokens(t for a in agent for t in _core(a))
            args.notes.append("actor: agent of the passive")
    patients: list[Token] = []
    patient_slot = ""
    if not args.recipient:
        for slot in p.recipient:
            if slot in ("obj", "iobj"):
                # A dative object is often parsed as a plain object: "iobj" accepts both.
                deps = {"obj", "dobj"} if slot == "obj" else {"iobj", "obj", "dobj"}
                cands = [c for c in verb.children if c not in m.tokens and (c.dep_ in deps or (
                    slot == "iobj" and c.dep_ == "obl:arg" and not any(x.dep_ == "case" for x in c.children))
                    or (c.dep_ in _SUBJ_DEPS and _number_clash(c, verb)))]  # a "subject" in the wrong number
                # "zitierte am Montag Verteidigungsminister Jaalon zu sich": the parser hung the name on the weekday
                cands += [a for c in verb.children if c.dep_.startswith("obl") and _temporal(c)
                          for a in c.children if a.dep_ == "appos" and a not in m.tokens]
                # ("kann dem Vorschlag etwas abgewinnen": the German parser labels a bare dative obl:arg)
                if slot == "iobj" and g.non_dative_determiners:
                    cands = [c for c in cands if not any(
                        x.dep_ == "det" and x.lower_ in g.non_dative_determiners for x in c.children)]
            elif slot == "clause":
                # "demanded that Hamas renounce ...": the party asked is the subject of the that-clause, the
                # words of the clause before its verb (the small parser often mislabels a bare subjunctive)
                cands = [t for c in verb.children if c.dep_ == "ccomp" for t in c.subtree if t.i < c.i]
                found = mentions.in_tokens(cands) or _reported_subject(verb, mentions)
                if found:
                    args.recipient = found
                    args.notes.append(f"recipient: subject of the clause '{verb.text}' governs")
                    break
                continue
            elif slot.startswith("prep:"):
                preps = {slot.split(":", 1)[1]}
                cands = _pp_object(verb, preps)
                for t in m.tokens:  # light verb: "Verhandlungen mit X aufnehmen" hangs the PP on the noun
                    if t.i != verb.i:
                        cands += _pp_object(t, preps)
            else:
                continue
            found = mentions.in_tokens(t for c in cands for t in _core(c))
            if found:
                args.recipient = found
                args.notes.append(f"recipient: {slot} of '{verb.text}'")
                break
            if slot in ("obj", "iobj") and (found := _object_party(cands, mentions, g)):
                args.recipient = found
                args.notes.append(f"recipient: named in a PP of the {slot} of '{verb.text}'")
                break
            for c in cands:
                refs = {x.type for x in index.nouns(_lemma(c))}
                if refs:
                    args.event_ref = refs
                    args.notes.append(f"recipient: the participants of the earlier event '{c.text}' refers to")
            if not args.event_ref and slot in ("obj", "iobj") and p.type in _PATIENT_TYPES and not patients:
                # "killed 12", "arresting 30": a bare count of people is the party harmed
                patients = [c for c in cands if not _temporal(c) or (
                    p.type in _HARM_TYPES and c.like_num and c.ent_type_ not in ("DATE", "TIME"))]
                patient_slot = slot
    if not args.recipient and subj is not None and p.type in _OPPOSING_TYPES and \
            (_lemma(subj) in g.opponent_nouns or subj.lower_ in g.opponent_nouns):
        # "Die Gegner des G7-Gipfels haben ihr Protestcamp errichtet": the opponents' complement is the target
        opposed = [c for c in subj.children if c.dep_.startswith("nmod")]
        args.recipient = [r for r in mentions.in_tokens(t for c in opposed for t in _core(c))
                          if all(r is not a for a in args.actor)]
        if args.recipient:
            args.notes.append(f"recipient: whom the subject '{subj.text}' opposes")
    if not args.recipient and p.recipient and not p.reciprocal:
        # Fallback: a relational PP of the verb or of its complement ("extradited X to Britain",
        # "agreed to lift embargoes on sales to Iran").
        heads = [verb] + [c for c in verb.children if c.dep_ in ("xcomp", "ccomp", "csubj") and c.i > verb.i]
        # for acts not aimed at a place's people, the actor's own country or place is where, not whom
        own = set() if p.type in _OWN_PLACE_TYPES else {a.code for a in args.actor if a.code}
        for h in heads:
            cands = _pp_object(h, set(g.recipient_preps))
            found = [r for r in mentions.in_tokens(t for c in cands for t in _core(c))
                     if all(r is not a for a in args.actor) and not _where_not_whom(r, own)]
            if found:
                args.recipient = found
                args.notes.append(f"recipient: relational PP of '{h.text}' (fallback)")
                break
        if not args.recipient:
            found_pp = _relational_pp_after(m, mentions, g)
            found_pp = [r for r in found_pp if not _where_not_whom(r, own)]
            if found_pp:
                args.recipient = [r for r in found_pp if all(r is not a for a in args.actor)]
                args.notes.append("recipient: first relational PP after the trigger (parse attached it elsewhere)")
        if not args.recipient:
            found_sub = _in_subtree(m, verb, mentions, args.actor, g, domestic=p.type in _DOMESTIC_TYPES, own=own)
            if found_sub:
                args.recipient = found_sub
                args.notes.append(f"recipient: first actor in what '{verb.text}' governs (fallback)")
    if not args.recipient and patients:
        found = _patient(patients, mentions)
        if found:
            args.recipient = found
            args.notes.append(f"recipient: {patient_slot} '{found[0].text}' of '{verb.text}', no actor cue: "
                              f"the article's country")
    return _finish(args, p)


def _attributive_arguments(m: Match, mentions: MentionIndex, g: LanguageGrammar) -> Arguments:
    """A participle of a pattern verb used as an adjective ("den am Freitag festgenommenen Rabah N.", "die
    von Russland besetzten Gebiete") is a passive: its noun is the one acted on, the actor only its own
    agent PP or the actor the act implies (arrests: the police); no positional guess."""
    p, trig = m.pattern, m.trigger
    args = Arguments(no_guess=True)
    noun = trig.head
    own = {t.i for t in trig.subtree}
    core = [t for t in _core(noun, mentions) if t.i not in own]
    args.recipient = mentions.in_tokens(core)
    if args.recipient:
        args.notes.append(f"recipient: the noun '{noun.text}' the participle '{trig.text}' describes")
    elif p.type in _PATIENT_TYPES:
        args.recipient = _patient([noun], mentions)
        if args.recipient:
            args.notes.append(f"recipient: the noun '{noun.text}' the participle describes, no actor cue: "
                              f"the article's country")
    agent = _pp_object(trig, set(g.agent_preps))
    if agent:
        args.actor = mentions.in_tokens(t for a in agent for t in _core(a))
        if args.actor:
            args.notes.append("actor: agent PP of the participle")
    return _finish(args, p)


def _demonstrative_subject(subj: Token, mentions: MentionIndex, g: LanguageGrammar) -> Entity | None:
    """A demonstrative the actor layer resolved as a pronoun of its own but the parser hung on the name
    after it as a determiner ("nachdem dieser Golan in Schutz genommen hatte"): the pronoun's mention."""
    if subj.pos_ not in ("PROPN", "NOUN") or mentions.at(subj) is None:
        return None
    for d in subj.children:
        if d.dep_ == "det" and d.i == subj.i - 1 and d.lower_ in g.demonstratives:
            own = mentions.at(d)
            if own is not None and own is not mentions.at(subj):
                return own
    return None


def _object_party(cands: list[Token], mentions: MentionIndex, g: LanguageGrammar) -> list[Entity]:
    """The party an object that is no actor names in its PP: "rejected an appeal from X", "violated a ban
    by X", "defended the rights of X" (prepositions in `object_party_preps`, tried in order)."""
    for prep in g.object_party_preps:
        for c in cands:
            if c.pos_ not in ("NOUN", "PROPN") or mentions.at(c) is not None:
                continue
            # the PP's noun itself must name the party ("President Laurent Gbago"), not an adjective of
            # it: "part of a military aid program" names no party
            found = mentions.in_tokens(t for pp in _pp_object(c, {prep}) for t in _name_core(pp))
            if found:
                return found
    return []


def _in_topic(tok: Token, verb: Token, g: LanguageGrammar) -> bool:
    """Whether `tok` sits inside a topic PP ("über ...", "about ...") below `verb`."""
    t = tok
    for _ in range(12):  # spaCy makes a new Token object per access: compare indices, bound the walk
        if t.i == verb.i or t.head.i == t.i:
            break
        if any(c.dep_ == "case" and (c.lower_ in g.topic_preps or _lemma(c) in g.topic_preps) for c in t.children):
            return True
        t = t.head
    return False


@functools.cache
def _time_words(lang: str) -> frozenset[str]:
    """Weekday and month names (CLDR via babel): 'threatened on Monday' names no party."""
    from babel.dates import get_day_names, get_month_names

    words: set[str] = set()
    for width in ("wide", "abbreviated"):
        words |= {w.lower().rstrip(".") for w in get_day_names(width, locale=lang).values()}
        words |= {w.lower().rstrip(".") for w in get_month_names(width, locale=lang).values()}
    return frozenset(words)


def _temporal(tok: Token) -> bool:
    return tok.ent_type_ in ("DATE", "TIME") or tok.lower_ in _time_words(tok.doc.lang_) or tok.like_num


def _in_subtree(m: Match, verb: Token, mentions: MentionIndex, actor: list[Entity],
                g: LanguageGrammar, *, domestic: bool = False, own: set[str] | None = None) -> list[Entity]:
    """The first actor (or place) mention after the trigger among the words the trigger's verb governs,
    outside topic phrases ("spricht über Plünderungen im Jemen" names no partner). `domestic`: the act
    is typically aimed at the actor's own country (a protest at its government), so a mention of the
    actor's country counts too. `own`: codes whose places are where the act happens (`_where_not_whom`)."""
    last = max(t.i for t in m.tokens)
    codes = {a.code for a in actor}
    ids = {a.entity_id for a in actor if a.entity_id is not None}
    # the subject's own phrase ("Der Senator aus Florida") names no second party
    in_subject = {x.i for c in verb.children if c.dep_ in _SUBJ_DEPS for x in c.subtree}
    for t in sorted(verb.subtree, key=lambda x: x.i):
        before = t.i < m.trigger.i
        if (t.i <= last and not (g.governed_before_trigger and before)) or t.i in in_subject or t.dep_ in _SUBJ_DEPS:
            continue
        e = mentions.by_token.get(t.i)
        if e is None and not before:  # a place before a verb-final trigger is where it happens ("in Paris")
            e = mentions.places.get(t.i)
        if e is None or _in_topic(t, verb, g):
            continue
        if e.entity_id is not None and e.entity_id in ids:
            continue  # "ihr Protestcamp": the actor itself
        # a place may lie in the actor's own country ("Turkish authorities imposed a curfew in Cizre");
        # another actor of the same country is more often part of the actor's own phrase
        if all(e is not a for a in actor) and (
                (e.kind == "place" and not _where_not_whom(e, own or set())) or e.code is None
                or e.code not in codes or domestic):
            return [e]
    return []


def _where_not_whom(r: Entity, own: set[str]) -> bool:
    """A country or place of `own` (the actor's codes, for acts not aimed at a place's people) says where
    the act happens, not whom it is aimed at ("surrendered in Soroti", "promised to democratize Serbia")."""
    return r.kind in ("country", "place") and r.code in own


def _relational_pp_after(m: Match, mentions: MentionIndex, g: LanguageGrammar) -> list[Entity]:
    """The mention after the first 'to/with/against' ('an/mit/gegen') following the trigger in its clause."""
    doc = m.trigger.doc
    end = m.trigger.sent.end
    i = max(t.i for t in m.tokens) + 1
    while i < end:
        tok = doc[i]
        if tok.text in (";", ":") or (tok.text == "," and g.lang == "de"):
            break
        if tok.lower_ in g.recipient_preps:
            for j in range(i + 1, min(i + 5, end)):
                hit = mentions.at(doc[j])
                if hit is not None:
                    return [hit]
                if doc[j].is_punct:
                    break
            return []
        i += 1
    return []


def _drop_source_label(args: Arguments, sent: Span, m: Match) -> None:
    """'Tageszeitung: Russland soll sich ... einsetzen': a word before a colon that opens the sentence
    names the source of a headline, not a second actor."""
    colon = next((t for t in sent[:5] if t.text == ":"), None)
    if colon is None or colon.i > m.trigger.i:
        return
    kept = [a for a in args.actor if a.start >= colon.idx]
    if kept and len(kept) < len(args.actor):
        args.notes.append(f"'{sent.doc[sent.start:colon.i].text}' before the colon is the headline's source")
        args.actor = kept


def _finish(args: Arguments, p: Pattern) -> Arguments:
    args.actor = _with_conjuncts(args.actor)
    # an actor is no recipient of its own act, under any of its names ("Uno" ... "die Vereinten Nationen")
    ids = {a.entity_id for a in args.actor if a.entity_id is not None}
    args.recipient = [r for r in _with_conjuncts(args.recipient) if all(r is not a for a in args.actor)
                      and (r.entity_id is None or r.entity_id not in ids)]
    if p.reciprocal and not args.actor and len(args.recipient) >= 2:
        # "talks between A and B": every party acts, no one receives (annotation guide, rule 3).
        args.actor, args.recipient = args.recipient, []
        args.reciprocal = True  # the other party was found: a needed recipient is there
        args.notes.append("reciprocal: all parties of the trigger act")
    return args


def _absent(trig: Token, g: LanguageGrammar) -> bool:
    """An act in an "ohne ... zu" / "without ...ing" clause: "ohne um Genehmigung zu bitten"."""
    if any(c.dep_ == "mark" and c.lower_ in g.absence_marks for c in trig.children):
        return True
    return trig.dep_ == "pcomp" and trig.head.lower_ in g.absence_marks


def arguments_by_position(m: Match, sent: Span, mentions: MentionIndex, g: LanguageGrammar) -> Arguments:
    """Fallback without a parse: the mention(s) before the trigger act, the first one after receives. A
    speech verb's act is the speaker's its statement found after it ("..., widersprach ihm das Büro: ...")."""
    p = m.pattern
    args = Arguments(by_parse=False)
    first = min(t.i for t in m.tokens)
    last = max(t.i for t in m.tokens)
    before = [x for x in mentions.mentions if sent.start_char <= x.start and x.end <= m.trigger.idx]
    doc_text = sent.text
    base = sent.start_char
    st = mentions.introduced_by(m.trigger)
    speaker = st.speaker if st is not None else None
    if speaker is not None and speaker.start > m.trigger.idx:  # inverted: the mention before is not it
        args.actor = [speaker]
        args.notes.append(f"actor: the speaker '{speaker.text}' of the statement '{m.trigger.text}' introduces")
    elif before:
        chain = [before[-1]]
        for x in reversed(before[:-1]):
            gap = doc_text[x.end - base : chain[0].start - base].strip().lower()
            if gap in g.coordinators or gap == ",":
                chain.insert(0, x)
            else:
                break
        args.actor = chain
        args.notes.append("actor: mention before the trigger (no parse)")
    doc = sent.doc
    after_tokens = [t for t in doc[first : sent.end] if t.i > first]
    preps = {x.split(":", 1)[1] for x in p.recipient if x.startswith("prep:")}
    start_at = None
    if preps:
        for t in after_tokens:
            if t.lower_ in preps:
                start_at = t.idx
                break
    elif "obj" in p.recipient:
        start_at = doc[last].idx + len(doc[last])
    if start_at is not None:
        after = [x for x in mentions.mentions if start_at <= x.start and x.end <= sent.end_char]
        if after:
            args.recipient = [after[0]]
            args.notes.append("recipient: first mention after the trigger (no parse)")
    return _finish(args, p)


def aux_modes(m: Match, sent: Span, g: LanguageGrammar, has_dep: bool) -> list[str]:
    """Negation, future and hypothetical cues on the trigger (historical is set from dates later)."""
    aux: set[str] = set()
    trig = m.trigger
    if has_dep:
        scope = [c for t in m.tokens for c in t.children] + [t.head for t in m.tokens if t.dep_ == "xcomp"]
        if trig.dep_ in ("xcomp", "conj") and trig.head.dep_ != "ROOT":
            scope.append(trig.head)
        if m.pattern.noun and trig.pos_ in ("NOUN", "PROPN") and trig.head.i != trig.i and \
                trig.head.pos_ in ("VERB", "AUX") and trig.dep_ in _OBJ_DEPS | _PP_DEPS:
            # "kann nicht mit der Unterstützung rechnen": the governing verb's negation
            scope.extend(c for c in trig.head.children if c.dep_ == "advmod")
        obj_dets = [d for c in scope if c.dep_ in _OBJ_DEPS | {"nsubj", "nsubj:pass"} for d in c.children]
        words = {(t.lower_, _lemma(t)) for t in scope}
        if any(w in g.negation or lem in g.negation for w, lem in words):
            aux.add("negation")
        own_dets = [c for t in m.tokens if t.pos_ in ("NOUN", "PROPN") for c in t.children if c.dep_ == "det"]
        if any(d.lower_ in g.negation_det for d in obj_dets + own_dets + list(m.tokens)):
            aux.add("negation")
        verb_aux = [c for t in m.tokens for c in t.children if c.dep_ in ("aux", "aux:pass")]
        # Konjunktiv II ("würde") is hypothetical; Konjunktiv I "werde" is the future of reported speech
        is_sub = any("Sub" in c.morph.get("Mood") and "Pres" not in c.morph.get("Tense") for c in verb_aux)
        for c in verb_aux:
            lemma = _lemma(c)
            if c.lower_ in g.hypothetical_aux:
                aux.add("hypothetical")
            elif lemma in g.future_aux and c.dep_ == "aux" and not is_sub:
                participle = trig.tag_ in ("VVPP", "VAPP", "VMPP") or "Part" in trig.morph.get("VerbForm")
                if (trig.morph.get("VerbForm") in (["Inf"], []) and not participle) or g.lang == "en":
                    aux.add("future")
            elif lemma in g.future_modals:
                aux.add("future")
        if trig.dep_ == "xcomp" and _lemma(trig.head) in g.future_heads:
            aux.add("future")
        if trig.dep_ == "xcomp" and _lemma(trig.head) in g.negating_heads:
            aux.add("negation")
        marks = [c for t in [trig, trig.head] for c in t.children if c.dep_ == "mark"]
        if any(x.lower_ in g.hypothetical_marks for x in marks):
            aux.add("hypothetical")
    else:
        clause = _clause(sent, trig)
        lowers = {t.lower_ for t in clause}
        if lowers & set(g.negation) or lowers & set(g.negation_det):
            aux.add("negation")
        if lowers & set(g.hypothetical_aux) or lowers & set(g.hypothetical_marks):
            aux.add("hypothetical")
        if lowers & set(g.future_modals):
            aux.add("future")
    text = sent.text.lower()
    if any(w in text for w in g.future_words):
        aux.add("future")
    if m.pattern.type in ("AGREE", "THREATEN") and not m.pattern.announced:
        aux.discard("future")  # already about the future (annotation rule)
    if "hypothetical" in aux:
        aux.discard("future")
    return sorted(aux)


def _find_all(text: str, word: str) -> list[int]:
    """Start offsets of `word` as a whole word in `text`."""
    return [mt.start() for mt in re.finditer(rf"\b{re.escape(word)}\b", text)]


def _clause(sent: Span, tok: Token) -> list[Token]:
    start = tok.i
    while start > sent.start and sent.doc[start - 1].text not in (",", ";", ":"):
        start -= 1
    end = tok.i
    while end < sent.end - 1 and sent.doc[end + 1].text not in (",", ";", ":"):
        end += 1
    return list(sent.doc[start : end + 1])


@dataclass
class _Reference:
    """An event whose participants come from an earlier event of the article."""

    position: int
    anaphor: bool
    event_ref: set[str]
    reciprocal: bool
    event: Event | None = None
    demonstrative: bool = False  # "diese Forderung", "this attack": pointing back, not a new event


def resolve_references(events: list[Event], references: list[_Reference]) -> list[Event]:
    """Fill participants from the latest earlier event of the referred type; drop what stays empty."""
    by_id = {id(r.event): r for r in references if r.event is not None}
    out: list[Event] = []
    for e in events:
        ref = by_id.get(id(e))
        if ref is not None:
            types = {e.type} if ref.anaphor else ref.event_ref
            earlier = [x for x in out if x.type in types and x.evidence.start < e.evidence.start]
            if earlier:
                ante = earlier[-1]
                if ref.anaphor:
                    if ref.demonstrative and sorted(e.aux) == sorted(ante.aux) and not ref.reciprocal:
                        continue  # "Diese Forderung will sie diskutieren": the same event named again
                    e.actor = list(ante.actor) + (list(ante.recipient) if ref.reciprocal else [])
                    e.recipient = [] if ref.reciprocal else list(ante.recipient)
                    e.evidence.notes.append(f"participants from the earlier event '{ante.evidence.trigger}'")
                elif not e.recipient:
                    e.recipient = list(ante.actor)
                    e.evidence.notes.append(f"recipient: actor of the earlier event '{ante.evidence.trigger}'")
            if not e.actor:
                continue
        out.append(e)
    return out


def code_sentence(
    sent: Span, sent_index: int, mentions: MentionIndex, *, index: PatternIndex, article_id: str,
    references: list[_Reference] | None = None,
) -> list[Event]:
    doc = sent.doc
    has_dep = doc.has_annotation("DEP")
    g = index.grammar
    references = references if references is not None else []
    pairs: list[tuple[Match, Event]] = []
    pending: list[_Reference] = []
    for m in find_triggers(sent, index):
        subj_word = _subject_word(m.trigger, g) if has_dep and m.pattern.expletive else None
        if m.pattern.expletive and subj_word not in g.expletive_subjects:
            continue  # "es gibt" / "there is" patterns need their expletive subject
        if has_dep and _absent(m.trigger, g):
            continue  # "ohne um Genehmigung zu bitten": the act did not happen
        args = arguments_by_parse(m, mentions, index) if has_dep else arguments_by_position(m, sent, mentions, g)
        if args.blocked:
            continue
        if not args.actor and not args.anaphor and has_dep and subj_word is None:
            subj_word = _subject_word(m.trigger, g)  # only needed when the parse gave no actor
        if not args.actor and not args.anaphor and (subj_word in g.speaker_subjects or m.pattern.expletive):
            # "Wir werden X unterstützen", "Atomwaffen werde es nicht geben": inside a statement the
            # speaker is the one who acts (or rules out)
            speaker = mentions.speaker_at(m.trigger)
            if speaker is not None:
                args.actor = [speaker]
                args.notes.append(f"actor: the speaker '{speaker.text}' of the statement ('{subj_word}')")
        if args.no_guess:
            pass  # "die festgenommenen Männer", "nach dem Einspruch": the parse's own arguments or none
        elif has_dep and not args.actor and not args.recipient and not args.anaphor:
            args = arguments_by_position(m, sent, mentions, g)
        elif has_dep and not args.actor and args.recipient and not args.anaphor:
            # The parse found who was acted on but no actor (often a misparse): the mention
            # before the trigger, if it is not the recipient, acts; confidence drops.
            fallback = arguments_by_position(m, sent, mentions, g)
            actor = [a for a in fallback.actor if all(a is not r for r in args.recipient)]
            if actor:
                args.actor = actor
                args.by_parse = False
                args.notes.append(fallback.notes[0] if fallback.notes and "speaker" in fallback.notes[0]
                                  else "actor: mention before the trigger (parse found none)")
        if not args.actor and not args.anaphor and m.pattern.implied and args.recipient:
            args.actor = _implied_actor(m, mentions, g)
            if args.actor:
                args.notes.append(f"actor: implied by '{m.trigger.text}' ({m.pattern.implied} of the article's "
                                  f"country {mentions.country})")
        if has_dep and args.actor:
            _speaker_acts(m.trigger, args, mentions)
        if len(args.actor) > 1:
            _drop_source_label(args, sent, m)
        if not args.actor and not args.anaphor:
            continue  # an event needs a known actor: precision over recall
        if m.pattern.needs_recipient and not args.recipient and not args.anaphor and not args.reciprocal:
            continue
        aux = aux_modes(m, sent, g, has_dep)
        if m.pattern.announced:
            if "future" not in aux:
                continue  # "es gibt Atomwaffen" describes; "es wird keine Atomwaffen geben" announces
            aux = [a for a in aux if a != "future"]
        start = min(t.idx for t in m.tokens)
        end = max(t.idx + len(t) for t in m.tokens)
        conf = m.pattern.confidence + (0.15 if args.by_parse else -0.1) + (0.1 if args.recipient else 0.0)
        conf += 0.05 * m.pattern.specificity
        if any(a.code for a in args.actor):
            conf += 0.05
        trigger_text = " ... ".join(t.text for t in sorted(m.tokens, key=lambda t: t.i))
        if args.anaphor or args.event_ref:
            pending.append(_Reference(len(pairs), args.anaphor, args.event_ref, m.pattern.reciprocal,
                                      demonstrative=any(c.dep_ == "det" and c.lower_ in g.demonstratives
                                                        for c in m.trigger.children)))
        pairs.append((m, Event(
            type=m.pattern.type,
            mode=m.pattern.mode,
            context=list(m.pattern.context),
            cameo=m.pattern.cameo,
            actor=list(args.actor),
            recipient=list(args.recipient),
            aux=aux,
            confidence=round(min(conf, 0.99), 3),
            score=score(m.pattern.type, negated="negation" in aux),
            evidence=Evidence(
                article_id=article_id, sentence_index=sent_index, sentence=sent.text,
                sent_start=sent.start_char, sent_end=sent.end_char, start=start, end=end,
                trigger=trigger_text, rule=m.pattern.id, notes=args.notes,
            ),
        )))
    if has_dep:
        pairs.extend(_demands(sent, sent_index, mentions, index, article_id))
    for ref in pending:
        ref.event = pairs[ref.position][1]
        references.append(ref)
    if has_dep:
        pairs = _fold_embedded(pairs)
    sent_lower = sent.text.lower()  # joined once, not once per future word
    future_by_words = any(w in sent_lower for w in g.future_words)
    # "will withdraw its force unless X ...": the positions of such condition words in the sentence
    conditions = [i for w in g.threat_conditions for i in _find_all(sent_lower, w)] if pairs else []
    for m, e in pairs:
        if conditions and e.type not in ("THREATEN", "AGREE"):
            at = min(t.idx for t in m.tokens) - sent.start_char
            if any(c < at for c in conditions):
                if "hypothetical" not in e.aux:  # "unless Baghdad accepted": the condition, not an act
                    e.aux = sorted({*e.aux, "hypothetical"} - {"future"})
                    e.evidence.notes.append("inside a threat's condition ('unless ...'): hypothetical")
            elif ("future" in e.aux or "hypothetical" in e.aux) and "negation" not in e.aux:
                # "announced it will withdraw its force unless ...": a conditional announced act is a threat
                e.evidence.notes.append(f"announced {e.type} on a condition ('unless ...') coded as THREATEN")
                e.type, e.mode = "THREATEN", None
                e.aux = [a for a in e.aux if a not in ("future", "hypothetical")]
                e.score = score("THREATEN")
        if "negation" in e.aux and e.type in _REFUSAL_OF:
            # "würde ihn nicht unterstützen": refusing to back someone is a REJECT (annotation guide).
            e.evidence.notes.append(f"negated {e.type} coded as REJECT")
            e.type, e.mode = "REJECT", None
            e.aux = [a for a in e.aux if a != "negation"]
            e.score = score("REJECT")
        if "future" in e.aux and not future_by_words and e.type in _THREAT_TYPES:
            # "announced it will impose a blockade": an announced coercive act is a THREATEN.
            e.evidence.notes.append(f"announced {e.type} with a future auxiliary coded as THREATEN")
            e.type, e.mode = "THREATEN", None
            e.aux = [a for a in e.aux if a != "future"]
            e.score = score("THREATEN", negated="negation" in e.aux)
        if "future" in e.aux and not future_by_words and e.type in _INTENT_TYPES:
            # "Finland will give Tanzania a grant": an announced intention is an AGREE (annotation guide).
            e.evidence.notes.append(f"announced {e.type} with a future auxiliary coded as AGREE")
            e.type, e.mode = "AGREE", None
            e.aux = [a for a in e.aux if a != "future"]
            e.score = score("AGREE", negated="negation" in e.aux)
    return deduplicate([e for _, e in pairs], distinct=_coordinated_acts(pairs))


# Types whose object is the party acted on even when the actor layer does not know it.
_PATIENT_TYPES = {"ACCUSE", "ASSAULT", "COERCE", "SUPPORT", "REJECT", "SANCTION", "THREATEN"}
# Types mostly aimed at the actor's own authorities (protesters at their government).
_DOMESTIC_TYPES = {"PROTEST"}
# acts aimed against someone: the complement of an opponent subject is their target
_OPPOSING_TYPES = {"PROTEST", "ACCUSE", "REJECT", "THREATEN"}
# Types whose object, when a bare number, counts the people harmed.
_HARM_TYPES = {"ASSAULT", "COERCE"}
# a place in the actor's own country may receive these acts ("imposed / lifted a curfew in Cizre": its people);
# for others (AGREE, REQUEST, RETREAT, ...) it is where the act happens ("surrendered in Soroti")
_OWN_PLACE_TYPES = _PATIENT_TYPES | _DOMESTIC_TYPES | {"CONCEDE"}
# Negated, these types are refusals.
_REFUSAL_OF = {"SUPPORT", "AGREE", "COOPERATE"}
# Coercive acts that, announced with a future auxiliary, are threats.
_THREAT_TYPES = {"ASSAULT", "COERCE", "SANCTION"}
# Cooperative acts that, announced in the future tense, are intentions (AGREE) rather than acts.
_INTENT_TYPES = {"SUPPORT", "AID", "COOPERATE", "CONCEDE", "RETREAT"}
# Verbs of these types frame an embedded act: "agreed to provide aid", "drohte, anzugreifen".
_FRAME_TYPES = {"AGREE", "THREATEN", "REQUEST", "REJECT"}


_DEMAND = Pattern(id="demand-frame", type="REQUEST", cameo="100", confidence=0.55,
                  source="chronik/events/coder.py")


def _demands(
    sent: Span, sent_index: int, mentions: MentionIndex, index: PatternIndex, article_id: str
) -> list[tuple[Match, Event]]:
    """'X said Y must do Z' / 'X betonte, Y müsse Z': a REQUEST of the speaker to Y."""
    g = index.grammar
    out: list[tuple[Match, Event]] = []
    for tok in sent:
        if tok.dep_ != "aux" or _lemma(tok) not in g.demand_modals and tok.lower_ not in g.demand_modals:
            continue
        act = tok.head
        speech = act.head
        if act.dep_ not in ("ccomp", "parataxis") or not any(
                lem in g.speech_verbs for lem in index.lemmas(_lemma(speech), speech.text)):
            continue
        speaker, _ = _subject(speech, g.passive_aux)
        addressee, _ = _subject(act, g.passive_aux)
        if speaker is None or addressee is None:
            continue
        actor = _with_conjuncts(mentions.in_tokens(_core(speaker)))
        recipient = [r for r in _with_conjuncts(mentions.in_tokens(_core(addressee))) if all(r is not a for a in actor)]
        if not actor or not recipient:
            continue
        start, end = min(speech.idx, tok.idx), max(speech.idx + len(speech), tok.idx + len(tok))
        out.append((Match(_DEMAND, speech, [speech, tok]), Event(
            type="REQUEST", cameo="100", actor=actor, recipient=recipient, aux=[], confidence=0.7,
            score=score("REQUEST"),
            evidence=Evidence(article_id=article_id, sentence_index=sent_index, sentence=sent.text,
                              sent_start=sent.start_char, sent_end=sent.end_char, start=start, end=end,
                              trigger=f"{speech.text} ... {tok.text}", rule="demand-frame",
                              notes=[f"actor: speaker '{speaker.text}' of '{speech.text}'",
                                     f"recipient: '{addressee.text}', who '{tok.text}' act"]),
        )))
    return out


def _fold_embedded(pairs: list[tuple[Match, Event]]) -> list[tuple[Match, Event]]:
    """Drop an act embedded as the complement of a framing event; the frame takes its recipient."""
    dropped: set[int] = set()
    for i, (m, e) in enumerate(pairs):
        if e.type not in _FRAME_TYPES:
            continue
        for j, (m2, e2) in enumerate(pairs):
            if i == j or j in dropped:
                continue
            # the embedded act's trigger or its light verb ("bereit, Sanktionen zu verhängen"); the German
            # parser may call the infinitive a csubj ("ist bereit, zu verhandeln")
            if any(t2.dep_ in ("xcomp", "ccomp", "csubj") and (
                    t2.head == m.trigger or (t2.head.dep_ == "conj" and t2.head.head == m.trigger))
                    for t2 in [m2.trigger, *m2.tokens]):
                dropped.add(j)
                if not e.recipient and e2.recipient:
                    e.recipient = list(e2.recipient)
                e.evidence.notes.append(f"embeds '{e2.evidence.trigger}' ({e2.type}) as its content")
                if e.type == "AGREE" and m.pattern.adj and not m.pattern.verb and e2.type in _THREAT_TYPES:
                    # "is prepared to impose martial law", "ist bereit, anzugreifen": readiness to coerce threatens
                    e.type, e.mode = "THREATEN", None
                    e.score = score("THREATEN", negated="negation" in e.aux)
                    e.evidence.notes.append(f"readiness for a {e2.type} coded as THREATEN")
    return [p for k, p in enumerate(pairs) if k not in dropped]


def strip_space(span: Span) -> Span:
    """The span without leading or trailing whitespace tokens (e.g. a blanked date header)."""
    start, end = span.start, span.end
    while start < end and span.doc[start].is_space:
        start += 1
    while end > start and span.doc[end - 1].is_space:
        end -= 1
    return span.doc[start:end]


def _key(e: Event) -> tuple:
    return (e.type, frozenset(a.code for a in e.actor), frozenset(r.code for r in e.recipient))


def _coordinated_acts(pairs: list[tuple[Match, Event]]) -> set[frozenset[int]]:
    """Pairs of events whose verb triggers are coordinated ("in Schutz genommen und die Offiziere
    ermutigt"): two acts, even with the same type and dyad."""
    verbs = [(m.trigger, e) for m, e in pairs if m.pattern.verb and m.trigger.pos_ in ("VERB", "AUX")]
    out: set[frozenset[int]] = set()
    for t1, e1 in verbs:
        for t2, e2 in verbs:
            if t1.i < t2.i and t2.dep_ == "conj" and t2.head.i == t1.i:
                out.add(frozenset({id(e1), id(e2)}))
    return out


def deduplicate(events: list[Event], distinct: set[frozenset[int]] = frozenset()) -> list[Event]:  # type: ignore[assignment]
    """One event per real event: overlapping triggers or identical (type, dyad) keep the best; `distinct`
    names pairs of events that are two acts though their (type, dyad) is the same."""
    ranked = sorted(events, key=lambda e: (-e.confidence, e.evidence.start))
    kept: list[Event] = []
    for e in ranked:
        clash = False
        for k in kept:
            overlap = e.evidence.start < k.evidence.end and k.evidence.start < e.evidence.end
            if overlap or (_key(e) == _key(k) and frozenset({id(e), id(k)}) not in distinct):
                clash = True
                break
        if not clash:
            kept.append(e)
    return sorted(kept, key=lambda e: e.evidence.start)


def code_events(
    doc: Doc, mentions: list[Entity], *, lang: str, article_id: str, extra_patterns: tuple[str, ...] = (),
    home: str | None = None, places: Iterable[Place] = (), statements: Iterable[Statement] = (),
) -> list[Event]:
    index = load_patterns(lang, extra_patterns)
    mindex = MentionIndex(doc, mentions, home, places, statements)
    events: list[Event] = []
    references: list[_Reference] = []
    for i, sent in enumerate(doc.sents):
        sent = strip_space(sent)
        if len(sent):
            events.extend(code_sentence(sent, i, mindex, index=index, article_id=article_id, references=references))
    return resolve_references(events, references)
