"""Public member directory, unit profiles, logos and statistics."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from alliance.database import commit_or_report
from alliance.extensions import db
from alliance.members import acting, services
from alliance.members.forms import LogoForm
from alliance.members.models import (
    CONTACT_FIELDS,
    DISTRICTS,
    ORG_TYPES,
    STAFF_SIZES,
    STATUSES,
    TIERS,
    MemberUnit,
    UnitCertification,
)
from alliance.page_cache import public_page
from alliance.uploads import image_response

bp = Blueprint("members", __name__, url_prefix="/members")


def get_unit_or_404(slug: str, for_edit: bool = False) -> MemberUnit:
    """Load a unit: 404 when missing or not active (unless the viewer may see it), 403 for edit.

    Editing needs the unit's admin or the secretariat, and a unit that is not active is refused
    with its reason (UnitNotActive, 403).
    """
    unit = db.one_or_404(select(MemberUnit).where(MemberUnit.slug == slug))
    if not unit.is_active and not unit.sees_everything(current_user):
        abort(404)
    if for_edit:
        if not (unit.can_edit(current_user) or unit.is_admin(current_user)):
            abort(403)
        acting.require_writable(unit, current_user)
    return unit


@bp.route("")
@public_page
def index():
    """List active member units with search, filters, sorting and pages."""
    query = services.DirectoryQuery.from_args(request.args, current_app.config["MAX_PER_PAGE"])
    page = services.directory_page(query, db.engine.dialect.name)
    lines, certs = services.taxonomy()
    return render_template(
        "members/index.html",
        query=query,
        page=page,
        units=page.items,
        service_lines=lines,
        certifications=certs,
        org_types=ORG_TYPES,
        tiers=TIERS,
        districts=DISTRICTS,
    )


@bp.route("/stats")
@public_page
def stats():
    """Show how many active units there are by type, tier, district, service line and year."""
    return render_template("members/stats.html", stats=services.statistics())


@bp.route("/<slug>")
@public_page
def detail(slug):
    """Show a unit's public profile; contact fields according to the viewer."""
    unit = get_unit_or_404(slug)
    certifications = db.session.scalars(
        select(UnitCertification)
        .where(UnitCertification.unit_id == unit.id)
        .order_by(UnitCertification.id)
    ).all()
    return render_template(
        "members/detail.html",
        unit=unit,
        logo=services.logo_of(unit),
        certifications=certifications,
        contact=unit.contact_for(current_user),
        contact_fields=CONTACT_FIELDS,
        org_types=ORG_TYPES,
        districts=DISTRICTS,
        staff_sizes=STAFF_SIZES,
        can_edit=unit.can_edit(current_user),
        unit_status_label=STATUSES[unit.status],
        unit_contact_count=sum(1 for f in CONTACT_FIELDS if getattr(unit, f)),
    )


@bp.route("/<slug>/logo", methods=["GET", "POST"])
@login_required
def edit_logo(slug):
    """Upload or replace a unit's logo (its admins and the secretariat)."""
    unit = get_unit_or_404(slug, for_edit=True)
    form = LogoForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.set_logo(unit, form.logo.data.stream, current_user)
        if outcome.ok:
            flash(_("The logo has been updated."), "success")
            return redirect(url_for("members.detail", slug=unit.slug))
        form.logo.errors.append(outcome.message)
    logo = services.logo_of(unit)
    return render_template("members/logo.html", unit=unit, form=form, logo=logo)


@bp.post("/<slug>/logo/remove")
@login_required
def remove_logo(slug):
    """Remove a unit's logo."""
    unit = get_unit_or_404(slug, for_edit=True)
    with commit_or_report() as outcome:
        removed = services.remove_logo(unit, current_user)
    if not outcome.ok:
        flash(outcome.message, "danger")
    elif removed:
        flash(_("The logo has been removed."), "success")
    return redirect(url_for("members.edit_logo", slug=unit.slug))


@bp.route("/<slug>/logo/image")
def logo(slug):
    """Serve a unit's logo with caching headers."""
    unit = get_unit_or_404(slug)
    stored = services.logo_of(unit)
    if stored is None:
        abort(404)
    max_age = 31536000 if request.args.get("v") == stored.sha256[:12] else 3600
    return image_response(stored.content, stored.mime_type, stored.sha256, max_age=max_age)
