"""The Xiamen Service Outsourcing Industry Alliance platform."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from alliance import page_cache
from alliance.config import DEV_SECRET_KEY, Config, ConfigurationError, Settings, load_settings
from alliance.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


__all__ = ["ConfigurationError", "create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error pages, CLI."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    settings = load_settings(config)  # ConfigurationError naming any bad variable
    app.config.from_object(Config)
    app.config.from_prefixed_env("ALLIANCE")
    if config:
        app.config.update(config)
    app.config.update(settings.flask_config())  # the validated, typed values win
    _finish_config(app, settings)

    from alliance.i18n import select_locale, translation_directories

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)
    _configure_engine(app)
    page_cache.init_app(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    from alliance import (
        cli,
        elections,
        links,
        mail,
        members,
        membership,
        models,  # noqa: F401 - every model known before the first query
        resources,
        security,
    )
    from alliance.admin.views import bp as admin_bp
    from alliance.auth.cli import cli as auth_cli
    from alliance.auth.views import bp as auth_bp
    from alliance.elections.cli import cli as elections_cli
    from alliance.main.views import bp as main_bp
    from alliance.main.views import register_error_pages, register_template_helpers
    from alliance.resources.cli import cli as resources_cli

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    # Each feature registers its own blueprints (public and secretariat).
    for feature in (members, membership, elections, resources):
        feature.init_app(app)
    register_error_pages(app)
    register_template_helpers(app)
    links.init_app(app)
    mail.init_app(app)
    security.init_app(app)
    # Each feature's commands are an AppGroup in its cli.py, added at flask's top level.
    cli.register_commands(app, cli.cli, auth_cli, elections_cli, resources_cli)
    return app


def _finish_config(app: Flask, settings: Settings) -> None:
    """Fill derived defaults and refuse to start with unsafe settings."""
    os.makedirs(app.instance_path, exist_ok=True)
    relaxed = app.debug or app.testing
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "alliance.db"
        )
    if not app.config.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
                'random value, e.g. python -c "import secrets; print(secrets.token_hex(32))".'
            )
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    if relaxed:
        # Development and tests run over plain HTTP, unless the flags were set explicitly.
        for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            if key not in settings.model_fields_set:
                app.config[key] = False
    if not app.debug:
        logging.basicConfig(level=logging.INFO)


def _configure_engine(app: Flask) -> None:
    """Apply SQLite connection settings to every SQLite engine the app uses."""
    from alliance.database import configure_sqlite

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
