"""Public browse, resource pages and feed; owners' resources; inquiry threads."""

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

from alliance.clock import today_local
from alliance.database import commit_or_report, utcnow
from alliance.extensions import db, limiter, login_manager
from alliance.members import acting
from alliance.page_cache import public_page
from alliance.pagination import paginate
from alliance.resources import services
from alliance.resources.forms import (
    AskForm,
    CloseForm,
    ExtendForm,
    FilterForm,
    ImageForm,
    ReplyForm,
    ResourceForm,
)
from alliance.resources.markdown import render_markdown
from alliance.resources.models import (
    FULFILLED,
    VISIBILITY_PUBLIC,
    Inquiry,
    InquiryMessage,
    Resource,
    ResourceImage,
)
from alliance.uploads import image_response

bp = Blueprint("resources", __name__)


@bp.app_template_global()
def unit_resources(unit):
    """Return the unit's live resources the current viewer may see (one query)."""
    return services.unit_resources(unit, current_user, today_local())


@bp.app_template_filter("resource_markdown")
def resource_markdown(text):
    """Render resource Markdown to sanitised HTML."""
    return render_markdown(text)


# Loaders ----------------------------------------------------------------------------------


def _my_unit_or_403(write: bool = False):
    """Return the user's unit (403 without one); with `write`, refuse a unit that is not active."""
    unit = acting.unit_of(current_user)
    if unit is None:
        abort(403)
    if write:
        acting.require_writable(unit, current_user)  # UnitNotActive: a 403 with its reason
    return unit


def get_resource_or_404(resource_id: int, manage: bool = False) -> Resource:
    """Load a resource: 404 if missing or not visible; with `manage`, 403 unless the owner unit.

    Managing is writing: an owner unit that is not active is refused (UnitNotActive, 403).
    """
    if manage:
        unit = _my_unit_or_403()
        resource = db.session.scalar(
            select(Resource).where(Resource.id == resource_id, Resource.unit_id == unit.id)
        )
        if resource is None:
            db.get_or_404(Resource, resource_id)
            abort(403)
        acting.require_writable(unit, current_user)
        return resource
    resource = db.get_or_404(Resource, resource_id)
    if not services.may_view(resource, current_user, today_local()):
        live_for_members = (
            resource.is_live(today_local()) and resource.visibility != VISIBILITY_PUBLIC
        )
        if live_for_members and not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return resource


def get_inquiry_or_404(inquiry_id: int) -> Inquiry:
    """Load a thread: 404 if missing, 403 unless one of its two units or the secretariat."""
    inquiry = db.session.scalar(
        select(Inquiry)
        .where(Inquiry.id == inquiry_id)
        .options(
            joinedload(Inquiry.resource).joinedload(Resource.unit),
            joinedload(Inquiry.asker_unit),
            selectinload(Inquiry.messages).joinedload(InquiryMessage.author),
        )
    )
    if inquiry is None:
        abort(404)
    if not inquiry.may_read(current_user):
        abort(403)
    return inquiry


def flash_outcome(outcome, done: str) -> None:
    """Flash `done` if the action committed, else the reason it was refused."""
    if outcome.ok:
        flash(done, "success")
    else:
        flash(outcome.message, "danger")


# Public pages -----------------------------------------------------------------------------


@bp.route("/resources")
@public_page
def index():
    """Browse, search and filter the resources the viewer may see."""
    form = FilterForm(request.args, categories=services.categories())
    form.validate()
    page = services.browse_page(current_user, today_local(), form.filters())
    return render_template("resources/index.html", form=form, page=page, today=today_local())


@bp.route("/resources/feed.atom")
def feed():
    """Atom feed of the newest public resources."""
    resources = services.feed_resources(today_local())
    updated = max((item.updated_at for item in resources), default=None) or utcnow()
    body = render_template("resources/feed.xml", resources=resources, updated=updated)
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response


@bp.route("/resources/<int:resource_id>")
@public_page
def detail(resource_id: int):
    """Show one resource, with "ask about this" for people of other units."""
    resource = get_resource_or_404(resource_id)
    return _render_detail(resource, AskForm())


