"""Mail in tests: a recording stand-in for smtplib.SMTP, and the demo's links on screen."""

import html
import re
import smtplib
from email import message_from_bytes, policy

import pytest

DEMO_MARKER = "Demo only"
DEMO_MARKER_ZH = "仅供演示"


class FakeSMTP:
    """Records what smtplib.SMTP would have sent; `answers` scripts the server's replies.

    Class-level state so a test reads it after the `with` block closed the connection:
    `FakeSMTP.delivered` holds (sender, recipient, parsed message), `FakeSMTP.answers` is a list
    of what each successive DATA gets: a (code, text) reply or an exception to raise on connect.
    """

    delivered: list = []
    answers: list = []
    connections: list = []

    def __init__(self, host, port, timeout=None):
        FakeSMTP.connections.append((host, port))
        if FakeSMTP.answers and isinstance(FakeSMTP.answers[0], BaseException):
            raise FakeSMTP.answers.pop(0)
        self._sender = self._recipient = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        return (220, b"ready")

    def login(self, user, password):
        return (235, b"ok")

    def ehlo_or_helo_if_needed(self):
        return None

    def has_extn(self, name):
        return True

    def mail(self, sender, options=()):
        self._sender = sender
        return (250, b"ok")

    def rcpt(self, recipient, options=()):
        self._recipient = recipient
        return (250, b"ok")

    def rset(self):
        return (250, b"ok")

    def data(self, payload):
        if FakeSMTP.answers:
            code, text = FakeSMTP.answers.pop(0)
            if code != 250:
                return (code, text.encode())
        else:
            code, text = 250, "2.0.0 Ok: queued as FAKE1"
        parsed = message_from_bytes(payload, policy=policy.default)
        FakeSMTP.delivered.append((self._sender, self._recipient, parsed))
        return (code, text.encode())


@pytest.fixture
def fake_smtp(monkeypatch):
    """Replace smtplib.SMTP and SMTP_SSL with FakeSMTP for this test."""
    FakeSMTP.delivered, FakeSMTP.answers, FakeSMTP.connections = [], [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSMTP)
    return FakeSMTP


def delivered_text(message) -> str:
    """Return the plain-text body of a delivered message."""
    return message.get_content()


def shown_link(client, response, path_prefix: str) -> str:
    """Follow a redirect to the page that shows the demo's mailed link; return its path."""
    page = client.get(response.headers["Location"]).text if response.status_code == 302 else ""
    page = page or response.text
    assert DEMO_MARKER_ZH in page or DEMO_MARKER in page, "no demo link on screen"
    match = re.search(r'href="https?://[^/"]+(' + re.escape(path_prefix) + r'[^"]+)"', page)
    assert match, f"no link to {path_prefix} on screen"
    return html.unescape(match.group(1))


def pending_link(client, recipient: str, path_prefix: str) -> str:
    """Return the path of the demo link for `recipient` waiting in the session's flashes."""
    with client.session_transaction() as session:
        flashes = [str(text) for _category, text in session.get("_flashes", [])]
    for text in reversed(flashes):
        if recipient in text:
            match = re.search(r'href="https?://[^/"]+(' + re.escape(path_prefix) + r'[^"]+)"', text)
            if match:
                return html.unescape(match.group(1))
    raise AssertionError(f"no demo link to {path_prefix} for {recipient} on screen")
