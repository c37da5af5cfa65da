"""A malformed or overlong Host gets a plain 400; error pages need no URL adapter."""

import pytest

from alliance.security import is_valid_host


@pytest.mark.parametrize(
    "host",
    [
        "a" * 5000,
        "exa mple.org",
        "ex\x01ample.org",
        "évil.org",
        "example.org:port",
        "example.org:123456",
        "[::1",
        "user@example.org",
        "",
    ],
)
def test_malformed_host_gets_a_plain_400(make_app, host):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize(
    "host", ["localhost", "example.org", "www.xmsoa.example.org:8443", "127.0.0.1:5000", "[::1]:80"]
)
def test_well_formed_hosts_pass(host):
    assert is_valid_host(host)


def test_error_page_renders_without_a_url_adapter(make_app):
    """A host werkzeug refuses (a 70-character label) leaves no URL adapter: a plain 400, no 500."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    host = "a" * 70 + ".example.org"
    assert is_valid_host(host)  # past the middleware: werkzeug itself refuses it
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "400" in response.text
