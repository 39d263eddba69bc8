"""`chronik serve`: run the API and dashboard over a store with uvicorn (loopback unless told otherwise)."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import sys

from chronik.errors import error, warning_text

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    db: Path, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None, *, snapshot: bool = True,
    rate_limit: float = 50.0,
) -> None:
    """Serve the API (OpenAPI at /docs) and the dashboard (at /) for the store `db` until interrupted."""
    import uvicorn

    from chronik.api.app import create_app

    if not Path(db).is_file():
        raise error("E086", path=db, detail="no such file")
    if api_key is not None and len(api_key) < 8:
        raise error("E085", name="--api-key", value="***", detail="use a key of at least 8 characters.")
    if not is_loopback(host):
        # The CLI silences ChronikWarning, and this one must be seen: print it.
        print(warning_text("W080", host=host), file=sys.stderr)
    app = create_app(db, api_key=api_key, snapshot=snapshot, rate_limit=rate_limit, burst=max(10, int(rate_limit * 2)))
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
