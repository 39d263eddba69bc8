"""Statements: one test per construction, German and English, on real spaCy docs."""
from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

import pytest

from chronik import nlp
from chronik.model import Entity
from chronik.statements import find_quotes, find_statements, lexicon

SEED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed.jsonl"


def _pipeline(lang: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nlp.load(lang)


@functools.cache
def _blank(lang: str):
    """The rules-only pipeline (sentencizer + lookup lemmas), whatever is shipped."""
    import spacy

    pipe = spacy.blank(lang)
    pipe.add_pipe("sentencizer")
    try:
        pipe.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()
    except (ValueError, OSError):
        pass
    return pipe


PIPELINES = ["blank"] + (["trained"] if nlp.has_trained("de") and nlp.has_trained("en") else [])


def _mentions(text: str, actors: dict[str, tuple[str | None, str | None]]) -> list[Entity]:
    """Hand-built actor mentions: every occurrence of each phrase, with its code and sector."""
    out = []
    for phrase, (code, sector) in actors.items():
        start = text.find(phrase)
        while start >= 0:
            person = phrase[:1].isupper() and " " not in phrase.strip() or phrase.istitle()
            out.append(Entity(text=phrase, code=code, sector=sector, start=start, end=start + len(phrase),
                              kind="person" if person else None, name=phrase if person else None))
            start = text.find(phrase, start + 1)
    return sorted(out, key=lambda m: m.start)


def _run(lang: str, which: str, text: str, actors: dict[str, tuple[str | None, str | None]]):
    pipe = _blank(lang) if which == "blank" else _pipeline(lang)
    doc = pipe(text)
    return find_statements(doc, _mentions(text, actors), lang=lang, article_id="t")


def _triples(statements) -> list[tuple[str | None, str, str]]:
    return [(s.speaker.text if s.speaker else None, s.content, s.kind) for s in statements]


DE = {"Frederiksen": ("DNK", "GOV"), "Bødskov": ("DNK", "GOV"), "des Ministeriums": ("USA", "GOV"),
      "Merkel": ("DEU", "GOV"), "Der Regierungssprecher": ("DEU", "GOV"), "Scholz": ("DEU", "GOV"),
      "des Verteidigungsministeriums": ("DNK", "GOV"), "Polizei": ("DEU", "COP"), "Neisser": ("AUT", None),
      "Das Rote Kreuz": ("ICRC", "NGO"), "die Behörden": ("FRA", "GOV")}

GERMAN = [
    ("direct, low-high quotes, frame after",
     "„Wir sind bereit“, sagte Merkel.",
     [("Merkel", "Wir sind bereit", "direct")]),
    ("direct, guillemets, frame after",
     "«Die Lage ist ernst», sagte Scholz am Montag.",
     [("Scholz", "Die Lage ist ernst", "direct")]),
    ("direct, reversed guillemets, frame before with colon",
     "Merkel sagte: »Wir schaffen das.«",
     [("Merkel", "Wir schaffen das", "direct")]),
    ("direct, straight quotes",
     '"Das ist ein guter Tag für Europa", sagte Scholz.',
     [("Scholz", "Das ist ein guter Tag für Europa", "direct")]),
    ("direct, single low quotes",
     "‚Wir kommen wieder‘, sagte Merkel.",
     [("Merkel", "Wir kommen wieder", "direct")]),
    ("direct, quote over two sentences is one statement",
     "„Wir kommen. Wir bleiben auch“, sagte Merkel.",
     [("Merkel", "Wir kommen. Wir bleiben auch", "direct")]),
    ("direct, frame inside the quote",
     "„Das ist gut“, sagte Merkel, „und das bleibt so.“",
     [("Merkel", "Das ist gut", "direct")]),
    ("direct quote in 'hieß es' with the ministry as source",
     "In einer Mitteilung des Ministeriums hieß es, nach Abschluss «werden unsere Länder enger zusammenarbeiten».",
     [("des Ministeriums", "werden unsere Länder enger zusammenarbeiten", "direct")]),
    ("Konjunktiv I after 'sagte', frame after",
     "Ein größeres Engagement der USA könne den Zugang verbessern, sagte Frederiksen.",
     [("Frederiksen", "Ein größeres Engagement der USA könne den Zugang verbessern", "indirect")]),
    ("Konjunktiv I, frame before",
     "Merkel sagte am Montag, die Regierung sei handlungsfähig.",
     [("Merkel", "die Regierung sei handlungsfähig", "indirect")]),
    ("dass-clause",
     "Bødskov unterstrich, dass es nicht um US-Stützpunkte gehe.",
     [("Bødskov", "es nicht um US-Stützpunkte gehe", "indirect")]),
    ("separable speech verb",
     "Der Regierungssprecher teilte am Montag mit, dass die Gespräche fortgesetzt würden.",
     [("Der Regierungssprecher", "die Gespräche fortgesetzt würden", "indirect")]),
    ("laut X at the start",
     "Laut Frederiksen ist schon länger über eine Kooperation gesprochen worden.",
     [("Frederiksen", "ist schon länger über eine Kooperation gesprochen worden", "indirect")]),
    ("nach Angaben des X",
     "Nach Angaben des Verteidigungsministeriums sollen die Verhandlungen im Mai beginnen.",
     [("des Verteidigungsministeriums", "sollen die Verhandlungen im Mai beginnen", "indirect")]),
    ("X zufolge",
     "Der Polizei zufolge wurden drei Menschen verletzt.",
     [("Polizei", "wurden drei Menschen verletzt", "indirect")]),
    ("wie X mitteilte",
     "Wie die Polizei mitteilte, wurden drei Menschen verletzt.",
     [("Polizei", "wurden drei Menschen verletzt", "indirect")]),
    ("wie X es formulierte",
     "Die Reform sei überfällig, wie der Minister es formulierte.",
     [("der Minister", "Die Reform sei überfällig", "indirect")]),
    ("back reference: 'Das sagte X' takes the previous sentence",
     "Dänemark zeigt sich offen für US-Soldaten. Das sagte Frederiksen am Donnerstag.",
     [("Frederiksen", "Dänemark zeigt sich offen für US-Soldaten", "indirect")]),
    ("Konjunktiv I runs on in the next sentences",
     "Bødskov unterstrich, dass es nicht um Stützpunkte gehe. Atomwaffen werde es nicht geben. "
     "Das Wetter war gut.",
     [("Bødskov", "es nicht um Stützpunkte gehe", "indirect"),
      ("Bødskov", "Atomwaffen werde es nicht geben", "indirect")]),
    ("interview answers after a name label",
     "Heinrich Neisser ist 80. STANDARD: Wie geht es? Neisser: Es geht mir gut. Ich bin zufrieden.",
     [("Neisser", "Es geht mir gut", "direct"), ("Neisser", "Ich bin zufrieden", "direct")]),
    ("pronoun speaker falls back to the last person",
     "Scholz kam spät. Die Lage sei ernst, sagte er.",
     [("er", "Die Lage sei ernst", "indirect")]),
    ("no actor mention: the speaker phrase as text",
     "Die Lage sei ernst, sagte ein Augenzeuge.",
     [("ein Augenzeuge", "Die Lage sei ernst", "indirect")]),
    ("warnen vor: the phrase is what was said",
     "Das Rote Kreuz warnt vor einer humanitären Krise.",
     [("Das Rote Kreuz", "einer humanitären Krise", "indirect")]),
    ("sprechen von with the verb at the end",
     "Am Donnerstag hatten die Behörden von konkreten Anschlagsplänen gesprochen.",
     [("die Behörden", "konkreten Anschlagsplänen", "indirect")]),
    ("halten für",
     "Merkel hält den Plan für falsch.",
     [("Merkel", "den Plan für falsch", "indirect")]),
    ("object-only speech act is no statement",
     "Merkel forderte eine Kostengrenze von einer Million Euro.",
     []),
    ("scare quotes are no statement",
     'Die Militärkapelle hatte Probleme mit der "Marseillaise".',
     []),
]

EN = {"Johnson": ("GBR", "GOV"), "the Foreign Ministry": ("FRA", "GOV"), "Merkel": ("DEU", "GOV"),
      "the police": ("USA", "COP")}

ENGLISH = [
    ("direct, curly quotes, frame after", "“We will not back down,” Johnson said on Monday.",
     [("Johnson", "We will not back down", "direct")]),
    ("direct, straight quotes, verb before subject", '"The deal is dead," said Johnson.',
     [("Johnson", "The deal is dead", "direct")]),
    ("direct, colon, quote over two sentences", "Johnson said: “We are ready. We will talk to anyone.”",
     [("Johnson", "We are ready. We will talk to anyone", "direct")]),
    ("direct, single quotes with apostrophes inside", "Johnson said: 'We don't give up, it's our job.'",
     [("Johnson", "We don't give up, it's our job", "direct")]),
    ("said that", "Johnson said on Monday that the talks had failed.",
     [("Johnson", "the talks had failed", "indirect")]),
    ("said without that", "Johnson said the talks had failed.",
     [("Johnson", "the talks had failed", "indirect")]),
    ("frame after, told reporters", "The talks had failed, Johnson told reporters.",
     [("Johnson", "The talks had failed", "indirect")]),
    ("told reporters that", "Johnson told reporters that the deal was dead.",
     [("Johnson", "the deal was dead", "indirect")]),
    ("said in a statement", "Johnson said in a statement that the deal was dead.",
     [("Johnson", "the deal was dead", "indirect")]),
    ("according to X, at the start", "According to the Foreign Ministry, the talks will resume in March.",
     [("the Foreign Ministry", "the talks will resume in March", "indirect")]),
    ("according to X, at the end", "The talks will resume in March, according to the Foreign Ministry.",
     [("the Foreign Ministry", "The talks will resume in March", "indirect")]),
    ("as X said", "As the police said, two people were hurt.",
     [("the police", "two people were hurt", "indirect")]),
    ("apostrophes are no quotes", "Johnson's team didn't comment on Merkel's plan.", []),
]


@pytest.mark.issue(6)
@pytest.mark.parametrize("which", PIPELINES)
@pytest.mark.parametrize("name,text,expected", GERMAN, ids=[g[0] for g in GERMAN])
def test_german_constructions(which, name, text, expected):
    if which == "trained" and name in TRAINED_SEGMENTATION_GAPS:
        pytest.xfail("the shipped German parser splits the sentence at the closing quote or after the "
                     "'Name:' label (known gap, docs/statements.md)")
    assert _triples(_run("de", which, text, DE)) == expected


# Constructions the blank pipeline (rule-based sentences) handles but the trained parser's
# sentence segmentation currently breaks.
TRAINED_SEGMENTATION_GAPS = {"direct, reversed guillemets, frame before with colon",
                             "interview answers after a name label"}


@pytest.mark.issue(6)
@pytest.mark.parametrize("which", PIPELINES)
@pytest.mark.parametrize("name,text,expected", ENGLISH, ids=[e[0] for e in ENGLISH])
def test_english_constructions(which, name, text, expected):
    assert _triples(_run("en", which, text, EN)) == expected


def test_statement_records_explain_themselves():
    text = "Ein größeres Engagement der USA könne den Zugang verbessern, sagte Frederiksen. Das Wetter war gut."
    (st,) = _run("de", "blank", text, DE)
    assert st.id == "t-s1"
    assert text[st.content_start:st.content_end] == st.content
    assert st.speaker is not None and st.speaker.code == "DNK"
    ev = st.evidence
    assert (ev.sentence_index, ev.trigger, ev.rule) == (0, "sagte", "verb-inverted:sagen")
    assert text[ev.sent_start:ev.sent_end] == ev.sentence
    assert text[ev.start:ev.end] == ev.trigger
    assert ev.notes


def test_speaker_from_actor_layer_pronoun_resolution():
    text = "Scholz kam spät. Die Lage sei ernst, sagte er."
    er = text.rindex("er")
    mentions = [Entity(text="Scholz", code="DEU", sector="GOV", start=0, end=6, kind="person", entity_id=1),
                Entity(text="er", code="DEU", sector="GOV", start=er, end=er + 2, kind="pronoun", entity_id=1)]
    (st,) = find_statements(_blank("de")(text), mentions, lang="de", article_id="a")
    assert st.speaker is mentions[1]


def test_quotes_pair_marks_and_skip_apostrophes():
    lex = lexicon("en")
    text = "He said 'it's fine' and “we're done” but Peters' car isn't."
    found = [text[q.inner_start:q.inner_end] for q in find_quotes(text, lex)]
    assert found == ["it's fine", "we're done"]


def test_unknown_language_fails_with_the_catalogued_error():
    from chronik.errors import ChronikError

    with pytest.raises(ChronikError, match="E010"):
        lexicon("xx")


@pytest.mark.skipif(not SEED.exists(), reason="shared gold files not present")
def test_seed_article_with_the_actor_layer():
    actors = pytest.importorskip("chronik.actors")
    raw = json.loads(SEED.read_text(encoding="utf-8").splitlines()[0])
    doc = _pipeline("de")(raw["text"])
    mentions = actors.ActorResolver.for_lang("de").mentions(doc, story_date=raw["date"])
    found = find_statements(doc, mentions, lang="de", article_id=raw["id"])
    gold = {(s["sentence"], s["speaker"]["code"], s["kind"]) for s in raw["statements"]}
    system = {(s.evidence.sentence, s.speaker.code if s.speaker else None, s.kind) for s in found}
    assert len(gold & system) >= 9


def test_parsed_doc_uses_subject_and_morphology():
    """With a trained pipeline's annotations the subject comes from the parse and Mood=Sub from MORPH."""
    from spacy.tokens import Doc

    words = ["Am", "Montag", "sagte", "Merkel", ",", "die", "Lage", "sei", "ernst", "."]
    doc = Doc(
        _blank("de").vocab, words=words,
        heads=[1, 2, 2, 2, 7, 6, 7, 2, 7, 2],
        deps=["case", "obl", "ROOT", "nsubj", "punct", "det", "nsubj", "ccomp", "xcomp", "punct"],
        pos=["ADP", "NOUN", "VERB", "PROPN", "PUNCT", "DET", "NOUN", "AUX", "ADJ", "PUNCT"],
        morphs=["", "", "Mood=Ind|Tense=Past", "", "", "", "", "Mood=Sub|Tense=Pres", "", ""],
        lemmas=["an", "Montag", "sagen", "Merkel", ",", "der", "Lage", "sein", "ernst", "."],
        sent_starts=[True] + [False] * 9,
    )
    start = doc.text.index("Merkel")
    mentions = [Entity(text="Merkel", code="DEU", sector="GOV", start=start, end=start + 6, kind="person")]
    (st,) = find_statements(doc, mentions, lang="de", article_id="p")
    assert (st.speaker.text, st.content, st.kind) == ("Merkel", "die Lage sei ernst", "indirect")
    assert st.evidence.notes == ["subject (parse) is an actor mention", "Konjunktiv I"]
