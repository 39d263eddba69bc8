"""Turn files, folders, JSONL, CSV, RSS and stdin into `Article` records, streaming."""
from __future__ import annotations

import codecs
import csv
import datetime
import gzip
import hashlib
import io
import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from chronik.errors import ChronikError, error
from chronik.model import Article

MAX_CHARS = 2_000_000
TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
HTML_SUFFIXES = {".html", ".htm"}

# " date 2022-02 " header: optional first line (or leading token run) giving the story date.
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}(?:-\d{2}(?:-\d{2})?)?)\b[ \t]*\n?", re.IGNORECASE)
# Datelines: "KOPENHAGEN:", "Kabul –", "WASHINGTON (Reuters) -", "Damaskus/Moskau –", "Berlin (dpa) -".
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-ZÄÖÜ][\w\u00C0-\u024F.'’ -]{1,40}?(?:/[A-ZÄÖÜ][\w\u00C0-\u024F.'’ -]{1,30})*)"
    r"\s*(?P<agency>\((?:[A-Za-z/ .]{1,20})\))?\s*(?P<sep>:|–|—|-)\s+"
)


# C0 controls except tab and line breaks, DEL and the C1 controls: dropped from every article.
_CONTROL_CHARS = dict.fromkeys([c for c in range(32) if chr(c) not in "\n\t\r"] + list(range(0x7F, 0xA0)))

_NOT_PLACES = {"der", "die", "das", "ein", "eine", "the", "a", "an", "er", "sie", "es", "wir", "ich", "he", "she", "we"}


@dataclass
class ReadProblem:
    """A record that could not be read; batch jobs report it and go on."""

    where: str
    error: ChronikError


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def split_header(text: str) -> tuple[str | None, int]:
    """Find a leading `date YYYY-MM[-DD]` header; return (date, offset where the body starts)."""
    m = _DATE_HEADER.match(text)
    if not m:
        return None, 0
    return m.group(1), m.end()


def find_dateline(text: str, start: int = 0) -> str | None:
    """Return the dateline place ('KOPENHAGEN', 'Kabul', 'Damaskus/Moskau') at `start`, if any."""
    found = dateline_span(text, start)
    return found[0] if found else None


# A dateline after a teaser sentence: "... mit der SPÖ. Wien – Da gibt es ..."
_INLINE_DATELINE = re.compile(
    r"(?<=[.!?\"“”»«])\s+(?P<place>[A-ZÄÖÜ][\w\u00C0-\u024F.'’-]*(?: [A-ZÄÖÜ][\w\u00C0-\u024F.'’-]*){0,2}"
    r"(?:/[A-ZÄÖÜ][\w\u00C0-\u024F.'’-]*)*)\s*(?:\([A-Za-z/ .]{1,20}\))?\s+[–—-]\s+(?=[A-ZÄÖÜ\"„«»])"
)


def locate_dateline(text: str, start: int = 0) -> tuple[str, int, int] | None:
    """(place, start, end) of the article's dateline: at the body start, else after a teaser sentence."""
    found = dateline_span(text, start)
    if found:
        return found[0], start + (len(text[start:]) - len(text[start:].lstrip())), found[1]
    m = _INLINE_DATELINE.search(text, start, start + 600)
    if m and m.group("place").split()[0].lower() not in _NOT_PLACES:
        return m.group("place"), m.start("place"), m.end()
    return None


def dateline_span(text: str, start: int = 0) -> tuple[str, int] | None:
    """(dateline place, offset where the body after the dateline and its separator starts)."""
    m = _DATELINE.match(text[start : start + 80])
    if not m:
        return None
    place = m.group("place").strip()
    words = place.replace("/", " ").split()
    if m.group("sep") == ":" and not (place.isupper() or m.group("agency")):
        return None  # "Das sagte er:" is not a dateline; colon datelines are upper-case
    if len(words) > 4 or any(w[0].islower() for w in words) or words[0].lower() in _NOT_PLACES:
        return None
    return place, start + m.end()


