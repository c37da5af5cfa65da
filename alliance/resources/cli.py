"""Resources commands: `flask --app alliance expire-listings` (daily)."""

import click
from flask.cli import AppGroup

from alliance.clock import today_local
from alliance.extensions import db
from alliance.resources import services

cli = AppGroup("resources", help="Shared resource listings.")


@cli.command("expire-listings")
def expire_listings() -> None:
    """Record as expired every published resource whose availability has ended."""
    expired = services.expire_resources(today_local())
    db.session.commit()
    click.echo(f"{len(expired)} listing(s) expired.")
