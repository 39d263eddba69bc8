"""Score coded articles against gold event and statement annotations (eval/GOLD_FORMAT.md).

How a system record is scored:

* Location. Gold sentences are found by searching each gold ``sentence`` string in the
  gold ``text``; a string that occurs more than once is searched from the previous
  record's sentence onwards, so annotation order picks the occurrence. A system record
  is placed by its evidence: if its trigger span (``evidence.start..end``) is valid and
  lies inside its sentence span, it goes to the gold sentence the trigger overlaps most
  (none: it sits in a sentence without gold records); otherwise to the gold sentence its
  sentence span (``sent_start..sent_end``) overlaps most. The trigger comes first because
  when the system's splitter merges two gold sentences, "overlaps most" would put every
  event of the merged span into the longer one. Ties go to the shorter gold sentence.
* Pairing. Inside one gold sentence, gold and system records are paired one to one,
  greedily, best match first (full > dyad > type; ties in document order). Because each
  level's key refines the one below, this single pairing gives at every level as many
  pairs as a separate greedy pairing on that level's key alone.
* Counting. Micro-averaged over articles. In articles marked ``"exhaustive": false`` only
  true positives and false negatives are counted, and precision uses only the true
  positives of exhaustive articles; with no exhaustive article, precision and F1 are null.
  A ratio whose denominator is zero is 1.0 when gold and system are both empty there and
  0.0 otherwise, so a silent system scores 0 and a perfect one scores 1.
* Statements. Keyed by (sentence, speaker code, kind); a null speaker code, or no
  speaker, matches only a null one. Among equal keys, pairs with the higher content
  token F1 go first; ``content_f1`` is the mean token F1 over the matched pairs.
* Confusion. A second, type-agnostic pairing per sentence: every gold/system pair in the
  sentence is a candidate, ranked by dyad overlap (Jaccard of actor codes plus Jaccard
  of recipient codes, an empty set against an empty set counting 1), then by equal type,
  then document order. Records left unpaired count against ``"-"`` (spurious system
  records only in exhaustive articles).
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

from chronik import errors
from chronik.model import (
    AUX_MODES,
    PLOVER_TYPES,
    Article,
    CodedArticle,
    Entity,
    Evidence,
    Event,
    SentenceSpan,
    Statement,
)

__all__ = [
    "EvalReport", "GoldArticle", "GoldEntity", "GoldEvent", "GoldPlace", "GoldStatement", "LEVELS", "Tally",
    "format_report", "gold_as_system", "load_gold", "score", "token_f1",
]

LEVELS = ("type", "dyad", "full")
NO_MATCH = "-"  # confusion-table key for a record without counterpart
STATEMENT_KINDS = ("direct", "indirect")
_TOKEN = re.compile(r"\w+")


class _BadGold(ValueError):
    """A problem in one gold line; load_gold turns it into E012 with path and line."""


# --------------------------------------------------------------------------- gold records


@dataclass
class GoldEntity:
    text: str
    code: str | None = None
    sector: str | None = None
    name: str | None = None

    @classmethod
    def from_dict(cls, data: Any, *, where: str) -> GoldEntity:
        if not isinstance(data, dict):
            raise _BadGold(f"{where} must be an object with 'text', 'code', 'sector'")
        # Sectors are not checked against SECTORS: converted gold (PLOVER GSR) keeps raw
        # CAMEO role codes such as "ELI" or "CVLalb", and gold must be read as it is.
        code, sector = data.get("code"), data.get("sector")
        for key, value in (("code", code), ("sector", sector)):
            if value is not None and not isinstance(value, str):
                raise _BadGold(f"{where} {key} must be a string or null")
        return cls(text=str(data.get("text") or ""), code=code, sector=sector, name=data.get("name"))


@dataclass
class GoldPlace:
    text: str
    country: str | None = None


@dataclass
class GoldEvent:
    sentence: str
    type: str
    actor: list[GoldEntity]
    recipient: list[GoldEntity]
    aux: list[str] = field(default_factory=list)
    trigger: str = ""
    mode: str | None = None
    location: GoldPlace | None = None
    event_date: str | None = None
    start: int = -1  # span of `sentence` in the article text, set by load_gold
    end: int = -1

    @classmethod
    def from_dict(cls, data: Any, *, where: str) -> GoldEvent:
        if not isinstance(data, dict):
            raise _BadGold(f"{where} must be an object")
        sentence = _required_str(data, "sentence", where)
        etype = data.get("type")
        if etype not in PLOVER_TYPES:
            raise _BadGold(f"{where} has type {etype!r}, not one of the 16 PLOVER types")
        actor = _entities(data, "actor", where)
        recipient = _entities(data, "recipient", where)
        aux = data.get("aux") or []
        if not isinstance(aux, list) or any(a not in AUX_MODES for a in aux):
            raise _BadGold(f"{where} aux {aux!r} must be a list of {', '.join(AUX_MODES)}")
        loc = data.get("location")
        location = None
        if isinstance(loc, dict):
            location = GoldPlace(text=str(loc.get("text") or ""), country=loc.get("country"))
        return cls(
            sentence=sentence, type=etype, actor=actor, recipient=recipient, aux=list(aux),
            trigger=str(data.get("trigger") or ""), mode=data.get("mode"), location=location,
            event_date=data.get("event_date"),
        )


@dataclass
class GoldStatement:
    sentence: str
    speaker: GoldEntity | None
    content: str
    kind: str
    start: int = -1  # span of `sentence` in the article text, set by load_gold
    end: int = -1

    @classmethod
    def from_dict(cls, data: Any, *, where: str) -> GoldStatement:
        if not isinstance(data, dict):
            raise _BadGold(f"{where} must be an object")
        sentence = _required_str(data, "sentence", where)
        content = _required_str(data, "content", where)
        kind = data.get("kind")
        if kind not in STATEMENT_KINDS:
            raise _BadGold(f"{where} kind {kind!r} must be 'direct' or 'indirect'")
        speaker = data.get("speaker")
        return cls(
            sentence=sentence,
            speaker=None if speaker is None else GoldEntity.from_dict(speaker, where=f"{where} speaker"),
            content=content, kind=kind,
        )


@dataclass
class GoldArticle:
    id: str
    text: str
    events: list[GoldEvent]
    statements: list[GoldStatement]
    lang: str | None = None
    date: str | None = None
    dateline: str | None = None
    exhaustive: bool = True

    @classmethod
    def from_dict(cls, data: Any) -> GoldArticle:
        if not isinstance(data, dict):
            raise _BadGold("the line must be one JSON object")
        aid = _required_str(data, "id", "the article")
        text = _required_str(data, "text", f"article {aid}")
        exhaustive = data.get("exhaustive", True)
        if not isinstance(exhaustive, bool):
            raise _BadGold(f"article {aid}: 'exhaustive' must be true or false")
        events = [GoldEvent.from_dict(e, where=f"event {i + 1}") for i, e in enumerate(_list(data, "events", aid))]
        statements = [
            GoldStatement.from_dict(s, where=f"statement {i + 1}") for i, s in enumerate(_list(data, "statements", aid))
        ]
        for kind, records in (("event", events), ("statement", statements)):
            spans = _locate_sentences(text, [r.sentence for r in records])
            for i, (record, span) in enumerate(zip(records, spans)):
                if span is None:
                    raise _BadGold(f"{kind} {i + 1} sentence {record.sentence[:60]!r} is not a substring of 'text'")
                record.start, record.end = span
        return cls(
            id=aid, text=text, events=events, statements=statements, lang=data.get("lang"),
            date=data.get("date"), dateline=data.get("dateline"), exhaustive=exhaustive,
        )


def _required_str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _BadGold(f"{where} needs a non-empty string '{key}'")
    return value


def _list(data: dict[str, Any], key: str, aid: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _BadGold(f"article {aid}: '{key}' must be a list")
    return value


def _entities(data: dict[str, Any], key: str, where: str) -> list[GoldEntity]:
    value = data.get(key)
    if not isinstance(value, list):
        raise _BadGold(f"{where} needs a list '{key}' (it may be empty)")
    return [GoldEntity.from_dict(e, where=f"{where} {key} {i + 1}") for i, e in enumerate(value)]


def _locate_sentences(text: str, sentences: Sequence[str]) -> list[tuple[int, int] | None]:
    """Spans of `sentences` (in annotation order) in `text`; a repeated string takes the
    first occurrence at or after the previous record's sentence."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for sentence in sentences:
        pos = text.find(sentence, cursor)
        if pos < 0:  # annotated out of order: take the first occurrence
            pos = text.find(sentence)
        if pos < 0:
            spans.append(None)
            continue
        spans.append((pos, pos + len(sentence)))
        cursor = pos
    return spans


