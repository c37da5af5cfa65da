"""Shared resources (资源共享): categories, resources, images and inquiry threads."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.database import LabelledEntry, check_in, utcnow
from alliance.extensions import db
from alliance.i18n import localized
from alliance.members import acting
from alliance.members.models import DISTRICTS, MemberUnit

KIND_OFFER, KIND_REQUEST = "offer", "request"
KINDS = {KIND_OFFER: _l("Offer"), KIND_REQUEST: _l("Request")}

TERMS = {
    "free": _l("Free"),
    "at_cost": _l("At cost"),
    "negotiable": _l("Negotiable"),
}

VISIBILITY_PUBLIC, VISIBILITY_MEMBERS = "public", "members"
VISIBILITIES = {VISIBILITY_PUBLIC: _l("Public"), VISIBILITY_MEMBERS: _l("Members only")}

DRAFT, PUBLISHED, CLOSED, EXPIRED = "draft", "published", "closed", "expired"
STATUSES = {
    DRAFT: _l("Draft"),
    PUBLISHED: _l("Published"),
    CLOSED: _l("Closed"),
    EXPIRED: _l("Expired"),
}

FULFILLED, WITHDRAWN = "fulfilled", "withdrawn"
CLOSE_REASONS = {FULFILLED: _l("Fulfilled"), WITHDRAWN: _l("Withdrawn")}

INQUIRY_OPEN, INQUIRY_ANSWERED, INQUIRY_CLOSED = "open", "answered", "closed"
INQUIRY_STATUSES = {
    INQUIRY_OPEN: _l("Open"),
    INQUIRY_ANSWERED: _l("Answered"),
    INQUIRY_CLOSED: _l("Closed"),
}

MAX_IMAGES = 5


class ResourceCategory(LabelledEntry, db.Model):
    """A kind of shared resource; the secretariat edits the list and its labels."""

    __tablename__ = "resource_categories"

    id: Mapped[int] = mapped_column(primary_key=True)


class Resource(db.Model):
    """A resource a member unit offers to, or seeks from, the other members."""

    __tablename__ = "resource_listings"
    __table_args__ = (
        CheckConstraint(check_in("kind", KINDS), name="kind"),
        CheckConstraint(check_in("terms", TERMS), name="terms"),
        CheckConstraint(check_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(check_in("status", STATUSES), name="status"),
        CheckConstraint(
            f"close_reason IS NULL OR {check_in('close_reason', CLOSE_REASONS)}",
            name="close_reason",
        ),
        CheckConstraint(
            "available_until IS NULL OR available_from IS NULL "
            "OR available_until >= available_from",
            name="availability",
        ),
        # The browse order (featured first, newest first) among published resources, read
        # backwards: a page stops after its rows instead of sorting every resource.
        Index("ix_resource_listings_browse", "status", "is_featured", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("resource_categories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default=KIND_OFFER)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(String(16), default="negotiable")
    price_text: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[str | None] = mapped_column(String(100))
    available_from: Mapped[date | None]
    # The resource expires after this day (Beijing time).
    available_until: Mapped[date | None] = mapped_column(index=True)
    visibility: Mapped[str] = mapped_column(String(8), default=VISIBILITY_PUBLIC)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    close_reason: Mapped[str | None] = mapped_column(String(16))
    is_hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    is_featured: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]

    unit: Mapped[MemberUnit] = relationship()
    category: Mapped[ResourceCategory] = relationship()
    created_by: Mapped[User | None] = relationship()
    images: Mapped[list["ResourceImage"]] = relationship(
        back_populates="resource",
        cascade="all, delete-orphan",
        order_by="ResourceImage.position, ResourceImage.id",
    )

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.title_zh}>"

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return localized(self.description_zh, self.description_en)

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def terms_label(self) -> str:
        return str(TERMS[self.terms])

    @property
    def district_label(self) -> str:
        return str(DISTRICTS.get(self.district, "")) if self.district else ""

    def is_expired(self, today: date) -> bool:
        """Tell whether the resource's availability ended before `today` (Beijing date)."""
        return self.status == EXPIRED or (
            self.available_until is not None and self.available_until < today
        )

    def is_live(self, today: date) -> bool:
        """Published, not hidden by the secretariat and not past its expiry date."""
        return self.status == PUBLISHED and not self.is_hidden and not self.is_expired(today)

    def state_label(self, today: date) -> str:
        """The status a person should read, counting an unrecorded expiry as expired."""
        if self.status == PUBLISHED and self.is_expired(today):
            return str(STATUSES[EXPIRED])
        label = str(STATUSES[self.status])
        if self.status == CLOSED and self.close_reason:
            label += f" ({CLOSE_REASONS[self.close_reason]})"
        return label

    def is_managed_by(self, user) -> bool:
        """The owner unit's admins and staff manage its resources."""
        unit = acting.unit_of(user)
        return unit is not None and unit.id == self.unit_id

    def may_publish(self) -> bool:
        return self.status in (DRAFT, CLOSED, EXPIRED)

    def may_close(self) -> bool:
        return self.status in (DRAFT, PUBLISHED, EXPIRED)


class ResourceImage(db.Model):
    """A re-encoded resource photo, stored in the database so every app server can serve it."""

    __tablename__ = "resource_listing_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        "listing_id", ForeignKey("resource_listings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource] = relationship(back_populates="images")


class Inquiry(db.Model):
    """A thread between the unit that asks about a resource and the unit that owns it."""

    __tablename__ = "resource_inquiries"
    # One thread per resource and asking unit: asking again continues the same conversation.
    __table_args__ = (
        UniqueConstraint("listing_id", "asker_unit_id"),
        CheckConstraint(check_in("status", INQUIRY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        "listing_id", ForeignKey("resource_listings.id", ondelete="CASCADE"), index=True
    )
    asker_unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=INQUIRY_OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    resource: Mapped[Resource] = relationship()
    asker_unit: Mapped[MemberUnit] = relationship()
    created_by: Mapped[User | None] = relationship()
    messages: Mapped[list["InquiryMessage"]] = relationship(
        back_populates="inquiry",
        cascade="all, delete-orphan",
        order_by="InquiryMessage.created_at, InquiryMessage.id",
    )

    @property
    def status_label(self) -> str:
        return str(INQUIRY_STATUSES[self.status])

    def side_of(self, user) -> str | None:
        """Return 'asker' or 'owner' for a person of one of the two units, else None."""
        unit = acting.unit_of(user)
        if unit is None:
            return None
        if unit.id == self.asker_unit_id:
            return "asker"
        if unit.id == self.resource.unit_id:
            return "owner"
        return None

    def may_read(self, user) -> bool:
        """Only the two units' people and the secretariat read a thread."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_secretariat or self.side_of(user) is not None


class InquiryMessage(db.Model):
    """One message in an inquiry thread."""

    __tablename__ = "resource_inquiry_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("resource_inquiries.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_units.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry: Mapped[Inquiry] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    author_unit: Mapped[MemberUnit | None] = relationship()
