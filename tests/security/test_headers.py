"""Security headers on every response, HTTPS cookie names, trusted hosts, caching."""

import re

import pytest

from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from tests.factories import PASSWORD, make_user

PAGES = ["/", "/login", "/reset", "/no/such/page", "/healthz", "/static/css/site.css"]


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_headers(client, path):
    with client.get(path) as response:
        headers = response.headers
    csp = _directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "data:" in csp["img-src"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain HTTP in tests


def test_error_and_post_responses_have_the_headers(client):
    response = client.post("/language", data={"lang": "xx"})
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers


@pytest.fixture
def signed_in(client, app):
    with app.app_context():
        make_user(email="m@example.org", roles=(SECRETARIAT,))
        db.session.commit()
    client.post("/login", data={"email": "m@example.org", "password": PASSWORD})
    return client


@pytest.mark.parametrize("path", ["/", "/account", "/admin/", "/admin/audit", "/login"])
def test_pages_for_signed_in_users_are_not_stored(signed_in, path):
    response = signed_in.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_anonymous_pages_and_static_files_may_be_cached(client, signed_in):
    with signed_in.get("/static/css/site.css") as css:
        assert "no-store" not in (css.headers.get("Cache-Control") or "")
    client.post("/logout")
    assert client.get("/").headers.get("Cache-Control") != "no-store"


def test_logout_clears_site_data(signed_in):
    response = signed_in.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_https_setting_turns_on_hsts_and_host_cookies(make_app):
    app = make_app(HTTPS=True)
    with app.app_context():
        make_user(email="m@example.org")
        db.session.commit()
    client = app.test_client()
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    login = client.post(
        "/login",
        base_url="https://localhost",
        data={"email": "m@example.org", "password": PASSWORD, "remember": "y"},
    )
    cookies = login.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    remember_cookie = next(c for c in cookies if c.startswith("__Host-remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    account = client.get("/account", base_url="https://localhost")
    assert account.status_code == 200
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_proxy_fix_takes_scheme_and_client_from_the_proxy(make_app):
    app = make_app(PROXY_COUNT=1, HTTPS=True)

    @app.route("/_whoami")
    def whoami():
        from flask import request

        return f"{request.scheme} {request.remote_addr}"

    client = app.test_client()
    text = client.get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    ).text
    assert text == "https 203.0.113.9"
    # Only the last proxy's entry counts: a forged leading entry is ignored.
    text = client.get("/_whoami", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}).text
    assert text.endswith("198.51.100.7")


def test_trusted_hosts_refuse_other_host_headers(make_app):
    app = make_app(TRUSTED_HOSTS=["members.xmsoa.example.org"])
    client = app.test_client()
    assert client.get("/", base_url="http://members.xmsoa.example.org").status_code == 200
    refused = client.get("/", base_url="http://evil.example")
    assert refused.status_code == 400
    assert "Content-Security-Policy" in refused.headers


def test_trusted_hosts_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, b.example")
    assert make_app().config["TRUSTED_HOSTS"] == ["a.example", "b.example"]
    monkeypatch.delenv("TRUSTED_HOSTS")
    assert make_app().config["TRUSTED_HOSTS"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/reset",
        "/account",
        "/admin/",
        "/admin/audit",
        "/admin/users",
        "/admin/outbox",
        "/account/2fa",
    ],
)
def test_no_inline_script_style_or_handlers(signed_in, path):
    text = signed_in.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+\s*=", text), "event-handler attribute"
    assert "javascript:" not in text
