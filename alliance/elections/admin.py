"""Election officers' screens: terms, elections, rules, transitions, turnout and reminders."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from alliance import clock
from alliance.auth import services as auth_services
from alliance.database import commit_or_report
from alliance.elections import services
from alliance.elections.forms import (
    CancelForm,
    ElectionForm,
    NominationForm,
    ProxyForm,
    RulesForm,
    SeatsForm,
    TermForm,
    options,
    to_local,
)
from alliance.elections.models import (
    NOMINATING,
    Candidate,
    Contest,
    CouncilTerm,
    Election,
    ElectorateEntry,
)
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, MemberUnit
from alliance.permissions import election_officer_required

bp = Blueprint("elections_admin", __name__)


def _election(election_id: int) -> Election:
    return db.get_or_404(Election, election_id)


def _back(election: Election):
    return redirect(url_for("elections_admin.dashboard", election_id=election.id))


@bp.route("/elections")
@election_officer_required
def index():
    """List terms and elections; offer to create them."""
    terms = db.session.scalars(select(CouncilTerm).order_by(CouncilTerm.number.desc())).all()
    elections = db.session.scalars(
        select(Election).order_by(Election.id.desc()).options(selectinload(Election.term))
    ).all()
    term_form = TermForm(prefix="term")
    election_form = ElectionForm(prefix="election")
    election_form.term_id.choices = options([(t.id, t.title) for t in terms])
    return render_template(
        "elections/admin/index.html",
        terms=terms,
        elections=elections,
        term_form=term_form,
        election_form=election_form,
    )


@bp.post("/elections/terms")
@election_officer_required
def create_term():
    """Create a council term with its offices."""
    form = TermForm(prefix="term")
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.create_term(
                form.number.data, form.starts_on.data, form.ends_on.data, form.offices()
            )
        if outcome.ok:
            flash(_("Term created."), "success")
            return redirect(url_for("elections_admin.index"))
        form.form_errors.append(outcome.message)
    terms = db.session.scalars(select(CouncilTerm).order_by(CouncilTerm.number.desc())).all()
    election_form = ElectionForm(prefix="election")
    election_form.term_id.choices = options([(t.id, t.title) for t in terms])
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template(
        "elections/admin/index.html",
        terms=terms,
        elections=elections,
        term_form=form,
        election_form=election_form,
    ), 400


@bp.post("/elections/new")
@election_officer_required
def create():
    """Create an election of a term, in draft."""
    form = ElectionForm(prefix="election")
    terms = db.session.scalars(select(CouncilTerm).order_by(CouncilTerm.number.desc())).all()
    form.term_id.choices = options([(t.id, t.title) for t in terms])
    if form.validate_on_submit():
        term = db.session.get(CouncilTerm, form.term_id.data)
        with commit_or_report() as outcome:
            election = services.create_election(
                term,
                form.stage.data,
                form.title_zh.data.strip(),
                (form.title_en.data or "").strip() or None,
            )
        if outcome.ok:
            return _back(election)
        form.form_errors.append(outcome.message)
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template(
        "elections/admin/index.html",
        terms=terms,
        elections=elections,
        term_form=TermForm(prefix="term"),
        election_form=form,
    ), 400


def _dashboard(election: Election, rules_form=None, status=200, **forms):
    if rules_form is None:
        rules_form = RulesForm(obj=election, formdata=None)
        rules_form.nominations_open_at.data = to_local(election.nominations_open_at)
        rules_form.nominations_close_at.data = to_local(election.nominations_close_at)
        rules_form.voting_opens_at.data = to_local(election.voting_opens_at)
        rules_form.voting_closes_at.data = to_local(election.voting_closes_at)
    nomination_form = forms.get("nomination_form") or NominationForm(prefix="nom")
    nomination_form.contest_id.choices = options([(c.id, c.label) for c in election.contests])
    units = db.session.scalars(
        select(MemberUnit).where(MemberUnit.status == STATUS_ACTIVE).order_by(MemberUnit.name_zh)
    ).all()
    nomination_form.unit_id.choices = options([(u.id, u.display_name) for u in units])
    proxy_form = forms.get("proxy_form") or ProxyForm(prefix="proxy")
    proxy_form.unit_id.choices = options(
        [(e.unit_id, e.unit.display_name) for e in election.electorate]
    )
    cast, electorate = services.turnout(election)
    return render_template(
        "elections/admin/dashboard.html",
        election=election,
        rules_form=rules_form,
        nomination_form=nomination_form,
        proxy_form=proxy_form,
        cancel_form=forms.get("cancel_form") or CancelForm(prefix="cancel"),
        seats_form=SeatsForm(prefix="seats"),
        cast=cast,
        electorate=electorate,
        not_voted=services.not_voted(election) if election.is_frozen else [],
        now=clock.db_now(),
        conflicted=services.conflicted(election, _user()),
        editable=election.state in services.EDITABLE_STATES,
    ), status


def _user():
    from flask_login import current_user

    return current_user


@bp.route("/elections/<int:election_id>", methods=["GET", "POST"])
@election_officer_required
def dashboard(election_id: int):
    """Show an election to officers: state, rules, candidates, live turnout; save rules."""
    election = _election(election_id)
    if request.method == "GET":
        return _dashboard(election)
    form = RulesForm()
    if not form.validate_on_submit():
        return _dashboard(election, form, 400)
    with commit_or_report() as outcome:
        services.update_rules(election, **form.values())
    if not outcome.ok:
        form.form_errors.append(outcome.message)
        return _dashboard(election, form, outcome.status)
    flash(_("Rules saved."), "success")
    return _back(election)


ACTIONS = {
    "open_nominations": services.open_nominations,
    "confirm_candidates": services.confirm_candidates,
    "open_voting": services.open_voting,
    "close_voting": services.close_voting,
    "tally": None,
    "publish": services.publish,
}


@bp.post("/elections/<int:election_id>/action/<action>")
@election_officer_required
def transition(election_id: int, action: str):
    """Move the election one step along its lifecycle (or cancel it with a reason)."""
    election = _election(election_id)
    if action != "cancel" and action not in ACTIONS:
        abort(404)
    cancel_form = CancelForm(prefix="cancel")
    warnings = []
    with commit_or_report() as outcome:
        if action == "cancel":
            if not cancel_form.validate_on_submit():
                raise services.ElectionError(_("Give a reason for cancelling."))
            services.cancel(election, cancel_form.reason.data)
        elif action == "tally":
            services.run_tally(election, _user())
        else:
            warnings = ACTIONS[action](election) or []
    if not outcome.ok:
        flash(outcome.message, "danger")
        return _dashboard(_election(election_id), status=outcome.status, cancel_form=cancel_form)
    for warning in warnings:
        flash(warning, "warning")
    if services.conflicted(election, _user()):
        flash(
            _("Note: your unit is a candidate in this election; you are named on the result."),
            "warning",
        )
    flash(_("Election is now: %(state)s.", state=election.state_label), "success")
    return _back(election)


@bp.post("/elections/<int:election_id>/remind")
@election_officer_required
def remind(election_id: int):
    """Mail the units that have not voted yet."""
    election = _election(election_id)
    with commit_or_report() as outcome:
        sent = services.remind(election)
    if not outcome.ok:
        flash(outcome.message, "danger")
        return _back(election)
    flash(_("Reminder sent to %(n)s units.", n=sent), "success")
    return _back(election)


@bp.post("/elections/<int:election_id>/nominate")
@election_officer_required
def nominate(election_id: int):
    """Record a nomination made by the outgoing council."""
    election = _election(election_id)
    form = NominationForm(prefix="nom")
    form.contest_id.choices = options([(c.id, c.label) for c in election.contests])
    form.unit_id.choices = options(
        [(u.id, u.display_name) for u in db.session.scalars(select(MemberUnit))]
    )
    if not form.validate_on_submit():
        return _dashboard(election, status=400, nomination_form=form)
    contest = db.session.get(Contest, form.contest_id.data)
    unit = db.session.get(MemberUnit, form.unit_id.data)
    with commit_or_report() as outcome:
        services.nominate(contest, unit, _user(), form.statement.data, by_council=True)
    if not outcome.ok:
        form.form_errors.append(outcome.message)
        return _dashboard(_election(election_id), status=outcome.status, nomination_form=form)
    flash(_("Nomination recorded."), "success")
    return _back(election)


@bp.post("/elections/candidates/<int:candidate_id>/answer")
@election_officer_required
def answer(candidate_id: int):
    """Record a nominee unit's written answer on its behalf."""
    candidate = db.get_or_404(Candidate, candidate_id)
    election = candidate.contest.election
    answer = request.form.get("answer")
    accept = answer == "accept"
    with commit_or_report() as outcome:
        if answer not in ("accept", "decline"):
            raise services.ElectionError(_("Choose accept or decline."), 400)
        if election.state != NOMINATING:
            raise services.ElectionError(_("Nominations are not open."), 409)
        services.respond(candidate, _user(), accept, on_behalf=True)
    if not outcome.ok:
        flash(outcome.message, "danger")
    return _back(election)


