"""Build elections in a given state for tests (call inside an app context)."""

from datetime import date, timedelta

from alliance import clock
from alliance.auth.models import ELECTION_OFFICER
from alliance.elections import services
from alliance.elections.models import Candidate, Election
from alliance.extensions import db
from tests.factories import make_unit, make_user


def make_voters(n: int):
    """Create n active units, each with an admin who is its representative."""
    units = []
    for _ in range(n):
        rep = make_user()
        units.append(make_unit(admin=rep, representative=rep))
    return units


def make_term(number=1, council=2, **offices):
    return services.create_term(
        number, date(2026, 1, 1), date(2030, 12, 31), {"council": council, **offices}
    )


def election_with_candidates(units, seats=2, candidates=3, stage=1, term=None, **rules):
    """Return an election in `nominating` with accepted candidates (the first units)."""
    officer = make_user(roles=(ELECTION_OFFICER,))
    term = term or make_term(council=seats)
    election = services.create_election(term, stage, "测试选举", "Test election", **rules)
    db.session.flush()
    services.open_nominations(election)
    contest = election.contests[0]
    for unit in units[:candidates]:
        cand = services.nominate(contest, unit, officer, "statement", by_council=True)
        services.respond(cand, officer, True, on_behalf=True)
    db.session.flush()
    return election


def open_election(units, seats=2, candidates=3, **rules) -> Election:
    """Return an election whose voting is open now, electorate = every active unit."""
    election = election_with_candidates(units, seats, candidates, **rules)
    now = clock.db_now()
    election.voting_opens_at = now - timedelta(hours=1)
    election.voting_closes_at = now + timedelta(hours=1)
    services.confirm_candidates(election)
    services.open_voting(election)
    db.session.flush()
    return election


def candidate_ids(election) -> list[int]:
    return sorted(c.id for c in election.candidates())


def vote(election, unit, choices_by_index: dict[int, str]):
    """Cast the unit's ballot through the service (choices by candidate index); return its code."""
    ids = candidate_ids(election)
    choices = {str(ids[i]): choice for i, choice in choices_by_index.items()}
    return services.cast_ballot(election, unit.representative, choices).code


def all_candidates():
    return db.session.query(Candidate).all()
