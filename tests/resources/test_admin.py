"""Secretariat moderation and categories; the CLI; the profile partial; demo data."""

from sqlalchemy import func, select

from alliance import demo
from alliance.audit import AuditEvent
from alliance.clock import today_local
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import MemberUnit
from alliance.resources.models import EXPIRED, Inquiry, Resource, ResourceCategory
from tests.factories import PASSWORD
from tests.resources.helpers import make_resource, make_world


def login(auth, email):
    assert auth.login(email, PASSWORD).status_code == 302


def add_resource(app, unit_id, **overrides) -> int:
    with app.app_context():
        resource = make_resource(unit_id, **overrides)
        db.session.commit()
        return resource.id


def test_moderation_needs_the_secretariat(app, client, auth):
    with app.app_context():
        world = make_world()
    resource_id = add_resource(app, world.owner_unit_id)
    assert client.get("/admin/resources").status_code == 302
    login(auth, "owner@example.org")
    assert client.get("/admin/resources").status_code == 403
    response = client.post(f"/admin/resources/{resource_id}/hide", data={"reason": "x"})
    assert response.status_code == 403
    assert (
        client.post(f"/admin/resources/{resource_id}/feature", data={"featured": "1"}).status_code
        == 403
    )
    assert client.get("/admin/resources/categories/new").status_code == 403


def test_hiding_removes_the_resource_and_notifies_the_owner(app, client, auth):
    with app.app_context():
        world = make_world()
    resource_id = add_resource(app, world.owner_unit_id, title_zh="待审示例")
    login(auth, "sec@example.org")
    page = client.get("/admin/resources")
    assert page.status_code == 200 and "待审示例" in page.get_data(as_text=True)
    assert client.post("/admin/resources/999/hide", data={"reason": "x"}).status_code == 404
    client.post(f"/admin/resources/{resource_id}/hide", data={"reason": ""})
    with app.app_context():
        assert not db.session.get(Resource, resource_id).is_hidden  # a reason is required
    client.post(f"/admin/resources/{resource_id}/hide", data={"reason": "内容与联盟无关"})
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        assert resource.is_hidden and resource.hidden_reason == "内容与联盟无关"
        mails = db.session.scalars(select(OutboxMessage)).all()
        assert {m.recipient for m in mails} == {"owner@example.org", "staff@example.org"}
        assert all("内容与联盟无关" in m.body for m in mails)
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "resources.listing.hidden")
            )
            .one()
            .actor.email
            == "sec@example.org"
        )
    auth.logout()
    assert "待审示例" not in client.get("/resources").get_data(as_text=True)
    assert client.get(f"/resources/{resource_id}").status_code == 404
    login(auth, "sec@example.org")
    client.post(f"/admin/resources/{resource_id}/unhide")
    client.post(f"/admin/resources/{resource_id}/feature", data={"featured": "1"})
    with app.app_context():
        resource = db.session.get(Resource, resource_id)
        assert not resource.is_hidden and resource.is_featured
    assert "待审示例" in client.get("/admin/resources?status=featured").get_data(as_text=True)
    assert "待审示例" not in client.get("/admin/resources?status=hidden").get_data(as_text=True)


def test_secretariat_edits_categories(app, client, auth):
    with app.app_context():
        make_world()
        training = db.session.scalar(
            select(ResourceCategory.id).where(ResourceCategory.code == "training-base")
        )
    login(auth, "sec@example.org")
    response = client.post(
        f"/admin/resources/categories/{training}",
        data={
            "code": "training-base",
            "label_zh": "实训与培训基地",
            "label_en": "Training",
            "position": "0",
        },
    )
    assert response.status_code == 302
    clash = client.post(
        "/admin/resources/categories/new",
        data={"code": "training-base", "label_zh": "重复", "label_en": "Dup", "position": "1"},
    )
    assert clash.status_code == 400
    bad = client.post(
        "/admin/resources/categories/new",
        data={"code": "Bad Code!", "label_zh": "", "label_en": "x", "position": "1"},
    )
    assert bad.status_code == 400
    client.post(
        "/admin/resources/categories/new",
        data={"code": "data-sets", "label_zh": "数据集", "label_en": "Data sets", "position": "9"},
    )
    assert client.get("/admin/resources/categories/999").status_code == 404
    with app.app_context():
        assert db.session.get(ResourceCategory, training).label_zh == "实训与培训基地"
        assert db.session.scalar(select(func.count()).select_from(ResourceCategory)) == 9
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "resource_categories")
        ).all()
        assert sorted(actions) == ["resources.category.created", "resources.category.updated"]
    assert "数据集" in client.get("/resources").get_data(as_text=True)  # a filter choice


def test_expire_resources_command(app, runner):
    from datetime import timedelta

    with app.app_context():
        world = make_world()
        make_resource(world.owner_unit_id, available_until=today_local() - timedelta(days=2))
        make_resource(world.owner_unit_id)
        db.session.commit()
    result = runner.invoke(args=["expire-listings"])
    assert result.exit_code == 0 and "1 listing(s) expired" in result.output
    with app.app_context():
        statuses = sorted(db.session.scalars(select(Resource.status)))
        assert statuses == [EXPIRED, "published"]
    assert "0 listing(s)" in runner.invoke(args=["expire-listings"]).output


def test_unit_resources_partial(app, client):
    with app.app_context():
        world = make_world()
        make_resource(world.owner_unit_id, title_zh="公开资源示例")
        make_resource(world.owner_unit_id, title_zh="会员资源示例", visibility="members")
        db.session.commit()
    with app.test_request_context("/"):
        unit = db.session.get(MemberUnit, world.owner_unit_id)
        html = app.jinja_env.get_template("resources/_unit_resources.html").render(unit=unit)
    assert "公开资源示例" in html and "会员资源示例" not in html


def test_demo_resources(app):
    with app.app_context():
        demo.load()
        db.session.commit()
        resources = db.session.scalars(select(Resource)).all()
        assert len(resources) >= 30
        assert all("示例" in x.title_zh for x in resources)
        codes = {x.category.code for x in resources}
        assert len(codes) == 8
        xmist = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == "xmist"))
        titles = [x.title_zh for x in resources if x.unit_id == xmist.id]
        assert any("管理信息系统" in t and "测试平台" in t for t in titles)
        assert any(x.category.code == "training-base" for x in resources)
        inquiry = db.session.scalars(select(Inquiry)).one()
        assert len(inquiry.messages) == 2
        demo.load()  # idempotent
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Resource)) == len(resources)
