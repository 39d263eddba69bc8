"""Corpus-scale coding: an engine-free batch coder plus thin engine adapters (processes, Dask, Spark).

Every engine runs the same function, `code_batch`, over small batches of articles. Each process keeps
one coder per language (`chronik.pipeline.coder_for`, a per-process singleton), so a worker loads its
pipeline once and reuses it for every batch it is given.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from chronik.errors import CATALOGUE, ChronikError
from chronik.model import Article, CodedArticle
from chronik.pipeline import CoderOptions, code_stream

Result = CodedArticle | tuple[Article, ChronikError]


@dataclass(frozen=True)
class Failure:
    """A ChronikError in a form that survives pickling between processes (its code and text)."""

    code: str
    message: str

    @classmethod
    def of(cls, exc: ChronikError) -> Failure:
        text = str(exc)
        prefix = f"[{exc.code}] "
        return cls(exc.code, text[len(prefix):] if text.startswith(prefix) else text)

    def error(self) -> ChronikError:
        kind = CATALOGUE[self.code][0] if self.code in CATALOGUE else ChronikError
        return kind(self.message, code=self.code)


Packed = CodedArticle | tuple[Article, Failure]


def code_batch(articles: list[Article], *, options: CoderOptions | None = None, batch_size: int = 16) -> list[Packed]:
    """Code one batch in this process; errors come back as `(article, Failure)` so they can be pickled."""
    out: list[Packed] = []
    for result in code_stream(articles, options=options, batch_size=batch_size):
        if isinstance(result, tuple):
            article, exc = result
            out.append((article, Failure.of(exc)))
        else:
            out.append(result)
    return out


def unpack(packed: Iterable[Packed]) -> Iterator[Result]:
    """Turn a batch's results back into what `code_stream` yields."""
    for item in packed:
        if isinstance(item, tuple):
            article, failure = item
            yield article, failure.error()
        else:
            yield item


def split(articles: list[Article], size: int) -> list[list[Article]]:
    return [articles[i : i + size] for i in range(0, len(articles), size)]


__all__ = ["Failure", "Result", "code_batch", "split", "unpack"]
