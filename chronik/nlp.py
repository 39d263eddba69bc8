"""Load the shipped spaCy pipeline for a language (the one place that knows where models live)."""
from __future__ import annotations

import functools
import warnings
from pathlib import Path

import spacy
from spacy.language import Language

from chronik.errors import ChronikWarning, error, warning_text

SUPPORTED = ("de", "en")
MODELS_DIR = Path(__file__).parent / "models"


def model_path(lang: str) -> Path:
    return MODELS_DIR / lang


def has_trained(lang: str) -> bool:
    return (model_path(lang) / "meta.json").exists()


def check_lang(lang: str) -> str:
    lang = (lang or "").lower()
    if lang not in SUPPORTED:
        raise error("E010", lang=lang, supported=", ".join(SUPPORTED))
    return lang


@functools.cache
def load(lang: str) -> Language:
    """The pipeline for `lang`, loaded once per process: the trained one if shipped, else blank + rules."""
    lang = check_lang(lang)
    path = model_path(lang)
    if has_trained(lang):
        try:
            return spacy.load(path)
        except Exception as exc:  # any load failure is a broken install, reported as such
            raise error("E020", lang=lang, path=path, detail=exc) from exc
    warnings.warn(warning_text("W002", lang=lang), ChronikWarning, stacklevel=2)
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()
    except (ValueError, OSError):
        pass  # lemma tables missing: rules fall back to lower-cased forms
    return nlp


@functools.cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """Best guess of the language of `text` (ISO 639-1) and its probability, offline."""
    lang, prob = _identifier().classify(text[:5000])
    return lang, float(prob)
