"""Secrecy by schema introspection: ballots cannot be linked to units, users or times."""

import sqlalchemy as sa
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.extensions import db
from tests.elections.helpers import make_voters, open_election, vote


def test_ballot_table_holds_no_identity_order_or_time(in_app):
    inspector = sa.inspect(db.engine)
    columns = {c["name"]: c for c in inspector.get_columns("election_ballots")}
    assert set(columns) == {"receipt", "election_id", "choices"}
    for column in columns.values():
        assert not isinstance(column["type"], sa.DateTime | sa.Date | sa.Time)
    pk = inspector.get_pk_constraint("election_ballots")["constrained_columns"]
    assert pk == ["receipt"]
    assert isinstance(columns["receipt"]["type"], sa.String)  # random, not sequential
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("election_ballots")}
    assert referred == {"elections"}


def test_participation_records_who_but_never_what(in_app):
    inspector = sa.inspect(db.engine)
    columns = {c["name"] for c in inspector.get_columns("election_participations")}
    assert columns == {"id", "election_id", "unit_id", "voter_id", "voted_at"}
    uniques = [
        u["column_names"] for u in inspector.get_unique_constraints("election_participations")
    ]
    assert ["election_id", "unit_id"] in uniques
    referred = {
        fk["referred_table"] for fk in inspector.get_foreign_keys("election_participations")
    }
    assert "election_ballots" not in referred


def test_no_other_table_points_at_ballots(in_app):
    inspector = sa.inspect(db.engine)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            assert fk["referred_table"] != "election_ballots"


def test_audit_log_never_holds_choices_or_receipts(in_app):
    units = make_voters(3)
    election = open_election(units, seats=1, candidates=2)
    receipts = [vote(election, unit, {0: "approve", 1: "oppose"}) for unit in units]
    db.session.commit()
    dumped = " ".join(
        repr((e.action, e.old_values, e.new_values)) for e in db.session.scalars(select(AuditEvent))
    )
    assert "oppose" not in dumped
    assert not any(r in dumped for r in receipts)
    assert "election.vote" not in dumped


def test_closing_reseals_ballots_apart_from_participation(in_app):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from alliance.elections import services
    from alliance.elections.models import Election

    units = make_voters(4)
    election = open_election(units, seats=1, candidates=2)
    receipts = {vote(election, unit, {0: "approve"}) for unit in units}
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        # WITHOUT ROWID: no hidden insertion counter exists to line up with participation.
        with pytest.raises(OperationalError):
            db.session.execute(text("SELECT rowid FROM election_ballots")).all()
        db.session.rollback()
        services.close_voting(db.session.get(Election, election.id))
        db.session.commit()
        assert set(db.session.scalars(text("SELECT receipt FROM election_ballots"))) == receipts
        return
    services.close_voting(election)
    db.session.commit()
    after = db.session.execute(
        text("SELECT xmin::text::bigint, receipt FROM election_ballots")
    ).all()
    assert {r for _m, r in after} == receipts
    participations = set(
        db.session.execute(text("SELECT xmin::text::bigint FROM election_participations")).scalars()
    )
    assert len({m for m, _r in after}) == 1  # one transaction for every ballot
    assert not participations & {m for m, _r in after}
