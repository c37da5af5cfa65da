"""Applying for membership and the secretariat's application queue."""

import pytest
from sqlalchemy import func, select

from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, STATUS_APPLICANT, MemberUnit
from alliance.membership.models import (
    APP_ADMITTED,
    APP_NOTICE,
    APP_REJECTED,
    APP_REVIEWED,
    APP_SUBMITTED,
    Application,
)
from tests.factories import PASSWORD, valid_credit_code
from tests.membership.conftest import audit_actions, outbox

CODE = valid_credit_code(777001)


def form_data(**overrides):
    data = {
        "name_zh": "厦门示例申请科技有限公司",
        "name_en": "Xiamen Example Applicant Tech",
        "credit_code": CODE,
        "org_type": "enterprise",
        "district": "siming",
        "address": "软件园二期",
        "website": "https://apply.example.org",
        "legal_representative": "张三",
        "established_on": "2015-03-01",
        "contact_name": "李四",
        "contact_phone": "0592-1234567",
        "account_email": "applicant@example.org",
        "account_name": "申请人",
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
        "accept_constitution": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply(client, **overrides):
    return client.post("/apply", data=form_data(**overrides))


def test_apply_page_shows_form(client):
    response = client.get("/apply")
    assert response.status_code == 200
    assert "统一社会信用代码" in response.text


def test_anonymous_applies_with_a_new_account(client, app, world):
    response = apply(client)
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(MemberUnit).where(MemberUnit.credit_code == CODE))
        assert unit.status == STATUS_APPLICANT
        assert unit.colleagues == []  # nobody acts for it before admission
        application = db.session.scalar(select(Application))
        assert application.status == APP_SUBMITTED
        assert application.applicant.email == "applicant@example.org"
        assert application.legal_representative == "张三"
        assert [s.to_status for s in application.steps] == [APP_SUBMITTED]
    mails = outbox(app, "applicant@example.org")
    assert len(mails) == 1 and "厦门示例申请科技有限公司" in mails[0][1]
    assert "membership.application_submitted" in audit_actions(app)
    # signed in now, the applicant follows the application on /my/unit
    page = client.get("/my/unit")
    assert page.status_code == 200
    assert "等待初审" in page.text


def test_signed_in_user_applies_without_account_fields(client, auth, app, world):
    auth.login("outsider@example.org", PASSWORD)
    response = client.post(
        "/apply", data=form_data(account_email=None, account_name=None, password=None, confirm=None)
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Application)).applicant.email == "outsider@example.org"
    # a second application while the first is open is refused
    again = client.get("/apply")
    assert "正在处理" in again.text and "name_zh" not in again.text


def test_member_of_a_unit_cannot_apply(client, auth, world):
    auth.login("admin-a@example.org", PASSWORD)
    response = client.get("/apply")
    assert "已属于" in response.text
    assert 'name="name_zh"' not in response.text


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350200MA3", "18 位"),
        (CODE[:-1] + ("0" if CODE[-1] != "0" else "1"), "校验"),
        ("91350200MA3IO5SV2Z", "代码中含有“I”"),
    ],
)
def test_invalid_credit_code_says_what_is_wrong(client, app, code, message):
    response = apply(client, credit_code=code)
    assert response.status_code == 200
    assert message in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MemberUnit)) == 0


def test_duplicate_credit_code_and_name_are_named(client, app, world):
    with app.app_context():
        existing = db.session.get(MemberUnit, world["unit_a"])
        code, name = existing.credit_code, existing.name_zh
    response = apply(client, credit_code=code.lower())
    assert "该统一社会信用代码的单位已经登记" in response.text
    response = apply(client, name_zh=" " + name.replace("甲", "甲 ") + " ")
    assert "该中文名称的单位已经登记" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_bad_inputs_are_refused_on_the_page(client, app):
    assert "必须接受章程" in apply(client, accept_constitution=None).text
    assert "http://" in apply(client, website="javascript:alert(1)").text
    assert "至少使用 12 个字符" in apply(client, password="short", confirm="short").text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MemberUnit)) == 0


def test_existing_account_email_must_sign_in(client, world):
    response = apply(client, account_email="outsider@example.org")
    assert "请先登录" in response.text


