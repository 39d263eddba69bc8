"""The shipped spaCy pipelines load offline from the package dir and produce usable analyses."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

MODELS = Path(__file__).resolve().parent.parent / "chronik" / "models"


def _load(lang):
    path = MODELS / lang
    if not (path / "config.cfg").exists():
        pytest.skip(f"model {lang} not built (python training/train.py {lang})")
    return spacy.load(path)


@pytest.fixture(scope="module")
def offline():
    """Fail any attempt to open a network connection while loading/using the models."""
    real = socket.socket.connect

    def guard(self, address):  # pragma: no cover - only hit on a regression
        raise AssertionError(f"network access attempted: {address}")

    socket.socket.connect = guard
    yield
    socket.socket.connect = real


@pytest.fixture(scope="module")
def nlp_de(offline):
    return _load("de")


@pytest.fixture(scope="module")
def nlp_en(offline):
    return _load("en")


def _main_verb_args(doc):
    root = next(t for t in doc if t.dep_ == "ROOT")
    subj = [t for t in root.children if t.dep_ in ("nsubj", "sb")]
    obj = [t for t in root.children if t.dep_ in ("obj", "oa", "dobj")]
    return root, subj, obj


@pytest.mark.parametrize("lang", ["de", "en"])
def test_license_files_and_builtin_only(lang):
    path = MODELS / lang
    if not (path / "config.cfg").exists():
        pytest.skip("model not built")
    assert (path / "LICENSE").read_text().count("ShareAlike 4.0")
    notice = (path / "NOTICE").read_text()
    assert "CC BY" in notice
    cfg = (path / "config.cfg").read_text()
    assert "chronik" not in cfg.lower().replace("chronik_", "")  # no custom registered functions


def test_de_pipeline_components(nlp_de):
    for name in ("tagger", "morphologizer", "parser", "lemmatizer", "ner"):
        assert name in nlp_de.pipe_names
    assert set(nlp_de.get_pipe("ner").labels) == {"PER", "LOC", "ORG", "MISC"}


def test_de_subject_object(nlp_de):
    doc = nlp_de("Die Regierung in Berlin kritisierte am Montag die Sanktionen.")
    root, subj, obj = _main_verb_args(doc)
    assert root.text == "kritisierte"
    assert [t.text for t in subj] == ["Regierung"]
    assert [t.text for t in obj] == ["Sanktionen"]
    assert len(list(doc.sents)) == 1


def test_de_konjunktiv(nlp_de):
    doc = nlp_de("Ein größeres Engagement der USA in Dänemark könne den amerikanischen Zugang "
                 "zum europäischen Kontinent verbessern, sagte Frederiksen.")
    koenne = next(t for t in doc if t.text == "könne")
    assert koenne.morph.get("Mood") == ["Sub"]
    sagte = next(t for t in doc if t.text == "sagte")
    assert sagte.morph.get("Mood") != ["Sub"]


def test_de_tokenizer_news(nlp_de):
    words = [t.text for t in nlp_de.make_doc('KOPENHAGEN: „US-Soldaten“ – »Nato-Mitglied« und «EU-Kommission».')]
    assert words == ["KOPENHAGEN", ":", "„", "US-Soldaten", "“", "–", "»", "Nato-Mitglied", "«", "und",
                     "«", "EU-Kommission", "»", "."]


def test_de_ner(nlp_de):
    doc = nlp_de("Bundeskanzler Olaf Scholz traf in Paris den französischen Präsidenten Emmanuel Macron.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Paris") == "LOC"
    assert any(l == "PER" for l in labels.values())


def test_en_subject_object(nlp_en):
    doc = nlp_en("The government in Washington criticized the sanctions on Monday.")
    root, subj, obj = _main_verb_args(doc)
    assert root.text == "criticized"
    assert [t.text for t in subj] == ["government"]
    assert [t.text for t in obj] == ["sanctions"]
    assert root.lemma_ == "criticize"


def test_en_pipeline_components(nlp_en):
    for name in ("tagger", "morphologizer", "parser", "lemmatizer", "ner"):
        assert name in nlp_en.pipe_names
    assert {"PER", "LOC", "ORG"} <= set(nlp_en.get_pipe("ner").labels)


def test_en_ner(nlp_en):
    doc = nlp_en("President Joe Biden met German Chancellor Olaf Scholz in Washington on Friday.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Washington") in ("LOC", "GPE")
