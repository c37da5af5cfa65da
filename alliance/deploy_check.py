"""`flask check-deploy`: report settings that are unsafe for production (a Django-style check)."""

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from flask.helpers import get_debug_flag
from werkzeug.sansio.utils import host_is_trusted

from alliance.config import DEV_SECRET_KEY
from alliance.crypto import DEV_DATA_KEY

WEAK_SECRETS = {
    DEV_SECRET_KEY,
    DEV_DATA_KEY,
    "secret",
    "changeme",
    "change-me",
    "dev",
    "development",
    "test",
}
MIN_SECRET_LENGTH = 32
MIN_HSTS_SECONDS = 180 * 24 * 3600


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def workers_from_environment() -> int:
    """Return the number of worker processes gunicorn will start, as far as the environment says."""
    if os.environ.get("WEB_CONCURRENCY", "").strip().isdigit():
        return int(os.environ["WEB_CONCURRENCY"])
    match = re.search(r"(?:-w|--workers)[= ]?(\d+)", os.environ.get("GUNICORN_CMD_ARGS", ""))
    return int(match.group(1)) if match else 1


def _secret_problem(key) -> str | None:
    if not key:
        return "SECRET_KEY is not set."
    if not isinstance(key, str | bytes):
        return "SECRET_KEY must be a string."
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    if text in WEAK_SECRETS or "insecure" in text or "not-for-production" in text:
        return "SECRET_KEY is a known default or placeholder value."
    if len(text) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters."
    if len(set(text)) < 10:
        return "SECRET_KEY has too few distinct characters to be random."
    return None


def _data_key_problem(key, secret_key) -> str | None:
    if not key:
        return "DATA_KEY is not set."
    if key == secret_key:
        return "DATA_KEY is the same as SECRET_KEY."
    problem = _secret_problem(key)
    return problem.replace("SECRET_KEY", "DATA_KEY") if problem else None


def check(app: Flask, workers: int = 1) -> list[Problem]:
    """Return every unsafe production setting of the app (an empty list means it looks good)."""
    cfg = app.config
    found: list[Problem] = []

    def add(code: str, message: str) -> None:
        found.append(Problem(code, message))

    if app.debug or get_debug_flag():
        add("debug", "Debug mode is on (FLASK_DEBUG): the debugger runs code for anyone.")
    if app.testing:
        add("testing", "TESTING is on: errors propagate and checks are relaxed.")
    problem = _secret_problem(cfg.get("SECRET_KEY"))
    if problem:
        add(
            "secret_key", problem + ' Use python -c "import secrets; print(secrets.token_hex(32))".'
        )
    problem = _data_key_problem(cfg.get("DATA_KEY"), cfg.get("SECRET_KEY"))
    if problem:
        add(
            "data_key",
            problem + " DATA_KEY seals secrets at rest (two-factor secrets); keep it apart from "
            "SECRET_KEY and from database backups.",
        )
    uri = str(cfg.get("SQLALCHEMY_DATABASE_URI") or "")
    if uri.startswith("sqlite") and workers > 1:
        add(
            "sqlite_workers",
            f"SQLite behind {workers} workers: writers queue on one file lock; "
            "use PostgreSQL (DATABASE_URL).",
        )
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if not cfg.get(key):
            add("cookie_secure", f"{key} is off: cookies would travel over plain HTTP.")
    for key in ("SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_HTTPONLY"):
        if not cfg.get(key):
            add("cookie_httponly", f"{key} is off: scripts could read the cookie.")
    for key in ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE"):
        if cfg.get(key) not in ("Lax", "Strict"):
            add("cookie_samesite", f"{key} should be Lax or Strict.")
    if not cfg.get("HTTPS"):
        add("https", "HTTPS is not set: no HSTS and no __Host- cookies (set HTTPS=true).")
    elif int(cfg.get("HSTS_SECONDS") or 0) < MIN_HSTS_SECONDS:
        add("hsts", "HSTS_SECONDS is under 180 days.")
    if not cfg.get("MAIL_SERVER"):
        add("mail", "MAIL_SERVER is not set: mail is only stored in the outbox, never delivered.")
    storage = str(cfg.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not cfg.get("RATELIMIT_ENABLED", True):
        add("ratelimit_off", "RATELIMIT_ENABLED is off: sign-in is not rate-limited.")
    elif storage.startswith("memory") and workers > 1:
        add(
            "ratelimit_memory",
            f"Rate limits are kept in memory with {workers} workers: each worker counts "
            "separately. Set RATELIMIT_STORAGE_URI=redis://…",
        )
    if not cfg.get("TRUSTED_HOSTS"):
        add("trusted_hosts", "TRUSTED_HOSTS is not set: any Host header is accepted.")
    base_url = cfg.get("BASE_URL")
    if not base_url:
        add(
            "base_url",
            "BASE_URL is not set: links in mail and feeds have no trusted address "
            "(set BASE_URL=https://your.host).",
        )
    elif cfg.get("TRUSTED_HOSTS") and not host_is_trusted(
        urlsplit(base_url).hostname, cfg["TRUSTED_HOSTS"]
    ):
        add("base_url_host", "The host of BASE_URL is not one of TRUSTED_HOSTS.")
    elif cfg.get("HTTPS") and not base_url.startswith("https://"):
        add("base_url_https", "BASE_URL is not https:// although the site runs behind HTTPS.")
    if cfg.get("SHOW_MAIL_LINKS_ON_SCREEN"):
        add(
            "mail_links_on_screen",
            "SHOW_MAIL_LINKS_ON_SCREEN is on: anyone could read a mailed reset link on screen.",
        )
    if not cfg.get("WTF_CSRF_ENABLED", True):
        add("csrf", "WTF_CSRF_ENABLED is off.")
    if not cfg.get("MAX_CONTENT_LENGTH"):
        add("max_content_length", "MAX_CONTENT_LENGTH is not set: uploads are unbounded.")
    if not cfg.get("BOOTSTRAP_SERVE_LOCAL"):
        add("bootstrap_cdn", "BOOTSTRAP_SERVE_LOCAL is off: the CSP blocks Bootstrap from a CDN.")
    if "'unsafe-inline'" in str(cfg.get("CONTENT_SECURITY_POLICY", "")):
        add("csp", "CONTENT_SECURITY_POLICY allows 'unsafe-inline'.")
    if not cfg.get("SECRETARIAT_REQUIRES_2FA"):
        add("secretariat_2fa", "SECRETARIAT_REQUIRES_2FA is off.")
    return found
