"""Capped pagination for every list page."""

from flask import current_app


def paginate(statement, per_page: int = 20):
    """Paginate a select() with page and per_page from the URL, per_page capped by config."""
    from alliance.extensions import db

    return db.paginate(
        statement,
        per_page=per_page,
        max_per_page=current_app.config["MAX_PER_PAGE"],
        error_out=False,
    )
