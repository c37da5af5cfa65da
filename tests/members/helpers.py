"""Helpers for the member-unit tests."""

import io

from PIL import Image
from sqlalchemy import event

from alliance.extensions import db


def png_bytes(size=(64, 48), colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


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
