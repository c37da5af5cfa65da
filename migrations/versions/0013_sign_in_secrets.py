"""Sign-in: a delay after failures instead of a lock; TOTP secrets sealed; enrolment on the server

Revision ID: 0013_sign_in_secrets
Revises: 0012_outbox_queue

- `users.locked_until` becomes `next_attempt_at` (when the next sign-in attempt is accepted).
- `users.totp_secret_sealed` holds the TOTP secret sealed under DATA_KEY. Secrets enrolled
  before stay in `users.totp_secret` (in clear) until their next use seals them, or until
  `flask --app alliance seal-secrets` seals them all (a migration cannot: it has no DATA_KEY).
- `users.totp_setup_sealed` / `totp_setup_expires_at`: the secret of an enrolment under way,
  sealed, instead of the session cookie.

Downgrade cannot open sealed secrets: accounts whose secret is only sealed lose two-factor
sign-in (they enrol again).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_sign_in_secrets"
down_revision = "0012_outbox_queue"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE users RENAME COLUMN locked_until TO next_attempt_at")
    op.add_column("users", sa.Column("totp_secret_sealed", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("totp_setup_sealed", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("totp_setup_expires_at", sa.DateTime(), nullable=True))


def downgrade():
    op.execute(
        "UPDATE users SET totp_enabled_at = NULL, totp_last_step = NULL "
        "WHERE totp_secret IS NULL AND totp_secret_sealed IS NOT NULL"
    )
    op.execute(
        "DELETE FROM recovery_codes WHERE user_id IN "
        "(SELECT id FROM users WHERE totp_secret IS NULL AND totp_enabled_at IS NULL)"
    )
    for column in ("totp_setup_expires_at", "totp_setup_sealed", "totp_secret_sealed"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
    op.execute("ALTER TABLE users RENAME COLUMN next_attempt_at TO locked_until")
