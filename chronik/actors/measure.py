"""Measures actor resolution against the gold entities of the evaluation files (code, code+sector)."""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from chronik.places import parse_dateline

from .resolver import OPPOSED_NOTE, ActorResolver, _blank, article_country

EVAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "eval"


def _nlp(lang: str):
    """The trained pipeline if shipped, else a blank one (the resolver works with both)."""
    model = Path(__file__).resolve().parents[1] / "models" / lang
    if model.is_dir():
        import spacy

        try:
            return spacy.load(model)
        except Exception:  # an unfinished model folder while training runs
            pass
    return _blank(lang)


def _gold_entities(article: dict[str, Any], *, speakers: bool) -> Iterable[tuple[str, dict[str, Any]]]:
    for ev in article.get("events", []):
        for role in ("actor", "recipient"):
            for ent in ev.get(role, []):
                yield ev["sentence"], ent
    if speakers:
        for st in article.get("statements", []):
            if st.get("speaker"):
                yield st["sentence"], st["speaker"]


def _system_entity(text: str, sentence: str, article_text: str, found, resolver: ActorResolver, date,
                   home: str | None = None):
    """The system mention overlapping the gold text in its sentence, else a look-up of the text."""
    inner = text.strip()
    implicit = inner.startswith("(") and inner.endswith(")")
    if implicit:
        inner = inner[1:-1]
    s0 = article_text.find(sentence)
    if s0 >= 0 and not implicit:
        pos = sentence.find(inner)
        if pos >= 0:
            a, b = s0 + pos, s0 + pos + len(inner)
            overlapping = [e for e in found if e.start < b and a < e.end]
            # "Die Gegner des G7-Gipfels": the opposed complement is a mention of its own, not the phrase's head
            overlapping = [e for e in overlapping if OPPOSED_NOTE not in (e.rule or "")] or overlapping
            if overlapping:
                return max(overlapping, key=lambda e: (min(b, e.end) - max(a, e.start), -(e.end - e.start)))
    if implicit and s0 >= 0:
        # an actor implied by context: the last earlier mention with that text or name
        earlier = [e for e in found if e.start < s0 + len(sentence) and
                   (e.text == inner or (e.name and inner in e.name) or inner in e.text)]
        if earlier:
            return earlier[-1]
    ent = resolver.lookup(inner, date=date)
    if implicit and ent is not None and ent.code is None and ent.sector:
        # as the coder does for implied state actors: the article's country
        ent.code = article_country(found, home)
    return ent


def measure(path: Path, *, speakers: bool = False, lang: str | None = None) -> dict[str, Any]:
    """Code and code+sector accuracy of actor resolution over one gold file."""
    total = code_ok = both_ok = 0
    errors: Counter = Counter()
    nlps: dict[str, Any] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        article = json.loads(line)
        lg = lang or article.get("lang") or "de"
        if lg not in nlps:
            nlps[lg] = _nlp(lg)
        resolver = ActorResolver.for_lang(lg)
        date = article.get("date")
        doc = nlps[lg](article["text"])
        # as the pipeline does: the dateline's country is the article's home
        place = parse_dateline(article["dateline"]) if article.get("dateline") else None
        home = place.country if place else None
        found = resolver.mentions(doc, story_date=date, home=home)
        for sentence, gold in _gold_entities(article, speakers=speakers):
            ent = _system_entity(gold["text"], sentence, article["text"], found, resolver, date, home)
            code = ent.code if ent else None
            sector = ent.sector if ent else None
            total += 1
            if code == gold.get("code"):
                code_ok += 1
                if sector == gold.get("sector"):
                    both_ok += 1
                else:
                    errors[f"sector {gold.get('sector')} got {sector}: {gold['text']}"] += 1
            else:
                errors[f"code {gold.get('code')} got {code}: {gold['text']}"] += 1
    return {"file": path.name, "entities": total, "code": code_ok / total if total else None,
            "code_sector": both_ok / total if total else None, "errors": errors.most_common()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--speakers", action="store_true", help="also score statement speakers")
    parser.add_argument("--errors", type=int, default=0, help="print this many most frequent errors")
    args = parser.parse_args(argv)
    files = args.files or [EVAL_DIR / n for n in ("seed.jsonl", "de_dev.jsonl", "plover_gsr_en.jsonl")]
    for path in files:
        res = measure(path, speakers=args.speakers)
        print(f"{res['file']}: {res['entities']} entities, code {res['code']:.1%}, code+sector {res['code_sector']:.1%}")
        for err, n in res["errors"][: args.errors]:
            print(f"   {n}x {err}")


if __name__ == "__main__":
    main()
