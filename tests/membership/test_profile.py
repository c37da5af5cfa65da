"""Self-service profile, change requests for key fields, history and per-unit access."""

import re

import pytest
from sqlalchemy import select

from alliance.extensions import db
from alliance.members.models import (
    STATUS_ACTIVE,
    TIER_MEMBER,
    Certification,
    MemberUnit,
    ServiceLine,
)
from alliance.membership import services
from alliance.membership.models import CR_APPROVED, CR_OPEN, CR_REJECTED, ChangeRequest, UnitHistory
from tests.factories import PASSWORD, valid_credit_code
from tests.membership.conftest import audit_actions, outbox


def profile_data(app, unit_id, **overrides):
    """The profile form as the unit's page would post it, with overrides."""
    with app.app_context():
        unit = db.session.get(MemberUnit, unit_id)
        data = {
            "name_zh": unit.name_zh,
            "name_en": unit.name_en or "",
            "credit_code": unit.credit_code,
            "org_type": unit.org_type,
            "short_name": unit.short_name or "",
            "district": unit.district or "",
            "address": unit.address or "",
            "address_visibility": unit.address_visibility,
            "phone": unit.phone or "",
            "phone_visibility": unit.phone_visibility,
            "email": unit.email or "",
            "email_visibility": unit.email_visibility,
            "website": unit.website or "",
            "founded_year": "",
            "staff_size": "",
            "intro_zh": unit.intro_zh or "",
            "intro_en": unit.intro_en or "",
        }
        certs = db.session.scalars(select(Certification).order_by(Certification.position)).all()
        for i, cert in enumerate(certs):
            data[f"certifications-{i}-certification_id"] = str(cert.id)
    data.update(overrides)
    return data


def ids(app, model, **where):
    with app.app_context():
        query = select(model.id)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return list(db.session.scalars(query))


def test_admin_sees_the_form_and_staff_a_read_only_page(client, auth, world):
    auth.login("admin-a@example.org", PASSWORD)
    page = client.get("/my/unit")
    assert page.status_code == 200 and 'name="phone"' in page.text
    auth.logout()
    auth.login("staff-a@example.org", PASSWORD)
    page = client.get("/my/unit")
    assert page.status_code == 200 and 'name="phone"' not in page.text
    assert client.post("/my/unit", data={"phone": "1"}).status_code == 403


def test_user_without_unit_is_pointed_to_apply(client, auth, world):
    auth.login("outsider@example.org", PASSWORD)
    page = client.get("/my/unit")
    assert page.status_code == 200 and "/apply" in page.text
    assert client.get("/my/unit/history").status_code == 200
    assert client.get("/my/unit/colleagues").status_code == 200


