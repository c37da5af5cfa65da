"""Database side of the vote storm, run in the bench environment (DATABASE_URL of the run).

    python -m bench.storm_setup prepare VOTERS PASSWORD   -> JSON: election, candidates, voters
    python -m bench.storm_setup tally ELECTION_ID        -> JSON: counts and tally times

`prepare` gives the first VOTERS active units a representative account (cheap hash from the
bench env) and opens a stage-1 council election through the election services, its electorate
being every active unit (the caller loads exactly VOTERS of them). `tally` checks the counts,
closes the election and times the service tally, the pure tally of the same ballots and the pure
tally of a synthetic 100,000-ballot election.
"""

import json
import random
import sys
import time
from datetime import date, timedelta

from sqlalchemy import func, select

from alliance import clock, create_app
from alliance.auth import services as auth_services
from alliance.auth.models import ELECTION_OFFICER
from alliance.elections import services
from alliance.elections import tally as tally_mod
from alliance.elections.models import (
    APPROVE,
    CHAIR,
    COUNCIL,
    VICE_CHAIR,
    Ballot,
    CouncilTerm,
    Election,
    Participation,
)
from alliance.extensions import db
from alliance.members.models import ROLE_ADMIN, STATUS_ACTIVE, Colleague, MemberUnit

EMAIL = "storm-rep-{}@bench.example.org"
CANDIDATES = 13  # for the 11 council seats: contested, as the demo rules require


def prepare(voters: int, password: str) -> dict:
    units = db.session.scalars(
        select(MemberUnit).where(MemberUnit.status == STATUS_ACTIVE).order_by(MemberUnit.id)
    ).all()
    if len(units) != voters:
        raise SystemExit(f"expected {voters} active units, found {len(units)}")
    emails = []
    for unit in units:
        rep = unit.representative
        if rep is None:
            rep = auth_services.create_user(EMAIL.format(unit.id), password, f"代表 {unit.id}")
            db.session.add(Colleague(user_id=rep.id, unit_id=unit.id, role=ROLE_ADMIN))
            unit.representative_id = rep.id
        else:
            rep.set_password(password)
        emails.append(rep.email)
    officer = auth_services.find_user_by_email("officer@demo.xmsoa.example.org")
    if officer is None or not officer.has_role(ELECTION_OFFICER):
        raise SystemExit("the demo election officer is missing")
    number = (db.session.scalar(select(func.max(CouncilTerm.number))) or 0) + 1
    start = date(2040 + number, 1, 1)
    term = services.create_term(
        number, start, start.replace(year=start.year + 5), {CHAIR: 1, VICE_CHAIR: 3, COUNCIL: 11}
    )
    election = services.create_election(
        term, 1, f"压力测试选举 {number}", "Vote storm", contested_required=True
    )
    db.session.flush()
    services.open_nominations(election)
    contest = next(c for c in election.contests if c.office == COUNCIL)
    for unit in units[:CANDIDATES]:
        cand = services.nominate(contest, unit, officer, None, by_council=True)
        services.respond(cand, officer, True, on_behalf=True)
    now = clock.db_now().replace(microsecond=0)
    election.voting_opens_at = now - timedelta(minutes=5)
    election.voting_closes_at = now + timedelta(hours=2)
    services.confirm_candidates(election)
    services.open_voting(election)
    db.session.commit()
    return {
        "election_id": election.id,
        "candidates": [c["id"] for c in election.frozen_config["contests"][0]["candidates"]],
        "seats": contest.seats,
        "electorate": len(election.frozen_config["electorate"]),
        "emails": emails,
    }


def synthetic(n_ballots: int, candidates: int = 13, seats: int = 11, seed: int = 7):
    """A frozen configuration and n_ballots approve/oppose/abstain ballots for one contest."""
    rng = random.Random(seed)
    cands = [{"id": i, "unit_id": 10_000 + i} for i in range(1, candidates + 1)]
    config = {
        "election": 0,
        "term": 0,
        "stage": 1,
        "rules": {
            "ballot_form": "approve_oppose",
            "contested_required": True,
            "proxies_allowed": False,
            "quorum": {"num": 2, "den": 3, "cmp": ">=", "base": "electorate"},
            "threshold": {"num": 1, "den": 2, "cmp": ">", "base": "cast"},
        },
        "window": {"opens_at": None, "closes_at": None},
        "contests": [{"id": 1, "office": COUNCIL, "seats": seats, "candidates": cands}],
        "electorate": [{"unit_id": i, "proxy_user_id": None} for i in range(n_ballots)],
    }
    ballots = []
    for n in range(n_ballots):
        approved = set(rng.sample(range(1, candidates + 1), rng.randint(0, seats)))
        choices = {
            str(c["id"]): APPROVE if c["id"] in approved else rng.choice(("oppose", "abstain"))
            for c in cands
        }
        ballots.append({"receipt": f"R{n:07d}", "choices": choices})
    return config, ballots


def tally(election_id: int) -> dict:
    election = db.session.get(Election, election_id)
    participations = db.session.scalar(
        select(func.count())
        .select_from(Participation)
        .where(Participation.election_id == election_id)
    )
    distinct_units = db.session.scalar(
        select(func.count(func.distinct(Participation.unit_id))).where(
            Participation.election_id == election_id
        )
    )
    ballots = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.election_id == election_id)
    )
    out = {
        "participations": participations,
        "distinct_units": distinct_units,
        "ballots_stored": ballots,
    }
    services.close_voting(election)
    db.session.commit()
    started = time.perf_counter()
    result = services.run_tally(election, None)
    db.session.commit()
    out["tally_seconds"] = round(time.perf_counter() - started, 3)
    out["tally_counted"] = result["cast"]
    config, stored = election.frozen_config, services.ballots_of(election)
    started = time.perf_counter()
    tally_mod.tally(config, stored)
    out["tally_pure_seconds"] = round(time.perf_counter() - started, 4)
    config, synthetic_ballots = synthetic(100_000)
    started = time.perf_counter()
    big = tally_mod.tally(config, synthetic_ballots)
    out["tally_100k_seconds"] = round(time.perf_counter() - started, 3)
    out["tally_100k_counted"] = big["cast"]
    return out


def main(argv: list[str]) -> None:
    app = create_app()
    with app.app_context():
        data = prepare(int(argv[1]), argv[2]) if argv[0] == "prepare" else tally(int(argv[1]))
    print(json.dumps(data))


if __name__ == "__main__":
    main(sys.argv[1:])
