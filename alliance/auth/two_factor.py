"""Two-factor sign-in: TOTP enrolment and checks, single-use recovery codes."""

import hashlib
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from sqlalchemy import func, select, update

from alliance import audit
from alliance.auth.models import RecoveryCode, User
from alliance.database import utcnow
from alliance.extensions import db

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    """Return a fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_data_uri(uri: str) -> str:
    """Render the URI as an SVG QR code, server-side, as a data: URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step a 6-digit code belongs to (±1 step of clock drift), else None."""
    code = _normalize_code(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def pending_secret(user: User, start: bool = False) -> str | None:
    """Return the secret of the user's enrolment under way; with `start`, begin one if none.

    The secret waits on the user row sealed under DATA_KEY, for TWO_FACTOR_SETUP_SECONDS.
    """
    now = utcnow()
    secret = user.pending_totp_secret(now)
    if secret is None and start:
        secret = new_secret()
        seconds = current_app.config["TWO_FACTOR_SETUP_SECONDS"]
        user.start_totp_setup(secret, now + timedelta(seconds=seconds))
    return secret


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor sign-in on when the code matches the new secret; return recovery codes."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.clear_totp_setup()
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = replace_recovery_codes(user)
    audit.record("user.2fa_enabled", user)
    return codes


def seal_legacy_secrets() -> int:
    """Seal every TOTP secret still stored in clear; return how many were."""
    users = db.session.scalars(select(User).where(User.totp_secret_legacy.is_not(None)))
    return sum(user.seal_legacy_secret() for user in users)


def disable(user: User) -> None:
    """Turn two-factor sign-in off and drop the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    audit.record("user.2fa_disabled", user)


def _hash(code: str) -> str:
    return hashlib.sha256(_normalize_code(code).encode()).hexdigest()


def replace_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them (shown once, stored hashed).

    Each code has 60 random bits, so a fast hash is enough (like an API token).
    """
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def verify(user: User, code: str) -> bool:
    """Check a TOTP code (never the same step twice) or use up a recovery code."""
    if not user.totp_enabled:
        return False
    user.seal_legacy_secret()  # a secret enrolled before secrets were sealed: seal it now
    step = matching_step(user.totp_secret, code)
    if step is not None:
        # A conditional update: two requests with the same code cannot both pass.
        result = db.session.execute(
            update(User)
            .where(
                User.id == user.id,
                (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            user.totp_last_step = step
            return True
        return False
    normalized = _normalize_code(code)
    if len(normalized) != 12:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(normalized),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        audit.record("user.recovery_code_used", user, actor=user)
        return True
    return False
