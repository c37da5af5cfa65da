"""The one rule for which unit a person acts for, and in what capacity (truth table)."""

import pytest
from flask_login import AnonymousUserMixin

from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import (
    ROLE_STAFF,
    STATUS_ACTIVE,
    STATUS_APPLICANT,
    STATUS_REMOVED,
    STATUS_SUSPENDED,
    STATUS_WITHDRAWN,
    Colleague,
)
from tests.factories import make_unit, make_user

# person -> capacity -> acts for the (active) unit?
TABLE = {
    "admin": {acting.ANY: True, acting.ADMIN: True, acting.REPRESENTATIVE: False,
              acting.ADMIN_OR_REPRESENTATIVE: True},
    "staff": {acting.ANY: True, acting.ADMIN: False, acting.REPRESENTATIVE: False,
              acting.ADMIN_OR_REPRESENTATIVE: False},
    "representative": {acting.ANY: True, acting.ADMIN: False, acting.REPRESENTATIVE: True,
                       acting.ADMIN_OR_REPRESENTATIVE: True},
    "other_unit_admin": {acting.ANY: False, acting.ADMIN: False, acting.REPRESENTATIVE: False,
                         acting.ADMIN_OR_REPRESENTATIVE: False},
    "outsider": {acting.ANY: False, acting.ADMIN: False, acting.REPRESENTATIVE: False,
                 acting.ADMIN_OR_REPRESENTATIVE: False},
}  # fmt: skip


def _world(status=STATUS_ACTIVE):
    people = {name: make_user() for name in TABLE}
    unit = make_unit(admin=people["admin"], status=status)
    db.session.add(Colleague(user=people["staff"], unit=unit, role=ROLE_STAFF))
    db.session.add(Colleague(user=people["representative"], unit=unit, role=ROLE_STAFF))
    unit.representative_id = people["representative"].id
    make_unit(admin=people["other_unit_admin"])
    db.session.flush()
    for person in people.values():
        db.session.refresh(person)
    return unit, people


@pytest.mark.parametrize("capacity", acting.CAPACITIES)
@pytest.mark.parametrize("person", sorted(TABLE))
def test_who_acts_for_an_active_unit(in_app, person, capacity):
    unit, people = _world()
    expected = TABLE[person][capacity]
    assert acting.holds(unit, people[person], capacity) is expected
    got = acting.acting_unit(people[person], capacity)
    if person == "other_unit_admin" and capacity in (acting.ANY, acting.ADMIN):
        assert got is not None and got.id != unit.id  # acts, but for its own unit
    else:
        assert (got is not None and got.id == unit.id) is expected


@pytest.mark.parametrize(
    "status", [STATUS_APPLICANT, STATUS_SUSPENDED, STATUS_WITHDRAWN, STATUS_REMOVED]
)
def test_a_unit_that_is_not_active_acts_for_nobody(in_app, status):
    unit, people = _world(status)
    for person in ("admin", "staff", "representative"):
        assert acting.unit_of(people[person]).id == unit.id
        for capacity in acting.CAPACITIES:
            assert acting.acting_unit(people[person], capacity) is None


def test_anonymous_and_unknown_capacity(in_app):
    assert acting.unit_of(AnonymousUserMixin()) is None
    assert acting.acting_unit(None) is None
    unit, people = _world()
    with pytest.raises(ValueError):
        acting.holds(unit, people["admin"], "chairman")
