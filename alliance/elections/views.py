"""Public council page, elections, nominations, voting, results and the ballot-file check."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from alliance import clock
from alliance.database import commit_or_report
from alliance.elections import services
from alliance.elections.forms import AnswerForm, NominationForm, VerifyForm, options
from alliance.elections.models import (
    DRAFT,
    NOMINATING,
    OFFICE_ORDER,
    VOTING_OPEN,
    Candidate,
    CouncilSeat,
    CouncilTerm,
    Election,
)
from alliance.extensions import db, limiter
from alliance.members import acting
from alliance.members.models import STATUS_ACTIVE, MemberUnit
from alliance.page_cache import public_page

bp = Blueprint("elections", __name__)


def get_election_or_404(election_id: int) -> Election:
    """Load an election; drafts are visible to election officers only."""
    election = db.get_or_404(Election, election_id)
    if election.state == DRAFT and not (
        current_user.is_authenticated and current_user.is_election_officer
    ):
        abort(404)
    return election


def _message(election: Election | None, message: str, status: int):
    """Render a refusal on the elections' message page, with its status."""
    return render_template("elections/message.html", election=election, message=message), status


def _error(exc: services.ElectionError, election: Election):
    """Render a refusal that wrote nothing, before rolling back (which expires what it shows)."""
    page = _message(election, exc.message, exc.status)
    db.session.rollback()
    return page


@bp.app_template_global()
def unit_council_seats(unit) -> list[CouncilSeat]:
    """Return the council seats a unit holds or held, latest term first."""
    return db.session.scalars(
        select(CouncilSeat)
        .join(CouncilTerm)
        .options(selectinload(CouncilSeat.term))
        .where(CouncilSeat.unit_id == unit.id)
        .order_by(CouncilTerm.number.desc(), CouncilSeat.office)
    ).all()


def _current_term() -> CouncilTerm | None:
    return db.session.scalar(
        select(CouncilTerm)
        .where(CouncilTerm.id.in_(select(CouncilSeat.term_id)))
        .order_by(CouncilTerm.number.desc())
        .limit(1)
    )


@bp.route("/council")
@public_page
def council():
    """Show the current council office by office, and past terms with their elections."""
    term = _current_term()
    offices = []
    if term is not None:
        seats = db.session.scalars(
            select(CouncilSeat)
            .where(CouncilSeat.term_id == term.id)
            .options(selectinload(CouncilSeat.unit).selectinload(MemberUnit.representative))
        ).all()
        # Each unit appears once, under its highest office (the chair is also a council member).
        highest = {}
        for seat in seats:
            rank = OFFICE_ORDER.index(seat.office)
            if seat.unit_id not in highest or rank < OFFICE_ORDER.index(
                highest[seat.unit_id].office
            ):
                highest[seat.unit_id] = seat
        for office in OFFICE_ORDER:
            holders = sorted(
                (s for s in highest.values() if s.office == office), key=lambda s: s.unit.name_zh
            )
            if holders:
                offices.append((holders[0].label, holders))
    terms = db.session.scalars(
        select(CouncilTerm)
        .order_by(CouncilTerm.number.desc())
        # The frozen configuration and the result hold the whole electorate: not needed here.
        .options(selectinload(CouncilTerm.elections).defer(Election.frozen_config, Election.result))
    ).all()
    return render_template("elections/council.html", term=term, offices=offices, terms=terms)


@bp.route("/elections/<int:election_id>")
def detail(election_id: int):
    """Show an election: offices, candidates, state, and the result once published."""
    election = get_election_or_404(election_id)
    participation = None
    can_vote = False
    if current_user.is_authenticated and election.state == VOTING_OPEN:
        try:
            unit_id = services.voter_unit_id(election, current_user)
            participation = services.has_voted(election, unit_id)
            can_vote = participation is None
        except services.ElectionError:
            pass
    cast, electorate = services.turnout(election)
    units = {}
    if election.result:
        ids = {c["unit_id"] for k in election.result["contests"] for c in k["candidates"]}
        units = {
            u.id: u for u in db.session.scalars(select(MemberUnit).where(MemberUnit.id.in_(ids)))
        }
    return render_template(
        "elections/detail.html",
        election=election,
        participation=participation,
        can_vote=can_vote,
        cast=cast,
        electorate=electorate,
        units=units,
        named_officers=services.officers_named(election) if election.is_published else [],
    )


def _ballot_context(election: Election):
    cands = {c.id: c for c in election.candidates()}
    contests = [
        (contest, [cands[c["id"]] for c in contest_cfg["candidates"]])
        for contest_cfg in services.frozen(election).config["contests"]
        for contest in election.contests
        if contest.id == contest_cfg["id"]
    ]
    return contests


def _choices_from_form() -> dict[str, str]:
    return {
        key.removeprefix("c-"): value
        for key, value in request.form.items()
        if key.startswith("c-") and value
    }


def _voter_key() -> str:
    """Count ballot posts per signed-in person and unit, not per address.

    Units voting from behind one NAT or proxy share an address; each person keeps a budget.
    """
    if not current_user.is_authenticated:
        return f"address:{get_remote_address()}"
    colleague = current_user.colleague
    return f"unit:{colleague.unit_id if colleague else '-'}:user:{current_user.id}"


