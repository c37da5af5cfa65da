"""The public directory: search, filters, sort, pagination, grouped view, query counts."""

import re

import pytest

from alliance.extensions import db
from alliance.members.models import (
    Certification,
    ServiceLine,
    UnitCertification,
    UnitLogo,
)
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import make_unit
from tests.members.helpers import QueryCounter


def names(response) -> list[str]:
    """Return the unit names listed on a directory page, in order."""
    html = response.get_data(as_text=True)
    return re.findall(r'class="fw-semibold unit-name" href="[^"]+">([^<]+)</a>', html)


def count(response) -> int:
    html = response.get_data(as_text=True)
    return int(re.search(r'id="result-count">\D*(\d+)', html).group(1))


@pytest.fixture
def units(app):
    with app.app_context():
        ensure_default_taxonomy()
        lines = {s.code: s for s in db.session.query(ServiceLine)}
        certs = {c.code: c for c in db.session.query(Certification)}
        make_unit(
            "厦门某某软件有限公司",
            name_en="Xiamen Mou Software Co., Ltd.",
            short_name="某某软件",
            org_type="enterprise",
            tier="council",
            district="siming",
            is_founding=True,
            service_lines=[lines["software-development"]],
        )
        unit = make_unit(
            "北京测评技术有限公司",
            name_en="Beijing Testing Technology",
            org_type="enterprise",
            tier="chair",
            district="huli",
            intro_zh="提供软件测试服务，通过率100%。",
            intro_en="Testing with a 100% pass_rate.",
            service_lines=[lines["software-testing"]],
        )
        db.session.add(UnitCertification(unit=unit, certification=certs["cmmi"], level="5"))
        make_unit(
            "安溪数据大学",
            name_en="Anxi Data University",
            org_type="academic",
            tier="member",
            district="jimei",
            intro_en="Research on DATA analytics.",
        )
        make_unit("中山物流有限公司", tier="vice_chair", district="haicang")
        make_unit("厦门隐藏软件有限公司", status="suspended")
        make_unit("厦门申请软件有限公司", status="applicant")
        db.session.commit()


def test_lists_active_units_only_in_pinyin_order(client, units):
    response = client.get("/members")
    assert response.status_code == 200
    assert names(response) == [
        "安溪数据大学",
        "北京测评技术有限公司",
        "厦门某某软件有限公司",
        "中山物流有限公司",
    ]
    assert count(response) == 4


@pytest.mark.parametrize(
    "q,expected",
    [
        ("软件", ["北京测评技术有限公司", "厦门某某软件有限公司"]),  # name and intro
        ("软", ["北京测评技术有限公司", "厦门某某软件有限公司"]),
        ("测", ["北京测评技术有限公司"]),
        ("物流", ["中山物流有限公司"]),
        ("某某软件", ["厦门某某软件有限公司"]),
        ("软某", []),  # characters present but not next to each other
        ("software", ["厦门某某软件有限公司"]),
        ("SOFT", ["厦门某某软件有限公司"]),
        ("data", ["安溪数据大学"]),
        ("厦门 软件", ["厦门某某软件有限公司"]),
        ("100%", ["北京测评技术有限公司"]),
        ("%", ["北京测评技术有限公司"]),
        ("_", ["北京测评技术有限公司"]),
        ("pass_rate", ["北京测评技术有限公司"]),
        ("pass%rate", []),
        ("隐藏", []),  # suspended units never appear
        ("ｓｏｆｔ", ["厦门某某软件有限公司"]),  # full-width letters fold like the index
    ],
)
def test_search(client, units, q, expected):
    response = client.get("/members", query_string={"q": q})
    assert response.status_code == 200
    assert names(response) == expected
    assert count(response) == len(expected)


@pytest.mark.parametrize(
    "args,expected",
    [
        ({"type": "academic"}, ["安溪数据大学"]),
        ({"tier": "chair"}, ["北京测评技术有限公司"]),
        ({"district": "haicang"}, ["中山物流有限公司"]),
        ({"service": "software-testing"}, ["北京测评技术有限公司"]),
        ({"cert": "cmmi"}, ["北京测评技术有限公司"]),
        ({"founding": "1"}, ["厦门某某软件有限公司"]),
        ({"q": "软件", "tier": "council"}, ["厦门某某软件有限公司"]),
        (
            {"type": "not-a-type"},
            ["安溪数据大学", "北京测评技术有限公司", "厦门某某软件有限公司", "中山物流有限公司"],
        ),
    ],
)
def test_filters(client, units, args, expected):
    assert names(client.get("/members", query_string=args)) == expected