@bp.post("/elections/contests/<int:contest_id>/seats")
@election_officer_required
def seats(contest_id: int):
    """Change the number of seats of an office (before voting opens)."""
    contest = db.get_or_404(Contest, contest_id)
    form = SeatsForm(prefix="seats")
    with commit_or_report() as outcome:
        if not form.validate_on_submit():
            raise services.ElectionError(_("Seats must be a whole number from 1."))
        services.set_contest_seats(contest, form.seats.data)
    if not outcome.ok:
        flash(outcome.message, "danger")
    return _back(contest.election)


@bp.post("/elections/<int:election_id>/proxy")
@election_officer_required
def proxy(election_id: int):
    """Record (or remove) the proxy a unit authorised in writing."""
    election = _election(election_id)
    form = ProxyForm(prefix="proxy")
    form.unit_id.choices = options([(e.unit_id, e.unit.display_name) for e in election.electorate])
    with commit_or_report() as outcome:
        if not form.validate_on_submit():
            raise services.ElectionError(_("Choose a unit and give a valid email."))
        entry = db.session.scalar(
            select(ElectorateEntry).where(
                ElectorateEntry.election_id == election.id,
                ElectorateEntry.unit_id == form.unit_id.data,
            )
        )
        user = None
        if form.email.data:
            user = auth_services.find_user_by_email(form.email.data)
            if user is None:
                raise services.ElectionError(_("No account has this email."))
        services.set_proxy(entry, user)
    if outcome.ok:
        flash(_("Proxy recorded."), "success")
    else:
        flash(outcome.message, "danger")
    return _back(election)
