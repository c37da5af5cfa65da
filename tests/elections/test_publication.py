"""Tally, publication, seats and tiers, immutability, tamper detection, ballot-file checks."""

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from alliance import clock
from alliance.elections import services
from alliance.elections.models import (
    Ballot,
    CouncilSeat,
    Election,
    ImmutableError,
    Participation,
)
from alliance.extensions import db
from alliance.members.models import MemberUnit
from tests.elections.helpers import (
    candidate_ids,
    election_with_candidates,
    make_term,
    make_voters,
    open_election,
    vote,
)


def _published_stage1(units, seats=2, candidates=3):
    election = open_election(units, seats=seats, candidates=candidates)
    # Candidates 0 and 1 approved by everyone; candidate 2 opposed.
    for unit in units:
        vote(election, unit, {0: "approve", 1: "approve", 2: "oppose"})
    services.close_voting(election)
    services.run_tally(election, None)
    services.publish(election)
    db.session.commit()
    return election


def test_publishing_stage1_seats_council_and_builds_stage2_electorate(in_app):
    units = make_voters(4)
    election = _published_stage1(units)
    seats = db.session.scalars(select(CouncilSeat).where(CouncilSeat.election_id == election.id))
    assert sorted(s.unit_id for s in seats) == sorted([units[0].id, units[1].id])
    stage2 = db.session.scalar(select(Election).where(Election.stage == 2))
    assert stage2 is not None and stage2.state == "draft"
    assert sorted(e.unit_id for e in stage2.electorate) == sorted([units[0].id, units[1].id])
    assert election.result["cast"] == 4 and election.result["quorum_met"]


def test_stage2_sets_officers_and_tiers(in_app):
    units = make_voters(4)
    term = make_term(council=3, chair=1, vice_chair=1)
    stage1 = election_with_candidates(units, seats=3, candidates=3, term=term)
    now = clock.db_now()
    from datetime import timedelta

    stage1.voting_opens_at, stage1.voting_closes_at = (
        now - timedelta(hours=1),
        now + timedelta(hours=1),
    )
    services.confirm_candidates(stage1)
    services.open_voting(stage1)
    for unit in units:
        vote(stage1, unit, {0: "approve", 1: "approve", 2: "approve"})
    services.close_voting(stage1)
    services.run_tally(stage1, None)
    services.publish(stage1)
    units[3].tier = "vice_chair"  # a unit of the old council that was not re-elected
    db.session.commit()
    stage2 = db.session.scalar(select(Election).where(Election.stage == 2))
    assert {c.office for c in stage2.contests} == {"chair", "vice_chair"}
    # A unit outside the new council cannot be nominated for an office.
    services.open_nominations(stage2)
    chair_contest = next(c for c in stage2.contests if c.office == "chair")
    vice_contest = next(c for c in stage2.contests if c.office == "vice_chair")
    officer = stage1.contests[0].candidates[0].nominated_by_id
    from alliance.auth.models import User

    officer = db.session.get(User, officer)
    with pytest.raises(services.ElectionError):
        services.nominate(chair_contest, units[3], officer, None, by_council=True)
    for contest, unit in ((chair_contest, units[0]), (vice_contest, units[1])):
        cand = services.nominate(contest, unit, officer, None, by_council=True)
        services.respond(cand, officer, True, on_behalf=True)
    stage2.voting_opens_at, stage2.voting_closes_at = (
        now - timedelta(hours=1),
        now + timedelta(hours=1),
    )
    services.confirm_candidates(stage2)
    services.open_voting(stage2)
    ids = candidate_ids(stage2)
    for unit in units[:3]:
        services.cast_ballot(stage2, unit.representative, {str(i): "approve" for i in ids})
    with pytest.raises(services.ElectionError):  # not on the stage-2 electorate
        services.cast_ballot(stage2, units[3].representative, {})
    services.close_voting(stage2)
    services.run_tally(stage2, None)
    services.publish(stage2)
    db.session.commit()
    tiers = {u.id: db.session.get(MemberUnit, u.id).tier for u in units}
    assert tiers == {
        units[0].id: "chair",
        units[1].id: "vice_chair",
        units[2].id: "council",
        units[3].id: "member",
    }


