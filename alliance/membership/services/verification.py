"""The applicant's address, verified by a mailed link before the application form opens.

/apply answers the same for every address and does the same work (a token hashed, a mail
rendered): a new address gets a single-use link to the form, a registered one a mail saying an
account exists. Whether an address is registered is told only to its mailbox.
"""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from alliance import mail
from alliance.auth.models import User, normalize_email
from alliance.auth.services import create_user, find_user_by_email
from alliance.clock import now_utc
from alliance.extensions import db
from alliance.links import external_url
from alliance.membership.models import Application, EmailVerification
from alliance.membership.services.applications import submit_application
from alliance.membership.services.common import MembershipError
from alliance.membership.services.invitations import hash_token

TOKEN_MAX_LENGTH = 100


def request_application_link(email: str, locale: str | None = None) -> None:
    """Mail the address a link to the application form, or, if registered, a note saying so."""
    email = email.strip()
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    # Columns, not the User: loading one (and its eager relationships) costs what a miss does not.
    user = db.session.execute(
        select(User.email, User.locale).where(User.email_normalized == normalize_email(email))
    ).first()
    if user is not None:
        mail.send(
            user.email,
            "membership/mail/apply_registered",
            locale=user.locale or locale,
            login_url=external_url("auth.login"),
            reset_url=external_url("auth.forgot_password"),
        )
        return
    hours = current_app.config["APPLY_LINK_MAX_AGE_HOURS"]
    now = now_utc()
    db.session.add(
        EmailVerification(
            email=email,
            token_hash=token_hash,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    mail.send(
        email,
        "membership/mail/apply_link",
        locale=locale,
        secret_links={"verify_url": external_url("membership.apply_form", token=token)},
        hours=hours,
    )


def verification_for_token(token: str) -> EmailVerification | None:
    """Return the verification a token belongs to (used, expired or not), or None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(
        select(EmailVerification).where(EmailVerification.token_hash == hash_token(token))
    )


def _consume(verification: EmailVerification) -> None:
    """Mark the link used, once: a conditional UPDATE, so of two racing submissions one wins."""
    now = now_utc()
    result = db.session.execute(
        update(EmailVerification)
        .where(
            EmailVerification.id == verification.id,
            EmailVerification.used_at.is_(None),
            EmailVerification.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise MembershipError(_l("This link has been used or has expired. Ask for a new one."))
    verification.used_at = now


def submit_verified_application(
    verification: EmailVerification,
    unit_data: dict,
    licence: dict,
    account: dict,
) -> tuple[User, Application]:
    """Use up the link, create the applicant's account for its address, submit the application.

    `account` holds `display_name`, `password` and `locale`.
    """
    _consume(verification)
    if find_user_by_email(verification.email) is not None:
        raise MembershipError(_l("An account with this email exists; sign in first, then apply."))
    user = create_user(
        verification.email,
        account["password"],
        account["display_name"],
        locale=account.get("locale"),
    )
    return user, submit_application(unit_data, licence, user)
