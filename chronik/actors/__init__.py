"""Actor layer: resolves mentions of political and social actors to code, sector, person and role."""
from __future__ import annotations

from typing import Any, Iterable

from .kb import Entry, KnowledgeBase
from .resolver import ActorResolver, article_country

__all__ = ["ActorResolver", "Entry", "KnowledgeBase", "article_country", "explain_lookup"]


def explain_lookup(text: str, *, lang: str, date: str | None = None, extra_files: Iterable[str] = ()) -> dict[str, Any]:
    """Resolve one phrase and say how: the keys code, sector, name, kind, role, rule, candidates."""
    resolver = ActorResolver.for_lang(lang, extra_files=tuple(extra_files))
    entity = resolver.lookup(text, date=date)
    result: dict[str, Any] = {"text": text, "lang": lang, "date": date, "code": None, "sector": None,
                              "name": None, "kind": None, "role": None, "rule": "no actor found",
                              "candidates": resolver.candidates(text)}
    if entity is not None:
        result.update(code=entity.code, sector=entity.sector, name=entity.name, kind=entity.kind,
                      role=entity.role, rule=entity.rule, matched=entity.text)
    return result