def test_published_rows_are_immutable_in_the_application(in_app):
    units = make_voters(3)
    election = _published_stage1(units)
    ballot = db.session.scalars(select(Ballot)).first()
    ballot.choices = {"1": "approve"}
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(Participation)).first())
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    election = db.session.get(Election, election.id)
    election.title_zh = "改写"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(CouncilSeat)).first())
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE election_ballots SET choices = '{}'",
        "DELETE FROM election_ballots",
        "DELETE FROM election_participations",
        "UPDATE elections SET result = NULL",
        "DELETE FROM council_seats",
        "UPDATE election_electorate SET proxy_user_id = NULL",
    ],
)
def test_published_rows_are_immutable_in_the_database(in_app, statement):
    units = make_voters(3)
    _published_stage1(units)
    with pytest.raises(DBAPIError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(Election.result).where(Election.stage == 1)) is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE election_contests SET seats = seats + 1",
        "UPDATE election_candidates SET unit_id = (SELECT MAX(id) FROM member_units) "
        "WHERE id = (SELECT MIN(id) FROM election_candidates)",
        "DELETE FROM election_electorate WHERE id = (SELECT MIN(id) FROM election_electorate)",
        "UPDATE elections SET threshold_num = 0",
    ],
)
def test_tamper_with_frozen_rows_makes_tally_refuse(in_app, statement):
    units = make_voters(3)
    election = open_election(units, seats=1, candidates=2)
    for unit in units:
        vote(election, unit, {0: "approve"})
    services.close_voting(election)
    db.session.commit()
    db.session.execute(text(statement))  # behind the application's back
    db.session.commit()
    election = db.session.get(Election, election.id)
    with pytest.raises(services.ElectionError) as refused:
        services.run_tally(election, None)
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(Election, election.id).state == "voting_closed"


def test_ballot_tampered_after_tally_blocks_publication(in_app):
    units = make_voters(3)
    election = open_election(units, seats=1, candidates=2)
    for unit in units:
        vote(election, unit, {0: "approve"})
    services.close_voting(election)
    services.run_tally(election, None)
    db.session.commit()
    cands = candidate_ids(election)
    receipt = db.session.scalars(select(Ballot.receipt)).first()
    db.session.execute(
        text("UPDATE election_ballots SET choices = :c WHERE receipt = :r"),
        {"c": json.dumps({str(cands[1]): "approve"}), "r": receipt},
    )
    db.session.commit()
    election = db.session.get(Election, election.id)
    with pytest.raises(services.ElectionError):
        services.publish(election)
    db.session.rollback()
    assert db.session.get(Election, election.id).state == "tallied"


def test_candidate_units_officer_may_not_tally_and_is_named(app, client, auth):
    from alliance.auth.models import ELECTION_OFFICER
    from alliance.members.models import ROLE_STAFF, Colleague
    from tests.factories import PASSWORD, make_user

    with app.app_context():
        units = make_voters(3)
        election = open_election(units, seats=1, candidates=2)
        for unit in units:
            vote(election, unit, {0: "approve"})
        services.close_voting(election)
        officer = make_user(roles=(ELECTION_OFFICER,), name="候选单位的监票人")
        db.session.add(Colleague(user=officer, unit=units[0], role=ROLE_STAFF))
        db.session.commit()
        with pytest.raises(services.ElectionError):
            services.run_tally(election, officer)
        db.session.rollback()
        eid, email = election.id, officer.email
    auth.login(email, PASSWORD)
    assert client.post(f"/admin/elections/{eid}/action/tally").status_code == 403
    with app.app_context():
        election = db.session.get(Election, eid)
        services.run_tally(election, None)
        db.session.commit()
    # The conflicted officer publishes (allowed, but they are named on the result page).
    assert client.post(f"/admin/elections/{eid}/action/publish").status_code == 302
    page = client.get(f"/elections/{eid}")
    assert "候选单位的监票人" in page.text
    assert 'id="result"' in page.text


def test_ballot_file_cli_and_page(app, client, runner, tmp_path):
    with app.app_context():
        units = make_voters(3)
        election = _published_stage1(units)
        eid = election.id
        receipts = election.result["receipts"]
    page = client.get(f"/elections/{eid}")
    assert all(r in page.text for r in receipts)
    response = client.get(f"/elections/{eid}/ballots.json")
    assert response.status_code == 200
    data = json.loads(response.data)
    assert "unit" not in json.dumps(data["ballots"])
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data))
    result = runner.invoke(args=["verify-election", str(good)])
    assert result.exit_code == 0 and "MATCH" in result.output
    data["ballots"][0]["choices"] = {}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(args=["verify-election", str(bad)])
    assert result.exit_code != 0 and "MISMATCH" in result.output
    from io import BytesIO

    ok = client.post(
        "/elections/verify",
        data={"file": (BytesIO(good.read_bytes()), "good.json")},
        content_type="multipart/form-data",
    )
    assert 'id="verdict"' in ok.text and "alert-success" in ok.text
    mismatch = client.post(
        "/elections/verify",
        data={"file": (BytesIO(bad.read_bytes()), "bad.json")},
        content_type="multipart/form-data",
    )
    assert "alert-danger" in mismatch.text
    garbage = client.post(
        "/elections/verify",
        data={"file": (BytesIO(b"\xff\xfe not json"), "x.json")},
        content_type="multipart/form-data",
    )
    assert garbage.status_code == 200 and "alert-danger" in garbage.text


