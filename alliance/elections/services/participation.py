"""Who has voted: turnout, the units still to vote, and reminders to them."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from alliance import audit, mail
from alliance.elections.models import VOTING_OPEN, Election, ElectorateEntry, Participation
from alliance.elections.services.states import ElectionError
from alliance.extensions import db


def turnout(election: Election) -> tuple[int, int]:
    """Return (units that voted, units on the electorate)."""
    cast = db.session.scalar(
        select(func.count())
        .select_from(Participation)
        .where(Participation.election_id == election.id)
    )
    electorate = db.session.scalar(
        select(func.count())
        .select_from(ElectorateEntry)
        .where(ElectorateEntry.election_id == election.id)
    )
    return cast, electorate


def not_voted(election: Election) -> list[ElectorateEntry]:
    """Return the electorate entries of the units that have not voted yet."""
    voted = select(Participation.unit_id).where(Participation.election_id == election.id)
    return db.session.scalars(
        select(ElectorateEntry)
        .where(ElectorateEntry.election_id == election.id, ElectorateEntry.unit_id.not_in(voted))
        .order_by(ElectorateEntry.unit_id)
    ).all()


def remind(election: Election) -> int:
    """Mail the voters of every unit that has not voted yet; return how many were mailed."""
    if election.state != VOTING_OPEN:
        raise ElectionError(_("Reminders are sent only while voting is open."), 409)
    sent = 0
    for entry in not_voted(election):
        voter = (
            entry.proxy if (entry.proxy and election.proxies_allowed) else entry.unit.representative
        )
        if voter is None:
            continue
        mail.send(
            voter.email,
            "elections/mail/remind",
            locale=voter.locale,
            election=election,
            unit=entry.unit,
            voter=voter,
        )
        sent += 1
    audit.record("election.remind", election, new={"sent": sent})
    return sent
