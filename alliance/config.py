"""Configuration: fixed defaults, and the typed settings read from the environment at start-up.

`Settings` lists every variable an operator may set, with its type, bounds and default. It is
read once, in `create_app`, from the environment, from `ALLIANCE_<NAME>` variables and from the
`create_app({...})` overrides (the last wins); a bad value stops the start with a message that
names the variable. `Config` holds what is not read from the environment (still overridable
through `ALLIANCE_<NAME>` and `create_app`).
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

import flask
from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-key"  # noqa: S105 - used only with debug or testing on
ENV_PREFIX = "ALLIANCE"
# Values never repeated in an error message.
_SECRET_NAMES = (
    "SECRET_KEY",
    "DATA_KEY",
    "MAIL_PASSWORD",
    "DATABASE_URL",
    "SQLALCHEMY_DATABASE_URI",
)


class ConfigurationError(RuntimeError):
    """Raised when the application is started with unsafe, missing or malformed settings."""


def _rate_limit(value: str) -> str:
    from limits import parse_many

    parse_many(value)  # ValueError on anything Flask-Limiter could not read
    return value


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("must be an http(s) URL with a host, e.g. https://xmsoa.example.org")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must hold only a scheme, a host, a port and a path")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


RateLimit = Annotated[str, AfterValidator(_rate_limit)]
Seconds = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


class Settings(BaseSettings):
    """Every setting read from the environment, typed and bounded, with its default."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    SECRET_KEY: str | None = None
    # Encrypts secrets at rest (alliance/crypto.py); required in production, apart from SECRET_KEY.
    DATA_KEY: str | None = None
    # Unset: a SQLite file in the instance folder (create_app).
    SQLALCHEMY_DATABASE_URI: str | None = Field(None, validation_alias="DATABASE_URL")

    # Cookies: secure flags on unless running in debug or tests (see create_app).
    SESSION_COOKIE_SECURE: bool = True
    REMEMBER_COOKIE_SECURE: bool = True

    # Per client address (Flask-Limiter syntax); "Ask about this" on listings is INQUIRY.
    LOGIN_RATE_LIMIT: RateLimit = "20 per minute"
    RESET_RATE_LIMIT: RateLimit = "5 per minute"
    TWO_FACTOR_RATE_LIMIT: RateLimit = "10 per minute"
    INQUIRY_RATE_LIMIT: RateLimit = "10 per hour"
    # Per signed-in person and unit (units behind one NAT share an address), not per address.
    VOTE_RATE_LIMIT: RateLimit = "10 per minute"
    # Checking a ballot file recomputes a tally: a few per minute per address.
    VERIFY_RATE_LIMIT: RateLimit = "10 per minute"
    APPLY_RATE_LIMIT: RateLimit = "10 per hour"
    INVITE_RATE_LIMIT: RateLimit = "30 per hour"
    # Flask-Limiter: memory by default, Redis when configured.
    RATELIMIT_STORAGE_URI: str = "memory://"

    # Mail: the outbox table is the queue; `flask send-mail` delivers it over SMTP when
    # MAIL_SERVER is set (alliance/mail.py). Without it, mail is only stored.
    MAIL_SERVER: str | None = None
    MAIL_PORT: Annotated[int, Field(ge=1, le=65535)] = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS: bool = True
    MAIL_USE_SSL: bool = False
    MAIL_DEFAULT_SENDER: str = "noreply@xmsoa.example.org"
    # `send-mail`: tries per message, and the wait before the first retry (doubled each time).
    MAIL_MAX_ATTEMPTS: Annotated[int, Field(ge=1)] = 6
    MAIL_RETRY_SECONDS: Annotated[int, Field(ge=1)] = 60
    # Show a mailed link (reset, invitation, email change) once on screen to whoever asked: a
    # demo convenience. Unset: on only with debug or testing and no MAIL_SERVER.
    SHOW_MAIL_LINKS_ON_SCREEN: bool | None = None
    # Where the site is reached (https://xmsoa.example.org): every link in a mail, feed or QR code
    # starts with it, never with the Host a request names. Required in production.
    BASE_URL: Annotated[str | None, AfterValidator(_base_url)] = None

    # Public pages as anonymous visitors see them, kept this long (0: off); alliance/page_cache.py.
    PAGE_CACHE_SECONDS: Seconds = 30
    PAGE_CACHE_MAX_PAGES: Annotated[int, Field(ge=1)] = 500
    # Shared by every worker and instance when set (e.g. redis://127.0.0.1:6379/1).
    PAGE_CACHE_REDIS_URL: str | None = None

    # Long lists (directory, resources; alliance/pagination.py): up to LIST_COUNT_EXACT_UP_TO rows
    # are counted on every request; larger totals are counted once and remembered per worker for
    # LIST_COUNT_CACHE_SECONDS, at most LIST_COUNT_CACHE_SIZE of them.
    LIST_COUNT_CACHE_SECONDS: Seconds = 60
    LIST_COUNT_EXACT_UP_TO: Count = 1000
    LIST_COUNT_CACHE_SIZE: Annotated[int, Field(ge=1)] = 512
    # With more directory matches than this, SQLite walks the name index instead of sorting
    # every match (alliance/members/search.py).
    DIRECTORY_SORT_MATCHES_UP_TO: Count = 1000

    # Number of proxies in front of the app (for ProxyFix); 0 means none.
    PROXY_COUNT: Count = 0

    # Membership (alliance/membership): applications, invitations, public notice, imports.
    INVITATION_MAX_AGE_DAYS: Annotated[int, Field(ge=1)] = 7
    # How long the link that opens the application form (mailed from /apply) works.
    APPLY_LINK_MAX_AGE_HOURS: Annotated[int, Field(ge=1)] = 24
    MEMBERSHIP_NOTICE_DAYS: Count = 7
    MEMBERSHIP_TERM_YEARS: Annotated[int, Field(ge=1)] = 2
    PUBLIC_NOTICE_DAYS: Count = 90
    IMPORT_MAX_ROWS: Annotated[int, Field(ge=1)] = 5000

    # HTTPS: HSTS and Secure cookies with __Host- names (alliance/security.py).
    # Unset, it follows PREFERRED_URL_SCHEME.
    PREFERRED_URL_SCHEME: Literal["http", "https"] = "http"
    HTTPS: bool = False
    HSTS_SECONDS: Seconds = 365 * 24 * 3600
    # Host names the app answers to (comma-separated); unset accepts any Host header.
    TRUSTED_HOSTS: Annotated[list[str] | None, NoDecode] = None

    # Two-factor sign-in and re-authentication before sensitive account changes.
    SECRETARIAT_REQUIRES_2FA: bool = True
    TOTP_ISSUER: str = "XMSOA"
    REAUTH_MINUTES: Count = 10

    @field_validator("TRUSTED_HOSTS", mode="before")
    @classmethod
    def _split_hosts(cls, value):
        if isinstance(value, str):
            value = value.split(",")
        if value is None:
            return None
        return [h.strip() for h in value if h and h.strip()] or None

    @model_validator(mode="after")
    def _https_follows_scheme(self):
        if "HTTPS" not in self.model_fields_set:
            self.HTTPS = self.PREFERRED_URL_SCHEME == "https"
        return self

    def flask_config(self) -> dict:
        """Return the settings as Flask config keys."""
        return self.model_dump()


