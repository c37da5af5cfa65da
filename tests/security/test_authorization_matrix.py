"""Every route × every role, generated from app.url_map and checked against tests/security/matrix.py."""

import re
import shutil
import time
from pathlib import Path

import pyotp
import pytest
from flask import url_for

from alliance import create_app
from alliance.extensions import db
from tests.conftest import BASE_CONFIG, PG_URL, _empty_postgres
from tests.factories import PASSWORD
from tests.security.matrix import IGNORED, MATRIX, ROLES, TOTP_SECRET, build_world

ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _endpoints(app) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in IGNORED:
            out.setdefault(rule.endpoint, set()).update(set(rule.methods) & set(ROUTE_METHODS))
    return out


# Parametrize over the endpoints of an app built the way production builds it.
_APP = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
ENDPOINTS = _endpoints(_APP)
with _APP.app_context():
    db.engine.dispose()


def test_every_route_has_an_entry():
    missing = sorted(set(ENDPOINTS) - set(MATRIX))
    assert not missing, f"routes without an authorization-matrix entry: {missing}"
    stale = sorted(set(MATRIX) - set(ENDPOINTS))
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_method_of_every_route_has_an_entry():
    problems = []
    for endpoint, methods in ENDPOINTS.items():
        entry = MATRIX.get(endpoint)
        if entry is None:
            continue  # reported by test_every_route_has_an_entry
        if set(entry.methods) != methods:
            problems.append(
                f"{endpoint}: route has {sorted(methods)}, matrix {sorted(entry.methods)}"
            )
        for method, roles in entry.methods.items():
            if set(roles) - set(ROLES):
                problems.append(
                    f"{endpoint} {method}: unknown roles {sorted(set(roles) - set(ROLES))}"
                )
    assert not problems, "\n".join(problems)


def _sign_in(app, email: str, totp: bool):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"{email} could not sign in"
    if totp:
        code = pyotp.TOTP(TOTP_SECRET).at(time.time())
        verify = client.post("/login/verify", data={"code": code})
        assert verify.status_code == 302 and verify.headers["Location"] != "/login"
    assert client.get("/account").status_code == 200
    return client


class _Snapshot:
    """The built world, saved once per module and put back before each route's test.

    SQLite: a copy of the database file. PostgreSQL: every row of every table, reinserted with
    triggers (and so foreign-key checks) off for the restoring transaction.
    """

    def __init__(self, app, path: Path | None):
        self.app, self.path = app, path
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # checkpoints SQLite's write-ahead log into the file
            if path is not None:
                self.copy = path.with_suffix(".snapshot")
                shutil.copyfile(path, self.copy)
            else:
                with db.engine.connect() as conn:
                    self.rows = {
                        t.name: [dict(r) for r in conn.execute(t.select()).mappings()]
                        for t in db.metadata.sorted_tables
                    }

    def restore(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
            if self.path is not None:
                for suffix in ("-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(self.copy, self.path)
                return
            tables = db.metadata.sorted_tables
            with db.engine.begin() as conn:
                # DELETE is much faster than TRUNCATE on tiny tables; sequences keep counting
                # from where they are, which is past every id of the snapshot.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table in reversed(tables):
                    conn.execute(table.delete())
                for table in tables:
                    if self.rows[table.name]:
                        conn.execute(table.insert(), self.rows[table.name])


@pytest.fixture(scope="module")
def matrix_env(database_template, tmp_path_factory):
    """Build the world and sign every role in once per module (the routes' tests reuse them)."""
    if PG_URL:
        path, url = None, PG_URL
    else:
        path = tmp_path_factory.mktemp("matrix") / "matrix.db"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    # The production rule: secretariat accounts must use two-factor sign-in.
    app = create_app(
        {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "SECRETARIAT_REQUIRES_2FA": True}
    )
    if PG_URL:
        _empty_postgres(app)
    with app.test_request_context():
        world = build_world()
        db.session.commit()
    cookie = app.config["SESSION_COOKIE_NAME"]
    sessions = {}
    for role in ROLES[1:]:
        client = _sign_in(app, world.emails[role], totp=role == "secretariat")
        sessions[role] = client.get_cookie(cookie).value
    snapshot = _Snapshot(app, path)
    yield app, world, sessions, snapshot
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def world_app(matrix_env):
    """The module's world as it was built, with a fresh signed-in client per role."""
    app, world, sessions, snapshot = matrix_env
    snapshot.restore()
    clients = {"anonymous": app.test_client()}
    for role, value in sessions.items():
        clients[role] = app.test_client()
        clients[role].set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return app, world, clients


def _is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and re.match(
        r"^(http://localhost)?/login(\?|$)", response.headers.get("Location", "")
    )


def _request(app, client, endpoint, method, world):
    entry = MATRIX[endpoint]
    with app.test_request_context():
        url = url_for(endpoint, **entry.args(world))
    data = entry.data(world) if method != "GET" else None
    return url, client.open(url, method=method, data=data)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_route_as_every_role(world_app, endpoint):
    app, world, clients = world_app
    entry = MATRIX[endpoint]
    failures = []
    # Allowed roles last, so that a permitted POST (sign out, role change) cannot hide a refusal.
    for method, allowed in sorted(entry.methods.items()):
        for role in sorted(ROLES, key=lambda r: r in allowed):
            url, response = _request(app, clients[role], endpoint, method, world)
            code = response.status_code
            if code >= 500:
                failures.append(f"{method} {url} as {role}: {code}")
            elif role in allowed:
                if code in (401, 403, 404, 405) or (
                    _is_login_redirect(response) and not entry.login_redirect_ok
                ):
                    failures.append(f"{method} {url} as {role}: refused ({code}) but allowed")
            elif role == "anonymous":
                if not (code in (401, 403, 404) or _is_login_redirect(response)):
                    failures.append(f"{method} {url} as anonymous: {code}, expected sign-in")
            elif code not in (403, 404):
                failures.append(f"{method} {url} as {role}: {code}, expected 403/404")
    assert not failures, "\n".join(failures)


def test_matrix_size():
    pairs = sum(len(MATRIX[e].methods) for e in ENDPOINTS)
    # Printed in the test report with -rA; the closing note of the issue quotes it.
    print(
        f"authorization matrix: {len(ENDPOINTS)} routes, {pairs} route-methods × "
        f"{len(ROLES)} roles = {pairs * len(ROLES)} requests"
    )
    assert pairs >= len(ENDPOINTS)


def test_every_post_route_needs_a_csrf_token(make_app):
    """With CSRF on, every state-changing route refuses a request without a token."""
    app = make_app(WTF_CSRF_ENABLED=True, SECRETARIAT_REQUIRES_2FA=False)
    with app.test_request_context():
        world = build_world()
        db.session.commit()
    client = app.test_client()
    failures = []
    for endpoint, methods in sorted(ENDPOINTS.items()):
        for method in sorted(methods - {"GET"}):
            with app.test_request_context():
                url = url_for(endpoint, **MATRIX[endpoint].args(world))
            response = client.open(url, method=method, data=MATRIX[endpoint].data(world))
            if response.status_code != 400:
                failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "POST without a CSRF token was not refused:\n" + "\n".join(failures)
