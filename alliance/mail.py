"""Outgoing mail: the outbox table is the queue; `flask send-mail` delivers it over SMTP.

A request only adds a row (`send`): `queued` when MAIL_SERVER is set, else `stored` (the demo,
read at /admin/outbox). `flask --app alliance send-mail [--watch]` claims queued rows one at a
time (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so several runners never take the same
row), delivers them, and records `sent` with the server's answer, or retries later with a
doubling wait and records `failed` after MAIL_MAX_ATTEMPTS tries or a permanent refusal.

Secret links (password reset, invitation, email change) never rest in clear. `body` keeps
them redacted; the text the recipient gets is sealed under DATA_KEY (alliance.crypto) in
`sealed_body` until the message is sent or given up, then cleared. Without a mail server the
link is shown once on screen to the person who asked, when SHOW_MAIL_LINKS_ON_SCREEN allows
it (a demo convenience, off in production).
"""

import logging
import smtplib
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta
from email import policy
from email.errors import MessageError
from email.message import EmailMessage

from flask import Flask, current_app, flash, g, has_request_context, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Index, String, Text, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from alliance import crypto
from alliance.clock import now_utc
from alliance.database import utcnow
from alliance.extensions import db

log = logging.getLogger(__name__)

QUEUED, SENT, FAILED, STORED = "queued", "sent", "failed", "stored"
# What a stored body holds in place of a secret link.
REDACTED_LINK = _l("[link sent by mail, not stored]")
# The longest wait between two tries, however many there were.
MAX_RETRY_WAIT = timedelta(hours=6)


class OutboxMessage(db.Model):
    """A mail the platform sent or will send; the secretariat reads them at /admin/outbox."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    # What the secretariat reads: secret links replaced by REDACTED_LINK.
    body: Mapped[str] = mapped_column(Text)
    # The body with its secret links, sealed under DATA_KEY; NULL once sent or given up.
    sealed_body: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=STORED)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The mail server's answer to the message (it names the server's queue id), or the last error.
    smtp_reply: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(500))


# Writing ---------------------------------------------------------------------------------


def send(
    recipient: str,
    template: str,
    locale: str | None = None,
    secret_links: Mapping[str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render a mail template in the recipient's language and add it to the outbox.

    `template` is `name` for `templates/mail/<name>.txt`, or `<pkg>/mail/<name>` for a feature's
    own `templates/<pkg>/mail/<name>.txt`. The rendered text's first line is the subject.
    `secret_links` are template variables that carry a token: the stored body shows them
    redacted, only the delivered mail holds them. The row joins the caller's transaction.
    """
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    secret_links = dict(secret_links or {})
    path = f"{template}.txt" if "/" in template else f"mail/{template}.txt"
    with force_locale(locale):
        redacted = {name: str(REDACTED_LINK) for name in secret_links}
        text = render_template(path, **context, **redacted)
        real_text = render_template(path, **context, **secret_links) if secret_links else text
    # PostgreSQL text cannot hold NUL, and no mail needs it.
    subject, _, body = text.replace("\x00", "").strip().partition("\n")
    queued = bool(current_app.config.get("MAIL_SERVER"))
    message = OutboxMessage(
        recipient=recipient,
        subject=header_value(subject)[:255],
        body=body.strip() + "\n",
        template=template,
        locale=locale,
        status=QUEUED if queued else STORED,
        attempts=0,
        next_attempt_at=now_utc() if queued else None,
    )
    if queued and secret_links:
        real_body = real_text.replace("\x00", "").strip().partition("\n")[2]
        message.sealed_body = crypto.seal(real_body.strip() + "\n")
    db.session.add(message)
    log.info("mail %s to %s queued: %s", template, recipient, message.subject)
    if secret_links and not queued and links_on_screen():
        g.setdefault("mail_links_on_screen", []).append((message, list(secret_links.values())))
    return message


def header_value(text: str) -> str:
    """Return `text` fit for one mail header: control and line-break characters become spaces.

    Stored names and titles may hold CR, LF or NUL; in a header they would raise (or, in a
    careless library, start a new header). One line of plain text is always safe.
    """
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text or ""
    )
    return " ".join(cleaned.split())


# The demo: links on screen ---------------------------------------------------------------


