"""Resource commands: `flask --app alliance expire-listings` (daily)."""

import click
from flask.cli import AppGroup

from alliance.extensions import db
from alliance.resources import services

cli = AppGroup("resources", help="Shared resource listings.")


@cli.command("expire-listings")
def expire_listings() -> None:
    """Record as expired every published listing whose availability has ended."""
    expired = services.expire_listings(services.today_local())
    db.session.commit()
    click.echo(f"{len(expired)} listing(s) expired.")