def test_sort_by_joined_date(app, client):
    from datetime import date

    with app.app_context():
        make_unit("阿里示例", joined_on=date(2015, 1, 1))
        make_unit("中国示例", joined_on=date(2020, 1, 1))
        make_unit("北京示例", joined_on=date(2018, 1, 1))
        db.session.commit()
    assert names(client.get("/members?sort=joined")) == ["中国示例", "北京示例", "阿里示例"]


def test_grouped_view_orders_by_tier(client, units):
    response = client.get("/members?view=tiers")
    assert names(response) == [
        "北京测评技术有限公司",
        "中山物流有限公司",
        "厦门某某软件有限公司",
        "安溪数据大学",
    ]
    html = response.get_data(as_text=True)
    headings = re.findall(r'<h2 class="h5 mt-3">([^<]+)</h2>', html)
    assert len(headings) == 4


def test_empty_result_says_what_to_loosen(client, units):
    response = client.get("/members?q=不存在&tier=chair")
    html = response.get_data(as_text=True)
    assert count(response) == 0
    assert 'id="empty-result"' in html
    # One link per filter in use, each dropping only that filter.
    assert "/members?tier=chair" in html
    assert "/members?q=%E4%B8%8D%E5%AD%98%E5%9C%A8" in html


def test_pagination_keeps_filters_and_caps_per_page(app, client):
    with app.app_context():
        for i in range(45):
            make_unit(f"厦门分页示例{i:02d}有限公司", district="jimei")
        make_unit("厦门别区示例有限公司", district="siming")
        db.session.commit()
    first = client.get("/members?district=jimei")
    assert len(names(first)) == 20
    assert count(first) == 45
    html = first.get_data(as_text=True)
    assert "district=jimei" in html and "page=3" in html
    third = client.get("/members?district=jimei&page=3")
    assert len(names(third)) == 5
    pages = set(names(first)) | set(names(client.get("/members?district=jimei&page=2")))
    assert len(pages | set(names(third))) == 45
    assert len(names(client.get("/members?per_page=100000"))) == 46
    seven = client.get("/members?per_page=7&district=jimei")
    assert len(names(seven)) == 7
    assert "per_page=7" in seven.get_data(as_text=True)  # page links keep it


def test_per_page_is_capped(make_app):
    app = make_app(MAX_PER_PAGE=10)
    with app.app_context():
        for i in range(15):
            make_unit(f"厦门上限示例{i:02d}有限公司")
        db.session.commit()
    assert len(names(app.test_client().get("/members?per_page=100000"))) == 10
    assert len(names(app.test_client().get("/members?per_page=-5"))) == 1


def _populate(app, n, start=0):
    with app.app_context():
        ensure_default_taxonomy()
        lines = db.session.query(ServiceLine).all()
        certs = db.session.query(Certification).all()
        for i in range(start, start + n):
            unit = make_unit(
                f"厦门计数示例{i}软件有限公司",
                service_lines=lines[: 1 + i % 3],
                intro_zh="示例简介",
            )
            db.session.add(
                UnitCertification(unit=unit, certification=certs[i % len(certs)], level="3")
            )
            db.session.add(
                UnitLogo(
                    unit=unit,
                    content=b"x",
                    mime_type="image/png",
                    width=1,
                    height=1,
                    sha256=f"{i:064d}",
                )
            )
        db.session.commit()


@pytest.mark.parametrize(
    "path", ["/members", "/members?q=软件", "/members?view=tiers&per_page=100"]
)
def test_query_count_does_not_grow_with_units(make_app, path):
    # The queries of rendering the page, so without the page cache (tests/test_page_cache.py).
    small, large = make_app(PAGE_CACHE_SECONDS=0), None
    _populate(small, 10)
    client = small.test_client()
    client.get(path)
    with QueryCounter(small) as few:
        response = client.get(path)
    assert len(names(response)) == 10
    _populate(small, 190, start=10)
    large = small
    with QueryCounter(large) as many:
        response = client.get(path)
    assert count(response) == 200
    assert many.count == few.count
    assert few.count <= 8
