"""Membership workflows: applications, profile changes, colleagues, discipline (callers commit)."""

import hashlib
import re
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from alliance import audit, mail
from alliance.auth.models import User
from alliance.database import utcnow
from alliance.extensions import db
from alliance.links import external_url
from alliance.members import credit_code as cc
from alliance.members.models import (
    DISTRICTS,
    ORG_TYPES,
    ROLE_ADMIN,
    ROLE_STAFF,
    STAFF_SIZES,
    STATUS_ACTIVE,
    STATUS_APPLICANT,
    STATUS_REMOVED,
    STATUS_SUSPENDED,
    STATUS_WITHDRAWN,
    STATUSES,
    TIERS,
    UNIT_ROLES,
    VISIBILITIES,
    Certification,
    Colleague,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    normalize_name,
)
from alliance.membership.models import (
    APP_ADMITTED,
    APP_APPROVED,
    APP_NOTICE,
    APP_REJECTED,
    APP_REVIEWED,
    APP_SUBMITTED,
    CR_APPROVED,
    CR_OPEN,
    CR_REJECTED,
    OPEN_APPLICATION_STATUSES,
    Application,
    ApplicationStep,
    ChangeRequest,
    Invitation,
    UnitHistory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Profile fields a unit admin publishes at once, and key fields that need the secretariat.
DIRECT_FIELDS = (
    "short_name",
    "district",
    "address",
    "phone",
    "email",
    "address_visibility",
    "phone_visibility",
    "email_visibility",
    "website",
    "intro_zh",
    "intro_en",
    "founded_year",
    "staff_size",
)
KEY_FIELDS = ("name_zh", "name_en", "credit_code", "org_type")

# History source labels.
SOURCE_LABELS = {
    "profile": _l("Profile edit"),
    "change_request": _l("Approved change request"),
    "secretariat": _l("Secretariat"),
    "import": _l("Import"),
    "people": _l("People"),
    "application": _l("Application"),
}


FIELD_LABELS = {
    "name_zh": _l("Chinese name"),
    "name_en": _l("English name"),
    "credit_code": _l("Unified social credit code"),
    "org_type": _l("Type of organisation"),
    "short_name": _l("Short name"),
    "district": _l("District"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address_visibility": _l("Who sees the address"),
    "phone_visibility": _l("Who sees the phone"),
    "email_visibility": _l("Who sees the email"),
    "website": _l("Website"),
    "intro_zh": _l("Introduction (Chinese)"),
    "intro_en": _l("Introduction (English)"),
    "founded_year": _l("Founded in (year)"),
    "staff_size": _l("Staff size"),
    "service_lines": _l("Service lines"),
    "certifications": _l("Certifications"),
    "status": _l("Status"),
    "tier": _l("Tier"),
    "is_founding": _l("Founding member"),
    "joined_on": _l("Joined on"),
    "valid_until": _l("Valid until"),
    "representative": _l("Representative"),
    "people": _l("People"),
    "role": _l("Role"),
    "created": _l("Created"),
    "warning": _l("Warning"),
}

# Fields whose stored value is a code with a label.
CODED_FIELDS = {
    "org_type": ORG_TYPES,
    "tier": TIERS,
    "status": STATUSES,
    "district": DISTRICTS,
    "staff_size": STAFF_SIZES,
    "address_visibility": VISIBILITIES,
    "phone_visibility": VISIBILITIES,
    "email_visibility": VISIBILITIES,
}


class MembershipError(ValueError):
    """A rule refused the action; the message says why (shown to the user)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def today_local() -> date:
    """Return today's date in Xiamen."""
    return datetime.now(SHANGHAI).date()


def add_years(day: date, years: int) -> date:
    """Return the same day `years` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def make_slug(name_en: str | None) -> str:
    """Return a free URL slug derived from the English name (or a random one)."""
    base = ""
    if name_en:
        ascii_name = unicodedata.normalize("NFKD", name_en).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50].strip("-")
    base = base or "unit"
    slug = base
    while db.session.scalar(select(MemberUnit.id).where(MemberUnit.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def credit_code_message(code: str):
    """Return what is wrong with a credit code as a sentence, or None when it is valid."""
    problem = cc.problem(cc.normalize(code))
    if problem == "length":
        return _l(
            "A unified social credit code has 18 characters; this one has %(n)d.",
            n=len(cc.normalize(code)),
        )
    if problem == "character":
        bad = "".join(sorted({ch for ch in cc.normalize(code) if ch not in cc.ALPHABET}))
        return _l(
            "The code contains characters a credit code never uses (%(chars)s); "
            "I, O, S, V and Z are not used.",
            chars=bad,
        )
    if problem == "check":
        return _l(
            "The last character (check character) does not match the first 17; "
            "please check the code for a typing error."
        )
    return None


def duplicate_problems(
    credit_code: str | None, name_zh: str | None, exclude_unit_id: int | None = None
) -> dict[str, object]:
    """Return {field: message} for a credit code or Chinese name another unit already has."""
    problems: dict[str, object] = {}
    if credit_code:
        query = select(MemberUnit.id).where(MemberUnit.credit_code == cc.normalize(credit_code))
        if exclude_unit_id:
            query = query.where(MemberUnit.id != exclude_unit_id)
        if db.session.scalar(query) is not None:
            problems["credit_code"] = _l(
                "A unit with this unified social credit code is already registered or has "
                "applied. If it is yours, ask its administrator to invite you."
            )
    if name_zh:
        query = select(MemberUnit.id).where(MemberUnit.name_normalized == normalize_name(name_zh))
        if exclude_unit_id:
            query = query.where(MemberUnit.id != exclude_unit_id)
        if db.session.scalar(query) is not None:
            problems["name_zh"] = _l(
                "A unit with this Chinese name is already registered or has applied."
            )
    return problems


def record_history(unit: MemberUnit, field: str, old, new, actor, source: str) -> UnitHistory:
    """Add one history row for a changed field."""
    row = UnitHistory(
        unit_id=unit.id,
        field=field,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
        actor_id=getattr(actor, "id", None),
        source=source,
    )
    db.session.add(row)
    return row


def unit_admins(unit: MemberUnit) -> list[User]:
    """Return the unit's admin accounts."""
    return [m.user for m in unit.colleagues if m.role == ROLE_ADMIN]


def _mail_admins(unit: MemberUnit, template: str, **ctx) -> None:
    for admin in unit_admins(unit):
        mail.send(admin.email, template, locale=admin.locale, user=admin, unit=unit, **ctx)


# Applications --------------------------------------------------------------------------


def open_application_of(user: User) -> Application | None:
    """Return the user's application that is still being handled, if any."""
    return db.session.scalar(
        select(Application).where(
            Application.applicant_id == user.id,
            Application.status.in_(OPEN_APPLICATION_STATUSES),
        )
    )


def latest_application_of(user: User) -> Application | None:
    """Return the user's most recent application, open or decided."""
    return db.session.scalar(
        select(Application)
        .where(Application.applicant_id == user.id)
        .order_by(Application.id.desc())
        .limit(1)
    )


def submit_application(unit_data: dict, licence: dict, applicant: User) -> Application:
    """Create the applicant unit and its application; mail the applicant."""
    if getattr(applicant, "colleague", None) is not None:
        raise MembershipError(_l("Your account already belongs to a member unit."))
    if open_application_of(applicant) is not None:
        raise MembershipError(_l("You already have an application being handled."))
    code = cc.normalize(unit_data["credit_code"])
    message = credit_code_message(code)
    if message:
        raise MembershipError(message, "credit_code")
    for field, message in duplicate_problems(code, unit_data["name_zh"]).items():
        raise MembershipError(message, field)
    unit = MemberUnit(
        slug=make_slug(unit_data.get("name_en")),
        credit_code=code,
        status=STATUS_APPLICANT,
        name_en=unit_data.get("name_en") or None,
        org_type=unit_data["org_type"],
        district=unit_data.get("district") or None,
        address=unit_data.get("address") or None,
        phone=unit_data.get("phone") or None,
        email=unit_data.get("email") or None,
        website=unit_data.get("website") or None,
        intro_zh=unit_data.get("intro_zh") or None,
        intro_en=unit_data.get("intro_en") or None,
    )
    unit.set_name(unit_data["name_zh"])
    db.session.add(unit)
    db.session.flush()
    application = Application(
        unit=unit,
        applicant=applicant,
        status=APP_SUBMITTED,
        unit_name_zh=unit.name_zh,
        unit_name_en=unit.name_en,
        credit_code=code,
        accepted_constitution_at=utcnow(),
        **licence,
    )
    application.steps.append(ApplicationStep(from_status=None, to_status=APP_SUBMITTED))
    db.session.add(application)
    audit.record(
        "membership.application_submitted",
        application,
        new={"unit": unit.name_zh, "credit_code": code},
        actor=applicant,
    )
    _mail_applicant(application, "application_received")
    return application


def _mail_applicant(application: Application, template: str, **ctx) -> None:
    user = application.applicant
    mail.send(
        user.email,
        f"membership/mail/{template}",
        locale=user.locale,
        user=user,
        application=application,
        **ctx,
    )


def _step(application: Application, to_status: str, actor, note: str | None) -> None:
    old = application.status
    application.steps.append(
        ApplicationStep(
            from_status=old, to_status=to_status, actor_id=getattr(actor, "id", None), note=note
        )
    )
    application.status = to_status
    audit.record(
        f"membership.application_{to_status}",
        application,
        old={"status": old},
        new={"status": to_status, "note": note},
        actor=actor,
    )


def advance_application(application: Application, actor: User, note: str | None = None) -> str:
    """Move an application one step on (council approval opens the public notice at once)."""
    note = (note or "").strip() or None
    if application.status == APP_SUBMITTED:
        _step(application, APP_REVIEWED, actor, note)
        _mail_applicant(application, "application_step", note=note)
    elif application.status in (APP_REVIEWED, APP_APPROVED):
        if application.status == APP_REVIEWED:
            _step(application, APP_APPROVED, actor, note)
        days = current_app.config["MEMBERSHIP_NOTICE_DAYS"]
        application.notice_ends_on = today_local() + timedelta(days=days)
        _step(application, APP_NOTICE, actor, None)
        _mail_applicant(application, "application_step", note=note)
    elif application.status == APP_NOTICE:
        if not application.may_admit(today_local()):
            raise MembershipError(
                _l(
                    "The public notice runs until %(day)s; admission is possible after it ends.",
                    day=application.notice_ends_on.isoformat(),
                )
            )
        _admit(application, actor, note)
    else:
        raise MembershipError(_l("This application is closed."))
    return application.status


def _admit(application: Application, actor: User, note: str | None) -> None:
    unit, applicant = application.unit, application.applicant
    if unit is None:
        raise MembershipError(_l("The applicant unit no longer exists."))
    if applicant.colleague is not None:
        raise MembershipError(
            _l("The applicant's account has joined another unit meanwhile; it cannot be admitted.")
        )
    _step(application, APP_ADMITTED, actor, note)
    application.decided_at = utcnow()
    unit.status = STATUS_ACTIVE
    unit.joined_on = today_local()
    unit.valid_until = add_years(unit.joined_on, current_app.config["MEMBERSHIP_TERM_YEARS"])
    db.session.add(Colleague(user=applicant, unit=unit, role=ROLE_ADMIN))
    unit.representative_id = applicant.id
    db.session.flush()
    record_history(unit, "status", STATUS_APPLICANT, STATUS_ACTIVE, actor, "application")
    record_history(unit, "representative", None, applicant.display_name, actor, "application")
    _mail_applicant(application, "application_admitted")


def reject_application(application: Application, actor: User, reason: str) -> None:
    """Reject an open application with a reason; free the name and code for a new application."""
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_l("Give a reason for the rejection."), "reason")
    if not application.is_open:
        raise MembershipError(_l("This application is closed."))
    _step(application, APP_REJECTED, actor, reason)
    application.reason = reason
    application.decided_at = utcnow()
    unit = application.unit
    _mail_applicant(application, "application_rejected", reason=reason)
    if unit is not None and unit.status == STATUS_APPLICANT:
        application.unit = None
        db.session.delete(unit)


def public_notice(limit: int = 10) -> dict:
    """Return applications in public notice and recently admitted units (two queries)."""
    in_notice = db.session.scalars(
        select(Application)
        .where(Application.status == APP_NOTICE)
        .order_by(Application.notice_ends_on, Application.id)
        .limit(limit)
    ).all()
    since = today_local() - timedelta(days=current_app.config["PUBLIC_NOTICE_DAYS"])
    admitted = db.session.scalars(
        select(MemberUnit)
        .where(
            MemberUnit.status == STATUS_ACTIVE,
            MemberUnit.is_founding.is_(False),
            MemberUnit.joined_on >= since,
        )
        .order_by(MemberUnit.joined_on.desc(), MemberUnit.id.desc())
        .limit(limit)
    ).all()
    return {"in_notice": in_notice, "admitted": admitted}


# Profile and change requests -------------------------------------------------------------


def open_change_request(unit: MemberUnit) -> ChangeRequest | None:
    return db.session.scalar(
        select(ChangeRequest).where(
            ChangeRequest.unit_id == unit.id, ChangeRequest.status == CR_OPEN
        )
    )


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _services_text(lines) -> str:
    return ", ".join(line.code for line in lines)


def _certs_text(certs) -> str:
    parts = []
    for uc in sorted(certs, key=lambda c: c.certification.position):
        text = uc.certification.code
        if uc.level:
            text += f" {uc.level}"
        if uc.year:
            text += f" ({uc.year})"
        parts.append(text)
    return ", ".join(parts)


def update_profile(
    unit: MemberUnit,
    data: dict,
    actor: User,
    service_line_ids: list[int] | None = None,
    certifications: list[dict] | None = None,
) -> ChangeRequest | None:
    """Publish direct profile changes; turn key-field changes into a change request.

    Only DIRECT_FIELDS and KEY_FIELDS are read from `data`: tier, status, founding flag and
    representative can never be set here. The secretariat's key-field changes apply at once.
    """
    source = "secretariat" if actor.is_secretariat and not unit.is_admin(actor) else "profile"
    key_changes = {}
    for field in KEY_FIELDS:
        if field not in data:
            continue
        new = _clean(data[field])
        if field == "credit_code" and new:
            new = cc.normalize(new)
        if new != getattr(unit, field):
            key_changes[field] = {"old": getattr(unit, field), "new": new}
    if key_changes:
        _check_key_changes(unit, key_changes)
    request = None
    if key_changes and not actor.is_secretariat:
        if open_change_request(unit) is not None:
            raise MembershipError(
                _l(
                    "A change request for the names, credit code or type is already waiting "
                    "for the secretariat; wait for its decision before asking again."
                )
            )
        request = ChangeRequest(
            unit_id=unit.id,
            open_unit_id=unit.id,
            changes=key_changes,
            requested_by_id=actor.id,
        )
        db.session.add(request)
        audit.record(
            "membership.change_requested",
            unit,
            old={k: v["old"] for k, v in key_changes.items()},
            new={k: v["new"] for k, v in key_changes.items()},
            actor=actor,
        )
    elif key_changes:
        _apply_key_changes(unit, key_changes, actor, "secretariat")

    changed = {}
    for field in DIRECT_FIELDS:
        if field not in data:
            continue
        new = _clean(data[field])
        old = getattr(unit, field)
        if new != old:
            setattr(unit, field, new)
            changed[field] = (old, new)
    if service_line_ids is not None:
        old_text = _services_text(unit.service_lines)
        lines = (
            db.session.scalars(
                select(ServiceLine)
                .where(ServiceLine.id.in_(service_line_ids))
                .order_by(ServiceLine.position)
            ).all()
            if service_line_ids
            else []
        )
        if _services_text(lines) != old_text:
            unit.service_lines = list(lines)
            changed["service_lines"] = (old_text or None, _services_text(lines) or None)
    if certifications is not None:
        old_text = _certs_text(unit.certifications)
        _set_certifications(unit, certifications)
        new_text = _certs_text(unit.certifications)
        if new_text != old_text:
            changed["certifications"] = (old_text or None, new_text or None)
    for field, (old, new) in changed.items():
        record_history(unit, field, old, new, actor, source)
    if changed:
        audit.record(
            "membership.profile_updated",
            unit,
            old={k: v[0] for k, v in changed.items()},
            new={k: v[1] for k, v in changed.items()},
            actor=actor,
        )
    return request


def _set_certifications(unit: MemberUnit, wanted: list[dict]) -> None:
    """Make the unit's certifications match [{"certification_id", "level", "year"}]."""
    by_id = {uc.certification_id: uc for uc in unit.certifications}
    valid_ids = set(db.session.scalars(select(Certification.id)))
    keep = set()
    for item in wanted:
        cid = item["certification_id"]
        if cid not in valid_ids:
            continue
        keep.add(cid)
        level, year = _clean(item.get("level")), item.get("year")
        if cid in by_id:
            uc = by_id[cid]
            uc.level, uc.year = level, year
        else:
            certification = db.session.get(Certification, cid)
            unit.certifications.append(
                UnitCertification(certification=certification, level=level, year=year)
            )
    for cid, uc in by_id.items():
        if cid not in keep:
            unit.certifications.remove(uc)
    db.session.flush()


def _check_key_changes(unit: MemberUnit, changes: dict) -> None:
    if "name_zh" in changes and not changes["name_zh"]["new"]:
        raise MembershipError(_l("The Chinese name is required."), "name_zh")
    if "org_type" in changes and changes["org_type"]["new"] not in ORG_TYPES:
        raise MembershipError(_l("Choose a type of organisation."), "org_type")
    code = changes.get("credit_code", {}).get("new")
    if "credit_code" in changes:
        message = credit_code_message(code or "")
        if message:
            raise MembershipError(message, "credit_code")
    name = changes.get("name_zh", {}).get("new")
    for field, message in duplicate_problems(code, name, exclude_unit_id=unit.id).items():
        raise MembershipError(message, field)


def _apply_key_changes(unit: MemberUnit, changes: dict, actor, source: str) -> None:
    for field, change in changes.items():
        old = getattr(unit, field)
        if field == "name_zh":
            unit.set_name(change["new"])
        else:
            setattr(unit, field, change["new"])
        record_history(unit, field, old, getattr(unit, field), actor, source)
    audit.record(
        "membership.key_fields_changed",
        unit,
        old={k: v["old"] for k, v in changes.items()},
        new={k: v["new"] for k, v in changes.items()},
        actor=actor,
    )


def approve_change_request(request: ChangeRequest, actor: User) -> None:
    """Publish the requested key-field values (checked again: they may have been taken meanwhile)."""
    if request.status != CR_OPEN:
        raise MembershipError(_l("This change request has already been decided."))
    unit = request.unit
    current = {
        field: {"old": getattr(unit, field), "new": change["new"]}
        for field, change in request.changes.items()
        if getattr(unit, field) != change["new"]
    }
    _check_key_changes(unit, current)
    _apply_key_changes(unit, current, actor, "change_request")
    _close_request(request, CR_APPROVED, actor, None)
    _mail_admins(unit, "membership/mail/change_request_decided", change=request)


def reject_change_request(request: ChangeRequest, actor: User, reason: str) -> None:
    """Refuse a change request with a reason; the old values stay."""
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_l("Give a reason for the rejection."), "reason")
    if request.status != CR_OPEN:
        raise MembershipError(_l("This change request has already been decided."))
    _close_request(request, CR_REJECTED, actor, reason)
    audit.record(
        "membership.change_rejected",
        request.unit,
        new={"request": request.id, "reason": reason},
        actor=actor,
    )
    _mail_admins(request.unit, "membership/mail/change_request_decided", change=request)


