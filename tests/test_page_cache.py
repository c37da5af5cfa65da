"""The public page cache (alliance/page_cache.py): hits, what is never cached, freshness."""

import re

import pytest
from sqlalchemy import select

from alliance import page_cache
from alliance.extensions import db
from alliance.members.models import MemberUnit
from tests.factories import PASSWORD, make_unit, make_user
from tests.helpers import CSRF_PLACEHOLDER, mask_csrf
from tests.members.helpers import QueryCounter

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached_app(make_app):
    return make_app(PAGE_CACHE_SECONDS=60)


def rename(app, slug: str, name: str) -> None:
    with app.app_context():
        unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == slug))
        unit.set_name(name)
        db.session.commit()


def test_a_repeated_anonymous_page_runs_no_query(cached_app):
    with cached_app.app_context():
        make_unit("厦门缓存示例软件有限公司", slug="cache-demo")
        db.session.commit()
    client = cached_app.test_client()
    first = client.get("/members").get_data(as_text=True)
    with QueryCounter(cached_app) as statements:
        again = client.get("/members")
    assert again.status_code == 200
    assert statements.count == 0
    # The same page, but for the CSRF token: signed anew on every hit, with the time.
    assert mask_csrf(again.get_data(as_text=True)) == mask_csrf(first)
    assert CSRF_PLACEHOLDER in mask_csrf(first)
    assert "厦门缓存示例软件有限公司" in first
    # The security headers are still added to a page from the cache.
    assert "default-src 'self'" in again.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/members/stats", "/resources", "/council"])
def test_every_public_page_is_cached(cached_app, path):
    client = cached_app.test_client()
    assert client.get(path).status_code == 200
    with QueryCounter(cached_app) as statements:
        assert client.get(path).status_code == 200
    assert statements.count == 0


def test_each_visitor_gets_its_own_csrf_token_and_can_switch_language(make_app):
    app = make_app(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    first, second = app.test_client(), app.test_client()
    token_1 = TOKEN.search(first.get("/members").get_data(as_text=True)).group(1)
    with QueryCounter(app) as statements:
        html = second.get("/members").get_data(as_text=True)
    assert statements.count == 0  # served from the cache …
    token_2 = TOKEN.search(html).group(1)
    assert token_1 != token_2  # … with the second visitor's own token
    assert page_cache.TOKEN_SLOT not in html
    response = second.post("/language", data={"lang": "en", "csrf_token": token_2, "next": "/"})
    assert response.status_code == 302
    assert "Member units" in second.get("/members").get_data(as_text=True)
    # Another visitor's token is refused, as without the cache.
    stolen = first.post("/language", data={"lang": "en", "csrf_token": token_2, "next": "/"})
    assert stolen.status_code == 400


def test_languages_are_cached_apart(cached_app):
    client = cached_app.test_client()
    assert "成员单位" in client.get("/members").get_data(as_text=True)
    english = client.get("/members", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Member units" in english
    assert "成员单位" in client.get("/members").get_data(as_text=True)


def test_a_committed_change_is_shown_at_once(cached_app):
    with cached_app.app_context():
        make_unit("厦门旧名示例有限公司", slug="renamed")
        db.session.commit()
    client = cached_app.test_client()
    assert "厦门旧名示例有限公司" in client.get("/members/renamed").get_data(as_text=True)
    assert "厦门旧名示例有限公司" in client.get("/members").get_data(as_text=True)
    rename(cached_app, "renamed", "厦门新名示例有限公司")
    assert "厦门新名示例有限公司" in client.get("/members/renamed").get_data(as_text=True)
    assert "厦门新名示例有限公司" in client.get("/members").get_data(as_text=True)


def test_a_rolled_back_change_keeps_the_cache(cached_app):
    client = cached_app.test_client()
    client.get("/members")
    with cached_app.app_context():
        make_unit("厦门回滚示例有限公司")
        db.session.rollback()
    with QueryCounter(cached_app) as statements:
        assert "厦门回滚示例有限公司" not in client.get("/members").get_data(as_text=True)
    assert statements.count == 0


def test_a_bulk_update_statement_also_refreshes(cached_app):
    with cached_app.app_context():
        make_unit("厦门批量示例有限公司", slug="bulk")
        db.session.commit()
    client = cached_app.test_client()
    client.get("/members/bulk")
    with cached_app.app_context():
        db.session.execute(
            MemberUnit.__table__.update()
            .where(MemberUnit.slug == "bulk")
            .values(website="https://bulk.example.org")
        )
        db.session.commit()
    assert "bulk.example.org" in client.get("/members/bulk").get_data(as_text=True)


def test_signed_in_people_never_get_the_anonymous_page(cached_app):
    with cached_app.app_context():
        admin = make_user("admin@example.org")
        make_unit("厦门登录示例有限公司", slug="mine", admin=admin, phone="0592-1234567")
        db.session.commit()
    anonymous = cached_app.test_client()
    assert "0592-1234567" not in anonymous.get("/members/mine").get_data(as_text=True)
    client = cached_app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    html = client.get("/members/mine").get_data(as_text=True)
    assert "0592-1234567" in html  # its own contacts, and …
    assert "/members/mine/logo" in html  # … its edit links


def test_flash_messages_are_shown_and_such_pages_are_not_stored(cached_app):
    client = cached_app.test_client()
    client.get("/members")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "一条提示")]
    assert "一条提示" in client.get("/members").get_data(as_text=True)
    assert "一条提示" not in client.get("/members").get_data(as_text=True)
    other = cached_app.test_client()
    assert "一条提示" not in other.get("/members").get_data(as_text=True)


def test_errors_are_not_stored(cached_app):
    client = cached_app.test_client()
    assert client.get("/members/missing").status_code == 404
    with cached_app.app_context():
        make_unit("厦门后来示例有限公司", slug="missing")
        db.session.commit()
    assert client.get("/members/missing").status_code == 200


def test_zero_seconds_turns_it_off(make_app):
    app = make_app(PAGE_CACHE_SECONDS=0)
    assert app.extensions[page_cache.EXTENSION] is None
    client = app.test_client()
    client.get("/members")
    with QueryCounter(app) as statements:
        client.get("/members")
    assert statements.count > 0


def test_with_redis_a_change_in_one_worker_refreshes_every_worker(make_app, redis_url):
    url, prefix, _client = redis_url
    workers = [make_app(PAGE_CACHE_SECONDS=60, PAGE_CACHE_REDIS_URL=url) for _ in range(2)]
    for worker in workers:
        worker.extensions[page_cache.EXTENSION].key_prefix = f"{prefix}:"
    with workers[0].app_context():
        make_unit("厦门共享示例有限公司", slug="shared")
        db.session.commit()
    one, two = (w.test_client() for w in workers)
    assert "厦门共享示例有限公司" in one.get("/members/shared").get_data(as_text=True)
    with QueryCounter(workers[1]) as statements:
        assert "厦门共享示例有限公司" in two.get("/members/shared").get_data(as_text=True)
    assert statements.count == 0  # the page the first worker stored
    rename(workers[0], "shared", "厦门改名共享示例有限公司")
    assert "厦门改名共享示例有限公司" in two.get("/members/shared").get_data(as_text=True)
