"""Request tests: browse, search, feed, detail, owners' pages, images and inquiries."""

import io
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import event, func, select

from alliance.clock import today_local
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.resources.models import (
    CLOSED,
    DRAFT,
    PUBLISHED,
    Inquiry,
    InquiryMessage,
    Resource,
    ResourceImage,
)
from tests.factories import PASSWORD
from tests.resources.helpers import category, make_resource, make_world


@pytest.fixture
def world(app):
    with app.app_context():
        return make_world()


def add_resource(app, unit_id, **overrides) -> int:
    with app.app_context():
        resource = make_resource(unit_id, **overrides)
        db.session.commit()
        return resource.id


def login(auth, email):
    response = auth.login(email, PASSWORD)
    assert response.status_code == 302


def page_titles(response) -> list[str]:
    return re.findall(r'class="stretched-link">([^<]+)</a>', response.get_data(as_text=True))


# Browse, search and feed ------------------------------------------------------------------


def test_members_only_resource_is_absent_for_anonymous_users(app, client, auth, world):
    add_resource(app, world.owner_unit_id, title_zh="公开实训基地（示例）")
    secret = add_resource(
        app, world.owner_unit_id, title_zh="会员专享实训基地（示例）", visibility="members"
    )
    response = client.get("/resources")
    assert page_titles(response) == ["公开实训基地（示例）"]
    assert page_titles(client.get("/resources?q=会员专享")) == []
    assert page_titles(client.get("/resources?q=实训")) == ["公开实训基地（示例）"]
    feed = client.get("/resources/feed.atom")
    assert feed.mimetype == "application/atom+xml"
    assert "公开实训基地" in feed.get_data(as_text=True)
    assert "会员专享" not in feed.get_data(as_text=True)
    assert client.get(f"/resources/{secret}").status_code == 302  # sign in first

    login(auth, "other@example.org")
    assert set(page_titles(client.get("/resources?q=实训"))) == {
        "公开实训基地（示例）",
        "会员专享实训基地（示例）",
    }
    assert client.get(f"/resources/{secret}").status_code == 200
    # The feed is of public resources, whoever reads it.
    assert "会员专享" not in client.get("/resources/feed.atom").get_data(as_text=True)
    auth.logout()
    login(auth, "outsider@example.org")  # signed in but of no member unit
    assert page_titles(client.get("/resources?q=实训")) == ["公开实训基地（示例）"]
    assert client.get(f"/resources/{secret}").status_code == 404


def test_expired_resources_leave_browse_and_search(app, client, world):
    add_resource(app, world.owner_unit_id, title_zh="在期示例")
    add_resource(
        app,
        world.owner_unit_id,
        title_zh="过期示例",
        available_until=today_local() - timedelta(days=1),
    )
    assert page_titles(client.get("/resources")) == ["在期示例"]
    assert page_titles(client.get("/resources?q=过期")) == []
    assert "过期示例" not in client.get("/resources/feed.atom").get_data(as_text=True)


def test_chinese_search_of_one_or_two_characters_and_literal_wildcards(app, client, world):
    add_resource(app, world.owner_unit_id, title_zh="办公场地（示例）", category="office-space")
    add_resource(app, world.owner_unit_id, title_zh="100% 免费实训（示例）")
    assert page_titles(client.get("/resources?q=场")) == ["办公场地（示例）"]
    assert page_titles(client.get("/resources?q=场地")) == ["办公场地（示例）"]
    assert page_titles(client.get("/resources?q=%25")) == ["100% 免费实训（示例）"]
    assert page_titles(client.get("/resources?q=_")) == []
    # The owner unit's name is searched too.
    assert len(page_titles(client.get("/resources?q=甲科技"))) == 2


def test_filters_and_sort(app, client, world):
    today = today_local()
    add_resource(
        app, world.owner_unit_id, title_zh="甲", available_until=today + timedelta(days=50)
    )
    add_resource(
        app,
        world.other_unit_id,
        title_zh="乙",
        kind="request",
        terms="negotiable",
        district="huli",
        category="office-space",
        available_until=today + timedelta(days=5),
    )
    assert page_titles(client.get("/resources?kind=request")) == ["乙"]
    assert page_titles(client.get("/resources?category=office-space")) == ["乙"]
    assert page_titles(client.get("/resources?district=huli")) == ["乙"]
    assert page_titles(client.get("/resources?terms=free")) == ["甲"]
    assert page_titles(client.get("/resources?org_type=academic")) == ["乙"]
    assert page_titles(client.get("/resources?sort=expiring")) == ["乙", "甲"]
    assert page_titles(client.get("/resources?sort=newest")) == ["乙", "甲"]
    # An unknown filter value is ignored, not an error.
    assert len(page_titles(client.get("/resources?kind=bogus&category=nope"))) == 2


