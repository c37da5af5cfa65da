"""Applying for membership, the unit's self-service pages, colleagues and invitations."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from alliance.auth import services as auth_services
from alliance.auth.views import start_session
from alliance.clock import now_utc
from alliance.database import ServiceError, commit_or_report
from alliance.extensions import db, limiter
from alliance.i18n import is_english
from alliance.members import acting
from alliance.members.models import (
    STATUS_REMOVED,
    STATUS_WITHDRAWN,
    Certification,
    Colleague,
    MemberUnit,
    ServiceLine,
)
from alliance.membership import services
from alliance.membership.forms import (
    AcceptInvitationForm,
    ApplicationForm,
    ApplyEmailForm,
    InviteForm,
    ProfileForm,
    RoleForm,
)
from alliance.membership.models import ChangeRequest, Invitation, UnitHistory
from alliance.pagination import paginate

bp = Blueprint("membership", __name__)

CLOSED_STATUSES = (STATUS_REMOVED, STATUS_WITHDRAWN)


@bp.app_template_global()
def membership_public_notice() -> dict:
    """Units in public notice and recently admitted units, for the home page."""
    return services.public_notice()


@bp.app_template_global()
def membership_label(kind: str, code) -> str:
    """Return the reader's label for a stored code (org_type, tier, status, field, …)."""
    if code is None or code == "":
        return ""
    labels = services.LABELS.get(kind, {})
    return str(labels.get(code, code))


def _apply_limit() -> str:
    return current_app.config["APPLY_RATE_LIMIT"]


def _invite_limit() -> str:
    return current_app.config["INVITE_RATE_LIMIT"]


def _form_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


# Applying --------------------------------------------------------------------------------


UNIT_FIELDS = (
    "name_zh",
    "name_en",
    "credit_code",
    "org_type",
    "district",
    "address",
    "phone",
    "email",
    "website",
    "intro_zh",
    "intro_en",
)
LICENCE_FIELDS = (
    "legal_representative",
    "registered_capital",
    "established_on",
    "registered_address",
    "business_scope",
    "contact_name",
    "contact_phone",
)
APPLY_CONFLICT = _l(
    "A unit with this name or credit code, or an account with this email, was registered a moment ago."
)


def _application_data(form: ApplicationForm) -> tuple[dict, dict]:
    unit_data = {k: getattr(form, k).data for k in UNIT_FIELDS}
    return unit_data, {k: getattr(form, k).data for k in LICENCE_FIELDS}


def _received():
    flash(_("Your application has been received. We sent you a confirmation by email."), "success")
    return redirect(url_for("membership.my_unit"))


def _visitor_locale() -> str:
    return "en" if is_english() else "zh_Hans_CN"


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(_apply_limit, methods=["POST"])
def apply():
    """Apply for membership: a visitor first gets a link by mail, a signed-in person applies."""
    if not current_user.is_authenticated:
        return _ask_for_link()
    if current_user.colleague is not None:
        return render_template("membership/apply_blocked.html", unit=current_user.colleague.unit)
    pending = services.open_application_of(current_user)
    if pending is not None:
        return render_template("membership/apply_blocked.html", application=pending)
    form = ApplicationForm(with_account=False)
    if form.validate_on_submit():
        unit_data, licence = _application_data(form)
        with commit_or_report(conflict=APPLY_CONFLICT) as outcome:
            services.submit_application(unit_data, licence, current_user._get_current_object())
        if outcome.ok:
            return _received()
        _form_error(form, outcome.error)
    return render_template("membership/apply.html", form=form)


def _ask_for_link():
    """Mail the address a link to the form; answer the same whether or not it is registered."""
    form = ApplyEmailForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.request_application_link(form.email.data, _visitor_locale())
        if outcome.ok:
            return render_template("membership/apply_sent.html")
        form.form_errors.append(outcome.message)
    return render_template("membership/apply_email.html", form=form)


