"""Dates: the story date, and relative date expressions resolved against it (German, English)."""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
import re._constants as _sre  # the parsed form of a pattern, for `_anchors`
import re._parser as _sre_parse
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from chronik import errors
from chronik.model import EventDate

LANG_DIR = Path(__file__).resolve().parent / "lang"
SUPPORTED = ("de", "en")
# How far "in the coming months" reaches when the text gives no number.
DEFAULT_SPAN = {"day": 7, "week": 3, "month": 3, "year": 2}
# A month or day-month without year is read in the story's year unless that lies more than this
# many days after the story date (then: the year before); "im März" in a February story is next month.
FUTURE_SLACK_DAYS = 31
PARTS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}

_STORY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class StoryDate:
    """The story date as a day (the 1st for month/year precision) and its precision."""

    day: dt.date
    precision: str  # day, month, year


def parse_story_date(value: str | None, *, where: str = "story date") -> EventDate:
    """'2022-02-10' -> day, '2022-02' -> month, '2022' -> year; anything else raises E007."""
    if value is None or not isinstance(value, str):
        raise errors.error("E007", value=value, where=where)
    m = _STORY.match(value.strip())
    if not m:
        raise errors.error("E007", value=value, where=where)
    y, mo, d = m.groups()
    try:
        dt.date(int(y), int(mo or 1), int(d or 1))
    except ValueError as exc:
        raise errors.error("E007", value=value, where=where) from exc
    precision = "day" if d else "month" if mo else "year"
    return EventDate(date=value.strip(), precision=precision, text=value, rule="story date")


def _story(value: str | EventDate | None) -> StoryDate | None:
    if value is None:
        return None
    ed = value if isinstance(value, EventDate) else parse_story_date(value)
    if ed.date is None:
        return None
    parts = [int(x) for x in ed.date.split("-")]
    day = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    precision = {1: "year", 2: "month", 3: "day"}[len(parts)]
    return StoryDate(day, precision)


# -- language data ---------------------------------------------------------------------------
@dataclass
class DateWords:
    lang: str
    months: dict[str, int]
    weekdays: dict[str, int]
    day_words: dict[str, int]
    rel: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, str]
    parts: dict[str, str]
    year_cues: frozenset[str]
    year_coords: frozenset[str]
    patterns: list[tuple[str, re.Pattern]]
    since_before: re.Pattern
    since_start: re.Pattern


def _alt(words, *, lowercase_only=(), group: str | None = None) -> str:
    """Regex alternation of `words`, longest first; lower-case words also match capitalised."""
    forms: set[str] = set()
    for w in words:
        forms.add(w)
        if w[:1].islower() and w not in lowercase_only:
            forms.add(w[:1].upper() + w[1:])
    body = "|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True))
    return f"(?P<{group}>{body})" if group else f"(?:{body})"


