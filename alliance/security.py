"""Response headers, HTTPS cookie names, trusted hosts and the second-factor gate."""

import re

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

# Endpoints a signed-in secretariat user without two-factor sign-in may still reach.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "auth.two_factor",
        "auth.two_factor_enable",
        "auth.reauthenticate",
        "auth.logout",
        "main.set_language",
        "main.healthz",
        "main.readyz",
    }
)


# A host name (letters, digits, '-', '_', '.'; at most 253), or an IP literal, and a port.
_HOST = re.compile(r"(?:[A-Za-z0-9_.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


def is_valid_host(host: str) -> bool:
    """Tell whether a Host header is a well-formed host name or address, with an optional port."""
    return _HOST.fullmatch(host) is not None


class HostCheck:
    """WSGI middleware: a malformed or overlong Host gets a plain 400 before Flask sees it.

    Flask cannot build a URL adapter for such a host, so nothing (not even the site's error
    page) could be rendered for it.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is not None and not is_valid_host(host):
            body = b"Bad request: malformed Host header.\n"
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.wsgi_app(environ, start_response)


def _is_static(endpoint: str | None) -> bool:
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static"))


def init_app(app: Flask) -> None:
    """Apply the HTTPS settings and add the security headers to every response."""
    # Check the Host the app will use: behind ProxyFix, the one it took from the proxy.
    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = HostCheck(app.wsgi_app.app)
    else:
        app.wsgi_app = HostCheck(app.wsgi_app)
    if app.config["HTTPS"]:
        # __Host- cookies are only sent over HTTPS, for this host, with path / (no Domain).
        app.config["PREFERRED_URL_SCHEME"] = "https"
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"
        app.config["SESSION_COOKIE_DOMAIN"] = None
        app.config["REMEMBER_COOKIE_DOMAIN"] = None

    @app.errorhandler(SecurityError)
    def _untrusted_host(_error):
        # No URL adapter exists for an untrusted Host, so the site's error page cannot be built.
        return (
            "Bad request: this host name is not served here.",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.before_request
    def _refuse_nul_characters():
        """Refuse NUL in the path, query or form: PostgreSQL cannot store it (a 500 otherwise)."""
        values = [request.path]
        values += [v for vs in request.args.listvalues() for v in vs]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            values += [v for vs in request.form.listvalues() for v in vs]
        if any("\x00" in value for value in values):
            abort(400)
        return None

    @app.before_request
    def _require_second_factor():
        """Take a secretariat user without two-factor sign-in to enrol before anything else."""
        if _is_static(request.endpoint) or request.endpoint in ENROLMENT_ENDPOINTS:
            return None
        if (
            app.config["SECRETARIAT_REQUIRES_2FA"]
            and current_user.is_authenticated
            and current_user.is_secretariat
            and not current_user.totp_enabled
        ):
            return redirect(url_for("auth.two_factor"))
        return None

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", app.config["PERMISSIONS_POLICY"])
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["HTTPS"] and app.config["HSTS_SECONDS"]:
            headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains",
            )
        # Pages for a signed-in user must not be kept by the browser or a shared cache. A view
        # that already chose a private policy (e.g. members-only images) keeps it: nothing
        # shared may store it, and logout's Clear-Site-Data empties the browser's cache.
        if not _is_static(request.endpoint) and current_user.is_authenticated:
            if "private" not in (headers.get("Cache-Control") or ""):
                headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Cookie")
        return response
