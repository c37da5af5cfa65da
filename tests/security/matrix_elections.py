"""Matrix entries of the elections feature: council page, elections, nominations, voting,
results, the ballot-file check and the election officers' screens.

Rules (issue 4 and the domain notes):
- the council page, published elections, their anonymous ballot file and the verify page are
  public; a draft is for election officers only;
- a unit's admin or representative nominates (its own or another active unit); staff and
  people without a unit do not; the nominee unit's admin answers;
- only the representative of a unit on the frozen electorate votes (here the electorate holds
  the owning unit only: the other unit's representative, the owning unit's admin and staff and
  the secretariat are refused);
- running elections is for election officers; among the matrix roles only the secretariat
  holds that role.
"""

from datetime import date, timedelta

from sqlalchemy import delete

from alliance import clock
from alliance.elections import services as election_services
from alliance.elections.models import ElectorateEntry
from alliance.extensions import db
from tests.security.access import EVERYONE, SECRETARIAT_ONLY, Access

NOMINATORS = frozenset({"other_unit_member", "own_unit_admin", "representative"})


def _election(term, title: str):
    election = election_services.create_election(term, 1, title, None)
    db.session.flush()
    return election


def _with_candidates(term, title, units, secretariat):
    """An election in nominating with the given units as accepted candidates."""
    election = _election(term, title)
    election_services.open_nominations(election)
    for unit in units:
        candidate = election_services.nominate(
            election.contests[0], unit, secretariat, None, by_council=True
        )
        election_services.respond(candidate, secretariat, True, on_behalf=True)
    db.session.flush()
    return election


def _open_voting(election, only_unit_id=None):
    now = clock.db_now()
    election.voting_opens_at = now - timedelta(hours=1)
    election.voting_closes_at = now + timedelta(hours=2)
    election_services.confirm_candidates(election)
    if only_unit_id is not None:
        db.session.execute(
            delete(ElectorateEntry).where(
                ElectorateEntry.election_id == election.id,
                ElectorateEntry.unit_id != only_unit_id,
            )
        )
        db.session.expire(election, ["electorate"])
    election_services.open_voting(election)
    db.session.flush()


def build(world, people) -> None:
    unit, other, secretariat = people["unit"], people["other_unit"], people["secretariat"]
    term = election_services.create_term(1, date(2026, 1, 1), date(2030, 12, 31), {"council": 2})
    db.session.flush()
    draft = _election(term, "草稿选举")
    # Nominating: the owning unit is nominated and has not answered yet.
    nominating = _election(term, "提名中的选举")
    election_services.open_nominations(nominating)
    candidate = election_services.nominate(
        nominating.contests[0], unit, people["other_unit_member"], "推荐"
    )
    # Voting open; only the owning unit is on the electorate.
    voting = _with_candidates(term, "投票中的选举", [unit, other], secretariat)
    _open_voting(voting, only_unit_id=unit.id)
    # Published: both units voted, the secretariat counted and published.
    published = _with_candidates(term, "已公布的选举", [unit, other], secretariat)
    _open_voting(published)
    ids = [str(c.id) for c in published.candidates()]
    for voter in (people["representative"], people["other_unit_member"]):
        election_services.cast_ballot(published, voter, dict.fromkeys(ids, "approve"))
    election_services.close_voting(published)
    election_services.run_tally(published, secretariat)
    election_services.publish(published)
    db.session.flush()
    world.objects.update(
        draft_election=draft.id,
        draft_contest=draft.contests[0].id,
        nominating_election=nominating.id,
        nominating_contest=nominating.contests[0].id,
        candidate=candidate.id,
        voting_election=voting.id,
        published_election=published.id,
    )


def _obj(name: str, key: str = "election_id"):
    return lambda w: {key: w.objects[name]}


ENTRIES = {
    "elections.council": Access({"GET": EVERYONE}),
    "elections.detail": Access({"GET": EVERYONE}, args=_obj("published_election")),
    "elections.ballots_file": Access({"GET": EVERYONE}, args=_obj("published_election")),
    "elections.verify": Access({"GET": EVERYONE, "POST": EVERYONE}),
    "elections.nominate": Access(
        {"GET": NOMINATORS, "POST": NOMINATORS},
        args=_obj("nominating_election"),
        data=lambda w: {
            "contest_id": w.objects["nominating_contest"],
            "unit_id": w.other_unit,
            "statement": "自荐",
        },
        note="the other unit's admin may nominate too: nominations are alliance-wide",
    ),
    "elections.answer": Access(
        {"POST": frozenset({"own_unit_admin"})},
        args=_obj("candidate", "candidate_id"),
        data=lambda w: {"answer": "accept"},
        note="the nominee unit's admin only (officers record written answers elsewhere)",
    ),
    "elections.vote": Access(
        {"GET": frozenset({"representative"}), "POST": frozenset({"representative"})},
        args=_obj("voting_election"),
        data=lambda w: {},
        note="POST without step=confirm shows the confirmation page; nothing is cast",
    ),
    # Election officers' screens (the secretariat holds the officer role).
    "elections_admin.index": Access({"GET": SECRETARIAT_ONLY}),
    "elections_admin.create_term": Access(
        {"POST": SECRETARIAT_ONLY},
        data=lambda w: {
            "term-number": "2",
            "term-starts_on": "2031-01-01",
            "term-ends_on": "2035-12-31",
        },
    ),
    "elections_admin.create": Access(
        {"POST": SECRETARIAT_ONLY}, data=lambda w: {"election-title_zh": "新选举"}
    ),
    "elections_admin.dashboard": Access(
        {"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY}, args=_obj("draft_election")
    ),
    "elections_admin.transition": Access(
        {"POST": SECRETARIAT_ONLY},
        args=lambda w: {"election_id": w.objects["draft_election"], "action": "open_nominations"},
    ),
    "elections_admin.remind": Access({"POST": SECRETARIAT_ONLY}, args=_obj("voting_election")),
    "elections_admin.nominate": Access(
        {"POST": SECRETARIAT_ONLY},
        args=_obj("nominating_election"),
        data=lambda w: {
            "nom-contest_id": w.objects["nominating_contest"],
            "nom-unit_id": w.other_unit,
        },
    ),
    "elections_admin.answer": Access(
        {"POST": SECRETARIAT_ONLY},
        args=_obj("candidate", "candidate_id"),
        data=lambda w: {"answer": "accept"},
    ),
    "elections_admin.seats": Access(
        {"POST": SECRETARIAT_ONLY},
        args=_obj("draft_contest", "contest_id"),
        data=lambda w: {"seats-seats": "3"},
    ),
    "elections_admin.proxy": Access(
        {"POST": SECRETARIAT_ONLY},
        args=_obj("draft_election"),
        data=lambda w: {"proxy-unit_id": w.unit, "proxy-email": ""},
    ),
}
