"""A synthetic news corpus for benchmarks, built from the German and English texts in ../shared.

Sentences come from SmartData (German news), the German dev gold articles, UD German GSD/PUD and
English EWT, the PLOVER gold sentences and the seed article. Article i is ~400 words of sentences of
one language, drawn with a generator seeded by i, with its own date: repeated material, varied order,
a distinct content hash per article. Articles are generated one at a time (never a list of all).
"""
from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
EVAL = SHARED / "eval"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")


def _ud(path: Path, limit: int) -> list[str]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("# text = "):
                out.append(line[9:].strip())
                if len(out) >= limit:
                    break
    return out


def _split(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if len(s.split()) >= 4]


def _smartdata(limit: int) -> list[str]:
    path = DATA / "smartdata_de" / "v3_20200302" / "dev.json.gz"
    raw = gzip.open(path, "rt", encoding="utf-8").read()
    decoder, pos, out = json.JSONDecoder(), 0, []
    while pos < len(raw) and len(out) < limit:
        while pos < len(raw) and raw[pos] in " \r\n\t,[]":
            pos += 1
        if pos >= len(raw):
            break
        obj, pos = decoder.raw_decode(raw, pos)
        text = (obj.get("text") or {}).get("string") or ""
        out += _split(text.replace("\n", " "))
    return out


@cache
def sentences(lang: str) -> tuple[str, ...]:
    """The sentence pool of `lang` ('de' or 'en')."""
    pool: list[str] = []
    if lang == "de":
        pool += _smartdata(4000)
        for line in (EVAL / "de_dev.jsonl").open(encoding="utf-8"):
            pool += _split(json.loads(line)["text"])
        pool += _ud(DATA / "ud_german_gsd" / "de_gsd-ud-dev.conllu", 2000)
        pool += _ud(DATA / "ud_german_pud" / "de_pud-ud-test.conllu", 1000)
        pool += _split((EVAL / "seed_article.txt").read_text(encoding="utf-8"))
    else:
        for line in (EVAL / "plover_gsr_en.jsonl").open(encoding="utf-8"):
            pool += _split(json.loads(line)["text"])
        pool += _ud(DATA / "ud_english_ewt" / "en_ewt-ud-dev.conllu", 3000)
    return tuple(s for s in pool if 4 <= len(s.split()) <= 80)


def article(i: int, *, words: int = 400, german_share: float = 0.5) -> dict:
    """Article number `i` as a JSON-ready record (id, lang, date, text)."""
    rng = random.Random(i)
    lang = "de" if rng.random() < german_share else "en"
    pool = sentences(lang)
    start = rng.randrange(len(pool))
    parts, n = [], 0
    while n < words:
        s = pool[(start + rng.randrange(40)) % len(pool)] if rng.random() < 0.3 else pool[start % len(pool)]
        start += 1
        parts.append(s)
        n += len(s.split())
    date = f"20{15 + i % 9:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return {"id": f"bench-{i:06d}", "lang": lang, "date": date, "text": " ".join(parts)}


def records(n: int, *, first: int = 0, words: int = 400, german_share: float = 0.5) -> Iterator[dict]:
    for i in range(first, first + n):
        yield article(i, words=words, german_share=german_share)


def write_jsonl(path: Path, n: int, *, words: int = 400, german_share: float = 0.5) -> Path:
    """Write `n` articles to `path`, streaming."""
    with path.open("w", encoding="utf-8") as fh:
        for rec in records(n, words=words, german_share=german_share):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path
