"""Officer screens and nominations through the test client: access, steps, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from alliance import clock
from alliance.auth.models import ELECTION_OFFICER, User
from alliance.elections import services
from alliance.elections.forms import to_local
from alliance.elections.models import Candidate, CouncilTerm, Election
from alliance.extensions import db
from tests.elections.helpers import make_term, make_voters
from tests.factories import PASSWORD, make_user


@pytest.fixture
def officer(app):
    with app.app_context():
        user = make_user(roles=(ELECTION_OFFICER,))
        db.session.commit()
        return user.email


def test_access(app, client, auth, officer):
    assert "/login" in client.get("/admin/elections").headers["Location"]
    with app.app_context():
        plain = make_user()
        db.session.commit()
        plain_email = plain.email
    auth.login(plain_email, PASSWORD)
    assert client.get("/admin/elections").status_code == 403
    assert client.post("/admin/elections/new").status_code == 403
    auth.logout()
    auth.login(officer, PASSWORD)
    assert client.get("/admin/elections").status_code == 200
    assert client.get("/admin/elections/999").status_code == 404
    assert client.post("/admin/elections/999/action/publish").status_code == 404


def test_officer_runs_the_steps_through_the_screens(app, client, auth, officer):
    with app.app_context():
        units = make_voters(3)
        unit_ids = [u.id for u in units]
        db.session.commit()
    auth.login(officer, PASSWORD)
    bad = client.post("/admin/elections/terms", data={"term-number": "x"})
    assert bad.status_code == 400
    response = client.post(
        "/admin/elections/terms",
        data={
            "term-number": "3",
            "term-starts_on": "2027-01-01",
            "term-ends_on": "2031-12-31",
            "term-seats_chair": "0",
            "term-seats_vice_chair": "0",
            "term-seats_secretary_general": "0",
            "term-seats_standing": "0",
            "term-seats_council": "1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        term_id = db.session.scalars(select(CouncilTerm.id)).one()
    assert (
        client.post("/admin/elections/new", data={"election-term_id": term_id}).status_code == 400
    )
    response = client.post(
        "/admin/elections/new",
        data={
            "election-term_id": term_id,
            "election-stage": "1",
            "election-title_zh": "第三届理事选举",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        eid = db.session.scalars(select(Election.id)).one()
    base = f"/admin/elections/{eid}"
    assert client.post(f"{base}/action/open_nominations").status_code == 302
    with app.app_context():
        contest_id = db.session.get(Election, eid).contests[0].id
    for uid in unit_ids[:2]:
        r = client.post(f"{base}/nominate", data={"nom-contest_id": contest_id, "nom-unit_id": uid})
        assert r.status_code == 302
    with app.app_context():
        cand_ids = db.session.scalars(select(Candidate.id)).all()
    for cid in cand_ids:
        client.post(f"/admin/elections/candidates/{cid}/answer", data={"answer": "accept"})
    assert client.post(f"{base}/action/confirm_candidates").status_code == 302
    refused = client.post(f"{base}/action/open_voting")  # no window yet
    assert refused.status_code == 400
    assert "window" in refused.text or "投票时间" in refused.text
    with app.app_context():
        now = clock.db_now()
    opens = to_local(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    closes = to_local(now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    rules = {
        "ballot_form": "approve_oppose",
        "quorum_num": "2",
        "quorum_den": "3",
        "quorum_cmp": ">=",
        "quorum_base": "electorate",
        "threshold_num": "1",
        "threshold_den": "2",
        "threshold_cmp": ">",
        "threshold_base": "cast",
        "voting_opens_at": closes,
        "voting_closes_at": opens,
    }
    backwards = client.post(base, data=rules)
    assert backwards.status_code == 400
    rules.update(voting_opens_at=opens, voting_closes_at=closes)
    assert client.post(base, data=rules).status_code == 302
    assert client.post(f"{base}/action/open_voting").status_code == 302
    with app.app_context():
        election = db.session.get(Election, eid)
        assert election.state == "voting_open" and election.config_hash
        assert len(election.electorate) == 3
    frozen = client.post(base, data=rules)
    assert frozen.status_code == 409
    dash = client.get(base)
    assert 'id="turnout"' in dash.text and 'id="countdown"' in dash.text
    no_reason = client.post(f"{base}/action/cancel", data={"cancel-reason": ""})
    assert no_reason.status_code == 400
    assert (
        client.post(f"{base}/action/cancel", data={"cancel-reason": "测试取消"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Election, eid).state == "cancelled"


def test_members_nominate_and_nominee_admin_answers(app, client, auth):
    with app.app_context():
        units = make_voters(3)
        term = make_term(council=1)
        election = services.create_election(term, 1, "提名测试")
        db.session.flush()
        services.open_nominations(election)
        db.session.commit()
        eid, contest_id = election.id, election.contests[0].id
        a, b, c = (u.representative.email for u in units)
        target = units[1].id
    auth.login(a, PASSWORD)
    assert client.get(f"/elections/{eid}/nominate").status_code == 200
    r = client.post(
        f"/elections/{eid}/nominate",
        data={"contest_id": contest_id, "unit_id": target, "statement": "推荐"},
    )
    assert r.status_code == 302
    again = client.post(
        f"/elections/{eid}/nominate", data={"contest_id": contest_id, "unit_id": target}
    )
    assert again.status_code == 400
    with app.app_context():
        cid = db.session.scalars(select(Candidate.id)).one()
    assert (
        client.post(f"/elections/candidates/{cid}/answer", data={"answer": "accept"}).status_code
        == 403
    )
    auth.logout()
    auth.login(c, PASSWORD)
    assert (
        client.post(f"/elections/candidates/{cid}/answer", data={"answer": "accept"}).status_code
        == 403
    )
    auth.logout()
    auth.login(b, PASSWORD)
    assert (
        client.post(f"/elections/candidates/{cid}/answer", data={"answer": "bogus"}).status_code
        == 400
    )
    assert (
        client.post(f"/elections/candidates/{cid}/answer", data={"answer": "accept"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Candidate, cid).status == "accepted"
    assert (
        client.post("/elections/candidates/9999/answer", data={"answer": "accept"}).status_code
        == 404
    )


def test_draft_is_hidden_from_the_public(app, client):
    with app.app_context():
        election = services.create_election(make_term(), 1, "草稿")
        db.session.commit()
        eid = election.id
    assert client.get(f"/elections/{eid}").status_code == 404
    assert client.get("/council").status_code == 200


def test_contested_rule_and_council_size_warning(in_app):
    units = make_voters(3)
    from tests.elections.helpers import election_with_candidates

    election = election_with_candidates(units, seats=1, candidates=1, contested_required=True)
    with pytest.raises(services.ElectionError):
        services.confirm_candidates(election)
    election.contested_required = False
    warnings = services.confirm_candidates(election)  # 1 seat of 3 members: not over a third
    assert warnings == []
    bigger = election_with_candidates(
        units, seats=2, candidates=2, term=make_term(number=2, council=2)
    )
    assert services.confirm_candidates(bigger)  # 2 seats of 3 members is over a third


def test_nomination_window_is_enforced(in_app):
    units = make_voters(2)
    election = services.create_election(make_term(council=1), 1, "提名时间")
    db.session.flush()
    services.open_nominations(election)
    officer = make_user(roles=(ELECTION_OFFICER,))
    now = clock.db_now()
    election.nominations_close_at = now - timedelta(seconds=1)
    with pytest.raises(services.ElectionError):
        services.nominate(election.contests[0], units[0], officer, None, by_council=True)
    election.nominations_close_at = None
    election.nominations_open_at = now + timedelta(hours=1)
    with pytest.raises(services.ElectionError):
        services.nominate(election.contests[0], units[0], officer, None, by_council=True)
    election.nominations_open_at = now - timedelta(hours=1)
    assert services.nominate(election.contests[0], units[0], officer, None, by_council=True)


def test_only_a_units_admin_or_representative_may_open_the_nomination_form(app, client, auth):
    """Regression: staff and people without a unit got the form (and its errors) with 200."""
    from alliance.auth.models import SECRETARIAT
    from alliance.members.models import ROLE_STAFF, Colleague

    with app.app_context():
        units = make_voters(2)
        staff = make_user()
        db.session.add(Colleague(user=staff, unit=units[0], role=ROLE_STAFF))
        secretariat = make_user(roles=(SECRETARIAT,))
        term = make_term(council=1)
        election = services.create_election(term, 1, "提名权限")
        db.session.flush()
        services.open_nominations(election)
        db.session.commit()
        eid, contest_id = election.id, election.contests[0].id
        emails = [staff.email, secretariat.email]
        target = units[1].id
    for email in emails:
        auth.login(email, PASSWORD)
        assert client.get(f"/elections/{eid}/nominate").status_code == 403
        assert client.post(f"/elections/{eid}/nominate", data={}).status_code == 403
        refused = client.post(
            f"/elections/{eid}/nominate", data={"contest_id": contest_id, "unit_id": target}
        )
        assert refused.status_code == 403
        auth.logout()
    with app.app_context():
        assert db.session.scalars(select(Candidate)).all() == []


@pytest.mark.parametrize("data", [{}, {"answer": "bogus"}, {"answer": ""}])
def test_officer_answer_without_a_valid_choice_records_nothing(app, client, auth, officer, data):
    """Found by the hostile corpus: any answer but "accept" was recorded as a decline."""
    with app.app_context():
        units = make_voters(2)
        election = services.create_election(make_term(council=1), 1, "代答测试")
        db.session.flush()
        services.open_nominations(election)
        officer_user = db.session.scalar(select(User).where(User.email == officer))
        candidate = services.nominate(election.contests[0], units[0], officer_user, None, True)
        db.session.commit()
        cid, eid = candidate.id, election.id
    auth.login(officer, PASSWORD)
    response = client.post(f"/admin/elections/candidates/{cid}/answer", data=data)
    assert response.status_code == 302
    assert "alert-danger" in client.get(f"/admin/elections/{eid}").text
    with app.app_context():
        assert db.session.get(Candidate, cid).status == "nominated"
