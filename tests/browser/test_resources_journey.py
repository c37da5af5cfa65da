"""Journey: a unit posts a training-base offer, another unit finds it and asks, the owner answers."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from alliance.clock import today_local
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.resources.models import Inquiry, Resource
from alliance.resources.services import ensure_default_categories
from tests.factories import PASSWORD, make_unit, make_user


def sign_in(page, email):
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_offer_found_by_chinese_search_asked_and_answered(page, live_app):
    with live_app.app_context():
        ensure_default_categories()
        owner = make_user(email="college@example.org", name="学院管理员")
        make_unit(name_zh="厦门示例职业学院", admin=owner, representative=owner)
        asker = make_user(email="company@example.org", name="公司管理员")
        make_unit(name_zh="厦门示例软件有限公司", admin=asker)
        db.session.commit()

    # The college posts a training-base offer.
    sign_in(page, "college@example.org")
    page.goto("/resources")
    page.get_by_role("link", name="发布资源").click()
    page.get_by_label("提供", exact=True).check()
    page.get_by_label("类别", exact=True).select_option(label="实训基地")
    page.get_by_label("中文标题").fill("软件测试实训基地（示例）")
    page.get_by_label("中文介绍（Markdown）").fill("可容纳 **40** 名学员，寒暑假开放。")
    page.get_by_label("条件", exact=True).select_option(label="免费")
    page.get_by_label("容量").fill("40 名学员")
    until = (today_local() + timedelta(days=60)).isoformat()
    page.get_by_label("截止日期").fill(until)
    page.get_by_role("button", name="保存并发布").click()
    expect(page.get_by_text("资源已保存。")).to_be_visible()
    expect(page.get_by_text("已发布").first).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    # A member of another unit finds it with a two-character Chinese search and asks.
    sign_in(page, "company@example.org")
    page.goto("/resources")
    page.get_by_label("搜索", exact=True).fill("实训")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="软件测试实训基地（示例）").click()
    expect(page.get_by_role("heading", name="软件测试实训基地（示例）")).to_be_visible()
    expect(page.locator(".resource-description strong")).to_have_text("40")
    page.get_by_label("您的问题").fill("七月能否安排 20 名新员工实训两周？")
    page.get_by_role("button", name="咨询此资源").click()
    expect(page.get_by_text("您的咨询已发送给 厦门示例职业学院。")).to_be_visible()
    expect(page.get_by_text("七月能否安排 20 名新员工实训两周？")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    # The owner reads it under inquiries and answers.
    sign_in(page, "college@example.org")
    page.goto("/my/inquiries")
    page.get_by_role("link", name="软件测试实训基地（示例）").click()
    expect(page.get_by_text("七月能否安排 20 名新员工实训两周？")).to_be_visible()
    page.get_by_label("您的消息").fill("可以，七月第二周开始，请来电确认。")
    page.get_by_role("button", name="发送").click()
    expect(page.get_by_text("消息已发送。")).to_be_visible()
    expect(page.get_by_text("可以，七月第二周开始，请来电确认。")).to_be_visible()
    expect(page.get_by_text("已回复")).to_be_visible()

    with live_app.app_context():
        resource = db.session.scalars(select(Resource)).one()
        assert resource.status == "published" and resource.available_until.isoformat() == until
        inquiry = db.session.scalars(select(Inquiry)).one()
        assert inquiry.status == "answered" and len(inquiry.messages) == 2
        recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert recipients.count("company@example.org") == 2  # copy of the question, the answer
        assert "college@example.org" in recipients
