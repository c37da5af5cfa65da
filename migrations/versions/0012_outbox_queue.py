"""Outbox as a mail queue; no live links at rest

Revision ID: 0012_outbox_queue
Revises: 0011_colleagues

The outbox becomes the queue `flask send-mail` delivers: tries, the time of the next try, when
it was sent and the server's answer. The body that carries secret links is sealed under
DATA_KEY in `sealed_body` until delivered. Stored bodies of earlier mails still hold live
password-reset, email-change and invitation links: they are replaced by the redaction text
(that cannot be undone by the downgrade, on purpose).
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox_queue"
down_revision = "0011_colleagues"
branch_labels = None
depends_on = None

# A link whose path carries a token: /reset/<t>, /account/email/<t>, /invitations/<t>.
TOKEN_LINK = re.compile(r"(?:https?://\S*?)?/(?:reset|account/email|invitations)/[^\s/]+")
REDACTED = {
    "en": "[link sent by mail, not stored]",
    "zh": "[链接已通过邮件发送，未保存]",
}


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("smtp_reply", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"], unique=False)
    _redact_stored_links()


def _redact_stored_links() -> None:
    """Replace every live token link kept in a stored body by the redaction text."""
    conn = op.get_bind()
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("locale", sa.String),
    )
    rows = conn.execute(sa.select(outbox.c.id, outbox.c.body, outbox.c.locale)).all()
    for row_id, body, locale in rows:
        redacted = REDACTED["en" if (locale or "").startswith("en") else "zh"]
        new_body = TOKEN_LINK.sub(redacted, body or "")
        if new_body != body:
            conn.execute(sa.update(outbox).where(outbox.c.id == row_id).values(body=new_body))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_due")
        batch_op.drop_column("smtp_reply")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("sealed_body")
