"""Backup and restore: one portable archive of every table, SQLite → PostgreSQL and back.

What an archive leaves out (the outbox, session nonces) is compared as left out; every other
row must come back equal. The demo site, with its published elections, goes through a sealed
archive into a fresh SQLite and a fresh PostgreSQL database and its elections still verify.
"""

import datetime as dt
import json
import os
import shutil
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from alliance import audit, backup, demo
from alliance.auth import two_factor
from alliance.elections.models import PUBLISHED, Election
from alliance.elections.services import build_ballot_file, verify_ballot_file
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import UnitLogo
from tests.conftest import BASE_CONFIG, IN_CI, PG_URL, _empty_postgres
from tests.factories import make_unit, make_user

PASSPHRASE = "correct horse battery staple"
SEALED = {"BACKUP_PASSPHRASE": PASSPHRASE}

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


def _dump(app, *, kept: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order; `kept`: only what a backup holds."""
    out = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if kept and backup.left_out(table):
                continue
            columns = backup.kept_columns(table) if kept else list(table.columns)
            query = sa.select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in conn.execute(query)
            ]
    return out


def _assert_restored(source: dict, target_app) -> None:
    """Every row a backup holds is back; what it leaves out is not."""
    target = _dump(target_app, kept=True)
    assert target.keys() == source.keys()
    for name in source:
        assert target[name] == source[name], name
    with target_app.app_context():
        for table in db.metadata.sorted_tables:
            if backup.left_out(table):
                assert not db.session.scalar(sa.select(sa.func.count()).select_from(table))


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
    result = sqlite_source.test_cli_runner().invoke(args=["backup", "--plain", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = {t["name"] for t in manifest["tables"]}
        with sqlite_source.app_context():
            assert names == set(db.metadata.tables) - backup.LEFT_OUT_TABLES
            assert "outbox_messages" in manifest["left_out"]["tables"]
            assert sorted(manifest["left_out"]["columns"]["users"]) == [
                "session_nonce",
                "totp_setup_expires_at",
                "totp_setup_sealed",
            ]
            heads = db.session.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert manifest["alembic_revision"] == sorted(heads.scalars())
        logo = json.loads(zf.read("tables/unit_logos.jsonl").splitlines()[0])
        assert isinstance(logo["content"], str)  # base64
        user = json.loads(zf.read("tables/users.jsonl").splitlines()[0])
        assert "session_nonce" not in user and user["password_hash"]
        assert "tables/outbox_messages.jsonl" not in zf.namelist()
    assert archive.stat().st_mode & 0o777 == 0o600


def test_round_trip_sqlite_to_sqlite(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", "--plain", str(archive)])
    target = _fresh_sqlite(tmp_path, "target.db")
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    _assert_restored(_dump(sqlite_source, kept=True), target)
    with target.app_context():
        assert db.session.scalar(sa.select(UnitLogo.content)) == PNG
        db.engine.dispose()


def test_restore_refuses_a_database_with_data(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", "--plain", str(archive)])
    result = sqlite_source.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output


def test_restore_refuses_another_revision_and_garbage(sqlite_source, tmp_path):
    archive = tmp_path / "backup.zip"
    sqlite_source.test_cli_runner().invoke(args=["backup", "--plain", str(archive)])
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
    # Beside the suite's database (one per worker), or a name of its own without one.
    name = (
        f"{make_url(PG_URL).database}_restore"
        if PG_URL
        else f"alliance_restore_{uuid.uuid4().hex[:8]}"
    )
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
    result = sqlite_source.test_cli_runner().invoke(args=["backup", str(archive)], env=SEALED)
    assert result.exit_code == 0, result.output
    target = _app(fresh_postgres)
    with target.app_context():
        upgrade()
    result = target.test_cli_runner().invoke(args=["restore", str(archive)], env=SEALED)
    assert result.exit_code == 0, result.output
    source_rows = _dump(sqlite_source, kept=True)
    _assert_restored(source_rows, target)
    assert sum(len(rows) for rows in source_rows.values()) > 10
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
    assert target.test_cli_runner().invoke(args=["backup", "--plain", str(again)]).exit_code == 0
    back = _fresh_sqlite(tmp_path, "back.db")
    assert back.test_cli_runner().invoke(args=["restore", str(again)]).exit_code == 0
    back_rows = _dump(back, kept=True)
    assert back_rows["users"][:2] == source_rows["users"][:2]
    with target.app_context():
        db.engine.dispose()
    with back.app_context():
        db.engine.dispose()


# --- The demo site, with published elections, through a sealed archive --------------------------


@pytest.fixture(scope="module")
def demo_site(database_template, tmp_path_factory):
    """The demo site on the suite's engine, backed up once (sealed and plain) for this module."""
    folder = tmp_path_factory.mktemp("demo_backup")
    if PG_URL:
        url = PG_URL
    else:
        shutil.copyfile(database_template, folder / "source.db")
        url = f"sqlite:///{folder / 'source.db'}"
    app = _app(url)
    if PG_URL:
        _empty_postgres(app)
    with app.app_context():
        demo.load()
        db.session.commit()
        published = db.session.scalars(select_published()).all()
        assert published, "the demo has published elections"
        nonces = set(db.session.scalars(sa.text("SELECT session_nonce FROM users")))
    sealed, plain = folder / "demo.backup", folder / "demo.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(sealed)], env=SEALED)
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["backup", "--plain", str(plain)]).exit_code == 0
    yield SimpleNamespace(
        rows=_dump(app, kept=True),
        published=len(published),
        nonces=nonces,
        sealed=sealed,
        plain=plain,
    )
    if PG_URL:
        _empty_postgres(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def select_published():
    return sa.select(Election).where(Election.state == PUBLISHED).order_by(Election.id)


def _assert_demo_restored(site, target) -> None:
    """Rows equal, published elections verify from their files, triggers on, nonces new."""
    _assert_restored(site.rows, target)
    with target.app_context():
        elections = db.session.scalars(select_published()).all()
        assert len(elections) == site.published
        for election in elections:
            ballot_file = json.loads(json.dumps(build_ballot_file(election)))
            assert ballot_file["ballots"]
            assert verify_ballot_file(ballot_file) == (True, [])
        nonces = list(db.session.scalars(sa.text("SELECT session_nonce FROM users")))
        assert all(nonces) and len(set(nonces)) == len(nonces)
        assert not set(nonces) & site.nonces  # every cookie from before the restore is dead
        db.session.remove()
        # The immutability triggers are in place and still refuse.
        for statement in (
            "UPDATE elections SET title_zh = 'x' WHERE state = 'published'",
            "DELETE FROM election_ballots",
        ):
            with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        db.engine.dispose()


def test_demo_site_restores_into_fresh_sqlite(demo_site, database_template, tmp_path):
    target = _fresh_sqlite(tmp_path, "target.db")
    result = target.test_cli_runner().invoke(args=["restore", str(demo_site.sealed)], env=SEALED)
    assert result.exit_code == 0, result.output
    _assert_demo_restored(demo_site, target)


def test_demo_site_restores_into_fresh_postgres(demo_site, fresh_postgres):
    target = _app(fresh_postgres)
    with target.app_context():
        upgrade()
        db.engine.dispose()
    result = target.test_cli_runner().invoke(args=["restore", str(demo_site.sealed)], env=SEALED)
    assert result.exit_code == 0, result.output
    _assert_demo_restored(demo_site, target)


def test_sealed_archive_holds_nothing_readable(demo_site):
    content = demo_site.sealed.read_bytes()
    assert not zipfile.is_zipfile(demo_site.sealed)
    assert content.startswith(b"ALLIANCE-SEALED-BACKUP\n")
    with zipfile.ZipFile(demo_site.plain) as zf:
        clear = zf.read("tables/users.jsonl")
    email = json.loads(clear.splitlines()[0])["email"].encode()
    assert email in clear and email not in content
    assert demo_site.sealed.stat().st_mode & 0o777 == 0o600


def test_wrong_passphrase_refuses_cleanly(demo_site, tmp_path):
    target = _fresh_sqlite(tmp_path, "target.db")
    runner = target.test_cli_runner()
    for env in ({"BACKUP_PASSPHRASE": "not the passphrase at all"}, {"BACKUP_PASSPHRASE": None}):
        result = runner.invoke(args=["restore", str(demo_site.sealed)], env=env, input="nope\n")
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit)  # a message, not a traceback
        assert "wrong passphrase" in result.output and "Traceback" not in result.output
    with target.app_context():
        assert not db.session.scalar(sa.text("SELECT COUNT(*) FROM users"))
        db.engine.dispose()