def load_gold(path: str | Path) -> list[GoldArticle]:
    """Read a gold JSON Lines file; a bad line raises E012 naming the line and the fault."""
    path = Path(path)
    if not path.exists():
        raise errors.error("E001", path=path)
    articles: list[GoldArticle] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _BadGold(f"bad JSON ({exc.msg} at column {exc.colno})") from exc
                article = GoldArticle.from_dict(data)
            except _BadGold as exc:
                raise errors.error("E012", path=path, line=lineno, detail=str(exc)) from exc
            if article.id in seen:
                # plover_gsr_en.jsonl repeats an id for two different sentences; system output is
                # keyed by id, so each article needs its own.
                renamed = next(f"{article.id}#{n}" for n in range(2, lineno + 2) if f"{article.id}#{n}" not in seen)
                errors.warn("W060", path=path, line=lineno, article=article.id, renamed=renamed)
                article.id = renamed
            seen.add(article.id)
            articles.append(article)
    return articles


# --------------------------------------------------------------------------- gold as system output


def _entity(gold: GoldEntity) -> Entity:
    return Entity(text=gold.text, code=gold.code, sector=gold.sector, name=gold.name)


def _trigger_span(text: str, start: int, end: int, trigger: str) -> tuple[int, int]:
    """Span of a (possibly discontinuous, '...'-joined) trigger inside text[start:end]."""
    parts = [p.strip() for p in trigger.split("...") if p.strip()]
    pos, first, last = start, -1, -1
    for part in parts:
        found = text.find(part, pos, end)
        if found < 0:
            return start, end
        first = found if first < 0 else first
        last = pos = found + len(part)
    return (first, last) if first >= 0 else (start, end)


