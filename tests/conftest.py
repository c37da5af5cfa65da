"""Shared fixtures: a fresh database per test, a client, a CLI runner and a login helper.

The schema is built once per session by running the real migrations (SQLite: into a template
file that each test copies; PostgreSQL via TEST_DATABASE_URL: once, then every table is
emptied before each test). Under pytest-xdist every worker has a session of its own: its own
SQLite template, and on PostgreSQL its own database `<name>_<worker>` (e.g. `test_gw0`),
created beside TEST_DATABASE_URL's database and dropped when the worker ends.
"""

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from alliance import create_app
from alliance.extensions import db

# "gw0", "gw1", … in a pytest-xdist worker; None in a serial run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _worker_database_url(url: str | None) -> str | None:
    """TEST_DATABASE_URL with this worker's database name (`<name>_<worker>`) under xdist."""
    if not url or not XDIST_WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{XDIST_WORKER}").render_as_string(
        hide_password=False
    )


# Everything that needs the test database reads PG_URL: this worker's database.
PG_URL = _worker_database_url(os.environ.get("TEST_DATABASE_URL"))
IN_CI = os.environ.get("CI", "").lower() == "true"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",  # cheap, tests only
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    # Secretariat accounts must enrol in two-factor sign-in (on in production); feature tests
    # sign in as secretariat without a TOTP step, tests/auth/test_two_factor.py turns it on.
    "SECRETARIAT_REQUIRES_2FA": False,
}


def _make_app(url: str, **overrides):
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})


def _maintenance_engine(url: str) -> sa.Engine:
    """An autocommit engine on the server's `postgres` database (CREATE/DROP DATABASE)."""
    return sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _postgres_database():
    """Make PG_URL's database empty: this worker's own, created afresh and dropped at the end;
    in a serial run, TEST_DATABASE_URL's database with its `public` schema rebuilt."""
    if not XDIST_WORKER:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        yield PG_URL
        return
    name = make_url(PG_URL).database
    admin = _maintenance_engine(PG_URL)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def database_template(request, tmp_path_factory):
    """Build the schema once with the migrations; return what each test starts from."""
    if PG_URL:
        url = request.getfixturevalue("_postgres_database")
        app = _make_app(url)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        return url
    path = tmp_path_factory.mktemp("schema") / "template.db"
    app = _make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def _empty_postgres(app) -> None:
    with app.app_context():
        names = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
            )


@pytest.fixture
def database_url(database_template, tmp_path):
    """Return the URL of an empty, migrated database for this test."""
    if PG_URL:
        return PG_URL
    target = tmp_path / "test.db"
    shutil.copyfile(database_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def make_app(database_url):
    """Return a factory for apps on this test's database, with config overrides."""
    apps = []

    def factory(**overrides):
        app = _make_app(database_url, **overrides)
        apps.append(app)
        return app

    if PG_URL:
        _empty_postgres(factory())
    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email="member@example.org", password="correct horse battery", remember=False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def in_app(app):
    """Run the test body inside a request context (mail templates build links); keep client
    calls outside it."""
    with app.test_request_context():
        yield app


# The longest tests start first, so that in parallel no worker is left with one at the end.
SLOW_FIRST = ("tests/browser/", "tests/security/test_hostile_inputs.py")


def _slow_first(item) -> int:
    path = item.nodeid
    return next(
        (n for n, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST)
    )


def pytest_collection_modifyitems(config, items):
    """Run the slowest modules first; skip PostgreSQL-only tests on SQLite (never in CI, where
    both engines run)."""
    items.sort(key=_slow_first)  # stable: each module keeps its order
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="needs TEST_DATABASE_URL (PostgreSQL); CI runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# Redis for the tests of what workers share through it: TEST_REDIS_URL (CI:
# redis://127.0.0.1:6379/15) or the local Redis on database 15, each test with a key prefix of its
# own that is deleted afterwards. Skipped when Redis is unreachable, except in CI (a failure).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"alliance-test-{uuid.uuid4().hex}"
    yield REDIS_URL, prefix, client
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    assert not list(client.scan_iter(match=f"*{prefix}*"))
    client.close()
