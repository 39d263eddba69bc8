"""Convert the petrarch2 CAMEO 2.0 verb dictionary into Chronik's English event patterns.

Run from the repository root: `python training/import_cameo_verbs.py`. It writes
chronik/lang/en/events_cameo.jsonl (generated, committed) and prints what it kept and dropped.
Source: ../shared/data/petrarch2/dictionaries/CAMEO.2.0.txt (Open Event Data Alliance, MIT licence).

The dictionary groups verb forms under a block ("---  KILL   [190]  ---"), lists the verbs of the block
(with an optional default code each), then patterns like "- * SANCTIONS (AGAINST +)  [163]  # IMPOSE":
`*` is the verb, `+` the target, `$` the source, `(PREP ...)` a prepositional phrase, `{A B}` a noun
compound, `&SET` a synonym set, `^` "any words". The comment names the verb the pattern was written for.

What a `Pattern` can say, and so what survives:
  * the verb lemma (phrasal particle joined with a space: "call off"),
  * one object noun (light-verb `object`), the head noun of a compound, each member of a synonym set,
  * recipient slots: `+` as direct object -> "obj", inside "(PREP +)" or "(PREP)" -> "prep:<prep>",
  * a source inside "(PREP $)" -> `actor_preps`.
Dropped: words before the verb (subject constraints), prepositional phrases with a fixed noun
("(IN PROTEST)"), `^`, more than one object word, null patterns "[---]", reverse-only codes "[:173]",
CAMEO codes with no PLOVER type (01 statements, 02 appeals), and bare verbs too generic to code alone.
Where one (verb, object, required frame) would get two PLOVER types, a pattern written with exactly
that word wins over one derived from a compound head or a synonym set, and a pattern line over a verb's
default code (own code over one inherited from the block); if that does not settle it, all go.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chronik.events.ontology import from_cameo  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "petrarch2" / "dictionaries" / "CAMEO.2.0.txt"
OUT = ROOT / "chronik" / "lang" / "en" / "events_cameo.jsonl"
SOURCE_TAG = "petrarch2:CAMEO.verbpatterns"
CONFIDENCE = 0.5

# Particles that a UD parse attaches as compound:prt; other second words of a "+VERB_X" entry are
# prepositions (their phrase becomes the recipient slot) or object nouns.
PARTICLES = {"up", "down", "off", "out", "back", "away", "over", "in", "on", "forward", "aside", "around"}
PREPOSITIONS = {
    "about", "across", "after", "against", "along", "among", "at", "before", "behind", "between", "by",
    "for", "from", "in", "into", "of", "on", "onto", "over", "through", "to", "toward", "towards", "under",
    "upon", "with", "within", "without",
}
# Recipient slots tried for an object pattern that does not say where the target is.
DEFAULT_PREPS = ["prep:against", "prep:on", "prep:to", "prep:with", "prep:for"]
# Verbs that code nothing without an object constraint: a bare "X said"/"X made" is not an event.
GENERIC = {
    "say", "make", "take", "give", "get", "go", "come", "have", "be", "do", "put", "set", "hold", "keep",
    "see", "show", "move", "call", "bring", "begin", "start", "continue", "open", "turn", "run", "use",
    "seek", "decide", "vote", "fail", "find", "leave", "issue", "launch", "express", "carry", "raise",
    "receive", "send", "look", "appear", "seem", "want", "need", "try", "attempt", "work", "act", "play",
    "stand", "return", "end", "stop", "change", "reach", "pass", "lead", "tell", "ask", "order", "let",
    "allow", "help", "offer", "plan", "prepare", "determine", "apply", "join", "meet", "cross", "enter",
    "face", "fire", "hit", "strike", "charge", "press", "push", "pull", "break", "close", "cut", "drop",
    "lift", "deny", "refuse", "block", "back", "report", "announce", "state", "declare", "claim",
    "note", "warn", "promise", "accept", "agree", "support", "approve", "reject", "oppose", "protest",
    "demonstrate", "march", "gather", "rally", "visit", "arrive", "travel", "host", "discuss", "talk",
    "consider", "review", "study", "search", "question", "check", "monitor", "watch", "resume", "halt",
    "suspend", "postpone", "delay", "cancel", "lose", "win", "fall", "rise", "increase", "reduce",
    "expand", "extend", "intensify", "escalate", "remove", "release", "free", "name", "appoint", "elect",
    "form", "build", "establish", "create", "provide", "supply", "deliver", "ship", "transfer", "pay",
    "contribute", "grant", "sign", "conclude", "complete", "finish", "secure", "win", "gain", "obtain",
    "target", "pledge", "vow", "threaten",
}


@dataclass
class Candidate:
    """One pattern before conflicts are resolved."""

    verb: str
    type: str
    cameo: str
    mode: str | None
    object: str | None = None
    recipient: list[str] = field(default_factory=list)
    actor_preps: list[str] = field(default_factory=list)
    needs_recipient: bool = False
    exact: bool = True  # written with exactly this object word (not a compound head or synonym-set member)
    line: int = 0
    rank: int = 3  # 3 pattern line, 2 verb with its own code, 1 verb inheriting its block's code

    def key(self) -> tuple:
        return (self.verb, self.object, tuple(self.recipient), tuple(self.actor_preps), self.needs_recipient)

    def slot(self) -> tuple:
        """What the coder can tell apart: a required recipient frame separates, optional slots do not."""
        return (self.verb, self.object, tuple(self.recipient) if self.needs_recipient else None)


@dataclass
class Block:
    name: str
    code: str | None
    verbs: dict[str, str] = field(default_factory=dict)  # dictionary spelling -> lemma form
    verb_codes: dict[str, tuple[str, bool]] = field(default_factory=dict)  # spelling -> (code, own code?)
    patterns: list[tuple[int, str, str, str]] = field(default_factory=list)  # (line, body, code, comment)


class Lemmatizer:
    """spaCy's English lookup lemmas, as the blank pipeline (and the tables the trained one uses) give them."""

    def __init__(self) -> None:
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()
        self.cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        word = word.lower().strip("_")
        if word not in self.cache:
            doc = self.nlp(word)
            self.cache[word] = " ".join((t.lemma_ or t.text).lower() for t in doc)
        return self.cache[word]


