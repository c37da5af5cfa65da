"""Database plumbing: UTC timestamps and SQLite connection settings."""

from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """Return the current time in UTC as a naive datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _wants_write_lock() -> bool:
    """Tell whether this transaction belongs to a request that may write."""
    return has_request_context() and request.method not in SAFE_METHODS


def configure_sqlite(engine: Engine) -> None:
    """Turn on foreign keys, WAL and a busy timeout; take the write lock up front for writes.

    pysqlite's own transaction handling starts transactions lazily and DEFERRED, so two
    workers that read and then write can fail at once with SQLITE_BUSY. We begin
    transactions ourselves: IMMEDIATE for requests that may write, so concurrent writers
    wait on the busy timeout instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")
