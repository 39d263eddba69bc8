"""The HTTP API (FastAPI) and dashboard over a Chronik store."""
from chronik.api.app import create_app

__all__ = ["create_app"]
