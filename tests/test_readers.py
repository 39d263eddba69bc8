"""Readers on real files: text with date header and dateline, folders, JSONL, CSV, RSS, stdin-like input."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from chronik.errors import ChronikError
from chronik.io.readers import ReadProblem, find_dateline, make_article, read_path

SEED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed_article.txt"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


def articles(items):  # type: ignore[no-untyped-def]
    return [x for x in items if not isinstance(x, ReadProblem)]


def problems(items):  # type: ignore[no-untyped-def]
    return [x for x in items if isinstance(x, ReadProblem)]


def test_seed_article_header_and_dateline() -> None:
    (a,) = list(read_path(EXAMPLES / "seed_article.txt"))
    assert a.date == "2022-02" and a.date_precision == "month"
    assert a.dateline == "KOPENHAGEN"
    assert a.text[a.body_start :].startswith("KOPENHAGEN: Dänemark")
    assert a.id == "seed_article" and len(a.content_hash) == 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KOPENHAGEN: Dänemark leitet", "KOPENHAGEN"),
        ("Kabul – Die Taliban haben", "Kabul"),
        ("WASHINGTON (Reuters) - The", "WASHINGTON"),
        ("Damaskus/Moskau – Syrien", "Damaskus/Moskau"),
        ("Berlin (dpa) - Die Regierung", "Berlin"),
        ("Das sagte er: Nein.", None),
        ("Die Regierung – so heißt es – plant", None),
    ],
)
def test_datelines(text: str, expected: str | None) -> None:
    assert find_dateline(text) == expected


def test_date_line_variants() -> None:
    a = make_article("date 2021-03-04\nBerlin – Die Regierung tagte.")
    assert a.date == "2021-03-04" and a.date_precision == "day" and a.dateline == "Berlin"
    b = make_article("Kein Datum hier.", date="2020")
    assert b.date == "2020" and b.date_precision == "year"


def test_folder_jsonl_csv_and_problems(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("date 2022-01-02\nBerlin – Die Polizei nahm zwei Männer fest.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Russland griff die Ukraine an.", "date": "2022-02-24", "lang": "de"})
        + "\n{not json\n"
        + json.dumps({"id": "j3", "text": "x", "date": "24.02.2022"}) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text("id,text,date\nc1,\"The army attacked the town.\",2022-03-01\n", encoding="utf-8")
    (tmp_path / "e.bin").write_bytes(b"\x00\x01\x02")
    items = list(read_path(tmp_path))
    got = {a.id: a for a in articles(items)}
    assert set(got) == {"a", "j1", "c1"}
    assert got["j1"].lang == "de" and got["c1"].date == "2022-03-01"
    codes = sorted(p.error.code for p in problems(items))
    assert codes == ["E003", "E004", "E006", "E007"]
    bad_line = [p for p in problems(items) if p.error.code == "E003"][0]
    assert bad_line.where.endswith(":2") and "Fix or remove" in str(bad_line.error)


def test_encodings(tmp_path: Path) -> None:
    text = "Der Außenminister kritisierte Österreich."
    (tmp_path / "latin1.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    got = sorted(a.text for a in articles(read_path(tmp_path)))
    assert got == [text] * 3


def test_gzip_jsonl_and_truncated(tmp_path: Path) -> None:
    good = tmp_path / "ok.jsonl.gz"
    with gzip.open(good, "wt", encoding="utf-8") as fh:
        for i in range(3):
            fh.write(json.dumps({"id": f"g{i}", "text": f"Die Regierung {i} tagte."}) + "\n")
    assert len(articles(read_path(good))) == 3
    data = good.read_bytes()
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(data[: len(data) // 2])
    items = list(read_path(broken))
    assert any(isinstance(x, ReadProblem) and x.error.code == "E015" for x in items)


def test_rss_feed(tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_text(
        """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <item><title>Regierung kritisiert Opposition</title><link>http://example.org/1</link>
        <description>&lt;p&gt;Die Regierung in Berlin kritisierte am Montag die Opposition scharf.&lt;/p&gt;</description>
        <pubDate>Mon, 07 Mar 2022 10:00:00 GMT</pubDate></item></channel></rss>""",
        encoding="utf-8",
    )
    (a,) = articles(read_path(feed))
    assert a.date == "2022-03-07" and a.url == "http://example.org/1"
    assert "kritisierte am Montag" in a.text and "<p>" not in a.text


def test_missing_path_is_a_clear_error() -> None:
    with pytest.raises(ChronikError, match=r"\[E001\].*Check the path"):
        list(read_path("/no/such/file.txt"))


def test_control_characters_are_dropped() -> None:
    a = make_article("Die\x07 Regierung\x1b tagte.\u200f")
    assert a.text.startswith("Die Regierung tagte")
