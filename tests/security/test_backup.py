"""Backup and restore: one portable archive of every table, SQLite → PostgreSQL and back."""

import datetime as dt
import json
import os
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from alliance import audit
from alliance.auth import two_factor
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import UnitLogo
from tests.conftest import BASE_CONFIG, IN_CI, PG_URL
from tests.factories import make_unit, make_user

PNG = bytes(range(256)) * 4  # arbitrary bytes: the archive must keep every one


def _app(url, **overrides):
    from alliance import create_app

    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})


def _fill(app) -> None:
    """Put rows with every kind of value into the database: text, JSON, binary, dates."""
    with app.app_context():
        admin = make_user(email="admin@example.org", name="管理员 <b>&amp;", roles=("secretariat",))
        user = make_user(email="member@example.org", locale="en")
        unit = make_unit(admin=admin, representative=admin, joined_on=dt.date(2012, 8, 10))
        two_factor.replace_recovery_codes(user)
        audit.record("unit.updated", unit, old={"name": "旧"}, new={"list": [1, "二", None]})
        db.session.add(
            OutboxMessage(
                recipient="x@example.org",
                subject="主题",
                body="正文\n\x01",
                template="t",
                locale="zh",
            )
        )
        fields = {c.name for c in UnitLogo.__table__.columns}
        values = {"unit_id": unit.id, "content": PNG, "mime_type": "image/png"}
        for name, value in (("width", 32), ("height", 32), ("sha256", "0" * 64)):
            if name in fields:
                values[name] = value
        db.session.add(UnitLogo(**{k: v for k, v in values.items() if k in fields}))
        db.session.commit()


def _dump(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows
            ]
    return out


@pytest.fixture
def sqlite_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'source.db'}"
    app = _app(url)
    with app.app_context():
        upgrade()
    _fill(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_sqlite(tmp_path, name):
    app = _app(f"sqlite:///{tmp_path / name}")
    with app.app_context():
        upgrade()
    return app


def test_backup_archive_has_every_table_and_a_manifest(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    result = sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = {t["name"] for t in manifest["tables"]}
        with sqlite_source.app_context():
            assert names == set(db.metadata.tables)
            heads = db.session.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert manifest["alembic_revision"] == sorted(heads.scalars())
        logo = json.loads(zf.read("tables/unit_logos.jsonl").splitlines()[0])
        assert isinstance(logo["content"], str)  # base64


def test_round_trip_sqlite_to_sqlite(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)])
    target = _fresh_sqlite(tmp_path, "target.db")
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert _dump(target) == _dump(sqlite_source)
    with target.app_context():
        assert db.session.scalar(sa.select(UnitLogo.content)) == PNG
        db.engine.dispose()


def test_restore_refuses_a_database_with_data(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)])
    result = sqlite_source.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_another_revision_and_garbage(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)])
    target = _fresh_sqlite(tmp_path, "target.db")
    with target.app_context():
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'other'"))
        db.session.commit()
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0 and "revision" in result.output
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = target.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "cannot open" in result.output
    with target.app_context():
        db.engine.dispose()


def _pg_server_url() -> sa.URL | None:
    url = make_url(
        PG_URL
        or os.environ.get("TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    return url.set(database="postgres")


@pytest.fixture
def fresh_postgres():
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    server = _pg_server_url()
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"alliance_security_restore_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {server}: {exc}")
        pytest.skip("PostgreSQL not reachable")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_sqlite_backup_restores_into_fresh_postgres(sqlite_source, fresh_postgres, tmp_path):
    archive = tmp_path / "backup.zip"
    assert sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    target = _app(fresh_postgres)
    with target.app_context():
        upgrade()
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    source_rows, target_rows = _dump(sqlite_source), _dump(target)
    assert source_rows.keys() == target_rows.keys()
    for name in source_rows:
        assert target_rows[name] == source_rows[name], name
    assert sum(len(rows) for rows in target_rows.values()) > 10
    with target.app_context():
        # Sequences moved past the restored ids: new rows get fresh ids.
        user = make_user(email="after@example.org")
        db.session.commit()
        assert user.id == max(r[0] for r in source_rows["users"]) + 1
        # The audit log stays append-only after a restore.
        with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_events SET action = 'x'")
        db.session.remove()
        db.engine.dispose()
    # And back again: PostgreSQL → SQLite gives the same rows.
    again = tmp_path / "again.zip"
    assert target.test_cli_runner().invoke(args=["backup", str(again)]).exit_code == 0
    back = _fresh_sqlite(tmp_path, "back.db")
    assert back.test_cli_runner().invoke(args=["restore", str(again)]).exit_code == 0
    back_rows = _dump(back)
    assert back_rows["users"][:2] == source_rows["users"][:2]
    with target.app_context():
        db.engine.dispose()
    with back.app_context():
        db.engine.dispose()
