"""Applying: the applicant's address is verified by a mailed, single-use link (hash stored)

Revision ID: 0014_apply_verification
Revises: 0013_sign_in_secrets
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_apply_verification"
down_revision = "0013_sign_in_secrets"
branch_labels = None
depends_on = None

TABLE = "membership_email_verifications"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{TABLE}_token_hash")),
    )


def downgrade():
    op.drop_table(TABLE)
