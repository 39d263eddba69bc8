"""The `chronik` command line: thin wrappers over the library."""
from __future__ import annotations

import json
import sys
import time
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from chronik import __version__
from chronik.errors import ChronikError, ChronikWarning, error

app = typer.Typer(help="Chronik: German and English news into PLOVER event data, offline.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
actors_app = typer.Typer(help="Inspect how actor mentions resolve.", no_args_is_help=True)
places_app = typer.Typer(help="Inspect how place mentions resolve.", no_args_is_help=True)
dates_app = typer.Typer(help="Inspect how date expressions resolve.", no_args_is_help=True)
app.add_typer(actors_app, name="actors")
app.add_typer(places_app, name="places")
app.add_typer(dates_app, name="dates")

out = Console()
err = Console(stderr=True)


class OutFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"
    json = "json"
    csv = "csv"


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"
    json = "json"
    plover = "plover"
    geojson = "geojson"
    tsv = "tsv"


LangOpt = Annotated[Optional[str], typer.Option("--lang", help="Language (de, en); detected per article if omitted.")]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB file of the event store.")]
ActorsOpt = Annotated[Optional[list[Path]], typer.Option("--actors", help="Extra actor file(s) to merge (same format as the shipped ones).")]


PipelineOpt = Annotated[str, typer.Option(
    "--pipeline", help="Trained pipelines: 'accurate' (default) or 'fast' (about 2x the speed, lower quality; "
    "see docs/performance.md).")]


def _options(  # type: ignore[no-untyped-def]
    min_confidence: float = 0.0, actors: list[Path] | None = None, time_limit: float = 60.0,
    pipeline: str = "accurate",
):
    from chronik.nlp import check_profile
    from chronik.pipeline import CoderOptions

    for p in actors or []:
        if not p.exists():
            raise error("E001", path=p)
    return CoderOptions(min_confidence=min_confidence, actor_files=tuple(str(p) for p in actors or []),
                        time_limit=time_limit or None, pipeline=check_profile(pipeline))


TimeLimitOpt = Annotated[float, typer.Option("--time-limit", min=0.0,
                                             help="Seconds per article before it is skipped (E100); 0 = no limit.")]


def _entities(ents: list) -> str:  # type: ignore[type-arg]
    return ", ".join(f"{e.text} [{e.code or '-'}/{e.sector or '-'}]" for e in ents) or "-"


@app.command()
def code(
    path: Annotated[str, typer.Argument(help="A file, a folder, or '-' for stdin.")],
    lang: LangOpt = None,
    format: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")] = OutFormat.table,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each event exists.")] = False,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0, help="Drop events below this confidence.")] = 0.0,
    actors: ActorsOpt = None,
    time_limit: TimeLimitOpt = 60.0,
    pipeline: PipelineOpt = "accurate",
) -> None:
    """Code articles and print their events and statements."""
    from chronik.io.readers import ReadProblem, read_path
    from chronik.pipeline import code_stream

    options = _options(min_confidence, actors, time_limit, pipeline)
    articles = []
    failures = 0
    for item in read_path(path, lang=lang):
        if isinstance(item, ReadProblem):
            err.print(f"[yellow]skipped[/] {item.where}: {item.error}")
            failures += 1
        else:
            articles.append(item)
    results = []
    for result in code_stream(articles, options=options):
        if isinstance(result, tuple):
            article, exc = result
            err.print(f"[yellow]skipped[/] {article.path or article.id}: {exc}")
            failures += 1
        else:
            results.append(result)
    if format is OutFormat.table:
        _print_tables(results, explain=explain)
    elif format is OutFormat.jsonl:
        for r in results:
            sys.stdout.write(r.to_json() + "\n")
    elif format is OutFormat.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1) + "\n")
    else:
        from chronik.io.writers import write_events

        write_events((e.to_dict() for r in results for e in r.events), "csv", sys.stdout)
    if failures and not results:
        raise typer.Exit(1)