def test_council_page_and_unit_seats_partial(app, client):
    with app.app_context():
        units = make_voters(3)
        _published_stage1(units)
        names = [u.name_zh for u in units[:2]]
        loser = units[2].name_zh
        from flask import render_template

        with app.test_request_context():
            html = render_template("elections/_unit_seats.html", unit=units[0])
        assert "第一届理事会" in html
    page = client.get("/council")
    assert page.status_code == 200
    current = page.text.split('id="current-council"')[1].split("</section>")[0]
    assert all(n in current for n in names)
    assert loser not in current.split("<h2")[0]


def _count_queries(app, client, url):
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen = []

    def listener(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_council_page_queries_do_not_grow_with_seats(app, client):
    with app.app_context():
        _published_stage1(make_voters(3), seats=2, candidates=3)
        db.session.commit()
    small = _count_queries(app, client, "/council")
    with app.app_context():
        units = make_voters(6)
        election = open_election(units, seats=5, candidates=5, term=make_term(number=9, council=5))
        for entry in election.electorate:  # every active unit, old and new
            vote(election, entry.unit, dict.fromkeys(range(5), "approve"))
        services.close_voting(election)
        services.run_tally(election, None)
        services.publish(election)
        db.session.commit()
    assert _count_queries(app, client, "/council") == small


def test_council_lists_each_unit_once_under_its_highest_office(app, client):
    with app.app_context():
        units = make_voters(3)
        election = open_election(units, seats=2, candidates=3)
        for unit in units:
            vote(election, unit, {0: "approve", 1: "approve"})
        services.close_voting(election)
        services.run_tally(election, None)
        # As if stage 2 had made the first unit chair of the same term.
        db.session.add(
            CouncilSeat(
                term_id=election.term_id,
                election_id=election.id,
                unit_id=units[0].id,
                office="chair",
            )
        )
        services.publish(election)
        db.session.commit()
        name = units[0].name_zh
    page = client.get("/council").text
    current = page.split('id="current-council"')[1].split("<h2")[0]
    assert current.count(name) == 1


def test_no_rows_can_be_added_to_a_published_election(in_app):
    units = make_voters(3)
    election = _published_stage1(units)
    db.session.add(Ballot(receipt="LATE-BALL-OT00", election_id=election.id, choices={}))
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        CouncilSeat(
            term_id=election.term_id, election_id=election.id, unit_id=units[2].id, office="council"
        )
    )
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(
            text(
                "INSERT INTO election_ballots (receipt, election_id, choices) "
                "VALUES ('LATE', :e, '{}')"
            ),
            {"e": election.id},
        )
    db.session.rollback()


def test_verify_refuses_deeply_nested_json_with_a_message(client):
    """Found by the hostile corpus: JSON nested deeper than the recursion limit was a 500."""
    from io import BytesIO

    response = client.post(
        "/elections/verify",
        data={"file": (BytesIO(b"[" * 100_000 + b"]" * 100_000), "ballots.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "alert-danger" in response.text


def test_verify_refuses_a_file_over_2_mb_with_a_message_on_the_page(client, app):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    big = b" " * (app.config["VERIFY_MAX_BYTES"] + 1)
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(BytesIO(big), filename="ballots.json")})
    )
    response = client.post(
        "/elections/verify",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert 'id="verdict"' in response.text and "2 MB" in response.text
    assert 'type="file"' in response.text  # the same page, ready for another file


def test_verify_is_rate_limited_per_address(make_app):
    from io import BytesIO

    app = make_app(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [
        client.post(
            "/elections/verify",
            data={"file": (BytesIO(b"{}"), "ballots.json")},
            content_type="multipart/form-data",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert client.get("/elections/verify").status_code == 200  # reading the page is not limited
