"""Secretariat screens: outbox, audit log, accounts and roles."""

from datetime import datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from alliance import audit
from alliance.admin.forms import AuditFilterForm, RolesForm, UserSearchForm
from alliance.audit import AuditEvent
from alliance.auth import services as auth_services
from alliance.auth.models import ELECTION_OFFICER, SECRETARIAT, User
from alliance.database import commit_or_report
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.pagination import paginate
from alliance.permissions import secretariat_required

bp = Blueprint("admin", __name__)


@bp.route("/")
@secretariat_required
def index():
    """Show the secretariat's starting page."""
    return render_template("admin/index.html")


@bp.route("/outbox")
@secretariat_required
def outbox():
    """List the mail the platform has sent or stored, newest first."""
    page = paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=30)
    return render_template("admin/outbox.html", page=page)


@bp.route("/outbox/<int:message_id>")
@secretariat_required
def outbox_message(message_id: int):
    """Show one stored mail in full."""
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)


def _audit_query(form: AuditFilterForm):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip(), autoescape=True))
    if form.target_type.data:
        query = query.where(AuditEvent.target_type == form.target_type.data.strip())
    if form.target_id.data:
        query = query.where(AuditEvent.target_id == form.target_id.data.strip())
    if form.actor.data:
        actor = auth_services.find_user_by_email(form.actor.data)
        query = query.where(AuditEvent.actor_id == (actor.id if actor else -1))
    if form.date_from.data:
        query = query.where(AuditEvent.created_at >= datetime.combine(form.date_from.data, time()))
    if form.date_to.data:
        end = datetime.combine(form.date_to.data, time()) + timedelta(days=1)
        query = query.where(AuditEvent.created_at < end)
    return query


@bp.route("/audit")
@secretariat_required
def audit_log():
    """Browse and filter the audit log."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        page = None
    else:
        page = paginate(_audit_query(form), per_page=50)
    return render_template("admin/audit.html", form=form, page=page)


@bp.route("/users")
@secretariat_required
def users():
    """List accounts, searchable by email or name."""
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.id)
    if form.validate() and form.q.data:
        q = form.q.data.strip()
        query = query.where(
            or_(
                User.email_normalized.contains(q.lower(), autoescape=True),
                User.display_name.contains(q, autoescape=True),
            )
        )
    page = paginate(query, per_page=50)
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@secretariat_required
def user_detail(user_id: int):
    """Grant or revoke global roles and (de)activate an account."""
    user = db.get_or_404(User, user_id)
    form = RolesForm(
        secretariat=user.has_role(SECRETARIAT),
        election_officer=user.has_role(ELECTION_OFFICER),
        active=user.active,
    )
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.secretariat.data or not form.active.data):
            form.form_errors.append(_("You cannot remove your own secretariat role or account."))
        else:
            roles = {SECRETARIAT} if form.secretariat.data else set()
            if form.election_officer.data:
                roles.add(ELECTION_OFFICER)
            with commit_or_report():
                auth_services.set_roles(user, roles)
                if user.active != form.active.data:
                    user.active = form.active.data
                    user.rotate_nonce()
                    audit.record(
                        "user.activated" if user.active else "user.deactivated",
                        user,
                        old={"active": not user.active},
                        new={"active": user.active},
                    )
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user.html", user=user, form=form)
