"""Colleagues: a person's place in a member unit is a colleague (was unit_memberships)

Revision ID: 0011_colleagues
Revises: 0010_resources_browse

The table is rebuilt under its new name rather than renamed, so that its constraints and
index carry the names the naming convention gives them on both engines.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_colleagues"
down_revision = "0010_resources_browse"
branch_labels = None
depends_on = None

COLUMNS = "id, user_id, unit_id, role, created_at"


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'staff')", name=op.f(f"ck_{name}_role")),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["member_units.id"],
            name=op.f(f"fk_{name}_unit_id_member_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("user_id", name=op.f(f"uq_{name}_user_id")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_unit_id"), ["unit_id"], unique=False)


def _move(source: str, target: str) -> None:
    _create(target)
    op.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source}")  # noqa: S608
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), "  # noqa: S608
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {target}"
        )
    with op.batch_alter_table(source, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{source}_unit_id"))
    op.drop_table(source)


def upgrade():
    _move("unit_memberships", "colleagues")


def downgrade():
    _move("colleagues", "unit_memberships")