@bp.route("/apply/<token>", methods=["GET", "POST"])
def apply_form(token: str):
    """Fill in the application through a mailed link; the account gets the link's address."""
    verification = services.verification_for_token(token)
    if verification is None or not verification.is_usable(now_utc()):
        return render_template("membership/apply_link_invalid.html"), 404
    if current_user.is_authenticated:
        return render_template("membership/apply_link_invalid.html", signed_in=True), 403
    if auth_services.find_user_by_email(verification.email) is not None:
        return render_template("membership/apply_link_invalid.html", registered=True), 409
    form = ApplicationForm()
    if form.validate_on_submit():
        unit_data, licence = _application_data(form)
        account = {
            "display_name": form.account_name.data,
            "password": form.password.data,
            "locale": _visitor_locale(),
        }
        with commit_or_report(conflict=APPLY_CONFLICT) as outcome:
            applicant, _application = services.submit_verified_application(
                verification, unit_data, licence, account
            )
        if outcome.ok:
            start_session(applicant)
            return _received()
        _form_error(form, outcome.error)
    return render_template("membership/apply.html", form=form, verified_email=verification.email)


# Self-service ----------------------------------------------------------------------------


def load_unit(
    unit_id: int | None, *, admin: bool = False, write: bool = False
) -> MemberUnit | None:
    """Return the unit for a self-service page: 404 if missing, 403 if the user may not.

    Without an id it is the signed-in user's own unit (None when they have none). Colleagues
    of the unit may view it; its admins read its history (not once it withdrew or was
    removed); with `write`, its admins change it while it is active (UnitNotActive, a 403
    that says why, otherwise). The secretariat may do all of it for any unit.
    """
    user = current_user._get_current_object()
    if unit_id is None:
        unit = acting.unit_of(user)
        if unit is None:
            return None
    else:
        unit = db.get_or_404(MemberUnit, unit_id)
    if user.is_secretariat:
        return unit
    if not acting.holds(unit, user, acting.ADMIN if admin or write else acting.ANY):
        abort(403)
    if write:
        acting.require_writable(unit, user)
    elif admin and unit.status in CLOSED_STATUSES:
        abort(403)  # a unit that withdrew or was removed is no longer kept by its colleagues
    return unit


def _no_unit():
    application = services.latest_application_of(current_user)
    return render_template("membership/no_unit.html", application=application)


def _profile_form(unit: MemberUnit) -> ProfileForm:
    certs = db.session.scalars(select(Certification).order_by(Certification.position)).all()
    held = {uc.certification_id: uc for uc in unit.certifications}
    entries = [
        {
            "certification_id": str(c.id),
            "held": c.id in held,
            "level": held[c.id].level if c.id in held else "",
            "year": held[c.id].year if c.id in held else None,
        }
        for c in certs
    ]
    data = None
    if request.method == "GET":
        # Plain data, not obj=unit: the unit's relationship attributes would shadow these.
        data = {f: getattr(unit, f) for f in (*services.DIRECT_FIELDS, *services.KEY_FIELDS)}
        data["certifications"] = entries
        data["service_lines"] = [s.id for s in unit.service_lines]
    form = ProfileForm(data=data, unit=unit)
    lines = db.session.scalars(select(ServiceLine).order_by(ServiceLine.position)).all()
    form.service_lines.choices = [SelectChoice(s.id, f"{s.category} · {s.label}") for s in lines]
    form.cert_labels = {str(c.id): c.label for c in certs}
    return form


