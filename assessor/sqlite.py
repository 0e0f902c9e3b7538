"""SQLite as a multi-process web database: WAL, a fair queue for the write lock, and reads that never wait.

SQLite allows one writer at a time.  pysqlite sends BEGIN only before the first write, so a
transaction that reads and then writes would try to upgrade its lock late and fail at once when a
colleague wrote in between; so every transaction takes the write lock at BEGIN (BEGIN IMMEDIATE)
and writers queue.  Two refinements keep that queue short:

* SQLite's own busy handler sleeps with growing pauses (up to 100 ms) between attempts, so a
  waiting writer often sleeps long after the lock was released, and polling faster burns the CPU
  the writer needs.  So the app's writers first take an exclusive ``flock`` on a file beside the
  database and hold it for the transaction; trying that lock costs one system call, so it is
  polled every half millisecond and the next writer starts almost as soon as the last finished.
  SQLite's own lock still decides; other programs (the sqlite3 shell, a backup) are waited for
  with the busy timeout as before.
* A page that only reads needs no write lock at all: in WAL mode readers see a consistent snapshot
  while a writer works.  Views marked ``@read_only`` begin an ordinary deferred transaction for GET
  and HEAD, with ``PRAGMA query_only`` on, so a write slipped into such a view fails loudly instead
  of upgrading the lock late.

None of this applies to PostgreSQL, where the engine is left as configured.
"""

from __future__ import annotations

import fcntl
import time

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

POLL_SECONDS = 0.0005
MMAP_BYTES = 256 * 1024 * 1024


def read_only(view):
    """Mark a view whose GET and HEAD requests never write, so they need no write lock on SQLite."""
    view.reads_only = True
    return view


def _reading_request() -> bool:
    if not has_request_context() or request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "reads_only", False)


class _WriterQueue:
    """The flock beside one database file; one open file (and so one lock) per pooled connection."""

    def __init__(self, database: str, timeout_seconds: float):
        self.path = database + "-writers"
        self.timeout_seconds = timeout_seconds

    def acquire(self, info: dict) -> None:
        """Wait for the earlier writers of this app, polling a cheap non-blocking flock.

        Never blocks for good: after the busy timeout it gives up the queue and leaves the waiting
        to SQLite, which then reports the database as locked.  (A blocking flock would hang for ever
        if one thread ever held two connections wanting to write.)
        """
        handle = info.get("writer_lock")
        if handle is None:
            handle = info["writer_lock"] = open(self.path, "a+b")  # noqa: SIM115 - lives with the connection
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(POLL_SECONDS)
            else:
                info["writer_lock_held"] = True
                return

    @staticmethod
    def release(info: dict) -> None:
        if info.pop("writer_lock_held", False):
            fcntl.flock(info["writer_lock"].fileno(), fcntl.LOCK_UN)

    @staticmethod
    def close(info: dict) -> None:
        _WriterQueue.release(info)
        handle = info.pop("writer_lock", None)
        if handle is not None:
            handle.close()


def configure(engine: Engine, busy_timeout_ms: int = 15000) -> None:  # noqa: C901 - counts its small nested event listeners
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:")
    queue = _WriterQueue(database, busy_timeout_ms / 1000) if database and on_disk else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if on_disk:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Pages are read through a memory map instead of a read() call each: every write by another
            # worker empties a connection's page cache, so most requests read pages again (about 4%
            # of a request's CPU under load, docs/benchmarks.md).  Writes still go through SQLite's
            # journal as before.  The price: a disk error while reading stops the worker process (and
            # its one request) instead of raising an error; gunicorn starts a new worker.
            cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    def _query_only(connection, on: bool) -> None:
        # A pooled connection remembers the setting, so it is sent only when it changes.
        info = connection.connection.info
        if info.get("query_only") != on:
            connection.connection.driver_connection.execute(f"PRAGMA query_only={'ON' if on else 'OFF'}")
            info["query_only"] = on

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        driver = connection.connection.driver_connection
        if _reading_request():
            _query_only(connection, True)
            driver.execute("BEGIN")
            return
        _query_only(connection, False)
        if queue is not None:
            queue.acquire(connection.connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _WriterQueue.release(connection.connection.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        # Fired just before SQLite commits or rolls back: the next writer may wait a moment on
        # SQLite's own lock, which is still correct, only slower.
        _WriterQueue.release(connection.connection.info)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection, record):
        _WriterQueue.close(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection, record, _exception):
        _WriterQueue.close(record.info)