def gold_as_system(gold: GoldArticle) -> CodedArticle:
    """The gold annotation of one article as system output (for self-checks and debugging)."""
    text = gold.text
    spans = sorted({(r.start, r.end) for r in [*gold.events, *gold.statements]})
    index = {span: i for i, span in enumerate(spans)}

    def evidence(start: int, end: int, trigger: str, rule: str) -> Evidence:
        t_start, t_end = _trigger_span(text, start, end, trigger)
        return Evidence(
            article_id=gold.id, sentence_index=index[(start, end)], sentence=text[start:end],
            sent_start=start, sent_end=end, start=t_start, end=t_end, trigger=text[t_start:t_end], rule=rule,
        )

    events = [
        Event(
            type=e.type, actor=[_entity(a) for a in e.actor], recipient=[_entity(r) for r in e.recipient],
            evidence=evidence(e.start, e.end, e.trigger, "gold"), mode=e.mode, aux=list(e.aux),
            id=f"{gold.id}-e{i}",
        )
        for i, e in enumerate(gold.events)
    ]
    statements = []
    for i, s in enumerate(gold.statements):
        # Content may lie outside its sentence ("Das sagte X." after the quote): take the nearest occurrence.
        found = [m.start() for m in re.finditer(re.escape(s.content), text)]
        c_start = min(found, key=lambda p: abs(p - s.start)) if found else -1
        statements.append(Statement(
            speaker=None if s.speaker is None else _entity(s.speaker), content=s.content,
            content_start=c_start, content_end=c_start + len(s.content) if found else -1, kind=s.kind,
            evidence=evidence(s.start, s.end, "", "gold"), id=f"{gold.id}-s{i}",
        ))
    return CodedArticle(
        article=Article(id=gold.id, text=text, lang=gold.lang, date=gold.date, dateline=gold.dateline),
        sentences=[SentenceSpan(index=i, start=a, end=b, text=text[a:b]) for i, (a, b) in enumerate(spans)],
        events=events, statements=statements, coder_version="gold",
    )


# --------------------------------------------------------------------------- counts and report


