"""Colleagues: invitations, roles, the last admin rule, the representative."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from alliance import clock
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members.models import ROLE_ADMIN, ROLE_STAFF, Colleague, MemberUnit
from alliance.membership import services
from alliance.membership.models import Invitation, UnitHistory
from tests.factories import PASSWORD, make_user
from tests.mail_helpers import pending_link
from tests.membership.conftest import audit_actions


def invite(client, unit_id, email="new@example.org", role="staff"):
    return client.post(f"/my/units/{unit_id}/invite", data={"email": email, "role": role})


def invitation_link(client, email):
    """The link the invitation carries, as the demo shows it to the inviting admin."""
    return pending_link(client, email, "/invitations/")


def colleague_id(app, user_id):
    with app.app_context():
        return db.session.scalar(select(Colleague.id).where(Colleague.user_id == user_id))


def test_invite_creates_account_through_single_use_link(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    assert invite(client, world["unit_a"]).status_code == 302
    path = invitation_link(client, "new@example.org")
    assert "membership.invited" in audit_actions(app)
    with app.app_context():
        stored = db.session.scalar(select(Invitation))
        assert path.rsplit("/", 1)[1] not in stored.token_hash  # only a hash is kept
    auth.logout()
    page = client.get(path)
    assert page.status_code == 200 and "new@example.org" in page.text
    bad = client.post(
        path, data={"display_name": "新同事", "password": "short", "confirm": "short"}
    )
    assert "至少使用 12 个字符" in bad.text
    response = client.post(
        path,
        data={
            "display_name": "新同事",
            "password": "a new colleague pass",
            "confirm": "a new colleague pass",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_normalized == "new@example.org"))
        assert user.colleague.unit_id == world["unit_a"] and user.colleague.role == ROLE_STAFF
    assert "新同事" in client.get("/my/unit/colleagues").text  # signed in as the new colleague
    client.post("/logout")
    # the link works once
    assert client.get(path).status_code == 404
    assert client.post(path, data={"display_name": "x"}).status_code == 404


def test_existing_account_without_unit_signs_in_and_joins(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    invite(client, world["unit_a"], "outsider@example.org", "admin")
    path = invitation_link(client, "outsider@example.org")
    auth.logout()
    assert "请用它登录" in client.get(path).text
    auth.login("outsider@example.org", PASSWORD)
    assert client.post(path).status_code == 302
    with app.app_context():
        user = db.session.get(User, world["outsider"])
        assert user.colleague.unit_id == world["unit_a"] and user.colleague.role == ROLE_ADMIN


def test_wrong_account_cannot_use_an_invitation(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    invite(client, world["unit_a"], "someone@example.org")
    path = invitation_link(client, "someone@example.org")
    auth.logout()
    auth.login("admin-b@example.org", PASSWORD)
    assert client.post(path).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Invitation)).accepted_at is None


def test_expired_and_withdrawn_invitations_do_not_work(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    invite(client, world["unit_a"], "late@example.org")
    invite(client, world["unit_a"], "withdrawn@example.org")
    late = invitation_link(client, "late@example.org")
    withdrawn = invitation_link(client, "withdrawn@example.org")
    with app.app_context():
        inv = db.session.scalar(select(Invitation).where(Invitation.email == "late@example.org"))
        inv.expires_at = clock.now_utc() - timedelta(seconds=1)
        other = db.session.scalar(
            select(Invitation).where(Invitation.email == "withdrawn@example.org")
        )
        other_id = other.id
        db.session.commit()
    assert (
        client.post(f"/my/units/{world['unit_a']}/invitations/{other_id}/revoke").status_code == 302
    )
    auth.logout()
    for path in (late, withdrawn, "/invitations/not-a-token"):
        response = client.get(path)
        assert response.status_code == 404 and "已过期" in response.text


def test_invitation_refuses_colleagues_of_other_units(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    response = invite(client, world["unit_a"], "admin-b@example.org")
    assert response.status_code == 400 and "其他会员单位" in response.text
    response = invite(client, world["unit_a"], "staff-a@example.org")
    assert "已是本单位的同事" in response.text
    assert invite(client, world["unit_a"], "not-an-email").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_invite_needs_the_units_admin(client, auth, world):
    assert "/login" in invite(client, world["unit_a"]).headers["Location"]
    auth.login("staff-a@example.org", PASSWORD)
    assert invite(client, world["unit_a"]).status_code == 403
    auth.logout()
    auth.login("admin-b@example.org", PASSWORD)
    assert invite(client, world["unit_a"]).status_code == 403
    assert invite(client, 99999).status_code == 404


def test_invite_is_rate_limited(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, INVITE_RATE_LIMIT="2 per minute")
    client = app.test_client()
    client.post("/login", data={"email": "admin-a@example.org", "password": PASSWORD})
    codes = [invite(client, world["unit_a"], f"p{i}@example.org").status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_last_admin_cannot_be_removed_or_demoted(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    admin_c = colleague_id(app, world["admin_a"])
    # hand the representative role to the staff member so only the admin rule applies
    staff_c = colleague_id(app, world["staff_a"])
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/representative")
    response = client.post(
        f"/my/units/{world['unit_a']}/colleagues/{admin_c}/role", data={"role": "staff"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Colleague, admin_c).role == ROLE_ADMIN
    assert "至少要保留一名管理员" in client.get(f"/my/units/{world['unit_a']}/colleagues").text
    client.post(f"/my/units/{world['unit_a']}/colleagues/{admin_c}/remove")
    with app.app_context():
        assert db.session.get(Colleague, admin_c) is not None


def test_service_enforces_the_last_admin_rule(app, world):
    with app.test_request_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        admin = db.session.get(User, world["admin_a"])
        colleague = admin.colleague
        with pytest.raises(services.MembershipError):
            services.set_role(unit, colleague, ROLE_STAFF, admin)
        unit.representative_id = world["staff_a"]
        with pytest.raises(services.MembershipError):
            services.remove_colleague(unit, colleague, admin)
        staff = db.session.get(User, world["staff_a"])
        services.set_role(unit, staff.colleague, ROLE_ADMIN, admin)
        services.set_role(unit, colleague, ROLE_STAFF, admin)  # allowed now: another admin exists
        assert colleague.role == ROLE_STAFF


def test_hand_admin_over_then_remove(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    staff_c = colleague_id(app, world["staff_a"])
    admin_c = colleague_id(app, world["admin_a"])
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/role", data={"role": "admin"})
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/representative")
    client.post(f"/my/units/{world['unit_a']}/colleagues/{admin_c}/role", data={"role": "staff"})
    with app.app_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        assert unit.representative_id == world["staff_a"]
        assert db.session.get(Colleague, staff_c).role == ROLE_ADMIN
        assert db.session.get(Colleague, admin_c).role == ROLE_STAFF
        fields = [h.field for h in db.session.scalars(select(UnitHistory))]
        assert "representative" in fields and "role" in fields
    assert "membership.representative_changed" in audit_actions(app)
    # the former admin is now staff: no more admin actions
    assert (
        client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/remove").status_code == 403
    )


def test_representative_cannot_be_removed(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    staff_c = colleague_id(app, world["staff_a"])
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/representative")
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/remove")
    with app.app_context():
        assert db.session.get(Colleague, staff_c) is not None
    # after naming the admin again, the staff member can be removed
    admin_c = colleague_id(app, world["admin_a"])
    client.post(f"/my/units/{world['unit_a']}/colleagues/{admin_c}/representative")
    client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/remove")
    with app.app_context():
        assert db.session.get(Colleague, staff_c) is None
        assert "membership.member_removed" in audit_actions(app)


def test_colleague_actions_are_scoped_to_the_unit(client, auth, app, world):
    auth.login("admin-b@example.org", PASSWORD)
    staff_c = colleague_id(app, world["staff_a"])
    assert (
        client.post(f"/my/units/{world['unit_a']}/colleagues/{staff_c}/remove").status_code == 403
    )
    # a colleague of another unit through one's own unit's URL is 404
    assert (
        client.post(f"/my/units/{world['unit_b']}/colleagues/{staff_c}/remove").status_code == 404
    )
    assert (
        client.post(
            f"/my/units/{world['unit_b']}/colleagues/{staff_c}/role", data={"role": "admin"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/my/units/{world['unit_b']}/colleagues/999/representative").status_code == 404
    )
    assert client.post(f"/my/units/{world['unit_b']}/invitations/999/revoke").status_code == 404
    assert (
        client.post(
            f"/my/units/{world['unit_b']}/colleagues/{staff_c}/role", data={"role": "boss"}
        ).status_code
        == 400
    )


def test_user_belongs_to_one_unit_only(app, world):
    with app.test_request_context():
        unit = db.session.get(MemberUnit, world["unit_b"])
        staff = db.session.get(User, world["staff_a"])
        invitation = services.invite(
            unit, "another@example.org", ROLE_STAFF, db.session.get(User, world["admin_b"])
        )
        with pytest.raises(services.MembershipError):
            services.accept_invitation(invitation, staff)
        fresh = make_user(email="fresh@example.org")
        services.accept_invitation(invitation, fresh)
        with pytest.raises(services.MembershipError):
            services.accept_invitation(invitation, make_user())  # single use


def test_former_people_addresses_redirect_to_colleagues(client, auth, app, world):
    unit_a = world["unit_a"]
    staff_c = colleague_id(app, world["staff_a"])
    auth.login("admin-a@example.org", PASSWORD)
    own = client.get("/my/unit/people")
    assert own.status_code == 301 and own.headers["Location"] == "/my/unit/colleagues"
    by_id = client.get(f"/my/units/{unit_a}/people")
    assert by_id.status_code == 301
    assert by_id.headers["Location"] == f"/my/units/{unit_a}/colleagues"
    moved = client.post(f"/my/units/{unit_a}/people/{staff_c}/role", data={"role": "admin"})
    assert moved.status_code == 308
    assert moved.headers["Location"] == f"/my/units/{unit_a}/colleagues/{staff_c}/role"
    # A browser sends the same form again to the new address (the test client drops the body).
    again = client.post(moved.headers["Location"], data={"role": "admin"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Colleague, staff_c).role == ROLE_ADMIN
    auth.logout()
    # The redirect tells nobody else anything: another unit's admin is refused as before.
    auth.login("admin-b@example.org", PASSWORD)
    assert client.get(f"/my/units/{unit_a}/people").status_code == 403
    assert client.post(f"/my/units/{unit_a}/people/{staff_c}/remove").status_code == 403
    auth.logout()
    assert "/login" in client.get("/my/unit/people").headers["Location"]
