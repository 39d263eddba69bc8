"""Optional Spark adapter: code a DataFrame of articles on Spark (needs `pip install 'chronik[spark]'`).

Batches travel as Arrow record batches (`mapInArrow`, the pandas-free sibling of `mapInPandas`:
pyspark 4.3 cannot yet take pandas 3's Arrow-backed string columns back). Spark reuses its Python
workers, so `coder_for` (a per-process singleton) loads each pipeline once per worker, as with the
other engines.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chronik.errors import ChronikError, error
from chronik.io.readers import make_article
from chronik.model import Article
from chronik.pipeline import CoderOptions
from chronik.scale import code_batch

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

# One row per event; an article that could not be coded gives one row with `error_code` set instead.
EVENT_SCHEMA = (
    "event_id string, content_hash string, article_id string, lang string, type string, mode string, "
    "cameo string, event_date string, date_precision string, place string, country string, "
    "actor_codes array<string>, recipient_codes array<string>, trigger string, sentence string, rule string, "
    "confidence double, record string, error_code string, error string"
)
INPUT_COLUMNS = ("text", "id", "date", "lang", "url", "source", "title")


def _pyspark() -> Any:
    try:
        import pyspark
    except ImportError:
        raise error("E094", engine="spark", package="pyspark", extra="spark") from None
    return pyspark


def _article(row: dict[str, Any]) -> Article | tuple[str, ChronikError]:
    try:
        return make_article(row.get("text"), **{k: row.get(k) for k in INPUT_COLUMNS[1:] if row.get(k) is not None})
    except ChronikError as exc:
        return str(row.get("id") or "?"), exc


def _rows(batch: pa.RecordBatch, options: CoderOptions | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    articles = []
    for record in batch.to_pylist():
        item = _article(record)
        if isinstance(item, tuple):
            rows.append({"article_id": item[0], "error_code": item[1].code, "error": str(item[1])})
        else:
            articles.append(item)
    for result in code_batch(articles, options=options):
        if isinstance(result, tuple):
            article, failure = result
            rows.append({"article_id": article.id, "content_hash": article.content_hash, "error_code": failure.code,
                         "error": failure.message})
            continue
        a = result.article
        for e in result.events:
            rows.append({
                "event_id": e.id, "content_hash": a.content_hash, "article_id": a.id, "lang": a.lang, "type": e.type,
                "mode": e.mode, "cameo": e.cameo, "event_date": e.date.date if e.date else None,
                "date_precision": e.date.precision if e.date else None,
                "place": e.location.name if e.location else None, "country": e.location.country if e.location else None,
                "actor_codes": [x.code for x in e.actor if x.code], "recipient_codes": [x.code for x in e.recipient if x.code],
                "trigger": e.evidence.trigger, "sentence": e.evidence.sentence, "rule": e.evidence.rule,
                "confidence": float(e.confidence), "record": e.to_json(),
            })
    return rows


def code_spark(articles: DataFrame, *, options: CoderOptions | None = None) -> DataFrame:
    """Code a Spark DataFrame with a `text` column (and optional id, date, lang, url, source, title).

    Returns a DataFrame of events (schema `EVENT_SCHEMA`); write it with `.write.partitionBy("type")`.
    """
    _pyspark()
    import pyarrow as pa

    columns = [c for c in INPUT_COLUMNS if c in articles.columns]
    if "text" not in columns:
        raise error("E008", path="the Spark DataFrame", columns=", ".join(articles.columns))
    schema = _arrow_schema(pa)

    def code_partitions(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield pa.RecordBatch.from_pylist(_rows(batch, options), schema=schema)

    return articles.select(*columns).mapInArrow(code_partitions, schema=EVENT_SCHEMA)


def _arrow_schema(pa: Any) -> Any:
    """`EVENT_SCHEMA` as an Arrow schema."""
    kinds = {"string": pa.string(), "double": pa.float64(), "array<string>": pa.list_(pa.string())}
    return pa.schema([(name, kinds[kind]) for name, kind in (f.split(" ", 1) for f in EVENT_SCHEMA.split(", "))])


__all__ = ["EVENT_SCHEMA", "code_spark"]
