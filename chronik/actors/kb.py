"""The actor knowledge base: reads the TSV actor files and compiles them into hashed look-up tables."""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import error
from ..model import SECTORS

CACHE_VERSION = "9"
LANG_DIR = Path(__file__).resolve().parents[1] / "lang"
COLUMNS = ("form", "code", "sector", "kind", "name", "role", "start", "end", "source")
ACTOR_KINDS = {"country", "adjective", "people", "metonym", "igo", "org", "party", "sector", "head", "person"}
GRAMMAR_KINDS = {"det", "pronoun", "possessive", "mod", "complement", "locative", "place_prep", "conj",
                 "anaphor_country", "honorific", "name_particle", "dash", "former", "relational", "origin", "ethnic",
                 "name_convention", "place_noun", "opponent"}
PLACE_KINDS = {"place"}
# German adjective endings the loader adds to a base form ("dänisch" -> "dänische", ...).
DE_ADJ_ENDINGS = ("", "e", "en", "er", "es", "em")
# Order in which entries of different kinds win for the same surface form.
KIND_RANK = {"person": 0, "country": 1, "igo": 2, "org": 3, "party": 4, "metonym": 5, "adjective": 6,
             "people": 7, "sector": 8, "head": 9}


@dataclass(frozen=True)
class Entry:
    """One row of an actor file: a surface form and what it stands for."""

    form: str
    kind: str
    code: str | None = None
    sector: str | None = None
    name: str | None = None
    role: str | None = None
    start: str | None = None
    end: str | None = None
    source: str = ""
    gender: str | None = None

    def covers(self, date: str | None) -> bool:
        """True if this (person) role is held on `date`; a missing date covers nothing."""
        if not date or not (self.start or self.end):
            return False
        d = date[:10]
        return (not self.start or self.start[: len(d)] <= d) and (not self.end or d <= self.end[: len(d)])


@functools.lru_cache(maxsize=1 << 17)  # called ~1,000 times per article, mostly on repeated words
def norm(text: str) -> str:
    """Normalised key of a surface form: lower case, single spaces, unified apostrophes and dashes."""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u00ad", "")
    return " ".join(text.split()).lower()


def name_key(text: str, middle: bool = False) -> str | None:
    """A loose key for a person's name: first and last name only (middle names dropped), no accents or
    hyphens, an Arabic article dropped from the surname, doubled letters single: "Carlos Saul Menem" and
    "Carlos Menem", "Omar Hassan Ahmad al Bashir" and "Omar Hassan al-Bashir", "Jean Bertrand Aristide"
    and "Jean-Bertrand Aristide", "François Mitterrand" and "Francois Mitterand" share one key. With
    `middle`, all names are kept (only spelling is loosened) and the key starts with '='."""
    t = unicodedata.normalize("NFKD", norm(text)).encode("ascii", "ignore").decode()
    t = re.sub(r"[-\u2010\u2011]", " ", t.replace("'", " "))
    words = [w for w in re.split(r"\s+", t) if w and w not in ("al", "el", "ad", "as", "bin", "ibn", "ben")]
    words = [w for w in words if not w.endswith(".")] or words
    if len(words) < 2:
        return None
    kept = words if middle else (words[0], words[-1])
    return ("=" if middle else "") + " ".join(re.sub(r"(.)\1+", r"\1", w) for w in kept)


@dataclass
class KnowledgeBase:
    """Compiled tables for one language (shared entries from lang/common included)."""

    lang: str
    forms: dict[str, list[Entry]] = field(default_factory=dict)
    grammar: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in GRAMMAR_KINDS})
    places: dict[str, str] = field(default_factory=dict)
    surnames: dict[str, list[Entry]] = field(default_factory=dict)
    short_names: dict[str, list[Entry]] = field(default_factory=dict)  # name_key(): first + last name
    max_tokens: int = 6
    files: list[str] = field(default_factory=list)

    def add(self, entry: Entry) -> None:
        self.forms.setdefault(norm(entry.form), []).append(entry)

    def entries(self, text: str) -> list[Entry]:
        return self.forms.get(norm(text), [])

    def word_class(self, word: str, kind: str) -> str | None:
        """The grammar role of `word` for `kind` ('det', 'pronoun', ...), or None."""
        return self.grammar[kind].get(word.lower())

    def finish(self) -> None:
        for key, entries in self.forms.items():
            entries.sort(key=lambda e: KIND_RANK.get(e.kind, 99))
            self.forms[key] = entries
        for entries in list(self.forms.values()):
            for e in entries:
                if e.kind == "person" and e.name and " " in e.name:
                    last = norm(e.name.split()[-1])
                    bucket = self.surnames.setdefault(last, [])
                    if e not in bucket:
                        bucket.append(e)
                if e.kind == "person":
                    for key in {name_key(t, middle) for t in (e.form, e.name or e.form) for middle in (False, True)}:
                        if key:
                            bucket = self.short_names.setdefault(key, [])
                            if e not in bucket:
                                bucket.append(e)


def _rows(path: Path):
    """Yield dict rows of a TSV actor file; `#` lines are comments, the first other line is the header."""
    header: list[str] | None = None
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                if "form" not in header or "kind" not in header:
                    raise error("E021", path=path, detail="the header line must name the columns, at least 'form' and 'kind'")
                continue
            row = dict(zip(header, cells))
            yield lineno, row


