"""The outbox queue and `flask send-mail`; headers from stored text; the demo's links on screen."""

from datetime import datetime, timedelta

import pytest
from flask import Response, get_flashed_messages
from sqlalchemy import select

from alliance import ConfigurationError, clock, mail
from alliance.extensions import db
from alliance.links import external_url
from alliance.mail import OutboxMessage
from tests.factories import make_user
from tests.mail_helpers import fake_smtp  # noqa: F401 - a fixture

T0 = datetime(2026, 3, 2, 8, 0)
SMTP = {"MAIL_SERVER": "smtp.example.org", "MAIL_MAX_ATTEMPTS": 3, "MAIL_RETRY_SECONDS": 60}


@pytest.fixture
def smtp_app(make_app):
    return make_app(**SMTP)


def _queue(app, subject="Hello", body="Body text", recipient="to@example.org", **link):
    """Add one message the way a request does; return its id."""
    with app.test_request_context(), clock.frozen(T0):
        user = make_user(email=f"u{datetime.now().timestamp()}@example.org")
        message = mail.send(
            recipient,
            "reset_password",
            user=user,
            minutes=60,
            secret_links={"link": link.get("link", "https://x.example/reset/secret-token")},
        )
        if subject != "Hello":
            message.subject = subject
        db.session.commit()
        return message.id


def _message(app, message_id) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def _run(app, *args, at=T0):
    with clock.frozen(at):
        return app.test_cli_runner().invoke(args=["send-mail", *args])


# The queue --------------------------------------------------------------------------------


def test_queued_message_is_sent_and_its_sealed_body_cleared(smtp_app, fake_smtp):  # noqa: F811
    message_id = _queue(smtp_app)
    queued = _message(smtp_app, message_id)
    assert queued.status == "queued" and queued.sealed_body and queued.attempts == 0
    assert "secret-token" not in queued.body and "secret-token" not in queued.sealed_body
    assert fake_smtp.connections == []  # nothing left the request

    result = _run(smtp_app)
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    sent = _message(smtp_app, message_id)
    assert sent.status == "sent" and sent.sealed_body is None
    assert sent.attempts == 1 and sent.sent_at == T0
    assert sent.smtp_reply == "250 2.0.0 Ok: queued as FAKE1"
    [(sender, recipient, delivered)] = fake_smtp.delivered
    assert (sender, recipient) == ("noreply@xmsoa.example.org", "to@example.org")
    assert "https://x.example/reset/secret-token" in delivered.get_content()
    assert delivered["Subject"] == sent.subject

    assert "0 sent" in _run(smtp_app).output  # nothing is sent twice
    assert len(fake_smtp.delivered) == 1


def test_a_failure_is_retried_later_then_given_up(smtp_app, fake_smtp):  # noqa: F811
    message_id = _queue(smtp_app)
    fake_smtp.answers = [ConnectionRefusedError("refused"), (451, "4.3.0 try later")] * 2

    assert "1 retrying" in _run(smtp_app).output
    first = _message(smtp_app, message_id)
    assert first.status == "queued" and first.attempts == 1
    assert first.next_attempt_at == T0 + timedelta(seconds=60)
    assert "ConnectionRefusedError" in first.error and first.sealed_body

    # Not due yet: nothing is tried.
    _run(smtp_app, at=T0 + timedelta(seconds=59))
    assert _message(smtp_app, message_id).attempts == 1

    at = T0 + timedelta(seconds=60)
    _run(smtp_app, at=at)
    second = _message(smtp_app, message_id)
    assert second.attempts == 2 and second.error == "451 4.3.0 try later"
    assert second.next_attempt_at == at + timedelta(seconds=120)  # the wait doubles

    assert "1 failed" in _run(smtp_app, at=at + timedelta(seconds=120)).output
    failed = _message(smtp_app, message_id)
    assert failed.status == "failed" and failed.attempts == 3  # MAIL_MAX_ATTEMPTS
    assert failed.sealed_body is None and failed.next_attempt_at is None
    assert fake_smtp.delivered == []


def test_a_transient_failure_then_success(smtp_app, fake_smtp):  # noqa: F811
    message_id = _queue(smtp_app)
    fake_smtp.answers = [(421, "4.7.0 busy")]
    _run(smtp_app)
    _run(smtp_app, at=T0 + timedelta(minutes=1))
    sent = _message(smtp_app, message_id)
    assert sent.status == "sent" and sent.attempts == 2 and sent.sealed_body is None
    assert len(fake_smtp.delivered) == 1


