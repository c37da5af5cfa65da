"""Directory: indexes for the district and type filters in name order (issue 7)

Revision ID: 0008_directory_indexes
Revises: 0007_security
"""

from alembic import op

revision = "0008_directory_indexes"
down_revision = "0007_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("member_units", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_units_status_district_sort_key",
            ["status", "district", "sort_key"],
            unique=False,
        )
        batch_op.create_index(
            "ix_member_units_status_org_type_sort_key",
            ["status", "org_type", "sort_key"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("member_units", schema=None) as batch_op:
        batch_op.drop_index("ix_member_units_status_org_type_sort_key")
        batch_op.drop_index("ix_member_units_status_district_sort_key")