def _print_tables(results: list, *, explain: bool) -> None:  # type: ignore[type-arg]
    for r in results:
        a = r.article
        out.rule(f"{a.id}  [dim]{a.lang} {a.date or 'no date'} {a.dateline or ''}[/]")
        t = Table("type", "actor", "recipient", "aux", "date", "place", "trigger", "conf", show_lines=False)
        for e in r.events:
            t.add_row(e.type + (f"/{e.mode}" if e.mode else ""), _entities(e.actor), _entities(e.recipient),
                      ",".join(e.aux) or "-", e.date.date if e.date and e.date.date else "-",
                      e.location.name if e.location else "-", e.evidence.trigger, f"{e.confidence:.2f}")
        out.print(t if r.events else "[dim]no events[/]")
        if explain:
            for e in r.events:
                ev = e.evidence
                out.print(f"[bold]{e.id}[/] {e.type}  pattern [cyan]{ev.rule}[/]  trigger «{ev.trigger}»")
                out.print(f"  sentence {ev.sentence_index}: {ev.sentence}")
                for note in ev.notes:
                    out.print(f"  - {note}")
                for x in e.actor + e.recipient:
                    out.print(f"  - {x.text}: {x.rule}")
                if e.date:
                    out.print(f"  - date {e.date.date} ({e.date.precision}) from {e.date.text or e.date.rule}")
                if e.location:
                    out.print(f"  - place {e.location.name} ({e.location.country}): {e.location.rule}")
        if r.statements:
            s = Table("speaker", "kind", "content")
            for st in r.statements:
                sp = st.speaker
                s.add_row(f"{sp.text} [{sp.code or '-'}/{sp.sector or '-'}]" if sp else "?", st.kind, st.content[:160])
            out.print(s)


@app.command()
def ingest(
    path: Annotated[str, typer.Argument(help="A file, a folder, or '-' for stdin.")],
    db: DbOpt,
    lang: LangOpt = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes for coding.")] = 1,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (engine dask).")] = None,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0)] = 0.0,
    actors: ActorsOpt = None,
    commit_every: Annotated[int, typer.Option("--commit-every", min=1, max=100000, help="Articles per transaction.")] = 64,
    time_limit: TimeLimitOpt = 60.0,
    pipeline: PipelineOpt = "accurate",
    recycle: Annotated[int, typer.Option("--recycle", min=0, help="With --workers: replace the worker processes after this many articles, which bounds their memory (0 = never).")] = 10_000,
    db_memory: Annotated[Optional[int], typer.Option("--db-memory", min=64, help="Cap DuckDB's memory in this process at this many MB (default: DuckDB's, 80 % of RAM); bounds the writer's growth over long runs.")] = None,
) -> None:
    """Code articles and store them in a DuckDB file (resumable: stored articles are skipped)."""
    from chronik.ingest import ingest as run_ingest
    from chronik.io.readers import read_path
    from chronik.store import open_store

    if engine not in ("local", "dask"):
        raise error("E009", value=engine, choices="local, dask")
    if scheduler and engine != "dask":
        raise error("E014", a="--scheduler", b=f"--engine {engine}")
    options = _options(min_confidence, actors, time_limit, pipeline)
    source = read_path(path, lang=lang)
    code_fn = None
    langs = {"langs": (lang,)} if lang else {}
    if engine == "dask":
        from chronik.scale.dask_engine import dask_coder

        code_fn = dask_coder(options=options, scheduler=scheduler, workers=workers, **langs)
    elif workers > 1:
        from chronik.scale.local import pool_coder

        code_fn = pool_coder(options=options, workers=workers, recycle=recycle, **langs)
    try:
        with open_store(db, memory_mb=db_memory) as store, Progress(
            TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False,
        ) as progress:
            task = progress.add_task("ingest", total=None, rate="")
            t0 = time.perf_counter()

            def tick(n: int) -> None:
                progress.advance(task, n)
                done = progress.tasks[0].completed
                progress.update(task, rate=f"{done / max(time.perf_counter() - t0, 1e-6):.1f} articles/s")

            report = run_ingest(source, store, options=options, on_article=tick, code=code_fn,
                                commit_every=commit_every)
            summary = store.summary()
    finally:
        if code_fn is not None:
            code_fn.close()
    for where, message in report.problems:
        err.print(f"[yellow]skipped[/] {where}: {message}")
    out.print(
        f"read {report.read}, coded {report.coded}, stored {report.stored}, already stored {report.already_stored}, "
        f"skipped {len(report.problems)}; events {report.events}, statements {report.statements}"
    )
    out.print(f"store {db}: {summary['articles']} articles, {summary['events']} events, {summary['statements']} statements")
    if summary["by_type"]:
        out.print("events by type: " + ", ".join(f"{k} {v}" for k, v in summary["by_type"].items()))


