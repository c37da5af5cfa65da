"""Logo upload, refusal of bad files, per-unit authorization, serving and removal."""

import io

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from alliance.audit import AuditEvent
from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.members.models import ROLE_STAFF, Colleague, MemberUnit, UnitLogo
from tests.factories import PASSWORD, make_unit, make_user
from tests.members.helpers import png_bytes


@pytest.fixture
def setup(app):
    with app.app_context():
        unit = make_unit(
            "厦门标志示例有限公司", slug="logo-unit", admin=make_user("admin@logo.example.org")
        )
        db.session.add(
            Colleague(user=make_user("staff@logo.example.org"), unit=unit, role=ROLE_STAFF)
        )
        make_unit("厦门别家示例有限公司", slug="other", admin=make_user("other@logo.example.org"))
        make_user("sec@logo.example.org", roles=(SECRETARIAT,))
        db.session.commit()


def upload(client, data, name="logo.png", slug="logo-unit"):
    # Encode the body in memory: the test client would spool a large body to an unclosed file.
    stream, length, boundary = stream_encode_multipart(
        {"logo": FileStorage(io.BytesIO(data), filename=name)}, use_tempfile=False
    )
    return client.post(
        f"/members/{slug}/logo",
        data=stream.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_logo(app):
    with app.app_context():
        return db.session.scalar(select(UnitLogo))


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get("/members/logo-unit/logo")
    assert response.status_code == 302 and "/login" in response.location
    assert upload(client, png_bytes()).status_code == 302


def test_admin_uploads_and_directory_shows_it(app, client, auth, setup):
    auth.login("admin@logo.example.org", PASSWORD)
    assert client.get("/members/logo-unit/logo").status_code == 200
    response = upload(client, png_bytes((800, 400)))
    assert response.status_code == 302
    logo = stored_logo(app)
    assert logo is not None and (logo.width, logo.height) == (512, 256)
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "member_unit.logo_set")
        )
        assert event is not None and event.new_values["sha256"] == logo.sha256
    auth.logout()
    listing = client.get("/members").get_data(as_text=True)
    assert f"/members/logo-unit/logo/image?v={logo.sha256[:12]}" in listing
    image = client.get(f"/members/logo-unit/logo/image?v={logo.sha256[:12]}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert "max-age=31536000" in image.headers["Cache-Control"]
    assert image.headers["ETag"]
    again = client.get(
        "/members/logo-unit/logo/image", headers={"If-None-Match": image.headers["ETag"]}
    )
    assert again.status_code == 304
    Image.open(io.BytesIO(image.data)).verify()


def test_secretariat_may_upload_for_any_unit(app, client, auth, setup):
    auth.login("sec@logo.example.org", PASSWORD)
    assert upload(client, png_bytes()).status_code == 302
    assert stored_logo(app) is not None


@pytest.mark.parametrize("email", ["other@logo.example.org", "staff@logo.example.org"])
def test_others_are_refused(app, client, auth, setup, email):
    auth.login(email, PASSWORD)
    assert client.get("/members/logo-unit/logo").status_code == 403
    assert upload(client, png_bytes()).status_code == 403
    assert client.post("/members/logo-unit/logo/remove").status_code == 403
    assert stored_logo(app) is None


def test_missing_unit_is_404(client, auth, setup):
    auth.login("sec@logo.example.org", PASSWORD)
    assert client.get("/members/nope/logo").status_code == 404


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"just some text, not an image", "logo.png", "只接受 PNG、JPEG 或 WebP"),
        (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024 + 10), "big.png", "图片大于 2 MB"),
        (None, "bomb.png", "只接受 PNG、JPEG 或 WebP"),
        (b"GIF89a" + b"\x00" * 20, "logo.gif", "只接受 PNG、JPEG 或 WebP"),
    ],
)
def test_bad_files_are_refused_with_a_message(app, client, auth, setup, data, name, message):
    auth.login("admin@logo.example.org", PASSWORD)
    response = upload(client, data if data is not None else _bomb(), name)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert stored_logo(app) is None


def test_no_file_is_a_form_error(client, auth, setup):
    auth.login("admin@logo.example.org", PASSWORD)
    response = client.post("/members/logo-unit/logo", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_remove_logo(app, client, auth, setup):
    auth.login("admin@logo.example.org", PASSWORD)
    upload(client, png_bytes())
    assert client.post("/members/logo-unit/logo/remove").status_code == 302
    assert stored_logo(app) is None
    assert client.get("/members/logo-unit/logo/image").status_code == 404
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "member_unit.logo_removed")
        )


def test_logo_of_suspended_unit_is_not_public(app, client, setup):
    with app.app_context():
        unit = make_unit("厦门停用示例有限公司", slug="off", status="suspended")
        db.session.add(
            UnitLogo(
                unit=unit,
                content=png_bytes(),
                mime_type="image/png",
                width=64,
                height=48,
                sha256="0" * 64,
            )
        )
        db.session.commit()
    assert client.get("/members/off/logo/image").status_code == 404


@pytest.mark.parametrize("status", ["withdrawn", "removed"])
def test_admin_of_a_closed_unit_may_not_change_its_logo(app, client, auth, setup, status):
    """Regression: a unit that withdrew or was removed is no longer kept by its people."""
    with app.app_context():
        unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == "logo-unit"))
        unit.status = status
        db.session.commit()
    auth.login("admin@logo.example.org", PASSWORD)
    assert client.get("/members/logo-unit/logo").status_code == 403
    assert upload(client, png_bytes()).status_code == 403
    assert client.post("/members/logo-unit/logo/remove").status_code == 403
    assert stored_logo(app) is None
    auth.logout()
    auth.login("sec@logo.example.org", PASSWORD)
    assert upload(client, png_bytes()).status_code == 302  # the secretariat still may
