"""Applying for membership (an address verified by a mailed link) and the secretariat's queue."""

import hashlib
import re
import statistics
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from alliance.auth.models import User
from alliance.clock import now_utc
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, STATUS_APPLICANT, MemberUnit
from alliance.membership import services
from alliance.membership.models import (
    APP_ADMITTED,
    APP_NOTICE,
    APP_REJECTED,
    APP_REVIEWED,
    APP_SUBMITTED,
    Application,
    EmailVerification,
)
from alliance.membership.services import MembershipError
from tests.factories import PASSWORD, make_user, valid_credit_code
from tests.membership.conftest import audit_actions, mailed_links, outbox

CODE = valid_credit_code(777001)
APPLICANT = "applicant@example.org"
SENT = "我们已向该地址发送了一封邮件"
INVALID_LINK = "此链接无效、已使用或已过期"


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
        "account_name": "申请人",
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
        "accept_constitution": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def request_link(client, email=APPLICANT) -> str | None:
    """Ask /apply for a link to the form; return its path (None when no link was mailed)."""
    with mailed_links(client.application) as links:
        response = client.post("/apply", data={"email": email})
    assert response.status_code == 200
    assert SENT in response.text or "We have sent a message to that address" in response.text
    return urlsplit(links[-1]).path if links else None


def apply(client, email=APPLICANT, **overrides):
    """Apply the way a visitor does: ask for the link, then post the form it opens."""
    return client.post(request_link(client, email), data=form_data(**overrides))


def test_apply_page_asks_for_an_address_first(client):
    response = client.get("/apply")
    assert response.status_code == 200
    assert 'name="email"' in response.text
    assert 'name="name_zh"' not in response.text and 'name="password"' not in response.text


def _csrf_client(app):
    client = app.test_client()
    page = client.get("/apply").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client, token


def _masked(text: str) -> str:
    return re.sub(r'(csrf[-_]token"[^>]*?(?:value|content)=")[^"]+', r"\1…", text)


