"""A new secretariat account is taken to enrol in two-factor sign-in, under the strict CSP."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from tests.factories import PASSWORD, make_user


@pytest.fixture
def live_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, SECRETARIAT_REQUIRES_2FA=True)


def test_secretariat_enrols_then_signs_in_with_a_code(page, live_app):
    with live_app.app_context():
        make_user(email="sec@example.org", name="王秘书", roles=(SECRETARIAT,))
        db.session.commit()
    page.goto("/login")
    page.get_by_label("电子邮箱").fill("sec@example.org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Straight to enrolment; the secretariat pages wait.
    expect(page.get_by_text("秘书处账号必须使用两步验证登录")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url(re.compile("/account/2fa$"))
    expect(page.get_by_role("img", name="用于身份验证器应用的二维码")).to_be_visible()
    secret = page.locator("code.totp-secret").inner_text()
    page.get_by_label("身份验证器应用显示的 6 位验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启两步验证登录").click()
    expect(page.get_by_role("heading", name="您的恢复码")).to_be_visible()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="我已保存").click()
    page.get_by_role("link", name="秘书处", exact=True).click()
    expect(page.get_by_role("heading", name="秘书处")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    # Next time: password, then a recovery code (the TOTP step just used cannot be replayed).
    page.goto("/login")
    page.get_by_label("电子邮箱").fill("sec@example.org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("身份验证器应用中的验证码，或一个恢复码").fill(codes[0])
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_text("欢迎您，王秘书。")).to_be_visible()
    page.goto("/account/2fa")
    expect(page.get_by_text("未使用的恢复码：9 个。")).to_be_visible()