def _render_detail(resource: Resource, ask_form: AskForm, status: int = 200):
    today = today_local()
    return render_template(
        "resources/detail.html",
        resource=resource,
        today=today,
        ask_form=ask_form,
        may_ask=services.may_ask(resource, current_user, today),
        sees_contact=services.sees_members_only(current_user)
        or resource.is_managed_by(current_user),
        contact=services.contact_of(resource),
        manages=resource.is_managed_by(current_user),
    ), status


@bp.route("/resources/images/<int:image_id>")
def image(image_id: int):
    """Serve a resource image with caching headers (private unless the resource is public)."""
    item = db.get_or_404(ResourceImage, image_id)
    resource = item.resource
    if not services.may_view(resource, current_user, today_local()):
        abort(404)
    response = image_response(item.content, item.mime_type, item.sha256)
    if resource.visibility != VISIBILITY_PUBLIC or not resource.is_live(today_local()):
        response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/resources/<int:resource_id>/ask")
@limiter.limit(lambda: current_app.config["INQUIRY_RATE_LIMIT"], methods=["POST"])
@login_required
def ask(resource_id: int):
    """Ask the owner unit about a resource: opens or continues the thread between the units."""
    resource = get_resource_or_404(resource_id)
    acting.writable_unit(current_user)  # a unit that is not active asks nothing (403, why)
    if not services.may_ask(resource, current_user, today_local()):
        abort(403)
    form = AskForm()
    if not form.validate_on_submit():
        return _render_detail(resource, form, 400)
    with commit_or_report() as outcome:
        inquiry = services.ask(resource, current_user, form.body.data, today_local())
    if not outcome.ok:
        form.form_errors.append(outcome.message)
        return _render_detail(resource, form, outcome.status)
    flash(_("Your question has been sent to %(unit)s.", unit=resource.unit.display_name), "success")
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry.id))


# Owners -----------------------------------------------------------------------------------


@bp.route("/my/resources")
@login_required
def my_resources():
    """List every resource of the user's unit, whatever its status."""
    unit = _my_unit_or_403()
    query = (
        select(Resource)
        .where(Resource.unit_id == unit.id)
        .options(joinedload(Resource.category))
        .order_by(Resource.updated_at.desc(), Resource.id.desc())
    )
    page = paginate(query, per_page=30)
    return render_template(
        "resources/my_resources.html",
        unit=unit,
        page=page,
        today=today_local(),
        may_write=acting.may_write(unit, current_user),
    )


