"""English event patterns: the curated and CAMEO-converted files, and the coder's English mechanisms.

Parsed sentences are built by hand (`Doc(words=..., heads=..., deps=...)`, UD labels as the trained English
pipeline assigns them), so these tests need no trained model; actor mentions are hand-made Entities.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")
from spacy.tokens import Doc  # noqa: E402

from chronik.events.coder import code_events  # noqa: E402
from chronik.events.patterns import LANG_DIR, load_patterns  # noqa: E402
from chronik.model import PLOVER_TYPES, Entity  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EN = LANG_DIR / "en"

ACTORS = {
    "China": ("CHN", None), "Tibetans": ("CHN", "CVL"), "United States": ("USA", None), "Iran": ("IRN", None),
    "Iraqi soldiers": ("IRQ", "MIL"), "Iranian troops": ("IRN", "MIL"), "EU": ("EU", "IGO"),
    "Russia": ("RUS", None), "France": ("FRA", None), "Germany": ("DEU", None), "Israel": ("ISR", None),
    "Egypt": ("EGY", None), "Merkel": ("DEU", "GOV"), "Macron": ("FRA", "GOV"), "Ukraine": ("UKR", None),
}


@pytest.fixture(scope="module")
def vocab():
    return spacy.blank("en").vocab


def parsed(vocab, rows: list[tuple[str, str, str, int, str]]) -> Doc:
    """A parsed Doc from (word, lemma, pos, head index, dep) rows; the root points at itself."""
    words = [r[0] for r in rows]
    spaces = [i + 1 < len(rows) and rows[i + 1][2] != "PUNCT" for i in range(len(rows))]
    return Doc(vocab, words=words, spaces=spaces, lemmas=[r[1] for r in rows], pos=[r[2] for r in rows],
               heads=[r[3] for r in rows], deps=[r[4] for r in rows])


def mentions(doc: Doc) -> list[Entity]:
    out = []
    for text, (code, sector) in ACTORS.items():
        start = doc.text.find(text)
        if start >= 0:
            out.append(Entity(text=text, code=code, sector=sector, start=start, end=start + len(text)))
    return out


def code(doc: Doc) -> list[tuple[str, set[str], set[str], list[str]]]:
    events = code_events(doc, mentions(doc), lang="en", article_id="t")
    return [(e.type, {a.code for a in e.actor}, {r.code for r in e.recipient}, e.aux) for e in events]


# (name, rows, expected (type, actor codes, recipient codes, aux))
PARSED = [
    ("phrasal verb", [
        ("China", "China", "PROPN", 1, "nsubj"), ("cracked", "crack", "VERB", 1, "ROOT"),
        ("down", "down", "ADP", 1, "compound:prt"), ("on", "on", "ADP", 4, "case"),
        ("Tibetans", "Tibetan", "PROPN", 1, "obl"), (".", ".", "PUNCT", 1, "punct")],
     ("COERCE", {"CHN"}, {"CHN"}, [])),
    ("call on (prepositional)", [
        ("United", "United", "PROPN", 1, "compound"), ("States", "States", "PROPN", 2, "nsubj"),
        ("called", "call", "VERB", 2, "ROOT"), ("on", "on", "ADP", 4, "case"), ("Iran", "Iran", "PROPN", 2, "obl"),
        ("to", "to", "PART", 6, "mark"), ("negotiate", "negotiate", "VERB", 2, "xcomp"),
        (".", ".", "PUNCT", 2, "punct")],
     ("REQUEST", {"USA"}, {"IRN"}, [])),
    ("passive with by-agent", [
        ("Iraqi", "iraqi", "ADJ", 1, "amod"), ("soldiers", "soldier", "NOUN", 3, "nsubj:pass"),
        ("were", "be", "AUX", 3, "aux:pass"), ("attacked", "attack", "VERB", 3, "ROOT"),
        ("by", "by", "ADP", 6, "case"), ("Iranian", "iranian", "ADJ", 6, "amod"),
        ("troops", "troop", "NOUN", 3, "obl:agent"), (".", ".", "PUNCT", 3, "punct")],
     ("ASSAULT", {"IRN"}, {"IRQ"}, [])),
    ("nominal trigger: sanctions against", [
        ("EU", "EU", "PROPN", 1, "compound"), ("sanctions", "sanction", "NOUN", 4, "nsubj"),
        ("against", "against", "ADP", 3, "case"), ("Russia", "Russia", "PROPN", 1, "nmod"),
        ("took", "take", "VERB", 4, "ROOT"), ("effect", "effect", "NOUN", 4, "obj"),
        (".", ".", "PUNCT", 4, "punct")],
     ("SANCTION", {"EU"}, {"RUS"}, [])),
    ("light verb: held talks with", [
        ("Germany", "Germany", "PROPN", 1, "nsubj"), ("held", "hold", "VERB", 1, "ROOT"),
        ("talks", "talk", "NOUN", 1, "obj"), ("with", "with", "ADP", 4, "case"),
        ("France", "France", "PROPN", 2, "nmod"), (".", ".", "PUNCT", 1, "punct")],
     ("CONSULT", {"DEU"}, {"FRA"}, [])),
    ("compound actor", [
        ("France", "France", "PROPN", 3, "nsubj"), ("and", "and", "CCONJ", 2, "cc"),
        ("Germany", "Germany", "PROPN", 0, "conj"), ("criticized", "criticize", "VERB", 3, "ROOT"),
        ("Russia", "Russia", "PROPN", 3, "obj"), (".", ".", "PUNCT", 3, "punct")],
     ("ACCUSE", {"FRA", "DEU"}, {"RUS"}, [])),
    ("reciprocal: talks between A and B", [
        ("Talks", "talk", "NOUN", 5, "nsubj"), ("between", "between", "ADP", 2, "case"),
        ("Israel", "Israel", "PROPN", 0, "nmod"), ("and", "and", "CCONJ", 4, "cc"),
        ("Egypt", "Egypt", "PROPN", 2, "conj"), ("resumed", "resume", "VERB", 5, "ROOT"),
        (".", ".", "PUNCT", 5, "punct")],
     ("CONSULT", {"ISR", "EGY"}, set(), [])),
    ("negation: did not", [
        ("Russia", "Russia", "PROPN", 3, "nsubj"), ("did", "do", "AUX", 3, "aux"),
        ("not", "not", "PART", 3, "advmod"), ("attack", "attack", "VERB", 3, "ROOT"),
        ("Ukraine", "Ukraine", "PROPN", 3, "obj"), (".", ".", "PUNCT", 3, "punct")],
     ("ASSAULT", {"RUS"}, {"UKR"}, ["negation"])),
    ("future: will meet next week", [
        ("Merkel", "Merkel", "PROPN", 2, "nsubj"), ("will", "will", "AUX", 2, "aux"),
        ("meet", "meet", "VERB", 2, "ROOT"), ("Macron", "Macron", "PROPN", 2, "obj"),
        ("next", "next", "ADJ", 5, "amod"), ("week", "week", "NOUN", 2, "obl:tmod"),
        (".", ".", "PUNCT", 2, "punct")],
     ("CONSULT", {"DEU"}, {"FRA"}, ["future"])),
    ("hypothetical: would ... if", [
        ("Iran", "Iran", "PROPN", 2, "nsubj"), ("would", "would", "AUX", 2, "aux"),
        ("attack", "attack", "VERB", 2, "ROOT"), ("Israel", "Israel", "PROPN", 2, "obj"),
        ("if", "if", "SCONJ", 7, "mark"), ("the", "the", "DET", 6, "det"), ("talks", "talk", "NOUN", 7, "nsubj"),
        ("failed", "fail", "VERB", 2, "advcl"), (".", ".", "PUNCT", 2, "punct")],
     ("ASSAULT", {"IRN"}, {"ISR"}, ["hypothetical"])),
]


@pytest.mark.parametrize("name,rows,expected", PARSED, ids=[p[0] for p in PARSED])
def test_parsed_mechanisms(vocab, name, rows, expected):
    events = code(parsed(vocab, rows))
    assert expected in events, f"{name}: got {events}"


# Without a parse (blank pipeline + lookup lemmas), the coder falls back to word order.
BLANK = [
    ("France and Germany criticized Russia on Monday.", ("ACCUSE", {"FRA", "DEU"}, {"RUS"})),
    ("The EU imposed new sanctions against Russia.", ("SANCTION", {"EU"}, {"RUS"})),
    ("Iran threatened Israel.", ("THREATEN", {"IRN"}, {"ISR"})),
    ("China arrested Tibetans in Lhasa.", ("COERCE", {"CHN"}, {"CHN"})),
]


@pytest.fixture(scope="module")
def blank_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()
    return nlp


@pytest.mark.parametrize("text,expected", BLANK)
def test_blank_pipeline_word_order(blank_nlp, text, expected):
    events = [(t, a, r) for t, a, r, _ in code(blank_nlp(text))]
    assert expected in events


def test_curated_beats_converted_on_the_same_trigger(blank_nlp):
    # The dictionary codes bare "request" inconsistently; the curated REQUEST pattern wins the overlap.
    doc = blank_nlp("Iran requested help from Russia.")
    events = code_events(doc, mentions(doc), lang="en", article_id="t")
    assert [e.type for e in events if e.evidence.trigger.startswith("requested")] == ["REQUEST"]
    assert events[0].evidence.rule.startswith("en:REQUEST:")


def test_plain_speech_is_no_event(blank_nlp):
    doc = blank_nlp("Russia said on Monday that France made a statement.")
    assert code_events(doc, mentions(doc), lang="en", article_id="t") == []


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]


def test_curated_patterns_cover_all_types():
    rows = _rows(EN / "events.jsonl")
    assert {r["type"] for r in rows} == set(PLOVER_TYPES)
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(0.6 <= r["confidence"] <= 0.7 for r in rows)


def test_converted_patterns_are_well_formed():
    rows = _rows(EN / "events_cameo.jsonl")
    assert len(rows) > 3000
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["type"] in PLOVER_TYPES
        assert r["source"] == "petrarch2:CAMEO.verbpatterns" and r["confidence"] == 0.5
        assert r["id"].startswith(f"en:cameo:{r['verb'].replace(' ', '_')}:")
        assert not r["cameo"].startswith(("01", "02")), r  # statements and appeals are no PLOVER events
        assert r["verb"] == r["verb"].lower()
        assert all(s in ("obj", "iobj") or s.startswith("prep:") for s in r["recipient"])
    # Generic verbs never code on their own.
    assert not [r for r in rows if r["verb"] in ("say", "make", "take") and "object" not in r
                and not r.get("needs_recipient")]


def test_all_english_patterns_load():
    index = load_patterns("en")
    assert "attack" in index.by_verb and "talk" in index.by_noun


SOURCE = ROOT.parent / "shared" / "data" / "petrarch2" / "dictionaries" / "CAMEO.2.0.txt"


@pytest.mark.skipif(not SOURCE.exists(), reason="petrarch2 dictionaries not available")
def test_converter_reproduces_committed_file(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "events_cameo.jsonl"
    run = subprocess.run([sys.executable, str(ROOT / "training" / "import_cameo_verbs.py"), "--out", str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == (EN / "events_cameo.jsonl").read_text(encoding="utf-8")


@pytest.mark.issue(5)
def test_demand_frame_with_the_real_pipeline() -> None:
    """'X said Y must do Z' is a REQUEST from X to Y; the demanded act is its content, not an event."""
    from chronik.io.readers import make_article
    from chronik.pipeline import coder_for

    coded = coder_for("en").code(make_article("The Pentagon said Iraq must return the helicopter.", lang="en"))
    got = [(e.type, {a.code for a in e.actor}, {r.code for r in e.recipient}) for e in coded.events]
    assert got == [("REQUEST", {"USA"}, {"IRQ"})], got


def _real(text: str) -> list[tuple[str, set[str], set[str]]]:
    from chronik.io.readers import make_article
    from chronik.pipeline import coder_for

    coded = coder_for("en").code(make_article(text, lang="en"))
    return [(e.type, {a.code for a in e.actor} - {None}, {r.code for r in e.recipient} - {None}) for e in coded.events]


# Argument-finding mechanisms, checked with the trained English pipeline: (mechanism, sentence, expected event).
REAL = [
    ("protest aimed at the protesters' own government",
     "Kenyan teachers began a hunger strike on Monday to demand the resignation of Kenyan President Daniel arap Moi.",
     ("PROTEST", {"KEN"}, {"KEN"})),
    ("object that is no actor: its author in a from/by PP",
     "Syrian rebels rejected an appeal from Turkish President Erdogan to lay down their arms.",
     ("REJECT", {"SYR"}, {"TUR"})),
    ("object that is no actor: its possessor in an of-PP",
     "Egypt defended the rights of Palestinians to return.",
     ("SUPPORT", {"EGY"}, {"PSE"})),
    ("infinitival adverbial clause: the subject of the clause it modifies acts",
     "The European Union has sent 20 observers to Kenya this week to investigate the killing of Somali refugees.",
     ("ACCUSE", {"EU"}, {"SOM"})),
    ("a bare count of people harmed is the recipient", "Kenyan police detained 40 on Sunday.",
     ("COERCE", {"KEN"}, {"KEN"})),
    ("an apposition whose noun is no actor adds no participant", "Egypt, a key Saudi ally, rejected Iran's proposal on Monday.",
     ("REJECT", {"EGY"}, {"IRN"})),
    ("'clause' slot: the subject of a demanded that-clause is asked", "The European Union urged that Serbia hand over the suspects.",
     ("REQUEST", {"EU"}, {"SRB"})),
    ("passive subject that is no actor: its party in an of/for PP",
     "The home of a Kenyan opposition leader was attacked by Somali militants.", ("ASSAULT", {"SOM"}, {"KEN"})),
]


@pytest.mark.parametrize("name,text,expected", REAL, ids=[r[0] for r in REAL])
def test_argument_mechanisms_with_the_real_pipeline(name: str, text: str, expected: tuple) -> None:
    got = _real(text)
    assert expected in got, f"{name}: got {got}"
