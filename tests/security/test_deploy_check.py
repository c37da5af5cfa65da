"""`flask check-deploy` reports unsafe production settings and exits 1, or 0 when all is well."""

import secrets

import pytest

GOOD = {
    "TESTING": False,
    "DEBUG": False,
    "SECRET_KEY": secrets.token_hex(32),
    "DATA_KEY": secrets.token_hex(32),
    "HTTPS": True,
    "MAIL_SERVER": "smtp.example.org",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "TRUSTED_HOSTS": ["xmsoa.example.org"],
    "BASE_URL": "https://xmsoa.example.org",
    "WTF_CSRF_ENABLED": True,
    "SECRETARIAT_REQUIRES_2FA": True,
}


def _run(make_app, args=(), env=None, **overrides):
    app = make_app(**{**GOOD, **overrides})
    result = app.test_cli_runner().invoke(args=["check-deploy", *args], env=env)
    return result


def _codes(output):
    return {line.split("[")[1].split("]")[0] for line in output.splitlines() if "PROBLEM [" in line}


def test_good_production_config_passes(make_app, database_url):
    workers = ["--workers", "1"] if database_url.startswith("sqlite") else ["--workers", "4"]
    result = _run(make_app, workers)
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output


def test_development_config_fails_with_every_problem(make_app):
    from alliance.config import DEV_SECRET_KEY

    result = _run(
        make_app,
        ["--workers", "3"],
        env={"FLASK_DEBUG": "1"},
        TESTING=False,
        SECRET_KEY=DEV_SECRET_KEY,
        SQLALCHEMY_DATABASE_URI="sqlite:///:memory:",
        HTTPS=False,
        SESSION_COOKIE_SECURE=False,
        MAIL_SERVER=None,
        RATELIMIT_STORAGE_URI="memory://",
        TRUSTED_HOSTS=None,
        BASE_URL=None,
        DATA_KEY=None,
    )
    assert result.exit_code == 1
    assert {
        "base_url",
        "data_key",
        "debug",
        "secret_key",
        "sqlite_workers",
        "cookie_secure",
        "https",
        "mail",
        "ratelimit_memory",
        "trusted_hosts",
    } <= _codes(result.output)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"SECRET_KEY": "short-but-not-default"}, "secret_key"),
        ({"SECRET_KEY": "ab" * 40}, "secret_key"),
        ({"DATA_KEY": None}, "data_key"),
        ({"DATA_KEY": GOOD["SECRET_KEY"]}, "data_key"),
        ({"DATA_KEY": "dev-only-insecure-data-key"}, "data_key"),
        ({"DATA_KEY": "short"}, "data_key"),
        ({"SESSION_COOKIE_SAMESITE": None}, "cookie_samesite"),
        ({"HSTS_SECONDS": 60}, "hsts"),
        ({"MAX_CONTENT_LENGTH": None}, "max_content_length"),
        ({"WTF_CSRF_ENABLED": False}, "csrf"),
        ({"RATELIMIT_ENABLED": False}, "ratelimit_off"),
        ({"SECRETARIAT_REQUIRES_2FA": False}, "secretariat_2fa"),
        ({"TESTING": True}, "testing"),
        ({"BASE_URL": None}, "base_url"),
        ({"TRUSTED_HOSTS": None}, "trusted_hosts"),
        ({"BASE_URL": "https://evil.example"}, "base_url_host"),
        ({"BASE_URL": "http://xmsoa.example.org"}, "base_url_https"),
        ({"SHOW_MAIL_LINKS_ON_SCREEN": True}, "mail_links_on_screen"),
    ],
)
def test_each_problem_alone_fails(make_app, overrides, code):
    result = _run(make_app, ["--workers", "1"], **overrides)
    assert result.exit_code == 1
    assert code in _codes(result.output)


def test_workers_from_web_concurrency(make_app):
    result = _run(
        make_app,
        env={"WEB_CONCURRENCY": "4"},
        SQLALCHEMY_DATABASE_URI="sqlite:///:memory:",
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert result.exit_code == 1
    assert {"sqlite_workers", "ratelimit_memory"} <= _codes(result.output)
    assert "4 worker(s)" in result.output


def test_one_worker_with_sqlite_and_memory_limits_is_fine(make_app):
    result = _run(
        make_app,
        ["--workers", "1"],
        SQLALCHEMY_DATABASE_URI="sqlite:///:memory:",
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert result.exit_code == 0, result.output
