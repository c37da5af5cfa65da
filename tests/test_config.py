"""Configuration and start-up rules."""

import pytest

from alliance import ConfigurationError, create_app


def test_refuses_to_start_without_secret_key_in_production(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": None})


def test_debug_may_start_without_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": None, "TESTING": True})
    assert app.config["SECRET_KEY"]


def test_bootstrap_is_served_locally(client):
    text = client.get("/").text
    assert "cdn.jsdelivr.net" not in text
    assert "/bootstrap/static/css/bootstrap.min.css" in text
    with client.get("/bootstrap/static/css/bootstrap.min.css") as css:
        assert css.status_code == 200


def test_sqlite_pragmas(app):
    from alliance.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


# Typed settings (alliance/config.py): read from the environment, ALLIANCE_<NAME> and overrides.


@pytest.fixture
def clean_env(monkeypatch):
    """Unset every variable the settings read, so defaults show."""
    from alliance.config import ENV_PREFIX, Settings

    for name, field in Settings.model_fields.items():
        for variable in (name, field.validation_alias, f"{ENV_PREFIX}_{name}"):
            if variable:
                monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("PREFERRED_URL_SCHEME", raising=False)
    return monkeypatch


def test_defaults(clean_env):
    from alliance.config import load_settings

    settings = load_settings()
    assert settings.MAIL_PORT == 587
    assert settings.PAGE_CACHE_SECONDS == 30
    assert settings.LIST_COUNT_EXACT_UP_TO == 1000
    assert settings.LIST_COUNT_CACHE_SIZE == 512
    assert settings.DIRECTORY_SORT_MATCHES_UP_TO == 1000
    assert settings.LOGIN_RATE_LIMIT == "20 per minute"
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.SECRETARIAT_REQUIRES_2FA is True
    assert settings.HTTPS is False
    assert settings.TRUSTED_HOSTS is None
    assert settings.SQLALCHEMY_DATABASE_URI is None


def test_environment_is_typed(clean_env):
    from alliance.config import load_settings

    clean_env.setenv("MAIL_PORT", "2525")
    clean_env.setenv("MAIL_USE_TLS", "off")
    clean_env.setenv("HTTPS", "yes")
    clean_env.setenv("TRUSTED_HOSTS", "a.example, b.example,")
    clean_env.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    clean_env.setenv("LIST_COUNT_EXACT_UP_TO", "5")
    settings = load_settings()
    assert settings.MAIL_PORT == 2525
    assert settings.MAIL_USE_TLS is False
    assert settings.HTTPS is True
    assert settings.TRUSTED_HOSTS == ["a.example", "b.example"]
    assert settings.SQLALCHEMY_DATABASE_URI == "sqlite:///elsewhere.db"
    assert settings.LIST_COUNT_EXACT_UP_TO == 5


def test_https_follows_the_preferred_scheme_unless_set(clean_env):
    from alliance.config import load_settings

    clean_env.setenv("PREFERRED_URL_SCHEME", "https")
    assert load_settings().HTTPS is True
    clean_env.setenv("HTTPS", "false")
    assert load_settings().HTTPS is False


def test_prefixed_variables_and_overrides_win_in_that_order(clean_env):
    from alliance.config import load_settings

    clean_env.setenv("PAGE_CACHE_SECONDS", "10")
    assert load_settings().PAGE_CACHE_SECONDS == 10
    clean_env.setenv("ALLIANCE_PAGE_CACHE_SECONDS", "20")
    assert load_settings().PAGE_CACHE_SECONDS == 20
    assert load_settings({"PAGE_CACHE_SECONDS": 0}).PAGE_CACHE_SECONDS == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAIL_PORT", "smtp"),
        ("MAIL_PORT", "70000"),
        ("PAGE_CACHE_SECONDS", "-1"),
        ("PROXY_COUNT", "one"),
        ("HTTPS", "maybe"),
        ("LOGIN_RATE_LIMIT", "often"),
        ("PREFERRED_URL_SCHEME", "ftp"),
        ("LIST_COUNT_CACHE_SIZE", "0"),
    ],
)
def test_a_bad_value_names_its_variable(clean_env, database_url, variable, value):
    clean_env.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    assert f"{variable}={value!r}" in str(info.value)


def test_a_bad_prefixed_value_names_the_prefixed_variable(clean_env):
    from alliance.config import load_settings

    clean_env.setenv("ALLIANCE_REAUTH_MINUTES", "ten")
    with pytest.raises(ConfigurationError, match="ALLIANCE_REAUTH_MINUTES='ten'"):
        load_settings()


def test_a_bad_override_names_the_setting(clean_env):
    from alliance.config import load_settings

    with pytest.raises(ConfigurationError, match=r"IMPORT_MAX_ROWS \(create_app config\)"):
        load_settings({"IMPORT_MAX_ROWS": "lots"})


def test_every_bad_variable_is_listed_and_secrets_are_not_echoed(clean_env):
    from alliance.config import load_settings

    clean_env.setenv("MAIL_PORT", "x")
    clean_env.setenv("VOTE_RATE_LIMIT", "y")
    clean_env.setenv("DATABASE_URL", "")  # valid: an empty string is allowed
    with pytest.raises(ConfigurationError) as info:
        load_settings({"MAIL_PASSWORD": 12345})
    message = str(info.value)
    assert "MAIL_PORT='x'" in message
    assert "VOTE_RATE_LIMIT='y'" in message
    assert "MAIL_PASSWORD (create_app config):" in message
    assert "12345" not in message


def test_create_app_overrides_reach_the_config(make_app):
    app = make_app(LIST_COUNT_EXACT_UP_TO=7, MAIL_PORT="25", TRUSTED_HOSTS=["x.example"])
    assert app.config["LIST_COUNT_EXACT_UP_TO"] == 7
    assert app.config["MAIL_PORT"] == 25  # validated and converted
    assert app.config["TRUSTED_HOSTS"] == ["x.example"]


def test_tests_keep_plain_http_cookies_unless_set(make_app):
    assert make_app().config["SESSION_COOKIE_SECURE"] is False
    assert make_app(SESSION_COOKIE_SECURE=True).config["SESSION_COOKIE_SECURE"] is True
