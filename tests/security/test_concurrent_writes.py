"""No lost writes: 4 gunicorn workers handling concurrent writes on SQLite and PostgreSQL.

Each of 4 client threads signs in as its own user and saves its display name N times (each
save updates the user row and appends an audit event); all of them also fail to sign in to
one shared account M times. Every write must land: 4·N audit events, and the shared
account's failure counter at 4·M (a read-modify-write counter would lose increments).
And one mailed application link, submitted by 4 clients at once, is used exactly once.
"""

import http.cookiejar
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth.models import User
from alliance.clock import now_utc
from alliance.extensions import db
from alliance.membership.models import Application, EmailVerification
from alliance.membership.services import hash_token
from tests.factories import PASSWORD, make_user, valid_credit_code

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
SAVES = 12
FAILURES = 8
STARTUP_SECONDS = 180


@pytest.fixture
def listening_socket():
    """A socket on a free port, handed to gunicorn open: no other process (another xdist
    worker, another test run) can take the port between choosing it and binding it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock


@pytest.fixture
def gunicorn(database_url, listening_socket):
    port = listening_socket.getsockname()[1]
    fd = listening_socket.fileno()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "concurrency-test-" + "x9" * 20,
        "SESSION_COOKIE_SECURE": "false",
        "REMEMBER_COOKIE_SECURE": "false",
        "ALLIANCE_WTF_CSRF_ENABLED": "false",
        "ALLIANCE_RATELIMIT_ENABLED": "false",
        "ALLIANCE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "ALLIANCE_LOGIN_MAX_FAILURES": "100000",
        "ALLIANCE_SECRETARIAT_REQUIRES_2FA": "false",
        "ALLIANCE_MAIL_SERVER": "",
    }
    env.pop("FLASK_DEBUG", None)
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn_bin),
            "--workers",
            str(CLIENTS),
            "--bind",
            f"fd://{fd}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=(fd,),
    )
    base = f"http://127.0.0.1:{port}"
    # Four workers each import the app: seconds on a quiet machine, over a minute on a loaded
    # CI runner (seen at a load of 16 on two cores). The loop ends as soon as one answers.
    deadline = time.time() + STARTUP_SECONDS
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                out, _ = proc.communicate()  # reaps the process and closes its pipe
                pytest.fail(f"gunicorn did not start:\n{out.decode(errors='replace')[-3000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    text = out.decode(errors="replace")
    assert "Traceback" not in text, text[-3000:]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _client():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def _post(opener, url, data) -> int:
    body = urllib.parse.urlencode(data).encode()
    try:
        with opener.open(url, data=body, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_concurrent_writers_lose_nothing(app, gunicorn):
    with app.app_context():
        emails = [make_user(email=f"w{i}@example.org").email for i in range(CLIENTS)]
        target = make_user(email="target@example.org").id
        db.session.commit()
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def work(i: int) -> None:
        opener = _client()
        got = [_post(opener, gunicorn + "/login", {"email": emails[i], "password": PASSWORD})]
        start.wait()
        for k in range(SAVES):
            got.append(_post(opener, gunicorn + "/account", {"display_name": f"写入 {i}-{k}"}))
            got.append(
                _post(
                    _client(),
                    gunicorn + "/login",
                    {"email": "target@example.org", "password": f"wrong password {k}"},
                )
                if k < FAILURES
                else 302
            )
        with lock:
            statuses.extend(got)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # Saves redirect (302); failed sign-ins answer 200 with the form error; never a 5xx.
    assert len(statuses) == CLIENTS * (1 + 2 * SAVES)
    assert all(code in (200, 302) for code in statuses), sorted(set(statuses))
    with app.app_context():
        updates = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.updated")
        )
        assert updates == CLIENTS * SAVES
        names = db.session.scalars(select(User.display_name).where(User.email.in_(emails))).all()
        assert sorted(names) == sorted(f"写入 {i}-{SAVES - 1}" for i in range(CLIENTS))
        assert db.session.get(User, target).failed_logins == CLIENTS * FAILURES


def test_an_application_link_is_used_once_by_concurrent_submissions(app, gunicorn):
    """4 clients post one link's form at once, each for another unit: one application results."""
    token = "concurrent-apply-link-0123456789abcdef"
    with app.app_context():
        db.session.add(
            EmailVerification(
                email="racer@example.org",
                token_hash=hash_token(token),
                expires_at=now_utc() + timedelta(hours=1),
            )
        )
        db.session.commit()
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def work(i: int) -> None:
        form = {
            "name_zh": f"厦门并发申请{i}有限公司",
            "credit_code": valid_credit_code(880000 + i),
            "org_type": "enterprise",
            "legal_representative": "张三",
            "contact_name": "李四",
            "contact_phone": "0592-1234567",
            "account_name": f"申请人{i}",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "accept_constitution": "y",
        }
        opener = _client()
        start.wait()
        code = _post(opener, f"{gunicorn}/apply/{token}", form)
        with lock:
            statuses.append(code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # One redirect to /my/unit; the others see the link refused (404, or the form's message).
    assert statuses.count(302) == 1, statuses
    assert all(code in (200, 302, 404) for code in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1
        assert (
            db.session.scalar(
                select(func.count()).select_from(User).where(User.email == "racer@example.org")
            )
            == 1
        )
        assert db.session.scalar(select(EmailVerification.used_at)) is not None
