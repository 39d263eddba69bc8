"""The embedded event store: DuckDB file, versioned schema, transactional writes, queries."""
from chronik.store.duck import Store, open_store

__all__ = ["Store", "open_store"]
