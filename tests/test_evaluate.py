"""Tests for chronik.evaluate: hand-made gold files, hand-built system records, hand-computed scores."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from rich.console import Console

from chronik.errors import ChronikWarning, InputError
from chronik.evaluate import (
    GoldArticle,
    format_report,
    gold_as_system,
    load_gold,
    score,
    token_f1,
)
from chronik.model import Article, CodedArticle, Entity, Event, Evidence, Statement

GOLD = Path(__file__).parent / "data" / "gold"
SHARED = Path("/work/shared/eval")


# --------------------------------------------------------------------------- builders


def ent(code: str | None, sector: str | None = None) -> Entity:
    return Entity(text=code or sector or "someone", code=code, sector=sector)


def evidence(text: str, sentence: str, trigger: str, *, occurrence: int = 1) -> Evidence:
    """Evidence for `trigger` inside the `occurrence`-th copy of `sentence` in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.index(sentence, start + 1)
    t_start = text.index(trigger, start)
    return Evidence(
        article_id="", sentence_index=0, sentence=sentence, sent_start=start, sent_end=start + len(sentence),
        start=t_start, end=t_start + len(trigger), trigger=trigger, rule="test",
    )


def event(text: str, sentence: str, trigger: str, etype: str, actor: list[Entity], recipient: list[Entity],
          *, aux: tuple[str, ...] = (), occurrence: int = 1) -> Event:
    return Event(type=etype, actor=actor, recipient=recipient, aux=list(aux),
                 evidence=evidence(text, sentence, trigger, occurrence=occurrence))


def statement(text: str, sentence: str, speaker: Entity | None, content: str, kind: str) -> Statement:
    start = text.index(content)
    return Statement(speaker=speaker, content=content, content_start=start, content_end=start + len(content),
                     kind=kind, evidence=evidence(text, sentence, content))


def coded(gold: GoldArticle, events: list[Event], statements: list[Statement] = ()) -> CodedArticle:
    return CodedArticle(article=Article(id=gold.id, text=gold.text), events=events, statements=list(statements))


def by_id(path: Path) -> dict[str, GoldArticle]:
    return {a.id: a for a in load_gold(path)}


def prf(block: dict) -> tuple:
    return block["tp"], block["fp"], block["fn"], block["p"], block["r"], block["f1"]


# --------------------------------------------------------------------------- the mixed exhaustive article


def basic_system(gold: GoldArticle) -> CodedArticle:
    t = gold.text
    return coded(gold, [
        # s1: full match of gold ACCUSE DEU/GOV -> RUS/GOV
        event(t, "Germany accused Russia of lying.", "accused", "ACCUSE", [ent("DEU", "GOV")], [ent("RUS", "GOV")]),
        # s2: the same event again: one-to-one pairing leaves it a false positive
        event(t, "Germany accused Russia of lying.", "accused", "ACCUSE", [ent("DEU", "GOV")], [ent("RUS", "GOV")]),
        # s3: CONSULT with the same codes in another order, recipient sector wrong: dyad, not full
        event(t, "France and Germany met Poland.", "met", "CONSULT",
              [ent("DEU", "GOV"), ent("FRA", "GOV")], [ent("POL", "MIL")]),
        # s4: PROTEST, but the gold recipient is empty and this one is not: type only
        event(t, "Protesters marched in Paris.", "marched", "PROTEST", [ent(None, "CVL")], [ent("FRA", "GOV")]),
        # s5: in a sentence with no gold event
        event(t, "Nothing happened here.", "happened", "ASSAULT", [ent("FRA", "GOV")], []),
        # s6: gold says ASSAULT: wrong type
        event(t, "Police beat protesters in Lyon.", "beat", "COERCE", [ent("FRA", "COP")], []),
    ], [
        # u1: matches the minister's statement; content has one extra token
        statement(t, "The minister said that talks would continue.", ent("FRA", "GOV"),
                  "that talks would continue", "indirect"),
        # u2: right speaker, wrong kind (gold: direct)
        statement(t, 'Berlin said: "We will respond."', ent("DEU", "GOV"), "We will respond.", "indirect"),
        # u3: in a sentence without gold statement
        statement(t, "Protesters marched in Paris.", None, "Paris", "indirect"),
    ])


