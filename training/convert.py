"""Convert the raw corpora in ../shared/data into spaCy DocBin files under training/corpus/<lang>/.

Usage: python training/convert.py de|en

Deterministic: no randomness except a seeded shuffle (seed 0) where stated.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

ROOT = Path(__file__).resolve().parent
DATA = (ROOT.parent.parent / "shared" / "data").resolve()
CORPUS = ROOT / "corpus"
SENTS_PER_DOC = 10

USED_FILES: list[Path] = []


def _read(path: Path) -> str:
    USED_FILES.append(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf8").read()
    return path.read_text(encoding="utf8")


# ---------------------------------------------------------------- CoNLL-U (UD)
def conllu_sentences(path: Path):
    for block in _read(path).split("\n\n"):
        lines = [l for l in block.strip().split("\n") if l and not l.startswith("#")]
        if lines:
            yield [l.split("\t") for l in lines]


def ud_sentence_to_doc(vocab, rows, keep_tags=True) -> Doc:
    """One UD sentence -> Doc. Multiword tokens whose parts do not concatenate to the
    surface form (German "zum" = zu + dem) are merged into one token carrying the first
    part's POS/head/deprel/lemma, the union of the parts' features and tag APPRART for
    APPR+ART; MWTs that concatenate ("didn't" = did + n't) stay split."""
    toks = {}
    order = []
    mwt = {}
    for r in rows:
        id_ = r[0]
        if "." in id_:
            continue
        if "-" in id_:
            a, b = map(int, id_.split("-"))
            mwt[a] = (b, r[1], "SpaceAfter=No" not in r[9])
            continue
        i = int(id_)
        toks[i] = dict(word=r[1], lemma=r[2], pos=r[3], tag=r[4], feats=r[5], head=int(r[6]) if r[6] != "_" else 0,
                       dep=r[7], space="SpaceAfter=No" not in r[9])
        order.append(i)
    # units: list of lists of ids
    units = []
    i_pos = 0
    while i_pos < len(order):
        i = order[i_pos]
        if i in mwt:
            b, surface, space = mwt[i]
            ids = list(range(i, b + 1))
            parts = [toks[j]["word"] for j in ids]
            if "".join(parts).lower() == surface.lower():
                for k, j in enumerate(ids):
                    toks[j]["space"] = space if k == len(ids) - 1 else False
                    units.append(([j], toks[j]["word"]))
            else:
                toks[ids[-1]]["space"] = space
                units.append((ids, surface))
            i_pos += len(ids)
        else:
            units.append(([i], toks[i]["word"]))
            i_pos += 1
    id2unit = {}
    for u, (ids, _) in enumerate(units):
        for j in ids:
            id2unit[j] = u
    words, spaces, tags, pos, morphs, lemmas, heads, deps = [], [], [], [], [], [], [], []
    for u, (ids, surface) in enumerate(units):
        first = toks[ids[0]]
        # head-most part: the one whose head lies outside the unit (else first)
        main = next((toks[j] for j in ids if toks[j]["head"] not in ids), first)
        words.append(surface)
        spaces.append(toks[ids[-1]]["space"])
        if len(ids) > 1:
            ptags = [toks[j]["tag"] for j in ids]
            tag = "APPRART" if ptags == ["APPR", "ART"] else "+".join(ptags)
            feats = {}
            for j in ids:
                if toks[j]["feats"] != "_":
                    for f in toks[j]["feats"].split("|"):
                        k, v = f.split("=", 1)
                        feats.setdefault(k, v)
            morph = "|".join(f"{k}={v}" for k, v in sorted(feats.items()))
        else:
            tag = first["tag"] if first["tag"] != "_" else first["pos"]
            morph = first["feats"] if first["feats"] != "_" else ""
        tags.append(tag)
        pos.append(main["pos"] if main["pos"] != "_" else "")
        morphs.append(morph)
        lemmas.append(main["lemma"] if len(ids) == 1 else first["lemma"])
        h = main["head"]
        heads.append(u if h == 0 else id2unit[h])
        deps.append("ROOT" if main["dep"] == "root" else main["dep"])
    if not keep_tags:  # XPOS from another tagset (PUD uses PTB-style tags): leave missing
        tags = ["" for _ in tags]
    return Doc(vocab, words=words, spaces=spaces, tags=tags, pos=pos, morphs=morphs, lemmas=lemmas,
               heads=heads, deps=deps, sent_starts=[True] + [False] * (len(words) - 1))


def group_docs(vocab, docs, n=SENTS_PER_DOC):
    out = []
    for i in range(0, len(docs), n):
        out.append(Doc.from_docs(docs[i:i + n]))
    return out


def ud_docs(vocab, path, keep_tags=True):
    return [ud_sentence_to_doc(vocab, rows, keep_tags) for rows in conllu_sentences(path)]


# ---------------------------------------------------------------- token/tag NER
def iob_to_doc(vocab, words, tags, mapper) -> Doc:
    doc = Doc(vocab, words=words, spaces=[True] * len(words))
    ents, start, label = [], None, None
    for i, t in enumerate(tags + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and mapper(t[2:]) != label):
            if start is not None and label:
                ents.append(Span(doc, start, i, label=label))
            start, label = None, None
            if t != "O":
                lab = mapper(t[2:])
                if lab:
                    start, label = i, lab
    doc.ents = filter_spans(ents)
    return doc


def read_columns(path, word_col, tag_col, sep=None, comment="#", docstart="-DOCSTART-"):
    sents, words, tags = [], [], []
    for line in _read(path).split("\n"):
        if line.startswith(docstart):
            continue
        if comment and line.startswith(comment) and not words:
            continue
        parts = line.split(sep) if sep else line.split()
        if not line.strip() or not parts:
            if words:
                sents.append((words, tags))
            words, tags = [], []
            continue
        if len(parts) <= max(word_col, tag_col):
            continue
        words.append(parts[word_col])
        tags.append(parts[tag_col])
    if words:
        sents.append((words, tags))
    return sents


def germeval_map(lab):
    # outer level only; *deriv (deutsche) and *part (Nato-Mitglied) -> O
    if lab.endswith("deriv") or lab.endswith("part"):
        return None
    return {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "OTH": "MISC"}.get(lab)


def simple_map(lab):
    return {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC", "OTH": "MISC", "OTHER": "MISC"}.get(lab)


def mobie_map(lab):
    if lab == "person":
        return "PER"
    if lab.startswith("organization"):
        return "ORG"
    if lab in ("location", "location-city", "location-street", "location-stop"):
        return "LOC"
    return None  # location-route, date, time, trigger, ... -> O


def wnut_map(lab):
    return {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG",
            "product": "MISC", "creative-work": "MISC"}.get(lab)


def smartdata_docs(vocab, path):
    s = _read(path)
    dec = json.JSONDecoder()
    i = 0
    docs = []
    mp = {"PERSON": "PER", "ORGANIZATION": "ORG", "ORGANIZATION_COMPANY": "ORG", "LOCATION": "LOC",
          "LOCATION_CITY": "LOC", "LOCATION_STOP": "LOC", "LOCATION_STREET": "LOC"}
    while True:
        while i < len(s) and s[i].isspace():
            i += 1
        if i >= len(s):
            break
        o, i = dec.raw_decode(s, i)
        text = o["text"]["string"]
        toks = o["tokens"]["array"]
        words, spaces = [], []
        for k, t in enumerate(toks):
            a, b = t["span"]["start"], t["span"]["end"]
            w = text[a:b]
            if not w.strip():
                continue
            nxt = toks[k + 1]["span"]["start"] if k + 1 < len(toks) else len(text)
            words.append(w.replace(" ", "_").replace("\n", "_"))
            spaces.append(nxt > b)
        doc = Doc(vocab, words=words, spaces=spaces)
        # map char offsets of the original text to doc offsets via token order
        starts, ends, d = {}, {}, 0
        for k, t in enumerate(toks):
            a, b = t["span"]["start"], t["span"]["end"]
            if not text[a:b].strip():
                continue
            starts[a] = d
            ends[b] = d
            d += 1
        ents = []
        for m in o["conceptMentions"]["array"]:
            lab = mp.get(m["type"])
            a, b = m["span"]["start"], m["span"]["end"]
            if lab and a in starts and b in ends and starts[a] <= ends[b]:
                ents.append(Span(doc, starts[a], ends[b] + 1, label=lab))
        doc.ents = filter_spans(ents)
        docs.append(doc)
    return docs


def smartdata_texts(path):
    s = _read(path)
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(s) and s[i].isspace():
            i += 1
        if i >= len(s):
            break
        o, i = dec.raw_decode(s, i)
        t = (o.get("text") or {}).get("string")
        if t and t.strip():
            out.append(" ".join(t.split()))
    return out


def ner_group(vocab, sent_docs, n=SENTS_PER_DOC):
    return [Doc.from_docs(sent_docs[i:i + n]) for i in range(0, len(sent_docs), n)]


def save(docs, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    db = DocBin(store_user_data=False)
    for d in docs:
        db.add(d)
    db.to_disk(path)
    nw = sum(len(d) for d in docs)
    print(f"  {path.relative_to(ROOT)}: {len(docs)} docs, {nw} tokens")
    return nw


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def convert_de():
    v = Vocab()
    out = CORPUS / "de"
    pud = ud_docs(v, DATA / "ud_german_pud/de_pud-ud-test.conllu", keep_tags=False)
    gsd_dev = ud_docs(v, DATA / "ud_german_gsd/de_gsd-ud-dev.conllu")
    gsd_test = ud_docs(v, DATA / "ud_german_gsd/de_gsd-ud-test.conllu")
    # internal dev for early stopping: every 12th sentence of PUD + GSD dev (150 sents)
    train_s, dev_s = [], []
    for k, d in enumerate(pud + gsd_dev):
        (dev_s if k % 12 == 11 else train_s).append(d)
    save(group_docs(v, train_s), out / "syntax_train.spacy")
    save(group_docs(v, dev_s), out / "syntax_dev.spacy")
    save(group_docs(v, gsd_test), out / "syntax_test.spacy")
    # NER
    ge_test = [iob_to_doc(v, w, t, germeval_map) for w, t in read_columns(
        DATA / "ner_de/germeval2014/NER-de-test.tsv", 1, 2, sep="\t")]
    ge_dev = [iob_to_doc(v, w, t, germeval_map) for w, t in read_columns(
        DATA / "ner_de/germeval2014/NER-de-dev.tsv", 1, 2, sep="\t")]
    uner = [iob_to_doc(v, w, t, simple_map) for w, t in read_columns(
        DATA / "ner_de/uner_german_pud/de_pud-ud-test.iob2", 1, 2, sep="\t")]
    mobie = [iob_to_doc(v, w, t, mobie_map) for w, t in read_columns(
        DATA / "ner_de/mobie/v1_20210811/train.conll2003", 0, 3)]
    smart = smartdata_docs(v, DATA / "smartdata_de/v3_20200302/dev.json.gz") + \
        smartdata_docs(v, DATA / "smartdata_de/v3_20200302/test.json.gz")
    ner_train, ner_dev = [], []
    for k, d in enumerate(ge_test):
        (ner_dev if k % 10 == 9 else ner_train).append(d)
    ner_train += uner + mobie
    train_docs = ner_group(v, ner_train) + smart
    random.Random(0).shuffle(train_docs)
    save(train_docs, out / "ner_train.spacy")
    save(ner_group(v, ner_dev), out / "ner_dev.spacy")
    save(ner_group(v, ge_dev), out / "ner_test.spacy")
    # raw text for tok2vec pretraining (unlabelled; never the held-out GSD test / GermEval dev)
    raw = [d.text for d in train_s + dev_s] + [d.text for d in ge_test + uner + mobie] + [d.text for d in smart]
    for split in ("dev", "test"):
        raw += [d.text for d in ner_group(v, [iob_to_doc(v, w, t, mobie_map) for w, t in read_columns(
            DATA / f"ner_de/mobie/v1_20210811/{split}.conll2003", 0, 3)])]
    for split in ("train", "test"):
        raw += smartdata_texts(DATA / f"smartdata_de/v1_20180119/{split}.json.gz")
    with open(out / "raw.jsonl", "w", encoding="utf8") as f:
        for t in raw:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    print(f"  corpus/de/raw.jsonl: {len(raw)} texts, {sum(len(t.split()) for t in raw)} words")


def convert_en():
    v = Vocab()
    out = CORPUS / "en"
    ewt = DATA / "ud_english_ewt"
    save(group_docs(v, ud_docs(v, ewt / "en_ewt-ud-train.conllu")), out / "syntax_train.spacy")
    save(group_docs(v, ud_docs(v, ewt / "en_ewt-ud-dev.conllu")), out / "syntax_dev.spacy")
    save(group_docs(v, ud_docs(v, ewt / "en_ewt-ud-test.conllu")), out / "syntax_test.spacy")
    wiki = [iob_to_doc(v, w, t, simple_map) for w, t in read_columns(
        DATA / "ner_en/wikigold/CONLL-format/data/wikigold.conll.txt", 0, 1, comment=None)]
    wnut = [iob_to_doc(v, w, t, wnut_map) for w, t in read_columns(
        DATA / "ner_en/WNUT17/CONLL-format/data/train/wnut17train.conll", 0, 1, sep="\t", comment=None)]
    wnut_dev = [iob_to_doc(v, w, t, wnut_map) for w, t in read_columns(
        DATA / "ner_en/WNUT17/CONLL-format/data/dev/emerging.dev.conll", 0, 1, sep="\t", comment=None)]
    uner_dev = [iob_to_doc(v, w, t, simple_map) for w, t in read_columns(
        DATA / "ner_en/uner_english_ewt/en_ewt-ud-dev.iob2", 1, 2, sep="\t")]
    uner_test = [iob_to_doc(v, w, t, simple_map) for w, t in read_columns(
        DATA / "ner_en/uner_english_ewt/en_ewt-ud-test.iob2", 1, 2, sep="\t")]
    train, dev = [], []
    for k, d in enumerate(uner_dev):
        (dev if k % 10 == 9 else train).append(d)
    # UNER EWT (in-domain for the held-out web text) is oversampled 3x
    train_docs = ner_group(v, wiki) + ner_group(v, wnut + wnut_dev) + ner_group(v, train) * 3
    random.Random(0).shuffle(train_docs)
    save(train_docs, out / "ner_train.spacy")
    save(ner_group(v, dev), out / "ner_dev.spacy")
    save(ner_group(v, uner_test), out / "ner_test.spacy")


def main(lang):
    USED_FILES.clear()
    {"de": convert_de, "en": convert_en}[lang]()
    files = sorted(set(USED_FILES))
    manifest = {str(p.relative_to(DATA)): sha256(p) for p in files}
    (CORPUS / lang / "sources.json").write_text(json.dumps(manifest, indent=1))
    return manifest


if __name__ == "__main__":
    main(sys.argv[1])
