"""Secretariat screens for resources: moderation (hide with a reason, feature) and categories."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from alliance.extensions import db
from alliance.members.models import MemberUnit
from alliance.pagination import paginate
from alliance.permissions import secretariat_required
from alliance.resources import services
from alliance.resources.forms import CategoryForm, HideForm
from alliance.resources.models import STATUSES, Listing, ResourceCategory
from alliance.resources.services import ResourceError, today_local

bp = Blueprint("resources_admin", __name__)


@bp.route("/resources")
@secretariat_required
def index():
    """List every listing for moderation, with the category list."""
    query = (
        select(Listing)
        .join(Listing.unit)
        .options(contains_eager(Listing.unit), joinedload(Listing.category))
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )
    status = request.args.get("status", "")
    if status in STATUSES:
        query = query.where(Listing.status == status)
    elif status == "hidden":
        query = query.where(Listing.is_hidden.is_(True))
    elif status == "featured":
        query = query.where(Listing.is_featured.is_(True))
    q = request.args.get("q", "").strip()[:100]
    if q:
        query = query.where(
            or_(
                Listing.title_zh.contains(q, autoescape=True),
                Listing.title_en.icontains(q, autoescape=True),
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


def _moderate(listing_id: int, action, message: str):
    listing = db.get_or_404(Listing, listing_id)
    try:
        action(listing)
    except ResourceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("resources_admin.index"))


@bp.post("/resources/<int:listing_id>/hide")
@secretariat_required
def hide(listing_id: int):
    """Hide a listing with a reason; the owner unit is mailed."""
    form = HideForm()
    if not form.validate_on_submit():
        db.get_or_404(Listing, listing_id)
        flash(_("Give the reason for hiding the listing."), "danger")
        return redirect(url_for("resources_admin.index"))
    return _moderate(
        listing_id,
        lambda listing: services.hide_listing(listing, form.reason.data),
        _("The listing is hidden and its unit has been told why."),
    )


@bp.post("/resources/<int:listing_id>/unhide")
@secretariat_required
def unhide(listing_id: int):
    """Show a hidden listing again."""
    return _moderate(listing_id, services.unhide_listing, _("The listing is visible again."))


@bp.post("/resources/<int:listing_id>/feature")
@secretariat_required
def feature(listing_id: int):
    """Feature a listing, or stop featuring it."""
    featured = request.form.get("featured") == "1"
    return _moderate(
        listing_id,
        lambda listing: services.set_featured(listing, featured),
        _("The listing is featured.") if featured else _("The listing is no longer featured."),
    )


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
            services.save_category(category, data)
            db.session.commit()
            flash(_("The category has been saved."), "success")
            return redirect(url_for("resources_admin.index"))
    status = 400 if form.errors else 200
    return render_template("resources/admin/category.html", form=form, category=category), status
