"""Writers: events and statements as JSONL, JSON, CSV, Parquet, PLOVER JSON, GeoJSON, GDELT-style TSV."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from chronik.errors import error

FORMATS = ("jsonl", "json", "csv", "parquet", "plover", "geojson", "tsv")

FLAT_FIELDS = (
    "id", "article_id", "type", "mode", "context", "cameo", "actor_codes", "actor_sectors", "actor_text",
    "recipient_codes", "recipient_sectors", "recipient_text", "aux", "event_date", "date_precision",
    "place", "country", "lat", "lon", "trigger", "sentence", "rule", "confidence", "score",
)


def flat_event(e: dict[str, Any]) -> dict[str, Any]:
    """One event record (as dict) flattened to a row of scalar columns ('|' joins list values)."""
    def join(xs: Iterable[Any]) -> str:
        return "|".join("" if x is None else str(x) for x in xs)

    loc = e.get("location") or {}
    date = e.get("date") or {}
    ev = e["evidence"]
    return {
        "id": e.get("id"), "article_id": ev["article_id"], "type": e["type"], "mode": e.get("mode"),
        "context": join(e.get("context") or []), "cameo": e.get("cameo"),
        "actor_codes": join(a["code"] for a in e["actor"]), "actor_sectors": join(a["sector"] for a in e["actor"]),
        "actor_text": join(a["text"] for a in e["actor"]),
        "recipient_codes": join(a["code"] for a in e["recipient"]),
        "recipient_sectors": join(a["sector"] for a in e["recipient"]),
        "recipient_text": join(a["text"] for a in e["recipient"]),
        "aux": join(e.get("aux") or []), "event_date": date.get("date"), "date_precision": date.get("precision"),
        "place": loc.get("name"), "country": loc.get("country"), "lat": loc.get("lat"), "lon": loc.get("lon"),
        "trigger": ev["trigger"], "sentence": ev["sentence"], "rule": ev["rule"],
        "confidence": e.get("confidence"), "score": e.get("score"),
    }


def plover_event(e: dict[str, Any]) -> dict[str, Any]:
    """An event in the PLOVER JSON layout (manual ch. 'Country Names and Sector Codes' actor blocks)."""
    def block(a: dict[str, Any]) -> dict[str, Any]:
        return {"raw_text": a["text"], "entity_name": a.get("name"), "country": a.get("code"),
                "sector_code": a.get("sector"), "role": a.get("role")}

    date = e.get("date") or {}
    loc = e.get("location") or {}
    return {
        "id": e.get("id"), "date": date.get("date"), "event": e["type"], "mode": e.get("mode"),
        "context": e.get("context") or [], "actor": [block(a) for a in e["actor"]],
        "recipient": [block(a) for a in e["recipient"]], "aux": e.get("aux") or [],
        "location": {"name": loc.get("name"), "country": loc.get("country"), "lat": loc.get("lat"),
                     "lon": loc.get("lon")} if loc else None,
        "cameo": e.get("cameo"), "text": e["evidence"]["sentence"], "trigger": e["evidence"]["trigger"],
        "confidence": e.get("confidence"),
    }


def geojson_feature(e: dict[str, Any]) -> dict[str, Any] | None:
    loc = e.get("location") or {}
    if loc.get("lat") is None or loc.get("lon") is None:
        return None
    props = {k: v for k, v in flat_event(e).items() if k not in ("lat", "lon")}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
            "properties": props}


def write_events(records: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    """Write event records (dicts of `Event.to_dict()`) in a text format; returns the count."""
    n = 0
    if fmt == "jsonl":
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    elif fmt in ("json", "plover"):
        out.write("[")
        for r in records:
            out.write(("," if n else "") + "\n" + json.dumps(plover_event(r) if fmt == "plover" else r, ensure_ascii=False))
            n += 1
        out.write("\n]\n")
    elif fmt in ("csv", "tsv"):
        writer = csv.DictWriter(out, fieldnames=FLAT_FIELDS, delimiter="\t" if fmt == "tsv" else ",")
        writer.writeheader()
        for r in records:
            writer.writerow(flat_event(r))
            n += 1
    elif fmt == "geojson":
        out.write('{"type": "FeatureCollection", "features": [')
        for r in records:
            feat = geojson_feature(r)
            if feat is None:
                continue
            out.write(("," if n else "") + "\n" + json.dumps(feat, ensure_ascii=False))
            n += 1
        out.write("\n]}\n")
    else:
        raise error("E009", value=fmt, choices=", ".join(f for f in FORMATS if f != "parquet"))
    return n
