"""Read RSS 2.0 and Atom files into articles (title + description/content as text)."""
from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from chronik.errors import ChronikError, error
from chronik.io.html import html_to_text
from chronik.io.readers import ReadProblem, make_article
from chronik.model import Article

_ATOM = "{http://www.w3.org/2005/Atom}"


def _date(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value[:4].isdigit():
        return value[:10]
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return None


def iter_feed(path: Path, *, lang: str | None = None) -> Iterator[Article | ReadProblem]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        yield ReadProblem(str(path), error("E015", path=path, detail=f"not well-formed XML ({exc})"))
        return
    items = root.iter("item") if root.find(f"{_ATOM}entry") is None else root.iter(f"{_ATOM}entry")
    for i, item in enumerate(items):
        def text(*tags: str) -> str | None:
            for tag in tags:
                node = item.find(tag)
                if node is not None and (node.text or "").strip():
                    return node.text
            return None

        title = text("title", f"{_ATOM}title")
        body = text("{http://purl.org/rss/1.0/modules/content/}encoded", "description", f"{_ATOM}content", f"{_ATOM}summary")
        link_node = item.find(f"{_ATOM}link")
        url = text("link") or (link_node.get("href") if link_node is not None else None)
        full = "\n\n".join(p for p in (title, html_to_text(body) if body else None) if p)
        try:
            yield make_article(
                full,
                id=text("guid", f"{_ATOM}id") or url or None,
                date=_date(text("pubDate", f"{_ATOM}published", f"{_ATOM}updated")),
                lang=lang,
                url=url,
                title=title,
                path=str(path),
            )
        except ChronikError as exc:
            yield ReadProblem(f"{path}[{i}]", exc)