@functools.lru_cache(maxsize=len(SUPPORTED))
def date_words(lang: str) -> DateWords:
    """Load lang/XX/dates.json plus Babel's month and weekday names (cached)."""
    if lang not in SUPPORTED:
        raise errors.error("E010", lang=lang, supported=", ".join(SUPPORTED))
    path = LANG_DIR / lang / "dates.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.error("E053", path=path, detail=exc) from exc
    loc = Locale(lang)
    months: dict[str, int] = {}
    for ctx in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for num, name in loc.months[ctx][width].items():
                if width == "abbreviated" and name.rstrip(".") != name:
                    months[name] = num  # "Jan." only with its dot: "Jan" alone is a first name
                elif width == "abbreviated" and lang == "en":
                    months[name] = num
                    if name != loc.months[ctx]["wide"][num]:
                        months[name + "."] = num  # "Sept.", but not the sentence's full stop in "1 May."
                else:
                    months[name] = num
    months.update(data.get("months_extra", {}))
    weekdays = {name: num for num, name in loc.days["format"]["wide"].items()}  # Monday = 0
    weekdays.update(data.get("weekdays_extra", {}))
    low = tuple(data.get("lowercase_only", []))
    repl = {
        "MONTH": _alt(months, group="mon") + r"(?!\w)",
        "WEEKDAY": _alt(weekdays, group="wd"),
        "DAY": r"(?P<d>[12]\d|3[01]|0?[1-9])",
        "YEAR": r"(?P<y>1[89]\d\d|20\d\d)",
        "NUM": r"(?P<n>\d{1,3}|" + _alt(data["numbers"])[3:],
        "UNIT": _alt(data["units"], group="unit"),
        "REL": _alt(data["rel"], group="rel"),
        "PART": _alt(data["parts"], group="part"),
        "DAYWORD": _alt(data["day_words"], lowercase_only=low, group="dw"),
    }
    patterns = []
    for kind, rx in data["patterns"]:
        for k, v in repl.items():
            rx = rx.replace("{" + k + "}", v)
        try:
            patterns.append((kind, re.compile(rx)))
        except re.error as exc:
            raise errors.error("E053", path=path, detail=f"pattern {kind}: {exc}") from exc
    since = data.get("since", r"(?!x)x")

    def fold_keys(d: dict) -> dict:
        out = {}
        for k, v in d.items():
            out[k] = v
            out[k[:1].upper() + k[1:]] = v
        return out

    return DateWords(
        lang=lang, months=months, weekdays=weekdays, day_words=fold_keys(data["day_words"]),
        rel=fold_keys(data["rel"]), numbers=fold_keys(data["numbers"]), units=data["units"],
        parts=fold_keys(data["parts"]), year_cues=frozenset(w.casefold() for w in data.get("year_cues", [])),
        year_coords=frozenset(w.casefold() for w in data.get("year_coords", [])),
        patterns=patterns, since_before=re.compile(since + r"$"), since_start=re.compile(since),
    )


# -- arithmetic ------------------------------------------------------------------------------
def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _shift(d: dt.date, n: int, unit: str) -> dt.date:
    if unit == "day":
        return d + dt.timedelta(days=n)
    if unit == "week":
        return d + dt.timedelta(weeks=n)
    if unit == "month":
        return _add_months(d, n)
    return _add_months(d, 12 * n)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _day(d: dt.date, text: str, rule: str) -> EventDate:
    return EventDate(date=d.isoformat(), precision="day", text=text, rule=rule)


def _month(d: dt.date, text: str, rule: str) -> EventDate:
    return EventDate(date=d.strftime("%Y-%m"), precision="month", text=text, rule=rule)


def _year(y: int, text: str, rule: str) -> EventDate:
    return EventDate(date=f"{y:04d}", precision="year", text=text, rule=rule)


def _range(a: dt.date, b: dt.date, text: str, rule: str) -> EventDate:
    if b < a:
        a, b = b, a
    return EventDate(date=a.isoformat(), precision="range", end=b.isoformat(), text=text, rule=rule)


def _coarse(story: StoryDate, text: str, why: str) -> EventDate:
    """A day-level expression against a month/year story date: only the story's own precision."""
    rule = f"{why}; story date has {story.precision} precision, so only the {story.precision} is known"
    if story.precision == "month":
        return _month(story.day, text, rule)
    return _year(story.day.year, text, rule)


def _unknown(text: str, rule: str) -> EventDate:
    return EventDate(date=None, precision="unknown", text=text, rule=rule)


