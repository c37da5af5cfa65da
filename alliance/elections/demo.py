"""Demo elections: the first council term (第一届, 2012) with its two published elections,
consistent with the demo tiers, and an open stage-1 election of a new term.

The terms, titles and candidates are in demo_data/elections.toml; the ballots are made here.
"""

from datetime import timedelta

from sqlalchemy import select

from alliance import clock
from alliance.auth.demo import ensure_user
from alliance.auth.models import ELECTION_OFFICER
from alliance.demo import read_toml
from alliance.elections import services
from alliance.elections.models import CHAIR, COUNCIL, VICE_CHAIR, CouncilTerm, Election
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, MemberUnit


def load(ctx) -> None:
    """Create the demo officer, the first term's published elections and an open election."""
    data = read_toml(__package__, "elections.toml")
    officer = ensure_user(
        ctx,
        data["officer"]["email"],
        data["officer"]["name"],
        "election officer",
        roles=(ELECTION_OFFICER,),
    )
    first, second = data["terms"]
    council = data["first_council"]
    eleven = (council["chair"], *council["vice_chairs"], *council["council"])
    # The founding units (the 2012 electorate) and the named candidates: not every invented
    # unit of `demo-data --members N`.
    named = (*eleven, *first["extra_candidates"], *second["extra_candidates"])
    units = {
        u.slug: u
        for u in db.session.scalars(
            select(MemberUnit).where(MemberUnit.is_founding.is_(True) | MemberUnit.slug.in_(named))
        )
    }
    if not all(slug in units for slug in named):
        return  # the member demo data is not there
    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == 1)) is None:
        _first_term(first, council, eleven, units, officer)
    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == 2)) is None:
        _open_new_term(second, eleven, units, officer)


def _create(term_data: dict):
    """Create a term and its stage-1 election, open for nominations."""
    seats = term_data["seats"]
    term = services.create_term(
        term_data["number"],
        term_data["starts_on"],
        term_data["ends_on"],
        {CHAIR: seats["chair"], VICE_CHAIR: seats["vice_chair"], COUNCIL: seats["council"]},
    )
    election = services.create_election(
        term, 1, term_data["title_zh"], term_data["title_en"], contested_required=True
    )
    db.session.flush()
    services.open_nominations(election)
    return term, election


def _nominate(election: Election, office: str, slugs, units, officer) -> None:
    contest = next(c for c in election.contests if c.office == office)
    for slug in slugs:
        cand = services.nominate(contest, units[slug], officer, None, by_council=True)
        services.respond(cand, officer, True, on_behalf=True)


def _run_past(election: Election, opens, voters, choose) -> None:
    """Open, vote, close, tally and publish an election that took place in the past."""
    election.voting_opens_at = opens
    election.voting_closes_at = opens + timedelta(hours=3)
    services.confirm_candidates(election)
    # A past election's electorate is the units that were members then, not the units of today
    # (`demo-data --members N` adds units that joined years later).
    voter_ids = {unit.id for unit in voters}
    election.electorate = [e for e in election.electorate if e.unit_id in voter_ids]
    services.check_candidates(election)
    services.freeze(election)
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


def _first_term(data: dict, council: dict, eleven, units, officer) -> None:
    term, stage1 = _create(data)
    design, finance = data["extra_candidates"]
    _nominate(stage1, COUNCIL, (*eleven, design, finance), units, officer)
    voters = sorted(
        (u for u in units.values() if u.status == STATUS_ACTIVE and u.is_founding),
        key=lambda u: u.slug,
    )

    def council_ballot(n, ids):
        # Everyone approves the eleven; every fourth unit swaps one of them for 示例设计.
        choices = {ids[s]: "approve" for s in eleven}
        choices[ids[finance]] = "oppose" if n % 3 else "abstain"
        choices[ids[design]] = "oppose"
        if n % 4 == 0:
            choices[ids[eleven[-1 - n % 5]]] = "abstain"
            choices[ids[design]] = "approve"
        return choices

    _run_past(stage1, data["opens_at"], voters, council_ballot)
    stage2 = db.session.scalar(
        select(Election).where(Election.term_id == term.id, Election.stage == 2)
    )
    stage2.title_zh = data["officers_title_zh"]
    stage2.title_en = data["officers_title_en"]
    services.open_nominations(stage2)
    _nominate(stage2, CHAIR, (council["chair"],), units, officer)
    _nominate(stage2, VICE_CHAIR, council["vice_chairs"], units, officer)
    members = sorted((units[s] for s in eleven), key=lambda u: u.slug)

    def officers_ballot(n, ids):
        return {
            i: ("abstain" if n == 0 and slug == council["chair"] else "approve")
            for slug, i in ids.items()
        }

    _run_past(stage2, data["officers_opens_at"], members, officers_ballot)


def _open_new_term(data: dict, eleven, units, officer) -> None:
    _term, election = _create(data)
    _nominate(election, COUNCIL, (*eleven, *data["extra_candidates"]), units, officer)
    now = clock.db_now().replace(microsecond=0)
    election.voting_opens_at = now - timedelta(hours=1)
    election.voting_closes_at = now + timedelta(days=14)
    services.confirm_candidates(election)
    services.open_voting(election)
