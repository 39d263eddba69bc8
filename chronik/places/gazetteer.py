"""Gazetteer: resolve a place name (German or English) to a geocoded `Place`, explaining the choice."""
from __future__ import annotations

import functools
import gzip
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from chronik import errors
from chronik.model import Place

DATA = Path(__file__).resolve().parent / "data"
LANG_DIR = Path(__file__).resolve().parents[1] / "lang"
SUPPORTED = ("de", "en")

# Ranking weights (log10 population is the base score). A country name beats a same-named city
# ("Luxemburg", "Mexiko"); a city beats the province named after it ("Aleppo"); a context country
# outweighs a population ratio of ~30 but not ~300, so "Rom" stays Rome even in a US story.
FEATURE_BONUS = {"country": 3.0, "region": 1.0, "admin1": -0.6, "city": 0.0}
CAPITAL_BONUS = 0.5
CONTEXT_BONUS = 1.5
PRIMARY_NAME_BONUS = 0.6
MAX_ALTERNATIVES = 5
# "Salzburger", "Wiener": only places this large (or countries, provinces) have such adjectives
# often enough to beat chance look-alikes.
ADJECTIVE_MIN_POPULATION = 100_000

_SPACES = re.compile(r"\s+")
_MEMO_SIZE = 100_000  # entries per scan memo of a Gazetteer
_TRIM = " \t\n\"'„“”‚‘’«»()[]{},;:!?"


@dataclass(frozen=True, slots=True)
class Entry:
    """One place the gazetteer knows."""

    geonameid: int | None
    feature: str
    name: str
    country: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    capital: bool

    def short(self) -> str:
        return f"{self.name} ({self.country or '-'}, {self.feature}, pop {self.population})"


@dataclass
class LangWords:
    """Per-language place words from lang/XX/places.tsv."""

    names: dict[str, str] = field(default_factory=dict)  # key -> target
    cues: set[str] = field(default_factory=set)  # lower-cased, may contain spaces
    stops: set[str] = field(default_factory=set)  # keys
    articles: set[str] = field(default_factory=set)
    suffixes: list[str] = field(default_factory=list)  # genitive/possessive endings: "s", "'s"
    adj_endings: tuple[str, ...] = ()  # "maltesischen": an adjective between cue and place
    determiners: set[str] = field(default_factory=set)  # "seiner": looks like an adjective, is none
    adjective_suffixes: list[str] = field(default_factory=list)  # "Salzburger" -> Salzburg
    coords: set[str] = field(default_factory=set)  # "und", ",": a name listed after a place is a place
    admin_prefixes: list[str] = field(default_factory=list)  # keys, longest first
    admin_suffixes: list[str] = field(default_factory=list)
    directions: dict[str, str] = field(default_factory=dict)  # prefix (as written) -> label


