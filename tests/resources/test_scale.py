"""The browse page at scale: demo resources in proportion, totals capped and remembered."""

import re
from datetime import timedelta

from sqlalchemy import select

from alliance import demo
from alliance.clock import today_local
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE
from alliance.resources import demo as resources_demo
from alliance.resources.models import PUBLISHED, VISIBILITY_PUBLIC, Resource
from tests.factories import PASSWORD


def total(client, path="/resources") -> int:
    html = client.get(path).get_data(as_text=True)
    return int(re.search(r"(\d+) (?:条资源|listings?)", html).group(1))


def test_demo_adds_a_resource_for_every_ten_invented_units(app, client):
    with app.app_context():
        demo.load(extra_members=300)
        db.session.commit()
        resources = db.session.scalars(select(Resource)).all()
        invented = [item for item in resources if item.unit.slug.startswith("demo-extra-")]
        assert len(invented) == 300 // resources_demo.EXTRA_EVERY
        today = today_local()

        def public_and_live(item) -> bool:
            return (
                item.status == PUBLISHED
                and not item.is_hidden
                and item.visibility == VISIBILITY_PUBLIC
                and (item.available_until is None or item.available_until >= today)
                and item.unit.status == STATUS_ACTIVE
            )

        expected = sum(1 for item in resources if public_and_live(item))
        shown_invented = sum(1 for item in invented if public_and_live(item))
    assert 0 < shown_invented < len(invented)  # some are members-only, some expired
    assert total(client) == expected


def _resources(app, n: int, start: int = 0, **values) -> None:
    from tests.resources.helpers import make_resource, make_world

    with app.app_context():
        world = getattr(app, "_world", None) or make_world()
        app._world = world
        for i in range(start, start + n):
            make_resource(world.owner_unit_id, title_zh=f"规模示例{i}", **values)
        db.session.commit()


def test_large_totals_are_remembered_small_ones_exact(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=3, LIST_COUNT_CACHE_SECONDS=3600, PAGE_CACHE_SECONDS=0)
    client = app.test_client()
    _resources(app, 2)
    assert total(client) == 2
    _resources(app, 1, start=2)
    assert total(client) == 3  # at the cap: still exact
    _resources(app, 2, start=3)
    assert total(client) == 5  # above it: counted in full, then remembered
    _resources(app, 1, start=5)
    assert total(client) == 5  # the remembered total (stale for at most the TTL)
    assert total(client, "/resources?kind=offer") == 6  # other filters: counted afresh
    app.extensions["list_count_cache"].clear()
    assert total(client) == 6


def test_members_and_visitors_have_their_own_totals(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=1, PAGE_CACHE_SECONDS=0)
    _resources(app, 2)
    _resources(app, 3, start=2, visibility="members")
    visitor, member = app.test_client(), app.test_client()
    assert total(visitor) == 2
    member.post("/login", data={"email": "other@example.org", "password": PASSWORD})
    assert total(member) == 5
    assert total(visitor) == 2


def test_expired_listings_are_not_counted(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=1, PAGE_CACHE_SECONDS=0)
    _resources(app, 2)
    _resources(app, 2, start=2, available_until=today_local() - timedelta(days=1))
    assert total(app.test_client()) == 2
