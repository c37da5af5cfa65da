"""No live token rests in the outbox, and no request's Host reaches a mail (issue 12: 1, 2).

Each flow runs with a mail server (a recording fake): the token is read from the message the
server received, then looked for in every column of every outbox row and on the secretariat's
outbox pages, before and after delivery.
"""

import re

import pytest
import sqlalchemy as sa

from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.mail import OutboxMessage
from tests.factories import PASSWORD, make_unit, make_user
from tests.mail_helpers import fake_smtp  # noqa: F401 - a fixture

BASE_URL = "https://xmsoa.example.org"
MAIL = {"MAIL_SERVER": "smtp.example.org", "BASE_URL": BASE_URL}


@pytest.fixture
def mail_app(make_app):
    return make_app(**MAIL)


@pytest.fixture
def people(mail_app):
    with mail_app.app_context():
        make_user(email="sec@example.org", roles=(SECRETARIAT,))
        admin = make_user(email="admin@example.org", name="单位管理员")
        make_unit("厦门示例甲公司", admin=admin, representative=admin)
        make_user(email="member@example.org")
        db.session.commit()
        return {"unit": admin.colleague.unit_id}


def _send_mail(app):
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    return result


def _delivered_link(fake, recipient, path_prefix):
    """Return the token link the fake server received for `recipient`, and its token."""
    bodies = [m.get_content() for _s, to, m in fake.delivered if to == recipient]
    assert bodies, f"nothing delivered to {recipient}"
    match = re.search(r"(https?://[^/\s]+)(" + re.escape(path_prefix) + r")(\S+)", bodies[-1])
    assert match, bodies[-1]
    return match.group(0), match.group(3)


def _stored_values(app) -> list[str]:
    """Every value of every column of every outbox row, as text."""
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.__table__)).mappings().all()
    return [str(value) for row in rows for value in row.values() if value is not None]


def _assert_nowhere(app, token):
    """The token is in no stored column and on no page of the secretariat's outbox."""
    assert len(token) >= 20
    assert not [v for v in _stored_values(app) if token in v]
    client = app.test_client()
    client.post("/login", data={"email": "sec@example.org", "password": PASSWORD})
    pages = [client.get("/admin/outbox").text]
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id)).all()
    pages += [client.get(f"/admin/outbox/{message_id}").text for message_id in ids]
    assert all(page.count("<html") == 1 for page in pages)  # real pages, not a login redirect
    assert not [p for p in pages if token in p]
    assert "[链接已通过邮件发送，未保存]" in "".join(pages) or "[link sent by mail" in "".join(
        pages
    )


def _assert_sealed_until_sent(app):
    """Before delivery the real body is sealed; after it, nothing is kept but the redacted body."""
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        return [(m.status, m.sealed_body) for m in messages]


def test_reset_link_is_only_in_the_delivered_mail(mail_app, people, fake_smtp):  # noqa: F811
    client = mail_app.test_client()
    assert client.post("/reset", data={"email": "member@example.org"}).status_code == 302
    assert fake_smtp.connections == []  # the request only queued it
    before = _assert_sealed_until_sent(mail_app)
    assert [status for status, _sealed in before] == ["queued"]
    assert before[0][1] and "/reset/" not in before[0][1]  # sealed: ciphertext only
    _send_mail(mail_app)
    link, token = _delivered_link(fake_smtp, "member@example.org", "/reset/")
    assert link.startswith(f"{BASE_URL}/reset/")
    assert _assert_sealed_until_sent(mail_app) == [("sent", None)]
    _assert_nowhere(mail_app, token)
    # The delivered link works.
    assert client.get(f"/reset/{token}").status_code == 200


def test_invitation_link_is_only_in_the_delivered_mail(mail_app, people, fake_smtp):  # noqa: F811
    client = mail_app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    response = client.post(
        f"/my/units/{people['unit']}/invite", data={"email": "new@example.org", "role": "staff"}
    )
    assert response.status_code == 302
    assert [s for s, sealed in _assert_sealed_until_sent(mail_app) if sealed] == ["queued"]
    _send_mail(mail_app)
    link, token = _delivered_link(fake_smtp, "new@example.org", "/invitations/")
    assert link.startswith(f"{BASE_URL}/invitations/")
    assert _assert_sealed_until_sent(mail_app) == [("sent", None)]
    _assert_nowhere(mail_app, token)
    client.post("/logout")
    assert client.get(f"/invitations/{token}").status_code == 200


def test_email_change_link_is_only_in_the_delivered_mail(mail_app, people, fake_smtp):  # noqa: F811
    client = mail_app.test_client()
    client.post("/login", data={"email": "member@example.org", "password": PASSWORD})
    response = client.post("/account/email", data={"email": "renamed@example.org"})
    assert response.status_code == 302
    _send_mail(mail_app)
    link, token = _delivered_link(fake_smtp, "renamed@example.org", "/account/email/")
    assert link.startswith(f"{BASE_URL}/account/email/")
    _assert_nowhere(mail_app, token)
    assert client.get(f"/account/email/{token}").status_code == 200


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_poisoned_host_never_reaches_a_mail(make_app, fake_smtp, proxies):  # noqa: F811
    app = make_app(**MAIL, PROXY_COUNT=proxies)
    with app.app_context():
        make_user(email="member@example.org")
        db.session.commit()
    client = app.test_client()
    response = client.post(
        "/reset",
        data={"email": "member@example.org"},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 302
    _send_mail(app)
    [(_sender, _to, message)] = fake_smtp.delivered
    assert "evil.example" not in message.as_string()
    assert not [v for v in _stored_values(app) if "evil.example" in v]
    assert f"{BASE_URL}/reset/" in message.get_content()


def test_without_base_url_tests_fall_back_to_the_local_address_not_the_host(make_app):
    app = make_app()
    with app.app_context():
        make_user(email="member@example.org")
        db.session.commit()
    client = app.test_client()
    response = client.post(
        "/reset", data={"email": "member@example.org"}, headers={"Host": "evil.example"}
    )
    page = client.get(response.headers["Location"], headers={"Host": "evil.example"}).text
    assert 'href="http://127.0.0.1:5000/reset/' in page
    assert "evil.example" not in page.split("<main", 1)[-1]


def test_the_feed_links_to_base_url_whatever_the_host(make_app):
    app = make_app(BASE_URL=BASE_URL)
    feed = app.test_client().get(
        "/resources/feed.atom",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert feed.status_code == 200
    assert "evil.example" not in feed.text
    assert f"<id>{BASE_URL}/resources</id>" in feed.text
