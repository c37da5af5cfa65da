"""Home page, language choice, health checks, error pages and CSRF."""

import pytest
from flask import abort

from alliance.auth.models import User
from alliance.extensions import db
from tests.factories import make_user


def test_home_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "<title>厦门市服务外包产业联盟</title>" in response.text
    assert 'lang="zh-CN"' in response.text


@pytest.mark.parametrize(
    ("header", "title"),
    [
        ("en", "Xiamen Service Outsourcing Industry Alliance"),
        ("en-GB,en;q=0.8", "Xiamen Service Outsourcing Industry Alliance"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "厦门市服务外包产业联盟"),
        ("fr-FR,de;q=0.5", "厦门市服务外包产业联盟"),
        ("fr-FR,en;q=0.5", "Xiamen Service Outsourcing Industry Alliance"),
    ],
)
def test_language_from_accept_language(client, header, title):
    response = client.get("/", headers={"Accept-Language": header})
    assert f"<title>{title}</title>" in response.text


def test_language_switch_is_remembered_for_session(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "<title>Sign in</title>" in client.get("/login").text
    client.post("/language", data={"lang": "zh_Hans_CN"})
    assert "<title>登录</title>" in client.get("/login").text


def test_language_switch_refuses_unknown_and_offsite(client):
    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    response = client.post("/language", data={"lang": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_language_switch_is_remembered_for_the_user(client, auth, app):
    with app.app_context():
        uid = make_user(email="member@example.org").id
        db.session.commit()
    auth.login()
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session.get(User, uid).locale == "en"
    # A new session of the same user starts in English.
    other = app.test_client()
    other.post("/login", data={"email": "member@example.org", "password": "correct horse battery"})
    assert "<title>Your account</title>" in other.get("/account").text


def test_healthz_does_not_touch_the_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/dir/db.sqlite")
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    assert client.get("/readyz").status_code == 503


def test_readyz_ok(client):
    assert client.get("/readyz").text == "ok"


def _app_with_error_routes(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/_boom")
    def boom():
        raise RuntimeError("secret traceback detail")

    @app.route("/_abort/<int:code>")
    def abort_with(code):
        abort(code)

    return app


@pytest.mark.parametrize("code", [400, 403, 404, 413, 429])
def test_error_pages_use_the_layout(make_app, code):
    client = _app_with_error_routes(make_app).test_client()
    response = client.get(f"/_abort/{code}")
    assert response.status_code == code
    assert "厦门市服务外包产业联盟" in response.text
    assert "Traceback" not in response.text


def test_error_pages_in_english(make_app):
    client = _app_with_error_routes(make_app).test_client()
    response = client.get("/_abort/403", headers={"Accept-Language": "en"})
    assert "You do not have permission to do this." in response.text


def test_500_hides_the_traceback(make_app):
    client = _app_with_error_routes(make_app).test_client()
    response = client.get("/_boom")
    assert response.status_code == 500
    assert "secret traceback detail" not in response.text
    assert "服务器出现错误" in response.text


def test_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.text


def test_csrf_refuses_a_post_without_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "表单已过期或来自其他网站" in response.text


def test_csrf_accepts_the_token_from_the_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").text
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": "a@example.org", "password": "x" * 12},
    )
    assert response.status_code == 200


def test_no_inline_script_or_style_in_pages(client):
    text = client.get("/").text
    assert "<script>" not in text
    assert 'style="' not in text
