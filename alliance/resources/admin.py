"""Secretariat screens for resources: moderation (hide with a reason, feature) and categories."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from alliance.clock import today_local
from alliance.database import commit_or_report
from alliance.extensions import db
from alliance.forms import strip_controls
from alliance.members.models import MemberUnit
from alliance.pagination import paginate
from alliance.permissions import secretariat_required
from alliance.resources import services
from alliance.resources.forms import CategoryForm, HideForm
from alliance.resources.models import STATUSES, Resource, ResourceCategory
from alliance.resources.views import flash_outcome

bp = Blueprint("resources_admin", __name__)


@bp.route("/resources")
@secretariat_required
def index():
    """List every resource for moderation, with the category list."""
    query = (
        select(Resource)
        .join(Resource.unit)
        .options(contains_eager(Resource.unit), joinedload(Resource.category))
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
    )
    status = request.args.get("status", "")
    if status in STATUSES:
        query = query.where(Resource.status == status)
    elif status == "hidden":
        query = query.where(Resource.is_hidden.is_(True))
    elif status == "featured":
        query = query.where(Resource.is_featured.is_(True))
    q = strip_controls(request.args.get("q", "")).strip()[:100]
    if q:
        query = query.where(
            or_(
                Resource.title_zh.contains(q, autoescape=True),
                Resource.title_en.icontains(q, autoescape=True),
                MemberUnit.name_zh.contains(q, autoescape=True),
            )
        )
    page = paginate(query, per_page=30)
    return render_template(
        "resources/admin/index.html",
        page=page,
        status=status,
        q=q,
        statuses=STATUSES,
        categories=services.categories(),
        hide_form=HideForm(),
        today=today_local(),
    )


@bp.post("/resources/<int:resource_id>/hide")
@secretariat_required
def hide(resource_id: int):
    """Hide a resource with a reason; the owner unit is mailed."""
    resource = db.get_or_404(Resource, resource_id)
    form = HideForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for hiding the listing."), "danger")
        return redirect(url_for("resources_admin.index"))
    with commit_or_report() as outcome:
        services.hide_resource(resource, form.reason.data)
    flash_outcome(outcome, _("The listing is hidden and its unit has been told why."))
    return redirect(url_for("resources_admin.index"))


@bp.post("/resources/<int:resource_id>/unhide")
@secretariat_required
def unhide(resource_id: int):
    """Show a hidden resource again."""
    resource = db.get_or_404(Resource, resource_id)
    with commit_or_report() as outcome:
        services.unhide_resource(resource)
    flash_outcome(outcome, _("The listing is visible again."))
    return redirect(url_for("resources_admin.index"))


@bp.post("/resources/<int:resource_id>/feature")
@secretariat_required
def feature(resource_id: int):
    """Feature a resource, or stop featuring it."""
    resource = db.get_or_404(Resource, resource_id)
    featured = request.form.get("featured") == "1"
    with commit_or_report() as outcome:
        services.set_featured(resource, featured)
    flash_outcome(
        outcome,
        _("The listing is featured.") if featured else _("The listing is no longer featured."),
    )
    return redirect(url_for("resources_admin.index"))


@bp.route("/resources/categories/new", methods=["GET", "POST"])
@secretariat_required
def new_category():
    """Add a category."""
    return _category_form(None)


@bp.route("/resources/categories/<int:category_id>", methods=["GET", "POST"])
@secretariat_required
def edit_category(category_id: int):
    """Change a category's labels or position."""
    return _category_form(db.get_or_404(ResourceCategory, category_id))


def _category_form(category: ResourceCategory | None):
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        clash = db.session.scalar(
            select(ResourceCategory).where(ResourceCategory.code == form.code.data)
        )
        if clash is not None and clash is not category:
            form.code.errors.append(_("Another category already uses this code."))
        else:
            data = {f: form[f].data for f in ("code", "label_zh", "label_en", "position")}
            with commit_or_report():
                services.save_category(category, data)
            flash(_("The category has been saved."), "success")
            return redirect(url_for("resources_admin.index"))
    status = 400 if form.errors else 200
    return render_template("resources/admin/category.html", form=form, category=category), status
