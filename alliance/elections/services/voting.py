"""Voting: who votes for which unit, the ballot's choices, casting it, the receipt, proxies."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from alliance import audit, clock
from alliance.elections.models import (
    APPROVE,
    CHOICES,
    FORM_UP_TO_N,
    OFFICES,
    Ballot,
    Election,
    ElectorateEntry,
    Participation,
)
from alliance.elections.services.configuration import frozen
from alliance.elections.services.states import ElectionError, require_editable
from alliance.extensions import db
from alliance.members import acting

log = logging.getLogger(__name__)


class AlreadyVoted(ElectionError):
    """The unit's ballot is already in: the second one is refused."""

    def __init__(self):
        super().__init__(_("Your unit has already voted in this election."), 409)


@dataclass(frozen=True)
class Receipt:
    """What the voter is shown once: the ballot's receipt code and when the unit voted."""

    code: str
    voted_at: datetime


def set_proxy(entry: ElectorateEntry, proxy_user) -> None:
    """Record the proxy a unit authorised (授权委托书); only before voting opens."""
    election = entry.election
    require_editable(election)
    if not election.proxies_allowed:
        raise ElectionError(_("The rules of this election do not allow proxies."))
    old = entry.proxy_user_id
    entry.proxy_user_id = proxy_user.id if proxy_user else None
    audit.record(
        "election.proxy",
        election,
        old={"unit_id": entry.unit_id, "proxy_user_id": old},
        new={"unit_id": entry.unit_id, "proxy_user_id": entry.proxy_user_id},
    )


def voter_unit_id(election: Election, user) -> int:
    """Return the id of the unit this user may vote for, or refuse with the reason."""
    config = frozen(election)
    proxies_allowed = config.config["rules"]["proxies_allowed"]
    if proxies_allowed and user.id in config.proxied:
        return config.proxied[user.id]
    unit = acting.unit_of(user)  # any status: the electorate was frozen when voting opened
    if unit is None or unit.id not in config.electorate:
        raise ElectionError(_("Your unit is not on the electorate of this election."), 403)
    if not acting.holds(unit, user, acting.REPRESENTATIVE):
        raise ElectionError(_("Only your unit's representative can vote for it."), 403)
    if proxies_allowed and config.electorate[unit.id] is not None:
        raise ElectionError(_("Your unit has authorised a proxy, who votes for it."), 403)
    return unit.id


def electorate_entry(election: Election, unit_id: int) -> ElectorateEntry:
    """Return the unit's entry on the election's electorate (with the unit)."""
    return db.session.scalar(
        select(ElectorateEntry).where(
            ElectorateEntry.election_id == election.id, ElectorateEntry.unit_id == unit_id
        )
    )


def has_voted(election: Election, unit_id: int) -> Participation | None:
    """Return the unit's participation in the election, if it has voted."""
    return db.session.scalar(
        select(Participation).where(
            Participation.election_id == election.id, Participation.unit_id == unit_id
        )
    )


def _eligible_unit_id(election: Election, user, now: datetime) -> int:
    """Return the unit this user votes for at `now`, or refuse (window, then electorate)."""
    if not election.accepts_ballots(now):
        if election.voting_opens_at and now < election.voting_opens_at:
            raise ElectionError(_("Voting has not opened yet."), 403)
        if election.is_frozen:
            raise ElectionError(_("Voting is closed."), 403)
        raise ElectionError(_("Voting is not open."), 403)
    return voter_unit_id(election, user)


def ballot_unit_id(election: Election, user, now: datetime) -> int:
    """Return the unit whose ballot this user may fill in at `now`, or refuse with the reason.

    What the ballot pages ask before showing the ballot: the window, the frozen electorate and
    that the unit has not voted yet.
    """
    unit_id = _eligible_unit_id(election, user, now)
    if has_voted(election, unit_id):
        raise AlreadyVoted()
    return unit_id


def check_choices(election: Election, choices: dict) -> dict[str, str]:
    """Normalise a ballot's choices; refuse unknown candidates or more approvals than seats."""
    config = frozen(election).config
    clean = {}
    for contest in config["contests"]:
        approvals = 0
        for cand in contest["candidates"]:
            key = str(cand["id"])
            choice = choices.get(key) or "abstain"
            if choice not in CHOICES or (
                config["rules"]["ballot_form"] == FORM_UP_TO_N and choice == "oppose"
            ):
                raise ElectionError(_("The ballot contains a choice that does not exist."))
            approvals += choice == APPROVE
            clean[key] = choice
        if approvals > contest["seats"]:
            raise ElectionError(
                _(
                    "%(office)s: you approved %(n)s candidates but there are only %(s)s seats.",
                    office=OFFICES[contest["office"]],
                    n=approvals,
                    s=contest["seats"],
                )
            )
    extra = set(choices) - set(clean)
    if extra:
        raise ElectionError(_("The ballot contains a choice that does not exist."))
    return clean


def cast_ballot(election: Election, user, choices: dict, now: datetime | None = None) -> Receipt:
    """Check the window at `now` (the database's clock by default), the voter and the choices; cast.

    The UNIQUE (election, unit) key on participation is what stops a second ballot, also under
    a race, and its refusal becomes AlreadyVoted. The caller commits, or rolls back, once.
    """
    unit_id = _eligible_unit_id(election, user, now or clock.db_now())
    return record_ballot(election, unit_id, user, check_choices(election, choices))


def record_ballot(election: Election, unit_id: int, user, clean: dict, voted_at=None) -> Receipt:
    """Write participation, then the ballot, in the caller's transaction; return the receipt.

    For a voter and choices already checked (cast_ballot; the demo's past elections).
    """
    participation = Participation(
        election_id=election.id,
        unit_id=unit_id,
        voter_id=user.id,
        voted_at=voted_at or clock.now_utc(),
    )
    # Made (and translated) now: a failed flush expires every object, so the reader's locale
    # could not be loaded afterwards.
    refusal = AlreadyVoted()
    db.session.add(participation)
    try:
        db.session.flush()  # the UNIQUE key decides here, before the ballot exists
    except IntegrityError as exc:
        raise refusal from exc  # another request of the same unit won the race
    code = _new_receipt_code()
    db.session.add(Ballot(receipt=code, election_id=election.id, choices=clean))
    db.session.flush()
    log.info("ballot cast in election %s", election.id)  # never who, never what
    return Receipt(code, participation.voted_at)


def _new_receipt_code() -> str:
    """Return a fresh random receipt code, e.g. 'K7QM-2XRP-9HTD'."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
