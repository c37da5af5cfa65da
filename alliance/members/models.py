"""Member units (会员单位) and the people who act for them."""

import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.database import LabelledEntry, check_in, utcnow
from alliance.extensions import db
from alliance.i18n import localized
from alliance.members.indexing import derived_values

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
    STATUS_APPLICANT: lazy_pgettext("unit status", "Applicant"),
    STATUS_ACTIVE: _l("Active"),
    STATUS_SUSPENDED: _l("Suspended"),
    STATUS_WITHDRAWN: lazy_pgettext("unit status", "Withdrawn"),
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

STAFF_SIZES = {
    "1-49": _l("1–49 staff"),
    "50-199": _l("50–199 staff"),
    "200-499": _l("200–499 staff"),
    "500-999": _l("500–999 staff"),
    "1000+": _l("1,000 staff or more"),
}

# Who may see a contact field: everyone, signed-in people of any member unit, or only the
# unit itself and the secretariat.
VISIBILITY_PUBLIC, VISIBILITY_MEMBERS, VISIBILITY_HIDDEN = "public", "members", "hidden"
VISIBILITIES = {
    VISIBILITY_PUBLIC: _l("Public"),
    VISIBILITY_MEMBERS: _l("Members only"),
    VISIBILITY_HIDDEN: _l("Hidden"),
}
CONTACT_FIELDS = ("address", "phone", "email")

ROLE_ADMIN, ROLE_STAFF = "admin", "staff"
UNIT_ROLES = {ROLE_ADMIN: _l("Administrator"), ROLE_STAFF: _l("Staff")}