# -- interpretation of one match -------------------------------------------------------------
def _number(w: DateWords, raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    return int(raw) if raw.isdigit() else w.numbers.get(raw, w.numbers.get(raw.lower()))


def _interpret(kind: str, m: re.Match, w: DateWords, story: StoryDate | None, *, future: bool) -> EventDate:
    text = m.group(0).strip()
    g = m.groupdict()
    y = int(g["y"]) if g.get("y") else None

    if kind in ("iso", "numeric"):
        try:
            return _day(dt.date(y, int(g["m"]), int(g["d"])), text, f"{kind} date")
        except (TypeError, ValueError):
            return _unknown(text, f"{kind} date is not a calendar date")

    if kind in ("day_month", "month_day"):
        mon = w.months[g["mon"]]
        if y is None:
            if story is None:
                return _unknown(text, "day and month without year; no story date")
            y = story.day.year
            rule = "day and month; year of the story date"
            try:
                cand = dt.date(y, mon, int(g["d"]))
            except ValueError:
                return _unknown(text, "not a calendar date")
            if not future and (cand - story.day).days > FUTURE_SLACK_DAYS:
                y -= 1
                rule = "day and month after the story date; taken from the year before"
            elif future and cand < story.day:
                y += 1
                rule = "day and month before the story date, future tense; taken from the year after"
        else:
            rule = "day, month and year"
        try:
            return _day(dt.date(y, mon, int(g["d"])), text, rule)
        except ValueError:
            return _unknown(text, "not a calendar date")

    if kind in ("month", "part_month"):
        mon = w.months[g["mon"]]
        if y is None:
            if story is None:
                return _unknown(text, "month without year; no story date")
            y = story.day.year
            rule = "month; year of the story date"
            ahead = (dt.date(y, mon, 1) - story.day).days
            if not future and ahead > FUTURE_SLACK_DAYS:
                y -= 1
                rule = "month well after the story date; taken from the year before"
            elif future and _month_end(y, mon) < story.day:
                y += 1
                rule = "month before the story date, future tense; taken from the year after"
        else:
            rule = "month and year"
        if kind == "month":
            return _month(dt.date(y, mon, 1), text, rule)
        part = w.parts[g["part"]]
        lo, hi = PARTS[part]
        end = min(hi, calendar.monthrange(y, mon)[1])
        return _range(dt.date(y, mon, lo), dt.date(y, mon, end), text, f"{part} part of the month; {rule}")

    if kind == "part_year":
        part = w.parts[g["part"]]
        months = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}[part]
        return _range(dt.date(y, months[0], 1), _month_end(y, months[1]), text, f"{part} part of the year")

    if kind in ("year", "bare_year"):
        return _year(y, text, "year")

    if kind == "year_range":
        y2 = int(g["y2"])
        if y2 < y:
            return _unknown(text, "year range ends before it starts")
        return _range(dt.date(y, 1, 1), dt.date(y2, 12, 31), text, "range of years")

    if kind == "day_range":
        mon = w.months[g["mon"]]
        if y is None:
            if story is None:
                return _unknown(text, "day range without year; no story date")
            y = story.day.year
            if not future and (dt.date(y, mon, 1) - story.day).days > FUTURE_SLACK_DAYS:
                y -= 1
        try:
            a, b = dt.date(y, mon, int(g["d"])), dt.date(y, mon, int(g["d2"]))
        except ValueError:
            return _unknown(text, "not a calendar date")
        return _range(a, b, text, "range of days in one month")

    # Everything below is relative to the story date.
    if story is None:
        return _unknown(text, f"{kind}; no story date to resolve against")
    s = story.day

    if kind == "weekday":
        target = w.weekdays[g["wd"]]
        rel = w.rel.get(g["rel"]) if g.get("rel") else None
        if story.precision != "day":
            return _coarse(story, text, "weekday")
        back = (s.weekday() - target) % 7
        if rel == 1 or (rel is None and future):
            ahead = (target - s.weekday()) % 7 or 7
            return _day(s + dt.timedelta(days=ahead), text, "weekday: next such day after the story date")
        if rel == -1:
            back = back or 7
            return _day(s - dt.timedelta(days=back), text, "weekday: the last such day before the story date")
        return _day(s - dt.timedelta(days=back), text, "weekday: most recent such day on or before the story date")

    if kind == "day_word":
        off = w.day_words[g["dw"]]
        if story.precision != "day":
            return _coarse(story, text, f"relative day {off:+d}")
        return _day(s + dt.timedelta(days=off), text, f"relative day {off:+d} from the story date")

    if kind == "weekend":
        rel = w.rel.get(g["rel"]) if g.get("rel") else None
        if story.precision != "day":
            return _coarse(story, text, "weekend")
        back = (s.weekday() - 5) % 7  # days since the last Saturday
        if rel == 1 or (rel is None and future):
            sat = s + dt.timedelta(days=(5 - s.weekday()) % 7 or 7)
            return _range(sat, sat + dt.timedelta(days=1), text, "weekend: the next one after the story date")
        if rel == 0 and s.weekday() < 5:
            sat = s + dt.timedelta(days=5 - s.weekday())
            return _range(sat, sat + dt.timedelta(days=1), text, "weekend: this week's")
        sat = s - dt.timedelta(days=back)
        return _range(sat, min(sat + dt.timedelta(days=1), s), text, "weekend: the most recent one on or before the story date")

    if kind == "week_start":
        if story.precision != "day":
            return _coarse(story, text, "early this week")
        monday = s - dt.timedelta(days=s.weekday())
        return _range(monday, s, text, "from Monday of the story's week to the story date")

    if kind == "part_year_rel":
        part = w.parts[g["part"]]
        rel = w.rel.get(g["rel"], 0) if g.get("rel") else 0
        yr = s.year + rel
        months = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}[part]
        return _range(dt.date(yr, months[0], 1), _month_end(yr, months[1]), text,
                      f"{part} part of the year {rel:+d} from the story date")

    if kind == "week_rel":
        rel = w.rel[g["rel"]]
        if story.precision != "day":
            return _coarse(story, text, f"relative week {rel:+d}")
        monday = s - dt.timedelta(days=s.weekday()) + dt.timedelta(weeks=rel)
        return _range(monday, monday + dt.timedelta(days=6), text, f"calendar week {rel:+d} from the story date")

    if kind == "month_rel":
        rel = w.rel[g["rel"]]
        if story.precision == "year":
            return _coarse(story, text, f"relative month {rel:+d}")
        return _month(_add_months(s.replace(day=1), rel), text, f"month {rel:+d} from the story date")

    if kind == "year_rel":
        rel = w.rel[g["rel"]]
        return _year(s.year + rel, text, f"year {rel:+d} from the story date")

    if kind == "ago":
        n = _number(w, g.get("n")) or 1
        unit = w.units[g["unit"]]
        d = _shift(s, -n, unit)
        if unit in ("day", "week"):
            if story.precision != "day":
                return _coarse(story, text, f"{n} {unit}(s) before")
            return _day(d, text, f"{n} {unit}(s) before the story date" + (" (approximate)" if unit == "week" else ""))
        if unit == "month":
            if story.precision == "year":
                return _coarse(story, text, f"{n} month(s) before")
            return _month(d, text, f"{n} month(s) before the story date")
        return _year(d.year, text, f"{n} year(s) before the story date")

    if kind in ("future_span", "past_span"):
        unit = w.units[g["unit"]]
        n = _number(w, g.get("n")) or DEFAULT_SPAN[unit]
        if kind == "future_span":
            return _range(s + dt.timedelta(days=1), _shift(s, n, unit), text,
                          f"future span of {n} {unit}(s) after the story date")
        return _range(_shift(s, -n, unit), s, text, f"past span of {n} {unit}(s) up to the story date")

    return _unknown(text, f"no rule for {kind}")