def date_precision(value: str | None) -> str:
    if not value:
        return "unknown"
    return {10: "day", 7: "month", 4: "year"}.get(len(value), "unknown")


def _check_date(value: object, where: str) -> str | None:
    if value in (None, ""):
        return None
    value = str(value).strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value[:10]):
        raise error("E007", value=value, where=where)
    value = value[:10]
    parts = [int(p) for p in value.split("-")]
    try:
        # A real calendar day: '2022-02-30' would pass here and fail later inside the coder.
        datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise error("E007", value=value, where=where) from None
    return value


def make_article(
    text: str,
    *,
    id: str | None = None,
    date: object = None,
    lang: str | None = None,
    url: str | None = None,
    source: str | None = None,
    title: str | None = None,
    path: str | None = None,
) -> Article:
    """Build an Article: validate, read a date header and a dateline, hash the content."""
    if not isinstance(text, str):
        raise error("E004", article=id or path or "?")
    if lang is not None and not isinstance(lang, str):
        raise error("E010", lang=lang, supported="de, en")
    if "\x00" in text[:4096]:
        raise error("E011", article=id or path or "?", detail="contains NUL bytes")
    text = text.translate(_CONTROL_CHARS)
    if not text.strip():
        raise error("E004", article=id or path or "?")
    if len(text) > MAX_CHARS:
        raise error("E013", article=id or path or "?", size=len(text), limit=MAX_CHARS)
    header_date, body_start = split_header(text)
    story_date = _check_date(date, f"article {id or path}") or header_date
    digest = content_hash(text)
    dateline = locate_dateline(text, body_start)
    return Article(
        id=str(id) if id not in (None, "") else digest[:16],
        text=text,
        lang=lang.lower() if lang else None,
        date=story_date,
        date_precision=date_precision(story_date),
        dateline=dateline[0] if dateline else None,
        dateline_start=dateline[1] if dateline else -1,
        dateline_end=dateline[2] if dateline else -1,
        title=title,
        url=url,
        source=source,
        path=path,
        content_hash=digest,
        body_start=body_start,
    )


def decode_bytes(data: bytes, where: str) -> str:
    """Decode article bytes: BOMs first, then UTF-8, then cp1252; refuse binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")  # a cut-off last code unit must not stop the batch
    sample = data[:4096]
    if b"\x00" in sample:
        raise error("E011", article=where, detail="contains NUL bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not all UTF-8: read each undecodable byte as cp1252, so a file that is cp1252 throughout and
    # one that mixes UTF-8 with cp1252/latin-1 runs (pasted-together feeds) both come out right.
    codecs.register_error("chronik-cp1252", _cp1252_bytes)
    return data.decode("utf-8", errors="chronik-cp1252")


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; latin-1 maps them to control characters.
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), exc.end


def read_text_article(path: Path, *, lang: str | None = None) -> Article:
    data = path.read_bytes()
    text = decode_bytes(data, str(path))
    if path.suffix.lower() in HTML_SUFFIXES:
        from chronik.io.html import html_to_text

        text = html_to_text(text)
    return make_article(text, id=path.stem, lang=lang, path=str(path))


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace", newline="")


def _scalar(value: object) -> str | None:
    """A JSON field as text: strings and numbers kept, anything else (lists, objects, booleans) dropped."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _record_to_article(rec: object, where: str, lang: str | None, path: str) -> Article:
    if not isinstance(rec, dict):
        raise error("E003", line=where.rsplit(":", 1)[-1], path=path, detail="not a JSON object")
    text = rec.get("text") or rec.get("body") or rec.get("content")
    return make_article(
        text if isinstance(text, str) else "",
        id=_scalar(rec.get("id")),
        date=rec.get("date") or rec.get("published") or None,
        lang=rec.get("lang") or rec.get("language") or lang,
        url=_scalar(rec.get("url")),
        source=_scalar(rec.get("source")),
        title=_scalar(rec.get("title")),
        path=path,
    )