def normalize_name(name: str) -> str:
    """Return the form of a unit name used for uniqueness (NFKC, no spaces, case-folded)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _belongs_to_active_unit(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    colleague = user.colleague
    return colleague is not None and colleague.unit.status == STATUS_ACTIVE


class MemberUnit(db.Model):
    """An organisation that is (or applies to be) a member of the alliance."""

    __tablename__ = "member_units"
    __table_args__ = (
        CheckConstraint(check_in("org_type", ORG_TYPES), name="org_type"),
        CheckConstraint(check_in("tier", TIERS), name="tier"),
        CheckConstraint(check_in("status", STATUSES), name="status"),
        CheckConstraint(check_in("address_visibility", VISIBILITIES), name="address_visibility"),
        CheckConstraint(check_in("phone_visibility", VISIBILITIES), name="phone_visibility"),
        CheckConstraint(check_in("email_visibility", VISIBILITIES), name="email_visibility"),
        # The directory filters on status and sorts by pinyin, joined date or tier. With `id` the
        # name index holds the whole page order: a deep page OFFSETs over the index alone.
        Index("ix_member_units_status_sort_key", "status", "sort_key", "id"),
        Index("ix_member_units_status_joined_on", "status", "joined_on"),
        Index("ix_member_units_status_tier_rank", "status", "tier_rank", "sort_key"),
        # The commonest filters, in name order: a page and a capped count read one index range.
        Index("ix_member_units_status_district_sort_key", "status", "district", "sort_key"),
        Index("ix_member_units_status_org_type_sort_key", "status", "org_type", "sort_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_normalized: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(50))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[str] = mapped_column(String(20), default="enterprise", index=True)
    tier: Mapped[str] = mapped_column(String(20), default=TIER_MEMBER, index=True)
    is_founding: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_APPLICANT, index=True)
    district: Mapped[str | None] = mapped_column(String(16), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    joined_on: Mapped[date | None]
    valid_until: Mapped[date | None]
    founded_year: Mapped[int | None]
    staff_size: Mapped[str | None] = mapped_column(String(16))
    website: Mapped[str | None] = mapped_column(String(300))
    intro_zh: Mapped[str | None] = mapped_column(Text)
    intro_en: Mapped[str | None] = mapped_column(Text)
    address_visibility: Mapped[str] = mapped_column(
        String(8), default=VISIBILITY_MEMBERS, server_default=VISIBILITY_MEMBERS
    )
    phone_visibility: Mapped[str] = mapped_column(
        String(8), default=VISIBILITY_MEMBERS, server_default=VISIBILITY_MEMBERS
    )
    email_visibility: Mapped[str] = mapped_column(
        String(8), default=VISIBILITY_MEMBERS, server_default=VISIBILITY_MEMBERS
    )
    # Derived from the names and introductions by an ORM event (see _derive_columns below);
    # every writer gets them without calling anything.
    sort_key: Mapped[str] = mapped_column(String(400), default="", server_default="")
    tier_rank: Mapped[int] = mapped_column(default=3, server_default="3")
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_grams: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The person who votes for the unit (会员代表).
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    representative: Mapped[User | None] = relationship(foreign_keys=[representative_id])
    colleagues: Mapped[list["Colleague"]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )
    service_lines: Mapped[list["ServiceLine"]] = relationship(
        secondary="unit_service_lines", order_by="ServiceLine.position"
    )
    certifications: Mapped[list["UnitCertification"]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )
    logo: Mapped["UnitLogo | None"] = relationship(
        back_populates="unit", cascade="all, delete-orphan", lazy="raise_on_sql"
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
    def display_name(self) -> str:
        """The unit's name in the reader's language (Chinese when there is no English name)."""
        return localized(self.name_zh, self.name_en)

    @property
    def intro(self) -> str:
        return localized(self.intro_zh, self.intro_en)

    @property
    def website_url(self) -> str | None:
        """The website when it is an http(s) address (never a javascript: link)."""
        site = (self.website or "").strip()
        return site if site.lower().startswith(("http://", "https://")) else None

    @property
    def tier_label(self) -> str:
        return str(TIERS[self.tier])

    def role_of(self, user) -> str | None:
        """Return the user's role in this unit ('admin', 'staff') or None."""
        colleague = getattr(user, "colleague", None)  # anonymous users have none
        if colleague is None or colleague.unit_id != self.id:
            return None
        return colleague.role

    def is_admin(self, user) -> bool:
        return self.role_of(user) == ROLE_ADMIN

    def is_representative(self, user) -> bool:
        return user is not None and getattr(user, "id", None) == self.representative_id

    def is_own(self, user) -> bool:
        """Tell whether the user belongs to this unit (admin or staff)."""
        return self.role_of(user) is not None

    def sees_everything(self, user) -> bool:
        """The unit's own people and the secretariat see every field and any status."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_secretariat or self.is_own(user)

    def contact_for(self, user) -> dict[str, str]:
        """Return the contact fields this viewer may see (by each field's visibility)."""
        if self.sees_everything(user):
            allowed = set(VISIBILITIES)
        elif _belongs_to_active_unit(user):
            allowed = {VISIBILITY_PUBLIC, VISIBILITY_MEMBERS}
        else:
            allowed = {VISIBILITY_PUBLIC}
        out = {}
        for field in CONTACT_FIELDS:
            value = getattr(self, field)
            if value and getattr(self, f"{field}_visibility") in allowed:
                out[field] = value
        return out

    def can_edit(self, user) -> bool:
        """Unit admins edit their own active unit; the secretariat edits any.

        A unit that is not active (suspended, withdrew, removed) is read-only to its people:
        the rule of alliance.members.acting.require_writable.
        """
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_secretariat:
            return True
        return self.is_admin(user) and self.is_active


@event.listens_for(MemberUnit, "before_insert")
@event.listens_for(MemberUnit, "before_update")
def _derive_columns(_mapper, _connection, unit: MemberUnit) -> None:
    """Keep the sort key, tier rank and search columns in step with the unit's text."""
    if unit.name_zh:
        unit.name_normalized = normalize_name(unit.name_zh)
    values = derived_values({c: getattr(unit, c) for c in DERIVED_FROM})
    for key, value in values.items():
        if getattr(unit, key) != value:
            setattr(unit, key, value)


DERIVED_FROM = ("name_zh", "name_en", "short_name", "intro_zh", "intro_en", "tier")


class Colleague(db.Model):
    """A person's place in a member unit (admin or staff): a user belongs to at most one unit."""

    __tablename__ = "colleagues"
    __table_args__ = (CheckConstraint(check_in("role", UNIT_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=ROLE_STAFF)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[MemberUnit] = relationship(back_populates="colleagues", lazy="joined")
    user: Mapped[User] = relationship(back_populates="colleague")


unit_service_lines = Table(
    "unit_service_lines",
    db.metadata,
    Column("unit_id", ForeignKey("member_units.id", ondelete="CASCADE"), primary_key=True),
    Column("service_line_id", ForeignKey("service_lines.id", ondelete="CASCADE"), primary_key=True),
    # The service-line filter looks units up by service line.
    Index("ix_unit_service_lines_service_line_id", "service_line_id"),
)


class ServiceLine(LabelledEntry, db.Model):
    """A service line in the secretariat-editable taxonomy (ITO / BPO / KPO and sub-areas)."""

    __tablename__ = "service_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(8))  # ITO, BPO or KPO


class Certification(LabelledEntry, db.Model):
    """A certification in the secretariat-editable taxonomy (CMMI, ISO 27001, …)."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)


class UnitCertification(db.Model):
    """A certification a unit holds, optionally with a level and the year obtained (CMMI 5, 2019)."""

    __tablename__ = "unit_certifications"
    __table_args__ = (UniqueConstraint("unit_id", "certification_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str | None] = mapped_column(String(20))
    year: Mapped[int | None]

    unit: Mapped[MemberUnit] = relationship(back_populates="certifications")
    certification: Mapped[Certification] = relationship(lazy="joined")


class UnitLogo(db.Model):
    """A unit's logo, re-encoded, stored in the database so every app server can serve it."""

    __tablename__ = "unit_logos"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), unique=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    mime_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[MemberUnit] = relationship(back_populates="logo")
