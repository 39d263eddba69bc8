"""The whole path on real components: shipped pipeline, actor layer, coder, DuckDB, CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import chronik
from chronik.io.readers import read_path
from chronik.pipeline import code_article

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def seed():  # type: ignore[no-untyped-def]
    (article,) = list(read_path(EXAMPLES / "seed_article.txt"))
    return code_article(article)


def dyads(coded) -> set[tuple[str, frozenset, frozenset]]:  # type: ignore[no-untyped-def]
    return {(e.type, frozenset(a.code for a in e.actor), frozenset(r.code for r in e.recipient)) for e in coded.events}


def test_seed_main_events(seed) -> None:  # type: ignore[no-untyped-def]
    got = dyads(seed)
    assert ("CONSULT", frozenset({"DNK"}), frozenset({"USA"})) in got
    assert any(t == "SUPPORT" and a == frozenset({"USA"}) for t, a, _ in got)


def test_every_event_explains_itself(seed) -> None:  # type: ignore[no-untyped-def]
    text = seed.article.text
    for e in seed.events:
        ev = e.evidence
        assert text[ev.sent_start : ev.sent_end] == ev.sentence
        assert ev.sent_start <= ev.start < ev.end <= ev.sent_end
        assert ev.rule.startswith("de:") and ev.notes
        assert e.id.startswith(seed.article.id)
        for a in e.actor + e.recipient:
            assert text[a.start : a.end] == a.text


def test_statements_have_speakers(seed) -> None:  # type: ignore[no-untyped-def]
    speakers = {(s.speaker.code if s.speaker else None, s.kind) for s in seed.statements}
    assert ("DNK", "indirect") in speakers
    for s in seed.statements:
        assert seed.article.text[s.content_start : s.content_end] == s.content


def test_public_api_code_english() -> None:
    coded = chronik.code("The European Union imposed new sanctions against Russia on Monday.", date="2022-03-01")
    assert coded.article.lang == "en"
    assert any(e.type == "SANCTION" and {r.code for r in e.recipient} == {"RUS"} for e in coded.events)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chronik", *args], input=stdin, capture_output=True, text=True,
                          timeout=600, cwd=ROOT)


def test_cli_ingest_resume_query_export(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    first = run("ingest", str(EXAMPLES), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "stored 18" in first.stdout or "stored" in first.stdout
    again = run("ingest", str(EXAMPLES), "--db", str(db))
    assert again.returncode == 0 and "stored 0" in again.stdout and "already stored" in again.stdout
    ev = run("events", "--db", str(db), "--actor", "DNK", "--type", "CONSULT", "--format", "jsonl")
    rows = [json.loads(x) for x in ev.stdout.splitlines()]
    assert rows and all(r["type"] == "CONSULT" and "DNK" in r["actor_codes"] for r in rows)
    st = run("statements", "--db", str(db), "--speaker", "Frederiksen", "--format", "json")
    assert json.loads(st.stdout)
    for fmt in ("csv", "jsonl", "plover", "geojson", "tsv"):
        res = run("export", "--db", str(db), "--format", fmt, "--out", str(tmp_path / f"e.{fmt}"))
        assert res.returncode == 0, res.stderr
        assert (tmp_path / f"e.{fmt}").stat().st_size > 0
    res = run("export", "--db", str(db), "--format", "parquet", "--out", str(tmp_path / "e.parquet"))
    assert res.returncode == 0, res.stderr
    import duckdb

    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{tmp_path / 'e.parquet'}')").fetchone()[0]
    assert n > 0


def test_cli_code_stdin_formats() -> None:
    res = run("code", "-", "--format", "jsonl", "--lang", "de",
              stdin="Russland griff am Donnerstag die Ukraine an.")
    assert res.returncode == 0, res.stderr
    (rec,) = [json.loads(x) for x in res.stdout.splitlines()]
    assert rec["article"]["lang"] == "de"
    res = run("code", str(EXAMPLES / "seed_article.txt"), "--explain")
    assert res.returncode == 0 and "pattern" in res.stdout and "sentence" in res.stdout


def test_ingest_caps_duckdb_memory_on_request(tmp_path: Path) -> None:
    from chronik.store import open_store

    with open_store(tmp_path / "m.duckdb", memory_mb=128) as store:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "").lower() in ("128.0mib", "122.0mib", "128mb"), limit
    (tmp_path / "de.txt").write_text("Die Regierung kritisierte die Sanktionen gegen Russland.", encoding="utf-8")
    res = run("ingest", str(tmp_path / "de.txt"), "--db", str(tmp_path / "x.duckdb"), "--db-memory", "128")
    assert res.returncode == 0 and "stored 1" in res.stdout, res.stderr
    res = run("ingest", str(tmp_path / "de.txt"), "--db", str(tmp_path / "y.duckdb"), "--db-memory", "8")
    assert res.returncode == 2 and "--db-memory" in res.stderr


def test_unknown_language_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "fr.txt").write_text("Le gouvernement français a critiqué les sanctions contre la Russie.", encoding="utf-8")
    (tmp_path / "de.txt").write_text("Die Regierung kritisierte die Sanktionen gegen Russland.", encoding="utf-8")
    res = run("ingest", str(tmp_path), "--db", str(tmp_path / "x.duckdb"))
    assert res.returncode == 0
    assert "E005" in res.stderr and "stored 1" in res.stdout


@pytest.mark.skipif(not (SHARED / "eval" / "seed.jsonl").exists(), reason="shared/eval not present")
def test_eval_on_seed_json() -> None:
    res = run("eval", str(SHARED / "eval" / "seed.jsonl"), "--json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["articles"] == 1
    assert report["events"]["type"]["tp"] >= 3


def test_implied_actor_keeps_its_label_in_article_offsets() -> None:
    from chronik.io.readers import make_article

    text = "Brüssel – Der Verdächtige wurde am Sonntag  festgenommen.\n\nEr soll einen Anschlag geplant haben."
    coded = code_article(make_article(text, lang="de", date="2016-03-27"))
    implied = [a for e in coded.events for a in e.actor if a.kind == "implied"]
    assert implied and all(a.text.startswith("(") and a.start == a.end for a in implied), \
        [(e.type, [(a.text, a.kind) for a in e.actor]) for e in coded.events]


def test_new_words_do_not_stay_in_the_vocabulary_after_their_batch() -> None:
    """Long runs stay flat: a batch's unseen words leave spaCy's string store when it ends, and coding
    the same articles again gives the same records (nothing kept refers to a dropped string)."""
    from chronik.io.readers import make_article
    from chronik.pipeline import coder_for

    coder = coder_for("de")
    names = ", ".join(f"Zqx{chr(97 + i)}{chr(97 + j)}ow" for i in range(10) for j in range(10))
    texts = [f"Die Regierung in Berlin kritisierte am Montag {names}.", "Dänemark leitet Verhandlungen mit den USA ein."]
    before = len(coder.nlp.vocab.strings)
    first = [c.to_json() for c in coder.code_many([make_article(t, id=f"z{i}", lang="de") for i, t in enumerate(texts)])]
    assert len(coder.nlp.vocab.strings) == before
    again = [c.to_json() for c in coder.code_many([make_article(t, id=f"z{i}", lang="de") for i, t in enumerate(texts)])]
    assert first == again and "Zqxaaow" in first[0]
