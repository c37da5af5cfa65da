"""Portable backups: one zip of JSON lines per table (every table in the metadata) and a manifest.

Tables are written and restored in dependency order into an empty database migrated to the same
revision. Binary columns are base64, dates ISO 8601, JSON columns as JSON. Works between SQLite
and PostgreSQL in either direction; production should also keep `pg_dump` backups
(docs/backups.md). What an archive leaves out, and why, is `LEFT_OUT_*` below.

The immutability triggers stay on during a restore and are obeyed: a published election goes in
as "tallied", its ballots, electorate and seats after it, and it becomes "published" again once
every table is loaded (`HELD_BACK`). That needs no privilege beyond INSERT and UPDATE.
"""

import base64
import datetime as dt
import decimal
import json
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alliance.database import utcnow

FORMAT = "alliance-backup"
# 2: left-out tables and columns (manifest "left_out"); 1 had every column of every table.
VERSION = 2
READABLE_VERSIONS = (1, 2)
BATCH = 500

# Tables whose default rows a migration inserts (a "fresh" database already has them).
SEEDED_BY_MIGRATIONS = ("resource_categories",)

# Never written, and skipped on restore if an older archive has them:
# - the outbox (mail queue and log): bodies hold sign-in, reset and invitation links, and
#   pending mail would go out again from the restored site;
# - users.session_nonce: a restored site gives every account a fresh one (the column default),
#   so every cookie issued before the restore stops working.
# A table or column can also opt out where it is declared: `info={"backup": "leave out"}`
# (e.g. pending two-factor enrolment state).
LEFT_OUT_TABLES = frozenset({"outbox_messages"})
LEFT_OUT_COLUMNS = {"users": frozenset({"session_nonce"})}
LEAVE_OUT = "leave out"

# Rows the triggers make immutable once a column holds a value: (column, final, interim).
HELD_BACK = {"elections": ("state", "published", "tallied")}


class BackupError(RuntimeError):
    """The archive cannot be restored here; the message says why."""


def left_out(table: sa.Table) -> bool:
    """Tell whether backups leave this whole table out."""
    return table.name in LEFT_OUT_TABLES or table.info.get("backup") == LEAVE_OUT


def kept_columns(table: sa.Table) -> list[sa.Column]:
    """Return the columns of `table` that backups hold."""
    dropped = LEFT_OUT_COLUMNS.get(table.name, frozenset())
    return [c for c in table.columns if c.name not in dropped and c.info.get("backup") != LEAVE_OUT]


def _tables(metadata: sa.MetaData) -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if not left_out(t)]


def _left_out_manifest(metadata: sa.MetaData) -> dict:
    columns = {}
    for table in _tables(metadata):
        kept = {c.name for c in kept_columns(table)}
        dropped = [c.name for c in table.columns if c.name not in kept]
        if dropped:
            columns[table.name] = dropped
    tables = [t.name for t in metadata.sorted_tables if left_out(t)]
    return {"tables": tables, "columns": columns}


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
    columns = kept_columns(table)
    order = list(table.primary_key.columns) or columns
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        sa.select(*columns).order_by(*order)
    )
    for row in result.mappings():
        yield {c.name: _encode(c, row[c.name]) for c in columns}


def backup(conn: Connection, metadata: sa.MetaData, out: BinaryIO) -> dict:
    """Write the tables a backup holds to a zip archive on `out`; return the manifest.

    `out` may be a stream that cannot seek (the sealing writer): zipfile then writes data
    descriptors after each member.
    """
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": utcnow().isoformat(),
        "dialect": conn.dialect.name,
        "alembic_revision": _revision(conn),
        "left_out": _left_out_manifest(metadata),
        "tables": [],
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables(metadata):
            count = 0
            with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as lines:
                for row in _rows(conn, table):
                    lines.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                    count += 1
            manifest["tables"].append(
                {
                    "name": table.name,
                    "rows": count,
                    "columns": [c.name for c in kept_columns(table)],
                }
            )
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("not an alliance backup: manifest.json missing or unreadable") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") not in READABLE_VERSIONS:
        raise BackupError("not an alliance backup of a version this code can read")
    return manifest


def restore(conn: Connection, metadata: sa.MetaData, archive: zipfile.ZipFile) -> dict[str, int]:
    """Load an archive into this empty database at the same revision; return rows per table.

    The caller runs this inside one transaction, so a failure leaves the database as it was.
    """
    manifest = read_manifest(archive)
    here = _revision(conn)
    if manifest["alembic_revision"] != here:
        raise BackupError(
            f"the archive is at revision {manifest['alembic_revision']}, this database at "
            f"{here}: run `flask db upgrade` (or check out the matching code) first"
        )
    every = {t.name: t for t in metadata.sorted_tables}
    archived = {t["name"]: t for t in manifest["tables"]}
    unknown = sorted(set(archived) - set(every))
    if unknown:
        raise BackupError(f"the archive has tables this code does not know: {unknown}")
    for table in every.values():
        if table.name in SEEDED_BY_MIGRATIONS:
            continue
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            raise BackupError(f"the database is not empty (table {table.name} has rows)")
    # Reference rows the migrations insert into a new database give way to the archive's.
    for name in SEEDED_BY_MIGRATIONS:
        if name in every:
            conn.execute(every[name].delete())
    counts, held = {}, {}
    for table in _tables(metadata):
        entry = archived.get(table.name)
        if entry is None:
            counts[table.name] = 0
            continue
        missing = set(entry["columns"]) - set(table.columns.keys())
        if missing:
            raise BackupError(f"table {table.name}: unknown columns {sorted(missing)}")
        counts[table.name], held[table.name] = _load_table(conn, table, entry, archive)
        if counts[table.name] != entry["rows"]:
            raise BackupError(f"table {table.name}: expected {entry['rows']} rows")
    _release_held_back(conn, metadata, held)
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, every.values())
    return counts


def _load_table(
    conn: Connection, table: sa.Table, entry: dict, archive: zipfile.ZipFile
) -> tuple[int, list]:
    """Insert a table's rows; return their number and the keys of rows held back."""
    names = set(entry["columns"])
    columns = [c for c in kept_columns(table) if c.name in names]
    hold = HELD_BACK.get(table.name)
    count, batch, held = 0, [], []
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        for line in lines:
            raw = json.loads(line)
            row = {c.name: _decode(c, raw.get(c.name)) for c in columns}
            if hold and row.get(hold[0]) == hold[1]:
                row[hold[0]] = hold[2]
                held.append(tuple(row[c.name] for c in table.primary_key.columns))
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(table.insert(), batch)
                count += len(batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count, held


def _release_held_back(conn: Connection, metadata: sa.MetaData, held: dict[str, list]) -> None:
    """Give held-back rows their final value, now that everything that belongs to them is in."""
    for name, (column, final, _interim) in HELD_BACK.items():
        keys = held.get(name)
        if not keys:
            continue
        table = metadata.tables[name]
        pk = list(table.primary_key.columns)
        key = pk[0] if len(pk) == 1 else sa.tuple_(*pk)
        keys = [k[0] for k in keys] if len(pk) == 1 else keys
        for start in range(0, len(keys), BATCH):
            conn.execute(
                table.update().where(key.in_(keys[start : start + BATCH])).values({column: final})
            )


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