@bp.route("/my/resources/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a resource for the user's unit (draft, or published at once)."""
    unit = _my_unit_or_403(write=True)
    form = ResourceForm(
        categories=services.categories(), data=services.default_contact(unit, current_user)
    )
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            resource = services.create_resource(
                unit, current_user, form.data_for_service(), bool(form.publish.data), today_local()
            )
        if outcome.ok:
            flash(_("The listing has been saved."), "success")
            return redirect(url_for("resources.edit", resource_id=resource.id))
        form.form_errors.append(outcome.message)
    return render_template("resources/form.html", form=form, resource=None, unit=unit)


def _render_manage(
    resource, form=None, image_form=None, close_form=None, extend_form=None, status=200
):
    form = form or ResourceForm(obj=resource, categories=services.categories())
    return render_template(
        "resources/edit.html",
        resource=resource,
        form=form,
        image_form=image_form or ImageForm(),
        close_form=close_form or CloseForm(),
        extend_form=extend_form or ExtendForm(available_until=resource.available_until),
        today=today_local(),
    ), status


@bp.route("/my/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit(resource_id: int):
    """Edit a resource of the user's own unit; manage its images, publish, close or extend it."""
    resource = get_resource_or_404(resource_id, manage=True)
    form = ResourceForm(obj=resource, categories=services.categories())
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.update_resource(resource, form.data_for_service())
            if form.publish.data and resource.may_publish():
                services.publish_resource(resource, today_local())
        if not outcome.ok:
            form.form_errors.append(outcome.message)
            return _render_manage(resource, form=form, status=outcome.status)
        flash(_("The listing has been saved."), "success")
        return redirect(url_for("resources.edit", resource_id=resource.id))
    return _render_manage(resource, form=form, status=400 if form.errors else 200)


@bp.post("/my/resources/<int:resource_id>/publish")
@login_required
def publish(resource_id: int):
    """Publish a draft, closed or expired resource."""
    resource = get_resource_or_404(resource_id, manage=True)
    with commit_or_report() as outcome:
        services.publish_resource(resource, today_local())
    flash_outcome(outcome, _("The listing is published."))
    return redirect(url_for("resources.edit", resource_id=resource_id))


@bp.post("/my/resources/<int:resource_id>/close")
@login_required
def close(resource_id: int):
    """Close a resource as fulfilled or withdrawn."""
    resource = get_resource_or_404(resource_id, manage=True)
    form = CloseForm()
    if not form.validate_on_submit():
        return _render_manage(resource, close_form=form, status=400)
    with commit_or_report() as outcome:
        services.close_resource(resource, form.reason.data)
    flash_outcome(outcome, _("The listing is closed."))
    return redirect(url_for("resources.edit", resource_id=resource_id))


@bp.post("/my/resources/<int:resource_id>/extend")
@login_required
def extend(resource_id: int):
    """Move a resource's end date later (an expired resource is published again)."""
    resource = get_resource_or_404(resource_id, manage=True)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _render_manage(resource, extend_form=form, status=400)
    with commit_or_report() as outcome:
        services.extend_resource(resource, form.available_until.data, today_local())
    if not outcome.ok:
        form.available_until.errors.append(outcome.message)
        return _render_manage(resource, extend_form=form, status=outcome.status)
    flash(
        _("The listing now runs until %(day)s.", day=form.available_until.data.isoformat()),
        "success",
    )
    return redirect(url_for("resources.edit", resource_id=resource_id))


@bp.post("/my/resources/<int:resource_id>/images")
@login_required
def upload_image(resource_id: int):
    """Add an image to a resource (checked by content, re-encoded, at most five)."""
    resource = get_resource_or_404(resource_id, manage=True)
    form = ImageForm()
    if form.validate_on_submit():
        with commit_or_report() as outcome:
            services.add_image(resource, form.image.data.stream)
        if outcome.ok:
            flash(_("The image has been added."), "success")
            return redirect(url_for("resources.edit", resource_id=resource_id))
        form.image.errors.append(outcome.message)
    return _render_manage(resource, image_form=form, status=400)


@bp.post("/my/resources/<int:resource_id>/images/<int:image_id>/delete")
@login_required
def delete_image(resource_id: int, image_id: int):
    """Remove one image of a resource."""
    resource = get_resource_or_404(resource_id, manage=True)
    item = db.one_or_404(
        select(ResourceImage).where(
            ResourceImage.id == image_id, ResourceImage.resource_id == resource.id
        )
    )
    with commit_or_report() as outcome:
        services.remove_image(resource, item)
    flash_outcome(outcome, _("The image has been removed."))
    return redirect(url_for("resources.edit", resource_id=resource_id))


# Inquiries --------------------------------------------------------------------------------


@bp.route("/my/inquiries")
@login_required
def my_inquiries():
    """List the threads the user's unit asked or received (every thread for the secretariat)."""
    unit = acting.unit_of(current_user)
    if unit is not None:
        query = services.inquiries_of(unit)
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
        acting.require_writable(acting.unit_of(current_user), current_user)
        if form.validate_on_submit():
            with commit_or_report() as outcome:
                services.reply(thread, current_user, form.body.data)
            if outcome.ok:
                flash(_("Your message has been sent."), "success")
                return redirect(url_for("resources.inquiry", inquiry_id=thread.id))
            form.form_errors.append(outcome.message)
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
    acting.require_writable(acting.unit_of(current_user), current_user)
    with commit_or_report() as outcome:
        services.close_inquiry(thread, current_user)
    flash_outcome(outcome, _("The conversation is closed."))
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry_id))


@bp.post("/my/inquiries/<int:inquiry_id>/fulfilled")
@login_required
def mark_fulfilled(inquiry_id: int):
    """Let the owner unit mark the resource fulfilled from the conversation."""
    thread = get_inquiry_or_404(inquiry_id)
    if thread.side_of(current_user) != "owner":
        abort(403)
    acting.require_writable(thread.resource.unit, current_user)
    with commit_or_report() as outcome:
        services.close_resource(thread.resource, FULFILLED)
    flash_outcome(outcome, _("The listing is marked fulfilled."))
    return redirect(url_for("resources.inquiry", inquiry_id=inquiry_id))
