"""Journey: an organisation applies, the secretariat admits it, its admin edits the profile."""

from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import PASSWORD, make_user, valid_credit_code
from tests.membership.conftest import mailed_links

CODE = valid_credit_code(990001)


@pytest.fixture
def live_app(make_app):
    """The browser's app, with a public notice that ends at once so the journey can admit."""
    app = make_app(WTF_CSRF_ENABLED=True, MEMBERSHIP_NOTICE_DAYS=0)
    with app.app_context():
        ensure_default_taxonomy()
        make_user(email="sec@example.org", name="王秘书", roles=(SECRETARIAT,))
        db.session.commit()
    return app


def sign_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="退出登录").click()


def test_apply_review_admit_and_edit(page, live_app, tmp_path):
    # 1. An organisation applies from the home page: first its address, verified by a link ...
    page.goto("/")
    page.get_by_role("link", name="申请入会").first.click()
    with mailed_links(live_app) as links:
        page.get_by_label("您的电子邮箱（用于登录）").fill("journey@example.org")
        page.get_by_role("button", name="发送链接").click()
        expect(page.get_by_text("我们已向该地址发送了一封邮件")).to_be_visible()
    (link,) = links
    # ... then the form that the mailed link opens, for that address (the link is built from
    # BASE_URL; this live server listens elsewhere, so follow its path).
    page.goto(urlsplit(link).path)
    expect(page.get_by_text("journey@example.org（已验证）")).to_be_visible()
    page.get_by_label("中文名称").fill("厦门示例旅程科技有限公司")
    page.get_by_label("英文名称").fill("Xiamen Example Journey Tech")
    page.get_by_label("统一社会信用代码").fill(CODE)
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("法定代表人").fill("陈示例")
    page.get_by_label("联系人", exact=True).fill("林示例")
    page.get_by_label("联系电话").fill("0592-5550000")
    page.get_by_label("您的姓名").fill("林示例")
    page.get_by_label("密码", exact=True).fill("journey passphrase 1")
    page.get_by_label("再次输入密码").fill("journey passphrase 1")
    page.get_by_label("我已阅读联盟章程").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("已收到您的申请")).to_be_visible()
    expect(page.get_by_text("等待初审")).to_be_visible()
    sign_out(page)
    # The link worked once (asked outside the page: a 404 would be a console error there).
    used = page.request.get(urlsplit(link).path)
    assert used.status == 404 and "此链接无效、已使用或已过期。" in used.text()

    # 2. The secretariat moves it through first review, council approval and admission.
    sign_in(page, "sec@example.org")
    page.goto("/admin/")
    page.get_by_role("link", name="入会申请").click()
    page.get_by_role("link", name="厦门示例旅程科技有限公司").click()
    page.get_by_role("button", name="通过初审").click()
    expect(page.get_by_text("申请当前状态：已通过初审，等待理事会审议。")).to_be_visible()
    page.get_by_role("button", name="记录理事会审议通过并开始公示").click()
    expect(page.get_by_text("申请当前状态：公示中。")).to_be_visible()
    page.get_by_role("button", name="接纳入会").click()
    expect(page.get_by_text("申请当前状态：已入会。")).to_be_visible()
    sign_out(page)

    # 3. The new admin signs in and edits the profile.
    sign_in(page, "journey@example.org", "journey passphrase 1")
    page.goto("/my/unit")
    expect(page.get_by_role("heading", name="厦门示例旅程科技有限公司")).to_be_visible()
    page.get_by_label("区域").select_option("huli")
    page.get_by_label("中文简介").fill("示例旅程公司提供软件测试服务。")
    page.get_by_label("软件测试").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("单位资料已保存。")).to_be_visible()
    page.get_by_role("link", name="变更历史").click()
    expect(page.get_by_role("cell", name="湖里区")).to_be_visible()
    # ... and uploads a logo, which the public directory then shows.
    logo = tmp_path / "journey-logo.png"
    Image.new("RGB", (240, 160), "#0f766e").save(logo, format="PNG")
    page.get_by_role("link", name="标志", exact=True).click()
    page.locator("input[type=file]").set_input_files(str(logo))
    page.get_by_role("button", name="上传标志").click()
    expect(page.get_by_text("标志已更新。")).to_be_visible()
    page.goto("/members?q=旅程")
    expect(page.get_by_role("link", name="厦门示例旅程科技有限公司")).to_be_visible()
    expect(page.get_by_role("img", name="厦门示例旅程科技有限公司的标志")).to_be_visible()
    sign_out(page)

    # 4. The secretariat's unit list shows the change (and the public profile, if built).
    sign_in(page, "sec@example.org")
    page.goto("/admin/units")
    page.get_by_label("区域").select_option("huli")
    page.get_by_role("button", name="筛选").click()
    row = page.get_by_role("row").filter(has_text="厦门示例旅程科技有限公司")
    expect(row).to_contain_text("湖里区")
    expect(row).to_contain_text("正常")
    row.get_by_role("link", name="厦门示例旅程科技有限公司").click()
    page.get_by_role("link", name="公开主页").click()
    expect(page.get_by_text("示例旅程公司提供软件测试服务。")).to_be_visible()
    expect(page.get_by_role("img", name="厦门示例旅程科技有限公司的标志")).to_be_visible()
