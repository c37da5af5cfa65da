"""Links that leave the site (mail, the Atom feed, QR codes), built from BASE_URL.

A request's Host header is whatever the client sent: a reset link built from it can point at
an attacker's site (Host-header poisoning). Every external link is therefore the BASE_URL
setting joined with the path of the endpoint; without BASE_URL, development and tests use
DEV_BASE_URL, and production refuses (check-deploy reports it before that).
"""

from urllib.parse import quote, urlsplit

from flask import Flask, current_app

from alliance.config import ConfigurationError

DEV_BASE_URL = "http://127.0.0.1:5000"
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as flask.url_for quotes an _anchor


def base_url() -> str:
    """Return the canonical address of the site, without a trailing slash."""
    url = current_app.config.get("BASE_URL")
    if url:
        return url
    if current_app.debug or current_app.testing:
        return DEV_BASE_URL
    raise ConfigurationError(
        "BASE_URL is not set. Set it to the address people reach the site at, "
        "e.g. BASE_URL=https://xmsoa.example.org."
    )


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of `endpoint` under BASE_URL (never the request's host)."""
    parts = urlsplit(base_url())
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    url = adapter.build(endpoint, values, force_external=True)
    return url + "#" + quote(anchor, safe=ANCHOR_SAFE) if anchor else url


def init_app(app: Flask) -> None:
    """Offer `external_url` to every template (mail bodies, the feed)."""
    app.jinja_env.globals["external_url"] = external_url
