"""Journeys through the foundation in real Chromium."""

import re
import time
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect
from sqlalchemy import select

from alliance.auth.models import SECRETARIAT, User
from alliance.database import utcnow
from alliance.extensions import db
from alliance.mail import OutboxMessage
from tests.factories import PASSWORD, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_secretariat(email="sec@example.org", name="王秘书"):
    """A secretariat account enrolled in two-factor sign-in, as production requires."""
    return make_user(
        email=email, name=name, roles=(SECRETARIAT,), totp_secret=SECRET, totp_enabled_at=utcnow()
    )


def enter_code(page, offset=0):
    """Complete the second sign-in step with the current TOTP code."""
    page.get_by_label("身份验证器应用中的验证码，或一个恢复码").fill(
        pyotp.TOTP(SECRET).at(time.time() + offset)
    )
    page.get_by_role("button", name="验证").click()


def test_secretariat_signs_in_and_switches_language(page, live_app):
    with live_app.app_context():
        make_secretariat()
        db.session.commit()
    page.goto("/")
    expect(page).to_have_title("厦门市服务外包产业联盟")
    page.get_by_role("link", name="登录").click()
    page.get_by_label("电子邮箱").fill("sec@example.org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    enter_code(page)
    expect(page.get_by_text("欢迎您，王秘书。")).to_be_visible()
    page.get_by_role("link", name="秘书处", exact=True).click()
    expect(page.get_by_role("heading", name="秘书处")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Secretariat")).to_be_visible()
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email_normalized == "sec@example.org"))
        assert user.locale == "en"


def test_user_resets_password_with_the_demo_link(page, live_app):
    with live_app.app_context():
        make_secretariat()
        make_user(email="forgetful@example.org", name="健忘的用户")
        db.session.commit()
    page.goto("/login")
    page.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("电子邮箱").fill("forgetful@example.org")
    page.get_by_role("button", name="发送重置链接").click()
    expect(page.get_by_text("重置链接已发送")).to_be_visible()

    # No mail server (the demo): the link is shown once, marked as a demo convenience.
    demo = page.locator(".alert", has_text="仅供演示")
    expect(demo).to_be_visible()
    link = urlsplit(demo.get_by_role("link").get_attribute("href")).path
    assert link.startswith("/reset/")

    # The secretariat's outbox keeps the mail, but not the link.
    page.get_by_label("电子邮箱").fill("sec@example.org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    enter_code(page)
    page.goto("/admin/outbox")
    page.get_by_role("link", name=re.compile("重置密码")).click()
    body = page.locator("pre.mail-body").inner_text()
    assert "/reset/" not in body and "[链接已通过邮件发送，未保存]" in body
    page.get_by_role("button", name="退出登录").click()

    page.goto(link)
    page.get_by_label("新密码").fill("a brand new passphrase")
    page.get_by_label("再次输入密码").fill("a brand new passphrase")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("新密码已设置，请登录。")).to_be_visible()
    page.get_by_label("电子邮箱").fill("forgetful@example.org")
    page.get_by_label("密码").fill("a brand new passphrase")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("欢迎您，健忘的用户。")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(select(OutboxMessage.recipient)) == "forgetful@example.org"
