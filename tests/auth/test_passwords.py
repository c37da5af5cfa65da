"""Password rules, change and reset through the outbox."""

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.auth import services
from alliance.auth.models import User
from alliance.extensions import db
from alliance.mail import OutboxMessage
from tests.factories import PASSWORD, make_user
from tests.mail_helpers import shown_link

NEW_PASSWORD = "a much better passphrase 2026"


@pytest.fixture
def member(app):
    with app.app_context():
        user = make_user(email="member@example.org")
        db.session.commit()
        return user.id


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short pass", False),
        ("x" * 11 + "y", False),  # two distinct characters only
        ("123qweasdzxc", False),  # in the common-password list
        ("QWERTY123456", False),  # case-insensitive match with the list
        ("correct horse battery", True),
        ("  leading and trailing  ", True),  # accepted as typed
        ("é" * 6 + "密码很长很长很长", True),
        ("a" * 254 + "bc", True),
        ("a" * 255 + "bc", False),
    ],
)
def test_password_rules(app, password, ok):
    with app.app_context():
        assert (services.password_problem(password) is None) is ok


def test_password_kept_as_typed(app):
    with app.app_context():
        user = make_user(password="  spaces matter here  ")
        assert user.check_password("  spaces matter here  ")
        assert not user.check_password("spaces matter here")


def test_change_password_needs_current(client, auth, member):
    auth.login()
    response = client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "当前密码不正确" in response.text


def test_change_password_refuses_weak_and_mismatch(client, auth, member):
    auth.login()
    weak = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert "过于常见" in weak.text
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD + "x",
        },
    )
    assert "不一致" in mismatch.text


def test_change_password_keeps_this_session_and_ends_others(app, member):
    one, two = app.test_client(), app.test_client()
    for c in (one, two):
        c.post("/login", data={"email": "member@example.org", "password": PASSWORD})
    response = one.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert one.get("/account").status_code == 200
    assert two.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(User, member).check_password(NEW_PASSWORD)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "user.password_changed" in actions


def _reset_link(client, response):
    """The link the reset mail carries, as the demo shows it on screen (no mail server)."""
    return shown_link(client, response, "/reset/")


def test_reset_flow_token_is_single_use(client, app, member):
    response = client.post("/reset", data={"email": "member@example.org"})
    assert response.status_code == 302
    link = _reset_link(client, response)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    with app.app_context():
        assert db.session.get(User, member).check_password(NEW_PASSWORD)
    # Used once: the same link no longer works.
    again = client.post(
        link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/reset")
    with app.app_context():
        assert db.session.get(User, member).check_password(NEW_PASSWORD)


def test_reset_answers_the_same_for_unknown_addresses(client, app, member):
    known = client.post("/reset", data={"email": "member@example.org"}, follow_redirects=True)
    unknown = client.post("/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.text.count("重置链接已发送") == unknown.text.count("重置链接已发送") == 1
    with app.app_context():
        recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert recipients == ["member@example.org"]


def test_expired_reset_token_is_refused(app, member, monkeypatch):
    with app.app_context():
        token = services.make_reset_token(db.session.get(User, member))
    # A second past RESET_TOKEN_MAX_AGE (itsdangerous reads the time through get_timestamp).
    made_at = int(time.time())
    later = made_at + app.config["RESET_TOKEN_MAX_AGE"] + 1
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    with app.app_context():
        assert services.user_for_reset_token(token) is None
    response = app.test_client().get(f"/reset/{token}")
    assert response.status_code == 302


def test_tampered_reset_token_is_refused(client, app, member):
    with app.app_context():
        token = services.make_reset_token(db.session.get(User, member))
    assert client.get(f"/reset/{token[:-2]}xx").status_code == 302


def test_reset_mail_uses_the_users_language(client, app):
    with app.app_context():
        make_user(email="english@example.org", locale="en")
        db.session.commit()
    client.post("/reset", data={"email": "english@example.org"})
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.subject.startswith("Reset your password")
        assert message.locale == "en"