def key(text: str) -> str:
    """Index key: NFC, unified apostrophes and dashes, single spaces, case-folded."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("‐", "-")
    return _SPACES.sub(" ", text).strip().casefold()


def fold(text: str) -> str:
    """Looser key: accents dropped, ß -> ss ("Köln" and "Koln" meet)."""
    text = key(text).replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _read_tsv(path: Path) -> list[list[str]]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]
    except OSError as exc:
        raise errors.error("E050", path=path, detail=exc) from exc


@dataclass
class _Base:
    entries: list[Entry]
    index: dict[str, list[tuple[int, bool]]]  # key -> [(entry index, is primary name)]
    folded: dict[str, list[tuple[int, bool]]]
    regions: dict[str, int]  # region id -> entry index
    common: dict[str, frozenset[str]]  # lang -> keys that are also common words


@functools.lru_cache(maxsize=1)
def _base() -> _Base:
    """Load the compact GeoNames-derived table and the hand-made regions (once per process)."""
    path = DATA / "gazetteer.tsv.gz"
    entries: list[Entry] = []
    index: dict[str, list[tuple[int, bool]]] = {}
    folded: dict[str, list[tuple[int, bool]]] = {}

    def add(i: int, keys: list[str], folds: list[str]) -> None:
        for n, k in enumerate(keys):
            index.setdefault(k, []).append((i, n == 0))
        for f in folds:
            folded.setdefault(f, []).append((i, False))

    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                gid, feature, name, iso3, adm, lat, lon, pop, cap, keys, folds = line.rstrip("\n").split("\t")
                entries.append(Entry(int(gid) or None, feature, name, iso3 or None, adm or None,
                                     float(lat), float(lon), int(pop), cap == "1"))
                add(len(entries) - 1, keys.split("|"), folds.split("|") if folds else [])
    except (OSError, ValueError) as exc:
        raise errors.error("E050", path=path, detail=exc) from exc
    regions: dict[str, int] = {}
    for row in _read_tsv(LANG_DIR / "common" / "places_regions.tsv"):
        try:
            rid, feature, iso3, lat, lon, pop, name, names = row
            entries.append(Entry(None, feature, name, iso3 or None, None, float(lat), float(lon), int(pop), False))
        except ValueError as exc:
            raise errors.error("E050", path=LANG_DIR / "common" / "places_regions.tsv", detail=f"{row}: {exc}") from exc
        regions[rid] = len(entries) - 1
        keys = list(dict.fromkeys(key(n) for n in [name] + names.split("|")))
        add(len(entries) - 1, keys, [f for f in dict.fromkeys(fold(k) for k in keys) if f not in keys])
    common: dict[str, frozenset[str]] = {}
    for lang in SUPPORTED:
        p = DATA / f"common_words_{lang}.txt"
        common[lang] = frozenset(key(w) for w in p.read_text(encoding="utf-8").split("\n") if w) if p.exists() else frozenset()
    return _Base(entries, index, folded, regions, common)


def _load_words(lang: str) -> LangWords:
    words = LangWords()
    path = LANG_DIR / lang / "places.tsv"
    for row in _read_tsv(path):
        kind, text = row[0], row[1]
        arg = row[2] if len(row) > 2 else ""
        if kind == "name":
            words.names[key(text)] = arg
        elif kind == "cue":
            words.cues.add(key(text))
        elif kind == "stop":
            words.stops.add(key(text))
        elif kind == "article":
            words.articles.add(key(text))
        elif kind == "suffix":
            words.suffixes.append(key(text))
        elif kind == "determiner":
            words.determiners.add(key(text))
        elif kind == "adj_ending":
            words.adj_endings += (key(text),)
        elif kind == "adjective_suffix":
            words.adjective_suffixes.append(key(text))
        elif kind == "coord":
            words.coords.add(key(text))
        elif kind == "admin_prefix":
            words.admin_prefixes.append(key(text))
        elif kind == "admin_suffix":
            words.admin_suffixes.append(key(text))
        elif kind == "direction":
            words.directions[text] = arg
        else:
            raise errors.error("E051", path=path, kind=kind)
    words.admin_prefixes.sort(key=len, reverse=True)
    words.admin_suffixes.sort(key=len, reverse=True)
    return words


@dataclass
class Match:
    """Candidates for one name, and how the name was read."""

    how: str
    entries: list[tuple[int, bool]]
    forced: int | None = None  # a curated or derived entry that wins outright
    derived: Entry | None = None  # e.g. "Nordsyrien": a region made from a country


class Gazetteer:
    """Names -> places for one language. Use `Gazetteer.for_lang(lang)` (cached)."""

    def __init__(self, lang: str, base: _Base, words: LangWords) -> None:
        self.lang = lang
        self._b = base
        self.words = words
        self.common_words = base.common.get(lang, frozenset()) | words.stops
        self._targets: dict[str, int | None] = {}
        self._bboxes: dict[str, tuple[float, float, float, float] | None] = {}
        self._directions = sorted(words.directions.items(), key=lambda kv: -len(kv[0]))
        self._first_words: frozenset[str] | None = None
        # Memos for the text scan (pure functions of the text; bounded, cleared when full).
        self._starts: dict[str, bool] = {}
        self._names: dict[str, bool] = {}

    def could_start(self, word: str) -> bool:
        """Cheap pre-check for scanning text: can a place name start with this word?"""
        found = self._starts.get(word)
        if found is None:
            if len(self._starts) >= _MEMO_SIZE:
                self._starts.clear()
            found = self._starts[word] = self._could_start(word)
        return found

    def is_name(self, text: str) -> bool:
        """`candidates(text) is not None`, memoised: can `text` be read as a place name at all?"""
        found = self._names.get(text)
        if found is None:
            if len(self._names) >= _MEMO_SIZE:
                self._names.clear()
            found = self._names[text] = self.candidates(text) is not None
        return found

    def _could_start(self, word: str) -> bool:
        if self._first_words is None:
            firsts = {k.split(" ", 1)[0] for k in self._b.index}
            firsts |= {k.split(" ", 1)[0] for k in self._b.folded}
            firsts |= {k.split(" ", 1)[0] for k in self.words.names}
            firsts |= set(self.words.articles) | {p.split(" ", 1)[0] for p in self.words.admin_prefixes}
            self._first_words = frozenset(firsts)
        k = key(word)
        if k in self._first_words or fold(k) in self._first_words:
            return True
        if any(word.startswith(pre) for pre, _ in self._directions):
            return True  # "Nordsyrien", "northern"
        return any(k.endswith(suf) and k[: -len(suf)] in self._first_words
                   for suf in self.words.suffixes + self.words.adjective_suffixes)

    @classmethod
    def for_lang(cls, lang: str) -> "Gazetteer":
        if lang not in SUPPORTED:
            raise errors.error("E010", lang=lang, supported=", ".join(SUPPORTED))
        return _gazetteer(lang)

    # -- resolving curated targets ------------------------------------------------------------
    def _target(self, target: str) -> int | None:
        if target in self._targets:
            return self._targets[target]
        kind, _, rest = target.partition(":")
        found: int | None = None
        if kind == "region":
            found = self._b.regions.get(rest)
        else:
            iso3, _, name = rest.partition(":")
            feature = {"country": "country", "admin1": "admin1", "city": "city"}.get(kind)
            best = -1
            for i, _primary in self._b.index.get(key(name), []) if name else []:
                e = self._b.entries[i]
                if e.feature == feature and e.country == iso3 and e.population > best:
                    found, best = i, e.population
            if kind == "country":
                found = next((i for i, e in enumerate(self._b.entries)
                              if e.feature == "country" and e.country == iso3), None)
        if found is None:
            raise errors.error("E052", path=LANG_DIR / self.lang / "places.tsv", target=target)
        self._targets[target] = found
        return found

    # -- candidate generation -----------------------------------------------------------------
    def _plain(self, k: str) -> Match | None:
        if k in self.words.names:
            return Match("curated name", [], forced=self._target(self.words.names[k]))
        if k in self._b.index:
            return Match("name", self._b.index[k])
        return None

    def candidates(self, text: str) -> Match | None:
        """Every reading of `text` as a place name, most literal first; None if it is no place."""
        k = key(text.strip(_TRIM))
        if not k:
            return None
        first, _, rest = k.partition(" ")
        if first in self.words.articles and rest:
            k = rest
        m = self._plain(k)
        if m:
            return m
        for pre in self.words.admin_prefixes:
            if k.startswith(pre + " ") and len(k) > len(pre) + 1:
                return self._admin(k[len(pre) + 1:], f"admin prefix '{pre}'")
        for suf in self.words.admin_suffixes:
            if k.endswith(" " + suf) and len(k) > len(suf) + 1:
                return self._admin(k[: -len(suf) - 1], f"admin suffix '{suf}'")
        # Inflected forms: German genitive ("Syriens", "Kiews"), English possessive ("Syria's").
        for suf in self.words.suffixes:
            if k.endswith(suf) and len(k) > len(suf) + 3:
                m = self._plain(k[: -len(suf)])
                if m:
                    m.how += f" (ending '{suf}')"
                    return m
        d = self._direction(text.strip(_TRIM))
        if d:
            return d
        for suf in self.words.adjective_suffixes:
            if k.endswith(suf) and len(k) > len(suf) + 3 and " " not in k:
                m = self._plain(k[: -len(suf)])
                ids = ([m.forced] if m and m.forced is not None else [i for i, _ in m.entries]) if m else []
                big = [i for i in ids if self._b.entries[i].feature != "city"
                       or self._b.entries[i].population >= ADJECTIVE_MIN_POPULATION]
                if big:
                    return Match(f"place adjective (ending '{suf}')", [(i, True) for i in big])
        f = fold(k)
        if f in self._b.folded or f in self._b.index:
            return Match("name without accents", self._b.folded.get(f, []) + self._b.index.get(f, []))
        return None

    def _admin(self, k: str, how: str) -> Match | None:
        """'Provinz Aleppo': the admin-1 unit named k, or the one containing the city named k."""
        m = self._plain(k) or self._plain(fold(k))
        if not m:
            return None
        ids = [m.forced] if m.forced is not None else [i for i, _ in m.entries]
        if any(self._b.entries[i].feature == "country" for i in ids):
            return None  # "Montenegro province": a country, not a province named after a town
        for want in ("admin1", "region", "city"):
            best = max((i for i in ids if self._b.entries[i].feature == want),
                       key=lambda i: self._b.entries[i].population, default=None)
            if best is None:
                continue
            e = self._b.entries[best]
            if want == "city" and e.admin1:
                adm = [i for i, _ in self._b.index.get(key(e.admin1), [])
                       if self._b.entries[i].feature == "admin1" and self._b.entries[i].country == e.country]
                if adm:
                    return Match(f"{how}, province of city {e.name}", [], forced=adm[0])
            return Match(how, [], forced=best)
        return None

    def _direction(self, text: str) -> Match | None:
        """'Nordsyrien', 'northern Syria' -> a region of the country (centroid of the country)."""
        words = text.split()
        for pre, label in self._directions:
            if len(words) == 1 and text.startswith(pre) and len(text) > len(pre) + 2:
                rest = text[len(pre):]
                rest = rest[0].upper() + rest[1:]
            elif len(words) > 1 and words[0].casefold() == pre.casefold():
                rest = text[len(pre):].strip()
            else:
                continue
            base = self.candidates(rest)
            if not base:
                continue
            ids = [base.forced] if base.forced is not None else [i for i, _ in base.entries]
            country = next((self._b.entries[i] for i in ids if self._b.entries[i].feature == "country"), None)
            if country is None:
                continue
            lat, lon = self._direction_point(country, label)
            region = Entry(None, "region", f"{label} {country.name}", country.country, None,
                           lat, lon, country.population // 4, False)
            return Match(f"direction '{pre}' + country {country.name}", [], derived=region)
        return None

    def _direction_point(self, country: Entry, label: str) -> tuple[float, float]:
        """A point halfway from the country's centre towards the edge of its cities in `label`."""
        box = self._bbox(country.country or "")
        if box is None:
            return country.lat, country.lon
        lat0, lat1, lon0, lon1 = box
        clat, clon = (lat0 + lat1) / 2, (lon0 + lon1) / 2
        lat = clat + (lat1 - clat) / 2 if "north" in label else clat - (clat - lat0) / 2 if "south" in label else clat
        lon = clon + (lon1 - clon) / 2 if "east" in label else clon - (clon - lon0) / 2 if "west" in label else clon
        return round(lat, 4), round(lon, 4)

    def _bbox(self, iso3: str) -> tuple[float, float, float, float] | None:
        """Bounding box of a country's cities >= 15k (10th to 90th percentile, against outliers)."""
        if iso3 not in self._bboxes:
            pts = [(e.lat, e.lon) for e in self._b.entries if e.country == iso3 and e.feature == "city"]
            if len(pts) < 5:
                self._bboxes[iso3] = None
            else:
                lats, lons = sorted(p[0] for p in pts), sorted(p[1] for p in pts)
                lo, hi = len(pts) // 10, len(pts) - 1 - len(pts) // 10
                self._bboxes[iso3] = (lats[lo], lats[hi], lons[lo], lons[hi])
        return self._bboxes[iso3]

    # -- ranking ------------------------------------------------------------------------------
    def score(self, i: int, primary: bool, context: frozenset[str]) -> float:
        e = self._b.entries[i]
        s = math.log10(e.population + 10) + FEATURE_BONUS.get(e.feature, 0.0)
        s += CAPITAL_BONUS if e.capital else 0.0
        s += PRIMARY_NAME_BONUS if primary else 0.0
        return s + (CONTEXT_BONUS if e.country in context else 0.0)

    def lookup(self, text: str, *, context: tuple[str, ...] | list[str] = (),
               features: tuple[str, ...] | None = None) -> Place | None:
        """Resolve `text` to one Place, using `context` (ISO3 codes of the story's countries).

        `features` restricts the kinds of place ("city", "country", "admin1", "region").
        """
        m = self.candidates(text)
        if m is None:
            return None
        ctx = frozenset(c for c in context if c)
        shown = text.strip(_TRIM)
        if m.derived is not None:
            return self._place(shown, m.derived, f"{m.how}", [])
        if m.forced is not None:
            e = self._b.entries[m.forced]
            if features and e.feature not in features:
                return None
            return self._place(shown, e, f"{m.how} '{shown}' (lang/{self.lang}/places.tsv or regions)", [])
        best_per_entry: dict[int, bool] = {}
        for i, primary in m.entries:
            if features and self._b.entries[i].feature not in features:
                continue
            best_per_entry[i] = best_per_entry.get(i, False) or primary
        if not best_per_entry:
            return None
        ranked = sorted(best_per_entry, key=lambda i: -self.score(i, best_per_entry[i], ctx))
        best = ranked[0]
        e = self._b.entries[best]
        city = next((i for i in ranked if self._b.entries[i].feature == "city"
                     and self._b.entries[i].country == e.country), None) if e.feature == "admin1" else None
        if city is not None:  # "New York", "Kabul": the city, not the province named after it
            ranked.remove(city)
            ranked.insert(0, city)
            best, e = city, self._b.entries[city]
            why = "city preferred over the same-named province"
        elif len(ranked) == 1:
            why = "only candidate"
        else:
            no_ctx = min(best_per_entry, key=lambda i: -self.score(i, best_per_entry[i], frozenset()))
            if no_ctx != best:
                why = f"context country {e.country} (else {self._b.entries[no_ctx].short()})"
            elif e.feature == "country":
                why = "country name preferred"
            elif e.capital:
                why = "capital city"
            else:
                why = "largest population"
        rule = f"{m.how} '{shown}': {len(ranked)} candidate(s), {why}"
        alts = [self._b.entries[i].short() for i in ranked[1: 1 + MAX_ALTERNATIVES]]
        return self._place(shown, e, rule, alts)

    def is_common_word(self, text: str) -> bool:
        """True if `text` is also an ordinary word in this language ("Essen", "Wells")."""
        k = key(text.strip(_TRIM))
        first, _, rest = k.partition(" ")
        if first in self.words.articles and rest:
            k = rest
        return k in self.common_words

    def country_place(self, iso3: str) -> Place | None:
        """The country record for an ISO3 code."""
        try:
            i = self._target(f"country:{iso3}")
        except errors.ChronikError:
            return None
        return self._place(iso3, self._b.entries[i], "country code", []) if i is not None else None

    @staticmethod
    def _place(text: str, e: Entry, rule: str, alts: list[str]) -> Place:
        return Place(text=text, name=e.name, country=e.country, admin1=e.admin1, lat=e.lat, lon=e.lon,
                     feature=e.feature, geonameid=e.geonameid, rule=rule, alternatives=alts)

    def max_words(self) -> int:
        return 6


@functools.lru_cache(maxsize=len(SUPPORTED))
def _gazetteer(lang: str) -> Gazetteer:
    return Gazetteer(lang, _base(), _load_words(lang))
