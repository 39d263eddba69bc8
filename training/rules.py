"""Rule components added at assembly, using only spaCy built-ins (attribute_ruler, entity_ruler),
so their patterns are saved inside the model and spacy.load needs nothing custom.

- German Konjunktiv: the morphologizer, trained on only ~30k German tokens, misses many
  Konjunktiv I forms (er werde, sie habe, es gehe ...). An attribute_ruler after the
  morphologizer sets Mood=Sub on
    * 3rd person singular Konjunktiv I forms (stem + e: gehe, könne, werde, handele, sei) of
      every verb lemma in the spacy-lookups-data German lemma table, unless "ich" stands
      directly before or after (1st person indicative has the same form), and plural "seien";
    * unambiguous Konjunktiv II forms (hätte, wäre, würde, könnte, müsste, ...).
  Matching is on the lower-case original spelling (ORTH), so capitalised nouns (die Sage,
  die Reise) never match, and the generic stem+e rule also requires the model's POS to be
  VERB or AUX (so "eine", "schnelle" never match).
- Countries: an entity_ruler before the statistical NER labels country and world-region names
  (CLDR names from Babel, German + English) as LOC; the NER respects these spans.
"""
from __future__ import annotations

import csv
from pathlib import Path

DATA = (Path(__file__).resolve().parent.parent.parent / "shared" / "data").resolve()

KONJ2 = {
    "hätte": "Sing", "hätten": "Plur", "wäre": "Sing", "wären": "Plur", "würde": "Sing",
    "würden": "Plur", "könnte": "Sing", "könnten": "Plur", "müsste": "Sing", "müssten": "Plur",
    "müßte": "Sing", "müßten": "Plur", "dürfte": "Sing", "dürften": "Plur", "möchte": "Sing",
    "möchten": "Plur", "bräuchte": "Sing", "bräuchten": "Plur", "ginge": "Sing", "gingen_": "Plur",
    "käme": "Sing", "kämen": "Plur", "gäbe": "Sing", "gäben": "Plur", "täte": "Sing", "ließe": "Sing",
    "stünde": "Sing", "stünden": "Plur", "fände": "Sing", "fänden": "Plur", "hülfe": "Sing",
    "wüsste": "Sing", "wüssten": "Plur", "bliebe": "Sing", "blieben_": "Plur",
}
NOT_ICH = {"LOWER": {"NOT_IN": ["ich"]}}


def konjunktiv_forms(lookup: dict) -> dict[str, str]:
    forms = {}
    for form, lemma in lookup.items():
        if not (lemma.islower() and form.islower() and lemma.endswith("n") and len(lemma) > 3):
            continue
        if lemma.endswith(("eln", "ern")):
            k1 = lemma[:-1] + "e"          # handeln -> handele, ändern -> ändere
        elif lemma.endswith("en"):
            k1 = lemma[:-1]                # gehen -> gehe, können -> könne
        else:
            continue
        if form == k1:
            forms[form] = lemma
    for det in ("eine", "keine", "meine", "deine", "seine", "ihre", "unsere", "eure"):
        forms.pop(det, None)
    forms["sei"] = "sein"
    forms["tue"] = "tun"
    return forms


def add_konjunktiv_ruler(nlp, lookup: dict) -> int:
    ruler = nlp.add_pipe("attribute_ruler", name="konjunktiv_ruler", after="morphologizer")
    forms = konjunktiv_forms(lookup)
    # Few patterns with word lists, not one pattern per word: the Matcher tries every pattern at every token
    # (69 patterns took ~4 ms of a 400-word article, these 4 under half of that; same annotations).
    k1 = "Mood=Sub|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin"
    ruler.add([[NOT_ICH, {"ORTH": {"IN": sorted(forms)}, "POS": {"IN": ["VERB", "AUX"]}}, NOT_ICH]], {"MORPH": k1},
              index=1)
    ruler.add([[{"ORTH": {"IN": ["seien"]}}]], {"MORPH": "Mood=Sub|Number=Plur|Person=3|Tense=Pres|VerbForm=Fin"})
    for num in ("Sing", "Plur"):
        orths = [orth for form, n in KONJ2.items() if n == num and not form.endswith("_")
                 for orth in (form, form.capitalize())]
        ruler.add([[{"ORTH": {"IN": orths}}]], {"MORPH": f"Mood=Sub|Number={num}|Person=3|Tense=Past|VerbForm=Fin"})
    return len(forms)


def territory_names() -> list[str]:
    names = set()
    with open(DATA / "gazetteer" / "cldr_babel_territories_de_en.tsv", encoding="utf8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for k in ("name_en", "name_de"):
                n = (row.get(k) or "").strip()
                if n and n[0].isupper() and "(" not in n and "Unbekannt" not in n and "Unknown" not in n:
                    names.add(n)
    for bad in ("Welt", "World", "Chad", "Jordan", "Outlying Oceania", "Äußeres Ozeanien"):
        names.discard(bad)
    return sorted(names)


def add_country_ruler(nlp) -> int:
    ruler = nlp.add_pipe("entity_ruler", name="country_ruler", before="ner",
                         config={"phrase_matcher_attr": "ORTH", "overwrite_ents": False})
    names = territory_names()
    ruler.add_patterns([{"label": "LOC", "pattern": n} for n in names])
    return len(names)
