"""The count and what follows it: tellers, the tally, publication, seats and tiers."""

from flask_babel import gettext as _
from sqlalchemy import select

from alliance import audit, clock
from alliance.elections import tally as tally_mod
from alliance.elections.models import (
    CHAIR,
    VICE_CHAIR,
    Ballot,
    CouncilSeat,
    CouncilTerm,
    Election,
    ElectorateEntry,
)
from alliance.elections.services.configuration import verify_frozen
from alliance.elections.services.lifecycle import create_election
from alliance.elections.services.nominations import stage1_elected_unit_ids
from alliance.elections.services.participation import turnout
from alliance.elections.services.states import (
    EDITABLE_STATES,
    ElectionError,
    check_action,
    move,
)
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import (
    TIER_CHAIR,
    TIER_COUNCIL,
    TIER_MEMBER,
    TIER_VICE_CHAIR,
    MemberUnit,
)


def candidate_unit_ids(election: Election) -> set[int]:
    """Return the units standing in the election."""
    return {c.unit_id for c in election.candidates()}


def conflicted(election: Election, user) -> bool:
    """Tell whether the user's unit is a candidate (such a person may not act as teller)."""
    unit = acting.unit_of(user)
    return unit is not None and unit.id in candidate_unit_ids(election)


def officers_named(election: Election) -> list:
    """Return the officers who acted on this election and whose unit is a candidate."""
    from alliance.audit import AuditEvent
    from alliance.auth.models import User

    ids = set(
        db.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.target_type == "elections",
                AuditEvent.target_id == str(election.id),
                AuditEvent.actor_id.is_not(None),
            )
        )
    )
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    return [u for u in users if conflicted(election, u)]


def ballots_of(election: Election) -> list[dict]:
    """Return the election's anonymous ballots, ordered by receipt."""
    rows = db.session.scalars(
        select(Ballot).where(Ballot.election_id == election.id).order_by(Ballot.receipt)
    )
    return [{"receipt": b.receipt, "choices": b.choices} for b in rows]


def run_tally(election: Election, user) -> dict:
    """Count the ballots under the frozen rules after checking the frozen hash."""
    check_action(election, "tally")
    if conflicted(election, user):
        raise ElectionError(_("Your unit is a candidate: someone else must act as teller."), 403)
    config = verify_frozen(election)
    ballots = ballots_of(election)
    cast, _electorate = turnout(election)
    if cast != len(ballots):
        raise ElectionError(_("Ballots and participation do not match. Nothing was counted."), 409)
    result = tally_mod.tally(config, ballots)
    election.result = result
    election.ballots_hash = result["ballots_hash"]
    election.tallied_at = clock.now_utc()
    move(election, "tally", ballots_hash=election.ballots_hash)
    return result


def publish(election: Election) -> None:
    """Recompute, make results public and immutable, seat the council or its officers."""
    check_action(election, "publish")
    config = verify_frozen(election)
    ballots = ballots_of(election)
    if turnout(election)[0] != len(ballots):
        raise ElectionError(_("Ballots and participation do not match. Nothing was counted."), 409)
    result = tally_mod.tally(config, ballots)
    if result != election.result or result["ballots_hash"] != election.ballots_hash:
        raise ElectionError(
            _(
                "The ballots no longer match the tally: the data was changed. Nothing was published."
            ),
            409,
        )
    term = election.term
    for contest in result["contests"]:
        for row in contest["candidates"]:
            if row["elected"]:
                db.session.add(
                    CouncilSeat(
                        term=term,
                        election_id=election.id,
                        unit_id=row["unit_id"],
                        office=contest["office"],
                    )
                )
    db.session.flush()
    if election.stage == 1:
        _create_stage2_electorate(election)
    else:
        _update_tiers(term)
    election.published_at = clock.now_utc()
    move(election, "publish")


def _create_stage2_electorate(stage1: Election) -> Election:
    """Give the term's stage-2 election exactly the units elected in stage 1 as electorate."""
    elected = sorted(stage1_elected_unit_ids(stage1.term))
    stage2 = db.session.scalar(
        select(Election).where(
            Election.term_id == stage1.term_id,
            Election.stage == 2,
            Election.state.in_(list(EDITABLE_STATES)),
        )
    )
    if stage2 is None:
        stage2 = create_election(
            stage1.term,
            2,
            f"第{stage1.term.number}届理事会第一次会议选举",
            f"Term {stage1.term.number}: officers elected at the council's first meeting",
        )
    stage2.electorate = [ElectorateEntry(unit_id=u) for u in elected]
    audit.record("election.electorate", stage2, new={"unit_ids": elected, "from": stage1.id})
    return stage2


TIER_OF_OFFICE = {CHAIR: TIER_CHAIR, VICE_CHAIR: TIER_VICE_CHAIR}
TIER_RANK = [TIER_CHAIR, TIER_VICE_CHAIR, TIER_COUNCIL, TIER_MEMBER]


def _update_tiers(term: CouncilTerm) -> None:
    """Set every unit's tier from the term's seats (audited); units off the council become members."""
    seats = db.session.scalars(select(CouncilSeat).where(CouncilSeat.term_id == term.id)).all()
    tiers: dict[int, str] = {}
    for seat in seats:
        tier = TIER_OF_OFFICE.get(seat.office, TIER_COUNCIL)
        current = tiers.get(seat.unit_id, TIER_MEMBER)
        tiers[seat.unit_id] = min(tier, current, key=TIER_RANK.index)
    for unit in db.session.scalars(select(MemberUnit)):
        new = tiers.get(unit.id, TIER_MEMBER)
        if unit.tier != new:
            audit.record(
                "unit.tier", unit, old={"tier": unit.tier}, new={"tier": new, "term": term.number}
            )
            unit.tier = new
