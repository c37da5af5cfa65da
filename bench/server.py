"""Start the application under gunicorn on 127.0.0.1 for a benchmark run."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database_url: str) -> dict[str, str]:
    """Environment for the app under test: production-like, cheap hashing for the vote storm."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-secret-key-" + "x" * 32,
        SESSION_COOKIE_SECURE="false",
        REMEMBER_COOKIE_SECURE="false",
        ALLIANCE_PASSWORD_HASH_METHOD="pbkdf2:sha256:1",  # noqa: S106 - bench only
        ALLIANCE_RATELIMIT_ENABLED="false",
        ALLIANCE_WTF_CSRF_ENABLED="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(args: list[str], database_url: str, timeout: int = 3600) -> str:
    """Run a `flask --app alliance` command against the bench database; return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "alliance", *args],
        cwd=ROOT,
        env=bench_env(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(database_url: str, workers: int = 2, threads: int = 1, env: dict | None = None):
    """Serve wsgi:app with gunicorn (extra environment in env); yield (base_url, master_pid)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "wsgi:app",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    log_dir = ROOT / "bench" / "work"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603
        cmd, cwd=ROOT, env={**bench_env(database_url), **(env or {})}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def worker_peak_rss_mb(master_pid: int) -> list[float]:
    """Return the peak resident memory (VmHWM) of each gunicorn worker, in MB."""
    peaks = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)
