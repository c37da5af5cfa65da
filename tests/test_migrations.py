"""The migrations build the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alliance.extensions import db
from alliance.members.search import include_object


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []
