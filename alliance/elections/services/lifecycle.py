"""An election's life up to the count: terms, elections, rules, seats, and the moves between."""

import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from alliance import audit, clock
from alliance.elections import tally as tally_mod
from alliance.elections.models import (
    CHAIR,
    COUNCIL,
    OFFICE_ORDER,
    STANDING,
    VICE_CHAIR,
    Ballot,
    Contest,
    CouncilTerm,
    Election,
    ElectorateEntry,
    TermOffice,
)
from alliance.elections.services.configuration import frozen_config
from alliance.elections.services.nominations import check_candidates
from alliance.elections.services.participation import turnout
from alliance.elections.services.states import (
    ElectionError,
    check_action,
    move,
    require_editable,
)
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, MemberUnit


def create_term(number: int, starts_on, ends_on, offices: dict[str, int]) -> CouncilTerm:
    """Create a council term with its offices and seat counts."""
    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == number)):
        raise ElectionError(_("Term %(n)s already exists.", n=number))
    if ends_on <= starts_on:
        raise ElectionError(_("A term must end after it starts."))
    term = CouncilTerm(number=number, starts_on=starts_on, ends_on=ends_on)
    term.offices = [
        TermOffice(office=o, seats=offices[o], position=OFFICE_ORDER.index(o))
        for o in OFFICE_ORDER
        if offices.get(o)
    ]
    db.session.add(term)
    audit.record("term.create", term, new={"number": number, "offices": offices})
    return term


STAGE_OFFICES = {1: (COUNCIL,), 2: (CHAIR, VICE_CHAIR, "secretary_general", STANDING)}


def create_election(
    term: CouncilTerm, stage: int, title_zh: str, title_en: str | None = None, **rules
) -> Election:
    """Create an election of a term in draft, with one contest per office of its stage."""
    contests = [
        Contest(office=o.office, seats=o.seats, position=o.position)
        for o in term.offices
        if o.office in STAGE_OFFICES[stage]
    ]
    election = Election(
        term=term, stage=stage, title_zh=title_zh, title_en=title_en, contests=contests, **rules
    )
    db.session.add(election)
    audit.record("election.create", election, new={"stage": stage, "title": title_zh, **rules})
    return election


def update_rules(election: Election, **values) -> None:
    """Change the rules profile and windows (only before voting opens)."""
    require_editable(election)
    old = {k: getattr(election, k) for k in values}
    for key, value in values.items():
        setattr(election, key, value)
    audit.record("election.rules", election, old=old, new=values)


def set_contest_seats(contest: Contest, seats: int) -> None:
    """Change the number of seats of a contest (only before voting opens)."""
    require_editable(contest.election)
    if seats < 1:
        raise ElectionError(_("A contest needs at least one seat."))
    audit.record(
        "election.seats",
        contest.election,
        old={contest.office: contest.seats},
        new={contest.office: seats},
    )
    contest.seats = seats


def open_nominations(election: Election) -> None:
    """Open nominations for an election that has at least one office."""
    if not election.contests:
        raise ElectionError(_("Add at least one office before opening nominations."))
    move(election, "open_nominations")


def confirm_candidates(election: Election) -> list[str]:
    """Confirm the list; build the electorate; return warnings worth showing."""
    check_action(election, "confirm_candidates")
    warnings = check_candidates(election)
    if election.stage == 1:
        units = db.session.scalars(
            select(MemberUnit.id).where(MemberUnit.status == STATUS_ACTIVE)
        ).all()
        existing = {e.unit_id for e in election.electorate}
        for unit_id in units:
            if unit_id not in existing:
                election.electorate.append(ElectorateEntry(unit_id=unit_id))
    if not election.electorate:
        raise ElectionError(_("The electorate is empty."))
    move(election, "confirm_candidates")
    return warnings


def open_voting(election: Election) -> None:
    """Freeze candidates, seats, rules and electorate, store their hash, open the ballot."""
    check_action(election, "open_voting")
    if not election.voting_opens_at or not election.voting_closes_at:
        raise ElectionError(_("Set the voting window first."))
    if election.voting_closes_at <= election.voting_opens_at:
        raise ElectionError(_("The voting window must close after it opens."))
    if election.voting_closes_at <= clock.db_now():
        raise ElectionError(_("The voting window has already ended."))
    check_candidates(election)
    freeze(election)


def freeze(election: Election) -> None:
    """Store the canonical configuration and its hash and move to voting_open."""
    check_action(election, "open_voting")
    db.session.flush()
    config = frozen_config(election)
    election.frozen_config = config
    election.config_hash = tally_mod.sha256_of(config)
    move(election, "open_voting", config_hash=election.config_hash)


def close_voting(election: Election) -> None:
    """Close the ballot: once the window has ended, or when every unit has voted."""
    check_action(election, "close_voting")
    cast, electorate = turnout(election)
    if clock.db_now() < election.voting_closes_at and cast < electorate:
        raise ElectionError(
            _("Voting closes at the end of the window, unless every unit has voted."), 409
        )
    _reseal_ballots(election)
    move(election, "close_voting", cast=cast, electorate=electorate)


def _reseal_ballots(election: Election) -> None:
    """Rewrite the ballots in random order in this one transaction.

    During voting each ballot shares its transaction (PostgreSQL xmin) and insertion order
    (SQLite rowid, heap position) with its participation row. Rewriting them all at close
    leaves every ballot with the same transaction and a random physical order, so the
    database keeps nothing that links a ballot to the unit that cast it.
    """
    rows = db.session.scalars(select(Ballot).where(Ballot.election_id == election.id)).all()
    kept = [(b.receipt, b.choices) for b in rows]
    for ballot in rows:
        db.session.delete(ballot)
    db.session.flush()
    for receipt, choices in sorted(kept, key=lambda _b: secrets.randbits(64)):
        db.session.add(Ballot(receipt=receipt, election_id=election.id, choices=choices))
    db.session.flush()


def cancel(election: Election, reason: str) -> None:
    """Cancel the election, giving a reason."""
    reason = (reason or "").strip()
    check_action(election, "cancel")
    if not reason:
        raise ElectionError(_("Give a reason for cancelling."))
    election.cancel_reason = reason
    move(election, "cancel", reason=reason)
