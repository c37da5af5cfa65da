"""The lifecycle as a table of (state, action) → allowed or refused; refusals change nothing."""

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.elections import services
from alliance.elections.models import STATES, Election
from alliance.extensions import db
from tests.elections.helpers import make_term

ORDER = [
    "draft",
    "nominating",
    "candidates_confirmed",
    "voting_open",
    "voting_closed",
    "tallied",
    "published",
    "cancelled",
]
NEXT = {
    "open_nominations": "draft",
    "confirm_candidates": "nominating",
    "open_voting": "candidates_confirmed",
    "close_voting": "voting_open",
    "tally": "voting_closed",
    "publish": "tallied",
}
CANCELLABLE = set(ORDER) - {"published", "cancelled"}


def allowed(state, action):
    if action == "cancel":
        return state in CANCELLABLE
    return NEXT[action] == state


CASES = [(s, a) for s in ORDER for a in [*NEXT, "cancel"]]


def _run(election, action, user):
    if action == "cancel":
        return services.cancel(election, "测试原因")
    if action == "tally":
        return services.run_tally(election, user)
    return getattr(services, action)(election)


def test_the_table_covers_every_state():
    assert set(ORDER) == set(STATES)


@pytest.mark.parametrize(("state", "action"), CASES)
def test_transition_table(in_app, state, action):
    term = make_term()
    election = services.create_election(term, 1, "表格测试")
    db.session.flush()
    election.state = state
    db.session.commit()
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    if allowed(state, action):
        target = services.check_action(election, action)
        assert target in STATES and target != state
        return
    with pytest.raises(services.ElectionError):
        _run(election, action, None)
    db.session.rollback()
    fresh = db.session.get(Election, election.id)
    assert fresh.state == state
    assert fresh.config_hash is None and fresh.result is None and fresh.cancel_reason is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_no_way_back_and_every_transition_audited(in_app):
    from tests.elections.helpers import make_voters, open_election, vote

    units = make_voters(3)
    election = open_election(units, seats=1, candidates=2)
    for unit in units:
        vote(election, unit, {0: "approve"})
    services.close_voting(election)
    services.run_tally(election, None)
    services.publish(election)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "elections", AuditEvent.target_id == str(election.id))
        .order_by(AuditEvent.id)
    ).all()
    for step in [*NEXT]:
        assert f"election.{step}" in actions
    for action in [*NEXT, "cancel"]:
        with pytest.raises(services.ElectionError):
            services.check_action(election, action)


def test_cancel_needs_a_reason(in_app):
    election = services.create_election(make_term(), 1, "取消测试")
    db.session.flush()
    with pytest.raises(services.ElectionError):
        services.cancel(election, "  ")
    services.cancel(election, "章程修改")
    assert election.state == "cancelled" and election.cancel_reason == "章程修改"
