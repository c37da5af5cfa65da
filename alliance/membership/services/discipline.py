"""The secretariat's discipline: warning, suspension, reactivation, removal, withdrawal, tier."""

from flask_babel import lazy_gettext as _l

from alliance import audit
from alliance.auth.models import User
from alliance.members.models import (
    STATUS_ACTIVE,
    STATUS_REMOVED,
    STATUS_SUSPENDED,
    STATUS_WITHDRAWN,
    TIERS,
    MemberUnit,
)
from alliance.membership.services.common import MembershipError, mail_admins, record_history

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
    mail_admins(
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
    mail_admins(
        unit, "membership/mail/unit_status", action="tier", old=old, new=tier, reason=reason
    )