def test_known_and_unknown_addresses_get_the_same_answer(make_app):
    """The page never tells whether an address has an account: same status, same page."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(email="known@example.org")
        db.session.commit()
    answers = []
    for email in ("known@example.org", "KNOWN@example.org", "unknown@example.org"):
        client, token = _csrf_client(app)
        response = client.post("/apply", data={"email": email, "csrf_token": token})
        answers.append((response.status_code, _masked(response.text)))
    assert answers[0][0] == 200 and SENT in answers[0][1]
    assert answers[0] == answers[1] == answers[2]
    # each got a mail, and the answer does not echo the address
    assert all(email not in answers[0][1] for email in ("known@example.org", "unknown@"))
    assert len(outbox(app, "known@example.org")) == 2
    assert len(outbox(app, "unknown@example.org")) == 1


def test_a_registered_address_is_told_by_mail_without_a_link(client, app, world):
    with mailed_links(app) as links:
        response = client.post("/apply", data={"email": "Outsider@Example.org"})
    assert SENT in response.text and "已有账户" not in response.text
    assert links == []
    (to, subject, body, _locale) = outbox(app)[-1]
    assert to == "outsider@example.org"
    assert "已有账户" in subject
    assert "/login" in body and "/reset" in body and "/apply/" not in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EmailVerification)) == 0


def test_a_new_address_gets_a_single_use_link_stored_as_a_hash(client, app):
    path = request_link(client)
    token = path.rsplit("/", 1)[1]
    (to, subject, _body, _locale) = outbox(app)[-1]
    assert to == APPLICANT and "申请" in subject
    with app.app_context():
        verification = db.session.scalar(select(EmailVerification))
        assert verification.email == APPLICANT
        assert verification.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in verification.token_hash
        hours = app.config["APPLY_LINK_MAX_AGE_HOURS"]
        assert verification.expires_at - verification.created_at == timedelta(hours=hours)
    form = client.get(path)
    assert form.status_code == 200
    assert 'name="name_zh"' in form.text and APPLICANT in form.text
    assert 'name="account_email"' not in form.text  # the address is the link's


def test_known_and_unknown_addresses_take_the_same_time(client, app, world):
    """Both do the same work (a token hashed, a mail rendered and stored): within 10 ms.

    Timed in pairs, in alternating order, and compared by the median of the pairs'
    differences, so that load from elsewhere on the machine hits both sides alike.
    """

    def timed(email):
        start = time.perf_counter()
        assert client.post("/apply", data={"email": email}).status_code == 200
        return time.perf_counter() - start

    known, unknown = "outsider@example.org", "nobody@example.org"
    for _ in range(3):  # warm up both paths
        timed(known), timed(unknown)
    differences = []
    for i in range(21):
        if i % 2:
            k, u = timed(known), timed(unknown)
        else:
            u, k = timed(unknown), timed(known)
        differences.append(k - u)
    assert abs(statistics.median(differences)) < 0.010, sorted(differences)


def test_a_bad_address_is_refused_on_the_page(client, app):
    response = client.post("/apply", data={"email": "not-an-address"})
    assert response.status_code == 200 and SENT not in response.text
    assert "invalid-feedback" in response.text
    assert outbox(app) == []


def test_anonymous_applies_with_a_new_account(client, app, world):
    response = apply(client)
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(MemberUnit).where(MemberUnit.credit_code == CODE))
        assert unit.status == STATUS_APPLICANT
        assert unit.colleagues == []  # nobody acts for it before admission
        application = db.session.scalar(select(Application))
        assert application.status == APP_SUBMITTED
        assert application.applicant.email == APPLICANT
        assert application.legal_representative == "张三"
        assert [s.to_status for s in application.steps] == [APP_SUBMITTED]
        assert db.session.scalar(select(EmailVerification.used_at)) is not None
    mails = outbox(app, APPLICANT)
    assert len(mails) == 2  # the link, then the confirmation
    assert "厦门示例申请科技有限公司" in mails[1][1]
    assert "membership.application_submitted" in audit_actions(app)
    # signed in now, the applicant follows the application on /my/unit
    page = client.get("/my/unit")
    assert page.status_code == 200
    assert "等待初审" in page.text


def test_the_link_works_once(client, app, world):
    path = request_link(client)
    assert client.post(path, data=form_data()).status_code == 302
    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 404 and INVALID_LINK in again.text
    twice = client.post(path, data=form_data(credit_code=valid_credit_code(777003)))
    assert twice.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1


def test_an_expired_link_is_refused(client, app):
    path = request_link(client)
    with app.app_context():
        db.session.execute(
            update(EmailVerification).values(expires_at=now_utc() - timedelta(seconds=1))
        )
        db.session.commit()
    for response in (client.get(path), client.post(path, data=form_data())):
        assert response.status_code == 404 and INVALID_LINK in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("token", ["unknown-token", "x" * 101, "a" * 43])
def test_an_unknown_link_gets_a_clear_page(client, token):
    for response in (client.get(f"/apply/{token}"), client.post(f"/apply/{token}", data={})):
        assert response.status_code == 404 and INVALID_LINK in response.text


def test_the_link_is_used_once_even_by_racing_submissions(app, world):
    """The token is used up by a conditional UPDATE: a request holding a stale row loses."""
    with app.test_request_context():
        services.request_application_link(APPLICANT)
        db.session.commit()
        verification = db.session.scalar(select(EmailVerification))
        assert verification.is_usable(now_utc())
        # another request used the link meanwhile: the row this request holds is stale
        db.session.execute(
            update(EmailVerification)
            .values(used_at=now_utc())
            .execution_options(synchronize_session=False)
        )
        assert verification.used_at is None
        account = {"display_name": "申请人", "password": "a long enough passphrase"}
        unit_data = {k: v for k, v in form_data().items() if k in ("name_zh", "credit_code")}
        with pytest.raises(MembershipError):
            services.submit_verified_application(
                verification, {**unit_data, "org_type": "enterprise"}, {}, account
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User)) == 5


def test_signed_in_person_cannot_use_a_link(client, auth, app, world):
    path = request_link(client)
    auth.login("outsider@example.org", PASSWORD)
    for response in (client.get(path), client.post(path, data=form_data())):
        assert response.status_code == 403 and "已登录" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_an_address_registered_after_the_link_was_sent(client, app):
    path = request_link(client)
    with app.app_context():
        make_user(email=APPLICANT)
        db.session.commit()
    for response in (client.get(path), client.post(path, data=form_data())):
        assert response.status_code == 409 and "请先登录" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0
        assert db.session.scalar(select(EmailVerification.used_at)) is None


def test_signed_in_user_applies_without_account_fields(client, auth, app, world):
    auth.login("outsider@example.org", PASSWORD)
    form = client.get("/apply")
    assert 'name="name_zh"' in form.text and 'name="password"' not in form.text
    response = client.post("/apply", data=form_data(account_name=None, password=None, confirm=None))
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
        assert db.session.scalar(select(EmailVerification.used_at)) is None  # not used up


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
    assert "必填" in apply(client, account_name=" ").text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MemberUnit)) == 0


def test_existing_account_email_is_told_by_mail_not_on_screen(client, app, world):
    response = client.post("/apply", data={"email": "outsider@example.org"})
    assert "请先登录" not in response.text and "已有账户" not in response.text
    assert "请先登录" in outbox(app, "outsider@example.org")[-1][2]


def test_apply_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.post("/apply", data={}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = make_app(RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="2 per minute").test_client()
    codes = [
        other.post("/apply", data={"email": f"a{i}@example.org"}).status_code for i in range(3)
    ]
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
    assert len(subjects) == 5  # the link, received, reviewed, notice, admitted
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
    (link_mail, received) = outbox(app, APPLICANT)
    assert link_mail[3] == received[3] == "en"
    assert "Your link to the membership application" in link_mail[1]
    assert "Application received" in received[1]
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == APPLICANT)) == "en"


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
