"""Backups: a portable archive of every table (`archive`), sealed with a passphrase (`sealing`).

`write` and `open_archive` are what the `backup` and `restore` commands call: the file on disk
is either a sealed archive (the default) or, with `--plain`, the zip itself.
"""

import io
import os
import zipfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from alliance.backup.archive import (
    LEFT_OUT_COLUMNS,
    LEFT_OUT_TABLES,
    BackupError,
    backup,
    kept_columns,
    left_out,
    restore,
)
from alliance.backup.sealing import MIN_PASSPHRASE, SealedWriter, SealingError, is_sealed, unseal

__all__ = [
    "LEFT_OUT_COLUMNS",
    "LEFT_OUT_TABLES",
    "MIN_PASSPHRASE",
    "BackupError",
    "backup",
    "is_sealed_file",
    "kept_columns",
    "left_out",
    "open_archive",
    "restore",
    "write",
]


def write(
    conn: Connection, metadata: sa.MetaData, path: str | Path, passphrase: str | None
) -> dict:
    """Back up to `path`, sealed under `passphrase` (None: a plain zip); return the manifest.

    The file is readable by its owner only, and appears under its name only once complete.
    """
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise BackupError(f"cannot write the archive: {exc}") from exc
    try:
        with open(fd, "wb") as out:
            if passphrase is None:
                manifest = backup(conn, metadata, out)
            else:
                with SealedWriter(out, passphrase) as sealed:
                    manifest = backup(conn, metadata, sealed)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def is_sealed_file(path: str | Path) -> bool:
    """Tell whether the file at `path` is a sealed archive (else it should be a plain zip)."""
    try:
        with open(path, "rb") as source:
            return is_sealed(source.read(64))
    except OSError as exc:
        raise BackupError(f"cannot open the archive: {exc}") from exc


def open_archive(path: str | Path, passphrase: str | None = None) -> zipfile.ZipFile:
    """Open a plain or sealed archive (whose every chunk is checked first) as a zip."""
    try:
        if is_sealed_file(path):
            if passphrase is None:
                raise BackupError("the archive is sealed: a passphrase is needed")
            with open(path, "rb") as source:
                return zipfile.ZipFile(io.BytesIO(unseal(source, passphrase)))
        return zipfile.ZipFile(path)
    except SealingError as exc:
        raise BackupError(str(exc)) from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"cannot open the archive: {exc}") from exc
