"""Near-duplicate stories (MinHash/LSH) and event groups: one event, counted over the articles reporting it.

Two steps, both recomputed from the store in one transaction (`dedup(store)`):

1. Stories. Every stored article gets a MinHash signature of its word shingles; LSH proposes
   candidate pairs, a pair whose estimated Jaccard similarity reaches `threshold` joins one story
   (union-find, so stories are the connected components). Exact copies never reach this step:
   the store keeps one article per content hash.
2. Event groups. Event records that report the same event become one group with counts
   (mentions, articles, sources, stories, first/last seen) and the list of supporting article ids.
   Two records are the same event when type, mode, sorted actor codes and sorted recipient codes
   agree and they are anchored alike: on the same day when the event has actors and a day-precise
   date (so different stories about one clash merge), else on the same story.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from datasketch import MinHash, MinHashLSH

from chronik.errors import error
from chronik.store.duck import Store, open_store

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class DedupOptions:
    """How similar two articles must be to count as one story."""

    threshold: float = 0.7  # estimated Jaccard similarity of word shingles
    shingle: int = 3  # words per shingle
    num_perm: int = 64  # MinHash permutations (signature length)

    def check(self) -> DedupOptions:
        if not 0.0 < self.threshold < 1.0:
            raise error("E095", name="threshold", value=self.threshold, allowed="0 < threshold < 1")
        if not 1 <= self.shingle <= 10:
            raise error("E095", name="shingle", value=self.shingle, allowed="1 to 10 words")
        if not 16 <= self.num_perm <= 512:
            raise error("E095", name="num_perm", value=self.num_perm, allowed="16 to 512")
        return self


@dataclass
class DedupReport:
    """What a dedup run found."""

    articles: int = 0
    stories: int = 0
    multi_article_stories: int = 0
    events: int = 0
    event_groups: int = 0
    multi_article_groups: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def shingles(text: str, *, size: int = 3) -> set[bytes]:
    """Word `size`-grams of the lower-cased text (the words themselves when the text is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {w.encode() for w in words}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, *, options: DedupOptions) -> MinHash | None:
    """The MinHash of `text`'s shingles (None for a text without words).

    The 32-bit scheme keeps a signature at 4 bytes per permutation (256 bytes at 64), which is
    what a dedup run holds in memory per article.
    """
    grams = shingles(text, size=options.shingle)
    if not grams:
        return None
    m = MinHash(num_perm=options.num_perm, scheme="affine32")
    m.update_batch(list(grams))
    return m


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while (up := self.parent.get(root, root)) != root:
            root = up
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _articles(store: Store, *, batch: int = 500) -> Iterator[tuple[str, str]]:
    cur = store.con.cursor().execute("SELECT content_hash, text FROM articles ORDER BY content_hash")
    while rows := cur.fetchmany(batch):
        yield from rows


def find_stories(
    store: Store, *, options: DedupOptions | None = None, on_article: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Map every stored article's content hash to its story id ('s' + the story's smallest hash)."""
    options = (options or DedupOptions()).check()
    lsh = MinHashLSH(threshold=options.threshold, num_perm=options.num_perm)
    signatures: dict[str, np.ndarray] = {}
    stories = _UnionFind()
    hashes: list[str] = []
    for n, (content_hash, text) in enumerate(_articles(store), 1):
        hashes.append(content_hash)
        m = signature(text or "", options=options)
        if m is not None:
            sig = m.hashvalues
            for other in lsh.query(m):
                if float(np.mean(signatures[other] == sig)) >= options.threshold:
                    stories.union(content_hash, other)
            lsh.insert(content_hash, m, check_duplication=False)
            signatures[content_hash] = sig
        if on_article and n % 100 == 0:
            on_article(100)
    if on_article and len(hashes) % 100:
        on_article(len(hashes) % 100)
    return {h: "s" + stories.find(h)[:16] for h in hashes}


_GROUP_SQL = """
CREATE OR REPLACE TEMP TABLE chronik_keyed AS
WITH keyed AS (
    SELECT e.event_id, e.content_hash, e.article_id, s.story_id, e.type, e.mode, e.cameo,
           list_sort(coalesce(e.actor_codes, [])) AS actors,
           list_sort(coalesce(e.recipient_codes, [])) AS recipients,
           e.event_date, e.place, e.country, e.confidence,
           coalesce(nullif(a.source, ''), nullif(regexp_extract(a.url, '^[A-Za-z]+://([^/]+)', 1), ''), '(unknown)')
               AS src,
           coalesce(a.date, strftime(a.coded_at, '%Y-%m-%d')) AS seen,
           CASE WHEN len(coalesce(e.actor_codes, [])) > 0 AND e.date_precision = 'day' AND e.event_date IS NOT NULL
                THEN 'day:' || e.event_date ELSE 'story:' || s.story_id END AS anchor
    FROM events e JOIN articles a USING (content_hash) JOIN stories s USING (content_hash)
)
SELECT *, 'g' || substr(md5(concat_ws('|', type, coalesce(mode, ''), array_to_string(actors, ','),
                                      array_to_string(recipients, ','), anchor)), 1, 16) AS group_id