@dataclass
class Tally:
    """Counts for one score line. Precision sees only exhaustive articles."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tp_exhaustive: int = 0
    fn_exhaustive: int = 0

    def add(self, *, tp: int, fp: int, fn: int, exhaustive: bool) -> None:
        self.tp += tp
        self.fn += fn
        if exhaustive:
            self.fp += fp
            self.tp_exhaustive += tp
            self.fn_exhaustive += fn

    def precision(self, *, measurable: bool) -> float | None:
        if not measurable:
            return None
        return _ratio(self.tp_exhaustive, self.tp_exhaustive + self.fp, other_side=self.fn_exhaustive)

    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn, other_side=self.fp)

    def to_dict(self, *, measurable: bool) -> dict[str, Any]:
        p, r = self.precision(measurable=measurable), self.recall()
        f1 = None if p is None else (2 * p * r / (p + r) if p + r else 0.0)
        return {"p": _round(p), "r": _round(r), "f1": _round(f1), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def _ratio(num: int, den: int, *, other_side: int) -> float:
    if den:
        return num / den
    return 1.0 if other_side == 0 else 0.0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class EvalReport:
    """Micro-averaged scores of one system run against one gold set."""

    articles: int = 0
    exhaustive_articles: int = 0
    events: dict[str, Tally] = field(default_factory=lambda: {level: Tally() for level in LEVELS})
    statements: Tally = field(default_factory=Tally)
    content_f1_sum: float = 0.0
    per_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def content_f1(self) -> float | None:
        return self.content_f1_sum / self.statements.tp if self.statements.tp else None

    def to_dict(self) -> dict[str, Any]:
        measurable = self.exhaustive_articles > 0
        return {
            "articles": self.articles,
            "exhaustive_articles": self.exhaustive_articles,
            "events": {level: self.events[level].to_dict(measurable=measurable) for level in LEVELS},
            "statements": {
                "speaker": self.statements.to_dict(measurable=measurable),
                "content_f1": _round(self.content_f1),
            },
            "per_type": {
                t: self.per_type[t].to_dict(measurable=measurable)
                for t in _type_order(self.per_type)
                if self.per_type[t].tp + self.per_type[t].fp + self.per_type[t].fn  # spurious only in non-exhaustive
            },
            "confusion": {
                g: {s: self.confusion[g][s] for s in _type_order(self.confusion[g])}
                for g in _type_order(self.confusion)
            },
        }


def _type_order(types: Iterable[str]) -> list[str]:
    rank = {t: i for i, t in enumerate((*PLOVER_TYPES, NO_MATCH))}
    return sorted(types, key=lambda t: (rank.get(t, len(rank)), t))


# --------------------------------------------------------------------------- scoring


def _codes(entities: Iterable[Any]) -> frozenset[str]:
    return frozenset(e.code for e in entities if e.code is not None)


def _code_sectors(entities: Iterable[Any]) -> frozenset[tuple[str | None, str | None]]:
    return frozenset((e.code, e.sector) for e in entities if e.code is not None or e.sector is not None)


def _event_keys(event: GoldEvent | Event) -> tuple[tuple[Any, ...], ...]:
    """Match keys per level; each level's key extends the one before."""
    type_key = (event.type,)
    dyad_key = (*type_key, _codes(event.actor), _codes(event.recipient))
    full_key = (*dyad_key, _code_sectors(event.actor), _code_sectors(event.recipient), frozenset(event.aux))
    return type_key, dyad_key, full_key


def _match_level(gold: GoldEvent, system: Event) -> int:
    """0 = no match, 1 = type, 2 = dyad, 3 = full."""
    level = 0
    for g_key, s_key in zip(_event_keys(gold), _event_keys(system)):
        if g_key != s_key:
            break
        level += 1
    return level


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _dyad_overlap(gold: GoldEvent, system: Event) -> float:
    actors = _jaccard(_codes(gold.actor), _codes(system.actor))
    return actors + _jaccard(_codes(gold.recipient), _codes(system.recipient))


def token_f1(gold: str, system: str) -> float:
    """Bag-of-tokens F1 of two spans (lowercased, split at whitespace and punctuation)."""
    g, s = Counter(_TOKEN.findall(gold.lower())), Counter(_TOKEN.findall(system.lower()))
    if not g and not s:
        return 1.0
    common = sum((g & s).values())
    if not common:
        return 0.0
    p, r = common / sum(s.values()), common / sum(g.values())
    return 2 * p * r / (p + r)


