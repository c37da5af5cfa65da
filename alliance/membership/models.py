"""Joining and keeping membership: applications, change requests, history, invitations, imports."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.database import check_in, utcnow
from alliance.extensions import db
from alliance.members.models import ROLE_ADMIN, UNIT_ROLES, MemberUnit

# Joining (入会程序): application → first review (初审) → council approval (审议) →
# public notice (公示) → admitted (授牌); rejection is possible at every open step.
APP_SUBMITTED, APP_REVIEWED, APP_APPROVED = "submitted", "reviewed", "approved"
APP_NOTICE, APP_ADMITTED, APP_REJECTED = "notice", "admitted", "rejected"
APPLICATION_STATUSES = {
    APP_SUBMITTED: _l("Awaiting first review"),
    APP_REVIEWED: _l("Passed first review, awaiting council approval"),
    APP_APPROVED: _l("Approved by the council"),
    APP_NOTICE: _l("In public notice"),
    APP_ADMITTED: _l("Admitted"),
    APP_REJECTED: _l("Rejected"),
}
OPEN_APPLICATION_STATUSES = (APP_SUBMITTED, APP_REVIEWED, APP_APPROVED, APP_NOTICE)

CR_OPEN, CR_APPROVED, CR_REJECTED = "open", "approved", "rejected"
CHANGE_REQUEST_STATUSES = {
    CR_OPEN: _l("Waiting for review"),
    CR_APPROVED: _l("Approved"),
    CR_REJECTED: _l("Rejected"),
}


class Application(db.Model):
    """A membership application: the organisation's licence details and the steps it went through."""

    __tablename__ = "membership_applications"
    __table_args__ = (CheckConstraint(check_in("status", APPLICATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The applicant unit; deleted on rejection (so the name and code are free again).
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_units.id", ondelete="SET NULL"), index=True
    )
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=APP_SUBMITTED, index=True)
    # What was applied for, kept even when the unit is gone.
    unit_name_zh: Mapped[str] = mapped_column(String(200))
    unit_name_en: Mapped[str | None] = mapped_column(String(300))
    credit_code: Mapped[str] = mapped_column(String(18))
    # Business licence (营业执照) details.
    legal_representative: Mapped[str] = mapped_column(String(100))
    registered_capital: Mapped[str | None] = mapped_column(String(50))
    established_on: Mapped[date | None]
    registered_address: Mapped[str | None] = mapped_column(String(300))
    business_scope: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    accepted_constitution_at: Mapped[datetime]
    notice_ends_on: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]

    unit: Mapped[MemberUnit | None] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    steps: Mapped[list["ApplicationStep"]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationStep.id",
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES

    @property
    def status_label(self) -> str:
        return str(APPLICATION_STATUSES[self.status])

    def may_admit(self, today: date) -> bool:
        """Admission waits until the public notice period has ended."""
        return self.status == APP_NOTICE and (
            self.notice_ends_on is None or today >= self.notice_ends_on
        )


class ApplicationStep(db.Model):
    """One step an application went through: who moved it from which state to which, and why."""

    __tablename__ = "membership_application_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("membership_applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(APPLICATION_STATUSES[self.to_status])


class ChangeRequest(db.Model):
    """A unit's request to change key fields (names, credit code, type), reviewed by the secretariat."""

    __tablename__ = "membership_change_requests"
    __table_args__ = (CheckConstraint(check_in("status", CHANGE_REQUEST_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    # Equal to unit_id while the request is open, NULL afterwards: one open request per unit,
    # held by a UNIQUE constraint that works the same on SQLite and PostgreSQL.
    open_unit_id: Mapped[int | None] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CR_OPEN, index=True)
    # {field: {"old": ..., "new": ...}}
    changes: Mapped[dict] = mapped_column(JSON)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[MemberUnit] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(CHANGE_REQUEST_STATUSES[self.status])


class UnitHistory(db.Model):
    """One change to a unit: field, old value, new value, who, when (append-only)."""

    __tablename__ = "membership_unit_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How the change came about: profile, change_request, secretariat, import, people, application.
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class Invitation(db.Model):
    """A single-use, expiring invitation for a colleague to join a unit (only a hash is stored)."""

    __tablename__ = "membership_invitations"
    __table_args__ = (CheckConstraint(check_in("role", UNIT_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("member_units.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    unit: Mapped[MemberUnit] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_usable(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

    @property
    def is_admin_role(self) -> bool:
        return self.role == ROLE_ADMIN


class ImportPreview(db.Model):
    """A parsed import file waiting for the secretariat's confirmation (kept server-side)."""

    __tablename__ = "membership_import_previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    # [{"line": n, "action": "create|update|refuse|unchanged", "credit_code": ..., "values": {...},
    #   "changes": {...}, "errors": [...]}]
    rows: Mapped[list] = mapped_column(JSON)
    is_valid: Mapped[bool]
    applied_at: Mapped[datetime | None]


class EmailVerification(db.Model):
    """A single-use, expiring link that proves an applicant reads the address (only a hash kept).

    The application form opens only through it, so /apply never says on screen whether an
    address already has an account: that answer goes to the mailbox.
    """

    __tablename__ = "membership_email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
