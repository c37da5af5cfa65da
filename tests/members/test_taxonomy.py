"""Secretariat taxonomy editing: authorization, validation, audit, reordering."""

import pytest
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.members.models import Certification, ServiceLine
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import PASSWORD, make_unit, make_user


@pytest.fixture
def people(app):
    with app.app_context():
        ensure_default_taxonomy()
        make_user("sec@tax.example.org", roles=(SECRETARIAT,))
        make_unit(admin=make_user("admin@tax.example.org"))
        db.session.commit()


ROUTES = [
    ("get", "/admin/taxonomy"),
    ("get", "/admin/taxonomy/service-lines/new"),
    ("post", "/admin/taxonomy/service-lines/new"),
    ("get", "/admin/taxonomy/certifications/1"),
    ("post", "/admin/taxonomy/certifications/1/move"),
]


@pytest.mark.parametrize("method,url", ROUTES)
def test_anonymous_goes_to_login(client, people, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("method,url", ROUTES)
def test_unit_admin_is_refused(client, auth, people, method, url):
    auth.login("admin@tax.example.org", PASSWORD)
    assert (
        getattr(client, method)(
            url,
            data={
                "code": "x",
                "label_zh": "x",
                "label_en": "x",
                "category": "ITO",
                "direction": "up",
            },
        ).status_code
        == 403
    )


def test_secretariat_adds_a_service_line(app, client, auth, people):
    auth.login("sec@tax.example.org", PASSWORD)
    assert "软件开发" in client.get("/admin/taxonomy").get_data(as_text=True)
    response = client.post(
        "/admin/taxonomy/service-lines/new",
        data={
            "code": "game-dev",
            "category": "KPO",
            "label_zh": "游戏开发",
            "label_en": "Game development",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        line = db.session.scalar(select(ServiceLine).where(ServiceLine.code == "game-dev"))
        assert line.label_zh == "游戏开发" and line.category == "KPO"
        assert line.position == max(db.session.scalars(select(ServiceLine.position)))
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "service_lines.created")
        )
    # The directory offers it as a filter.
    assert "游戏开发" in client.get("/members").get_data(as_text=True)


def test_secretariat_edits_a_certification(app, client, auth, people):
    auth.login("sec@tax.example.org", PASSWORD)
    with app.app_context():
        cert_id = db.session.scalar(select(Certification.id).where(Certification.code == "cmmi"))
    response = client.post(
        f"/admin/taxonomy/certifications/{cert_id}",
        data={
            "code": "cmmi",
            "label_zh": "CMMI 能力成熟度模型",
            "label_en": "CMMI (Capability Maturity Model)",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Certification, cert_id).label_zh == "CMMI 能力成熟度模型"
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "certifications.updated")
        )
        assert (
            event.old_values["label_zh"] == "CMMI"
            and event.new_values["label_zh"] == "CMMI 能力成熟度模型"
        )


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"code": "software-testing", "category": "ITO", "label_zh": "甲", "label_en": "A"},
            "已有其他条目使用此代码",
        ),
        ({"code": "Bad Code", "category": "ITO", "label_zh": "甲", "label_en": "A"}, "小写字母"),
        ({"code": "ok", "category": "ITO", "label_zh": "", "label_en": "A"}, "invalid-feedback"),
        ({"code": "ok", "category": "XYZ", "label_zh": "甲", "label_en": "A"}, "invalid-feedback"),
    ],
)
def test_bad_input_is_a_form_error(app, client, auth, people, data, message):
    auth.login("sec@tax.example.org", PASSWORD)
    with app.app_context():
        before = db.session.query(ServiceLine).count()
    response = client.post("/admin/taxonomy/service-lines/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ServiceLine).count() == before


def test_reorder(app, client, auth, people):
    auth.login("sec@tax.example.org", PASSWORD)
    with app.app_context():
        first, second = db.session.scalars(
            select(ServiceLine).order_by(ServiceLine.position)
        ).all()[:2]
        first_id, second_id = first.id, second.id
    assert (
        client.post(
            f"/admin/taxonomy/service-lines/{second_id}/move", data={"direction": "up"}
        ).status_code
        == 302
    )
    with app.app_context():
        order = db.session.scalars(select(ServiceLine.id).order_by(ServiceLine.position)).all()
        assert order[:2] == [second_id, first_id]
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "service_lines.moved")
        )
    # Moving the first entry further up changes nothing.
    client.post(f"/admin/taxonomy/service-lines/{second_id}/move", data={"direction": "up"})
    with app.app_context():
        assert (
            db.session.scalars(select(ServiceLine.id).order_by(ServiceLine.position)).all() == order
        )
    assert (
        client.post(
            f"/admin/taxonomy/service-lines/{second_id}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )


def test_unknown_kind_and_item_are_404(client, auth, people):
    auth.login("sec@tax.example.org", PASSWORD)
    assert client.get("/admin/taxonomy/widgets/new").status_code == 404
    assert client.get("/admin/taxonomy/service-lines/9999").status_code == 404