def _check(path: Path, lineno: int, row: dict[str, str]) -> None:
    kind = row.get("kind", "")
    if kind not in ACTOR_KINDS | GRAMMAR_KINDS | PLACE_KINDS:
        raise error("E040", path=path, line=lineno, value=kind,
                    choices=", ".join(sorted(ACTOR_KINDS | GRAMMAR_KINDS | PLACE_KINDS)))
    sector = row.get("sector", "")
    if sector and sector not in SECTORS:
        raise error("E041", path=path, line=lineno, value=sector, choices=" ".join(SECTORS))
    for col in ("start", "end"):
        value = row.get(col, "")
        if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise error("E042", path=path, line=lineno, column=col, value=value)


def _expand(lang: str, row: dict[str, str]) -> list[str]:
    forms = [f.strip() for f in row["form"].split("|") if f.strip()]
    kind = row["kind"]
    if lang == "de" and kind == "adjective":
        out = []
        for f in forms:
            out += [f + end for end in DE_ADJ_ENDINGS]
        return out
    if lang == "en" and kind == "adjective":
        return forms
    return forms


def load_file(kb: KnowledgeBase, path: Path) -> None:
    """Add the rows of one file; its entries go before those of earlier files (later files win)."""
    kb.files.append(str(path))
    block = KnowledgeBase(lang=kb.lang)
    _load_rows(block, path)
    for key, entries in block.forms.items():
        kb.forms[key] = entries + kb.forms.get(key, [])
    for kind, table in block.grammar.items():
        kb.grammar.setdefault(kind, {}).update(table)
    for key, code in block.places.items():
        kb.places.setdefault(key, code)


def _load_rows(kb: KnowledgeBase, path: Path) -> None:
    lang = kb.lang
    for lineno, row in _rows(path):
        _check(path, lineno, row)
        kind = row["kind"]
        if kind in GRAMMAR_KINDS:
            for f in row["form"].split("|"):
                kb.grammar.setdefault(kind, {})[f.strip().lower()] = row.get("role", "") or kind
            continue
        if kind in PLACE_KINDS:
            for f in row["form"].split("|"):
                kb.places.setdefault(norm(f), row.get("code", ""))
            continue
        forms = _expand(lang, row)
        name = row.get("name") or (forms[0] if kind == "person" else None)
        for f in forms:
            gender = None
            if kind in ("sector", "head", "people") and lang == "de" and re.search(r"(in|innen|frau)$", f.lower()):
                gender = "f"
            kb.add(Entry(form=f, kind=kind, code=row.get("code") or None, sector=row.get("sector") or None,
                         name=name or None, role=row.get("role") or None, start=row.get("start") or None,
                         end=row.get("end") or None, source=row.get("source", ""), gender=gender))
        if lang == "en" and kind == "adjective":
            # English adjectives double as plural nouns for a country's people ("Israelis", "Palestinians").
            for f in forms:
                plural = f + "s" if not f.endswith(("sh", "ch", "ese", "s")) else None
                if plural:
                    kb.add(Entry(form=plural, kind="people", code=row.get("code") or None, sector="CVL",
                                 source=row.get("source", "") + " (plural)"))


def shipped_files(lang: str) -> list[Path]:
    """The shipped actor files for `lang`, generated tables first so that authored files win."""
    files: list[Path] = []
    for folder in (LANG_DIR / "common" / "actors", LANG_DIR / lang / "actors"):
        if not folder.is_dir():
            continue
        found = sorted(folder.glob("*.tsv"))
        files += [p for p in found if ".generated" in p.name or ".phoenix" in p.name]
        files += [p for p in found if not (".generated" in p.name or ".phoenix" in p.name)]
    return files


def _cache_path(lang: str, files: list[Path]) -> Path:
    """Where the compiled tables of these exact files (by path, size and mtime) are cached."""
    sig = hashlib.sha1(repr([(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]).encode()).hexdigest()
    root = Path(os.environ.get("CHRONIK_CACHE", Path.home() / ".cache" / "chronik"))
    return root / f"actors-{lang}-{CACHE_VERSION}-{sig[:16]}.pickle"


def build(lang: str, extra_files: tuple[str, ...] = ()) -> KnowledgeBase:
    """Compile the knowledge base of `lang` plus user files (later files win over earlier ones).

    The compiled tables are cached as a pickle keyed by the files' paths, sizes and mtimes, so an
    edited data file is recompiled on the next load.
    """
    if not (LANG_DIR / lang / "actors").is_dir():
        raise error("E043", lang=lang, path=LANG_DIR / lang / "actors")
    for extra in extra_files:
        if not Path(extra).is_file():
            raise error("E001", path=extra)
    files = shipped_files(lang) + [Path(p) for p in extra_files]
    cache = _cache_path(lang, files)
    if cache.is_file():
        try:
            with cache.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # a stale or truncated cache is rebuilt below
            pass
    kb = _compile(lang, extra_files)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(kb, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home: compile on every load
    return kb


def _compile(lang: str, extra_files: tuple[str, ...]) -> KnowledgeBase:
    kb = KnowledgeBase(lang=lang)
    for path in shipped_files(lang):
        load_file(kb, path)
    for extra in extra_files:
        load_file(kb, Path(extra))
    kb.finish()
    return kb
