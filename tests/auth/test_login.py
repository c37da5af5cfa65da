"""Sign-in, sign-out, remember-me, throttling and redirects."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from alliance import clock
from alliance.auth.models import User
from alliance.extensions import db
from tests.factories import PASSWORD, make_user


@pytest.fixture
def member(app):
    with app.app_context():
        user = make_user(email="Member@Example.org")
        db.session.commit()
        return user.id


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.text


def test_login_with_right_password_then_account_page(client, auth, member):
    response = auth.login("member@example.org", PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_email_is_case_insensitive(client, auth, member):
    assert auth.login("MEMBER@example.ORG", PASSWORD).status_code == 302


def test_wrong_password_shows_message_and_counts_failure(client, auth, app, member):
    response = auth.login("member@example.org", "wrong password here")
    assert response.status_code == 200
    assert (
        "The email or password is not right" in response.text or "邮箱或密码不正确" in response.text
    )
    with app.app_context():
        assert db.session.get(User, member).failed_logins == 1


def test_unknown_email_gets_the_same_message(client, auth, member):
    known = auth.login("member@example.org", "wrong password here").text
    unknown = auth.login("nobody@example.org", "wrong password here").text
    marker = "邮箱或密码不正确"
    assert marker in known and marker in unknown


def test_repeated_failures_delay_the_next_attempt(client, auth, app, member):
    with clock.frozen(datetime(2026, 3, 2, 9, 0)) as start:
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            auth.login("member@example.org", "wrong password here")
        # Inside the delay even the right password is not checked, with the same message.
        response = auth.login("member@example.org", PASSWORD)
        assert response.status_code == 200
        assert "邮箱或密码不正确" in response.text
        with app.app_context():
            assert db.session.get(User, member).next_attempt_at == start + timedelta(seconds=1)
    with clock.frozen(start + timedelta(seconds=1)):
        assert auth.login("member@example.org", PASSWORD).status_code == 302


def test_inactive_user_cannot_sign_in(client, auth, app):
    with app.app_context():
        make_user(email="gone@example.org", active=False)
        db.session.commit()
    assert auth.login("gone@example.org", PASSWORD).status_code == 200
    assert client.get("/account").status_code == 302


def test_per_ip_rate_limit(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": "a@example.org", "password": "x" * 12}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    last = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert "Retry-After" in last.headers
    assert "秒后重试" in last.text


def test_logout_ends_the_session_even_for_a_copied_cookie(client, auth, app, member):
    auth.login("member@example.org", PASSWORD)
    cookie = client.get_cookie("session")
    assert cookie is not None
    stolen = cookie.value
    assert client.get("/account").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    # Replay the cookie captured before logout in a fresh client.
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").status_code == 302


def test_logout_requires_post(client, auth, member):
    auth.login("member@example.org", PASSWORD)
    assert client.get("/logout").status_code == 405


def test_remember_me_cookie_is_limited_and_flagged(make_app, member):
    app = make_app()
    client = app.test_client()
    client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "remember": "y"}
    )
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert remember.http_only
    assert remember.same_site == "Lax"
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30
    # A new browser session with only the remember cookie is signed in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/account").status_code == 200


def test_remember_cookie_dies_on_logout(make_app, member):
    app = make_app()
    client = app.test_client()
    client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "remember": "y"}
    )
    token = client.get_cookie("remember_token").value
    client.post("/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token)
    assert fresh.get("/account").status_code == 302


def test_production_cookies_are_secure(make_app):
    app = make_app(TESTING=False, DEBUG=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_session_is_renewed_at_login(client, auth, member):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login("member@example.org", PASSWORD)
    with client.session_transaction() as sess:
        assert "planted" not in sess


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "////evil.example",
        "/%5Cevil.example\\x",
        "javascript:alert(1)",
        "/ok//evil",
    ],
)
def test_next_to_another_site_is_refused(client, auth, member, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "member@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_path_is_followed(client, member):
    response = client.post(
        "/login",
        query_string={"next": "/account?tab=1"},
        data={"email": "member@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/account?tab=1"


def test_last_login_recorded(client, auth, app, member):
    auth.login("member@example.org", PASSWORD)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.id == member))
        assert user.last_login_at is not None
        assert user.failed_logins == 0
