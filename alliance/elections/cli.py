"""Election commands: `flask --app alliance verify-election FILE` recomputes a published tally."""

import json

import click
from flask.cli import AppGroup

from alliance.elections.services import verify_ballot_file

cli = AppGroup("elections", help="Council elections.")


@cli.command("verify-election")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def verify_election(path: str) -> None:
    """Recompute the tally from an anonymous ballot file and compare it with the result."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    ok, problems = verify_ballot_file(data)
    if ok:
        click.echo("MATCH: the recomputed tally equals the published result.")
        return
    for problem in problems:
        click.echo(f"- {problem}")
    raise click.ClickException("MISMATCH: the file does not reproduce the published result.")