def test_levels_on_exhaustive_article():
    gold = load_gold(GOLD / "basic.jsonl")
    result = score(gold, {"t-basic": basic_system(gold[0])}).to_dict()
    assert result["articles"] == 1 and result["exhaustive_articles"] == 1
    # gold 5 events, system 6. type pairs: E1-s1, E2-s3, E3-s4 -> tp 3; fp s2 s5 s6 = 3; fn AGREE, ASSAULT = 2
    # p = 3/6 = .5, r = 3/5 = .6, f1 = 2*.5*.6/1.1 = .5455
    assert prf(result["events"]["type"]) == (3, 3, 2, 0.5, 0.6, 0.5455)
    # dyad pairs: E1-s1, E2-s3 -> tp 2, fp 4, fn 3
    # p = 2/6 = .3333, r = 2/5 = .4, f1 = 2*(1/3)*.4/(1/3+.4) = 4/11 = .3636
    assert prf(result["events"]["dyad"]) == (2, 4, 3, 0.3333, 0.4, 0.3636)
    # full pairs: E1-s1 -> tp 1, fp 5, fn 4; p = 1/6 = .1667, r = 1/5 = .2, f1 = 2/11 = .1818
    assert prf(result["events"]["full"]) == (1, 5, 4, 0.1667, 0.2, 0.1818)


def test_per_type_and_confusion():
    gold = load_gold(GOLD / "basic.jsonl")
    result = score(gold, {"t-basic": basic_system(gold[0])}).to_dict()
    per_type = {t: prf(v) for t, v in result["per_type"].items()}
    assert per_type == {
        "AGREE": (0, 0, 1, 0.0, 0.0, 0.0),       # missed; nothing predicted but gold had one -> p 0
        "CONSULT": (1, 0, 0, 1.0, 1.0, 1.0),
        "ACCUSE": (1, 1, 0, 0.5, 1.0, 0.6667),   # s1 tp, s2 fp: p 1/2, r 1/1, f1 2*.5/1.5
        "PROTEST": (1, 0, 0, 1.0, 1.0, 1.0),
        "COERCE": (0, 1, 0, 0.0, 0.0, 0.0),      # only predicted; no gold COERCE -> r 0 (not both empty)
        "ASSAULT": (0, 1, 1, 0.0, 0.0, 0.0),     # s5 spurious, gold ASSAULT missed (typed COERCE)
    }
    # confusion pairs by dyad overlap regardless of type: S1 E1-s1 (s2 left over), S2 E2-s3 (overlap 2 beats
    # AGREE's 0.5+1), S3 E3-s4, S6 ASSAULT-COERCE; s5 is outside every gold sentence.
    assert result["confusion"] == {
        "AGREE": {"-": 1},
        "CONSULT": {"CONSULT": 1},
        "ACCUSE": {"ACCUSE": 1},
        "PROTEST": {"PROTEST": 1},
        "ASSAULT": {"COERCE": 1},
        "-": {"ACCUSE": 1, "ASSAULT": 1},
    }


def test_statements_speaker_kind_and_content():
    gold = load_gold(GOLD / "basic.jsonl")
    result = score(gold, {"t-basic": basic_system(gold[0])}).to_dict()["statements"]
    # u1 matches; u2 wrong kind (fp + fn); u3 outside gold statement sentences (fp)
    # tp 1, fp 2, fn 1: p = 1/3, r = 1/2, f1 = 2*(1/3)*(1/2)/(5/6) = .4
    assert prf(result["speaker"]) == (1, 2, 1, 0.3333, 0.5, 0.4)
    # u1 content: gold {talks would continue} vs {that talks would continue}: p 3/4, r 3/3, f1 = 1.5/1.75 = 6/7
    assert result["content_f1"] == 0.8571