def test_featured_resources_come_first(app, client, world):
    add_resource(app, world.owner_unit_id, title_zh="精选", is_featured=True)
    add_resource(app, world.owner_unit_id, title_zh="最新")
    assert page_titles(client.get("/resources")) == ["精选", "最新"]


def test_pagination_is_capped(app, client, world):
    response = client.get("/resources?per_page=100000")
    assert response.status_code == 200


def count_queries(app, client, url) -> int:
    statements = []
    with app.app_context():
        engine = db.engine

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def test_browse_query_count_does_not_grow_with_resources(app, client, auth, world, png_bytes):
    login(auth, "other@example.org")
    for n in range(3):
        add_resource(app, world.owner_unit_id, title_zh=f"示例{n}")
    few = count_queries(app, client, "/resources")
    with app.app_context():
        for n in range(15):
            resource = make_resource(
                world.other_unit_id, title_zh=f"更多示例{n}", visibility="members"
            )
            db.session.add(
                ResourceImage(
                    resource=resource,
                    content=png_bytes,
                    mime_type="image/png",
                    width=1,
                    height=1,
                    sha256=str(n),
                )
            )
        db.session.commit()
    many = count_queries(app, client, "/resources")
    assert many == few
    assert many <= 8


def test_detail_page_renders_sanitised_markdown(app, client, world):
    resource_id = add_resource(
        app,
        world.owner_unit_id,
        description_zh="**欢迎** <script>alert(1)</script> [点我](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">',
    )
    html = client.get(f"/resources/{resource_id}").get_data(as_text=True)
    assert "<strong>欢迎</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "<img src=x" not in html
    assert '&lt;img src=x onerror="alert(1)"&gt;' in html  # shown as text, never as a tag


def test_detail_404s(app, client, auth, world):
    assert client.get("/resources/999").status_code == 404
    draft = add_resource(app, world.owner_unit_id, status=DRAFT)
    hidden = add_resource(app, world.owner_unit_id, is_hidden=True, hidden_reason="违规")
    assert client.get(f"/resources/{draft}").status_code == 404
    assert client.get(f"/resources/{hidden}").status_code == 404
    login(auth, "staff@example.org")  # the owner unit sees its own drafts and hidden resources
    assert client.get(f"/resources/{draft}").status_code == 200
    assert "违规" in client.get(f"/resources/{hidden}").get_data(as_text=True)


def test_contact_is_shown_to_members_only(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id, contact_phone="0592-1234567")
    assert "0592-1234567" not in client.get(f"/resources/{resource_id}").get_data(as_text=True)
    login(auth, "other@example.org")
    html = client.get(f"/resources/{resource_id}").get_data(as_text=True)
    assert "0592-1234567" in html
    assert "contact@jia.example.org" in html  # the unit's email when the resource gives none


# Owners -----------------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "kind": "offer",
        "category_id": "1",
        "title_zh": "云测试平台（示例）",
        "description_zh": "提供 **云测试** 环境",
        "terms": "at_cost",
        "price_text": "每小时 50 元",
        "district": "siming",
        "address": "软件园二期",
        "capacity": "20 个项目",
        "available_from": "",
        "available_until": (today_local() + timedelta(days=60)).isoformat(),
        "visibility": "public",
        "contact_name": "张三",
        "contact_phone": "0592-1234567",
        "contact_email": "",
    }
    data.update(overrides)
    return data


