"""Shared resource listings: members offer and seek training bases, platforms, space, talent…"""

import click
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the resources blueprints and the `expire-listings` command."""
    from alliance.resources.admin import bp as admin_bp
    from alliance.resources.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")

    @app.cli.command("expire-listings")
    def expire_listings() -> None:
        """Record as expired every published listing whose availability has ended."""
        from alliance.clock import today_local
        from alliance.extensions import db
        from alliance.resources import services

        expired = services.expire_resources(today_local())
        db.session.commit()
        click.echo(f"{len(expired)} listing(s) expired.")
