"""Member units (会员单位) and the people who act for them."""

import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from alliance.auth.models import User
from alliance.database import utcnow
from alliance.extensions import db

# Organisation types (domain notes: the four kinds of member, plus other).
ORG_TYPES = {
    "enterprise": _l("Service-outsourcing enterprise"),
    "academic": _l("Academic & research institution"),
    "investment": _l("Information-investment company"),
    "intermediary": _l("Intermediary organisation"),
    "other": _l("Other"),
}

# Tiers, highest first. Set by council results or by the secretariat, never by the unit.
TIER_CHAIR, TIER_VICE_CHAIR, TIER_COUNCIL, TIER_MEMBER = "chair", "vice_chair", "council", "member"
TIERS = {
    TIER_CHAIR: _l("Chairman unit"),
    TIER_VICE_CHAIR: _l("Vice-chairman unit"),
    TIER_COUNCIL: _l("Council unit"),
    TIER_MEMBER: _l("Member unit"),
}

STATUS_APPLICANT, STATUS_ACTIVE = "applicant", "active"
STATUS_SUSPENDED, STATUS_WITHDRAWN, STATUS_REMOVED = "suspended", "withdrawn", "removed"
STATUSES = {
    STATUS_APPLICANT: _l("Applicant"),
    STATUS_ACTIVE: _l("Active"),
    STATUS_SUSPENDED: _l("Suspended"),
    STATUS_WITHDRAWN: _l("Withdrawn"),
    STATUS_REMOVED: _l("Removed"),
}

DISTRICTS = {
    "siming": _l("Siming"),
    "huli": _l("Huli"),
    "jimei": _l("Jimei"),
    "haicang": _l("Haicang"),
    "tongan": _l("Tong'an"),
    "xiangan": _l("Xiang'an"),
}

ROLE_ADMIN, ROLE_STAFF = "admin", "staff"
UNIT_ROLES = {ROLE_ADMIN: _l("Administrator"), ROLE_STAFF: _l("Staff")}


def normalize_name(name: str) -> str:
    """Return the form of a unit name used for uniqueness (NFKC, no spaces, case-folded)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class MemberUnit(db.Model):
    """An organisation that is (or applies to be) a member of the alliance."""

    __tablename__ = "member_units"
    __table_args__ = (
        CheckConstraint(_in("org_type", ORG_TYPES), name="org_type"),
        CheckConstraint(_in("tier", TIERS), name="tier"),
        CheckConstraint(_in("status", STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_normalized: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(50))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[str] = mapped_column(String(20), default="enterprise")
    tier: Mapped[str] = mapped_column(String(20), default=TIER_MEMBER, index=True)
    is_founding: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default=STATUS_APPLICANT, index=True)
    district: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    joined_on: Mapped[date | None]
    # The person who votes for the unit (会员代表).
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    representative: Mapped[User | None] = relationship(foreign_keys=[representative_id])
    memberships: Mapped[list["UnitMembership"]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<MemberUnit {self.id} {self.name_zh}>"

    def set_name(self, name_zh: str) -> None:
        self.name_zh = name_zh.strip()
        self.name_normalized = normalize_name(name_zh)

    @property
    def is_active(self) -> bool:
        return self.status == STATUS_ACTIVE

    @property
    def tier_label(self) -> str:
        return str(TIERS[self.tier])

    def role_of(self, user) -> str | None:
        """Return the user's role in this unit ('admin', 'staff') or None."""
        membership = getattr(user, "membership", None)
        if membership is None or membership.unit_id != self.id:
            return None
        return membership.role

    def is_admin(self, user) -> bool:
        return self.role_of(user) == ROLE_ADMIN

    def is_representative(self, user) -> bool:
        return user is not None and getattr(user, "id", None) == self.representative_id

    def can_edit(self, user) -> bool:
        """Unit admins edit their own unit; the secretariat edits any."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_secretariat or self.is_admin(user)


class UnitMembership(db.Model):
    """A user's place in a member unit: a user belongs to at most one unit."""

    __tablename__ = "unit_memberships"
    __table_args__ = (CheckConstraint(_in("role", UNIT_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=ROLE_STAFF)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[MemberUnit] = relationship(back_populates="memberships", lazy="joined")
    user: Mapped[User] = relationship(backref=backref("membership", uselist=False, lazy="selectin"))
