"""Invitations: a unit admin invites a colleague by email with a single-use, expiring link."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit, mail
from alliance.auth.models import User
from alliance.clock import now_utc
from alliance.extensions import db
from alliance.links import external_url
from alliance.members import acting
from alliance.members.models import ROLE_ADMIN, ROLE_STAFF, Colleague, MemberUnit
from alliance.membership.models import Invitation
from alliance.membership.services.applications import open_application_of
from alliance.membership.services.colleagues import HISTORY_CODE
from alliance.membership.services.common import MembershipError, record_history


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token (only its hash is kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite(unit: MemberUnit, email: str, role: str, actor: User) -> Invitation:
    """Invite a colleague by email with a single-use, expiring link."""
    from alliance.auth.services import find_user_by_email

    acting.require_writable(unit, actor)
    email = email.strip()
    existing = find_user_by_email(email)
    if existing is not None and existing.colleague is not None:
        if existing.colleague.unit_id == unit.id:
            raise MembershipError(_l("This person is already a colleague in your unit."), "email")
        raise MembershipError(
            _l("This address belongs to an account of another member unit."), "email"
        )
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_MAX_AGE_DAYS"]
    invitation = Invitation(
        unit=unit,
        email=email,
        role=role if role in (ROLE_ADMIN, ROLE_STAFF) else ROLE_STAFF,
        token_hash=hash_token(token),
        invited_by_id=actor.id,
        expires_at=now_utc() + timedelta(days=days),
    )
    db.session.add(invitation)
    audit.record("membership.invited", unit, new={"email": email, "role": role}, actor=actor)
    mail.send(
        email,
        "membership/mail/invitation",
        locale=existing.locale if existing else None,
        unit=unit,
        inviter=actor,
        secret_links={"link": external_url("membership.accept_invitation", token=token)},
        days=days,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """Return the invitation a token belongs to (used or not), or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def accept_invitation(invitation: Invitation, user: User) -> Colleague:
    """Attach a user without a unit to the inviting unit; the invitation is used up."""
    now = now_utc()
    if not invitation.is_usable(now):
        raise MembershipError(_l("This invitation is used, withdrawn or expired."))
    acting.require_writable(invitation.unit)  # nobody joins a unit that is not active
    if user.colleague is not None:
        raise MembershipError(_l("Your account already belongs to a member unit."))
    if open_application_of(user) is not None:
        raise MembershipError(_l("You have a membership application being handled."))
    colleague = Colleague(user=user, unit=invitation.unit, role=invitation.role)
    db.session.add(colleague)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    record_history(
        invitation.unit, HISTORY_CODE, None, f"+ {user.display_name}", user, HISTORY_CODE
    )
    audit.record(
        "membership.invitation_accepted",
        invitation.unit,
        new={"user": user.email, "role": invitation.role},
        actor=user,
    )
    return colleague


def revoke_invitation(invitation: Invitation, actor: User) -> None:
    """Withdraw an unused invitation."""
    acting.require_writable(invitation.unit, actor)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now_utc()
        audit.record(
            "membership.invitation_revoked", invitation.unit, new={"email": invitation.email}
        )
