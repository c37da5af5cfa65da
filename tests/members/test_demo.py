"""Demo data for the directory: enriched founding profiles, logos, fast bulk extra units."""

from urllib.parse import urlsplit

from sqlalchemy import func, select

from alliance import demo
from alliance.extensions import db
from alliance.members import credit_code
from alliance.members.models import MemberUnit, UnitLogo, unit_service_lines


def test_founding_units_have_rich_profiles_and_logos(app, client):
    with app.app_context():
        demo.load()
        db.session.commit()
        units = db.session.scalars(select(MemberUnit).where(MemberUnit.is_founding)).all()
        assert len(units) == 23
        assert all(u.short_name and u.address and u.phone and u.staff_size for u in units)
        # Invented websites stay on reserved example domains (the membership demo edits one).
        hosts = {urlsplit(u.website).hostname for u in units if u.website.startswith("https://")}
        assert len(hosts) == 23 and all(h.endswith((".example.com", ".example.org")) for h in hosts)
        assert all(u.intro_zh and u.intro_en for u in units)
        assert all(u.sort_key and u.search_grams for u in units)
        assert db.session.scalar(select(func.count()).select_from(UnitLogo)) == 23
        assert {u.email_visibility for u in units} >= {"members", "hidden"}
    html = client.get("/members?view=tiers&per_page=30").get_data(as_text=True)
    assert html.count("/logo/image?v=") == 23
    assert html.index("雅马哈发动机(厦门)信息系统有限公司") < html.index("厦门软件职业技术学院")
    image = client.get("/members/yamaha-xiamen-is/logo/image")
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_extra_units_are_bulk_inserted_with_derived_columns(app, client):
    with app.app_context():
        demo.load(extra_members=120)
        db.session.commit()
        extra = db.session.scalars(
            select(MemberUnit).where(MemberUnit.slug.like("demo-extra-%"))
        ).all()
        assert len(extra) == 120
        assert all(credit_code.is_valid(u.credit_code) and "示例" in u.name_zh for u in extra)
        assert all(u.sort_key.startswith("xia men") and u.search_grams for u in extra)
        links = db.session.scalar(select(func.count()).select_from(unit_service_lines))
        assert links >= 120
        demo.load(extra_members=120)  # idempotent
        db.session.commit()
        # 23 founding + 120 extra (the membership demo adds pending applicants, not counted here)
        count = select(func.count()).select_from(MemberUnit).where(MemberUnit.status == "active")
        assert db.session.scalar(count) == 143
    # The search index knows them (a name part only the extra units have).
    html = client.get("/members?q=鹭岛&per_page=100").get_data(as_text=True)
    assert "鹭岛示例" in html
