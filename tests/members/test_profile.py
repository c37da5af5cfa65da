"""Unit profile pages: public information, contact visibility by viewer, status, edit links."""

import pytest

from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.members.models import ROLE_STAFF, Colleague
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import PASSWORD, make_unit, make_user

ADDRESS, PHONE, EMAIL = "厦门市思明区示例路 8 号", "0592-5551234", "contact@unit.example.org"


@pytest.fixture
def people(app):
    """A unit with one contact field per visibility, and one person of each kind of viewer."""
    with app.app_context():
        ensure_default_taxonomy()
        admin = make_user("admin@unit.example.org")
        unit = make_unit(
            "厦门可见性示例有限公司",
            slug="visible",
            admin=admin,
            name_en="Xiamen Visibility Example Co.",
            intro_zh="中文简介内容",
            intro_en="English introduction text",
            website="https://unit.example.com",
            address=ADDRESS,
            address_visibility="public",
            phone=PHONE,
            phone_visibility="members",
            email=EMAIL,
            email_visibility="hidden",
            tier="council",
        )
        staff = make_user("staff@unit.example.org")
        db.session.add(Colleague(user=staff, unit=unit, role=ROLE_STAFF))
        make_unit("厦门他方示例有限公司", admin=make_user("other@unit.example.org"))
        make_user("nobody@example.org")
        make_user("sec@example.org", roles=(SECRETARIAT,))
        make_unit(
            "厦门暂停示例有限公司",
            slug="suspended",
            status="suspended",
            admin=make_user("susp@unit.example.org"),
        )
        db.session.commit()


@pytest.mark.parametrize(
    "email,sees",
    [
        (None, {ADDRESS}),
        ("nobody@example.org", {ADDRESS}),
        ("other@unit.example.org", {ADDRESS, PHONE}),
        ("staff@unit.example.org", {ADDRESS, PHONE, EMAIL}),
        ("admin@unit.example.org", {ADDRESS, PHONE, EMAIL}),
        ("sec@example.org", {ADDRESS, PHONE, EMAIL}),
    ],
)
def test_contact_fields_by_viewer(client, auth, people, email, sees):
    if email:
        auth.login(email, PASSWORD)
    html = client.get("/members/visible").get_data(as_text=True)
    for value in (ADDRESS, PHONE, EMAIL):
        assert (value in html) is (value in sees), value


def test_profile_shows_public_information(client, people):
    response = client.get("/members/visible")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "厦门可见性示例有限公司" in html
    assert "中文简介内容" in html and "English introduction text" not in html
    assert 'href="https://unit.example.com"' in html
    assert "tier-council" in html


def test_profile_in_english_shows_english_intro(client, people):
    client.post("/language", data={"lang": "en"})
    html = client.get("/members/visible").get_data(as_text=True)
    assert "English introduction text" in html and "中文简介内容" not in html
    assert "Xiamen Visibility Example Co." in html


def test_unsafe_website_is_not_a_link(app, client):
    with app.app_context():
        make_unit("厦门脚本示例有限公司", slug="js", website="javascript:alert(1)")
        db.session.commit()
    assert "javascript:" not in client.get("/members/js").get_data(as_text=True)


def test_missing_unit_is_404(client, people):
    assert client.get("/members/no-such-unit").status_code == 404


@pytest.mark.parametrize(
    "email,status",
    [
        (None, 404),
        ("other@unit.example.org", 404),
        ("susp@unit.example.org", 200),
        ("sec@example.org", 200),
    ],
)
def test_non_active_unit_is_hidden_from_the_public(client, auth, people, email, status):
    if email:
        auth.login(email, PASSWORD)
    assert client.get("/members/suspended").status_code == status


def test_edit_links_only_for_those_who_may_edit(client, auth, people):
    assert "/members/visible/logo" not in client.get("/members/visible").get_data(as_text=True)
    auth.login("admin@unit.example.org", PASSWORD)
    assert "/members/visible/logo" in client.get("/members/visible").get_data(as_text=True)
    auth.logout()
    auth.login("staff@unit.example.org", PASSWORD)
    assert "/members/visible/logo" not in client.get("/members/visible").get_data(as_text=True)


def test_search_results_escape_names(app, client):
    with app.app_context():
        make_unit("厦门<script>alert(1)</script>示例", slug="xss")
        db.session.commit()
    html = client.get("/members?q=示例").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