def test_apply_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.post("/apply", data={}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# The secretariat's queue ----------------------------------------------------------------


@pytest.fixture
def submitted(client, app, world):
    apply(client)
    client.post("/logout")
    with app.app_context():
        return db.session.scalar(select(Application.id))


def test_application_moves_through_every_step_to_admission(client, auth, app, submitted):
    auth.login("sec@example.org", PASSWORD)
    queue = client.get("/admin/applications")
    assert "厦门示例申请科技有限公司" in queue.text
    detail = client.get(f"/admin/applications/{submitted}")
    assert "张三" in detail.text and "通过初审" in detail.text

    assert (
        client.post(
            f"/admin/applications/{submitted}/advance", data={"note": "材料齐全"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Application, submitted).status == APP_REVIEWED
    client.post(f"/admin/applications/{submitted}/advance", data={})
    with app.app_context():
        application = db.session.get(Application, submitted)
        assert application.status == APP_NOTICE
        assert application.notice_ends_on is not None
    # admission waits for the end of the public notice (7 days by default)
    early = client.post(f"/admin/applications/{submitted}/advance", data={})
    assert early.status_code == 409
    assert "公示期至" in early.text
    # the home page shows the unit in public notice
    assert "厦门示例申请科技有限公司" in client.get("/").text
    with app.app_context():
        db.session.get(Application, submitted).notice_ends_on = None
        db.session.commit()
    assert client.post(f"/admin/applications/{submitted}/advance", data={}).status_code == 302
    with app.app_context():
        application = db.session.get(Application, submitted)
        unit = application.unit
        assert application.status == APP_ADMITTED
        assert [s.to_status for s in application.steps] == [
            "submitted",
            "reviewed",
            "approved",
            "notice",
            "admitted",
        ]
        assert unit.status == STATUS_ACTIVE and unit.joined_on and unit.valid_until
        assert unit.is_admin(application.applicant)
        assert unit.representative_id == application.applicant_id
    subjects = [m[1] for m in outbox(app, "applicant@example.org")]
    assert len(subjects) == 4  # received, reviewed, notice, admitted
    assert "已被接纳" in subjects[-1]
    actions = audit_actions(app)
    for step in ("reviewed", "approved", "notice", "admitted"):
        assert f"membership.application_{step}" in actions
    assert "厦门示例申请科技有限公司" in client.get("/").text  # recently admitted


def test_reject_needs_a_reason_and_frees_the_name(client, auth, app, submitted):
    auth.login("sec@example.org", PASSWORD)
    response = client.post(f"/admin/applications/{submitted}/reject", data={"reason": "  "})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Application, submitted).status == APP_SUBMITTED
    response = client.post(f"/admin/applications/{submitted}/reject", data={"reason": "不在本市"})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.get(Application, submitted)
        assert application.status == APP_REJECTED and application.reason == "不在本市"
        assert application.unit_id is None
        assert db.session.scalar(select(MemberUnit).where(MemberUnit.credit_code == CODE)) is None
        assert [s.to_status for s in application.steps] == ["submitted", "rejected"]
    mail = outbox(app, "applicant@example.org")[-1]
    assert "不在本市" in mail[2]
    assert "membership.application_rejected" in audit_actions(app)
    auth.logout()
    auth.login("applicant@example.org", "a long enough passphrase")
    own = client.get("/my/unit")
    assert "未获通过" in own.text and "不在本市" in own.text and "/apply" in own.text
    auth.logout()
    auth.login("sec@example.org", PASSWORD)
    # a closed application cannot move again
    assert client.post(f"/admin/applications/{submitted}/advance", data={}).status_code == 409


def test_mails_use_the_applicants_language(client, app, world):
    client.post("/language", data={"lang": "en"})
    apply(client)
    (_to, subject, body, locale) = outbox(app, "applicant@example.org")[0]
    assert locale == "en"
    assert "Application received" in subject


@pytest.mark.parametrize(
    "path",
    ["/admin/applications", "/admin/applications/1", "/admin/change-requests", "/admin/units"],
)
def test_queue_pages_need_the_secretariat(client, auth, world, path):
    assert "/login" in client.get(path).headers["Location"]
    auth.login("admin-a@example.org", PASSWORD)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    ["/admin/applications/1/advance", "/admin/applications/1/reject"],
)
def test_queue_actions_need_the_secretariat(client, auth, world, path):
    assert client.post(path).status_code == 302
    auth.login("admin-a@example.org", PASSWORD)
    assert client.post(path, data={"reason": "x"}).status_code == 403


def test_missing_application_is_404_and_bad_status_400(client, auth, world):
    auth.login("sec@example.org", PASSWORD)
    assert client.get("/admin/applications/999").status_code == 404
    assert client.post("/admin/applications/999/advance").status_code == 404
    assert client.get("/admin/applications?status=nonsense").status_code == 400
    assert client.get("/admin/applications?status=all").status_code == 200