def iter_jsonl(stream: IO[str], *, name: str, lang: str | None = None) -> Iterator[Article | ReadProblem]:
    lineno = 0
    try:
        for lineno, line in enumerate(stream, 1):  # noqa: B007
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            try:
                try:
                    rec = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    raise error("E003", line=lineno, path=name, detail=str(exc)[:80]) from None
                yield _record_to_article(rec, where, lang, name)
            except ChronikError as exc:
                yield ReadProblem(where, exc)
    except (EOFError, OSError, zlib.error) as exc:
        yield ReadProblem(f"{name}:{lineno + 1}", error("E015", path=name, detail=str(exc)))


def iter_csv(path: Path, *, lang: str | None = None) -> Iterator[Article | ReadProblem]:
    csv.field_size_limit(MAX_CHARS * 4)
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            yield ReadProblem(str(path), error("E008", path=path, columns=", ".join(reader.fieldnames or [])))
            return
        for i, row in enumerate(reader, 2):
            try:
                yield _record_to_article(row, f"{path}:{i}", lang, str(path))
            except ChronikError as exc:
                yield ReadProblem(f"{path}:{i}", exc)


def _iter_file(path: Path, *, lang: str | None) -> Iterator[Article | ReadProblem]:
    name = path.name.lower()
    suffix = Path(name[:-3]).suffix if name.endswith(".gz") else path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            with _open_text(path) as fh:
                yield from iter_jsonl(fh, name=str(path), lang=lang)
        elif suffix == ".json":
            yield from _iter_json(path, lang=lang)
        elif suffix == ".csv":
            yield from iter_csv(path, lang=lang)
        elif suffix in FEED_SUFFIXES:
            from chronik.io.feeds import iter_feed

            yield from iter_feed(path, lang=lang)
        elif suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES or suffix == "":
            yield read_text_article(path, lang=lang)
        else:
            yield ReadProblem(str(path), error("E006", path=path, suffix=suffix))
    except ChronikError as exc:
        yield ReadProblem(str(path), exc)
    except (OSError, EOFError, zlib.error) as exc:
        yield ReadProblem(str(path), error("E015", path=path, detail=str(exc)))


def _iter_json(path: Path, *, lang: str | None) -> Iterator[Article | ReadProblem]:
    try:
        data = json.loads(decode_bytes(path.read_bytes(), str(path)))
    except (json.JSONDecodeError, RecursionError) as exc:
        yield ReadProblem(str(path), error("E003", line=1, path=path, detail=str(exc)[:80]))
        return
    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        try:
            yield _record_to_article(rec, f"{path}[{i}]", lang, str(path))
        except ChronikError as exc:
            yield ReadProblem(f"{path}[{i}]", exc)


def read_path(source: str | Path, *, lang: str | None = None) -> Iterator[Article | ReadProblem]:
    """Stream articles (or problems) from a file, a folder (recursively, sorted) or '-' for stdin.

    Stdin is read as JSONL when its first character is '{', else as one plain-text article.
    """
    if str(source) == "-":
        data = sys.stdin.buffer.read()
        text = decode_bytes(data, "<stdin>")
        if text.lstrip().startswith("{"):
            yield from iter_jsonl(io.StringIO(text), name="<stdin>", lang=lang)
        else:
            try:
                yield make_article(text, lang=lang, path="<stdin>")
            except ChronikError as exc:
                yield ReadProblem("<stdin>", exc)
        return
    path = Path(source)
    if not path.exists():
        raise error("E001", path=path)
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            if child.name in {"NOTICE", "LICENSE", "README.md"}:
                continue
            yield from _iter_file(child, lang=lang)
    else:
        yield from _iter_file(path, lang=lang)
