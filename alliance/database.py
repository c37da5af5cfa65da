"""Database plumbing: timestamps, one commit per request, SQLite connection settings."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from alliance import clock

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    """Return the current time in UTC as a naive datetime (column defaults; see clock)."""
    return clock.now_utc()


class ServiceError(Exception):
    """A rule said no: `message` is for the person, `status` the HTTP answer, `field` the input.

    Each feature's error (ElectionError, MembershipError, ResourceError) derives from it, so
    one commit helper can report any of them.
    """

    status = 409

    def __init__(self, message, status: int | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if status is not None:
            self.status = status
        self.field = field


@dataclass
class Outcome:
    """What `commit_or_report` did: `error` is None when the transaction committed."""

    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return str(self.error.message) if self.error else ""

    @property
    def status(self) -> int:
        return self.error.status if self.error else 200


@contextmanager
def commit_or_report(conflict=None) -> Iterator[Outcome]:
    """Run the block as one transaction: commit it, or roll it back and report why.

    A ServiceError from the block is caught and kept in the outcome; so is an IntegrityError
    (a UNIQUE key that a concurrent request won) when `conflict` gives the message to show.
    Anything else rolls back and propagates.

        with commit_or_report(conflict=_("Another unit took this name.")) as outcome:
            services.approve(change, current_user)
        if not outcome.ok:
            return render_page(outcome.message, outcome.status)
    """
    from alliance.extensions import db

    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        outcome.error = error
    except IntegrityError:
        db.session.rollback()
        if conflict is None:
            raise
        outcome.error = ServiceError(conflict, 409)
    except BaseException:
        db.session.rollback()
        raise


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
