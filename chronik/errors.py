"""One catalogue of Chronik's errors and warnings, each saying what to do about it."""
from __future__ import annotations

import warnings


class ChronikError(Exception):
    """Base of every error Chronik raises on purpose.

    >>> raise ChronikError.E001(path="x.txt")  # doctest: +SKIP
    chronik.errors.ChronikError: [E001] File not found: x.txt. Check the path ...
    """

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code:
            self.code = code
        self.message = message
        super().__init__(f"[{self.code}] {message}")

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keep the code across process boundaries (worker pools, Dask).
        return (_rebuild, (type(self), self.message, self.code))


def _rebuild(cls: type[ChronikError], message: str, code: str) -> ChronikError:
    return cls(message, code=code)


class InputError(ChronikError):
    """Bad input: a file, a line, an article, an option."""


class ModelError(ChronikError):
    """A shipped pipeline or data file is missing or broken."""


class StoreError(ChronikError):
    """The event store cannot be opened, migrated or written."""


class ChronikWarning(UserWarning):
    """Base of Chronik's warnings."""


# The catalogue: code -> (exception class, message template with the fix).
CATALOGUE: dict[str, tuple[type[ChronikError], str]] = {
    "E001": (InputError, "File or folder not found: {path}. Check the path, or pass '-' to read stdin."),
    "E002": (InputError, "Cannot decode {path} as UTF-8, UTF-16 or cp1252. Convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)."),
    "E003": (InputError, "Bad JSON on line {line} of {path}: {detail}. Fix or remove that line; each line must be one JSON object with a 'text' field."),
    "E004": (InputError, "Article {article} has no text. Give every record a non-empty 'text' field."),
    "E005": (InputError, "Article {article} is in language '{lang}', which Chronik cannot code (supported: {supported}). Pass --lang if detection was wrong."),
    "E006": (InputError, "Cannot read {path}: unknown format '{suffix}'. Use .txt, .jsonl, .jsonl.gz, .json, .csv, .rss/.xml/.atom, or a folder of them."),
    "E007": (InputError, "Bad date '{value}' in {where}. Use YYYY-MM-DD, YYYY-MM or YYYY."),
    "E008": (InputError, "CSV file {path} has no 'text' column (columns: {columns}). Rename the column holding the article text to 'text'."),
    "E009": (InputError, "Unknown output format '{value}'. Choose one of: {choices}."),
    "E010": (InputError, "Unsupported language '{lang}'. Choose one of: {supported}."),
    "E011": (InputError, "Article {article} is binary or not text ({detail}). Skip it, or convert it to text first."),
    "E012": (InputError, "Gold file {path} line {line} is not valid gold: {detail}. See GOLD_FORMAT.md."),
    "E013": (InputError, "Article {article} is too large ({size} characters, limit {limit}). Split it into several articles."),
    "E014": (InputError, "Options {a} and {b} cannot be used together. Choose one."),
    "E015": (InputError, "Cannot read {path}: {detail}. Check the file is complete (e.g. `gzip -t`) and readable."),
    "E016": (InputError, "Unknown pipeline '{value}'. Choose one of: {choices}."),
    "E050": (ModelError, "Gazetteer data file {path} cannot be read: {detail}. Rebuild it with `python training/build_gazetteer.py` or reinstall Chronik."),
    "E051": (ModelError, "Unknown row kind '{kind}' in {path}. Use one of: name, cue, stop, article, admin_prefix, admin_suffix, direction."),
    "E052": (ModelError, "Target '{target}' in {path} names no known place. Use country:ISO3, admin1:ISO3:Name, city:ISO3:Name or region:id from lang/common/places_regions.tsv."),
    "E053": (ModelError, "Date words file {path} is broken: {detail}. Fix the JSON (see docs/places_dates.md)."),
    "E020": (ModelError, "The {lang} pipeline at {path} cannot be loaded: {detail}. Reinstall Chronik (`pip install -e .`)."),
    "E022": (ModelError, "The {profile} {lang} pipeline is not installed (expected {path}). Reinstall Chronik, or build it with `python training/train.py {lang} --profile {profile}`."),
    "E021": (ModelError, "Data file {path} is broken: {detail}. Fix the file or remove it from --actors."),
    "E040": (ModelError, "Actor file {path} line {line}: unknown kind '{value}'. Use one of: {choices}."),
    "E041": (ModelError, "Actor file {path} line {line}: unknown sector '{value}'. Use one of: {choices}, or leave the cell empty."),
    "E042": (ModelError, "Actor file {path} line {line}: bad {column} date '{value}'. Use YYYY-MM-DD, YYYY-MM or YYYY."),
    "E043": (InputError, "No actor tables for language '{lang}' (expected {path}). Add the language's actor files or choose another --lang."),
    "E044": (InputError, "Bad story date '{value}' for actor look-up. Use YYYY-MM-DD, YYYY-MM or YYYY, or leave it out."),
    "E030": (StoreError, "Database {path} does not exist. Create it first with `chronik ingest PATH --db {path}`."),
    "E031": (StoreError, "Database {path} is locked by another process ({detail}). Wait for the running ingest to finish, or use another --db file."),
    "E032": (StoreError, "Database {path} has schema version {found}, newer than this Chronik ({known}). Upgrade Chronik."),
    "E033": (StoreError, "Cannot open database {path}: {detail}. Check that it is a DuckDB file and that you may write to its folder."),
    "E070": (ModelError, "Speech data {path} for the statements layer is missing or broken: {detail}. Reinstall Chronik (`pip install -e .`) or fix that JSON file."),
    "E080": (StoreError, "Database {path} is being written by another process (a running ingest) and no snapshot of it exists yet. Retry in {seconds} s; once the ingest ends `chronik serve` keeps a snapshot to answer from during later ingests."),
    "E081": (InputError, "Request body of {size} bytes is larger than the limit of {limit} bytes. Split the text, or code it offline with `chronik code FILE`."),
    "E082": (InputError, "Storing coded text is switched off. Start the server with `chronik serve --api-key KEY` and send that key in the X-API-Key header."),
    "E083": (InputError, "Missing or wrong API key. Send the key given to `chronik serve --api-key` in the X-API-Key header."),
    "E084": (InputError, "No {kind} '{id}' in the store. List what exists with GET {listing}."),
    "E085": (InputError, "Bad parameter {name}={value!r}: {detail}"),
    "E087": (InputError, "Too many requests from {client}: the limit is {rate} per second (bursts of {burst}). Retry after {seconds} s, or start the server with a higher --rate-limit."),
    "E086": (InputError, "Cannot serve {path}: {detail}. Create the store with `chronik ingest PATH --db {path}` or check the path."),
    "E090": (ChronikError, "A coding worker process died ({detail}). Rerun the same command: stored articles are skipped. If it repeats, run with --workers 1 to find the article that kills it."),
    "E091": (ChronikError, "Cannot reach the Dask scheduler at {address}: {detail}. Start it (`dask scheduler`) and its workers, or leave out --scheduler to run a local cluster."),
    "E092": (InputError, "Unknown Parquet partition '{value}'. Choose one of: {choices}."),
    "E093": (InputError, "No Chronik Parquet data under {path}. Write it first (chronik.scale.parquet.code_to_parquet), or check the folder."),
    "E094": (ChronikError, "The {engine} engine needs the '{package}' package. Install it with `pip install 'chronik[{extra}]'`."),
    "E095": (InputError, "Dedup option {name}={value} is out of range ({allowed}). Choose a value in that range."),
    "E096": (InputError, "--workers must be at least 1 (got {value}). Use --workers 1 to code in this process."),
    "E100": (InputError, "Article {article} took longer than {seconds} s to code and was skipped. Split it into shorter texts (long runs without sentence punctuation are slow to code), or raise the time limit (`--time-limit`)."),
    "E101": (ChronikError, "Coding article {article} failed inside Chronik ({detail}). This is a bug: report it with the article text. The other articles were coded."),
}

WARNINGS: dict[str, str] = {
    "W001": "Skipped article {article}: {reason}",
    "W002": "No trained {lang} pipeline shipped; using a blank pipeline with rules only (lower quality).",
    "W060": "Gold file {path} line {line} repeats article id {article}; it is scored as {renamed}. Give every gold article its own id.",
    "W080": "Serving on {host}, which other machines can reach; anyone there can read the store. Use the default 127.0.0.1 unless you mean to share it.",
}


def error(code: str, **fields: object) -> ChronikError:
    """Build the catalogued error `code` with its message filled in (raise it yourself)."""
    cls, template = CATALOGUE[code]
    return cls(template.format(**fields), code=code)


def warning_text(code: str, **fields: object) -> str:
    return f"[{code}] " + WARNINGS[code].format(**fields)


def warn(code: str, **fields: object) -> None:
    warnings.warn(warning_text(code, **fields), ChronikWarning, stacklevel=2)
