"""Key-field changes (names, credit code, type): checked, requested, decided by the secretariat."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.clock import now_utc
from alliance.extensions import db
from alliance.members.forms import credit_code_message
from alliance.members.models import ORG_TYPES, MemberUnit
from alliance.membership.models import CR_APPROVED, CR_OPEN, CR_REJECTED, ChangeRequest
from alliance.membership.services.common import (
    MembershipError,
    duplicate_problems,
    mail_admins,
    record_history,
)

# Key fields: a unit admin's change to them waits for the secretariat.
KEY_FIELDS = ("name_zh", "name_en", "credit_code", "org_type")


def open_change_request(unit: MemberUnit) -> ChangeRequest | None:
    """Return the unit's change request that waits for the secretariat, if any."""
    return db.session.scalar(
        select(ChangeRequest).where(
            ChangeRequest.unit_id == unit.id, ChangeRequest.status == CR_OPEN
        )
    )


def check_key_changes(unit: MemberUnit, changes: dict) -> None:
    """Refuse key-field values that are missing, invalid or already another unit's."""
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


def request_key_changes(unit: MemberUnit, changes: dict, actor: User) -> ChangeRequest:
    """Open a change request for the secretariat (one open request per unit)."""
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
        changes=changes,
        requested_by_id=actor.id,
    )
    db.session.add(request)
    audit.record(
        "membership.change_requested",
        unit,
        old={k: v["old"] for k, v in changes.items()},
        new={k: v["new"] for k, v in changes.items()},
        actor=actor,
    )
    return request


def apply_key_changes(unit: MemberUnit, changes: dict, actor, source: str) -> None:
    """Publish key-field values at once, with a history row for each."""
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
    check_key_changes(unit, current)
    apply_key_changes(unit, current, actor, "change_request")
    _close_request(request, CR_APPROVED, actor, None)
    mail_admins(unit, "membership/mail/change_request_decided", change=request)


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
    mail_admins(request.unit, "membership/mail/change_request_decided", change=request)


def _close_request(request: ChangeRequest, status: str, actor, reason) -> None:
    request.status = status
    request.open_unit_id = None
    request.decided_by_id = actor.id
    request.decided_at = now_utc()
    request.reason = reason
