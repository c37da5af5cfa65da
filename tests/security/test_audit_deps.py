"""The pip-audit wrapper fails on findings and reports NOT CHECKED when offline."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"


@pytest.fixture
def audit_deps():
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake(monkeypatch, module, answers):
    calls = []

    def run(service, extra):
        calls.append(service)
        return answers[service]

    monkeypatch.setattr(module, "run", run)
    return calls


def test_finding_fails(audit_deps, monkeypatch, capsys):
    report = {
        "dependencies": [
            {
                "name": "flask",
                "version": "0.1",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["3"]}],
            },
            {"name": "ok", "version": "1", "vulns": []},
        ]
    }
    _fake(monkeypatch, audit_deps, {"pypi": (1, report, "")})
    assert audit_deps.main([]) == 1
    assert "VULNERABLE flask 0.1: PYSEC-1" in capsys.readouterr().out


def test_clean_report_passes(audit_deps, monkeypatch, capsys):
    report = {"dependencies": [{"name": "ok", "version": "1", "vulns": []}]}
    _fake(monkeypatch, audit_deps, {"pypi": (0, report, "")})
    assert audit_deps.main([]) == 0
    assert "no known vulnerabilities in 1 packages" in capsys.readouterr().out


def test_unreachable_service_is_not_checked_but_passes(audit_deps, monkeypatch, capsys):
    skipped = {"dependencies": [{"name": "x", "version": "1", "skip_reason": "not found"}]}
    calls = _fake(monkeypatch, audit_deps, {"pypi": (0, skipped, ""), "osv": (1, None, "DNS")})
    assert audit_deps.main([]) == 0
    assert calls == ["pypi", "osv"]
    assert "NOT CHECKED" in capsys.readouterr().out


def test_fallback_service_findings_still_fail(audit_deps, monkeypatch):
    vulnerable = {"dependencies": [{"name": "x", "version": "1", "vulns": [{"id": "GHSA-1"}]}]}
    _fake(monkeypatch, audit_deps, {"pypi": (1, None, "timeout"), "osv": (1, vulnerable, "")})
    assert audit_deps.main([]) == 1
