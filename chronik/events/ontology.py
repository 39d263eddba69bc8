"""The PLOVER ontology: types, CAMEO-to-PLOVER mapping (type, mode, context) and scores."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from chronik.model import PLOVER_TYPES

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class CameoEntry:
    code: str
    type: str
    mode: str | None
    context: str | None
    label: str


@functools.cache
def cameo_table() -> dict[str, CameoEntry]:
    """CAMEO code -> PLOVER (type, mode, context), from the PLOVER project's conversion table."""
    table: dict[str, CameoEntry] = {}
    line_re = re.compile(r"^(\d{2,4}):\s*([A-Z]+)\s*,\s*([^,#]*?)\s*,\s*([^#]*?)\s*(?:#\s*(.*))?$")
    for line in (DATA / "CAMEO2PLOVER-2021.txt").read_text(encoding="utf-8").splitlines():
        m = line_re.match(line.strip())
        if not m or m.group(2) not in PLOVER_TYPES:
            continue
        code, ptype, mode, context, label = m.groups()
        table[code] = CameoEntry(code, ptype, mode or None, context or None, (label or "").strip())
    return table


def from_cameo(code: str) -> CameoEntry | None:
    """The PLOVER entry of a CAMEO code, falling back to its parent codes ("0312" -> "031" -> "03")."""
    table = cameo_table()
    while code:
        if code in table:
            return table[code]
        code = code[:-1]
    return None


@functools.cache
def scores() -> dict[str, tuple[float, str]]:
    out = {}
    for line in (DATA / "scores.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        ptype, score, quad = line.split("\t")
        out[ptype] = (float(score), quad)
    return out


def score(ptype: str, *, negated: bool = False) -> float:
    """Conflict-cooperation score of an event type; a negated event scores a third, sign kept."""
    value = scores()[ptype][0]
    return round(value / 3, 2) if negated else value


def quad_class(ptype: str) -> str:
    return scores()[ptype][1]