def _close_request(request: ChangeRequest, status: str, actor, reason) -> None:
    request.status = status
    request.open_unit_id = None
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.reason = reason


# People ----------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(unit: MemberUnit, email: str, role: str, actor: User) -> Invitation:
    """Invite a colleague by email with a single-use, expiring link."""
    from alliance.auth.services import find_user_by_email

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
        token_hash=_hash_token(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(days=days),
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
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(token)))


def accept_invitation(invitation: Invitation, user: User) -> Colleague:
    """Attach a user without a unit to the inviting unit; the invitation is used up."""
    now = utcnow()
    if not invitation.is_usable(now):
        raise MembershipError(_l("This invitation is used, withdrawn or expired."))
    if user.colleague is not None:
        raise MembershipError(_l("Your account already belongs to a member unit."))
    if open_application_of(user) is not None:
        raise MembershipError(_l("You have a membership application being handled."))
    membership = Colleague(user=user, unit=invitation.unit, role=invitation.role)
    db.session.add(membership)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    record_history(invitation.unit, "people", None, f"+ {user.display_name}", user, "people")
    audit.record(
        "membership.invitation_accepted",
        invitation.unit,
        new={"user": user.email, "role": invitation.role},
        actor=user,
    )
    return membership


def revoke_invitation(invitation: Invitation, actor: User) -> None:
    """Withdraw an unused invitation."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(
            "membership.invitation_revoked", invitation.unit, new={"email": invitation.email}
        )


def _admin_count(unit: MemberUnit) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Colleague)
        .where(Colleague.unit_id == unit.id, Colleague.role == ROLE_ADMIN)
    )


def set_role(unit: MemberUnit, membership: Colleague, role: str, actor: User) -> None:
    """Change a colleague's role; a unit always keeps at least one admin."""
    if role not in (ROLE_ADMIN, ROLE_STAFF):
        raise MembershipError(_l("Choose a role."), "role")
    if membership.role == role:
        return
    if membership.role == ROLE_ADMIN and _admin_count(unit) <= 1:
        raise MembershipError(
            _l("A unit always keeps at least one administrator; make someone else admin first.")
        )
    old = membership.role
    membership.role = role
    record_history(unit, "role", f"{membership.user.display_name}: {old}", role, actor, "people")
    audit.record(
        "membership.role_changed",
        unit,
        old={"user": membership.user.email, "role": old},
        new={"user": membership.user.email, "role": role},
        actor=actor,
    )


