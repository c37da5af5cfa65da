"""Public browse, listing pages and feed; owners' listings; inquiry threads."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from alliance.database import utcnow
from alliance.extensions import db, limiter, login_manager
from alliance.page_cache import public_page
from alliance.pagination import paginate
from alliance.resources import services
from alliance.resources.forms import (
    AskForm,
    CloseForm,
    ExtendForm,
    FilterForm,
    ImageForm,
    ListingForm,
    ReplyForm,
)
from alliance.resources.markdown import render_markdown
from alliance.resources.models import (
    FULFILLED,
    VISIBILITY_PUBLIC,
    Inquiry,
    InquiryMessage,
    Listing,
    ListingImage,
)
from alliance.resources.services import ResourceError, today_local
from alliance.uploads import ImageRejected, image_response

bp = Blueprint("resources", __name__)


@bp.app_template_global()
def unit_listings(unit):
    """Return the unit's live listings the current viewer may see (one query)."""
    return services.unit_listings(unit, current_user, today_local())


@bp.app_template_filter("listing_markdown")
def listing_markdown(text):
    """Render listing Markdown to sanitised HTML."""
    return render_markdown(text)


# Loaders ----------------------------------------------------------------------------------


def _my_unit_or_403():
    membership = getattr(current_user, "colleague", None)
    if membership is None:
        abort(403)
    return membership.unit


def get_listing_or_404(listing_id: int, manage: bool = False) -> Listing:
    """Load a listing: 404 if missing or not visible; with `manage`, 403 unless the owner unit."""
    if manage:
        unit = _my_unit_or_403()
        listing = db.session.scalar(
            select(Listing).where(Listing.id == listing_id, Listing.unit_id == unit.id)
        )
        if listing is None:
            db.get_or_404(Listing, listing_id)
            abort(403)
        return listing
    listing = db.get_or_404(Listing, listing_id)
    if not services.may_view(listing, current_user, today_local()):
        live_for_members = (
            listing.is_live(today_local()) and listing.visibility != VISIBILITY_PUBLIC
        )
        if live_for_members and not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return listing


def get_inquiry_or_404(inquiry_id: int) -> Inquiry:
    """Load a thread: 404 if missing, 403 unless one of its two units or the secretariat."""
    inquiry = db.session.scalar(
        select(Inquiry)
        .where(Inquiry.id == inquiry_id)
        .options(
            joinedload(Inquiry.listing).joinedload(Listing.unit),
            joinedload(Inquiry.asker_unit),
            selectinload(Inquiry.messages).joinedload(InquiryMessage.author),
        )
    )
    if inquiry is None:
        abort(404)
    if not inquiry.may_read(current_user):
        abort(403)
    return inquiry


# Public pages -----------------------------------------------------------------------------


@bp.route("/resources")
@public_page
def index():
    """Browse, search and filter the listings the viewer may see."""
    form = FilterForm(request.args, categories=services.categories())
    form.validate()
    page = services.browse_page(current_user, today_local(), form.filters())
    return render_template("resources/index.html", form=form, page=page, today=today_local())


@bp.route("/resources/feed.atom")
def feed():
    """Atom feed of the newest public listings."""
    listings = services.feed_listings(today_local())
    updated = max((item.updated_at for item in listings), default=None) or utcnow()
    body = render_template("resources/feed.xml", listings=listings, updated=updated)
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response


@bp.route("/resources/<int:listing_id>")
@public_page
def detail(listing_id: int):
    """Show one listing, with "ask about this" for people of other units."""
    listing = get_listing_or_404(listing_id)
    return _render_detail(listing, AskForm())


def _render_detail(listing: Listing, ask_form: AskForm, status: int = 200):
    today = today_local()
    return render_template(
        "resources/detail.html",
        listing=listing,
        today=today,
        ask_form=ask_form,
        may_ask=services.may_ask(listing, current_user, today),
        sees_contact=services.sees_members_only(current_user)
        or listing.is_managed_by(current_user),
        contact=services.contact_of(listing),
        manages=listing.is_managed_by(current_user),
    ), status


