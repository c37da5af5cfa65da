"""Configuration: defaults here, every setting overridable from the environment."""

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-insecure-key"  # noqa: S105 - used only with debug or testing on


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default set in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Babel: Simplified Chinese first, English second; stored UTC, shown in Shanghai time.
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"

    # CSRF tokens are bound to the session; a one-hour limit breaks long-open forms.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    # Cookies: secure flags on unless running in debug or tests (see create_app).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("REMEMBER_COOKIE_SECURE", True)
    PERMANENT_SESSION_LIFETIME = timedelta(days=1)

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    # Passwords and sign-in throttling.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per minute")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute")
    TWO_FACTOR_RATE_LIMIT = os.environ.get("TWO_FACTOR_RATE_LIMIT", "10 per minute")
    RESET_TOKEN_MAX_AGE = 3600
    # "Ask about this" on resource listings (per client address).
    INQUIRY_RATE_LIMIT = os.environ.get("INQUIRY_RATE_LIMIT", "10 per hour")
    VOTE_RATE_LIMIT = os.environ.get("VOTE_RATE_LIMIT", "10 per minute")

    # Flask-Limiter: memory by default, Redis when configured.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, count in memory instead of failing every limited request with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Mail: SMTP when MAIL_SERVER is set; the outbox table always keeps a copy.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@xmsoa.example.org")
    MAIL_TIMEOUT = 10

    # Public pages as anonymous visitors see them, kept this long (0: off); alliance/page_cache.py.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))
    PAGE_CACHE_MAX_PAGES = int(os.environ.get("PAGE_CACHE_MAX_PAGES", "500"))
    # Shared by every worker and instance when set (e.g. redis://127.0.0.1:6379/1).
    PAGE_CACHE_REDIS_URL = os.environ.get("PAGE_CACHE_REDIS_URL")

    # Long lists (directory, resources): totals above 1,000 rows remembered per worker this long.
    LIST_COUNT_CACHE_SECONDS = int(os.environ.get("LIST_COUNT_CACHE_SECONDS", "60"))

    # Pagination cap for every list (db.paginate does not cap per_page by itself).
    MAX_PER_PAGE = 100

    # Number of proxies in front of the app (for ProxyFix); 0 means none.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    # Membership (alliance/membership): applications, invitations, public notice, imports.
    APPLY_RATE_LIMIT = os.environ.get("APPLY_RATE_LIMIT", "10 per hour")
    INVITE_RATE_LIMIT = os.environ.get("INVITE_RATE_LIMIT", "30 per hour")
    INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "7"))
    MEMBERSHIP_NOTICE_DAYS = int(os.environ.get("MEMBERSHIP_NOTICE_DAYS", "7"))
    MEMBERSHIP_TERM_YEARS = int(os.environ.get("MEMBERSHIP_TERM_YEARS", "2"))
    PUBLIC_NOTICE_DAYS = int(os.environ.get("PUBLIC_NOTICE_DAYS", "90"))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "5000"))
    # HTTPS: HSTS, Secure cookies with __Host- names, https URLs in mail (alliance/security.py).
    HTTPS = _bool("HTTPS", os.environ.get("PREFERRED_URL_SCHEME") == "https")
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    # Host names the app answers to (comma-separated); unset accepts any Host header.
    TRUSTED_HOSTS = [
        h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()
    ] or None
    # No 'unsafe-inline': templates carry no inline script or style. Bootstrap's CSS uses data: SVGs.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    PERMISSIONS_POLICY = (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "accelerometer=(), gyroscope=(), magnetometer=()"
    )

    # Two-factor sign-in and re-authentication before sensitive account changes.
    SECRETARIAT_REQUIRES_2FA = _bool("SECRETARIAT_REQUIRES_2FA", True)
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "XMSOA")
    TWO_FACTOR_PENDING_SECONDS = 300
    REAUTH_MINUTES = int(os.environ.get("REAUTH_MINUTES", "10"))
    EMAIL_CHANGE_MAX_AGE = 24 * 3600