def test_owner_pages_require_login_and_a_unit(client, auth, world):
    for url in ("/my/resources", "/my/resources/new", "/my/inquiries"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location
    login(auth, "outsider@example.org")
    assert client.get("/my/resources").status_code == 403
    assert client.get("/my/resources/new").status_code == 403
    assert client.get("/my/inquiries").status_code == 200


def test_create_and_publish_through_the_form(app, client, auth, world):
    login(auth, "staff@example.org")
    page = client.get("/my/resources/new").get_data(as_text=True)
    assert "contact@jia.example.org" in page  # contact defaults to the unit's
    with app.app_context():
        category_id = category("technical-platform").id
    response = client.post(
        "/my/resources/new", data=form_data(category_id=str(category_id), publish="1")
    )
    assert response.status_code == 302
    with app.app_context():
        resource = db.session.scalars(select(Resource)).one()
        assert resource.status == PUBLISHED and resource.unit_id == world.owner_unit_id
        assert resource.price_text == "每小时 50 元" and resource.contact_email is None
        resource_id = resource.id
    assert "云测试平台" in client.get("/resources").get_data(as_text=True)
    # Save as draft stays a draft.
    client.post("/my/resources/new", data=form_data(title_zh="草稿（示例）", save="1"))
    with app.app_context():
        draft = db.session.scalars(
            select(Resource).where(Resource.title_zh == "草稿（示例）")
        ).one()
        assert draft.status == DRAFT
    assert client.get(f"/my/resources/{resource_id}/edit").status_code == 200


def test_bad_input_shows_messages_and_writes_nothing(app, client, auth, world):
    login(auth, "owner@example.org")
    today = today_local()
    response = client.post(
        "/my/resources/new",
        data=form_data(
            title_zh="",
            contact_email="not-an-email",
            available_from=today.isoformat(),
            available_until=(today - timedelta(days=3)).isoformat(),
            publish="1",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is-invalid" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resource)) == 0


def test_only_the_owner_unit_may_edit(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "other@example.org")
    assert client.get(f"/my/resources/{resource_id}/edit").status_code == 403
    for action in ("edit", "publish", "close", "extend", "images"):
        response = client.post(f"/my/resources/{resource_id}/{action}", data=form_data())
        assert response.status_code == 403, action
    assert client.get("/my/resources/999/edit").status_code == 404
    auth.logout()
    login(auth, "sec@example.org")  # the secretariat moderates, it does not edit
    assert client.get(f"/my/resources/{resource_id}/edit").status_code == 403
    with app.app_context():
        assert db.session.get(Resource, resource_id).title_zh == "软件测试实训基地（示例）"


def test_owner_edits_closes_and_extends(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "owner@example.org")
    response = client.post(
        f"/my/resources/{resource_id}/edit", data=form_data(title_zh="改名（示例）", save="1")
    )
    assert response.status_code == 302
    later = today_local() + timedelta(days=200)
    client.post(f"/my/resources/{resource_id}/extend", data={"available_until": later.isoformat()})
    bad = client.post(f"/my/resources/{resource_id}/extend", data={"available_until": "2001-01-01"})
    assert bad.status_code == 400
    client.post(f"/my/resources/{resource_id}/close", data={"reason": "withdrawn"})
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        assert resource.title_zh == "改名（示例）"
        assert resource.available_until == later
        assert resource.status == CLOSED and resource.close_reason == "withdrawn"
    assert client.get("/my/resources").status_code == 200
    client.post(f"/my/resources/{resource_id}/publish")
    with app.app_context():
        assert db.session.get(Resource, resource_id).status == PUBLISHED


# Images -----------------------------------------------------------------------------------


def upload(client, resource_id, content, name="photo.png"):
    return client.post(
        f"/my/resources/{resource_id}/images",
        data={"image": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_image_upload_refusals(app, client, auth, world, png_bytes):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "owner@example.org")
    response = upload(client, resource_id, b"<?php echo 1; ?>", "evil.png")
    assert response.status_code == 400
    assert "PNG" in response.get_data(as_text=True)
    # (Files over 2 MB are refused by the same code; see test_services, which avoids the test
    # client's temporary file for large bodies.)
    empty = client.post(
        f"/my/resources/{resource_id}/images", data={}, content_type="multipart/form-data"
    )
    assert empty.status_code == 400
    for _ in range(5):
        assert upload(client, resource_id, png_bytes).status_code == 302
    sixth = upload(client, resource_id, png_bytes)
    assert sixth.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResourceImage)) == 5


def test_images_are_served_with_caching_and_visibility(app, client, auth, world, png_bytes):
    public = add_resource(app, world.owner_unit_id)
    members = add_resource(app, world.owner_unit_id, visibility="members")
    login(auth, "owner@example.org")
    upload(client, public, png_bytes)
    upload(client, members, png_bytes)
    with app.app_context():
        public_image, members_image = db.session.scalars(
            select(ResourceImage.id).order_by(ResourceImage.id)
        ).all()
    served = client.get(f"/resources/images/{members_image}")
    assert served.status_code == 200 and served.headers["Cache-Control"].startswith("private")
    auth.logout()
    response = client.get(f"/resources/images/{public_image}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(
        f"/resources/images/{public_image}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get(f"/resources/images/{members_image}").status_code == 404
    assert client.get("/resources/images/999").status_code == 404


def test_owner_removes_an_image(app, client, auth, world, png_bytes):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "owner@example.org")
    upload(client, resource_id, png_bytes)
    with app.app_context():
        image_id = db.session.scalar(select(ResourceImage.id))
    assert client.post(f"/my/resources/{resource_id}/images/999/delete").status_code == 404
    client.post(f"/my/resources/{resource_id}/images/{image_id}/delete")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResourceImage)) == 0


# Inquiries --------------------------------------------------------------------------------