@bp.route("/resources/images/<int:image_id>")
def image(image_id: int):
    """Serve a listing image with caching headers (private unless the listing is public)."""
    item = db.get_or_404(ListingImage, image_id)
    listing = item.listing
    if not services.may_view(listing, current_user, today_local()):
        abort(404)
    response = image_response(item.content, item.mime_type, item.sha256)
    if listing.visibility != VISIBILITY_PUBLIC or not listing.is_live(today_local()):
        response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/resources/<int:listing_id>/ask")
@limiter.limit(lambda: current_app.config["INQUIRY_RATE_LIMIT"], methods=["POST"])
@login_required
def ask(listing_id: int):
    """Ask the owner unit about a listing: opens or continues the thread between the units."""
    listing = get_listing_or_404(listing_id)
    if not services.may_ask(listing, current_user, today_local()):
        abort(403)
    form = AskForm()
    if not form.validate_on_submit():
        return _render_detail(listing, form, 400)
    try:
        inquiry = services.ask(listing, current_user, form.body.data, today_local())
    except ResourceError as exc:
        form.form_errors.append(exc.message)
        return _render_detail(listing, form, 400)
    db.session.commit()
    flash(_("Your question has been sent to %(unit)s.", unit=listing.unit.display_name), "success")
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry.id))


# Owners -----------------------------------------------------------------------------------


@bp.route("/my/resources")
@login_required
def my_listings():
    """List every listing of the user's unit, whatever its status."""
    unit = _my_unit_or_403()
    query = (
        select(Listing)
        .where(Listing.unit_id == unit.id)
        .options(joinedload(Listing.category))
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )
    page = paginate(query, per_page=30)
    return render_template("resources/my_listings.html", unit=unit, page=page, today=today_local())


