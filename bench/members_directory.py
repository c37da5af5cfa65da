"""Directory search at scale: p95 of /members requests on a database with N invented units.

    .venv/bin/python -m bench.members_directory --units 100000 [--url sqlite:///…] [--rounds 40]

Goal (issue 7): a two-character Chinese search answers with p95 ≤ 50 ms on SQLite at 100,000
units, and every page costs about the same.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from alliance import create_app
from alliance.extensions import db

QUERIES = (
    "/members",
    "/members?q=软件",
    "/members?q=软",
    "/members?q=鹭岛",
    "/members?q=示例数据",
    "/members?q=%E8%BD%AF%E4%BB%B6&page=200",
    "/members?q=厦门&sort=joined",
    "/members?q=software",
    "/members?q=99999",
    "/members?district=jimei&service=design",
    "/members?view=tiers",
    "/members?page=4000",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    url = args.url or "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from alliance import demo
        from alliance.members.models import MemberUnit

        have = db.session.scalar(select(func.count()).select_from(MemberUnit))
        if have < args.units:
            started = time.perf_counter()
            demo.load(extra_members=args.units)
            db.session.commit()
            print(f"loaded {args.units} units in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    print(f"{'request':45} {'p50 ms':>8} {'p95 ms':>8}")
    for path in QUERIES:
        client.get(path)  # warm up
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{path:45} {statistics.median(times):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