def load_settings(overrides: Mapping | None = None) -> Settings:
    """Read and validate the settings: environment < ALLIANCE_<NAME> < overrides.

    Raises ConfigurationError naming every variable with a bad value."""
    prefixed = flask.Config("")
    prefixed.from_prefixed_env(ENV_PREFIX)
    overrides = dict(overrides or {})
    given = {**prefixed, **overrides}
    fields = Settings.model_fields
    try:
        return Settings(**{k: v for k, v in given.items() if k in fields})
    except ValidationError as exc:
        problems = [_describe(error, prefixed, overrides) for error in exc.errors()]
        raise ConfigurationError(
            "Invalid settings (fix these and start again):\n" + "\n".join(problems)
        ) from None


def _describe(error: dict, prefixed: Mapping, overrides: Mapping) -> str:
    """Return one line naming the variable, its value and what is wrong with it."""
    name = str(error["loc"][0]) if error["loc"] else "settings"
    field = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
    if field in overrides:
        source = f"{field} (create_app config)"
    elif field in prefixed:
        source = f"{ENV_PREFIX}_{field}"
    else:
        source = name
    value = "" if name in _SECRET_NAMES else f"={error.get('input')!r}"
    message = error["msg"].removeprefix("Value error, ")
    return f"  {source}{value}: {message}"


class Config:
    """Fixed settings shared by every environment (not read from the environment)."""

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

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=1)

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # /elections/verify: larger than the ballot file of any real electorate.
    VERIFY_MAX_BYTES = 2 * 1024 * 1024

    # Passwords and sign-in throttling.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    # After this many failed sign-ins in a row, each next attempt waits 1 s, 2 s, 4 s … up to
    # LOGIN_DELAY_MAX_SECONDS (a delay, never a lock); the owner is told by mail once per burst.
    LOGIN_MAX_FAILURES = 5
    LOGIN_DELAY_MAX_SECONDS = 300
    RESET_TOKEN_MAX_AGE = 3600

    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, count in memory instead of failing every limited request with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    MAIL_TIMEOUT = 10

    # Pagination cap for every list (db.paginate does not cap per_page by itself).
    MAX_PER_PAGE = 100

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

    TWO_FACTOR_PENDING_SECONDS = 300
    # How long an enrolment's new secret waits (sealed, on the user row) for its first code.
    TWO_FACTOR_SETUP_SECONDS = 600
    EMAIL_CHANGE_MAX_AGE = 24 * 3600