def remove_member(unit: MemberUnit, membership: Colleague, actor: User) -> None:
    """Remove a colleague; never the last admin, never the representative."""
    if membership.role == ROLE_ADMIN and _admin_count(unit) <= 1:
        raise MembershipError(
            _l("A unit always keeps at least one administrator; the last one cannot be removed.")
        )
    if unit.representative_id == membership.user_id:
        raise MembershipError(
            _l("This person is the unit's representative; name another representative first.")
        )
    user = membership.user
    unit.colleagues.remove(membership)
    db.session.delete(membership)
    db.session.flush()
    record_history(unit, "people", f"- {user.display_name}", None, actor, "people")
    audit.record("membership.member_removed", unit, old={"user": user.email}, actor=actor)


def set_representative(unit: MemberUnit, user: User, actor: User) -> None:
    """Name the unit's representative (会员代表) from its people."""
    if unit.role_of(user) is None:
        raise MembershipError(_l("The representative must be one of the unit's people."))
    if unit.representative_id == user.id:
        return
    old = unit.representative
    unit.representative_id = user.id
    record_history(
        unit,
        "representative",
        old.display_name if old else None,
        user.display_name,
        actor,
        "people",
    )
    audit.record(
        "membership.representative_changed",
        unit,
        old={"representative": old.email if old else None},
        new={"representative": user.email},
        actor=actor,
    )


