"""Run pip-audit on the installed environment for `make test`.

Fails (exit 1) on a known vulnerability. When no advisory service can be reached, or it could
audit none of the packages, prints "NOT CHECKED" and exits 0, so CI is not flaky offline.
Usage: python scripts/audit_deps.py [extra pip-audit arguments, e.g. --ignore-vuln ID]
"""

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
SERVICES = ("pypi", "osv")


def run(service: str, extra: list[str]) -> tuple[int, dict | None, str]:
    command = [
        str(PIP_AUDIT),
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--format",
        "json",
        "--vulnerability-service",
        service,
        *extra,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 2, None, str(exc)
    try:
        return done.returncode, json.loads(done.stdout), done.stderr
    except ValueError:
        return done.returncode, None, (done.stderr or done.stdout)[-500:]


def main(extra: list[str]) -> int:
    for service in SERVICES:
        _code, report, error = run(service, extra)
        if report is None:
            print(f"pip-audit ({service}): service unreachable: {error.strip().splitlines()[-1:]}")
            continue
        deps = report.get("dependencies", [])
        audited = [d for d in deps if "skip_reason" not in d]
        vulnerable = [d for d in audited if d.get("vulns")]
        if vulnerable:
            for dep in vulnerable:
                for vuln in dep["vulns"]:
                    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                    print(
                        f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})"
                    )
            print(f"pip-audit ({service}): {len(vulnerable)} vulnerable package(s)")
            return 1
        if audited:
            print(
                f"pip-audit ({service}): no known vulnerabilities in {len(audited)} packages"
                f" ({len(deps) - len(audited)} skipped)"
            )
            return 0
        print(f"pip-audit ({service}): could audit none of {len(deps)} packages")
    print("pip-audit: NOT CHECKED (advisory service unreachable)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
