"""Long fuzz runs of the properties in tests/test_fuzz.py (and schemathesis on a live server), with counts.

    python bench/fuzz_long.py --examples 5000 --coder-examples 500 --api-examples 100

Prints, per property, how many inputs were tried and what failed. Nothing here is a timed test.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tests.test_fuzz as props  # noqa: E402  - the same strategies and properties as the test suite


def run_property(name: str, test: Callable[..., None], examples: int, **fixed: object) -> None:
    """Run a hypothesis-decorated test function with a larger budget; count inputs and failures."""
    inner = test.hypothesis.inner_test  # type: ignore[attr-defined]
    strategies = test.hypothesis._given_kwargs  # type: ignore[attr-defined]
    count = 0

    def counted(**kw: object) -> None:
        nonlocal count
        count += 1
        inner(**fixed, **kw)

    wrapped = settings(max_examples=examples, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck))(given(**strategies)(counted))
    started = time.perf_counter()
    try:
        wrapped()
        outcome = "ok"
    except BaseException as exc:  # noqa: BLE001 - report and go on to the next property
        outcome = f"FAILED: {type(exc).__name__}: {str(exc)[:400]}"
    print(f"{name:36} {count:7d} inputs {time.perf_counter() - started:7.1f} s  {outcome}", flush=True)


def run_api(examples: int) -> None:
    import subprocess
    import tempfile

    import httpx
    import schemathesis
    from schemathesis.checks import not_a_server_error

    import tests.test_api_schema as api

    db = api._store(Path(tempfile.mkdtemp(prefix="chronik-fuzz-")) / "store.duckdb")
    port = api._free_port()
    code = ("import sys; from pathlib import Path; from chronik.api.cli_serve import serve; "
            f"serve(Path(sys.argv[1]), port={port}, api_key={api.KEY!r})")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/summary", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        schema = schemathesis.openapi.from_url(url + "/openapi.json")
        for result in schema.get_all_operations():
            op = result.ok()
            count, statuses, failures = 0, {}, []

            def call(case) -> None:  # type: ignore[no-untyped-def]
                nonlocal count
                count += 1
                response = case.call(base_url=url, timeout=120)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                try:
                    case.validate_response(response, checks=[not_a_server_error])
                except Exception as exc:  # noqa: BLE001
                    failures.append(str(exc)[:300])

            settings(max_examples=examples, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(given(case=op.as_strategy())(call))()
            print(f"{op.label:36} {count:7d} requests  statuses {dict(sorted(statuses.items()))}  "
                  f"{'FAILED: ' + failures[0] if failures else 'ok'}", flush=True)
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=5000, help="inputs per reader/date property")
    ap.add_argument("--coder-examples", type=int, default=300, help="inputs per language for the coder")
    ap.add_argument("--api-examples", type=int, default=50, help="requests per API operation (0: skip)")
    args = ap.parse_args()

    for name in ("test_make_article_on_random_text", "test_decode_bytes_on_random_bytes",
                 "test_iter_jsonl_on_random_lines", "test_resolve_never_raises_on_text",
                 "test_resolve_bad_story_date_is_e007"):
        run_property(name.removeprefix("test_"), getattr(props, name), args.examples)
    from chronik.pipeline import Coder

    coders = {"de": Coder("de"), "en": Coder("en")}
    run_property("coder_on_random_sentences", props.test_coder_on_random_sentences, args.coder_examples,
                 coders=coders)
    if args.api_examples:
        run_api(args.api_examples)


if __name__ == "__main__":
    main()