def _greedy(n_gold: int, n_system: int, rank: Callable[[int, int], Any]) -> list[tuple[int, int]]:
    """One-to-one pairs, best rank first; `rank` returns None for pairs that may not match."""
    candidates = []
    for gi in range(n_gold):
        for si in range(n_system):
            value = rank(gi, si)
            if value is not None:
                candidates.append((value, gi, si))
    candidates.sort(key=lambda c: (c[0], -c[1], -c[2]), reverse=True)
    used_g: set[int] = set()
    used_s: set[int] = set()
    pairs = []
    for _, gi, si in candidates:
        if gi not in used_g and si not in used_s:
            used_g.add(gi)
            used_s.add(si)
            pairs.append((gi, si))
    return pairs


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _place(evidence: Evidence, gold_spans: Sequence[tuple[int, int]], *, shift: int) -> int | None:
    """Index of the gold sentence a system record belongs to, or None (see module docstring)."""
    sentence = (evidence.sent_start + shift, evidence.sent_end + shift)
    trigger = (evidence.start + shift, evidence.end + shift)
    sentence_ok = 0 <= sentence[0] < sentence[1]
    trigger_ok = 0 <= trigger[0] < trigger[1] and (
        not sentence_ok or sentence[0] <= trigger[0] and trigger[1] <= sentence[1]
    )
    if not sentence_ok and not trigger_ok:
        return None
    anchor = trigger if trigger_ok else sentence
    best, best_rank = None, None
    for i, span in enumerate(gold_spans):
        if not _overlap(anchor, span):
            continue
        rank = (_overlap(anchor, span), _overlap(sentence, span) if sentence_ok else 0, -(span[1] - span[0]))
        if best_rank is None or rank > best_rank:
            best, best_rank = i, rank
    return best


def _shift(gold_text: str, coded: CodedArticle, evidence: Evidence) -> int:
    """Offset correction when the system coded a different text than the gold one (e.g. stripped)."""
    if coded.article.text == gold_text or not evidence.sentence:
        return 0
    found = [m.start() for m in re.finditer(re.escape(evidence.sentence), gold_text)]
    if not found:
        return 0
    return min(found, key=lambda p: abs(p - evidence.sent_start)) - evidence.sent_start


def _group(
    gold_text: str, coded: CodedArticle | None, gold_records: Sequence[Any], system_records: Sequence[Any]
) -> tuple[dict[int, list[Any]], dict[int, list[Any]], list[Any]]:
    """Gold and system records by gold sentence, plus the system records that fall outside."""
    spans = sorted({(r.start, r.end) for r in gold_records})
    index = {span: i for i, span in enumerate(spans)}
    gold_by: dict[int, list[Any]] = defaultdict(list)
    for record in gold_records:
        gold_by[index[(record.start, record.end)]].append(record)
    system_by: dict[int, list[Any]] = defaultdict(list)
    outside = []
    for record in system_records:
        where = _place(record.evidence, spans, shift=_shift(gold_text, coded, record.evidence)) if coded else None
        (system_by[where] if where is not None else outside).append(record)
    return gold_by, system_by, outside


def _score_events(report: EvalReport, gold: GoldArticle, coded: CodedArticle | None) -> None:
    exhaustive = gold.exhaustive
    gold_by, system_by, outside = _group(gold.text, coded, gold.events, coded.events if coded else [])
    for sent in sorted(set(gold_by) | set(system_by)):
        g_events, s_events = gold_by.get(sent, []), system_by.get(sent, [])
        levels = {(gi, si): _match_level(g_events[gi], s_events[si])
                  for gi in range(len(g_events)) for si in range(len(s_events))}
        pairs = _greedy(len(g_events), len(s_events), lambda gi, si: levels[gi, si] or None)
        for n, level in enumerate(LEVELS, 1):
            tp = sum(1 for p in pairs if levels[p] >= n)
            report.events[level].add(tp=tp, fp=len(s_events) - tp, fn=len(g_events) - tp, exhaustive=exhaustive)
        matched = Counter(g_events[gi].type for gi, _ in pairs)
        g_types, s_types = Counter(e.type for e in g_events), Counter(e.type for e in s_events)
        for etype in set(g_types) | set(s_types):
            report.per_type[etype].add(
                tp=matched[etype], fp=s_types[etype] - matched[etype], fn=g_types[etype] - matched[etype],
                exhaustive=exhaustive,
            )
        _confuse(report, g_events, s_events, exhaustive=exhaustive)
    if exhaustive:
        for level in LEVELS:
            report.events[level].add(tp=0, fp=len(outside), fn=0, exhaustive=True)
        for event in outside:
            report.per_type[event.type].add(tp=0, fp=1, fn=0, exhaustive=True)
            report.confusion[NO_MATCH][event.type] += 1