def test_damaged_or_cut_archive_refuses(demo_site, tmp_path):
    content = demo_site.sealed.read_bytes()
    target = _fresh_sqlite(tmp_path, "target.db")
    damaged, cut = tmp_path / "damaged.backup", tmp_path / "cut.backup"
    flipped = bytearray(content)
    flipped[-40] ^= 1
    damaged.write_bytes(bytes(flipped))
    cut.write_bytes(content[:-10])
    for path, message in ((damaged, "damaged"), (cut, "cut short")):
        result = target.test_cli_runner().invoke(args=["restore", str(path)], env=SEALED)
        assert result.exit_code == 1 and message in result.output, result.output
    with target.app_context():
        db.engine.dispose()


def test_passphrase_is_asked_twice_and_must_be_long(sqlite_source, tmp_path):
    runner = sqlite_source.test_cli_runner()
    archive = tmp_path / "asked.backup"
    env = {"BACKUP_PASSPHRASE": None}
    result = runner.invoke(args=["backup", str(archive)], env=env, input="short\nshort\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert not archive.exists() and not list(tmp_path.glob("*.partial"))
    result = runner.invoke(
        args=["backup", str(archive)], env=env, input=f"{PASSPHRASE}\n{PASSPHRASE}\n"
    )
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.output
    target = _fresh_sqlite(tmp_path, "target.db")
    result = target.test_cli_runner().invoke(
        args=["restore", str(archive)], env=env, input=f"{PASSPHRASE}\n"
    )
    assert result.exit_code == 0, result.output
    _assert_restored(_dump(sqlite_source, kept=True), target)
    with target.app_context():
        db.engine.dispose()


def test_backup_docs_list_every_table():
    """docs/backups.md says what an archive holds: a new table must be placed there."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "backups.md").read_text()
    missing = [t.name for t in db.metadata.sorted_tables if f"`{t.name}`" not in text]
    assert not missing
    for table, columns in backup.LEFT_OUT_COLUMNS.items():
        assert all(f"`{table}.{c}`" in text for c in columns)