@app.command()
def events(
    db: DbOpt,
    actor: Annotated[Optional[str], typer.Option(help="Actor code (e.g. DNK).")] = None,
    recipient: Annotated[Optional[str], typer.Option(help="Recipient code.")] = None,
    type: Annotated[Optional[str], typer.Option("--type", help="PLOVER type (e.g. CONSULT).")] = None,
    mode: Annotated[Optional[str], typer.Option(help="PLOVER mode.")] = None,
    sector: Annotated[Optional[str], typer.Option(help="Actor or recipient sector (e.g. GOV).")] = None,
    aux: Annotated[Optional[str], typer.Option(help="Aux mode: negation, future, hypothetical, historical.")] = None,
    country: Annotated[Optional[str], typer.Option(help="Country (ISO3) of the event location.")] = None,
    since: Annotated[Optional[str], typer.Option(help="Earliest event date YYYY-MM-DD.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Latest event date YYYY-MM-DD.")] = None,
    text: Annotated[Optional[str], typer.Option(help="Words in the evidence sentence.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    format: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.table,
) -> None:
    """Query stored events."""
    from chronik.io.readers import _check_date
    from chronik.model import PLOVER_TYPES
    from chronik.store import open_store
    from chronik.store.duck import EventFilter

    if type and type.upper() not in PLOVER_TYPES:
        raise error("E009", value=type, choices=", ".join(PLOVER_TYPES))
    flt = EventFilter(actor=actor, recipient=recipient, type=type, mode=mode, sector=sector, aux=aux, country=country,
                      since=_check_date(since, "--since"), until=_check_date(until, "--until"), text=text)
    with open_store(db, read_only=True) as store:
        rows = store.events(flt, limit=limit, offset=offset)
        total = store.count_events(flt)
    _print_rows(rows, format, title=f"{len(rows)} of {total} events")


TABLE_COLUMNS = ("event_date", "type", "actor_codes", "recipient_codes", "aux", "place", "trigger", "confidence",
                 "speaker_text", "speaker_code", "kind", "content")


def _print_rows(rows: list[dict], format: OutFormat, *, title: str) -> None:  # type: ignore[type-arg]
    if format is OutFormat.table:
        if not rows:
            out.print(f"[dim]{title}[/]")
            return
        # A terminal table shows what fits; --format jsonl/json/csv gives every column.
        cols = [c for c in rows[0] if c in TABLE_COLUMNS] or [c for c in rows[0] if c not in ("sentence", "record")]
        t = Table(*cols, title=title)
        for r in rows:
            t.add_row(*("" if r[c] is None else ",".join(map(str, r[c])) if isinstance(r[c], list)
                        else str(r[c])[:60] for c in cols))
        out.print(t)
    elif format is OutFormat.jsonl:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    elif format is OutFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, default=str, indent=1) + "\n")
    else:
        import csv

        if rows:
            w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