def test_missing_system_output_is_no_output():
    gold = load_gold(GOLD / "basic.jsonl")
    result = score(gold, {"other-id": basic_system(gold[0])}).to_dict()
    # nothing predicted: tp 0, fp 0, fn 5; p 0 because gold had events, r 0, f1 0
    assert prf(result["events"]["type"]) == (0, 0, 5, 0.0, 0.0, 0.0)
    # statements: fn 2, same zeros; no matched pair, so no content F1
    assert prf(result["statements"]["speaker"]) == (0, 0, 2, 0.0, 0.0, 0.0)
    assert result["statements"]["content_f1"] is None


# --------------------------------------------------------------------------- null codes and empty recipients


def test_null_codes_left_out():
    gold = by_id(GOLD / "codes.jsonl")["t-null"]
    t = gold.text
    system = coded(gold, [
        # gold actor {(None, CVL), (FRA, GOV)}: codes {FRA} equal -> dyad; (None, CVL) missing here -> not full
        event(t, "Protesters and French officials blocked a road.", "blocked", "COERCE", [ent("FRA", "GOV")], []),
        # gold "Someone" has neither code nor sector: left out at both levels -> full
        event(t, "Someone and Britain signed a deal with Spain.", "signed", "AGREE",
              [ent("GBR", "GOV")], [ent("ESP", "GOV")]),
        # gold actor and recipient have neither: all sets empty on both sides -> full
        event(t, "Gunmen attacked a convoy.", "attacked", "ASSAULT", [], []),
    ], [
        # no speaker at all matches a gold speaker with a null code
        statement(t, "Witnesses said the convoy was hit.", None, "the convoy was hit", "indirect"),
    ])
    result = score([gold], {gold.id: system}).to_dict()
    assert prf(result["events"]["type"]) == (3, 0, 0, 1.0, 1.0, 1.0)
    assert prf(result["events"]["dyad"]) == (3, 0, 0, 1.0, 1.0, 1.0)
    # full: tp 2 (AGREE, ASSAULT), fp 1, fn 1 (COERCE): p = r = f1 = 2/3
    assert prf(result["events"]["full"]) == (2, 1, 1, 0.6667, 0.6667, 0.6667)
    assert prf(result["statements"]["speaker"]) == (1, 0, 0, 1.0, 1.0, 1.0)
    assert result["statements"]["content_f1"] == 1.0


def test_null_speaker_code_does_not_match_a_coded_speaker():
    gold = by_id(GOLD / "codes.jsonl")["t-null"]
    t = gold.text
    system = coded(gold, [], [statement(t, "Witnesses said the convoy was hit.", ent("GBR", "CVL"),
                                        "the convoy was hit", "indirect")])
    # gold speaker code null, system GBR: tp 0, fp 1, fn 1
    assert prf(score([gold], {gold.id: system}).to_dict()["statements"]["speaker"]) == (0, 1, 1, 0.0, 0.0, 0.0)


def test_empty_recipient_matches_only_empty_recipient():
    gold = by_id(GOLD / "codes.jsonl")["t-empty"]
    t = gold.text
    system = coded(gold, [
        # gold IRN -> ISR, system IRN -> (none): type only
        event(t, "Iran warned Israel.", "warned", "THREATEN", [ent("IRN", "GOV")], []),
        # gold ISR -> (none), system ISR -> USA: type only
        event(t, "Israel warned.", "warned", "THREATEN", [ent("ISR", "GOV")], [ent("USA", "GOV")]),
        # gold TUR -> (none), system TUR -> (none): full
        event(t, "Turkey protested.", "protested", "PROTEST", [ent("TUR", "GOV")], []),
    ])
    result = score([gold], {gold.id: system}).to_dict()["events"]
    assert prf(result["type"]) == (3, 0, 0, 1.0, 1.0, 1.0)
    # dyad and full: tp 1, fp 2, fn 2: p = r = f1 = 1/3
    assert prf(result["dyad"]) == (1, 2, 2, 0.3333, 0.3333, 0.3333)
    assert prf(result["full"]) == (1, 2, 2, 0.3333, 0.3333, 0.3333)