_HEADER = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]\s+---")
_CODE = re.compile(r"\[([^\]]*)\]")


def read_dictionary(path: Path) -> tuple[dict[str, list[str]], list[Block]]:
    """Synonym sets and verb blocks of the dictionary."""
    synsets: dict[str, list[str]] = {}
    blocks: list[Block] = []
    current_set: str | None = None
    in_verbs = False
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("####### VERB PATTERNS"):
            in_verbs = True
            continue
        if not in_verbs:
            if line.startswith("&"):
                current_set = line.split()[0]
                synsets[current_set] = []
            elif line.startswith("+") and current_set:
                synsets[current_set].append(line[1:].split("#")[0].strip())
            continue
        body, _, comment = line.partition("#")
        body = body.strip()
        if not body:
            continue
        if m := _HEADER.match(body):
            code = m.group(2).strip()
            blocks.append(Block(m.group(1), None if code == "---" else code))
            continue
        if not blocks:
            continue
        block = blocks[-1]
        code_m = _CODE.search(body)
        code = code_m.group(1).strip() if code_m else ""
        if body.startswith("-"):
            block.patterns.append((n, _CODE.sub("", body[1:]).strip(), code, comment.strip()))
            continue
        # A verb line: "WORD {FORMS} [code]" or "+MULTI_WORD {...} [code]".
        word = body.split()[0]
        if word.startswith("{"):
            continue
        block.verbs[word.lstrip("+").upper()] = word.lstrip("+")
        if code and code != "---":
            block.verb_codes[word.lstrip("+").upper()] = (code, True)
        elif block.code:
            block.verb_codes[word.lstrip("+").upper()] = (block.code, word.lstrip("+").upper() == block.name)
    return synsets, blocks


def plover(code: str) -> tuple[str, str, str | None] | None:
    """(type, CAMEO code, mode) for a dictionary code; None where PLOVER has no type for it."""
    first = code.split(":")[0].strip()
    if not first or first == "---" or not first.isdigit():
        return None
    entry = from_cameo(first)
    if entry is None:
        return None
    ptype = entry.type
    if first.startswith("163"):
        # PLOVER 2.0 puts "impose embargo, boycott, or sanctions" under SANCTION; the 2021 table's COERCE
        # row for 163 disagrees with the manual and with the gold records.
        ptype = "SANCTION"
    return ptype, first, entry.mode


def verb_frame(spelling: str, lemma: Lemmatizer) -> tuple[str, str | None, str | None] | None:
    """(verb lemma [+ particle], object noun, preposition) of a dictionary verb entry, or None."""
    parts = [p for p in spelling.lower().split("_") if p]
    if not parts or not all(p.replace("-", "").isalpha() for p in parts):
        return None
    head = lemma(parts[0])
    if len(parts) == 1:
        return head, None, None
    if len(parts) != 2:
        return None
    second = parts[1]
    if second in PARTICLES:
        return f"{head} {second}", None, None
    if second in PREPOSITIONS:
        return head, None, second
    if second in {"and", "or", "not", "to", "the", "a"}:
        return None
    return head, lemma(second), None


