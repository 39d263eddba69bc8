"""Rebuild the bundled example corpus from ../shared (run from the project root).

German: SmartData corpus documents (DFKI, CC BY 4.0) that mention political actors.
English: PLOVER gold-standard example sentences (openeventdata/PLOVER, CC BY-SA 4.0), grouped
five to an "article". Plus the reference seed article.
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OUT = Path(__file__).resolve().parent / "articles"
POLITICAL = re.compile(r"\b(Regierung|Minister\w*|Polizei|Bundeskanzler\w*|Präsident\w*|Parlament|Protest\w*|Streik\w*|Sanktion\w*)\b")


def smartdata_docs():
    path = SHARED / "data/smartdata_de/v3_20200302/test.json.gz"
    text = gzip.open(path, "rt", encoding="utf-8").read()
    dec, i = json.JSONDecoder(), 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        yield obj


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHARED / "eval/seed_article.txt", OUT / "seed_article.txt")
    german = []
    for doc in smartdata_docs():
        body = (doc.get("text") or {}).get("string") or ""
        words = len(body.split())
        if 80 <= words <= 700 and len(POLITICAL.findall(body)) >= 2:
            german.append({"id": "smartdata-" + str(len(german)), "lang": "de",
                           "date": ((doc.get("date") or {}).get("string") or "")[:10] or None,
                           "url": (doc.get("uri") or {}).get("string"), "source": "SmartData corpus (DFKI), CC BY 4.0",
                           "text": body.strip()})
        if len(german) == 12:
            break
    with open(OUT / "smartdata_de.jsonl", "w", encoding="utf-8") as fh:
        for rec in german:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    gsr = [json.loads(line) for line in open(SHARED / "eval/plover_gsr_en.jsonl", encoding="utf-8")]
    english = []
    for k in range(0, 60, 5):
        group = gsr[k * 5 : k * 5 + 5]
        english.append({"id": f"plover-gsr-{k // 5}", "lang": "en", "date": None,
                        "source": "PLOVER gold-standard records (openeventdata/PLOVER), CC BY-SA 4.0",
                        "text": " ".join(r["text"] for r in group)})
    with open(OUT / "plover_examples_en.jsonl", "w", encoding="utf-8") as fh:
        for rec in english:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(german)} German, {len(english)} English articles + seed article in {OUT}")


if __name__ == "__main__":
    main()
