"""`make bench`: data at several sizes, the app under gunicorn, pages measured against /healthz.

    python -m bench [--sizes 1000,10000,100000] [--seconds 5] [--connections 8]

Writes bench/results/<date>-<commit>.json and .md. BENCH_DATABASE_URL (PostgreSQL) adds a run
on that database beside SQLite. Every request loop is bounded in time; only 127.0.0.1 is used.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time

import sqlalchemy as sa

from bench import report
from bench.database import fresh_database
from bench.load import measure
from bench.server import ROOT, flask, gunicorn, worker_peak_rss_mb

RESULTS = ROOT / "bench" / "results"


def load_data(url: str, size: int) -> dict:
    """Migrate and fill the database: the demo plus invented units up to `size` units."""
    started = time.monotonic()
    flask(["db", "upgrade"], url)
    flask(["demo-data", "--members", str(max(0, size - 23))], url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        units = conn.exec_driver_sql("SELECT count(*) FROM member_units").scalar()
        slug = conn.exec_driver_sql(
            "SELECT slug FROM member_units WHERE status = 'active' ORDER BY id DESC LIMIT 1"
        ).scalar()
        if conn.dialect.name == "sqlite":
            # Planner statistics after a bulk load, as a deployment keeps them (ANALYZE or
            # PRAGMA optimize).
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if engine.dialect.name == "postgresql":
        # What autovacuum does in a deployment (it may be off on a test server): statistics,
        # and the visibility map without which an index-only scan (a deep directory page)
        # reads every row it skips from the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return {
        "units": units,
        "profile_slug": slug,
        "load_seconds": round(time.monotonic() - started, 1),
    }


def pages(info: dict) -> dict[str, str]:
    """The pages the issue names, as paths for this data set."""
    deep = max(1, min(2000, info["units"] // 20))
    return {
        "healthz": "/healthz",
        "directory": "/members",
        "directory_deep": f"/members?page={deep}",
        "directory_filtered": "/members?district=siming&type=enterprise",
        "search_2char": "/members?q=%E8%BD%AF%E4%BB%B6",  # 软件
        "profile": f"/members/{info['profile_slug']}",
        "resources": "/resources",
        "council": "/council",
    }


# Two passes per size. "cached": the production configuration, where anonymous visitors of a
# public page are served from the page cache (alliance/page_cache.py) — what a crowd on one page
# gets. "uncached": PAGE_CACHE_SECONDS=0, so every request renders the page and runs its queries —
# the cost the indexes and queries must keep flat; driven with one connection per worker, so its
# latencies are service times, not time spent queueing behind other requests.
PASSES = {
    "cached": {},
    "uncached": {"PAGE_CACHE_SECONDS": "0"},
}


def run_pages(base: str, paths: dict[str, str], seconds: int, connections: int) -> dict:
    measured = {}
    for name, path in paths.items():
        # Warm up (templates, caches), then measure.
        measure(base + path, seconds=1, connections=2)
        m = measure(base + path, seconds=seconds, connections=connections)
        measured[name] = {
            "path": path,
            "rps": round(m.rps, 1),
            "p50_ms": round(m.p50_ms, 2),
            "p95_ms": round(m.p95_ms, 2),
            "errors": m.errors,
            "requests": m.requests,
            "tool": m.tool,
            "connections": connections,
        }
        print(
            f"  {name:<20} {m.rps:8.1f} req/s  p50 {m.p50_ms:7.2f} ms  p95 {m.p95_ms:7.2f} ms"
            f"  errors {m.errors}",
            flush=True,
        )
    return measured


def run_size(engine_name: str, size: int, args) -> dict:
    url = fresh_database(engine_name, size)
    print(f"[{engine_name} {size}] loading data …", flush=True)
    info = load_data(url, size)
    print(f"[{engine_name} {size}] {info['units']} units in {info['load_seconds']} s", flush=True)
    result = {"engine": engine_name, "size": size, **info, "worker_peak_rss_mb": []}
    workers = 2
    for name, env in PASSES.items():
        print(f"[{engine_name} {size}] {name} pages", flush=True)
        connections = args.connections if name == "cached" else workers
        with gunicorn(url, workers=workers, env=env) as (base, master):
            key = "pages" if name == "cached" else f"pages_{name}"
            result[key] = run_pages(base, pages(info), args.seconds, connections)
            peaks = [round(x, 1) for x in worker_peak_rss_mb(master)]
        if max(peaks, default=0) > max(result["worker_peak_rss_mb"], default=0):
            result["worker_peak_rss_mb"] = peaks
    return result


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", type=lambda s: [int(x) for x in s.split(",")]
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-storm", dest="storm", action="store_false")
    parser.add_argument("--storm-voters", type=int, default=2000)
    parser.add_argument("--storm-connections", type=int, default=16)
    args = parser.parse_args(argv)
    engines = ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])
    started = time.monotonic()
    runs = []
    engine_seconds = {}
    for engine in engines:
        engine_started = time.monotonic()
        runs += [run_size(engine, size, args) for size in args.sizes]
        if args.storm:
            from bench import storm

            # Reported beside the largest run of this engine (its own 2,000-unit database).
            try:
                runs[-1]["storm"] = storm.run(engine, None, args)
            except Exception as exc:  # noqa: BLE001 - report it, keep the page results
                runs[-1]["storm"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}
                print(f"[{engine} storm] failed: {exc}", flush=True)
        engine_seconds[engine] = round(time.monotonic() - engine_started, 1)
    data = {
        "commit": commit(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {
            "seconds": args.seconds,
            "connections": args.connections,
            "uncached_connections": 2,
            "workers": 2,
        },
        "runs": runs,
        "total_seconds": round(time.monotonic() - started, 1),
        "engine_seconds": engine_seconds,
    }
    data["goals"] = report.goals(data)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{data['date'][:10]}-{data['commit']}"
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    markdown = report.markdown(data)
    stem.with_suffix(".md").write_text(markdown)
    print(markdown)
    print(f"written {stem}.json and {stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
