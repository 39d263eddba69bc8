"""Typed records that flow through Chronik, each with a JSON round-trip."""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="Record")

PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
SECTORS = (
    "GOV", "MIL", "COP", "JUD", "LEG", "PTY", "OPP", "REB", "BUS", "MED", "CVL", "REL",
    "NGO", "EDU", "HLH", "REF", "CRM", "SPY", "IGO",
)
AUX_MODES = ("negation", "future", "hypothetical", "historical")
DATE_PRECISIONS = ("day", "month", "year", "range", "unknown")


def _convert(tp: Any, value: Any) -> Any:
    """Rebuild a value of annotated type `tp` from its JSON form."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(args[0], value) if len(args) == 1 else value
    if origin in (list, tuple):
        (inner, *_) = typing.get_args(tp) or (Any,)
        return [_convert(inner, v) for v in value]
    if origin is dict:
        _, inner = typing.get_args(tp)
        return {k: _convert(inner, v) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_dict(value)
    return value


_SIMPLE = {str, int, float, bool, Any, str | None, int | None, float | None, bool | None}


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type hint, is-plain-JSON-scalar) per field, computed once per class."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], hints[f.name] in _SIMPLE) for f in dataclasses.fields(cls))


class Record:
    """Mixin: dict/JSON round-trip for a dataclass record."""

    _hints: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        kwargs = {}
        for name, hint, simple in _field_types(cls):
            if name in data:
                value = data[name]
                kwargs[name] = value if simple or value is None else _convert(hint, value)
        return cls(**kwargs)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        return cls.from_dict(json.loads(text))


@dataclass
class Article(Record):
    """One news article as read from a source, before any coding."""

    id: str
    text: str
    lang: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD or YYYY-MM or YYYY
    date_precision: str = "unknown"
    dateline: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    path: str | None = None
    content_hash: str = ""
    body_start: int = 0  # offset in `text` where the body starts (after a date header)
    dateline_start: int = -1  # span of the dateline with its separator ("Wien – "), if any
    dateline_end: int = -1


@dataclass
class SentenceSpan(Record):
    """A sentence of an article by character offsets into `Article.text`."""

    index: int
    start: int
    end: int
    text: str


@dataclass
class Entity(Record):
    """A resolved actor mention: country/organisation code, sector, and person name if any."""

    text: str
    code: str | None = None
    sector: str | None = None
    name: str | None = None
    start: int = -1
    end: int = -1
    kind: str | None = None  # country, igo, person, sector, party, pronoun, ...
    role: str | None = None
    rule: str | None = None  # how it was resolved (explanation)
    entity_id: int | None = None  # coreference chain id within an article


@dataclass
class Place(Record):
    """A geocoded place mention."""

    text: str
    name: str | None = None
    country: str | None = None  # ISO3
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    feature: str | None = None  # country, admin1, city, region, ...
    geonameid: int | None = None
    start: int = -1
    end: int = -1
    rule: str | None = None
    alternatives: list[str] = field(default_factory=list)


@dataclass
class EventDate(Record):
    """When an event happened, with the precision the text supports."""

    date: str | None = None  # ISO start date
    precision: str = "unknown"  # day, month, year, range, unknown
    end: str | None = None  # ISO end date for ranges
    text: str | None = None  # the expression it came from
    rule: str | None = None


@dataclass
class Evidence(Record):
    """Why a record exists: where in the article, which words, which rule."""

    article_id: str
    sentence_index: int
    sentence: str
    sent_start: int
    sent_end: int
    start: int  # trigger span in article text
    end: int
    trigger: str
    rule: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Event(Record):
    """A PLOVER event with its arguments and evidence."""

    type: str
    actor: list[Entity]
    recipient: list[Entity]
    evidence: Evidence
    mode: str | None = None
    context: list[str] = field(default_factory=list)
    cameo: str | None = None
    aux: list[str] = field(default_factory=list)
    date: EventDate | None = None
    location: Place | None = None
    confidence: float = 0.5
    score: float | None = None  # PLOVER/Goldstein-style conflict-cooperation score
    statement_id: str | None = None
    id: str = ""


@dataclass
class Statement(Record):
    """Who said what: a direct quote or reported speech with its speaker."""

    speaker: Entity | None
    content: str
    content_start: int
    content_end: int
    kind: str  # direct | indirect
    evidence: Evidence
    id: str = ""


@dataclass
class CodedArticle(Record):
    """An article with everything Chronik found in it."""

    article: Article
    sentences: list[SentenceSpan] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coder_version: str = ""
