"""One ballot per unit under a race: the UNIQUE key on participation decides (PostgreSQL)."""

import threading

import pytest
from sqlalchemy import func, select

from alliance.elections.models import Ballot, Participation
from alliance.extensions import db
from tests.elections.helpers import candidate_ids, make_voters, open_election
from tests.factories import PASSWORD

THREADS = 30


@pytest.mark.postgres
def test_thirty_concurrent_ballots_of_one_unit(app):
    with app.app_context():
        units = make_voters(3)
        election = open_election(units, seats=1, candidates=2)
        eid, email, cand = election.id, units[0].representative.email, candidate_ids(election)[0]
        db.session.commit()
    clients = []
    for _ in range(THREADS):
        c = app.test_client()
        assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        clients.append(c)
    barrier = threading.Barrier(THREADS)
    statuses, bodies = [], []
    lock = threading.Lock()

    def submit(c):
        barrier.wait()
        response = c.post(
            f"/elections/{eid}/vote", data={f"c-{cand}": "approve", "step": "confirm"}
        )
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * (THREADS - 1), statuses
    refused = [b for s, b in zip(statuses, bodies, strict=True) if s == 409]
    assert all("already voted" in b or "已经投票" in b for b in refused)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
