"""Directory: ids in the name index, a stored tsvector on PostgreSQL (issue 7)

Revision ID: 0009_search_perf
Revises: 0008_directory_indexes

- `ix_member_units_status_sort_key` gains `id`: the page order is (sort_key, id), and
  PostgreSQL can then OFFSET over the index alone (index-only scan) before loading one page of
  rows. SQLite's indexes hold the rowid anyway.
- PostgreSQL: `search_tsv`, a stored generated column `to_tsvector('simple', search_grams)`,
  and the GIN index moves from the expression onto it, so a filter or a recheck reads the
  parsed tokens instead of parsing `search_grams` again for every row (≈35 µs a row).
"""

from alembic import op

revision = "0009_search_perf"
down_revision = "0008_directory_indexes"
branch_labels = None
depends_on = None

# Written out (not imported from alliance.members.search): a migration's DDL never changes.
PG_UPGRADE = (
    "DROP INDEX IF EXISTS ix_member_units_search_tsv",
    "ALTER TABLE member_units ADD COLUMN search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_grams)) STORED",
    "CREATE INDEX ix_member_units_search_tsv ON member_units USING gin (search_tsv)",
)
PG_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_member_units_search_tsv",
    "ALTER TABLE member_units DROP COLUMN IF EXISTS search_tsv",
    "CREATE INDEX ix_member_units_search_tsv ON member_units "
    "USING gin (to_tsvector('simple'::regconfig, search_grams))",
)


def upgrade():
    with op.batch_alter_table("member_units", schema=None) as batch_op:
        batch_op.drop_index("ix_member_units_status_sort_key")
        batch_op.create_index(
            "ix_member_units_status_sort_key", ["status", "sort_key", "id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UPGRADE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWNGRADE:
            op.execute(statement)
    with op.batch_alter_table("member_units", schema=None) as batch_op:
        batch_op.drop_index("ix_member_units_status_sort_key")
        batch_op.create_index(
            "ix_member_units_status_sort_key", ["status", "sort_key"], unique=False
        )
