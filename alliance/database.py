"""Database plumbing: UTC timestamps and SQLite connection settings."""

from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """Return the current time in UTC as a naive datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def check_in(column: str, values) -> str:
    """Return the SQL of a CHECK constraint that `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LabelledEntry:
    """Columns of an entry in a secretariat-editable list with Chinese and English labels."""

    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    @property
    def label(self) -> str:
        """The label in the reader's language."""
        from alliance.i18n import localized

        return localized(self.label_zh, self.label_en)


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
