"""Command-line tools: `flask --app alliance <command>`.

One style for every command: each feature keeps an `AppGroup` named `cli` in its own `cli.py`
(this module holds the site-wide one), and `create_app` registers them with `register_commands`.
The commands keep short top-level names (`flask --app alliance backup FILE`, `create-admin`,
`verify-election`, …): a group is where a feature declares its commands, not a prefix to type.
"""

import os
import sys
import time

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from alliance.clock import now_utc
from alliance.extensions import db

cli = AppGroup(
    "site", help="Site-wide commands: backups, the deployment check, demo data, sending mail."
)


def register_commands(app: Flask, *groups: AppGroup) -> None:
    """Add every command of these groups to `flask`'s top level; a name used twice is an error."""
    for group in groups:
        for name, command in group.commands.items():
            if name in app.cli.commands:
                raise RuntimeError(f"two commands are named {name!r}")
            app.cli.add_command(command, name)


@cli.command("check-deploy")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (default: WEB_CONCURRENCY or GUNICORN_CMD_ARGS, else 1).",
)
def check_deploy(workers: int | None) -> None:
    """Report settings that are unsafe in production; exit 1 when any is found."""
    from alliance import deploy_check

    workers = workers if workers is not None else deploy_check.workers_from_environment()
    problems = deploy_check.check(current_app, workers=workers)
    for problem in problems:
        click.echo(f"PROBLEM [{problem.code}] {problem.message}")
    if problems:
        click.echo(f"{len(problems)} problem(s) found (checked for {workers} worker(s)).")
        sys.exit(1)
    click.echo(f"No problems found (checked for {workers} worker(s)).")


PASSPHRASE_VARIABLE = "BACKUP_PASSPHRASE"  # noqa: S105 - the variable's name


def _passphrase(*, confirm: bool) -> str:
    """Return the archive passphrase: BACKUP_PASSPHRASE, else asked (twice for a new archive)."""
    return os.environ.get(PASSPHRASE_VARIABLE) or click.prompt(
        "Archive passphrase", hide_input=True, confirmation_prompt=confirm
    )


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--plain",
    is_flag=True,
    help="Write an unencrypted zip. It holds password hashes and member data in clear.",
)
def backup_command(path: str, plain: bool) -> None:
    """Write the site's tables to one portable archive, encrypted with a passphrase.

    The passphrase comes from BACKUP_PASSPHRASE or is asked for. See docs/backups.md for what
    the archive holds and leaves out.
    """
    from alliance import backup

    passphrase = None if plain else _passphrase(confirm=True)
    try:
        with db.engine.connect() as conn, conn.begin():
            manifest = backup.write(conn, db.metadata, path, passphrase)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(t["rows"] for t in manifest["tables"])
    kind = "unencrypted" if plain else "encrypted"
    click.echo(
        f"Wrote {rows} rows of {len(manifest['tables'])} tables at revision "
        f"{','.join(manifest['alembic_revision'])} to {path} ({kind})."
    )


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Load an archive (encrypted or plain) into an empty database at the same revision.

    An encrypted archive's passphrase comes from BACKUP_PASSPHRASE or is asked for. Every
    account gets a new session nonce, so no cookie from before the restore works.
    """
    from alliance import backup

    try:
        sealed = backup.is_sealed_file(path)
        archive = backup.open_archive(path, _passphrase(confirm=False) if sealed else None)
        with archive, db.engine.connect() as conn, conn.begin():
            counts = backup.restore(conn, db.metadata, archive)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except sa.exc.DBAPIError as exc:
        raise click.ClickException(
            f"the database refused a row, nothing was restored: {exc.orig}"
        ) from exc
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")


@cli.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
@click.option("--members", "extra_members", default=0, help="Also add N invented units.")
def demo_data(if_empty: bool, extra_members: int) -> None:
    """Load demonstration data (idempotent) and print the demo logins once."""
    from alliance import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        return
    logins = demo.load(extra_members=extra_members)
    db.session.commit()
    if logins:
        demo.write_logins(logins)
        passwords = {password for _role, _email, password in logins}
        click.echo("Demo logins (shown once; also saved in instance/demo-logins.txt):")
        for role, email, _password in logins:
            click.echo(f"  {email:<48} {role}")
        if len(passwords) == 1:
            click.echo(f"Password of every demo account above: {passwords.pop()}")
        else:
            for _role, email, password in logins:
                click.echo(f"  {email}: {password}")
    else:
        click.echo("Demo data already present; nothing new created.")


@cli.command("send-mail")
@click.option("--watch", is_flag=True, help="Keep running: deliver, sleep, deliver again.")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Seconds to sleep between rounds with --watch.",
)
def send_mail(watch: bool, interval: int) -> None:
    """Deliver the queued outbox over SMTP (once, for cron; or in a loop with --watch)."""
    from alliance import mail

    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: mail is only stored, nothing to send.")
    while True:
        counts = _deliver_due(mail)
        if any(counts.values()) or not watch:
            click.echo(", ".join(f"{n} {status}" for status, n in counts.items()) + ".")
        if not watch:
            return
        time.sleep(interval)


def _deliver_due(mail) -> dict[str, int]:
    """Deliver every message due now, one transaction each (its row stays locked meanwhile)."""
    counts = {mail.SENT: 0, "retrying": 0, mail.FAILED: 0}
    while (message := mail.claim_next(now_utc())) is not None:
        mail.deliver(message, now_utc())
        counts[message.status if message.status != mail.QUEUED else "retrying"] += 1
        db.session.commit()
    db.session.rollback()  # end the read-only transaction of the last, empty claim
    return counts
