"""Which member unit a person acts for, and in what capacity: one rule every feature calls.

A person belongs to at most one unit, as its admin or staff (a Colleague row); the unit's
representative (会员代表) is named on the unit. Only an active unit acts: the people of a
unit that applied, is suspended, withdrew or was removed act for nobody.
"""

from alliance.members.models import ROLE_ADMIN, MemberUnit

# Capacities a feature can ask for.
ANY = "any"  # any colleague: admin or staff
ADMIN = "admin"  # the unit's admins
REPRESENTATIVE = "representative"  # the one person who votes for the unit
ADMIN_OR_REPRESENTATIVE = "admin_or_representative"  # who may speak for the unit (nominate)

CAPACITIES = (ANY, ADMIN, REPRESENTATIVE, ADMIN_OR_REPRESENTATIVE)


def unit_of(user) -> MemberUnit | None:
    """Return the unit the user belongs to, whatever its status (None for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    colleague = user.colleague
    return colleague.unit if colleague is not None else None


def holds(unit: MemberUnit, user, capacity: str = ANY) -> bool:
    """Tell whether the user holds `capacity` in `unit` (whatever the unit's status)."""
    if capacity not in CAPACITIES:
        raise ValueError(f"unknown capacity {capacity!r}")
    colleague = getattr(user, "colleague", None)
    belongs = colleague is not None and colleague.unit_id == unit.id
    if capacity == ANY:
        return belongs
    if capacity == ADMIN:
        return belongs and colleague.role == ROLE_ADMIN
    if capacity == REPRESENTATIVE:
        return unit.is_representative(user)
    return (belongs and colleague.role == ROLE_ADMIN) or unit.is_representative(user)


def acting_unit(user, capacity: str = ANY) -> MemberUnit | None:
    """Return the active unit the user acts for in `capacity`, or None."""
    unit = unit_of(user)
    if unit is None or not unit.is_active:
        return None
    return unit if holds(unit, user, capacity) else None