# -- matching --------------------------------------------------------------------------------
_MAX_ANCHORS = 500  # strings per anchor set; larger sets are not worth checking


def _literal_strings(items) -> frozenset[str] | None:  # type: ignore[no-untyped-def]
    """The strings a parsed regex sequence can match, if they are few and literal (else None)."""
    out = {""}
    for op, av in items:
        alts: set[str] | frozenset[str] | None
        if op is _sre.LITERAL:
            alts = {chr(av)}
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
            alts = _literal_strings(av[3])
        elif op is _sre.BRANCH:
            alts = set()
            for branch in av[1]:
                got = _literal_strings(branch)
                if got is None:
                    return None
                alts |= got
        elif op is _sre.IN and all(o is _sre.LITERAL for o, _ in av):
            alts = {chr(c) for _, c in av}
        else:
            return None
        if alts is None:
            return None
        out = {a + b for a in out for b in alts}
        if len(out) > _MAX_ANCHORS:
            return None
    return frozenset(out)


@functools.lru_cache(maxsize=256)
def _anchors(rx: re.Pattern) -> tuple[frozenset[str], ...]:
    """Sets of strings of which every match of `rx` must contain one (each set), found from runs of
    required literal parts of the pattern ("Wochenende", a weekday name): a text without one of
    them has no match, and the scan for that pattern is skipped. Empty when nothing is sure."""
    if rx.flags & re.IGNORECASE:
        return ()
    try:
        items = list(_sre_parse.parse(rx.pattern, rx.flags))
    except Exception:  # noqa: BLE001 - an unparsable pattern just gets no anchors
        return ()
    sets: list[frozenset[str]] = []
    run: set[str] = {""}

    def close() -> None:
        if run != {""} and "" not in run:
            sets.append(frozenset(run))

    for item in items:
        got = _literal_strings([item])
        if got is None or "" in got or len({a + b for a in run for b in got}) > _MAX_ANCHORS:
            close()
            run = set(got) if got is not None and "" not in got and len(got) <= _MAX_ANCHORS else {""}
        else:
            run = {a + b for a in run for b in got}
    close()
    return tuple(sets)