@bp.route("/my/unit", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/my/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def my_unit(unit_id: int | None):
    """Show the unit's profile; its admins (and the secretariat) edit it here."""
    unit = load_unit(unit_id, write=request.method == "POST")
    if unit is None:
        return _no_unit()
    can_edit = unit.can_edit(current_user)
    form = _profile_form(unit) if can_edit else None
    if form is not None and form.validate_on_submit():
        data = {
            field: getattr(form, field).data
            for field in (*services.DIRECT_FIELDS, *services.KEY_FIELDS)
        }
        certifications = [
            {
                "certification_id": int(entry.certification_id.data),
                "level": entry.level.data,
                "year": entry.year.data,
            }
            for entry in form.certifications
            if entry.held.data and (entry.certification_id.data or "").isdigit()
        ]
        conflict = _("Another change was saved at the same moment; try again.")
        with commit_or_report(conflict=conflict) as outcome:
            change = services.update_profile(
                unit,
                data,
                current_user._get_current_object(),
                service_line_ids=form.service_lines.data or [],
                certifications=certifications,
            )
        if not outcome.ok:
            _form_error(form, outcome.error)
        else:
            flash(_("The profile has been saved."), "success")
            if change is not None:
                flash(
                    _(
                        "Changes to the names, credit code or type wait for the secretariat's "
                        "approval; until then the public sees the current values."
                    ),
                    "info",
                )
            return redirect(url_for("membership.my_unit", unit_id=unit_id))
    pending = services.open_change_request(unit)
    return render_template(
        "membership/my_unit.html", unit=unit, form=form, pending=pending, unit_id=unit_id
    )


@bp.route("/my/unit/history", defaults={"unit_id": None})
@bp.route("/my/units/<int:unit_id>/history")
@login_required
def history(unit_id: int | None):
    """List every change to the unit: field, old, new, who, when."""
    unit = load_unit(unit_id, admin=True)
    if unit is None:
        return _no_unit()
    page = paginate(
        select(UnitHistory)
        .where(UnitHistory.unit_id == unit.id)
        .options(selectinload(UnitHistory.actor))
        .order_by(UnitHistory.id.desc()),
        per_page=50,
    )
    requests = db.session.scalars(
        select(ChangeRequest)
        .where(ChangeRequest.unit_id == unit.id)
        .order_by(ChangeRequest.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "membership/history.html",
        unit=unit,
        page=page,
        requests=requests,
        unit_id=unit_id,
        sources=services.SOURCE_LABELS,
    )


@bp.route("/my/unit/colleagues", defaults={"unit_id": None})
@bp.route("/my/units/<int:unit_id>/colleagues")
@login_required
def colleagues(unit_id: int | None):
    """List the unit's colleagues; admins invite, remove and change roles here."""
    unit = load_unit(unit_id)
    if unit is None:
        return _no_unit()
    return _render_colleagues(unit, InviteForm())


def _render_colleagues(unit: MemberUnit, invite_form, status=200):
    colleagues = db.session.scalars(
        select(Colleague)
        .where(Colleague.unit_id == unit.id)
        .options(selectinload(Colleague.user))
        .order_by(Colleague.role, Colleague.id)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(
            Invitation.unit_id == unit.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.id.desc())
    ).all()
    return render_template(
        "membership/colleagues.html",
        unit=unit,
        colleagues=colleagues,
        invitations=invitations,
        invite_form=invite_form,
        role_form=RoleForm(),
        can_edit=unit.can_edit(current_user),
        now=now_utc(),
    ), status


@bp.post("/my/units/<int:unit_id>/invite")
@limiter.limit(_invite_limit, methods=["POST"])
@login_required
def invite(unit_id: int):
    """Invite a colleague by email."""
    unit = load_unit(unit_id, write=True)
    form = InviteForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.invite(
                unit, form.email.data, form.role.data, current_user._get_current_object()
            )
        if not outcome.ok:
            _form_error(form, outcome.error)
        else:
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("membership.colleagues", unit_id=unit.id))
    return _render_colleagues(unit, form, 400)


def _colleague_or_404(unit: MemberUnit, colleague_id: int) -> Colleague:
    return db.one_or_404(
        select(Colleague).where(Colleague.id == colleague_id, Colleague.unit_id == unit.id)
    )


def _colleague_action(unit_id: int, colleague_id: int, action) -> object:
    unit = load_unit(unit_id, write=True)
    colleague = _colleague_or_404(unit, colleague_id)
    with commit_or_report() as outcome:
        action(unit, colleague)
    if not outcome.ok:
        flash(outcome.message, "danger")
        return redirect(url_for("membership.colleagues", unit_id=unit.id))
    flash(_("Saved."), "success")
    if not acting.holds(unit, current_user) and not current_user.is_secretariat:
        return redirect(url_for("main.index"))
    return redirect(url_for("membership.colleagues", unit_id=unit.id))


@bp.post("/my/units/<int:unit_id>/colleagues/<int:colleague_id>/role")
@login_required
def set_role(unit_id: int, colleague_id: int):
    """Change a colleague's role (hand admin over)."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    return _colleague_action(
        unit_id, colleague_id, lambda u, c: services.set_role(u, c, form.role.data, user)
    )


@bp.post("/my/units/<int:unit_id>/colleagues/<int:colleague_id>/remove")
@login_required
def remove_colleague(unit_id: int, colleague_id: int):
    """Remove a colleague from the unit."""
    user = current_user._get_current_object()
    return _colleague_action(
        unit_id, colleague_id, lambda u, c: services.remove_colleague(u, c, user)
    )


@bp.post("/my/units/<int:unit_id>/colleagues/<int:colleague_id>/representative")
@login_required
def make_representative(unit_id: int, colleague_id: int):
    """Name this colleague the unit's representative (会员代表)."""
    user = current_user._get_current_object()
    return _colleague_action(
        unit_id, colleague_id, lambda u, c: services.set_representative(u, c.user, user)
    )


@bp.post("/my/units/<int:unit_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(unit_id: int, invitation_id: int):
    """Withdraw an unused invitation."""
    unit = load_unit(unit_id, write=True)
    invitation = db.one_or_404(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.unit_id == unit.id)
    )
    with commit_or_report() as outcome:
        services.revoke_invitation(invitation, current_user._get_current_object())
    if outcome.ok:
        flash(_("The invitation has been withdrawn."), "success")
    else:
        flash(outcome.message, "danger")
    return redirect(url_for("membership.colleagues", unit_id=unit.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Join a unit through an invitation: create an account, or attach the signed-in one."""
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable(now_utc()):
        return render_template("membership/invitation_invalid.html"), 404
    existing = auth_services.find_user_by_email(invitation.email)
    if current_user.is_authenticated:
        if existing is None or existing.id != current_user.id:
            return render_template(
                "membership/invitation.html", invitation=invitation, wrong_account=True
            ), 403
        form = None
    elif existing is not None:
        return render_template("membership/invitation.html", invitation=invitation, sign_in=True)
    else:
        form = AcceptInvitationForm()
    if request.method == "POST" and (form is None or form.validate_on_submit()):
        user = current_user._get_current_object() if form is None else None
        if user is None:
            user = auth_services.create_user(
                invitation.email,
                form.password.data,
                form.display_name.data,
                locale="en" if is_english() else "zh_Hans_CN",
            )
        conflict = _("Your account already belongs to a member unit.")
        with commit_or_report(conflict=conflict) as outcome:
            services.accept_invitation(invitation, user)
        if not outcome.ok:
            flash(outcome.message, "danger")
            return render_template(
                "membership/invitation.html", invitation=invitation
            ), outcome.status
        if form is not None:
            start_session(user)
        flash(_("Welcome to %(unit)s.", unit=invitation.unit.display_name), "success")
        return redirect(url_for("membership.my_unit"))
    return render_template("membership/invitation.html", invitation=invitation, form=form)


# Former addresses: the colleagues page was "people" ----------------------------------------


@bp.route("/my/unit/people", defaults={"unit_id": None})
@bp.route("/my/units/<int:unit_id>/people")
@login_required
def old_colleagues_url(unit_id: int | None):
    """Send the former address of the colleagues page to the new one, for whoever may see it."""
    if unit_id is not None:
        load_unit(unit_id)
    return redirect(url_for("membership.colleagues", unit_id=unit_id), 301)


@bp.post(
    "/my/units/<int:unit_id>/people/<int:colleague_id>/<any(role, remove, representative):action>"
)
@login_required
def old_colleague_action_url(unit_id: int, colleague_id: int, action: str):
    """Send a form posted to a former colleague-action address on to the new one (308)."""
    _colleague_or_404(load_unit(unit_id, write=True), colleague_id)
    new = {
        "role": "set_role",
        "remove": "remove_colleague",
        "representative": "make_representative",
    }
    target = url_for(f"membership.{new[action]}", unit_id=unit_id, colleague_id=colleague_id)
    return redirect(target, 308)
