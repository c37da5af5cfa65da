"""User accounts and global roles."""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, true, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from alliance import crypto
from alliance.database import utcnow
from alliance.extensions import db
from alliance.permissions import ELECTION_OFFICER, GLOBAL_ROLES, SECRETARIAT  # noqa: F401


def new_nonce() -> str:
    """Return a fresh random session nonce."""
    return secrets.token_urlsafe(16)


def normalize_email(email: str) -> str:
    """Return the form of an email address used for uniqueness and look-ups."""
    return email.strip().lower()


class User(db.Model):
    """A person who signs in; acts for at most one member unit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Rotated on logout, password change and deactivation: every copied cookie dies with it.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_nonce)
    # Failed sign-ins in a row, and when the next attempt is accepted after too many of them
    # (a growing delay, never a lock: the owner gets in once it has passed).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP): the base32 secret once enrolled, sealed under DATA_KEY
    # (alliance/crypto.py), and the last time step used, so a code cannot be replayed.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    # Secrets enrolled before 0013 are still in clear here until their next use seals them
    # (or `flask --app alliance seal-secrets` does).
    totp_secret_legacy: Mapped[str | None] = mapped_column("totp_secret", String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # An enrolment under way: the new secret, sealed, until it is confirmed or expires.
    # A pending enrolment lasts minutes: backups leave it out (alliance/backup).
    totp_setup_sealed: Mapped[str | None] = mapped_column(String(255), info={"backup": "leave out"})
    totp_setup_expires_at: Mapped[datetime | None] = mapped_column(info={"backup": "leave out"})

    # The user's place in a member unit, if any (declared with alliance.members.models.Colleague).
    colleague: Mapped["Colleague | None"] = relationship(  # noqa: F821
        back_populates="user", uselist=False, lazy="selectin"
    )
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email_normalized}>"

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    # Passwords ------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash and store a new password, ending every existing session."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_nonce()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def rotate_nonce(self) -> None:
        self.session_nonce = new_nonce()

    # Throttling -----------------------------------------------------------
    def accepts_attempt(self, now: datetime) -> bool:
        """Tell whether a sign-in attempt is accepted now (not inside the delay after failures)."""
        return self.next_attempt_at is None or self.next_attempt_at <= now

    def register_failure(self, now: datetime) -> int:
        """Count a failed sign-in; past LOGIN_MAX_FAILURES, delay the next attempt; return the count.

        The delay doubles with each further failure (1 s, 2 s, 4 s … up to
        LOGIN_DELAY_MAX_SECONDS). Attempts inside the delay are not checked and not counted, so
        someone guessing cannot push the owner's next chance further than the current delay.

        The count is incremented in SQL, not read-modify-written in Python: concurrent failed
        attempts in several workers would otherwise overwrite one another's increments and
        grant extra guesses. The UPDATE also locks the row until the transaction ends.
        """
        table = type(self).__table__
        count = db.session.execute(
            update(table)
            .where(table.c.id == self.id)
            .values(failed_logins=table.c.failed_logins + 1)
            .returning(table.c.failed_logins)
        ).scalar_one()
        set_committed_value(self, "failed_logins", count)
        free = current_app.config["LOGIN_MAX_FAILURES"]
        if count >= free:
            seconds = min(2 ** min(count - free, 30), current_app.config["LOGIN_DELAY_MAX_SECONDS"])
            self.next_attempt_at = now + timedelta(seconds=seconds)
        return count

    def register_success(self, now: datetime) -> None:
        self.failed_logins = 0
        self.next_attempt_at = None
        self.last_login_at = now

    # Roles ----------------------------------------------------------------
    def has_role(self, role: str) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def is_secretariat(self) -> bool:
        return self.has_role(SECRETARIAT)

    @property
    def is_election_officer(self) -> bool:
        return self.has_role(ELECTION_OFFICER) or self.is_secretariat

    # Two-factor secrets ---------------------------------------------------
    @property
    def totp_secret(self) -> str | None:
        """The enrolled TOTP secret, unsealed (a legacy one in clear until it is sealed)."""
        if self.totp_secret_sealed is not None:
            return crypto.unseal(self.totp_secret_sealed)
        return self.totp_secret_legacy

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        self.totp_secret_sealed = None if secret is None else crypto.seal(secret)
        self.totp_secret_legacy = None

    def seal_legacy_secret(self) -> bool:
        """Seal a TOTP secret still stored in clear; tell whether there was one."""
        if self.totp_secret_legacy is None:
            return False
        self.totp_secret = self.totp_secret_legacy
        return True

    @property
    def totp_enabled(self) -> bool:
        has_secret = self.totp_secret_sealed is not None or self.totp_secret_legacy is not None
        return has_secret and self.totp_enabled_at is not None

    def pending_totp_secret(self, now: datetime) -> str | None:
        """The secret of an enrolment under way, unless it has expired."""
        expires = self.totp_setup_expires_at
        if self.totp_setup_sealed is None or expires is None or expires <= now:
            return None
        try:
            return crypto.unseal(self.totp_setup_sealed)
        except crypto.DecryptionError:
            return None

    def start_totp_setup(self, secret: str, expires_at: datetime) -> None:
        self.totp_setup_sealed = crypto.seal(secret)
        self.totp_setup_expires_at = expires_at

    def clear_totp_setup(self) -> None:
        self.totp_setup_sealed = None
        self.totp_setup_expires_at = None


class UserRole(db.Model):
    """A global role held by a user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class RecoveryCode(db.Model):
    """A single-use recovery code for two-factor sign-in, stored only as a hash."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