def test_direct_fields_publish_at_once_and_land_in_history(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    with app.app_context():
        line = db.session.scalar(select(ServiceLine).where(ServiceLine.code == "software-testing"))
        cmmi = db.session.scalar(select(Certification).where(Certification.code == "cmmi"))
        cmmi_index = cmmi.position
        line_id = line.id
    data = profile_data(
        app,
        world["unit_a"],
        phone="0592-7654321",
        phone_visibility="public",
        website="https://alpha.example.org",
        founded_year="2001",
        service_lines=[str(line_id)],
        **{
            f"certifications-{cmmi_index}-held": "y",
            f"certifications-{cmmi_index}-level": "5",
            f"certifications-{cmmi_index}-year": "2019",
        },
    )
    response = client.post("/my/unit", data=data)
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        assert unit.phone == "0592-7654321" and unit.phone_visibility == "public"
        assert unit.founded_year == 2001
        assert [s.code for s in unit.service_lines] == ["software-testing"]
        assert [(c.certification.code, c.level, c.year) for c in unit.certifications] == [
            ("cmmi", "5", 2019)
        ]
        fields = {h.field: h for h in db.session.scalars(select(UnitHistory))}
        assert fields["phone"].new_value == "0592-7654321" and fields["phone"].old_value is None
        assert fields["certifications"].new_value == "cmmi 5 (2019)"
        assert fields["phone"].actor_id == world["admin_a"]
        assert services.open_change_request(unit) is None
    history = client.get("/my/unit/history")
    assert "0592-7654321" in history.text and "甲管理员" in history.text


def test_website_must_be_http(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    response = client.post(
        "/my/unit", data=profile_data(app, world["unit_a"], website="javascript:alert(1)")
    )
    assert response.status_code == 200 and "http://" in response.text
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).website is None


def test_key_fields_become_a_change_request(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    new_code = valid_credit_code(424242)
    response = client.post(
        "/my/unit",
        data=profile_data(
            app, world["unit_a"], name_zh="厦门示例甲科技有限公司", credit_code=new_code, phone="1"
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        assert unit.name_zh == "厦门示例甲公司"  # the public keeps the old value
        assert unit.phone == "1"  # direct fields went through
        request = services.open_change_request(unit)
        assert request.changes["name_zh"] == {
            "old": "厦门示例甲公司",
            "new": "厦门示例甲科技有限公司",
        }
        assert request.changes["credit_code"]["new"] == new_code
    assert "membership.change_requested" in audit_actions(app)
    page = client.get("/my/unit")
    assert "厦门示例甲科技有限公司" in page.text  # the pending request is shown
    # a second request while one is open is refused, and nothing of that post is written
    again = client.post(
        "/my/unit",
        data=profile_data(app, world["unit_a"], name_en="Alpha Two", phone="2"),
    )
    assert again.status_code == 200 and "已在等待秘书处审核" in again.text
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).phone == "1"


def test_secretariat_sees_side_by_side_and_approves(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    client.post(
        "/my/unit",
        data=profile_data(app, world["unit_a"], name_en="Alpha Renamed", org_type="other"),
    )
    auth.logout()
    auth.login("sec@example.org", PASSWORD)
    listing = client.get("/admin/change-requests")
    assert listing.status_code == 200
    text = listing.text
    assert 'class="old-value">Alpha<' in text and 'class="new-value">Alpha Renamed<' in text
    assert "其他" in text  # the new type's label
    (request_id,) = ids(app, ChangeRequest)
    assert client.post(f"/admin/change-requests/{request_id}/approve").status_code == 302
    with app.app_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        assert unit.name_en == "Alpha Renamed" and unit.org_type == "other"
        request = db.session.get(ChangeRequest, request_id)
        assert request.status == CR_APPROVED and request.open_unit_id is None
        history = {
            h.field: h
            for h in db.session.scalars(
                select(UnitHistory).where(UnitHistory.source == "change_request")
            )
        }
        assert (
            history["name_en"].old_value == "Alpha" and history["name_en"].actor_id == world["sec"]
        )
    mail = outbox(app, "admin-a@example.org")[-1]
    assert "已批准" in mail[1] and "Alpha Renamed" in mail[2]
    assert "membership.key_fields_changed" in audit_actions(app)
    # decided requests cannot be decided again
    assert client.post(f"/admin/change-requests/{request_id}/approve").status_code == 409


def test_rejection_keeps_the_old_values(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    client.post("/my/unit", data=profile_data(app, world["unit_a"], name_en="Nope"))
    auth.logout()
    auth.login("sec@example.org", PASSWORD)
    (request_id,) = ids(app, ChangeRequest)
    assert (
        client.post(f"/admin/change-requests/{request_id}/reject", data={"reason": ""}).status_code
        == 400
    )
    response = client.post(
        f"/admin/change-requests/{request_id}/reject", data={"reason": "名称不符"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).name_en == "Alpha"
        assert db.session.get(ChangeRequest, request_id).status == CR_REJECTED
    mail = outbox(app, "admin-a@example.org")[-1]
    assert "未获批准" in mail[1] and "名称不符" in mail[2]
    # the unit may ask again now
    auth.logout()
    auth.login("admin-a@example.org", PASSWORD)
    client.post("/my/unit", data=profile_data(app, world["unit_a"], name_en="Alpha Again"))
    assert len(ids(app, ChangeRequest, status=CR_OPEN)) == 1


def test_duplicate_and_invalid_key_values_are_refused(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    with app.app_context():
        other = db.session.get(MemberUnit, world["unit_b"])
        other_code, other_name = other.credit_code, other.name_zh
    page = client.post("/my/unit", data=profile_data(app, world["unit_a"], credit_code=other_code))
    assert "该统一社会信用代码的单位已经登记" in page.text
    page = client.post("/my/unit", data=profile_data(app, world["unit_a"], name_zh=other_name))
    assert "该中文名称的单位已经登记" in page.text
    page = client.post("/my/unit", data=profile_data(app, world["unit_a"], credit_code="123"))
    assert "18 位" in page.text
    assert ids(app, ChangeRequest) == []


def test_tier_status_and_founding_cannot_be_posted(client, auth, app, world):
    auth.login("admin-a@example.org", PASSWORD)
    data = profile_data(
        app,
        world["unit_a"],
        tier="chair",
        status="suspended",
        is_founding="y",
        representative_id=str(world["staff_a"]),
        joined_on="2000-01-01",
        phone="3",
    )
    assert client.post("/my/unit", data=data).status_code == 302
    with app.app_context():
        unit = db.session.get(MemberUnit, world["unit_a"])
        assert unit.phone == "3"
        assert (unit.tier, unit.status, unit.is_founding) == (TIER_MEMBER, STATUS_ACTIVE, False)
        assert unit.representative_id == world["admin_a"] and unit.joined_on is None


@pytest.mark.parametrize("suffix", ["", "/history", "/colleagues"])
def test_another_units_admin_gets_403(client, auth, world, suffix):
    auth.login("admin-b@example.org", PASSWORD)
    assert client.get(f"/my/units/{world['unit_a']}{suffix}").status_code == 403
    assert client.get(f"/my/units/{world['unit_b']}{suffix}").status_code == 200


def test_another_units_admin_cannot_post(client, auth, app, world):
    auth.login("admin-b@example.org", PASSWORD)
    data = profile_data(app, world["unit_a"], phone="hacked")
    assert client.post(f"/my/units/{world['unit_a']}", data=data).status_code == 403
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).phone is None


def test_staff_cannot_read_history(client, auth, world):
    auth.login("staff-a@example.org", PASSWORD)
    assert client.get("/my/unit/history").status_code == 403


@pytest.mark.parametrize(
    "path", ["/my/unit", "/my/unit/history", "/my/unit/colleagues", "/my/units/1"]
)
def test_self_service_needs_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_unit_is_404(client, auth, world):
    auth.login("sec@example.org", PASSWORD)
    assert client.get("/my/units/99999").status_code == 404
    assert client.get("/my/units/99999/history").status_code == 404


def test_secretariat_opens_any_unit_and_changes_key_fields_directly(client, auth, app, world):
    auth.login("sec@example.org", PASSWORD)
    assert client.get(f"/my/units/{world['unit_a']}/history").status_code == 200
    response = client.post(
        f"/my/units/{world['unit_a']}", data=profile_data(app, world["unit_a"], name_en="By Sec")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MemberUnit, world["unit_a"]).name_en == "By Sec"
        assert ids(app, ChangeRequest) == []
        row = db.session.scalar(select(UnitHistory).where(UnitHistory.field == "name_en"))
        assert row.source == "secretariat"


def test_change_request_pages_reject_bad_ids(client, auth, world):
    auth.login("sec@example.org", PASSWORD)
    assert client.post("/admin/change-requests/999/approve").status_code == 404
    assert client.post("/admin/change-requests/999/reject", data={"reason": "x"}).status_code == 404
    assert client.get("/admin/change-requests?all=1").status_code == 200


def test_form_shows_current_service_lines_and_certifications(client, auth, app, world):
    with app.app_context():
        from alliance.members.models import UnitCertification

        unit = db.session.get(MemberUnit, world["unit_a"])
        line = db.session.scalar(select(ServiceLine).where(ServiceLine.code == "call-centre"))
        cert = db.session.scalar(select(Certification).where(Certification.code == "iso27001"))
        unit.service_lines = [line]
        unit.certifications = [UnitCertification(certification=cert, level="L2", year=2018)]
        unit.phone = "0592-3333333"
        db.session.commit()
        line_id, cert_pos = line.id, cert.position
    auth.login("admin-a@example.org", PASSWORD)
    page = client.get("/my/unit").text
    assert re.search(
        rf'<input checked id="service_lines-\d+" name="service_lines" type="checkbox" value="{line_id}">',
        page,
    )
    assert (
        f'<input checked class="form-check-input" id="certifications-{cert_pos}-held"' in page
        or re.search(rf'<input [^>]*checked[^>]*id="certifications-{cert_pos}-held"', page)
    )
    assert len(re.findall(r'<input [^>]*checked[^>]*-held"', page)) == 1
    assert 'value="L2"' in page and 'value="2018"' in page and 'value="0592-3333333"' in page


def test_public_profile_keeps_old_name_until_approval(client, auth, app, world):
    if "members.detail" not in app.view_functions:
        pytest.skip("the public profile page comes with the members branch")
    with app.app_context():
        slug = db.session.get(MemberUnit, world["unit_a"]).slug
    auth.login("admin-a@example.org", PASSWORD)
    client.post("/my/unit", data=profile_data(app, world["unit_a"], name_en="Alpha Pending"))
    auth.logout()
    page = client.get(f"/members/{slug}")
    assert "Alpha Pending" not in page.text
    assert "厦门示例甲公司" in page.text
