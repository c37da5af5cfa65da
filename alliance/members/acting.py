"""Which member unit a person acts for, and in what capacity: one rule every feature calls.

A person belongs to at most one unit, as its admin or staff (a Colleague row); the unit's
representative (会员代表) is named on the unit. Only an active unit acts: the people of a
unit that applied, is suspended, withdrew or was removed act for nobody.

The same rule guards every write (listings, images, inquiries, nominations, profile, logo,
colleagues): `require_writable(unit, user)` refuses with `UnitNotActive` (403) when the unit is
not active, in the views (before the form) and again in the services (so no path bypasses it).
The secretariat is not restricted: it manages suspended and closed units.
"""

from flask_babel import lazy_gettext as _l

from alliance.database import ServiceError
from alliance.members.models import ROLE_ADMIN, STATUSES, MemberUnit

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


# Writing for a unit ------------------------------------------------------------------------


class UnitNotActive(ServiceError):
    """The unit is not an active member, so nothing may be written for it (but by the secretariat)."""

    status = 403

    def __init__(self, unit: MemberUnit):
        super().__init__(not_active_message(unit))
        self.unit = unit


def not_active_message(unit: MemberUnit):
    """Say, in the reader's language, why nothing can be changed for `unit` now."""
    return _l(
        "%(unit)s is not an active member (status: %(status)s), so its profile, people, "
        "listings, inquiries and nominations cannot be changed for now. Contact the "
        "secretariat if you have questions.",
        unit=unit.display_name,
        status=STATUSES.get(unit.status, unit.status),
    )


def _is_secretariat(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_secretariat)


def may_write(unit: MemberUnit, user=None) -> bool:
    """Tell whether the unit's status lets `user` write for it (the secretariat always may)."""
    return unit.is_active or _is_secretariat(user)


def require_writable(unit: MemberUnit, user=None) -> None:
    """Refuse (UnitNotActive, 403) a write for a unit that is not active, unless by the secretariat.

    Services that do not know the actor pass no user: only the unit's own people call them.
    """
    if not may_write(unit, user):
        raise UnitNotActive(unit)


def writable_unit(user, capacity: str = ANY) -> MemberUnit | None:
    """Return the unit the user writes for in `capacity` (None if none); refuse a closed one."""
    unit = unit_of(user)
    if unit is None or not holds(unit, user, capacity):
        return None
    require_writable(unit, user)
    return unit
