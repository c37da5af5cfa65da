"""Sign-in, password rules and password-reset tokens."""

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from alliance import audit, mail
from alliance.auth.models import User, UserRole, normalize_email
from alliance.database import utcnow
from alliance.extensions import db

PASSWORD_MIN = 12
PASSWORD_MAX = 256


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str) -> str | None:
    """Return why a password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN:
        return _l("Use at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _l("Use at most %(n)d characters.", n=PASSWORD_MAX)
    if password.lower() in _common_passwords() or len(set(password)) <= 2:
        return _l("This password is too common; choose another.")
    return None


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email address (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email_normalized == normalize_email(email)))


@cache
def _dummy_hash(method: str) -> str:
    if method == "decoy":  # a stand-in hash to fingerprint, never checked
        return "decoy$" + hashlib.sha256(b"decoy").hexdigest()
    return generate_password_hash("not a real password, only for timing", method=method)


def _spend_a_hash_check(password: str) -> None:
    """Cost what a real password check costs, for answers that must not be told apart by time."""
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


def authenticate(email: str, password: str, device: str | None = None) -> User | None:
    """Return the user when the credentials are right and the account may sign in.

    Every outcome costs one hash check, so time tells nothing: an unknown address and an
    attempt inside the delay after repeated failures check a dummy hash instead. An attempt
    inside the delay is not checked (nor counted): the right password works once it has passed,
    and at once from a browser the account signed in from before (`device`, the token of
    `device_token`), so someone guessing cannot keep the owner out.
    """
    now = utcnow()
    user = find_user_by_email(email)
    if user is None or not (user.accepts_attempt(now) or is_known_device(device, user)):
        _spend_a_hash_check(password)
        return None
    if not user.check_password(password) or not user.active:
        record_failure(user, now)
        return None
    user.register_success(now)
    return user


def record_failure(user: User, now: datetime) -> None:
    """Count a failed sign-in step; when failures start delaying sign-in, tell the owner once."""
    count = user.register_failure(now)
    if count == current_app.config["LOGIN_MAX_FAILURES"]:
        mail.send(
            user.email, "auth/mail/sign_in_failures", locale=user.locale, user=user, count=count
        )


def create_user(
    email: str, password: str, display_name: str, roles: tuple[str, ...] = (), locale=None
) -> User:
    """Create an account (the caller checks the address is free and commits)."""
    user = User(
        email=email.strip(),
        email_normalized=normalize_email(email),
        display_name=display_name.strip(),
        locale=locale,
    )
    user.set_password(password)
    user.roles = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password, ending every other session, and audit it."""
    user.set_password(new_password)
    audit.record("user.password_changed", user)


def set_roles(user: User, roles: set[str]) -> None:
    """Replace a user's global roles, auditing the change."""
    old = sorted(r.role for r in user.roles)
    if old == sorted(roles):
        return
    user.roles = [r for r in user.roles if r.role in roles] + [
        UserRole(role=role) for role in sorted(roles - set(old))
    ]
    audit.record("user.roles_changed", user, old={"roles": old}, new={"roles": sorted(roles)})


# Known devices ------------------------------------------------------------
# A browser that completed a sign-in keeps a signed token naming the account: from it, the
# delay after repeated failures does not apply (OWASP's "device cookies"), so the owner signs
# in even while someone elsewhere keeps failing. It only skips the delay, never the password.


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def device_token(user: User) -> str:
    """Return the token a browser keeps once it has signed in to this account."""
    return _device_serializer().dumps(user.id)


def is_known_device(token: str | None, user: User) -> bool:
    """Tell whether a browser's token says it signed in to this account before."""
    if not token or len(token) > 200:
        return False
    try:
        return _device_serializer().loads(token) == user.id
    except BadSignature:
        return False


# Reset tokens -------------------------------------------------------------
# A token names the user and a fingerprint of the current password hash: once the password
# changes the fingerprint no longer matches, so each token works once, and never after expiry.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """Return a signed, expiring, single-use password-reset token for the user."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def request_password_reset(email: str, link_for: Callable[[str], str]) -> None:
    """Mail a reset link when the address belongs to an active account; else do the same work.

    Both paths sign a token and render the mail, so the answer takes the same time whether or
    not the address is registered; only a real account's mail is kept in the outbox.
    """
    user = find_user_by_email(email)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    if user is None or not user.active:
        decoy = User(
            id=0, email=email, display_name=email, password_hash=_dummy_hash("decoy"), locale=None
        )
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(locale):
            link = link_for(make_reset_token(decoy))
            render_template("mail/reset_password.txt", user=decoy, link=link, minutes=minutes)
        return
    link = link_for(make_reset_token(user))
    mail.send(
        user.email,
        "reset_password",
        locale=user.locale,
        user=user,
        secret_links={"link": link},
        minutes=minutes,
    )


def user_for_reset_token(token: str) -> User | None:
    """Return the user a valid, unexpired and unused token belongs to, else None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def is_safe_next(target: str | None) -> bool:
    """Tell whether `next` is a path on this site (refuses //host, /\\host, scheme://)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or "//" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# Email change -------------------------------------------------------------
# The link goes to the new address and names the old one: once the address changes, the
# token no longer matches, so it works once.


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _email_fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.email_normalized}".encode()).hexdigest()[:16]


def make_email_token(user: User, new_email: str) -> str:
    """Return a signed, expiring token that confirms `new_email` for the user."""
    return _email_serializer().dumps(
        {"u": user.id, "e": new_email.strip(), "f": _email_fingerprint(user)}
    )


def email_change_for_token(token: str, user: User) -> str | None:
    """Return the new address a valid token of this user confirms, else None."""
    try:
        data = _email_serializer().loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("u") != user.id:
        return None
    if data.get("f") != _email_fingerprint(user) or not isinstance(data.get("e"), str):
        return None
    return data["e"]


def change_email(user: User, new_email: str) -> bool:
    """Set the user's address unless another account has it; end other sessions; audit."""
    if find_user_by_email(new_email) is not None:
        return False
    old = user.email
    user.email = new_email.strip()
    user.email_normalized = normalize_email(new_email)
    user.rotate_nonce()
    audit.record("user.email_changed", user, old={"email": old}, new={"email": user.email})
    return True
