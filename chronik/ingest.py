"""Ingest: read, skip what is stored, code, write in transactions; report what was skipped."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from chronik.errors import ChronikError
from chronik.io.readers import ReadProblem
from chronik.model import Article, CodedArticle
from chronik.pipeline import CoderOptions, code_stream
from chronik.store.duck import Store


@dataclass
class IngestReport:
    """What an ingest run did."""

    read: int = 0
    coded: int = 0
    stored: int = 0
    already_stored: int = 0
    events: int = 0
    statements: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, message)

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ("read", "coded", "stored", "already_stored", "events", "statements")} | {
            "problems": [{"where": w, "message": m} for w, m in self.problems]
        }


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ingest(
    source: Iterable[Article | ReadProblem],
    store: Store,
    *,
    options: CoderOptions | None = None,
    commit_every: int = 64,
    on_article: Callable[[int], None] | None = None,
    code: Callable[[list[Article]], Iterable[CodedArticle | tuple[Article, ChronikError]]] | None = None,
) -> IngestReport:
    """Code and store every new article of `source`; one transaction per `commit_every` articles.

    Articles whose content hash is already stored are skipped without coding, so a rerun after a
    crash resumes where the last committed batch ended. `code` swaps in another engine (worker pool).
    """
    report = IngestReport()
    coder = code or (lambda batch: code_stream(batch, options=options))
    # Two chunks in flight: the next chunk is submitted before the oldest is collected and committed,
    # so an engine's workers never wait for the writer at a chunk boundary. A crash loses at most the
    # uncommitted chunks, which a rerun codes again (content hashes make it idempotent).
    in_flight: deque[tuple[Iterable[CodedArticle | tuple[Article, ChronikError]], int, set[str]]] = deque()
    pending: set[str] = set()  # content hashes submitted but not yet committed
    for chunk in _chunks(source, commit_every):
        fresh = _fresh_articles(chunk, store, report, pending)
        hashes = {a.content_hash for a in fresh}
        pending |= hashes
        in_flight.append((coder(fresh), len(chunk), hashes))  # an engine submits the work here
        if len(in_flight) > 1:
            _finish(store, report, in_flight.popleft(), pending, on_article)
    while in_flight:
        _finish(store, report, in_flight.popleft(), pending, on_article)
    return report


def _finish(
    store: Store, report: IngestReport,
    item: tuple[Iterable[CodedArticle | tuple[Article, ChronikError]], int, set[str]], pending: set[str],
    on_article: Callable[[int], None] | None,
) -> None:
    results, n_items, hashes = item
    _commit(store, report, _collect(results, store, report), n_items, on_article)
    pending -= hashes


def _fresh_articles(  # type: ignore[type-arg]
    chunk: list, store: Store, report: IngestReport, pending: set[str]
) -> list[Article]:
    """The chunk's articles neither stored nor in flight (problems are logged and counted)."""
    articles: list[Article] = []
    for item in chunk:
        if isinstance(item, ReadProblem):
            report.problems.append((item.where, str(item.error)))
            store.log_problem(item.where, item.error.code, str(item.error))
            continue
        report.read += 1
        articles.append(item)
    known = store.known_hashes([a.content_hash for a in articles])
    fresh, seen = [], set()
    for a in articles:
        if a.content_hash in known or a.content_hash in seen or a.content_hash in pending:
            report.already_stored += 1
        else:
            seen.add(a.content_hash)
            fresh.append(a)
    return fresh


def _collect(
    results: Iterable[CodedArticle | tuple[Article, ChronikError]], store: Store, report: IngestReport
) -> list[CodedArticle]:
    coded: list[CodedArticle] = []
    for result in results:
        if isinstance(result, tuple):
            article, exc = result
            where = article.path or article.id
            report.problems.append((where, str(exc)))
            store.log_problem(where, exc.code, str(exc))
            continue
        coded.append(result)
        report.coded += 1
        report.events += len(result.events)
        report.statements += len(result.statements)
    return coded


def _commit(
    store: Store, report: IngestReport, coded: list[CodedArticle], n_items: int,
    on_article: Callable[[int], None] | None,
) -> None:
    report.stored += store.write(coded)
    if on_article:
        on_article(n_items)
