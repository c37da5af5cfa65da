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
