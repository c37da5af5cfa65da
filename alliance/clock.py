"""The one clock: UTC now, today in Xiamen, and the database's own time.

Every feature asks this module for the time, so a test can freeze it in one place
(`with clock.frozen(datetime(2026, 1, 5, 9, 0)): …`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen_at: datetime | None = None


def now_utc() -> datetime:
    """Return the current time in UTC as a naive datetime (how every timestamp is stored)."""
    if _frozen_at is not None:
        return _frozen_at
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """Return a stored (naive UTC) time as an aware time in Xiamen."""
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI)


def today_local(now: datetime | None = None) -> date:
    """Return today's date in Xiamen (Beijing time), or the Xiamen date of a naive UTC `now`."""
    return to_local(now or now_utc()).date()


def db_now() -> datetime:
    """Return the database's current time as naive UTC (the clock that decides voting windows).

    Every app server reads the same clock here, so a window opens and closes at one instant
    whichever worker answers. A frozen clock wins, so tests can place a request in time.
    """
    from alliance.extensions import db

    if _frozen_at is not None:
        return _frozen_at
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT timezone('UTC', statement_timestamp())"))
    value = db.session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(value)


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Stop the clock at `moment` (naive UTC) inside the block; for tests and the demo."""
    global _frozen_at
    previous, _frozen_at = _frozen_at, moment
    try:
        yield moment
    finally:
        _frozen_at = previous