FROM keyed;
INSERT INTO event_groups
SELECT group_id, any_value(type), any_value(mode), mode(cameo), any_value(actors), any_value(recipients),
       min(event_date), mode(place), mode(country),
       count(*), count(DISTINCT content_hash), count(DISTINCT src), count(DISTINCT story_id),
       min(seen), max(seen), first(event_id ORDER BY confidence DESC, event_id),
       list(DISTINCT article_id ORDER BY article_id), max(confidence)
FROM chronik_keyed GROUP BY group_id;
INSERT INTO event_group_members SELECT group_id, event_id, content_hash, article_id, story_id FROM chronik_keyed;
DROP TABLE chronik_keyed;
"""


def dedup(
    store: Store, *, options: DedupOptions | None = None, on_article: Callable[[int], None] | None = None,
) -> DedupReport:
    """(Re)compute stories, event groups and their members over the whole store, in one transaction."""
    story_of = find_stories(store, options=options, on_article=on_article)
    table = pa.table({"story_id": list(story_of.values()), "content_hash": list(story_of.keys())})
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        for name in ("event_group_members", "event_groups", "stories"):
            con.execute(f"DELETE FROM {name}")
        con.register("chronik_new_stories", table)
        con.execute("INSERT INTO stories SELECT story_id, content_hash FROM chronik_new_stories")
        con.unregister("chronik_new_stories")
        con.execute(_GROUP_SQL)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise

    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0] or 0) if row else 0

    return DedupReport(
        articles=len(story_of),
        stories=one("SELECT count(DISTINCT story_id) FROM stories"),
        multi_article_stories=one("SELECT count(*) FROM (SELECT story_id FROM stories GROUP BY 1 HAVING count(*) > 1)"),
        events=one("SELECT count(*) FROM event_group_members"),
        event_groups=one("SELECT count(*) FROM event_groups"),
        multi_article_groups=one("SELECT count(*) FROM event_groups WHERE articles > 1"),
    )


def dedup_db(
    db: str | Path, *, options: DedupOptions | None = None, on_article: Callable[[int], None] | None = None,
) -> DedupReport:
    """Open the store at `db` for writing (it must exist) and recompute its stories and event groups."""
    with open_store(db, create=False) as store:
        return dedup(store, options=options, on_article=on_article)


def story_events(store: Store, *, limit: int = 100, min_articles: int = 1) -> list[dict]:
    """Event groups, most reported first (for reports and the API)."""
    cur = store.con.execute(
        "SELECT group_id, type, mode, actor_codes, recipient_codes, event_date, country, mentions, articles, "
        "sources, stories, first_seen, last_seen, representative_event_id, article_ids FROM event_groups "
        "WHERE articles >= ? ORDER BY articles DESC, mentions DESC, group_id LIMIT ?", [min_articles, limit],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


__all__ = ["DedupOptions", "DedupReport", "dedup", "dedup_db", "find_stories", "shingles", "signature", "story_events"]
