"""Outgoing mail: every message is kept in the outbox; SMTP delivers it when configured."""

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alliance.database import utcnow
from alliance.extensions import db

log = logging.getLogger(__name__)

QUEUED, SENT, FAILED, STORED = "queued", "sent", "failed", "stored"


class OutboxMessage(db.Model):
    """A mail the platform sent or would have sent; the secretariat reads them at /admin/outbox."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=STORED)
    error: Mapped[str | None] = mapped_column(String(500))


def send(recipient: str, template: str, locale: str | None = None, **context) -> OutboxMessage:
    """Render a mail template in the recipient's language, store it, deliver it.

    `template` is `name` for `templates/mail/<name>.txt`, or `<pkg>/mail/<name>` for a feature's
    own `templates/<pkg>/mail/<name>.txt`. The rendered text's first line is the subject. The message joins the caller's transaction;
    with SMTP configured it is also delivered at once and its status recorded.
    """
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        path = f"{template}.txt" if "/" in template else f"mail/{template}.txt"
        text = render_template(path, **context)
    subject, _, body = text.strip().partition("\n")
    message = OutboxMessage(
        recipient=recipient,
        subject=subject.strip()[:255],
        body=body.strip() + "\n",
        template=template,
        locale=locale,
        status=QUEUED if current_app.config.get("MAIL_SERVER") else STORED,
    )
    db.session.add(message)
    log.info("mail %s to %s: %s", template, recipient, message.subject)
    if message.status == QUEUED:
        _deliver(message)
    return message


def _deliver(message: OutboxMessage) -> None:
    """Send one message over SMTP and record whether it went."""
    cfg = current_app.config
    mail = EmailMessage()
    mail["From"] = cfg["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    try:
        with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(mail)
        message.status = SENT
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s failed: %s", message.recipient, exc)
        message.status = FAILED
        message.error = str(exc)[:500]
