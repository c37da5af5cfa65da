"""One rule, one message: a bad credit code or website reads the same on every screen.

The apply form, the profile form and the import preview all use alliance.members.forms
(credit_code_message, CreditCode, HttpUrl), so the same bad value gets the same sentence.
"""

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from alliance.members import credit_code
from alliance.members.forms import credit_code_message
from tests.factories import PASSWORD, valid_credit_code
from tests.membership.test_admin_units import csv_bytes, preview_of, upload
from tests.membership.test_apply import apply
from tests.membership.test_profile import profile_data

GOOD = valid_credit_code(777002)
BAD_CHECK = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")


def _three_screens(client, auth, app, world, credit_code_value=GOOD, website="") -> list[str]:
    """Post the value to the apply form, the profile form and an import; return the 3 pages."""
    applied = apply(client, credit_code=credit_code_value, website=website or None)
    auth.login("admin-a@example.org", PASSWORD)
    profile = client.post(
        "/my/unit",
        data=profile_data(app, world["unit_a"], credit_code=credit_code_value, website=website),
    )
    client.post("/logout")
    auth.login("sec@example.org", PASSWORD)
    rows = [["credit_code", "name_zh", "website"], [credit_code_value, "厦门示例导入公司", website]]
    assert upload(client, csv_bytes(rows)).status_code == 302
    token, valid, _rows = preview_of(app)
    assert not valid
    preview = client.get(f"/admin/units/import/{token}")
    client.post("/logout")
    return [applied.text, profile.text, preview.text]


def _expected(app, message_of) -> str:
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        return str(escape(str(message_of())))


@pytest.mark.parametrize("code", ["91350200MA3", BAD_CHECK, "91350200MA3IO5SV2Z"])
def test_a_bad_credit_code_has_one_message(client, auth, app, world, code):
    expected = _expected(app, lambda: credit_code_message(credit_code.normalize(code)))
    apply_page, profile_page, preview_page = _three_screens(
        client, auth, app, world, credit_code_value=code
    )
    assert expected in apply_page
    assert expected in profile_page
    assert expected in preview_page


@pytest.mark.parametrize(
    ("website", "expected_msgid"),
    [
        ("javascript:alert(1)", "Enter a web address starting with http:// or https://."),
        ("example.org", "Enter a web address starting with http:// or https://."),
        ("https://exa mple.org", "A web address cannot contain spaces."),
    ],
)
def test_a_bad_website_has_one_message(client, auth, app, world, website, expected_msgid):
    expected = _expected(app, lambda: gettext(expected_msgid))
    pages = _three_screens(client, auth, app, world, website=website)
    for page in pages:
        assert expected in page
