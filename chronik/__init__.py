"""Chronik: German and English news into PLOVER event data, offline.

Public API: `load(lang)`, `code(text, date=..., lang=...)`, and the records in `chronik.model`.
"""
from __future__ import annotations

__version__ = "0.1.0"

from chronik.model import Article, CodedArticle, Entity, Event, Place, Statement  # noqa: E402


def load(lang: str):  # type: ignore[no-untyped-def]
    """The coder for `lang` ("de" or "en"), loaded once per process."""
    from chronik.pipeline import coder_for

    return coder_for(lang)


def code(text: str, *, date: str | None = None, lang: str | None = None, id: str | None = None) -> CodedArticle:
    """Code one article's text; `date` is the story date (YYYY-MM-DD), `lang` is detected if omitted."""
    from chronik.io.readers import make_article
    from chronik.pipeline import code_article

    return code_article(make_article(text, id=id, date=date, lang=lang))


__all__ = ["Article", "CodedArticle", "Entity", "Event", "Place", "Statement", "code", "load", "__version__"]
