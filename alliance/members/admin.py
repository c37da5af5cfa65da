"""Secretariat screens of the member-unit feature: the service-line and certification taxonomy."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from alliance.database import commit_or_report
from alliance.extensions import db
from alliance.members import services
from alliance.members.forms import CertificationForm, ServiceLineForm
from alliance.members.models import ServiceLine
from alliance.permissions import secretariat_required

bp = Blueprint("members_admin", __name__, url_prefix="/admin")


def _model_or_404(kind: str):
    model = services.TAXONOMY_MODELS.get(kind)
    if model is None:
        abort(404)
    return model


def _form_for(model, item=None):
    form_class = ServiceLineForm if model is ServiceLine else CertificationForm
    return form_class(obj=item)


@bp.route("/taxonomy")
@secretariat_required
def taxonomy():
    """List the service lines and certifications with links to edit and reorder them."""
    lines, certs = services.taxonomy()
    return render_template("members/admin/taxonomy.html", lines=lines, certs=certs)


@bp.route("/taxonomy/<kind>/new", methods=["GET", "POST"])
@bp.route("/taxonomy/<kind>/<int:item_id>", methods=["GET", "POST"])
@secretariat_required
def taxonomy_edit(kind, item_id=None):
    """Add a service line or certification, or edit one's code and labels."""
    model = _model_or_404(kind)
    item = db.get_or_404(model, item_id) if item_id is not None else None
    form = _form_for(model, item)
    if form.validate_on_submit():
        if services.code_taken(model, form.code.data, item):
            form.code.errors.append(_("Another entry already uses this code."))
        else:
            with commit_or_report():
                services.save_taxonomy_item(model, item, form.data)
            flash(_("The taxonomy has been saved."), "success")
            return redirect(url_for("members_admin.taxonomy"))
    return render_template("members/admin/taxonomy_edit.html", form=form, item=item, kind=kind)


@bp.post("/taxonomy/<kind>/<int:item_id>/move")
@secretariat_required
def taxonomy_move(kind, item_id):
    """Move an entry one place up or down."""
    model = _model_or_404(kind)
    item = db.get_or_404(model, item_id)
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if direction is None:
        abort(400)
    with commit_or_report():
        services.move_taxonomy_item(model, item, direction)
    return redirect(url_for("members_admin.taxonomy"))
