"""An officer runs a council election; three representatives vote; /council shows the result."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from alliance.auth.models import ELECTION_OFFICER
from alliance.extensions import db
from tests.factories import PASSWORD, make_unit, make_user

UNITS = ("厦门示例甲软件有限公司", "厦门示例乙测试有限公司", "厦门示例丙数据有限公司")


def _login(page, email):
    page.goto("/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _logout(page):
    page.get_by_role("button", name="退出登录").click()


def _step(page, label):
    page.get_by_role("button", name=label).click()
    expect(page.locator(".alert-danger")).to_have_count(0)


def test_officer_runs_an_election_and_council_shows_the_result(page, live_app):
    with live_app.app_context():
        make_user(email="officer@example.org", name="选举委员", roles=(ELECTION_OFFICER,))
        for n, name in enumerate(UNITS):
            rep = make_user(email=f"rep{n}@example.org", name=f"代表{n}")
            make_unit(name_zh=name, admin=rep, representative=rep)
        db.session.commit()

    _login(page, "officer@example.org")
    page.goto("/admin/elections")
    term = page.locator("#term-form")
    term.get_by_label("届次").fill("2")
    term.get_by_label("开始日期").fill("2027-01-01")
    term.get_by_label("结束日期").fill("2031-12-31")
    term.get_by_label("理事长", exact=True).fill("0")
    term.get_by_label("副理事长").fill("0")
    term.get_by_label("理事", exact=True).fill("2")
    term.get_by_role("button", name="创建届次").click()
    expect(page.get_by_text("届次已创建。")).to_be_visible()
    form = page.locator("#election-form")
    form.get_by_label("中文标题").fill("第二届会员大会理事选举")
    form.get_by_role("button", name="创建选举").click()
    expect(page.get_by_role("heading", name="第二届会员大会理事选举")).to_be_visible()

    shanghai = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    rules = page.locator("#rules-form")
    rules.get_by_label("投票开始时间（北京时间）").fill(
        (shanghai - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    rules.get_by_label("投票截止时间（北京时间）").fill(
        (shanghai + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    rules.get_by_role("button", name="保存规则").click()
    expect(page.get_by_text("规则已保存。")).to_be_visible()

    _step(page, "开始提名")
    for name in UNITS:
        nomination = page.locator("#nomination-form")
        nomination.get_by_label("被提名单位").select_option(label=name)
        nomination.get_by_role("button", name="提名").click()
        expect(page.get_by_text("提名已记录。")).to_be_visible()
    for _ in UNITS:
        page.get_by_role("button", name="登记接受").first.click()
    expect(page.get_by_role("button", name="登记接受")).to_have_count(0)
    _step(page, "确认候选人名单")
    _step(page, "开始投票")
    expect(page.locator("#state")).to_have_text("投票中")
    expect(page.locator("#turnout")).to_contain_text("3 个单位中已有 0 个投票")
    election_url = page.get_by_role("link", name="公开页面").get_attribute("href")
    _logout(page)

    # Three representatives vote: each approves the first two candidates.
    receipts = []
    for n in range(3):
        _login(page, f"rep{n}@example.org")
        page.goto(election_url)
        page.get_by_role("link", name="投票").click()
        approve = page.locator("input[type=radio][value=approve]")
        approve.nth(0).check()
        approve.nth(1).check()
        if n == 0:
            approve.nth(2).check()  # one too many: refused with a message
            page.get_by_role("button", name="核对选票").click()
            expect(page.locator(".alert-danger")).to_contain_text("应选席位只有 2 个")
            page.locator("input[type=radio][value=oppose]").nth(2).check()
        page.get_by_role("button", name="核对选票").click()
        expect(page.get_by_role("heading", name="确认选票")).to_be_visible()
        page.get_by_role("button", name="投出选票").click()
        receipts.append(page.locator("#receipt").inner_text())
        page.goto(election_url)
        expect(page.get_by_text("本单位已于北京时间")).to_be_visible()
        expect(page.get_by_role("link", name="投票")).to_have_count(0)
        _logout(page)

    _login(page, "officer@example.org")
    page.goto("/admin/elections")
    page.get_by_role("link", name="第二届会员大会理事选举").click()
    expect(page.locator("#turnout")).to_contain_text("3 个单位中已有 3 个投票")
    _step(page, "结束投票")
    _step(page, "计票")
    _step(page, "公布结果")
    expect(page.locator("#state")).to_have_text("已公布")

    page.goto(election_url)
    result = page.locator("#result")
    expect(result).to_contain_text("达到法定人数")
    for receipt in receipts:
        expect(page.locator("#receipts")).to_contain_text(receipt)

    page.get_by_role("link", name="理事会").first.click()
    council = page.locator("#current-council")
    expect(council).to_contain_text(UNITS[0])
    expect(council).to_contain_text(UNITS[1])
    expect(council).not_to_contain_text(UNITS[2])
    expect(council).to_contain_text("代表0")
