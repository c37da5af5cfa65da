"""The directory's total: exact up to a cap on every request, remembered briefly beyond it."""

import re

from sqlalchemy import update

from alliance import pagination
from alliance.extensions import db
from alliance.members.models import MemberUnit
from tests.factories import make_unit
from tests.members.helpers import QueryCounter


def total(client, path="/members") -> int:
    html = client.get(path).get_data(as_text=True)
    return int(re.search(r'id="result-count">\D*(\d+)', html).group(1))


def add_units(app, n: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + n):
            make_unit(f"厦门合计示例{i}软件有限公司")
        db.session.commit()


def test_small_totals_are_exact_on_every_request(app, client):
    add_units(app, 3)
    assert total(client) == 3
    add_units(app, 2, start=3)
    assert total(client) == 5  # below the cap nothing is cached


def test_large_totals_are_remembered_for_the_configured_time(make_app):
    # The count cache alone: the page cache (tests/test_page_cache.py) would hide the clear().
    app = make_app(LIST_COUNT_EXACT_UP_TO=2, LIST_COUNT_CACHE_SECONDS=3600, PAGE_CACHE_SECONDS=0)
    client = app.test_client()
    add_units(app, 4)
    assert total(client) == 4  # above the cap: counted in full, then remembered
    assert total(client, "/members?q=软件") == 4
    add_units(app, 1, start=4)
    assert total(client) == 4  # the remembered total (stale for at most the TTL)
    assert total(client, "/members?sort=joined&page=2") == 4  # same filters, same entry
    assert total(client, "/members?q=合计") == 5  # other filters: counted afresh
    app.extensions["list_count_cache"].clear()
    assert total(client) == 5


def test_no_cache_when_the_ttl_is_zero(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=2, LIST_COUNT_CACHE_SECONDS=0)
    client = app.test_client()
    add_units(app, 3)
    assert total(client) == 3
    add_units(app, 1, start=3)
    assert total(client) == 4
    assert not app.extensions.get("list_count_cache")


def test_expired_entries_are_counted_again(make_app, monkeypatch):
    app = make_app(LIST_COUNT_EXACT_UP_TO=2, LIST_COUNT_CACHE_SECONDS=60)
    client = app.test_client()
    add_units(app, 3)
    assert total(client) == 3
    add_units(app, 1, start=3)
    clock = pagination.time.monotonic() + 61
    monkeypatch.setattr(pagination.time, "monotonic", lambda: clock)
    assert total(client) == 4


def test_the_cache_is_bounded(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=0, LIST_COUNT_CACHE_SIZE=3)
    client = app.test_client()
    add_units(app, 1)
    for word in ("合计", "示例", "软件", "厦门", "有限"):
        assert total(client, f"/members?q={word}") == 1
    assert len(app.extensions["list_count_cache"]) == 3


def test_a_remembered_total_is_used_without_counting_until_it_expires(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=2, LIST_COUNT_CACHE_SECONDS=3600, PAGE_CACHE_SECONDS=0)
    client = app.test_client()
    add_units(app, 4)
    assert total(client) == 4
    with QueryCounter(app) as remembered:
        client.get("/members")
    app.extensions["list_count_cache"].clear()
    with QueryCounter(app) as counted:
        client.get("/members")
    assert remembered.count == counted.count - 2  # neither the capped nor the full count
    with app.app_context():
        db.session.execute(update(MemberUnit).values(status="suspended"))
        db.session.commit()
    assert total(client) == 4  # shrunk below the cap, but the remembered total still holds
    app.extensions["list_count_cache"].clear()
    assert total(client) == 0
