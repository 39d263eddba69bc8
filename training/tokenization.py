"""News-ready tokenizer rules, applied to the blank-language tokenizer and saved with the model
(Tokenizer.to_disk stores the regexes, so spacy.load needs nothing custom)."""
from __future__ import annotations

from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

QUOTES = ["«", "»", "„", "“", "”", "‚", "‘", "’", "‹", "›", '"', "'"]
DASHES = ["–", "—"]


def customize(nlp) -> None:
    tok = nlp.tokenizer
    defaults = nlp.Defaults
    prefixes = list(defaults.prefixes or []) + [r"[«»„“”‚‘’‹›\"]", r"[–—]"]
    suffixes = list(defaults.suffixes or []) + [r"[«»„“”‚‘’‹›\"]", r"[–—]", r"(?<=[A-ZÄÖÜ]{2}):"]
    infixes = list(defaults.infixes or []) + [
        r"(?<=\w)[–—](?=\w)",          # Berlin–Moskau, word—word: dash as its own token
        r"(?<=\w)[«»„“”‹›\"](?=\w)",   # quote glued between words
    ]
    tok.prefix_search = compile_prefix_regex(prefixes).search
    tok.suffix_search = compile_suffix_regex(suffixes).search
    tok.infix_finditer = compile_infix_regex(infixes).finditer
    # hyphenated compounds (US-Soldaten, Nato-Mitglied, EU-Kommission) stay one token: the
    # German defaults have no hyphen infix; we make sure none is added here.
