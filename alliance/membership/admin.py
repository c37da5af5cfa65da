"""Secretariat screens: application queue, change requests, unit list, discipline, import/export."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from alliance.clock import today_local
from alliance.database import commit_or_report
from alliance.extensions import db
from alliance.members import credit_code as cc
from alliance.members.models import MemberUnit
from alliance.membership import services, transfer
from alliance.membership.forms import (
    ConfirmForm,
    ImportForm,
    NoteForm,
    ReasonForm,
    StatusActionForm,
    TierForm,
    UnitFilterForm,
)
from alliance.membership.models import (
    APP_NOTICE,
    APPLICATION_STATUSES,
    CR_OPEN,
    OPEN_APPLICATION_STATUSES,
    Application,
    ChangeRequest,
    ImportPreview,
)
from alliance.pagination import paginate
from alliance.permissions import secretariat_required

bp = Blueprint("membership_admin", __name__)


def _conflict() -> str:
    return _("Someone else changed this at the same moment; reload the page and try again.")


def _name_taken() -> str:
    return _("Another unit took this name or credit code meanwhile.")


def _actor():
    return current_user._get_current_object()


# Applications ----------------------------------------------------------------------------


@bp.route("/applications")
@secretariat_required
def applications():
    """List applications: open ones by default, or those in one status."""
    status = request.args.get("status", "open")
    query = (
        select(Application)
        .options(selectinload(Application.applicant))
        .order_by(Application.id.desc())
    )
    if status == "open":
        query = query.where(Application.status.in_(OPEN_APPLICATION_STATUSES))
    elif status in APPLICATION_STATUSES:
        query = query.where(Application.status == status)
    elif status != "all":
        abort(400)
    page = paginate(query, per_page=30)
    return render_template(
        "membership/admin/applications.html",
        page=page,
        status=status,
        statuses=APPLICATION_STATUSES,
    )


def _render_application(application, note_form=None, reason_form=None, status=200):
    return render_template(
        "membership/admin/application.html",
        application=application,
        note_form=note_form or NoteForm(),
        reason_form=reason_form or ReasonForm(),
        may_admit=application.may_admit(today_local()),
        in_notice=application.status == APP_NOTICE,
    ), status


@bp.route("/applications/<int:application_id>")
@secretariat_required
def application(application_id: int):
    """Show an application, its licence details and its history; act on it."""
    return _render_application(db.get_or_404(Application, application_id))


@bp.post("/applications/<int:application_id>/advance")
@secretariat_required
def advance(application_id: int):
    """Move the application one step on (mails the applicant, writes the audit log)."""
    application = db.get_or_404(Application, application_id)
    form = NoteForm()
    if form.validate_on_submit():
        with commit_or_report(conflict=_conflict()) as outcome:
            services.advance_application(application, _actor(), form.note.data)
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return _render_application(db.get_or_404(Application, application_id), form, None, 409)
        flash(_("The application is now: %(status)s.", status=application.status_label), "success")
        return redirect(url_for("membership_admin.application", application_id=application.id))
    return _render_application(application, form, None, 400)


@bp.post("/applications/<int:application_id>/reject")
@secretariat_required
def reject(application_id: int):
    """Reject the application with a required reason."""
    application = db.get_or_404(Application, application_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with commit_or_report(conflict=_conflict()) as outcome:
            services.reject_application(application, _actor(), form.reason.data)
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return _render_application(db.get_or_404(Application, application_id), None, form, 409)
        flash(_("The application has been rejected and the applicant informed."), "success")
        return redirect(url_for("membership_admin.application", application_id=application.id))
    return _render_application(application, None, form, 400)


# Change requests -------------------------------------------------------------------------


@bp.route("/change-requests")
@secretariat_required
def change_requests():
    """List change requests (open first) with old and new values side by side."""
    return _render_change_requests()


def _render_change_requests(error: str | None = None, code: int = 200):
    show_all = request.args.get("all") == "1"
    query = (
        select(ChangeRequest)
        .options(selectinload(ChangeRequest.unit), selectinload(ChangeRequest.requested_by))
        .order_by(ChangeRequest.id.desc())
    )
    if not show_all:
        query = query.where(ChangeRequest.status == CR_OPEN)
    page = paginate(query, per_page=20)
    return render_template(
        "membership/admin/change_requests.html",
        page=page,
        show_all=show_all,
        reason_form=ReasonForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        error=error,
    ), code


@bp.post("/change-requests/<int:request_id>/approve")
@secretariat_required
def approve_change(request_id: int):
    """Publish the requested values."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    change = db.get_or_404(ChangeRequest, request_id)
    with commit_or_report(conflict=_name_taken()) as outcome:
        services.approve_change_request(change, _actor())
    if not outcome.ok:
        return _render_change_requests(outcome.message, outcome.status)
    flash(_("The change has been approved and published."), "success")
    return redirect(url_for("membership_admin.change_requests"))


