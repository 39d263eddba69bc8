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
# Pipeline profiles: "accurate" (default) ships as models/<lang>, "fast" as models/<lang>_fast: the same
# components and data with a smaller network (training/train.py --profile fast; docs/performance.md).
PROFILES = ("accurate", "fast")
DEFAULT_PROFILE = "accurate"


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise error("E016", value=profile, choices=", ".join(PROFILES))
    return profile


def model_path(lang: str, profile: str = DEFAULT_PROFILE) -> Path:
    return MODELS_DIR / (lang if check_profile(profile) == DEFAULT_PROFILE else f"{lang}_{profile}")


def has_trained(lang: str, profile: str = DEFAULT_PROFILE) -> bool:
    return (model_path(lang, profile) / "meta.json").exists()


def check_lang(lang: str) -> str:
    lang = (lang or "").lower()
    if lang not in SUPPORTED:
        raise error("E010", lang=lang, supported=", ".join(SUPPORTED))
    return lang


@functools.cache
def load(lang: str, profile: str = DEFAULT_PROFILE) -> Language:
    """The pipeline for `lang`, loaded once per process: the trained one if shipped, else blank + rules.

    A non-default `profile` must be installed (E022): it never falls back to the blank pipeline.
    """
    lang = check_lang(lang)
    path = model_path(lang, profile)
    if profile != DEFAULT_PROFILE and not has_trained(lang, profile):
        raise error("E022", lang=lang, profile=profile, path=path)
    if has_trained(lang, profile):
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
