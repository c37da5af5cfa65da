"""Helpers for the member-unit tests."""

from sqlalchemy import event

from alliance.extensions import db
from tests.factories import png_bytes  # noqa: F401 - re-exported for the members tests


class QueryCounter:
    """Count the SQL statements an engine runs while active (a before_cursor_execute listener)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _listener(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._listener)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._listener)