# Secretariat: discipline, withdrawal, tier -------------------------------------------------

STATUS_ACTIONS = {
    # action: (allowed from, to (None: status unchanged), label)
    "warn": ((STATUS_ACTIVE, STATUS_SUSPENDED), None, _l("Warning (警告)")),
    "suspend": ((STATUS_ACTIVE,), STATUS_SUSPENDED, _l("Suspend")),
    "reactivate": ((STATUS_SUSPENDED,), STATUS_ACTIVE, _l("Reactivate")),
    "remove": ((STATUS_ACTIVE, STATUS_SUSPENDED), STATUS_REMOVED, _l("Remove (除名)")),
    "withdraw": (
        (STATUS_ACTIVE, STATUS_SUSPENDED),
        STATUS_WITHDRAWN,
        _l("Record withdrawal (退会)"),
    ),
}


def change_status(unit: MemberUnit, action: str, reason: str, actor: User) -> None:
    """Suspend, reactivate, remove or record the withdrawal of a unit, with a reason."""
    reason = (reason or "").strip()
    if action not in STATUS_ACTIONS:
        raise MembershipError(_l("Unknown action."))
    if not reason:
        raise MembershipError(_l("Give a reason."), "reason")
    allowed, target, _label = STATUS_ACTIONS[action]
    if unit.status not in allowed:
        raise MembershipError(_l("This action is not possible for a unit in its current status."))
    old = unit.status
    if target is None:  # a warning: recorded and mailed, the status stays
        target = old
        record_history(unit, "warning", None, reason, actor, "secretariat")
    else:
        unit.status = target
        record_history(unit, "status", old, target, actor, "secretariat")
    audit.record(
        f"membership.unit_{action}",
        unit,
        old={"status": old},
        new={"status": target, "reason": reason},
        actor=actor,
    )
    _mail_admins(
        unit, "membership/mail/unit_status", action=action, old=old, new=target, reason=reason
    )


def set_tier(unit: MemberUnit, tier: str, reason: str, actor: User) -> None:
    """Override a unit's tier (normally from council results), with a reason, audited."""
    reason = (reason or "").strip()
    if tier not in TIERS:
        raise MembershipError(_l("Choose a tier."), "tier")
    if not reason:
        raise MembershipError(_l("Give a reason."), "reason")
    if unit.tier == tier:
        raise MembershipError(_l("The unit already has this tier."), "tier")
    old = unit.tier
    unit.tier = tier
    record_history(unit, "tier", old, tier, actor, "secretariat")
    audit.record(
        "membership.unit_tier", unit, old={"tier": old}, new={"tier": tier, "reason": reason}
    )
    _mail_admins(
        unit, "membership/mail/unit_status", action="tier", old=old, new=tier, reason=reason
    )


LABELS = {
    **CODED_FIELDS,
    "field": FIELD_LABELS,
    "source": SOURCE_LABELS,
    "role": UNIT_ROLES,
    "action": {k: v[2] for k, v in STATUS_ACTIONS.items()},
}