def links_on_screen() -> bool:
    """Whether a secret link may be shown to whoever asked (no mail server: the demo)."""
    setting = current_app.config.get("SHOW_MAIL_LINKS_ON_SCREEN")
    if setting is None:
        setting = not current_app.config.get("MAIL_SERVER") and (
            current_app.debug or current_app.testing
        )
    return bool(setting) and has_request_context()


def _flash_links(response):
    """Show the links of the mails this request stored, once, if the request committed them."""
    for message, links in g.pop("mail_links_on_screen", []):
        if not inspect(message).has_identity:  # rolled back: the mail does not exist
            continue
        for link in links:
            flash(
                Markup('{} <a href="{}" class="alert-link text-break">{}</a>').format(
                    gettext(
                        "Demo only (no mail server is configured): the mail to %(recipient)s "
                        "carries this link, shown here once:",
                        recipient=message.recipient,
                    ),
                    link,
                    link,
                ),
                "warning",
            )
    return response


def init_app(app: Flask) -> None:
    """Show the demo's mailed links after each request that stored some."""
    app.after_request(_flash_links)


# Delivering ------------------------------------------------------------------------------


class _Permanent(Exception):
    """The server refused the message for good (a 5xx answer), or it could not be built."""


def claim_next(now: datetime) -> OutboxMessage | None:
    """Return the next message due for delivery, locked against other runners (PostgreSQL)."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def deliver(message: OutboxMessage, now: datetime) -> None:
    """Try to send one claimed message over SMTP and record the outcome (the caller commits)."""
    message.attempts += 1
    try:
        reply = _transmit(build_message(message))
    except _Permanent as exc:
        _give_up(message, str(exc))
    except (OSError, smtplib.SMTPException) as exc:
        error = _describe(exc)
        if _is_permanent(exc) or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            _give_up(message, error)
        else:
            wait = timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])
            message.next_attempt_at = now + min(wait * 2 ** (message.attempts - 1), MAX_RETRY_WAIT)
            message.error = error[:500]
            log.warning(
                "mail %s to %s: try %d failed: %s",
                message.id,
                message.recipient,
                message.attempts,
                error,
            )
    else:
        message.status = SENT
        message.sent_at = now
        message.smtp_reply = reply[:500]
        message.error = None
        message.sealed_body = None
        message.next_attempt_at = None


def _give_up(message: OutboxMessage, error: str) -> None:
    log.error("mail %s to %s failed for good: %s", message.id, message.recipient, error)
    message.status = FAILED
    message.error = error[:500]
    message.sealed_body = None
    message.next_attempt_at = None


def build_message(message: OutboxMessage) -> EmailMessage:
    """Return the message to hand to SMTP; stored text never makes this raise."""
    try:
        body = crypto.unseal(message.sealed_body) if message.sealed_body else message.body
    except crypto.DecryptionError as exc:
        raise _Permanent("the sealed body cannot be opened with this DATA_KEY") from exc
    try:
        mail = EmailMessage()
        mail["From"] = header_value(current_app.config["MAIL_DEFAULT_SENDER"])
        mail["To"] = header_value(message.recipient)
        mail["Subject"] = header_value(message.subject)
        mail.set_content(body.replace("\x00", ""))
    except (ValueError, TypeError, IndexError, MessageError) as exc:
        raise _Permanent(f"the message cannot be built: {exc}") from exc
    return mail


def _transmit(mail: EmailMessage) -> str:
    """Hand one message to the configured server; return its answer to the message."""
    cfg = current_app.config
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        return _send_one(smtp, mail)


def _send_one(smtp: smtplib.SMTP, mail: EmailMessage) -> str:
    """MAIL, RCPT and DATA for one recipient (smtplib's send_message drops DATA's answer)."""
    sender, recipient = mail["From"], mail["To"]
    international = not (sender + recipient).isascii()
    smtp.ehlo_or_helo_if_needed()
    if international and not smtp.has_extn("smtputf8"):
        raise _Permanent("the address is not ASCII and the server does not offer SMTPUTF8")
    options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
    payload = mail.as_bytes(policy=policy.SMTPUTF8 if international else policy.SMTP)
    code, answer = smtp.mail(sender, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.rcpt(recipient)
    if code not in (250, 251):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    code, answer = smtp.data(payload)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, answer)
    return f"{code} {_text(answer)}"


def _text(answer) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer will not change on a retry; a 4xx answer or a network error may."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(answer)}" for code, answer in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"
