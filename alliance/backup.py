"""Portable backups: one zip of JSON lines per table (every table in the metadata) and a manifest.

Tables are written and restored in dependency order, so a restore only inserts rows (the
append-only triggers never fire) into an empty database migrated to the same revision.
Binary columns are base64, dates ISO 8601, JSON columns as JSON. Works between SQLite and
PostgreSQL in either direction; production should also keep `pg_dump` backups (docs/backups.md).
"""

import base64
import datetime as dt
import decimal
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alliance.database import utcnow

FORMAT = "alliance-backup"
VERSION = 1
BATCH = 500

# Tables whose default rows a migration inserts (a "fresh" database already has them).
SEEDED_BY_MIGRATIONS = ("resource_categories",)


class BackupError(RuntimeError):
    """The archive cannot be restored here; the message says why."""


def _tables(metadata: sa.MetaData) -> list[sa.Table]:
    return list(metadata.sorted_tables)


def _revision(conn: Connection) -> list[str]:
    if not sa.inspect(conn).has_table("alembic_version"):
        return []
    return sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())


def _encode(column: sa.Column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _decode(column: sa.Column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat(value)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return decimal.Decimal(value)
    if isinstance(kind, sa.Interval):
        return dt.timedelta(seconds=value)
    return value


def _rows(conn: Connection, table: sa.Table) -> Iterator[dict]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        sa.select(table).order_by(*order)
    )
    for row in result.mappings():
        yield {c.name: _encode(c, row[c.name]) for c in table.columns}


def backup(conn: Connection, metadata: sa.MetaData, path: str | Path) -> dict:
    """Write every table to a zip archive at `path`; return the manifest."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": utcnow().isoformat(),
        "dialect": conn.dialect.name,
        "alembic_revision": _revision(conn),
        "tables": [],
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables(metadata):
            count = 0
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as out:
                for row in _rows(conn, table):
                    out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                    count += 1
            manifest["tables"].append(
                {"name": table.name, "rows": count, "columns": [c.name for c in table.columns]}
            )
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("not an alliance backup: manifest.json missing or unreadable") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("not an alliance backup of a version this code can read")
    return manifest


def restore(conn: Connection, metadata: sa.MetaData, path: str | Path) -> dict[str, int]:
    """Load an archive into this empty database at the same revision; return rows per table.

    The caller runs this inside one transaction, so a failure leaves the database empty.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"cannot open the archive: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        here = _revision(conn)
        if manifest["alembic_revision"] != here:
            raise BackupError(
                f"the archive is at revision {manifest['alembic_revision']}, this database at "
                f"{here}: run `flask db upgrade` (or check out the matching code) first"
            )
        tables = {t.name: t for t in _tables(metadata)}
        archived = {t["name"]: t for t in manifest["tables"]}
        unknown = sorted(set(archived) - set(tables))
        if unknown:
            raise BackupError(f"the archive has tables this code does not know: {unknown}")
        for table in tables.values():
            if table.name in SEEDED_BY_MIGRATIONS:
                continue
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
        # Reference rows the migrations insert into a new database give way to the archive's.
        for name in SEEDED_BY_MIGRATIONS:
            if name in tables:
                conn.execute(tables[name].delete())
        counts = {}
        for table in _tables(metadata):
            entry = archived.get(table.name)
            if entry is None:
                counts[table.name] = 0
                continue
            missing = set(entry["columns"]) - set(table.columns.keys())
            if missing:
                raise BackupError(f"table {table.name}: unknown columns {sorted(missing)}")
            counts[table.name] = _load_table(conn, table, archive)
            if counts[table.name] != entry["rows"]:
                raise BackupError(f"table {table.name}: expected {entry['rows']} rows")
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables.values())
    return counts


def _load_table(conn: Connection, table: sa.Table, archive: zipfile.ZipFile) -> int:
    count = 0
    batch = []
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        for line in lines:
            raw = json.loads(line)
            batch.append({c.name: _decode(c, raw.get(c.name)) for c in table.columns})
            if len(batch) >= BATCH:
                conn.execute(table.insert(), batch)
                count += len(batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(conn: Connection, tables) -> None:
    """Move each serial/identity sequence past the restored ids."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar()
            if sequence:
                conn.execute(
                    sa.text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '  # noqa: S608
                        f'FROM "{table.name}"), 1), '
                        f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL)'
                    ),
                    {"s": sequence},
                )
