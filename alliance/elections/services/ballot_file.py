"""The published ballot file: build it, and recompute a file's tally to check it."""

from flask_babel import gettext as _

from alliance.elections import tally as tally_mod
from alliance.elections.models import PUBLISHED, Election
from alliance.elections.services.counting import ballots_of
from alliance.extensions import db


def build_ballot_file(election: Election) -> dict:
    """Return the anonymous ballot file: frozen config, its hash, ballots and the result."""
    return {
        "format": "xmsoa-election-ballots/1",
        "election": election.id,
        "config": election.frozen_config,
        "config_hash": election.config_hash,
        "ballots": ballots_of(election),
        "result": election.result,
    }


def verify_ballot_file(data) -> tuple[bool, list[str]]:
    """Recompute a ballot file's tally; compare with its hash and the published result."""
    problems = []
    try:
        config, ballots = data["config"], data["ballots"]
        if tally_mod.sha256_of(config) != data["config_hash"]:
            problems.append(_("The configuration does not match its hash."))
        result = tally_mod.tally(config, ballots)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False, [_("This is not an election ballot file.")]
    election = (
        db.session.get(Election, data.get("election"))
        if isinstance(data.get("election"), int)
        else None
    )
    if election is None or election.state != PUBLISHED:
        problems.append(_("No published election matches this file."))
    else:
        if election.config_hash != data["config_hash"]:
            problems.append(_("The file's configuration is not the one the election froze."))
        if result != election.result:
            problems.append(_("The recomputed tally differs from the published result."))
    if result != data.get("result"):
        problems.append(_("The recomputed tally differs from the result in the file."))
    return not problems, problems