# --------------------------------------------------------------------------- locating records


def test_repeated_sentence_takes_occurrence_in_annotation_order():
    gold = by_id(GOLD / "location.jsonl")["t-dup"]
    second = gold.text.index("Russia shelled Kharkiv.", 1)
    assert [(e.start, e.end) for e in gold.events] == [(0, 23), (24, 50), (second, second + 23)]


@pytest.mark.parametrize(
    ("occurrence", "expected_full"),
    [
        # at the 2nd copy the system event (recipient UKR/MIL) meets gold event 3 (UKR/MIL): full tp 1, fn 2
        (2, (1, 0, 2)),
        # at the 1st copy it meets gold event 1 (UKR/CVL): dyad only, so full tp 0, fp 1, fn 3
        (1, (0, 1, 3)),
    ],
)
def test_repeated_sentence_system_side(occurrence, expected_full):
    gold = by_id(GOLD / "location.jsonl")["t-dup"]
    system = coded(gold, [event(gold.text, "Russia shelled Kharkiv.", "shelled", "ASSAULT",
                                [ent("RUS", "MIL")], [ent("UKR", "MIL")], occurrence=occurrence)])
    result = score([gold], {gold.id: system}).to_dict()["events"]
    # either way one ASSAULT pairs by type: tp 1, fp 0, fn 2 (the other ASSAULT, the ACCUSE)
    assert prf(result["type"])[:3] == (1, 0, 2)
    assert prf(result["full"])[:3] == expected_full


@pytest.mark.parametrize(
    ("trigger_valid", "expected_type"),
    [
        # trigger "threatened" lies in gold sentence 1: tp 1, fn 1 (REJECT)
        (True, (1, 0, 1)),
        # no usable trigger: the merged span overlaps sentence 2 (longer) most; no THREATEN there: fp 1, fn 2
        (False, (0, 1, 2)),
    ],
)
def test_merged_sentence_placed_by_trigger(trigger_valid, expected_type):
    gold = by_id(GOLD / "location.jsonl")["t-merge"]
    merged = event(gold.text, "Iran threatened Israel.", "threatened", "THREATEN",
                   [ent("IRN", "GOV")], [ent("ISR", "GOV")])
    merged.evidence.sent_start, merged.evidence.sent_end = 0, len(gold.text)  # the system's splitter merged both
    if not trigger_valid:
        merged.evidence.start = merged.evidence.end = -1
    result = score([gold], {gold.id: coded(gold, [merged])}).to_dict()["events"]
    assert prf(result["type"])[:3] == expected_type


# --------------------------------------------------------------------------- non-exhaustive records


def nonexhaustive_system(gold: dict[str, GoldArticle]) -> dict[str, CodedArticle]:
    t = gold["t-ne1"].text
    s = "Hungary and Romania agreed to cooperate and criticised Serbia."
    return {"t-ne1": coded(gold["t-ne1"], [
        event(t, s, "agreed", "AGREE", [ent("HUN", "GOV"), ent("ROU", "GOV")], []),
        # not annotated in gold, but the record is not exhaustive: not a false positive
        event(t, s, "criticised", "ACCUSE", [ent("HUN", "GOV"), ent("ROU", "GOV")], [ent("SRB", "GOV")]),
    ])}  # t-ne2 has no output


