"""A fresh, empty database for each benchmark run (the page runs and the vote storm share it)."""

import os
from pathlib import Path

import sqlalchemy as sa

from bench.server import ROOT

WORK = ROOT / "bench" / "work"


def fresh_database(engine_name: str, size: int | str) -> str:
    """Return the URL of an empty database for this run (SQLite file, or a reset PostgreSQL)."""
    if engine_name == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"bench-{size}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = os.environ["BENCH_DATABASE_URL"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url