def _may_match(rx: re.Pattern, text: str) -> bool:
    return all(any(a in text for a in anchor) for anchor in _anchors(rx))


def _matches(text: str, w: DateWords, *, require_year_cue: bool) -> list[tuple[int, int, str, re.Match]]:
    """Non-overlapping date expressions: earliest start first, then longest, then pattern order."""
    found: list[tuple[int, int, int, str, re.Match]] = []
    for order, (kind, rx) in enumerate(w.patterns):
        if not _may_match(rx, text):
            continue  # a required word of the pattern is not in the text
        for m in rx.finditer(text):
            if m.end() == m.start():
                continue
            if kind == "bare_year" and require_year_cue and not _year_cued(text, m, w):
                continue
            found.append((m.start(), -(m.end() - m.start()), order, kind, m))
    found.sort(key=lambda t: t[:3])
    out: list[tuple[int, int, str, re.Match]] = []
    last_end = -1
    for start, neg_len, _order, kind, m in found:
        if start >= last_end:
            out.append((start, start - neg_len, kind, m))
            last_end = start - neg_len
    return out


def _year_cued(text: str, m: re.Match, w: DateWords) -> bool:
    before = text[: m.start()].rstrip().rsplit(None, 2)
    if before and before[-1].casefold().strip("(,") in w.year_cues:
        return True
    if len(before) >= 2 and before[-1].casefold() in w.year_coords and re.fullmatch(r"(1[89]|20)\d\d,?", before[-2]):
        return True  # "2021 und 2020"
    after = text[m.end():]
    return not after.strip() or after.lstrip()[:1] in ".,;:)!?"


def _with_since(text: str, start: int, end: int, ed: EventDate, w: DateWords,
                story: StoryDate | None) -> tuple[int, EventDate]:
    """'seit 2014', 'since March': a range from the expression's start to the story date."""
    before = w.since_before.search(text[max(0, start - 12): start])
    inside = w.since_start.match(text[start:end])
    if not (before or inside) or ed.date is None or story is None:
        return start, ed
    new_start = start - len(before.group(0)) if before else start
    begin = ed.date if ed.precision in ("day", "range") else ed.date + ("-01" if len(ed.date) == 7 else "-01-01")
    return new_start, EventDate(date=begin, precision="range", end=story.day.isoformat(),
                                text=text[new_start:end].strip(), rule=f"since ({ed.rule}) until the story date")


def resolve(text: str, story_date: str | EventDate | None = None, lang: str = "de", *,
            future: bool = False) -> EventDate:
    """Resolve the first date expression in `text` against the story date.

    `future=True` (a future-tense sentence) turns bare weekdays and months forward.
    Returns precision "unknown" when `text` holds no date expression; never raises on text.
    """
    w = date_words(lang)
    story = _story(story_date)
    text = text if isinstance(text, str) else str(text)
    found = _matches(text, w, require_year_cue=False)
    if not found:
        return _unknown(text, "no date expression")
    start, end, kind, m = found[0]
    ed = _interpret(kind, m, w, story, future=future)
    _, ed = _with_since(text, start, end, ed, w, story)
    return ed


def find_dates(doc, *, story_date: str | EventDate | None, lang: str,
               future: bool = False) -> list[tuple[int, int, EventDate]]:
    """Every date expression in `doc` (a spaCy Doc or a string), as (start, end, EventDate);
    offsets are characters in `doc.text`."""
    text = doc if isinstance(doc, str) else doc.text
    w = date_words(lang)
    story = _story(story_date)
    out = []
    for start, end, kind, m in _matches(text, w, require_year_cue=True):
        ed = _interpret(kind, m, w, story, future=future)
        start, ed = _with_since(text, start, end, ed, w, story)
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        trail = len(text[start:end]) - len(text[start:end].rstrip())
        out.append((start + lead, end - trail, ed))
    return out