def test_non_exhaustive_counts_recall_only():
    gold = by_id(GOLD / "nonexhaustive.jsonl")
    result = score(list(gold.values()), nonexhaustive_system(gold)).to_dict()
    assert result["exhaustive_articles"] == 0
    # AGREE found, SANCTION missed, ACCUSE ignored: tp 1, fp 0, fn 1; r = 1/2; p and f1 null
    assert prf(result["events"]["type"]) == (1, 0, 1, None, 0.5, None)
    assert prf(result["events"]["full"]) == (1, 0, 1, None, 0.5, None)
    assert result["per_type"] == {
        "AGREE": {"p": None, "r": 1.0, "f1": None, "tp": 1, "fp": 0, "fn": 0},
        "SANCTION": {"p": None, "r": 0.0, "f1": None, "tp": 0, "fp": 0, "fn": 1},
    }
    # no spurious row: the ACCUSE is not counted against a non-exhaustive record
    assert result["confusion"] == {"AGREE": {"AGREE": 1}, "SANCTION": {"-": 1}}


def test_mixed_sets_take_precision_from_exhaustive_records_only():
    basic = load_gold(GOLD / "basic.jsonl")
    ne = by_id(GOLD / "nonexhaustive.jsonl")
    system = {"t-basic": basic_system(basic[0]), **nonexhaustive_system(ne)}
    result = score([*basic, *ne.values()], system).to_dict()
    assert (result["articles"], result["exhaustive_articles"]) == (3, 1)
    # tp 3 + 1 = 4, fp 3 (exhaustive only), fn 2 + 1 = 3
    # p = exhaustive tp 3 / (3 + 3) = .5; r = 4/7 = .5714; f1 = 2*.5*.5714/1.0714 = .5333
    assert prf(result["events"]["type"]) == (4, 3, 3, 0.5, 0.5714, 0.5333)


# --------------------------------------------------------------------------- content F1


@pytest.mark.parametrize(
    ("gold", "system", "expected"),
    [
        ("talks would continue", "that talks would continue", 6 / 7),  # p 3/4, r 1
        ("We will respond.", "we will RESPOND", 1.0),  # case and punctuation ignored
        ("Kiew, Moskau und Minsk", "Moskau-Minsk", 2 / 3),  # {kiew moskau und minsk} vs {moskau minsk}: p 1, r 1/2
        ("a b", "c", 0.0),
        ("", "", 1.0),
    ],
)
def test_token_f1(gold, system, expected):
    assert token_f1(gold, system) == pytest.approx(expected)


# --------------------------------------------------------------------------- reading gold