@app.command()
def statements(
    db: DbOpt,
    speaker: Annotated[Optional[str], typer.Option(help="Speaker name, words or code.")] = None,
    text: Annotated[Optional[str], typer.Option(help="Words in the statement.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="direct or indirect.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    format: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.table,
) -> None:
    """Query stored statements (who said what)."""
    from chronik.store import open_store

    if kind and kind not in ("direct", "indirect"):
        raise error("E009", value=kind, choices="direct, indirect")
    with open_store(db, read_only=True) as store:
        rows = store.statements(speaker=speaker, text=text, kind=kind, limit=limit, offset=offset)
    _print_rows(rows, format, title=f"{len(rows)} statements")


@app.command()
def export(
    db: DbOpt,
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.jsonl,
    output: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (stdout if omitted; required for parquet).")] = None,
) -> None:
    """Export stored events (parquet, csv, jsonl, json, plover, geojson, tsv)."""
    from chronik.io.writers import write_events
    from chronik.store import open_store

    with open_store(db, read_only=True) as store:
        if format is ExportFormat.parquet:
            if output is None:
                raise error("E009", value="parquet to stdout", choices="--out FILE.parquet")
            store.con.execute(
                f"COPY (SELECT * EXCLUDE (record) FROM events ORDER BY event_date, event_id) TO '{_sql_path(output)}' (FORMAT parquet)"
            )
            n = store.count_events()
        elif output is None:
            n = write_events(store.event_records(), format.value, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                n = write_events(store.event_records(), format.value, fh)
    err.print(f"exported {n} events" + (f" to {output}" if output else ""))


def _sql_path(path: Path) -> str:
    """A file path as a SQL string literal body (DuckDB's COPY takes no parameter for the file)."""
    return str(path).replace("'", "''")


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL file (GOLD_FORMAT.md).")],
    per_type: Annotated[bool, typer.Option("--per-type", help="Add per-type precision/recall and confusions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0)] = 0.0,
    pipeline: PipelineOpt = "accurate",
) -> None:
    """Score the coder against a gold file."""
    from chronik.evaluate import format_report, load_gold, score
    from chronik.io.readers import make_article
    from chronik.pipeline import coder_for

    if not gold.exists():
        raise error("E001", path=gold)
    articles = load_gold(gold)
    options = _options(min_confidence, pipeline=pipeline)
    system = {}
    for g in articles:
        art = make_article(g.text, id=g.id, date=g.date, lang=g.lang)
        system[g.id] = coder_for(art.lang or "de", options).code(art)
    report = score(articles, system)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=1) + "\n")
    else:
        out.print(format_report(report, per_type=per_type))


@actors_app.command("lookup")
def actors_lookup(
    text: Annotated[str, typer.Argument(help="An actor mention, e.g. 'die dänische Ministerpräsidentin'.")],
    date: Annotated[Optional[str], typer.Option(help="Story date YYYY-MM-DD (roles are dated).")] = None,
    lang: Annotated[str, typer.Option(help="de or en.")] = "de",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    actors: ActorsOpt = None,
) -> None:
    """Explain how an actor mention resolves."""
    from chronik.actors import explain_lookup
    from chronik.io.readers import _check_date
    from chronik.nlp import check_lang

    check_lang(lang)
    _options(0.0, actors)
    result = explain_lookup(text, lang=lang, date=_check_date(date, "--date"),
                            extra_files=tuple(str(p) for p in actors or []))
    _print_mapping(result, as_json)
    if not result.get("code") and not result.get("sector"):
        raise typer.Exit(1)


@places_app.command("lookup")
def places_lookup(
    text: Annotated[str, typer.Argument(help="A place mention, e.g. 'Kopenhagen'.")],
    lang: Annotated[str, typer.Option(help="de or en.")] = "de",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Explain how a place mention resolves."""
    from chronik.nlp import check_lang
    from chronik.places import Gazetteer

    place = Gazetteer.for_lang(check_lang(lang)).lookup(text)
    if place is None:
        err.print(f"no place found for '{text}'")
        raise typer.Exit(1)
    _print_mapping(place.to_dict(), as_json)


@dates_app.command("resolve")
def dates_resolve(
    expression: Annotated[str, typer.Argument(help="A date expression, e.g. 'am Donnerstag'.")],
    story_date: Annotated[str, typer.Option("--story-date", help="Story date YYYY-MM-DD.")],
    lang: Annotated[str, typer.Option(help="de or en.")] = "de",
    future: Annotated[bool, typer.Option("--future", help="Resolve weekdays forward.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Explain how a date expression resolves against a story date."""
    from chronik.dates import parse_story_date, resolve
    from chronik.nlp import check_lang

    parse_story_date(story_date)
    result = resolve(expression, story_date=story_date, lang=check_lang(lang), future=future)
    _print_mapping(result.to_dict(), as_json)
    if result.date is None:
        raise typer.Exit(1)


def _print_mapping(data: dict, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    t = Table(show_header=False)
    for k, v in data.items():
        t.add_row(k, "" if v is None else str(v))
    out.print(t)


@app.command()
def dedup(
    db: DbOpt,
    threshold: Annotated[float, typer.Option("--threshold", min=0.01, max=0.99, help="Word-shingle Jaccard similarity at which two articles are one story.")] = 0.7,
    top: Annotated[int, typer.Option("--top", min=0, help="Show the N events reported by the most articles.")] = 10,
) -> None:
    """Group near-duplicate articles into stories and repeated events into event groups with counts."""
    from chronik.dedup import DedupOptions, dedup_db, story_events
    from chronik.store import open_store

    with Progress(TextColumn("[bold]dedup[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err) as progress:
        task = progress.add_task("dedup", total=None)
        report = dedup_db(db, options=DedupOptions(threshold=threshold), on_article=lambda n: progress.advance(task, n))
    out.print(f"{report.articles} articles in {report.stories} stories ({report.multi_article_stories} with several articles); "
              f"{report.events} events in {report.event_groups} groups ({report.multi_article_groups} reported by several articles)")
    if top:
        with open_store(db, read_only=True) as store:
            rows = story_events(store, limit=top, min_articles=2)
        _print_rows(rows, OutFormat.table, title=f"top {len(rows)} events reported by several articles")


@app.command()
def serve(
    db: DbOpt,
    host: Annotated[str, typer.Option(help="Interface to bind to; loopback unless you mean to share the store.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    api_key: Annotated[Optional[str], typer.Option("--api-key", envvar="CHRONIK_API_KEY", help="Turn on POST /code?store=true for requests that send this key in X-API-Key.")] = None,
    snapshot: Annotated[bool, typer.Option("--snapshot/--no-snapshot", help="Keep a snapshot to answer from while an ingest writes the store.")] = True,
    rate_limit: Annotated[float, typer.Option("--rate-limit", min=0.0, help="Requests per second per client (POST costs 5); 0 = no limit.")] = 50.0,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) and the dashboard (at /) over a store."""
    from chronik.api.cli_serve import serve as run_serve

    run_serve(db, host, port, api_key, snapshot=snapshot, rate_limit=rate_limit)


@app.command()
def info() -> None:
    """Show versions and the shipped pipelines."""
    from chronik.nlp import DEFAULT_PROFILE, PROFILES, SUPPORTED, has_trained, model_path

    out.print(f"chronik {__version__}")
    for lang in SUPPORTED:
        out.print(f"  {lang}: {'trained pipeline' if has_trained(lang) else 'blank + rules'} at {model_path(lang)}")
        for profile in PROFILES:
            if profile != DEFAULT_PROFILE:
                state = "installed" if has_trained(lang, profile) else "not installed"
                out.print(f"  {lang} --pipeline {profile}: {state} at {model_path(lang, profile)}")


def main() -> None:
    """Entry point: run the CLI, turning Chronik errors into one clear line and a non-zero exit."""
    warnings.simplefilter("ignore", ChronikWarning)
    try:
        app()
    except ChronikError as exc:
        err.print(f"[red]error[/] {exc}")
        sys.exit(2 if exc.code in ("E009", "E010", "E014", "E016") else 1)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
