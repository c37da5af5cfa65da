"""Secretariat unit tools: list and filters, discipline and tier, export and import."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import event, func, select

from alliance.extensions import db
from alliance.members.models import (
    STATUS_ACTIVE,
    STATUS_REMOVED,
    STATUS_SUSPENDED,
    STATUS_WITHDRAWN,
    TIER_COUNCIL,
    MemberUnit,
)
from alliance.membership.models import ImportPreview, UnitHistory
from tests.factories import PASSWORD, make_unit, valid_credit_code
from tests.membership.conftest import audit_actions, outbox


@pytest.fixture
def sec(client, auth, world):
    auth.login("sec@example.org", PASSWORD)
    return client


def test_unit_list_filters(sec, app, world):
    with app.app_context():
        make_unit("厦门示例丙研究院", org_type="academic", district="jimei", is_founding=True)
        make_unit("厦门示例丁公司", status=STATUS_SUSPENDED, tier=TIER_COUNCIL)
        db.session.commit()
    page = sec.get("/admin/units")
    assert all(n in page.text for n in ("厦门示例甲公司", "厦门示例丙研究院", "厦门示例丁公司"))
    page = sec.get("/admin/units?org_type=academic")
    assert "厦门示例丙研究院" in page.text and "厦门示例甲公司" not in page.text
    page = sec.get("/admin/units?status=suspended&tier=council")
    assert "厦门示例丁公司" in page.text and "厦门示例甲公司" not in page.text
    page = sec.get("/admin/units?founding=yes&district=jimei")
    assert "厦门示例丙研究院" in page.text and "厦门示例丁公司" not in page.text
    page = sec.get("/admin/units?q=Alpha")
    assert "厦门示例甲公司" in page.text and "厦门示例乙公司" not in page.text
    page = sec.get("/admin/units?q=%25")
    assert "没有符合筛选条件的单位" in page.text  # % is literal
    assert sec.get("/admin/units?tier=emperor").status_code == 400


def _count_queries(app, client, path):
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_unit_list_query_count_does_not_grow(sec, app):
    with app.app_context():
        for _ in range(3):
            make_unit()
        db.session.commit()
    few = _count_queries(app, sec, "/admin/units")
    with app.app_context():
        for _ in range(25):
            make_unit()
        db.session.commit()
    assert _count_queries(app, sec, "/admin/units") == few


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("suspend", STATUS_ACTIVE, STATUS_SUSPENDED),
        ("reactivate", STATUS_SUSPENDED, STATUS_ACTIVE),
        ("remove", STATUS_ACTIVE, STATUS_REMOVED),
        ("withdraw", STATUS_SUSPENDED, STATUS_WITHDRAWN),
    ],
)
def test_status_actions_need_a_reason_and_are_mailed_and_audited(
    sec, app, world, action, before, after
):
    with app.app_context():
        db.session.get(MemberUnit, world["unit_a"]).status = before
        db.session.commit()
    url = f"/admin/units/{world['unit_a']}/status"
    response = sec.post(url, data={"action": action, "reason": ""})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).status == before
    assert sec.post(url, data={"action": action, "reason": "理事会决定"}).status_code == 302
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).status == after
        row = db.session.scalar(select(UnitHistory).where(UnitHistory.field == "status"))
        assert (row.old_value, row.new_value, row.source) == (before, after, "secretariat")
    mail = outbox(app, "admin-a@example.org")[-1]
    assert "理事会决定" in mail[2]
    assert f"membership.unit_{action}" in audit_actions(app)


def test_impossible_status_action_is_refused(sec, app, world):
    response = sec.post(
        f"/admin/units/{world['unit_a']}/status", data={"action": "reactivate", "reason": "x"}
    )
    assert response.status_code == 409 and "当前状态下不能执行" in response.text
    assert (
        sec.post(
            f"/admin/units/{world['unit_a']}/status", data={"action": "explode", "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        sec.post("/admin/units/99999/status", data={"action": "suspend", "reason": "x"}).status_code
        == 404
    )


def test_set_tier_is_an_audited_override(sec, app, world):
    url = f"/admin/units/{world['unit_a']}/tier"
    assert sec.post(url, data={"tier": "council", "reason": ""}).status_code == 400
    assert sec.post(url, data={"tier": "council", "reason": "理事会选举结果"}).status_code == 302
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).tier == TIER_COUNCIL
    assert "membership.unit_tier" in audit_actions(app)
    assert "理事单位" in outbox(app, "admin-a@example.org")[-1][2]
    assert sec.post(url, data={"tier": "council", "reason": "again"}).status_code == 409


@pytest.mark.parametrize(
    "path",
    [
        "/admin/units/1/status",
        "/admin/units/1/tier",
        "/admin/units/import",
        "/admin/units/import/x/confirm",
    ],
)
def test_unit_actions_need_the_secretariat(client, auth, world, path):
    assert "/login" in client.post(path).headers["Location"]
    auth.login("admin-a@example.org", PASSWORD)
    assert (
        client.post(path, data={"reason": "x", "action": "suspend", "tier": "chair"}).status_code
        == 403
    )


def test_unit_detail_and_missing(sec, world):
    assert sec.get(f"/admin/units/{world['unit_a']}").status_code == 200
    assert sec.get("/admin/units/99999").status_code == 404


# Export -----------------------------------------------------------------------------------


def test_export_csv_in_both_header_languages(sec, app, world):
    with app.app_context():
        make_unit("=厦门示例公式公司", org_type="academic", is_founding=True)
        db.session.commit()
    response = sec.get("/admin/units/export.csv?lang=zh")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["统一社会信用代码", "单位名称", "英文名称"]
    by_name = {r[1]: r for r in rows[1:]}
    assert "'=厦门示例公式公司" in by_name  # formula injection defused
    assert (
        by_name["'=厦门示例公式公司"][4] == "产学研机构" or "学" in by_name["'=厦门示例公式公司"][4]
    )
    assert by_name["'=厦门示例公式公司"][7] == "是"
    response = sec.get("/admin/units/export.csv?lang=en&org_type=academic")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Credit code", "Chinese name", "English name"]
    assert len(rows) == 2 and rows[1][7] == "yes"
    assert "Academic" in rows[1][4]


def test_export_xlsx_in_both_header_languages(sec, app, world):
    for lang, header in (("zh", "统一社会信用代码"), ("en", "Credit code")):
        response = sec.get(f"/admin/units/export.xlsx?lang={lang}&q=甲")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == header
        assert len(rows) == 2 and rows[1][1] == "厦门示例甲公司"


def test_export_rejects_bad_format_and_language(sec):
    assert sec.get("/admin/units/export.pdf").status_code == 404
    assert sec.get("/admin/units/export.csv?lang=fr").status_code == 400


# Import -----------------------------------------------------------------------------------


def upload(client, content: bytes, filename="units.csv"):
    return client.post(
        "/admin/units/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def preview_of(app):
    with app.app_context():
        preview = db.session.scalar(select(ImportPreview).order_by(ImportPreview.id.desc()))
        return (
            preview.token,
            preview.is_valid,
            [(r["line"], r["action"], r["errors"]) for r in preview.rows],
        )


def test_import_upserts_after_preview_and_blank_cells_keep_data(sec, app, world):
    with app.app_context():
        unit_a = db.session.get(MemberUnit, world["unit_a"])
        unit_a.phone = "0592-1111111"
        db.session.commit()
        code_a = unit_a.credit_code
    new_code = valid_credit_code(880001)
    content = csv_bytes(
        [
            ["统一社会信用代码", "单位名称", "英文名称", "电话", "单位类型", "所在区", "创始会员"],
            [code_a, "", "Alpha Imported", "", "", "湖里", ""],
            [
                new_code,
                "厦门示例导入公司",
                "Imported Co",
                "0592-2222222",
                "Intermediary organisation",
                "siming",
                "否",
            ],
        ]
    )
    response = upload(sec, content)
    assert response.status_code == 302
    token, valid, rows = preview_of(app)
    assert valid and [r[1] for r in rows] == ["update", "create"]
    page = sec.get(f"/admin/units/import/{token}")
    assert "Alpha Imported" in page.text and "确认并写入全部行" in page.text
    with app.app_context():  # nothing written before confirmation
        assert db.session.get(MemberUnit, world["unit_a"]).name_en == "Alpha"
    assert sec.post(f"/admin/units/import/{token}/confirm").status_code == 302
    with app.app_context():
        unit_a = db.session.get(MemberUnit, world["unit_a"])
        assert unit_a.name_en == "Alpha Imported" and unit_a.district == "huli"
        assert unit_a.phone == "0592-1111111" and unit_a.name_zh == "厦门示例甲公司"  # blanks kept
        created = db.session.scalar(select(MemberUnit).where(MemberUnit.credit_code == new_code))
        assert created.name_zh == "厦门示例导入公司" and created.org_type == "intermediary"
        assert created.status == STATUS_ACTIVE and created.slug
        sources = {h.source for h in db.session.scalars(select(UnitHistory))}
        assert sources == {"import"}
    assert "membership.import" in audit_actions(app)
    # a preview is used once
    assert sec.post(f"/admin/units/import/{token}/confirm").status_code == 409


def test_import_is_all_or_nothing(sec, app, world):
    content = csv_bytes(
        [
            ["Credit code", "Chinese name", "Type", "Founded"],
            [valid_credit_code(880002), "厦门示例好公司", "enterprise", "2010"],
            [valid_credit_code(880003), "", "enterprise", ""],
            ["91350200MA3IO5SV2Z", "厦门示例坏代码公司", "", ""],
            [valid_credit_code(880004), "厦门示例坏类型公司", "spaceship", "20x0"],
            [valid_credit_code(880002), "厦门示例重复公司", "", ""],
        ]
    )
    upload(sec, content)
    token, valid, rows = preview_of(app)
    assert not valid
    actions = [r[1] for r in rows]
    assert actions == ["create", "refuse", "refuse", "refuse", "refuse"]
    assert "中文名称" in rows[1][2][0]
    assert "代码中含有“I”" in rows[2][2][0]
    assert len(rows[3][2]) == 2
    assert "第 2 行" in rows[4][2][0]
    page = sec.get(f"/admin/units/import/{token}")
    assert "不会写入任何数据" in page.text and "确认并写入全部行" not in page.text
    assert sec.post(f"/admin/units/import/{token}/confirm").status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MemberUnit)) == 2


def test_import_rechecks_at_confirmation(sec, app, world):
    code = valid_credit_code(880010)
    upload(sec, csv_bytes([["Credit code", "Chinese name"], [code, "厦门示例迟到公司"]]))
    token, valid, _rows = preview_of(app)
    assert valid
    with app.app_context():  # someone takes the name meanwhile
        make_unit("厦门示例迟到公司")
        db.session.commit()
    assert sec.post(f"/admin/units/import/{token}/confirm").status_code == 409
    with app.app_context():
        assert db.session.scalar(select(MemberUnit).where(MemberUnit.credit_code == code)) is None


def test_import_reads_xlsx(sec, app, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Credit code", "Chinese name", "Founded", "Joined on"])
    sheet.append([valid_credit_code(880020), "厦门示例表格公司", 2008, None])
    out = io.BytesIO()
    workbook.save(out)
    assert upload(sec, out.getvalue(), "units.xlsx").status_code == 302
    token, valid, rows = preview_of(app)
    assert valid and rows[0][1] == "create"
    sec.post(f"/admin/units/import/{token}/confirm")
    with app.app_context():
        unit = db.session.scalar(select(MemberUnit).where(MemberUnit.name_zh == "厦门示例表格公司"))
        assert unit.founded_year == 2008


def test_export_can_be_imported_again_unchanged(sec, app, world):
    exported = sec.get("/admin/units/export.xlsx?lang=en").data
    upload(sec, exported, "again.xlsx")
    _token, valid, rows = preview_of(app)
    assert valid and {r[1] for r in rows} == {"unchanged"}


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "empty.csv", "文件为空"),
        (b"", "", "请选择文件"),
        (b"name\nx\n", "units.csv", "未知列"),
        (b"\xe5\xa7\x93\n", "units.txt", ".csv 或 .xlsx"),
        (b"not a zip", "units.xlsx", "XLSX"),
        ("单位名称\n厦门\n".encode(), "units.csv", "信用代码"),
    ],
)
def test_import_bad_files_get_a_message(sec, app, content, filename, message):
    response = upload(sec, content, filename)
    assert response.status_code == 400 and message in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportPreview)) == 0


def test_import_preview_belongs_to_its_creator(sec, app, world):
    upload(
        sec,
        csv_bytes([["Credit code", "Chinese name"], [valid_credit_code(880030), "厦门示例某公司"]]),
    )
    token, _valid, _rows = preview_of(app)
    assert sec.get("/admin/units/import/unknown-token").status_code == 404
    sec.post("/logout")
    with app.app_context():
        from alliance.auth.models import SECRETARIAT
        from tests.factories import make_user

        make_user(email="sec2@example.org", roles=(SECRETARIAT,))
        db.session.commit()
    sec.post("/login", data={"email": "sec2@example.org", "password": PASSWORD})
    assert sec.get(f"/admin/units/import/{token}").status_code == 404


def test_warning_keeps_the_status_and_is_recorded(sec, app, world):
    url = f"/admin/units/{world['unit_a']}/status"
    assert sec.post(url, data={"action": "warn", "reason": "未按时提交年报"}).status_code == 302
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).status == STATUS_ACTIVE
        row = db.session.scalar(select(UnitHistory).where(UnitHistory.field == "warning"))
        assert row.new_value == "未按时提交年报"
    (_to, subject, body, _locale) = outbox(app, "admin-a@example.org")[-1]
    assert "警告" in subject and "未按时提交年报" in body
    assert "membership.unit_warn" in audit_actions(app)


def test_removed_units_colleagues_can_no_longer_edit(client, auth, app, world):
    with app.app_context():
        db.session.get(MemberUnit, world["unit_a"]).status = STATUS_REMOVED
        db.session.commit()
    auth.login("admin-a@example.org", PASSWORD)
    page = client.get("/my/unit")
    assert page.status_code == 200 and 'name="phone"' not in page.text
    assert client.post("/my/unit", data={"phone": "1"}).status_code == 403
    assert client.get("/my/unit/history").status_code == 403
    assert invite_status(client, world["unit_a"]) == 403


def invite_status(client, unit_id):
    return client.post(f"/my/units/{unit_id}/invite", data={"email": "x@example.org"}).status_code


@pytest.mark.parametrize("path", ["/admin/applications?status=all", "/admin/change-requests"])
def test_queue_query_counts_do_not_grow(sec, app, world, path):
    from alliance.membership import services
    from tests.factories import make_user

    def add(n):
        with app.test_request_context():
            for _ in range(n):
                applicant = make_user()
                services.submit_application(
                    {
                        "name_zh": f"厦门示例排队{applicant.id}公司",
                        "credit_code": valid_credit_code(700000 + applicant.id),
                        "org_type": "enterprise",
                    },
                    {"legal_representative": "某", "contact_name": "某", "contact_phone": "1"},
                    applicant,
                )
                admin = make_user()
                unit = make_unit(admin=admin, name_en="Before")
                services.update_profile(unit, {"name_en": "After"}, admin)
            db.session.commit()

    add(2)
    few = _count_queries(app, sec, path)
    add(12)
    page_text = sec.get(path).text
    assert page_text.count("厦门示例") >= 14
    assert _count_queries(app, sec, path) == few


SECRETARIAT_GETS = [
    "/admin/units/export.csv",
    "/admin/units/export.xlsx?lang=en",
    "/admin/units/1",
    "/admin/units/import",
    "/admin/units/import/some-token",
]


@pytest.mark.parametrize("path", SECRETARIAT_GETS)
def test_secretariat_pages_refuse_others(client, auth, world, path):
    assert "/login" in client.get(path).headers["Location"]
    auth.login("admin-a@example.org", PASSWORD)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/my/units/1/invite",
        "/my/units/1/colleagues/1/role",
        "/my/units/1/colleagues/1/remove",
        "/my/units/1/colleagues/1/representative",
        "/my/units/1/invitations/1/revoke",
    ],
)
def test_colleague_actions_need_sign_in(client, path):
    response = client.post(path, data={"role": "staff", "email": "x@example.org"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 100,  # a zip header and nothing after it
        b"<html><script>alert(1)</script></html>",
    ],
)
def test_import_refuses_an_unreadable_xlsx_with_a_message(sec, app, content):
    """Found by the hostile corpus: an .xlsx zip without a workbook part was a 500 (OSError)."""
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    for body in (content, archive.getvalue()):
        response = upload(sec, body, "units.xlsx")
        assert response.status_code == 400
        assert "XLSX" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportPreview)) == 0


def test_import_refuses_nul_bytes_in_a_csv(sec, app):
    """Found by the hostile corpus: NUL bytes reached PostgreSQL, which refuses them (a 500)."""
    response = upload(sec, b"credit_code,name_zh\n\x00\x00,\x00\n")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportPreview)) == 0