def test_bad_gold_line_names_the_line():
    with pytest.raises(InputError) as info:
        load_gold(GOLD / "bad_type.jsonl")
    assert info.value.code == "E012"
    assert "line 2" in str(info.value) and "FIGHT" in str(info.value)


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ('{"id": "x", "text": "A b.", "events": [}', "bad JSON"),
        ("[1, 2]", "one JSON object"),
        ('{"id": "x", "events": []}', "'text'"),
        ('{"id": "x", "text": "A b.", "events": [{"sentence": "C d.", "type": "AGREE", "actor": [], "recipient": []}]}',
         "not a substring"),
        ('{"id": "x", "text": "A b.", "events": [{"sentence": "A b.", "type": "AGREE", "actor": []}]}', "'recipient'"),
        ('{"id": "x", "text": "A b.", "events": [{"sentence": "A b.", "type": "AGREE", "actor": [], "recipient": [],'
         ' "aux": ["maybe"]}]}', "aux"),
        ('{"id": "x", "text": "A b.", "statements": [{"sentence": "A b.", "speaker": null, "content": "b",'
         ' "kind": "quoted"}]}', "kind"),
        ('{"id": "x", "text": "A b.", "exhaustive": "no"}', "exhaustive"),
    ],
)
def test_bad_gold_lines(tmp_path, line, fault):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "ok", "text": "Fine."}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[E012\].*line 3 .*" + fault.replace("[", r"\[")):
        load_gold(path)


def test_repeated_article_id_is_renamed_with_warning(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "x", "text": "One."}\n{"id": "x", "text": "Two."}\n', encoding="utf-8")
    with pytest.warns(ChronikWarning, match="W060"):
        gold = load_gold(path)
    assert [(a.id, a.text) for a in gold] == [("x", "One."), ("x#2", "Two.")]


# --------------------------------------------------------------------------- the shipped gold sets


@pytest.mark.parametrize(("name", "articles"), [("seed", 1), ("de_dev", 30), ("plover_gsr_en", 322)])
def test_shipped_gold_scores_perfect_against_itself(name, articles):
    path = SHARED / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gold = load_gold(path)
    # plover_gsr_en.jsonl uses the id PLOVER-GSR01-COERCE-0004 twice
    assert [str(w.message)[:6] for w in caught] == (["[W060]"] if name == "plover_gsr_en" else [])
    assert len(gold) == articles
    # through JSON and back, so the scorer sees the records exactly as a coder would hand them over
    system = {a.id: CodedArticle.from_json(gold_as_system(a).to_json()) for a in gold}
    result = score(gold, system).to_dict()
    exhaustive = all(a.exhaustive for a in gold)
    blocks = [*result["events"].values(), result["statements"]["speaker"], *result["per_type"].values()]
    for block in blocks:
        assert block["fp"] == 0 and block["fn"] == 0
        assert block["r"] == 1.0
        assert (block["p"], block["f1"]) == ((1.0, 1.0) if exhaustive else (None, None))
    assert result["events"]["full"]["tp"] == sum(len(a.events) for a in gold)
    assert set(result["per_type"]) == {e.type for a in gold for e in a.events}
    for gold_type, row in result["confusion"].items():
        assert row == {gold_type: result["per_type"][gold_type]["tp"]}
    if any(a.statements for a in gold):
        assert result["statements"]["content_f1"] == 1.0


def test_offsets_into_a_stripped_text_are_realigned():
    if not (SHARED / "seed.jsonl").exists():
        pytest.skip("seed.jsonl not present")
    gold = load_gold(SHARED / "seed.jsonl")
    system = gold_as_system(gold[0])
    lead = len(system.article.text) - len(system.article.text.lstrip())
    assert lead > 0  # the seed text starts with whitespace; a coder may strip it
    system.article.text = system.article.text.lstrip()
    for record in [*system.events, *system.statements]:
        ev = record.evidence
        ev.sent_start, ev.sent_end = ev.sent_start - lead, ev.sent_end - lead
        ev.start, ev.end = ev.start - lead, ev.end - lead
    result = score(gold, {gold[0].id: system}).to_dict()
    assert result["events"]["full"]["f1"] == 1.0
    assert result["statements"]["speaker"]["f1"] == 1.0


# --------------------------------------------------------------------------- terminal report


def test_format_report_renders_levels_types_and_confusion():
    gold = load_gold(GOLD / "basic.jsonl")
    report = score(gold, {"t-basic": basic_system(gold[0])})
    console = Console(record=True, width=160)
    console.print(format_report(report, per_type=True))
    out = console.export_text()
    assert "events: full" in out and "0.182" in out  # full F1 2/11
    assert "content token F1: 0.857" in out
    assert "COERCE" in out and "confusion" in out
    console = Console(record=True, width=160)
    console.print(format_report(report))
    assert "confusion" not in console.export_text()


def test_report_json_keys():
    gold = load_gold(GOLD / "basic.jsonl")
    result = json.loads(json.dumps(score(gold, {}).to_dict()))
    assert set(result) == {"articles", "exhaustive_articles", "events", "statements", "per_type", "confusion"}
    assert set(result["events"]) == {"type", "dyad", "full"}
    assert set(result["statements"]) == {"speaker", "content_f1"}
    assert set(result["events"]["type"]) == {"p", "r", "f1", "tp", "fp", "fn"}
