"""What every membership workflow shares: its error, slugs, duplicate checks, history, admins."""

import re
import secrets
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import mail
from alliance.auth.models import User
from alliance.database import ServiceError
from alliance.extensions import db
from alliance.members import credit_code as cc
from alliance.members.models import ROLE_ADMIN, MemberUnit, normalize_name
from alliance.membership.models import UnitHistory


class MembershipError(ServiceError):
    """A rule refused the action; the message says why (shown to the user)."""

    def __init__(self, message, field: str | None = None, status: int | None = None):
        super().__init__(message, status=status, field=field)


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
    return [colleague.user for colleague in unit.colleagues if colleague.role == ROLE_ADMIN]


def mail_admins(unit: MemberUnit, template: str, **ctx) -> None:
    """Mail each of the unit's admins, in their own language."""
    for admin in unit_admins(unit):
        mail.send(admin.email, template, locale=admin.locale, user=admin, unit=unit, **ctx)
