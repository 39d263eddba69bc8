"""The 'fast' pipeline profile: shipped beside the accurate one, chosen per run, recorded per article."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from chronik.errors import ChronikError
from chronik.io.readers import make_article
from chronik.nlp import MODELS_DIR, has_trained, load, model_path
from chronik.pipeline import CoderOptions, coder_for

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "eval" / "seed_article.txt"
FAST = CoderOptions(pipeline="fast")

pytestmark = pytest.mark.skipif(not all(has_trained(lang, "fast") for lang in ("de", "en")),
                                reason="fast pipelines not built (python training/train.py LANG --profile fast)")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fast_pipeline_is_the_smaller_network_with_its_licence(lang: str) -> None:
    path = model_path(lang, "fast")
    assert path == MODELS_DIR / f"{lang}_fast"
    assert "ShareAlike 4.0" in (path / "LICENSE").read_text(encoding="utf-8")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "fast"
    fast, accurate = load(lang, "fast"), load(lang)
    assert fast is not accurate
    assert fast.pipe_names == accurate.pipe_names  # same components, smaller network
    width = fast.get_pipe("tok2vec").model.get_dim("nO")
    assert width < accurate.get_pipe("tok2vec").model.get_dim("nO")
    assert fast.config["components"]["parser"]["model"]["hidden_width"] < \
        accurate.config["components"]["parser"]["model"]["hidden_width"]


def test_fast_coder_codes_the_seed_article_and_says_which_network_did() -> None:
    text = SEED.read_text(encoding="utf-8")
    coded = coder_for("de", FAST).code(make_article(text, id="seed", lang="de"))
    assert coded.coder_version.endswith("+fast")
    assert coded.statements, "the fast pipeline still finds the quotes"
    assert any(a.code == "DNK" for e in coded.events for a in e.actor)
    assert coder_for("de").code(make_article(text, id="seed", lang="de")).coder_version == coded.coder_version[:-5]


def test_ingest_with_the_fast_pipeline_records_it_in_the_store(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("Die Regierung in Berlin kritisierte am Montag die Sanktionen gegen Russland.", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    res = subprocess.run([sys.executable, "-m", "chronik", "ingest", str(src), "--db", str(db), "--lang", "de",
                          "--pipeline", "fast"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT coder_version FROM articles").fetchall() == [("0.1.0+fast",)]


def test_a_missing_profile_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("chronik.nlp.MODELS_DIR", tmp_path)  # an install without the fast pipelines
    load.cache_clear()
    try:
        with pytest.raises(ChronikError, match="E022.*--profile fast"):
            load("de", "fast")
    finally:
        load.cache_clear()
