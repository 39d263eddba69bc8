"""How the API reaches the store without the write lock: short read-only connections, a snapshot while an ingest writes.

DuckDB lets one process write a file, and while it does no other process may open it, not even
read-only. So the API never keeps a connection open (that would stop `chronik ingest` from
starting): every request opens the file read-only and closes it again. When the file is free,
the API also copies it in the background into a private snapshot (only when it changed, never
holding a lock while copying). When a writer holds the file, requests are answered from that
snapshot and say so in the `X-Chronik-Source` header; with no snapshot yet they get 503 and
`Retry-After`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from chronik.errors import error
from chronik.store.duck import Store, open_store
from chronik.store.schema import LATEST


@dataclass(frozen=True)
class Snapshot:
    """A private copy of the store file as it was at `taken_at`."""

    path: Path
    taken_at: str
    key: tuple[int, int]  # (mtime_ns, size) of the store file it was copied from


@dataclass
class Reading:
    """An open read-only connection and where its data came from."""

    con: duckdb.DuckDBPyConnection
    source: str  # "live" or "snapshot"
    snapshot_taken_at: str | None = None


class _ReadWriteLock:
    """Many readers or one writer inside this process (DuckDB refuses mixed configs on one file)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def _is_lock_error(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _file_key(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


class StoreAccess:
    """Read (and, for POST /code with a key, write) access to one DuckDB store file."""

    def __init__(
        self, path: str | Path, *, snapshot: bool = True, snapshot_dir: str | Path | None = None, retry_after: int = 5,
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise error("E086", path=self.path, detail="no such file")
        self.snapshot_enabled = snapshot
        self.retry_after = retry_after
        self._own_dir = snapshot and snapshot_dir is None
        self._dir = Path(snapshot_dir) if snapshot_dir else (
            Path(tempfile.mkdtemp(prefix="chronik-snapshot-")) if snapshot else None
        )
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
        self._snapshot: Snapshot | None = None
        self._generation = 0
        self._rw = _ReadWriteLock()
        self._refreshing = threading.Lock()
        self._closed = False

    # -- reads --------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Reading]:
        """A read-only connection for one request: the live file, else the snapshot, else E080."""
        with self._rw.reading():
            reading = self._open_live()
            if reading is None:
                snap = self._snapshot
                if snap is None:
                    raise error("E080", path=self.path, seconds=self.retry_after)
                reading = Reading(duckdb.connect(str(snap.path), read_only=True), "snapshot", snap.taken_at)
            try:
                yield reading
            finally:
                reading.con.close()
        if reading.source == "live":
            self.refresh_snapshot_soon()

    def _open_live(self) -> Reading | None:
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                return None
            raise error("E033", path=self.path, detail=str(exc).splitlines()[0][:160]) from None
        return Reading(con, "live")

    # -- writes -------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Store]:
        """The store opened for writing (E031 while another process writes)."""
        with self._rw.writing():
            store = open_store(self.path, create=False)
            try:
                yield store
            finally:
                store.close()
        self.refresh_snapshot_soon()

    # -- snapshot -----------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    def refresh_snapshot_soon(self) -> None:
        """Refresh the snapshot in a background thread if the store changed since the last one."""
        if not self.snapshot_enabled or self._closed:
            return
        snap = self._snapshot
        try:
            if snap is not None and _file_key(self.path) == snap.key:
                return
        except OSError:
            return
        threading.Thread(target=self.refresh_snapshot, kwargs={"wait": False}, name="chronik-snapshot",
                         daemon=True).start()

    def refresh_snapshot(self, *, wait: bool = True) -> Snapshot | None:
        """Copy the store file while no writer holds it; keep the copy only if nothing changed meanwhile.

        With `wait=False`, return at once when another refresh is running.
        """
        if not self.snapshot_enabled or self._dir is None:
            return None
        if not self._refreshing.acquire(blocking=wait):
            return self._snapshot
        try:
            # Hold off in-process writers (POST /code?store=true) while probing and copying.
            with self._rw.reading():
                return self._refresh(self._dir)
        finally:
            self._refreshing.release()

    def _refresh(self, folder: Path) -> Snapshot | None:
        before = _file_key(self.path)
        if self._snapshot is not None and self._snapshot.key == before:
            return self._snapshot
        if not self._writer_free():
            return self._snapshot
        self._generation += 1
        target = folder / f"snapshot-{self._generation}.duckdb"
        tmp = target.with_suffix(".tmp")
        wal = Path(str(self.path) + ".wal")
        try:
            shutil.copyfile(self.path, tmp)
            if wal.exists():
                shutil.copyfile(wal, Path(str(tmp) + ".wal"))
            # A writer that opened the file meanwhile may have left the copy half old, half new.
            if _file_key(self.path) != before or not self._writer_free():
                return self._snapshot
            os.replace(tmp, target)
            if Path(str(tmp) + ".wal").exists():
                os.replace(Path(str(tmp) + ".wal"), Path(str(target) + ".wal"))
            con = duckdb.connect(str(target), read_only=True)
            try:
                row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
                if not row or (row[0] or 0) > LATEST:
                    return self._snapshot
            finally:
                con.close()
        except (OSError, duckdb.Error):
            return self._snapshot
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
        old = self._snapshot
        self._snapshot = Snapshot(target, datetime.now(timezone.utc).isoformat(timespec="seconds"), before)
        if old is not None:
            # Readers still using the old file keep their open handle; the name can go.
            old.path.unlink(missing_ok=True)
            Path(str(old.path) + ".wal").unlink(missing_ok=True)
        return self._snapshot

    def _writer_free(self) -> bool:
        try:
            duckdb.connect(str(self.path), read_only=True).close()
        except duckdb.Error:
            return False
        return True

    def close(self) -> None:
        """Stop refreshing and remove the snapshot folder this object created."""
        self._closed = True
        with self._refreshing:
            if self._own_dir and self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
