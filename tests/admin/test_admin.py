"""Secretariat screens: access, outbox, audit log, roles."""

import pytest
from sqlalchemy import select

from alliance import audit, mail
from alliance.audit import AppendOnlyError, AuditEvent
from alliance.auth.models import ELECTION_OFFICER, SECRETARIAT, User
from alliance.extensions import db
from tests.factories import make_user

ADMIN_PAGES = ["/admin/", "/admin/outbox", "/admin/audit", "/admin/users"]


@pytest.fixture
def people(app):
    with app.app_context():
        sec = make_user(email="sec@example.org", roles=(SECRETARIAT,))
        member = make_user(email="member@example.org")
        db.session.commit()
        return {"sec": sec.id, "member": member.id}


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_member_gets_403(client, auth, people, path):
    auth.login("member@example.org")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_secretariat_gets_page(client, auth, people, path):
    auth.login("sec@example.org")
    assert client.get(path).status_code == 200


def test_outbox_lists_and_shows_messages(client, auth, app, people):
    with app.test_request_context():
        user = db.session.get(User, people["member"])
        message = mail.send(
            user.email, "reset_password", user=user, link="http://x/<b>", minutes=60
        )
        db.session.commit()
        message_id = message.id
    auth.login("sec@example.org")
    listing = client.get("/admin/outbox")
    assert "member@example.org" in listing.text
    detail = client.get(f"/admin/outbox/{message_id}")
    assert "http://x/&lt;b&gt;" in detail.text  # shown escaped
    assert client.get("/admin/outbox/99999").status_code == 404


def test_audit_log_filters(client, auth, app, people):
    with app.app_context():
        audit.record(
            "unit.suspended",
            target_type="member_units",
            target_id=7,
            old={"status": "active"},
            new={"status": "suspended"},
        )
        audit.record("user.roles_changed", target_type="users", target_id=1)
        db.session.commit()
    auth.login("sec@example.org")
    everything = client.get("/admin/audit").text
    assert "unit.suspended" in everything and "user.roles_changed" in everything
    filtered = client.get("/admin/audit", query_string={"action": "unit."}).text
    assert "unit.suspended" in filtered and "user.roles_changed" not in filtered
    assert "active" in filtered and "suspended" in filtered
    by_target = client.get("/admin/audit", query_string={"target_type": "users"}).text
    assert "user.roles_changed" in by_target and "unit.suspended" not in by_target
    bad_date = client.get("/admin/audit", query_string={"date_from": "not-a-date"})
    assert bad_date.status_code == 200
    assert "请修正筛选条件" in bad_date.text


def test_audit_per_page_is_capped(client, auth, app, people):
    with app.app_context():
        for i in range(3):
            audit.record("x.test", target_type="t", target_id=i)
        db.session.commit()
    auth.login("sec@example.org")
    assert client.get("/admin/audit", query_string={"per_page": 100000}).status_code == 200
    assert app.config["MAX_PER_PAGE"] <= 100


def test_audit_events_are_append_only(app):
    with app.app_context():
        event = audit.record("x.test", target_type="t", target_id=1)
        db.session.commit()
        event.action = "changed"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(AppendOnlyError):
            db.session.commit()


def test_audit_records_ip_and_actor(client, auth, app, people):
    auth.login("sec@example.org")
    client.post(
        f"/admin/users/{people['member']}",
        data={"election_officer": "y", "active": "y"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.roles_changed")
        ).one()
        assert event.actor_id == people["sec"]
        assert event.ip == "203.0.113.9"
        assert event.new_values == {"roles": [ELECTION_OFFICER]}
        assert db.session.get(User, people["member"]).is_election_officer


def test_secretariat_cannot_demote_self(client, auth, app, people):
    auth.login("sec@example.org")
    response = client.post(f"/admin/users/{people['sec']}", data={"active": "y"})
    assert response.status_code == 200
    assert "不能移除您自己的秘书处角色" in response.text
    with app.app_context():
        assert db.session.get(User, people["sec"]).is_secretariat


def test_deactivating_a_user_ends_their_sessions(app, people):
    member = app.test_client()
    member.post("/login", data={"email": "member@example.org", "password": "correct horse battery"})
    assert member.get("/account").status_code == 200
    sec = app.test_client()
    sec.post("/login", data={"email": "sec@example.org", "password": "correct horse battery"})
    response = sec.post(f"/admin/users/{people['member']}", data={"submit": "Save"})
    assert response.status_code == 302, response.text
    assert member.get("/account").status_code == 302
