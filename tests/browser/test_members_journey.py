"""Member directory journeys in real Chromium: searching, filtering, profiles and logos."""

import io

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from alliance.extensions import db
from alliance.members.models import ServiceLine, UnitLogo
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import PASSWORD, make_unit, make_user


def _units(app):
    with app.app_context():
        ensure_default_taxonomy()
        lines = {s.code: s for s in db.session.scalars(select(ServiceLine))}
        make_unit(
            "厦门某某软件有限公司",
            slug="mou-software",
            name_en="Xiamen Mou Software Co., Ltd.",
            tier="council",
            district="siming",
            intro_zh="专注软件开发与测试的示例企业。",
            address="厦门市思明区示例路 1 号",
            address_visibility="public",
            phone="0592-5550101",
            phone_visibility="members",
            service_lines=[lines["software-development"]],
            admin=make_user("admin@mou.example.org", name="某某管理员"),
        )
        make_unit("厦门示例软件测评有限公司", slug="testing", tier="member", district="huli")
        make_unit("厦门示例物流有限公司", slug="logistics", tier="member", district="siming")
        db.session.commit()


def test_visitor_searches_filters_and_opens_a_profile(page, live_app):
    _units(live_app)
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="成员单位").click()
    expect(page.get_by_role("heading", name="成员单位")).to_be_visible()
    expect(page.locator("#result-count")).to_contain_text("3")

    page.get_by_label("搜索", exact=True).fill("软件")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#result-count")).to_contain_text("2")
    expect(page.get_by_role("link", name="厦门示例物流有限公司")).to_have_count(0)

    page.get_by_label("区域").select_option("siming")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#result-count")).to_contain_text("1")
    assert "district=siming" in page.url and "q=" in page.url

    page.get_by_role("link", name="厦门某某软件有限公司").click()
    expect(page.get_by_role("heading", name="厦门某某软件有限公司")).to_be_visible()
    expect(page.get_by_text("专注软件开发与测试的示例企业。")).to_be_visible()
    expect(page.get_by_text("厦门市思明区示例路 1 号")).to_be_visible()
    expect(page.get_by_text("0592-5550101")).to_have_count(0)  # members only

    page.goto("/members?q=不存在的单位&district=siming")
    expect(page.locator("#empty-result")).to_be_visible()
    page.locator("#empty-result").get_by_role("link", name="去掉搜索词").click()
    expect(page.locator("#result-count")).to_contain_text("2")


def test_unit_admin_uploads_a_logo_that_the_directory_shows(page, live_app, tmp_path):
    _units(live_app)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 200), "#1d4ed8").save(logo, format="PNG")
    not_an_image = tmp_path / "fake.png"
    not_an_image.write_text("this is text, not a picture")

    page.goto("/login")
    page.get_by_label("电子邮箱").fill("admin@mou.example.org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/members/mou-software")
    expect(page.get_by_text("0592-5550101")).to_be_visible()  # its own unit: everything
    page.get_by_role("link", name="更换标志").click()

    page.locator("input[type=file]").set_input_files(str(not_an_image))
    page.get_by_role("button", name="上传标志").click()
    expect(page.get_by_text("只接受 PNG、JPEG 或 WebP 格式的图片。")).to_be_visible()

    page.locator("input[type=file]").set_input_files(str(logo))
    page.get_by_role("button", name="上传标志").click()
    expect(page.get_by_text("标志已更新。")).to_be_visible()
    expect(page.get_by_role("img", name="厦门某某软件有限公司的标志")).to_be_visible()

    page.goto("/members")
    image = page.get_by_role("img", name="厦门某某软件有限公司的标志")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 300
    with live_app.app_context():
        stored = db.session.scalar(select(UnitLogo))
        assert Image.open(io.BytesIO(stored.content)).size == (300, 200)
