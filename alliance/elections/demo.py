"""Demo elections: the first council term (第一届, 2012) with its two published elections,
consistent with the demo tiers, and an open stage-1 election of a new term."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from alliance.auth.models import ELECTION_OFFICER
from alliance.elections import services
from alliance.elections.models import CHAIR, COUNCIL, VICE_CHAIR, CouncilTerm, Election
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, MemberUnit

OFFICER_EMAIL = "officer@demo.xmsoa.example.org"
CHAIR_UNIT = "yamaha-xiamen-is"
VICE_CHAIR_UNITS = ("xmist", "chinasoft-zhuoyue", "suchuan-logistics")
COUNCIL_UNITS = (
    "demo-software-1",
    "demo-testing",
    "demo-data",
    "demo-callcenter",
    "demo-university",
    "demo-investment",
    "demo-association",
)
FIRST_COUNCIL = (CHAIR_UNIT, *VICE_CHAIR_UNITS, *COUNCIL_UNITS)
# Two more candidates make the 2012 council election contested (差额).
FIRST_EXTRA = ("demo-design", "demo-finance")
NEW_TERM_CANDIDATES = (*FIRST_COUNCIL, "demo-design", "demo-cloud")


def load(ctx) -> None:
    """Create the demo officer, the first term's published elections and an open election."""
    officer = ctx.ensure_user(
        OFFICER_EMAIL, "换届选举委员会（示例）", "election officer", roles=(ELECTION_OFFICER,)
    )
    # The founding units (the 2012 electorate) and the named candidates: not every invented
    # unit of `demo-data --members N`.
    named = (*FIRST_COUNCIL, *FIRST_EXTRA, "demo-cloud")
    units = {
        u.slug: u
        for u in db.session.scalars(
            select(MemberUnit).where(MemberUnit.is_founding.is_(True) | MemberUnit.slug.in_(named))
        )
    }
    if not all(slug in units for slug in named):
        return  # the member demo data is not there
    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == 1)) is None:
        _first_term(units, officer)
    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == 2)) is None:
        _open_new_term(units, officer)


def _nominate(election: Election, office: str, slugs, units, officer) -> None:
    contest = next(c for c in election.contests if c.office == office)
    for slug in slugs:
        cand = services.nominate(contest, units[slug], officer, None, by_council=True)
        services.respond(cand, officer, True, on_behalf=True)


def _run_past(election: Election, opens: datetime, voters, choose) -> None:
    """Open, vote, close, tally and publish an election that took place in the past."""
    election.voting_opens_at = opens
    election.voting_closes_at = opens + timedelta(hours=3)
    services.confirm_candidates(election)
    # A past election's electorate is the units that were members then, not the units of today
    # (`demo-data --members N` adds units that joined years later).
    voter_ids = {unit.id for unit in voters}
    election.electorate = [e for e in election.electorate if e.unit_id in voter_ids]
    services.check_candidates(election)
    services._freeze(election)
    ids = {c.unit.slug: str(c.id) for c in election.candidates()}
    for n, unit in enumerate(voters):
        choices = choose(n, ids)
        clean = services.check_choices(election, choices)
        services.record_ballot(
            election, unit.id, unit.representative, clean, voted_at=opens + timedelta(minutes=n)
        )
    services.close_voting(election)
    services.run_tally(election, None)
    services.publish(election)


def _first_term(units, officer) -> None:
    term = services.create_term(
        1, date(2012, 8, 10), date(2017, 8, 9), {CHAIR: 1, VICE_CHAIR: 3, COUNCIL: 11}
    )
    stage1 = services.create_election(
        term,
        1,
        "第一届会员大会理事选举",
        "First general assembly: council election",
        contested_required=True,
    )
    db.session.flush()
    services.open_nominations(stage1)
    _nominate(stage1, COUNCIL, (*FIRST_COUNCIL, *FIRST_EXTRA), units, officer)
    voters = sorted(
        (u for u in units.values() if u.status == STATUS_ACTIVE and u.is_founding),
        key=lambda u: u.slug,
    )

    def council_ballot(n, ids):
        # Everyone approves the eleven; every fourth unit swaps one of them for 示例设计.
        choices = {ids[s]: "approve" for s in FIRST_COUNCIL}
        choices[ids["demo-finance"]] = "oppose" if n % 3 else "abstain"
        choices[ids["demo-design"]] = "oppose"
        if n % 4 == 0:
            choices[ids[FIRST_COUNCIL[-1 - n % 5]]] = "abstain"
            choices[ids["demo-design"]] = "approve"
        return choices

    _run_past(stage1, datetime(2012, 8, 10, 1, 30), voters, council_ballot)
    stage2 = db.session.scalar(
        select(Election).where(Election.term_id == term.id, Election.stage == 2)
    )
    stage2.title_zh = "第一届理事会第一次会议：选举理事长、副理事长"
    stage2.title_en = "First council meeting: chairman and vice-chairmen"
    services.open_nominations(stage2)
    _nominate(stage2, CHAIR, (CHAIR_UNIT,), units, officer)
    _nominate(stage2, VICE_CHAIR, VICE_CHAIR_UNITS, units, officer)
    council = sorted((units[s] for s in FIRST_COUNCIL), key=lambda u: u.slug)

    def officers_ballot(n, ids):
        return {
            i: ("abstain" if n == 0 and slug == CHAIR_UNIT else "approve")
            for slug, i in ids.items()
        }

    _run_past(stage2, datetime(2012, 8, 10, 6, 0), council, officers_ballot)


def _open_new_term(units, officer) -> None:
    term = services.create_term(
        2, date(2027, 1, 1), date(2031, 12, 31), {CHAIR: 1, VICE_CHAIR: 3, COUNCIL: 11}
    )
    election = services.create_election(
        term,
        1,
        "第二届会员大会理事选举（示例）",
        "Second general assembly: council election (demo)",
        contested_required=True,
    )
    db.session.flush()
    services.open_nominations(election)
    _nominate(election, COUNCIL, NEW_TERM_CANDIDATES, units, officer)
    now = services.db_now().replace(microsecond=0)
    election.voting_opens_at = now - timedelta(hours=1)
    election.voting_closes_at = now + timedelta(days=14)
    services.confirm_candidates(election)
    services.open_voting(election)