@bp.route("/elections/<int:election_id>/vote", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["VOTE_RATE_LIMIT"], methods=["POST"], key_func=_voter_key)
def vote(election_id: int):
    """Show the ballot, then a confirmation of the choices, then cast it and show the receipt."""
    election = get_election_or_404(election_id)
    now = clock.db_now()
    try:
        unit_id = services.ballot_unit_id(election, current_user, now)
    except services.ElectionError as exc:
        return _error(exc, election=election)
    if request.method == "GET":
        return _ballot_page(election, unit_id, {})
    choices = _choices_from_form()
    try:
        # A refused ballot comes back on the same page with the message (nothing was written).
        clean = services.check_choices(election, choices)
    except services.ElectionError as exc:
        return _ballot_page(election, unit_id, choices, exc.message)
    if request.form.get("step") != "confirm":
        return render_template(
            "elections/confirm.html",
            election=election,
            contests=_ballot_context(election),
            choices=clean,
        )
    # What the receipt page shows stays loaded past the commit, so rendering it needs no second
    # transaction (on SQLite, a second write lock): one transaction per ballot, and the receipt
    # is shown only once the commit has succeeded. The session ends with this request.
    db.session().expire_on_commit = False
    with commit_or_report() as outcome:
        receipt = services.cast_ballot(election, current_user, clean, now)
    if not outcome.ok:  # another request of the same unit won the race (AlreadyVoted)
        return _message(election, outcome.message, outcome.status)
    return render_template("elections/receipt.html", election=election, receipt=receipt)


def _ballot_page(election: Election, unit_id: int, choices: dict, error: str | None = None):
    """Render the ballot form for the unit, with the choices made so far and any refusal."""
    return render_template(
        "elections/vote.html",
        election=election,
        entry=services.electorate_entry(election, unit_id),
        contests=_ballot_context(election),
        choices=choices,
        error=error,
    )


@bp.route("/elections/<int:election_id>/ballots.json")
def ballots_file(election_id: int):
    """Download the anonymous ballot file of a published election."""
    election = get_election_or_404(election_id)
    if not election.is_published:
        abort(404)
    body = json.dumps(
        services.build_ballot_file(election), ensure_ascii=False, indent=1, sort_keys=True
    )
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename=election-{election.id}-ballots.json"
        },
    )


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/elections/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def verify():
    """Accept a ballot file, recompute its tally and say whether it matches the result."""
    limit = current_app.config["VERIFY_MAX_BYTES"]
    if request.method == "POST" and (request.content_length or 0) > limit:
        # Refused before the file is decoded (what costs time); the site-wide MAX_CONTENT_LENGTH
        # bounds a body sent without a length.
        message = _(
            "The file is larger than %(mb)d MB; a ballot file of a real election is smaller.",
            mb=limit // (1024 * 1024),
        )
        page = render_template(
            "elections/verify.html", form=VerifyForm(formdata=None), outcome=None, error=message
        )
        return page, 413
    form = VerifyForm()
    outcome = None
    if form.validate_on_submit():
        try:
            data = json.loads(form.file.data.read().decode("utf-8"))
            outcome = services.verify_ballot_file(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            outcome = (False, [_("This is not an election ballot file.")])
    return render_template("elections/verify.html", form=form, outcome=outcome, error=None)


@bp.route("/elections/<int:election_id>/nominate", methods=["GET", "POST"])
@login_required
def nominate(election_id: int):
    """Nominate a unit (one's own or another active unit) for an office."""
    election = get_election_or_404(election_id)
    # writable_unit refuses a unit that is not active with its reason (UnitNotActive, 403).
    if acting.writable_unit(current_user, acting.ADMIN_OR_REPRESENTATIVE) is None:
        message = _("Only an active unit's admin or representative can nominate.")
        return _message(election, message, 403)
    if election.state != NOMINATING:
        return _message(election, _("Nominations are not open."), 409)
    form = NominationForm()
    form.contest_id.choices = options([(c.id, c.label) for c in election.contests])
    units = db.session.scalars(
        select(MemberUnit).where(MemberUnit.status == STATUS_ACTIVE).order_by(MemberUnit.name_zh)
    ).all()
    form.unit_id.choices = options([(u.id, u.display_name) for u in units])
    if form.validate_on_submit():
        contest = next(c for c in election.contests if c.id == form.contest_id.data)
        unit = db.session.get(MemberUnit, form.unit_id.data)
        with commit_or_report() as outcome:
            services.nominate(contest, unit, current_user, form.statement.data)
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return render_template(
                "elections/nominate.html", election=election, form=form
            ), outcome.status
        flash(_("Nomination recorded; the nominee unit's admin is asked to accept."), "success")
        return redirect(url_for("elections.detail", election_id=election.id))
    return render_template("elections/nominate.html", election=election, form=form)


@bp.post("/elections/candidates/<int:candidate_id>/answer")
@login_required
def answer(candidate_id: int):
    """Let the nominee unit's admin accept or decline a nomination."""
    candidate = db.get_or_404(Candidate, candidate_id)
    election = candidate.contest.election
    if not acting.holds(candidate.unit, current_user, acting.ADMIN):
        abort(403)
    acting.require_writable(candidate.unit, current_user)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _message(election, _("Choose accept or decline."), 400)
    with commit_or_report() as outcome:
        services.respond(candidate, current_user, form.answer.data == "accept")
    if not outcome.ok:
        return _message(election, outcome.message, outcome.status)
    flash(_("Your answer was recorded."), "success")
    return redirect(url_for("elections.detail", election_id=election.id))


@bp.app_template_global()
def offices_labels() -> dict[str, str]:
    """Return the office names in the reader's language."""
    from alliance.elections.models import OFFICES

    return {key: str(label) for key, label in OFFICES.items()}
