"""Demo elections: the first term matches the demo tiers; a representative can vote now."""

from sqlalchemy import select

from alliance import clock, demo
from alliance.elections import services
from alliance.elections.models import CouncilSeat, Election
from alliance.elections.tally import sha256_of
from alliance.extensions import db
from alliance.members.models import MemberUnit


def test_demo_first_term_and_open_election(app):
    with app.app_context():
        demo.load()
        db.session.commit()
        published = db.session.scalars(
            select(Election).where(Election.state == "published").order_by(Election.stage)
        ).all()
        assert [e.stage for e in published] == [1, 2]
        seats = db.session.scalars(select(CouncilSeat)).all()
        held = {}
        for seat in seats:
            held.setdefault(seat.unit.slug, set()).add(seat.office)
        units = {u.slug: u for u in db.session.scalars(select(MemberUnit))}
        for slug, unit in units.items():
            offices = held.get(slug, set())
            expected = (
                "chair"
                if "chair" in offices
                else "vice_chair"
                if "vice_chair" in offices
                else "council"
                if "council" in offices
                else "member"
            )
            assert unit.tier == expected, slug
        assert units["yamaha-xiamen-is"].tier == "chair"
        assert len([u for u in units.values() if u.tier != "member"]) == 11
        for election in published:
            assert sha256_of(election.frozen_config) == election.config_hash
        open_ = db.session.scalars(select(Election).where(Election.state == "voting_open")).one()
        assert open_.accepts_ballots(clock.db_now())
        rep = units["demo-testing"].representative
        ids = sorted(c.id for c in open_.candidates())
        receipt = services.cast_ballot(open_, rep, {str(ids[0]): "approve"})
        db.session.commit()
        assert receipt.code
        demo.load()  # idempotent
        db.session.commit()
        assert db.session.scalar(
            select(Election).where(Election.stage == 1, Election.term.has(number=2))
        )
        assert len(db.session.scalars(select(Election)).all()) == 3
