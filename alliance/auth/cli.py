"""Account commands: `flask --app alliance create-admin EMAIL`, `seal-secrets`."""

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from alliance.auth import services, two_factor
from alliance.auth.models import SECRETARIAT
from alliance.extensions import db

cli = AppGroup("auth", help="Accounts.")


@cli.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (defaults to the email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, name: str | None, password_stdin: bool) -> None:
    """Create a secretariat account, or grant the role to an existing one."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.ClickException(f"not a valid email address: {exc}") from exc
    user = services.find_user_by_email(email)
    if user is not None:
        services.set_roles(user, {r.role for r in user.roles} | {SECRETARIAT})
        db.session.commit()
        click.echo(f"{user.email} already existed; it now has the secretariat role.")
        return
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = services.password_problem(password)
    if problem:
        raise click.ClickException(str(problem))
    user = services.create_user(email, password, name or email, roles=(SECRETARIAT,))
    db.session.commit()
    click.echo(f"Created secretariat account {user.email}.")


@cli.command("seal-secrets")
def seal_secrets() -> None:
    """Seal under DATA_KEY every two-factor secret still stored in clear (from before 0013)."""
    sealed = two_factor.seal_legacy_secrets()
    db.session.commit()
    click.echo(f"Sealed {sealed} two-factor secret(s).")
