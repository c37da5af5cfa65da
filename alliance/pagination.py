"""Capped pagination for every list page, and totals that stay cheap on large lists."""

import time

from flask import current_app
from sqlalchemy import func, select

# Counting every row of a large list costs as much as reading it. Up to LIST_COUNT_EXACT_UP_TO rows
# are counted exactly on every request (a LIMITed count, cheap at any size); beyond that the exact
# total is counted once and remembered per worker for LIST_COUNT_CACHE_SECONDS (app servers are
# stateless: each worker keeps its own copy), so a large total may lag behind by that long. At
# most LIST_COUNT_CACHE_SIZE totals are remembered.


def paginate(statement, per_page: int = 20, count: bool = True):
    """Paginate a select() with page and per_page from the URL, per_page capped by config.

    With count=False the page has no total; set `page.total` (e.g. from capped_total).
    """
    from alliance.extensions import db

    return db.paginate(
        statement,
        per_page=per_page,
        max_per_page=current_app.config["MAX_PER_PAGE"],
        error_out=False,
        count=count,
    )


def capped_total(statement, key: tuple) -> int:
    """Return how many rows a select() returns; totals above LIST_COUNT_EXACT_UP_TO are remembered
    under `key` (which must name everything the statement depends on).

    While a remembered total is fresh it is returned without counting at all, even if the list
    has meanwhile shrunk below LIST_COUNT_EXACT_UP_TO (it lags by at most LIST_COUNT_CACHE_SECONDS).
    """
    from alliance.extensions import db

    ttl = current_app.config["LIST_COUNT_CACHE_SECONDS"]
    exact_up_to = current_app.config["LIST_COUNT_EXACT_UP_TO"]
    cache = current_app.extensions.setdefault("list_count_cache", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    statement = statement.order_by(None)
    capped = statement.limit(exact_up_to + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped))
    if total <= exact_up_to:
        return total
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    if ttl > 0:
        if len(cache) >= current_app.config["LIST_COUNT_CACHE_SIZE"]:
            cache.pop(next(iter(cache)), None)  # the oldest entry
        cache[key] = (now + ttl, total)
    return total
