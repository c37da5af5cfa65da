"""Two-factor sign-in, recovery codes, re-authentication and email change."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from alliance import clock
from alliance.audit import AuditEvent
from alliance.auth import two_factor
from alliance.auth.models import SECRETARIAT, RecoveryCode, User
from alliance.database import utcnow
from alliance.extensions import db
from alliance.mail import OutboxMessage
from tests.factories import PASSWORD, make_user
from tests.mail_helpers import pending_link

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_for(secret=SECRET, offset=0):
    return pyotp.TOTP(secret).at(time.time() + offset)


def enrolled_user(email="two@example.org", roles=()):
    return make_user(email=email, roles=roles, totp_secret=SECRET, totp_enabled_at=utcnow())


@pytest.fixture
def two(app):
    with app.app_context():
        user = enrolled_user()
        db.session.commit()
        return user.id


def _login(client, email="two@example.org", password=PASSWORD, **query):
    return client.post("/login", data={"email": email, "password": password}, query_string=query)


def test_password_alone_does_not_sign_in(client, two):
    response = _login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/verify"
    assert client.get("/account").status_code == 302  # not signed in yet
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_code_completes_sign_in_and_keeps_next(client, two):
    _login(client, next="/account")
    response = client.post("/login/verify", data={"code": code_for()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200


def test_wrong_code_counts_as_failure_and_delays(client, app, two):
    _login(client)
    with clock.frozen(utcnow()) as start:
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            response = client.post("/login/verify", data={"code": "000000"})
            assert response.status_code == 200
            assert "验证码不正确" in response.text
        # Inside the delay: even the right code is refused, and the refusal is not counted.
        assert client.post("/login/verify", data={"code": code_for()}).status_code == 200
        assert client.get("/account").status_code == 302
        with app.app_context():
            user = db.session.get(User, two)
            assert user.next_attempt_at == start + timedelta(seconds=1)
            assert user.failed_logins == app.config["LOGIN_MAX_FAILURES"]
    with clock.frozen(start + timedelta(seconds=1)):
        assert client.post("/login/verify", data={"code": code_for()}).status_code == 302
    assert client.get("/account").status_code == 200


def test_code_cannot_be_replayed(app, two):
    one, other = app.test_client(), app.test_client()
    code = code_for()
    _login(one)
    assert one.post("/login/verify", data={"code": code}).status_code == 302
    _login(other)
    assert other.post("/login/verify", data={"code": code}).status_code == 200
    assert other.get("/account").status_code == 302


def test_verify_without_pending_login_goes_back_to_login(client, two):
    response = client.post("/login/verify", data={"code": code_for()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_pending_login_expires(app, two):
    client = app.test_client()
    _login(client)
    # The password step was taken longer ago than the second step may wait.
    with client.session_transaction() as sess:
        pending = sess["2fa_pending"]
        pending["at"] -= app.config["TWO_FACTOR_PENDING_SECONDS"] + 1
        sess["2fa_pending"] = pending
    response = client.post("/login/verify", data={"code": code_for()})
    assert response.headers["Location"] == "/login"


def test_recovery_code_works_once(client, app, two):
    with app.app_context():
        codes = two_factor.replace_recovery_codes(db.session.get(User, two))
        db.session.commit()
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
    _login(client)
    assert client.post("/login/verify", data={"code": codes[0].upper()}).status_code == 302
    client.post("/logout")
    _login(client)
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 200
    with app.app_context():
        assert two_factor.unused_recovery_codes(db.session.get(User, two)) == 9
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "user.recovery_code_used" in actions


def test_session_renewed_between_steps(client, two):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    _login(client)
    client.post("/login/verify", data={"code": code_for()})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert "2fa_pending" not in sess


def test_unknown_and_wrong_password_never_reach_second_step(client, two):
    for email, password in [("nobody@example.org", PASSWORD), ("two@example.org", "wrong one!!")]:
        response = _login(client, email=email, password=password)
        assert response.status_code == 200
        assert "邮箱或密码不正确" in response.text


def test_enrolment_shows_qr_and_enables_with_recovery_codes(client, auth, app):
    with app.app_context():
        uid = make_user(email="new@example.org").id
        db.session.commit()
    auth.login("new@example.org")
    page = client.get("/account/2fa")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    secret = re.search(r'<code class="totp-secret">([A-Z2-7]{32})</code>', page.text).group(1)
    wrong = client.post("/account/2fa/enable", data={"code": "123456"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    done = client.post("/account/2fa/enable", data={"code": code_for(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", done.text)
    assert len(codes) == 10
    assert done.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.totp_enabled and user.totp_secret == secret
    # The status page no longer shows the secret.
    status = client.get("/account/2fa").text
    assert secret not in status and "10" in status


def test_secretariat_must_enrol_before_anything_else(make_app):
    app = make_app(SECRETARIAT_REQUIRES_2FA=True)
    with app.app_context():
        make_user(email="sec@example.org", roles=(SECRETARIAT,))
        db.session.commit()
    client = app.test_client()
    assert _login(client, email="sec@example.org").status_code == 302
    for path in ("/admin/", "/account", "/admin/audit", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/2fa"
    assert client.get("/account/2fa").status_code == 200
    # Secretariat accounts cannot turn it off again.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_normalized == "sec@example.org"))
        user.totp_secret, user.totp_enabled_at = SECRET, utcnow()
        db.session.commit()
    assert client.get("/admin/").status_code == 200
    client.post("/account/2fa/disable")
    with app.app_context():
        assert db.session.scalar(select(User)).totp_secret == SECRET


def test_enrolled_secretariat_signs_in_with_code(make_app):
    app = make_app(SECRETARIAT_REQUIRES_2FA=True)
    with app.app_context():
        enrolled_user("sec@example.org", roles=(SECRETARIAT,))
        db.session.commit()
    client = app.test_client()
    _login(client, email="sec@example.org")
    client.post("/login/verify", data={"code": code_for()})
    assert client.get("/admin/").status_code == 200


def test_member_can_turn_2fa_off(client, app, two):
    _login(client)
    client.post("/login/verify", data={"code": code_for()})
    assert client.post("/account/2fa/disable").status_code == 302
    with app.app_context():
        assert not db.session.get(User, two).totp_enabled
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_stale_login_must_reauthenticate(app):
    with app.app_context():
        make_user(email="m@example.org")
        db.session.commit()
    client = app.test_client()
    _login(client, email="m@example.org")
    # The sign-in is one second older than REAUTH_MINUTES allows.
    with client.session_transaction() as sess:
        sess["auth_at"] -= app.config["REAUTH_MINUTES"] * 60 + 1
    for path in ("/account/password", "/account/email", "/account/2fa"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/confirm?next=")
    wrong = client.post("/account/confirm?next=/account/email", data={"password": "nope nope"})
    assert wrong.status_code == 200 and "密码或验证码不正确" in wrong.text


def test_reauthentication_asks_for_the_code_too(make_app, two):
    app = make_app(REAUTH_MINUTES=1)
    client = app.test_client()
    _login(client)
    client.post("/login/verify", data={"code": code_for()})
    with client.session_transaction() as sess:
        sess["auth_at"] = int(time.time()) - 3600
    assert client.get("/account/email").status_code == 302
    no_code = client.post("/account/confirm?next=/account/email", data={"password": PASSWORD})
    assert no_code.status_code == 200
    # The next time step (accepted for clock drift): the current one was used to sign in.
    ok = client.post(
        "/account/confirm?next=/account/email",
        data={"password": PASSWORD, "code": code_for(offset=30)},
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/account/email"
    assert client.get("/account/email").status_code == 200


def test_reauthenticate_refuses_offsite_next(client, auth, app):
    with app.app_context():
        make_user(email="m@example.org")
        db.session.commit()
    auth.login("m@example.org")
    response = client.post("/account/confirm?next=//evil.example", data={"password": PASSWORD})
    assert response.headers["Location"] == "/"


def _last_link(client, recipient):
    """The link the confirmation mail carries, as the demo shows it on screen."""
    return pending_link(client, recipient, "/account/email/")


def test_change_email_by_mailed_link(client, auth, app):
    with app.app_context():
        uid = make_user(email="old@example.org").id
        db.session.commit()
    auth.login("old@example.org")
    response = client.post("/account/email", data={"email": "New@Example.org"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).email == "old@example.org"  # not yet
    link = _last_link(client, "New@Example.org")
    assert client.get(link).status_code == 200  # a page with a button; GET changes nothing
    with app.app_context():
        assert db.session.get(User, uid).email == "old@example.org"
    assert client.post(link).status_code == 302
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.email == "New@Example.org" and user.email_normalized == "new@example.org"
        notices = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "old@example.org")
        ).all()
        assert len(notices) == 1
        assert "user.email_changed" in db.session.scalars(select(AuditEvent.action)).all()
    # Still signed in here; the link works once.
    assert client.get("/account").status_code == 200
    assert client.post(link).status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).email == "New@Example.org"
    client.post("/logout")
    assert auth.login("new@example.org").status_code == 302


def test_change_email_to_taken_address_says_the_same_and_sends_nothing(client, auth, app):
    with app.app_context():
        make_user(email="old@example.org")
        make_user(email="taken@example.org")
        db.session.commit()
    auth.login("old@example.org")
    free = client.post("/account/email", data={"email": "free@example.org"}, follow_redirects=True)
    taken = client.post(
        "/account/email", data={"email": "taken@example.org"}, follow_redirects=True
    )
    assert free.text.count("确认链接") == taken.text.count("确认链接") == 1
    with app.app_context():
        recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert recipients == ["free@example.org"]


def test_email_link_of_another_user_is_refused(client, auth, app):
    with app.app_context():
        make_user(email="a@example.org")
        make_user(email="b@example.org")
        db.session.commit()
    auth.login("a@example.org")
    client.post("/account/email", data={"email": "fresh@example.org"})
    link = _last_link(client, "fresh@example.org")
    client.post("/logout")
    auth.login("b@example.org")
    response = client.post(link)
    assert response.status_code == 302
    with app.app_context():
        emails = set(db.session.scalars(select(User.email_normalized)).all())
        assert emails == {"a@example.org", "b@example.org"}


def test_matching_step_accepts_one_step_of_drift_only():
    now = time.time()
    totp = pyotp.TOTP(SECRET)
    assert two_factor.matching_step(SECRET, totp.at(now - 30), now) is not None
    assert two_factor.matching_step(SECRET, totp.at(now + 30), now) is not None
    assert two_factor.matching_step(SECRET, totp.at(now - 95), now) is None
    for bad in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert two_factor.matching_step(SECRET, bad, now) is None


def test_second_step_is_rate_limited(make_app, two):
    app = make_app(RATELIMIT_ENABLED=True, TWO_FACTOR_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _login(client)
    codes = [client.post("/login/verify", data={"code": "000000"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_totp_secret_never_leaves_the_enrolment_page(client, app, two):
    _login(client, next="/account")
    client.post("/login/verify", data={"code": code_for()})
    for path in ("/account", "/account/2fa"):
        assert SECRET not in client.get(path).text
