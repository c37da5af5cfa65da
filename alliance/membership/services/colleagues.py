"""A unit's colleagues: roles, removal (never the last admin) and the representative."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from alliance import audit
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import ROLE_ADMIN, ROLE_STAFF, Colleague, MemberUnit
from alliance.membership.services.common import MembershipError, record_history

# History rows about colleagues keep their stored source and field code "people".
HISTORY_CODE = "people"


def _admin_count(unit: MemberUnit) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Colleague)
        .where(Colleague.unit_id == unit.id, Colleague.role == ROLE_ADMIN)
    )


def set_role(unit: MemberUnit, colleague: Colleague, role: str, actor: User) -> None:
    """Change a colleague's role; a unit always keeps at least one admin."""
    acting.require_writable(unit, actor)
    if role not in (ROLE_ADMIN, ROLE_STAFF):
        raise MembershipError(_l("Choose a role."), "role")
    if colleague.role == role:
        return
    if colleague.role == ROLE_ADMIN and _admin_count(unit) <= 1:
        raise MembershipError(
            _l("A unit always keeps at least one administrator; make someone else admin first.")
        )
    old = colleague.role
    colleague.role = role
    name = colleague.user.display_name
    record_history(unit, "role", f"{name}: {old}", role, actor, HISTORY_CODE)
    audit.record(
        "membership.role_changed",
        unit,
        old={"user": colleague.user.email, "role": old},
        new={"user": colleague.user.email, "role": role},
        actor=actor,
    )


def remove_colleague(unit: MemberUnit, colleague: Colleague, actor: User) -> None:
    """Remove a colleague; never the last admin, never the representative."""
    acting.require_writable(unit, actor)
    if colleague.role == ROLE_ADMIN and _admin_count(unit) <= 1:
        raise MembershipError(
            _l("A unit always keeps at least one administrator; the last one cannot be removed.")
        )
    if unit.representative_id == colleague.user_id:
        raise MembershipError(
            _l("This person is the unit's representative; name another representative first.")
        )
    user = colleague.user
    unit.colleagues.remove(colleague)
    db.session.delete(colleague)
    db.session.flush()
    record_history(unit, HISTORY_CODE, f"- {user.display_name}", None, actor, HISTORY_CODE)
    # The audit action keeps its recorded name, so older log entries still match it.
    audit.record("membership.member_removed", unit, old={"user": user.email}, actor=actor)


def set_representative(unit: MemberUnit, user: User, actor: User) -> None:
    """Name the unit's representative (会员代表) from its colleagues."""
    acting.require_writable(unit, actor)
    if not acting.holds(unit, user):
        raise MembershipError(_l("The representative must be one of the unit's colleagues."))
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
        HISTORY_CODE,
    )
    audit.record(
        "membership.representative_changed",
        unit,
        old={"representative": old.email if old else None},
        new={"representative": user.email},
        actor=actor,
    )
