"""The vote storm: every representative of a 2,000-unit electorate casts a ballot at once.

storm.run(engine_name, url, args) loads a fresh database with exactly `--storm-voters` active
units (`demo-data --members`), opens a stage-1 council election through the election services
(bench/storm_setup.py), starts gunicorn (2 workers) on 127.0.0.1 and then:

1. signs every representative in over HTTP (GET /login for the CSRF token, POST /login), then
   opens the ballot page (GET /elections/<id>/vote) for the session's CSRF token — not timed;
2. storm, timed: all representatives POST their confirmed ballot (step=confirm, CSRF token)
   from `--storm-connections` concurrent connections; every tenth representative also sends
   the same ballot a second time at the same moment (a double click on another connection).
   The requests are encoded before the clock starts; the CPU time of the gunicorn workers and
   of this client during the storm is reported (server_cpu_seconds, client_cpu_seconds);
3. checks: each representative got exactly one receipt, every duplicate got 409 "already
   voted", no 5xx, and the database holds exactly one participation and one ballot per unit;
4. closes the election and times the tally (service and pure function) of those ballots and of
   a synthetic 100,000-ballot election.
"""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.database import fresh_database
from bench.server import ROOT, bench_env, flask, gunicorn

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RECEIPT = re.compile(rb"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
DUPLICATE_EVERY = 10


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response, data = self._exchange(method, path, body, headers)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data.decode("utf-8", "replace")

    def send(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        """Send a request encoded beforehand (cookies included); return status and raw body."""
        response, data = self._exchange(method, path, body, headers)
        return response.status, data

    def _exchange(self, method, path, body, headers):
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.conn.close()


def _token(text: str) -> str:
    match = CSRF.search(text)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def _sign_in(base: str, email: str, password: str, election_id: int) -> tuple[dict, str]:
    """Sign one representative in and open the ballot; return (cookies, CSRF token)."""
    client = Client(base)
    try:
        status, page = client.request("GET", "/login")
        status, page = client.request(
            "POST", "/login", {"csrf_token": _token(page), "email": email, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}")
        status, page = client.request("GET", f"/elections/{election_id}/vote")
        if status != 200:
            raise RuntimeError(f"ballot page for {email} answered {status}")
        return dict(client.cookies), _token(page)
    finally:
        client.close()


def _ballot(candidates: list[int], seats: int, n: int) -> dict:
    """A valid ballot: approve `seats` or fewer candidates, oppose or abstain on the rest."""
    approved = {candidates[(n + i) % len(candidates)] for i in range(n % (seats + 1))}
    return {
        f"c-{c}": "approve" if c in approved else ("oppose" if (n + c) % 3 else "abstain")
        for c in candidates
    }


def run(engine_name: str, url: str | None, args) -> dict:
    """Run the storm on a fresh database of this engine; return the numbers for the report."""
    voters = args.storm_voters
    url = fresh_database(engine_name, f"storm-{voters}")
    print(f"[{engine_name} storm] loading {voters} units …", flush=True)
    started = time.monotonic()
    flask(["db", "upgrade"], url)
    # The demo adds 23 founding units and a few applicants; top up to exactly `voters` active.
    flask(["demo-data"], url)
    active = _active_units(url)
    flask(["demo-data", "--members", str(max(0, voters - active))], url)
    password = secrets.token_urlsafe(16)
    setup = _setup(url, "prepare", str(voters), password)
    load_seconds = round(time.monotonic() - started, 1)
    election_id = setup["election_id"]
    out = {"ballots": voters, "electorate": setup["electorate"], "load_seconds": load_seconds}
    with gunicorn(url, workers=2) as (base, master):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.storm_connections) as pool:
            sessions = list(
                pool.map(lambda e: _sign_in(base, e, password, election_id), setup["emails"])
            )
        out["sign_in_seconds"] = round(time.monotonic() - started, 1)
        print(
            f"[{engine_name} storm] {voters} representatives signed in "
            f"in {out['sign_in_seconds']} s; storm …",
            flush=True,
        )
        # Every request is encoded before the clock starts (as a browser has its form ready),
        # so the client's threads spend the storm sending, not encoding: they share the two
        # cores with the server.
        jobs = []
        for n, (cookies, token) in enumerate(sessions):
            form = {
                "csrf_token": token,
                "step": "confirm",
                **_ballot(setup["candidates"], setup["seats"], n),
            }
            headers = {
                "Accept-Language": "zh-CN",
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            }
            jobs.append((n, headers, urlencode(form).encode()))
            if n % DUPLICATE_EVERY == 0:
                jobs.append(jobs[-1])  # the double submission
        # Interleave so a duplicate lands next to its original on another connection.
        statuses: dict[int, list[int]] = {}
        server_errors = other = 0
        lock = threading.Lock()
        local = threading.local()

        path = f"/elections/{election_id}/vote"

        def cast(job):
            nonlocal server_errors, other
            n, headers, body = job
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = Client(base)
            try:
                status, page = client.send("POST", path, body, headers)
            except (OSError, http.client.HTTPException):
                status, page = 599, b""
            accepted = status == 200 and RECEIPT.search(page) is not None
            with lock:
                statuses.setdefault(n, []).append(200 if accepted else status)
                if status >= 500:
                    server_errors += 1
                elif status not in (200, 409):
                    other += 1

        workers_before, client_before = worker_cpu_seconds(master), time.process_time()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.storm_connections) as pool:
            list(pool.map(cast, jobs))
        storm_seconds = time.monotonic() - started
        # CPU spent during the storm: the two gunicorn workers, and this client (its threads).
        out["server_cpu_seconds"] = round(worker_cpu_seconds(master) - workers_before, 2)
        out["client_cpu_seconds"] = round(time.process_time() - client_before, 2)
    accepted_once = sum(1 for codes in statuses.values() if codes.count(200) == 1)
    accepted_twice = sum(1 for codes in statuses.values() if codes.count(200) > 1)
    refused = sum(codes.count(409) for codes in statuses.values())
    counts = _setup(url, "tally", str(election_id))
    duplicates_sent = len(jobs) - voters
    ok = (
        accepted_once == voters
        and accepted_twice == 0
        and refused == duplicates_sent
        and server_errors == 0
        and other == 0
        and counts["participations"] == voters
        and counts["distinct_units"] == voters
        and counts["ballots_stored"] == voters
        and counts["tally_counted"] == voters
    )
    out.update(
        requests=len(jobs),
        accepted=accepted_once,
        accepted_twice=accepted_twice,
        duplicates_sent=duplicates_sent,
        refused=refused,
        server_errors=server_errors,
        other_status=other,
        storm_seconds=round(storm_seconds, 2),
        ballots_per_second=round(voters / storm_seconds, 1),
        connections=args.storm_connections,
        ok=ok,
        **counts,
    )
    print(f"[{engine_name} storm] {json.dumps(out)}", flush=True)
    return out


def worker_cpu_seconds(master_pid: int) -> float:
    """Return the CPU time (user + system) the gunicorn workers have used so far, in seconds."""
    total = 0
    for child in Path("/proc").glob("[0-9]*"):
        try:
            if f"\nPPid:\t{master_pid}\n" not in (child / "status").read_text():
                continue
            stat = (child / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _active_units(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.exec_driver_sql(
            "SELECT count(*) FROM member_units WHERE status = 'active'"
        ).scalar()
    engine.dispose()
    return n


def _setup(url: str, *argv: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.storm_setup", *argv],
        cwd=ROOT,
        env=bench_env(url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"storm_setup {argv[0]} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])