@bp.route("/my/resources/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a listing for the user's unit (draft, or published at once)."""
    unit = _my_unit_or_403()
    form = ListingForm(
        categories=services.categories(), data=services.default_contact(unit, current_user)
    )
    if form.validate_on_submit():
        try:
            listing = services.create_listing(
                unit, current_user, form.data_for_service(), bool(form.publish.data), today_local()
            )
        except ResourceError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The listing has been saved."), "success")
            return redirect(url_for("resources.edit", listing_id=listing.id))
    return render_template("resources/form.html", form=form, listing=None, unit=unit)


def _render_manage(
    listing, form=None, image_form=None, close_form=None, extend_form=None, status=200
):
    form = form or ListingForm(obj=listing, categories=services.categories())
    return render_template(
        "resources/edit.html",
        listing=listing,
        form=form,
        image_form=image_form or ImageForm(),
        close_form=close_form or CloseForm(),
        extend_form=extend_form or ExtendForm(available_until=listing.available_until),
        today=today_local(),
    ), status


@bp.route("/my/resources/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int):
    """Edit a listing of the user's own unit; manage its images, publish, close or extend it."""
    listing = get_listing_or_404(listing_id, manage=True)
    form = ListingForm(obj=listing, categories=services.categories())
    if form.validate_on_submit():
        try:
            services.update_listing(listing, form.data_for_service())
            if form.publish.data and listing.may_publish():
                services.publish_listing(listing, today_local())
        except ResourceError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return _render_manage(listing, form=form, status=400)
        db.session.commit()
        flash(_("The listing has been saved."), "success")
        return redirect(url_for("resources.edit", listing_id=listing.id))
    return _render_manage(listing, form=form, status=400 if form.errors else 200)


def _owner_action(listing_id: int, action, message: str):
    listing = get_listing_or_404(listing_id, manage=True)
    try:
        action(listing)
    except ResourceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("resources.edit", listing_id=listing_id))


@bp.post("/my/resources/<int:listing_id>/publish")
@login_required
def publish(listing_id: int):
    """Publish a draft, closed or expired listing."""
    return _owner_action(
        listing_id,
        lambda listing: services.publish_listing(listing, today_local()),
        _("The listing is published."),
    )


@bp.post("/my/resources/<int:listing_id>/close")
@login_required
def close(listing_id: int):
    """Close a listing as fulfilled or withdrawn."""
    listing = get_listing_or_404(listing_id, manage=True)
    form = CloseForm()
    if not form.validate_on_submit():
        return _render_manage(listing, close_form=form, status=400)
    return _owner_action(
        listing_id,
        lambda item: services.close_listing(item, form.reason.data),
        _("The listing is closed."),
    )


@bp.post("/my/resources/<int:listing_id>/extend")
@login_required
def extend(listing_id: int):
    """Move a listing's end date later (an expired listing is published again)."""
    listing = get_listing_or_404(listing_id, manage=True)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _render_manage(listing, extend_form=form, status=400)
    try:
        services.extend_listing(listing, form.available_until.data, today_local())
    except ResourceError as exc:
        db.session.rollback()
        form.available_until.errors.append(exc.message)
        return _render_manage(listing, extend_form=form, status=400)
    db.session.commit()
    flash(
        _("The listing now runs until %(day)s.", day=form.available_until.data.isoformat()),
        "success",
    )
    return redirect(url_for("resources.edit", listing_id=listing_id))


@bp.post("/my/resources/<int:listing_id>/images")
@login_required
def upload_image(listing_id: int):
    """Add an image to a listing (checked by content, re-encoded, at most five)."""
    listing = get_listing_or_404(listing_id, manage=True)
    form = ImageForm()
    if form.validate_on_submit():
        try:
            services.add_image(listing, form.image.data.stream)
        except (ImageRejected, ResourceError) as exc:
            db.session.rollback()
            form.image.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The image has been added."), "success")
            return redirect(url_for("resources.edit", listing_id=listing_id))
    return _render_manage(listing, image_form=form, status=400)


@bp.post("/my/resources/<int:listing_id>/images/<int:image_id>/delete")
@login_required
def delete_image(listing_id: int, image_id: int):
    """Remove one image of a listing."""
    listing = get_listing_or_404(listing_id, manage=True)
    item = db.one_or_404(
        select(ListingImage).where(
            ListingImage.id == image_id, ListingImage.listing_id == listing.id
        )
    )
    services.remove_image(listing, item)
    db.session.commit()
    flash(_("The image has been removed."), "success")
    return redirect(url_for("resources.edit", listing_id=listing_id))


# Inquiries --------------------------------------------------------------------------------


@bp.route("/my/inquiries")
@login_required
def my_inquiries():
    """List the threads the user's unit asked or received (every thread for the secretariat)."""
    membership = getattr(current_user, "colleague", None)
    if membership is not None:
        query = services.inquiries_of(membership.unit)
        unit = membership.unit
    elif current_user.is_secretariat:
        query = services.all_inquiries()
        unit = None
    else:
        query = None
        unit = None
    page = paginate(query, per_page=30) if query is not None else None
    return render_template("resources/inquiries.html", page=page, unit=unit)


@bp.route("/my/inquiries/<int:inquiry_id>", methods=["GET", "POST"])
@login_required
def inquiry(inquiry_id: int):
    """Read a thread and write in it (the two units only)."""
    thread = get_inquiry_or_404(inquiry_id)
    side = thread.side_of(current_user)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        if side is None:
            abort(403)
        if form.validate_on_submit():
            try:
                services.reply(thread, current_user, form.body.data)
            except ResourceError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("Your message has been sent."), "success")
                return redirect(url_for("resources.inquiry", inquiry_id=thread.id))
        status = 400
    return render_template(
        "resources/inquiry.html",
        inquiry=thread,
        side=side,
        form=form,
        today=today_local(),
    ), status


@bp.post("/my/inquiries/<int:inquiry_id>/close")
@login_required
def close_inquiry(inquiry_id: int):
    """Close a thread (either unit may)."""
    thread = get_inquiry_or_404(inquiry_id)
    if thread.side_of(current_user) is None:
        abort(403)
    try:
        services.close_inquiry(thread)
    except ResourceError as exc:
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("The conversation is closed."), "success")
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry_id))


@bp.post("/my/inquiries/<int:inquiry_id>/fulfilled")
@login_required
def mark_fulfilled(inquiry_id: int):
    """Let the owner unit mark the listing fulfilled from the conversation."""
    thread = get_inquiry_or_404(inquiry_id)
    if thread.side_of(current_user) != "owner":
        abort(403)
    try:
        services.close_listing(thread.listing, FULFILLED)
    except ResourceError as exc:
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("The listing is marked fulfilled."), "success")
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry_id))