def _confuse(report: EvalReport, g_events: list[GoldEvent], s_events: list[Event], *, exhaustive: bool) -> None:
    pairs = _greedy(
        len(g_events), len(s_events),
        lambda gi, si: (_dyad_overlap(g_events[gi], s_events[si]), g_events[gi].type == s_events[si].type),
    )
    for gi, si in pairs:
        report.confusion[g_events[gi].type][s_events[si].type] += 1
    paired_g, paired_s = {gi for gi, _ in pairs}, {si for _, si in pairs}
    for gi, event in enumerate(g_events):
        if gi not in paired_g:
            report.confusion[event.type][NO_MATCH] += 1
    if exhaustive:
        for si, event in enumerate(s_events):
            if si not in paired_s:
                report.confusion[NO_MATCH][event.type] += 1


def _speaker_code(record: GoldStatement | Statement) -> str | None:
    return record.speaker.code if record.speaker is not None else None


def _score_statements(report: EvalReport, gold: GoldArticle, coded: CodedArticle | None) -> None:
    gold_by, system_by, outside = _group(gold.text, coded, gold.statements, coded.statements if coded else [])
    for sent in sorted(set(gold_by) | set(system_by)):
        g_st, s_st = gold_by.get(sent, []), system_by.get(sent, [])

        def rank(gi: int, si: int) -> float | None:
            g, s = g_st[gi], s_st[si]
            if (_speaker_code(g), g.kind) != (_speaker_code(s), s.kind):
                return None
            return token_f1(g.content, s.content)

        pairs = _greedy(len(g_st), len(s_st), rank)
        report.statements.add(tp=len(pairs), fp=len(s_st) - len(pairs), fn=len(g_st) - len(pairs),
                              exhaustive=gold.exhaustive)
        report.content_f1_sum += sum(token_f1(g_st[gi].content, s_st[si].content) for gi, si in pairs)
    if gold.exhaustive:
        report.statements.add(tp=0, fp=len(outside), fn=0, exhaustive=True)


def score(gold: Sequence[GoldArticle], system: Mapping[str, CodedArticle]) -> EvalReport:
    """Score system output (keyed by gold article id; a missing id is no output) against gold."""
    report = EvalReport()
    for article in gold:
        report.articles += 1
        report.exhaustive_articles += article.exhaustive
        coded = system.get(article.id)
        _score_events(report, article, coded)
        _score_statements(report, article, coded)
    return report


# --------------------------------------------------------------------------- terminal report


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _score_table(title: str, rows: Mapping[str, Mapping[str, Any]], first: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for name in ("P", "R", "F1", "TP", "FP", "FN"):
        table.add_column(name, justify="right")
    for label, row in rows.items():
        table.add_row(label, _fmt(row["p"]), _fmt(row["r"]), _fmt(row["f1"]),
                      str(row["tp"]), str(row["fp"]), str(row["fn"]))
    return table


def format_report(report: EvalReport, *, per_type: bool = False) -> RenderableType:
    """Tables for the terminal: levels and statements; with per_type, also per-type scores and confusion."""
    data = report.to_dict()
    rows = {f"events: {level}": data["events"][level] for level in LEVELS}
    rows["statements: speaker"] = data["statements"]["speaker"]
    summary = _score_table(
        f"{data['articles']} articles ({data['exhaustive_articles']} exhaustive)", rows, "level"
    )
    summary.caption = f"statement content token F1: {_fmt(data['statements']['content_f1'])}"
    parts: list[RenderableType] = [summary]
    if per_type:
        parts.append(_score_table("per type", data["per_type"], "type"))
        columns = _type_order({s for row in data["confusion"].values() for s in row})
        confusion = Table(title="confusion (rows gold, columns system, '-' = none)", title_justify="left")
        confusion.add_column("gold \\ system")
        for col in columns:
            confusion.add_column(col[:5], justify="right")
        for gold_type, row in data["confusion"].items():
            confusion.add_row(gold_type, *(str(row.get(col, "")) for col in columns))
        parts.append(confusion)
    return Group(*parts)