def tokenize(body: str) -> list[str] | None:
    """Pattern body into tokens; "{A B}" and "(P X)" stay one token each."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "({":
            close = ")" if ch == "(" else "}"
            j = body.find(close, i)
            if j < 0:
                return None
            out.append(body[i : j + 1])
            i = j + 1
            continue
        j = i
        while j < len(body) and not body[j].isspace() and body[j] not in "({":
            j += 1
        out.append(body[i:j])
        i = j
    return out


def noun_words(token: str, synsets: dict[str, list[str]], lemma: Lemmatizer) -> tuple[list[str], bool] | None:
    """Object lemmas a noun token stands for, and whether they are exactly the written word."""
    if token.startswith("{"):
        words = token[1:-1].split()
        if not words:
            return None
        head = words[-1]
        if head.startswith("&"):
            found = noun_words(head, synsets, lemma)
            return (found[0], False) if found else None
        return noun_words(head, synsets, lemma) and ([lemma(head.split("_")[-1])], False)
    if token.startswith("&"):
        members = synsets.get(token)
        if not members:
            return None
        out = []
        for m in members:
            word = m.strip("_").split("_")[-1]
            if word and word.replace("-", "").replace("'", "").isalpha():
                out.append(lemma(word))
        return (sorted(set(out)), False) if out else None
    word = token.strip("_")
    if not word or not word.replace("-", "").isalpha() or "_" in word:
        return None
    return [lemma(word)], True


def convert_pattern(
    body: str, verb: str, prep_of_verb: str | None, verb_object: str | None,
    synsets: dict[str, list[str]], lemma: Lemmatizer,
) -> list[tuple[str, str | None, list[str], list[str], bool, bool]] | str:
    """(verb, object, recipient, actor_preps, needs_recipient, exact) variants of one pattern, or why not."""
    tokens = tokenize(body)
    if tokens is None or tokens.count("*") != 1:
        return "unparsable"
    star = tokens.index("*")
    before, after = tokens[:star], tokens[star + 1 :]
    if any(t != "$" for t in before):
        return "subject constraint"
    recipient: list[str] = []
    actor_preps: list[str] = []
    needs = False
    objects: list[str] | None = None
    exact = True
    particle = None
    if after and after[0].lower() in PARTICLES and len(after) > 1 and not after[1].startswith("("):
        particle = after[0].lower()
        after = after[1:]
    elif after and after[0].lower() in PARTICLES and len(after) == 1:
        particle = after[0].lower()
        after = []
    for i, tok in enumerate(after):
        if tok == "+":
            if i != 0 or objects is not None:
                return "target after other words"
            recipient.append("obj")
            needs = True
        elif tok == "$":
            return "source as object"
        elif tok.startswith("("):
            inner = tok[1:-1].split()
            if not inner:
                return "empty phrase"
            prep = inner[0].lower()
            if prep not in PREPOSITIONS:
                return "phrase without preposition"
            rest = inner[1:]
            if rest == ["+"] or not rest:
                recipient.append(f"prep:{prep}")
                needs = True  # the phrase is part of the pattern: without it the pattern does not apply
            elif rest == ["$"]:
                actor_preps.append(prep)
            else:
                return "phrase with a fixed noun"
        elif tok == "^" or "^" in tok:
            return "skip marker"
        else:
            if objects is not None or recipient:
                return "more than one object word"
            found = noun_words(tok, synsets, lemma)
            if not found:
                return "object not a word"
            objects, exact = found
    if prep_of_verb:
        recipient.insert(0, f"prep:{prep_of_verb}")
    full_verb = f"{verb} {particle}" if particle and " " not in verb else verb
    if verb_object:
        if objects:
            return "verb entry with object plus pattern object"
        objects, exact = [verb_object], True
    if objects is None and not recipient and not actor_preps:
        return "bare"  # "- * [code]": the verb's own default
    if objects and not recipient:
        recipient = list(DEFAULT_PREPS)
    return [(full_verb, o, recipient, actor_preps, needs, exact) for o in (objects or [None])]


def convert(path: Path) -> tuple[list[dict], Counter]:
    lemma = Lemmatizer()
    synsets, blocks = read_dictionary(path)
    why: Counter = Counter()
    cands: list[Candidate] = []
    for block in blocks:
        frames = {spell: verb_frame(form, lemma) for spell, form in block.verbs.items()}
        # Bare verbs with a default code of their own (or of their block).
        for spell, (code, own) in block.verb_codes.items():
            mapped = plover(code)
            frame = frames.get(spell)
            if mapped is None:
                why["bare verb: no PLOVER type"] += 1
                continue
            if frame is None:
                why["bare verb: form not expressible"] += 1
                continue
            verb, obj, prep = frame
            if obj is None and prep is None and verb in GENERIC:
                why["bare verb: too generic"] += 1
                continue
            ptype, cameo, mode = mapped
            recip = [f"prep:{prep}"] if prep else (list(DEFAULT_PREPS) if obj else ["obj"])
            cands.append(Candidate(verb, ptype, cameo, mode, obj, recip, [], needs_recipient=bool(prep),
                                   rank=2 if own else 1))
        for n, body, code, comment in block.patterns:
            mapped = plover(code)
            if mapped is None:
                why["no PLOVER type (01/02, [---], [:x])"] += 1
                continue
            written_for = (comment.split() or [""])[0].upper().lstrip("+")
            spells = [written_for] if written_for in block.verbs else [block.name.upper()]
            if spells[0] not in block.verbs:
                why["verb of the pattern not in its block"] += 1
                continue
            frame = frames[spells[0]]
            if frame is None:
                why["verb form not expressible"] += 1
                continue
            verb, vobj, vprep = frame
            variants = convert_pattern(body, verb, vprep, vobj, synsets, lemma)
            if isinstance(variants, str):
                if variants == "bare" and verb not in GENERIC:
                    variants = [(verb, None, ["obj"], [], False, True)]
                else:
                    why[f"pattern: {variants}"] += 1
                    continue
            ptype, cameo, mode = mapped
            for full_verb, obj, recip, aprep, needs, exact in variants:
                if obj is None and not needs and full_verb in GENERIC:
                    why["pattern: generic verb without object"] += 1
                    continue
                cands.append(Candidate(full_verb, ptype, cameo, mode, obj, recip, aprep, needs, exact, n))
    return resolve(cands, why), why


def resolve(cands: list[Candidate], why: Counter) -> list[dict]:
    """One pattern per (verb, object, frame); conflicting PLOVER types are settled or dropped."""
    by_slot: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in cands:
        by_slot[c.slot()].append(c)
    kept: list[Candidate] = []
    for group in by_slot.values():
        if len({c.type for c in group}) > 1:
            # Exactly written patterns first, then verbs with a code of their own, then inherited codes.
            top = max((c.exact, c.rank) for c in group)
            group = [c for c in group if (c.exact, c.rank) == top]
            if len({c.type for c in group}) > 1:
                why["conflicting PLOVER types"] += len(group)
                continue
        kept.extend(group)
    by_key: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in kept:
        by_key[c.key()].append(c)
    rows: list[dict] = []
    counters: Counter = Counter()
    for key in sorted(by_key, key=lambda k: (k[0], k[1] or "", k[2], k[3], k[4])):
        group = by_key[key]
        # The most specific CAMEO code among agreeing candidates; ties go to the first written.
        best = max(group, key=lambda c: (len(c.cameo), -c.line))
        counters[best.verb] += 1
        row: dict = {
            "id": f"en:cameo:{best.verb.replace(' ', '_')}:{counters[best.verb]}",
            "type": best.type,
            "cameo": best.cameo,
            "verb": best.verb,
        }
        if best.object:
            row["object"] = best.object
        if best.mode:
            row["mode"] = best.mode
        row["recipient"] = best.recipient
        if best.actor_preps:
            row["actor_preps"] = best.actor_preps
        if best.needs_recipient:
            row["needs_recipient"] = True
        row["confidence"] = CONFIDENCE
        row["source"] = SOURCE_TAG
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.source.exists():
        print(f"error: {args.source} not found; the petrarch2 dictionaries live in ../shared/data", file=sys.stderr)
        return 1
    rows, why = convert(args.source)
    header = (
        "# English PLOVER event patterns converted from the petrarch2 CAMEO 2.0 verb dictionary (MIT licence,\n"
        "# Open Event Data Alliance). GENERATED by training/import_cameo_verbs.py: do not edit; override in\n"
        "# events.jsonl. See docs/patterns_en.md.\n"
    )
    args.out.write_text(header + "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    by_type = Counter(r["type"] for r in rows)
    print(f"wrote {len(rows)} patterns to {args.out}")
    print("per type:", dict(sorted(by_type.items())))
    print("dropped:")
    for reason, n in why.most_common():
        print(f"  {n:5d}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