@bp.post("/change-requests/<int:request_id>/reject")
@secretariat_required
def reject_change(request_id: int):
    """Refuse the requested values with a reason; the old ones stay."""
    change = db.get_or_404(ChangeRequest, request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_change_requests(_("Give a reason for the rejection."), 400)
    with commit_or_report(conflict=_name_taken()) as outcome:
        services.reject_change_request(change, _actor(), form.reason.data)
    if not outcome.ok:
        return _render_change_requests(outcome.message, outcome.status)
    flash(_("The change request has been rejected."), "success")
    return redirect(url_for("membership_admin.change_requests"))


# Units -----------------------------------------------------------------------------------


def _unit_query(form: UnitFilterForm):
    query = select(MemberUnit).order_by(MemberUnit.id)
    if form.q.data:
        q = form.q.data.strip()
        query = query.where(
            or_(
                MemberUnit.name_zh.contains(q, autoescape=True),
                MemberUnit.name_en.ilike(f"%{_escape_like(q)}%", escape="\\"),
                MemberUnit.short_name.contains(q, autoescape=True),
                MemberUnit.credit_code == cc.normalize(q),
            )
        )
    for field in ("org_type", "tier", "district", "status"):
        value = getattr(form, field).data
        if value:
            query = query.where(getattr(MemberUnit, field) == value)
    if form.founding.data == "yes":
        query = query.where(MemberUnit.is_founding.is_(True))
    elif form.founding.data == "no":
        query = query.where(MemberUnit.is_founding.is_(False))
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter_form() -> UnitFilterForm:
    form = UnitFilterForm(request.args)
    if request.args and not form.validate():
        abort(400)
    return form


@bp.route("/units")
@secretariat_required
def units():
    """List member units with filters, paginated; export the filtered list."""
    form = _filter_form()
    page = paginate(_unit_query(form), per_page=30)
    args = {k: v for k, v in request.args.items() if k in form._fields and v and k != "submit"}
    return render_template("membership/admin/units.html", form=form, page=page, args=args)


@bp.route("/units/export.<fmt>")
@secretariat_required
def export(fmt: str):
    """Download the filtered list as CSV or XLSX, with Chinese or English headers."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    lang = request.args.get("lang", "zh")
    if lang not in ("zh", "en"):
        abort(400)
    units = db.session.scalars(_unit_query(_filter_form())).all()
    if fmt == "csv":
        body, mime = transfer.export_csv(units, lang), "text/csv; charset=utf-8"
    else:
        body = transfer.export_xlsx(units, lang)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stamp = today_local().isoformat()
    return Response(
        body,
        mimetype=mime,
        headers={"Content-Disposition": f'attachment; filename="member-units-{stamp}.{fmt}"'},
    )


def _render_unit(unit, status_form=None, tier_form=None, code=200):
    return render_template(
        "membership/admin/unit.html",
        unit=unit,
        status_form=status_form or StatusActionForm(),
        tier_form=tier_form or TierForm(tier=unit.tier),
        actions=services.STATUS_ACTIONS,
    ), code


@bp.route("/units/<int:unit_id>")
@secretariat_required
def unit(unit_id: int):
    """Show one unit with the secretariat's actions."""
    return _render_unit(db.get_or_404(MemberUnit, unit_id))


@bp.post("/units/<int:unit_id>/status")
@secretariat_required
def unit_status(unit_id: int):
    """Suspend, reactivate, remove or record withdrawal, with a reason (mailed, audited)."""
    unit = db.get_or_404(MemberUnit, unit_id)
    form = StatusActionForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.change_status(unit, form.action.data, form.reason.data, _actor())
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return _render_unit(db.get_or_404(MemberUnit, unit_id), form, None, 409)
        flash(_("Done; the unit's administrators have been informed."), "success")
        return redirect(url_for("membership_admin.unit", unit_id=unit.id))
    return _render_unit(unit, form, None, 400)


@bp.post("/units/<int:unit_id>/tier")
@secretariat_required
def unit_tier(unit_id: int):
    """Override the unit's tier with a reason (mailed, audited)."""
    unit = db.get_or_404(MemberUnit, unit_id)
    form = TierForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.set_tier(unit, form.tier.data, form.reason.data, _actor())
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return _render_unit(db.get_or_404(MemberUnit, unit_id), None, form, 409)
        flash(_("The tier has been set; the unit's administrators have been informed."), "success")
        return redirect(url_for("membership_admin.unit", unit_id=unit.id))
    return _render_unit(unit, None, form, 400)


# Import ----------------------------------------------------------------------------------


@bp.route("/units/import", methods=["GET", "POST"])
@secretariat_required
def import_units():
    """Upload a CSV/XLSX file; show what it would create, update or refuse."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        with commit_or_report() as outcome:
            preview = transfer.make_preview(upload.filename or "", upload.read(), _actor())
        if outcome.ok:
            return redirect(url_for("membership_admin.import_preview", token=preview.token))
        form.file.errors = [outcome.message]
    return render_template("membership/admin/import.html", form=form, columns=transfer.COLUMNS), (
        400 if form.errors else 200
    )


def _preview_or_404(token: str) -> ImportPreview:
    if len(token) > 64:
        abort(404)
    return db.one_or_404(
        select(ImportPreview).where(
            ImportPreview.token == token, ImportPreview.created_by_id == current_user.id
        )
    )


@bp.route("/units/import/<token>")
@secretariat_required
def import_preview(token: str):
    """Show the plan for each row; offer confirmation only when the whole file is valid."""
    preview = _preview_or_404(token)
    return render_template(
        "membership/admin/import_preview.html",
        preview=preview,
        form=ConfirmForm(),
        counts=_counts(preview),
    )


def _counts(preview: ImportPreview) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "unchanged": 0, "refuse": 0}
    for row in preview.rows:
        counts[row["action"]] += 1
    return counts


@bp.post("/units/import/<token>/confirm")
@secretariat_required
def import_confirm(token: str):
    """Write the whole file in one transaction, or nothing."""
    preview = _preview_or_404(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    conflict = _("The import could not be written; nothing was changed. Upload the file again.")
    with commit_or_report(conflict=conflict) as outcome:
        counts = transfer.apply_preview(preview, _actor())
    if not outcome.ok:
        flash(outcome.message, "danger")
        preview = _preview_or_404(token)
        return render_template(
            "membership/admin/import_preview.html",
            preview=preview,
            form=form,
            counts=_counts(preview),
        ), 409
    flash(
        _(
            "Import finished: %(create)d created, %(update)d updated, %(unchanged)d unchanged.",
            **counts,
        ),
        "success",
    )
    return redirect(url_for("membership_admin.units"))
