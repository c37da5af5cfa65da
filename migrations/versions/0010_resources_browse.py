"""Resources: an index in the browse order among published listings (issue 7)

Revision ID: 0010_resources_browse
Revises: 0009_search_perf
"""

from alembic import op

revision = "0010_resources_browse"
down_revision = "0009_search_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resource_listings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_listings_browse",
            ["status", "is_featured", "published_at", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("resource_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_listings_browse")
