"""Event patterns: per-language data files compiled into hashed look-up tables."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from chronik.errors import error
from chronik.lemmas import candidates as lemma_candidates
from chronik.events.ontology import from_cameo
from chronik.model import PLOVER_TYPES, Record

LANG_DIR = Path(__file__).resolve().parent.parent / "lang"


@dataclass
class Pattern(Record):
    """One trigger: a verb (lemma, separable particle joined), a noun, or an adjective, plus its frame.

    `recipient` lists argument slots in order of preference: "obj", "iobj", "prep:<preposition>", or
    "clause" (the subject of the verb's that-clause: "demanded that X ...").
    `object` makes a light-verb construction ("Verhandlungen aufnehmen"): the verb's object must be
    that noun and is then not the recipient.
    """

    id: str
    type: str
    verb: str | None = None
    noun: str | None = None
    adj: str | None = None
    object: str | None = None
    mode: str | None = None
    cameo: str | None = None
    context: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=lambda: ["obj", "iobj"])
    actor_preps: list[str] = field(default_factory=list)
    reciprocal: bool = False
    needs_recipient: bool = False
    genitive: str = "actor"  # what a nominal trigger's genitive names: "Protest der Bauern" vs "Festnahme des Täters"
    confidence: float = 0.6
    implied: str | None = None  # sector of the actor an act implies when none is named ("festgenommen": COP)
    reflexive: bool = False  # "sich beteiligen": "ist beteiligt" (sein + participle) is the subject's own state
    expletive: bool = False  # only with an expletive subject: "es wird X geben", "there will be X"
    announced: bool = False  # only announced (future): the announcement is the act, no 'future' mode
    source: str = ""

    @property
    def specificity(self) -> int:
        return (2 if self.object else 0) + (1 if self.adj else 0) + (1 if self.verb and self.noun else 0)


@dataclass
class LanguageGrammar(Record):
    """Closed-class words and switches the coder needs for one language (from lang/<lang>/grammar.json)."""

    lang: str
    particle_join: str = "prefix"  # "prefix": ein+leiten; "space": call on
    compound_nouns: bool = False
    negation: list[str] = field(default_factory=list)
    negation_det: list[str] = field(default_factory=list)
    future_aux: list[str] = field(default_factory=list)
    future_modals: list[str] = field(default_factory=list)
    future_heads: list[str] = field(default_factory=list)
    future_words: list[str] = field(default_factory=list)
    hypothetical_aux: list[str] = field(default_factory=list)
    hypothetical_marks: list[str] = field(default_factory=list)
    historical_words: list[str] = field(default_factory=list)
    agent_preps: list[str] = field(default_factory=list)
    passive_aux: list[str] = field(default_factory=list)
    demonstratives: list[str] = field(default_factory=list)  # "diese Forderung": the same event named again
    stative_aux: list[str] = field(default_factory=list)  # "war angeschossen und ... festgenommen worden"
    reflexives: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    particles: list[str] = field(default_factory=list)
    support_verbs: list[str] = field(default_factory=list)  # light verbs that lend a nominal trigger their subject
    topic_preps: list[str] = field(default_factory=list)
    compound_blocklist: list[str] = field(default_factory=list)  # "Wahlkampf" is no "Kampf"
    recipient_preps: list[str] = field(default_factory=list)  # fallback: "extradited X to Britain"
    stop_triggers: list[str] = field(default_factory=list)  # word forms that are never triggers ("according")
    demand_modals: list[str] = field(default_factory=list)  # "X said Y must ...": a REQUEST of X to Y
    speech_verbs: list[str] = field(default_factory=list)  # "Verhandlungen über eine Zusammenarbeit": a topic, no event
    implied_labels: dict[str, str] = field(default_factory=dict)
    negating_heads: list[str] = field(default_factory=list)  # "failed to reach an agreement": not done
    # "der vereitelte Anschlag", "a foiled attack": a participle of these verbs on a nominal trigger says
    # the act never happened: no event
    preventing_verbs: list[str] = field(default_factory=list)
    # "ohne um Genehmigung zu bitten", "without asking": an act in such a clause did not happen, no event
    absence_marks: list[str] = field(default_factory=list)
    # "nach dem Einspruch", "after the attack": a nominal trigger in such a PP is a circumstance of the verb,
    # whose subject is not its actor
    circumstance_preps: list[str] = field(default_factory=list)
    receive_verbs: list[str] = field(default_factory=list)  # "erhält Unterstützung von X": subject receives
    # "rejected an appeal from X", "violated a ban by X", "demanded the release of X": an object (or passive
    # subject) that is no actor names its party in a PP with one of these prepositions (tried in order)
    object_party_preps: list[str] = field(default_factory=list)
    expletive_subjects: list[str] = field(default_factory=list)  # "es" (es gibt), "there" (there is)
    speaker_subjects: list[str] = field(default_factory=list)  # "wir", "man": in a statement, the speaker acts
    governed_before_trigger: bool = False  # verb-final clauses: the verb's arguments stand before the trigger
    # "will withdraw its force unless X ...", "es sei denn": an announced act on such a condition is a
    # THREATEN, and an act inside the condition is hypothetical
    threat_conditions: list[str] = field(default_factory=list)
    # "Der Vorstoß kam von X", "criticism came from X": a nominal trigger that is the subject of such a verb
    # takes its actor from the verb's PP with one of the listed prepositions
    source_verbs: dict[str, list[str]] = field(default_factory=dict)
    # "die Gegner des G7-Gipfels protestieren": the complement of such a subject is whom a protest,
    # accusation, rejection or threat with no other target is aimed at
    opponent_nouns: list[str] = field(default_factory=list)
    # "schlagen ein Sondergericht vor": a determiner that cannot open a dative phrase; the parser's "iobj"
    # (or object taken for one) with it is no dative recipient
    non_dative_determiners: list[str] = field(default_factory=list)
    relative_pronouns: list[str] = field(default_factory=list)  # "die Fraktion, die von X unterstützt wird"  # sector -> words shown for an implied actor


class PatternIndex:
    """All patterns of a language, indexed by trigger lemma."""

    def __init__(self, lang: str, patterns: list[Pattern], grammar: LanguageGrammar) -> None:
        self.lang = lang
        self.grammar = grammar
        self.patterns = patterns
        self.by_verb: dict[str, list[Pattern]] = {}
        self.by_noun: dict[str, list[Pattern]] = {}
        self.by_adj: dict[str, list[Pattern]] = {}
        for p in patterns:
            if p.verb:
                self.by_verb.setdefault(p.verb.lower(), []).append(p)
            elif p.noun:
                self.by_noun.setdefault(p.noun.lower(), []).append(p)
            elif p.adj:
                self.by_adj.setdefault(p.adj.lower(), []).append(p)
        # every word a verb token's lemma may be and still reach a verb pattern: the lemma is the key, its
        # end (German particle + lemma: "ein" + "leiten") or its first word ("call on"); a token whose
        # candidate lemmas are none of these triggers no verb pattern, and `find_triggers` skips it early
        self.verb_ends = {v[i:] for v in self.by_verb for i in range(len(v))} | {v.split(" ")[0] for v in self.by_verb}
        self._nouns: dict[str, list[Pattern]] = {}
        self.particles = set(grammar.particles)

    def lemmas(self, token_lemma: str, text: str) -> list[str]:
        """Lemma candidates (see `chronik.lemmas.candidates`)."""
        return lemma_candidates(self.lang, token_lemma, text)

    def nouns(self, lemma: str) -> list[Pattern]:
        """Nominal patterns for a noun lemma; German compounds match by their head ("Raketenangriff")
        (memoised per index: every noun of every article asks)."""
        lemma = lemma.lower()
        cached = self._nouns.get(lemma)
        if cached is None:
            cached = self._nouns[lemma] = self._nouns_uncached(lemma)
            if len(self._nouns) > 1 << 16:
                self._nouns.clear()
        return cached

    def _nouns_uncached(self, lemma: str) -> list[Pattern]:
        found = self.by_noun.get(lemma)
        if found or not self.grammar.compound_nouns:
            return found or []
        for i in range(1, len(lemma) - 4):
            found = self.by_noun.get(lemma[i:])
            if found:
                # the part next to the head decides ("Bundestagswahlkampf" is a "Wahlkampf", no "Kampf"),
                # as does the first part ("Herausforderungen")
                prefix = lemma[:i].rstrip("-")
                blocked = any(prefix.startswith(b) or prefix.endswith(b) for b in self.grammar.compound_blocklist)
                return [] if blocked else found
        return []


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise error("E021", path=f"{path}:{i}", detail=exc) from None
    return rows


def _complete(p: Pattern) -> Pattern:
    if p.type not in PLOVER_TYPES:
        raise error("E021", path=p.id, detail=f"unknown PLOVER type {p.type}")
    if p.cameo and not p.context:
        entry = from_cameo(p.cameo)
        if entry and entry.context:
            p.context = [entry.context]
        if entry and entry.mode and not p.mode:
            p.mode = entry.mode
    return p


@functools.cache
def load_patterns(lang: str, extra: tuple[str, ...] = ()) -> PatternIndex:
    """Patterns for `lang` from lang/<lang>/events*.jsonl (+ user files in `extra`)."""
    folder = LANG_DIR / lang
    grammar = LanguageGrammar.from_dict(json.loads((folder / "grammar.json").read_text(encoding="utf-8")))
    files = sorted(folder.glob("events*.jsonl")) + [Path(x) for x in extra]
    patterns = []
    for path in files:
        for row in _read_jsonl(path):
            row.setdefault("source", path.name)
            patterns.append(_complete(Pattern.from_dict(row)))
    return PatternIndex(lang, patterns, grammar)
