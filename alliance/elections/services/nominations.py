"""Nominations: who may nominate, the nominee's answer, whether the list can fill the seats."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from alliance import audit, clock
from alliance.elections.models import (
    ACCEPTED,
    COUNCIL,
    DECLINED,
    NOMINATING,
    Candidate,
    Contest,
    CouncilSeat,
    CouncilTerm,
    Election,
)
from alliance.elections.services.states import ElectionError
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import STATUS_ACTIVE, MemberUnit


def stage1_elected_unit_ids(term: CouncilTerm) -> set[int]:
    """Return the units elected to the term's council (the only units stage 2 elects from)."""
    return set(
        db.session.scalars(
            select(CouncilSeat.unit_id).where(
                CouncilSeat.term_id == term.id, CouncilSeat.office == COUNCIL
            )
        )
    )


def nominate(
    contest: Contest, unit: MemberUnit, user, statement: str | None, by_council: bool = False
) -> Candidate:
    """Nominate a unit for a contest: its admin or representative, another's, or the council."""
    election = contest.election
    if not election.accepts_nominations(clock.db_now()):
        raise ElectionError(_("Nominations are not open."), 409)
    if not unit.is_active:
        raise ElectionError(_("Only active member units can be nominated."))
    if election.stage == 2 and unit.id not in stage1_elected_unit_ids(election.term):
        raise ElectionError(_("Officers are elected from the units elected to the council."))
    nominator_unit = None
    if not by_council:
        # A unit that is not active nominates nobody (UnitNotActive says why).
        nominator_unit = acting.writable_unit(user, acting.ADMIN_OR_REPRESENTATIVE)
        if nominator_unit is None:
            raise ElectionError(
                _("Only an active unit's admin or representative can nominate."), 403
            )
    exists = db.session.scalar(
        select(Candidate).where(Candidate.contest_id == contest.id, Candidate.unit_id == unit.id)
    )
    if exists:
        raise ElectionError(_("This unit is already nominated for this office."))
    candidate = Candidate(
        contest=contest,
        unit=unit,
        nominated_by_unit=nominator_unit,
        nominated_by_id=user.id,
        statement=(statement or "").strip() or None,
    )
    db.session.add(candidate)
    audit.record(
        "election.nominate",
        election,
        new={"contest": contest.office, "unit_id": unit.id, "by_council": by_council},
    )
    return candidate


def respond(candidate: Candidate, user, accept: bool, on_behalf: bool = False) -> None:
    """Record the nominee unit's answer (its admin, or an officer holding its written answer)."""
    if candidate.contest.election.state != NOMINATING:
        raise ElectionError(_("Nominations are not open."), 409)
    if not on_behalf and not acting.holds(candidate.unit, user, acting.ADMIN):
        raise ElectionError(_("Only the nominee unit's admin can answer."), 403)
    if not on_behalf:
        # A unit that is no longer active cannot answer for itself; an officer may record it.
        acting.require_writable(candidate.unit, user)
    old = candidate.status
    candidate.status = ACCEPTED if accept else DECLINED
    audit.record(
        "election.nomination_answer",
        candidate.contest.election,
        old={"status": old},
        new={
            "candidate_id": candidate.id,
            "status": candidate.status,
            "recorded_by_officer": on_behalf,
        },
    )


def check_candidates(election: Election) -> list[str]:
    """Refuse a list that cannot fill the seats; return warnings (council over one third)."""
    for contest in election.contests:
        standing = contest.standing_candidates()
        if len(standing) < contest.seats:
            raise ElectionError(
                _(
                    "%(office)s: %(n)s accepted candidates for %(s)s seats.",
                    office=contest.label,
                    n=len(standing),
                    s=contest.seats,
                )
            )
        if election.contested_required and len(standing) <= contest.seats:
            raise ElectionError(
                _(
                    "%(office)s: the rules require more candidates than seats.",
                    office=contest.label,
                )
            )
        if election.stage == 2:
            elected = stage1_elected_unit_ids(election.term)
            if any(c.unit_id not in elected for c in standing):
                raise ElectionError(
                    _("Officers are elected from the units elected to the council.")
                )
    warnings = []
    if election.stage == 1:
        members = db.session.scalar(
            select(func.count()).select_from(MemberUnit).where(MemberUnit.status == STATUS_ACTIVE)
        )
        seats = sum(c.seats for c in election.contests)
        if seats * 3 > members:
            warnings.append(
                _(
                    "The council (%(s)s seats) would exceed one third of the %(m)s member units.",
                    s=seats,
                    m=members,
                )
            )
    return warnings