def test_ask_creates_a_thread_and_mails_both_sides(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id)
    assert client.post(f"/resources/{resource_id}/ask", data={"body": "x"}).status_code == 302
    login(auth, "other@example.org")
    empty = client.post(f"/resources/{resource_id}/ask", data={"body": "  "})
    assert empty.status_code == 400
    response = client.post(f"/resources/{resource_id}/ask", data={"body": "能否下月预约两周？"})
    assert response.status_code == 302
    with app.app_context():
        inquiry = db.session.scalars(select(Inquiry)).one()
        inquiry_id = inquiry.id
        assert inquiry.asker_unit_id == world.other_unit_id
        mails = db.session.scalars(select(OutboxMessage)).all()
        assert {m.recipient for m in mails} == {
            "owner@example.org",
            "staff@example.org",
            "other@example.org",
        }
        assert all(f"/my/inquiries/{inquiry_id}" in m.body for m in mails)
    assert response.location.endswith(f"/my/inquiries/{inquiry_id}")
    assert "能否下月预约两周" in client.get(f"/my/inquiries/{inquiry_id}").get_data(as_text=True)
    assert "能否下月预约两周" not in client.get("/my/inquiries").get_data(as_text=True)
    assert client.get("/my/inquiries").status_code == 200
    auth.logout()

    login(auth, "staff@example.org")
    assert "软件测试实训基地" in client.get("/my/inquiries").get_data(as_text=True)
    answer = client.post(f"/my/inquiries/{inquiry_id}", data={"body": "可以，请来电。"})
    assert answer.status_code == 302
    with app.app_context():
        reply_mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "resources/mail/inquiry_reply")
        ).all()
        assert [m.recipient for m in reply_mail] == ["other@example.org"]
        assert db.session.get(Inquiry, inquiry_id).status == "answered"
    assert client.post(f"/my/inquiries/{inquiry_id}", data={"body": ""}).status_code == 400
    client.post(f"/my/inquiries/{inquiry_id}/fulfilled")
    with app.app_context():
        assert db.session.get(Resource, resource_id).close_reason == "fulfilled"
    client.post(f"/my/inquiries/{inquiry_id}/close")
    with app.app_context():
        assert db.session.get(Inquiry, inquiry_id).status == "closed"
        assert db.session.scalar(select(func.count()).select_from(InquiryMessage)) == 2


def test_only_the_two_units_and_the_secretariat_read_a_thread(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "other@example.org")
    client.post(f"/resources/{resource_id}/ask", data={"body": "机密问题"})
    auth.logout()
    with app.app_context():
        from tests.factories import make_unit, make_user

        third = make_user(email="third@example.org")
        make_unit(admin=third)
        db.session.commit()
        inquiry_id = db.session.scalar(select(Inquiry.id))
    login(auth, "third@example.org")
    assert client.get(f"/my/inquiries/{inquiry_id}").status_code == 403
    assert client.post(f"/my/inquiries/{inquiry_id}", data={"body": "偷看"}).status_code == 403
    assert client.post(f"/my/inquiries/{inquiry_id}/close").status_code == 403
    assert "机密问题" not in client.get("/my/inquiries").get_data(as_text=True)
    assert client.get("/my/inquiries/999").status_code == 404
    auth.logout()
    login(auth, "sec@example.org")
    assert "机密问题" in client.get(f"/my/inquiries/{inquiry_id}").get_data(as_text=True)
    assert client.post(f"/my/inquiries/{inquiry_id}", data={"body": "秘书处"}).status_code == 403
    auth.logout()
    login(auth, "other@example.org")  # the asker cannot mark the owner's resource fulfilled
    assert client.post(f"/my/inquiries/{inquiry_id}/fulfilled").status_code == 403


def test_own_unit_and_outsiders_cannot_ask(app, client, auth, world):
    resource_id = add_resource(app, world.owner_unit_id)
    login(auth, "owner@example.org")
    assert client.post(f"/resources/{resource_id}/ask", data={"body": "?"}).status_code == 403
    auth.logout()
    login(auth, "outsider@example.org")
    assert client.post(f"/resources/{resource_id}/ask", data={"body": "?"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_ask_is_rate_limited(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, INQUIRY_RATE_LIMIT="2 per hour")
    client = app.test_client()
    resource_id = add_resource(app, world.owner_unit_id)
    client.post("/login", data={"email": "other@example.org", "password": PASSWORD})
    codes = [
        client.post(f"/resources/{resource_id}/ask", data={"body": f"问题{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_feed_escapes_everything(app, client, world):
    add_resource(
        app,
        world.owner_unit_id,
        title_zh="<b>粗</b> & 细（示例）",
        description_zh="</summary><script>alert(1)</script>",
    )
    body = client.get("/resources/feed.atom").get_data(as_text=True)
    assert "&lt;b&gt;粗&lt;/b&gt; &amp; 细（示例）" in body
    assert "<script>" not in body and "</summary><" not in body
    root = ElementTree.fromstring(body.encode())  # noqa: S314 - our own feed, parsed in a test
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