def test_a_permanent_refusal_fails_at_once(smtp_app, fake_smtp):  # noqa: F811
    message_id = _queue(smtp_app)
    fake_smtp.answers = [(550, "5.1.1 no such user")]
    assert "1 failed" in _run(smtp_app).output
    failed = _message(smtp_app, message_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.error == "550 5.1.1 no such user" and failed.sealed_body is None


def test_send_mail_refuses_without_a_mail_server(app):
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output


def test_send_mail_watch_loops_with_its_interval(smtp_app, fake_smtp, monkeypatch):  # noqa: F811
    _queue(smtp_app)
    naps = []

    class Stop(Exception):
        pass

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise Stop

    monkeypatch.setattr("alliance.cli.time.sleep", sleep)
    result = _run(smtp_app, "--watch", "--interval", "7")
    assert isinstance(result.exception, Stop)
    assert naps == [7, 7] and len(fake_smtp.delivered) == 1


def test_requests_only_add_rows(smtp_app, fake_smtp):  # noqa: F811
    with smtp_app.app_context():
        make_user(email="member@example.org")
        db.session.commit()
    smtp_app.test_client().post("/reset", data={"email": "member@example.org"})
    assert fake_smtp.connections == []
    with smtp_app.app_context():
        assert db.session.scalars(select(OutboxMessage.status)).all() == ["queued"]


@pytest.mark.postgres
def test_two_runners_never_claim_the_same_message(smtp_app):
    first_id, second_id = _queue(smtp_app), _queue(smtp_app)
    with smtp_app.app_context():
        mine = mail.claim_next(T0)
        assert mine.id == first_id
        with smtp_app.app_context():  # another runner: its own session and connection
            theirs = mail.claim_next(T0)
            assert theirs.id == second_id
            with smtp_app.app_context():
                assert mail.claim_next(T0) is None
                db.session.rollback()
            db.session.rollback()
        db.session.rollback()


# Headers from stored text -------------------------------------------------------------------


# PostgreSQL refuses NUL in text, so stored rows carry it only on SQLite; a template's context
# (not stored) may carry it on both.
HOSTILE = "Evil\r\nBcc: victim@evil.example\u2028name"


def test_control_characters_in_a_name_cannot_break_the_message(smtp_app, fake_smtp):  # noqa: F811
    with smtp_app.test_request_context(), clock.frozen(T0):
        inviter = make_user(email="inviter@example.org", name=HOSTILE)
        unit = type("Unit", (), {"name_zh": "单位\x00\r\nX-Injected: yes"})()
        message = mail.send(
            "new@example.org",
            "membership/mail/invitation",
            unit=unit,
            inviter=inviter,
            days=7,
            secret_links={"link": "https://x.example/invitations/t"},
        )
        db.session.commit()
        assert not set("\r\n\x00\u2028") & set(message.subject)
        assert "\x00" not in message.body
    assert "1 sent" in _run(smtp_app).output
    [(_sender, _to, delivered)] = fake_smtp.delivered
    assert delivered["Bcc"] is None and delivered["X-Injected"] is None
    assert not set("\r\n\x00") & set(delivered["Subject"])


def test_stored_control_characters_never_make_delivery_raise(smtp_app, fake_smtp):  # noqa: F811
    with smtp_app.app_context():
        nul = "\x00" if db.engine.dialect.name == "sqlite" else ""
        db.session.add(
            OutboxMessage(
                recipient="to@example.org\r\nBcc: victim@evil.example",
                subject=HOSTILE + nul,
                body=f"line{nul}one\r\nline two\n",
                template="raw",
                locale="en",
                status="queued",
                attempts=0,
                next_attempt_at=T0,
            )
        )
        db.session.commit()
    result = _run(smtp_app)
    assert result.exit_code == 0, result.output
    [(_sender, _to, delivered)] = fake_smtp.delivered
    assert delivered["Bcc"] is None
    assert delivered["Subject"] == "Evil Bcc: victim@evil.example name"


def test_header_value_keeps_one_line_of_text():
    assert mail.header_value("a\r\nb\x00c\td\u2028e  f") == "a b c d e f"
    assert mail.header_value("厦门 · 联盟") == "厦门 · 联盟"


# Links on screen (the demo) ----------------------------------------------------------------


def test_demo_shows_the_link_once_and_stores_none(client, app):
    with app.app_context():
        make_user(email="member@example.org")
        db.session.commit()
    response = client.post("/reset", data={"email": "member@example.org"})
    page = client.get(response.headers["Location"]).text
    assert "仅供演示" in page and 'href="http://127.0.0.1:5000/reset/' in page
    assert "仅供演示" not in client.get(response.headers["Location"]).text  # once
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == "stored" and message.sealed_body is None
        assert "/reset/" not in message.body and "[链接已通过邮件发送，未保存]" in message.body


def test_the_setting_turns_the_demo_links_off(make_app):
    app = make_app(SHOW_MAIL_LINKS_ON_SCREEN=False)
    with app.app_context():
        make_user(email="member@example.org")
        db.session.commit()
    client = app.test_client()
    response = client.post("/reset", data={"email": "member@example.org"})
    page = client.get(response.headers["Location"]).text
    assert "仅供演示" not in page and "/reset/" not in page


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({}, True),  # tests, no mail server
        ({"MAIL_SERVER": "smtp.example.org"}, False),
        ({"TESTING": False}, False),  # production: off
        ({"TESTING": False, "SHOW_MAIL_LINKS_ON_SCREEN": True}, True),  # check-deploy objects
    ],
)
def test_links_on_screen_default(make_app, overrides, shown):
    app = make_app(**overrides)
    with app.test_request_context():
        assert mail.links_on_screen() is shown


def test_a_rolled_back_mail_shows_no_link(app):
    with app.test_request_context():
        user = make_user(email="member@example.org")
        mail.send(user.email, "reset_password", user=user, minutes=60, secret_links={"link": "L"})
        db.session.rollback()
        app.process_response(Response())
        assert get_flashed_messages() == []


# Canonical links --------------------------------------------------------------------------


def test_external_url_joins_base_url_and_path(make_app):
    app = make_app(BASE_URL="https://xmsoa.example.org/alliance/")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert external_url("auth.reset_password", token="t") == (
            "https://xmsoa.example.org/alliance/reset/t"
        )
        assert external_url("main.index", _anchor="top").endswith("/alliance/#top")
    with app.app_context():  # no request at all (CLI)
        assert external_url("auth.login") == "https://xmsoa.example.org/alliance/login"


def test_production_without_base_url_refuses_to_build_links(make_app):
    app = make_app(TESTING=False)
    with app.app_context(), pytest.raises(ConfigurationError, match="BASE_URL"):
        external_url("auth.login")


@pytest.mark.parametrize("value", ["ftp://x.example", "x.example", "https://x.example/?a=1"])
def test_a_bad_base_url_stops_the_start(make_app, value):
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        make_app(BASE_URL=value)
